//! HOST to an address: an IP literal (IPv6 may carry `%IFACE` or `%INDEX`),
//! else a name from `/etc/hosts`, read here first so the static binary
//! resolves in a VM without DNS, else the C library's resolver through
//! std's `ToSocketAddrs`.

use std::net::{IpAddr, ToSocketAddrs};

use anyhow::anyhow;
use nscore::cli::quote;

use crate::addr::Family;

/// Where to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub addr: IpAddr,
    /// The name as the header shows it: the literal, or the canonical name.
    pub name: String,
    /// IPv6 zone (`fe80::1%veth-red`): an interface name or index.
    pub scope: Option<String>,
}

fn wrong_family(host: &str) -> anyhow::Error {
    anyhow!("{}: Address family for hostname not supported", quote(host))
}

/// Splits `ADDR%ZONE` and parses the address.
fn literal(s: &str) -> Option<(IpAddr, Option<String>)> {
    if let Ok(a) = s.parse::<IpAddr>() {
        return Some((a, None));
    }
    let (addr, zone) = s.split_once('%')?;
    let a = addr.parse::<std::net::Ipv6Addr>().ok()?;
    (!zone.is_empty()).then(|| (IpAddr::V6(a), Some(zone.to_string())))
}

/// Looks `name` up in the text of a hosts file: the first entry of the
/// wanted family whose names include it (case-insensitively), with the
/// entry's first name as the canonical one.
pub fn from_hosts(text: &str, name: &str, family: Option<Family>) -> Option<Target> {
    for line in text.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut fields = line.split_whitespace();
        let Some(addr) = fields.next() else { continue };
        let names: Vec<&str> = fields.collect();
        if !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
            continue;
        }
        let Some((addr, scope)) = literal(addr) else {
            continue;
        };
        if family.is_some_and(|f| f != Family::of(addr)) {
            continue;
        }
        return Some(Target {
            addr,
            name: names[0].to_string(),
            scope,
        });
    }
    None
}

pub fn resolve(host: &str, family: Option<Family>) -> anyhow::Result<Target> {
    if let Some((addr, scope)) = literal(host) {
        if family.is_some_and(|f| f != Family::of(addr)) {
            return Err(wrong_family(host));
        }
        return Ok(Target {
            addr,
            name: host.to_string(),
            scope,
        });
    }
    if let Ok(text) = std::fs::read_to_string("/etc/hosts") {
        if let Some(t) = from_hosts(&text, host, family) {
            return Ok(t);
        }
    }
    let found = (host, 0u16).to_socket_addrs().map_err(|e| {
        let why = e.to_string();
        let why = why
            .strip_prefix("failed to lookup address information: ")
            .unwrap_or(&why)
            .to_string();
        anyhow!("{}: {why}", quote(host))
    })?;
    let mut any = false;
    for sa in found {
        any = true;
        if !family.is_some_and(|f| f != Family::of(sa.ip())) {
            return Ok(Target {
                addr: sa.ip(),
                name: host.to_string(),
                scope: None,
            });
        }
    }
    if any {
        Err(wrong_family(host))
    } else {
        Err(anyhow!("{}: Name or service not known", quote(host)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTS: &str = "\
127.0.0.1\tlocalhost
::1     localhost ip6-localhost ip6-loopback
# a comment line
10.0.0.2 blue blue.lab   # trailing comment
fd00::2  blue6 Blue
fe80::1%veth-red  peer
";

    #[test]
    fn literals_need_no_lookup() {
        let t = resolve("10.0.0.2", None).unwrap();
        assert_eq!(t.addr, "10.0.0.2".parse::<IpAddr>().unwrap());
        assert_eq!(t.name, "10.0.0.2");
        let t = resolve("fe80::1%veth-red", Some(Family::V6)).unwrap();
        assert_eq!(t.scope.as_deref(), Some("veth-red"));
        assert_eq!(
            resolve("10.0.0.2", Some(Family::V6))
                .unwrap_err()
                .to_string(),
            "10.0.0.2: Address family for hostname not supported"
        );
    }

    #[test]
    fn hosts_file_entries() {
        let t = from_hosts(HOSTS, "blue.lab", None).unwrap();
        assert_eq!(
            (t.addr.to_string(), t.name.as_str()),
            ("10.0.0.2".into(), "blue")
        );
        assert_eq!(
            from_hosts(HOSTS, "BLUE6", None).unwrap().addr.to_string(),
            "fd00::2"
        );
        assert_eq!(
            from_hosts(HOSTS, "localhost", Some(Family::V6))
                .unwrap()
                .addr
                .to_string(),
            "::1"
        );
        assert_eq!(
            from_hosts(HOSTS, "localhost", None)
                .unwrap()
                .addr
                .to_string(),
            "127.0.0.1"
        );
        assert_eq!(
            from_hosts(HOSTS, "peer", None).unwrap().scope.as_deref(),
            Some("veth-red")
        );
        assert_eq!(from_hosts(HOSTS, "comment", None), None);
        assert_eq!(from_hosts(HOSTS, "blue6", Some(Family::V4)), None);
        assert_eq!(from_hosts(HOSTS, "nobody", None), None);
    }

    #[test]
    fn unknown_names_fail_with_the_name() {
        let e = resolve("no-such-host.invalid", None)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("no-such-host.invalid: "), "{e}");
    }
}
