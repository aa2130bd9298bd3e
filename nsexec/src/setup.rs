//! What `ip netns exec` sets up before it runs the command: the network
//! namespace, a private mount namespace that cannot leak mounts back, a
//! sysfs that describes the namespace, and `/etc/netns/NAME` overlays.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use anyhow::{anyhow, Result};
use nscore::cli::{quote, reason, strerror};
use nscore::netns;
use rustix::fs::StatVfsMountFlags;
use rustix::mount::{
    mount, mount_bind, mount_change, unmount, MountFlags, MountPropagationFlags, UnmountFlags,
};
use rustix::thread::UnshareFlags;

use crate::TOOL;

/// Moves this process into NS with a private view of `/sys` and `/etc`:
/// a copy of the exec template (see `template`), or with `all_mounts`, or
/// where there is none, of the caller's whole mount table.
pub fn enter(spec: &str, all_mounts: bool) -> Result<()> {
    netns::enter(spec)?;
    if all_mounts || !crate::template::enter_copy() {
        // SAFETY: nsexec is single-threaded and shares no file table.
        unsafe { rustix::thread::unshare_unsafe(UnshareFlags::NEWNS) }
            .map_err(|e| anyhow!("cannot create a mount namespace: {}", privileged(e)))?;
    }
    // Our mounts below must not propagate back to the caller's namespace.
    mount_change(
        "/",
        MountPropagationFlags::DOWNSTREAM | MountPropagationFlags::REC,
    )
    .map_err(|e| anyhow!("cannot make / a slave mount: {}", privileged(e)))?;
    if let Err(e) = remount_sys(spec) {
        TOOL.warn(format_args!(
            "warning: /sys still shows the previous namespace: {}",
            strerror(e.raw_os_error())
        ));
    }
    // Only a named namespace has /etc/netns/NAME files.
    if !spec.contains('/') {
        bind_etc(spec);
    }
    Ok(())
}

/// A fresh sysfs on `/sys`, read-only if the old one was.
fn remount_sys(spec: &str) -> rustix::io::Result<()> {
    let mut flags = MountFlags::empty();
    if rustix::fs::statvfs("/sys").is_ok_and(|s| s.f_flag.contains(StatVfsMountFlags::RDONLY)) {
        flags |= MountFlags::RDONLY;
    }
    // Nothing mounted there is fine too.
    let _ = unmount("/sys", UnmountFlags::DETACH);
    let source = if spec.contains('/') { "sysfs" } else { spec };
    mount(source, "/sys", "sysfs", flags, None)
}

/// Bind-mounts each `/etc/netns/NAME/FILE` over `/etc/FILE`, as iproute2
/// does; a file that cannot be bound is reported, and the rest go on.
fn bind_etc(name: &str) {
    let dir = format!("/etc/netns/{name}");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let target = [OsStr::new("/etc/").as_bytes(), file.as_bytes()].concat();
        let target = OsStr::from_bytes(&target);
        if let Err(e) = mount_bind(entry.path().as_path(), target) {
            TOOL.warn(format_args!(
                "warning: cannot bind {} over {}: {}",
                quote(&entry.path().to_string_lossy()),
                quote(&target.to_string_lossy()),
                strerror(e.raw_os_error())
            ));
        }
    }
}

fn privileged(e: rustix::io::Errno) -> String {
    reason(e.raw_os_error(), "CAP_SYS_ADMIN")
}
