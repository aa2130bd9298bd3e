//! Hosts as the tools are given them: an IP literal read by the C
//! library's `inet_pton` (the parser the static binary has anyway, so
//! Rust's own is not linked in as well), or a name from `/etc/hosts`.
//!
//! Names are looked up in the hosts file only, not through the resolver:
//! musl's `getaddrinfo` costs a binary about 28 KiB, and a lab's machines
//! know each other from `/etc/hosts` (nsping, which must resolve as ping
//! does, has the resolver).

use std::ffi::{c_char, c_int, c_void, CString};
use std::net::IpAddr;

extern "C" {
    // In the C library std links (musl's getaddrinfo uses it); neither
    // rustix nor the libc crate declares it.
    fn inet_pton(family: c_int, text: *const c_char, address: *mut c_void) -> c_int;
}

/// An IPv4 or IPv6 address in the text `inet_pton` takes (no zone, no
/// prefix length).
pub fn parse_ip(text: &str) -> Option<IpAddr> {
    let text = CString::new(text).ok()?;
    let mut buf = [0u8; 16];
    for family in [libc::AF_INET, libc::AF_INET6] {
        // SAFETY: `text` is NUL-terminated and `buf` has room for either
        // address; both outlive the call.
        if unsafe { inet_pton(family, text.as_ptr(), buf.as_mut_ptr().cast()) } == 1 {
            return Some(match family {
                libc::AF_INET => IpAddr::from([buf[0], buf[1], buf[2], buf[3]]),
                _ => IpAddr::from(buf),
            });
        }
    }
    None
}

/// Where names are looked up.
pub const HOSTS: &str = "/etc/hosts";

/// The addresses `name` has in the hosts file, in the file's order;
/// empty when the file is missing or does not name it.
pub fn from_hosts_file(name: &str) -> Vec<IpAddr> {
    std::fs::read(HOSTS).map_or_else(|_| Vec::new(), |text| in_hosts(&text, name))
}

/// The addresses `name` has in `text`, read as hosts(5) says: an address,
/// then its names, blank-separated, `#` to the end of the line a comment;
/// names match without regard to case, as the C library matches them.
pub fn in_hosts(text: &[u8], name: &str) -> Vec<IpAddr> {
    let mut found = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        let line = line.split(|&b| b == b'#').next().unwrap_or(&[]);
        let mut fields = line
            .split(|b| b.is_ascii_whitespace())
            .filter(|f| !f.is_empty());
        let Some(address) = fields.next() else {
            continue;
        };
        if fields.any(|n| n.eq_ignore_ascii_case(name.as_bytes())) {
            let ip = std::str::from_utf8(address).ok().and_then(parse_ip);
            found.extend(ip);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_as_inet_pton_reads_them() {
        for text in ["10.0.0.2", "fd00::2", "::ffff:10.0.0.2", "fe80::1", "::"] {
            assert_eq!(parse_ip(text), text.parse().ok(), "{text}");
        }
        for bad in [
            "",
            "10.0.0",
            "10.0.0.256",
            "01.0.0.1",
            "fe80::1%lo",
            "a b",
            "1:2:3",
            "x\0",
        ] {
            assert_eq!(parse_ip(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn names_are_found_as_hosts_5_lists_them() {
        let text = b"# a comment naming host-b\n\
            127.0.0.1\tlocalhost\n\
            192.168.7.2   host-b  b # and a comment\n\
            fd00:7::2 HOST-B\n\
            fe80::2%eth0 host-b\n\
            \n\
            nonsense host-b\n\
            192.168.7.3 host-bb\n";
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            in_hosts(text, "host-b"),
            [ip("192.168.7.2"), ip("fd00:7::2")]
        );
        assert_eq!(in_hosts(text, "B"), [ip("192.168.7.2")]);
        assert!(in_hosts(text, "comment").is_empty());
        assert!(in_hosts(text, "host").is_empty());
        assert!(in_hosts(b"", "localhost").is_empty());
        assert!(in_hosts(b"10.0.0.1", "10.0.0.1").is_empty());
    }
}
