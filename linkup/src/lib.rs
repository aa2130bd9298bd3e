//! linkup: set interfaces up (or down), as `ip link set DEV up` does, with
//! one RTM_NEWLINK per interface that changes the IFF_UP flag and no other;
//! then, with `--wait`, wait until they carry traffic; list link states
//! (`-l`).

mod batch;
mod list;
mod options;
mod set;
mod wait;

use std::ffi::OsString;
use std::process::ExitCode;

use nscore::cli::Tool;
use options::Action;

pub const TOOL: Tool = Tool::new(&options::SPEC).stale_remedy("nsadd -d");

pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    TOOL.main_batched(args, batch::Session::new, |action| match action {
        Action::Set(request) => set::set(&request),
        Action::List(request) => list::list(&request),
    })
}
