//! Text as man(7) source: roff escapes, and the words of a tool's command
//! line set in their fonts (options bold, the names of values italic, as
//! man-pages(7) asks), whether they come from the option table or from the
//! README.

use nscore::cli::{Flag, Spec};

/// The words of one page that get a font of their own.
pub struct Words {
    /// Every spelling of the page's options: `-n`, `--netns`.
    options: Vec<String>,
    /// The names of values and operands: `NS`, `DEV`, `ADDR`.
    variables: Vec<String>,
}

impl Words {
    pub fn of(spec: &Spec, flags: &[&Flag]) -> Words {
        let mut options = Vec::new();
        let mut variables = Vec::new();
        for flag in flags {
            options.push(format!("--{}", flag.long));
            options.extend(flag.short.map(|c| format!("-{c}")));
            for value in flag.value.into_iter().flat_map(|v| v.split('|')) {
                variables.push(value.to_string());
            }
        }
        for (synopsis, _) in spec.usage {
            variables.extend(words(synopsis).filter(|w| is_variable(w)).map(String::from));
        }
        Words { options, variables }
    }
}

/// Input lines are kept to this many bytes (`mandoc -T lint` asks for 80).
const WIDTH: usize = 78;

/// A roff line must not begin with a control character; `\&` disarms it.
pub fn line_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let line = line.trim_start_matches(' ');
        if line.starts_with(['.', '\'']) {
            out.push_str("\\&");
        }
        out.push_str(line);
    }
    out
}

/// Filled text (roff fills it again): the words re-wrapped into lines of
/// at most [`WIDTH`] bytes, each made safe.
fn refill(text: &str) -> String {
    let mut out = String::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    out.push_str(&line);
    line_safe(&out)
}

/// Running text: `code` spans bold, the page's options bold, the names of
/// its values italic, everything else escaped.
pub fn inline(text: &str, words: &Words) -> String {
    let mut out = String::new();
    let mut code = false;
    for (i, span) in text.split('`').enumerate() {
        code = i % 2 == 1;
        if code {
            out.push_str("\\fB");
            escape_into(&mut out, span, true);
            out.push_str("\\fR");
        } else {
            prose_into(&mut out, span, words);
        }
    }
    debug_assert!(!code || text.is_empty(), "an unclosed ` in {text:?}");
    refill(&out)
}

/// A synopsis: options bold, names in capitals italic, the rest as is.
pub fn synopsis(text: &str) -> String {
    let mut out = String::new();
    for token in tokens(text) {
        if token.starts_with('-') && token.len() > 1 {
            font_into(&mut out, 'B', token);
        } else if is_variable(token) {
            font_into(&mut out, 'I', token);
        } else {
            escape_into(&mut out, token, false);
        }
    }
    refill(&out)
}

/// Literal text, as in an example: every character as it is typed.
pub fn literal(text: &str) -> String {
    let mut out = String::new();
    escape_into(&mut out, text, true);
    line_safe(&out)
}

fn prose_into(out: &mut String, text: &str, words: &Words) {
    for token in tokens(text) {
        if words.options.iter().any(|o| o == token) {
            font_into(out, 'B', token);
        } else if words.variables.iter().any(|v| v == token) {
            font_into(out, 'I', token);
        } else {
            escape_into(out, token, token.starts_with('-'));
        }
    }
}

fn font_into(out: &mut String, font: char, text: &str) {
    out.push_str("\\f");
    out.push(font);
    escape_into(out, text, true);
    out.push_str("\\fR");
}

/// Escapes `text` for roff: a backslash as `\e`; a hyphen as `\-` where it
/// is typed (`minus`), so that it survives copying from the page; other
/// characters outside ASCII by their Unicode number.
fn escape_into(out: &mut String, text: &str, minus: bool) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\e"),
            '-' if minus => out.push_str("\\-"),
            c if c.is_ascii() => out.push(c),
            c => out.push_str(&format!("\\[u{:04X}]", c as u32)),
        }
    }
}

/// `text` cut into words (runs of letters, digits, `_` and `-`) and
/// everything between them, in order.
fn tokens(text: &str) -> impl Iterator<Item = &str> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let mut rest = text;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let kind = is_word(first);
        let end = rest
            .find(|c: char| is_word(c) != kind)
            .unwrap_or(rest.len());
        let (token, tail) = rest.split_at(end);
        rest = tail;
        Some(token)
    })
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    tokens(text).filter(|t| t.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-'))
}

/// `NAME`, `PEER_NS`: a name in capitals stands for a value.
fn is_variable(word: &str) -> bool {
    word.len() > 1
        && word.starts_with(|c: char| c.is_ascii_uppercase())
        && word.chars().all(|c| c.is_ascii_uppercase() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use nscore::cli::flags::NETNS;

    const SPEC: Spec = Spec {
        name: "demo",
        usage: &[("[-n NS] DEV ADDR[/LEN]...", "")],
        about: "",
        flags: &[NETNS],
        operands: &[],
        options_first: false,
        exit_status: "",
    };

    fn words() -> Words {
        Words::of(&SPEC, &SPEC.flags.iter().collect::<Vec<_>>())
    }

    #[test]
    fn synopses_set_options_bold_and_values_italic() {
        assert_eq!(
            synopsis("[-n NS] DEV ADDR[/LEN]..."),
            "[\\fB\\-n\\fR \\fINS\\fR] \\fIDEV\\fR \\fIADDR\\fR[/\\fILEN\\fR]..."
        );
        assert_eq!(synopsis("-l | --list"), "\\fB\\-l\\fR | \\fB\\-\\-list\\fR");
    }

    #[test]
    fn prose_knows_the_pages_words_and_escapes_the_rest() {
        assert_eq!(
            inline("with -n, DEV is in NS's namespace, not in IPv4 X", &words()),
            "with \\fB\\-n\\fR, \\fIDEV\\fR is in \\fINS\\fR's namespace, not in IPv4 X"
        );
        assert_eq!(
            inline("as `ip -br link` shows; a `\\033` or \u{2026}", &words()),
            "as \\fBip \\-br link\\fR shows; a \\fB\\e033\\fR or \\[u2026]"
        );
        assert_eq!(inline("multi-call and -x", &words()), "multi-call and \\-x");
    }

    #[test]
    fn no_line_starts_with_a_control_character() {
        assert_eq!(line_safe("a\n.b\n'c\n  d"), "a\n\\&.b\n\\&'c\nd");
        let long = "x".repeat(WIDTH);
        let filled = inline(&format!("{long} .b {long} 'c"), &words());
        assert!(filled.lines().all(|l| l.len() <= WIDTH), "{filled}");
        assert_eq!(filled.matches("\n\\&").count(), 2, "{filled}");
        assert_eq!(literal(".x -y\n"), "\\&.x \\-y\n");
    }
}
