//! A VXLAN end as the kernel sees it: the settings both machines must
//! agree on, the RTM_NEWLINK that makes one, and the same settings read
//! back from a link reply (for `-p` and the listing).

use std::net::IpAddr;
use std::os::fd::RawFd;

use nscore::link::{IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND, IFLA_LINKINFO, IFLA_NET_NS_FD};
use nscore::message::{ifinfomsg, Message};
use nscore::rtnl::{attributes, IFINFOMSG_LEN};

pub const IFLA_MTU: u16 = 4;

// From the kernel's `IFLA_VXLAN_*` (include/uapi/linux/if_link.h).
const IFLA_VXLAN_ID: u16 = 1;
const IFLA_VXLAN_GROUP: u16 = 2;
const IFLA_VXLAN_LINK: u16 = 3;
const IFLA_VXLAN_LOCAL: u16 = 4;
const IFLA_VXLAN_PORT: u16 = 15;
const IFLA_VXLAN_GROUP6: u16 = 16;
const IFLA_VXLAN_LOCAL6: u16 = 17;

/// The UDP port IANA assigned to VXLAN (the kernel's own default, 8472,
/// predates it; iproute2 warns when none is given).
pub const DEFAULT_PORT: u16 = 4789;

/// What makes one VXLAN end: where its packets go and how they are marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub vni: u32,
    /// The far end's underlay address (the kernel's "remote": a unicast
    /// IFLA_VXLAN_GROUP).
    pub remote: Option<IpAddr>,
    pub local: Option<IpAddr>,
    /// UDP destination port.
    pub port: u16,
    /// The underlay device the packets leave by (an index in the underlay).
    pub link: Option<u32>,
}

impl Settings {
    /// The bytes VXLAN adds in front of each frame as the kernel counts
    /// them (`vxlan_headroom`): outer IP header, UDP, VXLAN, inner
    /// Ethernet: 50 over IPv4, 70 over IPv6.
    pub fn overhead(&self) -> u32 {
        let ip = match self.remote.or(self.local) {
            Some(IpAddr::V6(_)) => 40,
            _ => 20,
        };
        ip + 8 + 8 + 14
    }

    /// The settings of a VXLAN link reply (`ifinfomsg` + attributes), or
    /// None when the link is not a VXLAN device.
    pub fn of_reply(payload: &[u8]) -> Option<Settings> {
        let linkinfo = attributes(payload.get(IFINFOMSG_LEN..)?)
            .find(|&(kind, _)| kind == IFLA_LINKINFO)?
            .1;
        let mut is_vxlan = false;
        let mut data = None;
        for (kind, value) in attributes(linkinfo) {
            match kind {
                IFLA_INFO_KIND => is_vxlan = value.strip_suffix(b"\0") == Some(b"vxlan"),
                IFLA_INFO_DATA => data = Some(value),
                _ => {}
            }
        }
        is_vxlan.then(|| Settings::of_data(data.unwrap_or(&[])))
    }

    /// The settings in the attributes of a VXLAN `IFLA_INFO_DATA`.
    fn of_data(data: &[u8]) -> Settings {
        let mut settings = Settings {
            vni: 0,
            remote: None,
            local: None,
            port: 0,
            link: None,
        };
        let word = |v: &[u8]| Some(u32::from_ne_bytes(v.get(..4)?.try_into().ok()?));
        for (kind, value) in attributes(data) {
            match kind {
                IFLA_VXLAN_ID => settings.vni = word(value).unwrap_or(0),
                IFLA_VXLAN_GROUP | IFLA_VXLAN_GROUP6 => settings.remote = address(value),
                IFLA_VXLAN_LOCAL | IFLA_VXLAN_LOCAL6 => settings.local = address(value),
                IFLA_VXLAN_LINK => settings.link = word(value).filter(|&i| i != 0),
                IFLA_VXLAN_PORT => {
                    settings.port = value
                        .get(..2)
                        .map_or(0, |b| u16::from_be_bytes([b[0], b[1]]));
                }
                _ => {}
            }
        }
        settings
    }
}

/// A 4- or 16-byte address attribute; None for the unspecified address,
/// which the kernel reports for "none".
fn address(value: &[u8]) -> Option<IpAddr> {
    let ip = match value.len() {
        4 => IpAddr::from(<[u8; 4]>::try_from(value).ok()?),
        16 => IpAddr::from(<[u8; 16]>::try_from(value).ok()?),
        _ => return None,
    };
    (!ip.is_unspecified()).then_some(ip)
}

/// The RTM_NEWLINK payload for VXLAN end `name`: created in the namespace
/// `netns` when given (else beside the sender, whose namespace is the
/// underlay the UDP socket lives in), with MTU `mtu` when given (else
/// the kernel's: the lower device's less the overhead, or 1500).
pub fn request(name: &str, settings: &Settings, mtu: Option<u32>, netns: Option<RawFd>) -> Message {
    let mut message = Message::new(&ifinfomsg(0, 0, 0));
    message.put_str(IFLA_IFNAME, name);
    if let Some(mtu) = mtu {
        message.put_u32(IFLA_MTU, mtu);
    }
    if let Some(fd) = netns {
        message.put_u32(IFLA_NET_NS_FD, fd as u32);
    }
    message.nest(IFLA_LINKINFO, |m| {
        m.put_str(IFLA_INFO_KIND, "vxlan")
            .nest(IFLA_INFO_DATA, |m| {
                m.put_u32(IFLA_VXLAN_ID, settings.vni);
                let put_ip = |m: &mut Message, v4: u16, v6: u16, ip: IpAddr| {
                    match ip {
                        IpAddr::V4(a) => m.put(v4, &a.octets()),
                        IpAddr::V6(a) => m.put(v6, &a.octets()),
                    };
                };
                if let Some(remote) = settings.remote {
                    put_ip(m, IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, remote);
                }
                if let Some(local) = settings.local {
                    put_ip(m, IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6, local);
                }
                if let Some(link) = settings.link {
                    m.put_u32(IFLA_VXLAN_LINK, link);
                }
                m.put(IFLA_VXLAN_PORT, &settings.port.to_be_bytes());
            });
    });
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(remote: &str, local: Option<&str>, link: Option<u32>) -> Settings {
        Settings {
            vni: 42,
            remote: remote.parse().ok(),
            local: local.map(|l| l.parse().unwrap()),
            port: DEFAULT_PORT,
            link,
        }
    }

    #[test]
    fn the_bytes_are_what_netlink_packet_route_emits() {
        use netlink_packet_core::Emitable;
        use netlink_packet_route::link::{
            InfoData, InfoKind, InfoVxlan, LinkAttribute, LinkInfo, LinkMessage,
        };
        let cases = [
            (settings("192.168.7.2", None, None), Some(1450), Some(7)),
            (
                settings("192.168.7.2", Some("192.168.7.1"), Some(3)),
                None,
                None,
            ),
            (
                settings("fd00::2", Some("fd00::1"), None),
                Some(1430),
                Some(9),
            ),
        ];
        for (s, mtu, netns) in cases {
            let mut data = vec![InfoVxlan::Id(s.vni)];
            data.push(match s.remote.unwrap() {
                IpAddr::V4(a) => InfoVxlan::Group(a),
                IpAddr::V6(a) => InfoVxlan::Group6(a),
            });
            data.extend(s.local.map(|l| match l {
                IpAddr::V4(a) => InfoVxlan::Local(a),
                IpAddr::V6(a) => InfoVxlan::Local6(a),
            }));
            data.extend(s.link.map(InfoVxlan::Link));
            data.push(InfoVxlan::Port(s.port));
            let mut link = LinkMessage::default();
            link.attributes = vec![LinkAttribute::IfName("vx-red".into())];
            link.attributes.extend(mtu.map(LinkAttribute::Mtu));
            link.attributes.extend(netns.map(LinkAttribute::NetNsFd));
            link.attributes.push(LinkAttribute::LinkInfo(vec![
                LinkInfo::Kind(InfoKind::Vxlan),
                LinkInfo::Data(InfoData::Vxlan(data)),
            ]));
            let mut expected = vec![0; link.buffer_len()];
            link.emit(&mut expected);
            assert_eq!(
                request("vx-red", &s, mtu, netns).bytes(),
                &expected[..],
                "{s:?}"
            );
        }
    }

    #[test]
    fn a_reply_gives_back_the_settings() {
        for s in [
            settings("192.168.7.2", Some("192.168.7.1"), Some(3)),
            settings("fd00::2", None, None),
        ] {
            let bytes = request("vx-red", &s, Some(1450), None);
            assert_eq!(Settings::of_reply(bytes.bytes()), Some(s.clone()));
        }
        // The kernel reports "no local address" as the unspecified one.
        let mut reply = Message::new(&ifinfomsg(5, 0, 0));
        reply.nest(IFLA_LINKINFO, |m| {
            m.put_str(IFLA_INFO_KIND, "vxlan")
                .nest(IFLA_INFO_DATA, |m| {
                    m.put_u32(IFLA_VXLAN_ID, 7)
                        .put(IFLA_VXLAN_LOCAL, &[0; 4])
                        .put_u32(IFLA_VXLAN_LINK, 0)
                        .put(IFLA_VXLAN_PORT, &[0x12, 0xb5]);
                });
        });
        let read = Settings::of_reply(reply.bytes()).unwrap();
        assert_eq!(
            (read.vni, read.local, read.link, read.port),
            (7, None, None, 4789)
        );
    }

    #[test]
    fn other_links_have_no_settings() {
        let mut veth = Message::new(&ifinfomsg(5, 0, 0));
        veth.nest(IFLA_LINKINFO, |m| {
            m.put_str(IFLA_INFO_KIND, "veth");
        });
        assert_eq!(Settings::of_reply(veth.bytes()), None);
        assert_eq!(
            Settings::of_reply(Message::new(&ifinfomsg(1, 0, 0)).bytes()),
            None
        );
        assert_eq!(Settings::of_reply(&[0; 4]), None);
    }

    #[test]
    fn the_overhead_is_the_kernels() {
        assert_eq!(settings("192.168.7.2", None, None).overhead(), 50);
        assert_eq!(settings("fd00::2", None, None).overhead(), 70);
    }
}
