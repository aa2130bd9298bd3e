//! One netlink socket per namespace for a whole batch: opened the first
//! time a line names the namespace (setns, then the socket, which stays in
//! that namespace whatever the thread does next) and reused by every later
//! line that names it. The namespace file stays open beside it, for
//! requests that name the namespace by fd (a veth peer born there).
//!
//! Within the open-file limit: each namespace costs two descriptors, and
//! when as many are open as the soft RLIMIT_NOFILE allows (less a margin
//! for everything else), the one used least recently is closed. A batch
//! that keeps naming the same few namespaces never reopens one; a batch
//! of 10,000 namespaces works under a limit of 256, reopening as it goes.

use std::os::fd::{AsFd, OwnedFd};

use anyhow::anyhow;
use rustix::fs::{Mode, OFlags};
use rustix::thread::LinkNameSpaceType;

use crate::cli::{quote, reason, strerror};
use crate::netns;
use crate::rtnl::Rtnl;

/// Descriptors kept for everything but the cache: stdio, the batch file,
/// locks, a namespace opened for a moment.
const MARGIN: u64 = 32;

/// One namespace as the batch holds it.
pub struct Netns {
    /// The spelling lines use (`red`, `/proc/1/ns/net`; "" for the
    /// namespace the process started in).
    key: Box<str>,
    pub rtnl: Rtnl,
    /// The namespace file itself.
    pub fd: OwnedFd,
    /// Its identity (device and inode of the nsfs file): two names of one
    /// namespace have the same.
    pub id: (u64, u64),
    used: u64,
}

/// The namespaces a batch has opened, in no order: a batch names few at a
/// time, and a scan of a few hundred short keys costs less than keeping
/// them sorted would in code.
pub struct Sockets {
    open: Vec<Netns>,
    /// The namespace the process started in, to come back to.
    home: OwnedFd,
    capacity: usize,
    clock: u64,
}

impl Sockets {
    /// An empty cache, sized by the soft open-file limit.
    pub fn new() -> anyhow::Result<Sockets> {
        let home = open_home().map_err(|e| {
            anyhow!(
                "cannot open this process's network namespace: {}",
                strerror(e.raw_os_error())
            )
        })?;
        let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
            .current
            .unwrap_or(u64::MAX);
        let capacity = (limit.saturating_sub(MARGIN) / 2).clamp(4, 1024) as usize;
        Ok(Sockets {
            open: Vec::new(),
            home,
            capacity,
            clock: 0,
        })
    }

    /// The namespace `ns` names (`None`: the one the process started in),
    /// opened on first use.
    pub fn get(&mut self, ns: Option<&str>) -> anyhow::Result<&mut Netns> {
        let at = self.ensure(ns.unwrap_or(""), None)?;
        Ok(&mut self.open[at])
    }

    /// Both namespaces at once: NAME's and its peer's (which may be the
    /// same one, then given once).
    pub fn pair(
        &mut self,
        ns: Option<&str>,
        peer: Option<&str>,
    ) -> anyhow::Result<(&mut Netns, Option<&Netns>)> {
        let (key, peer_key) = (ns.unwrap_or(""), peer.unwrap_or(""));
        if key == peer_key {
            return Ok((self.get(ns)?, None));
        }
        let at = self.ensure(key, None)?;
        let peer_at = self.ensure(peer_key, Some(key))?;
        // Opening the peer may have moved NAME's (a removal swaps the last
        // one in): look again.
        let at = self.find(key).unwrap_or(at);
        let (low, high) = (at.min(peer_at), at.max(peer_at));
        let (first, rest) = self.open.split_at_mut(high);
        let (a, b) = (&mut first[low], &mut rest[0]);
        Ok(if at < peer_at {
            (a, Some(b))
        } else {
            (b, Some(a))
        })
    }

    fn find(&self, key: &str) -> Option<usize> {
        self.open.iter().position(|netns| *netns.key == *key)
    }

    /// Makes sure `key` is open, marks it used and returns where it is;
    /// `keep` is not closed to make room.
    fn ensure(&mut self, key: &str, keep: Option<&str>) -> anyhow::Result<usize> {
        self.clock += 1;
        if let Some(at) = self.find(key) {
            self.open[at].used = self.clock;
            return Ok(at);
        }
        while self.open.len() >= self.capacity && self.evict(key, keep) {}
        let netns = match self.open_one(key) {
            Ok(netns) => netns,
            // Out of descriptors (the limit counts what we inherited too),
            // or a real failure, which then comes again: close the oldest
            // and try once more, and hold no more than now from then on.
            Err(_) if self.evict(key, keep) => {
                self.capacity = self.open.len() + 1;
                self.open_one(key)?
            }
            Err(e) => return Err(e),
        };
        self.open.push(netns);
        Ok(self.open.len() - 1)
    }

    /// Closes the namespace used least recently, other than `key` and
    /// `keep`; false when there is none.
    fn evict(&mut self, key: &str, keep: Option<&str>) -> bool {
        let mut oldest: Option<usize> = None;
        for (i, netns) in self.open.iter().enumerate() {
            let spared = *netns.key == *key || Some(&*netns.key) == keep;
            if !spared && oldest.is_none_or(|o| netns.used < self.open[o].used) {
                oldest = Some(i);
            }
        }
        oldest.map(|i| self.open.swap_remove(i)).is_some()
    }

    fn open_one(&mut self, key: &str) -> anyhow::Result<Netns> {
        let failed = |e: rustix::io::Errno| {
            anyhow!(
                "{}: cannot open namespace: {}",
                quote(key),
                strerror(e.raw_os_error())
            )
        };
        let fd = match key {
            "" => rustix::io::fcntl_dupfd_cloexec(&self.home, 0).map_err(failed)?,
            _ => netns::open(key)?,
        };
        rustix::thread::move_into_link_name_space(fd.as_fd(), Some(LinkNameSpaceType::Network))
            .map_err(|e| {
                let why = reason(e.raw_os_error(), "CAP_SYS_ADMIN");
                anyhow!("{}: cannot enter namespace: {why}", quote(key))
            })?;
        let rtnl = Rtnl::open().map_err(|e| anyhow!("cannot open netlink socket: {e}"))?;
        let stat = rustix::fs::fstat(&fd).map_err(failed)?;
        self.clock += 1;
        Ok(Netns {
            key: key.into(),
            rtnl,
            fd,
            id: (stat.st_dev, stat.st_ino),
            used: self.clock,
        })
    }
}

fn open_home() -> rustix::io::Result<OwnedFd> {
    rustix::fs::open(
        "/proc/thread-self/ns/net",
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(sockets: &Sockets) -> Vec<&str> {
        sockets.open.iter().map(|n| &*n.key).collect()
    }

    #[test]
    fn the_home_namespace_is_opened_once_and_reused() {
        let mut sockets = Sockets::new().unwrap();
        let first = sockets.get(None).unwrap().id;
        let again = sockets.get(None).unwrap().id;
        assert_eq!(first, again);
        assert_eq!(sockets.open.len(), 1);
        let (a, b) = sockets.pair(None, Some("/proc/self/ns/net")).unwrap();
        assert_eq!(a.id, b.unwrap().id, "two spellings of one namespace");
        let (a, b) = sockets.pair(Some("/proc/self/ns/net"), None).unwrap();
        assert_eq!((&*a.key, &*b.unwrap().key), ("/proc/self/ns/net", ""));
        assert_eq!(keys(&sockets), ["", "/proc/self/ns/net"]);
    }

    #[test]
    fn the_least_recently_used_is_closed_first() {
        let mut sockets = Sockets::new().unwrap();
        sockets.capacity = 2;
        sockets.get(None).unwrap();
        sockets.get(Some("/proc/self/ns/net")).unwrap();
        sockets.get(None).unwrap();
        sockets.get(Some("/proc/thread-self/ns/net")).unwrap();
        assert_eq!(keys(&sockets), ["", "/proc/thread-self/ns/net"]);
        // Making room for the peer never closes NAME's.
        sockets
            .pair(Some("/proc/thread-self/ns/net"), Some("/proc/1/ns/net"))
            .ok();
        assert!(keys(&sockets).contains(&"/proc/thread-self/ns/net"));
        let e = sockets.get(Some("nosuch-ns")).err().unwrap();
        assert_eq!(e.to_string(), "nosuch-ns: no such network namespace");
    }
}
