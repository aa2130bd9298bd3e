//! ipassign against the real kernel, each test in its own sandbox, with
//! iproute2 as the oracle: what ipassign assigns must read back exactly as
//! what `ip addr add` assigns.

use testkit::{command_or_skip, lab};

const IPASSIGN: &str = env!("CARGO_BIN_EXE_ipassign");

/// Namespace red with veth-red (its peer veth-x beside it), made by ip.
const RED: &str = "set -e
    ip netns add red
    ip -n red link add veth-red type veth peer name veth-x
";

/// Everything in red, to show that a failed call changed nothing.
const STATE: &str =
    "{ ip -n red -o link; ip -n red -o addr; ip -n red route; ip -n red -6 route; }";

#[test]
fn each_address_reads_back_as_ip_addr_add_makes_it() {
    // (address, what else ip is told, what else ipassign is told)
    let cases = [
        ("10.0.0.1/24", "", ""),
        ("10.0.0.1", "", ""),
        ("127.0.0.2/8", "", ""),
        ("10.1.0.1/16", "brd +", "--broadcast"),
        ("10.1.0.1/31", "brd +", "--broadcast"),
        ("192.168.7.9/0", "", ""),
        ("fd00::1/64", "", ""),
        ("fd00::1/64", "nodad", "--nodad"),
        ("fd00::2", "", ""),
        ("2001:db8::ffff:1.2.3.4/96", "nodad", "--nodad"),
    ];
    let mut script = RED.to_string();
    for (address, ip, ours) in cases {
        script.push_str(&format!(
            "ip -n red addr add {address} {ip} dev veth-red
            theirs=$(ip -n red -o addr show dev veth-red; ip -n red route; ip -n red -6 route)
            ip -n red addr flush dev veth-red
            ipassign -n red {ours} veth-red {address} 2>&1
            mine=$(ip -n red -o addr show dev veth-red; ip -n red route; ip -n red -6 route)
            ip -n red addr flush dev veth-red
            if [ \"$theirs\" = \"$mine\" ] && [ -n \"$mine\" ]; then echo same; else
                echo \"{address} {ours}: ip made: $theirs\"; echo \"ipassign made: $mine\"; fi
            "
        ));
    }
    let Some(r) = lab("reads_back_as_ip_addr_add", IPASSIGN, &script) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(r.stdout, "same\n".repeat(cases.len()));
}

#[test]
fn several_addresses_of_both_families_in_one_call() {
    let Some(r) = lab(
        "several_addresses",
        IPASSIGN,
        &format!(
            "{RED}
            ipassign -n red --nodad veth-red 10.0.0.1/24 fd00::1/64 10.9.0.1/16 fd09::1/48
            ip -n red -o addr show dev veth-red | awk '{{print $3, $4, $6}}'"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "inet 10.0.0.1/24 global\ninet 10.9.0.1/16 global\n\
         inet6 fd09::1/48 global\ninet6 fd00::1/64 global\n"
    );
}

#[test]
fn exist_ok_accepts_the_same_address_and_length_only() {
    let Some(r) = lab(
        "exist_ok",
        IPASSIGN,
        &format!(
            "{RED}
            ipassign -n red --nodad veth-red 10.0.0.1/24 fd00::1/64
            before=$({STATE})
            ipassign -n red veth-red 10.0.0.1/24 || echo status $?
            ipassign -n red veth-red fd00::1/64 || echo status $?
            ipassign -n red -p veth-red 10.0.0.1/24 fd00::1/64 && echo ok
            ipassign -n red -p veth-red fd00::1/80 || echo status $?
            [ \"$before\" = \"$({STATE})\" ] && echo unchanged
            ipassign -n red -p veth-red 10.0.0.1/16 && echo ok
            ip -n red -o -4 addr show dev veth-red | awk '{{print $4}}'"
        ),
    ) else {
        return;
    };
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "status 1\nstatus 1\nok\nstatus 1\nunchanged\nok\n10.0.0.1/24\n10.0.0.1/16\n"
    );
    assert_eq!(
        r.stderr,
        "ipassign: 10.0.0.1/24: already assigned to veth-red in namespace \"red\"\n\
         ipassign: fd00::1/64: already assigned to veth-red in namespace \"red\"\n\
         ipassign: fd00::1/80: already assigned to veth-red in namespace \"red\" as fd00::1/64\n"
    );
}

#[test]
fn a_failure_part_way_takes_back_what_the_call_added() {
    let Some(r) = lab(
        "failure_part_way",
        IPASSIGN,
        &format!(
            "{RED}
            ip -n red addr add 10.0.0.3/24 dev veth-red
            before=$({STATE})
            ipassign -n red veth-red 10.0.0.1/24 fd00::1/64 10.0.0.3/24 fd00::2/64 || echo status $?
            [ \"$before\" = \"$({STATE})\" ] && echo unchanged"
        ),
    ) else {
        return;
    };
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "status 1\nunchanged\n");
    assert_eq!(
        r.stderr,
        "ipassign: 10.0.0.3/24: already assigned to veth-red in namespace \"red\"\n"
    );
}

#[test]
fn delete_and_force() {
    let Some(r) = lab(
        "delete_and_force",
        IPASSIGN,
        &format!(
            "{RED}
            ip -n red addr add 10.0.0.1/24 dev veth-red
            ip -n red addr add 10.7.0.2/16 dev veth-red
            ip -n red addr add fd00::1/64 dev veth-red nodad
            ip -n red addr add fd00::2/64 dev veth-red nodad
            before=$({STATE})
            ipassign -n red -d veth-red 10.0.0.9/24 || echo status $?
            ipassign -n red -d veth-red 10.0.0.1/24 10.0.0.9 fd00::1/64 || echo status $?
            ipassign -n red -d veth-red 10.0.0.1/16 || echo status $?
            ipassign -n red -d veth-red fd00::1 || echo status $?
            ipassign -n red -d veth-red 10.0.0.1/24 fd00::1/80 || echo status $?
            [ \"$before\" = \"$({STATE})\" ] && echo unchanged
            ipassign -n red -d veth-red 10.0.0.1/24 fd00::1/64 && echo removed
            ipassign -n red -d veth-red 10.7.0.2 && echo wildcard
            ipassign -n red -d -f veth-red 10.0.0.1/24 fd00::1/64 fd00::2/64 && echo forced
            ipassign -n red -d -f nosuch 10.0.0.1 && echo no-interface
            ip -n red -o addr show dev veth-red | wc -l"
        ),
    ) else {
        return;
    };
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "status 1\nstatus 1\nstatus 1\nstatus 1\nstatus 1\nunchanged\nremoved\nwildcard\nforced\nno-interface\n0\n"
    );
    let red = "veth-red in namespace \"red\"";
    assert_eq!(
        r.stderr,
        format!(
            "ipassign: 10.0.0.9/24: not assigned to {red}\n\
             ipassign: 10.0.0.9: not assigned to {red}\n\
             ipassign: 10.0.0.1/16: not assigned to {red}\n\
             ipassign: fd00::1: not assigned to {red} as fd00::1/128\n\
             ipassign: fd00::1/80: not assigned to {red}\n"
        )
    );
}

#[test]
fn a_removal_failing_half_way_puts_back_what_went() {
    // The 4th request, after the link lookup, the address dump and the
    // first removal, is refused. The first removal took 10.0.0.1/24, and
    // with it the kernel took its secondary 10.0.0.2/24: both come back,
    // label and broadcast address included (in another order: a primary
    // put back comes after the others).
    if !command_or_skip("half_way_removal", "strace", "strace") {
        return;
    }
    let Some(r) = lab(
        "half_way_removal",
        IPASSIGN,
        &format!(
            "{RED}
            ip -n red addr add 10.0.0.1/24 brd + dev veth-red label veth-red:one
            ip -n red addr add 10.0.0.2/24 dev veth-red
            ip -n red addr add 10.9.0.1/16 dev veth-red
            before=$({STATE} | sort)
            strace -f -qq -o /dev/null -e trace=sendto -e inject=sendto:error=ENOMEM:when=4 \
                ipassign -n red -d veth-red 10.0.0.1/24 10.9.0.1/16 || echo status $?
            [ \"$before\" = \"$({STATE} | sort)\" ] && echo unchanged"
        ),
    ) else {
        return;
    };
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "status 1\nunchanged\n");
    assert_eq!(
        r.stderr,
        "ipassign: 10.9.0.1/16: cannot remove from veth-red in namespace \"red\": \
         Cannot allocate memory\n"
    );
}

#[test]
fn a_secondary_gone_with_its_primary_is_removed_as_asked() {
    let Some(r) = lab(
        "gone_with_an_earlier_one",
        IPASSIGN,
        &format!(
            "{RED}
            ip -n red addr add 10.0.0.1/24 dev veth-red
            ip -n red addr add 10.0.0.2/24 dev veth-red
            ipassign -n red -d veth-red 10.0.0.1/24 10.0.0.2/24 && echo removed
            ip -n red -o addr show dev veth-red | wc -l"
        ),
    ) else {
        return;
    };
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        ("removed\n0\n", ""),
        "{r:?}"
    );
}

#[test]
fn malformed_input_is_refused_before_anything_is_sent() {
    let mut script =
        format!("{RED}\nip -n red addr add 10.0.0.3/24 dev veth-red\nbefore=$({STATE})\n");
    let bad = [
        "300.1.1.1",
        "10.0.0.1/33",
        "fd00::1/129",
        "abc",
        "''",
        "10.0.0.1/",
        "10.0.0.1/24/8",
        "10.1/16",
        "fe80::1%veth-red",
        "'10.0.0.1 '",
    ];
    for input in bad {
        script.push_str(&format!(
            "ipassign -n red veth-red 10.0.0.1/24 {input} fd00::1/64 || echo status $?\n\
             ipassign -n red -d veth-red 10.0.0.3/24 {input} || echo status $?\n"
        ));
    }
    script.push_str(&format!(
        "[ \"$before\" = \"$({STATE})\" ] && echo unchanged\n"
    ));
    let Some(r) = lab("malformed_input", IPASSIGN, &script) else {
        return;
    };
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        format!("{}unchanged\n", "status 2\n".repeat(2 * bad.len()))
    );
    let expected: String = [
        "300.1.1.1: invalid address: not an IPv4 or IPv6 address",
        "10.0.0.1/33: invalid prefix length: IPv4 takes 0 to 32",
        "fd00::1/129: invalid prefix length: IPv6 takes 0 to 128",
        "abc: invalid address: not an IPv4 or IPv6 address",
        "\"\": invalid address: empty",
        "10.0.0.1/: invalid prefix length: IPv4 takes 0 to 32",
        "10.0.0.1/24/8: invalid prefix length: IPv4 takes 0 to 32",
        "10.1/16: invalid address: not an IPv4 or IPv6 address",
        "fe80::1%veth-red: invalid address: not an IPv4 or IPv6 address",
        "\"10.0.0.1 \": invalid address: not an IPv4 or IPv6 address",
    ]
    .iter()
    .map(|m| format!("ipassign: {m} (try 'ipassign --help')\n").repeat(2))
    .collect();
    assert_eq!(r.stderr, expected);
}

#[test]
fn missing_interface_and_namespace() {
    let Some(r) = lab(
        "missing",
        IPASSIGN,
        &format!(
            "{RED}
            before=$({STATE})
            ipassign -n red nosuch 10.0.0.1/24 || echo status $?
            ipassign -n red -d nosuch 10.0.0.1/24 || echo status $?
            ipassign nosuch 10.0.0.1/24 || echo status $?
            ipassign -n blue veth-red 10.0.0.1/24 || echo status $?
            ipassign -n blue -d -f veth-red 10.0.0.1/24 || echo status $?
            [ \"$before\" = \"$({STATE})\" ] && echo unchanged"
        ),
    ) else {
        return;
    };
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "status 1\nstatus 1\nstatus 1\nstatus 1\nstatus 1\nunchanged\n"
    );
    assert_eq!(
        r.stderr,
        "ipassign: nosuch: no such interface in namespace \"red\"\n\
         ipassign: nosuch: no such interface in namespace \"red\"\n\
         ipassign: nosuch: no such interface\n\
         ipassign: blue: no such network namespace\n\
         ipassign: blue: no such network namespace\n"
    );
}

#[test]
fn usage_errors_and_help() {
    let Some(r) = lab(
        "usage",
        IPASSIGN,
        "for args in '' 'veth-red' '-f d 10.0.0.1' '-d -p d 10.0.0.1' 'a:b 10.0.0.1' 'd 10.0.0.1 10.0.0.1/8'; do
            ipassign $args 2>&1; echo \"status $?\"
        done
        ipassign --help | head -2; ipassign -V",
    ) else {
        return;
    };
    let hint = " (try 'ipassign --help')";
    assert_eq!(
        r.stdout,
        format!(
            "ipassign: missing interface name{hint}\nstatus 2\n\
             ipassign: missing address{hint}\nstatus 2\n\
             ipassign: -f goes with -d{hint}\nstatus 2\n\
             ipassign: -p goes without -d{hint}\nstatus 2\n\
             ipassign: a:b: invalid interface name: may not contain ':'{hint}\nstatus 2\n\
             ipassign: 10.0.0.1/8: address given twice{hint}\nstatus 2\n\
             Usage: ipassign [-n NS] [-p] [--broadcast] [--nodad] DEV ADDR[/LEN]...\n\
             \x20      ipassign [-n NS] -d [-f] DEV ADDR[/LEN]...\n\
             ipassign (nstools) 0.1.0\n"
        )
    );
}

#[test]
fn the_addresses_carry_traffic_across_the_cable() {
    if !command_or_skip("the_addresses_carry_traffic", "ping", "iputils-ping") {
        return;
    }
    let Some(r) = lab(
        "cable",
        IPASSIGN,
        "set -e
        ip netns add red; ip netns add blue
        ip link add veth-red netns red type veth peer name veth-blue netns blue
        ipassign -n red --nodad veth-red 10.0.0.1/24 fd00::1/64
        ipassign -n blue --nodad veth-blue 10.0.0.2/24 fd00::2/64
        ip -n red link set veth-red up
        ip -n blue link set veth-blue up
        ip netns exec red ping -c1 -W1 10.0.0.2 >/dev/null && echo reached v4
        # The first IPv6 echo right after link-up is lost while neighbour
        # discovery runs (the same with `ip addr add ... nodad`): retry.
        ip netns exec red ping -c1 -w3 -i0.2 fd00::2 >/dev/null && echo reached v6",
    ) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "reached v4\nreached v6\n", ""),
        "{r:?}"
    );
}
