//! `linkup --batch FILE`: one invocation a line, each on the socket kept
//! for its namespace; each device's state is read first, so that undo can
//! put back exactly what changed (and one already in that state is left
//! alone). With `--wait`, every line is applied first and then the batch
//! waits once, namespace by namespace: a veth only gets its carrier once
//! its peer is up, which a later line may do.

use std::ffi::OsString;
use std::rc::Rc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use nscore::batch::{self, Journal, Sockets};
use nscore::cli::quote;
use nscore::link::{self, is_no_device};
use nscore::netns::{self, Where};
use nscore::rtnl::Rtnl;

use crate::options::{Action, Request};
use crate::set::{change, failure};
use crate::wait::{self, Watch};

/// A device whose state the batch changed, and the state it had. Small:
/// a batch may change 50,000; undo names one by asking the kernel.
struct Changed {
    netns: Option<Rc<str>>,
    index: u32,
    was_up: bool,
}

pub struct Session {
    sockets: Sockets,
    journal: Journal<Changed>,
    /// The devices to wait for, a line's at a time, in the order of lines.
    waits: Vec<(Option<Rc<str>>, Vec<String>)>,
    /// The longest `--wait` a line asked for.
    limit: Option<Duration>,
    /// The namespace of the line before, shared by consecutive lines.
    last_ns: Option<Rc<str>>,
}

impl Session {
    pub fn new() -> Result<Session> {
        Ok(Session {
            sockets: Sockets::new()?,
            journal: Journal::default(),
            waits: Vec::new(),
            limit: None,
            last_ns: None,
        })
    }

    fn shared(&mut self, ns: Option<String>) -> Option<Rc<str>> {
        let ns = ns?;
        match &self.last_ns {
            Some(last) if **last == *ns => {}
            _ => self.last_ns = Some(ns.into()),
        }
        self.last_ns.clone()
    }

    fn set(&mut self, request: Request) -> Result<()> {
        let ns = self.shared(request.netns);
        let where_ = Where(ns.as_deref());
        let rtnl = &mut self.sockets.get(ns.as_deref())?.rtnl;
        for device in &request.devices {
            let link = link::resolve(rtnl, device, where_)?;
            if link.is_up() == request.up {
                continue;
            }
            change(rtnl, link.index, None, request.up)
                .map_err(|e| failure(device, request.up, where_, e))?;
            self.journal.record(Changed {
                netns: ns.clone(),
                index: link.index,
                was_up: link.is_up(),
            });
        }
        if let Some(limit) = request.wait {
            self.limit = self.limit.max(Some(limit));
            self.waits.push((ns, request.devices));
        }
        Ok(())
    }

    /// Waits for the devices of one namespace; `deadline` is the batch's.
    fn wait_in(
        &mut self,
        ns: Option<&str>,
        devices: &[String],
        deadline: (Option<Instant>, Duration),
    ) -> Result<()> {
        let netns = self.sockets.get(ns)?;
        let mut waiting = wait::targets(&mut netns.rtnl, devices, Where(ns))?;
        if waiting.is_empty() {
            return Ok(());
        }
        // The event socket belongs to the namespace it is opened in; it
        // hears the peers' namespaces through their ids there. Opened
        // before the states are read again, it misses no change after.
        netns::enter_fd(&netns.fd)
            .with_context(|| format!("{}: cannot enter namespace", quote(ns.unwrap_or(""))))?;
        let mut watch = Watch::open()?;
        wait::refresh(&mut netns.rtnl, &mut waiting, Where(ns))?;
        wait::wait_for(&mut netns.rtnl, &mut watch, waiting, deadline, Where(ns))
    }
}

impl batch::Session for Session {
    fn line(&mut self, argv: Vec<OsString>) -> Result<()> {
        match batch::request(argv)? {
            Action::Set(request) => self.set(request),
            Action::List(_) => Err(anyhow!("-l is not for a batch line")),
        }
    }

    fn finish(&mut self) -> Result<()> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        let deadline = (Instant::now().checked_add(limit), limit);
        // Namespace by namespace, as lines named them: a namespace named
        // again later is looked at again, and then found running.
        let waits = std::mem::take(&mut self.waits);
        for group in waits.chunk_by(|a, b| a.0 == b.0) {
            let devices: Vec<String> = group.iter().flat_map(|(_, d)| d.clone()).collect();
            self.wait_in(group[0].0.as_deref(), &devices, deadline)?;
        }
        Ok(())
    }

    fn undo(&mut self) -> Vec<anyhow::Error> {
        let sockets = &mut self.sockets;
        self.journal.undo(|changed| {
            let rtnl = &mut sockets.get(changed.netns.as_deref())?.rtnl;
            match change(rtnl, changed.index, None, changed.was_up) {
                Err(e) if !is_no_device(&e) => {
                    Err(anyhow!("{}: {e}", name_of(rtnl, changed.index)))
                }
                _ => Ok(()),
            }
        })
    }
}

/// The name of interface `index`, as the kernel has it now (for a message).
fn name_of(rtnl: &mut Rtnl, index: u32) -> String {
    match link::query(rtnl, &link::by_index(index, None)) {
        Ok(Some(link)) => quote(&link.name_lossy()),
        _ => format!("interface index {index}"),
    }
}
