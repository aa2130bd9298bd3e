//! The ICMP socket: a datagram ("ping") socket where
//! `net.ipv4.ping_group_range` lets us have one, a raw socket otherwise
//! (a fresh namespace's range admits no group, so root lands here), set
//! up so both report the same things: TTL / hop limit and a kernel
//! receive time as control messages, ICMP errors on the error queue.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::time::Duration;

use anyhow::anyhow;
use nscore::cli::{io_reason, quote, reason, strerror};
use nscore::netns::Where;
use rustix::io::Errno;
use rustix::net::{ipproto, sockopt, AddressFamily, SocketFlags, SocketType};

use crate::addr::{self, Destination, Family};
use crate::options::{Options, Source};
use crate::packet::{ICMP_ECHOREPLY, ICMP_REDIRECT, ICMP_SOURCE_QUENCH};
use crate::sys;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Datagram,
    Raw,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::Datagram => "datagram",
            Kind::Raw => "raw",
        }
    }
}

pub struct IcmpSocket {
    pub fd: OwnedFd,
    pub kind: Kind,
    pub family: Family,
}

fn os_error(e: Errno) -> String {
    strerror(e.raw_os_error())
}

/// Opens the ICMP socket for `family`: datagram if allowed, else raw.
pub fn open(family: Family) -> anyhow::Result<IcmpSocket> {
    let (domain, protocol) = match family {
        Family::V4 => (AddressFamily::INET, ipproto::ICMP),
        Family::V6 => (AddressFamily::INET6, ipproto::ICMPV6),
    };
    let flags = SocketFlags::CLOEXEC;
    match rustix::net::socket_with(domain, SocketType::DGRAM, flags, Some(protocol)) {
        Ok(fd) => {
            return Ok(IcmpSocket {
                fd,
                kind: Kind::Datagram,
                family,
            })
        }
        // EACCES: our group is outside ping_group_range.
        Err(Errno::ACCESS | Errno::PERM | Errno::PROTONOSUPPORT) => {}
        Err(e) => return Err(anyhow!("cannot open an ICMP socket: {}", os_error(e))),
    }
    match rustix::net::socket_with(domain, SocketType::RAW, flags, Some(protocol)) {
        Ok(fd) => Ok(IcmpSocket {
            fd,
            kind: Kind::Raw,
            family,
        }),
        Err(e) => Err(anyhow!(
            "cannot open an ICMP socket: {}",
            reason(
                e.raw_os_error(),
                "CAP_NET_RAW, or a group in net.ipv4.ping_group_range"
            )
        )),
    }
}

/// The destination and what the header shows after `from`.
pub struct Prepared {
    pub dst: Destination,
    /// `-I`: source address and device name (empty for an address).
    pub from: Option<(IpAddr, String)>,
}

/// No route to the address: iputils then tries the next one HOST has.
#[derive(Debug)]
pub struct NoRoute(String);

impl std::fmt::Display for NoRoute {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NoRoute {}

/// A failed socket option as one message (one error type keeps the
/// binary small).
fn failed(what: &str, e: std::io::Error) -> anyhow::Error {
    anyhow!("cannot set {what}: {}", nscore::cli::io_reason(&e))
}

fn option(fd: impl AsFd, level: i32, name: i32, what: &str) -> anyhow::Result<()> {
    sys::set_int(fd, level, name, 1).map_err(|e| failed(what, e))
}

/// Sets the socket up to ping `ip` (with the `zone` HOST named) as the
/// options ask, in iputils' order, so that the first of several problems
/// is the one iputils reports.
pub fn prepare(
    sock: &IcmpSocket,
    o: &Options,
    ip: IpAddr,
    zone: Option<&str>,
) -> anyhow::Result<Prepared> {
    let fd = sock.fd.as_fd();
    let here = Where(o.netns.as_deref());
    let device = match &o.source {
        Some(Source::Interface(name)) => Some(name.as_str()),
        _ => None,
    };
    // An IPv6 target takes its scope from the interface (iputils asks
    // for its index); IPv4 learns of a missing one from SO_BINDTODEVICE.
    let index = match (device, sock.family) {
        (Some(name), Family::V6) => Some(
            addr::interface_index(fd, name)
                .ok_or_else(|| anyhow!("unknown iface: {}{here}", quote(name)))?,
        ),
        _ => None,
    };
    let dst = Destination::new(fd, ip, zone, index).ok_or_else(|| {
        anyhow!(
            "{}: no such interface{here}",
            quote(zone.unwrap_or_default())
        )
    })?;
    let scope = match dst.addr {
        SocketAddr::V6(a) => a.scope_id(),
        SocketAddr::V4(_) => 0,
    };
    setup(sock, o.ttl)?;
    buffers(sock, o);
    if let Some(name) = device {
        sys::set_bytes(fd, sys::SOL_SOCKET, sys::SO_BINDTODEVICE, name.as_bytes())
            .map_err(|e| anyhow!("SO_BINDTODEVICE {}: {}{here}", quote(name), io_reason(&e)))?;
    }
    if let Some(Source::Address(a)) = &o.source {
        let local = match (a, sock.family) {
            (IpAddr::V4(a), Family::V4) => SocketAddr::V4(SocketAddrV4::new(*a, 0)),
            (IpAddr::V6(a), Family::V6) => SocketAddr::V6(SocketAddrV6::new(*a, 0, 0, scope)),
            _ => return Err(anyhow!("-I {a}: not an address of the family of {ip}")),
        };
        rustix::net::bind(fd, &local)
            .map_err(|e| anyhow!("-I {a}: cannot bind: {}{here}", os_error(e)))?;
    }
    if o.broadcast {
        sockopt::set_socket_broadcast(fd, true)
            .map_err(|e| anyhow!("cannot set broadcasting: {}", os_error(e)))?;
    }
    // A link-local destination without a zone has no route to probe: the
    // kernel picks the interface at send time, as for iputils.
    let source = if dst.unscoped_link_local() {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    } else {
        probe_source(dst.addr, device, o.broadcast).map_err(|e| {
            let why = format!("{ip}: {}{here}", os_error(e));
            match e {
                Errno::HOSTUNREACH | Errno::NETUNREACH => NoRoute(why).into(),
                Errno::ACCESS if !o.broadcast => anyhow!(
                    "Do you want to ping broadcast? Then -b. If not, check your local firewall rules"
                ),
                _ => anyhow!(why),
            }
        })?
    };
    if let IpAddr::V4(a) = ip {
        if o.broadcast || a.is_multicast() {
            group(fd, o)?;
        }
    }
    let from = match (&o.source, device) {
        (Some(Source::Address(a)), _) => Some((*a, String::new())),
        (_, Some(name)) => Some((source, name.to_string())),
        _ => None,
    };
    Ok(Prepared { dst, from })
}

/// What every ICMP socket of ours needs, in iputils' order: the filter
/// of a raw socket, errors on the error queue, the TTL and the kernel's
/// receive time with each datagram, the TTL to send with.
pub fn setup(sock: &IcmpSocket, ttl: Option<u8>) -> anyhow::Result<()> {
    let fd = sock.fd.as_fd();
    filter(sock)?;
    match sock.family {
        Family::V4 => {
            option(fd, sys::SOL_IP, sys::IP_RECVERR, "IP_RECVERR")?;
            option(fd, sys::SOL_IP, sys::IP_RECVTTL, "IP_RECVTTL")?;
        }
        Family::V6 => {
            option(fd, sys::SOL_IPV6, sys::IPV6_RECVERR, "IPV6_RECVERR")?;
            option(
                fd,
                sys::SOL_IPV6,
                sys::IPV6_RECVHOPLIMIT,
                "IPV6_RECVHOPLIMIT",
            )?;
        }
    }
    // Kernel receive times; the 64-bit variant where the kernel has it.
    // Without either (qemu-user has neither), a reply is timed when it is
    // read, as iputils falls back to doing.
    if sys::set_int(fd, sys::SOL_SOCKET, sys::SO_TIMESTAMPNS_NEW, 1).is_err() {
        let _ = sys::set_int(fd, sys::SOL_SOCKET, sys::SO_TIMESTAMPNS_OLD, 1);
    }
    if let Some(ttl) = ttl {
        let set = match sock.family {
            Family::V4 => sockopt::set_ip_ttl(fd, ttl.into())
                .and_then(|()| sockopt::set_ip_multicast_ttl(fd, ttl.into())),
            Family::V6 => sockopt::set_ipv6_unicast_hops(fd, Some(ttl))
                .and_then(|()| sockopt::set_ipv6_multicast_hops(fd, ttl.into())),
        };
        set.map_err(|e| anyhow!("cannot set the TTL to {ttl}: {}", os_error(e)))?;
    }
    Ok(())
}

/// A raw socket sees every ICMP packet: it takes echo replies, and the
/// redirects and source quenches iputils prints from there; errors come
/// by the error queue.
fn filter(sock: &IcmpSocket) -> anyhow::Result<()> {
    let fd = sock.fd.as_fd();
    match (sock.family, sock.kind) {
        (Family::V4, Kind::Raw) => {
            let pass = [ICMP_ECHOREPLY, ICMP_SOURCE_QUENCH, ICMP_REDIRECT]
                .iter()
                .fold(0u32, |bits, &t| bits | 1 << t);
            sys::set_bytes(fd, sys::SOL_RAW, sys::ICMP_FILTER, &(!pass).to_ne_bytes())
                .map_err(|e| failed("ICMP_FILTER", e))
        }
        (Family::V6, Kind::Raw) => {
            let mut filter = [u32::MAX; 8];
            let t = usize::from(crate::packet::ICMPV6_ECHO_REPLY);
            filter[t >> 5] &= !(1 << (t & 31));
            let bytes: Vec<u8> = filter.iter().flat_map(|w| w.to_ne_bytes()).collect();
            sys::set_bytes(fd, sys::SOL_ICMPV6, sys::ICMP6_FILTER, &bytes)
                .map_err(|e| failed("ICMP6_FILTER", e))
        }
        (_, Kind::Datagram) => Ok(()),
    }
}

/// Socket buffers as iputils sizes them, from its estimate of what one
/// probe takes: so small that a device that cannot send (a neighbour that
/// never answers) fills the send buffer and sends fail with ENOBUFS,
/// instead of piling up. Sends wait at most an interval (a second at most,
/// 10 ms at least). Failures change nothing that matters: ignored, as there.
fn buffers(sock: &IcmpSocket, o: &Options) {
    let fd = sock.fd.as_fd();
    let per_512 = match sock.family {
        Family::V4 => 20 + 16 + 64 + 160,
        Family::V6 => 40 + 16 + 64 + 160,
    };
    let hold = o.size.saturating_add(8).min(i32::MAX as usize / 2);
    let hold = hold + hold.div_ceil(512) * per_512;
    let _ = sockopt::set_socket_send_buffer_size(fd, hold);
    let _ = sockopt::set_socket_recv_buffer_size(fd, hold.max(65536));
    let wait = Duration::from_millis(o.interval_ms.clamp(10, 1000));
    let _ = sockopt::set_socket_timeout(fd, sockopt::Timeout::Send, Some(wait));
}

/// Broadcast and multicast over IPv4, as iputils: never fragmented, and
/// not more often than once a second without privileges.
fn group(fd: BorrowedFd, o: &Options) -> anyhow::Result<()> {
    if !rustix::process::getuid().is_root() && o.interval_ms < 1000 {
        return Err(anyhow!(
            "broadcast ping with too short interval: {}",
            o.interval_ms
        ));
    }
    sockopt::set_ip_mtu_discover(fd, sockopt::Ipv4PathMtuDiscovery::DO)
        .map_err(|e| anyhow!("IP_MTU_DISCOVER: {}", os_error(e)))
}

/// The source address the kernel would pick for `dst`, found as iputils
/// does with a connected UDP socket; fails early (as ping) when there is
/// no route. A broadcast address is refused (EACCES) unless `broadcast`.
fn probe_source(dst: SocketAddr, device: Option<&str>, broadcast: bool) -> Result<IpAddr, Errno> {
    let domain = match dst {
        SocketAddr::V4(_) => AddressFamily::INET,
        SocketAddr::V6(_) => AddressFamily::INET6,
    };
    let probe = rustix::net::socket_with(domain, SocketType::DGRAM, SocketFlags::CLOEXEC, None)?;
    if let Some(name) = device {
        let _ = sys::set_bytes(
            &probe,
            sys::SOL_SOCKET,
            sys::SO_BINDTODEVICE,
            name.as_bytes(),
        );
    }
    let mut to = dst;
    to.set_port(1025);
    match rustix::net::connect(&probe, &to) {
        Err(Errno::ACCESS) if broadcast => {
            // Not an error: iputils warns, in these words, without its name.
            let _ = std::io::stderr().write_all(b"WARNING: pinging broadcast address\n");
            sockopt::set_socket_broadcast(&probe, true)?;
            rustix::net::connect(&probe, &to)?;
        }
        other => other?,
    }
    let local = rustix::net::getsockname(&probe)?;
    Ok(SocketAddr::try_from(local)
        .map(|a| a.ip())
        .unwrap_or(match dst {
            SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        }))
}
