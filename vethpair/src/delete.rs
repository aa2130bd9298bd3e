//! `-d`: delete veth pairs, one RTM_DELLINK per pair (the kernel takes
//! the peer with the end it deletes, wherever the peer is), and VXLAN
//! ends. Every name is looked up and checked first, so a missing name or
//! one that is not a veth stops the run before anything is deleted.

use anyhow::anyhow;
use nscore::cli::quote;
use nscore::link::{self, is_no_device, no_such_interface, Link};
use nscore::message::{ifinfomsg, Message};
use nscore::netns::Where;
use nscore::rtnl::{Rtnl, RTM_DELLINK};

use crate::options::Delete;

pub fn delete(request: &Delete) -> anyhow::Result<()> {
    let mut rtnl = link::socket(request.netns.as_deref())?;
    delete_on(&mut rtnl, request).map(drop)
}

/// Deletes with `rtnl`, a socket in the namespace of the names; returns
/// how many pairs (and VXLAN ends) went.
#[inline(never)] // one copy for the command line and a batch (size)
pub fn delete_on(rtnl: &mut Rtnl, request: &Delete) -> anyhow::Result<usize> {
    let ns = Where(request.netns.as_deref());
    let mut ends: Vec<Link> = Vec::new();
    for name in &request.names {
        let found = link::get(rtnl, name)
            .map_err(|e| anyhow!("{}: cannot look up interface{ns}: {e}", quote(name)))?;
        match found {
            Some(end) => ends.push(veth(end, ns)?),
            None if request.force => {}
            None => return Err(no_such_interface(name, ns)),
        }
    }
    let mut deleted = 0;
    for (i, end) in ends.iter().enumerate() {
        if ends[..i].iter().any(|earlier| same_pair(earlier, end)) {
            continue; // its pair went with the earlier end
        }
        let message = Message::new(&ifinfomsg(end.index, 0, 0));
        match rtnl.ack(RTM_DELLINK, 0, &message) {
            Ok(()) => deleted += 1,
            // Gone since we looked: what was asked for.
            Err(e) if is_no_device(&e) => {}
            Err(e) => {
                return Err(anyhow!(
                    "{}: cannot delete{ns}: {e}",
                    quote(&end.name_lossy())
                ))
            }
        }
    }
    Ok(deleted)
}

/// The link, when it is a veth or a VXLAN end (a cable to another
/// machine); otherwise the error that says what it is.
fn veth(end: Link, ns: Where<'_>) -> anyhow::Result<Link> {
    match end.kind.as_deref() {
        Some("veth" | "vxlan") => Ok(end),
        Some(kind) => Err(anyhow!(
            "{}: a {kind}, not a veth{ns}",
            quote(&end.name_lossy())
        )),
        None => Err(anyhow!("{}: not a veth{ns}", quote(&end.name_lossy()))),
    }
}

/// Whether `b` is the peer of `a`, beside it in the same namespace (a
/// VXLAN end's link is its underlay device, which stays).
fn same_pair(a: &Link, b: &Link) -> bool {
    let veth = |l: &Link| l.kind.as_deref() == Some("veth");
    veth(a) && veth(b) && a.link_netnsid.is_none() && a.link == Some(b.index)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn end(index: u32, name: &str, peer: u32, kind: Option<&str>) -> Link {
        Link {
            index,
            name: name.into(),
            link: Some(peer),
            kind: kind.map(String::from),
            ..Link::default()
        }
    }

    #[test]
    fn only_veths_are_taken() {
        assert!(veth(end(2, "va", 3, Some("veth")), Where(None)).is_ok());
        assert!(veth(end(2, "vx", 3, Some("vxlan")), Where(None)).is_ok());
        let e = veth(end(1, "lo", 1, None), Where(Some("red"))).unwrap_err();
        assert_eq!(e.to_string(), "lo: not a veth in namespace \"red\"");
        let e = veth(end(4, "br0", 4, Some("bridge")), Where(None)).unwrap_err();
        assert_eq!(e.to_string(), "br0: a bridge, not a veth");
    }

    #[test]
    fn both_ends_given_make_one_pair() {
        let (a, b) = (end(2, "va", 3, Some("veth")), end(3, "vb", 2, Some("veth")));
        assert!(same_pair(&a, &b));
        let far = Link {
            link_netnsid: Some(0),
            ..a.clone()
        };
        assert!(!same_pair(&far, &b), "an index elsewhere is another link");
        assert!(!same_pair(&a, &end(4, "vc", 5, Some("veth"))));
        let vxlan_over_b = end(6, "vx", 3, Some("vxlan"));
        assert!(
            !same_pair(&vxlan_over_b, &b),
            "b is its device, not its peer"
        );
    }
}
