//! `nsadd -l`: the live namespaces in `/run/netns`, one name a line, sorted.
//! A name `ip` made with a control character in it is listed escaped as C
//! and `printf` write it (`a\nb`, `\033`, a backslash as `\\`): each line
//! is one name, and `nsadd -d "$(printf 'a\nb')"` reaches it.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::PathBuf;

use anyhow::{anyhow, Result};
use nscore::cli::{print_stdout, strerror};
use nscore::entry;
use nscore::netns::{self, RUN_DIR};
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;

use crate::TOOL;

/// Prints the live namespaces; a stale entry is reported on stderr.
pub fn list() -> bool {
    // Shared: no create or delete is half-way while we look.
    let _lock = match crate::run_dir::lock(rustix::fs::FlockOperation::LockShared) {
        Ok(lock) => lock,
        Err(e) => {
            TOOL.report(&e);
            return false;
        }
    };
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
            escape(name.as_bytes(), &mut out);
            out.push(b'\n');
        } else {
            TOOL.warn(format_args!("{}", entry::stale(&name.to_string_lossy())));
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

/// A namespace is live when its file is an nsfs mount (waited for while
/// `ip netns add` may still be making it).
fn is_live(name: &OsStr) -> bool {
    entry::open(&entry_path(name)).is_ok_and(netns::is_nsfs)
}

/// Appends `name` as a line of the listing shows it: control characters as
/// C escapes (`\n`, `\t`, else octal `\ooo`), a backslash doubled, and a
/// byte that is not UTF-8 in octal; anything else as it is.
fn escape(name: &[u8], out: &mut Vec<u8>) {
    for chunk in name.utf8_chunks() {
        for c in chunk.valid().chars() {
            let mut utf8 = [0; 4];
            match c {
                '\\' => out.extend_from_slice(b"\\\\"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\t' => out.extend_from_slice(b"\\t"),
                '\r' => out.extend_from_slice(b"\\r"),
                c if c.is_control() => c.encode_utf8(&mut utf8).bytes().for_each(|b| octal(b, out)),
                c => out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes()),
            }
        }
        chunk.invalid().iter().for_each(|&b| octal(b, out));
    }
}

fn octal(byte: u8, out: &mut Vec<u8>) {
    out.extend_from_slice(&[
        b'\\',
        b'0' + (byte >> 6),
        b'0' + (byte >> 3 & 7),
        b'0' + (byte & 7),
    ]);
}

/// `/run/netns/NAME` for a name read from the directory (any bytes).
pub fn entry_path(name: &OsStr) -> PathBuf {
    let mut path = Vec::from(RUN_DIR.as_bytes());
    path.push(b'/');
    path.extend_from_slice(name.as_bytes());
    PathBuf::from(OsString::from_vec(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(name: &[u8]) -> String {
        let mut out = Vec::new();
        escape(name, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn plain_names_are_listed_as_they_are() {
        for name in ["red", "ns 1", "é", "-x", "a'b\"c"] {
            assert_eq!(escaped(name.as_bytes()), name);
        }
    }

    #[test]
    fn control_characters_are_escaped_as_printf_reads_them() {
        assert_eq!(escaped(b"a\nb"), "a\\nb");
        assert_eq!(escaped(b"a\tb\r"), "a\\tb\\r");
        assert_eq!(escaped(b"\x1b[31m\x7f"), "\\033[31m\\177");
        assert_eq!(escaped(b"a\\nb"), "a\\\\nb");
        assert_eq!(escaped("\u{85}".as_bytes()), "\\302\\205");
        assert_eq!(escaped(b"x\xffy"), "x\\377y");
    }
}
