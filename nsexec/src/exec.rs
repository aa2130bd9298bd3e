//! Replace nsexec with the command, mapping a failure to exec onto the
//! statuses `env` uses: 127 not found, 126 found but not executable.

use std::ffi::OsString;
use std::io::ErrorKind;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitCode};

use nscore::cli::{io_reason, quote_os};

use crate::TOOL;

/// Execs `command`; returns only if that failed, with the status to exit by.
pub fn exec(command: &[OsString]) -> ExitCode {
    // std searches PATH as execvp does, keeps the environment as it is and
    // gives the command default SIGPIPE handling back.
    let error = Command::new(&command[0]).args(&command[1..]).exec();
    TOOL.warn(format_args!(
        "{}: {}",
        quote_os(&command[0]),
        io_reason(&error)
    ));
    ExitCode::from(if error.kind() == ErrorKind::NotFound {
        127
    } else {
        126
    })
}
