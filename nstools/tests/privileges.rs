//! Without the privilege a step needs — an unprivileged user with no
//! capabilities and no user namespace of its own — every tool fails with
//! one line saying which privilege it needs, and creates nothing.

use testkit::{command_or_skip, root_or_skip, run, usable_or_skip, SNAPSHOT};

mod support;

/// (command, exit status, the privilege the message must name)
const CASES: &[(&str, i32, &str)] = &[
    ("nsadd x", 1, "CAP_SYS_ADMIN"),
    ("nsadd -d red", 1, "CAP_SYS_ADMIN"),
    ("nsexec red true", 125, "CAP_SYS_ADMIN"),
    ("vethpair -n red x y", 1, "CAP_SYS_ADMIN"),
    ("vethpair x y", 1, "CAP_NET_ADMIN"),
    ("ipassign -n red veth-red 10.1.1.1/24", 1, "CAP_SYS_ADMIN"),
    ("ipassign lo 10.1.1.1/24", 1, "CAP_NET_ADMIN"),
    ("ipassign -d lo 127.0.0.1/8", 1, "CAP_NET_ADMIN"),
    ("linkup -n red veth-red", 1, "CAP_SYS_ADMIN"),
    ("linkup lo", 1, "CAP_NET_ADMIN"),
    // nsping keeps iputils' status for errors that are not lost replies.
    ("nsping -n red -c 1 10.0.0.2", 2, "CAP_SYS_ADMIN"),
    ("nsping -c 1 127.0.0.1", 2, "CAP_NET_RAW"),
];

#[test]
fn every_tool_names_the_privilege_it_lacks_and_changes_nothing() {
    // Dropping to another user needs a real root to drop from: a user
    // namespace maps only the one user the tests run as.
    if !usable_or_skip("privileges")
        || !root_or_skip("privileges", "to drop privileges from")
        || !command_or_skip("privileges", "setpriv", "util-linux")
    {
        return;
    }
    let dir = support::links("privileges");
    let mut failures = Vec::new();
    for (command, status, privilege) in CASES {
        let script = format!(
            "ip netns add red && ip -n red link add veth-red type veth peer name veth-blue || exit 99
            {SNAPSHOT}
            snapshot > /run/before
            setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all \
                {command} 2>/run/err
            echo status=$?
            snapshot > /run/after; cmp -s /run/before /run/after || echo changed
            cat /run/err >&2"
        );
        let r = run(&script, dir.join("nsadd").to_str().unwrap());
        let tool = command.split(' ').next().unwrap();
        let ok = r.stdout == format!("status={status}\n")
            && r.stderr.lines().count() == 1
            && r.stderr.starts_with(&format!("{tool}: "))
            && r.stderr.contains(privilege);
        if !ok {
            failures.push(format!("{command}: {r:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
