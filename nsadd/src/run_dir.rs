//! `/run/netns` itself: created on first use and made a shared bind mount
//! of itself, so namespaces mounted in it from one mount namespace are seen
//! (and unmounted) in every other, as `ip netns add` arranges.

use anyhow::{anyhow, Result};
use nscore::cli::strerror;
use nscore::netns::RUN_DIR;
use rustix::fs::{flock, FlockOperation, Mode, OFlags};
use rustix::io::Errno;
use rustix::mount::{mount_bind_recursive, mount_change, MountPropagationFlags};

/// Makes sure `/run/netns` exists and is a shared mount point. The check
/// and the first bind mount happen under an exclusive flock on the
/// directory, so concurrent first calls cannot stack mounts.
pub fn prepare() -> Result<()> {
    match rustix::fs::mkdir(RUN_DIR, Mode::from_raw_mode(0o755)) {
        Ok(()) | Err(Errno::EXIST) => {}
        Err(e) => return Err(failed("cannot create", e)),
    }
    let dir = rustix::fs::open(
        RUN_DIR,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(|e| failed("cannot open", e))?;
    flock(&dir, FlockOperation::LockExclusive).map_err(|e| failed("cannot lock", e))?;
    let shared = MountPropagationFlags::SHARED | MountPropagationFlags::REC;
    match mount_change(RUN_DIR, shared) {
        Ok(()) => Ok(()),
        // Not a mount point yet: make it one, then share it.
        Err(Errno::INVAL) => {
            mount_bind_recursive(RUN_DIR, RUN_DIR).map_err(|e| failed("cannot bind-mount", e))?;
            mount_change(RUN_DIR, shared).map_err(|e| failed("cannot make shared", e))
        }
        Err(e) => Err(failed("cannot make shared", e)),
    }
    // The lock goes with `dir`.
}

fn failed(what: &str, e: Errno) -> anyhow::Error {
    let mut why = strerror(e.raw_os_error());
    if matches!(e, Errno::PERM | Errno::ACCESS) {
        why.push_str(" (needs root or CAP_SYS_ADMIN)");
    }
    anyhow!("{RUN_DIR}: {what}: {why}")
}
