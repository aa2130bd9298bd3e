//! The zsh completion of one binary (`_NAME` in site-functions): the
//! engine, the binary's table as `_arguments` specs (and for nstools every
//! tool's), and the function `#compdef` names.

use super::*;

const ENGINE: &str = include_str!("engine.zsh");

pub fn script(name: &'static str) -> String {
    let mut out = start(&format!("#compdef {name}\n"), "zsh", name, ENGINE, table);
    if name == MULTICALL {
        out.push_str(&format!(
            "\n_nstools_tools='{}'\n\n\
             # nstools TOOL ...: the rest as TOOL's own command line.\n\
             _nstools() {{\n\
            \x20   if (( CURRENT > 2 )) && (( ${{${{=_nstools_tools}}[(I)$words[2]]}} )); then\n\
            \x20       words=(\"${{(@)words[2,-1]}}\")\n\
            \x20       (( CURRENT-- ))\n\
            \x20       _nstools_complete $words[1]\n\
            \x20   else\n\
            \x20       _nstools_complete nstools\n\
            \x20   fi\n\
             }}\n",
            tool_list()
        ));
    } else {
        out.push_str(&format!(
            "\n_{name}() {{\n    _nstools_complete {name}\n}}\n"
        ));
    }
    // Autoloaded, the file is the function's body; sourced, it registers.
    out.push_str(&format!(
        "\nif [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n\
        \x20   _{name} \"$@\"\n\
         else\n\
        \x20   compdef _{name} {name}\n\
         fi\n"
    ));
    out
}

/// `_nstools_specs_NAME`: the binary's flags as `_arguments` specs, and the
/// tables the engine reads its operands by.
fn table(spec: &Spec) -> String {
    let mut out = format!("\n_nstools_specs_{}() {{\n    specs=(\n", spec.name);
    for flag in flags(spec) {
        for line in specs(spec, flag) {
            out.push_str(&format!("        {}\n", quoted(&line)));
        }
    }
    let pairs = |table: String| table.replace(':', " ");
    out.push_str(&format!(
        "    )\n\
        \x20   actions=({})\n\
        \x20   operands=({})\n\
        \x20   options_first={}\n\
         }}\n",
        pairs(action_table(spec)),
        pairs(operand_table(spec)),
        u8::from(spec.options_first),
    ));
    out
}

/// One `_arguments` spec per spelling of `flag`:
/// `(-n --netns)--netns=[help]:NS:_nstools_netns`.
fn specs(spec: &Spec, flag: &Flag) -> Vec<String> {
    let exclusive = if flag.long == "help" || flag.long == "version" {
        "(- *)".to_string()
    } else {
        let others = spec.flags.iter().filter(|f| flag.without.contains(&f.long));
        let all: Vec<String> = std::iter::once(flag)
            .chain(others)
            .flat_map(spellings)
            .collect();
        format!("({})", all.join(" "))
    };
    let help = flag
        .help
        .replace('\\', "\\\\")
        .replace(['[', ']'], "")
        .replace(':', "\\:");
    spellings(flag)
        .into_iter()
        // An optional value is only ever given after `--long=`.
        .filter(|spelling| !flag.optional || spelling.starts_with("--"))
        .map(|spelling| {
            let long = spelling.starts_with("--");
            let (how, colons) = match (flag.value, flag.optional, long) {
                (None, _, _) => ("", ""),
                (Some(_), false, false) => ("+", ":"),
                (Some(_), false, true) => ("=", ":"),
                (Some(_), true, _) => ("=-", "::"),
            };
            let mut line = format!("{exclusive}{spelling}{how}[{help}]");
            if let Some(value) = flag.value {
                line.push_str(&format!("{colons}{value}:{}", action(spec, flag.complete)));
            }
            line
        })
        .collect()
}

/// What completes a value of `kind`.
fn action(spec: &Spec, kind: Complete) -> &'static str {
    match kind_name(spec, kind) {
        "netns" => "_nstools_netns",
        "device" => "_nstools_devices",
        "file" => "_files",
        "directory" => "_files -/",
        "command" => "_command_names -e",
        "host" => "_hosts",
        _ => " ",
    }
}

/// `text` in single quotes, for zsh.
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
