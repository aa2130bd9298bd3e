//! `cargo xtask release --check`: the archives are what they claim.
//! - No build path in a binary (the workspace's, cargo's home).
//! - Reproducible: the same release built again from a copy of the
//!   sources at another path, in a target directory of its own, is the
//!   same byte for byte.
//! - Complete: this machine's archive unpacked into an empty root runs
//!   the tutorial there, chrooted, with nothing else.
//! - The README's Install commands work as written.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use super::{archive_name, artifacts_dir, Artifact};
use crate::man::readme;
use crate::{chroot, commit, paths, process, tools};

pub fn run(made: &[Artifact]) -> Result<()> {
    no_build_paths(made)?;
    println!("release: ok: no build path in any binary");
    reproduced(made)?;
    println!("release: ok: built again elsewhere, every archive the same byte for byte");
    unpacked_tutorial(made)?;
    println!("release: ok: the tutorial ran in a root holding only the archive");
    readme_install()?;
    println!("release: ok: the README's Install commands");
    Ok(())
}

/// The paths a binary must not hold: where it was built.
fn build_paths() -> Vec<String> {
    let mut all = vec![paths::root().display().to_string()];
    for var in ["CARGO_HOME", "HOME"] {
        if let Some(dir) = std::env::var_os(var).filter(|d| d.len() > 1) {
            all.push(PathBuf::from(dir).display().to_string());
        }
    }
    all
}

fn no_build_paths(made: &[Artifact]) -> Result<()> {
    for artifact in made {
        for name in tools::binaries() {
            let bytes = fs::read(artifact.dist.binary(name))?;
            for path in build_paths() {
                if bytes.windows(path.len()).any(|w| w == path.as_bytes()) {
                    bail!("{} ({}) holds the build path {path}", name, artifact.target);
                }
            }
        }
    }
    Ok(())
}

/// Copies the sources (the files git knows, as they are now) to another
/// path and runs `cargo xtask release` there, dated as ours; compares.
fn reproduced(made: &[Artifact]) -> Result<()> {
    let copy = paths::target_dir().join("reproduce").join("nstools");
    let _ = fs::remove_dir_all(&copy);
    let mut git = Command::new("git");
    git.current_dir(paths::root())
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"]);
    for file in process::output(&mut git)?.split('\0').filter(|f| !f.is_empty()) {
        let from = paths::root().join(file);
        if !from.is_file() {
            continue; // deleted, not yet committed
        }
        let to = copy.join(file);
        fs::create_dir_all(to.parent().unwrap_or(&copy))?;
        fs::copy(&from, &to).with_context(|| format!("copying {}", from.display()))?;
    }
    let mut again = paths::cargo();
    again
        .current_dir(&copy)
        .args(["xtask", "release"])
        .env("SOURCE_DATE_EPOCH", commit::epoch()?.to_string())
        .env_remove("CARGO_TARGET_DIR");
    process::run("release", &mut again)?;
    let theirs = copy.join("target").join("artifacts");
    let names = made.iter().map(|a| archive_name(a.target));
    for name in names.chain(["SHA256SUMS".to_string()]) {
        let ours = fs::read(artifacts_dir().join(&name))?;
        let again = fs::read(theirs.join(&name)).with_context(|| name.clone())?;
        if ours != again {
            bail!(
                "{name} differs when built again from {} (compare with diffoscope)",
                copy.display()
            );
        }
    }
    fs::remove_dir_all(copy.parent().unwrap_or(&copy))?;
    Ok(())
}

/// This machine's archive, unpacked into an empty directory (and the empty
/// mount points a root needs), runs the tutorial chrooted there.
fn unpacked_tutorial(made: &[Artifact]) -> Result<()> {
    let Some(native) = made.iter().find(|a| !crate::emulate::needed(&a.dist.target)) else {
        bail!("no archive for this machine's architecture");
    };
    let root = paths::target_dir().join("release-root");
    let _ = fs::remove_dir_all(&root);
    fs::create_dir_all(&root)?;
    let mut tar = Command::new("tar");
    tar.arg("-C").arg(&root).arg("-xzf").arg(&native.path);
    process::run("release", &mut tar)?;
    for mount_point in ["proc", "sys", "run", "tmp"] {
        fs::create_dir(root.join(mount_point))?;
    }
    chroot::run_inside(&root)
}

/// Each `sh` block of the README's Install section, run as written in a
/// fresh sandbox with an empty /usr/local (a tmpfs with an empty `bin`),
/// where its files are (a copy of the archives' directory, or the sources
/// for cargo); then every tool must run from /usr/local/bin, and where the
/// whole archive went in, its man pages be there.
fn readme_install() -> Result<()> {
    let section = readme::section(readme::README, "Install").context("no ## Install in the README")?;
    if section.examples.is_empty() {
        bail!("the README's Install section shows no commands");
    }
    for block in &section.examples {
        // The sandbox's /run is its own tmpfs: what a block unpacks there
        // goes with it.
        let here = match block.contains(".tar.gz") {
            true => format!("mkdir /run/work\ncp -R {}/. /run/work\ncd /run/work", quoted(&artifacts_dir())),
            false => format!("cd {}", quoted(&paths::root())),
        };
        let mut checks = String::new();
        for tool in tools::binaries() {
            checks.push_str(&format!("/usr/local/bin/{tool} --version >/dev/null\n"));
        }
        if block.contains("tar -C /usr/local") {
            checks.push_str("test -f /usr/local/share/man/man8/nsadd.8\n");
        }
        let script = format!(
            "set -ex\nmount -t tmpfs tmpfs /usr/local\nmkdir /usr/local/bin\n{here}\n\
             PATH=/usr/local/bin:$PATH\n{block}{checks}"
        );
        let mut sh = Command::new("/bin/sh");
        sh.arg("-c")
            .arg(&script)
            // cargo builds offline (the sandbox has no network) into a
            // directory of its own, kept for the next run.
            .env("CARGO_NET_OFFLINE", "true")
            .env("CARGO_TARGET_DIR", paths::target_dir().join("install-check"));
        testkit::sandbox::isolate(&mut sh);
        let first = block.lines().next().unwrap_or_default();
        println!("release: the README's Install block beginning {first:?}");
        let status = sh.status().context("starting a sandbox")?;
        if !status.success() {
            bail!("the README's Install block beginning {first:?} failed ({status})");
        }
    }
    Ok(())
}

fn quoted(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}
