//! A writer for the "newc" cpio format (`070701` headers), the format the
//! kernel unpacks an initramfs from. Uncompressed: the kernel takes it as it
//! is. Every entry belongs to root, with mtime 0, so the archive is the same
//! for the same input.

/// An archive being built in memory.
#[derive(Debug)]
pub struct Archive {
    bytes: Vec<u8>,
    next_inode: u32,
}

const S_IFDIR: u32 = 0o040_000;
const S_IFREG: u32 = 0o100_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFCHR: u32 = 0o020_000;

impl Default for Archive {
    fn default() -> Archive {
        Archive::new()
    }
}

impl Archive {
    pub fn new() -> Archive {
        Archive {
            bytes: Vec::new(),
            next_inode: 1,
        }
    }

    /// A directory; `path` is relative to the root, as `bin` or `dev`.
    pub fn dir(&mut self, path: &str, permissions: u32) {
        self.entry(path, S_IFDIR | permissions, 2, (0, 0), &[]);
    }

    pub fn file(&mut self, path: &str, permissions: u32, data: &[u8]) {
        self.entry(path, S_IFREG | permissions, 1, (0, 0), data);
    }

    pub fn symlink(&mut self, path: &str, target: &str) {
        self.entry(path, S_IFLNK | 0o777, 1, (0, 0), target.as_bytes());
    }

    /// A character device node, such as `dev/console` (5, 1).
    pub fn char_device(&mut self, path: &str, permissions: u32, major: u32, minor: u32) {
        self.entry(path, S_IFCHR | permissions, 1, (major, minor), &[]);
    }

    /// The archive with its `TRAILER!!!` entry.
    pub fn finish(mut self) -> Vec<u8> {
        self.header("TRAILER!!!", 0, 0, 1, (0, 0), 0);
        self.bytes
    }

    fn entry(&mut self, path: &str, mode: u32, links: u32, rdev: (u32, u32), data: &[u8]) {
        let inode = self.next_inode;
        self.next_inode += 1;
        let size = u32::try_from(data.len()).expect("newc holds files under 4 GiB");
        self.header(path, inode, mode, links, rdev, size);
        self.bytes.extend_from_slice(data);
        self.pad();
    }

    fn header(
        &mut self,
        name: &str,
        inode: u32,
        mode: u32,
        links: u32,
        rdev: (u32, u32),
        size: u32,
    ) {
        assert!(
            !name.is_empty() && !name.starts_with('/') && !name.contains('\0'),
            "cpio name {name:?}"
        );
        let name_size = name.len() as u32 + 1;
        let fields = [
            inode, mode, 0, // uid
            0, // gid
            links, 0, // mtime
            size, 0, // dev major
            0, // dev minor
            rdev.0, rdev.1, name_size, 0, // check
        ];
        self.bytes.extend_from_slice(b"070701");
        for field in fields {
            self.bytes
                .extend_from_slice(format!("{field:08X}").as_bytes());
        }
        self.bytes.extend_from_slice(name.as_bytes());
        self.bytes.push(0);
        self.pad();
    }

    /// Header plus name, and data, each end on a multiple of four bytes.
    fn pad(&mut self) {
        while self.bytes.len() & 3 != 0 {
            self.bytes.push(0);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::{Command, Stdio};

    fn sample() -> Vec<u8> {
        let mut archive = Archive::new();
        archive.dir("bin", 0o755);
        archive.dir("dev", 0o755);
        archive.char_device("dev/console", 0o600, 5, 1);
        archive.file("init", 0o755, b"#!init\n");
        archive.file("bin/nstools", 0o755, b"payload");
        archive.symlink("bin/nsadd", "nstools");
        archive.file("empty", 0o644, b"");
        archive.finish()
    }

    #[test]
    fn headers_and_padding_follow_newc() {
        let bytes = sample();
        assert_eq!(&bytes[..6], b"070701");
        assert_eq!(bytes.len() % 4, 0);
        // The first header: inode 1, a directory 0755, two links, "bin\0".
        let header = std::str::from_utf8(&bytes[6..110]).unwrap();
        assert_eq!(&header[..8], "00000001");
        assert_eq!(&header[8..16], "000041ED");
        assert_eq!(&header[32..40], "00000002");
        assert_eq!(&header[88..96], "00000004");
        assert_eq!(&bytes[110..114], b"bin\0");
        assert_eq!(&bytes[114..116], b"\0\0", "header and name padded to 116");
        assert_eq!(&bytes[116..122], b"070701");
        let trailer = b"TRAILER!!!\0";
        let at = bytes
            .windows(trailer.len())
            .rposition(|w| w == trailer)
            .unwrap();
        assert!(bytes[at + trailer.len()..].iter().all(|&b| b == 0));
    }

    fn cpio(args: &[&str], archive: &[u8], dir: &std::path::Path) -> Option<String> {
        use std::io::Write;
        let mut child = match Command::new("cpio")
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
        {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if std::env::var_os("CI").is_some_and(|v| v == "true") {
                    panic!("cpio is not installed, and CI=true");
                }
                eprintln!("cpio is not installed: skipped");
                return None;
            }
            Err(e) => panic!("cpio: {e}"),
        };
        child.stdin.take().unwrap().write_all(archive).unwrap();
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "cpio {args:?}: {stderr}");
        assert!(!stderr.contains("warning"), "cpio {args:?}: {stderr}");
        Some(String::from_utf8(out.stdout).unwrap())
    }

    #[test]
    fn cpio_lists_every_entry() {
        let dir = std::env::temp_dir();
        let Some(names) = cpio(&["-t", "--quiet"], &sample(), &dir) else {
            return;
        };
        assert_eq!(
            names.lines().collect::<Vec<_>>(),
            [
                "bin",
                "dev",
                "dev/console",
                "init",
                "bin/nstools",
                "bin/nsadd",
                "empty"
            ]
        );
        let Some(long) = cpio(&["-tv", "--quiet"], &sample(), &dir) else {
            return;
        };
        let kinds: Vec<String> = long.lines().map(|l| l[..10].to_string()).collect();
        assert_eq!(
            kinds,
            [
                "drwxr-xr-x",
                "drwxr-xr-x",
                "crw-------",
                "-rwxr-xr-x",
                "-rwxr-xr-x",
                "lrwxrwxrwx",
                "-rw-r--r--"
            ]
        );
        assert!(long.contains("bin/nsadd -> nstools"), "{long}");
        assert!(long.lines().nth(2).unwrap().contains("5,"), "{long}");
    }

    #[test]
    fn cpio_extracts_contents_and_links() {
        let dir = std::env::temp_dir().join(format!("xtask-cpio-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let extract = [
            "-i",
            "--quiet",
            "--make-directories",
            "init",
            "bin/*",
            "empty",
        ];
        if cpio(&extract, &sample(), &dir).is_some() {
            assert_eq!(std::fs::read(dir.join("init")).unwrap(), b"#!init\n");
            assert_eq!(std::fs::read(dir.join("bin/nstools")).unwrap(), b"payload");
            assert_eq!(
                std::fs::read_link(dir.join("bin/nsadd")).unwrap().to_str(),
                Some("nstools")
            );
            assert_eq!(std::fs::read(dir.join("empty")).unwrap(), b"");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
