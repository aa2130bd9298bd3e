//! vethpair against the real kernel, each test in its own sandbox, with
//! iproute2 as the oracle.

use testkit::{command_or_skip, lab};

const VETHPAIR: &str = env!("CARGO_BIN_EXE_vethpair");

const RED_BLUE: &str = "set -e
    ip netns add red; ip netns add blue
";

/// Every interface of the sandbox and of red and blue.
const STATE: &str =
    "{ ip -o link; ip -n red -o link; ip -n blue -o link; } | sed 's/link\\/ether [^ ]*//'";

/// `NS NAME`: where the peer of NAME (in namespace NS) is, as ip sees it:
/// prints `PEER-NAME in PEER-NS`, PEER-NS `here` when beside NAME.
const PEER_OF: &str = r#"peer_of() {
    ip -n "$1" -d link show "$2" | grep -q '^    veth ' || { echo "$2 is not a veth"; return; }
    line=$(ip -n "$1" -o link show "$2")
    index=$(echo "$line" | sed -n 's/^[0-9]*: [^@]*@\(if\)\{0,1\}\([^:]*\):.*/\2/p')
    peer_ns=$(echo "$line" | sed -n 's/.* link-netns \([^ ]*\).*/\1/p')
    where=${peer_ns:-$1}
    case $index in
        *[!0-9]*) peer=$index ;;
        *) peer=$(ip -n "$where" -o link | sed -n "s/^$index: \([^@:]*\).*/\1/p") ;;
    esac
    echo "$peer in ${peer_ns:-here}"
}
"#;

#[test]
fn the_tutorial_pair_is_born_in_red_and_blue() {
    let Some(r) = lab(
        "tutorial_pair",
        VETHPAIR,
        &format!(
            "{RED_BLUE}{PEER_OF}
            vethpair -n red veth-red --peer-netns blue veth-blue
            peer_of red veth-red; peer_of blue veth-blue
            ip -o link | wc -l"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(r.stdout, "veth-blue in blue\nveth-red in red\n1\n");
}

#[test]
fn the_peer_defaults_to_the_namespace_of_name() {
    let Some(r) = lab(
        "peer_defaults",
        VETHPAIR,
        &format!(
            "{RED_BLUE}{PEER_OF}
            vethpair -n red va vb; peer_of red va
            vethpair -n /run/netns/blue p1 --peer-netns /run/netns/red p2; peer_of blue p1
            vethpair c1 c2; ip -o link show c1 | grep -o 'c1@c2'
            vethpair h1 --peer-netns red h2; ip -o link show h1 | grep -o 'link-netns red'
            h1=$(ip -o link show h1 | cut -d: -f1)
            ip -n red -o link show h2 | grep -q \"^[0-9]*: h2@if$h1:\" && echo h2-paired-with-h1"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "vb in here\np2 in red\nc1@c2\nlink-netns red\nh2-paired-with-h1\n"
    );
}

#[test]
fn a_name_taken_in_another_namespace_does_not_matter() {
    let Some(r) = lab(
        "name_elsewhere",
        VETHPAIR,
        &format!(
            "{RED_BLUE}{PEER_OF}
            ip link add veth-red type veth peer name veth-blue
            vethpair -n red veth-red --peer-netns blue veth-blue
            peer_of red veth-red"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(r.stdout, "veth-blue in blue\n");
}

#[test]
fn a_taken_name_is_named_with_its_namespace_and_nothing_is_created() {
    let Some(r) = lab(
        "taken",
        VETHPAIR,
        &format!(
            "{RED_BLUE}
            vethpair -n red veth-red --peer-netns blue veth-blue
            ip -n red link add other type veth peer name other-peer
            before=$({STATE})
            vethpair -n red veth-red --peer-netns blue new || echo status $?
            vethpair -n red new --peer-netns blue veth-blue || echo status $?
            vethpair -n red new other-peer || echo status $?
            vethpair -n red veth-red --peer-netns blue veth-blue || echo status $?
            [ \"$before\" = \"$({STATE})\" ] && echo unchanged"
        ),
    ) else {
        return;
    };
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "status 1\nstatus 1\nstatus 1\nstatus 1\nunchanged\n"
    );
    assert_eq!(
        r.stderr,
        "vethpair: veth-red: interface already exists in namespace \"red\"\n\
         vethpair: veth-blue: interface already exists in namespace \"blue\"\n\
         vethpair: other-peer: interface already exists in namespace \"red\"\n\
         vethpair: veth-red: interface already exists in namespace \"red\"\n"
    );
}

#[test]
fn exist_ok_accepts_exactly_the_pair_asked_for() {
    let Some(r) = lab(
        "exist_ok",
        VETHPAIR,
        &format!(
            "{RED_BLUE}
            ip netns add green
            ip -n red netns set green 0  # ids that are not in creation order
            ip -n red netns set blue 5
            vethpair -n red veth-red --peer-netns blue veth-blue
            vethpair -n red va vb
            before=$({STATE})
            for args in \
                '-n red veth-red --peer-netns blue veth-blue' \
                '-n /run/netns/red veth-red --peer-netns /run/netns/blue veth-blue' \
                '-n red va vb' \
                '-n red va --peer-netns red vb' \
                '-n red veth-red --peer-netns blue veth-x' \
                '-n red veth-red --peer-netns green veth-blue' \
                '-n red veth-red veth-blue' \
                '-n red va --peer-netns blue vb' \
                '-n red vb va' \
                '-n red lo x' \
                '-n red new --peer-netns blue veth-blue'
            do
                status=0; vethpair -p $args 2>&1 || status=$?; echo \"status $status\"
            done
            [ \"$before\" = \"$({STATE})\" ] && echo unchanged"
        ),
    ) else {
        return;
    };
    assert_eq!(r.code, 0, "{r:?}");
    let red = "interface already exists in namespace \"red\"";
    assert_eq!(
        r.stdout,
        format!(
            "status 0\nstatus 0\nstatus 0\nstatus 0\n\
             vethpair: veth-red: {red}, a veth whose peer is veth-blue\nstatus 1\n\
             vethpair: veth-red: {red}, a veth whose peer is not in namespace \"green\"\nstatus 1\n\
             vethpair: veth-red: {red}, a veth whose peer is not in namespace \"red\"\nstatus 1\n\
             vethpair: va: {red}, a veth whose peer is not in namespace \"blue\"\nstatus 1\n\
             status 0\n\
             vethpair: lo: {red}, not a veth\nstatus 1\n\
             vethpair: veth-blue: interface already exists in namespace \"blue\"\nstatus 1\n\
             unchanged\n"
        )
    );
}

#[test]
fn a_missing_namespace_creates_nothing_anywhere() {
    let Some(r) = lab(
        "missing_namespace",
        VETHPAIR,
        &format!(
            "{RED_BLUE}
            touch /run/netns/stale
            before=$({STATE})
            vethpair -n nowhere a b || echo status $?
            vethpair -n red a --peer-netns nowhere b || echo status $?
            vethpair a --peer-netns nowhere b || echo status $?
            vethpair -n red a --peer-netns stale b 2>/dev/null || echo status $?
            vethpair -n red a --peer-netns /proc/self/ns/uts b || echo status $?
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
        "vethpair: nowhere: no such network namespace\n\
         vethpair: nowhere: no such network namespace\n\
         vethpair: nowhere: no such network namespace\n\
         vethpair: /proc/self/ns/uts: not a network namespace\n"
    );
}

#[test]
fn delete_takes_both_ends_of_each_pair_wherever_the_peer_is() {
    let Some(r) = lab(
        "delete",
        VETHPAIR,
        &format!(
            "{RED_BLUE}
            vethpair -n red veth-red --peer-netns blue veth-blue
            ip -n red link add va type veth peer name vb
            ip -n red link add vc type veth peer name vd
            ip -n red link add keep type veth peer name keep-peer
            vethpair -n red -d veth-red va vb
            vethpair -n red -d vd
            {STATE}"
        ),
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    let links: Vec<&str> = r
        .stdout
        .lines()
        .map(|l| l.split(':').nth(1).unwrap().trim())
        .collect();
    assert_eq!(
        links,
        ["lo", "lo", "keep-peer@keep", "keep@keep-peer", "lo"]
    );
}

#[test]
fn delete_checks_every_name_first_and_force_skips_the_absent() {
    let Some(r) = lab(
        "delete_checks",
        VETHPAIR,
        &format!(
            "{RED_BLUE}
            vethpair -n red veth-red --peer-netns blue veth-blue
            ip -n red link add br0 type bridge
            before=$({STATE})
            for args in 'veth-red nosuch' 'veth-red lo' 'br0 veth-red' 'nosuch'; do
                status=0; vethpair -n red -d $args 2>&1 || status=$?; echo \"status $status\"
            done
            vethpair -d veth-red || echo \"status $?\"
            [ \"$before\" = \"$({STATE})\" ] && echo unchanged
            vethpair -n red -df nosuch veth-red nosuch2 && echo forced
            ip -n blue -o link | grep -c veth-blue"
        ),
    ) else {
        return;
    };
    assert_eq!(r.code, 1, "{r:?}");
    let red = "in namespace \"red\"";
    assert_eq!(
        r.stdout,
        format!(
            "vethpair: nosuch: no such interface {red}\nstatus 1\n\
             vethpair: lo: not a veth {red}\nstatus 1\n\
             vethpair: br0: a bridge, not a veth {red}\nstatus 1\n\
             vethpair: nosuch: no such interface {red}\nstatus 1\n\
             status 1\n\
             unchanged\n\
             forced\n\
             0\n"
        )
    );
    assert_eq!(r.stderr, "vethpair: veth-red: no such interface\n");
}

#[test]
fn the_cable_carries_traffic() {
    if !command_or_skip("the_cable_carries_traffic", "ping", "iputils-ping") {
        return;
    }
    let Some(r) = lab(
        "cable",
        VETHPAIR,
        &format!(
            "{RED_BLUE}
            vethpair -n red veth-red --peer-netns blue veth-blue
            ip -n red addr add 10.0.0.1/24 dev veth-red
            ip -n blue addr add 10.0.0.2/24 dev veth-blue
            ip -n red link set veth-red up
            ip -n blue link set veth-blue up
            ip netns exec red ping -c1 -W1 10.0.0.2 >/dev/null && echo reached"
        ),
    ) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "reached\n", ""),
        "{r:?}"
    );
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    let Some(r) = lab(
        "usage",
        VETHPAIR,
        "for args in '' 'a' 'a b c' 'a b/c' 'x x' '-n red x x' '--peer-netns /proc/self/ns/net x x' '--peer-netns' '-q a b'; do
            vethpair $args 2>&1; echo \"status $?\"
        done
        vethpair --help | head -1; vethpair --version",
    ) else {
        return;
    };
    let hint = " (try 'vethpair --help')";
    let same = "x: both ends would have the same name in the same namespace";
    assert_eq!(
        r.stdout,
        format!(
            "vethpair: expected two interface names: NAME PEER{hint}\nstatus 2\n\
             vethpair: expected two interface names: NAME PEER{hint}\nstatus 2\n\
             vethpair: unexpected argument c{hint}\nstatus 2\n\
             vethpair: b/c: invalid interface name: may not contain '/'{hint}\nstatus 2\n\
             vethpair: {same}{hint}\nstatus 2\n\
             vethpair: {same}{hint}\nstatus 2\n\
             vethpair: {same}{hint}\nstatus 2\n\
             vethpair: missing argument for option '--peer-netns'{hint}\nstatus 2\n\
             vethpair: invalid option '-q'{hint}\nstatus 2\n\
             Usage: vethpair [-n NS] [--peer-netns PEER_NS] [-p] NAME PEER\n\
             vethpair (nstools) 0.1.0\n"
        )
    );
}
