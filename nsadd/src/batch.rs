//! `nsadd --batch FILE`: lines of names to create (or, with `-d`, to
//! delete), under one lock on `/run/netns` held for the whole batch.
//! Undo removes what the batch created. Names to delete are checked at
//! their line and removed after the last one (or before a line that
//! creates): so a batch that fails removes nothing, unless a line that
//! creates came between, and one that deletes every entry (a lab's
//! teardown) does it at once (see `at_once`).

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::os::fd::OwnedFd;

use anyhow::{anyhow, Result};
use nscore::batch::{self, Journal};
use rustix::fs::FlockOperation;

use crate::options::Action;
use crate::{add, at_once, delete, run_dir};

#[derive(Default)]
pub struct Session {
    /// The exclusive lock on `/run/netns`, once a line needed it.
    lock: Option<OwnedFd>,
    /// `/run/netns` is a shared mount point, ready for adding.
    prepared: bool,
    /// The namespaces created, by name.
    journal: Journal<String>,
    /// The names checked for deleting and not yet removed.
    doomed: BTreeSet<String>,
}

impl Session {
    pub fn new() -> Result<Session> {
        Ok(Session::default())
    }

    /// Locks `/run/netns` (creating it and making it shared when `adding`),
    /// once for the batch.
    fn lock(&mut self, adding: bool) -> Result<()> {
        if adding && !self.prepared {
            match &self.lock {
                None => self.lock = Some(run_dir::prepare()?),
                Some(_) => run_dir::share()?,
            }
            self.prepared = true;
        } else if self.lock.is_none() {
            self.lock = run_dir::lock(FlockOperation::LockExclusive)?;
        }
        Ok(())
    }

    /// Removes the names checked for deleting: at once when they are every
    /// entry, else one by one (one gone meanwhile is gone).
    fn remove_doomed(&mut self) -> Result<()> {
        let doomed = std::mem::take(&mut self.doomed);
        if doomed.is_empty() {
            return Ok(());
        }
        if let Some(removed) = at_once::delete_if_every(&doomed)? {
            self.journal.removed(removed);
            return Ok(());
        }
        for name in &doomed {
            if delete::remove(OsStr::new(name), true)? {
                self.journal.removed(1);
            }
        }
        Ok(())
    }
}

impl batch::Session for Session {
    fn line(&mut self, argv: Vec<OsString>) -> Result<()> {
        match batch::request(argv)? {
            Action::Add { names, exist_ok } => {
                self.lock(true)?;
                // `-d a` then `a` makes a new a.
                self.remove_doomed()?;
                for name in names {
                    if add::add_one(&name, exist_ok)? {
                        self.journal.record(name);
                    }
                }
            }
            Action::Delete { names, force } => {
                self.lock(false)?;
                for name in &names {
                    // Named by an earlier line, it is as good as gone.
                    if !self.doomed.contains(name) {
                        delete::check(OsStr::new(name), force)?;
                    } else if !force {
                        return Err(delete::absent(OsStr::new(name)));
                    }
                }
                self.doomed.extend(names);
            }
            Action::DeleteAll => {
                self.lock(false)?;
                // Every entry goes, the doomed with them.
                self.doomed.clear();
                let mut first = None;
                let removed = delete::delete_all_locked(|e| {
                    first.get_or_insert(e);
                })?;
                self.journal.removed(removed);
                if let Some(e) = first {
                    return Err(e);
                }
            }
            Action::List { .. } => return Err(anyhow!("-l is not for a batch line")),
        }
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        self.remove_doomed()
    }

    fn undo(&mut self) -> Vec<anyhow::Error> {
        self.journal
            .undo(|name| delete::remove(OsStr::new(&name), true).map(drop))
    }

    fn removed(&self) -> (usize, &'static str, &'static str) {
        (self.journal.removals(), "namespace", "namespaces")
    }
}
