//! The e2e lab's checks against stand-in tools written with iproute2: the
//! tutorial done by `ip` must pass them, and each kind of wrong result must
//! fail the step that made it, name it, and leave nothing behind.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use testkit::{command_or_skip, sandbox, usable_or_skip};

const XTASK: &str = env!("CARGO_BIN_EXE_xtask");

/// The six tools as shell scripts over `ip` and `ping`, as the tutorial
/// does it by hand.
const TOOLS: &[(&str, &str)] = &[
    (
        "nsadd",
        r#"case $1 in
-l) ls /run/netns 2>/dev/null | sort ;;
-d) shift; [ "$1" = -f ] && shift; for n; do [ -e /run/netns/$n ] && ip netns del $n; done; true ;;
*) for n; do ip netns add $n; done ;;
esac"#,
    ),
    ("nsexec", r#"ns=$1; shift; exec ip netns exec $ns "$@""#),
    (
        "vethpair",
        r#"ip -n $2 link add $3 type veth peer name $6 netns $5"#,
    ),
    ("ipassign", r#"ip -n $2 addr add $4 dev $3"#),
    // The device is the last word (after `--wait`, if given).
    (
        "linkup",
        r#"for dev; do :; done; ip -n $2 link set $dev up"#,
    ),
    (
        "nsping",
        r#"if [ "$1" = -n ]; then ns=$2; shift 2; exec ip netns exec $ns ping "$@"; fi; exec ping "$@""#,
    ),
];

/// A directory of stand-in tools, with `broken` replacing one of them.
fn tools(test: &str, broken: Option<(&str, &str)>) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("lab-{test}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    for &(name, body) in TOOLS {
        let body = match broken {
            Some((b, text)) if b == name => text,
            _ => body,
        };
        let path = dir.join(name);
        fs::write(&path, format!("#!/bin/sh\nset -e\n{body}\n")).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

/// Runs the hidden lab subcommand in a sandbox, then lists what is left in
/// the sandbox's `/run/netns` (after a line `LEFT:`).
fn lab(bin: &Path) -> Output {
    lab_after("", bin)
}

/// As [`lab`], after `setup`.
fn lab_after(setup: &str, bin: &Path) -> Output {
    let script = format!(
        "{setup}
        {XTASK} __e2e-lab {} --sandboxed; rc=$?; echo LEFT:; ls /run/netns; exit $rc",
        bin.display()
    );
    let mut shell = Command::new("/bin/sh");
    shell.arg("-c").arg(script);
    sandbox::isolate(&mut shell).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn usable(test: &str) -> bool {
    usable_or_skip(test)
        && command_or_skip(test, "ip", "iproute2")
        && command_or_skip(test, "ping", "iputils-ping")
}

#[test]
fn the_tutorial_done_by_iproute2_passes() {
    if !usable("the_tutorial_done_by_iproute2_passes") {
        return;
    }
    let out = lab(&tools("iproute2", None));
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    assert!(stdout.contains("+ nsadd red blue\n"), "{stdout}");
    assert!(stdout.contains("one veth pair"), "{stdout}");
    assert_eq!(
        stdout.matches("3 packets transmitted, 3 received").count(),
        4,
        "{stdout}"
    );
    assert!(stdout.ends_with("nothing left behind\nLEFT:\n"), "{stdout}");
}

/// Runs the lab with one tool broken and checks it fails at `step`, names
/// it, and tears down.
fn fails_at(test: &str, broken: (&str, &str), step: &str, why: &str) {
    if !usable(test) {
        return;
    }
    let out = lab(&tools(test, Some(broken)));
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("e2e: {step} failed: ")),
        "{stdout}"
    );
    assert!(stdout.contains(why), "{stdout}");
    assert!(stdout.contains("e2e: teardown: "), "{stdout}");
    assert!(
        stdout.ends_with("LEFT:\n"),
        "something left behind: {stdout}"
    );
    assert!(text(&out.stderr).contains(&format!("xtask: {step} failed")));
}

#[test]
fn a_wrong_address_fails_its_step() {
    fails_at(
        "wrong_address",
        ("ipassign", "ip -n $2 addr add 10.0.0.9/24 dev $3"),
        "step 3",
        "shows no 10.0.0.1/24 on veth-red",
    );
}

#[test]
fn a_cable_with_both_ends_in_red_fails_its_step() {
    fails_at(
        "both_in_red",
        ("vethpair", "ip -n $2 link add $3 type veth peer name $6"),
        "step 2",
        "Device \"veth-blue\" does not exist",
    );
}

#[test]
fn two_cables_instead_of_one_fail_their_step() {
    fails_at(
        "two_cables",
        (
            "vethpair",
            "ip -n red link add veth-red type veth peer name x netns blue
ip -n blue link add veth-blue type veth peer name y netns red",
        ),
        "step 2",
        "are not each other's peer",
    );
}

#[test]
fn a_link_left_down_fails_its_step() {
    fails_at(
        "left_down",
        ("linkup", "true"),
        "step 5",
        "veth-red in red is not UP",
    );
}

#[test]
fn a_failing_tool_fails_its_step() {
    fails_at("failing", ("nsadd", "exit 3"), "step 1", "exit status 3");
}

#[test]
fn unanswered_pings_fail_their_step() {
    fails_at(
        "unanswered",
        (
            "nsping",
            "echo '3 packets transmitted, 1 received, 66% packet loss, time 2002ms'",
        ),
        "step 7",
        "expected \"3 packets transmitted, 3 received,\"",
    );
}

#[test]
fn a_red_someone_else_made_is_left_alone() {
    if !usable("someone_elses_red") {
        return;
    }
    let setup =
        "ip netns add red && ip -n red link add theirs type veth peer name theirs-peer || exit 99";
    let out = lab_after(setup, &tools("someone_elses_red", None));
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("e2e: step 1 failed: "), "{stdout}");
    assert!(
        stdout.contains("e2e: teardown: leaving red alone: it was there before the lab\n"),
        "{stdout}"
    );
    assert!(stdout.ends_with("LEFT:\nred\n"), "{stdout}");
}

#[test]
fn an_interrupted_host_run_tears_its_lab_down() {
    if !usable("interrupted") {
        return;
    }
    // In the sandbox, "the host" is the sandbox's own /run: nothing real.
    let bin = tools("interrupted", Some(("nsping", "sleep 60")));
    let script = format!(
        "{XTASK} e2e --host --bin {} > /run/out 2>&1 & pid=$!
        for i in $(seq 300); do grep -q '^+ nsping' /run/out && break; sleep 0.1; done
        ls /run/netns | tr '\\n' ' '; echo
        kill -TERM $pid; wait $pid; echo status=$?
        ls -A /run/netns | wc -l; grep -c ' /run/netns/' /proc/self/mountinfo
        cat /run/out >&2",
        bin.display()
    );
    let mut shell = Command::new("/bin/sh");
    shell.arg("-c").arg(script);
    let out = sandbox::isolate(&mut shell).output().unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(stdout, "blue red \nstatus=143\n0\n0\n", "{stderr}");
    assert!(
        stderr.contains("e2e: interrupted; the lab is gone"),
        "{stderr}"
    );
}
