//! The command line of `cargo xtask`, read with lexopt. Each subcommand is
//! a [`Subcommand`]: its name, synopsis and help, and a function that reads
//! its own arguments from [`Args`] and does the work. Mistakes come back as
//! [`Usage`] errors, which `main` reports with exit status 2; `-h` and
//! `--help` are answered alike for every subcommand.

use std::ffi::OsString;
use std::fmt;
use std::path::PathBuf;

use anyhow::Result;
pub use lexopt::Arg::{self, Long, Short, Value};

/// One subcommand of `cargo xtask`.
pub struct Subcommand {
    pub name: &'static str,
    /// The options, as the help shows them after the name.
    pub synopsis: &'static str,
    /// What it does, in lines of at most 70 characters (80 columns, indented).
    pub about: &'static str,
    /// Reads the arguments and does the work.
    pub run: fn(&mut Args) -> Result<()>,
    /// Hidden subcommands it starts itself (in a sandbox, as a child):
    /// reachable by name, left out of `--help`.
    pub helpers: &'static [Subcommand],
}

/// The column where descriptions start in `cargo xtask --help`.
const INDENT: usize = 8;

impl Subcommand {
    /// The name and the synopsis.
    fn usage(&self) -> String {
        match self.synopsis {
            "" => self.name.to_string(),
            synopsis => format!("{} {synopsis}", self.name),
        }
    }

    /// `cargo xtask NAME --help`.
    pub fn help(&self) -> String {
        format!("Usage: cargo xtask {}\n\n{}\n", self.usage(), self.about)
    }

    /// Its entry in `cargo xtask --help`: the name and synopsis, then the
    /// description indented below (or beside a short name alone).
    pub fn summary(&self) -> String {
        let mut out = format!("  {}", self.usage());
        let mut lines = self.about.lines();
        if self.synopsis.is_empty() && out.len() < INDENT {
            let first = lines.next().unwrap_or_default();
            out = format!("{out:INDENT$}{first}");
        }
        out.push('\n');
        for line in lines {
            out.push_str(&format!("{:INDENT$}{line}\n", ""));
        }
        out
    }
}

/// A mistake on the command line.
#[derive(Debug)]
pub struct Usage(String);

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// A [`Usage`] error saying `message`.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    Usage(message.into()).into()
}

/// `-h` or `--help` was given: not an error, but the end of the parse.
#[derive(Debug)]
pub struct HelpAsked;

impl fmt::Display for HelpAsked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("help asked for")
    }
}

impl std::error::Error for HelpAsked {}

/// An argument the subcommand does not take.
pub fn unexpected(arg: Arg<'_>) -> anyhow::Error {
    usage(format!("unexpected argument {}", shown(&arg)))
}

fn shown(arg: &Arg<'_>) -> String {
    match arg {
        Short(c) => format!("-{c}"),
        Long(name) => format!("--{name}"),
        Value(value) => value.to_string_lossy().into_owned(),
    }
}

/// The arguments after the subcommand's name.
pub struct Args {
    parser: lexopt::Parser,
    /// The option last read, as written (`--links`), for messages about
    /// its value.
    option: String,
}

impl Args {
    pub fn new(args: impl IntoIterator<Item = OsString>) -> Args {
        Args {
            parser: lexopt::Parser::from_args(args),
            option: String::new(),
        }
    }

    /// The next option or operand; `None` at the end. `-h` and `--help`
    /// end the parse with [`HelpAsked`].
    pub fn next(&mut self) -> Result<Option<Arg<'_>>> {
        let arg = self.parser.next().map_err(from_lexopt)?;
        match &arg {
            Some(Short('h') | Long("help")) => return Err(HelpAsked.into()),
            Some(option @ (Short(_) | Long(_))) => self.option = shown(option),
            _ => {}
        }
        Ok(arg)
    }

    /// Nothing more: for a subcommand without options, or after the last.
    pub fn end(&mut self) -> Result<()> {
        match self.next()? {
            None => Ok(()),
            Some(arg) => Err(unexpected(arg)),
        }
    }

    /// The next operand, which must be there; `what` names it.
    pub fn operand(&mut self, what: &str) -> Result<OsString> {
        match self.next()? {
            Some(Value(value)) => Ok(value),
            Some(arg) => Err(unexpected(arg)),
            None => Err(usage(format!("{what} is missing"))),
        }
    }

    /// The value of the option just read; `what` names it when missing.
    fn value(&mut self, what: &str) -> Result<OsString> {
        match self.parser.value() {
            Ok(value) => Ok(value),
            Err(lexopt::Error::MissingValue { .. }) => {
                Err(usage(format!("{} needs {what}", self.option)))
            }
            Err(error) => Err(from_lexopt(error)),
        }
    }

    /// The option's value as a path, which must not be empty.
    pub fn path(&mut self, what: &str) -> Result<PathBuf> {
        match self.value(what)? {
            value if value.is_empty() => Err(usage(format!("{} needs {what}", self.option))),
            value => Ok(PathBuf::from(value)),
        }
    }

    /// The option's value as a number above zero.
    pub fn positive(&mut self) -> Result<u64> {
        let value = self.value("a positive number")?;
        match value.to_str().and_then(|v| v.parse().ok()) {
            Some(n) if n > 0 => Ok(n),
            _ => Err(usage(format!(
                "{} needs a positive number, not {}",
                self.option,
                value.to_string_lossy()
            ))),
        }
    }

    /// The option's value as one of `choices`, by name.
    pub fn choice<T: Copy>(&mut self, choices: &[(&str, T)]) -> Result<T> {
        let names: Vec<&str> = choices.iter().map(|(name, _)| *name).collect();
        let takes = match names.split_last() {
            Some((last, [])) => last.to_string(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
            None => String::new(),
        };
        let value = self.value(&takes)?;
        choices
            .iter()
            .find(|(name, _)| value.to_str() == Some(name))
            .map(|(_, choice)| *choice)
            .ok_or_else(|| usage(format!("{} takes {takes}", self.option)))
    }
}

/// lexopt's own complaints (`--host=yes`) as usage errors.
fn from_lexopt(error: lexopt::Error) -> anyhow::Error {
    match error {
        lexopt::Error::UnexpectedValue { option, .. } => usage(format!("{option} takes no value")),
        error => usage(error.to_string()),
    }
}

/// Parses `words` with `parse`, for the subcommands' tests.
#[cfg(test)]
pub fn parse<T>(parse: fn(&mut Args) -> Result<T>, words: &[&str]) -> Result<T> {
    parse(&mut Args::new(words.iter().map(OsString::from)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, PartialEq)]
    struct Options {
        dir: Option<PathBuf>,
        count: Option<u64>,
        mode: Option<char>,
        flag: bool,
    }

    fn options(args: &mut Args) -> Result<Options> {
        let mut options = Options::default();
        while let Some(arg) = args.next()? {
            match arg {
                Long("dir") => options.dir = Some(args.path("a directory")?),
                Long("count") => options.count = Some(args.positive()?),
                Long("mode") => options.mode = Some(args.choice(&[("a", 'a'), ("b", 'b')])?),
                Long("flag") => options.flag = true,
                arg => return Err(unexpected(arg)),
            }
        }
        Ok(options)
    }

    fn error(words: &[&str]) -> String {
        let error = parse(options, words).unwrap_err();
        assert!(error.is::<Usage>(), "{words:?}: {error}");
        error.to_string()
    }

    #[test]
    fn options_and_their_values() {
        let o = parse(
            options,
            &["--dir", "x", "--count=3", "--mode", "b", "--flag"],
        )
        .unwrap();
        assert_eq!(o.dir, Some(PathBuf::from("x")));
        assert_eq!((o.count, o.mode, o.flag), (Some(3), Some('b'), true));
        assert_eq!(parse(options, &[]).unwrap(), Options::default());
    }

    #[test]
    fn mistakes_are_usage_errors_that_say_what_is_wrong() {
        assert_eq!(error(&["--dir"]), "--dir needs a directory");
        assert_eq!(error(&["--dir="]), "--dir needs a directory");
        assert_eq!(
            error(&["--count", "0"]),
            "--count needs a positive number, not 0"
        );
        assert_eq!(error(&["--count"]), "--count needs a positive number");
        assert_eq!(error(&["--mode", "c"]), "--mode takes a or b");
        assert_eq!(error(&["--flag=yes"]), "--flag takes no value");
        assert_eq!(error(&["--bogus"]), "unexpected argument --bogus");
        assert_eq!(error(&["-x"]), "unexpected argument -x");
        assert_eq!(error(&["word"]), "unexpected argument word");
    }

    #[test]
    fn help_ends_the_parse() {
        for words in [&["-h"][..], &["--flag", "--help"]] {
            assert!(parse(options, words).unwrap_err().is::<HelpAsked>());
        }
        // A value that looks like --help is still a value.
        let o = parse(options, &["--dir", "--help"]).unwrap();
        assert_eq!(o.dir, Some(PathBuf::from("--help")));
    }

    #[test]
    fn operands_and_the_end() {
        let mut args = Args::new(["a", "b"].map(OsString::from));
        assert_eq!(args.operand("A").unwrap(), "a");
        assert_eq!(args.end().unwrap_err().to_string(), "unexpected argument b");
        let mut args = Args::new([]);
        assert_eq!(
            args.operand("DIR").unwrap_err().to_string(),
            "DIR is missing"
        );
        assert!(args.end().is_ok());
    }

    const SHORT: Subcommand = Subcommand {
        name: "ci",
        synopsis: "",
        about: "what CI runs:\neverything.",
        run: |args| args.end(),
        helpers: &[],
    };

    #[test]
    fn summaries_indent_the_description() {
        assert_eq!(
            SHORT.summary(),
            "  ci    what CI runs:\n        everything.\n"
        );
        let long = Subcommand {
            name: "examples",
            ..SHORT
        };
        assert_eq!(
            long.summary(),
            "  examples\n        what CI runs:\n        everything.\n"
        );
        let with = Subcommand {
            synopsis: "[--x N]",
            ..SHORT
        };
        assert!(with.summary().starts_with("  ci [--x N]\n        what CI"));
        assert_eq!(
            with.help(),
            "Usage: cargo xtask ci [--x N]\n\nwhat CI runs:\neverything.\n"
        );
    }
}
