//! `ADDR[/LEN]` as the command line gives it, and the RTM_NEWADDR /
//! RTM_DELADDR payloads that `ip addr add` / `ip addr del` would send for it.

use std::net::IpAddr;

use nscore::cli::{quote, usage};
use nscore::message::{ifaddrmsg, Message};

const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
pub const IFA_ADDRESS: u16 = 1;
pub const IFA_LOCAL: u16 = 2;
const IFA_BROADCAST: u16 = 4;
const IFA_F_NODAD: u8 = 0x02;
const RT_SCOPE_UNIVERSE: u8 = 0;
const RT_SCOPE_HOST: u8 = 254;

/// One address from the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// As typed, for messages.
    pub text: String,
    pub ip: IpAddr,
    /// The prefix length: as given, else 32 or 128.
    pub prefix: u8,
    /// Whether `/LEN` was given (an IPv4 address without it is removed
    /// whatever its prefix length, as `ip addr del` does).
    pub prefix_given: bool,
}

/// What to ask for besides the address itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Extras {
    /// IPv4: the broadcast address of the subnet, as `brd +`.
    pub broadcast: bool,
    /// IPv6: no duplicate address detection, usable at once.
    pub nodad: bool,
}

/// Parses `ADDR[/LEN]`, refusing anything the kernel would not take as it
/// is meant (no shorthand like `10.1`, no octal, no zone, no netmask).
pub fn parse(text: &str) -> anyhow::Result<Address> {
    let bad = |why: &str| usage(format!("{}: {why}", quote(text)));
    if text.is_empty() {
        return Err(bad("invalid address: empty"));
    }
    let (ip_text, prefix_text) = match text.split_once('/') {
        Some((ip, prefix)) => (ip, Some(prefix)),
        None => (text, None),
    };
    let ip: IpAddr = ip_text
        .parse()
        .map_err(|_| bad("invalid address: not an IPv4 or IPv6 address"))?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix_text {
        None => max,
        Some(p) => parse_prefix(p, max).ok_or_else(|| {
            let family = if ip.is_ipv4() { "IPv4" } else { "IPv6" };
            bad(&format!("invalid prefix length: {family} takes 0 to {max}"))
        })?,
    };
    Ok(Address {
        text: text.to_string(),
        ip,
        prefix,
        prefix_given: prefix_text.is_some(),
    })
}

/// A decimal prefix length up to `max`: digits only, no sign, no leading
/// zero (which iproute2 would read as octal).
fn parse_prefix(text: &str, max: u8) -> Option<u8> {
    let digits_only = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits_only || (text.len() > 1 && text.starts_with('0')) || text.len() > 3 {
        return None;
    }
    let value: u8 = text.parse().ok()?;
    (value <= max).then_some(value)
}

impl Address {
    fn family(&self) -> u8 {
        if self.ip.is_ipv4() {
            AF_INET
        } else {
            AF_INET6
        }
    }

    fn octets(&self) -> Vec<u8> {
        match self.ip {
            IpAddr::V4(ip) => ip.octets().to_vec(),
            IpAddr::V6(ip) => ip.octets().to_vec(),
        }
    }

    /// `ip addr add`'s default scope: host for 127/8, global otherwise.
    fn scope(&self) -> u8 {
        match self.ip {
            IpAddr::V4(ip) if ip.octets()[0] == 127 => RT_SCOPE_HOST,
            _ => RT_SCOPE_UNIVERSE,
        }
    }

    /// The subnet's broadcast address (host bits all set), as `brd +`
    /// computes it; none for /31 and /32.
    pub fn broadcast(&self) -> Option<[u8; 4]> {
        match self.ip {
            IpAddr::V4(ip) if self.prefix <= 30 => {
                let host_bits = u32::MAX >> self.prefix;
                Some((u32::from(ip) | host_bits).to_be_bytes())
            }
            _ => None,
        }
    }

    /// The RTM_NEWADDR payload: as `ip addr add ADDR/LEN dev DEV`.
    pub fn add_request(&self, index: u32, extras: Extras) -> Message {
        let flags = if extras.nodad && self.ip.is_ipv6() {
            IFA_F_NODAD
        } else {
            0
        };
        let header = ifaddrmsg(self.family(), self.prefix, flags, self.scope(), index);
        let mut message = Message::new(&header);
        let octets = self.octets();
        message.put(IFA_LOCAL, &octets).put(IFA_ADDRESS, &octets);
        if extras.broadcast {
            if let Some(broadcast) = self.broadcast() {
                message.put(IFA_BROADCAST, &broadcast);
            }
        }
        message
    }

    /// The RTM_DELADDR payload: as `ip addr del ADDR[/LEN] dev DEV`. An
    /// IPv4 address without a length matches whatever its prefix length;
    /// IPv6 addresses are matched with their length (128 if not given).
    pub fn delete_request(&self, index: u32) -> Message {
        let header = ifaddrmsg(self.family(), self.prefix, 0, 0, index);
        let mut message = Message::new(&header);
        let octets = self.octets();
        message.put(IFA_LOCAL, &octets);
        if self.prefix_given || self.ip.is_ipv6() {
            message.put(IFA_ADDRESS, &octets);
        }
        message
    }

    /// Whether an address the kernel reported (its own `local` address,
    /// its `address` — the peer's, or the same — and prefix length) is the
    /// one a delete request for `self` removes, by the kernel's own rule.
    pub fn matches(&self, local: IpAddr, address: IpAddr, prefix: u8) -> bool {
        match (self.ip, local, address) {
            (IpAddr::V4(ip), IpAddr::V4(local), IpAddr::V4(address)) => {
                if ip != local {
                    return false;
                }
                if !self.prefix_given {
                    return true;
                }
                let mask = if prefix == 0 {
                    0
                } else {
                    u32::MAX << (32 - prefix.min(32))
                };
                self.prefix == prefix && (u32::from(ip) ^ u32::from(address)) & mask == 0
            }
            (IpAddr::V6(ip), IpAddr::V6(local), _) => ip == local && self.prefix == prefix,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nscore::rtnl::attributes;

    fn attrs(message: &Message) -> Vec<(u16, Vec<u8>)> {
        attributes(&message.bytes()[8..])
            .map(|(k, v)| (k, v.to_vec()))
            .collect()
    }

    #[test]
    fn addresses_with_and_without_a_length() {
        let a = parse("10.0.0.1/24").unwrap();
        assert_eq!(
            (a.ip.to_string(), a.prefix, a.prefix_given),
            ("10.0.0.1".into(), 24, true)
        );
        let a = parse("10.0.0.1").unwrap();
        assert_eq!((a.prefix, a.prefix_given), (32, false));
        let a = parse("fd00::1").unwrap();
        assert_eq!((a.prefix, a.prefix_given), (128, false));
        assert_eq!(parse("fd00::1/64").unwrap().prefix, 64);
        assert_eq!(parse("0.0.0.0/0").unwrap().prefix, 0);
        assert_eq!(parse("::/0").unwrap().prefix, 0);
        assert_eq!(parse("::ffff:1.2.3.4/128").unwrap().prefix, 128);
    }

    #[test]
    fn malformed_input_is_refused_with_the_input_named() {
        let cases = [
            (
                "300.1.1.1",
                "300.1.1.1: invalid address: not an IPv4 or IPv6 address",
            ),
            ("abc", "abc: invalid address: not an IPv4 or IPv6 address"),
            ("", "\"\": invalid address: empty"),
            ("10.1", "10.1: invalid address: not an IPv4 or IPv6 address"),
            (
                "010.0.0.1",
                "010.0.0.1: invalid address: not an IPv4 or IPv6 address",
            ),
            (
                "fe80::1%eth0",
                "fe80::1%eth0: invalid address: not an IPv4 or IPv6 address",
            ),
            ("/24", "/24: invalid address: not an IPv4 or IPv6 address"),
            (
                " 10.0.0.1",
                "\" 10.0.0.1\": invalid address: not an IPv4 or IPv6 address",
            ),
            (
                "10.0.0.1/33",
                "10.0.0.1/33: invalid prefix length: IPv4 takes 0 to 32",
            ),
            (
                "fd00::1/129",
                "fd00::1/129: invalid prefix length: IPv6 takes 0 to 128",
            ),
            (
                "10.0.0.1/",
                "10.0.0.1/: invalid prefix length: IPv4 takes 0 to 32",
            ),
            (
                "10.0.0.1/+8",
                "10.0.0.1/+8: invalid prefix length: IPv4 takes 0 to 32",
            ),
            (
                "10.0.0.1/-1",
                "10.0.0.1/-1: invalid prefix length: IPv4 takes 0 to 32",
            ),
            (
                "10.0.0.1/024",
                "10.0.0.1/024: invalid prefix length: IPv4 takes 0 to 32",
            ),
            (
                "10.0.0.1/24/8",
                "10.0.0.1/24/8: invalid prefix length: IPv4 takes 0 to 32",
            ),
            (
                "10.0.0.1/255.255.255.0",
                "10.0.0.1/255.255.255.0: invalid prefix length: IPv4 takes 0 to 32",
            ),
            (
                "fd00::1/99999999999",
                "fd00::1/99999999999: invalid prefix length: IPv6 takes 0 to 128",
            ),
            (
                "fd00::1/ 64",
                "\"fd00::1/ 64\": invalid prefix length: IPv6 takes 0 to 128",
            ),
        ];
        for (input, message) in cases {
            let e = parse(input).unwrap_err();
            assert!(
                e.downcast_ref::<nscore::cli::UsageError>().is_some(),
                "{input}"
            );
            assert_eq!(e.to_string(), message, "{input}");
        }
    }

    #[test]
    fn add_sends_local_and_address_with_ips_default_scope() {
        let a = parse("10.0.0.1/24").unwrap();
        let m = a.add_request(7, Extras::default());
        assert_eq!(&m.bytes()[..4], &[AF_INET, 24, 0, RT_SCOPE_UNIVERSE]);
        assert_eq!(&m.bytes()[4..8], &7u32.to_ne_bytes());
        let ip = vec![10, 0, 0, 1];
        assert_eq!(attrs(&m), vec![(IFA_LOCAL, ip.clone()), (IFA_ADDRESS, ip)]);

        let lo = parse("127.0.0.2/8")
            .unwrap()
            .add_request(1, Extras::default());
        assert_eq!(lo.bytes()[3], RT_SCOPE_HOST);

        let v6 = parse("fd00::1/64").unwrap();
        let extras = Extras {
            broadcast: true,
            nodad: true,
        };
        let m = v6.add_request(3, extras);
        assert_eq!(
            &m.bytes()[..4],
            &[AF_INET6, 64, IFA_F_NODAD, RT_SCOPE_UNIVERSE]
        );
        assert_eq!(attrs(&m).len(), 2); // no broadcast for IPv6
    }

    #[test]
    fn broadcast_as_brd_plus() {
        let extras = Extras {
            broadcast: true,
            nodad: true,
        };
        let m = parse("10.0.0.1/24").unwrap().add_request(7, extras);
        assert_eq!(m.bytes()[2], 0, "nodad is for IPv6");
        assert_eq!(attrs(&m)[2], (IFA_BROADCAST, vec![10, 0, 0, 255]));
        assert_eq!(
            parse("192.168.1.77/20").unwrap().broadcast(),
            Some([192, 168, 15, 255])
        );
        assert_eq!(
            parse("10.0.0.1/30").unwrap().broadcast(),
            Some([10, 0, 0, 3])
        );
        assert_eq!(parse("10.0.0.1/0").unwrap().broadcast(), Some([255; 4]));
        assert_eq!(parse("10.0.0.1/31").unwrap().broadcast(), None);
        assert_eq!(parse("10.0.0.1").unwrap().broadcast(), None);
        let m = parse("10.0.0.1/31").unwrap().add_request(7, extras);
        assert_eq!(attrs(&m).len(), 2);
    }

    #[test]
    fn delete_is_a_wildcard_for_ipv4_without_a_length() {
        let m = parse("10.0.0.1").unwrap().delete_request(2);
        assert_eq!(&m.bytes()[..4], &[AF_INET, 32, 0, 0]);
        assert_eq!(attrs(&m), vec![(IFA_LOCAL, vec![10, 0, 0, 1])]);
        let m = parse("10.0.0.1/24").unwrap().delete_request(2);
        assert_eq!(attrs(&m).len(), 2);
        let m = parse("fd00::1").unwrap().delete_request(2);
        assert_eq!(m.bytes()[1], 128);
        assert_eq!(attrs(&m).len(), 2);
    }

    #[test]
    fn matching_follows_the_kernels_delete_rule() {
        let v4 = |s: &str| s.parse::<IpAddr>().unwrap();
        let any = parse("10.0.0.1").unwrap();
        assert!(any.matches(v4("10.0.0.1"), v4("10.0.0.1"), 24));
        assert!(!any.matches(v4("10.0.0.2"), v4("10.0.0.2"), 24));
        let exact = parse("10.0.0.1/24").unwrap();
        assert!(exact.matches(v4("10.0.0.1"), v4("10.0.0.1"), 24));
        assert!(!exact.matches(v4("10.0.0.1"), v4("10.0.0.1"), 16));
        assert!(!exact.matches(v4("10.0.0.1"), v4("10.9.0.1"), 24)); // peer elsewhere
        let zero = parse("10.0.0.1/0").unwrap();
        assert!(zero.matches(v4("10.0.0.1"), v4("10.0.0.1"), 0));
        let v6 = parse("fd00::1/64").unwrap();
        assert!(v6.matches(v4("fd00::1"), v4("fd00::1"), 64));
        assert!(!v6.matches(v4("fd00::1"), v4("fd00::1"), 128));
        assert!(!v6.matches(v4("10.0.0.1"), v4("10.0.0.1"), 64));
    }

    #[test]
    fn the_bytes_are_what_netlink_packet_route_emits() {
        use netlink_packet_core::Emitable;
        use netlink_packet_route::address::{
            AddressAttribute, AddressHeaderFlags, AddressMessage, AddressScope,
        };
        use netlink_packet_route::AddressFamily;
        let cases = [
            (
                "10.0.0.1/24",
                true,
                AddressFamily::Inet,
                AddressScope::Universe,
            ),
            ("127.0.0.2", false, AddressFamily::Inet, AddressScope::Host),
            (
                "fd00::1/64",
                true,
                AddressFamily::Inet6,
                AddressScope::Universe,
            ),
        ];
        for (text, extras_on, family, scope) in cases {
            let a = parse(text).unwrap();
            let mut m = AddressMessage::default();
            m.header.family = family;
            m.header.prefix_len = a.prefix;
            m.header.scope = scope;
            m.header.index = 5;
            if extras_on && a.ip.is_ipv6() {
                m.header.flags = AddressHeaderFlags::Nodad;
            }
            m.attributes = vec![
                AddressAttribute::Local(a.ip),
                AddressAttribute::Address(a.ip),
            ];
            if let (true, Some(b)) = (extras_on, a.broadcast()) {
                m.attributes.push(AddressAttribute::Broadcast(b.into()));
            }
            let mut expected = vec![0; m.buffer_len()];
            m.emit(&mut expected);
            let extras = Extras {
                broadcast: extras_on,
                nodad: extras_on,
            };
            assert_eq!(a.add_request(5, extras).bytes(), &expected[..], "{text}");
        }
    }
}
