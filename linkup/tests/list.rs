//! `linkup -l` against `ip -br link` and `ip -j -br link` for the same
//! state, each test in its own sandbox.

use testkit::{command_or_skip, lab};

const LINKUP: &str = env!("CARGO_BIN_EXE_linkup");

/// A lab made by ip: red and blue joined by a veth pair, a pair inside red
/// with one end up (its peer down: M-DOWN), a bridge, loopback up.
const LAB: &str = "set -e
    ip netns add red; ip netns add blue
    ip link add veth-red netns red type veth peer name veth-blue netns blue
    ip -n red link add va type veth peer name vb
    ip -n red link add br0 type bridge
    ip -n red link set va up; ip -n red link set lo up; ip -n red link set br0 up
    ip -n blue link set veth-blue up
";

/// `ip -br link` of namespace `$1` as linkup prints it: the name without
/// its `@peer`, the state, the flags without `<>` (`-` for none), in byte
/// order.
const IP_BR_LINK: &str = r#"ip_br_link() {
    ip -n "$1" -br link | awk '{ n = $1; sub(/@.*/, "", n); f = $NF; gsub(/[<>]/, "", f); if (f == "") f = "-"; print n, $2, f }' | LC_ALL=C sort
}
"#;

#[test]
fn text_is_what_ip_br_link_shows() {
    let Some(r) = lab(
        "text_as_ip",
        LINKUP,
        &format!(
            "{LAB}{IP_BR_LINK}
            for ns in red blue; do
                linkup -n $ns -l > /run/ours
                ip_br_link $ns > /run/theirs
                diff /run/theirs /run/ours && echo \"$ns: same\"
            done
            linkup -n red -l | grep -c M-DOWN
            linkup -n red -l vb lo"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "red: same\nblue: same\n1\nlo UNKNOWN LOOPBACK,UP,LOWER_UP\nvb DOWN BROADCAST,MULTICAST\n"
    );
}

/// Compares `linkup -l --json` (file 1) with `ip -j -br link` (file 2):
/// the same interfaces with the same state and flags, ours sorted.
const SAME_JSON: &str = r#"
import json, sys
ours = json.load(open(sys.argv[1]))
theirs = json.load(open(sys.argv[2]))
key = lambda e: (e["ifname"], e["operstate"], e["flags"])
assert [e["ifname"] for e in ours] == sorted(e["ifname"] for e in ours), ours
assert sorted(map(key, ours)) == sorted(map(key, theirs)), (ours, theirs)
assert all(set(e) == {"ifname", "operstate", "flags"} for e in ours), ours
print("same")
"#;

#[test]
fn json_is_what_ip_j_shows() {
    if !command_or_skip("json_is_what_ip_j_shows", "python3", "python3") {
        return;
    }
    let Some(r) = lab(
        "json_as_ip",
        LINKUP,
        &format!(
            "{LAB}
            cat > /run/same.py <<'EOF'{SAME_JSON}EOF
            linkup -n red -l --json > /run/ours
            ip -n red -j -br link > /run/theirs
            python3 /run/same.py /run/ours /run/theirs"
        ),
    ) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "same\n", ""),
        "{r:?}"
    );
}

#[test]
fn names_that_need_escaping_stay_one_line_and_valid_json() {
    if !command_or_skip("names_that_need_escaping", "python3", "python3") {
        return;
    }
    let Some(r) = lab(
        "escaping",
        LINKUP,
        r#"set -e
        ip netns add 'a"b'
        ip -n 'a"b' link add "$(printf 'x\001y')" type veth peer name 'q"\z'
        ip -n 'a"b' link add 'é→' type bridge
        linkup -A -l
        linkup -A -l --json | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    print(repr(e["netns"]), repr(e["ifname"]))'"#,
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "a\"b lo DOWN LOOPBACK\n\
         a\"b q\"\\\\z DOWN BROADCAST,MULTICAST,M-DOWN\n\
         a\"b x\\001y DOWN BROADCAST,MULTICAST,M-DOWN\n\
         a\"b é→ DOWN BROADCAST,MULTICAST\n\
         'a\"b' 'lo'\n\
         'a\"b' 'q\"\\\\z'\n\
         'a\"b' 'x\\x01y'\n\
         'a\"b' 'é→'\n"
    );
}

#[test]
fn all_netns_lists_a_hundred_namespaces_as_ip_does_each() {
    let Some(r) = lab(
        "a_hundred",
        LINKUP,
        &format!(
            "set -e
            {IP_BR_LINK}
            for i in $(seq 100); do
                ip netns add ns$i
                ip -n ns$i link add v$i type veth peer name w$i
                [ $((i % 2)) = 0 ] && ip -n ns$i link set v$i up
            done
            touch /run/netns/stale
            linkup -A -l > /run/ours
            for ns in $(ls /run/netns | LC_ALL=C sort); do
                [ $ns = stale ] || ip_br_link $ns | sed \"s/^/$ns /\"
            done > /run/theirs
            diff /run/theirs /run/ours && wc -l < /run/ours
            linkup -A -l v7 w8 | awk '{{print $1, $2}}'"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(r.stdout, "300\nns7 v7\nns8 w8\n");
}

#[test]
fn a_namespace_vanishing_meanwhile_is_skipped() {
    let Some(r) = lab(
        "vanishing",
        LINKUP,
        "set -e
        for i in $(seq 100); do ip netns add ns$i; done
        (for i in $(seq 100); do ip netns del ns$i; done; touch /run/done) &
        until [ -e /run/done ]; do linkup -A -l > /dev/null || echo failed; done
        wait
        linkup -A -l",
    ) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "", ""),
        "{r:?}"
    );
}

#[test]
fn missing_devices_and_namespaces_are_named() {
    let Some(r) = lab(
        "missing",
        LINKUP,
        &format!(
            "{LAB}
            linkup -n red -l va nope0 || echo \"status $?\"
            linkup -A -l nope0 || echo \"status $?\"
            linkup -n nowhere -l || echo \"status $?\"
            linkup -l -A -n red || echo \"status $?\""
        ),
    ) else {
        return;
    };
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "status 1\nstatus 1\nstatus 1\nstatus 2\n");
    assert_eq!(
        r.stderr,
        "linkup: nope0: no such interface in namespace \"red\"\n\
         linkup: nope0: no such interface in any named namespace\n\
         linkup: nowhere: no such network namespace\n\
         linkup: -A goes without -n (try 'linkup --help')\n"
    );
}
