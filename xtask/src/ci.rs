//! `cargo xtask ci`: everything CI checks, in order, stopping at the first
//! failure: formatting, clippy, the tests (the README's `cargo test`), the
//! static binaries within their size goals, the end-to-end lab (single
//! binaries and multi-call), the examples, the tutorial in a chroot with
//! only the tools and in a VM booting Debian's kernel, and a short pass of
//! every fuzz target.

use std::time::Instant;

use anyhow::{bail, Result};

use crate::{chroot, dist, e2e, examples, fuzz, paths, vm};

fn cargo<'a>(args: &'a [&'a str]) -> impl Fn() -> Result<()> + 'a {
    move || {
        let status = paths::cargo().args(args).status()?;
        if !status.success() {
            bail!("cargo {} ({status})", args.join(" "));
        }
        Ok(())
    }
}

pub fn run() -> Result<()> {
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
        ("test", Box::new(cargo(&["test"]))),
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
        ("e2e", Box::new(|| e2e::run(&e2e::Options::default()))),
        (
            "e2e --multicall",
            Box::new(|| {
                e2e::run(&e2e::Options {
                    multicall: true,
                    ..e2e::Options::default()
                })
            }),
        ),
        ("examples", Box::new(examples::run)),
        (
            "chroot",
            Box::new(|| chroot::check(chroot::Layout::Separate)),
        ),
        (
            "chroot --multicall",
            Box::new(|| chroot::check(chroot::Layout::Multicall)),
        ),
        // KVM is not always usable in CI's VMs; TCG boots in about 12 s.
        (
            "vm",
            Box::new(|| vm::run(&["--accel".into(), "tcg".into()])),
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
    Ok(())
}
