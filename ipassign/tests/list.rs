//! `ipassign -l` against `ip -br addr` and `ip -j addr` for the same state,
//! each test in its own sandbox.

use testkit::{command_or_skip, lab};

const IPASSIGN: &str = env!("CARGO_BIN_EXE_ipassign");

/// A lab made by ip: red and blue joined by a veth pair and up (so IPv6
/// link-local addresses come), IPv4 and IPv6 addresses, a point-to-point
/// peer address, interfaces with no address.
const LAB: &str = "set -e
    ip netns add red; ip netns add blue
    ip link add veth-red netns red type veth peer name veth-blue netns blue
    ip -n red addr add 10.0.0.1/24 dev veth-red
    ip -n red addr add 10.0.0.5/24 dev veth-red
    ip -n red addr add fd00::1/64 dev veth-red nodad
    ip -n red addr add fd00::2/64 dev veth-red nodad
    ip -n blue addr add 10.0.0.2/24 dev veth-blue
    ip -n red link set veth-red up; ip -n blue link set veth-blue up
    ip -n red link set lo up
    ip -n red link add va type veth peer name vb
    ip -n red addr add 10.9.0.1 peer 10.9.0.2 dev vb
    ip -n red link add br0 type bridge
    # Wait, by iproute2 alone, for the link-local addresses of the cable.
    until ip -n red -6 addr show dev veth-red scope link | grep -q fe80; do :; done
    until ip -n blue -6 addr show dev veth-blue scope link | grep -q fe80; do :; done
";

/// `ip -br addr` of namespace `$1` as ipassign prints it: the name without
/// its `@peer`, a peer address `A peer B/L` as its own `A/L`, in byte
/// order, one space apart.
const IP_BR_ADDR: &str = r#"ip_br_addr() {
    ip -n "$1" -br addr | sed 's/ peer [^ ]*\(\/[0-9]*\)/\1/' |
        awk '{ sub(/@[^ ]*/, "", $1); $1 = $1; print }' | LC_ALL=C sort
}
"#;

#[test]
fn text_is_what_ip_br_addr_shows() {
    let Some(r) = lab(
        "text_as_ip",
        IPASSIGN,
        &format!(
            "{LAB}{IP_BR_ADDR}
            for ns in red blue; do
                ipassign -n $ns -l > /run/ours
                ip_br_addr $ns > /run/theirs
                diff /run/theirs /run/ours && echo \"$ns: same\"
            done
            ipassign -n red -l vb br0"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "red: same\nblue: same\nbr0 DOWN\nvb DOWN 10.9.0.1/32\n"
    );
}

/// Compares `ipassign -l --json` (file 1) with `ip -j addr` (file 2): the
/// same interfaces, states and addresses, in the same order.
const SAME_JSON: &str = r#"
import json, sys
ours = json.load(open(sys.argv[1]))
theirs = json.load(open(sys.argv[2]))
fields = ("family", "local", "address", "prefixlen")
def key(e):
    return (e["ifname"], e["operstate"],
            [tuple(a.get(f) for f in fields) for a in e["addr_info"]])
def peerless(a):
    if a.get("address") == a["local"]:
        del a["address"]
    return a
for e in theirs:
    e["addr_info"] = [peerless(a) for a in e["addr_info"]]
assert [e["ifname"] for e in ours] == sorted(e["ifname"] for e in ours), ours
assert sorted(map(key, ours)) == sorted(map(key, theirs)), (ours, theirs)
print("same", sum(len(e["addr_info"]) for e in ours))
"#;

#[test]
fn json_is_what_ip_j_shows() {
    if !command_or_skip("json_is_what_ip_j_shows", "python3", "python3") {
        return;
    }
    let Some(r) = lab(
        "json_as_ip",
        IPASSIGN,
        &format!(
            "{LAB}
            cat > /run/same.py <<'EOF'{SAME_JSON}EOF
            ipassign -n red -l --json > /run/ours
            ip -n red -j addr > /run/theirs
            python3 /run/same.py /run/ours /run/theirs"
        ),
    ) else {
        return;
    };
    // lo: 2, veth-red: 2 + 2 + link-local, vb: 1.
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "same 8\n", ""),
        "{r:?}"
    );
}

#[test]
fn all_netns_lists_a_hundred_namespaces_as_ip_does_each() {
    let Some(r) = lab(
        "a_hundred",
        IPASSIGN,
        &format!(
            "set -e
            {IP_BR_ADDR}
            for i in $(seq 100); do
                ip netns add ns$i
                ip -n ns$i link set lo up
                ip -n ns$i link add v$i type veth peer name w$i
                ip -n ns$i addr add 10.1.$i.1/24 dev v$i
            done
            ipassign -A -l > /run/ours
            for ns in $(ls /run/netns | LC_ALL=C sort); do
                ip_br_addr $ns | sed \"s/^/$ns /\"
            done > /run/theirs
            diff /run/theirs /run/ours && wc -l < /run/ours
            ipassign -A -l --json | grep -o '\"netns\":' | wc -l
            ipassign -lA v42"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(r.stdout, "300\n300\nns42 v42 DOWN 10.1.42.1/24\n");
}

#[test]
fn missing_devices_and_namespaces_are_named() {
    let Some(r) = lab(
        "missing",
        IPASSIGN,
        "ip netns add red
        ipassign -n red -l lo nope0 || echo \"status $?\"
        ipassign -n nowhere -l || echo \"status $?\"
        ipassign -l --json -A -n red || echo \"status $?\"",
    ) else {
        return;
    };
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "status 1\nstatus 1\nstatus 2\n");
    assert_eq!(
        r.stderr,
        "ipassign: nope0: no such interface in namespace \"red\"\n\
         ipassign: nowhere: no such network namespace\n\
         ipassign: -A goes without -n (try 'ipassign --help')\n"
    );
}
