//! `vethpair -l` against what `ip -d link` says of each end, for the same
//! state, each test in its own sandbox.

use testkit::{command_or_skip, lab};

const VETHPAIR: &str = env!("CARGO_BIN_EXE_vethpair");

/// `NS`: each veth end in NS as ip sees it, as vethpair -l prints it:
/// `NAME STATE PEER PEER_NS`, the peer's namespace `-` when beside, the
/// name `ip` gives it (`link-netns NAME`), or `nsid:N` (`link-netnsid N`):
/// then, in these labs, the sandbox's own namespace, where the peer's
/// name is looked up.
const IP_VETHS: &str = r#"ip_veths() {
    for dev in $(ip -n "$1" -o -d link show type veth | sed 's/^[0-9]*: \([^@:]*\).*/\1/'); do
        line=$(ip -n "$1" -o -d link show dev "$dev")
        state=$(echo "$line" | sed 's/.* state \([A-Z]*\) .*/\1/')
        index=$(echo "$line" | sed 's/^[0-9]*: [^@]*@\([^:]*\):.*/\1/')
        where=$(echo "$line" | sed -n 's/.* link-netns \([^ ]*\) .*/\1/p')
        nsid=$(echo "$line" | sed -n 's/.* link-netnsid \([0-9]*\) .*/\1/p')
        case $index in
            if*) peer_ns=${where:-$1}; index=${index#if}
                 peer=$(ip -n "$peer_ns" -o link | sed -n "s/^$index: \([^@:]*\).*/\1/p") ;;
            *) peer=$index ;;
        esac
        [ -n "$nsid" ] && [ -z "$where" ] && peer=$(ip -o link | sed -n "s/^$index: \([^@:]*\).*/\1/p")
        echo "$dev $state $peer ${where:-${nsid:+nsid:$nsid}}" | sed 's/ $/ -/'
    done | LC_ALL=C sort
}
"#;

/// red and blue joined by vethpair, a pair made by ip between blue and
/// green, one inside green, and one whose other end is in the sandbox's
/// own namespace, which has no name.
const LAB: &str = "set -e
    ip netns add red; ip netns add blue; ip netns add green
    vethpair -n red veth-red --peer-netns blue veth-blue
    ip -n blue link add b2 type veth peer name g2 netns green
    ip -n green link add g0 type veth peer name g1
    ip link add vh type veth peer name vr netns red
    ip -n red link set veth-red up
    ip -n blue link set veth-blue up
    # Until the kernel has seen the carrier (ip alone: no linkup here).
    until ip -n red -o link show veth-red | grep -q 'state UP'; do :; done
    until ip -n blue -o link show veth-blue | grep -q 'state UP'; do :; done
";

#[test]
fn each_end_shows_its_peer_and_where_it_is_as_ip_says() {
    let Some(r) = lab(
        "ends_as_ip",
        VETHPAIR,
        &format!(
            "{LAB}{IP_VETHS}
            for ns in red blue green; do
                vethpair -n $ns -l > /run/ours
                ip_veths $ns > /run/theirs
                diff /run/theirs /run/ours && echo \"$ns: same\"
            done
            vethpair -n red -l; vethpair -l"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "red: same\nblue: same\ngreen: same\n\
         veth-red UP veth-blue blue\n\
         vr DOWN vh nsid:1\n\
         vh DOWN vr red\n"
    );
}

#[test]
fn all_netns_names_both_ends_of_every_cable() {
    let Some(r) = lab(
        "all_netns",
        VETHPAIR,
        &format!(
            "{LAB}{IP_VETHS}
            vethpair -A -l > /run/ours
            for ns in blue green red; do ip_veths $ns | sed \"s/^/$ns /\"; done > /run/theirs
            diff /run/theirs /run/ours && cat /run/ours"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "blue b2 DOWN g2 green\n\
         blue veth-blue UP veth-red red\n\
         green g0 DOWN g1 -\n\
         green g1 DOWN g0 -\n\
         green g2 DOWN b2 blue\n\
         red veth-red UP veth-blue blue\n\
         red vr DOWN vh nsid:1\n"
    );
}

#[test]
fn a_hundred_namespaces_in_a_ring_each_cable_whole() {
    // ns1 - ns2 - ... - ns100 - ns1: every namespace's two veths have the
    // same indexes as every other's, so only the namespace ids tell the
    // cables apart.
    let Some(r) = lab(
        "ring",
        VETHPAIR,
        "set -e
        for i in $(seq 100); do ip netns add ns$i; done
        for i in $(seq 100); do
            vethpair -n ns$i right --peer-netns ns$((i % 100 + 1)) left
        done
        vethpair -A -l | awk '{print $1, $2, $5}' > /run/ours
        # ip names the namespace of each end's peer: link-netns NAME.
        for ns in $(ls /run/netns | LC_ALL=C sort); do
            ip -n $ns -o link show type veth |
                sed \"s/^[0-9]*: \\([^@]*\\)@.* link-netns \\([^ ]*\\).*/$ns \\1 \\2/\"
        done | LC_ALL=C sort > /run/theirs
        diff /run/theirs /run/ours && wc -l < /run/ours
        vethpair -A -l | grep '^ns100 '",
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "200\nns100 left DOWN right ns99\nns100 right DOWN left ns1\n"
    );
}

#[test]
fn json_has_ip_keys_and_ours() {
    if !command_or_skip("json_has_ip_keys_and_ours", "python3", "python3") {
        return;
    }
    let Some(r) = lab(
        "json",
        VETHPAIR,
        &format!(
            "{LAB}
            ip -n red -j link show type veth > /run/theirs
            vethpair -n red -l --json > /run/ours
            python3 -c '
import json
ours = json.load(open(\"/run/ours\"))
theirs = {{e[\"ifname\"]: e for e in json.load(open(\"/run/theirs\"))}}
for e in ours:
    ip = theirs[e[\"ifname\"]]
    assert e[\"operstate\"] == ip[\"operstate\"], (e, ip)
    assert e.get(\"link_netnsid\") == ip.get(\"link_netnsid\"), (e, ip)
    print(e[\"ifname\"], e[\"peer\"], e.get(\"peer_netns\"))'
            vethpair -A -l --json | python3 -c '
import json, sys
print(len(json.load(sys.stdin)))'"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(r.stdout, "veth-red veth-blue blue\nvr vh None\n7\n");
}

#[test]
fn names_that_need_escaping_stay_one_line_and_valid_json() {
    if !command_or_skip("names_that_need_escaping", "python3", "python3") {
        return;
    }
    let Some(r) = lab(
        "escaping",
        VETHPAIR,
        r#"set -e
        ip netns add 'ns "1"'; ip netns add 'b\c'
        ip -n 'ns "1"' link add "$(printf 'x\033y')" type veth peer name 'q"z' netns 'b\c'
        vethpair -A -l
        vethpair -A -l --json | python3 -c '
import json, sys
for e in json.load(sys.stdin):
    print(repr(e["netns"]), repr(e["ifname"]), repr(e["peer"]), repr(e["peer_netns"]))'"#,
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "b\\\\c q\"z DOWN x\\033y ns \"1\"\n\
         ns \"1\" x\\033y DOWN q\"z b\\\\c\n\
         'b\\\\c' 'q\"z' 'x\\x1by' 'ns \"1\"'\n\
         'ns \"1\"' 'x\\x1by' 'q\"z' 'b\\\\c'\n"
    );
}

#[test]
fn listing_takes_no_names_and_a_missing_namespace_is_named() {
    let Some(r) = lab(
        "list_usage",
        VETHPAIR,
        "vethpair -l veth-red || echo \"status $?\"
        vethpair -n nowhere -l || echo \"status $?\"
        vethpair -l -A --netns red || echo \"status $?\"
        vethpair -A -l --json",
    ) else {
        return;
    };
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "status 2\nstatus 1\nstatus 2\n[]\n");
    assert_eq!(
        r.stderr,
        "vethpair: -l takes no names (try 'vethpair --help')\n\
         vethpair: nowhere: no such network namespace\n\
         vethpair: -A goes without --netns (try 'vethpair --help')\n"
    );
}
