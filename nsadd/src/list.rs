//! `nsadd -l`: the live namespaces in `/run/netns`, one name a line, sorted.
//! A name `ip` made with a control character in it is listed escaped as C
//! and `printf` write it (`a\nb`, `\033`, a backslash as `\\`): each line
//! is one name, and `nsadd -d "$(printf 'a\nb')"` reaches it. With
//! `--json`, one array as `ip -j netns list` prints it.

use std::os::unix::ffi::OsStrExt;

use nscore::cli::print_stdout;
use nscore::entry;
use nscore::json::Array;
use nscore::listing;

use crate::TOOL;

/// Prints the live namespaces; a stale entry is reported on stderr.
pub fn list(json: bool) -> bool {
    // Shared: no create or delete is half-way while we look.
    let lock = match crate::run_dir::lock(rustix::fs::FlockOperation::LockShared) {
        Ok(lock) => lock,
        Err(e) => {
            TOOL.report(&e);
            return false;
        }
    };
    // No /run/netns when we looked: none. (Read unlocked, it may be one a
    // first create has just made, its entry not mounted yet: not stale.)
    let names = match &lock {
        None => Ok(Vec::new()),
        Some(_) => entry::names(),
    };
    let names = match names {
        Ok(names) => names,
        Err(e) => {
            TOOL.report(&e);
            return false;
        }
    };
    let (mut text, mut array) = (Vec::new(), Array::new());
    for name in names {
        if entry::open_live(&name).is_none() {
            TOOL.warn(format_args!("{}", entry::stale(&name.to_string_lossy())));
        } else if json {
            array.object().string("name", name.as_bytes());
        } else {
            listing::line(&mut text, None, [name.as_bytes()]);
        }
    }
    let out = if json { array.finish() } else { text };
    match print_stdout(&out) {
        Ok(()) => true,
        Err(e) => {
            TOOL.report(&e);
            false
        }
    }
}
