//! `cargo xtask vm [--multicall] [--accel auto|kvm|tcg] [--timeout SECONDS]`:
//! boots Debian's kernel under qemu with an initramfs holding only the static
//! tools (or `nstools` and its links), the veth module and a small static
//! `/init` (`xtask/vm-init.rs`), which runs the red/blue tutorial without a
//! shell and powers off. Proof that the tools need nothing but a kernel: no libc, no
//! `/etc`, no iproute2.
//!
//! The kernel package is downloaded with `apt-get download` once; the kernel
//! image and the modules it takes are kept in `target/vm/kernel`, so reruns
//! need no network (remove that directory to take a newer kernel).

mod cpio;

use std::ffi::OsString;
use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::chroot::Layout;
use crate::dist::{self, MULTICALL};
use crate::{elf, paths, pipeline, reexec};

const USAGE: &str =
    "usage: cargo xtask vm [--multicall] [--accel auto|kvm|tcg] [--timeout SECONDS]";
const QEMU: &str = "qemu-system-x86_64";
/// What the init prints in front of every line meant for us.
const MARK: &str = "nstools-vm: ";
/// The module the tutorial needs (veth pairs).
const MODULES: [&str; 1] = ["veth"];

#[derive(Debug, PartialEq)]
struct Options {
    layout: Layout,
    accel: Accel,
    timeout: Duration,
}

fn parse(args: &[OsString]) -> Result<Options> {
    let mut options = Options {
        layout: Layout::Separate,
        accel: Accel::Auto,
        timeout: Duration::from_secs(180),
    };
    let args: Vec<&str> = args
        .iter()
        .map(|a| {
            a.to_str()
                .with_context(|| format!("{a:?}: not UTF-8; {USAGE}"))
        })
        .collect::<Result<_>>()?;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg {
            "--multicall" => options.layout = Layout::Multicall,
            "--accel" => {
                options.accel = match args.next() {
                    Some("auto") => Accel::Auto,
                    Some("kvm") => Accel::Kvm,
                    Some("tcg") => Accel::Tcg,
                    _ => bail!("--accel takes auto, kvm or tcg; {USAGE}"),
                }
            }
            "--timeout" => {
                let value = args
                    .next()
                    .with_context(|| format!("--timeout needs a value; {USAGE}"))?;
                let seconds: u64 = value.parse().ok().filter(|&s| s > 0).with_context(|| {
                    format!("--timeout {value:?}: not a positive number of seconds")
                })?;
                options.timeout = Duration::from_secs(seconds);
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            _ => bail!("{arg:?}: unknown argument; {USAGE}"),
        }
    }
    Ok(options)
}

pub fn run(args: &[OsString]) -> Result<()> {
    let options = parse(args)?;
    let started = Instant::now();
    let qemu = qemu()?;
    let dist = dist::run(&dist::Options::default())?;
    let dir = paths::target_dir().join("vm");
    let kernel = kernel(&dir)?;
    let init = build_init(&dir)?;
    let initramfs = dir.join(match options.layout {
        Layout::Separate => "initramfs.cpio",
        Layout::Multicall => "initramfs-multicall.cpio",
    });
    let bytes = initramfs_bytes(&dist.dir, &init, &kernel.modules, options.layout)?;
    fs::write(&initramfs, &bytes).with_context(|| format!("{}", initramfs.display()))?;
    println!(
        "vm: {} ({} KiB: {}, {} module(s), /init {} KiB)",
        initramfs.display(),
        bytes.len() / 1024,
        options.layout.describe(),
        kernel.modules.len(),
        fs::metadata(&init)?.len() / 1024
    );
    println!(
        "vm: booting Linux {} under qemu (prepared in {:.1}s)",
        kernel.version,
        started.elapsed().as_secs_f64()
    );
    let booted = Instant::now();
    let report = boot(
        &qemu,
        &kernel.image,
        &initramfs,
        options.accel,
        options.timeout,
    )?;
    let seconds = booted.elapsed().as_secs_f64();
    match report {
        Report::Ok { pings } => {
            println!("vm: pings in the VM:");
            for ping in pings {
                println!("  {ping}");
            }
            println!(
                "vm: ok: red and blue answered with {} ({seconds:.1}s in qemu)",
                options.layout.describe()
            );
            Ok(())
        }
        Report::Failed(failure) => bail!("in the VM: {failure}"),
        Report::Nothing(why) => bail!("the VM gave no result: {why}"),
        Report::Silent => bail!("the VM never started /init"),
    }
}

/// qemu, installed with apt-get when missing and we are root.
fn qemu() -> Result<PathBuf> {
    if let Some(path) = paths::which(QEMU) {
        return Ok(path);
    }
    if !reexec::is_root() {
        bail!("{QEMU} is not installed; install the package qemu-system-x86 (as root: apt-get install qemu-system-x86)");
    }
    println!("vm: {QEMU} missing; installing qemu-system-x86");
    run_command(Command::new("apt-get").arg("update").arg("-q"))?;
    run_command(
        Command::new("apt-get")
            .args([
                "install",
                "-y",
                "-q",
                "--no-install-recommends",
                "qemu-system-x86",
            ])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    paths::which(QEMU)
        .with_context(|| format!("{QEMU} still missing after installing qemu-system-x86"))
}

fn run_command(command: &mut Command) -> Result<()> {
    let shown = format!("{command:?}").replace('"', "");
    println!("vm: + {shown}");
    let status = command
        .status()
        .with_context(|| format!("running {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

fn output_of(command: &mut Command) -> Result<String> {
    let shown = format!("{command:?}").replace('"', "");
    let out = command
        .output()
        .with_context(|| format!("running {shown}"))?;
    if !out.status.success() {
        bail!(
            "{shown} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// A kernel image and the modules the tutorial needs from it, dependencies
/// first, uncompressed.
struct Kernel {
    version: String,
    image: PathBuf,
    modules: Vec<PathBuf>,
}

/// The cached kernel in `dir/kernel`, or Debian's current one fetched there.
fn kernel(dir: &Path) -> Result<Kernel> {
    let cache = dir.join("kernel");
    if let Some(kernel) = cached_kernel(&cache) {
        return Ok(kernel);
    }
    let package = kernel_package()?;
    let download = dir.join("download");
    let _ = fs::remove_dir_all(&download);
    fs::create_dir_all(&download).with_context(|| format!("{}", download.display()))?;
    run_command(
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
    run_command(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&tree))?;
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
    let _ = fs::remove_dir_all(&cache);
    fs::rename(&fresh, &cache)?;
    // The unpacked package is large (hundreds of MB); only the cache stays.
    fs::remove_dir_all(&download)?;
    cached_kernel(&cache).context("the kernel cache just written is incomplete")
}

fn cached_kernel(cache: &Path) -> Option<Kernel> {
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
fn kernel_package() -> Result<String> {
    let text = output_of(Command::new("apt-cache").args(["depends", "linux-image-amd64"]))?;
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
    let section =
        elf_section(module, ".modinfo").context("not a kernel module: no .modinfo section")?;
    let prefix = format!("{key}=");
    Ok(section
        .split(|&b| b == 0)
        .filter_map(|entry| entry.strip_prefix(prefix.as_bytes()))
        .map(|v| String::from_utf8_lossy(v).into_owned())
        .next()
        .unwrap_or_default())
}

/// The contents of the section called `name` in a little-endian ELF64 file.
fn elf_section<'a>(bytes: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let u16_at =
        |at: usize| Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?) as usize);
    let u32_at =
        |at: usize| Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize);
    let u64_at = |at: usize| {
        usize::try_from(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?)).ok()
    };
    if bytes.get(..6)? != b"\x7fELF\x02\x01" {
        return None;
    }
    let (table, entry_size, count, names) =
        (u64_at(0x28)?, u16_at(0x3a)?, u16_at(0x3c)?, u16_at(0x3e)?);
    let header = |i: usize| table.checked_add(i.checked_mul(entry_size)?);
    let contents = |i: usize| {
        let h = header(i)?;
        let (offset, size) = (u64_at(h + 0x18)?, u64_at(h + 0x20)?);
        bytes.get(offset..offset.checked_add(size)?)
    };
    let strings = contents(names)?;
    (0..count).find_map(|i| {
        let at = u32_at(header(i)?)?;
        let rest = strings.get(at..)?;
        let end = rest.iter().position(|&b| b == 0)?;
        (&rest[..end] == name.as_bytes())
            .then(|| contents(i))
            .flatten()
    })
}

/// Compiles `xtask/vm-init.rs` into a static binary, unless it is up to date.
fn build_init(dir: &Path) -> Result<PathBuf> {
    let source = paths::root().join("xtask").join("vm-init.rs");
    let included = paths::root().join("xtask").join("src").join("pipeline.rs");
    let out = dir.join("init");
    let modified = |p: &Path| fs::metadata(p).and_then(|m| m.modified()).ok();
    let fresh = match (modified(&out), modified(&source), modified(&included)) {
        (Some(built), Some(a), Some(b)) => built > a && built > b,
        _ => false,
    };
    if !fresh {
        fs::create_dir_all(dir)?;
        let mut rustc = paths::rustc();
        rustc
            .args([
                "--edition",
                "2021",
                "--crate-type",
                "bin",
                "--crate-name",
                "init",
            ])
            .args(["--target", dist::MUSL])
            .args([
                "-C",
                "opt-level=z",
                "-C",
                "panic=abort",
                "-C",
                "codegen-units=1",
            ])
            .args([
                "-C",
                "lto",
                "-C",
                "strip=symbols",
                "-C",
                "target-feature=+crt-static",
            ])
            .arg("-o")
            .arg(&out)
            .arg(&source);
        run_command(&mut rustc).context("building the VM's /init")?;
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
fn initramfs_bytes(
    dist: &Path,
    init: &Path,
    modules: &[PathBuf],
    layout: Layout,
) -> Result<Vec<u8>> {
    let read = |p: &Path| fs::read(p).with_context(|| format!("{}", p.display()));
    let mut archive = cpio::Archive::new();
    for dir in ["bin", "dev", "modules", "proc", "sys", "run"] {
        archive.dir(dir, 0o755);
    }
    archive.char_device("dev/console", 0o600, 5, 1);
    archive.file("init", 0o755, &read(init)?);
    match layout {
        Layout::Separate => {
            for tool in pipeline::TOOLS {
                archive.file(&format!("bin/{tool}"), 0o755, &read(&dist.join(tool))?);
            }
        }
        Layout::Multicall => {
            archive.file(
                &format!("bin/{MULTICALL}"),
                0o755,
                &read(&dist.join(MULTICALL))?,
            );
            for tool in pipeline::TOOLS {
                archive.symlink(&format!("bin/{tool}"), MULTICALL);
            }
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

/// What the VM said.
#[derive(Debug, PartialEq)]
enum Report {
    Ok {
        pings: Vec<String>,
    },
    Failed(String),
    Nothing(String),
    /// The init never spoke within the grace period (the guest was killed).
    Silent,
}

/// How qemu runs the guest's CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Accel {
    /// KVM when /dev/kvm is usable, falling back to emulation when the
    /// guest shows no sign of life under KVM.
    Auto,
    Kvm,
    /// qemu's own emulation: slower, works everywhere.
    Tcg,
}

/// How long a KVM guest may take to start `/init` before `Accel::Auto`
/// gives up on KVM (about a second where KVM works; a fallback to TCG costs
/// only time, so this can be short).
const KVM_GRACE: Duration = Duration::from_secs(10);

/// Boots with the accelerator asked for, falling back from KVM to TCG.
fn boot(
    qemu: &Path,
    image: &Path,
    initramfs: &Path,
    accel: Accel,
    timeout: Duration,
) -> Result<Report> {
    let use_kvm = match accel {
        Accel::Tcg => false,
        Accel::Kvm => true,
        Accel::Auto if kvm_usable() => true,
        Accel::Auto => {
            println!("vm: /dev/kvm is not usable: emulating the CPU (slower)");
            false
        }
    };
    if !use_kvm {
        return boot_once(qemu, image, initramfs, Accel::Tcg, timeout, None);
    }
    let grace = (accel == Accel::Auto).then_some(KVM_GRACE);
    match boot_once(qemu, image, initramfs, Accel::Kvm, timeout, grace)? {
        Report::Silent => {
            println!(
                "vm: WARNING: under KVM the guest did not reach /init in {}s (nested KVM that \
                 cannot run this kernel?); booting again with emulation (TCG)",
                KVM_GRACE.as_secs()
            );
            boot_once(qemu, image, initramfs, Accel::Tcg, timeout, None)
        }
        report => Ok(report),
    }
}

/// Boots qemu once, echoes the serial console, and returns the init's
/// verdict. With `grace`, a guest that prints no line of the init within it
/// is killed and reported `Silent`.
fn boot_once(
    qemu: &Path,
    image: &Path,
    initramfs: &Path,
    accel: Accel,
    timeout: Duration,
    grace: Option<Duration>,
) -> Result<Report> {
    let mut command = Command::new(qemu);
    match accel {
        // Not `-cpu host`: under nested virtualisation qemu may abort on
        // MSRs the outer hypervisor refuses; the default CPU model suffices.
        Accel::Kvm => command.arg("-enable-kvm"),
        Accel::Tcg | Accel::Auto => command.args(["-accel", "tcg"]),
    };
    command
        .args(["-nographic", "-no-reboot", "-m", "256"])
        .arg("-kernel")
        .arg(image)
        .arg("-initrd")
        .arg(initramfs)
        .args(["-append", "console=ttyS0 panic=-1 quiet"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    println!("vm: + {}", format!("{command:?}").replace('"', ""));
    let mut child = command
        .spawn()
        .with_context(|| format!("starting {}", qemu.display()))?;
    let serial = child.stdout.take().context("qemu's stdout")?;
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(serial).split(b'\n') {
            let Ok(line) = line else { break };
            if lines.send(printable(&line)).is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    let mut said: Vec<String> = Vec::new();
    let mut timed_out = false;
    loop {
        let alive = said.iter().any(|l| l.contains(MARK));
        let deadline = match grace {
            Some(grace) if !alive => grace.min(timeout),
            _ => timeout,
        };
        let left = deadline.saturating_sub(started.elapsed());
        match received.recv_timeout(left) {
            Ok(line) => {
                println!("| {line}");
                said.push(line);
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let _ = child.kill();
                let _ = child.wait();
                if !alive && deadline < timeout {
                    return Ok(Report::Silent);
                }
                timed_out = true;
                break;
            }
        }
    }
    let status = child.wait().context("waiting for qemu")?;
    Ok(match verdict(&said) {
        Report::Nothing(_) if timed_out => Report::Nothing(format!(
            "no verdict after {}s; qemu killed",
            timeout.as_secs()
        )),
        Report::Nothing(why) if !status.success() => {
            Report::Nothing(format!("{why}; qemu: {status}"))
        }
        report => report,
    })
}

fn kvm_usable() -> bool {
    fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok()
}

/// A serial line without carriage returns and terminal escape sequences.
fn printable(line: &[u8]) -> String {
    let text = String::from_utf8_lossy(line);
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                // CSI: ESC [ parameters final-letter; other escapes: one char.
                if chars.next_if_eq(&'[').is_some() {
                    while chars.next().is_some_and(|c| !c.is_ascii_alphabetic()) {}
                } else {
                    chars.next();
                }
            }
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Reads the init's lines (`nstools-vm: …`) out of the serial output.
fn verdict(lines: &[String]) -> Report {
    let mut pings = Vec::new();
    for line in lines {
        let Some(said) = line.find(MARK).map(|at| &line[at + MARK.len()..]) else {
            continue;
        };
        if let Some(failure) = said.strip_prefix("failed: ") {
            return Report::Failed(failure.to_string());
        }
        if said.starts_with("ok") {
            return Report::Ok { pings };
        }
        if said.starts_with("ping") {
            pings.push(said.to_string());
        }
    }
    match lines.iter().rev().find(|l| l.contains("Kernel panic")) {
        Some(panic) => Report::Nothing(panic.trim().to_string()),
        None => Report::Nothing("the init printed no verdict".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn options() {
        let o = parse(&args(&["--multicall", "--timeout", "30", "--accel", "tcg"])).unwrap();
        assert_eq!(o.layout, Layout::Multicall);
        assert_eq!(o.accel, Accel::Tcg);
        assert_eq!(parse(&[]).unwrap().accel, Accel::Auto);
        assert_eq!(o.timeout, Duration::from_secs(30));
        assert_eq!(parse(&[]).unwrap().layout, Layout::Separate);
        for bad in [
            &["--timeout"][..],
            &["--timeout", "0"],
            &["--timeout", "x"],
            &["--bogus"],
            &["--accel", "xen"],
        ] {
            assert!(parse(&args(bad)).is_err(), "{bad:?}");
        }
    }

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

    /// A minimal ELF64 with a section-name table and one `.modinfo`.
    fn fake_module(modinfo: &[u8]) -> Vec<u8> {
        let names = b"\0.shstrtab\0.modinfo\0";
        let mut bytes = vec![0u8; 64];
        bytes[..6].copy_from_slice(b"\x7fELF\x02\x01");
        let names_at = bytes.len();
        bytes.extend_from_slice(names);
        let info_at = bytes.len();
        bytes.extend_from_slice(modinfo);
        let table = bytes.len();
        bytes[0x28..0x30].copy_from_slice(&(table as u64).to_le_bytes());
        bytes[0x3a..0x3c].copy_from_slice(&64u16.to_le_bytes());
        bytes[0x3c..0x3e].copy_from_slice(&3u16.to_le_bytes());
        bytes[0x3e..0x40].copy_from_slice(&1u16.to_le_bytes());
        for (name, offset, size) in [
            (0u32, 0, 0),
            (1, names_at, names.len()),
            (11, info_at, modinfo.len()),
        ] {
            let mut header = [0u8; 64];
            header[..4].copy_from_slice(&name.to_le_bytes());
            header[0x18..0x20].copy_from_slice(&(offset as u64).to_le_bytes());
            header[0x20..0x28].copy_from_slice(&(size as u64).to_le_bytes());
            bytes.extend_from_slice(&header);
        }
        bytes
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

    #[test]
    fn serial_lines_lose_escapes_and_carriage_returns() {
        assert_eq!(printable(b"\x1b[2J\x1b[01;01Hhello\r"), "hello");
        assert_eq!(printable(b"\x1bcnstools-vm: ok"), "nstools-vm: ok");
    }

    #[test]
    fn the_verdict_is_read_from_the_init_lines() {
        let lines = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let ok = verdict(&lines(&[
            "[    0.5] noise",
            "nstools-vm: loaded /modules/00-veth.ko",
            "nstools-vm: ping red -> blue: 3 packets transmitted, 3 received",
            "nstools-vm: ok in 900 ms",
        ]));
        assert_eq!(
            ok,
            Report::Ok {
                pings: vec!["ping red -> blue: 3 packets transmitted, 3 received".into()]
            }
        );
        let failed = verdict(&lines(&[
            "nstools-vm: failed: step \"veth-red up\" failed: exit status 1",
        ]));
        assert_eq!(
            failed,
            Report::Failed("step \"veth-red up\" failed: exit status 1".into())
        );
        let panic = verdict(&lines(&[
            "[ 1.0] Kernel panic - not syncing: No working init found.",
        ]));
        assert!(matches!(panic, Report::Nothing(why) if why.contains("No working init")));
    }

    #[test]
    fn the_initramfs_holds_the_tools_and_init_only() {
        let dir = std::env::temp_dir().join(format!("xtask-vm-initramfs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        for name in pipeline::TOOLS
            .iter()
            .chain([&MULTICALL, &"init", &"00-veth.ko"])
        {
            fs::write(dir.join(name), name.as_bytes()).unwrap();
        }
        let modules = [dir.join("00-veth.ko")];
        for layout in [Layout::Separate, Layout::Multicall] {
            let bytes = initramfs_bytes(&dir, &dir.join("init"), &modules, layout).unwrap();
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
