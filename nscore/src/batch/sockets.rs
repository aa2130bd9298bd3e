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

use std::collections::HashMap;
use std::os::fd::OwnedFd;

use anyhow::{anyhow, Context};
use rustix::fs::{Mode, OFlags};

use crate::cli::quote;
use crate::netns;
use crate::rtnl::Rtnl;

/// Descriptors kept for everything but the cache: stdio, the batch file,
/// locks, a namespace opened for a moment.
const MARGIN: u64 = 32;

/// One namespace as the batch holds it.
pub struct Netns {
    pub rtnl: Rtnl,
    /// The namespace file itself.
    pub fd: OwnedFd,
    /// Its identity (device and inode of the nsfs file): two names of one
    /// namespace have the same.
    pub id: (u64, u64),
    used: u64,
}

/// The namespaces a batch has opened, by the spelling lines use (`red`,
/// `/proc/1/ns/net`; "" for the namespace the process started in).
pub struct Sockets {
    open: HashMap<Box<str>, Netns>,
    /// The namespace the process started in, to come back to.
    home: OwnedFd,
    capacity: usize,
    clock: u64,
}

impl Sockets {
    /// An empty cache, sized by the soft open-file limit.
    pub fn new() -> anyhow::Result<Sockets> {
        let home = open_home().context("cannot open this process's network namespace")?;
        let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile)
            .current
            .unwrap_or(u64::MAX);
        let capacity = (limit.saturating_sub(MARGIN) / 2).clamp(4, 4096) as usize;
        Ok(Sockets {
            open: HashMap::new(),
            home,
            capacity,
            clock: 0,
        })
    }

    /// How many namespaces may be open at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The namespace `ns` names (`None`: the one the process started in),
    /// opened on first use.
    pub fn get(&mut self, ns: Option<&str>) -> anyhow::Result<&mut Netns> {
        let key = ns.unwrap_or("");
        self.ensure(key, None)?;
        Ok(self.open.get_mut(key).expect("just ensured"))
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
        self.ensure(key, None)?;
        self.ensure(peer_key, Some(key))?;
        let [Some(first), Some(second)] = self.open.get_disjoint_mut([key, peer_key]) else {
            unreachable!("both just ensured")
        };
        Ok((first, Some(&*second)))
    }

    /// Makes sure `key` is open and marks it used; `keep` is not evicted
    /// to make room.
    fn ensure(&mut self, key: &str, keep: Option<&str>) -> anyhow::Result<()> {
        self.clock += 1;
        if let Some(netns) = self.open.get_mut(key) {
            netns.used = self.clock;
            return Ok(());
        }
        while self.open.len() >= self.capacity {
            if !self.evict(key, keep) {
                break;
            }
        }
        let netns = match self.open_one(key) {
            Ok(netns) => netns,
            // Out of descriptors (the limit counts what we inherited too),
            // or a real failure, which then comes again: close the oldest
            // and try once more, and hold no more than now from then on.
            Err(_) if self.evict(key, keep) => {
                let netns = self.open_one(key)?;
                self.capacity = self.open.len() + 1;
                netns
            }
            Err(e) => return Err(e),
        };
        self.open.insert(key.into(), netns);
        Ok(())
    }

    /// Closes the namespace used least recently, other than `key` and
    /// `keep`; false when there is none.
    fn evict(&mut self, key: &str, keep: Option<&str>) -> bool {
        let oldest = self
            .open
            .iter()
            .filter(|(k, _)| &***k != key && Some(&***k) != keep)
            .min_by_key(|(_, netns)| netns.used)
            .map(|(k, _)| k.clone());
        oldest.is_some_and(|oldest| self.open.remove(&oldest).is_some())
    }

    fn open_one(&mut self, key: &str) -> anyhow::Result<Netns> {
        let fd = if key.is_empty() {
            self.home.try_clone()?
        } else {
            netns::open(key)?
        };
        netns::enter_fd(&fd).with_context(|| format!("{}: cannot enter namespace", quote(key)))?;
        let rtnl = Rtnl::open().map_err(|e| anyhow!("cannot open netlink socket: {e}"))?;
        let stat = rustix::fs::fstat(&fd)?;
        self.clock += 1;
        Ok(Netns {
            rtnl,
            fd,
            id: (stat.st_dev, stat.st_ino),
            used: self.clock,
        })
    }
}

fn open_home() -> std::io::Result<OwnedFd> {
    Ok(rustix::fs::open(
        "/proc/thread-self/ns/net",
        OFlags::RDONLY | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_home_namespace_is_opened_once_and_reused() {
        let mut sockets = Sockets::new().unwrap();
        let first = sockets.get(None).unwrap().id;
        let again = sockets.get(None).unwrap().id;
        assert_eq!(first, again);
        assert_eq!(sockets.open.len(), 1);
        let (a, b) = sockets.pair(None, Some("/proc/self/ns/net")).unwrap();
        assert_eq!(a.id, b.unwrap().id, "two spellings of one namespace");
        assert_eq!(sockets.open.len(), 2);
    }

    #[test]
    fn the_least_recently_used_is_closed_first() {
        let mut sockets = Sockets::new().unwrap();
        sockets.capacity = 2;
        sockets.get(None).unwrap();
        sockets.get(Some("/proc/self/ns/net")).unwrap();
        sockets.get(None).unwrap();
        sockets.get(Some("/proc/thread-self/ns/net")).unwrap();
        let mut keys: Vec<_> = sockets.open.keys().map(|k| k.to_string()).collect();
        keys.sort();
        assert_eq!(keys, ["", "/proc/thread-self/ns/net"]);
        let e = sockets.get(Some("nosuch-ns")).err().unwrap();
        assert_eq!(e.to_string(), "nosuch-ns: no such network namespace");
    }
}
