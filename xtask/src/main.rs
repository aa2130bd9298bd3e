//! `cargo xtask`: the project's chores, in Rust (see `cargo xtask --help`).

mod bench;
mod chroot;
mod ci;
mod dist;
mod e2e;
mod elf;
mod examples;
mod fuzz;
mod paths;
mod pipeline;
mod reexec;
mod vm;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Result};

const HELP: &str = "\
Usage: cargo xtask COMMAND [OPTION]...

Commands:
  dist [--links DIR] [--crt-static] [--check-size]
        static release builds of every tool and of the multi-call binary
        (nstools) for x86_64-unknown-linux-musl into target/dist; checks
        they are static and prints their sizes. --links DIR puts nstools and
        a link to it for every tool in DIR. --crt-static builds static glibc
        binaries instead of musl ones. --check-size fails when a binary is
        over its goal (512 KiB a tool, 768 KiB nstools).
  e2e [--host] [--keep] [--multicall | --bin DIR]
        dist, then the red/blue tutorial with the built binaries, every step
        printed and checked, torn down at the end or on failure. Runs in a
        private sandbox (no root needed) unless --host: on this host, as
        root; --keep leaves the lab up there. --multicall runs it through
        links to nstools. --bin DIR uses the tools installed in DIR instead
        of building them.
  examples
        dist, then examples/redblue.mk and examples/redblue.sh in a sandbox.
  bench [--runs N]
        dist, then our tools against iproute2, iputils and busybox in a
        sandbox, N runs (default 100) per single command; writes the table
        to docs/benchmarks.md.
  chroot [--multicall]
        dist, then the red/blue tutorial in a sandboxed chroot holding only
        the static tools (or nstools and its links) and empty /proc, /sys,
        /run, /tmp: no libc, no /etc, no shell.
  vm [--multicall] [--accel auto|kvm|tcg] [--timeout SECONDS]
        dist, then boots Debian's kernel under qemu with an initramfs of
        only the tools, the veth module and a small static /init that runs
        the tutorial; reports the pings. Installs qemu and fetches the
        kernel package with apt-get the first time (kept in target/vm).
  fuzz [--seconds N]
        every cargo-fuzz target in fuzz/ for N seconds (default 60) on the
        nightly toolchain; installs cargo-fuzz if missing.
  ci    what CI runs: fmt --check, clippy -D warnings, test,
        dist --check-size, e2e, e2e --multicall, examples, chroot,
        chroot --multicall, vm --accel tcg, fuzz --seconds 15.
";

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(command) = args.next() else {
        eprint!("{HELP}");
        return ExitCode::from(2);
    };
    let rest: Vec<OsString> = args.collect();
    let result = match command.to_str() {
        Some("dist") => dist_options(&rest).and_then(|o| dist::run(&o).map(drop)),
        Some("e2e") => e2e_options(&rest).and_then(|o| e2e::run(&o)),
        Some("examples") => no_options("examples", &rest).and_then(|()| examples::run()),
        Some("bench") => bench_options(&rest).and_then(|o| bench::run(&o)),
        Some(bench::LAB) => bench::lab(&rest),
        Some("fuzz") => count_option("fuzz", "--seconds", &rest)
            .and_then(|seconds| fuzz::run(seconds.unwrap_or(60))),
        Some("ci") => no_options("ci", &rest).and_then(|()| ci::run()),
        Some("chroot") => chroot::run(&rest),
        Some("vm") => vm::run(&rest),
        Some(e2e::LAB) => e2e::lab(&rest),
        Some("-h" | "--help" | "help") => {
            print!("{HELP}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!(
                "xtask: unknown command {} (try 'cargo xtask --help')",
                command.to_string_lossy()
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<Usage>() => {
            eprintln!("xtask: {error} (try 'cargo xtask --help')");
            ExitCode::from(2)
        }
        Err(error) => {
            eprintln!("xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// A mistake on the command line.
#[derive(Debug)]
struct Usage(String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

fn usage(message: String) -> anyhow::Error {
    Usage(message).into()
}

fn no_options(command: &str, args: &[OsString]) -> Result<()> {
    match args.first() {
        None => Ok(()),
        Some(arg) => Err(usage(format!(
            "{command}: unexpected argument {}",
            arg.to_string_lossy()
        ))),
    }
}

/// `[FLAG N]`: the one optional positive number a command takes.
fn count_option(command: &str, flag: &str, args: &[OsString]) -> Result<Option<u64>> {
    match args {
        [] => Ok(None),
        [f, n] if f.to_str() == Some(flag) => match n.to_str().and_then(|n| n.parse().ok()) {
            Some(count) if count > 0 => Ok(Some(count)),
            _ => Err(usage(format!(
                "{command}: {flag} needs a positive number, not {}",
                n.to_string_lossy()
            ))),
        },
        _ => Err(usage(format!(
            "{command}: unexpected argument {}",
            args[0].to_string_lossy()
        ))),
    }
}

fn bench_options(args: &[OsString]) -> Result<bench::Options> {
    let mut options = bench::Options::default();
    if let Some(runs) = count_option("bench", "--runs", args)? {
        options.runs = runs as usize;
    }
    Ok(options)
}

fn dist_options(args: &[OsString]) -> Result<dist::Options> {
    let mut options = dist::Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--links") => match args.next() {
                Some(dir) if !dir.is_empty() => options.links = Some(PathBuf::from(dir)),
                _ => return Err(usage("dist: --links needs a directory".into())),
            },
            Some(a) if a.starts_with("--links=") && a.len() > "--links=".len() => {
                options.links = Some(PathBuf::from(&a["--links=".len()..]));
            }
            Some("--crt-static") => options.crt_static = true,
            Some("--check-size") => options.check_size = true,
            _ => {
                return Err(usage(format!(
                    "dist: unexpected argument {}",
                    arg.to_string_lossy()
                )))
            }
        }
    }
    Ok(options)
}

fn e2e_options(args: &[OsString]) -> Result<e2e::Options> {
    let mut options = e2e::Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.to_str() {
            Some("--host") => options.host = true,
            Some("--keep") => options.keep = true,
            Some("--multicall") => options.multicall = true,
            Some("--bin") => match args.next() {
                Some(dir) if !dir.is_empty() => options.bin = Some(PathBuf::from(dir)),
                _ => return Err(usage("e2e: --bin needs a directory".into())),
            },
            _ => {
                return Err(usage(format!(
                    "e2e: unexpected argument {}",
                    arg.to_string_lossy()
                )))
            }
        }
    }
    if options.keep && !options.host {
        bail!(Usage(
            "e2e: --keep needs --host: the sandbox vanishes when e2e ends".into()
        ));
    }
    if options.bin.is_some() && options.multicall {
        bail!(Usage(
            "e2e: --bin takes the tools as they are there; --multicall builds links".into()
        ));
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn dist_arguments() {
        let o = dist_options(&args(&["--links", "/tmp/bin"])).unwrap();
        assert_eq!(o.links, Some(PathBuf::from("/tmp/bin")));
        assert!(!o.crt_static);
        let o = dist_options(&args(&["--links=bin", "--crt-static", "--check-size"])).unwrap();
        assert_eq!(o.links, Some(PathBuf::from("bin")));
        assert!(o.crt_static && o.check_size);
        for bad in [
            &["--links"][..],
            &["--links="],
            &["--links", ""],
            &["--bogus"],
            &["x"],
        ] {
            let e = dist_options(&args(bad)).unwrap_err();
            assert!(e.is::<Usage>(), "{bad:?}");
        }
    }

    #[test]
    fn e2e_arguments() {
        let o = e2e_options(&args(&["--bin", "/usr/local/bin"])).unwrap();
        assert_eq!(o.bin, Some(PathBuf::from("/usr/local/bin")));
        assert!(e2e_options(&args(&["--bin"])).unwrap_err().is::<Usage>());
        assert!(e2e_options(&args(&["--bin", "x", "--multicall"]))
            .unwrap_err()
            .is::<Usage>());
        let o = e2e_options(&args(&["--host", "--keep", "--multicall"])).unwrap();
        assert!(o.host && o.keep && o.multicall);
        let o = e2e_options(&[]).unwrap();
        assert!(!o.host && !o.keep && !o.multicall);
        for bad in [&["--keep"][..], &["--hots"], &["-h"]] {
            assert!(
                e2e_options(&args(bad)).unwrap_err().is::<Usage>(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn count_options() {
        assert_eq!(count_option("fuzz", "--seconds", &[]).unwrap(), None);
        let ten = args(&["--seconds", "10"]);
        assert_eq!(count_option("fuzz", "--seconds", &ten).unwrap(), Some(10));
        for bad in [
            &["--seconds"][..],
            &["--seconds", "0"],
            &["--seconds", "x"],
            &["--runs", "5"],
        ] {
            let e = count_option("fuzz", "--seconds", &args(bad)).unwrap_err();
            assert!(e.is::<Usage>(), "{bad:?}");
        }
    }

    #[test]
    fn commands_without_options() {
        assert!(no_options("ci", &[]).is_ok());
        assert!(no_options("ci", &args(&["--fast"]))
            .unwrap_err()
            .is::<Usage>());
    }
}
