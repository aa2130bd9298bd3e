//! vethpair: create a veth pair with one RTM_NEWLINK, each end born in its
//! namespace, as `ip link add NAME netns NS type veth peer name PEER netns
//! PEER_NS` does; or a VXLAN end, a cable to another machine (`--remote`);
//! delete pairs and VXLAN ends (`-d`); list the pairs, each end with the
//! other end of its cable (`-l`).

mod batch;
mod create;
mod delete;
mod existing;
mod list;
mod nsid;
mod options;
mod peers;
mod remote;

use std::ffi::OsString;
use std::process::ExitCode;

use nscore::cli::Tool;
use options::Action;

pub const TOOL: Tool = Tool::new(&options::SPEC).stale_remedy("nsadd -d");

pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    TOOL.main_batched(args, batch::Session::new, |action| match action {
        Action::Create(request) => create::create(&request),
        Action::Remote(request) => remote::create(&request),
        Action::Delete(request) => delete::delete(&request),
        Action::List(request) => list::list(&request),
    })
}
