//! Shell completions for bash, zsh and fish, written from each binary's
//! option table: its options (with their help, where the shell shows it),
//! what each option's value and each operand names (a namespace, an
//! interface, a file...), and which action an option selects. A shared
//! engine per shell (`engine.*`, the same copy in every file) reads the
//! command line against the table; namespaces come from /run/netns,
//! interfaces from `linkup -n NS -l` (or `ip -br link`).

mod bash;
mod fish;
mod zsh;

use std::path::PathBuf;

use nscore::cli::flags::{HELP, VERSION};
use nscore::cli::{Complete, Flag, Spec, MAIN};

use crate::tools::{self, MULTICALL};

/// Every completion file, as (path under `share/`, contents): where
/// bash-completion, zsh and fish look for them.
pub fn files() -> Vec<(PathBuf, String)> {
    let mut files = Vec::new();
    for name in tools::binaries() {
        files.push((
            PathBuf::from("bash-completion/completions").join(name),
            bash::script(name),
        ));
        files.push((
            PathBuf::from("zsh/site-functions").join(format!("_{name}")),
            zsh::script(name),
        ));
        files.push((
            PathBuf::from("fish/vendor_completions.d").join(format!("{name}.fish")),
            fish::script(name),
        ));
    }
    files
}

/// The start of a binary's file for one shell: `first` (zsh's `#compdef`),
/// a comment, the shell's engine, and the table of each binary the file
/// completes, as `table` writes it.
fn start(
    first: &str,
    shell: &str,
    name: &'static str,
    engine: &str,
    table: fn(&Spec) -> String,
) -> String {
    let mut out = format!(
        "{first}# {shell} completion for {name}, written by cargo xtask from its option table.\n\n"
    );
    out.push_str(engine);
    for binary in tables_in(name) {
        out.push_str(&table(tools::spec(binary)));
    }
    out
}

/// The binaries whose tables a binary's file holds: nstools completes
/// every tool after it (`nstools nsadd -d ...`).
fn tables_in(name: &'static str) -> Vec<&'static str> {
    match name {
        MULTICALL => tools::binaries().collect(),
        tool => vec![tool],
    }
}

/// A binary's flags, `-h` and `-V` last, as in `--help`.
fn flags(spec: &Spec) -> Vec<&Flag> {
    spec.flags.iter().chain([&HELP, &VERSION]).collect()
}

/// `-n`, `--netns`: every spelling of a flag.
fn spellings(flag: &Flag) -> Vec<String> {
    let mut all: Vec<String> = flag.short.map(|c| format!("-{c}")).into_iter().collect();
    all.push(format!("--{}", flag.long));
    all
}

/// The name the engines give an action: `main` for the default one.
fn action_name(action: &str) -> &str {
    if action == MAIN {
        "main"
    } else {
        action
    }
}

/// The name the engines give a kind of value. nstools's first operand is
/// one of its tools.
fn kind_name(spec: &Spec, kind: Complete) -> &'static str {
    match kind {
        Complete::Nothing => "none",
        Complete::Netns => "netns",
        Complete::Device => "device",
        Complete::File => "file",
        Complete::Directory => "directory",
        Complete::Command if spec.name == MULTICALL => "tool",
        Complete::Command => "command",
        Complete::Host => "host",
    }
}

/// `main:device,none delete:netns`: each action's operand kinds.
fn operand_table(spec: &Spec) -> String {
    spec.operands
        .iter()
        .map(|o| {
            let kinds: Vec<&str> = o.kinds.iter().map(|&k| kind_name(spec, k)).collect();
            format!("{}:{}", action_name(o.action), kinds.join(","))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `-d:delete --delete:delete`: the spellings that select an action.
fn action_table(spec: &Spec) -> String {
    spec.flags
        .iter()
        .filter(|f| f.action)
        .flat_map(|f| {
            spellings(f)
                .into_iter()
                .map(move |s| format!("{s}:{}", f.long))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `-n:netns --netns:netns`: the spellings of the flags with a value
/// (required, or with `optional` the optional ones), and its kind.
fn value_table(spec: &Spec, optional: bool) -> String {
    flags(spec)
        .into_iter()
        .filter(|f| f.value.is_some() && f.optional == optional)
        .flat_map(|f| {
            spellings(f)
                .into_iter()
                .filter(move |s| !optional || s.starts_with("--"))
                .map(move |s| format!("{s}:{}", kind_name(spec, f.complete)))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The tools nstools runs, space-separated.
fn tool_list() -> String {
    tools::TOOLS.join(" ")
}

#[cfg(test)]
mod tests;
