//! `vethpair -l`: every veth end with the other end of its cable: its name,
//! its operational state, the peer's name and the peer's namespace by name
//! (`-` when beside it, `nsid:N` when no entry of `/run/netns` holds it),
//! one a line, sorted by namespace and name; with
//! `--json`, one array with `ip -j`'s keys and ours. `ip` shows only
//! `veth-red@if2 link-netns blue`; this is the whole cable.
//!
//! A VXLAN end (`--remote`) is a cable to another machine: its far end is
//! the remote address, and where its packets leave, the underlay
//! namespace, named as a peer's namespace is; then its VNI and port (and
//! local address), which both machines must agree on.

use anyhow::anyhow;
use nscore::json::Object;
use nscore::link;
use nscore::listing::{self, Entry, Listed, Request};

use crate::peers;
use crate::remote::vxlan::Settings;

/// One veth end, or one VXLAN end.
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
    /// A VXLAN end's settings; then `nsid` and `peer_netns` say where its
    /// underlay is, and there is no peer.
    pub remote: Option<Settings>,
}

impl Listed for Record {
    fn entry(&self) -> &Entry {
        &self.entry
    }

    /// `veth-blue blue`: the peer (`ifN` when its name could not be
    /// read) and its namespace (`-` beside, `nsid:N` unnamed); for a VXLAN
    /// end `192.168.1.20 host-a vni:42 port:4789 [local:ADDR]`.
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
        let Some(remote) = &self.remote else {
            return vec![peer, peer_netns];
        };
        let mut fields = vec![
            remote
                .remote
                .map_or("-".into(), |a| a.to_string())
                .into_bytes(),
            peer_netns,
            format!("vni:{}", remote.vni).into_bytes(),
            format!("port:{}", remote.port).into_bytes(),
        ];
        fields.extend(remote.local.map(|a| format!("local:{a}").into_bytes()));
        fields
    }

    /// `ip -j`'s `link_netnsid`, and ours: `peer`, `peer_netns`; for a
    /// VXLAN end `remote`, `vni`, `port`, `local`, `underlay_netns`.
    fn keys(&self, object: &mut Object<'_>) {
        if let Some(nsid) = self.nsid {
            object.number("link_netnsid", i64::from(nsid));
        }
        if let Some(remote) = &self.remote {
            if let Some(address) = remote.remote {
                object.string("remote", address.to_string().as_bytes());
            }
            object
                .number("vni", i64::from(remote.vni))
                .number("port", i64::from(remote.port));
            if let Some(local) = remote.local {
                object.string("local", local.to_string().as_bytes());
            }
            if let Some(underlay) = &self.peer_netns {
                object.string("underlay_netns", underlay);
            }
            return;
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
        let mut links = Vec::new();
        let mut remotes = Vec::new();
        link::dump_each(rtnl, |link, reply| {
            remotes.push(Settings::of_reply(reply));
            links.push(link);
        })
        .map_err(failed)?;
        let first = records.len();
        for (end, remote) in links.iter().zip(remotes) {
            if remote.is_some() {
                // Its link is its underlay device, not a peer.
                records.push(Record {
                    entry: Entry::new(netns, end),
                    index: end.index,
                    peer_index: None,
                    peer: None,
                    nsid: end.link_netnsid,
                    peer_netns: None,
                    remote,
                });
                continue;
            }
            if end.kind.as_deref() != Some("veth") {
                continue;
            }
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
                remote: None,
            });
        }
        if request.all {
            peers::by_mirror(rtnl, &mut records, first).map_err(failed)?;
            // An underlay has no mirror to be named by: it is looked for.
            let here = &mut records[first..];
            peers::by_scanning(rtnl, here, |r| r.remote.is_some()).map_err(failed)
        } else {
            peers::by_scanning(rtnl, &mut records[first..], |_| true).map_err(failed)
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
            remote: None,
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

    #[test]
    fn a_vxlan_end_shows_its_remote_and_underlay() {
        let settings = Settings {
            vni: 42,
            remote: "192.168.1.20".parse().ok(),
            local: None,
            port: 4789,
            link: Some(2),
        };
        let mut r = Record {
            peer_index: None,
            remote: Some(settings.clone()),
            ..record(None, Some(0), Some("host-a"))
        };
        let text = |r: &Record| {
            let fields: Vec<String> = r
                .fields()
                .into_iter()
                .map(|f| String::from_utf8(f).unwrap())
                .collect();
            fields.join(" ")
        };
        assert_eq!(text(&r), "192.168.1.20 host-a vni:42 port:4789");
        assert_eq!(
            keys(&r),
            "{\"link_netnsid\":0,\"remote\":\"192.168.1.20\",\"vni\":42,\"port\":4789,\
             \"underlay_netns\":\"host-a\"}"
        );
        r.remote = Some(Settings {
            local: "fd00::1".parse().ok(),
            remote: None,
            ..settings
        });
        (r.nsid, r.peer_netns) = (None, None);
        assert_eq!(text(&r), "- - vni:42 port:4789 local:fd00::1");
        assert_eq!(keys(&r), "{\"vni\":42,\"port\":4789,\"local\":\"fd00::1\"}");
    }
}
