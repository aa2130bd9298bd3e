//! The lab itself: the hidden subcommand `__e2e-lab`, which `e2e` starts
//! inside the sandbox (or on the host). It runs the tutorial's steps with
//! the tools in BIN, checks each, and tears the lab down itself when a
//! step fails: what it made, never a red or blue that was there before.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};

use super::{identities, lab_namespaces, Identity};
use crate::flags::{self, usage, Args, Long, Subcommand};
use crate::paths;
use crate::pipeline::{self, After, Expect, Step};

pub const COMMAND: Subcommand = Subcommand {
    name: "__e2e-lab",
    synopsis: "BIN --sandboxed|--host [--keep] [--two-hosts]",
    about: "\
the lab of e2e with the tools in BIN, inside the sandbox e2e made
(--sandboxed) or on this host (--host); --keep stops before the
teardown; --two-hosts runs the tutorial across two machines.",
    run: |args| lab(args),
    helpers: &[],
};

fn lab(args: &mut Args) -> Result<()> {
    let bin = PathBuf::from(args.operand("BIN")?);
    let (mut placed, mut keep, mut two_hosts) = (false, false, false);
    while let Some(arg) = args.next()? {
        match arg {
            Long("sandboxed" | "host") => placed = true,
            Long("keep") => keep = true,
            Long("two-hosts") => two_hosts = true,
            arg => return Err(flags::unexpected(arg)),
        }
    }
    // Where it runs is said explicitly, so that a call by hand can never
    // build the lab on the host unasked.
    if !placed {
        return Err(usage("--sandboxed or --host is missing"));
    }
    let lab = Lab::new(bin);
    if lab.ip.is_none() {
        println!("# iproute2 (ip) is not installed: steps are checked by their exit status and the pings");
    }
    if two_hosts {
        return super::across::run(&lab);
    }
    // Made by someone else: the teardown leaves them alone.
    let before = identities();
    // With --keep, stop before the teardown and what follows it.
    let steps = pipeline::STEPS
        .iter()
        .take_while(|step| !keep || step.after != After::Namespaces(false));
    for (number, step) in steps.enumerate() {
        let command = step.argv.join(" ");
        println!("+ {command}");
        if let Err(error) = lab.step(step) {
            println!("e2e: step {} failed: {command}: {error:#}", number + 1);
            lab.teardown(&before);
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

/// The tools to run and iproute2 to look with.
pub struct Lab {
    bin: PathBuf,
    /// `PATH` with the binaries first (nsexec finds nsping there).
    path: OsString,
    pub(super) ip: Option<PathBuf>,
}

impl Lab {
    pub fn new(bin: PathBuf) -> Lab {
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

    /// Runs a step and checks what it printed and what it left.
    pub(super) fn step(&self, step: &Step) -> Result<()> {
        let ping = matches!(step.expect, Expect::Replies(_));
        let timeout = Duration::from_secs(if ping { 30 } else { 10 });
        let output = self.execute(step.argv, timeout, true)?;
        pipeline::check(step.expect, &output).map_err(|why| anyhow!(why))?;
        let mut verified = self.check(step.after)?;
        // pipeline::check counted the replies; show what they were.
        if ping {
            let summary = output.stdout.lines().find(|l| l.contains("packets transmitted"));
            verified.extend(summary.map(str::to_string));
        }
        for verified in verified {
            println!("# ok: {verified}");
        }
        Ok(())
    }

    /// Runs one of the tools, echoing its output as it comes when asked;
    /// fails as `pipeline::check` judges a failed step (with the last line
    /// the tool said) or when it takes too long.
    pub(super) fn execute(
        &self,
        argv: &[&str],
        timeout: Duration,
        echo: bool,
    ) -> Result<pipeline::Output> {
        let tools = pipeline::Tools {
            dir: &self.bin,
            path: &self.path,
            echo,
        };
        let output = pipeline::run_command(argv, &tools, timeout).map_err(|why| anyhow!(why))?;
        pipeline::check(Expect::Success, &output).map_err(|why| anyhow!(why))?;
        Ok(output)
    }

    /// Runs `ip ARGS` and returns its output; `None` without iproute2.
    pub(super) fn ip(&self, args: &[&str]) -> Result<Option<String>> {
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

    /// Deletes what is left of the lab, saying how it goes; a namespace
    /// that is one of `before` (there before the lab began) stays.
    pub fn teardown(&self, before: &[Identity]) {
        let (theirs, left): (Vec<&str>, Vec<&str>) = lab_namespaces()
            .into_iter()
            .partition(|ns| identities().iter().any(|i| i.0 == *ns && before.contains(i)));
        for ns in &theirs {
            println!("e2e: teardown: leaving {ns} alone: it was there before the lab");
        }
        if left.is_empty() {
            println!("e2e: teardown: nothing to remove");
            return;
        }
        let mut argv = vec!["nsadd", "-d", "-f"];
        argv.extend(&left);
        println!("e2e: teardown: + {}", argv.join(" "));
        if let Err(error) = self.execute(&argv, Duration::from_secs(10), true) {
            println!("e2e: teardown: nsadd failed ({error:#})");
            for ns in &left {
                println!("e2e: teardown: + ip netns del {ns}");
                let _ = self.ip(&["netns", "del", ns]);
            }
        }
        let left: Vec<&str> = lab_namespaces()
            .into_iter()
            .filter(|ns| left.contains(ns))
            .collect();
        if !left.is_empty() {
            println!(
                "e2e: teardown: could not remove {}; do it by hand: ip netns del {}",
                left.join(" "),
                left.join("; ip netns del ")
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keep_stops_at_the_teardown_which_is_the_second_last_step() {
        let teardown = pipeline::STEPS
            .iter()
            .position(|s| s.after == After::Namespaces(false))
            .unwrap();
        assert_eq!(teardown, pipeline::STEPS.len() - 2);
        assert_eq!(pipeline::STEPS[teardown].argv.join(" "), "nsadd -d red blue");
        assert_eq!(pipeline::STEPS[0].argv.join(" "), "nsadd red blue");
    }

    #[test]
    fn the_lab_must_be_told_where_it_runs() {
        for words in [&["/bin"][..], &[], &["/bin", "--sandboxed", "--bogus"]] {
            let error = flags::parse(lab, words).unwrap_err();
            assert!(error.is::<flags::Usage>(), "{words:?}: {error}");
        }
    }
}
