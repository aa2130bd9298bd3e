//! `cargo xtask e2e`: the red/blue tutorial with the built binaries, each
//! command printed before it runs (as `sh -x`), each step checked (with
//! iproute2 where installed), torn down on failure.
//!
//! The lab runs in a child process (the hidden subcommand of `lab.rs`):
//! inside a fresh sandbox by default, where everything it made vanishes
//! with it; on the real host with `--host`, where this process stays behind
//! to tear the lab down if the child fails or is interrupted.

mod across;
mod checks;
mod lab;

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use testkit::sandbox;

use crate::tools::Layout;
use crate::{dist, emulate};
use crate::flags::{self, usage, Args, Long, Subcommand};
use crate::reexec::{self, Interrupted};
use lab::Lab;

pub const COMMAND: Subcommand = Subcommand {
    name: "e2e",
    synopsis: "[--host] [--keep] [--two-hosts] [--target TRIPLE] [--multicall | --bin DIR]",
    about: "\
dist, then the red/blue tutorial with the built binaries, every step
printed and checked, torn down at the end or on failure. Runs in a
private sandbox (no root needed) unless --host: on this host, as
root; --keep leaves the lab up there. --two-hosts: the tutorial
across two machines (README), red on machine A and blue on B, the
machines two namespaces of the sandbox on one underlay veth.
--multicall runs it through links to nstools. --target TRIPLE
builds for that target (dist --target); aarch64 runs under qemu-user.
--bin DIR uses the tools installed in DIR instead of building them.",
    run: |args| run(&parse(args)?),
    helpers: &[lab::COMMAND],
};

/// The namespaces the tutorial makes.
const NAMESPACES: [&str; 2] = ["red", "blue"];

#[derive(Debug, Default)]
pub struct Options {
    pub host: bool,
    pub keep: bool,
    pub multicall: bool,
    /// The tutorial across two machines, in the sandbox.
    pub two_hosts: bool,
    /// Tools already installed here: no build, e.g. a copy in a VM.
    pub bin: Option<PathBuf>,
    /// Build for this target (run under qemu-user when not this machine's).
    pub target: Option<&'static str>,
}

fn parse(args: &mut Args) -> Result<Options> {
    let mut options = Options::default();
    while let Some(arg) = args.next()? {
        match arg {
            Long("host") => options.host = true,
            Long("keep") => options.keep = true,
            Long("multicall") => options.multicall = true,
            Long("two-hosts") => options.two_hosts = true,
            Long("bin") => options.bin = Some(args.path("a directory")?),
            Long("target") => {
                options.target = Some(args.choice(&dist::TARGETS.map(|t| (t, t)))?)
            }
            arg => return Err(flags::unexpected(arg)),
        }
    }
    if options.keep && !options.host {
        return Err(usage(
            "--keep needs --host: the sandbox vanishes when e2e ends",
        ));
    }
    if options.two_hosts && options.host {
        return Err(usage(
            "--two-hosts runs in the sandbox, whose namespaces play the two machines",
        ));
    }
    if options.bin.is_some() && (options.multicall || options.target.is_some()) {
        return Err(usage(
            "--bin takes the tools as they are there; --multicall and --target build them",
        ));
    }
    Ok(options)
}

pub fn run(options: &Options) -> Result<()> {
    if options.host {
        if !reexec::is_root() {
            bail!("--host needs root (or run without --host: the sandbox needs no root)");
        }
        let there = lab_namespaces();
        if !there.is_empty() {
            let (noun, verb) = match there.len() {
                1 => ("namespace", "exists"),
                _ => ("namespaces", "exist"),
            };
            bail!(
                "--host: {noun} {} already {verb}; not touching it (remove: ip netns del {})",
                there.join(" and "),
                there.join("; ip netns del ")
            );
        }
    } else if !sandbox::available() {
        bail!(
            "cannot make a sandbox here: needs root or unprivileged user namespaces \
             (sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu \
             kernel.apparmor_restrict_unprivileged_userns=0); or run as root with --host"
        );
    }
    let bin = match &options.bin {
        Some(dir) => dir.clone(),
        None => built(options)?,
    };
    println!(
        "e2e: the red/blue tutorial{} {}, with {} in {}",
        if options.two_hosts {
            " across two machines (namespaces host-a and host-b)"
        } else {
            ""
        },
        if options.host {
            "on this host"
        } else {
            "in a private sandbox (own network and mount namespaces, tmpfs on /run)"
        },
        if options.multicall {
            "links to the multi-call binary"
        } else {
            "the single binaries"
        },
        bin.display()
    );
    let mut child = reexec::myself(lab::COMMAND.name)?;
    child.arg(&bin);
    if options.keep {
        child.arg("--keep");
    }
    if options.two_hosts {
        child.arg("--two-hosts");
    }
    if options.host {
        child.arg("--host");
    } else {
        sandbox::isolate(child.arg("--sandboxed"));
    }
    let _ = std::io::stdout().flush();
    let ended = reexec::run(child)?;
    // The lab tears down what it made when a step fails; here only what a
    // lab ended by a signal left (none was there before it, checked above).
    let by_signal = ended.signal.is_some() || ended.status.code().is_none();
    if options.host && by_signal && !lab_namespaces().is_empty() {
        Lab::new(bin.clone()).teardown(&[]);
    }
    if let Some(status) = ended.interrupted_status() {
        if !options.host || lab_namespaces().is_empty() {
            eprintln!("e2e: interrupted; the lab is gone");
        } else {
            eprintln!("e2e: interrupted; the lab could not be removed (see above)");
        }
        return Err(Interrupted(status).into());
    }
    if !ended.status.success() {
        bail!("e2e failed ({})", ended.status);
    }
    if options.keep {
        let nsadd = bin.join("nsadd");
        println!("e2e: the lab is up (--keep). Look around:");
        println!("  ip netns list; ip -n red addr show veth-red");
        println!("  {} -n blue -c 1 10.0.0.1", bin.join("nsping").display());
        println!("Remove it with:");
        println!(
            "  {} -d red blue    (or: ip netns del red; ip netns del blue)",
            nsadd.display()
        );
    }
    Ok(())
}

/// A lab namespace as it is now: its name and its file's identity (device
/// and inode: for a namespace, the namespace's own).
pub type Identity = (&'static str, (u64, u64));

/// The identity of each lab namespace there now.
fn identities() -> Vec<Identity> {
    use std::os::unix::fs::MetadataExt;
    NAMESPACES
        .into_iter()
        .filter_map(|ns| {
            let file = Path::new(nscore::netns::RUN_DIR).join(ns);
            std::fs::metadata(file).ok().map(|m| (ns, (m.dev(), m.ino())))
        })
        .collect()
}

/// dist for the target asked for, in the layout asked for: for another
/// architecture, scripts that run the binaries under qemu-user.
fn built(options: &Options) -> Result<PathBuf> {
    let dist = dist::run(&dist::Options {
        target: options.target,
        ..dist::Options::default()
    })?;
    let layout = match options.multicall {
        true => Layout::Multicall,
        false => Layout::Separate,
    };
    if emulate::needed(&dist.target) {
        let dir = emulate::wrapped(&dist, layout)?;
        println!(
            "e2e: {} runs under qemu-user: {}",
            dist.target.triple,
            dir.display()
        );
        return Ok(dir);
    }
    Ok(match layout {
        Layout::Multicall => {
            let dir = dist.dir.join("multicall");
            dist::install_links(&dist, &dir)?;
            dir
        }
        Layout::Separate => dist.dir.clone(),
    })
}

/// Which of the lab's namespaces exist in `/run/netns`.
fn lab_namespaces() -> Vec<&'static str> {
    NAMESPACES
        .into_iter()
        .filter(|ns| {
            Path::new(nscore::netns::RUN_DIR)
                .join(ns)
                .symlink_metadata()
                .is_ok()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        let o = flags::parse(parse, &[]).unwrap();
        assert!(!o.host && !o.keep && !o.multicall && o.bin.is_none());
        let o = flags::parse(parse, &["--host", "--keep", "--multicall"]).unwrap();
        assert!(o.host && o.keep && o.multicall);
        let o = flags::parse(parse, &["--two-hosts", "--multicall"]).unwrap();
        assert!(o.two_hosts && o.multicall && !o.host);
        let o = flags::parse(parse, &["--bin", "/usr/local/bin"]).unwrap();
        assert_eq!(o.bin.as_deref(), Some(Path::new("/usr/local/bin")));
        let o = flags::parse(parse, &["--target", dist::AARCH64, "--multicall"]).unwrap();
        assert_eq!(o.target, Some(dist::AARCH64));
        for bad in [
            &["--bin"][..],
            &["--bin", "x", "--multicall"],
            &["--bin", "x", "--target", dist::AARCH64],
            &["--target", "mips"],
            &["--keep"],
            &["--hots"],
            &["--two-hosts", "--host"],
        ] {
            let e = flags::parse(parse, bad).unwrap_err();
            assert!(e.is::<flags::Usage>(), "{bad:?}");
        }
    }
}
