//! `linkup --batch` against the real kernel, each test in its own sandbox:
//! good batches, `--wait` once after every line, a failing line (or wait)
//! putting back the states changed before it (checked against a
//! snapshot), a missing namespace, 10,000 lines, a 256-descriptor limit
//! over 300 namespaces, and SIGTERM mid-batch.

use testkit::batch::{rolled_back, sigterm};
use testkit::lab;

const LINKUP: &str = env!("CARGO_BIN_EXE_linkup");

/// red and blue joined by veth-red / veth-blue, a spare pair in red, and
/// red's loopback up before the batch. Each veth has been up once: the
/// first time the kernel gives it a queueing discipline, which it keeps.
const SETUP: &str = "ip netns add red; ip netns add blue
    ip link add veth-red netns red type veth peer name veth-blue netns blue
    ip -n red link add va type veth peer name vb
    for dev in veth-red va vb; do ip -n red link set $dev up; ip -n red link set $dev down; done
    ip -n blue link set veth-blue up; ip -n blue link set veth-blue down
    ip -n red link set lo up";

/// `DEV STATE` for each interface of a namespace, on one line.
fn states(ns: &str) -> String {
    format!("ip -n {ns} -br link | awk '{{sub(/@.*/, \"\", $1); printf \"%s %s \", $1, $2}}'; echo")
}

#[test]
fn every_line_then_one_wait() {
    // veth-red has no carrier until veth-blue, on a later line, is up: a
    // wait line by line would fail; the batch waits once, at the end.
    let script = format!(
        r#"set -e
        {SETUP}
        printf -- '# both ends\n-n red veth-red   # no carrier yet\n-n blue "veth-blue" lo\n' > /run/links
        linkup --wait=5 --batch /run/links
        {red}; {blue}
        printf 'va vb\n--down vb\nlo\n' | linkup -n red -b -
        {red}"#,
        red = states("red"),
        blue = states("blue"),
    );
    let Some(r) = lab("every_line_then_one_wait", LINKUP, &script) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            0,
            "lo UNKNOWN veth-red UP vb DOWN va DOWN \n\
             lo UNKNOWN veth-blue UP \n\
             lo UNKNOWN veth-red UP vb DOWN va LOWERLAYERDOWN \n",
            ""
        ),
        "{r:?}"
    );
}

#[test]
fn a_failing_line_puts_back_the_states_before_it() {
    for (batch, message) in [
        (
            "lo veth-red\\nva\\n-n blue veth-blue\\nnosuch\\n",
            "4: nosuch: no such interface in namespace \"red\"",
        ),
        (
            "veth-red\\n-n nosuch lo\\n",
            "2: nosuch: no such network namespace",
        ),
        ("veth-red\\nva va\\n", "2: va: interface given twice"),
        (
            "veth-red\\n--wait --down va\\n",
            "2: --wait goes without --down",
        ),
    ] {
        let script = rolled_back(
            &format!("{SETUP}; printf -- '{batch}' > /run/batch"),
            "linkup -n red -b /run/batch",
        );
        let Some(r) = lab("a_failing_line_puts_back", LINKUP, &script) else {
            return;
        };
        assert_eq!(
            r.stdout,
            format!("status=1\nlinkup: /run/batch:{message}\nunchanged\n"),
            "{batch}"
        );
    }
}

#[test]
fn a_wait_that_fails_puts_back_every_line() {
    // va's peer vb stays down: va never carries traffic.
    let script = rolled_back(
        &format!("{SETUP}; printf 'veth-red\\n-n blue veth-blue\\nva\\n' > /run/batch"),
        "linkup -n red --wait=0.2 -b /run/batch",
    );
    let Some(r) = lab("a_wait_that_fails", LINKUP, &script) else {
        return;
    };
    assert_eq!(
        r.stdout,
        "status=1\nlinkup: /run/batch: va: still LOWERLAYERDOWN after 0.2 s \
         in namespace \"red\"\nunchanged\n",
        "{r:?}"
    );
}

#[test]
fn ten_thousand_lines() {
    // va up and down 5,000 times each, then a line that fails: va is
    // down again, as it was.
    let script = rolled_back(
        &format!(
            "{SETUP}
            seq 1 5000 | awk '{{ print \"va\"; print \"--down va\" }}' > /run/batch
            linkup -n red -b /run/batch; echo first=$?
            sed -i '$d' /run/batch; echo nosuch >> /run/batch"
        ),
        "linkup -n red -b /run/batch",
    );
    let Some(r) = lab("ten_thousand_lines", LINKUP, &script) else {
        return;
    };
    assert_eq!(
        r.stdout,
        "first=0\nstatus=1\n\
         linkup: /run/batch:10000: nosuch: no such interface in namespace \"red\"\nunchanged\n",
        "{r:?}"
    );
}

#[test]
fn three_hundred_namespaces_under_a_256_descriptor_limit() {
    // Each namespace's loopback up, then again in another order (already
    // up), then a wait for all: more namespaces than fit at once, so the
    // batch closes some and opens them again.
    let script = "set -e
        for i in $(seq 0 299); do ip netns add n$i; done
        seq 0 299 | awk '{ print \"-n n\" $1 \" lo\" }' > /run/batch
        seq 1 300 | awk '{ print \"-n n\" ($1 * 7) % 300 \" lo\" }' >> /run/batch
        (ulimit -S -n 256; linkup --wait -b /run/batch)
        for ns in n0 n150 n299; do ip -n $ns -br link show lo | awk '{print $2}'; done";
    let Some(r) = lab("a_256_descriptor_limit", LINKUP, script) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "UNKNOWN\nUNKNOWN\nUNKNOWN\n", ""),
        "{r:?}"
    );
}

#[test]
fn sigterm_mid_batch_undoes_it() {
    let script = sigterm(
        SETUP,
        "linkup -n red",
        "veth-red\\nva\\n",
        "ip -n red link show va | grep -q ',UP'",
    );
    let Some(r) = lab("sigterm_mid_batch", LINKUP, &script) else {
        return;
    };
    assert_eq!(
        r.stdout, "status=143\nlinkup: /run/fifo:2: stopped by SIGTERM\nunchanged\n",
        "{r:?}"
    );
}
