//! `linkup -l`: link states as `ip -br link` shows them: each interface's
//! name, operational state and flags, one a line, sorted by namespace and
//! name; with `--json`, one array with `ip -j`'s keys. Only the few
//! attributes printed are decoded.

use anyhow::anyhow;
use nscore::json::Object;
use nscore::link::{self, Link, IFF_RUNNING, IFF_UP};
use nscore::listing::{self, Entry, Listed, Request};

struct Record {
    entry: Entry,
    flags: Vec<String>,
}

impl Listed for Record {
    fn entry(&self) -> &Entry {
        &self.entry
    }

    /// `LOOPBACK,UP,LOWER_UP`; `-` for none.
    fn fields(&self) -> Vec<Vec<u8>> {
        if self.flags.is_empty() {
            return vec![b"-".to_vec()];
        }
        vec![self.flags.join(",").into_bytes()]
    }

    fn keys(&self, object: &mut Object<'_>) {
        object.strings("flags", self.flags.iter().map(|f| f.as_bytes()));
    }
}

pub fn list(request: &Request) -> anyhow::Result<()> {
    let mut wanted = request.wanted();
    let mut records = Vec::new();
    request.visit(|netns, rtnl| {
        let links = link::dump(rtnl)
            .map_err(|e| anyhow!("cannot list interfaces{}: {e}", request.place(netns)))?;
        for link in &links {
            if wanted.wants(&link.name) {
                records.push(Record {
                    entry: Entry::new(netns, link),
                    flags: flag_names(link, &links),
                });
            }
        }
        Ok(())
    })?;
    wanted.check(request)?;
    listing::print(request, &mut records)
}

/// The `IFF_*` flags by name, in the order `ip` prints them.
const FLAGS: [(u32, &str); 18] = [
    (0x8, "LOOPBACK"),
    (0x2, "BROADCAST"),
    (0x10, "POINTOPOINT"),
    (0x1000, "MULTICAST"),
    (0x80, "NOARP"),
    (0x200, "ALLMULTI"),
    (0x100, "PROMISC"),
    (0x400, "MASTER"),
    (0x800, "SLAVE"),
    (0x4, "DEBUG"),
    (0x8000, "DYNAMIC"),
    (0x4000, "AUTOMEDIA"),
    (0x2000, "PORTSEL"),
    (0x20, "NOTRAILERS"),
    (0x1, "UP"),
    (0x1_0000, "LOWER_UP"),
    (0x2_0000, "DORMANT"),
    (0x4_0000, "ECHO"),
];

/// The flags of `link` as `ip` words them: NO-CARRIER when up but not
/// running, each flag set, any unnamed bits in hex, and M-DOWN when the
/// link it sits on (beside it in `links`: a veth's peer) is down.
fn flag_names(link: &Link, links: &[Link]) -> Vec<String> {
    let mut names = Vec::new();
    let mut flags = link.flags;
    if flags & IFF_UP != 0 && flags & IFF_RUNNING == 0 {
        names.push("NO-CARRIER".to_string());
    }
    flags &= !IFF_RUNNING;
    for (bit, name) in FLAGS {
        if flags & bit != 0 {
            flags &= !bit;
            names.push(name.to_string());
        }
    }
    if flags != 0 {
        names.push(format!("{flags:x}"));
    }
    let lower_down = match (link.link, link.link_netnsid) {
        (Some(index), None) if index != 0 => !links.iter().any(|l| l.index == index && l.is_up()),
        _ => false,
    };
    if lower_down {
        names.push("M-DOWN".to_string());
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(index: u32, flags: u32, peer: Option<u32>) -> Link {
        Link {
            index,
            flags,
            link: peer,
            ..Link::default()
        }
    }

    #[test]
    fn flags_read_as_ip_prints_them() {
        let lo = link(1, 0x1 | 0x8 | 0x40 | 0x1_0000, None);
        assert_eq!(flag_names(&lo, &[]), ["LOOPBACK", "UP", "LOWER_UP"]);
        // Up, its peer down: no carrier, and the peer is named down.
        let va = link(2, 0x1 | 0x2 | 0x1000, Some(3));
        let vb = link(3, 0x2 | 0x1000, Some(2));
        let both = [va.clone(), vb.clone()];
        assert_eq!(
            flag_names(&va, &both),
            ["NO-CARRIER", "BROADCAST", "MULTICAST", "UP", "M-DOWN"]
        );
        assert_eq!(flag_names(&vb, &both), ["BROADCAST", "MULTICAST"]);
        let far = Link {
            link_netnsid: Some(0),
            ..va.clone()
        };
        assert_eq!(flag_names(&far, &[]).last().unwrap(), "UP");
        assert_eq!(
            flag_names(&link(4, 0x8_0000 | 0x2, None), &[]),
            ["BROADCAST", "80000"]
        );
        assert!(flag_names(&link(5, 0, None), &[]).is_empty());
    }

    #[test]
    fn records_as_fields_and_keys() {
        let record = |flags: &[&str]| Record {
            entry: Entry {
                netns: None,
                name: b"lo".to_vec(),
                operstate: 0,
            },
            flags: flags.iter().map(|f| f.to_string()).collect(),
        };
        assert_eq!(
            record(&["LOOPBACK", "UP"]).fields(),
            [b"LOOPBACK,UP".to_vec()]
        );
        assert_eq!(record(&[]).fields(), [b"-".to_vec()]);
        let mut out = Vec::new();
        record(&["UP"]).keys(&mut Object::new(&mut out));
        assert_eq!(out, b"{\"flags\":[\"UP\"]}");
    }
}
