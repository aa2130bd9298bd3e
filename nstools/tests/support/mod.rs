//! What the integration tests of the multi-call binary share.

use std::path::{Path, PathBuf};

/// A fresh directory for `test` holding `ln -s nstools TOOL` for every
/// tool, as in a minimal VM.
pub fn links(test: &str) -> PathBuf {
    links_to(test, Path::new(env!("CARGO_BIN_EXE_nstools")))
}

/// As [`links`], to the multi-call binary `nstools` (e.g. a shipped one).
#[allow(dead_code)] // not every test file uses it
pub fn links_to(test: &str, nstools: &Path) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for tool in [
        "nsadd", "nsexec", "vethpair", "ipassign", "linkup", "nsping",
    ] {
        std::os::unix::fs::symlink(nstools, dir.join(tool)).unwrap();
    }
    dir
}
