//! `vethpair --remote`: VXLAN ends against the real kernel, each test in
//! its own sandbox, where two "hosts" are namespaces joined by an underlay
//! veth; iproute2 is the oracle.

use testkit::batch::rolled_back;
use testkit::{command_or_skip, lab};

const VETHPAIR: &str = env!("CARGO_BIN_EXE_vethpair");

/// Host A (namespace ha, 192.168.7.1) and host B (hb, 192.168.7.2) on
/// one underlay cable, and the lab's red and blue; settled (carrier up,
/// no IPv6 link-local address to come), so that a snapshot holds still.
const HOSTS: &str = "set -e
    ip netns add ha; ip netns add hb; ip netns add red; ip netns add blue
    ip link add ua netns ha type veth peer name ub netns hb
    ip -n ha link set ua addrgenmode none; ip -n hb link set ub addrgenmode none
    ip -n ha addr add 192.168.7.1/24 dev ua; ip -n hb addr add 192.168.7.2/24 dev ub
    ip -n ha link set ua up; ip -n hb link set ub up
    until ip -n ha -o link show ua | grep -q 'state UP'; do :; done
    until ip -n hb -o link show ub | grep -q 'state UP'; do :; done
";

/// The same hosts over IPv6 (fd00:7::1 and fd00:7::2), usable at once.
const HOSTS6: &str = "set -e
    ip netns add ha; ip netns add hb; ip netns add red; ip netns add blue
    ip link add ua netns ha type veth peer name ub netns hb
    ip -n ha addr add fd00:7::1/64 dev ua nodad; ip -n hb addr add fd00:7::2/64 dev ub nodad
    ip -n ha link set ua up; ip -n hb link set ub up
";

/// Every link of every namespace, without what changes by itself: MAC
/// addresses, states, the carrier of a link just set up, a bridge's timers.
const STATE: &str = "for ns in ha hb red blue; do ip -n $ns -d -o link; done \
    | sed 's/link\\/ether [^ ]*//; s/ state [A-Z]*//; s/NO-CARRIER,//; s/[a-z_]*_timer *[0-9.]*//g'";

/// `NS DEV`: the VXLAN settings of DEV as ip shows them, and its MTU.
const VXLAN_OF: &str = r#"vxlan_of() {
    ip -n "$1" -d -o link show "$2" | sed -n 's/.* mtu \([0-9]*\) .*link-netns \([^ ]*\).* vxlan id \([0-9]*\) remote \([^ ]*\) .*dstport \([0-9]*\).*/mtu \1 underlay \2 vni \3 remote \4 port \5/p'
}
"#;

/// red and blue addressed and up, on whatever ends vx-red and vx-blue are.
const ADDRESS_AND_UP: &str = "
    ip -n red addr add 10.0.0.1/24 dev vx-red; ip -n blue addr add 10.0.0.2/24 dev vx-blue
    ip -n red link set vx-red up; ip -n blue link set vx-blue up
";

fn ping_or_skip(test: &str) -> bool {
    command_or_skip(test, "ping", "iputils-ping")
}

#[test]
fn the_two_host_tutorial_crosses_the_underlay() {
    if !ping_or_skip("two_hosts") {
        return;
    }
    let Some(r) = lab(
        "two_hosts",
        VETHPAIR,
        &format!(
            "{HOSTS}{VXLAN_OF}
            # host A
            vethpair -n red --underlay-netns ha --remote 192.168.7.2 --vni 42 vx-red
            # host B
            vethpair -n blue --underlay-netns hb --remote 192.168.7.1 --vni 42 vx-blue
            vxlan_of red vx-red; vxlan_of blue vx-blue
            {ADDRESS_AND_UP}
            ip netns exec red ping -c1 -W5 10.0.0.2 >/dev/null && echo red reached blue
            ip netns exec blue ping -c1 -W5 10.0.0.1 >/dev/null && echo blue reached red
            # A full-size frame fits: 1450 bytes inside, 1500 on the underlay.
            ip netns exec red ping -c1 -W5 -M do -s 1422 10.0.0.2 >/dev/null && echo 1450 fits
            vethpair -n red -d vx-red; vethpair -n blue -d vx-blue
            ip -n red -o link | grep -c vx || true
            ip -n ha -o link | grep -o ' ua@'"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "mtu 1450 underlay ha vni 42 remote 192.168.7.2 port 4789\n\
         mtu 1450 underlay hb vni 42 remote 192.168.7.1 port 4789\n\
         red reached blue\nblue reached red\n1450 fits\n0\n ua@\n"
    );
}

#[test]
fn an_ipv6_underlay_takes_70_bytes() {
    if !ping_or_skip("ipv6_underlay") {
        return;
    }
    let Some(r) = lab(
        "ipv6_underlay",
        VETHPAIR,
        &format!(
            "{HOSTS6}{VXLAN_OF}
            vethpair -n red --underlay-netns ha --remote fd00:7::2 --vni 7 --port 4790 vx-red
            vethpair -n blue --underlay-netns hb --remote fd00:7::1 --local fd00:7::2 --vni 7 --port 4790 vx-blue
            vxlan_of red vx-red; vxlan_of blue vx-blue
            ip -n blue -d -o link show vx-blue | grep -o 'local fd00:7::2'
            {ADDRESS_AND_UP}
            ip netns exec red ping -c1 -W5 10.0.0.2 >/dev/null && echo red reached blue
            ip netns exec blue ping -c1 -W5 -M do -s 1402 10.0.0.1 >/dev/null && echo 1430 fits"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "mtu 1430 underlay ha vni 7 remote fd00:7::2 port 4790\n\
         mtu 1430 underlay hb vni 7 remote fd00:7::1 port 4790\n\
         local fd00:7::2\nred reached blue\n1430 fits\n"
    );
}

#[test]
fn the_mtu_follows_the_underlay_device() {
    let Some(r) = lab(
        "mtu",
        VETHPAIR,
        &format!(
            "{HOSTS}{VXLAN_OF}
            ip -n ha link set ua mtu 9000
            ip -n ha link add slim mtu 1280 type veth peer name slim-peer; ip -n ha link set slim up
            ip -n ha addr add 172.16.0.1/24 dev slim
            vethpair -n red --underlay-netns ha --remote 192.168.7.2 --vni 1 v1
            # With --dev the kernel sizes the end from DEV, whatever the route.
            vethpair -n red --underlay-netns ha --remote 192.168.7.2 --vni 2 --dev slim v2
            vethpair -n red --underlay-netns ha --remote 172.16.0.9 --vni 3 v3
            ip -n ha route add 10.9.0.0/16 via 192.168.7.2 mtu 4000
            vethpair -n red --underlay-netns ha --remote 10.9.0.1 --vni 4 v4
            # Without -n or --underlay-netns, both are where vethpair runs.
            ip link add here mtu 2000 type veth peer name here-peer; ip link set here up
            ip addr add 172.17.0.1/24 dev here
            vethpair --remote 172.17.0.2 --vni 5 v5
            for v in v1 v2 v3 v4; do vxlan_of red $v; done
            ip -d -o link show v5 | grep -o ' mtu [0-9]*'
            ip -d -o link show v5 | grep -c link-netns || true"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "mtu 8950 underlay ha vni 1 remote 192.168.7.2 port 4789\n\
         mtu 1230 underlay ha vni 2 remote 192.168.7.2 port 4789\n\
         mtu 1230 underlay ha vni 3 remote 172.16.0.9 port 4789\n\
         mtu 3950 underlay ha vni 4 remote 10.9.0.1 port 4789\n\
         \x20mtu 1950\n0\n"
    );
}

#[test]
fn a_remote_given_by_name_is_looked_up() {
    let Some(r) = lab(
        "by_name",
        VETHPAIR,
        &format!(
            "{HOSTS}{VXLAN_OF}
            printf '127.0.0.1 localhost\\n192.168.7.2 host-b\\nfd00:7::2 host-b\\nfd00:7::3 only6\\n' >/run/hosts
            mount --bind /run/hosts /etc/hosts
            ip -n ha addr add fd00:7::1/64 dev ua nodad
            vethpair -n red --underlay-netns ha --remote host-b --vni 42 vx-red
            vethpair -n red --underlay-netns ha --remote HOST-B --vni 6 --local fd00:7::1 vx-six
            vxlan_of red vx-red; vxlan_of red vx-six
            vethpair -n red --underlay-netns ha --remote only6 --vni 7 --local 192.168.7.1 vx || echo status $?
            vethpair -n red --underlay-netns ha --remote host-c --vni 7 vx || echo status $?"
        ),
    ) else {
        return;
    };
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "mtu 1450 underlay ha vni 42 remote 192.168.7.2 port 4789\n\
         mtu 1430 underlay ha vni 6 remote fd00:7::2 port 4789\n\
         status 1\nstatus 1\n"
    );
    assert_eq!(
        r.stderr,
        "vethpair: only6: no such host with an IPv4 address in /etc/hosts\n\
         vethpair: host-c: no such host in /etc/hosts\n"
    );
}

#[test]
fn a_wrong_vni_or_port_connects_nothing_and_says_nothing_but_l_shows_it() {
    if !ping_or_skip("mismatch") {
        return;
    }
    let Some(r) = lab(
        "mismatch",
        VETHPAIR,
        &format!(
            "{HOSTS}
            ip netns add green
            vethpair -n red --underlay-netns ha --remote 192.168.7.2 --vni 42 vx-red
            vethpair -n blue --underlay-netns hb --remote 192.168.7.1 --vni 43 vx-blue
            vethpair -n green --underlay-netns hb --remote 192.168.7.1 --vni 42 --port 4790 vx-green
            echo created
            {ADDRESS_AND_UP}
            ip -n green addr add 10.0.0.3/24 dev vx-green; ip -n green link set vx-green up
            ip netns exec red ping -c1 -W1 10.0.0.2 >/dev/null || echo wrong vni: no reply
            ip netns exec red ping -c1 -W1 10.0.0.3 >/dev/null || echo wrong port: no reply
            vethpair -n red -l; vethpair -n blue -l; vethpair -n green -l"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "created\nwrong vni: no reply\nwrong port: no reply\n\
         vx-red UNKNOWN 192.168.7.2 ha vni:42 port:4789\n\
         vx-blue UNKNOWN 192.168.7.1 hb vni:43 port:4789\n\
         vx-green UNKNOWN 192.168.7.1 hb vni:42 port:4790\n"
    );
}

#[test]
fn remote_ends_are_listed_as_such_as_ip_shows_them() {
    let Some(r) = lab(
        "remote_list",
        VETHPAIR,
        &format!(
            "{HOSTS}
            vethpair -n red --underlay-netns ha --remote 192.168.7.2 --vni 42 vx-red
            vethpair -n red --underlay-netns /proc/self/ns/net --remote 10.9.9.9 --vni 7 vx-far 2>&1 || true
            ip link set lo up; ip route add 10.9.0.0/16 dev lo
            vethpair -n red --underlay-netns /proc/self/ns/net --remote 10.9.9.9 --vni 7 vx-far
            vethpair -n blue --underlay-netns hb --remote 192.168.7.1 --local 192.168.7.2 --port 5000 --vni 43 vx-blue
            ip -n ha link add vx-ip type vxlan id 45 remote 192.168.7.2 dstport 4789
            ip -n red -d -o link show vx-red | grep -o 'link-netns ha .*vxlan id 42 remote 192.168.7.2 .*dstport 4789' >/dev/null && echo ip agrees
            vethpair -n red -l; vethpair -n ha -l
            echo; vethpair -A -l
            echo; vethpair -n blue -l --json"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "vethpair: 10.9.9.9: no route in namespace \"/proc/self/ns/net\": Network is unreachable\n\
         ip agrees\n\
         vx-far DOWN 10.9.9.9 nsid:1 vni:7 port:4789\n\
         vx-red DOWN 192.168.7.2 ha vni:42 port:4789\n\
         ua UP ub hb\n\
         vx-ip DOWN 192.168.7.2 - vni:45 port:4789\n\
         \n\
         blue vx-blue DOWN 192.168.7.1 hb vni:43 port:5000 local:192.168.7.2\n\
         ha ua UP ub hb\n\
         ha vx-ip DOWN 192.168.7.2 - vni:45 port:4789\n\
         hb ub UP ua ha\n\
         red vx-far DOWN 10.9.9.9 nsid:1 vni:7 port:4789\n\
         red vx-red DOWN 192.168.7.2 ha vni:42 port:4789\n\
         \n\
         [{\"ifname\":\"vx-blue\",\"operstate\":\"DOWN\",\"link_netnsid\":0,\
         \"remote\":\"192.168.7.1\",\"vni\":43,\"port\":5000,\"local\":\"192.168.7.2\",\
         \"underlay_netns\":\"hb\"}]\n"
    );
}

#[test]
fn bad_input_gets_one_line_and_changes_nothing() {
    let Some(r) = lab(
        "bad_input",
        VETHPAIR,
        &format!(
            "{HOSTS}
            vethpair -n red --underlay-netns ha --remote 192.168.7.2 --vni 42 vx-red
            before=$({STATE})
            for args in \
                '--vni 0 vx' \
                '--vni 16777216 vx' \
                '--vni 1 vx veth-blue' \
                '--vni 1 --underlay-netns nowhere vx' \
                '--vni 1 --remote no-such-host.invalid vx' \
                '--vni 1 --remote 192.168.9.9 vx' \
                '--vni 1 --dev nosuch vx' \
                '--vni 42 vx-other' \
                '--vni 1 vx-red'
            do
                status=0
                vethpair -n red --underlay-netns ha --remote 192.168.7.2 $args 2>/run/err || status=$?
                echo \"status $status: $(wc -l </run/err) line: $(cat /run/err)\"
            done
            [ \"$before\" = \"$({STATE})\" ] && echo unchanged"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    let lines: Vec<&str> = r.stdout.lines().collect();
    let hint = " (try 'vethpair --help')";
    let red = "in namespace \"red\"";
    assert_eq!(lines.len(), 10, "{r:?}");
    assert_eq!(
        lines[..4],
        [
            format!("status 2: 1 line: vethpair: invalid value for --vni: 0 (not in 1..16777215){hint}"),
            format!("status 2: 1 line: vethpair: invalid value for --vni: 16777216 (not in 1..16777215){hint}"),
            format!("status 2: 1 line: vethpair: unexpected argument veth-blue: a VXLAN end has no PEER (--remote makes NAME only){hint}"),
            "status 1: 1 line: vethpair: nowhere: no such network namespace".to_string(),
        ]
    );
    assert_eq!(
        lines[4..],
        [
            "status 1: 1 line: vethpair: no-such-host.invalid: no such host in /etc/hosts".to_string(),
            "status 1: 1 line: vethpair: 192.168.9.9: no route in namespace \"ha\": Network is unreachable".to_string(),
            "status 1: 1 line: vethpair: nosuch: no such interface in namespace \"ha\"".to_string(),
            format!("status 1: 1 line: vethpair: vx-other: cannot create VXLAN end {red}: File exists (A VXLAN device with the specified VNI already exists)"),
            format!("status 1: 1 line: vethpair: vx-red: interface already exists {red}"),
            "unchanged".to_string(),
        ]
    );
}

#[test]
fn exist_ok_accepts_exactly_the_end_asked_for() {
    let Some(r) = lab(
        "remote_exist_ok",
        VETHPAIR,
        &format!(
            "{HOSTS}
            ip netns add hc
            ip link add uc netns hc type veth peer name uc2 netns hb
            ip -n hc addr add 192.168.7.1/24 dev uc; ip -n hc link set uc up
            vethpair -n red --underlay-netns ha --remote 192.168.7.2 --vni 42 vx-red
            vethpair -n red --underlay-netns ha --remote 192.168.7.2 --vni 9 --port 5000 --local 192.168.7.1 --dev ua vx-full
            ip -n red link add br0 type bridge
            before=$({STATE})
            for args in \
                '--underlay-netns ha --remote 192.168.7.2 --vni 42 vx-red' \
                '--underlay-netns /run/netns/ha --remote 192.168.7.2 --vni 42 --port 4789 vx-red' \
                '--underlay-netns ha --remote 192.168.7.2 --vni 9 --port 5000 --local 192.168.7.1 --dev ua vx-full' \
                '--underlay-netns ha --remote 192.168.7.2 --vni 43 vx-red' \
                '--underlay-netns ha --remote 192.168.7.3 --vni 42 vx-red' \
                '--underlay-netns ha --remote 192.168.7.2 --vni 42 --port 4790 vx-red' \
                '--underlay-netns ha --remote 192.168.7.2 --vni 42 --local 192.168.7.1 vx-red' \
                '--underlay-netns hc --remote 192.168.7.2 --vni 42 vx-red' \
                '--underlay-netns ha --remote 192.168.7.2 --vni 9 --port 5000 --local 192.168.7.1 vx-full' \
                '--underlay-netns ha --remote 192.168.7.2 --vni 42 br0'
            do
                status=0; vethpair -p -n red $args 2>&1 || status=$?; echo \"status $status\"
            done
            [ \"$before\" = \"$({STATE})\" ] && echo unchanged"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    let red = "vethpair: vx-red: interface already exists in namespace \"red\"";
    assert_eq!(
        r.stdout,
        format!(
            "status 0\nstatus 0\nstatus 0\n\
             {red}, a VXLAN end with VNI 42\nstatus 1\n\
             {red}, a VXLAN end to 192.168.7.2\nstatus 1\n\
             {red}, a VXLAN end on port 4789\nstatus 1\n\
             {red}, a VXLAN end with local address none\nstatus 1\n\
             {red}, a VXLAN end over another underlay namespace\nstatus 1\n\
             vethpair: vx-full: interface already exists in namespace \"red\", a VXLAN end over another device\nstatus 1\n\
             vethpair: br0: interface already exists in namespace \"red\", a bridge, not a VXLAN end\nstatus 1\n\
             unchanged\n"
        )
    );
}

#[test]
fn delete_removes_a_remote_end_and_leaves_its_underlay() {
    let Some(r) = lab(
        "remote_delete",
        VETHPAIR,
        &format!(
            "{HOSTS}
            ip link add va type veth peer name vb
            ip addr add 192.168.8.1/24 dev va; ip link set va up
            vethpair --remote 192.168.8.2 --vni 1 --dev va vx
            vethpair -d vx va
            ip -o link | cut -d: -f2 | tr -d ' '
            vethpair -n red --underlay-netns ha --remote 192.168.7.2 --vni 42 vx-red
            vethpair -n red -d vx-red
            ip -n red -o link | cut -d: -f2 | tr -d ' '
            ip -n ha -o link | cut -d: -f2 | tr -d ' '"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(r.stdout, "lo\nlo\nlo\nua@if2\n");
}

#[test]
fn a_vni_held_by_a_namespace_being_deleted_is_waited_for() {
    let Some(r) = lab(
        "dying_vni",
        VETHPAIR,
        &format!(
            "{HOSTS}
            # The kernel frees an end's VNI some time after its namespace
            # is deleted: the same end made again at once waits for it.
            for i in 1 2 3 4 5 6 7 8 9 10; do
                vethpair -n red --underlay-netns ha --remote 192.168.7.2 --vni 42 vx-red
                ip netns del red; ip netns add red
            done
            echo made again ten times"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(r.stdout, "made again ten times\n");
}

#[test]
fn batch_lines_make_remote_ends() {
    if !ping_or_skip("remote_batch") {
        return;
    }
    let Some(r) = lab(
        "remote_batch",
        VETHPAIR,
        &format!(
            "{HOSTS}
            printf '%s\\n' '# both machines, and a pair on one' \
                '-n red --underlay-netns ha --remote 192.168.7.2 --vni 42 vx-red' \
                '-n blue --underlay-netns hb --remote 192.168.7.1 --vni 42 vx-blue' \
                '-n red --underlay-netns ha --remote 192.168.7.2 --vni 42 vx-red' \
                '-n red va --peer-netns blue vb' > /run/batch
            vethpair -p -b /run/batch && echo made
            {ADDRESS_AND_UP}
            ip netns exec red ping -c1 -W5 10.0.0.2 >/dev/null && echo red reached blue
            vethpair -A -l"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "made\nred reached blue\n\
         blue vb DOWN va red\n\
         blue vx-blue UNKNOWN 192.168.7.1 hb vni:42 port:4789\n\
         ha ua UP ub hb\n\
         hb ub UP ua ha\n\
         red va DOWN vb blue\n\
         red vx-red UNKNOWN 192.168.7.2 ha vni:42 port:4789\n"
    );
}

#[test]
fn a_failing_batch_line_undoes_the_remote_ends_before_it() {
    for (batch, message) in [
        (
            "-n red --underlay-netns ha --remote 192.168.7.2 --vni 42 vx-red\\n\
             -n blue --underlay-netns ha --remote 192.168.7.2 --vni 42 vx-blue\\n",
            "2: vx-blue: cannot create VXLAN end in namespace \"blue\": File exists \
             (A VXLAN device with the specified VNI already exists)",
        ),
        (
            "-n red --underlay-netns ha --remote 192.168.7.2 --vni 42 vx-red\\n\
             -n blue --underlay-netns ha --remote 192.168.7.9 --vni 1 --dev nosuch vx\\n",
            "2: nosuch: no such interface in namespace \"ha\"",
        ),
        (
            "-n red --underlay-netns ha --remote 192.168.7.2 --vni 42 vx-red\\n\
             -n red --underlay-netns ha --remote 192.168.7.2 --vni 43 vx-red\\n",
            "2: vx-red: interface already exists in namespace \"red\"",
        ),
    ] {
        // Without `set -e`: the batch is to fail, and the script go on.
        let hosts = HOSTS.replacen("set -e", "", 1);
        let script = rolled_back(
            &format!("{hosts}\nprintf -- '{batch}' > /run/batch"),
            "vethpair -b /run/batch",
        );
        let Some(r) = lab("remote_batch_undone", VETHPAIR, &script) else {
            return;
        };
        assert_eq!(
            r.stdout,
            format!("status=1\nvethpair: /run/batch:{message}\nunchanged\n"),
            "{batch}"
        );
    }
}
