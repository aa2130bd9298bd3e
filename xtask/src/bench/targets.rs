//! Many targets at once: `nsping --batch` over N addresses against N runs
//! of `nsping -c 1` and against fping (`-c 1 -i 0`, its fastest, where
//! Debian's package could be installed). blue answers for every address
//! of 10.1.0.0/16 (a local route) and red reaches them through it: N
//! targets behind one neighbour entry, as the kernel's neighbour table
//! (shared by every namespace, 1024 entries by default) allows.

use anyhow::Result;

use super::contenders::{none, Ours};
use super::report::{versus, Row};
use super::timing::{argv, run_all, Contender};
use crate::paths;

/// Targets, and rounds of the three.
const N: usize = 1000;
const RUNS: usize = 5;

pub fn all(ours: &Ours, rows: &mut Vec<Row>) -> Result<()> {
    run_all(&[
        argv("ip -n blue route add local 10.1.0.0/16 dev lo"),
        argv("ip -n red route add 10.1.0.0/16 via 10.0.0.2"),
    ])?;
    let hosts: Vec<String> = (0..N)
        .map(|i| format!("10.1.{}.{}", i / 250, i % 250 + 1))
        .collect();
    let file = std::env::temp_dir().join("bench-targets");
    std::fs::write(&file, hosts.join("\n") + "\n")?;
    let file = file.display().to_string();
    let one_by_one = |_| {
        hosts
            .iter()
            .map(|h| ours.cmd(&format!("nsping -n red -c 1 {h}")))
            .collect()
    };
    let mut contenders = vec![
        Contender::same(
            "nsping -n red --batch FILE",
            ours.cmd(&format!("nsping -n red --batch {file}")),
            none,
        ),
        Contender::new(format!("{N} × nsping -n red -c 1 HOST"), one_by_one, none).goal(0.1),
    ];
    if paths::which("fping").is_some() {
        let fping = format!("ip netns exec red fping -q -c 1 -i 0 -f {file}");
        contenders.push(Contender::same(
            "ip netns exec red fping -q -c 1 -i 0 -f FILE",
            argv(&fping),
            none,
        ));
    }
    versus(&format!("ping {N} targets once"), RUNS, &contenders, rows).map(drop)
}
