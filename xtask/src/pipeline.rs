//! The red/blue tutorial as a list of commands, run without a shell: each
//! tool is a child process started by path from `/bin` (`BIN`). Used by
//! `cargo xtask chroot` (inside a chroot holding only the tools) and by the
//! `/init` of `cargo xtask vm` (compiled into it with `#[path]`), so this file
//! needs nothing but std.

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a step's output must show besides exit status 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Nothing more.
    Success,
    /// A ping whose statistics show this many packets sent and as many received.
    Replies(u32),
    /// Nothing at all on stdout (e.g. `nsadd -l` once everything is gone).
    NoOutput,
}

/// What the lab must look like after a step, beyond what the step
/// printed: `cargo xtask e2e` asks iproute2 (the chroot and the VM, which
/// have no iproute2, go by the output alone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum After {
    /// Nothing more to look at.
    Nothing,
    /// red and blue are there (`true`), or gone (`false`).
    Namespaces(bool),
    /// veth-red in red and veth-blue in blue are the ends of one veth pair.
    Pair,
    /// The link in the namespace has the address: (netns, link, address).
    Address(&'static str, &'static str, &'static str),
    /// These links are up: (netns, link, whether its carrier is up too).
    Up(&'static [(&'static str, &'static str, bool)]),
    /// The link is a VXLAN end whose socket is in another namespace:
    /// (netns, link, VNI, remote address).
    Vxlan(&'static str, &'static str, &'static str, &'static str),
}

/// One command of the tutorial.
#[derive(Debug, Clone, Copy)]
pub struct Step {
    /// How a failure is reported: "the step NAME failed".
    pub name: &'static str,
    pub argv: &'static [&'static str],
    pub expect: Expect,
    pub after: After,
}

impl Step {
    /// A step that must exit 0 and leave the lab `after`.
    pub const fn ok(name: &'static str, argv: &'static [&'static str], after: After) -> Step {
        Step {
            name,
            argv,
            expect: Expect::Success,
            after,
        }
    }

    /// A ping whose statistics must show `count` replies.
    pub const fn ping(name: &'static str, argv: &'static [&'static str], count: u32) -> Step {
        Step {
            name,
            argv,
            expect: Expect::Replies(count),
            after: After::Nothing,
        }
    }
}

/// veth-red's address: the same step on one machine and across two.
pub const ADDRESS_RED: Step = Step::ok(
    "address on veth-red",
    &["ipassign", "-n", "red", "veth-red", "10.0.0.1/24"],
    After::Address("red", "veth-red", "10.0.0.1/24"),
);

/// veth-blue's address, likewise.
pub const ADDRESS_BLUE: Step = Step::ok(
    "address on veth-blue",
    &["ipassign", "-n", "blue", "veth-blue", "10.0.0.2/24"],
    After::Address("blue", "veth-blue", "10.0.0.2/24"),
);

/// The last step everywhere: no namespace is left.
pub const NOTHING_LEFT: Step = Step {
    name: "nothing left behind",
    argv: &["nsadd", "-l"],
    expect: Expect::NoOutput,
    after: After::Nothing,
};

/// The tutorial, in order: the one list of its commands, also run by
/// `cargo xtask e2e` (which checks what each leaves `After` with
/// iproute2). A tool is named as it is found in the directory of tools:
/// `/bin` here.
pub const STEPS: &[Step] = &[
    Step::ok(
        "create red and blue",
        &["nsadd", "red", "blue"],
        After::Namespaces(true),
    ),
    Step::ok(
        "veth cable red-blue",
        &[
            "vethpair",
            "-n",
            "red",
            "veth-red",
            "--peer-netns",
            "blue",
            "veth-blue",
        ],
        After::Pair,
    ),
    ADDRESS_RED,
    ADDRESS_BLUE,
    Step::ok(
        "veth-red up",
        &["linkup", "-n", "red", "veth-red"],
        After::Up(&[("red", "veth-red", false)]),
    ),
    Step::ok(
        "veth-blue up, and the cable carrying traffic",
        &["linkup", "-n", "blue", "--wait", "veth-blue"],
        After::Up(&[("blue", "veth-blue", true), ("red", "veth-red", true)]),
    ),
    Step::ping(
        "ping red -> blue",
        &["nsping", "-n", "red", "-c", "3", "-i", "0.2", "10.0.0.2"],
        3,
    ),
    Step::ping(
        "ping blue -> red",
        &["nsping", "-n", "blue", "-c", "3", "-i", "0.2", "10.0.0.1"],
        3,
    ),
    Step::ping(
        "ping through nsexec",
        &["nsexec", "red", "nsping", "-c", "1", "10.0.0.2"],
        1,
    ),
    Step::ok(
        "tear down red and blue",
        &["nsadd", "-d", "red", "blue"],
        After::Namespaces(false),
    ),
    NOTHING_LEFT,
];

/// Where the tools are: the chroot's and the VM's only directory.
pub const BIN: &str = "/bin";

/// How long one step may take before it is killed and counted as failed.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// A step that did not do what it should.
#[derive(Debug)]
pub struct Failure {
    pub step: &'static str,
    pub why: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "step \"{}\" failed: {}", self.step, self.why)
    }
}

impl std::error::Error for Failure {}

/// Runs every step, printing `+ COMMAND` and then what it printed, and
/// returns one summary line per ping ("ping red -> blue: 3 packets
/// transmitted, 3 received, ..."), or the first step that failed.
pub fn run(steps: &[Step]) -> Result<Vec<String>, Failure> {
    let mut pings = Vec::new();
    for step in steps {
        let output = run_step(step)?;
        check(step.expect, &output).map_err(|why| Failure {
            step: step.name,
            why,
        })?;
        if let Expect::Replies(_) = step.expect {
            let mut summary = format!(
                "{}: {}",
                step.name,
                statistics(&output.stdout).unwrap_or("")
            );
            if let Some(rtt) = output.stdout.lines().find(|l| l.starts_with("rtt ")) {
                summary.push_str("; ");
                summary.push_str(rtt);
            }
            pings.push(summary);
        }
    }
    Ok(pings)
}

/// What a finished step did.
#[derive(Debug, Default)]
pub struct Output {
    /// The exit code, or None when killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

fn run_step(step: &Step) -> Result<Output, Failure> {
    println!("+ {}", step.argv.join(" "));
    let tools = Tools {
        dir: Path::new(BIN),
        path: OsStr::new(BIN),
        echo: true,
    };
    run_command(step.argv, &tools, STEP_TIMEOUT).map_err(|why| Failure {
        step: step.name,
        why,
    })
}

/// Where commands find the tools, and whether their output is shown.
pub struct Tools<'a> {
    /// The directory of the tools: `argv[0]` is looked up here.
    pub dir: &'a Path,
    /// `PATH` for the command (the tools first, so nsexec finds nsping).
    pub path: &'a OsStr,
    /// Show what the command prints as it prints it.
    pub echo: bool,
}

/// Runs one command of the tools, killed after `timeout`, and returns what
/// it did; `Err` when it could not be run or did not end in time.
pub fn run_command(argv: &[&str], tools: &Tools, timeout: Duration) -> Result<Output, String> {
    let _ = std::io::stdout().flush();
    let mut child = Command::new(tools.dir.join(argv[0]))
        .args(&argv[1..])
        .env("PATH", tools.path)
        // A pipe closed at once rather than /dev/null: a chroot has no /dev.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", argv[0]))?;
    drop(child.stdin.take());
    // Read both pipes on threads so neither can fill up and stall the child.
    let stdout = drain(child.stdout.take(), tools.echo, false);
    let stderr = drain(child.stderr.take(), tools.echo, true);
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "still running after {}s; killed",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("waiting for {}: {e}", argv[0])),
        }
    };
    Ok(Output {
        code: status.code(),
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
    })
}

/// Collects a pipe's text on a thread, echoing each line as it comes.
fn drain(
    pipe: Option<impl Read + Send + 'static>,
    echo: bool,
    to_stderr: bool,
) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut all = String::new();
        let Some(pipe) = pipe else {
            return all;
        };
        let mut reader = std::io::BufReader::new(pipe);
        let mut line = Vec::new();
        while std::io::BufRead::read_until(&mut reader, b'\n', &mut line).is_ok_and(|n| n > 0) {
            let text = String::from_utf8_lossy(&line);
            if echo && to_stderr {
                eprint!("{text}");
            } else if echo {
                print!("{text}");
                let _ = std::io::stdout().flush();
            }
            all.push_str(&text);
            line.clear();
        }
        all
    })
}

/// Whether `output` is what a step that `expect`s it must produce; if not,
/// why.
pub fn check(expect: Expect, output: &Output) -> Result<(), String> {
    match output.code {
        Some(0) => {}
        Some(code) => {
            let said = output.stderr.lines().last().unwrap_or("").trim();
            return Err(if said.is_empty() {
                format!("exit status {code}")
            } else {
                format!("exit status {code}: {said}")
            });
        }
        None => return Err("killed by a signal".into()),
    }
    match expect {
        Expect::Success => Ok(()),
        Expect::NoOutput if output.stdout.is_empty() => Ok(()),
        Expect::NoOutput => Err(format!(
            "expected no output, got {:?}",
            output.stdout.trim_end()
        )),
        Expect::Replies(count) => {
            let stats = statistics(&output.stdout).ok_or("no ping statistics in the output")?;
            let want = format!("{count} packets transmitted, {count} received,");
            if stats.starts_with(&want) {
                Ok(())
            } else {
                Err(format!("expected \"{want}\", got \"{stats}\""))
            }
        }
    }
}

/// The "N packets transmitted, M received, ..." line of ping's output.
fn statistics(stdout: &str) -> Option<&str> {
    stdout
        .lines()
        .find(|l| l.contains(" packets transmitted, "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PING: Expect = Expect::Replies(3);

    fn output(code: Option<i32>, stdout: &str, stderr: &str) -> Output {
        Output {
            code,
            stdout: stdout.into(),
            stderr: stderr.into(),
        }
    }

    const ANSWERED: &str = "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n\
        64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.045 ms\n\n\
        --- 10.0.0.2 ping statistics ---\n\
        3 packets transmitted, 3 received, 0% packet loss, time 402ms\n\
        rtt min/avg/max/mdev = 0.041/0.046/0.052/0.004 ms\n";

    #[test]
    fn a_ping_must_be_answered_every_time() {
        assert_eq!(check(PING, &output(Some(0), ANSWERED, "")), Ok(()));
        let lost = ANSWERED.replace("3 received, 0%", "2 received, 33%");
        let why = check(PING, &output(Some(0), &lost, "")).unwrap_err();
        assert!(why.contains("2 received"), "{why}");
        let why = check(PING, &output(Some(0), "", "")).unwrap_err();
        assert_eq!(why, "no ping statistics in the output");
    }

    #[test]
    fn a_failed_command_is_reported_with_its_last_error_line() {
        let step = STEPS[0].expect;
        let why = check(step, &output(Some(1), "", "nsadd: red: File exists\n")).unwrap_err();
        assert_eq!(why, "exit status 1: nsadd: red: File exists");
        assert_eq!(
            check(step, &output(Some(2), "", "")).unwrap_err(),
            "exit status 2"
        );
        assert_eq!(
            check(step, &output(None, "", "")).unwrap_err(),
            "killed by a signal"
        );
    }

    #[test]
    fn nothing_left_means_no_output() {
        let last = STEPS[STEPS.len() - 1].expect;
        assert_eq!(last, Expect::NoOutput);
        assert_eq!(check(last, &output(Some(0), "", "")), Ok(()));
        assert!(check(last, &output(Some(0), "red\n", "")).is_err());
    }

    #[test]
    fn every_step_calls_a_tool_in_bin() {
        for step in STEPS {
            assert!(crate::tools::TOOLS.contains(&step.argv[0]), "{}", step.name);
        }
    }

    #[test]
    fn steps_run_and_report_the_first_failure() {
        let succeeds = |name, argv| Step {
            name,
            argv,
            expect: Expect::Success,
            after: After::Nothing,
        };
        let steps = [
            succeeds("true", &["/bin/true"]),
            succeeds("false", &["/bin/false"]),
            succeeds("never", &["/nonexistent"]),
        ];
        let failure = run(&steps).unwrap_err();
        assert_eq!(failure.step, "false");
        assert_eq!(failure.to_string(), "step \"false\" failed: exit status 1");
    }
}
