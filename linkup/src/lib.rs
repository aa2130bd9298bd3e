//! linkup: set interfaces up (or down), as `ip link set DEV up` does, with
//! one RTM_NEWLINK per interface that changes the IFF_UP flag and no other.

mod options;
mod set;

use std::ffi::OsString;
use std::process::ExitCode;

use nscore::cli::Tool;
use options::Action;

const HELP: &str = "\
Usage: linkup [-n NS] [--down] DEV...

Sets each interface DEV up (or down), touching no other flag. An interface
that is already in that state is left as it is. Either every DEV is changed
or, when one fails, none is.

Options:
  -n, --netns NS   the interfaces are in namespace NS (a name under
                   /run/netns, or a path such as /proc/PID/ns/net)
      --down       set the interfaces down instead
  -h, --help       show this help
  -V, --version    show the version

Exit status: 0 success, 1 an interface could not be changed, 2 usage error.
";

pub const TOOL: Tool = Tool::new("linkup", HELP);

pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    TOOL.run(|| match options::parse(args)? {
        Action::Help => TOOL.print_help(),
        Action::Version => TOOL.print_version(),
        Action::Set(request) => {
            set::set(&request)?;
            Ok(ExitCode::SUCCESS)
        }
    })
}
