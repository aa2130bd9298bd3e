//! `nsadd -d --all`, all namespaces at once. Unmounting them one by one
//! costs the kernel a wait for an RCU grace period each (10,000 take
//! seconds); a lazy unmount of `/run/netns` itself takes every mount below
//! it in one pass and one wait. That is only right when `/run/netns` is
//! what `ip netns add` and nsadd make of it, a bind mount of the directory
//! on itself, holding nothing but namespace entries: then the entries are
//! removed from the directory beneath and `/run/netns` is made a shared
//! bind mount of itself again, as before. The unmount spreads to every
//! mount namespace that shares `/run/netns`, as each one by one would.
//!
//! `nsadd -d NAME...` and a batch of `-d` lines take this way too when
//! their names are every entry there: a lab's teardown usually is.

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::path::Path;

use anyhow::Result;
use nscore::entry;
use nscore::netns::RUN_DIR;
use rustix::fs::{FileType, Mode, OFlags};
use rustix::io::Errno;
use rustix::mount::{unmount, UnmountFlags};

use crate::{failed, run_dir};

/// Deletes every entry of `/run/netns` (which is locked) at once when
/// `given` names each of them (and more than one: for one, the unmount
/// alone costs less); how many went, or None when it is not done that way
/// (then nothing was changed). An entry `ip` makes between the listing
/// and the unmount, an instant, would lose its mount: as with `--all`.
pub fn delete_if_every(given: &BTreeSet<String>) -> Result<Option<usize>> {
    // One name (`nsadd -d red`) never is: no reading of the directory.
    if given.len() < 2 {
        return Ok(None);
    }
    let names = entry::names()?;
    if names.len() < 2
        || !names
            .iter()
            .all(|name| name.to_str().is_some_and(|name| given.contains(name)))
    {
        return Ok(None);
    }
    delete_all(&names)
}

/// Deletes every entry of `names` (all of `/run/netns`, which is locked)
/// at once; how many went, or None when it cannot be done that way (then
/// nothing was changed).
pub fn delete_all(names: &[OsString]) -> Result<Option<usize>> {
    if names.is_empty() {
        return Ok(None);
    }
    for name in names {
        let path = entry::path(name);
        // One `ip netns add` is still making goes whole, mount and all.
        entry::wait_while_being_made(&path);
        match rustix::fs::lstat(&path) {
            // A directory is not ours, nor what may be mounted inside it.
            Ok(stat) if FileType::from_raw_mode(stat.st_mode) == FileType::Directory => {
                return Ok(None)
            }
            Ok(_) | Err(Errno::NOENT) => {}
            Err(_) => return Ok(None),
        }
    }
    // The bind of itself, once; twice when two first calls raced (as an
    // unlocked `ip` can): each is taken in turn.
    let mut unmounted = false;
    while is_bound_on_itself() {
        match unmount(RUN_DIR, UnmountFlags::DETACH | UnmountFlags::NOFOLLOW) {
            Ok(()) => unmounted = true,
            Err(Errno::INVAL) => break, // not a mount point
            Err(e) => return Err(failed(RUN_DIR, "cannot unmount", e)),
        }
    }
    if !unmounted {
        return Ok(None);
    }
    // What is in the directory now, namespaces added meanwhile included:
    // their mounts went too.
    let mut removed = 0;
    for name in entry::names()? {
        let path = entry::path(&name);
        match rustix::fs::lstat(&path) {
            Ok(stat) if FileType::from_raw_mode(stat.st_mode) == FileType::Directory => {}
            Ok(_) => match rustix::fs::unlink(&path) {
                Ok(()) => removed += 1,
                Err(Errno::NOENT) => {}
                Err(e) => return Err(failed(&name.to_string_lossy(), "cannot remove", e)),
            },
            Err(_) => {}
        }
    }
    run_dir::share()?;
    Ok(Some(removed))
}

/// Whether `/run/netns` shows its own directory, on the filesystem of its
/// parent: a bind mount of itself (or no mount at all, which the unmount
/// then tells).
fn is_bound_on_itself() -> bool {
    let dir = Path::new(RUN_DIR);
    let parent = dir.parent().unwrap_or(Path::new("/"));
    let (Ok(seen), Ok(above)) = (rustix::fs::stat(dir), rustix::fs::stat(parent)) else {
        return false;
    };
    seen.st_dev == above.st_dev && underlying_inode(parent, dir) == Some(seen.st_ino)
}

/// The inode of `dir`'s entry in `parent` as the directory lists it: the
/// one beneath any mount on it.
fn underlying_inode(parent: &Path, dir: &Path) -> Option<u64> {
    let name = dir.file_name()?.as_encoded_bytes();
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let fd = rustix::fs::open(parent, flags, Mode::empty()).ok()?;
    let entries = rustix::fs::Dir::read_from(&fd).ok()?;
    entries
        .flatten()
        .find(|e| e.file_name().to_bytes() == name)
        .map(|e| e.ino())
}
