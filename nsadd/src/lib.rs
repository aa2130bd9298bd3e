//! nsadd: create, list and delete named network namespaces, as
//! `ip netns add`, `ip netns list` and `ip netns del` do, and compatible
//! with them both ways.

mod add;
mod delete;
mod list;
mod options;
mod run_dir;

use std::ffi::OsString;
use std::process::ExitCode;

use nscore::cli::Tool;
use options::Action;

const HELP: &str = "\
Usage: nsadd [-p] NAME...                create network namespaces
       nsadd -l | --list                 list them, one name a line, sorted
       nsadd -d [-f] NAME...             delete them
       nsadd -d --all                    delete every one

A namespace NAME lives as /run/netns/NAME, where `ip netns` finds it too.

Options:
  -p, --exist-ok   a namespace that already exists is not an error
  -l, --list       list namespaces (stale entries are reported on stderr)
  -d, --delete     delete the named namespaces
  -f, --force      with -d: a namespace that does not exist is not an error
  -a, --all        with -d: delete every namespace in /run/netns
  -h, --help       show this help
  -V, --version    show the version

Exit status: 0 success, 1 an operation failed, 2 usage error.
";

pub const TOOL: Tool = Tool::new("nsadd", HELP);

pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    TOOL.run(|| match options::parse(args)? {
        Action::Help => TOOL.print_help(),
        Action::Version => TOOL.print_version(),
        Action::Add { names, exist_ok } => Ok(outcome(add::add(&names, exist_ok))),
        Action::List => Ok(outcome(list::list())),
        Action::Delete { names, force } => Ok(outcome(delete::delete(&names, force))),
        Action::DeleteAll => Ok(outcome(delete::delete_all())),
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

/// Exit status for a run that reported its own failures as it went.
fn outcome(all_ok: bool) -> ExitCode {
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
