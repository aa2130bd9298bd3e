//! The command line: `[-n NS] [--down] [--wait[=SECONDS]] DEV...` sets,
//! `[-n NS | -A] -l [--json] [DEV...]` lists.

use std::ffi::OsString;
use std::time::Duration;

use nscore::cli::flags::{ALL_NETNS, BATCH, JSON, LIST, NETNS};
use nscore::cli::{quote, usage, Arg, Batched, Command, Given, Parse};
use nscore::cli::{Complete, Flag, Operands, Spec, MAIN};
use nscore::{listing, names};

pub const SPEC: Spec = Spec {
    name: "linkup",
    usage: &[
        ("[-n NS] [--down] [--wait[=SECONDS]] DEV...", ""),
        ("[-n NS | -A] -l [--json] [DEV...]", ""),
        ("[OPTION]... --batch FILE", ""),
    ],
    about: "\
Sets each interface DEV up (or down), touching no other flag. An interface
that is already in that state is left as it is. Either every DEV is changed
or, when one fails, none is.

With --wait, linkup then waits until each DEV (and the peer of a veth, at
the other end of the cable) is operationally up: carrier on, and its
queues started by the kernel, so that the first packet sent through it is
not dropped. It listens for the kernel's link events; it does not poll.

With -l, lists each interface (or each DEV) one a line, sorted: its name,
operational state and flags, as `ip -br link` shows them.

With --batch, every line is applied first, then linkup waits once.
",
    flags: &[
        NETNS.help(
            "the interfaces are in namespace NS (a name under /run/netns, \
             or a path such as /proc/PID/ns/net)",
        ),
        Flag::long("down")
            .only(&[MAIN])
            .help("set the interfaces down instead"),
        Flag::long("wait")
            .optional_value("SECONDS")
            .only(&[MAIN])
            .without(&["down"])
            .help(
                "then wait until every DEV carries traffic, at most SECONDS \
                 (default 5); exit 1 naming one that does not",
            ),
        LIST.help("list link states: name, operational state, flags"),
        JSON,
        ALL_NETNS,
        BATCH,
    ],
    operands: &[
        Operands::of(MAIN, &[Complete::Device]),
        Operands::of("list", &[Complete::Device]),
    ],
    options_first: false,
    exit_status: "\
0 success, 1 an interface could not be changed (or, with --wait,
did not come up in time), 2 usage error.
",
};

#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Set(Request),
    List(listing::Request),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    pub netns: Option<String>,
    pub up: bool,
    pub devices: Vec<String>,
    /// `--wait`: how long to wait for the devices to carry traffic.
    pub wait: Option<Duration>,
}

/// How long `--wait` waits when no SECONDS are given.
pub const DEFAULT_WAIT: Duration = Duration::from_secs(5);

impl Parse for Action {
    fn parse(args: Vec<OsString>) -> anyhow::Result<Command<Batched<Action>>> {
        let mut given = Given::default();
        let (mut up, mut wait) = (true, None);
        let command = SPEC.parse_given(args, &mut given, |arg| {
            match arg {
                Arg::Switch("down") => up = false,
                Arg::Optional("wait", seconds) => {
                    wait = Some(match seconds {
                        Some(text) => seconds_of(&text)?,
                        None => DEFAULT_WAIT,
                    })
                }
                other => return Err(other.unexpected()),
            }
            Ok(())
        })?;
        command.request(|action| match action {
            "list" => listing::Request::new(given).map(Action::List),
            _ => set(given, up, wait).map(Action::Set),
        })
    }
}

/// A number of seconds, whole or decimal (`0.5`, to the millisecond).
fn seconds_of(text: &str) -> anyhow::Result<Duration> {
    nscore::cli::parse_fixed(text, 3)
        .map(Duration::from_millis)
        .ok_or_else(|| usage(format!("invalid value for --wait: {}", quote(text))))
}

fn set(given: Given, up: bool, wait: Option<Duration>) -> anyhow::Result<Request> {
    if given.operands.is_empty() {
        return Err(usage("missing interface name"));
    }
    names::ifnames(&given.operands)?;
    if let Some(ns) = &given.netns {
        nscore::netns::path_of(ns)?;
    }
    Ok(Request {
        netns: given.netns,
        up,
        devices: given.operands,
        wait,
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
        Action::parse(nscore::cli::command_line("linkup", args))
    }

    fn set(netns: Option<&str>, up: bool, devices: &[&str]) -> Command<Batched<Action>> {
        Command::Run(Batched::Action(Action::Set(Request {
            netns: netns.map(String::from),
            up,
            devices: devices.iter().map(|d| d.to_string()).collect(),
            wait: None,
        })))
    }

    fn wait_of(args: &[&str]) -> Option<Duration> {
        match parse_str(args).unwrap() {
            Command::Run(Batched::Action(Action::Set(request))) => request.wait,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn list_takes_a_scope_and_devices() {
        let list = |args: &[&str]| match parse_str(args).unwrap() {
            Command::Run(Batched::Action(Action::List(request))) => request,
            other => panic!("{other:?}"),
        };
        let r = list(&["-l"]);
        assert_eq!(
            (r.netns, r.all, r.json, r.devices.len()),
            (None, false, false, 0)
        );
        let r = list(&["-n", "red", "-l", "--json", "lo", "veth-red"]);
        assert_eq!(r.netns.as_deref(), Some("red"));
        assert!(r.json && r.devices == ["lo", "veth-red"]);
        assert!(list(&["--list", "--all-netns"]).all);
    }

    #[test]
    fn wait_takes_optional_seconds() {
        assert_eq!(wait_of(&["a"]), None);
        assert_eq!(wait_of(&["--wait", "a"]), Some(DEFAULT_WAIT));
        assert_eq!(wait_of(&["--wait=2", "a"]), Some(Duration::from_secs(2)));
        assert_eq!(
            wait_of(&["a", "--wait=0.25"]),
            Some(Duration::from_millis(250))
        );
        assert_eq!(wait_of(&["--wait=0", "a"]), Some(Duration::ZERO));
    }

    #[test]
    fn devices_namespace_and_direction() {
        assert_eq!(
            parse_str(&["veth-red"]).unwrap(),
            set(None, true, &["veth-red"])
        );
        assert_eq!(
            parse_str(&["-n", "red", "--down", "a", "b"]).unwrap(),
            set(Some("red"), false, &["a", "b"])
        );
        assert_eq!(
            parse_str(&["a", "--netns=/proc/1/ns/net"]).unwrap(),
            set(Some("/proc/1/ns/net"), true, &["a"])
        );
        assert_eq!(parse_str(&["-h", "x/y"]).unwrap(), Command::Help);
        assert_eq!(parse_str(&["-V"]).unwrap(), Command::Version);
        assert_eq!(parse_str(&["--", "-x"]).unwrap(), set(None, true, &["-x"]));
    }

    #[test]
    fn bad_command_lines_are_usage_errors_naming_the_input() {
        let cases = [
            (&[][..], "missing interface name"),
            (&["-n"][..], "missing argument for option '-n'"),
            (
                &["a/b"][..],
                "a/b: invalid interface name: may not contain '/'",
            ),
            (
                &["1234567890123456"][..],
                "1234567890123456: invalid interface name: is longer than 15 bytes",
            ),
            (&["a", "a"][..], "a: interface given twice"),
            (
                &["-n", "..", "a"][..],
                "..: invalid namespace name: may not be \".\" or \"..\"",
            ),
            (&["--bogus", "a"][..], "invalid option '--bogus'"),
            (&["--wait=abc", "a"][..], "invalid value for --wait: abc"),
            (&["--wait=-1", "a"][..], "invalid value for --wait: -1"),
            (&["--wait=", "a"][..], "invalid value for --wait: \"\""),
            (&["--wait=inf", "a"][..], "invalid value for --wait: inf"),
            (
                &["--wait=1e300", "a"][..],
                "invalid value for --wait: 1e300",
            ),
            (&["--down", "--wait", "a"][..], "--wait goes without --down"),
            (&["-l", "-A", "-n", "red"][..], "-A goes without -n"),
            (&["-A"][..], "-A goes with -l"),
            (&["--json", "a"][..], "--json goes with -l"),
            (&["-l", "--down"][..], "--down goes without -l"),
            (&["-l", "--wait"][..], "--wait goes without -l"),
            (&["-l", "a", "a"][..], "a: interface given twice"),
            (
                &["-l", "a/b"][..],
                "a/b: invalid interface name: may not contain '/'",
            ),
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
