//! Running part of xtask again as a child process — inside a sandbox, or on
//! the host — while this process stays behind to clean up: SIGINT and
//! SIGTERM sent to us are passed on to the child's process group, and we
//! live on to see it end.

use std::ffi::c_int;
use std::fmt;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};

use anyhow::{Context, Result};
use rustix::process::{kill_process_group, Pid, Signal};

/// The child's process group, while one runs.
static CHILD: AtomicI32 = AtomicI32::new(0);
/// The last signal passed on, 0 when none.
static CAUGHT: AtomicI32 = AtomicI32::new(0);

extern "C" fn pass_on(sig: c_int) {
    // Only async-signal-safe work here: atomics and kill(2).
    CAUGHT.store(sig, Ordering::SeqCst);
    pass_to_child(CHILD.load(Ordering::SeqCst), sig);
}

/// Sends `sig` to the process group `child`, if there is one.
fn pass_to_child(child: i32, sig: c_int) {
    if let (Some(group), Some(sig)) = (Pid::from_raw(child), Signal::from_named_raw(sig)) {
        let _ = kill_process_group(group, sig);
    }
}

pub fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// This program with a hidden subcommand.
pub fn myself(subcommand: &str) -> Result<Command> {
    // The running binary itself, even when cargo has since rebuilt the file
    // it came from (as `cargo test` does during `cargo xtask ci`).
    let mut command = Command::new("/proc/self/exe");
    command.arg(subcommand);
    Ok(command)
}

/// What became of the child.
pub struct Ended {
    pub status: ExitStatus,
    /// The signal we passed on to it, if any (SIGINT, SIGTERM).
    pub signal: Option<c_int>,
}

impl Ended {
    /// The status to exit with after an interruption, as a shell would.
    pub fn interrupted_status(&self) -> Option<u8> {
        self.signal.map(|s| 128 + s as u8)
    }
}

/// The end of xtask after its child was interrupted: exit with this
/// status, saying nothing more (what there was to say is said).
#[derive(Debug)]
pub struct Interrupted(pub u8);

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "interrupted (exit status {})", self.0)
    }
}

impl std::error::Error for Interrupted {}

/// Sets what SIGINT and SIGTERM do.
fn on_interrupt(handler: libc::sighandler_t) {
    for sig in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: rustix installs no signal handlers, so this is libc's
        // signal(3). `handler` is SIG_DFL or `pass_on`, which only touches
        // atomics and calls kill(2), both async-signal-safe.
        unsafe { libc::signal(sig, handler) };
    }
}

/// Runs `command` in its own process group and waits for it, passing on
/// SIGINT and SIGTERM; it gets no terminal input (a background group must
/// not read the terminal).
pub fn run(mut command: Command) -> Result<Ended> {
    command.process_group(0).stdin(Stdio::null());
    CAUGHT.store(0, Ordering::SeqCst);
    // Set before the child starts so that no signal is missed; exec resets
    // caught signals to their defaults in the child.
    on_interrupt(pass_on as extern "C" fn(c_int) as libc::sighandler_t);
    let status = command.spawn().and_then(|mut child| {
        let pid = child.id() as i32;
        CHILD.store(pid, Ordering::SeqCst);
        pass_to_child(pid, CAUGHT.load(Ordering::SeqCst));
        child.wait()
    });
    CHILD.store(0, Ordering::SeqCst);
    // Back to the defaults; the child is gone.
    on_interrupt(libc::SIG_DFL);
    let status = status.context("running a child xtask")?;
    let signal = match CAUGHT.swap(0, Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    };
    Ok(Ended { status, signal })
}
