//! The tutorial on a loaded machine: the first ping after `linkup --wait`
//! must never be lost.
//!
//! Why it could be: the kernel starts a veth end's queues only when its
//! linkwatch work has run, and linkwatch holds back events it does not
//! deem urgent (a veth whose peer has the same index, as the first veth of
//! two fresh namespaces has) until a second after its previous run. While
//! other links on the machine change, that second is always near, and an
//! ARP request or echo sent meanwhile is dropped.

use testkit::Run;

mod support;

/// Both cores busy: one shell flapping a cable between two namespaces of
/// its own (every flap a linkwatch run), one spinning; killed by PID.
const LOAD: &str = "
ip netns add churn1 && ip netns add churn2 &&
ip link add c1 netns churn1 type veth peer name c2 netns churn2 &&
ip -n churn2 link set c2 up || exit 99
sh -c 'while :; do ip -n churn1 link set c1 up; ip -n churn1 link set c1 down; done' & flapper=$!
sh -c 'while :; do :; done' & spinner=$!
trap 'kill $flapper $spinner' EXIT
";

/// `script` in a lab of its own, under the load above.
fn lab(test: &str, script: &str) -> Option<Run> {
    support::lab(test, &format!("{LOAD}{script}"))
}

#[test]
fn two_hundred_tutorials_under_load_lose_no_first_ping() {
    let Some(r) = lab(
        "first_ping",
        "lost=0
        for i in $(seq 200); do
            nsadd red blue
            vethpair -n red veth-red --peer-netns blue veth-blue
            ipassign -n red veth-red 10.0.0.1/24
            ipassign -n blue veth-blue 10.0.0.2/24
            linkup -n red veth-red
            linkup -n blue --wait veth-blue
            nsping -n red -c 1 -W 1 10.0.0.2 >/dev/null || lost=$((lost + 1))
            nsadd -d red blue
        done
        echo \"lost $lost of 200\"",
    ) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "lost 0 of 200\n", ""),
        "{r:?}"
    );
}
