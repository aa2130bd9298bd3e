//! Running part of xtask again as a child process — inside a sandbox, or on
//! the host — while this process stays behind to clean up: SIGINT and
//! SIGTERM sent to us are passed on to the child's process group, and we
//! live on to see it end.

use std::ffi::c_int;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};

use anyhow::{Context, Result};

const SIGINT: c_int = 2;
const SIGTERM: c_int = 15;
const SIG_DFL: usize = 0;

// The C library std already links; no crate needed for three calls.
extern "C" {
    fn signal(signum: c_int, handler: usize) -> usize;
    fn kill(pid: c_int, sig: c_int) -> c_int;
    fn geteuid() -> u32;
}

/// The child's process group, while one runs.
static CHILD: AtomicI32 = AtomicI32::new(0);
/// The last signal passed on, 0 when none.
static CAUGHT: AtomicI32 = AtomicI32::new(0);

extern "C" fn pass_on(sig: c_int) {
    // Only async-signal-safe work here: atomics and kill(2).
    CAUGHT.store(sig, Ordering::SeqCst);
    let child = CHILD.load(Ordering::SeqCst);
    if child > 0 {
        // SAFETY: kill(2) is async-signal-safe.
        unsafe { kill(-child, sig) };
    }
}

pub fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { geteuid() == 0 }
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

/// Runs `command` in its own process group and waits for it, passing on
/// SIGINT and SIGTERM; it gets no terminal input (a background group must
/// not read the terminal).
pub fn run(mut command: Command) -> Result<Ended> {
    command.process_group(0).stdin(Stdio::null());
    CAUGHT.store(0, Ordering::SeqCst);
    let handler = pass_on as extern "C" fn(c_int) as usize;
    // SAFETY: the handler only touches atomics and calls kill(2). Set
    // before the child starts so that no signal is missed; exec resets
    // caught signals to their defaults in the child.
    unsafe {
        signal(SIGINT, handler);
        signal(SIGTERM, handler);
    }
    let status = command.spawn().and_then(|mut child| {
        let pid = child.id() as i32;
        CHILD.store(pid, Ordering::SeqCst);
        let early = CAUGHT.load(Ordering::SeqCst);
        if early != 0 {
            // SAFETY: as in the handler.
            unsafe { kill(-pid, early) };
        }
        child.wait()
    });
    CHILD.store(0, Ordering::SeqCst);
    // SAFETY: back to the defaults; the child is gone.
    unsafe {
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
    }
    let status = status.context("running a child xtask")?;
    let signal = match CAUGHT.swap(0, Ordering::SeqCst) {
        0 => None,
        s => Some(s),
    };
    Ok(Ended { status, signal })
}
