//! `vethpair --batch` against the real kernel, each test in its own
//! sandbox: good batches, a failing line undoing the pairs before it
//! (checked against a snapshot), a missing namespace, 10,000 lines, a
//! 256-descriptor limit over 300 namespaces, and SIGTERM mid-batch.

use testkit::batch::{rolled_back, sigterm};
use testkit::lab;

const VETHPAIR: &str = env!("CARGO_BIN_EXE_vethpair");

/// Three namespaces, and a pair in red made before the batch.
const SETUP: &str = "ip netns add red; ip netns add blue; ip netns add green
    ip -n red link add keep type veth peer name keep-peer";

/// The interfaces of a namespace ("": this one), by name, on one line.
fn links(ns: &str) -> String {
    let ip = match ns {
        "" => "ip".to_string(),
        ns => format!("ip -n {ns}"),
    };
    format!("{ip} -br link | awk '{{print $1}}' | sed 's/@.*//' | sort | tr '\\n' ' '; echo")
}

#[test]
fn pairs_from_a_file_and_from_a_pipe() {
    let script = format!(
        r#"set -e
        {SETUP}
        printf '# red to blue and green\n-n red a1 --peer-netns blue b1\n\n"a2" --peer-netns green g2 # beside -n\n' > /run/pairs
        vethpair -n red --batch /run/pairs
        printf -- 'x y\n--peer-netns=red x2 y2\n' | vethpair -b -
        {red}; {blue}; {green}; {here}
        printf -- '-n red a1\nx\n' | vethpair -d -b -
        {red}; {blue}; {here}"#,
        red = links("red"),
        blue = links("blue"),
        green = links("green"),
        here = links(""),
    );
    let Some(r) = lab("pairs_from_a_file_and_from_a_pipe", VETHPAIR, &script) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            0,
            "a1 a2 keep keep-peer lo y2 \n\
             b1 lo \n\
             g2 lo \n\
             lo x x2 y \n\
             a2 keep keep-peer lo y2 \n\
             lo \n\
             lo x2 \n",
            ""
        ),
        "{r:?}"
    );
}

#[test]
fn a_failing_line_undoes_the_pairs_before_it() {
    for (batch, message) in [
        (
            "a --peer-netns blue b\\nc d\\nkeep e\\n",
            "3: keep: interface already exists in namespace \"red\"",
        ),
        (
            "a --peer-netns blue b\\n-n nosuch c --peer-netns blue d\\n",
            "2: nosuch: no such network namespace",
        ),
        (
            "a --peer-netns blue b\\nc --peer-netns nosuch d\\n",
            "2: nosuch: no such network namespace",
        ),
        ("a b\\nc d e\\n", "2: unexpected argument e"),
        (
            "a b\\n--remote 10.0.0.1 --vni 5 v\\n",
            "2: 10.0.0.1: no route: Network is unreachable",
        ),
    ] {
        let script = rolled_back(
            &format!("{SETUP}; printf '{batch}' > /run/batch"),
            "vethpair -n red -b /run/batch",
        );
        let Some(r) = lab("a_failing_line_undoes", VETHPAIR, &script) else {
            return;
        };
        assert_eq!(
            r.stdout,
            format!("status=1\nvethpair: /run/batch:{message}\nunchanged\n"),
            "{batch}"
        );
    }
}

#[test]
fn deletions_stay_deleted_and_are_counted() {
    let script = format!(
        "{SETUP}
        printf -- 'new --peer-netns blue new-peer\\n-d keep\\n-d nosuch\\n' | vethpair -n red -b -
        echo status=$?; {red}; {blue}",
        red = links("red"),
        blue = links("blue")
    );
    let Some(r) = lab("deletions_stay_deleted", VETHPAIR, &script) else {
        return;
    };
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        (
            "status=1\nlo \nlo \n",
            "vethpair: -:3: nosuch: no such interface in namespace \"red\" \
             (not undone: 1 pair removed by earlier lines)\n"
        ),
        "{r:?}"
    );
}

#[test]
fn ten_thousand_lines() {
    // 100 pairs, each given 100 times: with -p the other 9,900 lines find
    // their pair there; then one line more fails, and all 100 go again.
    let script = rolled_back(
        "ip netns add red; ip netns add blue
        seq 0 9999 | awk '{ print \"v\" $1 % 100 \" --peer-netns blue p\" $1 % 100 }' > /run/batch
        vethpair -p -n red -b /run/batch; echo first=$?
        ip -n red -o link | wc -l
        ip -n red link del v0
        echo 'v1 p1' >> /run/batch",
        "vethpair -p -n red -b /run/batch",
    );
    let Some(r) = lab("ten_thousand_lines", VETHPAIR, &script) else {
        return;
    };
    assert_eq!(
        r.stdout,
        "first=0\n101\nstatus=1\n\
         vethpair: /run/batch:10001: v1: interface already exists in namespace \"red\", \
         a veth whose peer is not in namespace \"red\"\nunchanged\n",
        "{r:?}"
    );
}

#[test]
fn three_hundred_namespaces_under_a_256_descriptor_limit() {
    // A ring over 300 namespaces: more than fit at once, so the batch
    // closes some and opens them again as lines come back to them.
    let script = "set -e
        for i in $(seq 0 299); do ip netns add n$i; done
        seq 0 299 | awk '{ print \"-n n\" $1 \" right --peer-netns n\" ($1 + 1) % 300 \" left\" }' > /run/ring
        seq 1 300 | awk '{ print \"-n n\" $1 % 300 \" x --peer-netns n\" ($1 * 7) % 300 \" y\" }' >> /run/ring
        (ulimit -S -n 256; vethpair -b /run/ring)
        for ns in n0 n150 n299; do ip -n $ns -o link | wc -l; done
        ip -n n0 -d link show right | grep -o 'veth'";
    let Some(r) = lab("a_256_descriptor_limit", VETHPAIR, script) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "5\n5\n5\nveth\n", ""),
        "{r:?}"
    );
}

#[test]
fn sigterm_mid_batch_undoes_it() {
    let script = sigterm(
        SETUP,
        "vethpair -n red",
        "a --peer-netns blue b\\nc d\\n",
        "ip -n red link show c >/dev/null 2>&1",
    );
    let Some(r) = lab("sigterm_mid_batch", VETHPAIR, &script) else {
        return;
    };
    assert_eq!(
        r.stdout, "status=143\nvethpair: /run/fifo:2: stopped by SIGTERM\nunchanged\n",
        "{r:?}"
    );
}
