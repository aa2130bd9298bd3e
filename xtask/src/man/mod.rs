//! Man pages, section 8: one per tool and one for nstools. SYNOPSIS,
//! OPTIONS and EXIT STATUS come from the tool's option table (the `Spec`
//! its `--help` is written from), DESCRIPTION and the tool's own EXAMPLES
//! from its section of the README, the tutorial and SEE ALSO from here.

pub mod readme;
mod roff;

use nscore::cli::flags::{HELP, VERSION};
use nscore::cli::Flag;

use crate::tools::{self, MULTICALL};
use readme::{section, README};
use roff::Words;

/// The section the pages belong to: system administration.
pub const SECTION: &str = "8";

/// The README section whose shell block is the tutorial, and whose prose
/// gives the conventions every tool follows.
const TUTORIAL: &str = "The tutorial with these tools";

/// Other manuals worth reading beside these.
const RELATED: &[(&str, &str)] = &[
    ("ip-netns", "8"),
    ("ip-link", "8"),
    ("ip-address", "8"),
    ("veth", "4"),
    ("ping", "8"),
];

/// The page of `name` (a tool or nstools), dated `date` (YYYY-MM-DD).
pub fn page(name: &'static str, date: &str) -> String {
    let spec = tools::spec(name);
    let flags: Vec<&Flag> = spec.flags.iter().chain([&HELP, &VERSION]).collect();
    let words = Words::of(spec, &flags);
    let readme = section(README, name).unwrap_or_default();
    let mut out = format!(
        ".\\\" {name}({SECTION}), written by cargo xtask from {name}'s option table\n\
         .\\\" and README.md: edit those, not this.\n\
         .TH {} {SECTION} {date} \"nstools {}\" \"System Manager's Manual\"\n\
         .nh\n\
         .ad l\n",
        name.to_uppercase(),
        env!("CARGO_PKG_VERSION"),
    );
    out.push_str(".SH NAME\n");
    out.push_str(&format!(
        "{name} \\- {}\n",
        roff::literal(tools::summary(name))
    ));

    out.push_str(".SH SYNOPSIS\n");
    for (i, (usage, _)) in spec.usage.iter().enumerate() {
        if i > 0 {
            out.push_str(".br\n");
        }
        out.push_str(&format!(".B {name}\n{}\n", roff::synopsis(usage)));
    }

    out.push_str(".SH DESCRIPTION\n");
    let mut prose = readme.prose.clone();
    if prose.is_empty() {
        prose.extend(spec.about.split("\n\n").map(String::from));
    }
    if name == MULTICALL {
        // The conventions all tools share belong to the page on all of them.
        prose.extend(section(README, TUTORIAL).unwrap_or_default().prose);
    }
    paragraphs(&mut out, &prose, &words);
    if name == MULTICALL {
        out.push_str(".SS Tools\n");
        for tool in tools::TOOLS {
            out.push_str(&format!(
                ".TP 10\n.B {tool}\n{}\n",
                roff::literal(tools::summary(tool))
            ));
        }
    }

    out.push_str(".SH OPTIONS\n");
    for flag in &flags {
        out.push_str(&format!(
            ".TP\n{}\n{}\n",
            option_head(flag),
            roff::inline(&sentence(flag.help), &words)
        ));
    }

    out.push_str(".SH EXIT STATUS\n");
    out.push_str(&roff::inline(
        &sentence(spec.exit_status.trim_end()),
        &words,
    ));
    out.push('\n');

    out.push_str(".SH EXAMPLES\n");
    for example in &readme.examples {
        example_into(&mut out, example);
    }
    if !readme.examples.is_empty() {
        out.push_str(".PP\n");
    }
    out.push_str(&roff::inline(
        "The red/blue tutorial: two namespaces joined by a veth pair, an \
         address on each end, both ends up, a ping across, and all of it \
         removed again:",
        &words,
    ));
    out.push('\n');
    let tutorial = section(README, TUTORIAL).unwrap_or_default().examples;
    example_into(&mut out, tutorial.first().map_or("", String::as_str));

    out.push_str(".SH SEE ALSO\n");
    let pages: Vec<(&str, &str)> = tools::binaries()
        .filter(|&other| other != name)
        .map(|other| (other, SECTION))
        .chain(RELATED.iter().copied())
        .collect();
    for (i, (page, section)) in pages.iter().enumerate() {
        let comma = if i + 1 < pages.len() { "," } else { "" };
        let page = page.replace('-', "\\-");
        out.push_str(&format!(".BR {page} ({section}){comma}\n"));
    }
    out
}

/// Every page: `(file name, text)`, as `NAME.8`.
pub fn pages(date: &str) -> Vec<(String, String)> {
    tools::binaries()
        .map(|name| (format!("{name}.{SECTION}"), page(name, date)))
        .collect()
}

fn paragraphs(out: &mut String, paragraphs: &[String], words: &Words) {
    for (i, paragraph) in paragraphs
        .iter()
        .filter(|p| !p.trim().is_empty())
        .enumerate()
    {
        if i > 0 {
            out.push_str(".PP\n");
        }
        out.push_str(&roff::inline(paragraph.trim_end(), words));
        out.push('\n');
    }
}

/// `-n, --netns NS` in the fonts of an option list.
fn option_head(flag: &Flag) -> String {
    let mut head = String::new();
    if let Some(c) = flag.short {
        head.push_str(&format!("\\fB\\-{c}\\fR, "));
    }
    head.push_str(&format!("\\fB\\-\\-{}\\fR", flag.long.replace('-', "\\-")));
    match (flag.value, flag.optional) {
        (Some(value), false) => head.push_str(&format!(" {}", roff::synopsis(value))),
        (Some(value), true) => head.push_str(&format!("[={}]", roff::synopsis(value))),
        (None, _) => {}
    }
    head
}

/// A help line as a sentence: a capital first and a full stop last.
fn sentence(help: &str) -> String {
    let mut chars = help.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .into_iter()
        .collect();
    out.push_str(chars.as_str());
    if !out.ends_with(['.', '!', '?']) {
        out.push('.');
    }
    out
}

/// An example, set apart and indented, as typed.
fn example_into(out: &mut String, example: &str) {
    if !out.ends_with(".SH EXAMPLES\n") {
        out.push_str(".PP\n");
    }
    out.push_str(".RS 4\n.EX\n");
    out.push_str(&roff::literal(example));
    if !example.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(".EE\n.RE\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};
    use std::process::Command;
    use testkit::command_or_skip;

    /// The pages written into a fresh directory for `test`.
    fn written(test: &str) -> (PathBuf, Vec<PathBuf>) {
        let dir = std::env::temp_dir().join(format!("xtask-man-{}-{test}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let files = pages("2025-01-01")
            .into_iter()
            .map(|(file, text)| {
                let path = dir.join(file);
                std::fs::write(&path, text).unwrap();
                path
            })
            .collect();
        (dir, files)
    }

    fn run(command: &mut Command) -> (bool, String, String) {
        let out = command.output().unwrap();
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (
            out.status.success(),
            plain(&text(&out.stdout)),
            text(&out.stderr),
        )
    }

    /// Terminal text without its overstrikes (`N\bN` bold, `_\bN` underlined).
    fn plain(text: &str) -> String {
        let mut out = String::new();
        for c in text.chars() {
            if c == '\u{8}' {
                out.pop();
            } else {
                out.push(c);
            }
        }
        out
    }

    #[test]
    fn every_page_has_its_sections_in_order_and_every_option() {
        for name in tools::binaries() {
            let page = page(name, "2025-01-01");
            let mut at = 0;
            for heading in [
                "NAME",
                "SYNOPSIS",
                "DESCRIPTION",
                "OPTIONS",
                "EXIT STATUS",
                "EXAMPLES",
                "SEE ALSO",
            ] {
                let found = page[at..].find(&format!("\n.SH {heading}\n"));
                at += found.unwrap_or_else(|| panic!("{name}: {heading}"));
            }
            for flag in tools::spec(name).flags {
                let long = format!("\\fB\\-\\-{}\\fR", flag.long.replace('-', "\\-"));
                assert!(page.contains(&long), "{name}: --{}", flag.long);
            }
            assert!(
                page.contains("\n.EX\nnsadd red blue\n"),
                "{name}: the tutorial"
            );
            assert!(page.contains("\n.BR ip\\-netns (8),\n"), "{name}");
            assert!(page.contains(&format!(".TH {} 8 2025-01-01 ", name.to_uppercase())));
        }
    }

    #[test]
    fn mandoc_finds_nothing_to_say() {
        if !command_or_skip("mandoc_finds_nothing_to_say", "mandoc", "mandoc") {
            return;
        }
        let (dir, files) = written("lint");
        let (_, stdout, stderr) = run(Command::new("mandoc").args(["-T", "lint"]).args(&files));
        assert_eq!(stdout + &stderr, "", "mandoc -T lint");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn man_renders_every_page_without_a_warning() {
        if !command_or_skip("man_renders_every_page_without_a_warning", "man", "man-db") {
            return;
        }
        let (dir, files) = written("render");
        for file in &files {
            let (ok, stdout, stderr) = run(Command::new("man")
                .args(["--warnings", "-l"])
                .arg(file)
                .env("MANWIDTH", "80"));
            let name = Path::new(file).file_stem().unwrap().to_string_lossy();
            assert!(ok && stderr.is_empty(), "man -l {name}: {stderr}");
            assert!(stdout.contains("SYNOPSIS"), "{name}: {stdout}");
            assert!(stdout.contains(&format!("{name} - ")), "{name}: {stdout}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
