//! The underlay's MTU toward the far end, when no `--dev` names the
//! device: the kernel sizes a VXLAN end from its lower device only when
//! it is given one (otherwise 1500, and every full-size frame would be
//! fragmented on a 1500-byte underlay). So we ask the underlay's routing
//! table, as `ip route get ADDR [from LOCAL]` does, which device the
//! packets leave by, and take its MTU (or the route's, when lower).

use std::net::IpAddr;

use nscore::link::{is_no_device, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS};
use nscore::message::{ifinfomsg, Message};
use nscore::rtnl::{attributes, NetlinkError, Rtnl, IFINFOMSG_LEN, RTM_GETLINK, RTM_NEWLINK};

use super::vxlan::IFLA_MTU;

const RTM_NEWROUTE: u16 = 24;
const RTM_GETROUTE: u16 = 26;
const RTA_DST: u16 = 1;
const RTA_SRC: u16 = 2;
const RTA_OIF: u16 = 4;
const RTA_METRICS: u16 = 8;
const RTAX_MTU: u16 = 2;
/// `struct rtmsg`: family, dst_len, src_len, tos, table, protocol, scope,
/// type, flags.
const RTMSG_LEN: usize = 12;
/// The least MTU a VXLAN end takes (ETH_MIN_MTU), as the kernel clamps it.
const MIN_MTU: u32 = 68;

/// The MTU of the underlay path from `local` (or any address) to `remote`:
/// the outgoing device's, or the route's own when it has a lower one.
pub fn path_mtu(
    rtnl: &mut Rtnl,
    remote: IpAddr,
    local: Option<IpAddr>,
) -> Result<u32, NetlinkError> {
    let mut oif = None;
    let mut route_mtu = None;
    rtnl.request(RTM_GETROUTE, 0, &route_query(remote, local), |reply| {
        if reply.kind != RTM_NEWROUTE {
            return;
        }
        for (kind, value) in attributes(reply.payload.get(RTMSG_LEN..).unwrap_or(&[])) {
            match kind {
                RTA_OIF => oif = word(value),
                RTA_METRICS => {
                    route_mtu = attributes(value)
                        .find(|&(kind, _)| kind == RTAX_MTU)
                        .and_then(|(_, v)| word(v))
                        .filter(|&mtu| mtu != 0);
                }
                _ => {}
            }
        }
    })?;
    let device_mtu = match oif {
        Some(index) => device_mtu(rtnl, index)?,
        None => None,
    };
    // A route with neither (a blackhole) is refused by the kernel first.
    Ok(match (device_mtu, route_mtu) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).unwrap_or(1500),
    })
}

/// The MTU a VXLAN end over a path of MTU `path` gets, as the kernel
/// computes it from a lower device: less the encapsulation, at least 68.
pub fn end_mtu(path: u32, overhead: u32) -> u32 {
    path.saturating_sub(overhead).max(MIN_MTU)
}

/// `ip route get REMOTE [from LOCAL]`.
fn route_query(remote: IpAddr, local: Option<IpAddr>) -> Message {
    let (family, bits) = match remote {
        IpAddr::V4(_) => (2u8, 32u8), // AF_INET
        IpAddr::V6(_) => (10, 128),   // AF_INET6
    };
    let src_len = if local.is_some() { bits } else { 0 };
    let mut header = [0u8; RTMSG_LEN];
    header[..3].copy_from_slice(&[family, bits, src_len]);
    let mut message = Message::new(&header);
    message.put(RTA_DST, &octets(remote));
    if let Some(local) = local {
        message.put(RTA_SRC, &octets(local));
    }
    message
}

fn octets(ip: IpAddr) -> Vec<u8> {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

/// The MTU of interface `index`, if it still exists.
fn device_mtu(rtnl: &mut Rtnl, index: u32) -> Result<Option<u32>, NetlinkError> {
    let mut query = Message::new(&ifinfomsg(index, 0, 0));
    query.put_u32(IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
    let mut mtu = None;
    let outcome = rtnl.request(RTM_GETLINK, 0, &query, |reply| {
        if reply.kind == RTM_NEWLINK {
            mtu = attributes(reply.payload.get(IFINFOMSG_LEN..).unwrap_or(&[]))
                .find(|&(kind, _)| kind == IFLA_MTU)
                .and_then(|(_, v)| word(v));
        }
    });
    match outcome {
        Err(e) if !is_no_device(&e) => Err(e),
        _ => Ok(mtu),
    }
}

fn word(value: &[u8]) -> Option<u32> {
    Some(u32::from_ne_bytes(value.get(..4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_is_what_netlink_packet_route_emits() {
        use netlink_packet_core::Emitable;
        use netlink_packet_route::route::{RouteAddress, RouteAttribute, RouteMessage};
        use netlink_packet_route::AddressFamily;
        let v4 = |s: &str| s.parse::<IpAddr>().unwrap();
        for (remote, local) in [
            (v4("192.168.7.2"), None),
            (v4("192.168.7.2"), Some(v4("192.168.7.1"))),
            (v4("fd00::2"), Some(v4("fd00::1"))),
        ] {
            let mut route = RouteMessage::default();
            let bits = if remote.is_ipv4() { 32 } else { 128 };
            route.header.address_family = match remote {
                IpAddr::V4(_) => AddressFamily::Inet,
                IpAddr::V6(_) => AddressFamily::Inet6,
            };
            route.header.destination_prefix_length = bits;
            let address = |ip: IpAddr| match ip {
                IpAddr::V4(a) => RouteAddress::Inet(a),
                IpAddr::V6(a) => RouteAddress::Inet6(a),
            };
            route.attributes = vec![RouteAttribute::Destination(address(remote))];
            if let Some(local) = local {
                route.header.source_prefix_length = bits;
                route
                    .attributes
                    .push(RouteAttribute::Source(address(local)));
            }
            let mut expected = vec![0; route.buffer_len()];
            route.emit(&mut expected);
            assert_eq!(route_query(remote, local).bytes(), &expected[..]);
        }
    }

    #[test]
    fn the_end_is_smaller_by_the_overhead() {
        assert_eq!(end_mtu(1500, 50), 1450);
        assert_eq!(end_mtu(1500, 70), 1430);
        assert_eq!(end_mtu(65536, 50), 65486);
        assert_eq!(end_mtu(100, 70), 68);
    }

    #[test]
    fn loopback_is_the_path_to_ourselves() {
        let mut rtnl = Rtnl::open().unwrap();
        let lo_mtu = device_mtu(&mut rtnl, 1).unwrap().unwrap();
        assert!(lo_mtu >= 1500, "{lo_mtu}");
        assert_eq!(device_mtu(&mut rtnl, u32::MAX >> 1).unwrap(), None);
        // 127.0.0.1 routes through lo wherever lo is up; in a fresh
        // namespace it is down and the kernel says so.
        match path_mtu(&mut rtnl, "127.0.0.1".parse().unwrap(), None) {
            Ok(mtu) => assert_eq!(mtu, lo_mtu),
            Err(e) => assert_eq!(e.errno, 101, "{e}"), // ENETUNREACH
        }
    }
}
