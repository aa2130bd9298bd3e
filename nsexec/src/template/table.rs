//! The caller's mount table, read once when a template is made: whether
//! every mount propagates (is shared), and the mounts directly on `/run`
//! other than the namespaces of `/run/netns` (and the templates' own
//! directory), which the template gets copies of.

use std::path::PathBuf;

use nscore::netns::RUN_DIR;

/// What a template needs to know of the caller's mounts.
#[derive(Debug, PartialEq, Eq)]
pub struct Table {
    /// Every mount is shared, so mounts made later reach a slave copy.
    pub all_shared: bool,
    /// `/run` is a mount of its own (the parent of `/run/netns`).
    pub run_mounted: bool,
    /// The mount points of the mounts directly on `/run`, but for those of
    /// `/run/netns` and of `skip`.
    pub on_run: Vec<PathBuf>,
}

/// Reads `/proc/thread-self/mountinfo`; lines are
/// `ID PARENT DEV ROOT POINT OPTIONS [OPTIONAL...] - TYPE SOURCE ...`.
pub fn read(skip: &str) -> Option<Table> {
    let text = std::fs::read("/proc/thread-self/mountinfo").ok()?;
    Some(parse(&text, skip))
}

fn parse(text: &[u8], skip: &str) -> Table {
    let lines: Vec<Vec<&[u8]>> = text
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| l.split(|&b| b == b' ').collect())
        .collect();
    let point = |fields: &Vec<&[u8]>| fields.get(4).map(|p| unescape(p)).unwrap_or_default();
    let inside = |p: &PathBuf, dir: &str| p.as_os_str() == dir || p.starts_with(dir);
    let mut table = Table {
        all_shared: true,
        run_mounted: false,
        on_run: Vec::new(),
    };
    let mut run_ids = Vec::new();
    for fields in &lines {
        let p = point(fields);
        let shared = fields
            .iter()
            .skip(6)
            .take_while(|f| **f != b"-")
            .any(|f| f.starts_with(b"shared:"));
        if !shared && !inside(&p, skip) {
            table.all_shared = false;
        }
        if p.as_os_str() == "/run" {
            table.run_mounted = true;
            run_ids.extend(fields.first().copied());
        }
    }
    for fields in &lines {
        let p = point(fields);
        let on_run = fields.get(1).is_some_and(|parent| run_ids.contains(parent));
        if on_run && !inside(&p, RUN_DIR) && !inside(&p, skip) && !table.on_run.contains(&p) {
            table.on_run.push(p);
        }
    }
    table
}

/// A mount point as mountinfo escapes it (`\040` for a space).
fn unescape(field: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStringExt;
    let mut out = Vec::with_capacity(field.len());
    let mut i = 0;
    while i < field.len() {
        let octal = field
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|b| (b'0'..=b'7').contains(b)));
        match (field[i], octal) {
            (b'\\', Some(d)) => {
                out.push((d[0] - b'0') * 64 + (d[1] - b'0') * 8 + (d[2] - b'0'));
                i += 4;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    PathBuf::from(std::ffi::OsString::from_vec(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: &str = "\
22 1 0:21 / / rw shared:1 - ext4 /dev/vda rw
30 22 0:25 / /run rw,nosuid shared:5 - tmpfs tmpfs rw
31 30 0:25 /netns /run/netns rw shared:5 - tmpfs tmpfs rw
32 31 0:4 net:[1] /run/netns/red rw shared:6 - nsfs nsfs rw
33 30 0:4 net:[1] /run/netns/red rw shared:6 - nsfs nsfs rw
34 30 0:26 / /run/user/1000 rw shared:7 - tmpfs u rw
35 34 0:27 / /run/user/1000/doc rw shared:8 - fuse doc rw
36 30 0:25 /nstools /run/nstools rw - tmpfs tmpfs rw
37 30 0:28 / /run/my\\040lock rw shared:9 - tmpfs l rw
";

    #[test]
    fn mounts_on_run_but_the_namespaces_are_found() {
        let t = parse(TABLE.as_bytes(), "/run/nstools");
        assert!(t.all_shared && t.run_mounted);
        assert_eq!(
            t.on_run,
            [
                PathBuf::from("/run/user/1000"),
                PathBuf::from("/run/my lock")
            ]
        );
    }

    #[test]
    fn a_private_mount_or_no_run_mount_is_seen() {
        let private = TABLE.replace(" shared:7 ", " ");
        assert!(!parse(private.as_bytes(), "/run/nstools").all_shared);
        let no_run = "22 1 0:21 / / rw shared:1 - ext4 /dev/vda rw\n";
        let t = parse(no_run.as_bytes(), "/run/nstools");
        assert!(t.all_shared && !t.run_mounted && t.on_run.is_empty());
    }
}
