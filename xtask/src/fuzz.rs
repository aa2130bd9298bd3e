//! `cargo xtask fuzz [--seconds N]`: runs every cargo-fuzz target in
//! `fuzz/` for N seconds on the nightly toolchain, installing cargo-fuzz
//! when it is missing, and reports how many inputs each target ran. A
//! crash fails the run; libFuzzer leaves the input in `fuzz/artifacts/`,
//! and it belongs in a regression test next to the code it broke.

use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

use crate::flags::{self, Args, Long, Subcommand};
use crate::paths;

pub const COMMAND: Subcommand = Subcommand {
    name: "fuzz",
    synopsis: "[--seconds N]",
    about: "\
every cargo-fuzz target in fuzz/ for N seconds (default 60) on the
nightly toolchain; installs cargo-fuzz if missing.",
    run: |args| run(parse(args)?),
    helpers: &[],
};

/// `--seconds N`: how long each target runs.
fn parse(args: &mut Args) -> Result<u64> {
    let mut seconds = 60;
    while let Some(arg) = args.next()? {
        match arg {
            Long("seconds") => seconds = args.positive()?,
            arg => return Err(flags::unexpected(arg)),
        }
    }
    Ok(seconds)
}

/// The targets, each with what it feeds on.
pub const TARGETS: [(&str, &str); 5] = [
    (
        "netlink_reply",
        "nscore's rtnetlink reply reader and ack decoding",
    ),
    ("names", "namespace and interface name checks"),
    ("address", "ipassign's ADDR[/LEN] parser and requests"),
    (
        "icmp_reply",
        "nsping's reply, error-queue and control-message parsers",
    ),
    (
        "batch_lines",
        "the --batch line reader: quotes, comments, NUL bytes, long lines",
    ),
];

pub fn run(seconds: u64) -> Result<()> {
    ensure_cargo_fuzz()?;
    let mut total = 0u64;
    for (target, what) in TARGETS {
        println!("fuzz: {target} ({what}) for {seconds} s");
        let output = nightly_cargo()
            .args(["fuzz", "run", target, "--target-dir"])
            .arg(paths::target_dir().join("fuzz"))
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .current_dir(paths::root().join("fuzz"))
            .stderr(Stdio::piped())
            .output()
            .context("running cargo fuzz")?;
        let log = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            eprintln!("{log}");
            bail!("fuzz target {target} failed; the input is in fuzz/artifacts/{target}/");
        }
        let runs = executions(&log).context("libFuzzer printed no 'Done N runs' line")?;
        println!("fuzz: {target}: {runs} inputs, no failure");
        total += runs;
    }
    println!("fuzz: {total} inputs in all, no failure");
    Ok(())
}

/// `cargo +nightly`, through rustup's proxy rather than the cargo running
/// us, with nothing of the outer build's toolchain choice leaking in.
fn nightly_cargo() -> Command {
    let mut command = Command::new("cargo");
    command
        .arg("+nightly")
        .env_remove("RUSTUP_TOOLCHAIN")
        .env_remove("RUSTC")
        .env_remove("CARGO");
    command
}

fn ensure_cargo_fuzz() -> Result<()> {
    let works = |c: &mut Command| {
        c.stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if !works(nightly_cargo().arg("--version")) {
        let status = Command::new("rustup")
            .args(["toolchain", "install", "nightly", "--profile", "minimal"])
            .status()
            .context("running rustup")?;
        if !status.success() {
            bail!("the nightly toolchain is missing and rustup could not install it");
        }
    }
    if !works(nightly_cargo().args(["fuzz", "--version"])) {
        println!("fuzz: installing cargo-fuzz");
        let status = Command::new("cargo")
            .args(["install", "cargo-fuzz", "--locked"])
            .env_remove("RUSTUP_TOOLCHAIN")
            .status()
            .context("running cargo install")?;
        if !status.success() {
            bail!("could not install cargo-fuzz");
        }
    }
    Ok(())
}

/// The count in libFuzzer's closing `Done 12345 runs in 10 second(s)`.
fn executions(log: &str) -> Option<u64> {
    log.lines()
        .rev()
        .find_map(|line| line.strip_prefix("Done "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds() {
        assert_eq!(flags::parse(parse, &[]).unwrap(), 60);
        assert_eq!(flags::parse(parse, &["--seconds", "10"]).unwrap(), 10);
        for bad in [
            &["--seconds"][..],
            &["--seconds", "0"],
            &["--seconds", "x"],
            &["--runs", "5"],
        ] {
            let e = flags::parse(parse, bad).unwrap_err();
            assert!(e.is::<flags::Usage>(), "{bad:?}");
        }
    }

    #[test]
    fn the_run_count_is_read_from_libfuzzers_last_line() {
        for (log, runs) in [
            ("#1024 pulse cov: 10\nDone 2149848 runs in 31 second(s)\n", Some(2149848)),
            ("Done 1 runs\nDone 2 runs in 1 second(s)\n", Some(2)),
            ("crash", None),
        ] {
            assert_eq!(executions(log), runs, "{log}");
        }
    }

    #[test]
    fn every_target_has_a_source_file_and_a_bin_entry() {
        let manifest = std::fs::read_to_string(paths::root().join("fuzz/Cargo.toml")).unwrap();
        for (target, _) in TARGETS {
            assert!(paths::root()
                .join(format!("fuzz/fuzz_targets/{target}.rs"))
                .is_file());
            assert!(
                manifest.contains(&format!("name = \"{target}\"")),
                "{target}"
            );
        }
    }
}
