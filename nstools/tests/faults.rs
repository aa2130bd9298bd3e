//! Errors injected with strace into the system calls of every tool (the
//! ones that touch namespaces, sockets and netlink): each run either does
//! the whole job — the lab then looks exactly as after a clean run — or
//! fails with one line naming the tool and changes nothing at all.

use testkit::{command_or_skip, run, usable_or_skip, SNAPSHOT};

mod support;

const SETUP: &str = "
ip netns add red && ip netns add blue &&
ip -n red link add veth-red type veth peer name veth-blue netns blue &&
ip -n red link set lo up &&
ip -n red addr add 10.9.9.9/24 dev veth-red || exit 99
";

/// Every tool, on the lab above.
const COMMANDS: &[&str] = &[
    "vethpair -n red a --peer-netns blue b",
    "ipassign -n red veth-red 10.1.1.1/24 10.1.1.2/24",
    "ipassign -n red -d veth-red 10.9.9.9/24",
    "linkup -n red veth-red",
    "nsexec red true",
    "nsping -n red -c 1 -W 1 127.0.0.1",
];

const SYSCALLS: &[&str] = &[
    "open",
    "setns",
    "socket",
    "connect",
    "sendto",
    "recvfrom",
    "setsockopt",
];
const ERRORS: &[&str] = &["ENOMEM", "EPERM", "ENOSPC"];

#[test]
fn every_tool_fails_cleanly_or_succeeds_whole_under_injected_errors() {
    if !usable_or_skip("faults") || !command_or_skip("faults", "strace", "strace") {
        return;
    }
    let dir = support::links("faults");
    let bin = dir.join("nsadd");
    let bin = bin.to_str().unwrap();
    let mut injected = 0;
    let mut failures = Vec::new();
    for command in COMMANDS {
        let tool = command.split(' ').next().unwrap();
        // The lab as a clean run leaves it.
        let clean = run(
            &format!("{SETUP}{SNAPSHOT}{command} >/dev/null && snapshot"),
            bin,
        );
        assert_eq!(clean.code, 0, "{command}: {clean:?}");
        for syscall in SYSCALLS {
            for error in ERRORS {
                for when in 1..=2 {
                    let script = format!(
                        "{SETUP}{SNAPSHOT}
                        snapshot > /run/before
                        strace -f -qq -o /run/trace -e trace={syscall} \
                            -e inject={syscall}:error={error}:when={when} {command} >/dev/null 2>/run/err
                        echo status=$?
                        grep -q INJECTED /run/trace && echo injected
                        snapshot > /run/after
                        cmp -s /run/before /run/after && echo unchanged
                        echo after:; cat /run/after
                        cat /run/err >&2"
                    );
                    let r = run(&script, bin);
                    if !r.stdout.contains("injected\n") {
                        continue;
                    }
                    injected += 1;
                    let what = format!("{command} with {syscall}:{error}:when={when}");
                    // After: as before, or as a clean run leaves it (a
                    // change the kernel made before the error was injected
                    // into reading its answer).
                    let after = r.stdout.split_once("after:\n").map_or("", |(_, a)| a);
                    let whole = after == clean.stdout;
                    let unchanged = r.stdout.contains("unchanged\n");
                    let ok = if r.stdout.starts_with("status=0\n") {
                        // The whole job (nsexec and nsping change nothing,
                        // so for them that is the lab as it was).
                        r.stderr.is_empty() && whole
                    } else {
                        r.stderr.lines().count() == 1
                            && r.stderr.starts_with(&format!("{tool}: "))
                            && (unchanged || whole)
                    };
                    if !ok {
                        failures.push(format!("{what}: {r:?}"));
                    }
                }
            }
        }
    }
    eprintln!("{injected} errors injected into the tools");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(injected >= 100, "only {injected} injections took effect");
}
