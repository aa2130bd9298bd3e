//! `cargo xtask docs [--out DIR]`: what a system installs under `share/`
//! beside the binaries, written from the tools' option tables: a man page
//! per binary (section 8) and its completions for bash, zsh and fish.
//! `cargo xtask release` puts the same tree in every archive.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::flags::{self, Args, Long, Subcommand};
use crate::{commit, completions, man, paths};

pub const COMMAND: Subcommand = Subcommand {
    name: "docs",
    synopsis: "[--out DIR]",
    about: "\
man pages (section 8) and bash, zsh and fish completions for every
tool and nstools, from their option tables and the README, into DIR
(target/share): man/man8/, bash-completion/completions/,
zsh/site-functions/, fish/vendor_completions.d/. Pages are dated by
the commit (or SOURCE_DATE_EPOCH).",
    run: |args| {
        let out = parse(args)?;
        write(&out)?;
        println!("docs: {}", out.display());
        Ok(())
    },
    helpers: &[],
};

fn parse(args: &mut Args) -> Result<PathBuf> {
    let mut out = paths::target_dir().join("share");
    while let Some(arg) = args.next()? {
        match arg {
            Long("out") => out = args.path("a directory")?,
            arg => return Err(flags::unexpected(arg)),
        }
    }
    Ok(out)
}

/// Every file of the tree, as (path under `share/`, contents).
pub fn files(epoch: u64) -> Vec<(PathBuf, String)> {
    let man8 = Path::new("man").join(format!("man{}", man::SECTION));
    man::pages(&commit::date(epoch))
        .into_iter()
        .map(|(name, text)| (man8.join(name), text))
        .chain(completions::files())
        .collect()
}

/// Writes the tree into `dir`, replacing what an earlier run put there.
pub fn write(dir: &Path) -> Result<()> {
    for (path, text) in files(commit::epoch()?) {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("{}", parent.display()))?;
        }
        fs::write(&path, text).with_context(|| format!("{}", path.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        let out = flags::parse(parse, &["--out", "x"]).unwrap();
        assert_eq!(out, PathBuf::from("x"));
        assert!(flags::parse(parse, &["--out"]).is_err());
        assert!(flags::parse(parse, &["y"]).is_err());
    }

    #[test]
    fn a_page_for_every_binary() {
        let files = files(0);
        for name in crate::tools::binaries() {
            let page = Path::new("man/man8").join(format!("{name}.8"));
            assert!(files.iter().any(|(path, _)| *path == page), "{name}");
        }
    }
}
