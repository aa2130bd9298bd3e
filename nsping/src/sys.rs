//! The system calls rustix has no API for, through the C library the
//! standard library already links (musl in the static build, glibc
//! otherwise) with the `libc` crate's types: integer and byte socket
//! options rustix does not name (IP_RECVERR, IP_RECVTTL, ICMP_FILTER,
//! SO_TIMESTAMPNS, SO_BINDTODEVICE...), `recvmsg` with raw control data
//! (rustix's `recvmsg` keeps only SCM_RIGHTS and SCM_CREDENTIALS, and we
//! need the TTL, the kernel's receive time and the extended error),
//! and `signal`. The control messages are decoded here too.

use std::ffi::c_int;
use std::io;
use std::mem::size_of;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsFd, AsRawFd};

pub use libc::{
    IPV6_HOPLIMIT, IPV6_RECVERR, IPV6_RECVHOPLIMIT, IP_RECVERR, IP_RECVTTL, IP_TTL, MSG_DONTWAIT,
    MSG_ERRQUEUE, SIGINT, SIGQUIT, SOL_ICMPV6, SOL_IP, SOL_IPV6, SOL_RAW, SOL_SOCKET,
    SO_BINDTODEVICE, SO_EE_ORIGIN_ICMP, SO_EE_ORIGIN_ICMP6, SO_EE_ORIGIN_LOCAL,
};

/// SO_TIMESTAMPNS with a 64-bit `struct timespec` everywhere (Linux 5.1).
pub const SO_TIMESTAMPNS_NEW: c_int = 64;
/// SO_TIMESTAMPNS with the native `struct timespec` (older kernels).
pub const SO_TIMESTAMPNS_OLD: c_int = 35;
/// `SOL_RAW` / `ICMP_FILTER`: a bit mask of ICMP types a raw socket drops.
pub const ICMP_FILTER: c_int = 1;
/// `SOL_ICMPV6` / `ICMP6_FILTER`: 256 bits, a set bit blocks the type.
pub const ICMP6_FILTER: c_int = 1;

/// `setsockopt` with a byte value.
pub fn set_bytes(fd: impl AsFd, level: c_int, name: c_int, value: &[u8]) -> io::Result<()> {
    // SAFETY: the pointer and length describe `value`, which outlives the call.
    let rc = unsafe {
        libc::setsockopt(
            fd.as_fd().as_raw_fd(),
            level,
            name,
            value.as_ptr().cast(),
            value.len() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// `setsockopt` with an `int` value.
pub fn set_int(fd: impl AsFd, level: c_int, name: c_int, value: c_int) -> io::Result<()> {
    set_bytes(fd, level, name, &value.to_ne_bytes())
}

/// A control-message buffer aligned for `struct cmsghdr`.
#[repr(C, align(8))]
pub struct Control(pub [u8; 512]);

/// What the control messages of one datagram said.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ancillary {
    /// IP_TTL / IPV6_HOPLIMIT: the TTL or hop limit it arrived with.
    pub ttl: Option<u8>,
    /// SO_TIMESTAMPNS: when the kernel received it (CLOCK_REALTIME, ns).
    pub time_ns: Option<u64>,
    /// IP_RECVERR / IPV6_RECVERR, on the error queue.
    pub error: Option<ExtendedError>,
}

/// What one `recvmsg` returned.
#[derive(Debug, Clone, Copy)]
pub struct Received {
    /// Bytes of the datagram (at most the buffer's length).
    pub len: usize,
    /// The sender (or, on the error queue, the original destination).
    pub from: Option<IpAddr>,
    /// Its IPv6 scope (interface index) for link-local senders, else 0.
    pub scope: u32,
    pub ancillary: Ancillary,
}

/// `recvmsg` into `buf`, its control messages decoded.
pub fn receive(
    fd: impl AsFd,
    buf: &mut [u8],
    control: &mut Control,
    flags: c_int,
) -> io::Result<Received> {
    // SAFETY: all-zero is a valid sockaddr_in6, iovec and msghdr.
    let mut name: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    let mut msg: libc::msghdr = unsafe { std::mem::zeroed() };
    msg.msg_name = (&mut name as *mut libc::sockaddr_in6).cast();
    msg.msg_namelen = size_of::<libc::sockaddr_in6>() as libc::socklen_t;
    msg.msg_iov = &mut iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.0.as_mut_ptr().cast();
    msg.msg_controllen = control.0.len() as _;
    // SAFETY: every pointer in `msg` refers to a live buffer of the stated
    // length for the duration of the call.
    let n = unsafe { libc::recvmsg(fd.as_fd().as_raw_fd(), &mut msg, flags) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: `name` is plain bytes, read as such.
    let name: &[u8] = unsafe {
        std::slice::from_raw_parts(
            (&name as *const libc::sockaddr_in6).cast(),
            (msg.msg_namelen as usize).min(size_of::<libc::sockaddr_in6>()),
        )
    };
    let control_len = (msg.msg_controllen as usize).min(control.0.len());
    Ok(Received {
        len: (n as usize).min(buf.len()),
        from: sockaddr_ip(name),
        scope: sockaddr_scope(name),
        ancillary: decode(&control.0[..control_len]),
    })
}

/// The control messages nsping asks for, from the bytes `recvmsg` filled.
pub fn decode(control: &[u8]) -> Ancillary {
    let mut a = Ancillary::default();
    for (level, kind, data) in cmsgs(control) {
        match (level, kind) {
            (SOL_IP, IP_TTL) | (SOL_IPV6, IPV6_HOPLIMIT) => {
                if let Some(b) = data.get(..4) {
                    let v = i32::from_ne_bytes([b[0], b[1], b[2], b[3]]);
                    a.ttl = u8::try_from(v).ok();
                }
            }
            (SOL_SOCKET, SO_TIMESTAMPNS_NEW) => a.time_ns = timespec_ns(data, 8),
            (SOL_SOCKET, SO_TIMESTAMPNS_OLD) => {
                a.time_ns = timespec_ns(data, size_of::<libc::c_long>());
            }
            (SOL_IP, IP_RECVERR) | (SOL_IPV6, IPV6_RECVERR) => a.error = ExtendedError::parse(data),
            _ => {}
        }
    }
    a
}

/// A `struct timespec` of two `word`-byte fields, in nanoseconds.
fn timespec_ns(data: &[u8], word: usize) -> Option<u64> {
    let field = |at: usize| -> Option<i64> {
        let b = data.get(at..at + word)?;
        Some(match word {
            8 => i64::from_ne_bytes(b.try_into().ok()?),
            _ => i64::from(i32::from_ne_bytes(b.try_into().ok()?)),
        })
    };
    let (sec, nsec) = (field(0)?, field(word)?);
    u64::try_from(sec)
        .ok()?
        .checked_mul(1_000_000_000)?
        .checked_add(u64::try_from(nsec).ok()?)
}

/// The address in a `sockaddr_in` or `sockaddr_in6`.
pub fn sockaddr_ip(raw: &[u8]) -> Option<IpAddr> {
    let family = u16::from_ne_bytes(raw.get(..2)?.try_into().ok()?);
    match c_int::from(family) {
        libc::AF_INET => {
            let a: [u8; 4] = raw.get(4..8)?.try_into().ok()?;
            Some(IpAddr::V4(Ipv4Addr::from(a)))
        }
        libc::AF_INET6 => {
            let a: [u8; 16] = raw.get(8..24)?.try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(a)))
        }
        _ => None,
    }
}

/// The `sin6_scope_id` of a `sockaddr_in6` (0 for anything else).
pub fn sockaddr_scope(raw: &[u8]) -> u32 {
    match raw.get(..2).map(|f| u16::from_ne_bytes([f[0], f[1]])) {
        Some(f) if c_int::from(f) == libc::AF_INET6 => raw
            .get(24..28)
            .map_or(0, |b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
        _ => 0,
    }
}

/// One control message: level, type and data.
pub type Cmsg<'a> = (c_int, c_int, &'a [u8]);

/// The control messages in `control`, walked as `CMSG_FIRSTHDR` and
/// `CMSG_NXTHDR` walk them, but on bytes: malformed or truncated entries
/// end the walk instead of being read past.
pub fn cmsgs(control: &[u8]) -> impl Iterator<Item = Cmsg<'_>> {
    const HEADER: usize = size_of::<libc::cmsghdr>();
    const ALIGN: usize = size_of::<usize>();
    let align = |n: usize| n.checked_add(ALIGN - 1).map(|n| n & !(ALIGN - 1));
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let header = control.get(at..at.checked_add(HEADER)?)?;
        // SAFETY: `header` holds HEADER bytes, and every bit pattern is a
        // valid cmsghdr (plain integers and padding).
        let h: libc::cmsghdr = unsafe { std::ptr::read_unaligned(header.as_ptr().cast()) };
        let len = h.cmsg_len as usize;
        if len < HEADER {
            return None;
        }
        let data = control.get(at + align(HEADER)?..at.checked_add(len)?)?;
        at = at.checked_add(align(len)?)?;
        Some((h.cmsg_level, h.cmsg_type, data))
    })
}

/// `struct sock_extended_err` and the offender address after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExtendedError {
    pub errno: u32,
    pub origin: u8,
    pub icmp_type: u8,
    pub icmp_code: u8,
    pub info: u32,
    pub offender: Option<IpAddr>,
    /// The offender's IPv6 scope (link-local), else 0.
    pub offender_scope: u32,
}

impl ExtendedError {
    pub fn parse(data: &[u8]) -> Option<ExtendedError> {
        const LEN: usize = size_of::<libc::sock_extended_err>();
        let raw = data.get(..LEN)?;
        // SAFETY: `raw` holds the struct's bytes; it has only integers.
        let e: libc::sock_extended_err = unsafe { std::ptr::read_unaligned(raw.as_ptr().cast()) };
        let offender = &data[LEN..];
        Some(ExtendedError {
            errno: e.ee_errno,
            origin: e.ee_origin,
            icmp_type: e.ee_type,
            icmp_code: e.ee_code,
            info: e.ee_info,
            offender: sockaddr_ip(offender),
            offender_scope: sockaddr_scope(offender),
        })
    }
}

/// Installs `handler` for `signum` with `signal()`: both glibc and musl give
/// it BSD semantics (the handler stays installed, SA_RESTART), and it needs
/// no `struct sigaction`, whose layout differs between C libraries.
pub fn set_handler(signum: c_int, handler: extern "C" fn(c_int)) -> io::Result<()> {
    // SAFETY: `handler` is an `extern "C" fn(int)`, the type `signal` takes.
    let old = unsafe { libc::signal(signum, handler as libc::sighandler_t) };
    if old == libc::SIG_ERR {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmsg(level: c_int, kind: c_int, data: &[u8]) -> Vec<u8> {
        let word = size_of::<usize>();
        let header = size_of::<libc::cmsghdr>();
        let mut v = Vec::new();
        v.extend_from_slice(&(header + data.len()).to_ne_bytes());
        v.extend_from_slice(&level.to_ne_bytes());
        v.extend_from_slice(&kind.to_ne_bytes());
        v.extend_from_slice(data);
        while v.len() % word != 0 {
            v.push(0);
        }
        v
    }

    #[test]
    fn walks_control_messages() {
        let mut control = cmsg(SOL_IP, IP_TTL, &64i32.to_ne_bytes());
        control.extend(cmsg(SOL_SOCKET, SO_TIMESTAMPNS_NEW, &[7u8; 16]));
        control.extend(cmsg(SOL_IPV6, IPV6_HOPLIMIT, &[1, 0, 0]));
        let all: Vec<_> = cmsgs(&control).collect();
        assert_eq!(all.len(), 3);
        assert_eq!(all[0], (SOL_IP, IP_TTL, &64i32.to_ne_bytes()[..]));
        assert_eq!(all[1].1, SO_TIMESTAMPNS_NEW);
        assert_eq!(all[1].2, &[7u8; 16]);
        assert_eq!(all[2].2, &[1, 0, 0]);
    }

    #[test]
    fn stops_at_malformed_control_data() {
        let mut control = cmsg(SOL_IP, IP_TTL, &64i32.to_ne_bytes());
        // A header claiming more than there is.
        let mut bad = cmsg(SOL_IP, IP_TTL, &[1; 4]);
        bad[0] = 200;
        control.extend(bad);
        assert_eq!(cmsgs(&control).count(), 1);
        // A length below the header's own size.
        let mut tiny = cmsg(SOL_IP, IP_TTL, &[]);
        tiny[0] = 3;
        assert_eq!(cmsgs(&tiny).count(), 0);
        assert_eq!(cmsgs(&control[..5]).count(), 0);
        assert_eq!(cmsgs(&[]).count(), 0);
    }

    #[test]
    fn decodes_what_nsping_asks_for() {
        let mut stamp = Vec::new();
        stamp.extend_from_slice(&5i64.to_ne_bytes());
        stamp.extend_from_slice(&7i64.to_ne_bytes());
        let mut control = cmsg(SOL_IP, IP_TTL, &63i32.to_ne_bytes());
        control.extend(cmsg(SOL_SOCKET, SO_TIMESTAMPNS_NEW, &stamp));
        let a = decode(&control);
        assert_eq!(
            (a.ttl, a.time_ns, a.error),
            (Some(63), Some(5_000_000_007), None)
        );
        assert_eq!(
            decode(&cmsg(SOL_IPV6, IPV6_HOPLIMIT, &300i32.to_ne_bytes())).ttl,
            None
        );
        let e = decode(&cmsg(SOL_IP, IP_RECVERR, &extended_error()));
        assert_eq!(e.error.unwrap().icmp_type, 3);
    }

    #[test]
    fn timespecs() {
        let mut d = Vec::new();
        d.extend_from_slice(&5i64.to_ne_bytes());
        d.extend_from_slice(&7i64.to_ne_bytes());
        assert_eq!(timespec_ns(&d, 8), Some(5_000_000_007));
        assert_eq!(timespec_ns(&d[..12], 8), None);
        let mut n = Vec::new();
        n.extend_from_slice(&(-1i64).to_ne_bytes());
        n.extend_from_slice(&0i64.to_ne_bytes());
        assert_eq!(timespec_ns(&n, 8), None);
    }

    #[test]
    fn reads_socket_addresses() {
        let mut v4 = [0u8; 16];
        v4[..2].copy_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        v4[4..8].copy_from_slice(&[10, 0, 0, 2]);
        assert_eq!(sockaddr_ip(&v4), Some("10.0.0.2".parse().unwrap()));
        let mut v6 = [0u8; 28];
        v6[..2].copy_from_slice(&(libc::AF_INET6 as u16).to_ne_bytes());
        v6[8..24].copy_from_slice(&"fd00::2".parse::<Ipv6Addr>().unwrap().octets());
        assert_eq!(sockaddr_ip(&v6), Some("fd00::2".parse().unwrap()));
        assert_eq!(sockaddr_scope(&v6), 0);
        v6[24..28].copy_from_slice(&7u32.to_ne_bytes());
        assert_eq!(sockaddr_scope(&v6), 7);
        assert_eq!(sockaddr_scope(&v4), 0);
        assert_eq!(sockaddr_ip(&v6[..10]), None);
        assert_eq!(sockaddr_ip(&[]), None);
    }

    fn extended_error() -> Vec<u8> {
        let mut e = Vec::new();
        e.extend_from_slice(&113u32.to_ne_bytes());
        e.extend_from_slice(&[SO_EE_ORIGIN_ICMP, 3, 1, 0]);
        e.extend_from_slice(&0u32.to_ne_bytes());
        e.extend_from_slice(&0u32.to_ne_bytes());
        e.extend_from_slice(&(libc::AF_INET as u16).to_ne_bytes());
        e.extend_from_slice(&[0, 0, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
        e
    }

    #[test]
    fn parses_extended_errors() {
        let e = extended_error();
        let parsed = ExtendedError::parse(&e).unwrap();
        assert_eq!(parsed.errno, 113);
        assert_eq!(
            (parsed.origin, parsed.icmp_type, parsed.icmp_code),
            (SO_EE_ORIGIN_ICMP, 3, 1)
        );
        assert_eq!(parsed.offender, Some("10.0.0.1".parse().unwrap()));
        assert_eq!(ExtendedError::parse(&e[..16]).unwrap().offender, None);
        assert_eq!(ExtendedError::parse(&e[..11]), None);
    }
}
