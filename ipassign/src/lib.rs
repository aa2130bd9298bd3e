//! ipassign: add and remove IPv4 and IPv6 addresses on an interface, with
//! the result `ip addr add` / `ip addr del` would give.

pub mod address;
mod assign;
mod options;
mod present;

use std::ffi::OsString;
use std::process::ExitCode;

use nscore::cli::Tool;
use options::Action;

const HELP: &str = "\
Usage: ipassign [-n NS] [-p] [--broadcast] [--nodad] DEV ADDR[/LEN]...
       ipassign [-n NS] -d [-f] DEV ADDR[/LEN]...

Adds (or with -d removes) each address ADDR/LEN on interface DEV, as
`ip addr add ADDR/LEN dev DEV` does: LEN defaults to 32 for IPv4 and 128
for IPv6; scope host for 127.0.0.0/8, global otherwise; no broadcast address
unless asked for. Every address is checked before anything is sent, and
either all are added (removed) or, when one fails, none is.

Options:
  -n, --netns NS   DEV is in namespace NS (a name under /run/netns, or a
                   path such as /proc/PID/ns/net)
  -p, --exist-ok   an address already assigned (with that length) is not
                   an error
      --broadcast  IPv4: set the subnet's broadcast address (as `brd +`)
      --nodad      IPv6: skip duplicate address detection, usable at once
  -d, --delete     remove the addresses; an IPv4 ADDR without /LEN removes
                   that address whatever its length (as `ip addr del`)
  -f, --force      with -d: an address (or interface) not there is not an
                   error
  -h, --help       show this help
  -V, --version    show the version

Exit status: 0 success, 1 the operation failed, 2 usage error.
";

pub const TOOL: Tool = Tool::new("ipassign", HELP);

pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    TOOL.run(|| match options::parse(args)? {
        Action::Help => TOOL.print_help(),
        Action::Version => TOOL.print_version(),
        Action::Assign(request) => {
            assign::assign(&request)?;
            Ok(ExitCode::SUCCESS)
        }
    })
}
