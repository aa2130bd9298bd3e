//! `/init` of the `cargo xtask vm` initramfs: mounts `/proc` and `/sys`,
//! loads the kernel modules in `/modules` (named `NN-name.ko`, dependencies
//! first), runs the red/blue tutorial with the tools in `/bin` and powers the
//! machine off. It reports on the console with lines starting `nstools-vm: `,
//! which the host reads from the serial port.
//!
//! With `nstools.machine=A` (or `B`) on the kernel command line it is one
//! of two VMs (`vm --two`) and runs that machine's part of the tutorial
//! across two machines, meeting the other VM at each phase (`barrier`).
//!
//! Built by `cargo xtask vm` alone with `rustc` for the musl target: std
//! only, no crates, a static binary. The C calls below are musl's.

#[path = "src/pipeline.rs"]
#[allow(dead_code)] // what e2e checks after each step is for the host's side
mod pipeline;
#[path = "src/two_hosts.rs"]
#[allow(dead_code)] // the sandbox's underlay is e2e's
mod two_hosts;

use std::ffi::{c_char, c_int, c_long, c_ulong, c_void, CString};
use std::net::UdpSocket;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use pipeline::Failure;
use two_hosts::Machine;

extern "C" {
    fn mount(
        source: *const c_char,
        target: *const c_char,
        fstype: *const c_char,
        flags: c_ulong,
        data: *const c_void,
    ) -> c_int;
    fn syscall(number: c_long, ...) -> c_long;
    fn reboot(how: c_int) -> c_int;
}

const SYS_FINIT_MODULE: c_long = 313; // x86_64
const RB_POWER_OFF: c_int = 0x4321_fedc;
const MS_NOSUID: c_ulong = 2;
const MS_NODEV: c_ulong = 4;
const MS_NOEXEC: c_ulong = 8;

fn main() {
    let started = Instant::now();
    println!("nstools-vm: /init started");
    match run() {
        Ok(pings) => {
            for ping in pings {
                println!("nstools-vm: {ping}");
            }
            println!("nstools-vm: ok in {} ms", started.elapsed().as_millis());
        }
        Err(failure) => println!("nstools-vm: failed: {failure}"),
    }
    // SAFETY: no arguments besides the command; nothing is left to save.
    unsafe { reboot(RB_POWER_OFF) };
    // Not powered off: returning panics the kernel, and panic=-1 with
    // qemu -no-reboot ends the machine as well.
}

fn run() -> Result<Vec<String>, Failure> {
    let safe = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    mount_fs("proc", "/proc", safe).map_err(|why| fail("mount /proc", why))?;
    mount_fs("sysfs", "/sys", safe).map_err(|why| fail("mount /sys", why))?;
    load_modules().map_err(|why| fail("load the kernel modules", why))?;
    let cmdline = std::fs::read_to_string("/proc/cmdline").unwrap_or_default();
    let machine = cmdline.split_whitespace().find_map(|w| w.strip_prefix("nstools.machine="));
    match machine {
        Some("A") => across(&two_hosts::A, &two_hosts::B),
        Some("B") => across(&two_hosts::B, &two_hosts::A),
        Some(_) => Err(fail("read nstools.machine=", "neither A nor B".into())),
        None => pipeline::run(pipeline::STEPS),
    }
}

/// The UDP port the two VMs meet on, beside VXLAN's.
const BARRIER_PORT: u16 = 4788;
/// How long a VM waits for the other at a barrier (booting it may take
/// a while under emulation).
const BARRIER_WAIT: Duration = Duration::from_secs(90);

/// Machine `me`'s part of the tutorial across two machines; `other` is
/// the VM at the far end of the network.
fn across(me: &Machine, other: &Machine) -> Result<Vec<String>, Failure> {
    println!("nstools-vm: machine {}", me.name);
    let socket = UdpSocket::bind(("0.0.0.0", BARRIER_PORT))
        .map_err(|e| fail("bind the barrier's socket", e.to_string()))?;
    let mut seen = 0;
    pipeline::run(me.nic)?;
    pipeline::run(me.setup)?;
    barrier(&socket, other, 1, &mut seen).map_err(|why| fail("wait for the other VM's end", why))?;
    let pings = pipeline::run(me.pings)?;
    barrier(&socket, other, 2, &mut seen).map_err(|why| fail("wait for the other VM's ping", why))?;
    pipeline::run(me.teardown)?;
    pipeline::run(&[two_hosts::NOTHING_LEFT])?;
    Ok(pings)
}

/// Waits until `other` has reached `phase` too, telling it every 100 ms
/// that we have; `seen` is the furthest phase it has told us of.
fn barrier(socket: &UdpSocket, other: &Machine, phase: u8, seen: &mut u8) -> Result<(), String> {
    const MARK: &[u8] = b"nstools-barrier ";
    let peer = (other.address, BARRIER_PORT);
    let message = [MARK, &[phase]].concat();
    socket
        .set_read_timeout(Some(Duration::from_millis(100)))
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + BARRIER_WAIT;
    let mut buf = [0u8; 64];
    while *seen < phase {
        // Lost until the other VM's network is up: sent again and again.
        let _ = socket.send_to(&message, peer);
        if let Ok((len, _)) = socket.recv_from(&mut buf) {
            if let Some(&[p]) = buf[..len].strip_prefix(MARK) {
                *seen = (*seen).max(p);
            }
        }
        if Instant::now() > deadline {
            return Err(format!(
                "machine {} did not reach phase {phase} in {}s",
                other.name,
                BARRIER_WAIT.as_secs()
            ));
        }
    }
    // The other VM may not have heard us yet (it may have bound its
    // socket after our last word): say it again.
    for _ in 0..3 {
        let _ = socket.send_to(&message, peer);
        std::thread::sleep(Duration::from_millis(20));
    }
    println!("nstools-vm: machine {} reached phase {phase} too", other.name);
    Ok(())
}

fn fail(step: &'static str, why: String) -> Failure {
    Failure { step, why }
}

fn mount_fs(fstype: &str, target: &str, flags: c_ulong) -> Result<(), String> {
    let fstype_c = CString::new(fstype).map_err(|e| e.to_string())?;
    let target_c = CString::new(target).map_err(|e| e.to_string())?;
    // SAFETY: NUL-terminated strings that outlive the call; no data.
    let rc = unsafe {
        mount(
            fstype_c.as_ptr(),
            target_c.as_ptr(),
            fstype_c.as_ptr(),
            flags,
            std::ptr::null(),
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error().to_string());
    }
    Ok(())
}

fn load_modules() -> Result<(), String> {
    let mut names: Vec<_> = std::fs::read_dir("/modules")
        .map_err(|e| format!("/modules: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    names.sort();
    for path in names {
        let file = std::fs::File::open(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        // SAFETY: finit_module(fd, "", 0) with a valid fd and an empty
        // NUL-terminated parameter string.
        let rc = unsafe {
            syscall(
                SYS_FINIT_MODULE,
                file.as_raw_fd() as c_long,
                c"".as_ptr(),
                0 as c_long,
            )
        };
        if rc != 0 {
            return Err(format!(
                "{}: {}",
                path.display(),
                std::io::Error::last_os_error()
            ));
        }
        println!("nstools-vm: loaded {}", path.display());
    }
    Ok(())
}
