//! `--batch FILE`: many invocations of one tool from one process, as
//! `ip -batch` does. Each line of FILE holds one invocation's arguments
//! (see [`lines`] for the syntax); the tool parses it with its own parser,
//! after the options given beside `--batch`, so a line may override them.
//! The batch stops at the first line that fails, undoes what the lines
//! before it did (see [`journal`]), names the line (`TOOL: FILE:LINE: what:
//! why`) and exits 1. SIGINT and SIGTERM stop it the same way (see
//! [`signals`]). The link tools keep one netlink socket per namespace
//! while lines keep naming it (see [`sockets`]).

pub mod journal;
pub mod lines;
pub mod signals;
pub mod sockets;

use std::ffi::OsString;
use std::os::fd::{BorrowedFd, OwnedFd};

use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;
use std::process::ExitCode;

use crate::cli::{quote, strerror, Batched, Command, Parse, Tool};

pub use journal::Journal;
pub use sockets::Sockets;

/// `--batch FILE` and the options given beside it, spelled out in full
/// (`--netns=red`) to go before each line's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub file: String,
    pub defaults: Vec<OsString>,
}

impl Batch {
    /// A line's command line: the tool's name, the defaults, the line.
    pub fn argv(&self, tool: &str, words: Vec<OsString>) -> Vec<OsString> {
        let mut argv = Vec::with_capacity(1 + self.defaults.len() + words.len());
        argv.push(OsString::from(tool));
        argv.extend(self.defaults.iter().cloned());
        argv.extend(words);
        argv
    }
}

/// A tool's side of a batch.
pub trait Session {
    /// Does what one line (as a command line: name, defaults, words)
    /// asks, noting what undo must reverse.
    fn line(&mut self, argv: Vec<OsString>) -> anyhow::Result<()>;

    /// Runs after the last line (e.g. waiting once for every link).
    fn finish(&mut self) -> anyhow::Result<()> {
        Ok(())
    }

    /// Undoes what the lines did, most recent first; returns what could
    /// not be undone.
    fn undo(&mut self) -> Vec<anyhow::Error>;

    /// The removals made, which undo cannot bring back: how many, and what
    /// one and several are called (`namespace`, `namespaces`).
    fn removed(&self) -> (usize, &'static str, &'static str) {
        (0, "", "")
    }
}

/// What a line's parse gave, or why it cannot be a batch line.
pub fn line_command<T>(command: Command<T>) -> anyhow::Result<T> {
    match command {
        Command::Run(request) => Ok(request),
        Command::Help | Command::Version => {
            Err(anyhow::anyhow!("--help and --version are not batch lines"))
        }
    }
}

/// The request a line (as a command line: name, defaults, words) makes:
/// not help, not version, not a batch.
pub fn request<T: Parse>(argv: Vec<OsString>) -> anyhow::Result<T> {
    match line_command(T::parse(argv)?)? {
        Batched::Action(request) => Ok(request),
        Batched::Batch(_) => Err(nested()),
    }
}

/// The error for a line that itself holds `--batch`.
pub fn nested() -> anyhow::Error {
    anyhow::anyhow!("--batch within a batch")
}

/// Why a batch stopped: at a line (0: before any, or after the last),
/// for a reason, or by a signal.
struct Stop {
    line: usize,
    why: anyhow::Error,
    signal: Option<i32>,
}

impl Stop {
    fn failed(line: usize, why: anyhow::Error) -> Stop {
        Stop {
            line,
            why,
            signal: None,
        }
    }

    fn signal(line: usize, signal: i32) -> Stop {
        Stop {
            line,
            why: anyhow::anyhow!("stopped by {}", signals::name(signal)),
            signal: Some(signal),
        }
    }
}

/// Runs every line of `batch` through `session`; all of it, or nothing.
pub fn run(tool: &Tool, batch: &Batch, session: &mut dyn Session) -> anyhow::Result<ExitCode> {
    signals::catch();
    let file = quote(&batch.file);
    let input = match batch.file.as_str() {
        // Our own descriptor for it: one kind of input, one reader.
        // SAFETY: fd 0 is open for the life of the process (std opens
        // /dev/null there if it was not); it is only duplicated here.
        "-" => rustix::io::fcntl_dupfd_cloexec(unsafe { BorrowedFd::borrow_raw(0) }, 0),
        path => rustix::fs::open(path, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()),
    }
    .map_err(|e| anyhow::anyhow!("{file}: cannot open: {}", strerror(e.raw_os_error())))?;
    let Some(stop) = lines(tool, batch, input, session) else {
        return Ok(ExitCode::SUCCESS);
    };
    let failed = session.undo();
    let at = match stop.line {
        0 => file.clone(),
        n => format!("{file}:{n}"),
    };
    let kept = match session.removed() {
        (0, _, _) => String::new(),
        (1, one, _) => format!(" (not undone: 1 {one} removed by earlier lines)"),
        (n, _, many) => format!(" (not undone: {n} {many} removed by earlier lines)"),
    };
    tool.warn(format_args!("{at}: {:#}{kept}", stop.why));
    for e in &failed {
        tool.warn(format_args!("{file}: cannot undo: {e:#}"));
    }
    match stop.signal {
        Some(signal) => signals::die_of(signal),
        None => Ok(ExitCode::FAILURE),
    }
}

/// Reads and does every line; `None` when all succeeded.
fn lines(tool: &Tool, batch: &Batch, input: OwnedFd, session: &mut dyn Session) -> Option<Stop> {
    let mut lines = lines::Lines::new(input);
    loop {
        if let Some(signal) = signals::caught() {
            return Some(Stop::signal(lines.number(), signal));
        }
        let (number, words) = match lines.next_words() {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(lines::Error::Line(number, bad)) => {
                return Some(Stop::failed(number, anyhow::anyhow!("{bad}")))
            }
            Err(lines::Error::Read(Errno::INTR)) => continue,
            Err(lines::Error::Read(e)) => {
                let why = anyhow::anyhow!("read error: {}", strerror(e.raw_os_error()));
                return Some(Stop::failed(lines.number() + 1, why));
            }
        };
        if let Err(e) = session.line(batch.argv(tool.name, words)) {
            return Some(Stop::failed(number, e));
        }
    }
    let finished = session.finish();
    if let Some(signal) = signals::caught() {
        return Some(Stop::signal(lines.number(), signal));
    }
    finished.err().map(|e| Stop::failed(0, e))
}
