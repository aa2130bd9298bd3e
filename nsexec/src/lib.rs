//! nsexec: run a command inside a network namespace, as `ip netns exec`
//! does — setns, a private mount namespace with a fresh `/sys` and the
//! namespace's `/etc/netns/NAME` files — then exec in place, so the
//! command's exit status and signals are its own.

mod exec;
mod options;
mod setup;

use std::ffi::OsString;
use std::process::ExitCode;

use nscore::cli::Tool;
use options::Invocation;

const HELP: &str = "\
Usage: nsexec NS COMMAND [ARG...]

Run COMMAND inside network namespace NS, as `ip netns exec` does. NS is a
name under /run/netns or a path such as /proc/PID/ns/net. COMMAND runs with
its own mount namespace in which /sys shows NS's interfaces and each file in
/etc/netns/NS/ is bind-mounted over the one in /etc. nsexec replaces itself
with COMMAND (no fork): the exit status and signals are COMMAND's own.

Options (before NS):
  -h, --help      show this help
  -V, --version   show the version

Exit status: COMMAND's; 125 nsexec itself failed, 126 COMMAND cannot be
executed, 127 COMMAND was not found.
";

/// As `env` and `chroot`: 125 for our own failures, usage errors included.
pub const TOOL: Tool = Tool {
    usage_status: 125,
    failure_status: 125,
    ..Tool::new("nsexec", HELP)
};

pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    TOOL.run(|| match options::parse(args)? {
        Invocation::Help => TOOL.print_help(),
        Invocation::Version => TOOL.print_version(),
        Invocation::Run { netns, command } => {
            setup::enter(&netns)?;
            Ok(exec::exec(&command))
        }
    })
}
