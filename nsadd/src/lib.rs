//! nsadd (being written).

use std::ffi::OsString;
use std::process::ExitCode;

pub fn main(_args: impl IntoIterator<Item = OsString>) -> ExitCode {
    eprintln!("nsadd: not implemented yet");
    ExitCode::from(1)
}
