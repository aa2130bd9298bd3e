//! The command line: `[-n NS] [--peer-netns NS] [-p] NAME PEER` creates a
//! pair, `[-n NS] --remote ADDR --vni N [...] NAME` a VXLAN end,
//! `[-n NS] -d [-f] NAME...` deletes, `[-n NS | -A] -l [--json]` lists.

use std::ffi::OsString;
use std::net::IpAddr;

use nscore::cli::flags::{ALL_NETNS, BATCH, DELETE, EXIST_OK, FORCE, JSON, LIST, NETNS};
use nscore::cli::{parse_number, quote, usage, Arg, Batched, Command, Given, Parse};
use nscore::cli::{Complete, Flag, Operands, Spec, MAIN};
use nscore::{host, listing, names, netns};

use crate::remote::vxlan::DEFAULT_PORT;

/// The action `--remote` selects.
const REMOTE: &str = "remote";

pub const SPEC: Spec = Spec {
    name: "vethpair",
    usage: &[
        ("[-n NS] [--peer-netns PEER_NS] [-p] NAME PEER", ""),
        ("[-n NS] --remote ADDR --vni N [-p] NAME", ""),
        ("[-n NS] -d [-f] NAME...", ""),
        ("[-n NS | -A] -l [--json]", ""),
        ("[OPTION]... --batch FILE", ""),
    ],
    about: "\
Creates a veth pair: interface NAME, and its peer PEER at the other end of
the cable. Both ends are created directly in their namespaces, by one
request: NAME in NS, PEER in PEER_NS (by default the namespace NAME is in).
Nothing is created when either name is taken or a namespace is missing.

With --remote, the cable goes to another machine: NAME is created in NS as
a VXLAN end (the kernel's) whose packets travel, wrapped in UDP, through
the network of namespace UNS (by default where vethpair runs: the host) to
ADDR, where the other machine runs the mirror command with the same VNI
and port. Its MTU is the underlay's less the 50 bytes (70 over IPv6) that
VXLAN adds.

With -d, deletes the pair each NAME is an end of (its peer goes with it,
wherever it is), or the VXLAN end NAME is. Every NAME is checked first:
when one is missing or not a veth, nothing is deleted.

With -l, lists every veth end, one a line, sorted: its name, its
operational state, its peer's name and the peer's namespace by name:
the entry of /run/netns holding it, or - when beside it, or nsid:N. A
VXLAN end shows its remote address and its underlay namespace in their
place, then vni:N and port:P (and local:ADDR).
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
        Flag::long("remote")
            .value("ADDR")
            .action()
            .complete(Complete::Host)
            .help(
                "make NAME a VXLAN end whose packets go to ADDR (an address, \
                 or a name in /etc/hosts)",
            ),
        Flag::long("vni")
            .value("N")
            .only(&[REMOTE])
            .help("with --remote: the VXLAN network identifier, 1 to 16777215"),
        Flag::long("port")
            .value("P")
            .only(&[REMOTE])
            .help("with --remote: the UDP port, 4789 by default"),
        Flag::long("local")
            .value("ADDR")
            .only(&[REMOTE])
            .help("with --remote: send from this address of the underlay"),
        Flag::long("underlay-netns")
            .value("UNS")
            .only(&[REMOTE])
            .complete(Complete::Netns)
            .help(
                "with --remote: the packets travel through namespace UNS \
                 (by default the one vethpair runs in)",
            ),
        Flag::long("dev")
            .value("DEV")
            .only(&[REMOTE])
            .complete(Complete::Device)
            .help("with --remote: the packets leave by DEV of the underlay"),
        EXIST_OK.only(&[MAIN, REMOTE]).help(
            "NAME already being a veth whose peer is PEER (in those \
             namespaces), or a VXLAN end with these settings, is not an error",
        ),
        DELETE.help("delete the pairs (and VXLAN ends) NAME... are ends of"),
        FORCE.help("with -d: a NAME that does not exist is not an error"),
        LIST.help("list the veth ends with their peer and its namespace, and the VXLAN ends"),
        JSON,
        ALL_NETNS,
        BATCH,
    ],
    operands: &[Operands::of("delete", &[Complete::Device])],
    options_first: false,
    exit_status: "\
0 success, 1 the pair could not be created (a name taken, a
namespace missing, ...), 2 usage error.
",
};

#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Create(Request),
    Remote(Remote),
    Delete(Delete),
    List(listing::Request),
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

/// `--remote`: a VXLAN end NAME in NS, its UDP socket in UNS.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Remote {
    pub netns: Option<String>,
    /// `--underlay-netns`.
    pub underlay: Option<String>,
    pub name: String,
    /// ADDR as given: an address, or a name looked up in the underlay.
    pub remote: String,
    pub vni: u32,
    pub port: u16,
    pub local: Option<IpAddr>,
    pub dev: Option<String>,
    pub exist_ok: bool,
}

/// The values of the `--remote` options, as given.
#[derive(Default)]
struct RemoteArgs {
    remote: String,
    vni: Option<String>,
    port: Option<String>,
    local: Option<String>,
    underlay: Option<String>,
    dev: Option<String>,
}

impl Request {
    pub fn peer_where(&self) -> Option<&str> {
        self.peer_netns.as_deref().or(self.netns.as_deref())
    }
}

impl Parse for Action {
    fn parse(args: Vec<OsString>) -> anyhow::Result<Command<Batched<Action>>> {
        let mut given = Given::default();
        let (mut peer_netns, mut vxlan) = (None, RemoteArgs::default());
        let command = SPEC.parse_given(args, &mut given, |arg| {
            match arg {
                Arg::Value("peer-netns", ns) => peer_netns = Some(ns),
                Arg::Value("remote", addr) => vxlan.remote = addr,
                Arg::Value("vni", n) => vxlan.vni = Some(n),
                Arg::Value("port", p) => vxlan.port = Some(p),
                Arg::Value("local", addr) => vxlan.local = Some(addr),
                Arg::Value("underlay-netns", ns) => vxlan.underlay = Some(ns),
                Arg::Value("dev", dev) => vxlan.dev = Some(dev),
                other => return Err(other.unexpected()),
            }
            Ok(())
        })?;
        command.request(|action| match action {
            "delete" => delete(given).map(Action::Delete),
            REMOTE => remote(given, vxlan).map(Action::Remote),
            "list" if !given.operands.is_empty() => Err(usage("-l takes no names")),
            "list" => listing::Request::new(given).map(Action::List),
            _ => create(given, peer_netns).map(Action::Create),
        })
    }
}

fn delete(given: Given) -> anyhow::Result<Delete> {
    if given.operands.is_empty() {
        return Err(usage("missing interface NAME"));
    }
    names::ifnames(&given.operands)?;
    if let Some(ns) = &given.netns {
        netns::path_of(ns)?;
    }
    Ok(Delete {
        netns: given.netns,
        names: given.operands,
        force: given.force,
    })
}

fn create(given: Given, peer_netns: Option<String>) -> anyhow::Result<Request> {
    let mut names = given.operands.into_iter();
    let (Some(name), Some(peer)) = (names.next(), names.next()) else {
        return Err(usage("expected two interface names: NAME PEER"));
    };
    if let Some(extra) = names.next() {
        return Err(usage(format!("unexpected argument {}", quote(&extra))));
    }
    names::ifname(&name)?;
    names::ifname(&peer)?;
    for ns in [&given.netns, &peer_netns].into_iter().flatten() {
        netns::path_of(ns)?;
    }
    let request = Request {
        netns: given.netns,
        peer_netns,
        exist_ok: given.exist_ok,
        name,
        peer,
    };
    if request.name == request.peer && request.peer_where() == request.netns.as_deref() {
        return Err(usage(format!(
            "{}: both ends would have the same name in the same namespace",
            quote(&request.name)
        )));
    }
    Ok(request)
}

fn remote(given: Given, args: RemoteArgs) -> anyhow::Result<Remote> {
    let mut names = given.operands.into_iter();
    let Some(name) = names.next() else {
        return Err(usage("missing interface NAME"));
    };
    if let Some(peer) = names.next() {
        return Err(usage(format!(
            "unexpected argument {}: a VXLAN end has no PEER (--remote makes NAME only)",
            quote(&peer)
        )));
    }
    names::ifname(&name)?;
    for ns in [&given.netns, &args.underlay].into_iter().flatten() {
        netns::path_of(ns)?;
    }
    if let Some(dev) = &args.dev {
        names::ifname(dev)?;
    }
    let vni = args.vni.ok_or_else(|| usage("--remote needs --vni N"))?;
    let vni = in_range("--vni", &vni, 1, (1 << 24) - 1)?;
    let port = match args.port {
        Some(port) => in_range("--port", &port, 1, 65535)? as u16,
        None => DEFAULT_PORT,
    };
    let local = args.local.map(|l| unicast("--local", &l)).transpose()?;
    // A name is looked up later, in the underlay; an address is checked now.
    if let Some(remote) = host::parse_ip(&args.remote) {
        unicast("--remote", &args.remote)?;
        if local.is_some_and(|l| l.is_ipv4() != remote.is_ipv4()) {
            return Err(usage(format!(
                "--remote {} and --local {} are not of the same family",
                args.remote,
                local.unwrap()
            )));
        }
    } else if args.remote.is_empty() {
        return Err(usage("--remote: empty address"));
    }
    Ok(Remote {
        netns: given.netns,
        underlay: args.underlay,
        name,
        remote: args.remote,
        vni,
        port,
        local,
        dev: args.dev,
        exist_ok: given.exist_ok,
    })
}

/// The number `value` of `option`, from `low` to `high`.
fn in_range(option: &str, value: &str, low: u32, high: u32) -> anyhow::Result<u32> {
    let n: u32 = parse_number(option, value)?;
    if n < low || n > high {
        return Err(usage(format!(
            "invalid value for {option}: {n} (not in {low}..{high})"
        )));
    }
    Ok(n)
}

/// The address `value` of `option`: one a VXLAN end can send to or from.
fn unicast(option: &str, value: &str) -> anyhow::Result<IpAddr> {
    let ip = host::parse_ip(value).ok_or_else(|| {
        usage(format!(
            "invalid value for {option}: {} (not an IP address)",
            quote(value)
        ))
    })?;
    if !is_unicast(ip) {
        return Err(usage(format!("{option} {ip}: not a unicast address")));
    }
    Ok(ip)
}

/// Whether `ip` names one host (a VXLAN "remote", not a "group").
pub fn is_unicast(ip: IpAddr) -> bool {
    let broadcast = matches!(ip, IpAddr::V4(a) if a.is_broadcast());
    !(ip.is_multicast() || ip.is_unspecified() || broadcast)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_what_the_parser_takes() {
        testkit::options::check_table(&SPEC, Action::parse);
    }

    fn parse_str(args: &[&str]) -> anyhow::Result<Command<Batched<Action>>> {
        Action::parse(nscore::cli::command_line("vethpair", args))
    }

    fn request(args: &[&str]) -> Request {
        match parse_str(args).unwrap() {
            Command::Run(Batched::Action(Action::Create(request))) => request,
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

    fn remote(args: &[&str]) -> Remote {
        match parse_str(args).unwrap() {
            Command::Run(Batched::Action(Action::Remote(remote))) => remote,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_remote_end_takes_its_settings() {
        assert_eq!(
            remote(&[
                "-n",
                "red",
                "--remote",
                "192.168.7.2",
                "--vni",
                "42",
                "vx-red"
            ]),
            Remote {
                netns: Some("red".into()),
                name: "vx-red".into(),
                remote: "192.168.7.2".into(),
                vni: 42,
                port: 4789,
                ..Remote::default()
            }
        );
        let r = remote(&[
            "--remote=fd00::2",
            "--vni=16777215",
            "--port",
            "8472",
            "--local",
            "fd00::1",
            "--underlay-netns",
            "/proc/1/ns/net",
            "--dev",
            "eth0",
            "-p",
            "vx",
        ]);
        assert_eq!(
            (
                r.vni,
                r.port,
                r.local,
                r.underlay.as_deref(),
                r.dev.as_deref()
            ),
            (
                16777215,
                8472,
                "fd00::1".parse().ok(),
                Some("/proc/1/ns/net"),
                Some("eth0")
            )
        );
        assert!(r.exist_ok && r.netns.is_none());
        // A name is looked up when the underlay is known.
        assert_eq!(
            remote(&["--remote", "host-b", "--vni", "1", "vx"]).remote,
            "host-b"
        );
    }

    #[test]
    fn list_takes_a_scope() {
        let r = match parse_str(&["-n", "red", "-l", "--json"]).unwrap() {
            Command::Run(Batched::Action(Action::List(r))) => r,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            (r.netns.as_deref(), r.all, r.json),
            (Some("red"), false, true)
        );
        assert!(matches!(
            parse_str(&["-lA"]).unwrap(),
            Command::Run(Batched::Action(Action::List(listing::Request {
                all: true,
                ..
            })))
        ));
    }

    #[test]
    fn delete_takes_names_and_force() {
        assert_eq!(
            parse_str(&["-n", "red", "-d", "veth-red", "va"]).unwrap(),
            Command::Run(Batched::Action(Action::Delete(Delete {
                netns: Some("red".into()),
                names: vec!["veth-red".into(), "va".into()],
                force: false,
            })))
        );
        assert_eq!(
            parse_str(&["-df", "x"]).unwrap(),
            Command::Run(Batched::Action(Action::Delete(Delete {
                netns: None,
                names: vec!["x".into()],
                force: true,
            })))
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
            (&["-l", "a"][..], "-l takes no names"),
            (&["-l", "-A", "-n", "red"][..], "-A goes without -n"),
            (&["-l", "-p"][..], "-p goes without -l"),
            (&["--json", "a", "b"][..], "--json goes with -l"),
            (
                &["-l", "--peer-netns", "blue"][..],
                "--peer-netns goes without -l",
            ),
            (&["-dp", "a"][..], "-p goes without -d"),
            (
                &["-d", "--peer-netns", "blue", "a"][..],
                "--peer-netns goes without -d",
            ),
            (
                &["-d", "-n", "..", "a"][..],
                "..: invalid namespace name: may not be \".\" or \"..\"",
            ),
            (&["--remote", "10.0.0.2", "x"][..], "--remote needs --vni N"),
            (
                &["--remote", "10.0.0.2", "--vni", "0", "x"][..],
                "invalid value for --vni: 0 (not in 1..16777215)",
            ),
            (
                &["--remote", "10.0.0.2", "--vni", "16777216", "x"][..],
                "invalid value for --vni: 16777216 (not in 1..16777215)",
            ),
            (
                &["--remote", "10.0.0.2", "--vni", "x1", "x"][..],
                "invalid value for --vni: x1",
            ),
            (
                &["--remote", "10.0.0.2", "--vni", "1", "--port", "0", "x"][..],
                "invalid value for --port: 0 (not in 1..65535)",
            ),
            (
                &["--remote", "10.0.0.2", "--vni", "1", "--port", "65536", "x"][..],
                "invalid value for --port: 65536 (not in 1..65535)",
            ),
            (
                &["--remote", "10.0.0.2", "--vni", "1", "x", "y"][..],
                "unexpected argument y: a VXLAN end has no PEER (--remote makes NAME only)",
            ),
            (
                &["--remote", "10.0.0.2", "--vni", "1"][..],
                "missing interface NAME",
            ),
            (
                &["--remote", "224.0.0.1", "--vni", "1", "x"][..],
                "--remote 224.0.0.1: not a unicast address",
            ),
            (
                &["--remote", "", "--vni", "1", "x"][..],
                "--remote: empty address",
            ),
            (
                &["--remote", "10.0.0.2", "--vni", "1", "--local", "::", "x"][..],
                "--local ::: not a unicast address",
            ),
            (
                &["--remote", "10.0.0.2", "--vni", "1", "--local", "a b", "x"][..],
                "invalid value for --local: \"a b\" (not an IP address)",
            ),
            (
                &[
                    "--remote", "10.0.0.2", "--vni", "1", "--local", "fd00::1", "x",
                ][..],
                "--remote 10.0.0.2 and --local fd00::1 are not of the same family",
            ),
            (
                &["--remote", "10.0.0.2", "--vni", "1", "--dev", "a:1", "x"][..],
                "a:1: invalid interface name: may not contain ':'",
            ),
            (
                &["--remote", "h", "--vni", "1", "--underlay-netns", "", "x"][..],
                "\"\": invalid namespace name: is empty",
            ),
            (&["--vni", "1", "x"][..], "--vni goes with --remote"),
            (
                &["--remote", "h", "--vni", "1", "--peer-netns", "b", "x"][..],
                "--peer-netns goes without --remote",
            ),
            (
                &["-d", "--remote", "h", "x"][..],
                "--remote goes without -d",
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
