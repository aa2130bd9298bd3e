//! Just enough of ELF to tell a static binary from a dynamic one, and to
//! find a section by name (a kernel module's `.modinfo`). A static binary
//! names no program interpreter (no `PT_INTERP`) and needs no shared
//! library (no `DT_NEEDED` in its dynamic section). A static-pie binary, as
//! Rust builds for musl, has a dynamic section for its own relocations but
//! still needs nothing.

use std::fmt;
use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};

const PT_LOAD: u32 = 1;
const PT_DYNAMIC: u32 = 2;
const PT_INTERP: u32 = 3;
const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const DT_STRTAB: u64 = 5;
const ET_DYN: u16 = 3;

/// How a binary is linked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linkage {
    /// The program interpreter (`/lib64/ld-linux-x86-64.so.2`), if any.
    pub interpreter: Option<String>,
    /// The shared libraries it needs, in order.
    pub needed: Vec<String>,
    /// Position independent (`ET_DYN`): static-pie when static.
    pub pie: bool,
}

impl Linkage {
    pub fn is_static(&self) -> bool {
        self.interpreter.is_none() && self.needed.is_empty()
    }
}

impl fmt::Display for Linkage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_static() {
            return f.write_str(if self.pie { "static-pie" } else { "static" });
        }
        f.write_str("dynamic")?;
        if let Some(interpreter) = &self.interpreter {
            write!(f, ", interpreter {interpreter}")?;
        }
        if !self.needed.is_empty() {
            write!(f, ", needs {}", self.needed.join(" "))?;
        }
        Ok(())
    }
}

/// Reads the linkage of the ELF file at `path`.
pub fn linkage_of(path: &Path) -> Result<Linkage> {
    let bytes = std::fs::read(path).with_context(|| format!("{}", path.display()))?;
    linkage(&bytes).with_context(|| format!("{}", path.display()))
}

/// A bounds-checked reader of one ELF class and byte order.
struct Reader<'a> {
    bytes: &'a [u8],
    wide: bool,
    big_endian: bool,
}

impl<'a> Reader<'a> {
    /// A reader for the class and byte order the ELF header names.
    fn new(bytes: &'a [u8]) -> Result<Reader<'a>> {
        if bytes.get(..4) != Some(b"\x7fELF") {
            bail!("not an ELF file");
        }
        let wide = match bytes.get(4) {
            Some(1) => false,
            Some(2) => true,
            _ => bail!("unknown ELF class"),
        };
        let big_endian = match bytes.get(5) {
            Some(1) => false,
            Some(2) => true,
            _ => bail!("unknown ELF byte order"),
        };
        Ok(Reader {
            bytes,
            wide,
            big_endian,
        })
    }

    /// `len` bytes from `at`.
    fn slice(&self, at: u64, len: u64) -> Result<&'a [u8]> {
        let start = usize::try_from(at).map_err(|_| truncated())?;
        let len = usize::try_from(len).map_err(|_| truncated())?;
        let end = start.checked_add(len).ok_or_else(truncated)?;
        self.bytes.get(start..end).ok_or_else(truncated)
    }

    fn field(&self, at: u64, len: usize) -> Result<u64> {
        let raw = self.slice(at, len as u64)?;
        let mut value = 0u64;
        for i in 0..len {
            let byte = if self.big_endian {
                raw[i]
            } else {
                raw[len - 1 - i]
            };
            value = value << 8 | u64::from(byte);
        }
        Ok(value)
    }
    fn u16(&self, at: u64) -> Result<u16> {
        Ok(self.field(at, 2)? as u16)
    }
    fn u32(&self, at: u64) -> Result<u32> {
        Ok(self.field(at, 4)? as u32)
    }
    /// A 32-bit or 64-bit word, as the class says.
    fn word(&self, at: u64) -> Result<u64> {
        self.field(at, if self.wide { 8 } else { 4 })
    }
    fn string(&self, at: u64) -> Result<String> {
        let start = usize::try_from(at).map_err(|_| truncated())?;
        let rest = self.bytes.get(start..).ok_or_else(truncated)?;
        let end = rest.iter().position(|&b| b == 0).ok_or_else(truncated)?;
        Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
    }
}

/// `at + n` as a file offset, an error past the end of the address space.
fn add(at: u64, n: u64) -> Result<u64> {
    at.checked_add(n).ok_or_else(truncated)
}

fn truncated() -> anyhow::Error {
    anyhow!("truncated or corrupt ELF file")
}

struct Segment {
    kind: u32,
    offset: u64,
    vaddr: u64,
    filesz: u64,
}

/// Reads the linkage of an ELF image.
pub fn linkage(bytes: &[u8]) -> Result<Linkage> {
    let r = Reader::new(bytes)?;
    let wide = r.wide;
    let e_type = r.u16(16)?;
    let (phoff, phentsize, phnum) = if wide {
        (r.word(0x20)?, r.u16(0x36)?, r.u16(0x38)?)
    } else {
        (r.word(0x1c)?, r.u16(0x2a)?, r.u16(0x2c)?)
    };
    let segments = (0..u64::from(phnum))
        .map(|i| {
            let at = add(phoff, i * u64::from(phentsize))?;
            Ok(if wide {
                Segment {
                    kind: r.u32(at)?,
                    offset: r.word(add(at, 8)?)?,
                    vaddr: r.word(add(at, 16)?)?,
                    filesz: r.word(add(at, 32)?)?,
                }
            } else {
                Segment {
                    kind: r.u32(at)?,
                    offset: r.word(add(at, 4)?)?,
                    vaddr: r.word(add(at, 8)?)?,
                    filesz: r.word(add(at, 16)?)?,
                }
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let interpreter = match segments.iter().find(|s| s.kind == PT_INTERP) {
        Some(s) => Some(r.string(s.offset)?),
        None => None,
    };
    let mut needed = Vec::new();
    if let Some(dynamic) = segments.iter().find(|s| s.kind == PT_DYNAMIC) {
        let entry = if wide { 16 } else { 8 };
        let mut names = Vec::new();
        let mut strtab = None;
        for i in 0..dynamic.filesz / entry {
            let at = add(dynamic.offset, i * entry)?;
            let tag = r.word(at)?;
            let value = r.word(add(at, entry / 2)?)?;
            match tag {
                DT_NULL => break,
                DT_NEEDED => names.push(value),
                DT_STRTAB => strtab = Some(value),
                _ => {}
            }
        }
        for name in names {
            // The string table is addressed by virtual address: find the
            // loaded segment that holds it to get its place in the file.
            let text = strtab
                .and_then(|table| file_offset(&segments, table.checked_add(name)?))
                .map(|at| r.string(at))
                .transpose()?;
            needed.push(text.unwrap_or_else(|| format!("(unnamed library #{name})")));
        }
    }
    Ok(Linkage {
        interpreter,
        needed,
        pie: e_type == ET_DYN,
    })
}

/// The contents of the section called `name`; `None` when there is none.
pub fn section<'a>(bytes: &'a [u8], name: &str) -> Result<Option<&'a [u8]>> {
    let r = Reader::new(bytes)?;
    // Where the section headers are, their size and number, and which of
    // them holds the section names; then a section's offset and size.
    let (headers, size, count, names, placed) = if r.wide {
        (
            r.word(0x28)?,
            r.u16(0x3a)?,
            r.u16(0x3c)?,
            r.u16(0x3e)?,
            0x18,
        )
    } else {
        (
            r.word(0x20)?,
            r.u16(0x2e)?,
            r.u16(0x30)?,
            r.u16(0x32)?,
            0x10,
        )
    };
    let header = |i: u16| add(headers, u64::from(i) * u64::from(size));
    let place = |i: u16| -> Result<(u64, u64)> {
        let at = add(header(i)?, placed)?;
        let width = if r.wide { 8 } else { 4 };
        Ok((r.word(at)?, r.word(add(at, width)?)?))
    };
    let (names, _) = place(names)?;
    for i in 0..count {
        if r.string(add(names, u64::from(r.u32(header(i)?)?))?)? == name {
            let (offset, size) = place(i)?;
            return r.slice(offset, size).map(Some);
        }
    }
    Ok(None)
}

fn file_offset(segments: &[Segment], vaddr: u64) -> Option<u64> {
    segments
        .iter()
        .filter(|s| s.kind == PT_LOAD)
        .find(|s| vaddr >= s.vaddr && vaddr - s.vaddr < s.filesz)
        .map(|s| vaddr - s.vaddr + s.offset)
}

/// A minimal little-endian ELF64 with a section-name table and one
/// `.modinfo` section holding `modinfo`, as a kernel module has.
#[cfg(test)]
pub fn fake_module(modinfo: &[u8]) -> Vec<u8> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// A little-endian ELF64 image: header, program headers for
    /// `segments` (type, offset, vaddr, size), then `tail` at 0x200.
    fn image(e_type: u16, segments: &[(u32, u64, u64, u64)], tail: &[u8]) -> Vec<u8> {
        let mut b = vec![0u8; 0x200];
        b[..4].copy_from_slice(b"\x7fELF");
        b[4] = 2;
        b[5] = 1;
        b[16..18].copy_from_slice(&e_type.to_le_bytes());
        b[0x20..0x28].copy_from_slice(&64u64.to_le_bytes());
        b[0x36..0x38].copy_from_slice(&56u16.to_le_bytes());
        b[0x38..0x3a].copy_from_slice(&(segments.len() as u16).to_le_bytes());
        for (i, &(kind, offset, vaddr, size)) in segments.iter().enumerate() {
            let at = 64 + i * 56;
            b[at..at + 4].copy_from_slice(&kind.to_le_bytes());
            b[at + 8..at + 16].copy_from_slice(&offset.to_le_bytes());
            b[at + 16..at + 24].copy_from_slice(&vaddr.to_le_bytes());
            b[at + 32..at + 40].copy_from_slice(&size.to_le_bytes());
        }
        b.extend_from_slice(tail);
        b
    }

    fn dyn_entries(entries: &[(u64, u64)]) -> Vec<u8> {
        entries
            .iter()
            .flat_map(|&(t, v)| [t.to_le_bytes(), v.to_le_bytes()].concat())
            .collect()
    }

    #[test]
    fn no_segments_is_static() {
        let l = linkage(&image(2, &[], &[])).unwrap();
        assert!(l.is_static());
        assert_eq!(l.to_string(), "static");
    }

    #[test]
    fn an_interpreter_makes_it_dynamic() {
        let l = linkage(&image(3, &[(PT_INTERP, 0x200, 0, 8)], b"/ld.so\0")).unwrap();
        assert!(!l.is_static());
        assert_eq!(l.interpreter.as_deref(), Some("/ld.so"));
        assert_eq!(l.to_string(), "dynamic, interpreter /ld.so");
    }

    #[test]
    fn needed_libraries_are_named_through_the_string_table() {
        // Dynamic section at 0x200; strings at 0x240, loaded at 0x1240.
        let mut tail = dyn_entries(&[(DT_NEEDED, 1), (DT_STRTAB, 0x1240), (DT_NULL, 0)]);
        tail.resize(0x40, 0);
        tail.extend_from_slice(b"\0libc.so.6\0");
        let segs = [
            (PT_LOAD, 0x200, 0x1200, 0x100),
            (PT_DYNAMIC, 0x200, 0x1200, 0x30),
        ];
        let l = linkage(&image(3, &segs, &tail)).unwrap();
        assert_eq!(l.needed, ["libc.so.6"]);
        assert_eq!(l.to_string(), "dynamic, needs libc.so.6");
    }

    #[test]
    fn a_dynamic_section_without_needs_is_static_pie() {
        let tail = dyn_entries(&[(DT_STRTAB, 0x1240), (DT_NULL, 0), (DT_NEEDED, 1)]);
        let segs = [(PT_LOAD, 0, 0, 0x300), (PT_DYNAMIC, 0x200, 0x200, 0x30)];
        let l = linkage(&image(3, &segs, &tail)).unwrap();
        assert!(l.is_static(), "entries after DT_NULL do not count");
        assert_eq!(l.to_string(), "static-pie");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(linkage(b"").is_err());
        assert!(linkage(b"#!/bin/sh\n").is_err());
        let full = image(3, &[(PT_INTERP, 0x200, 0, 8)], b"/ld.so\0");
        for len in 0..full.len() {
            let _ = linkage(&full[..len]);
        }
        assert!(linkage(&full[..0x60]).is_err(), "program header cut short");
        let huge = image(
            3,
            &[
                (PT_INTERP, u64::MAX, 0, 8),
                (PT_DYNAMIC, u64::MAX - 4, 0, 64),
            ],
            &[],
        );
        assert!(linkage(&huge).is_err());
    }

    #[test]
    fn sections_are_found_by_name() {
        let module = fake_module(b"depends=\0");
        assert_eq!(
            section(&module, ".modinfo").unwrap(),
            Some(&b"depends=\0"[..])
        );
        assert_eq!(
            section(&module, ".shstrtab").unwrap().map(<[u8]>::len),
            Some(20)
        );
        assert_eq!(section(&module, ".text").unwrap(), None);
        for len in 0..module.len() {
            let _ = section(&module[..len], ".modinfo");
        }
        assert!(section(&module[..module.len() - 40], ".modinfo").is_err());
    }

    #[test]
    fn this_test_binary_is_dynamic() {
        let me = std::env::current_exe().unwrap();
        let l = linkage_of(&me).unwrap();
        assert!(!l.is_static(), "{l}");
        assert!(l.needed.iter().any(|n| n.starts_with("libc.so")), "{l}");
    }

    #[test]
    fn bin_true_is_dynamic() {
        let l = linkage_of(Path::new("/bin/true")).unwrap();
        assert!(l.interpreter.is_some() && !l.needed.is_empty(), "{l}");
    }

    /// Builds a tiny Rust program with `rustc` and returns its linkage.
    fn build(test: &str, args: &[&str]) -> Linkage {
        let dir = std::env::temp_dir().join(format!("xtask-elf-{}-{test}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let source = dir.join("hello.rs");
        std::fs::write(&source, "fn main() { println!(\"hello\"); }\n").unwrap();
        let out = dir.join("hello");
        let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
        let status = Command::new(rustc)
            .args(args)
            .args(["-C", "opt-level=1", "-o"])
            .arg(&out)
            .arg(&source)
            .status()
            .unwrap();
        assert!(status.success(), "rustc {args:?} failed");
        let l = linkage_of(&out).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        l
    }

    #[test]
    fn a_musl_build_is_static() {
        // CI installs the target (rustup target add x86_64-unknown-linux-musl).
        let l = build("musl", &["--target", crate::dist::MUSL]);
        assert!(l.is_static(), "{l}");
    }

    #[test]
    fn a_crt_static_glibc_build_is_static() {
        let l = build("glibc", &["-C", "target-feature=+crt-static"]);
        assert!(l.is_static(), "{l}");
    }

    #[test]
    fn a_default_build_is_dynamic() {
        let l = build("default", &[]);
        assert!(!l.is_static() && l.interpreter.is_some(), "{l}");
    }
}
