//! `nsadd -d NAME...` and `nsadd -d --all`: detach the namespace's mount and
//! remove its file, as `ip netns del` does; a stale file goes too.

use std::ffi::OsStr;

use anyhow::{anyhow, Result};
use nscore::cli::quote_os;
use rustix::io::Errno;
use rustix::mount::{unmount, UnmountFlags};

use crate::{failed, TOOL};

/// Deletes each named namespace, reporting each failure.
pub fn delete(names: &[String], force: bool) -> bool {
    let _lock = crate::run_dir::lock(rustix::fs::FlockOperation::LockExclusive);
    let mut all_ok = true;
    for name in names {
        if let Err(e) = delete_one(OsStr::new(name), force) {
            TOOL.report(&e);
            all_ok = false;
        }
    }
    all_ok
}

/// Deletes every entry of `/run/netns`; none at all is success.
pub fn delete_all() -> bool {
    let _lock = crate::run_dir::lock(rustix::fs::FlockOperation::LockExclusive);
    let names = match crate::list::entries() {
        Ok(names) => names,
        Err(e) => {
            TOOL.report(&e);
            return false;
        }
    };
    let mut all_ok = true;
    for name in names {
        // Gone meanwhile (another nsadd -d) is fine.
        if let Err(e) = delete_one(&name, true) {
            TOOL.report(&e);
            all_ok = false;
        }
    }
    all_ok
}

fn delete_one(name: &OsStr, force: bool) -> Result<()> {
    let path = crate::list::entry_path(name);
    let path = path.as_path();
    let shown = quote_os(&name.to_os_string());
    match unmount(path, UnmountFlags::DETACH) {
        // EINVAL: not a mount point — a stale entry, removed below.
        Ok(()) | Err(Errno::INVAL) => {}
        Err(Errno::NOENT) if force => return Ok(()),
        Err(Errno::NOENT) => return Err(anyhow!("{shown}: no such network namespace")),
        Err(e) => return Err(failed(&shown, "cannot unmount", e)),
    }
    match rustix::fs::unlink(path) {
        Ok(()) => Ok(()),
        Err(Errno::NOENT) if force => Ok(()),
        Err(Errno::NOENT) => Err(anyhow!("{shown}: no such network namespace")),
        Err(e) => Err(failed(&shown, "cannot remove", e)),
    }
}
