//! Replace nsexec with the command as glibc's `execvp` does (and so `env`
//! and `ip netns exec`): a search of PATH, and a file without `#!` run by
//! `/bin/sh` (musl's execvp has no such fallback). The process is handed
//! over as nsexec was given it: signal mask and dispositions untouched
//! (std's `Command::exec` would reset both), fds 0-2 closed again if they
//! were closed. A failure exits as `env` does: 127 not found, 126 else.

use std::ffi::{CStr, CString, OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;

use nscore::cli::{quote_os, strerror};
use rustix::io::Errno;

use crate::TOOL;

/// Where glibc's execvp looks when PATH is not set.
const DEFAULT_PATH: &[u8] = b"/bin:/usr/bin";
const SHELL: &CStr = c"/bin/sh";

/// Execs `command`; returns only if that failed, with the status to exit by.
pub fn exec(command: &[OsString]) -> ExitCode {
    nscore::inherited::close_reopened();
    let error = execvp(command);
    TOOL.warn(format_args!(
        "{}: {}",
        quote_os(&command[0]),
        strerror(error.raw_os_error())
    ));
    ExitCode::from(if error == Errno::NOENT { 127 } else { 126 })
}

/// `execvp(command[0], command)`; returns why it failed.
fn execvp(command: &[OsString]) -> Errno {
    let Ok(args) = command
        .iter()
        .map(|a| CString::new(a.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
    else {
        return Errno::INVAL;
    };
    let file = command[0].as_bytes();
    if file.is_empty() {
        return Errno::NOENT;
    }
    if file.contains(&b'/') {
        return execv(&args[0], &args);
    }
    let path = std::env::var_os("PATH");
    let path = path.as_deref().map_or(DEFAULT_PATH, OsStr::as_bytes);
    let mut denied = false;
    for dir in path.split(|&b| b == b':') {
        // An empty entry is the current directory.
        let candidate = match dir {
            b"" => file.to_vec(),
            _ => [dir, b"/", file].concat(),
        };
        let Ok(candidate) = CString::new(candidate) else {
            continue;
        };
        match execv(&candidate, &args) {
            Errno::ACCESS => denied = true,
            // Not here: look on, as glibc does.
            Errno::NOENT | Errno::NOTDIR | Errno::STALE | Errno::NODEV | Errno::TIMEDOUT => {}
            other => return other,
        }
    }
    if denied {
        Errno::ACCESS
    } else {
        Errno::NOENT
    }
}

/// `execv(path, args)`, and for a file the kernel cannot run (no `#!`),
/// `/bin/sh path ARGS...` as glibc does; returns why it failed.
fn execv(path: &CStr, args: &[CString]) -> Errno {
    let argv = pointers(args.iter().map(CString::as_c_str));
    // SAFETY: NUL-terminated strings in a NULL-terminated array, all alive
    // for the call.
    unsafe { libc::execv(path.as_ptr(), argv.as_ptr()) };
    if last_errno() != Errno::NOEXEC {
        return last_errno();
    }
    let rest = args[1..].iter().map(CString::as_c_str);
    let script = pointers([SHELL, path].into_iter().chain(rest));
    // SAFETY: as above.
    unsafe { libc::execv(SHELL.as_ptr(), script.as_ptr()) };
    last_errno()
}

/// A NULL-terminated array of pointers to `strings`.
fn pointers<'a>(strings: impl Iterator<Item = &'a CStr>) -> Vec<*const libc::c_char> {
    strings
        .map(CStr::as_ptr)
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

fn last_errno() -> Errno {
    Errno::from_io_error(&std::io::Error::last_os_error()).unwrap_or(Errno::INVAL)
}
