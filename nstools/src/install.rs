//! `nstools --install [-s] DIR`, as `busybox --install`: a hard link (or
//! with `-s` a symbolic link) to this binary for every tool, in DIR. A name
//! in DIR taken by anything but nstools is never replaced, and then nothing
//! is made: every name is checked before the first link, and the links are
//! made under temporary names first, then renamed into place.

use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Result};
use nscore::cli::{io_reason, quote_os};

use crate::APPLETS;

/// Links every tool in `dir` to the running binary.
pub fn install(dir: &Path, symbolic: bool) -> Result<()> {
    let kind = fs::metadata(dir).map_err(|e| failed(dir, &e))?;
    if !kind.is_dir() {
        return Err(anyhow!("{}: Not a directory", shown(dir)));
    }
    // The binary itself, however it was called: /proc/self/exe.
    let me = fs::metadata("/proc/self/exe").map_err(|e| failed(Path::new("/proc/self/exe"), &e))?;
    let exe = std::env::current_exe().map_err(|e| failed(Path::new("/proc/self/exe"), &e))?;
    let mut todo = Vec::new();
    for applet in APPLETS {
        let path = dir.join(applet.name);
        let there = match fs::symlink_metadata(&path) {
            Ok(there) => there,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                todo.push(path);
                continue;
            }
            Err(e) => return Err(failed(&path, &e)),
        };
        let ours = fs::metadata(&path).is_ok_and(|m| (m.dev(), m.ino()) == (me.dev(), me.ino()));
        if !ours {
            return Err(anyhow!(
                "{}: exists and is not nstools; not replacing it",
                shown(&path)
            ));
        }
        // Ours already: only a link of the other kind is replaced.
        if there.file_type().is_symlink() != symbolic {
            todo.push(path);
        }
    }
    let target = if symbolic {
        link_target(dir, &exe)
    } else {
        exe
    };
    let mut made: Vec<(PathBuf, PathBuf)> = Vec::new();
    for path in todo {
        let temporary = temporary_name(&path);
        let _ = fs::remove_file(&temporary);
        let result = match symbolic {
            true => std::os::unix::fs::symlink(&target, &temporary),
            false => fs::hard_link(&target, &temporary),
        };
        if let Err(e) = result {
            undo(&made);
            return Err(match e.raw_os_error() {
                Some(EXDEV) => anyhow!("{}: {} (try -s)", shown(&path), io_reason(&e)),
                _ => failed(&path, &e),
            });
        }
        made.push((temporary, path));
    }
    for (i, (temporary, path)) in made.iter().enumerate() {
        if let Err(e) = fs::rename(temporary, path) {
            undo(&made[i..]);
            return Err(failed(path, &e));
        }
    }
    Ok(())
}

const EXDEV: i32 = 18;

/// What a symbolic link in `dir` holds: the binary's name alone when it
/// lives in `dir` too (the directory can then be moved or copied whole),
/// else its absolute path.
fn link_target(dir: &Path, exe: &Path) -> PathBuf {
    let beside = fs::canonicalize(dir).ok().as_deref() == exe.parent();
    match exe.file_name() {
        Some(name) if beside => PathBuf::from(name),
        _ => exe.to_path_buf(),
    }
}

/// `DIR/.NAME.nstools-install`, where a link is made before it is renamed
/// into place.
fn temporary_name(path: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(path.file_name().unwrap_or_default());
    name.push(".nstools-install");
    path.with_file_name(name)
}

/// Removes the links made under temporary names.
fn undo(made: &[(PathBuf, PathBuf)]) {
    for (temporary, _) in made {
        let _ = fs::remove_file(temporary);
    }
}

fn failed(path: &Path, e: &io::Error) -> anyhow::Error {
    anyhow!("{}: {}", shown(path), io_reason(e))
}

fn shown(path: &Path) -> String {
    quote_os(&path.as_os_str().to_owned())
}
