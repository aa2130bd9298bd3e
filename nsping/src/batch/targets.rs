//! A batch file read into targets, every line `[-n NS] HOST`: the host is
//! resolved and the socket opened inside the line's namespace (enter,
//! open, come back: a socket stays in the namespace it was made in). The
//! targets of a namespace share its socket of their family, so a batch
//! needs a descriptor per namespace, not per target.

use std::fs::File;
use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

use anyhow::anyhow;
use nscore::batch::lines::{self, Lines};
use nscore::batch::Batch;
use nscore::cli::{io_reason, quote, strerror};
use nscore::netns;

use crate::addr::{Destination, Family};
use crate::options::{self, Options};
use crate::resolve;
use crate::socket::{self, IcmpSocket};
use crate::stats::Counts;

pub struct Target {
    /// HOST as the line gave it.
    pub host: Box<str>,
    /// The namespace it is pinged from (an index into `Targets::netns`).
    pub netns: Option<u32>,
    pub addr: SocketAddr,
    /// Its socket (an index into `Targets::sockets`).
    pub socket: u32,
    pub counts: Counts,
    /// When its last probe went (ns since the epoch).
    pub last_ns: u64,
    /// Why its last failed send failed (an errno; 0: none failed).
    pub send_error: i32,
}

pub struct Targets {
    /// In the order of the file.
    pub list: Vec<Target>,
    pub sockets: Vec<IcmpSocket>,
    /// The namespaces, as the lines spell them.
    pub netns: Vec<String>,
}

/// Reads every line of `batch` (`-` is standard input) and opens what
/// they need; the first line that fails stops it, named `FILE:LINE`.
pub fn read(o: &Options, batch: &Batch) -> anyhow::Result<Targets> {
    let file = quote(&batch.file);
    // Standard input as a file too: one reader type, compiled once.
    let input = match batch.file.as_str() {
        // SAFETY: descriptor 0 is open for the whole process (or the
        // duplicate fails with EBADF).
        "-" => unsafe { BorrowedFd::borrow_raw(0) }
            .try_clone_to_owned()
            .map(File::from),
        path => File::open(path),
    };
    let input = input.map_err(|e| anyhow!("{file}: cannot open: {}", io_reason(&e)))?;
    let mut reader = Reader::new()?;
    let mut lines = Lines::new(input);
    loop {
        let (number, words) = match lines.next_words() {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(lines::Error::Line(n, bad)) => return Err(anyhow!("{file}:{n}: {bad}")),
            Err(lines::Error::Read(rustix::io::Errno::INTR)) => continue,
            Err(lines::Error::Read(e)) => {
                let n = lines.number() + 1;
                return Err(anyhow!(
                    "{file}:{n}: read error: {}",
                    strerror(e.raw_os_error())
                ));
            }
        };
        // The line's error whole: a usage error's text too, after FILE:LINE.
        reader
            .line(o, words)
            .map_err(|e| anyhow!("{file}:{number}: {e:#}"))?;
    }
    netns::enter_fd(&reader.home)?;
    reader.targets.netns = reader.index.names;
    Ok(reader.targets)
}

struct Reader {
    targets: Targets,
    /// Each namespace's index, by its spelling ("" for ours).
    index: Names,
    /// The sockets of each namespace, by family (V4, V6).
    sockets: Vec<[Option<u32>; 2]>,
    /// The namespace the process started in, and the one it is in now.
    home: OwnedFd,
    inside: Option<u32>,
}

impl Reader {
    fn new() -> anyhow::Result<Reader> {
        Ok(Reader {
            targets: Targets {
                list: Vec::new(),
                sockets: Vec::new(),
                netns: Vec::new(),
            },
            index: Names::default(),
            sockets: Vec::new(),
            home: netns::open("/proc/thread-self/ns/net")?,
            inside: None,
        })
    }

    /// One line: its target, resolved, with its socket.
    fn line(&mut self, o: &Options, words: Vec<std::ffi::OsString>) -> anyhow::Result<()> {
        let (netns, host) = options::batch_line(words)?;
        let netns = netns.or_else(|| o.netns.clone());
        let space = self.index.of(netns.as_deref().unwrap_or_default());
        if space as usize == self.sockets.len() {
            self.sockets.push([None; 2]);
        }
        // Only a name needs looking up inside, or a new socket opening.
        let literal = crate::addr::parse(&host);
        let sockets = &self.sockets[space as usize];
        let needed = literal.is_none_or(|ip| sockets[Family::of(ip) as usize].is_none());
        if needed && self.inside != Some(space) {
            match &netns {
                Some(ns) => netns::enter(ns)?,
                None => netns::enter_fd(&self.home)?,
            }
            self.inside = Some(space);
        }
        let found = resolve::resolve(&host, o.family)?;
        let ip = found.addrs[0];
        let family = Family::of(ip);
        let slot = &mut self.sockets[space as usize][family as usize];
        let socket = match *slot {
            Some(socket) => socket,
            None => {
                let sock = socket::open(family)?;
                socket::setup(&sock, o.ttl)?;
                self.targets.sockets.push(sock);
                *slot.insert(self.targets.sockets.len() as u32 - 1)
            }
        };
        let fd = self.targets.sockets[socket as usize].fd.as_fd();
        let dst = Destination::new(fd, ip, found.zone.as_deref(), None).ok_or_else(|| {
            anyhow!(
                "{}: no such interface",
                quote(found.zone.as_deref().unwrap_or_default())
            )
        })?;
        self.targets.list.push(Target {
            host: host.into(),
            netns: netns.map(|_| space),
            addr: dst.addr,
            socket,
            counts: Counts::default(),
            last_ns: 0,
            send_error: 0,
        });
        Ok(())
    }
}

/// Names, each once, found by name: open addressing over an FNV-1a hash
/// (std's HashMap, with SipHash and its random keys, costs the binary
/// 2 KB more; names of namespaces need no defence against collisions).
#[derive(Default)]
struct Names {
    names: Vec<String>,
    /// An index into `names` plus one (0: free); a power of two long, at
    /// most half full.
    slots: Vec<u32>,
}

impl Names {
    /// The index of `name`, added as the next one if new.
    fn of(&mut self, name: &str) -> u32 {
        if self.slots.len() <= 2 * self.names.len() {
            self.slots = vec![0; (2 * self.slots.len()).max(64)];
            for i in 0..self.names.len() {
                let at = self.slot(&self.names[i]);
                self.slots[at] = i as u32 + 1;
            }
        }
        let at = self.slot(name);
        if self.slots[at] == 0 {
            self.names.push(name.to_string());
            self.slots[at] = self.names.len() as u32;
        }
        self.slots[at] - 1
    }

    /// The slot holding `name`, or the free one where it goes.
    fn slot(&self, name: &str) -> usize {
        let hash = name.bytes().fold(0xcbf2_9ce4_8422_2325, |h: u64, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        while self.slots[at] != 0 && self.names[self.slots[at] as usize - 1] != name {
            at = (at + 1) & mask;
        }
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_name_keeps_its_index() {
        let mut names = Names::default();
        assert_eq!(names.of(""), 0);
        assert_eq!(names.of("red"), 1);
        assert_eq!(names.of(""), 0);
        // Past several growths of the table.
        for i in 0..1000 {
            assert_eq!(names.of(&format!("n{i}")), i + 2);
        }
        assert_eq!(names.of("red"), 1);
        assert_eq!(names.of("n999"), 1001);
        assert_eq!(names.names.len(), 1002);
        assert!(names.slots.len() > 2 * names.names.len());
    }
}
