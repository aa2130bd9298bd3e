//! `cargo xtask ci`: everything CI checks, in order, stopping at the first
//! failure: formatting, clippy, the tests, the static binaries within their
//! size goals, the end-to-end lab (single binaries and multi-call) and the
//! examples.

use std::time::Instant;

use anyhow::{bail, Result};

use crate::{dist, e2e, examples, paths};

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
        ("test", Box::new(cargo(&["test", "--workspace"]))),
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
