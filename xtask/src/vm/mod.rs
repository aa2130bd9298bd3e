//! `cargo xtask vm [--two] [--multicall] [--accel auto|kvm|tcg] [--timeout SECONDS]`:
//! boots Debian's kernel under qemu with an initramfs holding only the static
//! tools (or `nstools` and its links), the kernel modules (veth; vxlan and
//! the e1000 card for `--two`) and a small static `/init`
//! (`xtask/vm-init.rs`), which runs the red/blue tutorial without a shell
//! and powers off. Proof that the tools need nothing but a kernel: no
//! libc, no `/etc`, no iproute2. With `--two`, two VMs on one qemu socket
//! network run the tutorial across two machines (`two_hosts`), red in one
//! and blue in the other, over a VXLAN cable.
//!
//! `kernel` fetches the kernel and its modules (once, with apt), `initramfs`
//! builds `/init` and packs the archive (`cpio`), `qemu` boots it and reads
//! the verdict off the serial console.

mod cpio;
mod initramfs;
mod kernel;
mod qemu;
mod two;

use std::fs;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::flags::{self, Args, Long, Subcommand};
use crate::tools::Layout;
use crate::{dist, paths};
pub use qemu::Accel;
use qemu::Report;

pub const COMMAND: Subcommand = Subcommand {
    name: "vm",
    synopsis: "[--two] [--multicall] [--accel auto|kvm|tcg] [--timeout SECONDS]",
    about: "\
dist, then boots Debian's kernel under qemu with an initramfs of
only the tools, the modules they need and a small static /init that
runs the tutorial; reports the pings. --two: two VMs on one qemu
socket network, red in one and blue in the other, a VXLAN cable
between. Installs qemu and fetches the kernel package with apt-get
the first time (kept in target/vm).",
    run: |args| run(&parse(args)?),
    helpers: &[],
};

#[derive(Debug, PartialEq)]
pub struct Options {
    /// Two VMs, the tutorial across them.
    pub two: bool,
    pub layout: Layout,
    pub accel: Accel,
    /// How long the guest may take to say how the tutorial went.
    pub timeout: Duration,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            two: false,
            layout: Layout::Separate,
            accel: Accel::Auto,
            timeout: Duration::from_secs(180),
        }
    }
}

fn parse(args: &mut Args) -> Result<Options> {
    let mut options = Options::default();
    while let Some(arg) = args.next()? {
        match arg {
            Long("two") => options.two = true,
            Long("multicall") => options.layout = Layout::Multicall,
            Long("accel") => options.accel = args.choice(Accel::NAMES)?,
            Long("timeout") => options.timeout = Duration::from_secs(args.positive()?),
            arg => return Err(flags::unexpected(arg)),
        }
    }
    Ok(options)
}

pub fn run(options: &Options) -> Result<()> {
    let started = Instant::now();
    let qemu = qemu::installed()?;
    let dist = dist::run(&dist::Options::default())?;
    let dir = paths::target_dir().join("vm");
    let kernel = kernel::fetch(&dir)?;
    let init = initramfs::build_init(&dir)?;
    let initramfs = dir.join(match options.layout {
        Layout::Separate => "initramfs.cpio",
        Layout::Multicall => "initramfs-multicall.cpio",
    });
    let bytes = initramfs::bytes(&dist.dir, &init, &kernel.modules, options.layout)?;
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
    let machine = qemu::Machine {
        qemu: &qemu,
        kernel: &kernel.image,
        initramfs: &initramfs,
        timeout: options.timeout,
        peer: None,
    };
    if options.two {
        let pings = two::boot(&machine, options.accel)?;
        for (name, pings) in ["A", "B"].iter().zip(pings) {
            println!("vm: pings in VM {name}:");
            for ping in pings {
                println!("  {ping}");
            }
        }
        println!(
            "vm: ok: red in VM A and blue in VM B answered across their network, with {} ({:.1}s in qemu)",
            options.layout.describe(),
            booted.elapsed().as_secs_f64()
        );
        return Ok(());
    }
    let report = machine.boot(options.accel)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options() {
        let o = flags::parse(parse, &["--multicall", "--timeout", "30", "--accel", "tcg"]).unwrap();
        assert!(!o.two);
        assert!(flags::parse(parse, &["--two"]).unwrap().two);
        assert_eq!(o.layout, Layout::Multicall);
        assert_eq!(o.accel, Accel::Tcg);
        assert_eq!(o.timeout, Duration::from_secs(30));
        assert_eq!(flags::parse(parse, &[]).unwrap(), Options::default());
        for bad in [
            &["--timeout"][..],
            &["--timeout", "0"],
            &["--timeout", "x"],
            &["--bogus"],
            &["--accel", "xen"],
        ] {
            let e = flags::parse(parse, bad).unwrap_err();
            assert!(e.is::<flags::Usage>(), "{bad:?}");
        }
    }
}
