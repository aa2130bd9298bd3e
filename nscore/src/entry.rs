//! An entry of `/run/netns` as it is found: a namespace, one on its way, or
//! stale. `ip netns add` creates the file (empty, mode 0), unshares a new
//! namespace, then bind-mounts it on the file, all without nsadd's lock,
//! and unshare can take a while on a busy machine. So a young entry of that
//! kind may be a namespace being made: tools wait for it rather than call
//! it stale, and never advise deleting it.

use std::cell::Cell;
use std::ffi::{OsStr, OsString};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use anyhow::anyhow;
use rustix::fs::{FileType, Mode, OFlags};
use rustix::io::Errno;

use crate::cli::{quote, strerror};
use crate::netns::{is_nsfs, RUN_DIR};

/// The names in `/run/netns`, sorted; none when it does not exist.
pub fn names() -> anyhow::Result<Vec<OsString>> {
    let failed = |e: Errno| anyhow!("{RUN_DIR}: {}", strerror(e.raw_os_error()));
    let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
    let dir = match rustix::fs::open(RUN_DIR, flags, Mode::empty()) {
        Ok(dir) => dir,
        Err(Errno::NOENT) => return Ok(Vec::new()),
        Err(e) => return Err(failed(e)),
    };
    let mut names = Vec::new();
    for entry in rustix::fs::Dir::read_from(&dir).map_err(failed)? {
        let entry = entry.map_err(failed)?;
        let name = entry.file_name().to_bytes();
        if name != b"." && name != b".." {
            names.push(OsString::from_vec(name.to_vec()));
        }
    }
    names.sort();
    Ok(names)
}

/// `/run/netns/NAME` for a name read from the directory (any bytes).
pub fn path(name: &OsStr) -> PathBuf {
    let mut path = Vec::from(RUN_DIR.as_bytes());
    path.push(b'/');
    path.extend_from_slice(name.as_bytes());
    PathBuf::from(OsString::from_vec(path))
}

/// The namespace of entry NAME, open, when it is one (waited for while
/// `ip netns add` may still be making it); None for a stale entry or one
/// that is gone.
pub fn open_live(name: &OsStr) -> Option<OwnedFd> {
    open(&path(name)).ok().filter(|fd| is_nsfs(fd))
}

/// How long an entry may stay as `ip netns add` makes it, before its
/// namespace is mounted on it, without being taken for stale.
pub const BEING_MADE: Duration = Duration::from_secs(5);

/// Opens a namespace file without blocking (a FIFO put in its place opens
/// at once, and is then no nsfs file) and without taking a terminal.
pub fn open_file(path: &Path) -> rustix::io::Result<OwnedFd> {
    let flags = OFlags::RDONLY | OFlags::NONBLOCK | OFlags::NOCTTY | OFlags::CLOEXEC;
    rustix::fs::open(path, flags, Mode::empty())
}

/// Opens the entry `path` of `/run/netns`, once it is no longer being made.
pub fn open(path: &Path) -> rustix::io::Result<OwnedFd> {
    let fd = open_file(path)?;
    if is_nsfs(&fd) || !being_made(path) {
        return Ok(fd);
    }
    wait_while_being_made(path);
    open_file(path)
}

/// Whether `path` is, itself, a file as a namespace create leaves it before
/// the mount (empty, mode 0), made less than [`BEING_MADE`] ago.
pub fn being_made(path: &Path) -> bool {
    let Ok(stat) = rustix::fs::lstat(path) else {
        return false;
    };
    let empty_file = FileType::from_raw_mode(stat.st_mode) == FileType::RegularFile
        && stat.st_mode & 0o7777 == 0
        && stat.st_size == 0;
    let made = SystemTime::UNIX_EPOCH
        + Duration::new(
            u64::try_from(stat.st_ctime).unwrap_or(0),
            u32::try_from(stat.st_ctime_nsec).unwrap_or(0),
        );
    empty_file
        && SystemTime::now()
            .duration_since(made)
            .is_ok_and(|age| age < BEING_MADE)
}

/// Waits while `path` is being made: until its namespace is mounted on it,
/// it is gone, or it is too old to be on its way.
pub fn wait_while_being_made(path: &Path) {
    while being_made(path) {
        std::thread::sleep(Duration::from_millis(10));
    }
}

thread_local! {
    /// The command that deletes a stale entry, as the tool running on this
    /// thread names it (`cli::Tool::stale_remedy`, set by `Tool::run`):
    /// nscore itself names no tool.
    static STALE_REMEDY: Cell<Option<&'static str>> = const { Cell::new(None) };
}

pub(crate) fn set_stale_remedy(command: &'static str) {
    STALE_REMEDY.set(Some(command));
}

/// What to say of the entry NAME of `/run/netns` that holds no namespace
/// (left by an interrupted create, or put there), with advice that works
/// for what it is.
pub fn stale(name: &str) -> String {
    let shown = quote(name);
    let path = format!("{RUN_DIR}/{name}");
    let is_dir = rustix::fs::lstat(path.as_str())
        .is_ok_and(|s| FileType::from_raw_mode(s.st_mode) == FileType::Directory);
    if is_dir {
        let path = quote(&path);
        format!(
            "{shown}: a directory in {RUN_DIR}, not a namespace (remove it with 'rmdir {path}')"
        )
    } else {
        match STALE_REMEDY.get() {
            Some(command) => format!(
                "{shown}: stale entry in {RUN_DIR}, not a namespace (remove it with '{command} {shown}')"
            ),
            None => format!("{shown}: stale entry in {RUN_DIR}, not a namespace"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stale_entry_names_no_tool_but_the_remedy_the_running_tool_gives() {
        // Names no file that exists here: not a directory.
        let (old, odd) = ("nstools-test-old", "nstools test odd");
        assert_eq!(
            stale(old),
            format!("{old}: stale entry in /run/netns, not a namespace")
        );
        set_stale_remedy("tool -d");
        assert_eq!(
            stale(odd),
            format!(
                "\"{odd}\": stale entry in /run/netns, not a namespace \
                 (remove it with 'tool -d \"{odd}\"')"
            )
        );
    }
}
