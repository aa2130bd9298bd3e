//! SIGINT and SIGTERM during a batch: the handler only notes the signal;
//! the batch stops between two lines, undoes what it did, and then dies of
//! that signal, so its caller sees what ended it. The handlers are set
//! without SA_RESTART, so a read waiting on a pipe returns at once.
//! A signal the process was started with ignored (`nohup`, a background
//! job's SIGINT) stays ignored.

use std::sync::atomic::{AtomicI32, Ordering};

/// The signal that arrived, or 0.
static CAUGHT: AtomicI32 = AtomicI32::new(0);

extern "C" fn note(signal: libc::c_int) {
    CAUGHT.store(signal, Ordering::SeqCst);
}

/// Routes SIGINT and SIGTERM to the note above.
pub fn catch() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction is a valid "query"; the handler only
        // stores to an atomic, which is async-signal-safe.
        unsafe {
            let mut old: libc::sigaction = core::mem::zeroed();
            if libc::sigaction(signal, core::ptr::null(), &mut old) != 0
                || old.sa_sigaction == libc::SIG_IGN
            {
                continue;
            }
            let mut action: libc::sigaction = core::mem::zeroed();
            action.sa_sigaction = note as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, core::ptr::null_mut());
        }
    }
}

/// The signal that arrived since `catch`, if any.
pub fn caught() -> Option<i32> {
    match CAUGHT.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(signal),
    }
}

/// `SIGINT`, `SIGTERM`: for messages.
pub fn name(signal: i32) -> &'static str {
    match signal {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}

/// Ends the process by `signal`, with its default action, as if it had
/// not been caught (the handler left it unblocked); 128 + signal if that
/// somehow returns.
pub fn die_of(signal: i32) -> ! {
    // SAFETY: plain calls that set the default action, send the signal to
    // ourselves, and exit; nothing is left to flush.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
        libc::_exit(128 + signal)
    }
}
