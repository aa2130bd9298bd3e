//! The VM's kernel: Debian's current kernel package, fetched with
//! `apt-get download` once. The image and the modules the tutorial needs
//! (with their dependencies, decompressed) are kept in `target/vm/kernel`,
//! so reruns need no network; remove that directory to take a newer kernel.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::{elf, process};

/// The modules the tutorials need: veth pairs; for the one across two
/// VMs (`vm --two`), VXLAN ends and the network card qemu gives each VM.
const MODULES: [&str; 3] = ["veth", "vxlan", "e1000"];

/// A kernel image and the modules the tutorial needs from it, dependencies
/// first, uncompressed.
pub struct Kernel {
    pub version: String,
    pub image: PathBuf,
    pub modules: Vec<PathBuf>,
}

/// The cached kernel in `dir/kernel`, or Debian's current one fetched there.
pub fn fetch(dir: &Path) -> Result<Kernel> {
    let cache = dir.join("kernel");
    if let Some(kernel) = cached(&cache) {
        return Ok(kernel);
    }
    let package = package()?;
    let download = dir.join("download");
    let _ = fs::remove_dir_all(&download);
    fs::create_dir_all(&download).with_context(|| format!("{}", download.display()))?;
    process::run(
        "vm",
        Command::new("apt-get")
            .arg("download")
            .arg(&package)
            .current_dir(&download),
    )?;
    let deb = fs::read_dir(&download)?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .with_context(|| format!("apt-get download {package} left no .deb"))?;
    let tree = download.join("tree");
    process::run(
        "vm",
        Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&tree),
    )?;
    let version = package
        .strip_prefix("linux-image-")
        .unwrap_or(&package)
        .to_string();
    let fresh = cache.with_extension("new");
    let _ = fs::remove_dir_all(&fresh);
    fs::create_dir_all(fresh.join("modules"))?;
    let vmlinuz = tree.join("boot").join(format!("vmlinuz-{version}"));
    fs::copy(&vmlinuz, fresh.join("vmlinuz")).with_context(|| format!("{}", vmlinuz.display()))?;
    let config =
        fs::read_to_string(tree.join("boot").join(format!("config-{version}"))).unwrap_or_default();
    let modules_dir = tree.join("lib/modules").join(&version);
    let modules_dir = if modules_dir.is_dir() {
        modules_dir
    } else {
        tree.join("usr/lib/modules").join(&version)
    };
    let order = module_order(&modules_dir, &config, &MODULES)?;
    for (i, (name, bytes)) in order.iter().enumerate() {
        fs::write(
            fresh.join("modules").join(format!("{i:02}-{name}.ko")),
            bytes,
        )?;
    }
    fs::write(fresh.join("version"), &version)?;
    fs::write(fresh.join("wanted"), MODULES.join(" "))?;
    let _ = fs::remove_dir_all(&cache);
    fs::rename(&fresh, &cache)?;
    // The unpacked package is large (hundreds of MB); only the cache stays.
    fs::remove_dir_all(&download)?;
    cached(&cache).context("the kernel cache just written is incomplete")
}

fn cached(cache: &Path) -> Option<Kernel> {
    // A cache made for fewer modules is fetched again.
    let wanted = fs::read_to_string(cache.join("wanted")).ok()?;
    if wanted != MODULES.join(" ") {
        return None;
    }
    let version = fs::read_to_string(cache.join("version")).ok()?;
    let image = cache.join("vmlinuz");
    if !image.is_file() {
        return None;
    }
    let mut modules: Vec<PathBuf> = fs::read_dir(cache.join("modules"))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    modules.sort();
    Some(Kernel {
        version: version.trim().to_string(),
        image,
        modules,
    })
}

/// The versioned package `linux-image-amd64` stands for.
fn package() -> Result<String> {
    let text = process::output(Command::new("apt-cache").args(["depends", "linux-image-amd64"]))?;
    package_from_depends(&text)
        .context("apt-cache depends linux-image-amd64 names no linux-image package")
}

fn package_from_depends(text: &str) -> Option<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("Depends: "))
        .map(str::trim)
        .find(|p| p.starts_with("linux-image-") && !p.starts_with('<'))
        .map(str::to_string)
}

/// The modules `wanted` and everything they depend on (from each module's
/// `.modinfo`), dependencies first, decompressed, as (name, contents).
/// Modules the kernel has built in (`CONFIG_…=y` in `config`) are skipped.
fn module_order(dir: &Path, config: &str, wanted: &[&str]) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    collect_modules(dir, &mut files)?;
    let mut order: Vec<(String, Vec<u8>)> = Vec::new();
    let mut visiting = Vec::new();
    for name in wanted {
        if config
            .lines()
            .any(|l| l == format!("CONFIG_{}=y", name.to_uppercase()))
        {
            continue;
        }
        add_module(name, &files, &mut order, &mut visiting)?;
    }
    Ok(order)
}

fn add_module(
    name: &str,
    files: &[PathBuf],
    order: &mut Vec<(String, Vec<u8>)>,
    visiting: &mut Vec<String>,
) -> Result<()> {
    let name = name.replace('-', "_");
    if order.iter().any(|(n, _)| *n == name) {
        return Ok(());
    }
    if visiting.contains(&name) {
        bail!("module dependency loop through {name}");
    }
    let path = files
        .iter()
        .find(|p| module_name(p).is_some_and(|n| n == name))
        .with_context(|| format!("kernel module {name} not found in the package"))?;
    let bytes = decompress(path)?;
    visiting.push(name.clone());
    for dependency in modinfo(&bytes, "depends")?
        .split(',')
        .filter(|d| !d.is_empty())
    {
        add_module(dependency, files, order, visiting)?;
    }
    visiting.pop();
    order.push((name, bytes));
    Ok(())
}

fn collect_modules(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("{}", dir.display()))? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            collect_modules(&path, out)?;
        } else if module_name(&path).is_some() {
            out.push(path);
        }
    }
    Ok(())
}

/// `veth` for `…/veth.ko`, `veth.ko.xz`, `veth.ko.zst` or `veth.ko.gz`, with
/// `-` read as `_` as the kernel does.
fn module_name(path: &Path) -> Option<String> {
    let file = path.file_name()?.to_str()?;
    let stem = [".ko", ".ko.xz", ".ko.zst", ".ko.gz"]
        .iter()
        .find_map(|ext| file.strip_suffix(ext))?;
    Some(stem.replace('-', "_"))
}

/// The module's bytes, decompressed with the xz, zstd or gzip program when
/// Debian ships it compressed.
fn decompress(path: &Path) -> Result<Vec<u8>> {
    let name = path.to_string_lossy();
    let tool = match () {
        _ if name.ends_with(".xz") => "xz",
        _ if name.ends_with(".zst") => "zstd",
        _ if name.ends_with(".gz") => "gzip",
        _ => return fs::read(path).with_context(|| format!("{}", path.display())),
    };
    let out = Command::new(tool)
        .arg("-dc")
        .arg(path)
        .output()
        .with_context(|| {
            format!(
                "running {tool} to decompress {} (install {tool})",
                path.display()
            )
        })?;
    if !out.status.success() {
        bail!(
            "{tool} -dc {}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(out.stdout)
}

/// The value of `key` in a module's `.modinfo` section ("" when absent).
fn modinfo(module: &[u8], key: &str) -> Result<String> {
    let section = elf::section(module, ".modinfo")?
        .context("not a kernel module: no .modinfo section")?;
    let prefix = format!("{key}=");
    Ok(section
        .split(|&b| b == 0)
        .filter_map(|entry| entry.strip_prefix(prefix.as_bytes()))
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .next()
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf::fake_module;

    #[test]
    fn the_kernel_package_comes_from_apt_cache_depends() {
        let text = "linux-image-amd64\n  Depends: linux-image-6.1.0-56-amd64\n";
        assert_eq!(
            package_from_depends(text).as_deref(),
            Some("linux-image-6.1.0-56-amd64")
        );
        assert_eq!(package_from_depends("linux-image-amd64\n"), None);
    }

    #[test]
    fn module_names_as_the_kernel_reads_them() {
        assert_eq!(module_name(Path::new("a/veth.ko")).as_deref(), Some("veth"));
        assert_eq!(
            module_name(Path::new("a/nf-nat.ko.zst")).as_deref(),
            Some("nf_nat")
        );
        assert_eq!(module_name(Path::new("a/x.ko.xz")).as_deref(), Some("x"));
        assert_eq!(module_name(Path::new("a/modules.dep")), None);
    }

    #[test]
    fn modinfo_names_the_dependencies() {
        let module = fake_module(b"license=GPL\0depends=udp_tunnel,ip6_udp_tunnel\0name=vxlan\0");
        assert_eq!(
            modinfo(&module, "depends").unwrap(),
            "udp_tunnel,ip6_udp_tunnel"
        );
        assert_eq!(modinfo(&module, "name").unwrap(), "vxlan");
        assert_eq!(modinfo(&module, "vermagic").unwrap(), "");
        assert!(modinfo(b"not elf", "depends").is_err());
        let mut truncated = module.clone();
        truncated.truncate(module.len() - 40);
        assert!(modinfo(&truncated, "depends").is_err());
    }

    #[test]
    fn dependencies_load_first_and_once() {
        let dir = std::env::temp_dir().join(format!("xtask-vm-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(dir.join("kernel/net")).unwrap();
        let write = |path: &str, depends: &str| {
            fs::write(
                dir.join(path),
                fake_module(format!("depends={depends}\0").as_bytes()),
            )
            .unwrap()
        };
        write("kernel/net/top.ko", "mid-a,mid_b");
        write("kernel/mid_a.ko", "base");
        write("kernel/net/mid-b.ko", "base");
        write("kernel/base.ko", "");
        write("kernel/loop.ko", "loop");
        let names =
            |order: Vec<(String, Vec<u8>)>| order.into_iter().map(|(n, _)| n).collect::<Vec<_>>();
        assert_eq!(
            names(module_order(&dir, "", &["top"]).unwrap()),
            ["base", "mid_a", "mid_b", "top"]
        );
        assert_eq!(
            names(module_order(&dir, "CONFIG_TOP=y\n", &["top"]).unwrap()),
            Vec::<String>::new()
        );
        assert!(module_order(&dir, "", &["missing"]).is_err());
        assert!(module_order(&dir, "", &["loop"])
            .unwrap_err()
            .to_string()
            .contains("loop"));
        fs::remove_dir_all(&dir).unwrap();
    }
}
