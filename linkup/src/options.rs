//! The command line: `[-n NS] [--down] DEV...`.

use std::ffi::OsString;

use nscore::cli::{bad_argument, usage};
use nscore::names;

#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Help,
    Version,
    Set(Request),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    pub netns: Option<String>,
    pub up: bool,
    pub devices: Vec<String>,
}

pub fn parse(args: impl IntoIterator<Item = OsString>) -> anyhow::Result<Action> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_iter(args);
    let mut request = Request {
        netns: None,
        up: true,
        devices: Vec::new(),
    };
    while let Some(arg) = parser.next().map_err(bad_argument)? {
        match arg {
            Short('h') | Long("help") => return Ok(Action::Help),
            Short('V') | Long("version") => return Ok(Action::Version),
            Short('n') | Long("netns") => {
                let ns = parser.value().map_err(bad_argument)?;
                request.netns = Some(ns.string().map_err(bad_argument)?);
            }
            Long("down") => request.up = false,
            Value(dev) => request.devices.push(dev.string().map_err(bad_argument)?),
            _ => return Err(bad_argument(arg.unexpected())),
        }
    }
    if request.devices.is_empty() {
        return Err(usage("missing interface name"));
    }
    for (i, dev) in request.devices.iter().enumerate() {
        names::ifname(dev)?;
        if request.devices[..i].contains(dev) {
            return Err(usage(format!("{dev}: interface given twice")));
        }
    }
    if let Some(ns) = &request.netns {
        nscore::netns::path_of(ns)?;
    }
    Ok(Action::Set(request))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> anyhow::Result<Action> {
        parse(nscore::cli::command_line("linkup", args))
    }

    fn set(netns: Option<&str>, up: bool, devices: &[&str]) -> Action {
        Action::Set(Request {
            netns: netns.map(String::from),
            up,
            devices: devices.iter().map(|d| d.to_string()).collect(),
        })
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
        assert_eq!(parse_str(&["-h", "x/y"]).unwrap(), Action::Help);
        assert_eq!(parse_str(&["-V"]).unwrap(), Action::Version);
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
