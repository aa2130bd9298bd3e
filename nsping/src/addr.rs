//! Addresses as nsping sends to them and prints them, apart from the
//! command line and the socket: the IP family, an address with its zone
//! (`fe80::1%veth-red`), and the names of IPv6 scopes.

use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::BorrowedFd;

use rustix::net::netdevice;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    pub fn of(ip: IpAddr) -> Family {
        match ip {
            IpAddr::V4(_) => Family::V4,
            IpAddr::V6(_) => Family::V6,
        }
    }
}

/// An address as ping prints it: IPv6 with `%ZONE` when it has a scope
/// (link-local), as `getnameinfo(NI_NUMERICHOST)` writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addr<'a> {
    pub ip: IpAddr,
    /// Interface name (or index) of the scope; empty for none.
    pub zone: &'a str,
}

impl<'a> Addr<'a> {
    pub fn plain(ip: IpAddr) -> Addr<'a> {
        Addr { ip, zone: "" }
    }
}

impl fmt::Display for Addr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.zone.is_empty() {
            write!(f, "{}", self.ip)
        } else {
            write!(f, "{}%{}", self.ip, self.zone)
        }
    }
}

/// An IPv4 or IPv6 address in the text the C library's `inet_pton` takes.
pub use nscore::host::parse_ip as parse;

/// Link-local unicast (fe80::/10) or link-local multicast (ffX2::/16):
/// addresses that mean nothing without an interface.
pub fn is_link_local(ip: &Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    (first & 0xffc0) == 0xfe80 || (first & 0xff0f) == 0xff02
}

/// The index of interface `name` (asked through `fd`, any socket).
pub fn interface_index(fd: BorrowedFd, name: &str) -> Option<u32> {
    netdevice::name_to_index(fd, name).ok().filter(|&i| i != 0)
}

/// The name of interface `index`.
pub fn interface_name(fd: BorrowedFd, index: u32) -> Option<String> {
    netdevice::index_to_name(fd, index).ok()
}

/// A zone as given after `%`: an interface index, or a name.
pub fn scope_of(fd: BorrowedFd, zone: &str) -> Option<u32> {
    zone.parse().ok().or_else(|| interface_index(fd, zone))
}

/// Where the probes go, worked out once: the socket address, with the
/// scope of an IPv6 target, and the zone the header shows after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub addr: SocketAddr,
    /// As getnameinfo shows it: only when HOST named a zone.
    pub zone: String,
}

impl Destination {
    /// `zone` is the one HOST named (`fe80::1%veth-red`); without one,
    /// `device` (`-I`) is the scope. None when `zone` names no interface.
    pub fn new(
        fd: BorrowedFd,
        ip: IpAddr,
        zone: Option<&str>,
        device: Option<u32>,
    ) -> Option<Destination> {
        let scope = match zone {
            Some(zone) => scope_of(fd, zone)?,
            None => device.unwrap_or(0),
        };
        let (addr, zone) = match ip {
            IpAddr::V4(a) => (SocketAddr::V4(SocketAddrV4::new(a, 0)), String::new()),
            IpAddr::V6(a) => {
                let shown = match zone {
                    Some(z) if scope != 0 => interface_name(fd, scope).unwrap_or_else(|| z.into()),
                    _ => String::new(),
                };
                (SocketAddr::V6(SocketAddrV6::new(a, 0, 0, scope)), shown)
            }
        };
        Some(Destination { addr, zone })
    }

    pub fn ip(&self) -> IpAddr {
        self.addr.ip()
    }

    /// As the header prints it.
    pub fn shown(&self) -> Addr<'_> {
        Addr {
            ip: self.ip(),
            zone: &self.zone,
        }
    }

    /// A link-local target without a scope: the kernel picks the
    /// interface at send time.
    pub fn unscoped_link_local(&self) -> bool {
        matches!(self.addr, SocketAddr::V6(a) if a.scope_id() == 0 && is_link_local(a.ip()))
    }
}

/// The names of the IPv6 scopes replies come from, as getnameinfo writes
/// them: the interface of a link-local scope (its index when it has no
/// name), the index for any other; the last one is kept, so a stream of
/// replies costs one lookup.
pub struct Zones<'a> {
    fd: BorrowedFd<'a>,
    scope: u32,
    link_local: bool,
    name: String,
}

impl<'a> Zones<'a> {
    pub fn new(fd: BorrowedFd<'a>) -> Zones<'a> {
        Zones {
            fd,
            scope: 0,
            link_local: false,
            name: String::new(),
        }
    }

    /// The zone to print after `ip`, received with `scope`.
    pub fn of(&mut self, ip: IpAddr, scope: u32) -> &str {
        let IpAddr::V6(a) = ip else { return "" };
        if scope == 0 {
            return "";
        }
        let link_local = is_link_local(&a);
        if self.scope != scope || self.link_local != link_local || self.name.is_empty() {
            let name = link_local.then(|| interface_name(self.fd, scope)).flatten();
            self.name = name.unwrap_or_else(|| scope.to_string());
            (self.scope, self.link_local) = (scope, link_local);
        }
        &self.name
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::{AsFd, OwnedFd};

    fn socket() -> OwnedFd {
        use rustix::net::{socket, AddressFamily, SocketType};
        socket(AddressFamily::INET, SocketType::DGRAM, None).unwrap()
    }

    #[test]
    fn zones_name_link_local_scopes() {
        let fd = socket();
        let lo = interface_index(fd.as_fd(), "lo").unwrap();
        assert_eq!(interface_name(fd.as_fd(), lo).as_deref(), Some("lo"));
        assert_eq!(interface_index(fd.as_fd(), "no-such-if0"), None);
        assert_eq!(scope_of(fd.as_fd(), "lo"), Some(lo));
        assert_eq!(scope_of(fd.as_fd(), "77"), Some(77));
        let mut zones = Zones::new(fd.as_fd());
        let ll: IpAddr = "fe80::1".parse().unwrap();
        assert_eq!(zones.of(ll, 0), "");
        assert_eq!(zones.of(ll, lo), "lo");
        assert_eq!(zones.of("fd00::1".parse().unwrap(), lo), lo.to_string());
        assert_eq!(zones.of("10.0.0.1".parse().unwrap(), lo), "");
    }

    #[test]
    fn destinations() {
        let fd = socket();
        let lo = interface_index(fd.as_fd(), "lo").unwrap();
        let ll: IpAddr = "fe80::1".parse().unwrap();
        let d = Destination::new(fd.as_fd(), ll, Some("lo"), None).unwrap();
        assert_eq!(d.addr.to_string(), format!("[fe80::1%{lo}]:0"));
        assert_eq!(d.shown().to_string(), "fe80::1%lo");
        let d = Destination::new(fd.as_fd(), ll, Some(&lo.to_string()), None).unwrap();
        assert_eq!(d.shown().to_string(), "fe80::1%lo");
        let d = Destination::new(fd.as_fd(), ll, None, Some(lo)).unwrap();
        assert_eq!(
            (d.shown().to_string(), d.unscoped_link_local()),
            ("fe80::1".into(), false)
        );
        let d = Destination::new(fd.as_fd(), ll, None, None).unwrap();
        assert!(d.unscoped_link_local());
        assert_eq!(
            Destination::new(fd.as_fd(), ll, Some("no-such-if0"), None),
            None
        );
        let v4 = Destination::new(fd.as_fd(), "10.0.0.2".parse().unwrap(), None, Some(lo));
        assert_eq!(v4.unwrap().addr.to_string(), "10.0.0.2:0");
    }

    #[test]
    fn link_local_ranges() {
        for (a, want) in [
            ("fe80::1", true),
            ("febf::1", true),
            ("fec0::1", false),
            ("ff02::1", true),
            ("ff12::1", true),
            ("ff05::1", false),
            ("fd00::1", false),
        ] {
            assert_eq!(is_link_local(&a.parse().unwrap()), want, "{a}");
        }
        let a = Addr {
            ip: "fe80::1".parse().unwrap(),
            zone: "veth-red",
        };
        assert_eq!(a.to_string(), "fe80::1%veth-red");
        assert_eq!(
            Addr::plain("10.0.0.1".parse().unwrap()).to_string(),
            "10.0.0.1"
        );
    }
}
