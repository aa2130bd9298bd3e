//! `cargo xtask chroot [--multicall]`: the red/blue tutorial inside a chroot
//! that holds nothing but the static tools in `/bin` (or `nstools` and its
//! links) and empty `/proc`, `/sys`, `/run` and `/tmp` — no libc, no `/etc`,
//! no shell, no iproute2. It runs in a private sandbox, so the host's
//! namespaces and mounts are never touched.
//!
//! The outer xtask lays out the directory and starts itself again inside a
//! sandbox (`chroot --inside DIR`); that copy, already loaded (it is linked
//! dynamically), mounts proc, sysfs and a tmpfs on `/run` inside DIR, chroots
//! into it and runs each step as a child process (`crate::pipeline`).

use std::ffi::{CString, OsString};
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::dist::{self, MULTICALL};
use crate::{paths, pipeline, reexec};

const USAGE: &str = "usage: cargo xtask chroot [--multicall]";
/// The hidden form that runs in the sandbox: `chroot --inside DIR`.
const INSIDE: &str = "--inside";

/// Which binaries go into `/bin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One static binary per tool.
    Separate,
    /// `nstools` and a symbolic link to it for every tool.
    Multicall,
}

impl Layout {
    pub fn describe(self) -> &'static str {
        match self {
            Layout::Separate => "the single tools",
            Layout::Multicall => "nstools and its links",
        }
    }
}

pub fn run(args: &[OsString]) -> Result<()> {
    let args: Vec<&str> = args
        .iter()
        .map(|a| {
            a.to_str()
                .with_context(|| format!("{a:?}: not UTF-8; {USAGE}"))
        })
        .collect::<Result<_>>()?;
    match args[..] {
        [] => check(Layout::Separate),
        ["--multicall"] => check(Layout::Multicall),
        [INSIDE, dir] => inside(Path::new(dir)),
        ["-h" | "--help"] => {
            println!("{USAGE}");
            Ok(())
        }
        _ => bail!("{USAGE}"),
    }
}

/// The whole check: dist, the directory, the sandboxed run.
pub fn check(layout: Layout) -> Result<()> {
    let dist = dist::run(&dist::Options::default())?;
    let dir = root_dir(layout);
    make_root(&dist.dir, &dir, layout)?;
    println!(
        "chroot: {} with {} only; running the tutorial inside",
        dir.display(),
        layout.describe()
    );
    run_inside(&dir).with_context(|| format!("chroot check with {}", layout.describe()))?;
    println!(
        "chroot: ok: red and blue answered with {}",
        layout.describe()
    );
    Ok(())
}

/// Makes `dir` hold only `/bin` with the tools from `dist` and the empty
/// mount points. Whatever was there before is removed first.
pub fn make_root(dist: &Path, dir: &Path, layout: Layout) -> Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).with_context(|| format!("{}", bin.display()))?;
    for empty in ["proc", "sys", "run", "tmp"] {
        fs::create_dir(dir.join(empty))
            .with_context(|| format!("{}", dir.join(empty).display()))?;
    }
    let copy = |name: &str| {
        fs::copy(dist.join(name), bin.join(name)).with_context(|| {
            format!(
                "copying {} into {}",
                dist.join(name).display(),
                bin.display()
            )
        })
    };
    match layout {
        Layout::Separate => {
            for tool in pipeline::TOOLS {
                copy(tool)?;
            }
        }
        Layout::Multicall => {
            copy(MULTICALL)?;
            for tool in pipeline::TOOLS {
                std::os::unix::fs::symlink(MULTICALL, bin.join(tool))
                    .with_context(|| format!("{}", bin.join(tool).display()))?;
            }
        }
    }
    Ok(())
}

/// Starts this program again in a fresh sandbox to run the tutorial in
/// `dir`; SIGINT and SIGTERM are passed on to it.
fn run_inside(dir: &Path) -> Result<()> {
    let dir = fs::canonicalize(dir).with_context(|| format!("{}", dir.display()))?;
    let mut command = reexec::myself("chroot")?;
    command.arg(INSIDE).arg(&dir);
    testkit::sandbox::isolate(&mut command);
    let ended = reexec::run(command)
        .context("starting a sandbox (needs root or unprivileged user namespaces)")?;
    if let Some(status) = ended.interrupted_status() {
        bail!("interrupted (exit status {status}); the sandbox is gone with everything in it");
    }
    if !ended.status.success() {
        bail!("the run inside the chroot failed ({})", ended.status);
    }
    Ok(())
}

/// In the sandbox: mount, chroot, run the steps.
fn inside(dir: &Path) -> Result<()> {
    // Never on the host: the mounts below would stay behind there.
    if shares_namespaces_with_parent() {
        bail!("chroot {INSIDE} runs only in the sandbox that `cargo xtask chroot` makes");
    }
    const NOSUID: u64 = 2; // MS_NOSUID
    const NODEV: u64 = 4; // MS_NODEV
    const NOEXEC: u64 = 8; // MS_NOEXEC
    const BIND: u64 = 4096; // MS_BIND
    const REC: u64 = 16384; // MS_REC
    let safe = NOSUID | NODEV | NOEXEC;
    // The root of the chroot must be a mount point, as in a container or
    // the VM's rootfs: nsexec (like `ip netns exec`) makes `/` a slave
    // mount, which fails with EINVAL on a plain directory.
    mount(&dir.to_string_lossy(), dir, "", BIND | REC, "")
        .with_context(|| format!("binding {} onto itself", dir.display()))?;
    let proc = dir.join("proc");
    // A fresh proc needs a PID namespace of our own when in a user
    // namespace; the host's, bound in, shows the same /proc/self.
    if mount("proc", &proc, "proc", safe, "").is_err() {
        mount("/proc", &proc, "", BIND | REC, "")
            .with_context(|| format!("mounting proc on {}", proc.display()))?;
    }
    let sys = dir.join("sys");
    mount("sysfs", &sys, "sysfs", safe, "")
        .with_context(|| format!("mounting sysfs on {}", sys.display()))?;
    let run = dir.join("run");
    mount("tmpfs", &run, "tmpfs", NOSUID | NODEV, "mode=0755")
        .with_context(|| format!("mounting a tmpfs on {}", run.display()))?;
    std::os::unix::fs::chroot(dir).with_context(|| format!("chroot {}", dir.display()))?;
    std::env::set_current_dir("/").context("chdir / in the chroot")?;
    let pings = pipeline::run(pipeline::STEPS)?;
    println!("chroot: pings:");
    for ping in pings {
        println!("  {ping}");
    }
    Ok(())
}

/// Whether this process is in its parent's mount or network namespace,
/// i.e. not in the sandbox its parent made. (From inside a sandbox with a
/// user namespace the parent's entries cannot be read: that means apart.)
fn shares_namespaces_with_parent() -> bool {
    let parent = std::os::unix::process::parent_id();
    ["mnt", "net"].iter().any(|ns| {
        let mine = fs::read_link(format!("/proc/self/ns/{ns}"));
        let theirs = fs::read_link(format!("/proc/{parent}/ns/{ns}"));
        matches!((mine, theirs), (Ok(a), Ok(b)) if a == b)
    })
}

/// mount(2), through the C library this program is linked with (xtask may
/// depend only on anyhow and nscore).
fn mount(source: &str, target: &Path, fstype: &str, flags: u64, data: &str) -> Result<()> {
    extern "C" {
        fn mount(
            source: *const std::ffi::c_char,
            target: *const std::ffi::c_char,
            fstype: *const std::ffi::c_char,
            flags: std::ffi::c_ulong,
            data: *const std::ffi::c_void,
        ) -> std::ffi::c_int;
    }
    let c = |s: &[u8]| CString::new(s).context("a path with a NUL byte");
    let source = c(source.as_bytes())?;
    let target_c = c(target.as_os_str().as_bytes())?;
    let fstype = c(fstype.as_bytes())?;
    let data = c(data.as_bytes())?;
    // SAFETY: every pointer is a NUL-terminated string that outlives the call.
    let rc = unsafe {
        mount(
            source.as_ptr(),
            target_c.as_ptr(),
            fstype.as_ptr(),
            flags as std::ffi::c_ulong,
            data.as_ptr().cast(),
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error().into());
    }
    Ok(())
}

/// Where the check lays out its root directory.
pub fn root_dir(layout: Layout) -> PathBuf {
    paths::target_dir().join("chroot").join(match layout {
        Layout::Separate => "single",
        Layout::Multicall => "multicall",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(test: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-chroot-{}-{test}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        let dist = dir.join("dist");
        fs::create_dir_all(&dist).unwrap();
        for name in pipeline::TOOLS.iter().chain([&MULTICALL]) {
            fs::write(dist.join(name), name.as_bytes()).unwrap();
        }
        dir
    }

    /// Every entry under `dir`, relative, sorted, with symlink targets.
    fn tree(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        let mut todo = vec![dir.to_path_buf()];
        while let Some(d) = todo.pop() {
            for entry in fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                let rel = path.strip_prefix(dir).unwrap().display().to_string();
                let meta = fs::symlink_metadata(&path).unwrap();
                if meta.is_dir() {
                    out.push(format!("{rel}/"));
                    todo.push(path);
                } else if meta.file_type().is_symlink() {
                    out.push(format!(
                        "{rel} -> {}",
                        fs::read_link(&path).unwrap().display()
                    ));
                } else {
                    out.push(rel);
                }
            }
        }
        out.sort();
        out
    }

    #[test]
    fn the_root_holds_only_the_tools_and_mount_points() {
        let dir = scratch("single");
        let root = dir.join("root");
        fs::create_dir_all(root.join("etc")).unwrap(); // stale: must go
        make_root(&dir.join("dist"), &root, Layout::Separate).unwrap();
        assert_eq!(
            tree(&root),
            [
                "bin/",
                "bin/ipassign",
                "bin/linkup",
                "bin/nsadd",
                "bin/nsexec",
                "bin/nsping",
                "bin/vethpair",
                "proc/",
                "run/",
                "sys/",
                "tmp/"
            ]
        );
        assert_eq!(fs::read(root.join("bin/nsping")).unwrap(), b"nsping");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_multicall_root_holds_nstools_and_links() {
        let dir = scratch("multi");
        let root = dir.join("root");
        make_root(&dir.join("dist"), &root, Layout::Multicall).unwrap();
        assert_eq!(
            tree(&root),
            [
                "bin/",
                "bin/ipassign -> nstools",
                "bin/linkup -> nstools",
                "bin/nsadd -> nstools",
                "bin/nsexec -> nstools",
                "bin/nsping -> nstools",
                "bin/nstools",
                "bin/vethpair -> nstools",
                "proc/",
                "run/",
                "sys/",
                "tmp/"
            ]
        );
        assert_eq!(fs::read(root.join("bin/nsadd")).unwrap(), b"nstools");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_pipeline_calls_every_tool_dist_builds() {
        assert_eq!(pipeline::TOOLS, dist::TOOLS);
    }

    #[test]
    fn arguments_are_checked() {
        assert!(run(&["--bogus".into()]).is_err());
        assert!(run(&["--multicall".into(), "x".into()]).is_err());
        assert!(run(&[INSIDE.into()]).is_err());
    }
}
