//! The command line: `[-n NS] [-p] [--broadcast] [--nodad] DEV ADDR...`,
//! `[-n NS] -d [-f] DEV ADDR...` and `[-n NS | -A] -l [--json] [DEV...]`.

use std::ffi::OsString;

use nscore::cli::flags::{ALL_NETNS, BATCH, DELETE, EXIST_OK, FORCE, JSON, LIST, NETNS};
use nscore::cli::{quote, usage, Arg, Batched, Command, Given, Parse};
use nscore::cli::{Complete, Flag, Operands, Spec, MAIN};
use nscore::{listing, names};

use crate::address::{self, Address, Extras};

pub const SPEC: Spec = Spec {
    name: "ipassign",
    usage: &[
        ("[-n NS] [-p] [--broadcast] [--nodad] DEV ADDR[/LEN]...", ""),
        ("[-n NS] -d [-f] DEV ADDR[/LEN]...", ""),
        ("[-n NS | -A] -l [--json] [DEV...]", ""),
        ("[OPTION]... --batch FILE", ""),
    ],
    about: "\
Adds (or with -d removes) each address ADDR/LEN on interface DEV, as
`ip addr add ADDR/LEN dev DEV` does: LEN defaults to 32 for IPv4 and 128
for IPv6; scope host for 127.0.0.0/8, global otherwise; no broadcast address
unless asked for. Every address is checked before anything is sent, and
either all are added (removed) or, when one fails, none is.

With -l, lists each interface (or each DEV) one a line, sorted: its name,
operational state and every address as ADDR/LEN, as `ip -br addr` shows
them.
",
    flags: &[
        NETNS.help(
            "DEV is in namespace NS (a name under /run/netns, or a path such \
             as /proc/PID/ns/net)",
        ),
        EXIST_OK.help("an address already assigned (with that length) is not an error"),
        Flag::long("broadcast")
            .only(&[MAIN])
            .help("IPv4: set the subnet's broadcast address (as `brd +`)"),
        Flag::long("nodad")
            .only(&[MAIN])
            .help("IPv6: skip duplicate address detection, usable at once"),
        DELETE.help(
            "remove the addresses; an IPv4 ADDR without /LEN removes that \
             address whatever its length (as `ip addr del`)",
        ),
        FORCE.help("with -d: an address (or interface) not there is not an error"),
        LIST.help("list the addresses of every interface (or of each DEV)"),
        JSON,
        ALL_NETNS,
        BATCH,
    ],
    operands: &[
        Operands::of(MAIN, &[Complete::Device, Complete::Nothing]),
        Operands::of("delete", &[Complete::Device, Complete::Nothing]),
        Operands::of("list", &[Complete::Device]),
    ],
    options_first: false,
    exit_status: "0 success, 1 the operation failed, 2 usage error.\n",
};

#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Assign(Request),
    List(listing::Request),
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

impl Parse for Action {
    fn parse(args: Vec<OsString>) -> anyhow::Result<Command<Batched<Action>>> {
        let mut given = Given::default();
        let mut extras = Extras::default();
        let command = SPEC.parse_given(args, &mut given, |arg| {
            match arg {
                Arg::Switch("broadcast") => extras.broadcast = true,
                Arg::Switch("nodad") => extras.nodad = true,
                other => return Err(other.unexpected()),
            }
            Ok(())
        })?;
        command.request(|action| {
            let mode = match action {
                "list" => return listing::Request::new(given).map(Action::List),
                MAIN => Mode::Add {
                    exist_ok: given.exist_ok,
                    extras,
                },
                _ => Mode::Delete { force: given.force },
            };
            assign(given.netns, given.operands, mode).map(Action::Assign)
        })
    }
}

fn assign(netns: Option<String>, operands: Vec<String>, mode: Mode) -> anyhow::Result<Request> {
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
    Ok(Request {
        netns,
        device,
        addresses,
        mode,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_what_the_parser_takes() {
        testkit::options::check_table(&SPEC, Action::parse);
    }

    fn parse_str(args: &[&str]) -> anyhow::Result<Command<Batched<Action>>> {
        Action::parse(nscore::cli::command_line("ipassign", args))
    }

    fn request(args: &[&str]) -> Request {
        match parse_str(args).unwrap() {
            Command::Run(Batched::Action(Action::Assign(request))) => request,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn list_takes_a_scope_and_devices() {
        let Command::Run(Batched::Action(Action::List(r))) =
            parse_str(&["-lA", "--json", "lo"]).unwrap()
        else {
            panic!("not a listing");
        };
        assert!(r.all && r.json && r.netns.is_none() && r.devices == ["lo"]);
        for (args, message) in [
            (&["-l", "-A", "--netns=red"][..], "-A goes without --netns"),
            (&["-l", "-p"][..], "-p goes without -l"),
            (&["-l", "--nodad"][..], "--nodad goes without -l"),
            (
                &["-d", "--json", "a", "10.0.0.1"][..],
                "--json goes without -d",
            ),
            (&["-A", "a", "10.0.0.1"][..], "-A goes with -l"),
            (&["-l", "a", "a"][..], "a: interface given twice"),
        ] {
            let e = parse_str(args).unwrap_err();
            assert_eq!(e.to_string(), message, "{args:?}");
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
        assert_eq!(parse_str(&["--help", "-d", "-p"]).unwrap(), Command::Help);
        assert_eq!(parse_str(&["--version"]).unwrap(), Command::Version);
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
