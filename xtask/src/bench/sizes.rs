//! Sizes on disk: each tool and the multi-call binary against `ip` and
//! `ping` with the shared libraries they load, and busybox-static.

use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Result;

use crate::{paths, tools};

fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |m| m.len())
}

/// A dynamic program and the libraries `ldd` says it loads.
fn with_libraries(program: &Path) -> (u64, usize) {
    let mut total = size(program);
    let mut count = 0;
    if let Ok(out) = Command::new("ldd").arg(program).output() {
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let path = line
                .split("=>")
                .nth(1)
                .unwrap_or(line)
                .split_whitespace()
                .next()
                .unwrap_or("");
            if path.starts_with('/') {
                total += size(&PathBuf::from(path));
                count += 1;
            }
        }
    }
    (total, count)
}

pub fn table(dist: &Path) -> Result<String> {
    let mut out = String::from("| binary | bytes | KiB |\n|---|---:|---:|\n");
    let mut row = |name: &str, bytes: u64| {
        let _ = writeln!(out, "| {name} | {bytes} | {:.0} |", bytes as f64 / 1024.0);
    };
    for tool in tools::binaries() {
        row(&format!("{tool} (static)"), size(&dist.join(tool)));
    }
    for program in ["ip", "ping"] {
        if let Some(path) = paths::which(program) {
            let (bytes, libs) = with_libraries(&path);
            row(&format!("{program} + {libs} shared libraries"), bytes);
        }
    }
    if let Some(busybox) = paths::which("busybox") {
        row("busybox (static, all applets)", size(&busybox));
    }
    Ok(out)
}
