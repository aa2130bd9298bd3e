//! The W×H torus of `examples/torus.sh`, as its awk programs lay it out:
//! node (x,y) is namespace tX-Y, joined to its right neighbour by its end
//! `east` (the neighbour's `west`) and to the one below by `south` (the
//! neighbour's `north`), wrapping. Node i = y*W+x makes cables 2i (east)
//! and 2i+1 (south); cable k is 10.A.B.C/30 with A.B.C the address of
//! k*4, the east or south end .1, the far end .2. The batch lines of each
//! phase, and the same layout for the floor program.
//!
//! In the bench, 32×32 (1024 namespaces, 2048 cables, 4096 addresses):
//! up by one batch per tool against one process per line, and against
//! the floor program; down by `nsadd -d -b` (alone, and with a namespace
//! beside the torus) against the floor's.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Result;

use super::contenders::Ours;
use super::idle::settle;
use super::report::Row;
use super::timing::{median, run_all, time, Argv};

/// The device names, in the order each node's ends are listed.
pub const DEVICES: [&str; 4] = ["east", "south", "west", "north"];

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Torus {
    pub w: usize,
    pub h: usize,
}

/// A cable as a node makes it: its device there, the far node and the
/// device at the far end (indices into [`DEVICES`]).
pub struct Cable {
    pub device: usize,
    pub far: usize,
    pub far_device: usize,
}

impl Torus {
    pub fn nodes(&self) -> usize {
        self.w * self.h
    }

    /// Node i's namespace, `tX-Y`.
    pub fn name(&self, i: usize) -> String {
        format!("t{}-{}", i % self.w, i / self.w)
    }

    /// The node at (x, y), wrapping.
    fn at(&self, x: usize, y: usize) -> usize {
        (y % self.h) * self.w + x % self.w
    }

    /// The two cables node i makes: east to its right neighbour's west,
    /// south to its lower neighbour's north.
    pub fn cables(&self, i: usize) -> [Cable; 2] {
        let (x, y) = (i % self.w, i / self.w);
        [
            Cable {
                device: 0,
                far: self.at(x + 1, y),
                far_device: 2,
            },
            Cable {
                device: 1,
                far: self.at(x, y + 1),
                far_device: 3,
            },
        ]
    }

    /// The addresses of node i's four ends, in the order of [`DEVICES`]:
    /// its own east and south cables' near ends, then the far ends of its
    /// left neighbour's east cable and its upper neighbour's south cable.
    pub fn ends(&self, i: usize) -> [[u8; 4]; 4] {
        let (x, y) = (i % self.w, i / self.w);
        let left = self.at(x + self.w - 1, y);
        let up = self.at(x, y + self.h - 1);
        [(2 * i, 1), (2 * i + 1, 1), (2 * left, 2), (2 * up + 1, 2)]
            .map(|(cable, end)| address(cable, end))
    }

    /// The batch lines of `phase`, as torus.sh's awk prints them.
    pub fn lines(&self, phase: Phase) -> Vec<String> {
        let mut lines = Vec::new();
        for i in 0..self.nodes() {
            let ns = self.name(i);
            match phase {
                Phase::Nodes => lines.push(ns),
                Phase::Pairs => {
                    for c in self.cables(i) {
                        lines.push(format!(
                            "-n {ns} {} --peer-netns {} {}",
                            DEVICES[c.device],
                            self.name(c.far),
                            DEVICES[c.far_device]
                        ));
                    }
                }
                Phase::Addresses => {
                    for (device, [a, b, c, d]) in DEVICES.iter().zip(self.ends(i)) {
                        lines.push(format!("-n {ns} {device} {a}.{b}.{c}.{d}/30"));
                    }
                }
                Phase::Links => lines.push(format!("-n {ns} lo {}", DEVICES.join(" "))),
                Phase::Pings => {
                    for cable in [2 * i, 2 * i + 1] {
                        let [a, b, c, d] = address(cable, 2);
                        lines.push(format!("-n {ns} {a}.{b}.{c}.{d}"));
                    }
                }
            }
        }
        lines
    }
}

/// What a batch of torus.sh does, one tool each.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Phase {
    /// `nsadd -b`: a namespace a line.
    Nodes,
    /// `vethpair -b`: a cable a line.
    Pairs,
    /// `ipassign -b`: an end a line.
    Addresses,
    /// `linkup --wait -b`: a namespace a line.
    Links,
    /// `nsping --batch`: the far end of each cable, from its near end.
    Pings,
}

/// Cable k's address at `end` (1 or 2): 10.A.B.C + end, A.B.C being k*4.
pub fn address(cable: usize, end: u8) -> [u8; 4] {
    let k = cable * 4;
    [10, (k >> 16) as u8, (k >> 8) as u8, k as u8 + end]
}

/// The batch files of a torus (in the sandbox's /run) and the commands
/// that read them, ours and the floor's.
pub struct Batches<'a> {
    pub torus: Torus,
    ours: &'a Ours<'a>,
    dir: PathBuf,
}

/// The up phases: each tool's batch, as torus.sh runs them.
pub const UP: [(Phase, &str); 4] = [
    (Phase::Nodes, "nsadd -b"),
    (Phase::Pairs, "vethpair -b"),
    (Phase::Addresses, "ipassign -b"),
    (Phase::Links, "linkup --wait -b"),
];

impl<'a> Batches<'a> {
    pub fn write(torus: Torus, ours: &'a Ours<'a>) -> Result<Batches<'a>> {
        let dir = PathBuf::from(format!("/run/bench-torus-{}x{}", torus.w, torus.h));
        std::fs::create_dir_all(&dir)?;
        for phase in UP.map(|(phase, _)| phase).into_iter().chain([Phase::Pings]) {
            let lines = torus.lines(phase).join("\n") + "\n";
            std::fs::write(dir.join(format!("{phase:?}")), lines)?;
        }
        Ok(Batches { torus, ours, dir })
    }

    /// `TOOL [OPTION]... FILE`, FILE holding the lines of `phase`.
    pub fn batch(&self, tool: &str, phase: Phase) -> Argv {
        let file = self.dir.join(format!("{phase:?}"));
        self.ours.cmd(&format!("{tool} {}", file.display()))
    }

    /// One batch per tool, the whole torus up.
    pub fn up(&self) -> Vec<Argv> {
        UP.iter().map(|&(phase, tool)| self.batch(tool, phase)).collect()
    }

    /// The whole torus down by one batch, as torus.sh takes it down.
    pub fn down(&self) -> Argv {
        self.batch("nsadd -d -b", Phase::Nodes)
    }

    /// The floor program, `up` or `down`: this program (the file it was
    /// started from, even when a program between runs it).
    pub fn floor(&self, verb: &str) -> Argv {
        let Torus { w, h } = self.torus;
        let exe = format!("/proc/{}/exe", std::process::id());
        super::timing::argv(&format!("{exe} __torus-floor {verb} {w} {h}"))
    }

    /// The same torus up with one process per line: every line of each
    /// phase a command of its own. A veth end only runs once its peer is
    /// up, so the links are set up first, without waiting, and then
    /// waited for by one `linkup --wait` per node of a checkerboard:
    /// every cable joins a black node to a white one (W and H even), and
    /// linkup waits for the peer of each end too, so the black nodes'
    /// four ends cover every cable. Each line with --wait would wait for
    /// peers not up yet; a wait in every node would cost twice the
    /// processes.
    pub fn one_by_one(&self) -> Vec<Argv> {
        let mut commands = Vec::new();
        for (phase, batch) in UP {
            let tool = batch.split(' ').next().unwrap_or(batch);
            for line in self.torus.lines(phase) {
                commands.push(self.ours.cmd(&format!("{tool} {line}")));
            }
        }
        let Torus { w, h } = self.torus;
        for i in 0..self.torus.nodes() {
            let (x, y) = (i % w, i / w);
            if (x + y) % 2 == 0 || w % 2 == 1 || h % 2 == 1 {
                let ns = self.torus.name(i);
                let devices = DEVICES.join(" ");
                commands.push(self.ours.cmd(&format!("linkup --wait -n {ns} {devices}")));
            }
        }
        commands
    }
}

/// How the table names the ways of building and taking down a torus.
pub const BATCHES: &str = "nsadd, vethpair, ipassign, linkup --wait: -b each";
pub const FLOOR_UP: &str = "one process, the same requests unchecked";
pub const FLOOR_DOWN: &str = "one process: unmount, unlink each";

/// Rounds of the 32×32 torus, each way.
pub const ROUNDS: usize = 3;

/// The namespace left beside the torus for its second down.
const BESIDE: &str = "beside";

/// The 32×32 rows: each way of building (and taking down) the torus, in
/// interleaved rounds, each started on an idle machine. The lab of the
/// other sections is taken away meanwhile: alone in `/run/netns`, the
/// torus goes as torus.sh takes it down on a machine of its own (nsadd
/// sees every entry named and takes them at once); with one namespace
/// beside it, nsadd unmounts one by one, as the floor does.
pub fn all(ours: &Ours, rows: &mut Vec<Row>) -> Result<()> {
    let batches = Batches::write(Torus { w: 32, h: 32 }, ours)?;
    let one_by_one = batches.one_by_one();
    let beside = [ours.cmd(&format!("nsadd {BESIDE}"))];
    let not_beside = [ours.cmd(&format!("nsadd -d {BESIDE}"))];
    run_all(&["ip netns del red", "ip netns del blue"].map(super::timing::argv))?;
    let left = std::fs::read_dir("/run/netns")?.count();
    anyhow::ensure!(left == 0, "torus: {left} namespaces left by other sections in /run/netns");
    let mut times = vec![Vec::new(); 6];
    for _ in 0..ROUNDS {
        let mut timed = |at: usize, commands: &[Argv]| -> Result<()> {
            settle();
            times[at].push(time(commands)?);
            Ok(())
        };
        timed(0, &batches.up())?;
        timed(1, &[batches.down()])?;
        timed(2, &[batches.floor("up")])?;
        run_all(&[batches.floor("down")])?;
        // Both downs take down a torus the batches made: how a torus was
        // made changes what taking it down costs the kernel.
        settle();
        run_all(&batches.up())?;
        timed(3, &[batches.floor("down")])?;
        run_all(&beside)?;
        timed(4, &one_by_one)?;
        timed(5, &[batches.down()])?;
        run_all(&not_beside)?;
    }
    super::cases::setup_lab()?;
    let [up, down, floor_up, floor_down, by_line, down_beside] = times
        .iter_mut()
        .map(|t| median(t))
        .collect::<Vec<Duration>>()
        .try_into()
        .unwrap_or_else(|_| unreachable!());
    let what = "torus 32×32 up (1024 namespaces, 2048 cables, 4096 addresses)";
    let lines = format!("{} processes, one a line", one_by_one.len());
    rows.push(Row::time(what, BATCHES, &lines, (up, by_line), Some(0.5)));
    rows.push(Row::time(what, BATCHES, FLOOR_UP, (up, floor_up), Some(1.3)));
    let what = "torus 32×32 down, alone in /run/netns";
    rows.push(Row::time(what, "nsadd -d -b", FLOOR_DOWN, (down, floor_down), Some(1.3)));
    let what = "torus 32×32 down, a namespace beside it";
    let pair = (down_beside, floor_down);
    rows.push(Row::time(what, "nsadd -d -b", FLOOR_DOWN, pair, None));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lines_are_those_of_torus_sh() {
        let t = Torus { w: 3, h: 2 };
        assert_eq!(t.lines(Phase::Nodes)[..4], ["t0-0", "t1-0", "t2-0", "t0-1"]);
        let pairs = t.lines(Phase::Pairs);
        assert_eq!(pairs[0], "-n t0-0 east --peer-netns t1-0 west");
        assert_eq!(pairs[1], "-n t0-0 south --peer-netns t0-1 north");
        // Wrapping: the last node's east goes to the row's first, its
        // south to the column's top.
        assert_eq!(pairs[10], "-n t2-1 east --peer-netns t0-1 west");
        assert_eq!(pairs[11], "-n t2-1 south --peer-netns t2-0 north");
        let addresses = t.lines(Phase::Addresses);
        assert_eq!(
            addresses[..4],
            [
                "-n t0-0 east 10.0.0.1/30",
                "-n t0-0 south 10.0.0.5/30",
                // t2-0's east cable (k = 4), t0-1's south cable (k = 7).
                "-n t0-0 west 10.0.0.18/30",
                "-n t0-0 north 10.0.0.30/30",
            ]
        );
        assert_eq!(t.lines(Phase::Links)[5], "-n t2-1 lo east south west north");
        assert_eq!(t.lines(Phase::Pings)[..2], ["-n t0-0 10.0.0.2", "-n t0-0 10.0.0.6"]);
    }

    #[test]
    fn every_end_has_its_address_once() {
        let t = Torus { w: 100, h: 100 };
        let mut all: Vec<[u8; 4]> = (0..t.nodes())
            .flat_map(|i| t.ends(i))
            .collect();
        assert_eq!(all.len(), 40_000);
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 40_000);
        // The last cable, 19999: 79996 = 1.56.124.
        assert_eq!(address(19_999, 2), [10, 1, 56, 126]);
    }
}
