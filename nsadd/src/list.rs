//! `nsadd -l`: the live namespaces in `/run/netns`, one name a line, sorted.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use anyhow::{anyhow, Result};
use nscore::cli::{print_stdout, strerror};
use nscore::netns::{self, RUN_DIR};
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;

use crate::TOOL;

/// Prints the live namespaces; a stale entry is reported on stderr.
pub fn list() -> bool {
    // Shared: no create or delete is half-way while we look.
    let _lock = crate::run_dir::lock(rustix::fs::FlockOperation::LockShared);
    let names = match entries() {
        Ok(names) => names,
        Err(e) => {
            TOOL.report(&e);
            return false;
        }
    };
    let mut out = Vec::new();
    for name in names {
        if is_live(&name) {
            out.extend_from_slice(name.as_bytes());
            out.push(b'\n');
        } else {
            TOOL.warn(format_args!(
                "{}",
                netns::stale_entry(&name.to_string_lossy())
            ));
        }
    }
    match print_stdout(&out) {
        Ok(()) => true,
        Err(e) => {
            TOOL.report(&e);
            false
        }
    }
}

/// The names in `/run/netns`, sorted; none when it does not exist.
pub fn entries() -> Result<Vec<OsString>> {
    let dir = match rustix::fs::open(
        RUN_DIR,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    ) {
        Ok(dir) => dir,
        Err(Errno::NOENT) => return Ok(Vec::new()),
        Err(e) => return Err(anyhow!("{RUN_DIR}: {}", strerror(e.raw_os_error()))),
    };
    let mut names = Vec::new();
    let reader = rustix::fs::Dir::read_from(&dir)
        .map_err(|e| anyhow!("{RUN_DIR}: {}", strerror(e.raw_os_error())))?;
    for entry in reader {
        let entry = entry.map_err(|e| anyhow!("{RUN_DIR}: {}", strerror(e.raw_os_error())))?;
        let name = entry.file_name().to_bytes();
        if name != b"." && name != b".." {
            names.push(OsString::from_vec(name.to_vec()));
        }
    }
    names.sort();
    Ok(names)
}

/// A namespace is live when its file is an nsfs mount.
fn is_live(name: &OsStr) -> bool {
    rustix::fs::open(
        entry_path(name),
        OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK,
        Mode::empty(),
    )
    .is_ok_and(netns::is_nsfs)
}

/// `/run/netns/NAME` for a name read from the directory (any bytes).
pub fn entry_path(name: &OsStr) -> PathBuf {
    let mut path = Vec::from(RUN_DIR.as_bytes());
    path.push(b'/');
    path.extend_from_slice(name.as_bytes());
    PathBuf::from(OsString::from_vec(path))
}
