//! Waiting for a quiet machine between measurements.

use std::time::{Duration, Instant};

/// The kernel frees deleted namespaces in the background (work that grows
/// with the number of namespaces left), and that work competes with what
/// is measured next: wait until the machine is idle again (at least 90 %
/// idle over a quarter second), for at most 60 seconds.
pub fn settle() {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(60) {
        let Some(a) = cpu_times() else { return };
        std::thread::sleep(Duration::from_millis(250));
        let Some(b) = cpu_times() else { return };
        let (busy, total) = (b.0 - a.0, b.1 - a.1);
        if total > 0 && busy * 10 <= total {
            return;
        }
    }
}

/// (busy, total) jiffies of all CPUs, from the first line of /proc/stat.
fn cpu_times() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .split_whitespace()
        .skip(1)
        .filter_map(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal …
    let idle = fields.get(3)? + fields.get(4).unwrap_or(&0);
    let total: u64 = fields.iter().take(8).sum();
    Some((total - idle, total))
}
