//! What the listings share (`nsadd -l`, `vethpair -l`, `ipassign -l`,
//! `linkup -l`): what one asks for, the namespaces it visits (`-n NS`, or
//! every named one with `-A`), the devices it is limited to, and names
//! written so that one record stays one line.

use std::os::fd::AsFd;
use std::os::unix::ffi::OsStrExt;

use anyhow::anyhow;
use rustix::io::Errno;
use rustix::thread::LinkNameSpaceType;

use crate::cli::{print_stdout, quote, quote_os, reason, Given};
use crate::entry;
use crate::json::{Array, Object};
use crate::link::{self, no_such_interface, operstate_name};
use crate::netns::Where;
use crate::rtnl::Rtnl;

/// A listing as the command line asks for it.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Request {
    /// `-n NS` (or the current namespace when None).
    pub netns: Option<String>,
    /// `-A`: every named namespace instead.
    pub all: bool,
    /// `--json`: one JSON array instead of text lines.
    pub json: bool,
    /// Only these devices (checked names); empty: all.
    pub devices: Vec<String>,
}

impl Request {
    /// The listing a command line asks for: of the devices its operands
    /// name (all when none), their names checked.
    pub fn new(given: Given) -> anyhow::Result<Request> {
        crate::names::ifnames(&given.operands)?;
        if let Some(ns) = &given.netns {
            crate::netns::path_of(ns)?;
        }
        Ok(Request {
            netns: given.netns,
            all: given.all,
            json: given.json,
            devices: given.operands,
        })
    }

    /// Runs `each` with a netlink socket in every namespace listed: NS (or
    /// the current one), or with `-A` each live entry of `/run/netns` in
    /// order, with its name. A namespace that vanishes meanwhile, or an
    /// entry that holds none, is skipped.
    pub fn visit(
        &self,
        mut each: impl FnMut(Option<&[u8]>, &mut Rtnl) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        if !self.all {
            let mut rtnl = link::socket(self.netns.as_deref())?;
            return each(None, &mut rtnl);
        }
        for name in entry::names()? {
            let Some(fd) = entry::open_live(&name) else {
                continue;
            };
            match rustix::thread::move_into_link_name_space(
                fd.as_fd(),
                Some(LinkNameSpaceType::Network),
            ) {
                Ok(()) => {}
                // Another kind of namespace mounted there: not ours to list.
                Err(Errno::INVAL) => continue,
                Err(e) => {
                    return Err(anyhow!(
                        "{}: cannot enter namespace: {}",
                        quote_os(&name),
                        reason(e.raw_os_error(), "CAP_SYS_ADMIN")
                    ))
                }
            }
            let mut rtnl = Rtnl::open().map_err(|e| anyhow!("cannot open netlink socket: {e}"))?;
            each(Some(name.as_bytes()), &mut rtnl)?;
        }
        Ok(())
    }

    /// Tracks which of the devices asked for were found.
    pub fn wanted(&self) -> Wanted<'_> {
        Wanted {
            devices: &self.devices,
            found: vec![false; self.devices.len()],
        }
    }

    /// How the namespace listed is named in messages.
    pub fn scope(&self) -> Where<'_> {
        Where(self.netns.as_deref())
    }

    /// ` in namespace "red"`: the namespace being visited (its name with
    /// `-A`, else as `-n` gave it), for messages.
    pub fn place(&self, visited: Option<&[u8]>) -> String {
        match visited {
            Some(name) => Where(Some(&String::from_utf8_lossy(name))).to_string(),
            None => self.scope().to_string(),
        }
    }
}

/// What every record of a link listing starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The namespace the link is in, by name (`-A` only).
    pub netns: Option<Vec<u8>>,
    pub name: Vec<u8>,
    /// `IFLA_OPERSTATE`.
    pub operstate: u8,
}

impl Entry {
    pub fn new(netns: Option<&[u8]>, link: &link::Link) -> Entry {
        Entry {
            netns: netns.map(<[u8]>::to_vec),
            name: link.name.clone(),
            operstate: link.operstate,
        }
    }
}

/// A record of a link listing: its [`Entry`], then what the tool adds.
pub trait Listed {
    fn entry(&self) -> &Entry;
    /// The fields of the text line after the name and the state.
    fn fields(&self) -> Vec<Vec<u8>>;
    /// The keys of the JSON object after `ifname` and `operstate`.
    fn keys(&self, object: &mut Object<'_>);
}

/// Prints `records`, sorted by namespace and name: text lines
/// (`[NETNS] NAME STATE FIELDS...`), or one JSON array with `--json`.
pub fn print<R: Listed>(request: &Request, records: &mut [R]) -> anyhow::Result<()> {
    print_stdout(render(request.json, records))
}

fn render<R: Listed>(json: bool, records: &mut [R]) -> Vec<u8> {
    records.sort_by(|a, b| {
        let (a, b) = (a.entry(), b.entry());
        (&a.netns, &a.name).cmp(&(&b.netns, &b.name))
    });
    let mut text = Vec::new();
    let mut array = Array::new();
    for record in records.iter() {
        let entry = record.entry();
        let state = operstate_name(entry.operstate).as_bytes();
        if json {
            let mut object = array.object();
            if let Some(netns) = &entry.netns {
                object.string("netns", netns);
            }
            object
                .string("ifname", &entry.name)
                .string("operstate", state);
            record.keys(&mut object);
        } else {
            let fields = record.fields();
            let head = [&entry.name[..], state];
            let all = head.into_iter().chain(fields.iter().map(Vec::as_slice));
            line(&mut text, entry.netns.as_deref(), all);
        }
    }
    if json {
        array.finish()
    } else {
        text
    }
}

/// The devices a listing is limited to, and which of them it met.
pub struct Wanted<'a> {
    devices: &'a [String],
    found: Vec<bool>,
}

impl Wanted<'_> {
    /// Whether the device called `name` is to be listed (noting it found).
    pub fn wants(&mut self, name: &[u8]) -> bool {
        if self.devices.is_empty() {
            return true;
        }
        match self.devices.iter().position(|d| d.as_bytes() == name) {
            Some(i) => {
                self.found[i] = true;
                true
            }
            None => false,
        }
    }

    /// An error naming the first device asked for and found nowhere.
    pub fn check(&self, request: &Request) -> anyhow::Result<()> {
        let Some(i) = self.found.iter().position(|&found| !found) else {
            return Ok(());
        };
        let device = &self.devices[i];
        if request.all {
            return Err(anyhow!(
                "{}: no such interface in any named namespace",
                quote(device)
            ));
        }
        Err(no_such_interface(device, request.scope()))
    }
}

/// Appends `name` as a text listing shows it: control characters as C
/// escapes (`\n`, `\t`, `\r`, else octal `\ooo`), a backslash doubled, and
/// a byte that is not UTF-8 in octal; anything else as it is. So a record
/// stays one line, and `printf` turns the text back into the name.
pub fn escape(name: &[u8], out: &mut Vec<u8>) {
    for chunk in name.utf8_chunks() {
        for c in chunk.valid().chars() {
            let mut utf8 = [0; 4];
            match c {
                '\\' => out.extend_from_slice(b"\\\\"),
                '\n' => out.extend_from_slice(b"\\n"),
                '\t' => out.extend_from_slice(b"\\t"),
                '\r' => out.extend_from_slice(b"\\r"),
                c if c.is_control() => c.encode_utf8(&mut utf8).bytes().for_each(|b| octal(b, out)),
                c => out.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes()),
            }
        }
        chunk.invalid().iter().for_each(|&b| octal(b, out));
    }
}

fn octal(byte: u8, out: &mut Vec<u8>) {
    out.extend_from_slice(&[
        b'\\',
        b'0' + (byte >> 6),
        b'0' + (byte >> 3 & 7),
        b'0' + (byte & 7),
    ]);
}

/// Appends the fields of one text record, space apart, led by the
/// namespace's name when there is one (`-A`), and ends the line.
pub fn line<'a>(
    out: &mut Vec<u8>,
    netns: Option<&'a [u8]>,
    fields: impl IntoIterator<Item = &'a [u8]>,
) {
    let mut first = true;
    for field in netns.into_iter().chain(fields) {
        if !first {
            out.push(b' ');
        }
        first = false;
        escape(field, out);
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(name: &[u8]) -> String {
        let mut out = Vec::new();
        escape(name, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn plain_names_are_listed_as_they_are() {
        for name in ["red", "ns 1", "é", "-x", "a'b\"c"] {
            assert_eq!(escaped(name.as_bytes()), name);
        }
    }

    #[test]
    fn control_characters_are_escaped_as_printf_reads_them() {
        assert_eq!(escaped(b"a\nb"), "a\\nb");
        assert_eq!(escaped(b"a\tb\r"), "a\\tb\\r");
        assert_eq!(escaped(b"\x1b[31m\x7f"), "\\033[31m\\177");
        assert_eq!(escaped(b"a\\nb"), "a\\\\nb");
        assert_eq!(escaped("\u{85}".as_bytes()), "\\302\\205");
        assert_eq!(escaped(b"x\xffy"), "x\\377y");
    }

    #[test]
    fn lines_are_led_by_the_namespace() {
        let mut out = Vec::new();
        line(&mut out, None, [&b"lo"[..], b"UNKNOWN"]);
        line(&mut out, Some(b"a\nb"), [&b"v\x01"[..]]);
        assert_eq!(out, b"lo UNKNOWN\na\\nb v\\001\n");
    }

    struct Demo(Entry, &'static str);

    impl Listed for Demo {
        fn entry(&self) -> &Entry {
            &self.0
        }
        fn fields(&self) -> Vec<Vec<u8>> {
            vec![self.1.into(), b"x".to_vec()]
        }
        fn keys(&self, object: &mut Object<'_>) {
            object.string("more", self.1.as_bytes());
        }
    }

    #[test]
    fn records_are_sorted_and_rendered() {
        let demo = |netns: Option<&str>, name: &str, state: u8, more| {
            let netns = netns.map(|n| n.as_bytes().to_vec());
            let name = name.into();
            Demo(
                Entry {
                    netns,
                    name,
                    operstate: state,
                },
                more,
            )
        };
        let mut records = [
            demo(Some("red"), "veth-red", 6, "a"),
            demo(Some("blue"), "x\"y", 2, "b"),
            demo(Some("blue"), "lo", 0, "c"),
        ];
        assert_eq!(
            String::from_utf8(render(false, &mut records)).unwrap(),
            "blue lo UNKNOWN c x\nblue x\"y DOWN b x\nred veth-red UP a x\n"
        );
        assert_eq!(
            String::from_utf8(render(true, &mut records)).unwrap(),
            "[{\"netns\":\"blue\",\"ifname\":\"lo\",\"operstate\":\"UNKNOWN\",\"more\":\"c\"},\
             {\"netns\":\"blue\",\"ifname\":\"x\\\"y\",\"operstate\":\"DOWN\",\"more\":\"b\"},\
             {\"netns\":\"red\",\"ifname\":\"veth-red\",\"operstate\":\"UP\",\"more\":\"a\"}]\n"
        );
        let mut none: [Demo; 0] = [];
        assert_eq!(render(true, &mut none), b"[]\n");
        assert_eq!(render(false, &mut none), b"");
    }

    #[test]
    fn requests_check_their_names() {
        let given = |netns: Option<&str>, devices: &[&str]| Given {
            netns: netns.map(String::from),
            json: true,
            operands: devices.iter().map(|d| d.to_string()).collect(),
            ..Given::default()
        };
        let ok = Request::new(given(Some("red"), &["lo"])).unwrap();
        assert!(ok.json && ok.devices == ["lo"] && ok.netns.as_deref() == Some("red"));
        let message = |netns: Option<&str>, devices: &[&str]| {
            let e = Request::new(given(netns, devices)).unwrap_err();
            assert!(e.is::<crate::cli::UsageError>(), "{e}");
            e.to_string()
        };
        assert_eq!(message(None, &["a", "a"]), "a: interface given twice");
        assert_eq!(
            message(None, &["a:1"]),
            "a:1: invalid interface name: may not contain ':'"
        );
        assert_eq!(
            message(Some(".."), &[]),
            "..: invalid namespace name: may not be \".\" or \"..\""
        );
    }

    #[test]
    fn devices_asked_for_must_be_found() {
        let request = Request {
            netns: Some("red".into()),
            devices: vec!["a".into(), "b".into()],
            ..Request::default()
        };
        let mut wanted = request.wanted();
        assert!(wanted.wants(b"a") && !wanted.wants(b"c"));
        assert_eq!(
            wanted.check(&request).unwrap_err().to_string(),
            "b: no such interface in namespace \"red\""
        );
        assert!(wanted.wants(b"b"));
        assert!(wanted.check(&request).is_ok());
        let all = Request {
            all: true,
            devices: vec!["x".into()],
            ..Request::default()
        };
        assert_eq!(
            all.wanted().check(&all).unwrap_err().to_string(),
            "x: no such interface in any named namespace"
        );
        let any = Request::default();
        assert!(any.wanted().wants(b"anything"));
    }
}
