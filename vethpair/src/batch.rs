//! `vethpair --batch FILE`: one pair (or `-d` deletion) a line, each sent
//! on the socket kept for NAME's namespace, the peer's namespace named by
//! the file kept open beside its own socket; a VXLAN end (`--remote`)
//! sent on the underlay's socket, NAME's namespace named by its file.
//! Undo deletes the pairs and ends the batch created, as `-d -f` would;
//! what it deleted stays deleted.

use std::ffi::OsString;

use anyhow::{anyhow, Result};
use nscore::batch::{self, Journal, Sockets};

use crate::options::{self, Action, Delete, Remote, Request};
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
        let (ns, uns) = (request.netns.as_deref(), request.underlay.as_deref());
        let (underlay, node) = self.sockets.pair(uns, ns)?;
        let node_elsewhere = node.filter(|n| n.id != underlay.id).map(|n| &n.fd);
        let refused = match remote::send(&mut underlay.rtnl, request, node_elsewhere)? {
            Ok(()) => return Ok(true),
            Err(refused) => refused,
        };
        let (node, underlay) = self.sockets.pair(ns, uns)?;
        let underlay_elsewhere = underlay.filter(|u| u.id != node.id).map(|u| &u.fd);
        remote::existing::explain(&mut node.rtnl, request, refused, underlay_elsewhere)
    }
}

impl batch::Session for Session {
    fn line(&mut self, argv: Vec<OsString>) -> Result<()> {
        match batch::line_command(options::parse(argv)?)? {
            Action::Create(request) => {
                if self.create(&request)? {
                    self.journal.record(Delete {
                        netns: request.netns,
                        names: vec![request.name],
                        force: true,
                    });
                }
            }
            Action::Delete(request) => {
                let rtnl = &mut self.sockets.get(request.netns.as_deref())?.rtnl;
                let deleted = delete::delete_on(rtnl, &request)?;
                self.journal.removed(deleted);
            }
            Action::Remote(request) => {
                if self.remote(&request)? {
                    self.journal.record(Delete {
                        netns: request.netns,
                        names: vec![request.name],
                        force: true,
                    });
                }
            }
            Action::List(_) => return Err(anyhow!("-l is not for a batch line")),
            Action::Batch(_) => return Err(batch::nested()),
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
