//! The VM's initramfs: its `/init` (`xtask/vm-init.rs`, built static), the
//! tools, the kernel modules, and the few directories the init needs.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};

use super::cpio::Archive;
use crate::tools::{Entry, Layout, MULTICALL};
use crate::{dist, elf, paths, process};

/// Compiles `xtask/vm-init.rs` into a static binary, unless it is up to date.
pub fn build_init(dir: &Path) -> Result<PathBuf> {
    let source = paths::root().join("xtask").join("vm-init.rs");
    let src = paths::root().join("xtask").join("src");
    // The files it includes with #[path].
    let included = [src.join("pipeline.rs"), src.join("two_hosts.rs")];
    let out = dir.join("init");
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = modified(&out).is_some_and(|built| {
        std::iter::once(&source)
            .chain(&included)
            .all(|p| modified(p).is_some_and(|m| built > m))
    });
    if !fresh {
        fs::create_dir_all(dir)?;
        let mut rustc = paths::rustc();
        rustc
            .args(["--edition", "2021", "--crate-type", "bin"])
            .args(["--crate-name", "init", "--target", dist::MUSL])
            .args(["-C", "opt-level=z", "-C", "panic=abort"])
            .args(["-C", "codegen-units=1", "-C", "lto"])
            .args(["-C", "strip=symbols", "-C", "target-feature=+crt-static"])
            .arg("-o")
            .arg(&out)
            .arg(&source);
        process::run("vm", &mut rustc).context("building the VM's /init")?;
    }
    let linkage = elf::linkage_of(&out)?;
    if !linkage.is_static() {
        bail!("{}: not static: {linkage}", out.display());
    }
    Ok(out)
}

/// The initramfs: `/init`, the tools in `/bin`, the modules in `/modules`,
/// `/dev/console` (the kernel opens it for init's output), and empty
/// `/proc`, `/sys`, `/run`.
pub fn bytes(dist: &Path, init: &Path, modules: &[PathBuf], layout: Layout) -> Result<Vec<u8>> {
    let read = |p: &Path| fs::read(p).with_context(|| format!("{}", p.display()));
    let mut archive = Archive::new();
    for dir in ["bin", "dev", "modules", "proc", "sys", "run"] {
        archive.dir(dir, 0o755);
    }
    archive.char_device("dev/console", 0o600, 5, 1);
    archive.file("init", 0o755, &read(init)?);
    for entry in layout.entries() {
        match entry {
            Entry::Binary(name) => {
                archive.file(&format!("bin/{name}"), 0o755, &read(&dist.join(name))?)
            }
            Entry::Link(name) => archive.symlink(&format!("bin/{name}"), MULTICALL),
        }
    }
    for module in modules {
        let name = module
            .file_name()
            .and_then(|n| n.to_str())
            .context("module file name")?;
        archive.file(&format!("modules/{name}"), 0o644, &read(module)?);
    }
    Ok(archive.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_initramfs_holds_the_tools_and_init_only() {
        let dir = std::env::temp_dir().join(format!("xtask-vm-initramfs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        for name in crate::tools::binaries().chain(["init", "00-veth.ko"]) {
            fs::write(dir.join(name), name.as_bytes()).unwrap();
        }
        let modules = [dir.join("00-veth.ko")];
        for layout in [Layout::Separate, Layout::Multicall] {
            let bytes = bytes(&dir, &dir.join("init"), &modules, layout).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for needed in [
                "dev/console",
                "init",
                "bin/nsadd",
                "bin/nsping",
                "modules/00-veth.ko",
                "TRAILER!!!",
            ] {
                assert!(
                    text.contains(&format!("{needed}\0")),
                    "{needed} in {layout:?}"
                );
            }
            assert_eq!(text.contains("bin/nstools\0"), layout == Layout::Multicall);
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}
