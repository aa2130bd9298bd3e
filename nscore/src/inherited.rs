//! What the process was started with, as C tools keep it. Before `main`,
//! std's runtime sets SIGPIPE to ignored (so a tool whose reader went away
//! would get EPIPE instead of dying as `ip` and `ping` die) and opens
//! `/dev/null` on any of fds 0, 1, 2 that were closed. A constructor in
//! `.init_array`, which the C library runs before std's runtime starts,
//! records both; each tool then puts SIGPIPE back as it was given
//! ([`restore`]), a closed stdout fails writes as it would have
//! ([`stdout_was_closed`]), and nsexec closes those fds again before it
//! hands the process to COMMAND ([`close_reopened`]).

use std::sync::atomic::{AtomicU8, Ordering};

/// Set once the constructor has run.
const RECORDED: u8 = 1 << 0;
/// SIGPIPE was ignored (the only other disposition exec leaves is default).
const SIGPIPE_IGNORED: u8 = 1 << 1;
/// Fd N (0, 1, 2) was closed: bit `CLOSED_FD0 << N`.
const CLOSED_FD0: u8 = 1 << 2;

static STATE: AtomicU8 = AtomicU8::new(0);

// `#[used]` keeps the entry through LTO, in every binary that links nscore.
#[used]
#[link_section = ".init_array"]
static RECORD: extern "C" fn() = record;

extern "C" fn record() {
    let mut state = RECORDED;
    // SAFETY: a query (no new action); `old` is written by the call.
    unsafe {
        let mut old: libc::sigaction = core::mem::zeroed();
        if libc::sigaction(libc::SIGPIPE, core::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
        {
            state |= SIGPIPE_IGNORED;
        }
    }
    for fd in 0..3 {
        // SAFETY: F_GETFD only asks whether the descriptor is open.
        if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
            state |= CLOSED_FD0 << fd;
        }
    }
    STATE.store(state, Ordering::Relaxed);
}

fn state() -> u8 {
    STATE.load(Ordering::Relaxed)
}

/// Whether the constructor ran (it must, in every binary linking nscore).
pub fn recorded() -> bool {
    state() & RECORDED != 0
}

/// Gives SIGPIPE back the disposition the process was started with: a
/// writer whose reader went away dies of it, unless the caller ignored it
/// (`trap '' PIPE`), and then a write says EPIPE, as in a C tool.
pub fn restore() {
    if recorded() && state() & SIGPIPE_IGNORED == 0 {
        // SAFETY: setting the default action has no handler to be unsafe.
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_DFL) };
    }
}

/// Whether stdout was closed when the process started (std has since put
/// `/dev/null` there; a C tool's writes would fail with EBADF).
pub fn stdout_was_closed() -> bool {
    state() & (CLOSED_FD0 << 1) != 0
}

/// Closes again those of fds 0, 1, 2 that were closed at start, so that a
/// program exec'd next gets them as we did. Only for just before exec:
/// std's handles to them must not be used after.
pub fn close_reopened() {
    for fd in 0..3 {
        if state() & (CLOSED_FD0 << fd) != 0 {
            // SAFETY: the descriptor is std's /dev/null, unused by now.
            unsafe { libc::close(fd) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_constructor_runs_in_the_test_binary_too() {
        assert!(recorded());
    }
}
