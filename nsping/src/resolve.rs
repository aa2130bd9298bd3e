//! HOST to addresses, as iputils finds them: an IP literal (IPv6 may carry
//! `%IFACE` or `%INDEX`), else the C library's `getaddrinfo` (hosts file,
//! then DNS), whose answers come in RFC 6724 order (`::1` before
//! `127.0.0.1` for `localhost`); ping takes the first it can route to.
//! Failures read as glibc words them, whatever C library the binary has.

use std::ffi::{CStr, CString};
use std::net::IpAddr;

use anyhow::anyhow;
use nscore::cli::quote;
use nscore::errno::{packed_len, Texts};

use crate::addr::Family;
use crate::sys;

/// Where to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The addresses of HOST of the family asked for, best first.
    pub addrs: Vec<IpAddr>,
    /// HOST as given.
    host: String,
    /// Its canonical name, from the resolver.
    canonical: Option<String>,
    /// IPv6 zone (`fe80::1%veth-red`): an interface name or index.
    pub zone: Option<String>,
}

impl Target {
    /// The name the header shows for `ip`, as iputils: the canonical name
    /// when it pings IPv4, HOST as given for IPv6 (or a literal).
    pub fn name(&self, ip: IpAddr) -> &str {
        match (ip, &self.canonical) {
            (IpAddr::V4(_), Some(canonical)) => canonical,
            _ => &self.host,
        }
    }
}

/// `EAI_ADDRFAMILY`, which glibc has and musl does not return.
const EAI_ADDRFAMILY: i32 = -9;

/// `gai_strerror` as glibc has it, by the negated EAI_ code (the same
/// numbers in glibc and musl).
const GAI_ENTRIES: &[(i32, &str)] = &[
    (1, "Bad value for ai_flags"),
    (2, "Name or service not known"),
    (3, "Temporary failure in name resolution"),
    (4, "Non-recoverable failure in name resolution"),
    (5, "No address associated with hostname"),
    (6, "ai_family not supported"),
    (7, "ai_socktype not supported"),
    (8, "Servname not supported for ai_socktype"),
    (9, "Address family for hostname not supported"),
    (10, "Memory allocation failure"),
    (11, "System error"),
];
static GAI_TEXTS: Texts<{ packed_len(GAI_ENTRIES) }> = Texts::pack(GAI_ENTRIES);

fn gai_text(code: i32) -> &'static str {
    GAI_TEXTS.get(-code).unwrap_or("Unknown error")
}

fn failed(host: &str, code: i32) -> anyhow::Error {
    anyhow!("{}: {}", quote(host), gai_text(code))
}

/// Splits `ADDR%ZONE` and parses the address.
fn literal(s: &str) -> Option<(IpAddr, Option<String>)> {
    if let Some(a) = crate::addr::parse(s) {
        return Some((a, None));
    }
    let (addr, zone) = s.split_once('%')?;
    let a = crate::addr::parse(addr).filter(IpAddr::is_ipv6)?;
    (!zone.is_empty()).then(|| (a, Some(zone.to_string())))
}

pub fn resolve(host: &str, family: Option<Family>) -> anyhow::Result<Target> {
    let wanted = |a: &IpAddr| family.is_none_or(|f| f == Family::of(*a));
    let (addrs, canonical, zone) = match literal(host) {
        Some((addr, zone)) => (vec![addr], None, zone),
        None => {
            let (found, canonical) = lookup(host).map_err(|code| failed(host, code))?;
            (found, canonical, None)
        }
    };
    // As iputils: both families asked for, the others dropped after.
    let addrs: Vec<IpAddr> = addrs.into_iter().filter(wanted).collect();
    if addrs.is_empty() {
        return Err(failed(host, EAI_ADDRFAMILY));
    }
    Ok(Target {
        addrs,
        host: host.to_string(),
        canonical,
        zone,
    })
}

/// `getaddrinfo(host)` as iputils asks it (any family, UDP so each address
/// comes once, the canonical name): the addresses in its order, and the
/// name; the EAI_ code when it fails.
fn lookup(host: &str) -> Result<(Vec<IpAddr>, Option<String>), i32> {
    let host = CString::new(host).map_err(|_| libc::EAI_NONAME)?;
    // SAFETY: all-zero is a valid addrinfo (null pointers, no flags).
    let mut hints: libc::addrinfo = unsafe { std::mem::zeroed() };
    hints.ai_family = libc::AF_UNSPEC;
    hints.ai_socktype = libc::SOCK_DGRAM;
    hints.ai_protocol = libc::IPPROTO_UDP;
    hints.ai_flags = libc::AI_CANONNAME;
    let mut list = std::ptr::null_mut();
    // SAFETY: `host` and `hints` outlive the call, `list` receives a list
    // that is freed below.
    let code = unsafe { libc::getaddrinfo(host.as_ptr(), std::ptr::null(), &hints, &mut list) };
    if code != 0 {
        return Err(code);
    }
    let mut addrs = Vec::new();
    let mut canonical = None;
    let mut entry = list;
    // SAFETY: getaddrinfo returned a well-formed list, walked once
    // before it is freed; each ai_addr holds ai_addrlen bytes.
    unsafe {
        while let Some(ai) = entry.as_ref() {
            if canonical.is_none() && !ai.ai_canonname.is_null() {
                let name = CStr::from_ptr(ai.ai_canonname);
                canonical = name.to_str().ok().map(str::to_string);
            }
            if !ai.ai_addr.is_null() {
                let raw = std::slice::from_raw_parts(ai.ai_addr.cast(), ai.ai_addrlen as usize);
                addrs.extend(sys::sockaddr_ip(raw));
            }
            entry = ai.ai_next;
        }
        libc::freeaddrinfo(list);
    }
    Ok((addrs, canonical))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_need_no_lookup() {
        let t = resolve("10.0.0.2", None).unwrap();
        let ip = "10.0.0.2".parse::<IpAddr>().unwrap();
        assert_eq!((&t.addrs[..], t.name(ip)), (&[ip][..], "10.0.0.2"));
        let t = resolve("fe80::1%veth-red", Some(Family::V6)).unwrap();
        assert_eq!(t.zone.as_deref(), Some("veth-red"));
        assert_eq!(
            resolve("10.0.0.2", Some(Family::V6))
                .unwrap_err()
                .to_string(),
            "10.0.0.2: Address family for hostname not supported"
        );
    }

    #[test]
    fn resolver_texts_are_glibcs() {
        // The test binary has the host's C library: glibc, on the
        // machines the tests are meant for.
        for &(code, text) in GAI_ENTRIES {
            // SAFETY: gai_strerror returns a static NUL-terminated string.
            let glibc = unsafe { CStr::from_ptr(libc::gai_strerror(-code)) };
            assert_eq!(glibc.to_str().unwrap(), text, "EAI code {}", -code);
            assert_eq!(gai_text(-code), text);
        }
        assert_eq!(gai_text(-100), "Unknown error");
        assert_eq!(
            gai_text(EAI_ADDRFAMILY),
            "Address family for hostname not supported"
        );
        assert_eq!((libc::EAI_NONAME, libc::EAI_AGAIN), (-2, -3));
    }

    #[test]
    fn unknown_names_fail_with_the_name() {
        let e = resolve("no-such-host.invalid", None)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("no-such-host.invalid: "), "{e}");
    }
}
