//! Debian packages the checks need (qemu, the benchmark's anchors),
//! installed with apt-get when their programs are missing.

use std::process::Command;

use anyhow::{bail, Result};

use crate::{paths, process, reexec};

/// Installs the package of every `(program, package)` whose program is not
/// on `PATH`, saying so as `WHO: …`; needs root for that.
pub fn install_missing(who: &str, wanted: &[(&str, &str)]) -> Result<()> {
    let (programs, missing): (Vec<&str>, Vec<&str>) = wanted
        .iter()
        .filter(|(program, _)| paths::which(program).is_none())
        .copied()
        .unzip();
    if missing.is_empty() {
        return Ok(());
    }
    let packages = missing.join(" ");
    if !reexec::is_root() {
        bail!(
            "{} not installed; install {packages} (as root: apt-get install {packages})",
            programs.join(", ")
        );
    }
    println!("{who}: installing {packages}");
    let apt_get = || {
        let mut command = Command::new("apt-get");
        command.env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    process::run(who, apt_get().args(["update", "-q"]))?;
    process::run(
        who,
        apt_get()
            .args(["install", "-y", "-q", "--no-install-recommends"])
            .args(&missing),
    )
}
