//! Every nstools tool in one binary, busybox style. Called through a link
//! named after a tool (`ln -s nstools nsadd`), it is that tool; otherwise the
//! first argument names the tool (`nstools nsadd red`). Each tool runs
//! through its own library entry point: no tool code lives here.
//! `nstools --install [-s] DIR` puts a link per tool in DIR (`install.rs`).

mod install;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use nscore::cli::flags::LIST;
use nscore::cli::{self, quote_os, Arg, Command, Complete, Flag, Operands, Spec, Tool, MAIN};

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

/// An [`Applet`] for each tool crate: its name is the crate's, its entry
/// the crate's `main`.
macro_rules! applets {
    ($($tool:ident: $summary:literal,)*) => {
        &[$(Applet { name: stringify!($tool), summary: $summary, entry: |args| $tool::main(args) },)*]
    };
}

/// The tools, in the order of the tutorial.
pub const APPLETS: &[Applet] = applets! {
    nsadd: "create, list and delete named network namespaces",
    nsexec: "run a command inside a network namespace",
    vethpair: "create a veth pair, each end born in its namespace",
    ipassign: "add or remove IPv4 and IPv6 addresses on an interface",
    linkup: "set interfaces up or down",
    nsping: "ICMP echo, with the output and exit codes of iputils ping",
};

const NAME: &str = "nstools";

/// The multi-call binary's own command line, for `--help` and the man page;
/// [`resolve`] parses it, since the first word may be a tool's.
pub const SPEC: Spec = Spec {
    name: NAME,
    usage: &[
        ("TOOL [ARG]...", "run TOOL"),
        ("--list", "print the tool names"),
        ("--install [-s] DIR", "a link per tool in DIR"),
    ],
    about: "\
All nstools in one static binary: network labs from Linux network
namespaces and veth pairs. Called through a link named after a tool
(ln -s nstools TOOL), it is that tool. Options go before any tool name;
run 'nstools TOOL --help' for a tool's own options.
",
    flags: &[
        LIST.help("print the tool names, one a line"),
        Flag::long("install").action().help(
            "make a hard link to this binary for every tool in DIR, as \
             `busybox --install` does; a file there that is not nstools \
             is left alone (and nothing is made)",
        ),
        Flag::short('s', "symbolic")
            .only(&["install"])
            .help("with --install: symbolic links instead"),
    ],
    operands: &[
        Operands::of(MAIN, &[Complete::Command]),
        Operands::of("install", &[Complete::Directory]),
    ],
    options_first: true,
    exit_status: "the tool's; 1 --install failed, 2 usage error.\n",
};

/// What a command line asks the multi-call binary to do.
#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    /// Run the tool with these arguments (argv[0] first, naming the tool).
    Run(&'static Applet, Vec<OsString>),
    Help,
    List,
    Version,
    /// A link per tool in this directory: symbolic ones (`-s`) or hard.
    Install {
        dir: PathBuf,
        symbolic: bool,
    },
}

/// Finds a tool by name.
pub fn applet(name: &OsStr) -> Option<&'static Applet> {
    APPLETS.iter().find(|a| OsStr::new(a.name) == name)
}

/// Decides what to do: the basename of argv[0] when it is a tool's name
/// (the arguments go to the tool untouched), else the first argument when
/// it is one; anything else is the multi-call binary's own command line.
pub fn resolve(args: Vec<OsString>) -> anyhow::Result<Action> {
    let mut args = args.into_iter();
    let argv0 = args.next().unwrap_or_default();
    if let Some(tool) = Path::new(&argv0).file_name().and_then(applet) {
        return Ok(Action::Run(
            tool,
            std::iter::once(argv0).chain(args).collect(),
        ));
    }
    let rest: Vec<OsString> = args.collect();
    if let Some(tool) = rest.first().and_then(|first| applet(first)) {
        // The tool sees its own name as argv[0], as if called by a link.
        return Ok(Action::Run(tool, rest));
    }
    let (mut symbolic, mut operands) = (false, Vec::new());
    let command = SPEC.parse(std::iter::once(argv0).chain(rest), |arg| {
        match arg {
            Arg::Switch("symbolic") => symbolic = true,
            Arg::Switch("list" | "install") => {}
            Arg::Operand(operand) => operands.push(operand),
            other => return Err(other.unexpected()),
        }
        Ok(())
    })?;
    let mut operands = operands.into_iter();
    let (first, extra) = (operands.next(), operands.next());
    if let Some(extra) = extra.filter(|_| command == Command::Run("install")) {
        return Err(cli::usage(format!(
            "unexpected argument {}",
            quote_os(&extra)
        )));
    }
    Ok(match (command, first) {
        (Command::Help, _) => Action::Help,
        (Command::Version, _) => Action::Version,
        (Command::Run("list"), None) => Action::List,
        (Command::Run("install"), Some(dir)) => Action::Install {
            dir: dir.into(),
            symbolic,
        },
        (Command::Run("install"), None) => return Err(cli::usage("missing directory DIR")),
        (Command::Run("list"), Some(_)) => return Err(cli::usage("--list takes no operands")),
        (Command::Run(_), None) => Action::Help,
        (Command::Run(_), Some(name)) => {
            return Err(cli::usage(format!("{}: no such tool", quote_os(&name))))
        }
    })
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
    tool.run(|| match resolve(args.into_iter().collect())? {
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
        Action::Install { dir, symbolic } => {
            install::install(&dir, symbolic)?;
            Ok(ExitCode::SUCCESS)
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

    fn resolve_ok(args: Vec<OsString>) -> Action {
        resolve(args).unwrap()
    }

    fn usage_error(words: &[&str]) -> String {
        let e = resolve(argv(words)).unwrap_err();
        assert!(e.is::<cli::UsageError>(), "{e}");
        e.to_string()
    }

    #[test]
    fn argv0_names_the_tool() {
        assert_eq!(
            resolve_ok(argv(&["nsadd", "red"])),
            Action::Run(tool("nsadd"), argv(&["nsadd", "red"]))
        );
        assert_eq!(
            resolve_ok(argv(&["/usr/local/bin/nsping", "-c", "1", "10.0.0.2"])),
            Action::Run(
                tool("nsping"),
                argv(&["/usr/local/bin/nsping", "-c", "1", "10.0.0.2"])
            )
        );
    }

    #[test]
    fn first_argument_names_the_tool() {
        assert_eq!(
            resolve_ok(argv(&["./target/dist/nstools", "vethpair", "a", "b"])),
            Action::Run(tool("vethpair"), argv(&["vethpair", "a", "b"]))
        );
        // Options after the tool name are the tool's.
        assert_eq!(
            resolve_ok(argv(&["nstools", "linkup", "--help"])),
            Action::Run(tool("linkup"), argv(&["linkup", "--help"]))
        );
    }

    #[test]
    fn any_other_argv0_is_the_multicall_binary() {
        assert_eq!(
            resolve_ok(argv(&["nst", "nsexec", "red", "sh"])),
            Action::Run(tool("nsexec"), argv(&["nsexec", "red", "sh"]))
        );
    }

    #[test]
    fn own_options() {
        assert_eq!(resolve_ok(argv(&["nstools"])), Action::Help);
        assert_eq!(resolve_ok(vec![]), Action::Help);
        assert_eq!(resolve_ok(argv(&["nstools", "--help"])), Action::Help);
        assert_eq!(resolve_ok(argv(&["nstools", "-h"])), Action::Help);
        assert_eq!(resolve_ok(argv(&["nstools", "-l"])), Action::List);
        assert_eq!(resolve_ok(argv(&["nstools", "--list"])), Action::List);
        assert_eq!(resolve_ok(argv(&["nstools", "-V"])), Action::Version);
        assert_eq!(
            usage_error(&["nstools", "--bogus"]),
            "invalid option '--bogus'"
        );
        assert_eq!(
            usage_error(&["nstools", "-l", "x"]),
            "--list takes no operands"
        );
    }

    #[test]
    fn the_option_table_is_the_parser() {
        testkit::options::check_table(&SPEC, resolve);
    }

    #[test]
    fn install_takes_a_directory() {
        let install = |dir: &str, symbolic| Action::Install {
            dir: dir.into(),
            symbolic,
        };
        let cases = [
            (
                &["--install", "/usr/local/bin"][..],
                install("/usr/local/bin", false),
            ),
            (&["--install", "-s", "bin"], install("bin", true)),
            (&["-s", "--install", "bin"], install("bin", true)),
            (
                &["--install", "--symbolic", "--", "-x"],
                install("-x", true),
            ),
        ];
        for (words, action) in cases {
            let mut args = argv(&["nstools"]);
            args.extend(argv(words));
            assert_eq!(resolve_ok(args), action, "{words:?}");
        }
        assert_eq!(
            usage_error(&["nstools", "--install"]),
            "missing directory DIR"
        );
        assert_eq!(
            usage_error(&["nstools", "--install", "a", "b"]),
            "unexpected argument b"
        );
        assert_eq!(
            usage_error(&["nstools", "-s", "bin"]),
            "-s goes with --install"
        );
        assert_eq!(
            usage_error(&["nstools", "--install", "-l", "bin"]),
            "-l goes without --install"
        );
    }

    #[test]
    fn unknown_tools() {
        assert_eq!(usage_error(&["nstools", "ip"]), "ip: no such tool");
        assert_eq!(usage_error(&["nstools", "-"]), "-: no such tool");
        // A tool's name must match exactly, not as a path or prefix.
        assert_eq!(
            usage_error(&["nstools", "/bin/nsadd"]),
            "/bin/nsadd: no such tool"
        );
        assert_eq!(usage_error(&["nstools", "ns"]), "ns: no such tool");
    }

    #[test]
    fn non_utf8_arguments_do_not_panic() {
        use std::os::unix::ffi::OsStringExt;
        let odd = OsString::from_vec(vec![0xff, b'x']);
        let e = resolve(vec!["nstools".into(), odd.clone()]).unwrap_err();
        assert_eq!(e.to_string(), "\"\\xFFx\": no such tool");
        assert_eq!(resolve_ok(vec![odd.clone()]), Action::Help);
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
