//! What the nsping tests share: the red/blue lab, a script's output in
//! named sections, and the comparison with iputils ping.
#![allow(dead_code)]

use testkit::{command_or_skip, run};

pub const NSPING: &str = env!("CARGO_BIN_EXE_nsping");

/// The red/blue lab: 10.0.0.1/24 and fd00::1/64 in red, .2 and ::2 in
/// blue, loopback up.
pub const LAB: &str = "
set -e
ip netns add red
ip netns add blue
ip link add veth-red netns red type veth peer name veth-blue netns blue
ip -n red addr add 10.0.0.1/24 dev veth-red
ip -n blue addr add 10.0.0.2/24 dev veth-blue
ip -n red addr add fd00::1/64 dev veth-red nodad
ip -n blue addr add fd00::2/64 dev veth-blue nodad
ip -n red link set veth-red up
ip -n blue link set veth-blue up
# ICMP errors the kernel sends itself (no ARP answer) arrive over loopback.
ip -n red link set lo up
ip -n blue link set lo up
# Until the kernel has activated both ends (state UP, a real qdisc),
# packets are dropped and neighbour discovery stalls for a second.
for i in $(seq 100); do
  ip -n red -o link show veth-red | grep -qE 'noop|state DOWN|LOWERLAYERDOWN' ||
    ip -n blue -o link show veth-blue | grep -qE 'noop|state DOWN|LOWERLAYERDOWN' || break
  sleep 0.05
done
set +e
";

/// Runs `script` after the lab setup; stdout, stderr and status.
pub fn lab(script: &str) -> (String, String, i32) {
    let r = run(&format!("{LAB}\n{script}"), NSPING);
    (r.stdout, r.stderr, r.code)
}

/// Splits the output of a script that printed `=== NAME rc=N` after each
/// command into (NAME, output, status) sections.
pub fn sections(stdout: &str) -> Vec<(String, String, i32)> {
    let mut all = Vec::new();
    let mut body = String::new();
    for line in stdout.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("=== ") {
            let (name, rc) = rest.trim_end().rsplit_once(" rc=").unwrap();
            all.push((
                name.to_string(),
                std::mem::take(&mut body),
                rc.parse().unwrap(),
            ));
        } else {
            body.push_str(line);
        }
    }
    all
}

pub fn section<'a>(all: &'a [(String, String, i32)], name: &str) -> (&'a str, i32) {
    let s = all
        .iter()
        .find(|s| s.0 == name)
        .unwrap_or_else(|| panic!("no section {name}: {all:?}"));
    (&s.1, s.2)
}

/// Whether nsping's output can be compared with iputils ping's here.
pub fn ping_installed() -> bool {
    command_or_skip("the comparison with iputils", "ping", "iputils-ping")
}

/// A line with its measured times replaced by `T`, so two runs compare.
pub fn masked(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    // "time=0.045 ms", "time 2003ms", and the numbers of the rtt line.
    if let Some(at) = rest.find("rtt min/avg/max/mdev = ") {
        let (head, tail) = rest.split_at(at + "rtt min/avg/max/mdev = ".len());
        let tail = tail.split_once(' ').map_or("", |t| t.1);
        return format!("{head}T {tail}");
    }
    while let Some(at) = rest.find("time") {
        let (head, tail) = rest.split_at(at + 4);
        out.push_str(head);
        let sep = &tail[..1.min(tail.len())];
        out.push_str(sep);
        let tail = &tail[sep.len()..];
        let end = tail
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(tail.len());
        out.push('T');
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Our output against iputils' on the same lab, line by line, times masked.
pub fn assert_same_as_ping(ours: &str, theirs: &str) {
    let a: Vec<String> = ours.lines().map(masked).collect();
    let b: Vec<String> = theirs.lines().map(masked).collect();
    assert_eq!(a, b, "\n--- nsping:\n{ours}--- ping:\n{theirs}");
}
