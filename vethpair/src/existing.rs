//! When the kernel says EEXIST: which name is taken, in which namespace,
//! and, with `-p`, whether what is there is exactly the pair asked for.
//! Only this failure path pays for these extra requests.

use std::os::fd::OwnedFd;

use anyhow::anyhow;
use nscore::cli::quote;
use nscore::link::{self, Link};
use nscore::netns::Where;
use nscore::rtnl::{NetlinkError, Rtnl};

use crate::nsid::nsid_of;
use crate::options::Request;

/// Turns EEXIST into the right message, or into success for `-p` when
/// NAME is the veth whose peer is PEER in the namespace asked for
/// (`peer_elsewhere`; None: beside NAME).
pub fn explain(
    rtnl: &mut Rtnl,
    request: &Request,
    peer_elsewhere: Option<&OwnedFd>,
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
    match mismatch(rtnl, request, &link, peer_elsewhere).map_err(check)? {
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
    peer_elsewhere: Option<&OwnedFd>,
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
    let wanted_nsid = match peer_elsewhere {
        Some(fd) => Some(nsid_of(rtnl, fd)?),
        None => None,
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
        Some(peer) if peer.name == request.peer.as_bytes() => None,
        Some(peer) => Some(format!(
            "a veth whose peer is {}",
            quote(&peer.name_lossy())
        )),
        None => Some(elsewhere()),
    })
}
