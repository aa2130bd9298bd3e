//! The command line of nsadd.

use std::ffi::OsString;

use anyhow::Result;
use nscore::cli::flags::{BATCH, DELETE, EXIST_OK, FORCE, JSON, LIST};
use nscore::cli::{usage, Arg, Batched, Command, Given, Parse};
use nscore::cli::{Complete, Flag, Operands, Spec, MAIN};

pub const SPEC: Spec = Spec {
    name: "nsadd",
    usage: &[
        ("[-p] NAME...", "create network namespaces"),
        ("-l | --list [--json]", "list them, one name a line, sorted"),
        ("-d [-f] NAME...", "delete them"),
        ("-d --all", "delete every one"),
        (
            "[-p | -d [-f]] -b FILE",
            "the NAMEs of one invocation a line",
        ),
    ],
    about: "A namespace NAME lives as /run/netns/NAME, where `ip netns` finds it too.\n",
    flags: &[
        EXIST_OK.help("a namespace that already exists is not an error"),
        LIST.help("list namespaces (stale entries are reported on stderr)"),
        JSON.help("with -l: one JSON array, as `ip -j netns list` prints it"),
        DELETE.help("delete the named namespaces"),
        FORCE.help("with -d: a namespace that does not exist is not an error"),
        Flag::short('a', "all")
            .only(&["delete"])
            .help("with -d: delete every namespace in /run/netns"),
        BATCH,
    ],
    operands: &[Operands::of("delete", &[Complete::Netns])],
    options_first: false,
    exit_status: "0 success, 1 an operation failed, 2 usage error.\n",
};

#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Add { names: Vec<String>, exist_ok: bool },
    List { json: bool },
    Delete { names: Vec<String>, force: bool },
    DeleteAll,
}

impl Parse for Action {
    fn parse(args: Vec<OsString>) -> Result<Command<Batched<Action>>> {
        let (mut given, mut all) = (Given::default(), false);
        let command = SPEC.parse_given(args, &mut given, |arg| {
            match arg {
                Arg::Switch("all") => all = true,
                other => return Err(other.unexpected()),
            }
            Ok(())
        })?;
        command.request(|action| action_of(action, given, all))
    }
}

fn action_of(action: &str, given: Given, all: bool) -> Result<Action> {
    let names = given.operands;
    match action {
        "list" if !names.is_empty() => Err(usage("-l takes no names")),
        "list" => Ok(Action::List { json: given.json }),
        "delete" if all && !names.is_empty() => Err(usage("-d --all takes no names")),
        "delete" if all => Ok(Action::DeleteAll),
        _ => {
            if names.is_empty() {
                return Err(usage("missing namespace NAME"));
            }
            // Every name is checked before anything is done, so a bad one
            // among good ones leaves the system as it was.
            crate::given::check(&names, action != MAIN)?;
            Ok(if action == MAIN {
                Action::Add {
                    names,
                    exist_ok: given.exist_ok,
                }
            } else {
                Action::Delete {
                    names,
                    force: given.force,
                }
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_what_the_parser_takes() {
        testkit::options::check_table(&SPEC, Action::parse);
    }

    fn parse_str(args: &[&str]) -> Result<Command<Batched<Action>>> {
        Action::parse(nscore::cli::command_line("nsadd", args))
    }

    fn action(args: &[&str]) -> Action {
        match parse_str(args).unwrap() {
            Command::Run(Batched::Action(action)) => action,
            other => panic!("{other:?}"),
        }
    }

    fn usage_message(args: &[&str]) -> String {
        let e = parse_str(args).unwrap_err();
        assert!(e.downcast_ref::<nscore::cli::UsageError>().is_some(), "{e}");
        e.to_string()
    }

    fn names(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn the_tutorial_command_lines() {
        assert_eq!(
            action(&["red", "blue"]),
            Action::Add {
                names: names(&["red", "blue"]),
                exist_ok: false
            }
        );
        assert_eq!(action(&["-l"]), Action::List { json: false });
        assert_eq!(action(&["--list"]), Action::List { json: false });
        assert_eq!(action(&["-l", "--json"]), Action::List { json: true });
        assert_eq!(
            action(&["-d", "red", "blue"]),
            Action::Delete {
                names: names(&["red", "blue"]),
                force: false
            }
        );
    }

    #[test]
    fn flags_combine_as_documented() {
        assert_eq!(
            action(&["-p", "red"]),
            Action::Add {
                names: names(&["red"]),
                exist_ok: true
            }
        );
        assert_eq!(
            action(&["-df", "red"]),
            Action::Delete {
                names: names(&["red"]),
                force: true
            }
        );
        assert_eq!(action(&["-d", "--all"]), Action::DeleteAll);
        assert_eq!(parse_str(&["--help"]).unwrap(), Command::Help);
        assert_eq!(parse_str(&["-V"]).unwrap(), Command::Version);
        assert_eq!(
            parse_str(&["--", "-x"]).unwrap_err().to_string(),
            "-x: invalid namespace name: may not start with '-'"
        );
    }

    #[test]
    fn misuse_is_a_usage_error_naming_the_problem() {
        assert_eq!(usage_message(&[]), "missing namespace NAME");
        assert_eq!(usage_message(&["-d"]), "missing namespace NAME");
        assert_eq!(usage_message(&["-x"]), "invalid option '-x'");
        assert_eq!(usage_message(&["-l", "red"]), "-l takes no names");
        assert_eq!(usage_message(&["-l", "-d"]), "-d goes without -l");
        assert_eq!(usage_message(&["-l", "-p"]), "-p goes without -l");
        assert_eq!(usage_message(&["-f", "red"]), "-f goes with -d");
        assert_eq!(usage_message(&["--json"]), "--json goes with -l");
        assert_eq!(
            usage_message(&["-d", "--json", "red"]),
            "--json goes without -d"
        );
        assert_eq!(usage_message(&["--all"]), "--all goes with -d");
        assert_eq!(
            usage_message(&["-d", "--all", "red"]),
            "-d --all takes no names"
        );
        assert_eq!(usage_message(&["-dp", "red"]), "-p goes without -d");
        assert_eq!(
            usage_message(&["red", "a/b"]),
            "a/b: invalid namespace name: may not contain '/'"
        );
    }
}
