//! vethpair: create a veth pair with one RTM_NEWLINK, each end born in its
//! namespace, as `ip link add NAME netns NS type veth peer name PEER netns
//! PEER_NS` does.

mod create;
mod existing;
mod options;

use std::ffi::OsString;
use std::process::ExitCode;

use nscore::cli::Tool;
use options::Action;

const HELP: &str = "\
Usage: vethpair [-n NS] [--peer-netns PEER_NS] [-p] NAME PEER

Creates a veth pair: interface NAME, and its peer PEER at the other end of
the cable. Both ends are created directly in their namespaces, by one
request: NAME in NS, PEER in PEER_NS (by default the namespace NAME is in).
Nothing is created when either name is taken or a namespace is missing.

Options:
  -n, --netns NS         create NAME in namespace NS (a name under
                         /run/netns, or a path such as /proc/PID/ns/net)
      --peer-netns PEER_NS
                         create PEER in namespace PEER_NS
  -p, --exist-ok         NAME already being a veth whose peer is PEER (in
                         those namespaces) is not an error
  -h, --help             show this help
  -V, --version          show the version

Exit status: 0 success, 1 the pair could not be created (a name taken, a
namespace missing, ...), 2 usage error.
";

pub const TOOL: Tool = Tool::new("vethpair", HELP);

pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    TOOL.run(|| match options::parse(args)? {
        Action::Help => TOOL.print_help(),
        Action::Version => TOOL.print_version(),
        Action::Create(request) => {
            create::create(&request)?;
            Ok(ExitCode::SUCCESS)
        }
    })
}
