//! What `dist` builds for: static musl binaries for x86_64 (or, where the
//! musl target cannot be had, static glibc ones, with a warning) and for
//! aarch64. Both link with rust-lld (`.cargo/config.toml`), so no C cross
//! toolchain is needed.

use std::fs;
use std::path::PathBuf;
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::paths;

/// The target the tools ship for first: this machine's.
pub const MUSL: &str = "x86_64-unknown-linux-musl";
/// The other one: minimal VMs and boards are as often aarch64.
pub const AARCH64: &str = "aarch64-unknown-linux-musl";
/// Every target a release is built for.
pub const TARGETS: [&str; 2] = [MUSL, AARCH64];

/// The target to build for, and how it is made static.
pub struct Target {
    pub triple: String,
    /// Extra RUSTFLAGS, for the static glibc fallback.
    pub rustflags: Option<&'static str>,
}

impl Target {
    pub fn describe(&self) -> String {
        match self.rustflags {
            None => format!("static {}", self.triple),
            Some(flags) => format!("{}, RUSTFLAGS={flags}", self.triple),
        }
    }

    /// The architecture, as `std::env::consts::ARCH` names it.
    pub fn arch(&self) -> &str {
        self.triple.split('-').next().unwrap_or_default()
    }
}

/// `triple` (one of [`TARGETS`]), its standard library added with rustup
/// if missing; for x86_64, static glibc binaries when that fails.
pub fn musl(triple: &str) -> Result<Target> {
    let musl = Target {
        triple: triple.into(),
        rustflags: None,
    };
    if has_std_for(triple) {
        return Ok(musl);
    }
    println!("dist: the {triple} target is not installed; + rustup target add {triple}");
    let added = Command::new("rustup")
        .args(["target", "add", triple])
        .status()
        .is_ok_and(|s| s.success());
    if added && has_std_for(triple) {
        return Ok(musl);
    }
    if triple != MUSL {
        bail!("cannot install the {triple} target (rustup target add {triple})");
    }
    glibc_fallback(&format!("cannot install the {MUSL} target with rustup"))
}

pub fn glibc_fallback(why: &str) -> Result<Target> {
    let triple = host_triple()?;
    let flags = "-C target-feature=+crt-static";
    eprintln!("**********************************************************************");
    eprintln!("dist: WARNING: {why}.");
    eprintln!("dist: WARNING: building static glibc binaries instead ({triple}, {flags}).");
    eprintln!("dist: WARNING: glibc does not support static linking well (NSS, dlopen),");
    eprintln!("dist: WARNING: and the binaries are larger. Ship the musl build.");
    eprintln!("**********************************************************************");
    Ok(Target {
        triple,
        rustflags: Some(flags),
    })
}

/// Whether rustc has a standard library for `triple`.
pub fn has_std_for(triple: &str) -> bool {
    let Ok(out) = paths::rustc()
        .args(["--print", "target-libdir", "--target", triple])
        .output()
    else {
        return false;
    };
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    out.status.success()
        && fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("libstd-"))
        })
}

pub fn host_triple() -> Result<String> {
    let out = paths::rustc().arg("-vV").output().context("rustc -vV")?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_string)
        .context("rustc -vV names no host")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_musl_std_is_found_and_a_missing_one_is_not() {
        // CI installs both targets (rustup target add).
        for triple in TARGETS {
            assert!(has_std_for(triple), "{triple}");
        }
        assert!(!has_std_for("x86_64-unknown-linux-nonexistent"));
        assert!(host_triple().unwrap().contains('-'));
    }

    #[test]
    fn every_target_links_with_rust_lld() {
        let config = fs::read_to_string(paths::root().join(".cargo/config.toml")).unwrap();
        for triple in TARGETS {
            let section = format!("[target.{triple}]\nlinker = \"rust-lld\"\n");
            assert!(config.contains(&section), "{triple}");
        }
    }
}
