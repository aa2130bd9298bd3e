//! What is measured of the tools one at a time: each against its iproute2
//! (and busybox) equivalent, the whole tutorial, and ping — all inside
//! the sandbox, between namespaces made here.

use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{Context, Result};

use super::contenders::{add_address, add_namespace, link_up, none, run_inside, Ours};
use super::report::{versus, Row};
use super::timing::{argv, run_all, time, Argv, Contender};
use crate::process;

/// Single commands, the whole tutorial, and ping, in the lab of
/// [`setup_lab`].
pub fn all(ours: &Ours, runs: usize, rows: &mut Vec<Row>) -> Result<()> {
    let busybox = busybox_nsenter();
    eprintln!("bench: single commands, {runs} runs each");
    single_commands(ours, runs, busybox.as_deref(), rows)?;
    eprintln!("bench: the whole tutorial");
    pipeline(ours, (runs / 5).max(5), rows)?;
    eprintln!("bench: ping");
    ping(ours, rows)
}

/// red and blue joined and up (the ping tests' lab), and a spare veth pair
/// in red for linkup to switch.
pub fn setup_lab() -> Result<()> {
    let lines = [
        "ip netns add red",
        "ip netns add blue",
        "ip link add veth-red netns red type veth peer name veth-blue netns blue",
        "ip -n red addr add 10.0.0.1/24 dev veth-red",
        "ip -n blue addr add 10.0.0.2/24 dev veth-blue",
        "ip -n red link set veth-red up",
        "ip -n blue link set veth-blue up",
        "ip -n red link add lu0 type veth peer name lu1",
        "ip netns exec red ping -c 1 -W 5 10.0.0.2",
    ];
    run_all(&lines.map(argv))
}

/// `busybox nsenter --net=… busybox ip` where this busybox has nsenter.
fn busybox_nsenter() -> Option<String> {
    let ok = Command::new("busybox")
        .args(["nsenter", "--help"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then(|| "busybox nsenter --net=/run/netns/red busybox ip".to_string())
}

fn single_commands(
    ours: &Ours,
    runs: usize,
    busybox: Option<&str>,
    rows: &mut Vec<Row>,
) -> Result<()> {
    // nsadd / nsadd -d against ip netns add / del.
    versus("create a namespace", runs, &add_namespace(ours), rows)?;
    let contenders = [
        Contender::new(
            "nsadd -d NS",
            |i| vec![ours.cmd(&format!("nsadd -d b{i}"))],
            none,
        )
        .prepare(|i| vec![ours.cmd(&format!("nsadd b{i}"))]),
        Contender::new(
            "ip netns del NS",
            |i| vec![argv(&format!("ip netns del b{i}"))],
            none,
        )
        .prepare(|i| vec![argv(&format!("ip netns add b{i}"))])
        .goal(0.5),
    ];
    versus("delete a namespace", runs, &contenders, rows)?;

    // nsexec against ip netns exec and nsenter; and `true` alone.
    let mut contenders = run_inside(ours);
    let nsenter = argv("nsenter --net=/run/netns/red true");
    contenders.push(Contender::same("nsenter --net=… true", nsenter, none));
    contenders.push(Contender::same("true", argv("true"), none).unlisted());
    let m = versus("run a command inside", runs, &contenders, rows)?;
    // Starting `true` itself is most of both: compare what each adds to it.
    let added = |t: Duration| t.saturating_sub(m[3]);
    rows.push(Row::time(
        "… time added to the command itself",
        "nsexec red true − true",
        "ip netns exec red true − true",
        (added(m[0]), added(m[1])),
        Some(0.5),
    ));

    // vethpair against the tutorial's add-and-move and ip's one command.
    let del = |i: usize| vec![argv(&format!("ip -n red link del vb{i}"))];
    let contenders = [
        Contender::new(
            "vethpair -n red A --peer-netns blue B",
            |i| vec![ours.cmd(&format!("vethpair -n red vb{i} --peer-netns blue vp{i}"))],
            del,
        ),
        Contender::new(
            "ip link add + 2× ip link set netns",
            |i| {
                vec![
                    argv(&format!("ip link add vb{i} type veth peer name vp{i}")),
                    argv(&format!("ip link set vb{i} netns red")),
                    argv(&format!("ip link set vp{i} netns blue")),
                ]
            },
            del,
        )
        .goal(0.1),
        Contender::new(
            "ip link add A netns red … peer B netns blue",
            |i| {
                vec![argv(&format!(
                    "ip link add vb{i} netns red type veth peer name vp{i} netns blue"
                ))]
            },
            del,
        )
        .goal(0.5),
    ];
    versus("veth pair, ends in red and blue", runs, &contenders, rows)?;

    // ipassign and linkup against ip -n … and busybox ip, where it can
    // enter the namespace.
    versus("add an address", runs, &add_address(ours, busybox), rows)?;
    versus("set a link up", runs, &link_up(ours, busybox), rows)?;

    // One ping across the cable.
    let iputils = argv("ip netns exec red ping -c 1 10.0.0.2");
    let contenders = [
        Contender::same(
            "nsping -n red -c 1 HOST",
            ours.cmd("nsping -n red -c 1 10.0.0.2"),
            none,
        ),
        Contender::same("ip netns exec red ping -c 1 HOST", iputils, none).goal(0.5),
    ];
    versus("one ping red → blue", runs, &contenders, rows).map(drop)
}

/// The whole tutorial, set up, pinged and torn down.
fn pipeline(ours: &Ours, runs: usize, rows: &mut Vec<Row>) -> Result<()> {
    let ours_steps = || {
        [
            "nsadd pr pb",
            "vethpair -n pr veth-red --peer-netns pb veth-blue",
            "ipassign -n pr veth-red 10.0.0.1/24",
            "ipassign -n pb veth-blue 10.0.0.2/24",
            "linkup -n pr veth-red",
            "linkup -n pb veth-blue",
            "nsping -n pr -c 1 10.0.0.2",
            "nsadd -d pr pb",
        ]
        .map(|l| ours.cmd(l))
        .to_vec()
    };
    let tutorial = || {
        [
            "ip netns add pr",
            "ip netns add pb",
            "ip link add veth-red type veth peer name veth-blue",
            "ip link set veth-red netns pr",
            "ip link set veth-blue netns pb",
            "ip netns exec pr ip addr add 10.0.0.1/24 dev veth-red",
            "ip netns exec pb ip addr add 10.0.0.2/24 dev veth-blue",
            "ip -n pr link set veth-red up",
            "ip -n pb link set veth-blue up",
            "ip netns exec pr ping -c 1 10.0.0.2",
            "ip netns del pr",
            "ip netns del pb",
        ]
        .map(argv)
        .to_vec()
    };
    let dir = std::env::temp_dir();
    let batch = |name: &str, lines: &[&str]| -> Result<String> {
        let path = dir.join(format!("bench-{name}.batch"));
        std::fs::write(&path, lines.join("\n") + "\n")?;
        Ok(path.display().to_string())
    };
    let create = batch(
        "create",
        &[
            "netns add pr",
            "netns add pb",
            "link add veth-red netns pr type veth peer name veth-blue netns pb",
        ],
    )?;
    let red = batch(
        "red",
        &["addr add 10.0.0.1/24 dev veth-red", "link set veth-red up"],
    )?;
    let blue = batch(
        "blue",
        &[
            "addr add 10.0.0.2/24 dev veth-blue",
            "link set veth-blue up",
        ],
    )?;
    let delete = batch("delete", &["netns del pr", "netns del pb"])?;
    let fast = || {
        vec![
            argv(&format!("ip -batch {create}")),
            argv(&format!("ip -n pr -batch {red}")),
            argv(&format!("ip -n pb -batch {blue}")),
            argv("ip netns exec pr ping -c 1 10.0.0.2"),
            argv(&format!("ip -batch {delete}")),
        ]
    };
    let contenders = [
        Contender::new("nsadd … nsadd -d", |_| ours_steps(), none),
        Contender::new("the tutorial's 12 ip/ping commands", |_| tutorial(), none).goal(0.15),
        Contender::new("ip -batch fast path (5 commands)", |_| fast(), none).goal(0.6),
    ];
    versus("whole tutorial (8 commands)", runs, &contenders, rows).map(drop)
}

fn output(argv: &Argv) -> Result<String> {
    process::output(
        Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null()),
    )
}

/// The avg of `rtt min/avg/max/mdev = a/b/c/d ms`, in ms.
fn rtt_avg(output: &str) -> Option<f64> {
    let line = output
        .lines()
        .find(|l| l.starts_with("rtt min/avg/max/mdev = "))?;
    line.split(" = ").nth(1)?.split('/').nth(1)?.parse().ok()
}

/// ping's round trip and flood rate, ours against iputils.
fn ping(ours: &Ours, rows: &mut Vec<Row>) -> Result<()> {
    let count = 1000;
    let rtt = ping_medians(ours, &format!("-q -c {count} -i 0"), |command| {
        let out = output(&command)?;
        rtt_avg(&out).with_context(|| format!("{} printed no rtt line", command[0]))
    })?;
    rows.push(Row {
        goal: Some(1.1),
        ..Row::new(
            &format!("avg RTT, -c {count} -i 0 (median of 3)"),
            "nsping -n red -q -c 1000 -i 0",
            "ip netns exec red ping -q -c 1000 -i 0",
            rtt,
            |ms| format!("{ms:.3} ms"),
        )
    });
    let flood = 100_000;
    let rate = ping_medians(ours, &format!("-q -f -c {flood}"), |command| {
        Ok(flood as f64 / time(&[command])?.as_secs_f64())
    })?;
    rows.push(Row {
        goal: Some(1.0),
        at_least: true,
        ..Row::new(
            &format!("flood rate, -f -c {flood} (median of 3)"),
            "nsping -n red -q -f",
            "ip netns exec red ping -q -f",
            rate,
            |rate| format!("{rate:.0} pkt/s"),
        )
    });
    Ok(())
}

/// nsping and iputils' ping, with the same `options`, red to blue, each
/// `measure`d three times in turn: the two medians.
fn ping_medians(
    ours: &Ours,
    options: &str,
    measure: impl Fn(Argv) -> Result<f64>,
) -> Result<[f64; 2]> {
    let mut values = [Vec::new(), Vec::new()];
    for _ in 0..3 {
        values[0].push(measure(ours.cmd(&format!("nsping -n red {options} 10.0.0.2")))?);
        values[1].push(measure(argv(&format!(
            "ip netns exec red ping {options} 10.0.0.2"
        )))?);
    }
    Ok(values.map(|mut v| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtt_line_is_read_as_iputils_prints_it() {
        let out = "--- 10.0.0.2 ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time 2003ms\nrtt min/avg/max/mdev = 0.041/0.046/0.052/0.004 ms\n";
        assert_eq!(rtt_avg(out), Some(0.046));
        assert_eq!(rtt_avg("nothing"), None);
    }
}
