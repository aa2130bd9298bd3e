//! Where things are: the workspace, its target directory, `target/dist`,
//! and the cargo and rustc that run us.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

/// The workspace root (the parent of this crate).
pub fn root() -> PathBuf {
    let xtask = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    xtask.parent().map(PathBuf::from).unwrap_or(xtask)
}

/// Cargo's target directory: `$CARGO_TARGET_DIR` (relative to where we were
/// started, as cargo reads it) or `target` in the workspace.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => {
            let dir = PathBuf::from(dir);
            match std::env::current_dir() {
                Ok(cwd) if dir.is_relative() => cwd.join(dir),
                _ => dir,
            }
        }
        _ => root().join("target"),
    }
}

/// Where `cargo xtask dist` puts the binaries.
pub fn dist_dir() -> PathBuf {
    target_dir().join("dist")
}

fn tool(var: &str, default: &str) -> OsString {
    std::env::var_os(var).unwrap_or_else(|| default.into())
}

/// A `cargo` command run in the workspace root (the cargo that runs us).
pub fn cargo() -> Command {
    let mut command = Command::new(tool("CARGO", "cargo"));
    command.current_dir(root());
    command
}

pub fn rustc() -> Command {
    Command::new(tool("RUSTC", "rustc"))
}

/// Finds `program` on `PATH`.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
}
