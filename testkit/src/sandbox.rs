//! A private lab for tests and `cargo xtask e2e`: a child process in its own
//! mount and network namespace (and user namespace when not root), with `/`
//! made private and a fresh tmpfs on `/run`. Whatever it creates — named
//! namespaces, veth pairs, mounts — vanishes with it, and the host's
//! `/run/netns` and interfaces are never touched.

use std::io;
use std::os::unix::process::CommandExt;
use std::process::{Command, Output};

use rustix::mount::{mount, mount_change, MountFlags, MountPropagationFlags};
use rustix::thread::UnshareFlags;

/// Makes `command` start inside a fresh sandbox.
pub fn isolate(command: &mut Command) -> &mut Command {
    let uid = rustix::process::geteuid().as_raw();
    let gid = rustix::process::getegid().as_raw();
    // Formatted before fork: the child may only make plain syscalls.
    let uid_map = format!("0 {uid} 1\n");
    let gid_map = format!("0 {gid} 1\n");
    let as_root = uid == 0;
    // SAFETY: the closure runs in the forked child and makes only syscalls
    // through rustix, with no allocation and no locks.
    unsafe { command.pre_exec(move || enter(as_root, &uid_map, &gid_map).map_err(io::Error::from)) }
}

fn enter(as_root: bool, uid_map: &str, gid_map: &str) -> rustix::io::Result<()> {
    let mut flags = UnshareFlags::NEWNS | UnshareFlags::NEWNET;
    if !as_root {
        flags |= UnshareFlags::NEWUSER;
    }
    // SAFETY: the child has one thread and shares no file table.
    unsafe { rustix::thread::unshare_unsafe(flags)? };
    if !as_root {
        write_proc("/proc/self/setgroups", "deny")?;
        write_proc("/proc/self/uid_map", uid_map)?;
        write_proc("/proc/self/gid_map", gid_map)?;
    }
    mount_change(
        "/",
        MountPropagationFlags::PRIVATE | MountPropagationFlags::REC,
    )?;
    mount("tmpfs", "/run", "tmpfs", MountFlags::empty(), c"mode=0755")?;
    Ok(())
}

fn write_proc(path: &str, text: &str) -> rustix::io::Result<()> {
    use rustix::fs::{Mode, OFlags};
    let fd = rustix::fs::open(path, OFlags::WRONLY | OFlags::CLOEXEC, Mode::empty())?;
    rustix::io::write(&fd, text.as_bytes())?;
    Ok(())
}

/// Whether a sandbox can be made here (root, or unprivileged user
/// namespaces allowed).
pub fn available() -> bool {
    isolate(&mut Command::new("/bin/true"))
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `script` with `/bin/sh -c` in a fresh sandbox, with `dirs` put in
/// front of `PATH`, and returns what it did.
pub fn shell(script: &str, dirs: &[&std::path::Path]) -> io::Result<Output> {
    let mut path = std::ffi::OsString::new();
    for dir in dirs {
        path.push(dir.as_os_str());
        path.push(":");
    }
    path.push(std::env::var_os("PATH").unwrap_or_else(|| "/usr/sbin:/usr/bin:/sbin:/bin".into()));
    isolate(
        Command::new("/bin/sh")
            .arg("-c")
            .arg(script)
            .env("PATH", path),
    )
    .output()
}

/// What a sandboxed script did, as text.
#[derive(Debug)]
pub struct Run {
    /// Exit status, or 128 + signal number as a shell reports it.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `script` in a fresh sandbox with the directory of
/// `binary` (a tool built by cargo, `env!("CARGO_BIN_EXE_…")`) first in PATH.
pub fn run(script: &str, binary: &str) -> Run {
    use std::os::unix::process::ExitStatusExt;
    let dir = std::path::Path::new(binary)
        .parent()
        .expect("a binary path has a directory");
    let output = shell(script, &[dir]).expect("cannot start /bin/sh in a sandbox");
    Run {
        code: output
            .status
            .code()
            .unwrap_or_else(|| 128 + output.status.signal().unwrap_or(0)),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
