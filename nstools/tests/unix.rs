//! Unix citizenship: the tools behave as C tools do in pipelines and
//! scripts. A writer whose reader went away dies of SIGPIPE; any other
//! write error on stdout is one line and a failure; nsexec hands COMMAND
//! the signal dispositions, mask and closed descriptors it was given, and
//! runs a file without `#!` by `/bin/sh`; errno texts read as glibc's.
//!
//! Checked through links to the multi-call binary as built for the tests,
//! and, with `NSTOOLS_DIST=DIR` (as `cargo xtask ci` runs this file after
//! `dist`), through the shipped binaries in DIR — each static single
//! binary, and links to the static multi-call one — where std's startup,
//! LTO and musl are what they are in the field.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use testkit::sandbox::isolate;
use testkit::usable_or_skip;

mod support;
use support::TOOLS;

/// The exit status each tool gives for a write error: nsexec's for its
/// own failures; 1 for the others (nsping too, as iputils ping).
fn failure_status(tool: &str) -> i32 {
    match tool {
        "nsexec" => 125,
        _ => 1,
    }
}

/// The directories of tools to check: links to the multi-call binary as
/// built, and with NSTOOLS_DIST the shipped binaries, single and linked.
fn binaries(test: &str) -> Vec<PathBuf> {
    let mut dirs = vec![support::links(&format!("unix-{test}"))];
    if let Some(dist) = std::env::var_os("NSTOOLS_DIST") {
        let dist = PathBuf::from(dist);
        for tool in TOOLS.iter().chain(&["nstools"]) {
            assert!(
                dist.join(tool).is_file(),
                "NSTOOLS_DIST: no {tool} in {dist:?}"
            );
        }
        let multicall = support::links_to(&format!("unix-{test}-dist"), &dist.join("nstools"));
        dirs.extend([dist, multicall]);
    }
    dirs
}

/// Runs `script` by bash in a fresh sandbox with `dir` first in PATH and
/// SIGUSR1 blocked (bash, unlike dash, hands its mask on); returns its
/// stdout, with the exit status, and its stderr.
fn sandboxed(script: &str, dir: &Path) -> (String, String) {
    let path = format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", dir.display());
    let mut shell = Command::new("/bin/bash");
    shell.arg("-c").arg(script).env("PATH", path);
    isolate(&mut shell);
    // SAFETY: the closure only makes a system call.
    unsafe {
        shell.pre_exec(|| {
            let mut set: libc::sigset_t = std::mem::zeroed();
            libc::sigemptyset(&mut set);
            libc::sigaddset(&mut set, libc::SIGUSR1);
            libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
            Ok(())
        })
    };
    let out = shell.output().expect("cannot run bash in a sandbox");
    let code = out
        .status
        .code()
        .unwrap_or_else(|| 128 + out.status.signal().unwrap_or(0));
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (
        format!("{}status={code}\n", text(&out.stdout)),
        text(&out.stderr),
    )
}

/// `gone COMMAND...`: runs COMMAND with stdout a pipe whose reader has
/// already gone, and prints `COMMAND: STATUS`. Its stderr goes to stdout.
const GONE: &str = r#"
mkfifo /run/gone
gone() { ( exec 3<>/run/gone 4>/run/gone 3<&-; "$@" 2>&1 >&4; echo "$*: $?" ) 2>&1; }
ip netns add red || exit 99
"#;

#[test]
fn a_reader_that_went_away_ends_every_tool_by_sigpipe() {
    if !usable_or_skip("sigpipe") {
        return;
    }
    for dir in binaries("sigpipe") {
        let mut script = String::from(GONE);
        let mut expected = String::new();
        for tool in TOOLS {
            script.push_str(&format!("gone {tool} --help\n"));
            expected.push_str(&format!("{tool} --help: 141\n"));
        }
        script.push_str("gone nsadd -l\n");
        expected.push_str("nsadd -l: 141\nstatus=0\n");
        let (stdout, stderr) = sandboxed(&script, &dir);
        assert_eq!(stdout, expected, "{dir:?}: {stderr}");
    }
}

#[test]
fn with_sigpipe_ignored_by_the_caller_a_gone_reader_is_a_write_error() {
    if !usable_or_skip("sigpipe_ignored") {
        return;
    }
    for dir in binaries("sigpipe-ignored") {
        let mut script = format!("{GONE}trap '' PIPE\n");
        let mut expected = String::new();
        for tool in TOOLS {
            script.push_str(&format!("gone {tool} --version\n"));
            expected.push_str(&format!(
                "{tool}: write error: Broken pipe\n{tool} --version: {}\n",
                failure_status(tool)
            ));
        }
        expected.push_str("status=0\n");
        let (stdout, stderr) = sandboxed(&script, &dir);
        assert_eq!(stdout, expected, "{dir:?}: {stderr}");
    }
}

#[test]
fn any_other_write_error_on_stdout_is_one_line_and_a_failure() {
    if !usable_or_skip("write_errors") {
        return;
    }
    for dir in binaries("write-errors") {
        let mut script = String::from("ip netns add red || exit 99\n");
        let mut expected = String::new();
        for tool in TOOLS {
            script.push_str(&format!(
                "{tool} --help 2>&1 >/dev/full; echo $?\n{tool} -V 2>&1 >&-; echo $?\n"
            ));
            let status = failure_status(tool);
            expected.push_str(&format!(
                "{tool}: write error: No space left on device\n{status}\n\
                 {tool}: write error: Bad file descriptor\n{status}\n"
            ));
        }
        script.push_str("nsadd -l 2>&1 >/dev/full; echo $?\n");
        expected.push_str("nsadd: write error: No space left on device\n1\nstatus=0\n");
        let (stdout, stderr) = sandboxed(&script, &dir);
        assert_eq!(stdout, expected, "{dir:?}: {stderr}");
    }
}

/// Bit `signal` of a `Sig...:` mask line of /proc/PID/status.
fn has_signal(line: &str, signal: i32) -> bool {
    let hex = line.rsplit('\t').next().unwrap_or("");
    u64::from_str_radix(hex, 16).is_ok_and(|mask| mask & (1 << (signal - 1)) != 0)
}

#[test]
fn nsexec_hands_on_signal_dispositions_mask_and_closed_fds_as_env_does() {
    if !usable_or_skip("hand_on") {
        return;
    }
    let show = "grep -E '^Sig(Ign|Blk)' /proc/self/status";
    let script = format!(
        "ip netns add red || exit 99
        for run in env 'nsexec red'; do
            (trap '' PIPE; $run {show})
            $run {show}
            $run test -e /proc/self/fd/1 >&- || echo closed
            echo ==
        done"
    );
    for dir in binaries("hand-on") {
        let (stdout, stderr) = sandboxed(&script, &dir);
        let parts: Vec<&str> = stdout.split("==\n").collect();
        assert_eq!(parts.len(), 3, "{dir:?}: {stdout} {stderr}");
        assert_eq!(parts[1], parts[0], "{dir:?}: nsexec differs from env");
        let lines: Vec<&str> = parts[0].lines().collect();
        let [trapped_blk, trapped_ign, blk, ign, closed] = lines[..] else {
            panic!("{dir:?}: {stdout}");
        };
        assert!(has_signal(trapped_ign, libc::SIGPIPE), "{trapped_ign}");
        assert!(!has_signal(ign, libc::SIGPIPE), "{ign}");
        assert!(has_signal(trapped_blk, libc::SIGUSR1), "{trapped_blk}");
        assert!(has_signal(blk, libc::SIGUSR1), "{blk}");
        assert_eq!(closed, "closed");
    }
}

#[test]
fn nsexec_runs_a_file_without_a_shebang_by_bin_sh_as_env_does() {
    if !usable_or_skip("no_shebang") {
        return;
    }
    let script = r#"ip netns add red || exit 99
        mkdir /run/bin
        printf 'echo "$0 $*"\n' > /run/bin/script; chmod +x /run/bin/script
        for run in env 'nsexec red'; do
            $run /run/bin/script a 'b c'
            PATH=/run/bin:$PATH $run script d
        done"#;
    for dir in binaries("no-shebang") {
        let (stdout, stderr) = sandboxed(script, &dir);
        assert_eq!(
            stdout,
            "/run/bin/script a b c\n/run/bin/script d\n".repeat(2) + "status=0\n",
            "{dir:?}: {stderr}"
        );
    }
}

#[test]
fn errno_texts_are_glibcs() {
    if !usable_or_skip("errno_texts") {
        return;
    }
    // musl says "Symbolic link loop" and "Filename too long".
    let script = "ln -s loop /run/loop; nsexec /run/loop true
        nsexec /run/$(printf 'x%.0s' $(seq 300))/ns true 2>&1 | sed 's/^.*: //' >&2";
    for dir in binaries("errno-texts") {
        let (stdout, stderr) = sandboxed(script, &dir);
        assert_eq!(
            (stdout.as_str(), stderr.as_str()),
            (
                "status=0\n",
                "nsexec: /run/loop: cannot open namespace: Too many levels of symbolic links\n\
                 File name too long\n"
            ),
            "{dir:?}"
        );
    }
}
