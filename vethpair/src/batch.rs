//! `vethpair --batch FILE`: one pair (or `-d` deletion) a line, each sent
//! on the socket kept for NAME's namespace, the peer's namespace named by
//! the file kept open beside its own socket; a VXLAN end (`--remote`)
//! sent on the underlay's socket, NAME's namespace named by its file.
//! Undo deletes the pairs and ends the batch created, as `-d -f` would;
//! what it deleted stays deleted.

use std::ffi::OsString;
use std::os::fd::OwnedFd;

use anyhow::{anyhow, Result};
use nscore::batch::{self, Journal, Sockets};
use nscore::rtnl::Rtnl;

use crate::options::{Action, Delete, Remote, Request};
use crate::{create, delete, remote};

pub struct Session {
    sockets: Sockets,
    /// The pairs made, each as the `-d -f` that takes it away again.
    journal: Journal<Delete>,
}

impl Session {
    pub fn new() -> Result<Session> {
        Ok(Session {
            sockets: Sockets::new()?,
            journal: Journal::default(),
        })
    }

    /// Creates the pair; true if it was made (not there already).
    fn create(&mut self, request: &Request) -> Result<bool> {
        let ns = request.netns.as_deref();
        let (netns, peer) = match request.peer_netns.as_deref() {
            None => (self.sockets.get(ns)?, None),
            Some(peer_ns) => self.sockets.pair(ns, Some(peer_ns))?,
        };
        let elsewhere = peer.filter(|peer| peer.id != netns.id).map(|peer| &peer.fd);
        create::send(&mut netns.rtnl, request, elsewhere)
    }

    /// Creates the VXLAN end; true if it was made (not there already).
    fn remote(&mut self, request: &Remote) -> Result<bool> {
        let mut sockets = Kept {
            sockets: &mut self.sockets,
            ns: request.netns.as_deref(),
            uns: request.underlay.as_deref(),
        };
        remote::make(&mut sockets, request)
    }
}

/// A VXLAN end's two namespaces, from the sockets the batch keeps.
struct Kept<'a> {
    sockets: &'a mut Sockets,
    ns: Option<&'a str>,
    uns: Option<&'a str>,
}

impl remote::Sockets for Kept<'_> {
    fn underlay(&mut self) -> Result<(&mut Rtnl, Option<&OwnedFd>)> {
        let (underlay, node) = self.sockets.pair(self.uns, self.ns)?;
        let node = node.filter(|n| n.id != underlay.id).map(|n| &n.fd);
        Ok((&mut underlay.rtnl, node))
    }

    fn node(&mut self) -> Result<(&mut Rtnl, Option<&OwnedFd>)> {
        let (node, underlay) = self.sockets.pair(self.ns, self.uns)?;
        let underlay = underlay.filter(|u| u.id != node.id).map(|u| &u.fd);
        Ok((&mut node.rtnl, underlay))
    }
}

impl batch::Session for Session {
    fn line(&mut self, argv: Vec<OsString>) -> Result<()> {
        // Whether the line made an end (or a pair), and which one.
        let (made, netns, name) = match batch::request(argv)? {
            Action::Create(request) => (self.create(&request)?, request.netns, request.name),
            Action::Remote(request) => (self.remote(&request)?, request.netns, request.name),
            Action::Delete(request) => {
                let rtnl = &mut self.sockets.get(request.netns.as_deref())?.rtnl;
                let deleted = delete::delete_on(rtnl, &request)?;
                self.journal.removed(deleted);
                return Ok(());
            }
            Action::List(_) => return Err(anyhow!("-l is not for a batch line")),
        };
        if made {
            self.journal.record(Delete {
                netns,
                names: vec![name],
                force: true,
            });
        }
        Ok(())
    }

    fn undo(&mut self) -> Vec<anyhow::Error> {
        let sockets = &mut self.sockets;
        self.journal.undo(|made| {
            let rtnl = &mut sockets.get(made.netns.as_deref())?.rtnl;
            delete::delete_on(rtnl, &made).map(drop)
        })
    }

    fn removed(&self) -> (usize, &'static str, &'static str) {
        (self.journal.removals(), "pair", "pairs")
    }
}
