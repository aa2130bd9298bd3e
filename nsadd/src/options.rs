//! The command line of nsadd.

use std::ffi::OsString;

use anyhow::Result;
use lexopt::prelude::*;
use nscore::cli::{bad_argument, usage};
use nscore::names;

#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    Help,
    Version,
    Add { names: Vec<String>, exist_ok: bool },
    List,
    Delete { names: Vec<String>, force: bool },
    DeleteAll,
}

pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Action> {
    let mut parser = lexopt::Parser::from_iter(args);
    let (mut exist_ok, mut list, mut delete, mut force, mut all) =
        (false, false, false, false, false);
    let mut names = Vec::new();
    while let Some(arg) = parser.next().map_err(bad_argument)? {
        match arg {
            Short('p') | Long("exist-ok") => exist_ok = true,
            Short('l') | Long("list") => list = true,
            Short('d') | Long("delete") => delete = true,
            Short('f') | Long("force") => force = true,
            Short('a') | Long("all") => all = true,
            Short('h') | Long("help") => return Ok(Action::Help),
            Short('V') | Long("version") => return Ok(Action::Version),
            Value(value) => names.push(value.string().map_err(bad_argument)?),
            _ => return Err(bad_argument(arg.unexpected())),
        }
    }
    if list {
        if delete || exist_ok || force || all || !names.is_empty() {
            return Err(usage("-l takes no names and no other options"));
        }
        return Ok(Action::List);
    }
    if !delete && (force || all) {
        return Err(usage(if force {
            "-f needs -d"
        } else {
            "--all needs -d"
        }));
    }
    if delete && exist_ok {
        return Err(usage("-p is for creating; with -d use -f"));
    }
    if all {
        if !names.is_empty() {
            return Err(usage("-d --all takes no names"));
        }
        return Ok(Action::DeleteAll);
    }
    if names.is_empty() {
        return Err(usage("missing namespace NAME"));
    }
    // Every name is checked before anything is done, so a bad one among
    // good ones leaves the system as it was.
    for name in &names {
        names::netns_name(name)?;
    }
    Ok(if delete {
        Action::Delete { names, force }
    } else {
        Action::Add { names, exist_ok }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Action> {
        parse(nscore::cli::command_line("nsadd", args))
    }

    fn usage_message(args: &[&str]) -> String {
        let e = parse_str(args).unwrap_err();
        assert!(e.downcast_ref::<nscore::cli::UsageError>().is_some(), "{e}");
        e.to_string()
    }

    #[test]
    fn the_tutorial_command_lines() {
        assert_eq!(
            parse_str(&["red", "blue"]).unwrap(),
            Action::Add {
                names: vec!["red".into(), "blue".into()],
                exist_ok: false
            }
        );
        assert_eq!(parse_str(&["-l"]).unwrap(), Action::List);
        assert_eq!(parse_str(&["--list"]).unwrap(), Action::List);
        assert_eq!(
            parse_str(&["-d", "red", "blue"]).unwrap(),
            Action::Delete {
                names: vec!["red".into(), "blue".into()],
                force: false
            }
        );
    }

    #[test]
    fn flags_combine_as_documented() {
        assert_eq!(
            parse_str(&["-p", "red"]).unwrap(),
            Action::Add {
                names: vec!["red".into()],
                exist_ok: true
            }
        );
        assert_eq!(
            parse_str(&["-df", "red"]).unwrap(),
            Action::Delete {
                names: vec!["red".into()],
                force: true
            }
        );
        assert_eq!(parse_str(&["-d", "--all"]).unwrap(), Action::DeleteAll);
        assert_eq!(parse_str(&["--help"]).unwrap(), Action::Help);
        assert_eq!(parse_str(&["-V"]).unwrap(), Action::Version);
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
        assert_eq!(
            usage_message(&["-l", "red"]),
            "-l takes no names and no other options"
        );
        assert_eq!(usage_message(&["-f", "red"]), "-f needs -d");
        assert_eq!(usage_message(&["--all"]), "--all needs -d");
        assert_eq!(
            usage_message(&["-d", "--all", "red"]),
            "-d --all takes no names"
        );
        assert_eq!(
            usage_message(&["-dp", "red"]),
            "-p is for creating; with -d use -f"
        );
        assert_eq!(
            usage_message(&["red", "a/b"]),
            "a/b: invalid namespace name: may not contain '/'"
        );
    }
}
