//! When the kernel says EEXIST: which name is taken, in which namespace,
//! and, with `-p`, whether what is there is exactly the pair asked for.
//! Only this failure path pays for these extra requests.

use std::os::fd::{AsFd, AsRawFd, OwnedFd};

use anyhow::anyhow;
use nscore::cli::quote;
use nscore::link::{self, Link};
use nscore::message::Message;
use nscore::netns::Where;
use nscore::rtnl::{attributes, NetlinkError, Rtnl};

use crate::options::Request;

const RTM_NEWNSID: u16 = 88;
const RTM_GETNSID: u16 = 90;
const NETNSA_NSID: u16 = 1;
const NETNSA_FD: u16 = 3;

/// Turns EEXIST into the right message, or into success for `-p` when
/// NAME is the veth whose peer is PEER in the namespace asked for.
pub fn explain(
    rtnl: &mut Rtnl,
    request: &Request,
    peer_fd: Option<&OwnedFd>,
) -> anyhow::Result<()> {
    let ns = Where(request.netns.as_deref());
    let name = quote(&request.name);
    let check = |e: NetlinkError| anyhow!("{name}: cannot inspect the existing interface{ns}: {e}");
    let Some(link) = link::get(rtnl, &request.name).map_err(check)? else {
        // NAME is free, so the kernel refused the peer's name.
        let peer_ns = Where(request.peer_where());
        return Err(anyhow!(
            "{}: interface already exists{peer_ns}",
            quote(&request.peer)
        ));
    };
    if !request.exist_ok {
        return Err(anyhow!("{name}: interface already exists{ns}"));
    }
    match mismatch(rtnl, request, &link, peer_fd).map_err(check)? {
        None => Ok(()),
        Some(why) => Err(anyhow!("{name}: interface already exists{ns}, {why}")),
    }
}

/// None when `link` is a veth whose peer is PEER in the peer namespace
/// asked for; otherwise what differs.
fn mismatch(
    rtnl: &mut Rtnl,
    request: &Request,
    link: &Link,
    peer_fd: Option<&OwnedFd>,
) -> Result<Option<String>, NetlinkError> {
    if link.kind.as_deref() != Some("veth") {
        return Ok(Some(match &link.kind {
            Some(kind) => format!("a {kind}, not a veth"),
            None => "not a veth".into(),
        }));
    }
    let Some(peer_index) = link.link else {
        return Ok(Some("a veth without a peer".into()));
    };
    // Where the peer should be: beside NAME, or in PEER_NS, which the
    // kernel names by an id local to NAME's namespace.
    let wanted_nsid = match peer_fd {
        Some(fd) if !is_current_namespace(fd) => Some(nsid_of(rtnl, fd)?),
        _ => None,
    };
    let elsewhere = || match request.peer_where() {
        Some(ns) => format!("a veth whose peer is not in namespace {ns:?}"),
        None => "a veth whose peer is in another namespace".to_string(),
    };
    let target = match (wanted_nsid, link.link_netnsid) {
        (None, None) => None,
        (Some(Some(wanted)), Some(actual)) if wanted == actual => Some(actual),
        _ => return Ok(Some(elsewhere())),
    };
    let peer = link::query(rtnl, &link::by_index(peer_index, target))?;
    Ok(match peer {
        Some(peer) if peer.name == request.peer => None,
        Some(peer) => Some(format!("a veth whose peer is {}", quote(&peer.name))),
        None => Some(elsewhere()),
    })
}

/// The id the socket's namespace has for namespace `fd` (RTM_GETNSID), or
/// None when it has none (then no link of ours can point there).
pub fn nsid_of(rtnl: &mut Rtnl, fd: &OwnedFd) -> Result<Option<i32>, NetlinkError> {
    let mut message = Message::new(&[0]); // struct rtgenmsg, AF_UNSPEC
    message.put_u32(NETNSA_FD, fd.as_raw_fd() as u32);
    let mut nsid = None;
    rtnl.request(RTM_GETNSID, 0, &message, |reply| {
        if reply.kind == RTM_NEWNSID {
            for (kind, value) in attributes(reply.payload.get(4..).unwrap_or(&[])) {
                if let (NETNSA_NSID, Ok(bytes)) = (kind, <[u8; 4]>::try_from(value)) {
                    nsid = Some(i32::from_ne_bytes(bytes));
                }
            }
        }
    })?;
    Ok(nsid.filter(|&id| id >= 0))
}

/// Whether `fd` is the namespace this thread is in (same nsfs inode).
pub fn is_current_namespace(fd: impl AsFd) -> bool {
    let ours = rustix::fs::stat("/proc/thread-self/ns/net");
    let theirs = rustix::fs::fstat(fd);
    match (ours, theirs) {
        (Ok(a), Ok(b)) => (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_own_namespace_is_recognised() {
        let ours = nscore::netns::open("/proc/self/ns/net").unwrap();
        assert!(is_current_namespace(&ours));
        let other = nscore::netns::open("/proc/1/ns/net");
        // PID 1 may share our namespace; only a different inode must differ.
        if let Ok(other) = other {
            let a = rustix::fs::fstat(&ours).unwrap();
            let b = rustix::fs::fstat(&other).unwrap();
            assert_eq!(is_current_namespace(&other), a.st_ino == b.st_ino);
        }
    }
}
