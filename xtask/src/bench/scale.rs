//! Scale: many namespaces created and deleted one by one, the cost of each
//! command with none and with 500 namespaces present (measured back to
//! back), and a hub with many leaves built both ways.

use std::time::Duration;

use anyhow::Result;

use super::contenders::{add_address, add_namespace, link_up, run_inside, Ours};
use super::idle::settle;
use super::report::{versus, Row};
use super::timing::{argv, compare, median, run_all, time, Argv, Contender};

/// Rounds of each series; per position, the median of the rounds.
const ROUNDS: usize = 3;

pub fn all(ours: &Ours, runs: usize, rows: &mut Vec<Row>) -> Result<()> {
    for n in [10, 100, 500] {
        eprintln!("bench: {n} namespaces, {ROUNDS} rounds");
        let (mut ours_add, mut ours_del, mut ip_add, mut ip_del) = (vec![], vec![], vec![], vec![]);
        // Each series starts on an idle machine: the kernel's cleanup of
        // the namespaces just deleted would otherwise be timed too.
        for _ in 0..ROUNDS {
            settle();
            ours_add.push(series(n, |i| ours.cmd(&format!("nsadd s{i}")))?);
            ours_del.push(series(n, |i| ours.cmd(&format!("nsadd -d s{i}")))?);
            settle();
            ip_add.push(series(n, |i| argv(&format!("ip netns add s{i}")))?);
            ip_del.push(series(n, |i| argv(&format!("ip netns del s{i}")))?);
        }
        let (ours_add, ours_del) = (per_position(&ours_add), per_position(&ours_del));
        let (ip_add, ip_del) = (per_position(&ip_add), per_position(&ip_del));
        let total = |s: &[Duration]| s.iter().sum::<Duration>();
        for (verb, ours_cmd, ip_cmd, ours_times, ip_times) in [
            ("create", "nsadd s$i", "ip netns add s$i", &ours_add, &ip_add),
            ("delete", "nsadd -d s$i", "ip netns del s$i", &ours_del, &ip_del),
        ] {
            rows.push(Row::time(
                &format!("{verb} {n} namespaces one by one, total"),
                ours_cmd,
                ip_cmd,
                (total(ours_times), total(ip_times)),
                Some(0.5),
            ));
        }
        if n == 500 {
            for (command, times) in [("nsadd", &ours_add), ("ip netns add", &ip_add)] {
                rows.push(Row::time(
                    "create: last 10 of 500 vs first 10",
                    &format!("{command}, last 10"),
                    &format!("{command}, first 10"),
                    first_last(times),
                    None,
                ));
            }
        }
    }
    flatness(ours, runs, rows)?;
    hub_and_leaf(ours, rows)
}

/// The medians of (ours, ip) for one command, measured interleaved.
struct Pair {
    ours: Duration,
    ip: Duration,
}

/// The commands timed with no namespaces and with 500 present: how the
/// table names ours and iproute2's, and the contenders, ours first.
fn commands<'a>(ours: &'a Ours) -> [(&'static str, &'static str, Vec<Contender<'a>>); 4] {
    [
        ("nsadd NS", "ip netns add NS", add_namespace(ours)),
        (
            "linkup -n red DEV",
            "ip -n red link set DEV up",
            link_up(ours, None),
        ),
        (
            "ipassign -n red DEV ADDR",
            "ip -n red addr add",
            add_address(ours, None),
        ),
        (
            "nsexec red true",
            "ip netns exec red true",
            run_inside(ours),
        ),
    ]
}

/// Each command's cost, ours and iproute2's, as things stand.
fn per_command(ours: &Ours, runs: usize) -> Result<Vec<Pair>> {
    commands(ours)
        .iter()
        .map(|(_, _, contenders)| {
            let m = compare(runs, contenders)?;
            Ok(Pair {
                ours: m[0],
                ip: m[1],
            })
        })
        .collect()
}

/// Every command with no namespaces around and with 500 (and their
/// mounts) present: ours must stay flat; `ip -n` and `ip netns exec` copy
/// the mount table and slow down. The none-present figure is the mean of a
/// run before the 500 are made and one after they are gone, so that drift
/// in the machine over the minute this takes does not pass for growth.
fn flatness(ours: &Ours, runs: usize, rows: &mut Vec<Row>) -> Result<()> {
    settle();
    eprintln!("bench: each command with no other namespaces, with 500, and with none again");
    // `nsadd m0`, `nsadd m1` … (or `nsadd -d m0` …) for all 500.
    let each = |command: &str| {
        let commands: Vec<Argv> = (0..500)
            .map(|i| ours.cmd(&format!("{command} m{i}")))
            .collect();
        run_all(&commands)
    };
    let before = per_command(ours, runs)?;
    each("nsadd")?;
    settle();
    let many = per_command(ours, runs)?;
    each("nsadd -d")?;
    settle();
    let after = per_command(ours, runs)?;
    let mean = |a: Duration, b: Duration| (a + b) / 2;
    let names = commands(ours).map(|(ours, ip, _)| (ours, ip));
    for (((ours_cmd, ip_cmd), many), (before, after)) in
        names.iter().zip(&many).zip(before.iter().zip(&after))
    {
        let tool = ours_cmd.split(' ').next().unwrap_or(ours_cmd);
        rows.push(Row::time(
            &format!("{tool}, 500 namespaces present"),
            ours_cmd,
            ip_cmd,
            (many.ours, many.ip),
            Some(0.5),
        ));
        // nsexec's mount namespace is a copy of its exec template (of
        // the whole table where the mounts are private): the goal it has
        // at 10,000 in bench --scale.
        let goal = Some(if tool == "nsexec" { 1.2 } else { 1.1 });
        rows.push(present_vs_none(tool, many.ours, mean(before.ours, after.ours), goal));
        rows.push(present_vs_none(ip_cmd, many.ip, mean(before.ip, after.ip), None));
    }
    Ok(())
}

/// One command's time with 500 namespaces present against with none.
fn present_vs_none(command: &str, many: Duration, none: Duration, goal: Option<f64>) -> Row {
    Row::time(
        &format!("{command}: 500 namespaces present vs none"),
        &format!("{command}, 500 present"),
        &format!("{command}, none present"),
        (many, none),
        goal,
    )
}

/// Per-item times of `command(i)` for i in 0..n.
fn series(n: usize, command: impl Fn(usize) -> Argv) -> Result<Vec<Duration>> {
    (0..n).map(|i| time(&[command(i)])).collect()
}

/// For each position in the series, the median over the rounds.
fn per_position(rounds: &[Vec<Duration>]) -> Vec<Duration> {
    let n = rounds.first().map_or(0, Vec::len);
    (0..n)
        .map(|i| median(&mut rounds.iter().map(|r| r[i]).collect::<Vec<_>>()))
        .collect()
}

/// Medians of the last ten and of the first ten.
fn first_last(series: &[Duration]) -> (Duration, Duration) {
    let k = 10.min(series.len());
    let mut first = series[..k].to_vec();
    let mut last = series[series.len() - k..].to_vec();
    (median(&mut last), median(&mut first))
}

/// A hub namespace with N leaves, each on its own veth pair with
/// addresses, all links up: ours against iproute2's fastest commands.
fn hub_and_leaf(ours: &Ours, rows: &mut Vec<Row>) -> Result<()> {
    for n in [10, 100] {
        eprintln!("bench: hub and {n} leaves");
        let ours_build = || {
            let mut c = vec![ours.cmd(&format!(
                "nsadd hub {}",
                (0..n)
                    .map(|i| format!("l{i}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ))];
            for i in 0..n {
                c.push(ours.cmd(&format!("vethpair -n hub h{i} --peer-netns l{i} e{i}")));
                c.push(ours.cmd(&format!("ipassign -n hub h{i} 10.200.{i}.1/24")));
                c.push(ours.cmd(&format!("ipassign -n l{i} e{i} 10.200.{i}.2/24")));
                c.push(ours.cmd(&format!("linkup -n hub h{i}")));
                c.push(ours.cmd(&format!("linkup -n l{i} e{i}")));
            }
            c
        };
        let ip_build = || {
            let mut c = vec![argv("ip netns add hub")];
            for i in 0..n {
                c.push(argv(&format!("ip netns add l{i}")));
                c.push(argv(&format!(
                    "ip link add h{i} netns hub type veth peer name e{i} netns l{i}"
                )));
                c.push(argv(&format!(
                    "ip -n hub addr add 10.200.{i}.1/24 dev h{i}"
                )));
                c.push(argv(&format!(
                    "ip -n l{i} addr add 10.200.{i}.2/24 dev e{i}"
                )));
                c.push(argv(&format!("ip -n hub link set h{i} up")));
                c.push(argv(&format!("ip -n l{i} link set e{i} up")));
            }
            c
        };
        let teardown = |_| {
            let mut c = vec![argv("ip netns del hub")];
            c.extend((0..n).map(|i| argv(&format!("ip netns del l{i}"))));
            c
        };
        let contenders = [
            Contender::new(
                "nsadd, vethpair, ipassign, linkup",
                |_| ours_build(),
                teardown,
            ),
            Contender::new(
                "ip netns add, ip link add … netns, ip -n",
                |_| ip_build(),
                teardown,
            )
            .goal(0.5),
        ];
        versus(&format!("hub and {n} leaves, built"), 3, &contenders, rows)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_and_last_ten() {
        let s: Vec<Duration> = (1..=30).map(Duration::from_millis).collect();
        assert_eq!(
            first_last(&s),
            (Duration::from_millis(26), Duration::from_millis(6))
        );
    }

    #[test]
    fn medians_per_position() {
        let ms = Duration::from_millis;
        let rounds = vec![vec![ms(1), ms(9)], vec![ms(3), ms(2)], vec![ms(2), ms(4)]];
        assert_eq!(per_position(&rounds), vec![ms(2), ms(4)]);
    }
}
