//! The command line: `[-n NS] [--peer-netns NS] [-p] NAME PEER`.

use std::ffi::OsString;

use nscore::cli::{bad_argument, quote, usage};
use nscore::{names, netns};

#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Help,
    Version,
    Create(Request),
}

#[derive(Debug, PartialEq, Eq)]
pub struct Request {
    pub netns: Option<String>,
    pub peer_netns: Option<String>,
    pub exist_ok: bool,
    pub name: String,
    pub peer: String,
}

impl Request {
    /// The namespace PEER is in, as given on the command line.
    pub fn peer_where(&self) -> Option<&str> {
        self.peer_netns.as_deref().or(self.netns.as_deref())
    }
}

pub fn parse(args: impl IntoIterator<Item = OsString>) -> anyhow::Result<Action> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_iter(args);
    let (mut netns, mut peer_netns, mut exist_ok) = (None, None, false);
    let mut names = Vec::new();
    while let Some(arg) = parser.next().map_err(bad_argument)? {
        match arg {
            Short('h') | Long("help") => return Ok(Action::Help),
            Short('V') | Long("version") => return Ok(Action::Version),
            Short('n') | Long("netns") => {
                let ns = parser.value().map_err(bad_argument)?;
                netns = Some(ns.string().map_err(bad_argument)?);
            }
            Long("peer-netns") => {
                let ns = parser.value().map_err(bad_argument)?;
                peer_netns = Some(ns.string().map_err(bad_argument)?);
            }
            Short('p') | Long("exist-ok") => exist_ok = true,
            Value(name) => names.push(name.string().map_err(bad_argument)?),
            _ => return Err(bad_argument(arg.unexpected())),
        }
    }
    let mut names = names.into_iter();
    let (Some(name), Some(peer)) = (names.next(), names.next()) else {
        return Err(usage("expected two interface names: NAME PEER"));
    };
    if let Some(extra) = names.next() {
        return Err(usage(format!("unexpected argument {}", quote(&extra))));
    }
    names::ifname(&name)?;
    names::ifname(&peer)?;
    for ns in [&netns, &peer_netns].into_iter().flatten() {
        netns::path_of(ns)?;
    }
    let request = Request {
        netns,
        peer_netns,
        exist_ok,
        name,
        peer,
    };
    if request.name == request.peer && request.peer_where() == request.netns.as_deref() {
        return Err(usage(format!(
            "{}: both ends would have the same name in the same namespace",
            quote(&request.name)
        )));
    }
    Ok(Action::Create(request))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> anyhow::Result<Action> {
        parse(nscore::cli::command_line("vethpair", args))
    }

    fn request(args: &[&str]) -> Request {
        match parse_str(args).unwrap() {
            Action::Create(request) => request,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_tutorial_command_line() {
        let r = request(&["-n", "red", "veth-red", "--peer-netns", "blue", "veth-blue"]);
        assert_eq!(
            r,
            Request {
                netns: Some("red".into()),
                peer_netns: Some("blue".into()),
                exist_ok: false,
                name: "veth-red".into(),
                peer: "veth-blue".into(),
            }
        );
        assert_eq!(r.peer_where(), Some("blue"));
    }

    #[test]
    fn the_peer_defaults_to_the_namespace_of_name() {
        let r = request(&["-p", "--netns=red", "a", "b"]);
        assert!(r.exist_ok);
        assert_eq!(r.peer_where(), Some("red"));
        assert_eq!(request(&["a", "b"]).peer_where(), None);
        assert_eq!(
            request(&["x", "x", "--peer-netns", "blue"]).peer_where(),
            Some("blue")
        );
        assert_eq!(parse_str(&["-h"]).unwrap(), Action::Help);
        assert_eq!(parse_str(&["-V", "junk"]).unwrap(), Action::Version);
    }

    #[test]
    fn bad_command_lines_are_usage_errors_naming_the_input() {
        let cases = [
            (&[][..], "expected two interface names: NAME PEER"),
            (&["a"][..], "expected two interface names: NAME PEER"),
            (&["a", "b", "c"][..], "unexpected argument c"),
            (
                &["a", "b:1"][..],
                "b:1: invalid interface name: may not contain ':'",
            ),
            (
                &["1234567890123456", "b"][..],
                "1234567890123456: invalid interface name: is longer than 15 bytes",
            ),
            (
                &["--peer-netns", "", "a", "b"][..],
                "\"\": invalid namespace name: is empty",
            ),
            (
                &["-n", "-x", "a", "b"][..],
                "-x: invalid namespace name: may not start with '-'",
            ),
            (
                &["--peer-netns"][..],
                "missing argument for option '--peer-netns'",
            ),
            (
                &["x", "x"][..],
                "x: both ends would have the same name in the same namespace",
            ),
            (
                &["-n", "red", "x", "x"][..],
                "x: both ends would have the same name in the same namespace",
            ),
            (
                &["-n", "red", "--peer-netns", "red", "x", "x"][..],
                "x: both ends would have the same name in the same namespace",
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
