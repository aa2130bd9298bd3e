//! The exec template: what keeps nsexec's cost flat however many
//! namespaces are mounted. A private mount namespace made with unshare is
//! a copy of the caller's, every mount in it, so with N namespaces under
//! `/run/netns` each command would cost N copies made and N torn down
//! (about 10 µs each). Instead, once per mount namespace of callers, a
//! template is made: a copy whose mounts follow the caller's (slaves of
//! them, as `ip netns exec` makes its own), with `/run/netns` replaced by
//! an empty directory, kept as `/run/nstools/exec.ID.MOUNTS`. Each command
//! then gets a copy of the template: the caller's mounts, as they are
//! now, but no namespaces in `/run/netns` (`--all-mounts` copies those
//! too, as `ip netns exec` does).
//!
//! It is used only where it is right and pays: when the caller has many
//! mounts, all of them shared (so that the template sees what is mounted
//! after it was made, as on a systemd host), and is not chrooted. A
//! template that has grown (a new `/run/netns` mount reached it) is made
//! again. Anything unexpected falls back to the plain copy.

mod ids;
mod table;

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::CWD;
use rustix::fs::{flock, FlockOperation, Mode, OFlags};
use rustix::io::Errno;
use rustix::mount::{
    mount, mount_bind, mount_change, move_mount, open_tree, unmount, MountFlags,
    MountPropagationFlags, MoveMountFlags, OpenTreeFlags, UnmountFlags,
};
use rustix::thread::{LinkNameSpaceType, UnshareFlags};

use nscore::netns::RUN_DIR;

/// Where templates are kept, one a caller mount namespace.
const DIR: &str = "/run/nstools";
/// Below this many mounts a plain copy is cheap: no template.
const WORTH: u32 = 256;
/// A template this many mounts bigger than it was made is made again.
const GROWN: u32 = 64;

/// `struct mnt_ns_info` of `NS_MNT_GET_INFO`.
#[repr(C)]
#[derive(Default)]
struct MntNsInfo {
    size: u32,
    nr_mounts: u32,
    mnt_ns_id: u64,
}

/// The id and number of mounts of the mount namespace `fd`.
fn info(fd: BorrowedFd<'_>) -> Option<(u64, u32)> {
    // _IOR(NSIO, 10, struct mnt_ns_info), Linux 6.12.
    const NS_MNT_GET_INFO: libc::Ioctl = (2 << 30) | (16 << 16) | (0xb7 << 8) | 10;
    let mut info = MntNsInfo {
        size: 16,
        ..MntNsInfo::default()
    };
    // SAFETY: the request writes one struct mnt_ns_info, which `info` is.
    let done = unsafe { libc::ioctl(fd.as_raw_fd(), NS_MNT_GET_INFO, &mut info) };
    (done == 0).then_some((info.mnt_ns_id, info.nr_mounts))
}

/// Where the process is before it moves: its mount namespace, root and
/// working directory, to come back to them exactly.
struct Here {
    mnt: OwnedFd,
    root: OwnedFd,
    cwd: OwnedFd,
}

impl Here {
    fn open() -> Option<Here> {
        let path = OFlags::PATH | OFlags::CLOEXEC;
        Some(Here {
            mnt: rustix::fs::open(
                "/proc/thread-self/ns/mnt",
                OFlags::RDONLY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .ok()?,
            root: rustix::fs::open("/", path | OFlags::DIRECTORY, Mode::empty()).ok()?,
            cwd: rustix::fs::open(".", path | OFlags::DIRECTORY, Mode::empty()).ok()?,
        })
    }

    /// Back into the caller's mount namespace, root and directory. A
    /// failure here would leave the process elsewhere than it was: it ends.
    fn back(&self) {
        let restored = enter(self.mnt.as_fd())
            .and_then(|()| rustix::process::fchdir(&self.root))
            .and_then(|()| rustix::process::chroot("."))
            .and_then(|()| rustix::process::fchdir(&self.cwd));
        if let Err(e) = restored {
            crate::TOOL.warn(format_args!(
                "cannot return to the caller's mount namespace: {}",
                nscore::cli::strerror(e.raw_os_error())
            ));
            std::process::exit(125);
        }
    }

    /// Whether `/` now is the directory the caller's root was.
    fn same_root(&self) -> bool {
        match (rustix::fs::fstat(&self.root), rustix::fs::stat("/")) {
            (Ok(a), Ok(b)) => (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino),
            _ => false,
        }
    }
}

fn enter(fd: BorrowedFd<'_>) -> rustix::io::Result<()> {
    rustix::thread::move_into_link_name_space(fd, Some(LinkNameSpaceType::Mount))
}

/// Moves the process into a private mount namespace copied from the
/// template of its own (made first when there is none); false when that
/// is not possible or not worth it, and nothing was changed.
pub fn enter_copy() -> bool {
    let Some(here) = Here::open() else {
        return false;
    };
    let Some((id, mounts)) = info(here.mnt.as_fd()) else {
        return false;
    };
    if mounts < WORTH {
        return false;
    }
    let Some(template) = find(id).or_else(|| make(&here, id)) else {
        return false;
    };
    let cwd = std::env::current_dir().ok();
    if enter(template.as_fd()).is_err() {
        return false;
    }
    if !here.same_root() {
        // A chrooted caller: a template shows the whole tree.
        here.back();
        return false;
    }
    // SAFETY: nsexec is single-threaded and shares no file table.
    if unsafe { rustix::thread::unshare_unsafe(UnshareFlags::NEWNS) }.is_err() {
        here.back();
        return false;
    }
    // The template's mounts are slaves of the caller's: so are these.
    match cwd {
        Some(cwd) if rustix::process::chdir(&cwd).is_ok() => {}
        _ => {
            let _ = rustix::process::fchdir(&here.cwd);
        }
    }
    true
}

/// The template made for mount namespace `id`, when there is one that
/// has not grown.
fn find(id: u64) -> Option<OwnedFd> {
    let (name, made_with) = listed(id)?;
    let path = format!("{DIR}/{name}");
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK;
    let fd = rustix::fs::open(&path, flags, Mode::empty()).ok()?;
    let (_, now) = info(fd.as_fd())?;
    (now <= made_with + GROWN).then_some(fd)
}

/// The entry `exec.ID.MOUNTS` of `DIR` for mount namespace `id`, and the
/// mounts its template had when made.
fn listed(id: u64) -> Option<(String, u32)> {
    let dir = rustix::fs::open(
        DIR,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ok()?;
    let prefix = format!("exec.{id}.");
    for entry in rustix::fs::Dir::read_from(&dir).ok()?.flatten() {
        let name = entry.file_name().to_str().ok()?;
        if let Some(mounts) = name.strip_prefix(&prefix) {
            return Some((name.to_string(), mounts.parse().ok()?));
        }
    }
    None
}

/// Makes the template of the caller's mount namespace `id` (under a lock,
/// so that two first calls make one), and keeps it in `DIR`.
fn make(here: &Here, id: u64) -> Option<OwnedFd> {
    let dir = prepare_dir()?;
    flock(&dir, FlockOperation::LockExclusive).ok()?;
    if let Some(made) = find(id) {
        return Some(made); // another nsexec made it meanwhile
    }
    let table = table::read(DIR)?;
    if !table.all_shared || !table.run_mounted {
        return None;
    }
    // Copies of `/run` alone and of each mount on it but the namespaces,
    // taken here, where they are.
    let clone = |path: &Path, flags| {
        let flags = OpenTreeFlags::OPEN_TREE_CLONE | OpenTreeFlags::OPEN_TREE_CLOEXEC | flags;
        open_tree(CWD, path, flags).ok()
    };
    let run = clone(Path::new("/run"), OpenTreeFlags::empty())?;
    let mut on_run = Vec::new();
    for path in table.on_run {
        on_run.push((clone(&path, OpenTreeFlags::AT_RECURSIVE)?, path));
    }
    let allowed = ids::pin_past(id)?;
    // SAFETY: nsexec is single-threaded and shares no file table.
    let made = unsafe { rustix::thread::unshare_unsafe(UnshareFlags::NEWNS) };
    let _ = rustix::thread::sched_setaffinity(None, &allowed);
    made.ok()?;
    let template = shape(run, on_run).and_then(|()| {
        rustix::fs::open(
            "/proc/thread-self/ns/mnt",
            OFlags::RDONLY | OFlags::CLOEXEC,
            Mode::empty(),
        )
    });
    here.back();
    let template = template.ok()?;
    let (_, mounts) = info(template.as_fd())?;
    keep(&template, id, mounts).ok()?;
    Some(template)
}

/// In the new copy of the caller's mounts: each one follows the caller's
/// (a slave of it); `/run` is put back without the namespaces mounted on
/// it (one unmount for all, then the copies taken before); and an empty
/// directory covers `/run/netns`.
fn shape(run: OwnedFd, on_run: Vec<(OwnedFd, PathBuf)>) -> rustix::io::Result<()> {
    let follow = MountPropagationFlags::DOWNSTREAM;
    let attach = |fd: &OwnedFd, path: &Path| {
        move_mount(fd, "", CWD, path, MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH)
    };
    mount_change("/", follow | MountPropagationFlags::REC)?;
    unmount("/run", UnmountFlags::DETACH)?;
    attach(&run, Path::new("/run"))?;
    mount_change("/run", follow)?;
    for (fd, path) in &on_run {
        attach(fd, path)?;
        mount_change(path, follow | MountPropagationFlags::REC)?;
    }
    let empty = MountFlags::NOSUID | MountFlags::NODEV | MountFlags::NOEXEC;
    match mount(c"tmpfs", RUN_DIR, c"tmpfs", empty, c"mode=0755,size=16k") {
        Ok(()) | Err(Errno::NOENT) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Binds the template on `DIR/exec.ID.MOUNTS`, replacing older ones.
fn keep(template: &OwnedFd, id: u64, mounts: u32) -> rustix::io::Result<()> {
    if let Some((old, _)) = listed(id) {
        let old = format!("{DIR}/{old}");
        let _ = unmount(old.as_str(), UnmountFlags::DETACH | UnmountFlags::NOFOLLOW);
        let _ = rustix::fs::unlink(old.as_str());
    }
    let path = format!("{DIR}/exec.{id}.{mounts}");
    drop(rustix::fs::open(
        &path,
        OFlags::RDONLY | OFlags::CREATE | OFlags::CLOEXEC,
        Mode::empty(),
    )?);
    let source = format!("/proc/self/fd/{}", template.as_raw_fd());
    mount_bind(source.as_str(), path.as_str()).inspect_err(|_| {
        let _ = rustix::fs::unlink(path.as_str());
    })
}

/// `DIR`, a private mount of its own: the templates bound in it stay in
/// this mount namespace (and go with it), reaching no other.
fn prepare_dir() -> Option<OwnedFd> {
    match rustix::fs::mkdir(DIR, Mode::from_raw_mode(0o755)) {
        Ok(()) | Err(Errno::EXIST) => {}
        Err(_) => return None,
    }
    let dir = rustix::fs::open(
        DIR,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .ok()?;
    flock(&dir, FlockOperation::LockExclusive).ok()?;
    if mount_change(DIR, MountPropagationFlags::PRIVATE) == Err(Errno::INVAL) {
        mount_bind(DIR, DIR).ok()?;
        mount_change(DIR, MountPropagationFlags::PRIVATE).ok()?;
    }
    flock(&dir, FlockOperation::Unlock).ok()?;
    Some(dir)
}
