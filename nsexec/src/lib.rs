//! nsexec: run a command inside a network namespace, as `ip netns exec`
//! does — setns, a private mount namespace with a fresh `/sys` and the
//! namespace's `/etc/netns/NAME` files — then exec in place, so the
//! command's exit status and signals are its own.

mod exec;
mod options;
mod setup;
mod template;

use std::ffi::OsString;
use std::process::ExitCode;

use nscore::cli::Tool;

/// As `env` and `chroot`: 125 for our own failures, usage errors included.
pub const TOOL: Tool = Tool {
    usage_status: 125,
    failure_status: 125,
    ..Tool::new(&options::SPEC).stale_remedy("nsadd -d")
};

pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    TOOL.main(args, options::parse, |invocation| {
        setup::enter(&invocation.netns, invocation.all_mounts)?;
        Ok(exec::exec(&invocation.command))
    })
}
