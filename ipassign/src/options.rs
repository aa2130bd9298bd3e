//! The command line: `[-n NS] [-p] [--broadcast] [--nodad] DEV ADDR...`
//! and `[-n NS] -d [-f] DEV ADDR...`.

use std::ffi::OsString;

use nscore::cli::{bad_argument, quote, usage};
use nscore::names;

use crate::address::{self, Address, Extras};

#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Help,
    Version,
    Assign(Request),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    pub netns: Option<String>,
    pub device: String,
    pub addresses: Vec<Address>,
    pub mode: Mode,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Add; with `exist_ok`, an address already there is a success.
    Add { exist_ok: bool, extras: Extras },
    /// Remove; with `force`, an address (or interface) not there is one.
    Delete { force: bool },
}

pub fn parse(args: impl IntoIterator<Item = OsString>) -> anyhow::Result<Action> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_iter(args);
    let mut netns = None;
    let (mut exist_ok, mut delete, mut force) = (false, false, false);
    let mut extras = Extras::default();
    let mut operands = Vec::new();
    while let Some(arg) = parser.next().map_err(bad_argument)? {
        match arg {
            Short('h') | Long("help") => return Ok(Action::Help),
            Short('V') | Long("version") => return Ok(Action::Version),
            Short('n') | Long("netns") => {
                let ns = parser.value().map_err(bad_argument)?;
                netns = Some(ns.string().map_err(bad_argument)?);
            }
            Short('p') | Long("exist-ok") => exist_ok = true,
            Short('d') | Long("delete") => delete = true,
            Short('f') | Long("force") => force = true,
            Long("broadcast") => extras.broadcast = true,
            Long("nodad") => extras.nodad = true,
            Value(value) => operands.push(value.string().map_err(bad_argument)?),
            _ => return Err(bad_argument(arg.unexpected())),
        }
    }
    let mode = match (delete, exist_ok, force) {
        (false, _, true) => return Err(usage("-f goes with -d")),
        (true, true, _) => return Err(usage("-p goes without -d")),
        (true, _, _) if extras.broadcast => return Err(usage("--broadcast goes without -d")),
        (true, _, _) if extras.nodad => return Err(usage("--nodad goes without -d")),
        (true, _, force) => Mode::Delete { force },
        (false, exist_ok, _) => Mode::Add { exist_ok, extras },
    };
    let mut operands = operands.into_iter();
    let device = operands
        .next()
        .ok_or_else(|| usage("missing interface name"))?;
    names::ifname(&device)?;
    let mut addresses: Vec<Address> = Vec::new();
    for text in operands {
        let address = address::parse(&text)?;
        if addresses.iter().any(|a| a.ip == address.ip) {
            return Err(usage(format!("{}: address given twice", quote(&text))));
        }
        addresses.push(address);
    }
    if addresses.is_empty() {
        return Err(usage("missing address"));
    }
    if let Some(ns) = &netns {
        nscore::netns::path_of(ns)?;
    }
    Ok(Action::Assign(Request {
        netns,
        device,
        addresses,
        mode,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> anyhow::Result<Action> {
        parse(nscore::cli::command_line("ipassign", args))
    }

    fn request(args: &[&str]) -> Request {
        match parse_str(args).unwrap() {
            Action::Assign(request) => request,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn add_with_options() {
        let r = request(&["-n", "red", "veth-red", "10.0.0.1/24", "fd00::1/64"]);
        assert_eq!(r.netns.as_deref(), Some("red"));
        assert_eq!(r.device, "veth-red");
        let texts: Vec<_> = r.addresses.iter().map(|a| a.text.as_str()).collect();
        assert_eq!(texts, ["10.0.0.1/24", "fd00::1/64"]);
        assert_eq!(
            r.mode,
            Mode::Add {
                exist_ok: false,
                extras: Extras::default()
            }
        );
        let r = request(&["-p", "--broadcast", "--nodad", "d", "10.0.0.1/24"]);
        assert_eq!(
            r.mode,
            Mode::Add {
                exist_ok: true,
                extras: Extras {
                    broadcast: true,
                    nodad: true
                }
            }
        );
    }

    #[test]
    fn delete_with_force() {
        assert_eq!(
            request(&["-d", "d", "10.0.0.1"]).mode,
            Mode::Delete { force: false }
        );
        assert_eq!(
            request(&["-df", "d", "10.0.0.1"]).mode,
            Mode::Delete { force: true }
        );
        assert_eq!(parse_str(&["--help", "-d", "-p"]).unwrap(), Action::Help);
        assert_eq!(parse_str(&["--version"]).unwrap(), Action::Version);
    }

    #[test]
    fn bad_command_lines_are_usage_errors_naming_the_input() {
        let cases = [
            (&[][..], "missing interface name"),
            (&["veth-red"][..], "missing address"),
            (
                &["a/b", "10.0.0.1"][..],
                "a/b: invalid interface name: may not contain '/'",
            ),
            (
                &["d", "10.0.0.1", "300.1.1.1"][..],
                "300.1.1.1: invalid address: not an IPv4 or IPv6 address",
            ),
            (
                &["d", "10.0.0.1/24", "10.0.0.1/16"][..],
                "10.0.0.1/16: address given twice",
            ),
            (&["-f", "d", "10.0.0.1"][..], "-f goes with -d"),
            (&["-d", "-p", "d", "10.0.0.1"][..], "-p goes without -d"),
            (
                &["-d", "--broadcast", "d", "10.0.0.1"][..],
                "--broadcast goes without -d",
            ),
            (
                &["-d", "--nodad", "d", "fd00::1"][..],
                "--nodad goes without -d",
            ),
            (
                &["-n", "", "d", "10.0.0.1"][..],
                "\"\": invalid namespace name: is empty",
            ),
            (&["--brd", "d", "10.0.0.1"][..], "invalid option '--brd'"),
        ];
        for (args, message) in cases {
            let e = parse_str(args).unwrap_err();
            assert!(
                e.downcast_ref::<nscore::cli::UsageError>().is_some(),
                "{args:?}"
            );
            assert_eq!(e.to_string(), message, "{args:?}");
        }
    }
}
