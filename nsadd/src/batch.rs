//! `nsadd --batch FILE`: lines of names to create (or, with `-d`, to
//! delete), under one lock on `/run/netns` held for the whole batch.
//! Undo removes what the batch created; what it deleted stays deleted.

use std::ffi::{OsStr, OsString};
use std::os::fd::OwnedFd;

use anyhow::{anyhow, Result};
use nscore::batch::{self, Journal};
use rustix::fs::FlockOperation;

use crate::options::Action;
use crate::{add, delete, run_dir};

#[derive(Default)]
pub struct Session {
    /// The exclusive lock on `/run/netns`, once a line needed it.
    lock: Option<OwnedFd>,
    /// `/run/netns` is a shared mount point, ready for adding.
    prepared: bool,
    /// The namespaces created, by name.
    journal: Journal<String>,
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
}

impl batch::Session for Session {
    fn line(&mut self, argv: Vec<OsString>) -> Result<()> {
        match batch::request(argv)? {
            Action::Add { names, exist_ok } => {
                self.lock(true)?;
                for name in names {
                    if add::add_one(&name, exist_ok)? {
                        self.journal.record(name);
                    }
                }
            }
            Action::Delete { names, force } => {
                self.lock(false)?;
                for name in &names {
                    delete::check(OsStr::new(name), force)?;
                }
                for name in names {
                    if delete::remove(OsStr::new(&name), force)? {
                        self.journal.removed(1);
                    }
                }
            }
            Action::DeleteAll => {
                self.lock(false)?;
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

    fn undo(&mut self) -> Vec<anyhow::Error> {
        self.journal
            .undo(|name| delete::remove(OsStr::new(&name), true).map(drop))
    }

    fn removed(&self) -> (usize, &'static str, &'static str) {
        (self.journal.removals(), "namespace", "namespaces")
    }
}
