//! `vethpair -l`: every veth end with the other end of its cable: its name,
//! its operational state, the peer's name and the peer's namespace by name
//! (`-` when beside it, `nsid:N` when no entry of `/run/netns` holds it),
//! one a line, sorted by namespace and name; with
//! `--json`, one array with `ip -j`'s keys and ours. `ip` shows only
//! `veth-red@if2 link-netns blue`; this is the whole cable.

use anyhow::anyhow;
use nscore::json::Object;
use nscore::link;
use nscore::listing::{self, Entry, Listed, Request};

use crate::peers;

/// One veth end.
pub struct Record {
    pub entry: Entry,
    pub index: u32,
    /// The peer's index, in the peer's namespace.
    pub peer_index: Option<u32>,
    /// The peer's name, when it could be read.
    pub peer: Option<Vec<u8>>,
    /// Where the peer is, as an id in this namespace; None: beside it.
    pub nsid: Option<i32>,
    /// The entry of `/run/netns` the peer's namespace is, when found.
    pub peer_netns: Option<Vec<u8>>,
}

impl Listed for Record {
    fn entry(&self) -> &Entry {
        &self.entry
    }

    /// `veth-blue blue`: the peer (`ifN` when its name could not be
    /// read) and its namespace (`-` beside, `nsid:N` unnamed).
    fn fields(&self) -> Vec<Vec<u8>> {
        let peer = match (&self.peer, self.peer_index) {
            (Some(name), _) => name.clone(),
            (None, Some(index)) => format!("if{index}").into_bytes(),
            (None, None) => b"-".to_vec(),
        };
        let peer_netns = match (&self.peer_netns, self.nsid) {
            (Some(name), _) => name.clone(),
            (None, Some(nsid)) => format!("nsid:{nsid}").into_bytes(),
            (None, None) => b"-".to_vec(),
        };
        vec![peer, peer_netns]
    }

    /// `ip -j`'s `link_netnsid`, and ours: `peer`, `peer_netns`.
    fn keys(&self, object: &mut Object<'_>) {
        if let Some(nsid) = self.nsid {
            object.number("link_netnsid", i64::from(nsid));
        }
        if let Some(peer) = &self.peer {
            object.string("peer", peer);
        }
        if let Some(peer_netns) = &self.peer_netns {
            object.string("peer_netns", peer_netns);
        }
    }
}

pub fn list(request: &Request) -> anyhow::Result<()> {
    let mut records: Vec<Record> = Vec::new();
    request.visit(|netns, rtnl| {
        let failed = |e| anyhow!("cannot list veth pairs{}: {e}", request.place(netns));
        let links = link::dump(rtnl).map_err(failed)?;
        let first = records.len();
        for end in links.iter().filter(|l| l.kind.as_deref() == Some("veth")) {
            let peer = match (end.link, end.link_netnsid) {
                (Some(index), None) => links
                    .iter()
                    .find(|l| l.index == index)
                    .map(|l| l.name.clone()),
                // Elsewhere: asked of the kernel by the peer's namespace id;
                // a namespace we may not look into leaves it unnamed.
                (Some(index), nsid) => link::query(rtnl, &link::by_index(index, nsid))
                    .ok()
                    .flatten()
                    .map(|l| l.name),
                (None, _) => None,
            };
            records.push(Record {
                entry: Entry::new(netns, end),
                index: end.index,
                peer_index: end.link,
                peer,
                nsid: end.link_netnsid,
                peer_netns: None,
            });
        }
        if request.all {
            peers::by_mirror(rtnl, &mut records, first).map_err(failed)
        } else {
            peers::by_scanning(rtnl, &mut records[first..]).map_err(failed)
        }
    })?;
    listing::print(request, &mut records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(peer: Option<&str>, nsid: Option<i32>, netns: Option<&str>) -> Record {
        Record {
            entry: Entry {
                netns: None,
                name: b"va".to_vec(),
                operstate: 6,
            },
            index: 2,
            peer_index: Some(3),
            peer: peer.map(Into::into),
            nsid,
            peer_netns: netns.map(Into::into),
        }
    }

    fn keys(r: &Record) -> String {
        let mut out = Vec::new();
        r.keys(&mut Object::new(&mut out));
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_other_end_as_fields_and_keys() {
        let beside = record(Some("vb"), None, None);
        assert_eq!(beside.fields(), [b"vb".to_vec(), b"-".to_vec()]);
        assert_eq!(keys(&beside), "{\"peer\":\"vb\"}");
        let named = record(Some("veth-blue"), Some(0), Some("blue"));
        assert_eq!(named.fields(), [b"veth-blue".to_vec(), b"blue".to_vec()]);
        assert_eq!(
            keys(&named),
            "{\"link_netnsid\":0,\"peer\":\"veth-blue\",\"peer_netns\":\"blue\"}"
        );
        let unnamed = record(None, Some(4), None);
        assert_eq!(unnamed.fields(), [b"if3".to_vec(), b"nsid:4".to_vec()]);
        assert_eq!(keys(&unnamed), "{\"link_netnsid\":4}");
    }
}
