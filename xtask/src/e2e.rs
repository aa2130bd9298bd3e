//! `cargo xtask e2e`: the red/blue tutorial with the built binaries, each
//! command printed before it runs (as `sh -x`), each step checked (with
//! iproute2 where installed), torn down on failure.
//!
//! The lab runs in a child process (a hidden subcommand of xtask): inside a
//! fresh sandbox by default, where everything it made vanishes with it; on
//! the real host with `--host`, where this process stays behind to tear the
//! lab down if the child fails or is interrupted.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use testkit::sandbox;

use crate::{dist, paths, pipeline, reexec};

/// The hidden subcommand that runs the lab itself.
pub const LAB: &str = "__e2e-lab";

const NAMESPACES: [&str; 2] = ["red", "blue"];

#[derive(Debug, Default)]
pub struct Options {
    pub host: bool,
    pub keep: bool,
    pub multicall: bool,
    /// Tools already installed here: no build, e.g. a copy in a VM.
    pub bin: Option<PathBuf>,
}

pub fn run(options: &Options) -> Result<()> {
    if options.keep && !options.host {
        bail!("--keep needs --host: the sandbox vanishes when e2e ends");
    }
    if options.host {
        if !reexec::is_root() {
            bail!("--host needs root (or run without --host: the sandbox needs no root)");
        }
        let there = lab_namespaces();
        if !there.is_empty() {
            let (noun, verb) = match there.len() {
                1 => ("namespace", "exists"),
                _ => ("namespaces", "exist"),
            };
            bail!(
                "--host: {noun} {} already {verb}; not touching it (remove: ip netns del {})",
                there.join(" and "),
                there.join("; ip netns del ")
            );
        }
    } else if !sandbox::available() {
        bail!(
            "cannot make a sandbox here: needs root or unprivileged user namespaces \
             (sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu \
             kernel.apparmor_restrict_unprivileged_userns=0); or run as root with --host"
        );
    }
    let bin = match &options.bin {
        Some(dir) => dir.clone(),
        None => {
            let dist = dist::run(&dist::Options::default())?;
            if options.multicall {
                let dir = dist.dir.join("multicall");
                dist::install_links(&dist, &dir)?;
                dir
            } else {
                dist.dir.clone()
            }
        }
    };
    println!(
        "e2e: the red/blue tutorial {}, with {} in {}",
        if options.host {
            "on this host"
        } else {
            "in a private sandbox (own network and mount namespaces, tmpfs on /run)"
        },
        if options.multicall {
            "links to the multi-call binary"
        } else {
            "the single binaries"
        },
        bin.display()
    );
    let mut lab = reexec::myself(LAB)?;
    lab.arg(&bin);
    if options.keep {
        lab.arg("--keep");
    }
    if options.host {
        lab.arg("--host");
    } else {
        sandbox::isolate(lab.arg("--sandboxed"));
    }
    let _ = std::io::stdout().flush();
    let ended = reexec::run(lab)?;
    if options.host {
        let kept = options.keep && ended.status.success() && ended.signal.is_none();
        if !kept && !lab_namespaces().is_empty() {
            Lab::new(bin.clone()).teardown();
        }
    }
    if let Some(status) = ended.interrupted_status() {
        if !options.host || lab_namespaces().is_empty() {
            eprintln!("e2e: interrupted; the lab is gone");
        } else {
            eprintln!("e2e: interrupted; the lab could not be removed (see above)");
        }
        std::process::exit(status.into());
    }
    if !ended.status.success() {
        bail!("e2e failed ({})", ended.status);
    }
    if options.keep {
        let nsadd = bin.join("nsadd");
        println!("e2e: the lab is up (--keep). Look around:");
        println!("  ip netns list; ip -n red addr show veth-red");
        println!("  {} -n blue -c 1 10.0.0.1", bin.join("nsping").display());
        println!("Remove it with:");
        println!(
            "  {} -d red blue    (or: ip netns del red; ip netns del blue)",
            nsadd.display()
        );
    }
    Ok(())
}

/// Which of the lab's namespaces exist in `/run/netns`.
fn lab_namespaces() -> Vec<&'static str> {
    NAMESPACES
        .into_iter()
        .filter(|ns| {
            Path::new(nscore::netns::RUN_DIR)
                .join(ns)
                .symlink_metadata()
                .is_ok()
        })
        .collect()
}

/// What a step is checked with by iproute2, beyond its exit status and
/// what `pipeline::check` asks of its output.
enum Check {
    Namespaces { present: bool },
    Pair,
    Address(&'static str, &'static str, &'static str),
    Up(&'static [(&'static str, &'static str, bool)]),
    Ping,
    Nothing,
}

/// The check for each of the tutorial's steps (`pipeline::STEPS`), in order.
const CHECKS: [Check; 11] = [
    Check::Namespaces { present: true },
    Check::Pair,
    Check::Address("red", "veth-red", "10.0.0.1/24"),
    Check::Address("blue", "veth-blue", "10.0.0.2/24"),
    Check::Up(&[("red", "veth-red", false)]),
    Check::Up(&[("blue", "veth-blue", true), ("red", "veth-red", true)]),
    Check::Ping,
    Check::Ping,
    Check::Ping,
    Check::Namespaces { present: false },
    Check::Nothing,
];

/// The hidden subcommand: `__e2e-lab BIN --sandboxed|--host [--keep]`, run
/// inside the sandbox (or on the host). Tears the lab down itself when a
/// step fails.
pub fn lab(args: &[OsString]) -> Result<()> {
    let usage = || anyhow!("usage: xtask {LAB} BIN --sandboxed|--host [--keep]");
    let (bin, flags) = args.split_first().ok_or_else(usage)?;
    let (mut placed, mut keep) = (false, false);
    for flag in flags {
        match flag.to_str() {
            Some("--sandboxed" | "--host") => placed = true,
            Some("--keep") => keep = true,
            _ => return Err(usage()),
        }
    }
    // Where it runs is said explicitly, so that a call by hand can never
    // build the lab on the host unasked.
    if !placed {
        return Err(usage());
    }
    let lab = Lab::new(PathBuf::from(bin));
    if lab.ip.is_none() {
        println!("# iproute2 (ip) is not installed: steps are checked by their exit status and the pings");
    }
    // With --keep, stop before the teardown and its check.
    let steps = pipeline::STEPS.iter().zip(&CHECKS);
    let steps = steps.take(if keep { CHECKS.len() - 2 } else { CHECKS.len() });
    for (number, (step, check)) in steps.enumerate() {
        let command = step.argv.join(" ");
        println!("+ {command}");
        if let Err(error) = lab.step(step, check) {
            println!("e2e: step {} failed: {command}: {error:#}", number + 1);
            lab.teardown();
            bail!("step {} failed: {command}", number + 1);
        }
    }
    if keep {
        println!("e2e: passed: both pings answered; the lab is left up");
    } else {
        println!("e2e: passed: both pings answered, nothing left behind");
    }
    Ok(())
}

struct Lab {
    bin: PathBuf,
    /// `PATH` with the binaries first (nsexec finds nsping there).
    path: OsString,
    ip: Option<PathBuf>,
}

impl Lab {
    fn new(bin: PathBuf) -> Lab {
        let mut dirs = vec![bin.clone()];
        if let Some(path) = std::env::var_os("PATH") {
            dirs.extend(std::env::split_paths(&path));
        }
        Lab {
            path: std::env::join_paths(dirs).unwrap_or_default(),
            ip: paths::which("ip"),
            bin,
        }
    }

    fn step(&self, step: &pipeline::Step, check: &Check) -> Result<()> {
        let timeout = Duration::from_secs(if matches!(check, Check::Ping) { 30 } else { 10 });
        let output = self.execute(step.argv, timeout, true)?;
        pipeline::check(step, &output).map_err(|why| anyhow!(why))?;
        for verified in self.check(check, &output.stdout)? {
            println!("# ok: {verified}");
        }
        Ok(())
    }

    /// Runs one of the tools, echoing its output as it comes when asked;
    /// fails as `pipeline::check` judges a failed step (with the last line
    /// the tool said) or when it takes too long.
    fn execute(&self, argv: &[&str], timeout: Duration, echo: bool) -> Result<pipeline::Output> {
        let tools = pipeline::Tools {
            dir: &self.bin,
            path: &self.path,
            echo,
        };
        let output = pipeline::run_command(argv, &tools, timeout).map_err(|why| anyhow!(why))?;
        let success = pipeline::Step {
            name: "",
            argv: &[],
            expect: pipeline::Expect::Success,
        };
        pipeline::check(&success, &output).map_err(|why| anyhow!(why))?;
        Ok(output)
    }

    /// Runs `ip ARGS` and returns its output; `None` without iproute2.
    fn ip(&self, args: &[&str]) -> Result<Option<String>> {
        let Some(ip) = &self.ip else {
            return Ok(None);
        };
        let out = Command::new(ip).args(args).output().context("running ip")?;
        if !out.status.success() {
            bail!(
                "ip {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(Some(String::from_utf8_lossy(&out.stdout).into_owned()))
    }

    /// Checks what a step did; returns what was verified, one a line.
    fn check(&self, check: &Check, output: &str) -> Result<Vec<String>> {
        let mut verified = Vec::new();
        match check {
            Check::Namespaces { present } => {
                let wanted = |there: &[String]| {
                    NAMESPACES
                        .iter()
                        .all(|ns| there.iter().any(|n| n == ns) == *present)
                };
                let listed = self.execute(&["nsadd", "-l"], Duration::from_secs(10), false)?;
                let listed: Vec<String> = listed.stdout.lines().map(str::to_string).collect();
                if !wanted(&listed) {
                    bail!("nsadd -l lists: {}", listed.join(" "));
                }
                let state = if *present { "there" } else { "gone" };
                verified.push(format!("nsadd -l: red and blue {state}"));
                if let Some(list) = self.ip(&["netns", "list"])? {
                    let names: Vec<String> = list
                        .lines()
                        .filter_map(|l| l.split_whitespace().next())
                        .map(str::to_string)
                        .collect();
                    if !wanted(&names) {
                        bail!("ip netns list shows: {}", names.join(" "));
                    }
                    verified.push(format!("ip netns list: red and blue {state}"));
                }
                if !present {
                    let left = lab_namespaces();
                    if !left.is_empty() {
                        bail!("left behind in /run/netns: {}", left.join(" "));
                    }
                    verified.push("/run/netns: nothing left".into());
                }
            }
            Check::Pair => {
                let (Some(red), Some(blue)) = (
                    self.ip(&["-n", "red", "-o", "-d", "link", "show", "veth-red"])?,
                    self.ip(&["-n", "blue", "-o", "-d", "link", "show", "veth-blue"])?,
                ) else {
                    return Ok(verified);
                };
                let (red_index, red_peer) = link_indexes(&red, "veth-red")?;
                let (blue_index, blue_peer) = link_indexes(&blue, "veth-blue")?;
                for (text, name, other) in [(&red, "veth-red", "blue"), (&blue, "veth-blue", "red")]
                {
                    if !text.split_whitespace().any(|w| w == "veth") {
                        bail!("{name} is not a veth: {}", text.trim());
                    }
                    if !text.contains(&format!(" link-netns {other} ")) {
                        bail!("the peer of {name} is not in {other}: {}", text.trim());
                    }
                }
                if red_peer != blue_index || blue_peer != red_index {
                    bail!("veth-red@if{red_peer} and veth-blue@if{blue_peer} are not each other's peer");
                }
                verified.push(format!(
                    "ip -d link: veth-red@if{red_peer} in red, veth-blue@if{blue_peer} in blue: one veth pair"
                ));
            }
            Check::Address(ns, dev, address) => {
                let Some(out) = self.ip(&["-n", ns, "-o", "addr", "show", "dev", dev])? else {
                    return Ok(verified);
                };
                let family = if address.contains(':') {
                    "inet6"
                } else {
                    "inet"
                };
                let found = out.lines().any(|l| {
                    let mut words = l.split_whitespace().skip_while(|w| *w != family).skip(1);
                    words.next() == Some(address)
                });
                if !found {
                    bail!(
                        "ip -n {ns} addr shows no {address} on {dev}: {}",
                        out.trim()
                    );
                }
                verified.push(format!("ip -n {ns} -o addr: {dev} {family} {address}"));
            }
            Check::Up(links) => {
                if self.ip.is_none() {
                    return Ok(verified);
                }
                for &(ns, dev, lower_up) in *links {
                    let wanted: &[&str] = if lower_up {
                        &["UP", "LOWER_UP"]
                    } else {
                        &["UP"]
                    };
                    // The carrier follows the peer; give the kernel a moment.
                    let deadline = Instant::now() + Duration::from_secs(2);
                    loop {
                        let out = self
                            .ip(&["-n", ns, "-o", "link", "show", dev])?
                            .unwrap_or_default();
                        let flags = link_flags(&out);
                        if wanted.iter().all(|w| flags.contains(w)) {
                            verified.push(format!("ip -n {ns} link: {dev} <{}>", flags.join(",")));
                            break;
                        }
                        if Instant::now() >= deadline {
                            bail!(
                                "{dev} in {ns} is not {}: <{}>",
                                wanted.join(","),
                                flags.join(",")
                            );
                        }
                        thread::sleep(Duration::from_millis(50));
                    }
                }
            }
            // pipeline::check counted the replies; show what they were.
            Check::Ping => {
                if let Some(summary) = output.lines().find(|l| l.contains("packets transmitted")) {
                    verified.push(summary.to_string());
                }
            }
            Check::Nothing => {}
        }
        Ok(verified)
    }

    /// Deletes whatever is left of the lab, saying how it goes.
    fn teardown(&self) {
        let left = lab_namespaces();
        if left.is_empty() {
            println!("e2e: teardown: nothing to remove");
            return;
        }
        let mut argv = vec!["nsadd", "-d", "-f"];
        argv.extend(&left);
        println!("e2e: teardown: + {}", argv.join(" "));
        if let Err(error) = self.execute(&argv, Duration::from_secs(10), true) {
            println!("e2e: teardown: nsadd failed ({error:#})");
            for ns in lab_namespaces() {
                println!("e2e: teardown: + ip netns del {ns}");
                let _ = self.ip(&["netns", "del", ns]);
            }
        }
        let left = lab_namespaces();
        if !left.is_empty() {
            println!(
                "e2e: teardown: could not remove {}; do it by hand: ip netns del {}",
                left.join(" "),
                left.join("; ip netns del ")
            );
        }
    }
}

/// `IDX: NAME@ifPEER: ...` from `ip -o link show`: the index and the peer's.
fn link_indexes(line: &str, name: &str) -> Result<(u32, u32)> {
    let parse = || -> Option<(u32, u32)> {
        let mut words = line.split_whitespace();
        let index = words.next()?.strip_suffix(':')?.parse().ok()?;
        let link = words.next()?.strip_suffix(':')?;
        let peer = link.strip_prefix(name)?.strip_prefix("@if")?.parse().ok()?;
        Some((index, peer))
    };
    parse().ok_or_else(|| anyhow!("ip shows no {name}@ifN link: {}", line.trim()))
}

/// The flags of `ip -o link show`: `<BROADCAST,MULTICAST,UP,LOWER_UP>`.
fn link_flags(line: &str) -> Vec<&str> {
    line.split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(flags, _)| flags.split(',').collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RED: &str = "2: veth-red@if5: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc noqueue \
        state UP mode DEFAULT group default qlen 1000\\    link/ether 32:e4:8a:71:d8:f5 brd \
        ff:ff:ff:ff:ff:ff link-netns blue\n";

    #[test]
    fn indexes_of_a_veth_end() {
        assert_eq!(link_indexes(RED, "veth-red").unwrap(), (2, 5));
        assert!(link_indexes(RED, "veth-blue").is_err());
        assert!(link_indexes("2: veth-red: <UP>", "veth-red").is_err());
        assert!(link_indexes("", "veth-red").is_err());
    }

    #[test]
    fn flags_of_a_link() {
        assert_eq!(
            link_flags(RED),
            ["BROADCAST", "MULTICAST", "UP", "LOWER_UP"]
        );
        assert!(link_flags("garbage").is_empty());
    }

    #[test]
    fn the_steps_are_the_tutorial_with_a_check_each() {
        assert_eq!(pipeline::STEPS.len(), CHECKS.len());
        let commands: Vec<String> = pipeline::STEPS.iter().map(|s| s.argv.join(" ")).collect();
        assert_eq!(commands.first().unwrap(), "nsadd red blue");
        assert_eq!(commands[commands.len() - 2], "nsadd -d red blue");
        // The teardown's check is the one --keep leaves out with it.
        assert!(matches!(
            CHECKS[CHECKS.len() - 2],
            Check::Namespaces { present: false }
        ));
        let tools: Vec<&str> = pipeline::STEPS.iter().map(|s| s.argv[0]).collect();
        for tool in dist::TOOLS {
            assert!(tools.contains(&tool), "{tool} is not in the e2e steps");
        }
        for (step, check) in pipeline::STEPS.iter().zip(&CHECKS) {
            let ping = matches!(step.expect, pipeline::Expect::Replies(_));
            assert_eq!(ping, matches!(check, Check::Ping), "{}", step.name);
        }
    }
}
