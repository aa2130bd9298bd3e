//! `vethpair --batch FILE`: one pair (or `-d` deletion) a line, each sent
//! on the socket kept for NAME's namespace, the peer's namespace named by
//! the file kept open beside its own socket. Undo deletes the pairs the
//! batch created, as `-d -f` would; what it deleted stays deleted.

use std::ffi::OsString;

use anyhow::{anyhow, Result};
use nscore::batch::{self, Journal, Sockets};

use crate::options::{self, Action, Delete, Request};
use crate::{create, delete};

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
            Action::Remote(_) => return Err(anyhow!("--remote is not for a batch line")),
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
