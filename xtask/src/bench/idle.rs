//! Waiting for a quiet machine between measurements.

use std::time::{Duration, Instant};

/// The kernel frees deleted namespaces in the background (work that grows
/// with the number of namespaces left), and that work competes with what
/// is measured next: wait until the machine is idle again (at least 90 %
/// idle over a quarter second, and no namespace freed meanwhile: much of
/// that work waits rather than computes), for at most 60 seconds.
pub fn settle() {
    settle_within(Duration::from_secs(60));
}

/// [`settle`] for at most `limit`; how long it took.
pub fn settle_within(limit: Duration) -> Duration {
    let start = Instant::now();
    while start.elapsed() < limit {
        let (Some(a), held) = (cpu_times(), namespaces_held()) else {
            break;
        };
        std::thread::sleep(Duration::from_millis(250));
        let Some(b) = cpu_times() else { break };
        let (busy, total) = (b.0 - a.0, b.1 - a.1);
        let freeing = held.zip(namespaces_held()).is_some_and(|(a, b)| b < a);
        if total > 0 && busy * 10 <= total && !freeing {
            break;
        }
    }
    start.elapsed()
}

/// How many network namespaces the kernel holds, freed ones not yet
/// cleaned up included (the objects of its `net_namespace` slab cache);
/// None where /proc/slabinfo cannot be read.
fn namespaces_held() -> Option<u64> {
    let slabs = std::fs::read_to_string("/proc/slabinfo").ok()?;
    let line = slabs.lines().find(|l| l.starts_with("net_namespace "))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// (busy, total) jiffies of all CPUs, from the first line of /proc/stat.
fn cpu_times() -> Option<(u64, u64)> {
    let fields = cpu_fields()?;
    // user nice system idle iowait irq softirq steal …
    let idle = fields.get(3)? + fields.get(4).unwrap_or(&0);
    let total: u64 = fields.iter().take(8).sum();
    Some((total - idle, total))
}

/// The CPU time all CPUs have spent in the kernel since boot (system,
/// interrupts, softirqs), whoever it was for.
pub fn kernel_cpu() -> Option<Duration> {
    let fields = cpu_fields()?;
    let jiffies = fields.get(2)? + fields.get(5)? + fields.get(6)?;
    // SAFETY: sysconf reads a constant of the system.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as u64;
    Some(Duration::from_micros(jiffies * 1_000_000 / hz))
}

/// The numbers of the first line of /proc/stat, all CPUs together.
fn cpu_fields() -> Option<Vec<u64>> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat.lines().next()?;
    Some(line.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect())
}
