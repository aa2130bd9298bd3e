//! Every nstools tool in one binary, busybox style. Called through a link
//! named after a tool (`ln -s nstools nsadd`), it is that tool; otherwise the
//! first argument names the tool (`nstools nsadd red`). Each tool runs
//! through its own library entry point: no tool code lives here.

use std::ffi::{OsStr, OsString};
use std::path::Path;
use std::process::ExitCode;

use nscore::cli::flags::LIST;
use nscore::cli::{self, quote_os, Spec, Tool};

/// A tool's library entry point, with argv[0] first.
pub type Entry = fn(Vec<OsString>) -> ExitCode;

/// One tool in the multi-call binary.
pub struct Applet {
    pub name: &'static str,
    pub summary: &'static str,
    pub entry: Entry,
}

/// Tools are told apart by name (comparing function pointers is unreliable).
impl PartialEq for Applet {
    fn eq(&self, other: &Applet) -> bool {
        self.name == other.name
    }
}

impl Eq for Applet {}

impl std::fmt::Debug for Applet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// The tools, in the order of the tutorial.
pub const APPLETS: &[Applet] = &[
    Applet {
        name: "nsadd",
        summary: "create, list and delete named network namespaces",
        entry: |args| nsadd::main(args),
    },
    Applet {
        name: "nsexec",
        summary: "run a command inside a network namespace",
        entry: |args| nsexec::main(args),
    },
    Applet {
        name: "vethpair",
        summary: "create a veth pair, each end born in its namespace",
        entry: |args| vethpair::main(args),
    },
    Applet {
        name: "ipassign",
        summary: "add or remove IPv4 and IPv6 addresses on an interface",
        entry: |args| ipassign::main(args),
    },
    Applet {
        name: "linkup",
        summary: "set interfaces up or down",
        entry: |args| linkup::main(args),
    },
    Applet {
        name: "nsping",
        summary: "ICMP echo, with the output and exit codes of iputils ping",
        entry: |args| nsping::main(args),
    },
];

const NAME: &str = "nstools";

/// The multi-call binary's own command line, for `--help` and the man page;
/// [`resolve`] parses it, since the first word may be a tool's.
pub const SPEC: Spec = Spec {
    name: NAME,
    usage: &[("TOOL [ARG]...", ""), ("--list", "")],
    about: "\
All nstools in one static binary: network labs from Linux network
namespaces and veth pairs. Called through a link named after a tool
(ln -s nstools TOOL), it is that tool. Options go before any tool name;
run 'nstools TOOL --help' for a tool's own options.
",
    flags: &[LIST.help("print the tool names, one a line")],
    operands: &[],
    options_first: true,
    exit_status: "the tool's; 2 usage error.\n",
};

/// What a command line asks the multi-call binary to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// Run the tool with these arguments (argv[0] first, naming the tool).
    Run(&'static Applet, Vec<OsString>),
    Help,
    List,
    Version,
    /// The first argument names no tool.
    NoSuchTool(OsString),
    /// An option of the multi-call binary itself that does not exist.
    BadOption(OsString),
}

/// Finds a tool by name.
pub fn applet(name: &OsStr) -> Option<&'static Applet> {
    APPLETS.iter().find(|a| OsStr::new(a.name) == name)
}

/// Decides what to do: the basename of argv[0] when it is a tool's name
/// (the arguments go to the tool untouched), else the first argument.
pub fn resolve(args: Vec<OsString>) -> Action {
    let mut args = args.into_iter();
    let argv0 = args.next().unwrap_or_default();
    if let Some(tool) = Path::new(&argv0).file_name().and_then(applet) {
        return Action::Run(tool, std::iter::once(argv0).chain(args).collect());
    }
    let Some(first) = args.next() else {
        return Action::Help;
    };
    if let Some(tool) = applet(&first) {
        // The tool sees its own name as argv[0], as if called by a link.
        return Action::Run(tool, std::iter::once(first).chain(args).collect());
    }
    match first.to_str() {
        Some("-h" | "--help") => Action::Help,
        Some("-l" | "--list") => Action::List,
        Some("-V" | "--version") => Action::Version,
        Some(s) if s.starts_with('-') && s.len() > 1 => Action::BadOption(first),
        _ => Action::NoSuchTool(first),
    }
}

fn help() -> String {
    let mut text = cli::help_text(&SPEC);
    text.push_str("\nTools:\n");
    for a in APPLETS {
        text.push_str(&format!("  {:<10} {}\n", a.name, a.summary));
    }
    text
}

fn list() -> String {
    APPLETS.iter().map(|a| format!("{}\n", a.name)).collect()
}

/// The multi-call binary's entry point.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let tool = Tool::new(&SPEC);
    tool.run(|| match resolve(args.into_iter().collect()) {
        Action::Run(applet, args) => Ok((applet.entry)(args)),
        Action::Help => {
            cli::print_stdout(help())?;
            Ok(ExitCode::SUCCESS)
        }
        Action::List => {
            cli::print_stdout(list())?;
            Ok(ExitCode::SUCCESS)
        }
        Action::Version => tool.print_version(),
        Action::NoSuchTool(name) => Err(cli::usage(format!("{}: no such tool", quote_os(&name)))),
        Action::BadOption(option) => {
            Err(cli::usage(format!("unknown option {}", quote_os(&option))))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tool(name: &str) -> &'static Applet {
        applet(OsStr::new(name)).unwrap()
    }

    fn argv(words: &[&str]) -> Vec<OsString> {
        words.iter().map(OsString::from).collect()
    }

    #[test]
    fn argv0_names_the_tool() {
        assert_eq!(
            resolve(argv(&["nsadd", "red"])),
            Action::Run(tool("nsadd"), argv(&["nsadd", "red"]))
        );
        assert_eq!(
            resolve(argv(&["/usr/local/bin/nsping", "-c", "1", "10.0.0.2"])),
            Action::Run(
                tool("nsping"),
                argv(&["/usr/local/bin/nsping", "-c", "1", "10.0.0.2"])
            )
        );
    }

    #[test]
    fn first_argument_names_the_tool() {
        assert_eq!(
            resolve(argv(&["./target/dist/nstools", "vethpair", "a", "b"])),
            Action::Run(tool("vethpair"), argv(&["vethpair", "a", "b"]))
        );
        // Options after the tool name are the tool's.
        assert_eq!(
            resolve(argv(&["nstools", "linkup", "--help"])),
            Action::Run(tool("linkup"), argv(&["linkup", "--help"]))
        );
    }

    #[test]
    fn any_other_argv0_is_the_multicall_binary() {
        assert_eq!(
            resolve(argv(&["nst", "nsexec", "red", "sh"])),
            Action::Run(tool("nsexec"), argv(&["nsexec", "red", "sh"]))
        );
    }

    #[test]
    fn own_options() {
        assert_eq!(resolve(argv(&["nstools"])), Action::Help);
        assert_eq!(resolve(vec![]), Action::Help);
        assert_eq!(resolve(argv(&["nstools", "--help"])), Action::Help);
        assert_eq!(resolve(argv(&["nstools", "-h"])), Action::Help);
        assert_eq!(resolve(argv(&["nstools", "-l"])), Action::List);
        assert_eq!(resolve(argv(&["nstools", "--list"])), Action::List);
        assert_eq!(resolve(argv(&["nstools", "-V"])), Action::Version);
        assert_eq!(
            resolve(argv(&["nstools", "--install"])),
            Action::BadOption("--install".into())
        );
    }

    #[test]
    fn unknown_tools() {
        assert_eq!(
            resolve(argv(&["nstools", "ip"])),
            Action::NoSuchTool("ip".into())
        );
        assert_eq!(
            resolve(argv(&["nstools", "-"])),
            Action::NoSuchTool("-".into())
        );
        // A tool's name must match exactly, not as a path or prefix.
        assert_eq!(
            resolve(argv(&["nstools", "/bin/nsadd"])),
            Action::NoSuchTool("/bin/nsadd".into())
        );
        assert_eq!(
            resolve(argv(&["nstools", "ns"])),
            Action::NoSuchTool("ns".into())
        );
    }

    #[test]
    fn non_utf8_arguments_do_not_panic() {
        use std::os::unix::ffi::OsStringExt;
        let odd = OsString::from_vec(vec![0xff, b'x']);
        assert_eq!(
            resolve(vec!["nstools".into(), odd.clone()]),
            Action::NoSuchTool(odd.clone())
        );
        assert_eq!(resolve(vec![odd.clone()]), Action::Help);
    }

    #[test]
    fn help_and_list_name_every_tool() {
        let help = help();
        let list = list();
        for a in APPLETS {
            assert!(help.contains(&format!("  {:<10} {}", a.name, a.summary)));
            assert!(list.lines().any(|l| l == a.name));
        }
        assert_eq!(list.lines().count(), 6);
    }
}
