//! `--help`, written from the tool's [`Spec`]: usage, what it does, one
//! line (or a few) per option, the exit statuses.

use super::flags::{Flag, Spec, HELP, VERSION};

/// Help lines are wrapped to fit an 80-column terminal.
const WIDTH: usize = 79;
/// The widest option column; longer ones put their help on the next line.
const MAX_COLUMN: usize = 24;
/// Where the description of each usage line starts, at the least.
const USAGE_COLUMN: usize = 41;

/// The complete `--help` text. Written with plain pushes rather than
/// `format!`: every tool carries this code, so its size counts.
pub fn text(spec: &Spec) -> String {
    let mut out = String::new();
    // "Usage: NAME " before each synopsis, then the descriptions lined up.
    let lead = 8 + spec.name.len();
    let widest = spec.usage.iter().map(|(s, _)| s.len()).max().unwrap_or(0);
    let widest = widest.max(USAGE_COLUMN - 2 - lead);
    for (i, (synopsis, what)) in spec.usage.iter().enumerate() {
        out.push_str(if i == 0 { "Usage: " } else { "       " });
        out.push_str(spec.name);
        out.push(' ');
        out.push_str(synopsis);
        if !what.is_empty() {
            pad(&mut out, widest - synopsis.len() + 2);
            out.push_str(what);
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(spec.about);
    out.push_str("\nOptions:\n");
    let flags = || spec.flags.iter().chain([&HELP, &VERSION]);
    let column = flags()
        .map(|f| left(&mut String::new(), f) + 2)
        .filter(|&w| w <= MAX_COLUMN)
        .max()
        .unwrap_or(MAX_COLUMN);
    for flag in flags() {
        let mut at = left(&mut out, flag);
        if at + 2 > column {
            out.push('\n');
            at = 0;
        }
        for line in wrap(flag.help, WIDTH - column) {
            pad(&mut out, column - at);
            out.push_str(&line);
            out.push('\n');
            at = 0;
        }
    }
    out.push_str("\nExit status: ");
    out.push_str(spec.exit_status);
    out
}

fn pad(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// Writes `  -n, --netns NS` (or `      --wait[=SECONDS]`) and returns its
/// length.
fn left(out: &mut String, flag: &Flag) -> usize {
    let start = out.len();
    match flag.short {
        Some(c) => {
            out.push_str("  -");
            out.push(c);
            out.push_str(", --");
        }
        None => out.push_str("      --"),
    }
    out.push_str(flag.long);
    if let Some(value) = flag.value {
        out.push_str(if flag.optional { "[=" } else { " " });
        out.push_str(value);
        if flag.optional {
            out.push(']');
        }
    }
    out.len() - start
}

/// Splits `text` into lines of at most `width` bytes, at spaces (a word
/// longer than that gets a line of its own).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::flags::{Complete, Flag, NETNS};

    #[test]
    fn lines_wrap_at_spaces() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("aaaaaaa b  c", 5), ["aaaaaaa", "b c"]);
        assert_eq!(wrap("", 5), [""]);
    }

    #[test]
    fn help_lists_every_flag_in_columns() {
        const SPEC: Spec = Spec {
            name: "demo",
            usage: &[("[-n NS] DEV...", "set"), ("-l", "list")],
            about: "Demonstrates.\n",
            flags: &[
                NETNS,
                Flag::long("wait")
                    .optional_value("SECONDS")
                    .help("wait a while"),
                Flag::long("a-very-long-option")
                    .value("VALUE")
                    .help("long")
                    .complete(Complete::Nothing),
            ],
            operands: &[],
            options_first: false,
            exit_status: "0 success, 1 failure.\n",
        };
        let text = text(&SPEC);
        assert_eq!(
            text,
            "\
Usage: demo [-n NS] DEV...               set
       demo -l                           list

Demonstrates.

Options:
  -n, --netns NS        work in namespace NS (a name under /run/netns, or a
                        path such as /proc/PID/ns/net)
      --wait[=SECONDS]  wait a while
      --a-very-long-option VALUE
                        long
  -h, --help            show this help
  -V, --version         show the version

Exit status: 0 success, 1 failure.
"
        );
    }
}
