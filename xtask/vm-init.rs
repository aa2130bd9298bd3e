//! `/init` of the `cargo xtask vm` initramfs: mounts `/proc` and `/sys`,
//! loads the kernel modules in `/modules` (named `NN-name.ko`, dependencies
//! first), runs the red/blue tutorial with the tools in `/bin` and powers the
//! machine off. It reports on the console with lines starting `nstools-vm: `,
//! which the host reads from the serial port.
//!
//! Built by `cargo xtask vm` alone with `rustc` for the musl target: std
//! only, no crates, a static binary. The C calls below are musl's.

#[path = "src/pipeline.rs"]
#[allow(dead_code)] // what e2e checks after each step is for the host's side
mod pipeline;

use std::ffi::{c_char, c_int, c_long, c_ulong, c_void, CString};
use std::os::fd::AsRawFd;
use std::time::Instant;

use pipeline::Failure;

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
    load_modules().map_err(|why| fail("load the veth module", why))?;
    pipeline::run(pipeline::STEPS)
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
