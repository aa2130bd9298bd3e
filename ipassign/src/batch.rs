//! `ipassign --batch FILE`: one invocation a line, each on the socket kept
//! for its namespace. Undo removes the addresses the batch added; what it
//! removed (`-d` lines) stays removed.

use std::ffi::OsString;
use std::net::IpAddr;
use std::rc::Rc;

use anyhow::{anyhow, Result};
use nscore::batch::{self, Journal, Sockets};
use nscore::link::is_no_device;
use nscore::rtnl::RTM_DELADDR;

use crate::address::Address;
use crate::assign;
use crate::options::Action;

const EADDRNOTAVAIL: i32 = 99;

/// An address the batch added: small, for 10,000s of them.
struct Added {
    /// The namespace as lines name it (None: ours), shared by the
    /// addresses of consecutive lines.
    netns: Option<Rc<str>>,
    index: u32,
    ip: IpAddr,
    prefix: u8,
}

pub struct Session {
    sockets: Sockets,
    journal: Journal<Added>,
}

impl Session {
    pub fn new() -> Result<Session> {
        Ok(Session {
            sockets: Sockets::new()?,
            journal: Journal::default(),
        })
    }

    /// The namespace of the last address noted when it is `ns` again.
    fn shared(&self, ns: Option<String>) -> Option<Rc<str>> {
        let ns = ns?;
        match self.journal.last().and_then(|added| added.netns.clone()) {
            Some(last) if *last == *ns => Some(last),
            _ => Some(ns.into()),
        }
    }
}

impl batch::Session for Session {
    fn line(&mut self, argv: Vec<OsString>) -> Result<()> {
        let request = match batch::request(argv)? {
            Action::Assign(request) => request,
            Action::List(_) => return Err(anyhow!("-l is not for a batch line")),
        };
        let rtnl = &mut self.sockets.get(request.netns.as_deref())?.rtnl;
        let done = assign::apply(rtnl, &request)?;
        self.journal.removed(done.removed);
        if !done.added.is_empty() {
            let netns = self.shared(request.netns);
            for address in done.added {
                self.journal.record(Added {
                    netns: netns.clone(),
                    index: done.index,
                    ip: address.ip,
                    prefix: address.prefix,
                });
            }
        }
        Ok(())
    }

    fn undo(&mut self) -> Vec<anyhow::Error> {
        let sockets = &mut self.sockets;
        self.journal.undo(|added| {
            let rtnl = &mut sockets.get(added.netns.as_deref())?.rtnl;
            let exact = Address {
                text: String::new(),
                ip: added.ip,
                prefix: added.prefix,
                prefix_given: true,
            };
            match rtnl.ack(RTM_DELADDR, 0, &exact.delete_request(added.index)) {
                Err(e) if e.errno != EADDRNOTAVAIL && !is_no_device(&e) => {
                    Err(anyhow!("{}/{}: {e}", added.ip, added.prefix))
                }
                _ => Ok(()),
            }
        })
    }

    fn removed(&self) -> (usize, &'static str, &'static str) {
        (self.journal.removals(), "address", "addresses")
    }
}
