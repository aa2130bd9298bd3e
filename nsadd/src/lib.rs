//! nsadd: create, list and delete named network namespaces, as
//! `ip netns add`, `ip netns list` and `ip netns del` do, and compatible
//! with them both ways.

mod add;
mod at_once;
mod batch;
mod delete;
mod given;
mod list;
mod options;
mod run_dir;

use std::ffi::OsString;
use std::process::ExitCode;

use nscore::cli::Tool;
use options::Action;

pub const TOOL: Tool = Tool::new(&options::SPEC).stale_remedy("nsadd -d");

pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    TOOL.main_batched(args, batch::Session::new, |action| {
        Ok(outcome(match action {
            Action::Add { names, exist_ok } => add::add(&names, exist_ok)?,
            Action::List { json } => list::list(json),
            Action::Delete { names, force } => delete::delete(&names, force)?,
            Action::DeleteAll => delete::delete_all()?,
        }))
    })
}

/// `SUBJECT: WHAT: WHY` for a system call that failed, naming the
/// privilege it lacked.
fn failed(subject: &str, what: &str, e: rustix::io::Errno) -> anyhow::Error {
    anyhow::anyhow!(
        "{subject}: {what}: {}",
        nscore::cli::reason(e.raw_os_error(), "CAP_SYS_ADMIN")
    )
}

/// Does `f` for every name, reporting each failure and going on; whether
/// none failed.
fn each_ok(names: &[String], mut f: impl FnMut(&String) -> anyhow::Result<()>) -> bool {
    let mut all_ok = true;
    for name in names {
        if let Err(e) = f(name) {
            TOOL.report(&e);
            all_ok = false;
        }
    }
    all_ok
}

/// Exit status for a run that reported its own failures as it went.
fn outcome(all_ok: bool) -> ExitCode {
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
