//! `cargo xtask bench`: our tools side by side with iproute2, iputils and
//! busybox, in one run on one machine, reported as ratios ours/anchor
//! against the project's speed goals. Everything runs in a private sandbox
//! (its own namespaces, a tmpfs on /run), so it leaves nothing behind and
//! its traffic stays between the namespaces it made.

mod cases;
mod report;
mod scale;
mod sizes;
mod timing;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use testkit::sandbox;

use crate::{dist, paths, reexec};

/// The hidden subcommand that measures, inside the sandbox.
pub const LAB: &str = "__bench-lab";

#[derive(Debug)]
pub struct Options {
    /// Runs per single-command comparison.
    pub runs: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options { runs: 100 }
    }
}

pub fn run(options: &Options) -> Result<()> {
    if !sandbox::available() {
        bail!("bench needs a sandbox: root, or unprivileged user namespaces");
    }
    let dist = dist::run(&dist::Options::default())?;
    install_anchors()?;
    let table = paths::target_dir().join("bench").join("timings.md");
    if let Some(dir) = table.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut lab = reexec::myself(LAB)?;
    lab.arg(&dist.dir).arg(options.runs.to_string()).arg(&table);
    sandbox::isolate(&mut lab);
    let ended = reexec::run(lab)?;
    if let Some(status) = ended.interrupted_status() {
        bail!("interrupted (status {status}); the sandbox took everything with it");
    }
    if !ended.status.success() {
        bail!("the benchmark failed ({})", ended.status);
    }
    let timings = std::fs::read_to_string(&table).context("reading the timings")?;
    let document = format!(
        "# Benchmarks\n\n\
         Rerun with `cargo xtask bench` (about a minute on two cores; it installs\n\
         iputils-ping and busybox-static when missing). Everything runs in a private\n\
         sandbox. Medians of interleaved runs (ours, anchor, ours, anchor …), {} runs\n\
         per single command; ratio = ours / anchor.\n\n\
         Machine: {}\n\n## Time\n\n{timings}\n{NOTES}\n## Size\n\n{}",
        options.runs,
        machine(),
        sizes::table(&dist.dir)?
    );
    let docs = paths::root().join("docs").join("benchmarks.md");
    std::fs::create_dir_all(docs.parent().unwrap())?;
    std::fs::write(&docs, &document)?;
    print!("{document}");
    println!("\n(written to {})", docs.display());
    Ok(())
}

/// What the table cannot say by itself.
const NOTES: &str = "\
How to read the misses:

- `nsexec` with many namespaces present. Like `ip netns exec`, nsexec gives
  the command a private mount namespace (so that `/sys` and `/etc/netns/NS`
  are its own), and the kernel copies the whole mount table into it and tears
  it down when the command exits. With 500 namespaces that is 500 more
  mounts: nsexec goes from about 1.1 to 1.8 ms, `ip netns exec` from 2.3 to
  3.2 ms; `true` alone takes about 0.9 ms of either. What nsexec adds to the
  command stays well under half of what `ip netns exec` adds, but the totals
  come out near 0.55. Closing it would mean not copying the mount table:
  a persistent mount namespace per network namespace, made by nsadd and
  entered with setns, or an option to skip the private mount namespace as
  `nsenter --net` does.
- Rows without a goal are there for comparison. Differences under about
  10 % are within this machine's noise from one run to the next.
";

/// `__bench-lab DIST RUNS TABLE`: measures, inside the sandbox.
pub fn lab(args: &[OsString]) -> Result<()> {
    let [bin, runs, table] = args else {
        bail!("usage: xtask {LAB} DIST RUNS TABLE");
    };
    let runs: usize = runs.to_str().and_then(|r| r.parse().ok()).context("RUNS")?;
    let rows = cases::all(Path::new(bin), runs)?;
    std::fs::write(PathBuf::from(table), report::table(&rows))?;
    Ok(())
}

/// The anchors we compare with, from Debian's packages when missing.
fn install_anchors() -> Result<()> {
    let wanted = [
        ("ping", "iputils-ping"),
        ("busybox", "busybox-static"),
        ("nsenter", "util-linux"),
        ("ip", "iproute2"),
    ];
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(program, _)| paths::which(program).is_none())
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    eprintln!("bench: installing {}", missing.join(" "));
    let quiet = |c: &mut Command| c.env("DEBIAN_FRONTEND", "noninteractive").status();
    quiet(Command::new("apt-get").args(["update", "-qq"]))?;
    let status = quiet(
        Command::new("apt-get")
            .args(["install", "-y", "-qq"])
            .args(&missing),
    )?;
    if !status.success() {
        bail!("could not install {}", missing.join(" "));
    }
    Ok(())
}

/// CPU model, cores and kernel, for the record.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("{cpu}, {cores} cores, Linux {}", kernel.trim())
}
