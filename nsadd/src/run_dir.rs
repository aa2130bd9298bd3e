//! `/run/netns` itself: created on first use and made a shared bind mount
//! of itself, so namespaces mounted in it from one mount namespace are seen
//! (and unmounted) in every other, as `ip netns add` arranges.
//!
//! Every nsadd action holds a flock on the directory while it works:
//! exclusive to create or delete, shared to list. So concurrent first calls
//! cannot stack mounts, and an entry that is not (yet) a namespace can be
//! told apart from one that another nsadd is still creating.

use std::os::fd::OwnedFd;

use anyhow::{anyhow, Result};
use nscore::cli::strerror;
use nscore::netns::RUN_DIR;

use crate::failed;
use rustix::fs::{flock, FlockOperation, Mode, OFlags};
use rustix::io::Errno;
use rustix::mount::{mount_bind_recursive, mount_change, MountPropagationFlags};

/// Makes sure `/run/netns` exists and is a shared mount point; returns the
/// exclusive lock, held until it is dropped.
pub fn prepare() -> Result<OwnedFd> {
    make()?;
    let dir = lock(FlockOperation::LockExclusive)?
        .ok_or_else(|| failed(RUN_DIR, "cannot open", Errno::NOENT))?;
    share()?;
    Ok(dir)
}

/// Creates `/run/netns` (and `/run`) when missing.
fn make() -> Result<()> {
    let mode = Mode::from_raw_mode(0o755);
    let mut made = rustix::fs::mkdir(RUN_DIR, mode);
    if made == Err(Errno::NOENT) {
        // A minimal system may have no /run at all yet.
        match rustix::fs::mkdir("/run", mode) {
            Ok(()) | Err(Errno::EXIST) => made = rustix::fs::mkdir(RUN_DIR, mode),
            Err(e) => {
                return Err(anyhow!(
                    "/run: cannot create: {}",
                    strerror(e.raw_os_error())
                ))
            }
        }
    }
    match made {
        Ok(()) | Err(Errno::EXIST) => Ok(()),
        Err(e) => Err(failed(RUN_DIR, "cannot create", e)),
    }
}

/// Makes the existing `/run/netns` a shared mount point; the caller holds
/// the exclusive lock.
pub fn share() -> Result<()> {
    // Not recursive once it is a mount point: a recursive change visits
    // every namespace mounted below, and would make each create cost more
    // than the last. Mounts made below a shared mount join its peer group.
    match mount_change(RUN_DIR, MountPropagationFlags::SHARED) {
        Ok(()) => {}
        // Not a mount point yet: make it one, then share it.
        Err(Errno::INVAL) => {
            mount_bind_recursive(RUN_DIR, RUN_DIR)
                .map_err(|e| failed(RUN_DIR, "cannot bind-mount", e))?;
            let shared = MountPropagationFlags::SHARED | MountPropagationFlags::REC;
            mount_change(RUN_DIR, shared).map_err(|e| failed(RUN_DIR, "cannot make shared", e))?;
        }
        Err(e) => return Err(failed(RUN_DIR, "cannot make shared", e)),
    }
    Ok(())
}

/// Locks `/run/netns` (`None` when it does not exist).
pub fn lock(operation: FlockOperation) -> Result<Option<OwnedFd>> {
    let dir = match rustix::fs::open(
        RUN_DIR,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    ) {
        Ok(dir) => dir,
        Err(Errno::NOENT) => return Ok(None),
        Err(e) => return Err(failed(RUN_DIR, "cannot open", e)),
    };
    flock(&dir, operation).map_err(|e| failed(RUN_DIR, "cannot lock", e))?;
    Ok(Some(dir))
}
