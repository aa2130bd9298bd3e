//! The bash completion of one binary: the engine, the binary's table (and
//! for nstools every tool's), and `complete -F`.

use super::*;

const ENGINE: &str = include_str!("engine.bash");

pub fn script(name: &'static str) -> String {
    let mut out = start("", "bash", name, ENGINE, table);
    if name == MULTICALL {
        // Its function, _nstools_nstools, is the engine's.
        out.push_str(&format!("\n_nstools_tools='{}'\n", tool_list()));
    } else {
        out.push_str(&format!(
            "\n_nstools_{name}() {{\n\
            \x20   local -a words=(\"${{COMP_WORDS[@]}}\")\n\
            \x20   local -i cword=$COMP_CWORD _nstools_shift=0\n\
            \x20   _nstools_complete {name}\n\
             }}\n"
        ));
    }
    out.push_str(&format!("complete -F _nstools_{name} {name}\n"));
    out
}

/// `_nstools_table_NAME`: the binary's option table, as the engine reads it.
fn table(spec: &Spec) -> String {
    let all: Vec<String> = flags(spec).into_iter().flat_map(spellings).collect();
    format!(
        "\n_nstools_table_{}() {{\n\
        \x20   flags='{}'\n\
        \x20   valued='{}'\n\
        \x20   optional='{}'\n\
        \x20   actions='{}'\n\
        \x20   operands='{}'\n\
        \x20   options_first={}\n\
         }}\n",
        spec.name,
        all.join(" "),
        value_table(spec, false),
        value_table(spec, true),
        action_table(spec),
        operand_table(spec),
        u8::from(spec.options_first),
    )
}
