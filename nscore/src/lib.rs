//! The one library every nstools tool shares: the conventions of the command
//! line (`cli`), names as the kernel judges them (`names`), named network
//! namespaces (`netns`), a synchronous rtnetlink socket (`rtnl`), and the
//! private sandbox the tests and `cargo xtask e2e` run in (`sandbox`); for
//! the link tools, hand-built requests (`message`) and interfaces looked up
//! by name (`link`).

pub mod cli;
pub mod link;
pub mod message;
pub mod names;
pub mod netns;
pub mod rtnl;
pub mod sandbox;
