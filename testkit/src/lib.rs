//! What the tests of nstools and `cargo xtask` share, and no tool ships: the
//! private sandbox a test or `cargo xtask e2e` runs in (`sandbox`), the
//! snapshot of the state a tool may change (`SNAPSHOT`), skipping loudly
//! what cannot run here (`skip`), a tool's option table checked against
//! its parser (`options`), scripts for the `--batch` tests (`batch`), and
//! `lab`, which puts them together.

pub mod batch;
pub mod options;
pub mod sandbox;
pub mod skip;
pub mod snapshot;

pub use sandbox::{run, Run};
pub use skip::{command_or_skip, root_or_skip, skip, usable_or_skip};
pub use snapshot::SNAPSHOT;

/// Runs `script` in a fresh sandbox with the directory of `binary` (a tool
/// built by cargo, `env!("CARGO_BIN_EXE_…")`) first in PATH; `None`, after
/// a note, where no sandbox can be made (see `skip`).
pub fn lab(test: &str, binary: &str, script: &str) -> Option<Run> {
    usable_or_skip(test).then(|| run(script, binary))
}
