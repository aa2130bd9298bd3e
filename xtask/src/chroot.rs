//! `cargo xtask chroot [--multicall]`: the red/blue tutorial inside a chroot
//! that holds nothing but the static tools in `/bin` (or `nstools` and its
//! links) and empty `/proc`, `/sys`, `/run` and `/tmp` — no libc, no `/etc`,
//! no shell, no iproute2. It runs in a private sandbox, so the host's
//! namespaces and mounts are never touched.
//!
//! The outer xtask lays out the directory and starts itself again inside a
//! sandbox (`__chroot-lab DIR`); that copy, already loaded (it is linked
//! dynamically), mounts proc, sysfs and a tmpfs on `/run` inside DIR, chroots
//! into it and runs each step as a child process (`crate::pipeline`).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rustix::mount::{mount, mount_bind_recursive, MountFlags};

use crate::flags::{self, Args, Long, Subcommand};
use crate::tools::{Entry, Layout, MULTICALL};
use crate::{dist, paths, pipeline, reexec};

pub const COMMAND: Subcommand = Subcommand {
    name: "chroot",
    synopsis: "[--multicall]",
    about: "\
dist, then the red/blue tutorial in a sandboxed chroot holding only
the static tools (or nstools and its links) and empty /proc, /sys,
/run, /tmp: no libc, no /etc, no shell.",
    run: |args| check(parse(args)?),
    helpers: &[INSIDE],
};

/// The hidden subcommand that runs in the sandbox.
const INSIDE: Subcommand = Subcommand {
    name: "__chroot-lab",
    synopsis: "DIR",
    about: "\
the tutorial of chroot, chrooted into DIR, inside the sandbox chroot
made.",
    run: |args| {
        let dir = PathBuf::from(args.operand("DIR")?);
        args.end()?;
        inside(&dir)
    },
    helpers: &[],
};

fn parse(args: &mut Args) -> Result<Layout> {
    let mut layout = Layout::Separate;
    while let Some(arg) = args.next()? {
        match arg {
            Long("multicall") => layout = Layout::Multicall,
            arg => return Err(flags::unexpected(arg)),
        }
    }
    Ok(layout)
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
    for entry in layout.entries() {
        match entry {
            Entry::Binary(name) => copy(name).map(drop)?,
            Entry::Link(name) => std::os::unix::fs::symlink(MULTICALL, bin.join(name))
                .with_context(|| format!("{}", bin.join(name).display()))?,
        }
    }
    Ok(())
}

/// Starts this program again in a fresh sandbox to run the tutorial in
/// `dir`; SIGINT and SIGTERM are passed on to it.
pub fn run_inside(dir: &Path) -> Result<()> {
    let dir = fs::canonicalize(dir).with_context(|| format!("{}", dir.display()))?;
    let mut command = reexec::myself(INSIDE.name)?;
    command.arg(&dir);
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
        bail!(
            "{} runs only in the sandbox that `cargo xtask chroot` makes",
            INSIDE.name
        );
    }
    let safe = MountFlags::NOSUID | MountFlags::NODEV | MountFlags::NOEXEC;
    // The root of the chroot must be a mount point, as in a container or
    // the VM's rootfs: nsexec (like `ip netns exec`) makes `/` a slave
    // mount, which fails with EINVAL on a plain directory.
    mount_bind_recursive(dir, dir)
        .with_context(|| format!("binding {} onto itself", dir.display()))?;
    let proc = dir.join("proc");
    // A fresh proc needs a PID namespace of our own when in a user
    // namespace; the host's, bound in, shows the same /proc/self.
    if mount("proc", &proc, "proc", safe, None).is_err() {
        mount_bind_recursive("/proc", &proc)
            .with_context(|| format!("mounting proc on {}", proc.display()))?;
    }
    let sys = dir.join("sys");
    mount("sysfs", &sys, "sysfs", safe, None)
        .with_context(|| format!("mounting sysfs on {}", sys.display()))?;
    let run = dir.join("run");
    let tmpfs = MountFlags::NOSUID | MountFlags::NODEV;
    mount("tmpfs", &run, "tmpfs", tmpfs, c"mode=0755")
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
        for name in crate::tools::binaries() {
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
        let separate = [
            "bin/ipassign",
            "bin/linkup",
            "bin/nsadd",
            "bin/nsexec",
            "bin/nsping",
            "bin/vethpair",
        ];
        let multicall = [
            "bin/ipassign -> nstools",
            "bin/linkup -> nstools",
            "bin/nsadd -> nstools",
            "bin/nsexec -> nstools",
            "bin/nsping -> nstools",
            "bin/nstools",
            "bin/vethpair -> nstools",
        ];
        let layouts = [
            (Layout::Separate, &separate[..], "bin/nsping", "nsping"),
            (Layout::Multicall, &multicall[..], "bin/nsadd", "nstools"),
        ];
        for (layout, bin, file, contents) in layouts {
            let dir = scratch(&format!("{layout:?}"));
            let root = dir.join("root");
            fs::create_dir_all(root.join("etc")).unwrap(); // stale: must go
            make_root(&dir.join("dist"), &root, layout).unwrap();
            let mut expected = vec!["bin/"];
            expected.extend(bin);
            expected.extend(["proc/", "run/", "sys/", "tmp/"]);
            assert_eq!(tree(&root), expected);
            assert_eq!(fs::read(root.join(file)).unwrap(), contents.as_bytes());
            fs::remove_dir_all(&dir).unwrap();
        }
    }

    #[test]
    fn arguments_are_checked() {
        assert_eq!(flags::parse(parse, &[]).unwrap(), Layout::Separate);
        assert_eq!(
            flags::parse(parse, &["--multicall"]).unwrap(),
            Layout::Multicall
        );
        for bad in [&["--bogus"][..], &["--multicall", "x"], &["--inside"]] {
            let e = flags::parse(parse, bad).unwrap_err();
            assert!(e.is::<flags::Usage>(), "{bad:?}");
        }
        assert!(flags::parse(INSIDE.run, &[]).is_err());
    }
}
