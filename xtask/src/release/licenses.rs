//! THIRD-PARTY: what else the static binaries hold, and under which
//! licenses: every crate linked in (as `cargo tree` names them for the
//! target) with the license files it ships, then the Rust standard
//! library and musl.

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result};

use crate::{paths, process};

/// The text of THIRD-PARTY for the binaries built for `target`.
pub fn third_party(target: &str) -> Result<String> {
    let mut tree = paths::cargo();
    tree.args(["tree", "-e", "normal", "--prefix", "none", "--target", target])
        .args(["--format", "{p}|{l}", "--package", crate::tools::MULTICALL]);
    let listing = process::output(&mut tree)?;
    let mut crates = crates(&listing);
    crates.sort();
    crates.dedup();
    let mut out = String::from(
        "The nstools binaries are built from the crates below, each under its\n\
         own license, with the license files it ships; and are linked with the\n\
         Rust standard library and musl libc (see the end).\n",
    );
    for (name, version, license) in &crates {
        out.push_str(&format!("\n{}\n{name} {version}: {license}\n", "=".repeat(72)));
        for (file, text) in license_files(name, version)? {
            out.push_str(&format!("\n--- {file}\n\n{}", text.trim_end()));
            out.push('\n');
        }
    }
    out.push_str(&format!(
        "\n{}\n\
         The Rust standard library: MIT OR Apache-2.0, Copyright The Rust Project\n\
         Developers (https://github.com/rust-lang/rust/blob/master/COPYRIGHT).\n\
         musl libc: MIT, Copyright (c) 2005-2020 Rich Felker, et al.\n\
         (https://git.musl-libc.org/cgit/musl/tree/COPYRIGHT). The texts of both\n\
         licenses are in LICENSE-MIT and LICENSE-APACHE beside this file.\n",
        "=".repeat(72)
    ));
    Ok(out)
}

/// (name, version, license) of each crate from the registry in a
/// `cargo tree --format '{p}|{l}'` listing; the workspace's own (with a
/// path) are left out.
fn crates(listing: &str) -> Vec<(String, String, String)> {
    listing
        .lines()
        .filter_map(|line| {
            let (package, license) = line.trim_end_matches(" (*)").split_once('|')?;
            let (name, version) = package.split_once(" v")?;
            if version.contains(' ') {
                return None; // `nscore v0.1.0 (/path)`: ours
            }
            Some((name.into(), version.into(), license.into()))
        })
        .collect()
}

/// The license files in a crate's source, sorted by name.
fn license_files(name: &str, version: &str) -> Result<Vec<(String, String)>> {
    let source = registry_dirs()?
        .into_iter()
        .map(|dir| dir.join(format!("{name}-{version}")))
        .find(|dir| dir.is_dir())
        .with_context(|| format!("the sources of {name} {version} in cargo's registry"))?;
    let mut files = Vec::new();
    for entry in fs::read_dir(&source)? {
        let file = entry?.file_name().to_string_lossy().into_owned();
        let upper = file.to_uppercase();
        if ["LICEN", "COPYING", "COPYRIGHT", "NOTICE"]
            .iter()
            .any(|p| upper.starts_with(p))
        {
            let text = fs::read_to_string(source.join(&file))?;
            files.push((file, text));
        }
    }
    files.sort();
    Ok(files)
}

/// `$CARGO_HOME/registry/src/*`: where cargo unpacks the crates.
fn registry_dirs() -> Result<Vec<PathBuf>> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .context("neither CARGO_HOME nor HOME is set")?;
    let src = home.join("registry").join("src");
    let mut dirs: Vec<PathBuf> = fs::read_dir(&src)
        .with_context(|| format!("{}", src.display()))?
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    Ok(dirs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crates_are_read_from_cargo_tree_and_ours_left_out() {
        let listing = "\
anyhow v1.0.105|MIT OR Apache-2.0
nscore v0.1.0 (/src/nscore)|MIT OR Apache-2.0
rustix v1.1.6|Apache-2.0 WITH LLVM-exception OR Apache-2.0 OR MIT (*)
";
        assert_eq!(
            crates(listing),
            [
                ("anyhow".into(), "1.0.105".into(), "MIT OR Apache-2.0".into()),
                (
                    "rustix".into(),
                    "1.1.6".into(),
                    "Apache-2.0 WITH LLVM-exception OR Apache-2.0 OR MIT".into()
                ),
            ]
        );
    }

    #[test]
    fn every_crate_linked_in_ships_a_license_file() {
        let text = third_party(crate::dist::MUSL).unwrap();
        for name in ["anyhow", "lexopt", "rustix"] {
            assert!(text.contains(&format!("\n{name} ")), "{name}");
        }
        let crates = text.matches(&"=".repeat(72)).count() - 1;
        assert!(text.matches("\n--- ").count() >= crates, "{text}");
    }
}
