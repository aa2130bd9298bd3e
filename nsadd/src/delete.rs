//! `nsadd -d NAME...` and `nsadd -d --all`: detach the namespace's mount and
//! remove its file, as `ip netns del` does; a stale file goes too. Every
//! name is checked before any is removed. Unlike `ip`, nothing is followed:
//! a symlink in `/run/netns` is removed as a link, never the mount it
//! points at unmounted. Names that are every entry there go at once (see
//! `at_once`).

use std::collections::BTreeSet;
use std::ffi::OsStr;

use anyhow::{anyhow, Result};
use nscore::cli::quote_os;
use nscore::entry;
use rustix::fs::{FileType, FlockOperation};
use rustix::io::Errno;
use rustix::mount::{unmount, UnmountFlags};

use crate::{failed, run_dir, TOOL};

/// Deletes the named namespaces, or none when one of them cannot be.
pub fn delete(names: &[String], force: bool) -> Result<bool> {
    let _lock = run_dir::lock(FlockOperation::LockExclusive)?;
    let check = |name: &String| check(OsStr::new(name), force);
    if !crate::each_ok(names, check) {
        return Ok(false);
    }
    let given: BTreeSet<String> = names.iter().cloned().collect();
    if crate::at_once::delete_if_every(&given)?.is_some() {
        return Ok(true);
    }
    let remove = |name: &String| remove(OsStr::new(name), force).map(drop);
    Ok(crate::each_ok(names, remove))
}

/// Deletes every namespace and stale entry of `/run/netns`; none at all is
/// success. A directory there is not ours: it is reported and left.
pub fn delete_all() -> Result<bool> {
    let _lock = run_dir::lock(FlockOperation::LockExclusive)?;
    let mut all_ok = true;
    delete_all_locked(|e| {
        TOOL.report(&e);
        all_ok = false;
    })?;
    Ok(all_ok)
}

/// Deletes every entry, `/run/netns` being locked; hands each failure to
/// `failed` and goes on. Returns how many were removed.
pub fn delete_all_locked(mut failed: impl FnMut(anyhow::Error)) -> Result<usize> {
    let names = entry::names()?;
    if let Some(removed) = crate::at_once::delete_all(&names)? {
        return Ok(removed);
    }
    let mut removed = 0;
    for name in names {
        // Gone meanwhile (another nsadd -d) is fine.
        match check(&name, true).and_then(|()| remove(&name, true)) {
            Ok(gone) => removed += usize::from(gone),
            Err(e) => failed(e),
        }
    }
    Ok(removed)
}

/// Whether NAME can be removed: there (unless `force`), and not a
/// directory, which `nsadd -d` would not remove.
pub fn check(name: &OsStr, force: bool) -> Result<()> {
    let shown = quote_os(&name.to_os_string());
    match rustix::fs::lstat(entry::path(name)) {
        Ok(stat) if FileType::from_raw_mode(stat.st_mode) == FileType::Directory => {
            Err(anyhow!(entry::stale(&name.to_string_lossy())))
        }
        Ok(_) => Ok(()),
        Err(Errno::NOENT) if force => Ok(()),
        Err(Errno::NOENT) => Err(absent(name)),
        Err(e) => Err(failed(&shown, "cannot look up", e)),
    }
}

/// Unmounts and removes the entry NAME itself, never what a symlink there
/// points at; `Ok(false)` when it was not there and `force` makes that fine.
pub fn remove(name: &OsStr, force: bool) -> Result<bool> {
    let path = entry::path(name);
    let path = path.as_path();
    let shown = quote_os(&name.to_os_string());
    // A namespace `ip netns add` is still making goes whole, mount and all.
    entry::wait_while_being_made(path);
    match unmount(path, UnmountFlags::DETACH | UnmountFlags::NOFOLLOW) {
        // EINVAL: not a mount point (a stale entry, a symlink): removed below.
        Ok(()) | Err(Errno::INVAL) => {}
        Err(Errno::NOENT) if force => return Ok(false),
        Err(Errno::NOENT) => return Err(absent(name)),
        Err(e) => return Err(failed(&shown, "cannot unmount", e)),
    }
    match rustix::fs::unlink(path) {
        Ok(()) => Ok(true),
        Err(Errno::NOENT) if force => Ok(false),
        Err(Errno::NOENT) => Err(absent(name)),
        Err(e) => Err(failed(&shown, "cannot remove", e)),
    }
}

/// The error for NAME not being there.
pub fn absent(name: &OsStr) -> anyhow::Error {
    anyhow!(
        "{}: no such network namespace",
        quote_os(&name.to_os_string())
    )
}
