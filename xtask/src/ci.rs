//! `cargo xtask ci`: everything CI checks, in order, stopping at the first
//! failure: formatting, clippy, the tests (the README's `cargo test`), the
//! static binaries within their size goals, their Unix citizenship (pipes,
//! signals, exec, error texts: `nstools/tests/unix.rs` run on them), the
//! end-to-end lab (single binaries and multi-call, and across two
//! machines), the aarch64 binaries under qemu-user (sizes, the lab, the
//! bad-input suite), the release archives (reproducible, complete, the
//! README's Install commands), the examples, the
//! tutorial in a chroot with only the tools and in a VM booting Debian's
//! kernel (and across two such VMs), and a short pass of every fuzz target.

use std::cell::Cell;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::flags::Subcommand;
use crate::tools::{self, Layout};
use crate::{chroot, dist, e2e, emulate, examples, fuzz, paths, release, vm};

pub const COMMAND: Subcommand = Subcommand {
    name: "ci",
    synopsis: "",
    about: "\
what CI runs: fmt --check, clippy -D warnings, test,
dist --check-size, e2e, e2e --two-hosts, e2e --multicall, the same
for aarch64 under qemu-user with the bad-input suite, release
--check, examples,
chroot, chroot --multicall, vm --accel tcg, vm --two --accel tcg,
fuzz --seconds 15.",
    run: |args| {
        args.end()?;
        run()
    },
    helpers: &[],
};

fn cargo<'a>(args: &'a [&'a str]) -> impl Fn() -> Result<()> + 'a {
    move || {
        let status = paths::cargo().args(args).status()?;
        if !status.success() {
            bail!("cargo {} ({status})", args.join(" "));
        }
        Ok(())
    }
}

/// The README's `cargo test`, its output passed through while the
/// `test result:` lines are added up into (passed, failed).
fn cargo_test(counts: &Cell<(u64, u64)>) -> Result<()> {
    let mut child = paths::cargo()
        .arg("test")
        .stdout(Stdio::piped())
        .spawn()
        .context("running cargo test")?;
    let stdout = child.stdout.take().context("no stdout pipe")?;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        println!("{line}");
        if let Some((passed, failed)) = test_result(&line) {
            let (p, f) = counts.get();
            counts.set((p + passed, f + failed));
        }
    }
    let status = child.wait()?;
    if !status.success() {
        bail!("cargo test ({status})");
    }
    Ok(())
}

/// The aarch64 binaries, built with rust-lld, within their size goals, and
/// run under qemu-user: the tutorial (single and multi-call), and the
/// bad-input suite through links to aarch64's nstools.
fn aarch64() -> Result<()> {
    let dist = dist::run(&dist::Options {
        target: Some(dist::AARCH64),
        check_size: true,
        ..dist::Options::default()
    })?;
    for multicall in [false, true] {
        e2e::run(&e2e::Options {
            target: Some(dist::AARCH64),
            multicall,
            ..e2e::Options::default()
        })?;
    }
    let nstools = emulate::wrapped(&dist, Layout::Multicall)?.join(tools::MULTICALL);
    let status = paths::cargo()
        .args(["test", "-p", "nstools", "--test", "bad_input"])
        .env("NSTOOLS_MULTICALL", &nstools)
        .status()?;
    if !status.success() {
        bail!(
            "NSTOOLS_MULTICALL={} cargo test -p nstools --test bad_input ({status})",
            nstools.display()
        );
    }
    Ok(())
}

/// `test result: ok. 12 passed; 0 failed; …` → (12, 0).
fn test_result(line: &str) -> Option<(u64, u64)> {
    let rest = line.strip_prefix("test result: ")?;
    let number_before = |word: &str| -> Option<u64> {
        let at = rest.find(word)?;
        rest[..at].split_whitespace().last()?.parse().ok()
    };
    Some((number_before(" passed")?, number_before(" failed")?))
}

pub fn run() -> Result<()> {
    let counts = Cell::new((0, 0));
    type Step<'a> = (&'a str, Box<dyn Fn() -> Result<()> + 'a>);
    let steps: Vec<Step> = vec![
        ("fmt", Box::new(cargo(&["fmt", "--all", "--", "--check"]))),
        (
            "clippy",
            Box::new(cargo(&[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ])),
        ),
        ("test", Box::new(|| cargo_test(&counts))),
        (
            "dist --check-size",
            Box::new(|| {
                let options = dist::Options {
                    check_size: true,
                    ..dist::Options::default()
                };
                dist::run(&options).map(drop)
            }),
        ),
        (
            "unix citizenship of the shipped binaries",
            Box::new(|| {
                let status = paths::cargo()
                    .args(["test", "-p", "nstools", "--test", "unix"])
                    .env("NSTOOLS_DIST", paths::dist_dir())
                    .status()?;
                if !status.success() {
                    bail!("NSTOOLS_DIST=target/dist cargo test -p nstools --test unix ({status})");
                }
                Ok(())
            }),
        ),
        ("e2e", Box::new(|| e2e::run(&e2e::Options::default()))),
        (
            "e2e --two-hosts",
            Box::new(|| {
                let options = e2e::Options {
                    two_hosts: true,
                    ..e2e::Options::default()
                };
                e2e::run(&options)
            }),
        ),
        (
            "e2e --multicall",
            Box::new(|| {
                e2e::run(&e2e::Options {
                    multicall: true,
                    ..e2e::Options::default()
                })
            }),
        ),
        (
            "aarch64 under qemu-user: dist --check-size, e2e, e2e --multicall, bad input",
            Box::new(aarch64),
        ),
        // Built again from a copy of the sources: a few minutes more.
        (
            "release --check",
            Box::new(|| release::check::run(&release::run()?)),
        ),
        ("examples", Box::new(examples::run)),
        ("chroot", Box::new(|| chroot::check(Layout::Separate))),
        (
            "chroot --multicall",
            Box::new(|| chroot::check(Layout::Multicall)),
        ),
        // KVM is not always usable in CI's VMs; TCG boots in about 12 s.
        (
            "vm",
            Box::new(|| {
                vm::run(&vm::Options {
                    accel: vm::Accel::Tcg,
                    ..vm::Options::default()
                })
            }),
        ),
        // Two VMs side by side under TCG: about a minute on two cores.
        (
            "vm --two",
            Box::new(|| {
                vm::run(&vm::Options {
                    two: true,
                    accel: vm::Accel::Tcg,
                    ..vm::Options::default()
                })
            }),
        ),
        ("fuzz --seconds 15", Box::new(|| fuzz::run(15))),
    ];
    let started = Instant::now();
    for (name, step) in &steps {
        println!("ci: ==> {name}");
        let at = Instant::now();
        if let Err(error) = step() {
            bail!("FAILED at {name}: {error:#}");
        }
        println!("ci: {name} passed ({:.1} s)", at.elapsed().as_secs_f64());
    }
    println!(
        "ci: all {} steps passed ({:.0} s)",
        steps.len(),
        started.elapsed().as_secs_f64()
    );
    // The tests' tally, last and alone on its line.
    let (passed, failed) = counts.get();
    println!("tests: {passed} passed, {failed} failed");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_result_lines_are_counted() {
        let line = "test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s";
        assert_eq!(test_result(line), Some((12, 0)));
        let line = "test result: FAILED. 7 passed; 1 failed; 0 ignored";
        assert_eq!(test_result(line), Some((7, 1)));
        assert_eq!(test_result("running 3 tests"), None);
    }
}
