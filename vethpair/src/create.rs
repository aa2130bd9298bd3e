//! The pair itself: one RTM_NEWLINK with NLM_F_CREATE | NLM_F_EXCL that
//! makes both ends, each in its namespace from birth.
//!
//! With `-n NS` the request is sent from inside NS (setns, then the socket),
//! so NAME is created there and looked up there: a kernel before 6.14 looks
//! an existing NAME up in the sender's namespace, not in the one given by
//! IFLA_NET_NS_FD, and would mistake a same-named interface next to us for
//! a collision. The peer gets IFLA_NET_NS_FD inside VETH_INFO_PEER when it
//! goes elsewhere; without it the kernel puts it next to the sender, NS.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};

use anyhow::{anyhow, Context};
use nscore::cli::{quote, usage};
use nscore::link::{
    self, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINKINFO, IFLA_NET_NS_FD,
};
use nscore::message::{ifinfomsg, Message};
use nscore::netns::{self, Where};
use nscore::rtnl::{Rtnl, NLM_F_CREATE, NLM_F_EXCL, RTM_NEWLINK};

use crate::options::Request;
use crate::{existing, nsid};

const VETH_INFO_PEER: u16 = 1;
const EEXIST: i32 = 17;

pub fn create(request: &Request) -> anyhow::Result<()> {
    // Both namespaces are opened first: a missing one stops us before
    // anything is created anywhere.
    let ns_fd = request.netns.as_deref().map(netns::open).transpose()?;
    let peer_fd: Option<OwnedFd> = request.peer_netns.as_deref().map(netns::open).transpose()?;
    if let (Some(fd), Some(ns)) = (&ns_fd, &request.netns) {
        netns::enter_fd(fd).with_context(|| format!("{}: cannot enter namespace", quote(ns)))?;
    }
    let elsewhere = peer_fd
        .as_ref()
        .filter(|fd| !nsid::is_current_namespace(fd));
    let mut rtnl = link::socket(None)?;
    send(&mut rtnl, request, elsewhere).map(drop)
}

/// Asks for the pair on `rtnl`, a socket in NAME's namespace, PEER going
/// to the namespace `peer_elsewhere` (None: beside NAME). `Ok(false)`:
/// the pair was there already, and `-p` makes that fine.
#[inline(never)] // one copy for the command line and a batch (size)
pub fn send(
    rtnl: &mut Rtnl,
    request: &Request,
    peer_elsewhere: Option<&OwnedFd>,
) -> anyhow::Result<bool> {
    if request.name == request.peer && peer_elsewhere.is_none() {
        return Err(usage(format!(
            "{}: both ends would have the same name in the same namespace",
            quote(&request.name)
        )));
    }
    let message = pair(
        &request.name,
        &request.peer,
        peer_elsewhere.map(|fd| fd.as_raw_fd()),
    );
    let error = match rtnl.ack(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &message) {
        Ok(()) => return Ok(true),
        Err(error) => error,
    };
    if error.errno == EEXIST {
        return existing::explain(rtnl, request, peer_elsewhere).map(|()| false);
    }
    Err(anyhow!(
        "{}: cannot create veth pair with {}{}: {error}",
        quote(&request.name),
        quote(&request.peer),
        Where(request.netns.as_deref())
    ))
}

/// The RTM_NEWLINK payload for a veth pair NAME / PEER, the peer created
/// in the namespace `peer_ns` when given.
fn pair(name: &str, peer: &str, peer_ns: Option<RawFd>) -> Message {
    let mut message = Message::new(&ifinfomsg(0, 0, 0));
    message.put_str(IFLA_IFNAME, name).nest(IFLA_LINKINFO, |m| {
        m.put_str(IFLA_INFO_KIND, "veth").nest(IFLA_INFO_DATA, |m| {
            m.nest(VETH_INFO_PEER, |m| {
                m.raw(&ifinfomsg(0, 0, 0)).put_str(IFLA_IFNAME, peer);
                if let Some(fd) = peer_ns {
                    m.put_u32(IFLA_NET_NS_FD, fd as u32);
                }
            });
        });
    });
    message
}

#[cfg(test)]
mod tests {
    use super::*;
    use nscore::rtnl::attributes;

    fn only(bytes: &[u8]) -> (u16, &[u8]) {
        let all: Vec<_> = attributes(bytes).collect();
        assert_eq!(all.len(), 1, "{all:?}");
        all[0]
    }

    #[test]
    fn one_message_describes_both_ends() {
        let m = pair("veth-red", "veth-blue", Some(7));
        let b = m.bytes();
        assert_eq!(&b[..16], &[0; 16]);
        let top: Vec<_> = attributes(&b[16..]).collect();
        assert_eq!(top[0], (IFLA_IFNAME, &b"veth-red\0"[..]));
        assert_eq!(
            top.len(),
            2,
            "no IFLA_NET_NS_FD for NAME: sent from its namespace"
        );
        let (kind, info) = top[1];
        assert_eq!(kind, IFLA_LINKINFO);
        let info: Vec<_> = attributes(info).collect();
        assert_eq!(info[0], (IFLA_INFO_KIND, &b"veth\0"[..]));
        assert_eq!(info[1].0, IFLA_INFO_DATA);
        let (kind, peer) = only(info[1].1);
        assert_eq!(kind, VETH_INFO_PEER);
        assert_eq!(&peer[..16], &[0; 16]);
        let peer: Vec<_> = attributes(&peer[16..]).collect();
        assert_eq!(
            peer,
            vec![
                (IFLA_IFNAME, &b"veth-blue\0"[..]),
                (IFLA_NET_NS_FD, &7u32.to_ne_bytes()[..])
            ]
        );
    }

    #[test]
    fn a_peer_without_namespace_stays_beside_name() {
        let m = pair("a", "b", None);
        let top: Vec<_> = attributes(&m.bytes()[16..]).collect();
        let info: Vec<_> = attributes(top[1].1).collect();
        let (_, peer) = only(info[1].1);
        assert_eq!(only(&peer[16..]), (IFLA_IFNAME, &b"b\0"[..]));
    }

    #[test]
    fn the_bytes_are_what_netlink_packet_route_emits() {
        use netlink_packet_core::Emitable;
        use netlink_packet_route::link::{
            InfoData, InfoKind, InfoVeth, LinkAttribute, LinkInfo, LinkMessage,
        };
        for peer_ns in [None, Some(7)] {
            let mut peer = LinkMessage::default();
            peer.attributes = vec![LinkAttribute::IfName("veth-blue".into())];
            peer.attributes.extend(peer_ns.map(LinkAttribute::NetNsFd));
            let mut link = LinkMessage::default();
            link.attributes = vec![
                LinkAttribute::IfName("veth-red".into()),
                LinkAttribute::LinkInfo(vec![
                    LinkInfo::Kind(InfoKind::Veth),
                    LinkInfo::Data(InfoData::Veth(InfoVeth::Peer(peer))),
                ]),
            ];
            let mut expected = vec![0; link.buffer_len()];
            link.emit(&mut expected);
            assert_eq!(
                pair("veth-red", "veth-blue", peer_ns).bytes(),
                &expected[..]
            );
        }
    }
}
