//! Where nsping and iputils ping parted, each case on its own lab, with
//! iputils' output on the same lab as the reference where it is
//! installed: redirects, flood to an unreachable host, broadcast, payloads
//! too large to send, option values, interfaces, names, and stdout that
//! takes no output.

mod support;

use support::{assert_same_as_ping, lab, ping_installed, section, sections, NSPING};
use testkit::{run, usable_or_skip};

/// Runs `script` in a bare sandbox (loopback up, nothing else).
fn bare(script: &str) -> (String, String, i32) {
    let r = run(&format!("ip link set lo up\n{script}"), NSPING);
    (r.stdout, r.stderr, r.code)
}

/// The lines of `stderr` that `tool` printed, with the tool's name made
/// `nsping`, so that iputils' messages compare with ours.
fn messages(stderr: &str, tool: &str) -> Vec<String> {
    let prefix = format!("{tool}: ");
    stderr
        .lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(|l| format!("nsping: {l}"))
        .collect()
}

/// Red reaches 10.0.1.2 by r1 (10.0.0.254), which forwards to r2
/// (10.0.0.253) on the same link and so sends red an ICMP redirect. Red
/// does not take redirects, so every probe goes by r1.
const REDIRECT_LAB: &str = "
set -e
for n in red r1 r2 sw far; do ip netns add $n; done
ip -n sw link add br0 type bridge
ip -n sw link set br0 up
for n in red r1 r2; do
  ip link add v-$n netns $n type veth peer name p-$n netns sw
  ip -n sw link set p-$n master br0
  ip -n sw link set p-$n up
  ip -n $n link set v-$n up
  ip -n $n link set lo up
done
ip -n red addr add 10.0.0.1/24 dev v-red
ip -n r1 addr add 10.0.0.254/24 dev v-r1
ip -n r2 addr add 10.0.0.253/24 dev v-r2
ip link add v-far netns far type veth peer name f-r2 netns r2
ip -n far addr add 10.0.1.2/24 dev v-far
ip -n far link set v-far up
ip -n r2 addr add 10.0.1.1/24 dev f-r2
ip -n r2 link set f-r2 up
ip -n far route add default via 10.0.1.1
ip -n red route add default via 10.0.0.254
ip -n r1 route add 10.0.1.0/24 via 10.0.0.253
for n in r1 r2; do ip netns exec $n sysctl -qw net.ipv4.ip_forward=1; done
ip netns exec r1 sysctl -qw net.ipv4.conf.all.send_redirects=1
ip netns exec red sysctl -qw net.ipv4.conf.all.accept_redirects=0 net.ipv4.conf.v-red.accept_redirects=0
for i in $(seq 100); do
  nsping -n red -c 1 -W 0.1 10.0.1.2 >/dev/null 2>&1 && break
done
set +e
";

#[test]
fn redirects_are_printed_as_iputils_prints_them() {
    if !usable_or_skip("redirects_are_printed_as_iputils_prints_them") {
        return;
    }
    // r1 rate-limits its redirects to one host (20 ms, doubling): one
    // probe each, well apart.
    let script = format!(
        "{REDIRECT_LAB}
        sleep 0.5
        nsping -n red -c 1 10.0.1.2; echo \"=== raw rc=$?\"
        sleep 0.5
        ip netns exec red ping -c 1 10.0.1.2; echo \"=== ping rc=$?\"
        ip netns exec red sh -c 'echo 0 2147483647 > /proc/sys/net/ipv4/ping_group_range'
        sleep 0.5
        nsping -n red -c 1 10.0.1.2; echo \"=== datagram rc=$?\""
    );
    let r = run(&script, NSPING);
    let all = sections(&r.stdout);
    let (raw, rc) = section(&all, "raw");
    assert_eq!(rc, 0, "{raw}{}", r.stderr);
    assert!(
        raw.contains("\nFrom 10.0.0.254: icmp_seq=1 Redirect Host(New nexthop: 10.0.0.253)\n"),
        "{raw}"
    );
    assert!(
        raw.contains("1 packets transmitted, 1 received, 0% packet loss"),
        "{raw}"
    );
    if ping_installed() {
        assert_same_as_ping(raw, section(&all, "ping").0);
    }
    // A datagram socket has the redirect on its error queue: an error.
    let (dgram, _) = section(&all, "datagram");
    assert!(
        dgram.contains("\nFrom 10.0.0.254 icmp_seq=1 Redirect Host(New nexthop: 10.0.0.253)\n"),
        "{dgram}"
    );
}

#[test]
fn flood_to_an_unreachable_host_runs_out_of_buffers_and_prints_e() {
    if !usable_or_skip("flood_to_an_unreachable_host_runs_out_of_buffers_and_prints_e") {
        return;
    }
    // ARP for 10.0.0.9 goes on for 30 s: nothing comes back in the run,
    // the queued probes fill the small send buffer, and after -W of
    // ENOBUFS each try counts as a lost probe, an E.
    let (out, err, _) = lab(
        "ip netns exec red sysctl -qw net.ipv4.neigh.veth-red.mcast_solicit=30
         nsping -n red -f -W 1 -w 3 10.0.0.9; echo \"=== ours rc=$?\"
         if command -v ping >/dev/null; then
           ip netns exec red ping -f -W 1 -w 3 10.0.0.8; echo \"=== ping rc=$?\"
         fi",
    );
    let all = sections(&out);
    let shape = |text: &str| -> String {
        let line = text.lines().nth(1).unwrap_or("");
        let mut s: Vec<char> = line.chars().collect();
        s.dedup();
        s.into_iter().collect()
    };
    let (ours, rc) = section(&all, "ours");
    assert_eq!(rc, 1, "{ours}{err}");
    assert_eq!(shape(ours), ".E", "dots, then E's: {ours:?}");
    if ping_installed() {
        assert_eq!(shape(section(&all, "ping").0), ".E");
    }
}

#[test]
fn broadcast_is_refused_without_b_and_pinged_with_it() {
    if !usable_or_skip("broadcast_is_refused_without_b_and_pinged_with_it") {
        return;
    }
    let (out, err, _) = lab(
        "ip netns exec blue sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0
         nsping -n red -c 1 10.0.0.255; echo \"=== refused rc=$?\"
         nsping -n red -b -c 2 -i 0.2 10.0.0.255 2>&1; echo \"=== b rc=$?\"
         if command -v ping >/dev/null; then
           ip netns exec red ping -c 1 10.0.0.255; echo \"=== ping-refused rc=$?\"
           ip netns exec red ping -b -c 2 -i 0.2 10.0.0.255 2>&1; echo \"=== ping-b rc=$?\"
         fi",
    );
    let all = sections(&out);
    let (refused, rc) = section(&all, "refused");
    assert_eq!((refused, rc), ("", 2));
    assert_eq!(
        messages(&err, "nsping")[0],
        "nsping: Do you want to ping broadcast? Then -b. If not, check your local firewall rules"
    );
    let (b, rc) = section(&all, "b");
    assert_eq!(rc, 0, "{b}");
    assert!(b.starts_with("WARNING: pinging broadcast address\n"), "{b}");
    assert!(
        b.contains("\n64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time="),
        "{b}"
    );
    assert!(!b.contains("DIFFERENT ADDRESS"), "{b}");
    if ping_installed() {
        assert_eq!(section(&all, "ping-refused").1, 2);
        assert_eq!(messages(&err, "ping"), messages(&err, "nsping"));
        assert_same_as_ping(b, section(&all, "ping-b").0);
    }
}

#[test]
fn payloads_too_large_are_sent_and_fail_as_local_errors() {
    if !usable_or_skip("payloads_too_large_are_sent_and_fail_as_local_errors") {
        return;
    }
    let cases = [
        ("v4", "-s 65508 127.0.0.1"),
        ("v6", "-s 65528 ::1"),
        ("huge", "-s 70000 127.0.0.1"),
    ];
    let mut script = String::new();
    for (name, args) in cases {
        script.push_str(&format!(
            "nsping -c 2 -i 0.2 -W 0.2 {args} 2>/run/{name}.err; echo \"=== {name} rc=$?\"
             cat /run/{name}.err >&2
             if command -v ping >/dev/null; then
               ping -c 2 -i 0.2 -W 0.2 {args} 2>/run/{name}.err; echo \"=== ping-{name} rc=$?\"
               cat /run/{name}.err >&2
             fi\n"
        ));
    }
    let (out, err, _) = bare(&script);
    let all = sections(&out);
    let (v4, rc) = section(&all, "v4");
    assert_eq!(rc, 1, "{v4}{err}");
    assert!(v4.starts_with("PING 127.0.0.1 (127.0.0.1) 65508(65536) bytes of data.\n"));
    assert!(
        v4.contains("2 packets transmitted, 0 received, +2 errors, 100% packet loss"),
        "{v4}"
    );
    let (v6, rc) = section(&all, "v6");
    assert_eq!(rc, 1, "{v6}{err}");
    assert!(v6.contains(", +2 errors, 100% packet loss"), "{v6}");
    let (huge, rc) = section(&all, "huge");
    assert_eq!(rc, 1, "{huge}{err}");
    assert!(huge.contains("2 packets transmitted, 0 received, 100% packet loss"));
    let ours = messages(&err, "nsping");
    assert_eq!(
        ours,
        [
            "nsping: local error: message too long, mtu=65535",
            "nsping: local error: message too long, mtu=65535",
            "nsping: local error: message too long, mtu: 65536",
            "nsping: local error: message too long, mtu: 65536",
            // Where iputils says nothing (no IP packet holds that much),
            // nsping says why each probe failed.
            "nsping: sendmsg: Message too long",
            "nsping: sendmsg: Message too long",
        ],
    );
    if ping_installed() {
        for (name, _) in cases {
            let (theirs, rc) = section(&all, &format!("ping-{name}"));
            assert_eq!(rc, 1);
            assert_same_as_ping(section(&all, name).0, theirs);
        }
        assert_eq!(messages(&err, "ping"), ours[..4]);
    }
}

#[test]
fn option_values_and_a_missing_host_fail_with_status_1_as_iputils() {
    if !usable_or_skip("option_values_and_a_missing_host_fail_with_status_1_as_iputils") {
        return;
    }
    let cases = [
        "-c 1.1 127.0.0.1",
        "-c 0 127.0.0.1",
        "-c 99999999999999999999 127.0.0.1",
        "-w 0,1 127.0.0.1",
        "-w 0.1 127.0.0.1",
        "-w -5 127.0.0.1",
        "-s -1 127.0.0.1",
        "-t 256 127.0.0.1",
        "",
    ];
    let mut script = String::new();
    for (i, args) in cases.iter().enumerate() {
        script.push_str(&format!("nsping {args}; echo \"=== ours{i} rc=$?\"\n"));
        script.push_str(&format!(
            "command -v ping >/dev/null && {{ ping {args}; echo \"=== ping{i} rc=$?\"; }}\n"
        ));
    }
    script.push_str("nsping --bogus 127.0.0.1; echo \"=== unknown rc=$?\"\n");
    let (out, err, _) = bare(&script);
    let all = sections(&out);
    for (i, args) in cases.iter().enumerate() {
        assert_eq!(section(&all, &format!("ours{i}")).1, 1, "{args}: {err}");
    }
    assert_eq!(
        section(&all, "unknown").1,
        2,
        "an unknown option is a usage error"
    );
    let ours = messages(&err, "nsping");
    assert_eq!(ours[0], "nsping: invalid argument: '1.1'");
    assert_eq!(
        ours[1],
        "nsping: invalid argument: '0': out of range: 1 <= value <= 9223372036854775807"
    );
    assert_eq!(
        ours[2],
        "nsping: invalid argument: '99999999999999999999': Numerical result out of range"
    );
    assert_eq!(ours[4], "nsping: invalid argument: '0.1'");
    assert_eq!(ours[8], "nsping: usage error: Destination address required");
    if ping_installed() {
        for (i, args) in cases.iter().enumerate() {
            assert_eq!(section(&all, &format!("ping{i}")).1, 1, "ping {args}");
        }
        assert_eq!(messages(&err, "ping"), ours[..cases.len()]);
    }
}

#[test]
fn a_missing_interface_is_named_as_iputils_names_it() {
    if !usable_or_skip("a_missing_interface_is_named_as_iputils_names_it") {
        return;
    }
    let (out, err, _) = bare(
        "nsping -c 1 -I nonexisting 127.0.0.1; echo \"=== v4 rc=$?\"
         nsping -c 1 -I nonexisting ::1; echo \"=== v6 rc=$?\"
         if command -v ping >/dev/null; then
           ping -c 1 -I nonexisting 127.0.0.1; echo \"=== ping4 rc=$?\"
           ping -c 1 -I nonexisting ::1; echo \"=== ping6 rc=$?\"
         fi",
    );
    let all = sections(&out);
    assert_eq!(section(&all, "v4"), ("", 2));
    assert_eq!(section(&all, "v6"), ("", 2));
    let ours = messages(&err, "nsping");
    assert_eq!(
        ours,
        [
            "nsping: SO_BINDTODEVICE nonexisting: No such device",
            "nsping: unknown iface: nonexisting"
        ]
    );
    if ping_installed() {
        assert_eq!((section(&all, "ping4").1, section(&all, "ping6").1), (2, 2));
        assert_eq!(messages(&err, "ping"), ours);
    }
}

/// `/etc/hosts` with `localhost` as Debian writes it, both families.
const HOSTS: &str = "
printf '127.0.0.1 localhost\\n::1 localhost ip6-localhost ip6-loopback\\n' > /run/hosts
mount --bind /run/hosts /etc/hosts
";

#[test]
fn localhost_is_resolved_in_getaddrinfos_order() {
    if !usable_or_skip("localhost_is_resolved_in_getaddrinfos_order") {
        return;
    }
    let (out, err, _) = bare(&format!(
        "{HOSTS}
         nsping -c 1 localhost; echo \"=== ours rc=$?\"
         nsping -4 -c 1 localhost; echo \"=== v4 rc=$?\"
         command -v ping >/dev/null && {{ ping -c 1 localhost; echo \"=== ping rc=$?\"; }}"
    ));
    let all = sections(&out);
    let (ours, rc) = section(&all, "ours");
    assert_eq!(rc, 0, "{ours}{err}");
    // RFC 6724: ::1 has the higher precedence.
    assert!(
        ours.starts_with("PING localhost(::1) 56 data bytes\n"),
        "{ours}"
    );
    let (v4, rc) = section(&all, "v4");
    assert_eq!(rc, 0, "{v4}");
    assert!(v4.starts_with("PING localhost (127.0.0.1) 56(84) bytes of data.\n"));
    if ping_installed() {
        let (theirs, _) = section(&all, "ping");
        assert!(
            theirs.starts_with("PING localhost(localhost (::1))"),
            "{theirs}"
        );
    }
}

#[test]
fn resolver_failures_read_as_glibc_words_them() {
    if !usable_or_skip("resolver_failures_read_as_glibc_words_them") {
        return;
    }
    // Only the hosts file: an unknown name. Then a name server that cannot
    // be reached (loopback down): a temporary failure.
    let (out, err, _) = bare(&format!(
        "{HOSTS}
         echo 'hosts: files' > /run/nsswitch.conf
         mount --bind /run/nsswitch.conf /etc/nsswitch.conf
         nsping -c 1 nosuch; echo \"=== unknown rc=$?\"
         command -v ping >/dev/null && ping -c 1 nosuch
         echo 'hosts: files dns' > /run/nsswitch.conf
         echo 'nameserver 127.0.0.1' > /run/resolv.conf
         mount --bind /run/resolv.conf /etc/resolv.conf
         ip link set lo down
         nsping -c 1 nosuch.example; echo \"=== again rc=$?\"
         command -v ping >/dev/null && ping -c 1 nosuch.example"
    ));
    let all = sections(&out);
    assert_eq!(section(&all, "unknown").1, 2);
    assert_eq!(section(&all, "again").1, 2);
    let ours = messages(&err, "nsping");
    assert_eq!(
        ours,
        [
            "nsping: nosuch: Name or service not known",
            "nsping: nosuch.example: Temporary failure in name resolution"
        ]
    );
    if ping_installed() {
        assert_eq!(messages(&err, "ping"), ours);
    }
}

#[test]
fn a_write_error_on_stdout_is_one_line_and_status_1() {
    if !usable_or_skip("a_write_error_on_stdout_is_one_line_and_status_1") {
        return;
    }
    let (out, err, _) = bare(
        "nsping -c 2 -i 0.2 127.0.0.1 >/dev/full; echo \"=== full rc=$?\"
         nsping -i 0.2 127.0.0.1 >/dev/full; echo \"=== endless rc=$?\"
         nsping -c 2 -i 0.2 127.0.0.1 >&-; echo \"=== closed rc=$?\"
         { nsping -c 4 -i 0.2 127.0.0.1; echo $? >/run/status; } | head -c 10
         echo; echo \"=== pipe rc=$(cat /run/status)\"",
    );
    let all = sections(&out);
    assert_eq!(section(&all, "full").1, 1, "{err}");
    assert_eq!(section(&all, "endless").1, 1, "{err}");
    assert_eq!(section(&all, "closed").1, 1, "{err}");
    assert_eq!(
        messages(&err, "nsping"),
        [
            "nsping: write error: No space left on device",
            "nsping: write error: No space left on device",
            "nsping: write error: Bad file descriptor"
        ]
    );
    // A reader that went away: SIGPIPE, as for iputils.
    assert_eq!(section(&all, "pipe"), ("PING 127.0\n", 141));
}
