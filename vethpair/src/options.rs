//! The command line: `[-n NS] [--peer-netns NS] [-p] NAME PEER` creates,
//! `[-n NS] -d [-f] NAME...` deletes.

use std::ffi::OsString;

use nscore::cli::flags::{self, DELETE, EXIST_OK, FORCE, NETNS};
use nscore::cli::{quote, usage, Arg, Command, Complete, Flag, Operands, Spec, MAIN};
use nscore::{names, netns};

pub const SPEC: Spec = Spec {
    name: "vethpair",
    usage: &[
        (
            "[-n NS] [--peer-netns PEER_NS] [-p] NAME PEER",
            "create a veth pair",
        ),
        ("[-n NS] -d [-f] NAME...", "delete pairs (both ends go)"),
    ],
    about: "\
Creates a veth pair: interface NAME, and its peer PEER at the other end of
the cable. Both ends are created directly in their namespaces, by one
request: NAME in NS, PEER in PEER_NS (by default the namespace NAME is in).
Nothing is created when either name is taken or a namespace is missing.

With -d, deletes the pair each NAME is an end of (its peer goes with it,
wherever it is). Every NAME is checked first: when one is missing or not a
veth, nothing is deleted.
",
    flags: &[
        NETNS.help(
            "NAME is in namespace NS (a name under /run/netns, or a path \
             such as /proc/PID/ns/net)",
        ),
        Flag::long("peer-netns")
            .value("PEER_NS")
            .only(&[MAIN])
            .complete(Complete::Netns)
            .help("create PEER in namespace PEER_NS"),
        EXIST_OK.help(
            "NAME already being a veth whose peer is PEER (in those \
             namespaces) is not an error",
        ),
        DELETE.help("delete the pairs NAME... are ends of"),
        FORCE.help("with -d: a NAME that does not exist is not an error"),
    ],
    operands: &[Operands {
        action: "delete",
        kinds: &[Complete::Device],
    }],
    options_first: false,
    exit_status: "\
0 success, 1 the pair could not be created (a name taken, a
namespace missing, ...), 2 usage error.
",
};

#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Create(Request),
    Delete(Delete),
}

/// `-d`: the pairs to delete.
#[derive(Debug, PartialEq, Eq)]
pub struct Delete {
    pub netns: Option<String>,
    pub names: Vec<String>,
    /// `-f`: a NAME that is not there is a success.
    pub force: bool,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Request {
    pub netns: Option<String>,
    pub peer_netns: Option<String>,
    pub exist_ok: bool,
    pub name: String,
    pub peer: String,
}

impl Request {
    pub fn peer_where(&self) -> Option<&str> {
        self.peer_netns.as_deref().or(self.netns.as_deref())
    }
}

pub fn parse(args: impl IntoIterator<Item = OsString>) -> anyhow::Result<Command<Action>> {
    let mut request = Request::default();
    let mut force = false;
    let mut names = Vec::new();
    let command = SPEC.parse(args, |arg| {
        match arg {
            Arg::Value("netns", ns) => request.netns = Some(ns),
            Arg::Value("peer-netns", ns) => request.peer_netns = Some(ns),
            Arg::Switch("exist-ok") => request.exist_ok = true,
            Arg::Switch("force") => force = true,
            Arg::Switch("delete") => {}
            Arg::Operand(name) => names.push(flags::utf8(name)?),
            other => return Err(other.unexpected()),
        }
        Ok(())
    })?;
    command.try_map(|action| match action {
        "delete" => delete(request.netns, names, force).map(Action::Delete),
        _ => create(request, names).map(Action::Create),
    })
}

fn delete(netns: Option<String>, names: Vec<String>, force: bool) -> anyhow::Result<Delete> {
    if names.is_empty() {
        return Err(usage("missing interface NAME"));
    }
    for (i, name) in names.iter().enumerate() {
        names::ifname(name)?;
        if names[..i].contains(name) {
            return Err(usage(format!("{}: interface given twice", quote(name))));
        }
    }
    if let Some(ns) = &netns {
        netns::path_of(ns)?;
    }
    Ok(Delete {
        netns,
        names,
        force,
    })
}

fn create(mut request: Request, names: Vec<String>) -> anyhow::Result<Request> {
    let mut names = names.into_iter();
    let (Some(name), Some(peer)) = (names.next(), names.next()) else {
        return Err(usage("expected two interface names: NAME PEER"));
    };
    if let Some(extra) = names.next() {
        return Err(usage(format!("unexpected argument {}", quote(&extra))));
    }
    names::ifname(&name)?;
    names::ifname(&peer)?;
    for ns in [&request.netns, &request.peer_netns].into_iter().flatten() {
        netns::path_of(ns)?;
    }
    (request.name, request.peer) = (name, peer);
    if request.name == request.peer && request.peer_where() == request.netns.as_deref() {
        return Err(usage(format!(
            "{}: both ends would have the same name in the same namespace",
            quote(&request.name)
        )));
    }
    Ok(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_what_the_parser_takes() {
        testkit::options::check_table(&SPEC, parse);
    }

    fn parse_str(args: &[&str]) -> anyhow::Result<Command<Action>> {
        parse(nscore::cli::command_line("vethpair", args))
    }

    fn request(args: &[&str]) -> Request {
        match parse_str(args).unwrap() {
            Command::Run(Action::Create(request)) => request,
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
        assert_eq!(parse_str(&["-h"]).unwrap(), Command::Help);
        assert_eq!(parse_str(&["-V", "junk"]).unwrap(), Command::Version);
    }

    #[test]
    fn delete_takes_names_and_force() {
        assert_eq!(
            parse_str(&["-n", "red", "-d", "veth-red", "va"]).unwrap(),
            Command::Run(Action::Delete(Delete {
                netns: Some("red".into()),
                names: vec!["veth-red".into(), "va".into()],
                force: false,
            }))
        );
        assert_eq!(
            parse_str(&["-df", "x"]).unwrap(),
            Command::Run(Action::Delete(Delete {
                netns: None,
                names: vec!["x".into()],
                force: true,
            }))
        );
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
            (&["-d"][..], "missing interface NAME"),
            (&["-d", "a", "b", "a"][..], "a: interface given twice"),
            (
                &["-d", "a:1"][..],
                "a:1: invalid interface name: may not contain ':'",
            ),
            (&["-f", "a"][..], "-f goes with -d"),
            (&["-dp", "a"][..], "-p goes without -d"),
            (
                &["-d", "--peer-netns", "blue", "a"][..],
                "--peer-netns goes without -d",
            ),
            (
                &["-d", "-n", "..", "a"][..],
                "..: invalid namespace name: may not be \".\" or \"..\"",
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
