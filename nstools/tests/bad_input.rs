//! Bad input, tool by tool: each case gets its documented exit status,
//! exactly one line on stderr that names the bad input, no panic, and no
//! change of state — `/run/netns`, the namespace mounts, and every
//! namespace's links and addresses are snapshotted before and after.
//!
//! The tools run through links to the multi-call binary, as in a minimal VM.

use testkit::{run, usable_or_skip, SNAPSHOT};

mod support;

/// A lab to be wrong in: red and blue joined by a veth pair with addresses
/// (links left down, so nothing changes by itself meanwhile), a plain
/// interface, and a stale entry in /run/netns.
const SETUP: &str = "
ip netns add red && ip netns add blue &&
ip -n red link add veth-red type veth peer name veth-blue netns blue &&
ip -n red addr add 10.0.0.1/24 dev veth-red &&
ip -n blue addr add 10.0.0.2/24 dev veth-blue &&
touch /run/netns/stale || exit 99
";

struct Case {
    tool: &'static str,
    /// Shell words, as typed.
    args: &'static str,
    status: i32,
    /// What the one error line must mention.
    names: &'static str,
}

const fn case(tool: &'static str, args: &'static str, status: i32, names: &'static str) -> Case {
    Case {
        tool,
        args,
        status,
        names,
    }
}

const NOT_UTF8: &str = "\"$(printf 'x\\377')\"";
const LONG_NS: &str = "$(printf 'n%.0s' $(seq 256))";

const CASES: &[Case] = &[
    // nsadd: names, options, state.
    case("nsadd", "''", 2, "\"\""),
    case("nsadd", "a/b", 2, "a/b"),
    case("nsadd", ".", 2, "\".\""),
    case("nsadd", "..", 2, "\"..\""),
    case("nsadd", LONG_NS, 2, "255 bytes"),
    case("nsadd", "\"$(printf 'a\\nb')\"", 2, "a\\nb"),
    case("nsadd", "\"$(printf 'a\\tb')\"", 2, "a\\tb"),
    case("nsadd", "\"$(printf 'a\\033b')\"", 2, "control"),
    case("nsadd", "-- -x", 2, "-x"),
    case("nsadd", "ok a/b", 2, "a/b"),
    case("nsadd", "--bogus", 2, "--bogus"),
    case("nsadd", "", 2, "NAME"),
    case("nsadd", "-l extra", 2, "-l"),
    case("nsadd", "-f red", 2, "-f"),
    case("nsadd", "-dp red", 2, "-p"),
    case("nsadd", "-d --all red", 2, "--all"),
    case("nsadd", "--json", 2, "--json"),
    case("nsadd", "-l --json red", 2, "-l"),
    case("nsadd", NOT_UTF8, 2, "\\xFF"),
    case("nsadd", "red", 1, "red"),
    case("nsadd", "stale", 1, "stale"),
    case("nsadd", "-d nope", 1, "nope"),
    // nsexec: 125 for its own failures, 126/127 for the command.
    case("nsexec", "nope true", 125, "nope"),
    case("nsexec", "stale true", 125, "stale"),
    case("nsexec", "red", 125, "COMMAND"),
    case("nsexec", "", 125, "NS"),
    case("nsexec", "-x red true", 125, "-x"),
    case("nsexec", "/no/such/ns true", 125, "/no/such/ns"),
    case("nsexec", "/proc/self/ns/uts true", 125, "/proc/self/ns/uts"),
    case("nsexec", "a/../b true", 125, "a/../b"),
    case("nsexec", "'' true", 125, "\"\""),
    case("nsexec", NOT_UTF8, 125, "\\xFF"),
    case("nsexec", "red no-such-command", 127, "no-such-command"),
    case("nsexec", "red /run/netns", 126, "/run/netns"),
    // vethpair: names, namespaces, what is already there.
    case(
        "vethpair",
        "-n red 1234567890123456 p",
        2,
        "1234567890123456",
    ),
    case("vethpair", "-n red a:b p", 2, "a:b"),
    case("vethpair", "-n red 'a b' p", 2, "\"a b\""),
    case("vethpair", "-n red a/b p", 2, "a/b"),
    case("vethpair", "-n red x ''", 2, "\"\""),
    case("vethpair", "-n red . p", 2, "\".\""),
    case("vethpair", "-n red onlyone", 2, "PEER"),
    case("vethpair", "-n red a b c", 2, "c"),
    case("vethpair", "--bogus a b", 2, "--bogus"),
    case("vethpair", "-n", 2, "-n"),
    case("vethpair", NOT_UTF8, 2, "\\xFF"),
    case("vethpair", "-n nope x y", 1, "nope"),
    case("vethpair", "-n stale x y", 1, "stale"),
    case("vethpair", "-n red x y --peer-netns nope", 1, "nope"),
    case("vethpair", "-n red veth-red y", 1, "veth-red"),
    case("vethpair", "-n blue x veth-blue", 1, "veth-blue"),
    case("vethpair", "-n red -p lo x --peer-netns blue", 1, "lo"),
    case("vethpair", "-n red -d lo", 1, "lo"),
    case("vethpair", "-n red -d veth-red nope0", 1, "nope0"),
    case("vethpair", "-n nope -d veth-red", 1, "nope"),
    case("vethpair", "-n red -d", 2, "NAME"),
    case("vethpair", "-n red -f veth-red", 2, "-f"),
    case("vethpair", "-n red -l veth-red", 2, "-l"),
    case("vethpair", "-n nope -l", 1, "nope"),
    case("vethpair", "-n stale -l --json", 1, "stale"),
    case("vethpair", "-A -l -n red", 2, "-A"),
    case("vethpair", "-A", 2, "-A"),
    // ipassign: addresses and prefixes, interfaces, what is there.
    case("ipassign", "-n red veth-red 300.1.1.1", 2, "300.1.1.1"),
    case("ipassign", "-n red veth-red 10.0.0.1/33", 2, "10.0.0.1/33"),
    case("ipassign", "-n red veth-red fd00::1/129", 2, "fd00::1/129"),
    case("ipassign", "-n red veth-red abc", 2, "abc"),
    case("ipassign", "-n red veth-red ''", 2, "\"\""),
    case("ipassign", "-n red veth-red 10.0.0.5/-1", 2, "10.0.0.5/-1"),
    case(
        "ipassign",
        "-n red veth-red 10.0.0.5/24x",
        2,
        "10.0.0.5/24x",
    ),
    case("ipassign", "-n red veth-red 10.0.0.5/", 2, "10.0.0.5/"),
    case(
        "ipassign",
        "-n red veth-red 10.0.0.5/24 300.0.0.1",
        2,
        "300.0.0.1",
    ),
    case("ipassign", "-n red veth-red", 2, "missing address"),
    case(
        "ipassign",
        "-n red 1234567890123456 10.0.0.5",
        2,
        "1234567890123456",
    ),
    case("ipassign", "--bogus", 2, "--bogus"),
    case("ipassign", NOT_UTF8, 2, "\\xFF"),
    case("ipassign", "-n nope -l", 1, "nope"),
    case("ipassign", "-n red -l veth-red nope0", 1, "nope0"),
    case("ipassign", "-A -l nope0", 1, "nope0"),
    case("ipassign", "-l -A -n red", 2, "-A"),
    case("ipassign", "-n red --json veth-red 10.0.0.9", 2, "--json"),
    case("ipassign", "-n red -l a:b", 2, "a:b"),
    case("ipassign", "-n red nope0 10.0.0.5/24", 1, "nope0"),
    case("ipassign", "-n nope veth-red 10.0.0.5/24", 1, "nope"),
    case("ipassign", "-n red veth-red 10.0.0.1/24", 1, "10.0.0.1/24"),
    case(
        "ipassign",
        "-n red -d veth-red 10.0.0.9/24",
        1,
        "10.0.0.9/24",
    ),
    // linkup: interfaces and namespaces; all names are checked first.
    case("linkup", "-n red nope0", 1, "nope0"),
    case("linkup", "-n nope veth-red", 1, "nope"),
    case("linkup", "-n red", 2, "missing interface"),
    case("linkup", "-n red a:b", 2, "a:b"),
    case("linkup", "-n red 1234567890123456", 2, "1234567890123456"),
    case("linkup", "--bogus x", 2, "--bogus"),
    case("linkup", NOT_UTF8, 2, "\\xFF"),
    case("linkup", "-n red veth-red nope0", 1, "nope0"),
    case("linkup", "-n red --wait=abc veth-red", 2, "abc"),
    case("linkup", "-n red --wait=-1 veth-red", 2, "-1"),
    case("linkup", "-n red --down --wait veth-red", 2, "--wait"),
    case("linkup", "-n red --wait nope0", 1, "nope0"),
    case("linkup", "-n nope -l", 1, "nope"),
    case("linkup", "-n red -l --json nope0", 1, "nope0"),
    case("linkup", "-A -l -n red", 2, "-A"),
    case("linkup", "-A veth-red", 2, "-A"),
    case("linkup", "-n red -l veth-red veth-red", 2, "veth-red"),
    // nsping: numbers out of range (1, as iputils, for the values it reads
    // as whole numbers), families, hosts, namespaces.
    case("nsping", "-c 0 10.0.0.2", 1, "0"),
    case("nsping", "-c -1 10.0.0.2", 1, "-1"),
    case("nsping", "-c abc 10.0.0.2", 1, "abc"),
    case("nsping", "-s 2147483648 10.0.0.2", 1, "2147483648"),
    case("nsping", "-t 0 10.0.0.2", 2, "0"),
    case("nsping", "-t 256 10.0.0.2", 1, "256"),
    case("nsping", "-W -1 10.0.0.2", 2, "-1"),
    case("nsping", "-w -5 10.0.0.2", 1, "-5"),
    case("nsping", "-i abc 10.0.0.2", 2, "abc"),
    case("nsping", "-4 fd00::1", 2, "fd00::1"),
    case("nsping", "-6 10.0.0.2", 2, "10.0.0.2"),
    case("nsping", "--bogus 10.0.0.2", 2, "--bogus"),
    case("nsping", "", 1, "Destination address required"),
    case("nsping", "10.0.0.2 extra", 2, "extra"),
    case("nsping", "-n nope 10.0.0.2", 2, "nope"),
    case("nsping", "-n stale 10.0.0.2", 2, "stale"),
    case("nsping", NOT_UTF8, 2, "\\xFF"),
];

fn check(cases: &[&Case]) -> usize {
    if !usable_or_skip("bad_input") {
        return 0;
    }
    let links = support::links(&format!("bad-input-{}", cases[0].tool));
    let any_tool = links.join("nsadd");
    let mut failures = Vec::new();
    for case in cases {
        let script = format!(
            "{SETUP}{SNAPSHOT}
            snapshot > /run/before 2>&1
            {} {} >/run/out 2>/run/err
            echo \"status=$?\"
            snapshot > /run/after 2>&1
            cmp -s /run/before /run/after || diff /run/before /run/after
            cat /run/out >&2; cat /run/err >&2",
            case.tool, case.args
        );
        let r = run(&script, any_tool.to_str().unwrap());
        let expected = format!("status={}\n", case.status);
        let prefix = format!("{}: ", case.tool);
        let one_line = r.stderr.lines().count() == 1;
        let ok = r.stdout == expected
            && one_line
            && r.stderr.starts_with(&prefix)
            && r.stderr.contains(case.names)
            && !r.stderr.contains("panicked");
        if !ok {
            failures.push(format!(
                "{} {}: wanted {expected:?} and one line naming {:?}; got stdout {:?} stderr {:?}",
                case.tool, case.args, case.names, r.stdout, r.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    cases.len()
}

fn cases_of(tool: &str) -> Vec<&'static Case> {
    CASES.iter().filter(|c| c.tool == tool).collect()
}

#[test]
fn there_are_at_least_sixty_cases_across_all_six_tools() {
    assert!(CASES.len() >= 60, "{}", CASES.len());
    for tool in support::TOOLS {
        assert!(cases_of(tool).len() >= 5, "{tool}");
    }
}

#[test]
fn nsadd_bad_input() {
    check(&cases_of("nsadd"));
}

#[test]
fn nsexec_bad_input() {
    check(&cases_of("nsexec"));
}

#[test]
fn vethpair_bad_input() {
    check(&cases_of("vethpair"));
}

#[test]
fn ipassign_bad_input() {
    check(&cases_of("ipassign"));
}

#[test]
fn linkup_bad_input() {
    check(&cases_of("linkup"));
}

#[test]
fn nsping_bad_input() {
    check(&cases_of("nsping"));
}
