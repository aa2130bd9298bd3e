//! The fish completion of one binary (`NAME.fish` in vendor_completions.d):
//! the engine, the binary's table, a `complete` line per option (with its
//! help), and one per kind of operand.

use super::*;

const ENGINE: &str = include_str!("engine.fish");

/// The kinds an operand can be, each with what completes it.
const OPERANDS: &[(&str, &str)] = &[
    ("netns", "-a '(__nstools_netns)'"),
    ("device", "-a '(__nstools_devices)'"),
    ("tool", "-a '$__nstools_tools'"),
    ("file", "-F"),
    ("directory", "-a '(__fish_complete_directories)'"),
    ("command", "-a '(__fish_complete_command)'"),
    ("host", "-a '(__fish_print_hostnames)'"),
    ("arguments", "-a '(__nstools_arguments)'"),
];

pub fn script(name: &'static str) -> String {
    // Its tables go with the options they declare, below.
    let mut out = start("", "fish", name, ENGINE, |_| String::new());
    out.push_str(&format!("\nset -g __nstools_tools {}\n", tool_list()));
    out.push_str(&format!("\ncomplete -c {name} -f\n"));
    for table in tables_in(name) {
        let spec = tools::spec(table);
        // After `nstools TOOL`, TOOL's options; before it, nstools's own;
        // none after the first operand where that ends the options.
        let mut only = Vec::new();
        if name == MULTICALL {
            only.push(format!("__nstools_tool_is {table}"));
        }
        if spec.options_first {
            only.push(format!("__nstools_options {name}"));
        }
        let only = match only.is_empty() {
            true => String::new(),
            false => format!(" -n '{}'", only.join("; and ")),
        };
        out.push_str(&self::table(spec));
        for flag in flags(spec) {
            out.push_str(&format!("complete -c {name}{only}{}\n", option(spec, flag)));
        }
    }
    // One line per kind of operand there is (each runs the engine).
    let kinds: String = tables_in(name)
        .into_iter()
        .map(|table| operand_table(tools::spec(table)))
        .collect::<Vec<_>>()
        .join(" ")
        .replace("command", "command,arguments");
    let used = |kind: &str| kinds.split([' ', ':', ',']).any(|k| k == kind);
    for (kind, candidates) in OPERANDS.iter().filter(|(kind, _)| used(kind)) {
        out.push_str(&format!(
            "complete -c {name} -n '__nstools_wants {name} {kind}' {candidates}\n"
        ));
    }
    out
}

/// The variables the engine reads the binary's command line by.
fn table(spec: &Spec) -> String {
    let valued: Vec<String> = flags(spec)
        .into_iter()
        .filter(|f| f.value.is_some() && !f.optional)
        .flat_map(spellings)
        .collect();
    let name = spec.name;
    format!(
        "\nset -g __nstools_valued_{name} {}\n\
         set -g __nstools_actions_{name} {}\n\
         set -g __nstools_operands_{name} {}\n\
         set -g __nstools_first_{name} {}\n",
        valued.join(" "),
        action_table(spec).replace(':', "="),
        operand_table(spec).replace(':', "="),
        u8::from(spec.options_first),
    )
}

/// ` -s n -l netns -x -a '(__nstools_netns)' -d 'help'` for one flag.
fn option(spec: &Spec, flag: &Flag) -> String {
    let mut out = String::new();
    if let Some(c) = flag.short {
        out.push_str(&format!(" -s {c}"));
    }
    out.push_str(&format!(" -l {}", flag.long));
    if flag.value.is_some() {
        let kind = kind_name(spec, flag.complete);
        let candidates = OPERANDS.iter().find(|(k, _)| *k == kind).map(|(_, c)| *c);
        // A value required: -r; no files unless it names one.
        out.push_str(match (flag.optional, kind) {
            (true, _) => "",
            (false, "file") => " -r",
            (false, _) => " -x",
        });
        if let Some(candidates) = candidates.filter(|_| kind != "file") {
            out.push(' ');
            out.push_str(candidates);
        }
    }
    out.push_str(&format!(" -d {}", quoted(flag.help)));
    out
}

/// `text` in single quotes, for fish.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}
