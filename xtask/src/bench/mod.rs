//! `cargo xtask bench`: our tools side by side with iproute2, iputils and
//! busybox, in one run on one machine, reported as ratios ours/anchor
//! against the project's speed goals. Everything runs in a private sandbox
//! (its own namespaces, a tmpfs on /run), so it leaves nothing behind and
//! its traffic stays between the namespaces it made.

mod across;
mod big;
mod cases;
mod contenders;
mod floor;
mod idle;
mod listings;
mod report;
mod scale;
mod sizes;
mod targets;
mod timing;
mod torus;

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rustix::mount::{mount_change, MountPropagationFlags};
use testkit::sandbox;

use crate::flags::{self, Args, Long, Subcommand};
use crate::{apt, dist, paths, reexec};
use contenders::Ours;

pub const COMMAND: Subcommand = Subcommand {
    name: "bench",
    synopsis: "[--runs N] [--only SECTION | --scale]",
    about: "\
dist, then our tools against iproute2, iputils, busybox and fping in a
sandbox, N runs (default 100) per single command; writes the table
to docs/benchmarks.md. --only runs one section (single, targets,
listings, scale, across, torus) and only prints its table. --scale:
the 100x100 torus instead (minutes, as root: it raises the neighbour
table's limits for the pings, then puts them back), into
docs/benchmarks-scale.md.",
    run: |args| run(&parse(args)?),
    helpers: &[LAB, big::LAB, floor::FLOOR],
};

/// The hidden subcommand that measures, inside the sandbox.
const LAB: Subcommand = Subcommand {
    name: "__bench-lab",
    synopsis: "DIST RUNS TABLE [SECTION]",
    about: "\
the measurements of bench with the tools in DIST, RUNS runs each,
inside the sandbox bench made (only SECTION when given); writes the
table to TABLE.",
    run: lab,
    helpers: &[],
};

/// The sections of the bench, in the order they run.
const SECTIONS: [&str; 6] = ["single", "targets", "listings", "scale", "across", "torus"];

#[derive(Debug, PartialEq)]
pub struct Options {
    /// Runs per single-command comparison.
    pub runs: usize,
    /// One section alone (its table printed, docs/benchmarks.md left).
    pub only: Option<&'static str>,
    /// The torus at 100×100 instead, into docs/benchmarks-scale.md.
    pub scale: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            runs: 100,
            only: None,
            scale: false,
        }
    }
}

fn parse(args: &mut Args) -> Result<Options> {
    let mut options = Options::default();
    while let Some(arg) = args.next()? {
        match arg {
            Long("runs") => options.runs = args.positive()? as usize,
            Long("only") => options.only = Some(args.choice(&SECTIONS.map(|s| (s, s)))?),
            Long("scale") => options.scale = true,
            arg => return Err(flags::unexpected(arg)),
        }
    }
    if options.scale && options.only.is_some() {
        return Err(flags::usage("--scale is a run of its own, without --only"));
    }
    Ok(options)
}

pub fn run(options: &Options) -> Result<()> {
    if !sandbox::available() {
        bail!("bench needs a sandbox: root, or unprivileged user namespaces");
    }
    let dist = dist::run(&dist::Options::default())?;
    install_anchors()?;
    if options.scale {
        return big::run(&dist.dir, options.runs);
    }
    let timings = in_sandbox(LAB.name, &dist.dir, options.runs, options.only)?;
    if let Some(section) = options.only {
        print!("{timings}");
        println!("\n(the section {section} alone: docs/benchmarks.md left as it was)");
        return Ok(());
    }
    let document = format!(
        "# Benchmarks\n\n\
         Rerun with `cargo xtask bench` (about a minute on two cores; it installs\n\
         iputils-ping, busybox-static and fping when missing). Everything runs in a\n\
         private sandbox. Medians of interleaved runs (ours, anchor, ours, anchor …), {} runs\n\
         per single command; ratio = ours / anchor.\n\n\
         Machine: {}\n\n## Time\n\n{timings}\n{NOTES}\n## Size\n\n{}",
        options.runs,
        machine(),
        sizes::table(&dist.dir)?
    );
    write_doc("benchmarks.md", &document)
}

/// Runs the hidden subcommand `helper` (`DIST RUNS OUT [SECTION]`) in a
/// sandbox of its own; returns what it wrote to OUT.
fn in_sandbox(helper: &str, dist: &Path, runs: usize, section: Option<&str>) -> Result<String> {
    let out = paths::target_dir().join("bench").join("timings.md");
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut lab = reexec::myself(helper)?;
    lab.arg(dist).arg(runs.to_string()).arg(&out).args(section);
    sandbox::isolate(&mut lab);
    let ended = reexec::run(lab)?;
    if let Some(status) = ended.interrupted_status() {
        bail!("interrupted (status {status}); the sandbox took everything with it");
    }
    if !ended.status.success() {
        bail!("the benchmark failed ({})", ended.status);
    }
    std::fs::read_to_string(&out).context("reading the timings")
}

/// Writes `document` to docs/NAME, and shows it.
fn write_doc(name: &str, document: &str) -> Result<()> {
    let docs = paths::root().join("docs").join(name);
    std::fs::create_dir_all(docs.parent().unwrap())?;
    std::fs::write(&docs, document)?;
    print!("{document}");
    println!("\n(written to {})", docs.display());
    Ok(())
}

/// What the table cannot say by itself.
const NOTES: &str = "\
How to read the table:

- `nsexec` with many namespaces present. Like `ip netns exec`, nsexec gives
  the command a private mount namespace (so that `/sys` and `/etc/netns/NS`
  are its own), and a plain copy of the caller's holds every namespace's
  mount, 500 more here. Where the caller's mounts are all shared, as
  systemd makes a host's, nsexec copies instead an exec template made once:
  the caller's mounts without the namespaces; its time then stays as with
  none present. The sandbox's mounts are made shared for that reason. With
  private mounts (some containers) nsexec copies the whole table, as
  `ip netns exec` always does, and grows with the namespaces as ip does.
- The torus 32×32 up against one process a line: most of either is the
  kernel's work. The floor program, which only sends the requests, comes
  out at 0.39 to 0.46 of one process a line itself over runs here, so the
  batches cannot go much below that: their goal there is 0.5, and the
  goal that says they waste nothing is against the floor (1.3).
- The torus 32×32 down. Alone in `/run/netns` (the lab of the other rows
  is taken away meanwhile), as on a machine of its own, `nsadd -d -b` sees
  its lines name every namespace there and takes them with one lazy
  unmount of `/run/netns`, as `nsadd -d --all` does. With a namespace
  beside the torus it unmounts them one by one, as the floor does; that
  costs the kernel 20 µs or 400 µs a namespace by turns, whoever unmounts,
  so those two medians of three may fall either way. Either way the
  kernel frees the namespaces later, in the background.
- Rows without a goal are there for comparison. Differences under about
  10 % are within this machine's noise from one run to the next.
";

/// The operands of a lab: DIST RUNS OUT.
fn lab_operands(args: &mut Args) -> Result<(PathBuf, usize, PathBuf)> {
    let bin = PathBuf::from(args.operand("DIST")?);
    let runs = args.operand("RUNS")?;
    let runs: usize = runs.to_str().and_then(|r| r.parse().ok()).context("RUNS")?;
    Ok((bin, runs, PathBuf::from(args.operand("OUT")?)))
}

/// `__bench-lab DIST RUNS TABLE [SECTION]`: measures, inside the sandbox.
fn lab(args: &mut Args) -> Result<()> {
    let (bin, runs, table) = lab_operands(args)?;
    let only = match args.next()? {
        Some(flags::Value(section)) => Some(section.to_string_lossy().into_owned()),
        Some(arg) => return Err(flags::unexpected(arg)),
        None => None,
    };
    args.end()?;
    if let Some(section) = only.as_deref().filter(|s| !SECTIONS.contains(s)) {
        return Err(flags::usage(format!("no section {section}")));
    }
    let runs_section = |name: &str| only.as_deref().is_none_or(|only| only == name);
    shared_as_on_a_host()?;
    let ours = Ours(&bin);
    let mut rows = Vec::new();
    cases::setup_lab()?;
    // Namespaces freed before we started (by earlier runs) are still being
    // cleaned up by the kernel; wait for quiet.
    idle::settle();
    if runs_section("single") {
        cases::all(&ours, runs, &mut rows)?;
    }
    if runs_section("targets") {
        eprintln!("bench: many targets at once");
        targets::all(&ours, &mut rows)?;
    }
    if runs_section("listings") {
        eprintln!("bench: listings");
        listings::all(&ours, runs, &mut rows)?;
    }
    if runs_section("scale") {
        eprintln!("bench: scale");
        scale::all(&ours, runs, &mut rows)?;
    }
    if runs_section("across") {
        eprintln!("bench: across machines");
        across::all(&ours, runs, &mut rows)?;
    }
    if runs_section("torus") {
        eprintln!("bench: torus 32×32, {} rounds", torus::ROUNDS);
        torus::all(&ours, &mut rows)?;
    }
    std::fs::write(table, report::table(&rows))?;
    Ok(())
}

/// Makes the sandbox's mounts shared again (new peer groups, inside the
/// sandbox alone), as systemd makes a host's: nsexec's exec template is
/// for such callers (with private mounts nsexec copies them all, as `ip
/// netns exec` does), and most hosts are such.
fn shared_as_on_a_host() -> Result<()> {
    let shared = MountPropagationFlags::SHARED | MountPropagationFlags::REC;
    mount_change("/", shared).context("making the sandbox's mounts shared")
}

/// The anchors we compare with, from Debian's packages when missing.
fn install_anchors() -> Result<()> {
    apt::install_missing(
        "bench",
        &[
            ("ping", "iputils-ping"),
            ("busybox", "busybox-static"),
            ("nsenter", "util-linux"),
            ("ip", "iproute2"),
        ],
    )?;
    // fping is compared with where Debian's package can be had.
    if let Err(e) = apt::install_missing("bench", &[("fping", "fping")]) {
        eprintln!("bench: no fping ({e:#}): its row is left out");
    }
    Ok(())
}

/// CPU model, cores and kernel, for the record.
pub fn machine() -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_one_section() {
        assert_eq!(flags::parse(parse, &[]).unwrap().only, None);
        for section in SECTIONS {
            let options = flags::parse(parse, &["--only", section]).unwrap();
            assert_eq!(options.only, Some(section));
        }
    }

    #[test]
    fn scale_is_a_run_of_its_own() {
        assert!(!flags::parse(parse, &[]).unwrap().scale);
        let options = flags::parse(parse, &["--scale", "--runs", "20"]).unwrap();
        assert!(options.scale);
        assert_eq!(options.runs, 20);
        for bad in [&["--scale", "--only", "torus"][..], &["--scale=yes"]] {
            let e = flags::parse(parse, bad).unwrap_err();
            assert!(e.is::<flags::Usage>(), "{bad:?}");
        }
    }

    #[test]
    fn runs() {
        assert_eq!(flags::parse(parse, &[]).unwrap().runs, 100);
        assert_eq!(flags::parse(parse, &["--runs", "5"]).unwrap().runs, 5);
        for bad in [
            &["--runs"][..],
            &["--runs", "0"],
            &["--seconds", "5"],
            &["--only"],
            &["--only", "bogus"],
        ] {
            let e = flags::parse(parse, bad).unwrap_err();
            assert!(e.is::<flags::Usage>(), "{bad:?}");
        }
    }
}
