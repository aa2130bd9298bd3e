//! `cargo xtask release [--check]`: what a distribution or a Dockerfile
//! picks up. For each target, `target/artifacts/nstools-VERSION-TRIPLE.tar.gz`
//! holding `bin/` (the six tools and nstools) and `share/` (the man pages;
//! the bash, zsh and fish completions; `doc/nstools/` with the README and
//! the licenses), to unpack under `/usr/local` or any prefix; and
//! `SHA256SUMS`. The archives are reproducible: every entry is dated by the
//! commit, owned by root, in sorted order, and the binaries hold no build
//! path (`dist` remaps them), so two builds of a commit are byte for byte
//! the same. `--check` proves it (`check.rs`).

pub mod check;
mod licenses;
mod tar;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use crate::dist::{self, Dist, TARGETS};
use crate::flags::{self, Args, Long, Subcommand};
use crate::{commit, docs, paths, tools};
use tar::Entry;

pub const COMMAND: Subcommand = Subcommand {
    name: "release",
    synopsis: "[--check]",
    about: "\
for each target (x86_64 and aarch64 musl), a reproducible
target/artifacts/nstools-VERSION-TRIPLE.tar.gz with bin/ (the tools
and nstools) and share/ (man pages; bash, zsh and fish completions;
README and licenses), and SHA256SUMS. --check then builds it all
again from a copy of the sources elsewhere and compares, looks for
build paths in the binaries, runs the tutorial in an empty root
holding only what the archive unpacked, and runs the README's
Install commands.",
    run: |args| {
        let check = parse(args)?;
        let made = run()?;
        match check {
            true => check::run(&made),
            false => Ok(()),
        }
    },
    helpers: &[],
};

fn parse(args: &mut Args) -> Result<bool> {
    let mut check = false;
    while let Some(arg) = args.next()? {
        match arg {
            Long("check") => check = true,
            arg => return Err(flags::unexpected(arg)),
        }
    }
    Ok(check)
}

/// One archive made.
pub struct Artifact {
    pub target: &'static str,
    pub path: PathBuf,
    pub sha256: String,
    /// What went into it.
    pub dist: Dist,
}

/// Where the archives go.
pub fn artifacts_dir() -> PathBuf {
    paths::target_dir().join("artifacts")
}

/// The name of the archive for `target`.
pub fn archive_name(target: &str) -> String {
    format!("nstools-{}-{target}.tar.gz", env!("CARGO_PKG_VERSION"))
}

/// Builds every target and writes the archives and SHA256SUMS.
pub fn run() -> Result<Vec<Artifact>> {
    let epoch = commit::epoch()?;
    let out = artifacts_dir();
    let _ = fs::remove_dir_all(&out);
    fs::create_dir_all(&out).with_context(|| format!("{}", out.display()))?;
    let share = docs::files(epoch);
    let mut made = Vec::new();
    for target in TARGETS {
        let dist = dist::run(&dist::Options {
            target: Some(target),
            check_size: true,
            ..dist::Options::default()
        })?;
        let entries = entries(&dist, &share, &documents(target)?)?;
        let archive = gzip(&tar::archive(&entries, epoch)?)?;
        let path = out.join(archive_name(target));
        fs::write(&path, &archive).with_context(|| format!("{}", path.display()))?;
        made.push(Artifact {
            target,
            path,
            sha256: hex(&Sha256::digest(&archive)),
            dist,
        });
    }
    let sums: String = made
        .iter()
        .map(|a| format!("{}  {}\n", a.sha256, archive_name(a.target)))
        .collect();
    fs::write(out.join("SHA256SUMS"), &sums)?;
    println!("release: {} (commit time {epoch})", out.display());
    for artifact in &made {
        let bytes = fs::metadata(&artifact.path)?.len();
        println!(
            "release: {:<45} {bytes:>9} bytes  sha256 {}",
            archive_name(artifact.target),
            artifact.sha256
        );
    }
    Ok(made)
}

/// What `share/doc/nstools` holds: the README, our licenses, and those of
/// everything linked into the binaries for `target`.
fn documents(target: &str) -> Result<Vec<(String, Vec<u8>)>> {
    let mut documents = Vec::new();
    for name in ["README.md", "LICENSE-MIT", "LICENSE-APACHE"] {
        let path = paths::root().join(name);
        let bytes = fs::read(&path).with_context(|| format!("{}", path.display()))?;
        documents.push((name.to_string(), bytes));
    }
    documents.push(("THIRD-PARTY".into(), licenses::third_party(target)?.into_bytes()));
    Ok(documents)
}

/// Every entry of the archive, each directory before what it holds, in
/// sorted order.
fn entries(
    dist: &Dist,
    share: &[(PathBuf, String)],
    documents: &[(String, Vec<u8>)],
) -> Result<Vec<Entry>> {
    let mut files: BTreeMap<String, Entry> = BTreeMap::new();
    let mut add = |path: String, mode: u32, contents: Vec<u8>| {
        files.insert(path.clone(), Entry::file(&path, mode, contents));
    };
    for name in tools::binaries() {
        let binary = dist.binary(name);
        let bytes = fs::read(&binary).with_context(|| format!("{}", binary.display()))?;
        add(format!("bin/{name}"), 0o755, bytes);
    }
    for (path, text) in share {
        add(format!("share/{}", path.display()), 0o644, text.clone().into_bytes());
    }
    for (name, bytes) in documents {
        add(format!("share/doc/nstools/{name}"), 0o644, bytes.clone());
    }
    let mut all = files.clone();
    for path in files.keys() {
        for dir in Path::new(path).ancestors().skip(1) {
            if !dir.as_os_str().is_empty() {
                let entry = Entry::directory(&dir.display().to_string());
                all.insert(entry.path.clone(), entry);
            }
        }
    }
    Ok(all.into_values().collect())
}

/// gzip at its best compression, with no name and no time in its header.
fn gzip(data: &[u8]) -> Result<Vec<u8>> {
    let mut gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::best());
    gz.write_all(data)?;
    Ok(gz.finish()?)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        assert!(!flags::parse(parse, &[]).unwrap());
        assert!(flags::parse(parse, &["--check"]).unwrap());
        assert!(flags::parse(parse, &["--bogus"]).is_err());
    }

    #[test]
    fn the_archive_holds_its_directories_first_and_sorted() {
        let dir = std::env::temp_dir().join(format!("xtask-release-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        for name in tools::binaries() {
            fs::write(dir.join(name), name).unwrap();
        }
        let dist = Dist {
            dir: dir.clone(),
            target: dist::Target {
                triple: dist::MUSL.into(),
                rustflags: None,
            },
        };
        let share = vec![(PathBuf::from("man/man8/nsadd.8"), ".TH\n".to_string())];
        let documents = vec![("README.md".to_string(), b"# nstools\n".to_vec())];
        let paths: Vec<String> = entries(&dist, &share, &documents)
            .unwrap()
            .into_iter()
            .map(|e| e.path)
            .collect();
        let expected = [
            "bin/",
            "bin/ipassign",
            "bin/linkup",
            "bin/nsadd",
            "bin/nsexec",
            "bin/nsping",
            "bin/nstools",
            "bin/vethpair",
            "share/",
            "share/doc/",
            "share/doc/nstools/",
            "share/doc/nstools/README.md",
            "share/man/",
            "share/man/man8/",
            "share/man/man8/nsadd.8",
        ];
        assert_eq!(paths, expected);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn gzip_is_the_same_every_time_and_gunzip_reads_it() {
        let data = b"nstools ".repeat(1000);
        let a = gzip(&data).unwrap();
        assert_eq!(a, gzip(&data).unwrap());
        // No name, no time: the header is the fixed one.
        assert_eq!(&a[..10], &[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 255]);
        let mut back = Vec::new();
        use std::io::Read;
        flate2::read::GzDecoder::new(&a[..]).read_to_end(&mut back).unwrap();
        assert_eq!(back, data);
    }
}
