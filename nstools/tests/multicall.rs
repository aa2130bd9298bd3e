//! The built multi-call binary, called as busybox is: through a link named
//! after a tool, and with the tool's name as first argument.

use std::path::Path;
use std::process::{Command, Output};

mod support;
use support::{links, TOOLS};

const NSTOOLS: &str = env!("CARGO_BIN_EXE_nstools");
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn run(program: &Path, args: &[&str]) -> Output {
    Command::new(program).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn a_link_runs_the_tool_it_is_named_after() {
    let dir = links("link_names");
    for tool in TOOLS {
        let out = run(&dir.join(tool), &["--version"]);
        assert_eq!(
            text(&out.stdout),
            format!("{tool} (nstools) {VERSION}\n"),
            "{tool}"
        );
        assert!(out.status.success(), "{tool}");
    }
}

#[test]
fn the_first_argument_names_the_tool() {
    let out = run(Path::new(NSTOOLS), &["nsadd", "--version"]);
    assert_eq!(text(&out.stdout), format!("nsadd (nstools) {VERSION}\n"));
    assert!(out.status.success());
}

#[test]
fn tool_errors_carry_the_tool_name() {
    let dir = links("tool_errors");
    for tool in TOOLS {
        let out = run(&dir.join(tool), &["--no-such-option"]);
        let stderr = text(&out.stderr);
        assert!(stderr.starts_with(&format!("{tool}: ")), "{tool}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{tool}: {stderr}");
        assert_ne!(out.status.code(), Some(0), "{tool}");
        let out = run(Path::new(NSTOOLS), &[tool, "--no-such-option"]);
        assert!(
            text(&out.stderr).starts_with(&format!("{tool}: ")),
            "{tool}"
        );
    }
}

#[test]
fn alone_or_with_help_it_lists_the_tools() {
    for args in [&[][..], &["--help"][..]] {
        let out = run(Path::new(NSTOOLS), args);
        assert!(out.status.success());
        let help = text(&out.stdout);
        for tool in TOOLS {
            assert!(help.contains(&format!("\n  {tool} ")), "{tool} in {help}");
        }
    }
    let out = run(Path::new(NSTOOLS), &["--list"]);
    assert_eq!(text(&out.stdout), TOOLS.map(|t| format!("{t}\n")).concat());
}

#[test]
fn an_unknown_tool_is_one_line_and_status_2() {
    let out = run(Path::new(NSTOOLS), &["ip", "link"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr),
        "nstools: ip: no such tool (try 'nstools --help')\n"
    );
    assert!(out.stdout.is_empty());
    let out = run(Path::new(NSTOOLS), &["--bogus"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr).lines().count(), 1);
}

#[test]
fn a_link_runs_the_tool_against_the_kernel() {
    if !testkit::usable_or_skip("a_link_runs_the_tool_against_the_kernel") {
        return;
    }
    let dir = links("kernel");
    let out = testkit::sandbox::shell(
        "set -e; nsadd red; ip netns list; nstools nsadd -d red; ip netns list",
        &[&dir, Path::new(NSTOOLS).parent().unwrap()],
    )
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "red\n");
}
