//! linkup against the real kernel, each test in its own sandbox, with
//! iproute2 as the oracle.

use testkit::{command_or_skip, lab};

const LINKUP: &str = env!("CARGO_BIN_EXE_linkup");

/// red and blue joined by veth-red / veth-blue, made by ip.
const CABLE: &str = "set -e
    ip netns add red; ip netns add blue
    ip link add veth-red netns red type veth peer name veth-blue netns blue
";

/// The flags of a link, as `ip` prints them: `BROADCAST,MULTICAST,UP,...`;
/// `ns` is "" for the sandbox's own namespace.
fn flags(ns: &str, dev: &str) -> String {
    let ip = if ns.is_empty() {
        "ip".to_string()
    } else {
        format!("ip -n {ns}")
    };
    format!("{ip} -o link show {dev} | sed 's/.*<\\(.*\\)>.*/\\1/'")
}

#[test]
fn up_changes_that_flag_alone_and_both_ends_up_have_carrier() {
    let script = format!(
        "{CABLE}
        ip -n red link set veth-red promisc on
        linkup -n red veth-red; {red}
        linkup -n blue veth-blue; {red}; {blue}
        linkup -n red --down veth-red; {red}; {blue}",
        red = flags("red", "veth-red"),
        blue = flags("blue", "veth-blue"),
    );
    let Some(r) = lab("up_changes_that_flag_alone", LINKUP, &script) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "NO-CARRIER,BROADCAST,MULTICAST,PROMISC,UP\n\
         BROADCAST,MULTICAST,PROMISC,UP,LOWER_UP\n\
         BROADCAST,MULTICAST,UP,LOWER_UP\n\
         BROADCAST,MULTICAST,PROMISC\n\
         NO-CARRIER,BROADCAST,MULTICAST,UP\n"
    );
}

#[test]
fn setting_the_state_a_link_is_in_is_a_quiet_success() {
    let script = format!(
        "{CABLE}
        linkup -n red veth-red; linkup -n red veth-red; {red}
        linkup -n red --down veth-red; linkup -n red --down veth-red; {red}",
        red = flags("red", "veth-red"),
    );
    let Some(r) = lab("idempotent", LINKUP, &script) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "NO-CARRIER,BROADCAST,MULTICAST,UP\nBROADCAST,MULTICAST\n"
    );
}

#[test]
fn several_devices_at_once_and_loopback() {
    let script = format!(
        "set -e
        ip link add va type veth peer name vb
        linkup va vb lo
        {a}; {b}; {lo}
        linkup --down vb va; {a}",
        a = flags("", "va"),
        b = flags("", "vb"),
        lo = flags("", "lo"),
    );
    let Some(r) = lab("several_devices", LINKUP, &script) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "BROADCAST,MULTICAST,UP,LOWER_UP\n\
         BROADCAST,MULTICAST,UP,LOWER_UP\n\
         LOOPBACK,UP,LOWER_UP\n\
         BROADCAST,MULTICAST,M-DOWN\n"
    );
}

#[test]
fn a_missing_device_is_named_with_its_namespace_and_changes_nothing() {
    let script = format!(
        "{CABLE}
        ip -n red link add va type veth peer name vb
        before=$(ip -n red -o link)
        for args in 'nosuch' 'veth-red nosuch' 'va vb nosuch veth-red' '--down va nosuch'; do
            status=0; linkup -n red $args || status=$?
            echo \"$args: $status\"
        done
        test \"$before\" = \"$(ip -n red -o link)\" && echo unchanged
        linkup nosuch || echo status=$?"
    );
    let Some(r) = lab("missing_device", LINKUP, &script) else {
        return;
    };
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "nosuch: 1\nveth-red nosuch: 1\nva vb nosuch veth-red: 1\n--down va nosuch: 1\nunchanged\nstatus=1\n"
    );
    let line = "linkup: nosuch: no such interface in namespace \"red\"\n";
    assert_eq!(
        r.stderr,
        format!("{}linkup: nosuch: no such interface\n", line.repeat(4))
    );
}

#[test]
fn a_missing_namespace_is_an_error() {
    let Some(r) = lab(
        "missing_namespace",
        LINKUP,
        "linkup -n nowhere lo; echo $?; linkup -n /proc/self/ns/uts lo; echo $?",
    ) else {
        return;
    };
    assert_eq!(r.stdout, "1\n1\n");
    assert_eq!(
        r.stderr,
        "linkup: nowhere: no such network namespace\n\
         linkup: /proc/self/ns/uts: not a network namespace\n"
    );
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    let Some(r) = lab(
        "usage_errors",
        LINKUP,
        "for args in '' 'a/b' 'eth0:1' '-n' '--bogus lo' 'lo lo' '-n .. lo'; do
            linkup $args 2>&1; echo \"status $?\"
        done
        linkup --help | head -1; linkup -V",
    ) else {
        return;
    };
    assert_eq!(
        r.stdout,
        "linkup: missing interface name (try 'linkup --help')\nstatus 2\n\
         linkup: a/b: invalid interface name: may not contain '/' (try 'linkup --help')\nstatus 2\n\
         linkup: eth0:1: invalid interface name: may not contain ':' (try 'linkup --help')\nstatus 2\n\
         linkup: missing argument for option '-n' (try 'linkup --help')\nstatus 2\n\
         linkup: invalid option '--bogus' (try 'linkup --help')\nstatus 2\n\
         linkup: lo: interface given twice (try 'linkup --help')\nstatus 2\n\
         linkup: ..: invalid namespace name: may not be \".\" or \"..\" (try 'linkup --help')\nstatus 2\n\
         Usage: linkup [-n NS] [--down] [--wait[=SECONDS]] DEV...\n\
         linkup (nstools) 0.1.0\n"
    );
}

#[test]
fn with_both_ends_up_the_cable_carries_traffic() {
    if !command_or_skip("the_cable_carries_traffic", "ping", "iputils-ping") {
        return;
    }
    let Some(r) = lab(
        "cable",
        LINKUP,
        &format!(
            "{CABLE}
            ip -n red addr add 10.0.0.1/24 dev veth-red
            ip -n blue addr add 10.0.0.2/24 dev veth-blue
            linkup -n red veth-red lo
            ip netns exec red ping -c1 -W1 10.0.0.2 >/dev/null 2>&1 || echo unreachable while blue is down
            linkup -n blue veth-blue
            # ARP failed a moment ago; the retry of the neighbour entry may
            # take a beat, so allow a few echoes.
            ip netns exec red ping -c1 -w3 -i0.2 10.0.0.2 >/dev/null && echo reached"
        ),
    ) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "unreachable while blue is down\nreached\n", ""),
        "{r:?}"
    );
}

/// The operational state of a link, as `ip` prints it.
fn state(ns: &str, dev: &str) -> String {
    format!("ip -n {ns} -o link show {dev} | sed 's/.* state \\([A-Z]*\\) .*/\\1/'")
}

#[test]
fn wait_returns_once_both_ends_of_the_cable_run() {
    let script = format!(
        "{CABLE}
        linkup -n red veth-red
        linkup -n blue --wait veth-blue; echo \"status $?\"
        {red}; {blue}
        # Waiting on the end that already runs, and on loopback, returns at once.
        linkup -n red --wait=0 veth-red lo; echo \"status $?\"",
        red = state("red", "veth-red"),
        blue = state("blue", "veth-blue"),
    );
    let Some(r) = lab("wait_both_ends", LINKUP, &script) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(r.stdout, "status 0\nUP\nUP\nstatus 0\n");
}

#[test]
fn wait_hears_a_peer_in_a_namespace_without_a_name() {
    // vh is in the sandbox's own namespace, which has no name in red.
    let script = format!(
        "set -e
        ip netns add red
        ip link add vh type veth peer name vr netns red
        linkup vh
        linkup -n red --wait=10 vr; echo \"status $?\"
        ip -o link show vh | sed 's/.* state \\([A-Z]*\\) .*/\\1/'
        {vr}",
        vr = state("red", "vr"),
    );
    let Some(r) = lab("wait_unnamed_peer", LINKUP, &script) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(r.stdout, "status 0\nUP\nUP\n");
}

#[test]
fn wait_gives_up_in_time_naming_the_device_and_its_state() {
    let script = format!(
        "{CABLE}
        linkup -n red --wait=0.2 veth-red || echo \"status $?\"
        {flags}",
        flags = flags("red", "veth-red"),
    );
    let Some(r) = lab("wait_timeout", LINKUP, &script) else {
        return;
    };
    assert_eq!(r.code, 0, "{r:?}");
    // The link stays up: only the wait failed.
    assert_eq!(r.stdout, "status 1\nNO-CARRIER,BROADCAST,MULTICAST,UP\n");
    // DOWN until the kernel's linkwatch has looked at the new link (it may
    // take a second for one without carrier), LOWERLAYERDOWN after.
    let said = |state: &str| {
        r.stderr == format!("linkup: veth-red: still {state} after 0.2 s in namespace \"red\"\n")
    };
    assert!(said("DOWN") || said("LOWERLAYERDOWN"), "{r:?}");
}

#[test]
fn wait_listens_before_the_change_and_never_sleeps() {
    if !command_or_skip("wait_listens_before", "strace", "strace") {
        return;
    }
    let script = format!(
        "{CABLE}
        linkup -n red veth-red
        strace -o /run/trace -e trace=bind,sendto,sendmsg,nanosleep,clock_nanosleep,poll,ppoll \\
            linkup -n blue --wait veth-blue
        # Keep what matters, in order: the bind to the link events' group,
        # the change (RTM_NEWLINK, 0x10), any sleep.
        sed -n -e '/^bind.*nl_groups=0x0*1}}/s/.*/listen/p' \\
            -e '/^sendto.*nlmsg_type=\\(0x10\\|RTM_NEWLINK\\)[ ,]/s/.*/change/p' \\
            -e '/nanosleep/s/.*/sleep/p' /run/trace"
    );
    let Some(r) = lab("wait_listens_before", LINKUP, &script) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(r.stdout, "listen\nchange\n");
}

#[test]
fn wait_holds_until_the_carrier_comes() {
    // red's end is set up while blue's is down: linkup --wait must still
    // be there, asleep, when blue's end comes up (without --wait it has
    // exited by then), and return once red's end runs.
    let script = format!(
        "{CABLE}
        linkup -n red --wait=10 veth-red & pid=$!
        while :; do
            s=$(sed 's/.*) \\(.\\).*/\\1/' /proc/$pid/stat)
            case $s in S|Z) break;; esac
        done
        echo \"linkup: $s\"
        linkup -n blue veth-blue
        wait $pid; echo \"status $?\"
        {red}",
        red = state("red", "veth-red"),
    );
    let Some(r) = lab("wait_holds", LINKUP, &script) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(r.stdout, "linkup: S\nstatus 0\nUP\n");
}
