//! Where a veth's peer is, by name: the entry of `/run/netns` whose
//! namespace has the id (link-netnsid) that the listed namespace gives the
//! peer's. A namespace's id can only be asked of the namespace that gave
//! it (RTM_GETNSID on the other's file, from a socket inside), so each
//! candidate costs one open and one request. Alone, every entry is a
//! candidate until all ids are found; with `-A`, the candidates are the
//! ends listed before that mirror this one (each the other's peer by name
//! and index), nearly always one, so listing every namespace stays linear.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;

use nscore::entry;
use nscore::rtnl::{NetlinkError, Rtnl};

use crate::list::Record;
use crate::nsid::nsid_of;

/// Names the namespaces of the peers elsewhere among those of `records`
/// (all in the socket's namespace) that are `asked` and not yet placed,
/// by asking about each entry of `/run/netns`.
pub fn by_scanning(
    rtnl: &mut Rtnl,
    records: &mut [Record],
    asked: impl Fn(&Record) -> bool,
) -> Result<(), NetlinkError> {
    let unplaced = |r: &&mut Record| r.peer_netns.is_none() && asked(r);
    let mut wanted: Vec<i32> = records
        .iter_mut()
        .filter(unplaced)
        .filter_map(|r| r.nsid)
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(());
    }
    let Ok(names) = entry::names() else {
        return Ok(()); // no names to give: ids it is
    };
    for name in names {
        let Some(fd) = entry::open_live(&name) else {
            continue;
        };
        let Some(id) = nsid_of(rtnl, &fd)? else {
            continue;
        };
        if let Some(at) = wanted.iter().position(|&w| w == id) {
            wanted.swap_remove(at);
            for r in records
                .iter_mut()
                .filter(unplaced)
                .filter(|r| r.nsid == Some(id))
            {
                r.peer_netns = Some(name.as_bytes().to_vec());
            }
            if wanted.is_empty() {
                break;
            }
        }
    }
    Ok(())
}

/// With `-A`: names the namespaces of the peers elsewhere among
/// `records[first..]` (the namespace just visited, the socket's) from the
/// ends listed before, and theirs from these.
pub fn by_mirror(
    rtnl: &mut Rtnl,
    records: &mut [Record],
    first: usize,
) -> Result<(), NetlinkError> {
    let (earlier, here) = records.split_at_mut(first);
    for end in here.iter_mut().filter(|r| r.nsid.is_some()) {
        for other in earlier.iter_mut() {
            if !mirrors(end, other) {
                continue;
            }
            let Some(name) = other.entry.netns.clone() else {
                continue;
            };
            let Some(fd) = entry::open_live(OsStr::from_bytes(&name)) else {
                continue;
            };
            if nsid_of(rtnl, &fd)? == end.nsid {
                other.peer_netns = end.entry.netns.clone();
                end.peer_netns = Some(name);
                break;
            }
        }
    }
    Ok(())
}

/// Whether `a` and `b`, in two namespaces, are each other's peer by name
/// and index, neither yet placed.
fn mirrors(a: &Record, b: &Record) -> bool {
    a.entry.netns != b.entry.netns
        && b.nsid.is_some()
        && a.peer_netns.is_none()
        && b.peer_netns.is_none()
        && a.peer_index == Some(b.index)
        && b.peer_index == Some(a.index)
        && a.peer.as_deref() == Some(&b.entry.name[..])
        && b.peer.as_deref() == Some(&a.entry.name[..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(netns: &str, index: u32, name: &str, peer_index: u32, peer: &str) -> Record {
        Record {
            entry: nscore::listing::Entry {
                netns: Some(netns.into()),
                name: name.into(),
                operstate: 0,
            },
            index,
            peer_index: Some(peer_index),
            peer: Some(peer.into()),
            nsid: Some(0),
            peer_netns: None,
            remote: None,
        }
    }

    #[test]
    fn ends_mirror_by_name_and_index_across_namespaces() {
        let red = end("red", 2, "veth-red", 2, "veth-blue");
        let blue = end("blue", 2, "veth-blue", 2, "veth-red");
        assert!(mirrors(&red, &blue) && mirrors(&blue, &red));
        let other = end("green", 2, "veth-blue", 3, "veth-red");
        assert!(!mirrors(&red, &other), "another index");
        let same = end("red", 2, "veth-blue", 2, "veth-red");
        assert!(!mirrors(&red, &same), "one namespace");
        let placed = Record {
            peer_netns: Some(b"red".to_vec()),
            ..end("blue", 2, "veth-blue", 2, "veth-red")
        };
        assert!(!mirrors(&red, &placed), "already placed");
    }
}
