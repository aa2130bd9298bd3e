//! `cargo xtask`: the project's chores, in Rust (see `cargo xtask --help`).
//!
//! Every subcommand is a module (or folder) with a `pub const COMMAND:
//! flags::Subcommand`: its name, options, help, and what runs it. To add one,
//! write the module and name it in the `subcommands!` line below.

mod apt;
mod commit;
mod completions;
mod elf;
mod emulate;
mod flags;
mod man;
mod paths;
mod pipeline;
mod process;
mod reexec;
mod tools;
mod two_hosts;

use std::process::ExitCode;

use flags::{Args, HelpAsked, Subcommand, Usage};

/// Declares the subcommands' modules and lists them, in the order of
/// `cargo xtask --help`.
macro_rules! subcommands {
    ($($module:ident),+) => {
        $(mod $module;)+
        const SUBCOMMANDS: &[&Subcommand] = &[$(&$module::COMMAND),+];
    };
}

subcommands!(dist, docs, release, e2e, examples, bench, chroot, vm, fuzz, ci);

fn help() -> String {
    let mut out = String::from("Usage: cargo xtask COMMAND [OPTION]...\n\nCommands:\n");
    for command in SUBCOMMANDS {
        out.push_str(&command.summary());
    }
    out
}

/// The subcommand called `name`, hidden ones included.
fn find(name: &str) -> Option<&'static Subcommand> {
    SUBCOMMANDS
        .iter()
        .flat_map(|&command| std::iter::once(command).chain(command.helpers))
        .find(|command| command.name == name)
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(name) = args.next() else {
        eprint!("{}", help());
        return ExitCode::from(2);
    };
    let name = name.to_string_lossy();
    if matches!(&*name, "-h" | "--help" | "help") {
        print!("{}", help());
        return ExitCode::SUCCESS;
    }
    let Some(command) = find(&name) else {
        eprintln!("xtask: unknown command {name} (try 'cargo xtask --help')");
        return ExitCode::from(2);
    };
    match (command.run)(&mut Args::new(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is::<HelpAsked>() => {
            print!("{}", command.help());
            ExitCode::SUCCESS
        }
        Err(error) if error.is::<Usage>() => {
            let name = command.name;
            eprintln!("xtask: {name}: {error} (try 'cargo xtask {name} --help')");
            ExitCode::from(2)
        }
        Err(error) => match error.downcast_ref::<reexec::Interrupted>() {
            Some(interrupted) => ExitCode::from(interrupted.0),
            None => {
                eprintln!("xtask: {error:#}");
                ExitCode::FAILURE
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subcommand_is_found_by_its_name_once() {
        let mut names: Vec<&str> = SUBCOMMANDS
            .iter()
            .flat_map(|c| std::iter::once(*c).chain(c.helpers))
            .map(|c| c.name)
            .collect();
        for name in &names {
            assert_eq!(find(name).unwrap().name, *name);
        }
        let count = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), count, "a name used twice");
        assert!(find("--bogus").is_none());
    }

    #[test]
    fn the_help_lists_the_visible_subcommands() {
        let help = help();
        for command in SUBCOMMANDS {
            let entry = format!("  {}", command.name);
            let listed = help
                .lines()
                .any(|l| l == entry || l.starts_with(&format!("{entry} ")));
            assert!(listed, "{}", command.name);
            for hidden in command.helpers {
                assert!(!help.contains(hidden.name), "{}", hidden.name);
                assert!(hidden.name.starts_with("__"), "{}", hidden.name);
            }
            for line in command.about.lines() {
                assert!(line.len() <= 70, "{}: {line}", command.name);
            }
        }
    }
}
