//! Booting the VM under qemu: the accelerator (KVM, or emulation), the
//! serial console echoed as it comes, and the verdict the VM's `/init`
//! prints there.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::{apt, paths, process};

const QEMU: &str = "qemu-system-x86_64";
/// What the init prints in front of every line meant for us.
const MARK: &str = "nstools-vm: ";
/// How long a KVM guest may take to start `/init` before `Accel::Auto`
/// gives up on KVM (about a second where KVM works; a fallback to TCG costs
/// only time, so this can be short).
const KVM_GRACE: Duration = Duration::from_secs(10);

/// qemu, installed with apt-get when missing and we are root.
pub fn installed() -> Result<PathBuf> {
    apt::install_missing("vm", &[(QEMU, "qemu-system-x86")])?;
    paths::which(QEMU)
        .with_context(|| format!("{QEMU} still missing after installing qemu-system-x86"))
}

/// How qemu runs the guest's CPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accel {
    /// KVM when /dev/kvm is usable, falling back to emulation when the
    /// guest shows no sign of life under KVM.
    Auto,
    Kvm,
    /// qemu's own emulation: slower, works everywhere.
    Tcg,
}

impl Accel {
    /// As `--accel` names them.
    pub const NAMES: &'static [(&'static str, Accel)] =
        &[("auto", Accel::Auto), ("kvm", Accel::Kvm), ("tcg", Accel::Tcg)];
}

/// What the VM said.
#[derive(Debug, PartialEq)]
pub enum Report {
    Ok {
        pings: Vec<String>,
    },
    Failed(String),
    Nothing(String),
    /// The init never spoke within the grace period (the guest was killed).
    Silent,
}

/// A machine to boot: qemu, the kernel and the initramfs.
pub struct Machine<'a> {
    pub qemu: &'a Path,
    pub kernel: &'a Path,
    pub initramfs: &'a Path,
    /// How long the guest may take to give its verdict.
    pub timeout: Duration,
    /// One of two VMs on one network (`vm --two`), or the only one.
    pub peer: Option<Peer>,
}

/// One of two VMs joined by a qemu socket network: UDP datagrams between
/// two ports of the host's loopback, each VM's card sending to the other's.
#[derive(Debug, Clone, Copy)]
pub struct Peer {
    /// `A` or `B`: its part of the tutorial (`nstools.machine=` for its
    /// /init) and the mark on its console lines.
    pub name: &'static str,
    pub mac: &'static str,
    /// Where this VM's card listens, and where the other's does.
    pub port: u16,
    pub other_port: u16,
}

impl Machine<'_> {
    /// Boots with the accelerator asked for, falling back from KVM to TCG.
    pub fn boot(&self, accel: Accel) -> Result<Report> {
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
            return self.boot_once(Accel::Tcg, None);
        }
        let grace = (accel == Accel::Auto).then_some(KVM_GRACE);
        match self.boot_once(Accel::Kvm, grace)? {
            Report::Silent => {
                println!(
                    "vm: WARNING: under KVM the guest did not reach /init in {}s (nested KVM that \
                     cannot run this kernel?); booting again with emulation (TCG)",
                    KVM_GRACE.as_secs()
                );
                self.boot_once(Accel::Tcg, None)
            }
            report => Ok(report),
        }
    }

    /// Boots qemu once, echoes the serial console, and returns the init's
    /// verdict. With `grace`, a guest that prints no line of the init
    /// within it is killed and reported `Silent`.
    fn boot_once(&self, accel: Accel, grace: Option<Duration>) -> Result<Report> {
        let mut command = Command::new(self.qemu);
        match accel {
            // Not `-cpu host`: under nested virtualisation qemu may abort on
            // MSRs the outer hypervisor refuses; the default CPU model suffices.
            Accel::Kvm => command.arg("-enable-kvm"),
            Accel::Tcg | Accel::Auto => command.args(["-accel", "tcg"]),
        };
        let mut append = String::from("console=ttyS0 panic=-1 quiet");
        if let Some(peer) = &self.peer {
            append.push_str(&format!(" nstools.machine={}", peer.name));
            command
                .arg("-netdev")
                .arg(format!(
                    "socket,id=net0,udp=127.0.0.1:{},localaddr=127.0.0.1:{}",
                    peer.other_port, peer.port
                ))
                .args(["-device", &format!("e1000,netdev=net0,mac={}", peer.mac)]);
        }
        command
            .args(["-nographic", "-no-reboot", "-m", "256"])
            .arg("-kernel")
            .arg(self.kernel)
            .arg("-initrd")
            .arg(self.initramfs)
            .arg("-append")
            .arg(append)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        println!("vm: + {}", process::shown(&command));
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {}", self.qemu.display()))?;
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
        let timeout = self.timeout;
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
                    println!("{}| {line}", self.peer.map_or("", |p| p.name));
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
}
