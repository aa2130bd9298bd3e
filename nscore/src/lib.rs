//! The one library every nstools tool shares: the conventions of the command
//! line (`cli`), error texts as glibc words them (`errno`), what the
//! process was started with (`inherited`), names as the kernel judges them
//! (`names`), hosts given by address or name (`host`), named network
//! namespaces (`netns`) and the entries of `/run/netns` as found (`entry`),
//! and a synchronous rtnetlink socket (`rtnl`); for the link tools,
//! hand-built requests (`message`) and interfaces looked up by name
//! (`link`); many invocations of a tool from one process (`batch`); for
//! the listings, what they share (`listing`) and JSON (`json`). Only what
//! the tools ship: the test harness is `testkit`.

pub mod batch;
pub mod cli;
pub mod entry;
pub mod errno;
pub mod host;
pub mod inherited;
pub mod json;
pub mod link;
pub mod listing;
pub mod message;
pub mod names;
pub mod netns;
pub mod rtnl;
