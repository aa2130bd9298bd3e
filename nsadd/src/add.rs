//! `nsadd NAME...`: each name becomes a file in `/run/netns` with a new
//! network namespace bind-mounted on it — all of them, or none: every name
//! is checked under the lock before the first is made, and a failure
//! removes those made before it.

use std::ffi::OsStr;

use anyhow::{anyhow, Result};
use nscore::cli::quote;
use nscore::netns;
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;
use rustix::mount::mount_bind;
use rustix::thread::UnshareFlags;

use crate::{delete, failed, run_dir, TOOL};

/// Creates every namespace, or reports why not and creates none.
pub fn add(names: &[String], exist_ok: bool) -> Result<bool> {
    let _lock = run_dir::prepare()?;
    // Each name that is taken is reported, and then nothing is made.
    if !crate::each_ok(names, |name| check(name, exist_ok)) {
        return Ok(false);
    }
    let mut made = Vec::new();
    for name in names {
        match add_one(name, exist_ok) {
            Ok(true) => made.push(name),
            Ok(false) => {}
            Err(e) => {
                TOOL.report(&e);
                undo(&made);
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// Fails when NAME is taken, unless by a namespace and `exist_ok`.
fn check(name: &str, exist_ok: bool) -> Result<()> {
    let path = netns::path_of(name)?;
    match rustix::fs::lstat(&path) {
        Err(Errno::NOENT) => Ok(()),
        Ok(_) => already_there(name, exist_ok),
        Err(e) => Err(failed(&quote(name), "cannot look up", e)),
    }
}

/// Makes one namespace; Ok(false) when it was there already (made by
/// someone else since the check) and that is fine. `/run/netns` must be
/// prepared and locked.
pub fn add_one(name: &str, exist_ok: bool) -> Result<bool> {
    let path = netns::path_of(name)?;
    let created = rustix::fs::open(
        &path,
        OFlags::RDONLY | OFlags::CREATE | OFlags::EXCL | OFlags::CLOEXEC,
        Mode::empty(),
    );
    match created {
        Ok(fd) => drop(fd),
        Err(Errno::EXIST) => return already_there(name, exist_ok).map(|()| false),
        Err(e) => return Err(failed(&quote(name), "cannot create", e)),
    }
    // From here on, any failure removes the file again.
    bind_new_namespace(&path).map_err(|(what, e)| {
        let _ = rustix::fs::unlink(&path);
        failed(&quote(name), what, e)
    })?;
    Ok(true)
}

/// Unshares a fresh network namespace and pins it on `path`.
fn bind_new_namespace(path: &std::path::Path) -> Result<(), (&'static str, Errno)> {
    // SAFETY: nsadd is single-threaded and shares no file table.
    unsafe { rustix::thread::unshare_unsafe(UnshareFlags::NEWNET) }
        .map_err(|e| ("cannot create network namespace", e))?;
    mount_bind("/proc/thread-self/ns/net", path).map_err(|e| ("cannot bind-mount namespace", e))
}

fn already_there(name: &str, exist_ok: bool) -> Result<()> {
    // `open` explains what else is there: a stale entry, a plain file.
    netns::open(name)?;
    if exist_ok {
        Ok(())
    } else {
        Err(anyhow!("{}: namespace already exists", quote(name)))
    }
}

/// Removes again the namespaces this run made, the last first.
fn undo(made: &[&String]) {
    for name in made.iter().rev() {
        if let Err(e) = delete::remove(OsStr::new(name.as_str()), false) {
            TOOL.report(&e);
        }
    }
}
