//! What is measured: each tool against its iproute2 (and busybox)
//! equivalent, the whole tutorial, scale, and ping — all inside the
//! sandbox, between namespaces made here.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use anyhow::{bail, Context, Result};

use super::report::Row;
use super::timing::{argv, compare, run_all, time, Argv, Contender};

/// Our binaries, by tool name.
pub struct Ours<'a>(&'a Path);

impl Ours<'_> {
    pub fn cmd(&self, line: &str) -> Argv {
        let mut argv = argv(line);
        argv[0] = self.0.join(&argv[0]).display().to_string();
        argv
    }
}

pub fn none(_: usize) -> Vec<Argv> {
    Vec::new()
}

pub fn all(bin: &Path, runs: usize) -> Result<Vec<Row>> {
    let ours = Ours(bin);
    setup_lab()?;
    // Namespaces freed before we started (by earlier runs) are still being
    // cleaned up by the kernel; wait for quiet.
    super::scale::settle();
    let busybox = busybox_nsenter();
    let mut rows = Vec::new();
    eprintln!("bench: single commands, {runs} runs each");
    single_commands(&ours, runs, busybox.as_deref(), &mut rows)?;
    eprintln!("bench: the whole tutorial");
    pipeline(&ours, (runs / 5).max(5), &mut rows)?;
    eprintln!("bench: ping");
    ping(&ours, &mut rows)?;
    eprintln!("bench: scale");
    super::scale::all(&ours, runs, &mut rows)?;
    Ok(rows)
}

/// red and blue joined and up (the ping tests' lab), and a spare veth pair
/// in red for linkup to switch.
fn setup_lab() -> Result<()> {
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
    let m = compare(
        runs,
        &[
            Contender::new(
                "ours",
                |i| vec![ours.cmd(&format!("nsadd b{i}"))],
                |i| vec![ours.cmd(&format!("nsadd -d b{i}"))],
            ),
            Contender::new(
                "ip",
                |i| vec![argv(&format!("ip netns add b{i}"))],
                |i| vec![argv(&format!("ip netns del b{i}"))],
            ),
        ],
    )?;
    rows.push(Row::time(
        "create a namespace",
        "nsadd NS",
        "ip netns add NS",
        (m[0], m[1]),
        Some(0.5),
    ));
    let m = compare(
        runs,
        &[
            Contender::new("ours", |i| vec![ours.cmd(&format!("nsadd -d b{i}"))], none)
                .prepare(|i| vec![ours.cmd(&format!("nsadd b{i}"))]),
            Contender::new("ip", |i| vec![argv(&format!("ip netns del b{i}"))], none)
                .prepare(|i| vec![argv(&format!("ip netns add b{i}"))]),
        ],
    )?;
    rows.push(Row::time(
        "delete a namespace",
        "nsadd -d NS",
        "ip netns del NS",
        (m[0], m[1]),
        Some(0.5),
    ));

    // nsexec against ip netns exec and nsenter.
    let m = compare(
        runs,
        &[
            Contender::new("ours", |_| vec![ours.cmd("nsexec red true")], none),
            Contender::new("ip", |_| vec![argv("ip netns exec red true")], none),
            Contender::new(
                "nsenter",
                |_| vec![argv("nsenter --net=/run/netns/red true")],
                none,
            ),
            Contender::new("alone", |_| vec![argv("true")], none),
        ],
    )?;
    rows.push(Row::time(
        "run a command inside",
        "nsexec red true",
        "ip netns exec red true",
        (m[0], m[1]),
        Some(0.5),
    ));
    rows.push(Row::time(
        "run a command inside",
        "nsexec red true",
        "nsenter --net=… true",
        (m[0], m[2]),
        None,
    ));
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
    let m = compare(
        runs,
        &[
            Contender::new(
                "ours",
                |i| vec![ours.cmd(&format!("vethpair -n red vb{i} --peer-netns blue vp{i}"))],
                del,
            ),
            Contender::new(
                "tutorial",
                |i| {
                    vec![
                        argv(&format!("ip link add vb{i} type veth peer name vp{i}")),
                        argv(&format!("ip link set vb{i} netns red")),
                        argv(&format!("ip link set vp{i} netns blue")),
                    ]
                },
                del,
            ),
            Contender::new(
                "one ip command",
                |i| {
                    vec![argv(&format!(
                        "ip link add vb{i} netns red type veth peer name vp{i} netns blue"
                    ))]
                },
                del,
            ),
        ],
    )?;
    rows.push(Row::time(
        "veth pair, ends in red and blue",
        "vethpair -n red A --peer-netns blue B",
        "ip link add + 2× ip link set netns",
        (m[0], m[1]),
        Some(0.1),
    ));
    rows.push(Row::time(
        "veth pair, ends in red and blue",
        "vethpair -n red A --peer-netns blue B",
        "ip link add A netns red … peer B netns blue",
        (m[0], m[2]),
        Some(0.5),
    ));

    // ipassign against ip -n … addr add and busybox ip.
    let contenders = add_address(ours, busybox);
    let m = compare(runs, &contenders)?;
    rows.push(Row::time(
        "add an address",
        "ipassign -n red DEV ADDR",
        "ip -n red addr add ADDR dev DEV",
        (m[0], m[1]),
        Some(0.5),
    ));
    if busybox.is_some() {
        rows.push(Row::time(
            "add an address",
            "ipassign -n red DEV ADDR",
            "busybox nsenter … busybox ip addr add",
            (m[0], m[2]),
            Some(1.0),
        ));
    }

    // linkup against ip -n … link set up and busybox ip.
    let contenders = link_up(ours, busybox);
    let m = compare(runs, &contenders)?;
    rows.push(Row::time(
        "set a link up",
        "linkup -n red DEV",
        "ip -n red link set DEV up",
        (m[0], m[1]),
        Some(0.5),
    ));
    if busybox.is_some() {
        rows.push(Row::time(
            "set a link up",
            "linkup -n red DEV",
            "busybox nsenter … busybox ip link set DEV up",
            (m[0], m[2]),
            Some(1.0),
        ));
    }

    // One ping across the cable.
    let m = compare(
        runs,
        &[
            Contender::new(
                "ours",
                |_| vec![ours.cmd("nsping -n red -c 1 10.0.0.2")],
                none,
            ),
            Contender::new(
                "iputils",
                |_| vec![argv("ip netns exec red ping -c 1 10.0.0.2")],
                none,
            ),
        ],
    )?;
    rows.push(Row::time(
        "one ping red → blue",
        "nsping -n red -c 1 HOST",
        "ip netns exec red ping -c 1 HOST",
        (m[0], m[1]),
        Some(0.5),
    ));
    Ok(())
}

/// Adding a fresh /32 to veth-red in red (and taking it away, untimed):
/// ours, ip, and busybox's ip where it can be entered with its nsenter.
pub fn add_address<'a>(ours: &'a Ours, busybox: Option<&'a str>) -> Vec<Contender<'a>> {
    let address = |i: usize| format!("10.9.{}.{}/32", i / 250, i % 250 + 1);
    let remove = move |i: usize| {
        vec![argv(&format!(
            "ip -n red addr del {} dev veth-red",
            address(i)
        ))]
    };
    let mut contenders = vec![
        Contender::new(
            "ours",
            move |i| vec![ours.cmd(&format!("ipassign -n red veth-red {}", address(i)))],
            remove,
        ),
        Contender::new(
            "ip",
            move |i| {
                vec![argv(&format!(
                    "ip -n red addr add {} dev veth-red",
                    address(i)
                ))]
            },
            remove,
        ),
    ];
    if let Some(bb) = busybox {
        contenders.push(Contender::new(
            "busybox",
            move |i| vec![argv(&format!("{bb} addr add {} dev veth-red", address(i)))],
            remove,
        ));
    }
    contenders
}

/// Setting lu0 in red up (and down again, untimed), the same three ways.
pub fn link_up<'a>(ours: &'a Ours, busybox: Option<&'a str>) -> Vec<Contender<'a>> {
    let down = |_| vec![argv("ip -n red link set lu0 down")];
    let mut contenders = vec![
        Contender::new("ours", |_| vec![ours.cmd("linkup -n red lu0")], down),
        Contender::new("ip", |_| vec![argv("ip -n red link set lu0 up")], down),
    ];
    if let Some(bb) = busybox {
        contenders.push(Contender::new(
            "busybox",
            move |_| vec![argv(&format!("{bb} link set lu0 up"))],
            down,
        ));
    }
    contenders
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
    let m = compare(
        runs,
        &[
            Contender::new("ours", |_| ours_steps(), none),
            Contender::new("tutorial", |_| tutorial(), none),
            Contender::new("batch", |_| fast(), none),
        ],
    )?;
    rows.push(Row::time(
        "whole tutorial (8 commands)",
        "nsadd … nsadd -d",
        "the tutorial's 12 ip/ping commands",
        (m[0], m[1]),
        Some(0.15),
    ));
    rows.push(Row::time(
        "whole tutorial (8 commands)",
        "nsadd … nsadd -d",
        "ip -batch fast path (5 commands)",
        (m[0], m[2]),
        Some(0.6),
    ));
    Ok(())
}

fn output(argv: &Argv) -> Result<String> {
    let out = Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::null())
        .output()?;
    if !out.status.success() {
        bail!(
            "{} failed: {}",
            argv.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The avg of `rtt min/avg/max/mdev = a/b/c/d ms`, in ms.
fn rtt_avg(output: &str) -> Option<f64> {
    let line = output
        .lines()
        .find(|l| l.starts_with("rtt min/avg/max/mdev = "))?;
    line.split(" = ").nth(1)?.split('/').nth(1)?.parse().ok()
}

fn ping(ours: &Ours, rows: &mut Vec<Row>) -> Result<()> {
    let count = 1000;
    let mut averages = [Vec::new(), Vec::new()];
    for _ in 0..3 {
        let o = output(&ours.cmd(&format!("nsping -n red -q -c {count} -i 0 10.0.0.2")))?;
        averages[0].push(rtt_avg(&o).context("nsping printed no rtt line")?);
        let o = output(&argv(&format!(
            "ip netns exec red ping -q -c {count} -i 0 10.0.0.2"
        )))?;
        averages[1].push(rtt_avg(&o).context("ping printed no rtt line")?);
    }
    let med = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (a, b) = (med(&mut averages[0]), med(&mut averages[1]));
    rows.push(Row {
        what: format!("avg RTT, -c {count} -i 0 (median of 3)"),
        ours: "nsping -n red -q -c 1000 -i 0".into(),
        anchor: "ip netns exec red ping -q -c 1000 -i 0".into(),
        ours_value: format!("{a:.3} ms"),
        anchor_value: format!("{b:.3} ms"),
        ratio: a / b.max(1e-9),
        goal: Some(1.1),
        at_least: false,
    });
    let flood = 100_000;
    let mut rates = [Vec::new(), Vec::new()];
    for _ in 0..3 {
        let t = time(&[ours.cmd(&format!("nsping -n red -q -f -c {flood} 10.0.0.2"))])?;
        rates[0].push(flood as f64 / t.as_secs_f64());
        let t = time(&[argv(&format!(
            "ip netns exec red ping -q -f -c {flood} 10.0.0.2"
        ))])?;
        rates[1].push(flood as f64 / t.as_secs_f64());
    }
    let (a, b) = (med(&mut rates[0]), med(&mut rates[1]));
    rows.push(Row {
        what: format!("flood rate, -f -c {flood} (median of 3)"),
        ours: "nsping -n red -q -f".into(),
        anchor: "ip netns exec red ping -q -f".into(),
        ours_value: format!("{a:.0} pkt/s"),
        anchor_value: format!("{b:.0} pkt/s"),
        ratio: a / b.max(1e-9),
        goal: Some(1.0),
        at_least: true,
    });
    Ok(())
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
