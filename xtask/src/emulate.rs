//! Binaries for another architecture, run here by qemu-user: a directory
//! laid out as the binaries' own (the single tools, or nstools and its
//! links), whose entries are small scripts that run each binary under
//! `qemu-ARCH-static` (as the distribution's qemu-user-static names it)
//! with argv[0] as called, so that a link named after a tool still selects
//! it. Without binfmt_misc, the kernel cannot start such a binary itself;
//! it starts a script, so nsexec running nsping by name works too.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::dist::{Dist, Target};
use crate::paths;
use crate::tools::{Entry, Layout, MULTICALL};

/// Whether binaries for `target` need qemu to run here.
pub fn needed(target: &Target) -> bool {
    target.arch() != std::env::consts::ARCH
}

/// qemu-user for `arch`, from PATH.
pub fn qemu(arch: &str) -> Result<PathBuf> {
    for name in [format!("qemu-{arch}-static"), format!("qemu-{arch}")] {
        if let Some(path) = paths::which(&name) {
            return Ok(path);
        }
    }
    bail!("qemu-{arch}-static is not installed (apt-get install qemu-user-static)")
}

/// The directory (under `target/qemu/TRIPLE`) whose entries run the
/// binaries of `dist` under qemu, laid out as `layout`; made afresh.
pub fn wrapped(dist: &Dist, layout: Layout) -> Result<PathBuf> {
    let qemu = qemu(dist.target.arch())?;
    let dir = paths::target_dir()
        .join("qemu")
        .join(&dist.target.triple)
        .join(match layout {
            Layout::Separate => "single",
            Layout::Multicall => "multicall",
        });
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).with_context(|| format!("{}", dir.display()))?;
    for entry in layout.entries() {
        match entry {
            Entry::Binary(name) => {
                let binary = fs::canonicalize(dist.binary(name))
                    .with_context(|| format!("{}", dist.binary(name).display()))?;
                let path = dir.join(name);
                fs::write(&path, script(&qemu, &binary))
                    .with_context(|| format!("{}", path.display()))?;
                fs::set_permissions(&path, fs::Permissions::from_mode(0o755))?;
            }
            Entry::Link(name) => std::os::unix::fs::symlink(MULTICALL, dir.join(name))
                .with_context(|| format!("{}", dir.join(name).display()))?,
        }
    }
    Ok(dir)
}

/// A script that runs `binary` under `qemu`, named as it was called.
fn script(qemu: &Path, binary: &Path) -> String {
    format!(
        "#!/bin/sh\n\
         # {name} for another architecture, run by qemu-user as it was called.\n\
         exec {} -0 \"$0\" {} \"$@\"\n",
        quoted(qemu),
        quoted(binary),
        name = binary.file_name().unwrap_or_default().to_string_lossy(),
    )
}

/// A path in single quotes, for sh.
fn quoted(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_runs_its_binary_named_as_called() {
        let text = script(
            Path::new("/usr/bin/qemu-aarch64-static"),
            Path::new("/d/it's"),
        );
        assert_eq!(
            text.lines().last().unwrap(),
            r#"exec '/usr/bin/qemu-aarch64-static' -0 "$0" '/d/it'\''s' "$@""#
        );
    }

    #[test]
    fn only_another_architecture_needs_qemu() {
        let target = |triple: &str| Target {
            triple: triple.into(),
            rustflags: None,
        };
        assert!(!needed(&target(&format!(
            "{}-unknown-linux-musl",
            std::env::consts::ARCH
        ))));
        let other = if cfg!(target_arch = "aarch64") {
            "x86_64"
        } else {
            "aarch64"
        };
        assert!(needed(&target(&format!("{other}-unknown-linux-musl"))));
    }
}
