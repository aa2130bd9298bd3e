//! The command line of nsexec: options, then NS, then the command verbatim.

use std::ffi::OsString;

use anyhow::Result;
use lexopt::prelude::*;
use nscore::cli::{bad_argument, usage};

#[derive(Debug, PartialEq, Eq)]
pub enum Invocation {
    Help,
    Version,
    Run {
        netns: String,
        command: Vec<OsString>,
    },
}

pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Invocation> {
    let mut parser = lexopt::Parser::from_iter(args);
    // The first argument decides: an option, or NS.
    if let Some(arg) = parser.next().map_err(bad_argument)? {
        match arg {
            Short('h') | Long("help") => return Ok(Invocation::Help),
            Short('V') | Long("version") => return Ok(Invocation::Version),
            Value(value) => {
                let netns = value.string().map_err(bad_argument)?;
                // Everything after NS belongs to the command, dashes and all.
                let command: Vec<OsString> = parser.raw_args().map_err(bad_argument)?.collect();
                if command.is_empty() {
                    return Err(usage("missing COMMAND"));
                }
                return Ok(Invocation::Run { netns, command });
            }
            _ => return Err(bad_argument(arg.unexpected())),
        }
    }
    Err(usage("missing namespace NS"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(args: &[&str]) -> Result<Invocation> {
        parse(nscore::cli::command_line("nsexec", args))
    }

    #[test]
    fn the_command_is_taken_verbatim() {
        assert_eq!(
            parse_str(&["red", "ip", "-n", "x", "--help"]).unwrap(),
            Invocation::Run {
                netns: "red".into(),
                command: ["ip", "-n", "x", "--help"].map(OsString::from).to_vec()
            }
        );
        assert_eq!(
            parse_str(&["--", "red", "-x"]).unwrap(),
            Invocation::Run {
                netns: "red".into(),
                command: vec!["-x".into()]
            }
        );
    }

    #[test]
    fn misuse_is_reported() {
        assert_eq!(
            parse_str(&[]).unwrap_err().to_string(),
            "missing namespace NS"
        );
        assert_eq!(
            parse_str(&["red"]).unwrap_err().to_string(),
            "missing COMMAND"
        );
        assert_eq!(
            parse_str(&["-x", "red", "true"]).unwrap_err().to_string(),
            "invalid option '-x'"
        );
        assert_eq!(parse_str(&["--help"]).unwrap(), Invocation::Help);
    }
}
