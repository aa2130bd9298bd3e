//! A template must be younger than the caller's namespace: the kernel
//! refuses to bind a mount namespace into one whose id is not lower (a
//! reference loop otherwise). Namespace ids are handed out by each CPU
//! from batches of its own, so a namespace made on one CPU may get a lower
//! id than an older one made on another. Before a template is made, the
//! process moves to a CPU whose next id is past the caller's: it asks each
//! allowed CPU in turn, by making a UTS namespace there (cheap, and left at
//! once) and reading its id.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

use rustix::fs::{Mode, OFlags};
use rustix::thread::{CpuSet, LinkNameSpaceType, UnshareFlags};

/// `NS_GET_ID`: `_IOR(NSIO, 13, __u64)`, any kind of namespace.
pub fn id(fd: BorrowedFd<'_>) -> Option<u64> {
    const NS_GET_ID: libc::Ioctl = (2 << 30) | (8 << 16) | (0xb7 << 8) | 13;
    let mut id = 0u64;
    // SAFETY: the request writes one u64, which `id` is.
    let done = unsafe { libc::ioctl(fd.as_raw_fd(), NS_GET_ID, &mut id) };
    (done == 0).then_some(id)
}

/// Moves this thread to a CPU whose next namespace id is past `past`;
/// returns the CPUs it was allowed before, to put back after, or None
/// when no CPU will do (nothing changed then).
pub fn pin_past(past: u64) -> Option<CpuSet> {
    let allowed = rustix::thread::sched_getaffinity(None).ok()?;
    if next_id()? > past {
        return Some(allowed);
    }
    for cpu in (0..CpuSet::MAX_CPU).filter(|&c| allowed.is_set(c)) {
        let mut one = CpuSet::new();
        one.set(cpu);
        if rustix::thread::sched_setaffinity(None, &one).is_ok() && next_id()? > past {
            return Some(allowed);
        }
    }
    let _ = rustix::thread::sched_setaffinity(None, &allowed);
    None
}

/// The id a namespace made now, on this CPU, gets: a UTS namespace is made
/// and left again (the hostname is never touched).
fn next_id() -> Option<u64> {
    let flags = OFlags::RDONLY | OFlags::CLOEXEC;
    let ours = rustix::fs::open("/proc/thread-self/ns/uts", flags, Mode::empty()).ok()?;
    // SAFETY: nsexec is single-threaded and shares no file table.
    unsafe { rustix::thread::unshare_unsafe(UnshareFlags::NEWUTS) }.ok()?;
    let made = rustix::fs::open("/proc/thread-self/ns/uts", flags, Mode::empty());
    rustix::thread::move_into_link_name_space(
        ours.as_fd(),
        Some(LinkNameSpaceType::HostNameAndNISDomainName),
    )
    .ok()?;
    id(made.ok()?.as_fd())
}
