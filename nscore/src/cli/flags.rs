//! Each tool's options, declared once in a table of [`Flag`]s inside its
//! [`Spec`]. The parser below, `--help` (see `help.rs`), and the man pages
//! and shell completions that `cargo xtask release` writes all read the
//! same table, so they cannot drift apart.
//!
//! A tool may have several actions (nsadd creates, lists with `-l`, deletes
//! with `-d`): a flag marked [`Flag::action`] selects one, and
//! [`Flag::only`] says in which actions a flag makes sense. The parser
//! enforces both, so tools only build their request from what it hands them.

use std::ffi::OsString;

use super::{bad_argument, quote_os, usage};
use crate::batch::Batch;

/// The action a tool performs when no action flag is given.
pub const MAIN: &str = "";

/// What the value of an option, or an operand, names: for completion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Complete {
    /// Free text (an address, a number): nothing to offer.
    Nothing,
    /// A named network namespace under `/run/netns`.
    Netns,
    /// An interface in the namespace the command line names.
    Device,
    /// A file.
    File,
    /// A directory.
    Directory,
    /// A command on `PATH`, then its own arguments.
    Command,
    /// A host name or address.
    Host,
}

/// One option: its spellings, its value, its help, and where it applies.
#[derive(Debug, Clone, Copy)]
pub struct Flag {
    pub short: Option<char>,
    /// The long name without dashes; also the key tools match on.
    pub long: &'static str,
    /// The value's name in help (`NS`), when the option takes one.
    pub value: Option<&'static str>,
    /// The value is optional and only given as `--long=VALUE`.
    pub optional: bool,
    /// Giving this flag selects the action named after its long name.
    pub action: bool,
    /// The actions it applies to ([`MAIN`] for the default one); empty: all.
    pub only: &'static [&'static str],
    /// Flags (by long name) it cannot be given with.
    pub without: &'static [&'static str],
    pub help: &'static str,
    pub complete: Complete,
}

impl Flag {
    /// A flag with a short and a long spelling.
    pub const fn short(short: char, long: &'static str) -> Flag {
        Flag {
            short: Some(short),
            ..Flag::long(long)
        }
    }

    /// A flag spelled only in long form.
    pub const fn long(long: &'static str) -> Flag {
        Flag {
            short: None,
            long,
            value: None,
            optional: false,
            action: false,
            only: &[],
            without: &[],
            help: "",
            complete: Complete::Nothing,
        }
    }

    /// The flag takes a value, named `name` in help.
    pub const fn value(self, name: &'static str) -> Flag {
        Flag {
            value: Some(name),
            ..self
        }
    }

    /// The flag takes an optional value, given as `--long=VALUE`.
    pub const fn optional_value(self, name: &'static str) -> Flag {
        Flag {
            value: Some(name),
            optional: true,
            ..self
        }
    }

    pub const fn help(self, help: &'static str) -> Flag {
        Flag { help, ..self }
    }

    /// The flag selects an action of its own (`-l`, `-d`).
    pub const fn action(self) -> Flag {
        Flag {
            action: true,
            ..self
        }
    }

    /// The flag applies to these actions only.
    pub const fn only(self, actions: &'static [&'static str]) -> Flag {
        Flag {
            only: actions,
            ..self
        }
    }

    /// The flag cannot be given with these (by long name): `-A` and `-n`.
    pub const fn without(self, flags: &'static [&'static str]) -> Flag {
        Flag {
            without: flags,
            ..self
        }
    }

    pub const fn complete(self, complete: Complete) -> Flag {
        Flag { complete, ..self }
    }

    /// Whether the flag applies to `action`.
    pub fn applies_to(&self, action: &str) -> bool {
        self.only.is_empty() || self.only.contains(&action)
    }
}

/// The operands of one action, for completion and the man page: each in
/// turn names a `kinds` entry, the last one repeating.
#[derive(Debug, Clone, Copy)]
pub struct Operands {
    pub action: &'static str,
    pub kinds: &'static [Complete],
}

impl Operands {
    pub const fn of(action: &'static str, kinds: &'static [Complete]) -> Operands {
        Operands { action, kinds }
    }
}

/// Everything a tool's command line is: the source of its parser, its
/// `--help`, its man page and its completions.
#[derive(Debug)]
pub struct Spec {
    pub name: &'static str,
    /// One synopsis per action, after the tool's name, with what it does.
    pub usage: &'static [(&'static str, &'static str)],
    /// What the tool does, as paragraphs (hard-wrapped, blank-line apart).
    pub about: &'static str,
    /// The tool's own flags; `-h` and `-V` are every tool's ([`HELP`],
    /// [`VERSION`]) and come last in help.
    pub flags: &'static [Flag],
    pub operands: &'static [Operands],
    /// Options end at the first operand (nsexec: the rest is COMMAND's).
    pub options_first: bool,
    /// The exit statuses, as a sentence or two (hard-wrapped).
    pub exit_status: &'static str,
}

// The flags shared by every tool, declared once; a tool may reword the
// help of one for its own context (`NETNS.help("...")`).

pub const HELP: Flag = Flag::short('h', "help").help("show this help");
pub const VERSION: Flag = Flag::short('V', "version").help("show the version");
pub const NETNS: Flag = Flag::short('n', "netns")
    .value("NS")
    .complete(Complete::Netns)
    .help("work in namespace NS (a name under /run/netns, or a path such as /proc/PID/ns/net)");
pub const EXIST_OK: Flag = Flag::short('p', "exist-ok").only(&[MAIN]);
pub const FORCE: Flag = Flag::short('f', "force").only(&["delete"]);
pub const DELETE: Flag = Flag::short('d', "delete").action();
pub const LIST: Flag = Flag::short('l', "list").action();
pub const JSON: Flag = Flag::long("json")
    .only(&["list"])
    .help("print one JSON array, as `ip -j` does");
pub const ALL_NETNS: Flag = Flag::short('A', "all-netns")
    .only(&["list"])
    .without(&["netns"])
    .help("list every named namespace, each record led by its name");
pub const BATCH: Flag = Flag::short('b', "batch")
    .value("FILE")
    .complete(Complete::File)
    .only(&[MAIN, "delete"])
    .help(
        "read one invocation's arguments a line from FILE (- for standard \
         input); options given here apply to every line",
    );

/// The key of [`BATCH`], which the parser handles itself.
const BATCH_KEY: &str = "batch";

/// One thing found on the command line, handed to the tool in order.
#[cfg_attr(test, derive(Debug))]
pub enum Arg {
    /// A flag without a value, by its long name.
    Switch(&'static str),
    /// A flag and its value.
    Value(&'static str, String),
    /// A flag whose value is optional, and the value if given.
    Optional(&'static str, Option<String>),
    /// An operand, as given (it may not be UTF-8; see [`utf8`]).
    Operand(OsString),
}

impl Arg {
    /// The argument spelled out in full (`--netns=red`), to be read again
    /// by the same parser.
    fn spelled(&self) -> OsString {
        match self {
            Arg::Switch(key) | Arg::Optional(key, None) => format!("--{key}").into(),
            Arg::Value(key, value) | Arg::Optional(key, Some(value)) => {
                format!("--{key}={value}").into()
            }
            Arg::Operand(operand) => operand.clone(),
        }
    }

    /// The error for a flag the tool's table declares but its code does not
    /// handle: a bug the options test catches.
    pub fn unexpected(self) -> anyhow::Error {
        usage(match self {
            Arg::Switch(key) | Arg::Value(key, _) | Arg::Optional(key, _) => {
                format!("unhandled option --{key}")
            }
            Arg::Operand(_) => "unexpected operand".to_string(),
        })
    }
}

/// What a command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Command<T> {
    Help,
    Version,
    Run(T),
}

/// What [`Spec::parse_batch`] finds: an action (by name, then as the
/// tool's request for it), or `--batch FILE`.
#[derive(Debug, PartialEq, Eq)]
pub enum Batched<A = &'static str> {
    Action(A),
    /// The invocations are in FILE (see [`crate::batch`]).
    Batch(Batch),
}

impl<T> Command<T> {
    /// Builds the request once the action is known.
    pub fn try_map<U>(self, f: impl FnOnce(T) -> anyhow::Result<U>) -> anyhow::Result<Command<U>> {
        Ok(match self {
            Command::Help => Command::Help,
            Command::Version => Command::Version,
            Command::Run(t) => Command::Run(f(t)?),
        })
    }
}

impl Command<Batched> {
    /// Builds the request of the action selected; a batch stays one.
    pub fn request<T>(
        self,
        f: impl FnOnce(&'static str) -> anyhow::Result<T>,
    ) -> anyhow::Result<Command<Batched<T>>> {
        self.try_map(|batched| match batched {
            Batched::Action(action) => f(action).map(Batched::Action),
            Batched::Batch(batch) => Ok(Batched::Batch(batch)),
        })
    }
}

impl Spec {
    /// Parses `args` (argv[0] first), handing each flag and operand to
    /// `each` in order, and returns the action selected (or help/version).
    pub fn parse(
        &self,
        args: impl IntoIterator<Item = OsString>,
        mut each: impl FnMut(Arg) -> anyhow::Result<()>,
    ) -> anyhow::Result<Command<&'static str>> {
        self.parse_args(args.into_iter().collect(), &mut each)
    }

    /// [`Spec::parse`], compiled once for all tools (the multi-call binary
    /// holds them all).
    fn parse_args(
        &self,
        args: Vec<OsString>,
        each: &mut dyn FnMut(Arg) -> anyhow::Result<()>,
    ) -> anyhow::Result<Command<&'static str>> {
        use lexopt::Arg::{Long, Short, Value};
        let flags: &'static [Flag] = self.flags;
        let mut parser = lexopt::Parser::from_iter(args);
        // Each flag seen, and whether it was spelled long, for the checks
        // at the end.
        let mut seen: Vec<(&'static Flag, bool)> = Vec::new();
        while let Some(arg) = parser.next().map_err(bad_argument)? {
            let (flag, spelled) = match arg {
                Short('h') | Long("help") => return Ok(Command::Help),
                Short('V') | Long("version") => return Ok(Command::Version),
                Value(operand) => {
                    each(Arg::Operand(operand))?;
                    if self.options_first {
                        for operand in parser.raw_args().map_err(bad_argument)? {
                            each(Arg::Operand(operand))?;
                        }
                    }
                    continue;
                }
                Short(c) => (flags.iter().find(|f| f.short == Some(c)), false),
                Long(name) => (flags.iter().find(|f| f.long == name), true),
            };
            let Some(flag) = flag else {
                return Err(bad_argument(arg.unexpected()));
            };
            let key = flag.long;
            each(match (flag.value, flag.optional) {
                (None, _) => Arg::Switch(key),
                (Some(_), false) => Arg::Value(key, string(parser.value())?),
                (Some(_), true) => Arg::Optional(
                    key,
                    parser.optional_value().map(|v| string(Ok(v))).transpose()?,
                ),
            })?;
            seen.push((flag, spelled));
        }
        self.action_of(&seen).map(Command::Run)
    }

    /// [`Spec::parse`] for a tool with [`BATCH`] in its table: `--batch
    /// FILE` becomes [`Batched::Batch`], with the other flags spelled out
    /// to go before each line of FILE (an operand beside it is an error).
    /// Apart from [`Spec::parse`] so that tools without it do not carry it.
    pub fn parse_batch(
        &self,
        args: impl IntoIterator<Item = OsString>,
        mut each: impl FnMut(Arg) -> anyhow::Result<()>,
    ) -> anyhow::Result<Command<Batched>> {
        let (mut batch, mut defaults, mut operand) = (None, Vec::new(), None);
        let command = self.parse_args(args.into_iter().collect(), &mut |arg| match arg {
            Arg::Value(BATCH_KEY, file) => {
                batch = Some(file);
                Ok(())
            }
            Arg::Operand(given) => {
                operand.get_or_insert_with(|| given.clone());
                each(Arg::Operand(given))
            }
            arg => {
                defaults.push(arg.spelled());
                each(arg)
            }
        })?;
        command.try_map(|action| match (batch, operand) {
            (None, _) => Ok(Batched::Action(action)),
            (Some(_), Some(operand)) => Err(usage(format!(
                "unexpected argument {} (with --batch, operands go in FILE)",
                quote_os(&operand)
            ))),
            (Some(file), None) => Ok(Batched::Batch(Batch { file, defaults })),
        })
    }

    /// The action the flags select, when they agree with each other.
    fn action_of(&self, seen: &[(&'static Flag, bool)]) -> anyhow::Result<&'static str> {
        let mut action: Option<(&'static Flag, bool)> = None;
        for &(flag, long) in seen.iter().filter(|(f, _)| f.action) {
            match action {
                Some(first) if first.0.long != flag.long => {
                    return Err(clash(&(flag, long), "goes without", &first));
                }
                _ => action = Some((flag, long)),
            }
        }
        let key = action.map_or(MAIN, |(f, _)| f.long);
        let Some(misplaced) = seen.iter().find(|(f, _)| !f.applies_to(key)) else {
            // Every flag fits the action; do they fit each other?
            for flag in seen {
                if let Some(other) = seen.iter().find(|(g, _)| flag.0.without.contains(&g.long)) {
                    return Err(clash(flag, "goes without", other));
                }
            }
            return Ok(key);
        };
        if let Some(action) = action {
            return Err(clash(misplaced, "goes without", &action));
        }
        // Given without the action it needs: name that action (the first
        // of them, when several would do).
        match self
            .flags
            .iter()
            .find(|f| f.action && misplaced.0.only.contains(&f.long))
        {
            Some(needed) => Err(clash(misplaced, "goes with", &(needed, false))),
            None => Err(usage(format!("{} is not used here", spelled(misplaced)))),
        }
    }
}

/// `-f goes with -d`, `--json goes without -d`.
fn clash(flag: &(&Flag, bool), relation: &str, other: &(&Flag, bool)) -> anyhow::Error {
    usage(format!("{} {relation} {}", spelled(flag), spelled(other)))
}

/// A flag as the user spelled it (`--force`), or its short form (`-d`).
fn spelled(&(flag, long): &(&Flag, bool)) -> String {
    match flag.short {
        Some(c) if !long => format!("-{c}"),
        _ => format!("--{}", flag.long),
    }
}

/// An operand as text; one that is not UTF-8 is a usage error naming it.
pub fn utf8(operand: OsString) -> anyhow::Result<String> {
    string(Ok(operand))
}

fn string(value: Result<OsString, lexopt::Error>) -> anyhow::Result<String> {
    use lexopt::ValueExt;
    value.and_then(|v| v.string()).map_err(bad_argument)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: Spec = Spec {
        name: "demo",
        usage: &[("[-n NS] [-p] NAME...", ""), ("-d [-f] NAME...", "")],
        about: "A demonstration.\n",
        flags: &[
            NETNS,
            EXIST_OK.help("already there is success"),
            DELETE.help("delete"),
            FORCE.help("absent is success"),
            LIST.help("list"),
            JSON,
            ALL_NETNS,
            Flag::long("wait")
                .optional_value("SECONDS")
                .only(&[MAIN])
                .without(&["down"])
                .help("wait"),
            Flag::long("down").help("down"),
        ],
        operands: &[],
        options_first: false,
        exit_status: "0 success.\n",
    };

    fn parse(args: &[&str]) -> anyhow::Result<(Command<&'static str>, Vec<String>)> {
        let mut got = Vec::new();
        let command = SPEC.parse(super::super::command_line("demo", args), |arg| {
            got.push(format!("{arg:?}"));
            Ok(())
        })?;
        Ok((command, got))
    }

    fn message(args: &[&str]) -> String {
        let e = parse(args).unwrap_err();
        assert!(e.is::<super::super::UsageError>(), "{e}");
        e.to_string()
    }

    #[test]
    fn flags_values_and_operands_come_in_order() {
        let (command, got) = parse(&["-n", "red", "a", "--wait", "-p", "b"]).unwrap();
        assert_eq!(command, Command::Run(MAIN));
        assert_eq!(
            got,
            [
                "Value(\"netns\", \"red\")",
                "Operand(\"a\")",
                "Optional(\"wait\", None)",
                "Switch(\"exist-ok\")",
                "Operand(\"b\")"
            ]
        );
        let (_, got) = parse(&["--wait=3", "--netns=x"]).unwrap();
        assert_eq!(
            got,
            ["Optional(\"wait\", Some(\"3\"))", "Value(\"netns\", \"x\")"]
        );
    }

    #[test]
    fn action_flags_select_the_action() {
        assert_eq!(parse(&["-df", "a"]).unwrap().0, Command::Run("delete"));
        assert_eq!(parse(&["-l", "--json"]).unwrap().0, Command::Run("list"));
        assert_eq!(parse(&["-l", "-h", "--bogus"]).unwrap().0, Command::Help);
        assert_eq!(parse(&["-V"]).unwrap().0, Command::Version);
    }

    #[test]
    fn flags_outside_their_action_are_named() {
        assert_eq!(message(&["-f", "a"]), "-f goes with -d");
        assert_eq!(message(&["--force", "a"]), "--force goes with -d");
        assert_eq!(message(&["--json"]), "--json goes with -l");
        assert_eq!(message(&["-dp", "a"]), "-p goes without -d");
        assert_eq!(message(&["-l", "-d"]), "-d goes without -l");
        assert_eq!(message(&["-d", "--json"]), "--json goes without -d");
        assert_eq!(message(&["--bogus"]), "invalid option '--bogus'");
        assert_eq!(message(&["-n"]), "missing argument for option '-n'");
    }

    #[test]
    fn flags_that_exclude_each_other_are_named() {
        assert_eq!(message(&["-l", "-A", "-n", "x"]), "-A goes without -n");
        assert_eq!(
            message(&["-l", "--netns=x", "--all-netns"]),
            "--all-netns goes without --netns"
        );
        assert_eq!(
            message(&["--down", "--wait=1", "a"]),
            "--wait goes without --down"
        );
        assert_eq!(message(&["-A"]), "-A goes with -l");
        assert_eq!(parse(&["-l", "-A"]).unwrap().0, Command::Run("list"));
        assert_eq!(parse(&["--wait", "a"]).unwrap().0, Command::Run(MAIN));
    }

    #[test]
    fn batch_takes_the_other_flags_as_defaults_for_each_line() {
        const BATCHED: Spec = Spec {
            flags: &[NETNS, EXIST_OK, DELETE, FORCE, LIST, BATCH],
            ..SPEC
        };
        let parse = |args: &[&str]| {
            BATCHED.parse_batch(super::super::command_line("demo", args), |_| Ok(()))
        };
        let batch = |file: &str, defaults: &[&str]| {
            Command::Run(Batched::Batch(Batch {
                file: file.into(),
                defaults: defaults.iter().map(OsString::from).collect(),
            }))
        };
        assert_eq!(
            parse(&["-pn", "red", "-b", "-"]).unwrap(),
            batch("-", &["--exist-ok", "--netns=red"])
        );
        assert_eq!(
            parse(&["--batch=f", "-df"]).unwrap(),
            batch("f", &["--delete", "--force"])
        );
        assert_eq!(
            parse(&["-n", "red", "a"]).unwrap(),
            Command::Run(Batched::Action(MAIN))
        );
        assert_eq!(parse(&["-b", "f", "-h"]).unwrap(), Command::Help);
        let message = |args: &[&str]| parse(args).unwrap_err().to_string();
        assert_eq!(
            message(&["-b", "f", "a"]),
            "unexpected argument a (with --batch, operands go in FILE)"
        );
        assert_eq!(message(&["-l", "-b", "f"]), "-b goes without -l");
        assert_eq!(message(&["-b"]), "missing argument for option '-b'");
    }

    #[test]
    fn options_first_leaves_the_rest_to_the_command() {
        const FIRST: Spec = Spec {
            options_first: true,
            ..SPEC
        };
        let mut got = Vec::new();
        FIRST
            .parse(
                super::super::command_line("demo", &["-p", "a", "-x", "--help"]),
                |arg| {
                    got.push(format!("{arg:?}"));
                    Ok(())
                },
            )
            .unwrap();
        assert_eq!(
            got,
            [
                "Switch(\"exist-ok\")",
                "Operand(\"a\")",
                "Operand(\"-x\")",
                "Operand(\"--help\")"
            ]
        );
    }
}
