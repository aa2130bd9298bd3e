//! The command line of nsexec: options, then NS, then the command verbatim.

use std::ffi::OsString;

use anyhow::Result;
use nscore::cli::flags;
use nscore::cli::{usage, Arg, Command, Complete, Flag, Operands, Spec, MAIN};

pub const SPEC: Spec = Spec {
    name: "nsexec",
    usage: &[("[--all-mounts] NS COMMAND [ARG...]", "")],
    about: "\
Run COMMAND inside network namespace NS, as `ip netns exec` does. NS is a
name under /run/netns or a path such as /proc/PID/ns/net. COMMAND runs with
its own mount namespace in which /sys shows NS's interfaces and each file in
/etc/netns/NS/ is bind-mounted over the one in /etc. nsexec replaces itself
with COMMAND (no fork): the exit status and signals are COMMAND's own.
Options come before NS. With many namespaces mounted, COMMAND gets a copy
of an exec template kept in /run/nstools: the caller's mounts but for the
namespaces in /run/netns, so that its cost does not grow with them.
",
    flags: &[Flag::long("all-mounts").help(
        "give COMMAND a copy of every mount, the namespaces in /run/netns \
         included, as ip netns exec does (its cost grows with the \
         namespaces present)",
    )],
    operands: &[Operands::of(MAIN, &[Complete::Netns, Complete::Command])],
    options_first: true,
    exit_status: "\
COMMAND's; 125 nsexec itself failed, 126 COMMAND cannot be
executed, 127 COMMAND was not found.
",
};

#[derive(Debug, PartialEq, Eq)]
pub struct Invocation {
    pub netns: String,
    pub command: Vec<OsString>,
    /// `--all-mounts`: the whole mount table, not the exec template's.
    pub all_mounts: bool,
}

pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command<Invocation>> {
    let mut operands = Vec::new();
    let mut all_mounts = false;
    let command = SPEC.parse(args, |arg| match arg {
        Arg::Switch("all-mounts") => {
            all_mounts = true;
            Ok(())
        }
        Arg::Operand(operand) => {
            operands.push(operand);
            Ok(())
        }
        other => Err(other.unexpected()),
    })?;
    command.try_map(|_| {
        let mut operands = operands.into_iter();
        let netns = flags::utf8(
            operands
                .next()
                .ok_or_else(|| usage("missing namespace NS"))?,
        )?;
        // Everything after NS belongs to the command, dashes and all.
        let command: Vec<OsString> = operands.collect();
        if command.is_empty() {
            return Err(usage("missing COMMAND"));
        }
        Ok(Invocation {
            netns,
            command,
            all_mounts,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_what_the_parser_takes() {
        testkit::options::check_table(&SPEC, parse);
    }

    fn parse_str(args: &[&str]) -> Result<Command<Invocation>> {
        parse(nscore::cli::command_line("nsexec", args))
    }

    #[test]
    fn the_command_is_taken_verbatim() {
        assert_eq!(
            parse_str(&["red", "ip", "-n", "x", "--help"]).unwrap(),
            Command::Run(Invocation {
                netns: "red".into(),
                command: ["ip", "-n", "x", "--help"].map(OsString::from).to_vec(),
                all_mounts: false,
            })
        );
        assert_eq!(
            parse_str(&["--", "red", "-x"]).unwrap(),
            Command::Run(Invocation {
                netns: "red".into(),
                command: vec!["-x".into()],
                all_mounts: false,
            })
        );
        assert_eq!(
            parse_str(&["--all-mounts", "red", "--all-mounts"]).unwrap(),
            Command::Run(Invocation {
                netns: "red".into(),
                command: vec!["--all-mounts".into()],
                all_mounts: true,
            })
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
        assert_eq!(parse_str(&["--help"]).unwrap(), Command::Help);
    }
}
