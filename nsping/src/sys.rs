//! The few system calls rustix has no API for: integer and byte socket
//! options it does not name (IP_RECVERR, IP_RECVTTL, ICMP_FILTER,
//! SO_TIMESTAMPNS, SO_BINDTODEVICE...), `recvmsg` with raw control data
//! (rustix's `recvmsg` decodes only SCM_RIGHTS and SCM_CREDENTIALS and drops
//! every other control message, and we need the TTL, the kernel receive
//! time and the extended error), `signal` and `if_nametoindex`.
//!
//! They are called through the C library the standard library already
//! links (musl in the static build, glibc otherwise); no crate is added.
//! The structures below are the kernel's own layouts for Linux on 64-bit
//! little-endian machines and on 32-bit ones, which glibc and musl share
//! there; the option numbers are the asm-generic ones (x86, arm, riscv...).

use std::ffi::{c_int, c_uint, c_void};
use std::io;
use std::mem::size_of;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsFd, AsRawFd};

pub const SOL_SOCKET: c_int = 1;
pub const SO_BINDTODEVICE: c_int = 25;
/// SO_TIMESTAMPNS with a 64-bit `struct timespec` everywhere (Linux 5.1).
pub const SO_TIMESTAMPNS_NEW: c_int = 64;
/// SO_TIMESTAMPNS with the native `struct timespec` (older kernels).
pub const SO_TIMESTAMPNS_OLD: c_int = 35;

pub const SOL_IP: c_int = 0;
pub const IP_TTL: c_int = 2;
pub const IP_RECVERR: c_int = 11;
pub const IP_RECVTTL: c_int = 12;

pub const SOL_IPV6: c_int = 41;
pub const IPV6_RECVERR: c_int = 25;
pub const IPV6_RECVHOPLIMIT: c_int = 51;
pub const IPV6_HOPLIMIT: c_int = 52;

/// `SOL_RAW` / `ICMP_FILTER`: a bit mask of ICMP types a raw socket drops.
pub const SOL_RAW: c_int = 255;
pub const ICMP_FILTER: c_int = 1;
/// `IPPROTO_ICMPV6` / `ICMP6_FILTER`: 256 bits, a set bit blocks the type.
pub const SOL_ICMPV6: c_int = 58;
pub const ICMP6_FILTER: c_int = 1;

pub const MSG_DONTWAIT: c_int = 0x40;
pub const MSG_ERRQUEUE: c_int = 0x2000;

pub const SIGINT: c_int = 2;
pub const SIGQUIT: c_int = 3;

const AF_INET: u16 = 2;
const AF_INET6: u16 = 10;

#[repr(C)]
struct IoVec {
    base: *mut c_void,
    len: usize,
}

/// `struct msghdr` as the kernel defines it (`size_t` lengths; musl's
/// `int` + padding is the same bytes on little-endian machines once the
/// padding is zero, which it is here since the values are small).
#[repr(C)]
struct MsgHdr {
    name: *mut c_void,
    namelen: u32,
    iov: *mut IoVec,
    iovlen: usize,
    control: *mut c_void,
    controllen: usize,
    flags: c_int,
}

extern "C" {
    fn setsockopt(fd: c_int, level: c_int, name: c_int, value: *const c_void, len: u32) -> c_int;
    fn recvmsg(fd: c_int, msg: *mut MsgHdr, flags: c_int) -> isize;
    fn signal(signum: c_int, handler: usize) -> usize;
    fn if_nametoindex(name: *const std::ffi::c_char) -> c_uint;
    fn if_indextoname(index: c_uint, name: *mut std::ffi::c_char) -> *mut std::ffi::c_char;
}

/// `setsockopt` with a byte value.
pub fn set_bytes(fd: impl AsFd, level: c_int, name: c_int, value: &[u8]) -> io::Result<()> {
    // SAFETY: the pointer and length describe `value`, which outlives the call.
    let rc = unsafe {
        setsockopt(
            fd.as_fd().as_raw_fd(),
            level,
            name,
            value.as_ptr().cast(),
            value.len() as u32,
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

/// What one `recvmsg` returned.
#[derive(Debug, Clone, Copy)]
pub struct Received {
    /// Bytes of the datagram (at most the buffer's length).
    pub len: usize,
    /// Bytes of control data in the control buffer.
    pub control_len: usize,
    /// The sender (or, on the error queue, the original destination).
    pub from: Option<IpAddr>,
    /// Its IPv6 scope (interface index) for link-local senders, else 0.
    pub scope: u32,
}

/// `recvmsg` into `buf`, with control data into `control`.
pub fn receive(
    fd: impl AsFd,
    buf: &mut [u8],
    control: &mut Control,
    flags: c_int,
) -> io::Result<Received> {
    // Room for a sockaddr_in6 (28 bytes), aligned as the kernel expects.
    #[repr(C, align(8))]
    struct Name([u8; 32]);
    let mut name = Name([0; 32]);
    let mut iov = IoVec {
        base: buf.as_mut_ptr().cast(),
        len: buf.len(),
    };
    let mut msg = MsgHdr {
        name: name.0.as_mut_ptr().cast(),
        namelen: name.0.len() as u32,
        iov: &mut iov,
        iovlen: 1,
        control: control.0.as_mut_ptr().cast(),
        controllen: control.0.len(),
        flags: 0,
    };
    // SAFETY: every pointer in `msg` refers to a live buffer of the stated
    // length for the duration of the call.
    let n = unsafe { recvmsg(fd.as_fd().as_raw_fd(), &mut msg, flags) };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let namelen = (msg.namelen as usize).min(name.0.len());
    Ok(Received {
        len: (n as usize).min(buf.len()),
        control_len: msg.controllen.min(control.0.len()),
        from: sockaddr_ip(&name.0[..namelen]),
        scope: sockaddr_scope(&name.0[..namelen]),
    })
}

/// The address in a `sockaddr_in` or `sockaddr_in6`.
pub fn sockaddr_ip(raw: &[u8]) -> Option<IpAddr> {
    let family = u16::from_ne_bytes(raw.get(..2)?.try_into().ok()?);
    match family {
        AF_INET => {
            let a: [u8; 4] = raw.get(4..8)?.try_into().ok()?;
            Some(IpAddr::V4(Ipv4Addr::from(a)))
        }
        AF_INET6 => {
            let a: [u8; 16] = raw.get(8..24)?.try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(a)))
        }
        _ => None,
    }
}

/// The `sin6_scope_id` of a `sockaddr_in6` (0 for anything else).
pub fn sockaddr_scope(raw: &[u8]) -> u32 {
    match raw.get(..2).map(|f| u16::from_ne_bytes([f[0], f[1]])) {
        Some(AF_INET6) => raw
            .get(24..28)
            .map_or(0, |b| u32::from_ne_bytes([b[0], b[1], b[2], b[3]])),
        _ => 0,
    }
}

/// One control message: level, type and data.
pub type Cmsg<'a> = (c_int, c_int, &'a [u8]);

/// The control messages in `control` (the bytes `recvmsg` filled), as the
/// `CMSG_FIRSTHDR` / `CMSG_NXTHDR` macros walk them. Malformed or truncated
/// entries end the walk instead of being read past.
pub fn cmsgs(control: &[u8]) -> impl Iterator<Item = Cmsg<'_>> {
    const WORD: usize = size_of::<usize>();
    const HEADER: usize = WORD + 8; // size_t cmsg_len; int level; int type
    let align = |n: usize| (n + WORD - 1) & !(WORD - 1);
    let mut at = 0usize;
    std::iter::from_fn(move || {
        let header = control.get(at..at.checked_add(HEADER)?)?;
        let len = usize::from_ne_bytes(header[..WORD].try_into().ok()?);
        let level = c_int::from_ne_bytes(header[WORD..WORD + 4].try_into().ok()?);
        let kind = c_int::from_ne_bytes(header[WORD + 4..WORD + 8].try_into().ok()?);
        if len < HEADER {
            return None;
        }
        let data = control.get(at + align(HEADER)..at.checked_add(len)?)?;
        at = at.checked_add(align(len))?;
        Some((level, kind, data))
    })
}

/// Installs `handler` for `signum` with `signal()`: both glibc and musl give
/// it BSD semantics (the handler stays installed, SA_RESTART), and it needs
/// no `struct sigaction`, whose layout differs between C libraries.
pub fn set_handler(signum: c_int, handler: extern "C" fn(c_int)) -> io::Result<()> {
    // SAFETY: `handler` is an `extern "C" fn(int)`, the type `signal` takes.
    let old = unsafe { signal(signum, handler as usize) };
    if old == usize::MAX {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

/// The index of interface `name`, if there is one.
pub fn interface_index(name: &str) -> Option<u32> {
    // IF_NAMESIZE bytes, the last one the terminating NUL.
    let mut buf = [0u8; 16];
    if name.len() >= buf.len() || name.contains('\0') {
        return None;
    }
    buf[..name.len()].copy_from_slice(name.as_bytes());
    // SAFETY: `buf` is NUL-terminated and outlives the call.
    let index = unsafe { if_nametoindex(buf.as_ptr().cast()) };
    (index != 0).then_some(index)
}

/// The name of interface `index`, if there is one.
pub fn interface_name(index: u32) -> Option<String> {
    let mut buf = [0u8; 16]; // IF_NAMESIZE
                             // SAFETY: `buf` has the IF_NAMESIZE bytes if_indextoname writes at most.
    let p = unsafe { if_indextoname(index, buf.as_mut_ptr().cast()) };
    if p.is_null() {
        return None;
    }
    let len = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8(buf[..len].to_vec()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmsg(level: c_int, kind: c_int, data: &[u8]) -> Vec<u8> {
        let word = size_of::<usize>();
        let header = word + 8;
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
    fn names_interfaces() {
        let lo = interface_index("lo").unwrap();
        assert_eq!(interface_name(lo).as_deref(), Some("lo"));
        assert_eq!(interface_index("no-such-if0"), None);
    }

    #[test]
    fn reads_socket_addresses() {
        let mut v4 = [0u8; 16];
        v4[..2].copy_from_slice(&AF_INET.to_ne_bytes());
        v4[4..8].copy_from_slice(&[10, 0, 0, 2]);
        assert_eq!(sockaddr_ip(&v4), Some("10.0.0.2".parse().unwrap()));
        let mut v6 = [0u8; 28];
        v6[..2].copy_from_slice(&AF_INET6.to_ne_bytes());
        v6[8..24].copy_from_slice(&"fd00::2".parse::<Ipv6Addr>().unwrap().octets());
        assert_eq!(sockaddr_ip(&v6), Some("fd00::2".parse().unwrap()));
        assert_eq!(sockaddr_scope(&v6), 0);
        v6[24..28].copy_from_slice(&7u32.to_ne_bytes());
        assert_eq!(sockaddr_scope(&v6), 7);
        assert_eq!(sockaddr_scope(&v4), 0);
        assert_eq!(sockaddr_ip(&v6[..10]), None);
        assert_eq!(sockaddr_ip(&[]), None);
    }
}
