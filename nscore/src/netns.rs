//! Named network namespaces: `NS` on the command line is a name under
//! `/run/netns` (as `ip netns` keeps them) or a path such as
//! `/proc/PID/ns/net` (anything with a `/`, as iproute2 decides).

use std::fmt;
use std::os::fd::{AsFd, OwnedFd};
use std::path::PathBuf;

use anyhow::{anyhow, Context};
use rustix::io::Errno;
use rustix::thread::LinkNameSpaceType;

use crate::cli::{quote, reason, strerror};
use crate::entry;

/// Where named namespaces live, as iproute2 keeps them.
pub const RUN_DIR: &str = "/run/netns";

/// `statfs` magic of nsfs, the filesystem of namespace files.
const NSFS_MAGIC: u64 = 0x6e73_6673;

/// How a namespace was named on the command line, for error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Where<'a>(pub Option<&'a str>);

impl fmt::Display for Where<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(ns) => write!(f, " in namespace {:?}", ns),
            None => Ok(()),
        }
    }
}

/// The file behind `NS`: `/run/netns/NAME` for a name (checked as a name),
/// the path itself when it holds a `/`.
pub fn path_of(spec: &str) -> anyhow::Result<PathBuf> {
    if spec.contains('/') {
        return Ok(PathBuf::from(spec));
    }
    crate::names::netns_name(spec)?;
    Ok(PathBuf::from(format!("{RUN_DIR}/{spec}")))
}

/// True when the open file is a namespace (its filesystem is nsfs).
pub fn is_nsfs(fd: impl AsFd) -> bool {
    rustix::fs::fstatfs(fd).is_ok_and(|s| s.f_type as u64 == NSFS_MAGIC)
}

/// Opens `NS` and makes sure it is a live network namespace, not a stale
/// plain file left in `/run/netns` or a namespace of another kind. A FIFO
/// or device in its place is opened without blocking, and refused.
pub fn open(spec: &str) -> anyhow::Result<OwnedFd> {
    let path = path_of(spec)?;
    let named = !spec.contains('/');
    // A named entry may be a namespace that `ip netns add` is making.
    let opened = if named {
        entry::open(&path)
    } else {
        entry::open_file(&path)
    };
    let fd = opened.map_err(|e| match e {
        Errno::NOENT => anyhow!("{}: no such network namespace", quote(spec)),
        e => anyhow!(
            "{}: cannot open namespace: {}",
            quote(spec),
            strerror(e.raw_os_error())
        ),
    })?;
    if !is_nsfs(&fd) {
        if named {
            return Err(anyhow!(entry::stale(spec)));
        }
        return Err(anyhow!("{}: not a namespace", quote(spec)));
    }
    match namespace_type(&fd) {
        Ok(t) if t != LinkNameSpaceType::Network as i32 => {
            Err(anyhow!("{}: not a network namespace", quote(spec)))
        }
        _ => Ok(fd),
    }
}

/// Moves this thread into `NS`. Call it before any socket is opened: a
/// socket belongs to the namespace it was created in.
pub fn enter(spec: &str) -> anyhow::Result<()> {
    let fd = open(spec)?;
    enter_fd(&fd).with_context(|| format!("{}: cannot enter namespace", quote(spec)))
}

/// `setns` into an open network namespace.
pub fn enter_fd(fd: impl AsFd) -> anyhow::Result<()> {
    rustix::thread::move_into_link_name_space(fd.as_fd(), Some(LinkNameSpaceType::Network))
        .map_err(|e| anyhow!(reason(e.raw_os_error(), "CAP_SYS_ADMIN")))
}

/// `ioctl(NS_GET_NSTYPE)`: the CLONE_NEW* kind of a namespace file.
fn namespace_type(fd: impl AsFd) -> rustix::io::Result<i32> {
    struct NsGetNsType;
    // SAFETY: NS_GET_NSTYPE takes no argument and returns the type as the
    // ioctl's result.
    unsafe impl rustix::ioctl::Ioctl for NsGetNsType {
        type Output = i32;
        const IS_MUTATING: bool = false;
        fn opcode(&self) -> rustix::ioctl::Opcode {
            rustix::ioctl::opcode::none(0xb7, 0x3)
        }
        fn as_ptr(&mut self) -> *mut core::ffi::c_void {
            core::ptr::null_mut()
        }
        unsafe fn output_from_ptr(
            out: rustix::ioctl::IoctlOutput,
            _: *mut core::ffi::c_void,
        ) -> rustix::io::Result<i32> {
            Ok(out)
        }
    }
    // SAFETY: the opcode and the (absent) argument match the kernel's ABI.
    unsafe { rustix::ioctl::ioctl(fd, NsGetNsType) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_live_under_run_netns_and_paths_are_paths() {
        assert_eq!(path_of("red").unwrap(), PathBuf::from("/run/netns/red"));
        assert_eq!(
            path_of("/proc/1/ns/net").unwrap(),
            PathBuf::from("/proc/1/ns/net")
        );
        assert!(path_of("..").is_err());
        assert!(path_of("").is_err());
    }

    #[test]
    fn our_own_namespace_is_a_network_namespace() {
        let fd = open("/proc/self/ns/net").unwrap();
        assert!(is_nsfs(&fd));
        assert_eq!(
            namespace_type(&fd).unwrap(),
            LinkNameSpaceType::Network as i32
        );
    }

    #[test]
    fn other_kinds_and_plain_files_are_refused() {
        let e = open("/proc/self/ns/uts").unwrap_err().to_string();
        assert_eq!(e, "/proc/self/ns/uts: not a network namespace");
        let e = open("/etc/hostname").unwrap_err().to_string();
        assert_eq!(e, "/etc/hostname: not a namespace");
        let e = open("/nonexistent/ns").unwrap_err().to_string();
        assert_eq!(e, "/nonexistent/ns: no such network namespace");
    }

    #[test]
    fn where_names_the_namespace() {
        assert_eq!(Where(Some("red")).to_string(), " in namespace \"red\"");
        assert_eq!(Where(None).to_string(), "");
    }
}
