//! Labs across machines, where the machines are namespaces of the sandbox
//! (host-a, host-b) on one underlay veth: the tutorial across two machines
//! (README), ours against the same with `ip link add … type vxlan` and a
//! move into the lab's namespace, the way the kernel's cable is usually
//! made (and against ip's own one-command form); and the 10x10 torus of
//! `examples/torus.sh` split over four machines against on one.

use anyhow::Result;

use super::contenders::{none, Ours};
use super::report::{versus, Row};
use super::timing::{argv, run_all, Argv, Contender};

/// The machines and their underlay, as `e2e --two-hosts` has them.
pub fn setup() -> Result<()> {
    let lines = [
        "ip netns add host-a",
        "ip netns add host-b",
        "ip link add eth0 netns host-a type veth peer name eth0 netns host-b",
        "ip -n host-a addr add 192.168.1.10/24 dev eth0",
        "ip -n host-b addr add 192.168.1.20/24 dev eth0",
        "ip -n host-a link set eth0 up",
        "ip -n host-b link set eth0 up",
        "ip netns exec host-a ping -c 1 -W 5 192.168.1.20",
    ];
    run_all(&lines.map(argv))
}

pub fn all(ours: &Ours, runs: usize, rows: &mut Vec<Row>) -> Result<()> {
    setup()?;
    two_hosts(ours, (runs / 5).max(5), rows)?;
    torus(ours, (runs / 20).max(3), rows)?;
    // The machines go: later sections count on the namespaces they find.
    run_all(&["ip netns del host-a", "ip netns del host-b"].map(argv))
}

/// `examples/torus.sh` 10x10, whole (built, every cable pinged, taken
/// down), over four machines and on one.
fn torus(ours: &Ours, runs: usize, rows: &mut Vec<Row>) -> Result<()> {
    let script = crate::paths::root().join("examples").join("torus.sh");
    let torus = move |size: &str| {
        let mut command = argv(&format!("env PREFIX=bt BIN={} sh", ours.0.display()));
        command.push(script.display().to_string());
        command.extend(argv(size));
        command
    };
    let contenders = [
        Contender::same("torus.sh --hosts 4 10 10", torus("--hosts 4 10 10"), none),
        Contender::same("torus.sh 10 10", torus("10 10"), none).goal(1.2),
    ];
    versus(
        "torus 10×10 over 4 machines (40 VXLAN cables) vs on one",
        runs,
        &contenders,
        rows,
    )
    .map(drop)
}


/// The VNI of run `i` of contender `c`: a namespace deleted goes on
/// holding its end's VNI in the underlay until the kernel has cleaned it
/// up, after the command returned; the next run must not wait for that.
fn vni(c: usize, i: usize) -> usize {
    100 + 3 * i + c
}

/// Each machine's end as ip makes it: in the underlay, then moved (`moved`)
/// or born in the lab's namespace; the MTU set as vethpair sets it.
fn ip_end(host: &str, lab: &str, name: &str, remote: &str, vni: usize, moved: bool) -> Vec<Argv> {
    let vxlan = format!("mtu 1450 type vxlan id {vni} remote {remote} dstport 4789");
    if moved {
        vec![
            argv(&format!("ip -n {host} link add {name} {vxlan}")),
            argv(&format!("ip -n {host} link set {name} netns {lab}")),
        ]
    } else {
        vec![argv(&format!("ip -n {host} link add {name} netns {lab} {vxlan}"))]
    }
}

/// The README's two command lists, run as machine A and B would (each
/// machine's commands with its namespace as the underlay), then a ping.
fn two_hosts(ours: &Ours, runs: usize, rows: &mut Vec<Row>) -> Result<()> {
    let ours_steps = |i: usize| {
        let vni = vni(0, i);
        [
            "nsadd xr".to_string(),
            format!("vethpair -n xr --underlay-netns host-a --remote 192.168.1.20 --vni {vni} veth-red"),
            "ipassign -n xr veth-red 10.0.0.1/24".into(),
            "linkup -n xr veth-red".into(),
            "nsadd xb".into(),
            format!("vethpair -n xb --underlay-netns host-b --remote 192.168.1.10 --vni {vni} veth-blue"),
            "ipassign -n xb veth-blue 10.0.0.2/24".into(),
            "linkup -n xb veth-blue".into(),
            "nsping -n xr -c 1 10.0.0.2".into(),
            "nsadd -d xr".into(),
            "nsadd -d xb".into(),
        ]
        .map(|l| ours.cmd(&l))
        .to_vec()
    };
    let ip_steps = |i: usize, moved: bool| {
        let vni = vni(if moved { 1 } else { 2 }, i);
        let mut steps = vec![argv("ip netns add xr")];
        steps.extend(ip_end("host-a", "xr", "veth-red", "192.168.1.20", vni, moved));
        steps.extend(
            [
                "ip -n xr addr add 10.0.0.1/24 dev veth-red",
                "ip -n xr link set veth-red up",
                "ip netns add xb",
            ]
            .map(argv),
        );
        steps.extend(ip_end("host-b", "xb", "veth-blue", "192.168.1.10", vni, moved));
        steps.extend(
            [
                "ip -n xb addr add 10.0.0.2/24 dev veth-blue",
                "ip -n xb link set veth-blue up",
                "ip netns exec xr ping -c 1 10.0.0.2",
                "ip netns del xr",
                "ip netns del xb",
            ]
            .map(argv),
        );
        steps
    };
    let contenders = [
        Contender::new("nsadd … nsadd -d, 2 × 4 + 3", ours_steps, none),
        Contender::new(
            "ip … type vxlan, moved into the lab (14 commands)",
            move |i| ip_steps(i, true),
            none,
        )
        .goal(0.15),
        Contender::new(
            "ip … netns LAB type vxlan (12 commands)",
            move |i| ip_steps(i, false),
            none,
        )
        .goal(0.5),
    ];
    versus("tutorial across two machines", runs, &contenders, rows).map(drop)
}
