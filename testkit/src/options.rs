//! A tool's option table against its parser: the table is the one source of
//! the parser and of `--help`, so every flag it declares must be accepted
//! and handled, listed in `--help` (which fits 80 columns), and nothing
//! else accepted.

use std::ffi::OsString;

use nscore::cli::{help_text, Flag, Spec};

/// Tries every flag of `spec` through `parse` (the tool's parser) in each
/// of its spellings, and every undeclared short option; panics naming
/// each mismatch.
pub fn check_table<T>(spec: &Spec, parse: impl Fn(Vec<OsString>) -> anyhow::Result<T>) {
    let help = help_text(spec);
    let mut wrong = Vec::new();
    for flag in spec.flags {
        for args in spellings(flag) {
            let mut argv = vec![OsString::from(spec.name)];
            argv.extend(args.iter().map(OsString::from));
            if let Err(e) = parse(argv) {
                let e = e.to_string();
                if e.starts_with("unhandled option") || e.starts_with("invalid option") {
                    wrong.push(format!("{args:?}: {e}"));
                }
            }
        }
        if !help.contains(&format!("--{}", flag.long)) {
            wrong.push(format!("--{} is not in --help", flag.long));
        }
        if let Some(c) = flag.short {
            if !help.contains(&format!("-{c}, --{}", flag.long)) {
                wrong.push(format!("-{c} is not in --help"));
            }
        }
    }
    for line in help.lines().filter(|l| l.chars().count() > 79) {
        wrong.push(format!("--help line wider than 79 columns: {line:?}"));
    }
    let declared: Vec<char> = spec.flags.iter().filter_map(|f| f.short).collect();
    for c in ('a'..='z').chain('A'..='Z').chain('0'..='9') {
        if declared.contains(&c) || c == 'h' || c == 'V' {
            continue;
        }
        let argv = vec![OsString::from(spec.name), OsString::from(format!("-{c}"))];
        match parse(argv) {
            Err(e) if e.to_string() == format!("invalid option '-{c}'") => {}
            Err(e) => wrong.push(format!("-{c}: {e}")),
            Ok(_) => wrong.push(format!("-{c} is accepted but not declared")),
        }
    }
    assert!(wrong.is_empty(), "{}: {wrong:#?}", spec.name);
}

/// Each way to give `flag`: short and long, with a value where it takes one.
fn spellings(flag: &Flag) -> Vec<Vec<String>> {
    let long = format!("--{}", flag.long);
    let mut all = Vec::new();
    match (flag.value, flag.optional) {
        (None, _) => all.push(vec![long]),
        (Some(_), false) => all.push(vec![long, "x".into()]),
        (Some(_), true) => {
            all.push(vec![format!("{long}=1")]);
            all.push(vec![long]);
        }
    }
    if let Some(c) = flag.short {
        let short = format!("-{c}");
        all.push(match flag.value {
            Some(_) => vec![short, "x".into()],
            None => vec![short],
        });
    }
    all
}
