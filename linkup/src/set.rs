//! The change itself: RTM_NEWLINK with the change mask set to IFF_UP only,
//! so the kernel touches that flag and leaves every other one alone.

use anyhow::anyhow;
use nscore::cli::quote;
use nscore::link::{self, is_no_device, no_such_interface, Link, IFF_UP, IFLA_IFNAME};
use nscore::message::{ifinfomsg, Message};
use nscore::netns::Where;
use nscore::rtnl::{NetlinkError, Rtnl, RTM_NEWLINK};

use crate::options::Request;
use crate::wait::{self, Watch};

/// Sets every device of `request` up or down (all of them, or none), then
/// waits for them to run when asked to.
pub fn set(request: &Request) -> anyhow::Result<()> {
    let ns = Where(request.netns.as_deref());
    let mut rtnl = link::socket(request.netns.as_deref())?;
    // Listening before the change: its events cannot be missed.
    let mut watch = request.wait.map(|_| Watch::open()).transpose()?;
    change_all(&mut rtnl, request, ns)?;
    match (&mut watch, request.wait) {
        (Some(watch), Some(limit)) => {
            wait::until_running(&mut rtnl, watch, &request.devices, limit, ns)
        }
        _ => Ok(()),
    }
}

fn change_all(rtnl: &mut Rtnl, request: &Request, ns: Where<'_>) -> anyhow::Result<()> {
    if let [device] = request.devices.as_slice() {
        // One device: addressed by name, the kernel looks it up (and says
        // ENODEV when it is not there), so there is no round trip of ours.
        return change(rtnl, 0, Some(device), request.up)
            .map_err(|e| failure(device, request.up, ns, e));
    }
    // Several: look each up first, so that a missing one changes nothing,
    // and keep their state to undo what was done if a later one fails.
    let links = request
        .devices
        .iter()
        .map(|device| link::resolve(rtnl, device, ns))
        .collect::<anyhow::Result<Vec<Link>>>()?;
    for (done, link) in links.iter().enumerate() {
        if let Err(e) = change(rtnl, link.index, None, request.up) {
            for earlier in &links[..done] {
                if earlier.is_up() != request.up {
                    let _ = change(rtnl, earlier.index, None, earlier.is_up());
                }
            }
            return Err(failure(&link.name_lossy(), request.up, ns, e));
        }
    }
    Ok(())
}

/// One RTM_NEWLINK: by index, or by name when `index` is 0.
pub fn change(
    rtnl: &mut Rtnl,
    index: u32,
    name: Option<&str>,
    up: bool,
) -> Result<(), NetlinkError> {
    rtnl.ack(RTM_NEWLINK, 0, &request(index, name, up))
}

fn request(index: u32, name: Option<&str>, up: bool) -> Message {
    let flags = if up { IFF_UP } else { 0 };
    let mut message = Message::new(&ifinfomsg(index, flags, IFF_UP));
    if let Some(name) = name {
        message.put_str(IFLA_IFNAME, name);
    }
    message
}

pub fn failure(device: &str, up: bool, ns: Where<'_>, error: NetlinkError) -> anyhow::Error {
    if is_no_device(&error) {
        return no_such_interface(device, ns);
    }
    let state = if up { "up" } else { "down" };
    anyhow!("{}: cannot set {state}{ns}: {error}", quote(device))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nscore::rtnl::attributes;

    #[test]
    fn the_change_mask_is_iff_up_alone() {
        let up = request(0, Some("veth-red"), true);
        let b = up.bytes();
        assert_eq!(&b[4..8], &0u32.to_ne_bytes()); // by name
        assert_eq!(&b[8..12], &IFF_UP.to_ne_bytes()); // flags
        assert_eq!(&b[12..16], &IFF_UP.to_ne_bytes()); // change mask
        let attrs: Vec<_> = attributes(&b[16..]).collect();
        assert_eq!(attrs, vec![(IFLA_IFNAME, &b"veth-red\0"[..])]);

        let down = request(7, None, false);
        let b = down.bytes();
        assert_eq!(b.len(), 16);
        assert_eq!(&b[4..8], &7u32.to_ne_bytes());
        assert_eq!(&b[8..12], &0u32.to_ne_bytes());
        assert_eq!(&b[12..16], &IFF_UP.to_ne_bytes());
    }

    #[test]
    fn errors_name_the_device_and_namespace() {
        let e = failure(
            "veth-red",
            true,
            Where(Some("red")),
            NetlinkError::from_errno(19),
        );
        assert_eq!(
            e.to_string(),
            "veth-red: no such interface in namespace \"red\""
        );
        let e = failure("eth0", false, Where(None), NetlinkError::from_errno(1));
        assert_eq!(
            e.to_string(),
            "eth0: cannot set down: Operation not permitted (needs CAP_NET_ADMIN)"
        );
    }

    #[test]
    fn the_bytes_are_what_netlink_packet_route_emits() {
        use netlink_packet_core::Emitable;
        use netlink_packet_route::link::{LinkAttribute, LinkFlags, LinkMessage};
        for (index, name, up) in [(3, None, true), (0, Some("veth-red"), false)] {
            let mut link = LinkMessage::default();
            link.header.index = index;
            link.header.flags = if up {
                LinkFlags::Up
            } else {
                LinkFlags::empty()
            };
            link.header.change_mask = LinkFlags::Up;
            link.attributes
                .extend(name.map(|n: &str| LinkAttribute::IfName(n.into())));
            let mut expected = vec![0; link.buffer_len()];
            link.emit(&mut expected);
            assert_eq!(request(index, name, up).bytes(), &expected[..]);
        }
    }
}
