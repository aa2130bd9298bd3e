//! `ipassign --batch` against the real kernel, each test in its own
//! sandbox: good batches, a failing line undoing the addresses before it
//! (checked against a snapshot), a missing namespace, 10,000 lines, a
//! 256-descriptor limit over 300 namespaces, and SIGTERM mid-batch.

use testkit::batch::{rolled_back, sigterm};
use testkit::lab;

const IPASSIGN: &str = env!("CARGO_BIN_EXE_ipassign");

/// red and blue joined by veth-red / veth-blue, and an address on
/// veth-red made before the batch.
const SETUP: &str = "ip netns add red; ip netns add blue
    ip link add veth-red netns red type veth peer name veth-blue netns blue
    ip -n red addr add 10.9.9.9/24 dev veth-red";

/// The addresses of a namespace, `DEV ADDR/LEN` a line, IPv6 link-local
/// ones left out.
fn addresses(ns: &str) -> String {
    format!("ip -n {ns} -o addr | awk '$4 !~ /^fe80/ {{print $2, $4}}'")
}

#[test]
fn addresses_from_a_file_and_from_a_pipe() {
    let script = format!(
        r#"set -e
        {SETUP}
        printf '# both ends\n-n red veth-red 10.0.0.1/24 fd00::1/64\n\n-n blue veth-blue "10.0.0.2/24"   # the other\n' > /run/addresses
        ipassign --nodad --batch /run/addresses
        printf 'lo 127.0.0.2/8\n-p veth-red 10.0.0.1/24\n-d veth-red 10.9.9.9\n' | ipassign -n red -b -
        {red}; {blue}"#,
        red = addresses("red"),
        blue = addresses("blue"),
    );
    let Some(r) = lab("addresses_from_a_file_and_from_a_pipe", IPASSIGN, &script) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            0,
            "lo 127.0.0.2/8\nveth-red 10.0.0.1/24\nveth-red fd00::1/64\nveth-blue 10.0.0.2/24\n",
            ""
        ),
        "{r:?}"
    );
}

#[test]
fn a_failing_line_undoes_the_addresses_before_it() {
    for (batch, message) in [
        (
            "veth-red 10.0.0.1/24\\n-n blue veth-blue 10.0.0.2/24 fd00::2/64\\nveth-red 10.9.9.9/24\\n",
            "3: 10.9.9.9/24: already assigned to veth-red in namespace \"red\"",
        ),
        (
            "veth-red 10.0.0.1/24\\n-n nosuch veth-blue 10.0.0.2/24\\n",
            "2: nosuch: no such network namespace",
        ),
        (
            "veth-red 10.0.0.1/24\\n-n blue nosuch 10.0.0.2/24\\n",
            "2: nosuch: no such interface in namespace \"blue\"",
        ),
        (
            "veth-red 10.0.0.1/24\\nveth-red 10.0.0.300/24\\n",
            "2: 10.0.0.300/24: invalid address: not an IPv4 or IPv6 address",
        ),
    ] {
        let script = rolled_back(
            &format!("{SETUP}; printf '{batch}' > /run/batch"),
            "ipassign -n red -b /run/batch",
        );
        let Some(r) = lab("a_failing_line_undoes", IPASSIGN, &script) else {
            return;
        };
        assert_eq!(
            r.stdout,
            format!("status=1\nipassign: /run/batch:{message}\nunchanged\n"),
            "{batch}"
        );
    }
}

#[test]
fn removals_stay_removed_and_are_counted() {
    let script = format!(
        "{SETUP}
        printf -- 'veth-red 10.0.0.1/24\\n-d veth-red 10.9.9.9\\n-d veth-red 10.9.9.8\\n' | ipassign -n red -b -
        echo status=$?; {red}",
        red = addresses("red")
    );
    let Some(r) = lab("removals_stay_removed", IPASSIGN, &script) else {
        return;
    };
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        (
            "status=1\n",
            "ipassign: -:3: 10.9.9.8: not assigned to veth-red in namespace \"red\" \
             (not undone: 1 address removed by earlier lines)\n"
        ),
        "{r:?}"
    );
}

#[test]
fn ten_thousand_lines() {
    // 10,000 addresses on one interface, then a line that fails: all go.
    let script = rolled_back(
        &format!(
            "{SETUP}
            seq 0 9999 | awk '{{ print \"veth-red 10.1.\" int($1 / 250) \".\" $1 % 250 + 1 \"/32\" }}' > /run/batch
            ipassign -n red -b /run/batch; echo first=$?
            ip -n red -4 -o addr show veth-red | wc -l
            ip -n red addr flush dev veth-red
            echo 'veth-red 10.1.0.1/32' >> /run/batch"
        ),
        "ipassign -n red -b /run/batch",
    );
    let Some(r) = lab("ten_thousand_lines", IPASSIGN, &script) else {
        return;
    };
    assert_eq!(
        r.stdout,
        "first=0\n10001\nstatus=1\n\
         ipassign: /run/batch:10001: 10.1.0.1/32: already assigned to veth-red in namespace \"red\"\n\
         unchanged\n",
        "{r:?}"
    );
}

#[test]
fn three_hundred_namespaces_under_a_256_descriptor_limit() {
    // Each namespace's loopback twice, far apart: more namespaces than fit
    // at once, so the batch closes some and opens them again.
    let script = "set -e
        for i in $(seq 0 299); do ip netns add n$i; done
        for round in 1 2; do
            seq 0 299 | awk -v r=$round '{ print \"-n n\" $1 \" lo 10.\" r \".\" int($1 / 250) \".\" $1 % 250 + 1 }'
        done > /run/batch
        (ulimit -S -n 256; ipassign -b /run/batch)
        for ns in n0 n150 n299; do ip -n $ns -4 -o addr | wc -l; done";
    let Some(r) = lab("a_256_descriptor_limit", IPASSIGN, script) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "2\n2\n2\n", ""),
        "{r:?}"
    );
}

#[test]
fn sigterm_mid_batch_undoes_it() {
    let script = sigterm(
        SETUP,
        "ipassign -n red",
        "veth-red 10.0.0.1/24\\n-n blue veth-blue 10.0.0.2/24\\n",
        "ip -n blue addr show veth-blue | grep -q 10.0.0.2",
    );
    let Some(r) = lab("sigterm_mid_batch", IPASSIGN, &script) else {
        return;
    };
    assert_eq!(
        r.stdout, "status=143\nipassign: /run/fifo:2: stopped by SIGTERM\nunchanged\n",
        "{r:?}"
    );
}
