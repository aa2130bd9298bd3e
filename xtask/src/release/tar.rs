//! A tar archive (POSIX ustar) that is the same, byte for byte, whenever it
//! is made from the same entries: the order is the entries' (sorted by the
//! caller), every time is the one given, every owner is root (0), and
//! nothing of the machine that made it gets in.

use anyhow::{bail, Result};

/// One member of the archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Relative, `/`-separated; a directory's ends with `/`.
    pub path: String,
    pub mode: u32,
    /// A file's bytes; `None` for a directory.
    pub contents: Option<Vec<u8>>,
}

impl Entry {
    pub fn directory(path: &str) -> Entry {
        Entry {
            path: format!("{}/", path.trim_end_matches('/')),
            mode: 0o755,
            contents: None,
        }
    }

    pub fn file(path: &str, mode: u32, contents: Vec<u8>) -> Entry {
        Entry {
            path: path.to_string(),
            mode,
            contents: Some(contents),
        }
    }
}

const BLOCK: usize = 512;

/// The archive of `entries`, in their order, each dated `mtime`.
pub fn archive(entries: &[Entry], mtime: u64) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for entry in entries {
        out.extend_from_slice(&header(entry, mtime)?);
        if let Some(contents) = &entry.contents {
            out.extend_from_slice(contents);
            out.resize(out.len().next_multiple_of(BLOCK), 0);
        }
    }
    // The end: two empty blocks.
    out.resize(out.len() + 2 * BLOCK, 0);
    Ok(out)
}

fn header(entry: &Entry, mtime: u64) -> Result<[u8; BLOCK]> {
    let mut h = [0u8; BLOCK];
    let path = entry.path.as_bytes();
    if path.len() > 100 || path.is_empty() || entry.path.starts_with('/') {
        bail!("{}: not a name a ustar header holds", entry.path);
    }
    h[..path.len()].copy_from_slice(path);
    let size = entry.contents.as_ref().map_or(0, Vec::len) as u64;
    octal(&mut h[100..108], u64::from(entry.mode));
    octal(&mut h[108..116], 0); // uid
    octal(&mut h[116..124], 0); // gid
    octal(&mut h[124..136], size);
    octal(&mut h[136..148], mtime);
    h[156] = if entry.contents.is_some() { b'0' } else { b'5' };
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[265..269].copy_from_slice(b"root");
    h[297..301].copy_from_slice(b"root");
    // The checksum counts its own field as spaces.
    h[148..156].fill(b' ');
    let sum: u64 = h.iter().map(|&b| u64::from(b)).sum();
    octal(&mut h[148..155], sum);
    h[155] = b' ';
    Ok(h)
}

/// `field` as zero-padded octal digits and a NUL.
fn octal(field: &mut [u8], value: u64) {
    let digits = format!("{value:0width$o}", width = field.len() - 1);
    field[..digits.len()].copy_from_slice(digits.as_bytes());
    field[digits.len()] = 0;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn sample() -> Vec<Entry> {
        vec![
            Entry::directory("bin"),
            Entry::file("bin/tool", 0o755, b"#!/bin/sh\necho hi\n".to_vec()),
            Entry::file("empty", 0o644, Vec::new()),
        ]
    }

    #[test]
    fn the_same_entries_make_the_same_bytes() {
        let a = archive(&sample(), 1_700_000_000).unwrap();
        assert_eq!(a, archive(&sample(), 1_700_000_000).unwrap());
        assert_ne!(a, archive(&sample(), 1_700_000_001).unwrap());
        assert_eq!(a.len(), 512 * 6);
    }

    #[test]
    fn tar_reads_it_back() {
        let dir = std::env::temp_dir().join(format!("xtask-tar-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("a.tar");
        std::fs::write(&file, archive(&sample(), 1_700_000_000).unwrap()).unwrap();
        let out = Command::new("tar")
            .args(["--numeric-owner", "--full-time", "-tvf"])
            .arg(&file)
            .env("TZ", "UTC")
            .output()
            .unwrap();
        let listing = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let expected = [
            "drwxr-xr-x 0/0 0 2023-11-14 22:13:20 bin/",
            "-rwxr-xr-x 0/0 18 2023-11-14 22:13:20 bin/tool",
            "-rw-r--r-- 0/0 0 2023-11-14 22:13:20 empty",
        ];
        let squeezed: Vec<String> = listing
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(squeezed, expected);
        let out = Command::new("tar").arg("-xf").arg(&file).current_dir(&dir).output().unwrap();
        assert!(out.status.success());
        assert_eq!(std::fs::read(dir.join("bin/tool")).unwrap(), b"#!/bin/sh\necho hi\n");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn names_a_header_cannot_hold_are_refused() {
        assert!(archive(&[Entry::file(&"x".repeat(101), 0o644, vec![])], 0).is_err());
        assert!(archive(&[Entry::file("/abs", 0o644, vec![])], 0).is_err());
    }
}
