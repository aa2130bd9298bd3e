//! The listings against the ip commands that show the same: one namespace
//! (`-n red`, the lab's), and every namespace (`-A`) with 500 of them
//! present, each holding a veth pair with an address, against
//! `ip -all netns exec`, which runs ip once per namespace.

use anyhow::Result;

use super::contenders::{none, Ours};
use super::idle::settle;
use super::report::{versus, Row};
use super::timing::{argv, run_all, Argv, Contender};

/// Namespaces present for the `-A` rows.
const MANY: usize = 500;

pub fn all(ours: &Ours, runs: usize, rows: &mut Vec<Row>) -> Result<()> {
    let one = [
        (
            "list veth pairs in red",
            "vethpair -n red -l",
            "ip -n red -d link show type veth",
        ),
        ("list addresses in red", "ipassign -n red -l", "ip -n red -br addr"),
        ("list link states in red", "linkup -n red -l", "ip -n red -br link"),
    ];
    for (what, ours_line, ip_line) in one {
        let contenders = [
            Contender::same(ours_line, ours.cmd(ours_line), none),
            Contender::same(ip_line, argv(ip_line), none).goal(0.5),
        ];
        versus(what, runs, &contenders, rows)?;
    }
    every_namespace(ours, runs, rows)
}

/// `-A` with [`MANY`] namespaces present, against `ip -all netns exec`.
fn every_namespace(ours: &Ours, runs: usize, rows: &mut Vec<Row>) -> Result<()> {
    eprintln!("bench: listings across {MANY} namespaces");
    let names: Vec<String> = (0..MANY).map(|i| format!("a{i}")).collect();
    let mut lab: Vec<Argv> = vec![ours.cmd(&format!("nsadd {}", names.join(" ")))];
    for (i, ns) in names.iter().enumerate() {
        lab.push(ours.cmd(&format!("vethpair -n {ns} v0 v1")));
        let address = format!("10.{}.{}.1/24", 100 + i / 250, i % 250);
        lab.push(ours.cmd(&format!("ipassign -n {ns} v0 {address}")));
    }
    run_all(&lab)?;
    settle();
    // ip runs once per namespace: a few rounds say enough.
    let rounds = (runs / 10).max(3);
    let every = [
        (
            "list every address",
            "ipassign -A -l",
            "ip -all netns exec ip -br addr",
        ),
        (
            "list every link state",
            "linkup -A -l",
            "ip -all netns exec ip -br link",
        ),
        (
            "list every veth pair",
            "vethpair -A -l",
            "ip -all netns exec ip -d link show type veth",
        ),
    ];
    for (what, ours_line, ip_line) in every {
        let contenders = [
            Contender::same(ours_line, ours.cmd(ours_line), none),
            Contender::same(ip_line, argv(ip_line), none).goal(0.5),
        ];
        versus(&format!("{what}, {MANY} namespaces"), rounds, &contenders, rows)?;
    }
    run_all(&[ours.cmd(&format!("nsadd -d {}", names.join(" ")))])?;
    settle();
    Ok(())
}
