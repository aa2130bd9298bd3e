//! The conventions every tool follows: one error line `TOOL: what: why` on
//! stderr, exit 2 for usage errors (with a pointer to `--help`), exit 1 when
//! the operation failed, `--help` on stdout and `--version`; each tool's
//! options declared once in a table (`flags`) that the parser and `--help`
//! (`help`) read.

pub mod flags;
mod given;
mod help;

use std::ffi::OsString;
use std::fmt;
use std::io::{self, Write};
use std::process::{ExitCode, Termination};

pub use flags::{Arg, Batched, Command, Complete, Flag, Operands, Spec, MAIN};
pub use given::Given;
pub use help::text as help_text;

/// A mistake on the command line. Tools report it with the exit status for
/// usage errors (2 for most tools) and a hint to `--help`.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// Builds a usage error.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    UsageError(message.into()).into()
}

/// Turns a `lexopt` complaint into a usage error that names the argument.
pub fn bad_argument(error: lexopt::Error) -> anyhow::Error {
    let message = match error {
        lexopt::Error::UnexpectedArgument(arg) => {
            format!("unexpected argument {}", quote_os(&arg))
        }
        lexopt::Error::NonUnicodeValue(arg) => {
            format!("argument is not valid UTF-8: {}", quote_os(&arg))
        }
        other => other.to_string(),
    };
    usage(message)
}

/// What the command line of a tool with `--batch` asks for (or a line
/// of a batch does), read by the tool's table.
pub trait Parse: Sized {
    /// Parses `args`, argv[0] first.
    fn parse(args: Vec<OsString>) -> anyhow::Result<Command<Batched<Self>>>;
}

/// One tool's identity and exit-status policy.
pub struct Tool {
    pub name: &'static str,
    /// The command line, from which `--help` is written.
    pub spec: &'static Spec,
    /// Exit status for usage errors (2; nsexec uses 125 as `env` does).
    pub usage_status: u8,
    /// Exit status when the operation failed (1; nsexec 125, nsping 2).
    pub failure_status: u8,
    /// The command that deletes a stale entry in /run/netns (`nsadd -d`),
    /// for `run` to hand to `entry`, whose messages name no tool.
    pub stale_remedy: Option<&'static str>,
}

impl Tool {
    /// A tool with the usual statuses: 2 for usage errors, 1 for failures.
    pub const fn new(spec: &'static Spec) -> Tool {
        Tool {
            name: spec.name,
            spec,
            usage_status: 2,
            failure_status: 1,
            stale_remedy: None,
        }
    }

    /// The same tool, naming `command` as the cure for a stale entry.
    pub const fn stale_remedy(self, command: &'static str) -> Tool {
        Tool {
            stale_remedy: Some(command),
            ..self
        }
    }

    /// A tool's whole life: `parse` its command line `args`, answer
    /// `--help` and `--version`, or `run` what it asks for (its result
    /// the exit status, as `main`'s); errors printed as one line.
    pub fn main<A, T, R: Termination>(
        &self,
        args: A,
        parse: impl FnOnce(A) -> anyhow::Result<Command<T>>,
        run: impl FnOnce(T) -> anyhow::Result<R>,
    ) -> ExitCode {
        self.run(|| match parse(args)? {
            Command::Help => self.print_help(),
            Command::Version => self.print_version(),
            Command::Run(request) => run(request).map(Termination::report),
        })
    }

    /// [`Tool::main`] for a tool with `--batch`, whose requests `T` parse
    /// themselves: a batch is run line by line through the session
    /// `session` opens.
    pub fn main_batched<T: Parse, R: Termination, S: crate::batch::Session>(
        &self,
        args: impl IntoIterator<Item = OsString>,
        session: impl FnOnce() -> anyhow::Result<S>,
        run: impl FnOnce(T) -> anyhow::Result<R>,
    ) -> ExitCode {
        self.main(
            args.into_iter().collect(),
            T::parse,
            |batched| match batched {
                Batched::Action(request) => run(request).map(Termination::report),
                Batched::Batch(batch) => crate::batch::run(self, &batch, &mut session()?),
            },
        )
    }

    /// Runs `body`, printing any error it returns as one line and mapping it
    /// to the tool's exit status.
    /// SIGPIPE first gets back the disposition the process was started
    /// with (see [`crate::inherited`]), and `entry` learns the tool's
    /// `stale_remedy`.
    pub fn run(&self, body: impl FnOnce() -> anyhow::Result<ExitCode>) -> ExitCode {
        crate::inherited::restore();
        if let Some(command) = self.stale_remedy {
            crate::entry::set_stale_remedy(command);
        }
        match body() {
            Ok(code) => code,
            Err(error) => ExitCode::from(self.report(&error)),
        }
    }

    /// Prints `error` as `TOOL: what: why` and returns the exit status for it.
    pub fn report(&self, error: &anyhow::Error) -> u8 {
        if error.downcast_ref::<UsageError>().is_some() {
            self.warn(format_args!("{error} (try '{} --help')", self.name));
            self.usage_status
        } else {
            self.warn(format_args!("{error:#}"));
            self.failure_status
        }
    }

    /// Prints one line `TOOL: message` on stderr.
    pub fn warn(&self, message: fmt::Arguments<'_>) {
        let line = format!("{}: {}\n", self.name, message);
        let _ = io::stderr().write_all(one_line(&line).as_bytes());
    }

    /// Prints the help text on stdout; `--help` is a success.
    pub fn print_help(&self) -> anyhow::Result<ExitCode> {
        print_stdout(help::text(self.spec))?;
        Ok(ExitCode::SUCCESS)
    }

    /// Prints `TOOL (nstools) VERSION`.
    pub fn print_version(&self) -> anyhow::Result<ExitCode> {
        print_stdout(format!(
            "{} (nstools) {}\n",
            self.name,
            env!("CARGO_PKG_VERSION")
        ))?;
        Ok(ExitCode::SUCCESS)
    }
}

/// Writes all of `text` to stdout, unbuffered. A reader that went away
/// ends the process by SIGPIPE inside the write, as it ends a C tool
/// (unless the caller ignored SIGPIPE: then, as there, it is EPIPE). Any
/// error is `write error: WHY`, for the tool to report as its failure.
pub fn print_stdout(text: impl AsRef<[u8]>) -> anyhow::Result<()> {
    write_stdout(text.as_ref())
        .map_err(|errno| anyhow::anyhow!("write error: {}", strerror(errno.raw_os_error())))
}

fn write_stdout(mut text: &[u8]) -> Result<(), rustix::io::Errno> {
    use std::os::fd::AsFd;
    if crate::inherited::stdout_was_closed() {
        return Err(rustix::io::Errno::BADF);
    }
    let stdout = io::stdout();
    while !text.is_empty() {
        match rustix::io::write(stdout.as_fd(), text) {
            Ok(0) => return Err(rustix::io::Errno::IO),
            Ok(n) => text = &text[n..],
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Keeps a message on one line whatever the input it names contained.
fn one_line(line: &str) -> String {
    let body = line.strip_suffix('\n').unwrap_or(line);
    let mut out = String::with_capacity(line.len());
    for c in body.chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out.push('\n');
    out
}

/// Quotes a user-supplied string for an error message: as it is when it is
/// plain, escaped and in double quotes when it holds anything unusual.
pub fn quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\');
    if plain {
        s.to_string()
    } else {
        format!("{s:?}")
    }
}

/// As [`quote`], for arguments that may not be UTF-8.
pub fn quote_os(s: &OsString) -> String {
    match s.to_str() {
        Some(s) => quote(s),
        None => format!("{s:?}"),
    }
}

/// The text of an errno as glibc words it (and so as iproute2 and iputils
/// print it), from [`crate::errno`]; the C library's for any other.
pub fn strerror(errno: i32) -> String {
    if let Some(text) = crate::errno::text(errno) {
        return text.to_string();
    }
    extern "C" {
        // From the C library std already links; no crate needed for it.
        fn strerror(errnum: core::ffi::c_int) -> *const core::ffi::c_char;
    }
    // SAFETY: strerror returns a NUL-terminated string that stays valid
    // until the next call; it is copied at once, and the tools are
    // single-threaded.
    let text = unsafe { core::ffi::CStr::from_ptr(strerror(errno)) };
    text.to_string_lossy().into_owned()
}

/// Why a system call failed, as `strerror` says it, naming `capability`
/// when the failure was a missing privilege (EPERM, EACCES).
pub fn reason(errno: i32, capability: &str) -> String {
    const EPERM: i32 = 1;
    const EACCES: i32 = 13;
    let why = strerror(errno);
    if errno == EPERM || errno == EACCES {
        format!("{why} (needs {capability})")
    } else {
        why
    }
}

/// `strerror` for an I/O error (falls back to its own text).
pub fn io_reason(error: &io::Error) -> String {
    match error.raw_os_error() {
        Some(errno) => strerror(errno),
        None => error.to_string(),
    }
}

/// Parses a numeric option value, naming the option when it is not a number.
pub fn parse_number<T: std::str::FromStr>(option: &str, value: &str) -> anyhow::Result<T> {
    value
        .parse()
        .map_err(|_| usage(format!("invalid value for {option}: {}", quote(value))))
}

/// Parses `DIGITS[.DIGITS]` into an integer scaled by 10^`places`,
/// truncating further decimals (as iputils truncates `-i 0.0025` to 2 ms).
/// None for anything else (signs, exponents, `nan`) or on overflow. No
/// float parser: it would cost about 30 KB of each static binary.
pub fn parse_fixed(s: &str, places: u32) -> Option<u64> {
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(whole) || !all_digits(frac) {
        return None;
    }
    let mut value: u64 = 0;
    for b in whole.bytes() {
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    let mut frac = frac.bytes();
    for _ in 0..places {
        let digit = frac.next().map_or(0, |b| u64::from(b - b'0'));
        value = value.checked_mul(10)?.checked_add(digit)?;
    }
    Some(value)
}

/// A command line as a tool's `main` receives it: its name, then `args`.
pub fn command_line(tool: &str, args: &[&str]) -> Vec<OsString> {
    std::iter::once(tool)
        .chain(args.iter().copied())
        .map(OsString::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quote_leaves_plain_names_alone() {
        assert_eq!(quote("veth-red"), "veth-red");
        assert_eq!(quote("a b"), "\"a b\"");
        assert_eq!(quote(""), "\"\"");
        assert_eq!(quote("a\nb"), "\"a\\nb\"");
    }

    #[test]
    fn one_line_escapes_controls() {
        assert_eq!(one_line("x: a\nb\n"), "x: a\\nb\n");
    }

    #[test]
    fn strerror_drops_the_suffix() {
        assert_eq!(strerror(17), "File exists");
    }

    #[test]
    fn missing_privileges_are_named() {
        assert_eq!(
            reason(1, "CAP_SYS_ADMIN"),
            "Operation not permitted (needs CAP_SYS_ADMIN)"
        );
        assert_eq!(
            reason(13, "CAP_NET_RAW"),
            "Permission denied (needs CAP_NET_RAW)"
        );
        assert_eq!(reason(2, "CAP_SYS_ADMIN"), "No such file or directory");
    }

    #[test]
    fn fixed_point_parsing() {
        assert_eq!(parse_fixed("1", 3), Some(1000));
        assert_eq!(parse_fixed("0.2", 3), Some(200));
        assert_eq!(parse_fixed(".5", 3), Some(500));
        assert_eq!(parse_fixed("5.", 3), Some(5000));
        assert_eq!(parse_fixed("0.0025", 3), Some(2));
        assert_eq!(parse_fixed("12.5", 0), Some(12));
        for bad in [
            "", ".", "-1", "+1", "1e3", "nan", "inf", "1.2.3", " 1", "0x10",
        ] {
            assert_eq!(parse_fixed(bad, 3), None, "{bad:?}");
        }
        assert_eq!(parse_fixed("99999999999999999999", 0), None);
        assert_eq!(parse_fixed("18446744073709552", 3), None);
    }

    #[test]
    fn usage_errors_are_recognised() {
        let e = usage("bad");
        assert!(e.downcast_ref::<UsageError>().is_some());
    }
}
