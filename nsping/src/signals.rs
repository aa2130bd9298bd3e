//! SIGINT (stop, print the summary) and SIGQUIT (print the running status)
//! through a self-pipe: the handler sets a flag and writes the signal
//! number to a non-blocking pipe, and the run loop polls the pipe's read
//! end next to the socket. No signal is lost between a check and a wait
//! (the byte stays in the pipe until read, waking the next poll), and
//! nothing but an atomic store and `write(2)` runs in the handler. The
//! flood loop, which waits in a `recvmsg` bounded by SO_RCVTIMEO instead
//! of `poll`, sees the flag within that bound (10 ms). rustix has no signal-handler API outside its experimental
//! runtime (whose raw `rt_sigaction` would need our own restorer
//! trampoline), so the handler is installed with the C library's
//! `signal()` (see `sys`).

use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use rustix::pipe::{pipe_with, PipeFlags};

use crate::sys;

/// The pipe's write end, for the handler (-1 before `install`).
static WRITE_END: AtomicI32 = AtomicI32::new(-1);
/// Set by the handler: checking it costs the run loop no system call.
static ARRIVED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(signum: std::ffi::c_int) {
    ARRIVED.store(true, Ordering::SeqCst);
    let fd = WRITE_END.load(Ordering::Relaxed);
    if fd >= 0 {
        // SAFETY: the write end stays open for the rest of the process
        // (`Signals` is never dropped before exit while handlers are set).
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        // A raw write(2): async-signal-safe, and it leaves errno alone. A
        // full pipe already holds a wake-up, so a failure loses nothing.
        let _ = rustix::io::write(fd, &[signum as u8]);
    }
}

pub struct Signals {
    read: OwnedFd,
    /// Kept open for the handler.
    _write: OwnedFd,
}

/// What arrived since the last look.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    pub interrupt: bool,
    pub status: bool,
}

impl Signals {
    /// Creates the pipe and routes SIGINT and SIGQUIT to it.
    pub fn install() -> io::Result<Signals> {
        let (read, write) = pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK)?;
        WRITE_END.store(write.as_raw_fd(), Ordering::Relaxed);
        sys::set_handler(sys::SIGINT, on_signal)?;
        sys::set_handler(sys::SIGQUIT, on_signal)?;
        Ok(Signals {
            read,
            _write: write,
        })
    }

    /// What arrived since the last call; reads the pipe only when a
    /// handler ran.
    pub fn take(&self) -> Pending {
        let mut pending = Pending::default();
        if !ARRIVED.swap(false, Ordering::SeqCst) {
            return pending;
        }
        let mut buf = [0u8; 16];
        while let Ok(n) = rustix::io::read(&self.read, &mut buf) {
            if n == 0 {
                break;
            }
            for &s in &buf[..n] {
                match i32::from(s) {
                    sys::SIGINT => pending.interrupt = true,
                    sys::SIGQUIT => pending.status = true,
                    _ => {}
                }
            }
        }
        pending
    }
}

/// The read end, to poll for readability.
impl AsFd for Signals {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.read.as_fd()
    }
}

impl Drop for Signals {
    fn drop(&mut self) {
        // Handlers stay installed; make them write nowhere from now on.
        WRITE_END.store(-1, Ordering::Relaxed);
    }
}
