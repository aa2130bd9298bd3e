//! linkup: set interfaces up (or down), as `ip link set DEV up` does, with
//! one RTM_NEWLINK per interface that changes the IFF_UP flag and no other.

mod options;
mod set;

use std::ffi::OsString;
use std::process::ExitCode;

use nscore::cli::Tool;

pub const TOOL: Tool = Tool::new(&options::SPEC);

pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    TOOL.main(
        || options::parse(args),
        |request| {
            set::set(&request)?;
            Ok(ExitCode::SUCCESS)
        },
    )
}
