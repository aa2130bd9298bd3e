//! The addresses an interface has (or every interface, for `-l`), read
//! from one RTM_GETADDR dump: the few fields needed to tell whether a given
//! address is among them, and the kernel's whole record, to put the
//! address back exactly as it was.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use nscore::message::{ifaddrmsg, Message};
use nscore::rtnl::{attributes, NetlinkError, Rtnl, NLM_F_DUMP, RTM_GETADDR, RTM_NEWADDR};

use crate::address::{IFA_ADDRESS, IFA_LOCAL};

/// One address as the kernel reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Present {
    /// The interface's own address.
    pub local: IpAddr,
    /// The peer's address on point-to-point links; else `local` again.
    pub address: IpAddr,
    pub prefix: u8,
    /// The RTM_NEWADDR payload itself (flags, scope, label, broadcast,
    /// lifetimes), which the kernel takes back as it gave it.
    pub record: Vec<u8>,
}

impl Present {
    /// The same address (the rest of the record may have aged).
    pub fn is(&self, other: &Present) -> bool {
        (self.local, self.address, self.prefix) == (other.local, other.address, other.prefix)
    }
}

/// Every address on interface `index`.
pub fn on(rtnl: &mut Rtnl, index: u32) -> Result<Vec<Present>, NetlinkError> {
    let all = all(rtnl, index)?;
    Ok(all
        .into_iter()
        .filter(|(on, _)| *on == index)
        .map(|(_, present)| present)
        .collect())
}

/// Every address in the socket's namespace (on interface `index` alone,
/// where the kernel filters), with the index of its interface, in the
/// kernel's order: IPv4, then IPv6, as `ip addr` shows them.
pub fn all(rtnl: &mut Rtnl, index: u32) -> Result<Vec<(u32, Present)>, NetlinkError> {
    let mut found = Vec::new();
    let request = Message::new(&ifaddrmsg(0, 0, 0, 0, index));
    rtnl.request(RTM_GETADDR, NLM_F_DUMP, &request, |reply| {
        if reply.kind == RTM_NEWADDR {
            found.extend(parse(reply.payload));
        }
    })?;
    Ok(found)
}

/// Reads one RTM_NEWADDR payload: the interface's index and the address;
/// None when it is not an address we can read.
fn parse(payload: &[u8]) -> Option<(u32, Present)> {
    let header = payload.get(..8)?;
    let index = u32::from_ne_bytes(header[4..8].try_into().ok()?);
    let prefix = header[1];
    let (mut local, mut address) = (None, None);
    for (kind, value) in attributes(&payload[8..]) {
        match kind {
            IFA_LOCAL => local = ip(value),
            IFA_ADDRESS => address = ip(value),
            _ => {}
        }
    }
    let local = local.or(address)?;
    let present = Present {
        local,
        address: address.unwrap_or(local),
        prefix,
        record: payload.to_vec(),
    };
    Some((index, present))
}

fn ip(value: &[u8]) -> Option<IpAddr> {
    match value.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(value).ok()?))),
        16 => Some(IpAddr::V6(Ipv6Addr::from(
            <[u8; 16]>::try_from(value).ok()?,
        ))),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies_for_our_interface_are_read() {
        let mut m = Message::new(&ifaddrmsg(2, 24, 0, 0, 5));
        m.put(IFA_ADDRESS, &[10, 0, 0, 1])
            .put(IFA_LOCAL, &[10, 0, 0, 1]);
        let ten = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
        assert_eq!(
            parse(m.bytes()),
            Some((
                5,
                Present {
                    local: ten,
                    address: ten,
                    prefix: 24,
                    record: m.bytes().to_vec(),
                }
            ))
        );
        assert_eq!(parse(&m.bytes()[..6]), None);
    }

    #[test]
    fn ipv6_replies_carry_only_the_address() {
        let mut m = Message::new(&ifaddrmsg(10, 64, 0, 0, 5));
        let fd = "fd00::1".parse::<Ipv6Addr>().unwrap();
        m.put(IFA_ADDRESS, &fd.octets()).put(9, &[0; 4]);
        let (_, p) = parse(m.bytes()).unwrap();
        assert_eq!(
            (p.local, p.address, p.prefix),
            (IpAddr::V6(fd), IpAddr::V6(fd), 64)
        );
        let mut odd = Message::new(&ifaddrmsg(10, 64, 0, 0, 5));
        odd.put(IFA_ADDRESS, &[1, 2, 3]);
        assert_eq!(parse(odd.bytes()), None);
    }
}
