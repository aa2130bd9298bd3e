//! What the integration tests of the multi-call binary share: the tools it
//! holds, a directory of links to it, and a lab run through those links.
#![allow(dead_code)] // not every test file uses every item

use std::path::{Path, PathBuf};

use testkit::Run;

/// Every tool of the multi-call binary, in the order of the tutorial.
pub const TOOLS: [&str; 6] = [
    "nsadd", "nsexec", "vethpair", "ipassign", "linkup", "nsping",
];

/// A fresh directory for `test` holding `ln -s nstools TOOL` for every
/// tool, as in a minimal VM. `NSTOOLS_MULTICALL=PATH` names another
/// nstools to link to: a shipped one, or one for another architecture
/// (`cargo xtask ci` runs the bad-input suite so with aarch64's, whose
/// nstools is a script running it under qemu-user).
pub fn links(test: &str) -> PathBuf {
    match std::env::var_os("NSTOOLS_MULTICALL") {
        Some(nstools) => links_to(test, Path::new(&nstools)),
        None => links_to(test, Path::new(env!("CARGO_BIN_EXE_nstools"))),
    }
}

/// As [`links`], to the multi-call binary `nstools` (e.g. a shipped one).
pub fn links_to(test: &str, nstools: &Path) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(test);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for tool in TOOLS {
        std::os::unix::fs::symlink(nstools, dir.join(tool)).unwrap();
    }
    dir
}

/// `testkit::lab` with the tools as links to the multi-call binary, in a
/// directory of this test file's own.
pub fn lab(test: &str, script: &str) -> Option<Run> {
    let dir = links(&format!("{}-{test}", env!("CARGO_CRATE_NAME")));
    testkit::lab(test, dir.join("nsadd").to_str().unwrap(), script)
}
