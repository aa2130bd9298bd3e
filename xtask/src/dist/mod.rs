//! `cargo xtask dist`: static release builds of every tool and of the
//! multi-call binary into `target/dist` (for another target than x86_64,
//! `target/dist/TRIPLE`), checked static, with a size table.

mod target;

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use crate::flags::{self, usage, Args, Long, Subcommand};
use crate::tools::{self, MULTICALL, TOOLS};
use crate::{elf, paths};
pub use target::{Target, AARCH64, MUSL, TARGETS};

pub const COMMAND: Subcommand = Subcommand {
    name: "dist",
    synopsis: "[--target TRIPLE] [--links DIR] [--crt-static] [--check-size]",
    about: "\
static release builds of every tool and of the multi-call binary
(nstools) for x86_64-unknown-linux-musl into target/dist; checks
they are static and prints their sizes. --target
aarch64-unknown-linux-musl builds for aarch64 instead, into
target/dist/aarch64-unknown-linux-musl (linked by rust-lld: no C
cross toolchain). --links DIR puts nstools and a link to it for
every tool in DIR. --crt-static builds static glibc binaries
instead of musl ones. --check-size fails when a binary is over its
goal (512 KiB a tool, 768 KiB nstools).",
    run: |args| run(&parse(args)?).map(drop),
    helpers: &[],
};

/// Size goals, in KiB.
const TOOL_GOAL_KIB: u64 = 512;
const MULTICALL_GOAL_KIB: u64 = 768;

#[derive(Debug, Default)]
pub struct Options {
    /// One of [`TARGETS`]; x86_64 musl when not given.
    pub target: Option<&'static str>,
    /// Install links to the multi-call binary, one per tool, here.
    pub links: Option<PathBuf>,
    /// Build for the host's glibc with `+crt-static` instead of musl.
    pub crt_static: bool,
    /// A binary over its size goal is an error, not a warning.
    pub check_size: bool,
}

fn parse(args: &mut Args) -> Result<Options> {
    let mut options = Options::default();
    while let Some(arg) = args.next()? {
        match arg {
            Long("target") => options.target = Some(args.choice(&TARGETS.map(|t| (t, t)))?),
            Long("links") => options.links = Some(args.path("a directory")?),
            Long("crt-static") => options.crt_static = true,
            Long("check-size") => options.check_size = true,
            arg => return Err(flags::unexpected(arg)),
        }
    }
    if options.crt_static && options.target.is_some() {
        return Err(usage("--crt-static builds for this machine's glibc, not a --target"));
    }
    Ok(options)
}

/// What `dist` made.
pub struct Dist {
    pub dir: PathBuf,
    pub target: Target,
}

impl Dist {
    pub fn binary(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }
}

pub fn run(options: &Options) -> Result<Dist> {
    let target = match options.crt_static {
        true => target::glibc_fallback("asked for with --crt-static")?,
        false => target::musl(options.target.unwrap_or(MUSL))?,
    };
    build(&target)?;
    let built = paths::target_dir().join(&target.triple).join("release");
    let dir = dir_for(&target.triple);
    fs::create_dir_all(&dir).with_context(|| format!("{}", dir.display()))?;
    let mut sizes = Vec::new();
    for name in tools::binaries() {
        let to = dir.join(name);
        // Removed first: a running copy (ETXTBSY) must not stop the update.
        let _ = fs::remove_file(&to);
        fs::copy(built.join(name), &to)
            .with_context(|| format!("copying {} to {}", name, dir.display()))?;
        let linkage = elf::linkage_of(&to)?;
        if !linkage.is_static() {
            bail!("{}: not static: {linkage}", to.display());
        }
        sizes.push((name, fs::metadata(&to)?.len(), linkage));
    }
    print!("{}", size_table(&sizes));
    println!("dist: {} ({})", dir.display(), target.describe());
    let over: Vec<&str> = sizes
        .iter()
        .filter(|(name, bytes, _)| *bytes > goal_kib(name) * 1024)
        .map(|(name, _, _)| *name)
        .collect();
    if options.check_size && !over.is_empty() {
        bail!(
            "over the size goal: {}; see where the bytes go with: \
             CARGO_PROFILE_RELEASE_STRIP=false cargo bloat --release --target {} -p {} --crates",
            over.join(", "),
            target.triple,
            over[0]
        );
    }
    let dist = Dist { dir, target };
    if let Some(links) = &options.links {
        install_links(&dist, links)?;
        println!(
            "dist: links to {MULTICALL} for every tool in {}",
            links.display()
        );
    }
    Ok(dist)
}

fn build(target: &Target) -> Result<()> {
    let mut cargo = paths::cargo();
    cargo.args(["build", "--release", "--bins", "--target", &target.triple]);
    for name in tools::binaries() {
        cargo.args(["--package", name]);
    }
    // No build path in the binaries (panic locations name source files):
    // a commit builds the same bytes wherever it is checked out.
    let remap = remaps().join(" ");
    match (target.rustflags, std::env::var("RUSTFLAGS")) {
        (None, Err(_)) => {
            // Beside the flags .cargo/config.toml gives the target: a
            // RUSTFLAGS variable would replace those.
            let flags: Vec<String> = remaps().iter().map(|r| format!("'{r}'")).collect();
            cargo.arg("--config").arg(format!(
                "target.{}.rustflags=[{}]",
                target.triple,
                flags.join(", ")
            ));
        }
        // An explicit --target keeps these flags off build scripts.
        (flags, given) => {
            let given = given.unwrap_or_default();
            let all = [given.as_str(), flags.unwrap_or_default(), &remap];
            cargo.env("RUSTFLAGS", all.join(" ").trim());
        }
    }
    println!("dist: + cargo build --release --target {}", target.triple);
    let status = cargo.status().context("running cargo")?;
    if !status.success() {
        bail!("cargo build failed ({status})");
    }
    Ok(())
}

/// `--remap-path-prefix` for the workspace and cargo's home (where the
/// dependencies' sources are).
fn remaps() -> Vec<String> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")));
    let mut remaps = vec![format!("--remap-path-prefix={}=nstools", paths::root().display())];
    if let Some(home) = home {
        remaps.push(format!("--remap-path-prefix={}=cargo", home.display()));
    }
    remaps
}

/// Where the binaries for `triple` go: `target/dist`, or for another
/// target than x86_64 musl, `target/dist/TRIPLE`.
pub fn dir_for(triple: &str) -> PathBuf {
    match triple {
        MUSL => paths::dist_dir(),
        other => paths::dist_dir().join(other),
    }
}

fn goal_kib(name: &str) -> u64 {
    if name == MULTICALL {
        MULTICALL_GOAL_KIB
    } else {
        TOOL_GOAL_KIB
    }
}

/// The size table: bytes, KiB, the goal and whether it is met.
fn size_table(sizes: &[(&str, u64, elf::Linkage)]) -> String {
    let mut out = format!(
        "{:<10} {:>9} {:>8} {:>9}  {}\n",
        "binary", "bytes", "KiB", "goal KiB", "linkage"
    );
    let mut over = Vec::new();
    for (name, bytes, linkage) in sizes {
        let goal = goal_kib(name);
        let mark = if *bytes <= goal * 1024 {
            ""
        } else {
            over.push(*name);
            "  OVER THE GOAL"
        };
        let kib = *bytes as f64 / 1024.0;
        out.push_str(&format!(
            "{name:<10} {bytes:>9} {kib:>8.1} {goal:>9}  {linkage}{mark}\n"
        ));
    }
    if !over.is_empty() {
        out.push_str(&format!(
            "dist: WARNING: over the size goal: {}\n",
            over.join(", ")
        ));
    }
    out
}

/// Puts the multi-call binary in `dir` (unless it is already there) and a
/// link `TOOL -> nstools` for every tool next to it, so the directory can be
/// copied as it is. Existing links are replaced; other files are not.
pub fn install_links(dist: &Dist, dir: &Path) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("{}", dir.display()))?;
    let source = dist.binary(MULTICALL);
    let multicall = dir.join(MULTICALL);
    let same = fs::canonicalize(dir).ok() == fs::canonicalize(&dist.dir).ok();
    // Every name is checked before anything changes: nothing half-done.
    for tool in TOOLS {
        let link = dir.join(tool);
        match fs::symlink_metadata(&link) {
            Ok(m) if m.file_type().is_symlink() => {}
            Ok(_) if same => bail!(
                "{}: the single tools live here; choose another directory for links",
                dir.display()
            ),
            Ok(_) => bail!(
                "{}: exists and is not a link; not replacing it",
                link.display()
            ),
            Err(_) => {}
        }
    }
    if !same {
        let _ = fs::remove_file(&multicall);
        fs::copy(&source, &multicall)
            .with_context(|| format!("copying {} to {}", source.display(), dir.display()))?;
    }
    for tool in TOOLS {
        let link = dir.join(tool);
        let _ = fs::remove_file(&link);
        std::os::unix::fs::symlink(MULTICALL, &link)
            .with_context(|| format!("{}", link.display()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        let o = flags::parse(parse, &["--links", "/tmp/bin"]).unwrap();
        assert_eq!(o.links, Some(PathBuf::from("/tmp/bin")));
        assert!(!o.crt_static);
        let o = flags::parse(parse, &["--links=bin", "--crt-static", "--check-size"]).unwrap();
        assert_eq!(o.links, Some(PathBuf::from("bin")));
        assert!(o.crt_static && o.check_size);
        let o = flags::parse(parse, &["--target", AARCH64]).unwrap();
        assert_eq!(o.target, Some(AARCH64));
        for bad in [
            &["--target", "riscv64gc-unknown-linux-musl"][..],
            &["--target", AARCH64, "--crt-static"],
            &["--links"],
            &["--links="],
            &["--links", ""],
            &["--bogus"],
            &["x"],
        ] {
            let e = flags::parse(parse, bad).unwrap_err();
            assert!(e.is::<flags::Usage>(), "{bad:?}");
        }
    }

    fn linkage() -> elf::Linkage {
        elf::Linkage {
            interpreter: None,
            needed: vec![],
            pie: true,
        }
    }

    #[test]
    fn size_table_marks_what_is_over_the_goal() {
        let table = size_table(&[
            ("nsadd", 512 * 1024, linkage()),
            ("nsping", 512 * 1024 + 1, linkage()),
            ("nstools", 700_000, linkage()),
        ]);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(
            lines[1],
            "nsadd         524288    512.0       512  static-pie"
        );
        assert!(lines[2].ends_with("OVER THE GOAL"), "{table}");
        assert_eq!(
            lines[3],
            "nstools       700000    683.6       768  static-pie"
        );
        assert_eq!(lines[4], "dist: WARNING: over the size goal: nsping");
    }

    /// A scratch directory with a `dist` holding a stand-in nstools, and
    /// the `bin` to put links in.
    fn scratch(test: &str) -> (PathBuf, Dist, PathBuf) {
        let dir = std::env::temp_dir().join(format!("xtask-dist-{}-{test}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("dist")).unwrap();
        fs::write(dir.join("dist").join(MULTICALL), b"multicall").unwrap();
        let dist = Dist {
            dir: dir.join("dist"),
            target: Target {
                triple: MUSL.into(),
                rustflags: None,
            },
        };
        let bin = dir.join("bin");
        (dir, dist, bin)
    }

    #[test]
    fn links_point_at_a_copy_of_the_multicall_binary() {
        let (dir, dist, bin) = scratch("links");
        install_links(&dist, &bin).unwrap();
        install_links(&dist, &bin).unwrap(); // again: links are replaced
        assert_eq!(fs::read(bin.join(MULTICALL)).unwrap(), b"multicall");
        for tool in TOOLS {
            assert_eq!(fs::read_link(bin.join(tool)).unwrap(), Path::new(MULTICALL));
            assert_eq!(fs::read(bin.join(tool)).unwrap(), b"multicall");
        }
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn links_never_replace_other_files() {
        let (dir, dist, bin) = scratch("others");
        fs::create_dir_all(&bin).unwrap();
        fs::write(bin.join("linkup"), b"mine").unwrap();
        let error = install_links(&dist, &bin).unwrap_err();
        assert!(error.to_string().contains("not a link"), "{error}");
        assert_eq!(fs::read(bin.join("linkup")).unwrap(), b"mine");
        assert!(
            fs::symlink_metadata(bin.join("nsadd")).is_err(),
            "nothing half-done"
        );
        fs::write(dist.dir.join("nsadd"), b"single").unwrap();
        assert!(install_links(&dist, &dist.dir).is_err());
        assert_eq!(fs::read(dist.dir.join("nsadd")).unwrap(), b"single");
        fs::remove_dir_all(&dir).unwrap();
    }
}
