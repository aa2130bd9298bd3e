//! `ipassign -l`: addresses as `ip -br addr` shows them: each interface's
//! name, operational state and every address as ADDR/LEN (IPv4 first, in
//! the kernel's order), one interface a line, sorted by namespace and
//! name; with `--json`, one array with `ip -j`'s keys. Only the few
//! attributes printed are decoded.

use std::io::Write;
use std::net::IpAddr;

use anyhow::anyhow;
use nscore::json::Object;
use nscore::link;
use nscore::listing::{self, Entry, Listed, Request};

use crate::present::{self, Present};

struct Record {
    entry: Entry,
    addresses: Vec<Present>,
}

impl Listed for Record {
    fn entry(&self) -> &Entry {
        &self.entry
    }

    /// `10.0.0.1/24 fe80::1/64`: each address the interface's own, as
    /// ADDR/LEN (a point-to-point peer shows in JSON only).
    fn fields(&self) -> Vec<Vec<u8>> {
        let text = |a: &Present| format!("{}/{}", a.local, a.prefix).into_bytes();
        self.addresses.iter().map(text).collect()
    }

    /// `"addr_info":[{"family":"inet","local":"10.0.0.1","prefixlen":24}]`,
    /// with the peer's `address` where there is one, as `ip -j` writes it.
    fn keys(&self, object: &mut Object<'_>) {
        let out = object.key("addr_info");
        out.push(b'[');
        for (i, a) in self.addresses.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let mut info = Object::new(out);
            let family = match a.local {
                IpAddr::V4(_) => "inet",
                IpAddr::V6(_) => "inet6",
            };
            info.string("family", family.as_bytes());
            let _ = write!(info.key("local"), "\"{}\"", a.local);
            if a.address != a.local {
                let _ = write!(info.key("address"), "\"{}\"", a.address);
            }
            info.number("prefixlen", i64::from(a.prefix));
        }
        out.push(b']');
    }
}

pub fn list(request: &Request) -> anyhow::Result<()> {
    let mut wanted = request.wanted();
    let mut records = Vec::new();
    request.visit(|netns, rtnl| {
        let failed = |e| anyhow!("cannot list addresses{}: {e}", request.place(netns));
        let links = link::dump(rtnl).map_err(failed)?;
        let mut addresses = present::all(rtnl, 0).map_err(failed)?;
        for link in &links {
            if !wanted.wants(&link.name) {
                continue;
            }
            let (mine, others) = addresses.into_iter().partition(|(on, _)| *on == link.index);
            addresses = others;
            records.push(Record {
                entry: Entry::new(netns, link),
                addresses: mine.into_iter().map(|(_, a)| a).collect::<Vec<_>>(),
            });
        }
        Ok(())
    })?;
    wanted.check(request)?;
    listing::print(request, &mut records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(addresses: &[(&str, &str, u8)]) -> Record {
        let present = |&(local, address, prefix): &(&str, &str, u8)| Present {
            local: local.parse().unwrap(),
            address: address.parse().unwrap(),
            prefix,
            record: Vec::new(),
        };
        Record {
            entry: Entry {
                netns: None,
                name: b"lo".to_vec(),
                operstate: 0,
            },
            addresses: addresses.iter().map(present).collect(),
        }
    }

    #[test]
    fn addresses_as_fields_and_keys() {
        let both = record(&[("127.0.0.1", "127.0.0.1", 8), ("::1", "::1", 128)]);
        assert_eq!(
            both.fields(),
            [b"127.0.0.1/8".to_vec(), b"::1/128".to_vec()]
        );
        let mut out = Vec::new();
        both.keys(&mut Object::new(&mut out));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"addr_info\":[{\"family\":\"inet\",\"local\":\"127.0.0.1\",\"prefixlen\":8},\
             {\"family\":\"inet6\",\"local\":\"::1\",\"prefixlen\":128}]}"
        );
        let peer = record(&[("10.0.0.9", "10.0.0.10", 32)]);
        assert_eq!(peer.fields(), [b"10.0.0.9/32".to_vec()]);
        let mut out = Vec::new();
        peer.keys(&mut Object::new(&mut out));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"addr_info\":[{\"family\":\"inet\",\"local\":\"10.0.0.9\",\"address\":\"10.0.0.10\",\"prefixlen\":32}]}"
        );
        let mut out = Vec::new();
        record(&[]).keys(&mut Object::new(&mut out));
        assert_eq!(out, b"{\"addr_info\":[]}");
        assert!(record(&[]).fields().is_empty());
    }
}
