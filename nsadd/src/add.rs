//! `nsadd NAME...`: each name becomes a file in `/run/netns` with a new
//! network namespace bind-mounted on it — or nothing at all.

use anyhow::{anyhow, Result};
use nscore::cli::quote;
use nscore::netns;
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;
use rustix::mount::mount_bind;
use rustix::thread::UnshareFlags;

use crate::{failed, run_dir, TOOL};

/// Creates each namespace, reporting each failure; true if all succeeded.
pub fn add(names: &[String], exist_ok: bool) -> bool {
    let _lock = match run_dir::prepare() {
        Ok(lock) => lock,
        Err(e) => {
            TOOL.report(&e);
            return false;
        }
    };
    let mut all_ok = true;
    for name in names {
        if let Err(e) = add_one(name, exist_ok) {
            TOOL.report(&e);
            all_ok = false;
        }
    }
    all_ok
}

fn add_one(name: &str, exist_ok: bool) -> Result<()> {
    let path = netns::path_of(name)?;
    let created = rustix::fs::open(
        &path,
        OFlags::RDONLY | OFlags::CREATE | OFlags::EXCL | OFlags::CLOEXEC,
        Mode::empty(),
    );
    match created {
        Ok(fd) => drop(fd),
        Err(Errno::EXIST) => return already_there(name, exist_ok),
        Err(e) => return Err(failed(&quote(name), "cannot create", e)),
    }
    // From here on, any failure removes the file again.
    bind_new_namespace(&path).map_err(|(what, e)| {
        let _ = rustix::fs::unlink(&path);
        failed(&quote(name), what, e)
    })
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
