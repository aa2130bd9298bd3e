//! ipassign: add and remove IPv4 and IPv6 addresses on an interface, with
//! the result `ip addr add` / `ip addr del` would give; list them (`-l`).

pub mod address;
mod assign;
mod batch;
mod list;
mod options;
mod present;

use std::ffi::OsString;
use std::process::ExitCode;

use nscore::cli::Tool;
use options::Action;

pub const TOOL: Tool = Tool::new(&options::SPEC).stale_remedy("nsadd -d");

pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    TOOL.main_batched(args, batch::Session::new, |action| match action {
        Action::Assign(request) => assign::assign(&request),
        Action::List(request) => list::list(&request),
    })
}
