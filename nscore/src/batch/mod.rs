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
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::process::ExitCode;

use crate::cli::{io_reason, quote, Command, Tool};

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

    /// The removals made, which undo cannot bring back (`3 namespaces`).
    fn removed(&self) -> Option<String>;
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

/// The error for a line that itself holds `--batch`.
pub fn nested() -> anyhow::Error {
    anyhow::anyhow!("--batch within a batch")
}

/// Why a batch stopped.
enum Stop {
    /// At a line (0: before any, or after the last), for this reason.
    Failed(usize, anyhow::Error),
    Signal(usize, i32),
}

/// Runs every line of `batch` through `session`; all of it, or nothing.
pub fn run(tool: &Tool, batch: &Batch, session: &mut dyn Session) -> anyhow::Result<ExitCode> {
    signals::catch();
    let file = quote(&batch.file);
    let stop = if batch.file == "-" {
        lines(tool, batch, io::stdin().lock(), session)
    } else {
        let opened = File::open(&batch.file)
            .map_err(|e| anyhow::anyhow!("{file}: cannot open: {}", io_reason(&e)))?;
        lines(tool, batch, BufReader::new(opened), session)
    };
    let Some(stop) = stop else {
        return Ok(ExitCode::SUCCESS);
    };
    let failed = session.undo();
    let at = |line: usize| match line {
        0 => file.clone(),
        n => format!("{file}:{n}"),
    };
    let kept = match session.removed() {
        Some(removed) => format!(" (not undone: {removed} removed by earlier lines)"),
        None => String::new(),
    };
    match &stop {
        Stop::Failed(line, e) => tool.warn(format_args!("{}: {e:#}{kept}", at(*line))),
        Stop::Signal(line, signal) => tool.warn(format_args!(
            "{}: stopped by {}{kept}",
            at(*line),
            signals::name(*signal)
        )),
    }
    for e in &failed {
        tool.warn(format_args!("{file}: cannot undo: {e:#}"));
    }
    match stop {
        Stop::Signal(_, signal) => signals::die_of(signal),
        Stop::Failed(..) => Ok(ExitCode::FAILURE),
    }
}

/// Reads and does every line; `None` when all succeeded.
fn lines(
    tool: &Tool,
    batch: &Batch,
    input: impl BufRead,
    session: &mut dyn Session,
) -> Option<Stop> {
    let mut lines = lines::Lines::new(input);
    loop {
        if let Some(signal) = signals::caught() {
            return Some(Stop::Signal(lines.number(), signal));
        }
        let (number, words) = match lines.next_words() {
            Ok(Some(line)) => line,
            Ok(None) => break,
            Err(lines::Error::Line(number, bad)) => {
                return Some(Stop::Failed(number, anyhow::anyhow!("{bad}")))
            }
            Err(lines::Error::Read(e)) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(lines::Error::Read(e)) => {
                let why = anyhow::anyhow!("read error: {}", io_reason(&e));
                return Some(Stop::Failed(lines.number() + 1, why));
            }
        };
        if let Err(e) = session.line(batch.argv(tool.name, words)) {
            return Some(Stop::Failed(number, e));
        }
    }
    if let Err(e) = session.finish() {
        return Some(Stop::Failed(0, e));
    }
    signals::caught().map(|signal| Stop::Signal(lines.number(), signal))
}
