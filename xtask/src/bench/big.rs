//! `cargo xtask bench --scale`: the torus of `examples/torus.sh` at
//! 100×100 (10,000 namespaces, 20,000 cables, 40,000 addresses, every
//! link up, every cable pinged, then taken down), each phase one batch
//! run from here and measured (its time, its CPU, the kernel's CPU
//! elsewhere meanwhile, its peak RSS as wait4 reports it), against the
//! floor program; and nsexec with the 10,000 namespaces present against
//! with none. Into docs/benchmarks-scale.md.

use std::fmt::Write as _;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::contenders::{none, Ours};
use super::idle::{kernel_cpu, settle_within};
use super::report::{self, Row};
use super::timing::{argv, compare, median, run_all, Argv, Contender};
use super::torus::{self, Batches, Phase, Torus, UP};
use crate::flags::{Args, Subcommand};

/// The hidden subcommand that measures, inside the sandbox.
pub const LAB: Subcommand = Subcommand {
    name: "__bench-scale-lab",
    synopsis: "DIST RUNS OUT",
    about: "\
the measurements of bench --scale with the tools in DIST (RUNS runs of
nsexec each way), inside the sandbox bench made; markdown into OUT.",
    run: lab,
    helpers: &[],
};

const SIZE: Torus = Torus { w: 100, h: 100 };
const ROUNDS: usize = 3;
/// The goal for each tool's peak RSS.
const RSS_GOAL_KIB: u64 = 8 * 1024;
/// How long the kernel may go on freeing a torus taken down before the
/// next measurement starts anyway.
const CLEANUP: Duration = Duration::from_secs(600);
/// The pings, as torus.sh sends them.
const PING: &str = "nsping -c 1 -W 2 --batch";

pub fn run(dist: &Path, runs: usize) -> Result<()> {
    crate::apt::install_missing("bench", &[("time", "time")])?;
    let raised = Neighbours::raise(4 * SIZE.nodes())?;
    let body = super::in_sandbox(LAB.name, dist, runs, None);
    drop(raised);
    let document = format!(
        "# Benchmarks at scale\n\n\
         Rerun with `cargo xtask bench --scale` (as root; several minutes on two cores).\n\
         The torus of `examples/torus.sh` at 100×100, in a private sandbox: built by one\n\
         batch per tool, every cable pinged, taken down; {ROUNDS} rounds, each phase on an\n\
         idle machine, medians; against a floor program that sends the same requests\n\
         from one process without any checks (`xtask/src/bench/floor.rs`).\n\n\
         Machine: {}\n\n{}",
        super::machine(),
        body?
    );
    super::write_doc("benchmarks-scale.md", &document)
}

/// The neighbour table's limits, raised for the pings (two entries each)
/// and put back when dropped. Every namespace shares the one table, and
/// only the first namespace can set them: a sandbox has no say.
struct Neighbours(Vec<(PathBuf, String)>);

impl Neighbours {
    fn raise(entries: usize) -> Result<Neighbours> {
        let mut raised = Neighbours(Vec::new());
        let limits = [(1, entries), (2, 2 * entries), (3, 2 * entries)];
        for (n, value) in limits {
            let path = PathBuf::from(format!("/proc/sys/net/ipv4/neigh/default/gc_thresh{n}"));
            let was = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
            let was = was.trim().to_string();
            if was.parse::<usize>().is_ok_and(|was| was >= value) {
                continue;
            }
            std::fs::write(&path, value.to_string())
                .with_context(|| format!("raising {} (as root only)", path.display()))?;
            eprintln!("bench: {} {was} -> {value} for now", path.display());
            raised.0.push((path, was));
        }
        Ok(raised)
    }
}

impl Drop for Neighbours {
    fn drop(&mut self) {
        for (path, was) in self.0.iter().rev() {
            match std::fs::write(path, was) {
                Ok(()) => eprintln!("bench: {} back to {was}", path.display()),
                Err(e) => eprintln!("bench: {}: cannot put {was} back: {e}", path.display()),
            }
        }
    }
}

/// One process as it ran.
#[derive(Clone, Default)]
struct Ran {
    wall: Duration,
    user: Duration,
    system: Duration,
    /// The kernel's CPU time meanwhile, outside this process.
    elsewhere: Duration,
    peak_kib: u64,
    /// What it printed.
    said: String,
}

/// Runs `command`, its output into a file, and measures it. Its peak RSS
/// comes from GNU time, which runs it: a process started from here would
/// count ours (wait4's ru_maxrss keeps the high-water mark of the memory
/// it had before exec, which a child of xtask shares with xtask).
fn measure(command: &Argv) -> Result<Ran> {
    let shown = command.join(" ");
    let (out, rss) = ("/run/bench-scale-out", "/run/bench-scale-rss");
    let kernel = kernel_cpu();
    let start = Instant::now();
    let child = Command::new("time")
        .args(["-f", "%M", "-o", rss])
        .args(command)
        .stdin(Stdio::null())
        .stdout(File::create(out)?)
        .spawn()
        .with_context(|| shown.clone())?;
    let mut status = 0;
    // SAFETY: rusage is plain data; all-zero is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child, into valid places.
    let waited = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    let said = std::fs::read_to_string(out).unwrap_or_default();
    if waited < 0 || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        // nsping's lines for the targets that did not answer.
        let missed: Vec<&str> = said.lines().filter(|l| !l.contains("= 1/1/0%")).collect();
        bail!("{shown} failed (wait status {status}): {}", missed[..missed.len().min(3)].join("; "));
    }
    let peak_kib = std::fs::read_to_string(rss).ok();
    let peak_kib = peak_kib.as_deref().and_then(|r| r.lines().last()?.trim().parse().ok());
    let time = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    let system = time(usage.ru_stime);
    let kernel = kernel_cpu().zip(kernel).map_or(Duration::ZERO, |(b, a)| b.saturating_sub(a));
    Ok(Ran {
        wall,
        user: time(usage.ru_utime),
        system,
        elsewhere: kernel.saturating_sub(system),
        peak_kib: peak_kib.context("GNU time's report")?,
        said,
    })
}

/// How long the kernel goes on freeing what was taken down, and the CPU
/// it spends meanwhile.
fn freeing() -> Ran {
    let kernel = kernel_cpu();
    let wall = settle_within(CLEANUP);
    let spent = kernel_cpu().zip(kernel).map_or(Duration::ZERO, |(b, a)| b.saturating_sub(a));
    Ran {
        wall,
        elsewhere: spent,
        ..Ran::default()
    }
}

/// One round: ours up phase by phase, the pings, down and the kernel's
/// cleanup after it; then the floor's up, and its down of a torus made
/// by the batches again, likewise.
struct Round {
    up: Vec<Ran>,
    ping: Ran,
    down: Ran,
    cleanup: Ran,
    floor_up: Ran,
    floor_down: Ran,
    floor_cleanup: Ran,
}

fn round(
    batches: &Batches,
    ours: &Ours,
    while_up: &mut dyn FnMut() -> Result<()>,
) -> Result<Round> {
    settle_within(CLEANUP);
    let up = UP
        .iter()
        .map(|&(phase, tool)| measure(&batches.batch(tool, phase)))
        .collect::<Result<Vec<Ran>>>()?;
    let ping = measure(&batches.batch(PING, Phase::Pings))?;
    while_up()?;
    // Down alone in /run/netns, as torus.sh takes a torus down on a
    // machine of its own: nsadd -d -b sees every entry named and takes
    // them at once (with a namespace beside, one by one as the floor).
    run_all(&[ours.cmd("nsadd -d lone")])?;
    settle_within(CLEANUP);
    let down = measure(&batches.down())?;
    let cleanup = freeing();
    let floor_up = measure(&batches.floor("up"))?;
    // The floor's torus works as ours does: every cable answers.
    run_all(&[batches.batch(PING, Phase::Pings)])?;
    run_all(&[batches.floor("down")])?;
    // The floor takes down a torus the batches made, as ours did: one the
    // floor made took both about 5 s, one of the batches 7 to 8 s.
    settle_within(CLEANUP);
    run_all(&batches.up())?;
    settle_within(CLEANUP);
    let floor_down = measure(&batches.floor("down"))?;
    let floor_cleanup = freeing();
    run_all(&[ours.cmd("nsadd lone")])?;
    Ok(Round {
        up,
        ping,
        down,
        cleanup,
        floor_up,
        floor_down,
        floor_cleanup,
    })
}

/// `nsexec lone true` and `ip netns exec lone true`: medians of `runs`,
/// interleaved.
fn exec_times(ours: &Ours, runs: usize) -> Result<Vec<Duration>> {
    let contenders = [
        Contender::same("nsexec", ours.cmd("nsexec lone true"), none),
        Contender::same("ip netns exec", argv("ip netns exec lone true"), none),
    ];
    compare(runs, &contenders)
}

/// `__bench-scale-lab DIST RUNS OUT`: measures, inside the sandbox.
fn lab(args: &mut Args) -> Result<()> {
    let (bin, runs, out) = super::lab_operands(args)?;
    args.end()?;
    super::shared_as_on_a_host()?;
    let ours = Ours(&bin);
    let batches = Batches::write(SIZE, &ours)?;
    // The namespace nsexec enters, alone or among the torus's.
    run_all(&[ours.cmd("nsadd lone")])?;
    settle_within(CLEANUP);
    eprintln!("bench: nsexec, no other namespace present");
    let before = exec_times(&ours, runs)?;
    let mut present = Vec::new();
    let mut rounds = Vec::new();
    for i in 0..ROUNDS {
        eprintln!("bench: torus 100×100, round {} of {ROUNDS}", i + 1);
        let mut while_up = || -> Result<()> {
            if i == 0 {
                eprintln!("bench: nsexec, 10,000 namespaces present");
                present = exec_times(&ours, runs)?;
            }
            Ok(())
        };
        rounds.push(round(&batches, &ours, &mut while_up)?);
    }
    settle_within(CLEANUP);
    eprintln!("bench: nsexec, none present again");
    let after = exec_times(&ours, runs)?;
    let none: Vec<Duration> = before.iter().zip(&after).map(|(a, b)| (*a + *b) / 2).collect();
    let mut rows = torus_rows(&rounds);
    for (i, command) in ["nsexec", "ip netns exec"].iter().enumerate() {
        rows.push(Row::time(
            &format!("{command} lone true: 10,000 namespaces present vs none"),
            &format!("{command}, 10,000 present"),
            &format!("{command}, none present"),
            (present[i], none[i]),
            (i == 0).then_some(1.2),
        ));
    }
    let body = format!(
        "## Goals\n\n{}\n## Phases\n\n{}",
        report::table(&rows),
        phases(&rounds)
    );
    std::fs::write(out, body)?;
    Ok(())
}

/// Up and down against the floor, and each tool's peak RSS.
fn torus_rows(rounds: &[Round]) -> Vec<Row> {
    let med = |of: &dyn Fn(&Round) -> Duration| median(&mut rounds.iter().map(of).collect::<Vec<_>>());
    let up = med(&|r| r.up.iter().map(|p| p.wall).sum());
    let what = "torus 100×100 up (10,000 namespaces, 20,000 cables, 40,000 addresses)";
    let mut rows = vec![
        Row::time(what, torus::BATCHES, torus::FLOOR_UP, (up, med(&|r| r.floor_up.wall)), Some(1.3)),
        Row::time(
            "torus 100×100 down, alone in /run/netns",
            "nsadd -d -b",
            torus::FLOOR_DOWN,
            (med(&|r| r.down.wall), med(&|r| r.floor_down.wall)),
            Some(1.3),
        ),
    ];
    let tools = UP.iter().map(|u| u.1).chain([PING, "nsadd -d -b"]);
    for (at, tool) in tools.enumerate() {
        let peak = |r: &Round| match at {
            4 => r.ping.peak_kib,
            5 => r.down.peak_kib,
            at => r.up[at].peak_kib,
        };
        let peak = rounds.iter().map(peak).max().unwrap_or(0);
        let values = [peak as f64, RSS_GOAL_KIB as f64];
        rows.push(Row {
            goal: Some(1.0),
            ..Row::new(
                "peak RSS, torus 100×100",
                tool,
                "the goal",
                values,
                |kib| format!("{:.1} MiB", kib / 1024.0),
            )
        });
    }
    rows
}

/// Each phase's median run (by its time) with its CPU and memory, and
/// what they say of where the time went.
fn phases(rounds: &[Round]) -> String {
    let middle = |of: &dyn Fn(&Round) -> &Ran| {
        let mut runs: Vec<&Ran> = rounds.iter().map(of).collect();
        runs.sort_by_key(|r| r.wall);
        runs[runs.len() / 2].clone()
    };
    let mut each: Vec<(String, Ran)> = Vec::new();
    for (at, (_, tool)) in UP.iter().enumerate() {
        each.push((format!("`{tool}`"), middle(&|r| &r.up[at])));
    }
    each.push((format!("`{PING}`"), middle(&|r| &r.ping)));
    each.push(("`nsadd -d -b`".into(), middle(&|r| &r.down)));
    each.push(("the kernel freeing it, after".into(), middle(&|r| &r.cleanup)));
    each.push(("floor, up".into(), middle(&|r| &r.floor_up)));
    each.push(("floor, down".into(), middle(&|r| &r.floor_down)));
    each.push(("the kernel freeing it, after".into(), middle(&|r| &r.floor_cleanup)));
    let s = |d: Duration| format!("{:.2} s", d.as_secs_f64());
    let mut out = String::from(
        "| phase | time | its user CPU | its system CPU | kernel CPU elsewhere | peak RSS |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    for (phase, ran) in &each {
        let rss = match ran.peak_kib {
            0 => String::new(),
            kib => format!("{:.1} MiB", kib as f64 / 1024.0),
        };
        let cpu = |d: Duration| if ran.peak_kib == 0 { String::new() } else { s(d) };
        let _ = writeln!(
            out,
            "| {phase} | {} | {} | {} | {} | {rss} |",
            s(ran.wall),
            cpu(ran.user),
            cpu(ran.system),
            s(ran.elsewhere)
        );
    }
    let floor = each.iter().find(|(phase, _)| phase == "floor, up");
    let said = floor.map_or("", |(_, ran)| ran.said.trim());
    let _ = write!(out, "\nThe floor's own phases: {said}.\n\n{}", where_it_went(&each));
    out
}

/// Where the time of each phase went, as measured.
fn where_it_went(each: &[(String, Ran)]) -> String {
    let mut out = String::from(
        "Where the time goes. A tool's system CPU is the kernel working on its \
         requests in its own thread; its time beyond its CPU it spent waiting \
         (asleep in the kernel, or ready without a CPU); the kernel CPU elsewhere \
         is the system time of the whole machine less the tool's own: the \
         kernel's worker threads and interrupts (and any other process's system \
         calls, so it means most on an idle machine).\n\n",
    );
    let share = |part: Duration, of: Duration| 100.0 * part.as_secs_f64() / of.as_secs_f64().max(1e-9);
    for (phase, ran) in each.iter().filter(|(_, r)| r.peak_kib > 0) {
        let _ = writeln!(
            out,
            "- {phase}: {:.2} s; {:.0} % of it the kernel's work for it (system CPU), \
             {:.0} % its own (user CPU), {:.0} % waiting; {:.2} s of kernel CPU elsewhere.",
            ran.wall.as_secs_f64(),
            share(ran.system, ran.wall),
            share(ran.user, ran.wall),
            (100.0 - share(ran.system + ran.user, ran.wall)).max(0.0),
            ran.elsewhere.as_secs_f64()
        );
    }
    for (phase, ran) in each.iter().filter(|(_, r)| r.peak_kib == 0) {
        let _ = writeln!(
            out,
            "- {phase} (taken down by the phase before): {:.1} s until the machine was idle, \
             {:.2} s of kernel CPU.",
            ran.wall.as_secs_f64(),
            ran.elsewhere.as_secs_f64()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_phase_says_where_its_time_went() {
        let s = Duration::from_secs;
        let tool = Ran {
            wall: s(4),
            user: s(1),
            system: s(2),
            elsewhere: s(3),
            peak_kib: 2048,
            said: String::new(),
        };
        let after = Ran {
            wall: s(9),
            elsewhere: s(5),
            ..Ran::default()
        };
        let text = where_it_went(&[
            ("`nsadd -b`".into(), tool),
            ("the kernel freeing it, after".into(), after),
        ]);
        let tool = "- `nsadd -b`: 4.00 s; 50 % of it the kernel's work for it (system CPU), \
                    25 % its own (user CPU), 25 % waiting; 3.00 s of kernel CPU elsewhere.";
        assert!(text.contains(tool), "{text}");
        let after = "- the kernel freeing it, after (taken down by the phase before): \
                     9.0 s until the machine was idle, 5.00 s of kernel CPU.";
        assert!(text.contains(after), "{text}");
    }
}
