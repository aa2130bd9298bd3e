//! ICMP echo packets: the request we send, and the judgement of what comes
//! back — an echo reply of ours, or an error about one of our requests.
//!
//! Payload layout: the first 8 bytes (fewer when `-s` is smaller) are this
//! run's random cookie, the rest byte `i` = `i as u8` as iputils fills it.
//! Send times are kept locally, never carried in the packet.

use std::net::Ipv4Addr;

use crate::addr::Family;

pub const ICMP_ECHOREPLY: u8 = 0;
pub const ICMP_SOURCE_QUENCH: u8 = 4;
pub const ICMP_REDIRECT: u8 = 5;
pub const ICMP_ECHO: u8 = 8;
pub const ICMPV6_ECHO_REQUEST: u8 = 128;
pub const ICMPV6_ECHO_REPLY: u8 = 129;
pub const HEADER_LEN: usize = 8;
pub const COOKIE_LEN: usize = 8;
/// No IP packet carries this much ICMP payload: a larger `-s` fails to
/// send all the same, so no more is allocated.
pub const UNSENDABLE: usize = 65536;

/// The Internet checksum (RFC 1071) of `data`: the value to store in
/// network byte order, or 0 when checking a packet that carries its own.
pub fn checksum(data: &[u8]) -> u16 {
    let mut sum: u32 = 0;
    let mut chunks = data.chunks_exact(2);
    for pair in &mut chunks {
        sum += u32::from(u16::from_be_bytes([pair[0], pair[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

/// The echo request, built once and patched with each sequence number.
pub struct Request {
    bytes: Vec<u8>,
    family: Family,
}

impl Request {
    pub fn new(family: Family, size: usize, ident: u16, cookie: &[u8; COOKIE_LEN]) -> Request {
        let mut bytes = vec![0u8; HEADER_LEN + size.min(UNSENDABLE)];
        bytes[0] = match family {
            Family::V4 => ICMP_ECHO,
            Family::V6 => ICMPV6_ECHO_REQUEST,
        };
        bytes[4..6].copy_from_slice(&ident.to_be_bytes());
        for (i, b) in bytes[HEADER_LEN..].iter_mut().enumerate() {
            *b = if i < COOKIE_LEN { cookie[i] } else { i as u8 };
        }
        Request { bytes, family }
    }

    /// Sets the sequence number (and, for IPv4, the checksum; the kernel
    /// computes ICMPv6 checksums itself, and overwrites both on datagram
    /// sockets).
    pub fn set_seq(&mut self, seq: u16) -> &[u8] {
        self.bytes[6..8].copy_from_slice(&seq.to_be_bytes());
        if self.family == Family::V4 {
            self.bytes[2..4].copy_from_slice(&[0, 0]);
            let sum = checksum(&self.bytes);
            self.bytes[2..4].copy_from_slice(&sum.to_be_bytes());
        }
        &self.bytes
    }
}

/// What makes a packet ours.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub family: Family,
    /// Raw socket: every ICMP packet of the namespace arrives, IPv4 with its
    /// IP header, so identifier, checksum and cookie must be checked. On a
    /// datagram socket the kernel checked the checksum and the identifier.
    pub raw: bool,
    pub ident: u16,
    pub cookie: [u8; COOKIE_LEN],
    /// `-s`: the payload size we sent.
    pub size: usize,
}

/// An echo reply of ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply {
    pub seq: u16,
    /// ICMP bytes (header and payload), as ping prints them.
    pub icmp_len: usize,
    /// TTL from the IPv4 header (raw IPv4 sockets only).
    pub header_ttl: Option<u8>,
    /// Shorter than what we sent.
    pub truncated: bool,
}

/// A redirect or a source quench about one of our requests: iputils
/// prints them as a raw IPv4 socket receives them, and counts nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notice {
    pub seq: u16,
    pub kind: u8,
    pub code: u8,
    /// The new next hop of a redirect (the ICMP header's second word).
    pub gateway: u32,
    pub bad_checksum: bool,
}

/// Why a packet was not taken as one of our replies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reject {
    TooShort,
    NotEchoReply,
    ForeignIdentifier,
    BadChecksum,
    WrongCookie,
}

impl Matcher {
    /// How many cookie bytes our requests carry.
    fn cookie_len(&self) -> usize {
        self.size.min(COOKIE_LEN)
    }

    /// Judges a received datagram.
    pub fn reply(&self, packet: &[u8]) -> Result<Reply, Reject> {
        let (icmp, header_ttl) = if self.raw && self.family == Family::V4 {
            let ihl = usize::from(packet.first().ok_or(Reject::TooShort)? & 0x0f) * 4;
            if ihl < 20 || packet.len() < ihl + HEADER_LEN {
                return Err(Reject::TooShort);
            }
            (&packet[ihl..], Some(packet[8]))
        } else {
            (packet, None)
        };
        if icmp.len() < HEADER_LEN {
            return Err(Reject::TooShort);
        }
        let echo_reply = match self.family {
            Family::V4 => ICMP_ECHOREPLY,
            Family::V6 => ICMPV6_ECHO_REPLY,
        };
        if icmp[0] != echo_reply {
            return Err(Reject::NotEchoReply);
        }
        if self.raw && u16::from_be_bytes([icmp[4], icmp[5]]) != self.ident {
            return Err(Reject::ForeignIdentifier);
        }
        if self.raw && self.family == Family::V4 && checksum(icmp) != 0 {
            return Err(Reject::BadChecksum);
        }
        self.check_cookie(icmp)?;
        Ok(Reply {
            seq: u16::from_be_bytes([icmp[6], icmp[7]]),
            icmp_len: icmp.len(),
            header_ttl,
            truncated: icmp.len() < HEADER_LEN + self.size,
        })
    }

    fn check_cookie(&self, icmp: &[u8]) -> Result<(), Reject> {
        let n = self.cookie_len();
        match icmp.get(HEADER_LEN..HEADER_LEN + n) {
            None => Err(Reject::TooShort),
            Some(c) if c != &self.cookie[..n] => Err(Reject::WrongCookie),
            Some(_) => Ok(()),
        }
    }

    /// Judges a packet a raw IPv4 socket received, with its IP header, as
    /// a redirect or source quench quoting our request to `dst` (its IP
    /// header and at least 8 bytes of the ICMP message).
    pub fn notice(&self, packet: &[u8], dst: Ipv4Addr) -> Option<Notice> {
        let ihl = usize::from(packet.first()? & 0x0f) * 4;
        let icmp = packet.get(ihl..)?;
        if !self.raw || self.family != Family::V4 || ihl < 20 || icmp.len() < HEADER_LEN {
            return None;
        }
        if !matches!(icmp[0], ICMP_REDIRECT | ICMP_SOURCE_QUENCH) {
            return None;
        }
        let quoted = &icmp[HEADER_LEN..];
        let quoted_ihl = usize::from(quoted.first()? & 0x0f) * 4;
        if quoted_ihl < 20
            || quoted.len() < quoted_ihl + HEADER_LEN
            || quoted[16..20] != dst.octets()
        {
            return None;
        }
        Some(Notice {
            seq: self.quoted_request(&quoted[quoted_ihl..])?,
            kind: icmp[0],
            code: icmp[1],
            gateway: u32::from_be_bytes([icmp[4], icmp[5], icmp[6], icmp[7]]),
            bad_checksum: checksum(icmp) != 0,
        })
    }

    /// Judges the packet quoted by an error from the error queue (our own
    /// echo request as sent, starting at its ICMP header): its sequence
    /// number when it is ours. The quote may stop short of the cookie.
    pub fn quoted_request(&self, icmp: &[u8]) -> Option<u16> {
        let request = match self.family {
            Family::V4 => ICMP_ECHO,
            Family::V6 => ICMPV6_ECHO_REQUEST,
        };
        if icmp.len() < HEADER_LEN || icmp[0] != request {
            return None;
        }
        if self.raw && u16::from_be_bytes([icmp[4], icmp[5]]) != self.ident {
            return None;
        }
        if icmp.len() >= HEADER_LEN + self.cookie_len() && self.check_cookie(icmp).is_err() {
            return None;
        }
        Some(u16::from_be_bytes([icmp[6], icmp[7]]))
    }
}

/// Random bytes for the identifier and the cookie.
pub fn fill_random(buf: &mut [u8]) -> anyhow::Result<()> {
    let mut at = 0;
    while at < buf.len() {
        match rustix::rand::getrandom(&mut buf[at..], rustix::rand::GetRandomFlags::empty()) {
            Ok(n) => at += n,
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => {
                let why = nscore::cli::strerror(e.raw_os_error());
                return Err(anyhow::anyhow!("cannot get random bytes: {why}"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const COOKIE: [u8; 8] = [1, 2, 3, 4, 5, 6, 7, 8];

    fn matcher(family: Family, raw: bool) -> Matcher {
        Matcher {
            family,
            raw,
            ident: 0x1234,
            cookie: COOKIE,
            size: 56,
        }
    }

    /// Our request turned into the reply a peer sends back.
    fn echo_reply(family: Family, seq: u16) -> Vec<u8> {
        let mut req = Request::new(family, 56, 0x1234, &COOKIE);
        let mut icmp = req.set_seq(seq).to_vec();
        icmp[0] = match family {
            Family::V4 => ICMP_ECHOREPLY,
            Family::V6 => ICMPV6_ECHO_REPLY,
        };
        if family == Family::V4 {
            icmp[2..4].copy_from_slice(&[0, 0]);
            let sum = checksum(&icmp);
            icmp[2..4].copy_from_slice(&sum.to_be_bytes());
        }
        icmp
    }

    fn with_ip_header(icmp: &[u8], ttl: u8) -> Vec<u8> {
        let mut p = vec![
            0x45, 0, 0, 0, 0, 0, 0, 0, ttl, 1, 0, 0, 10, 0, 0, 2, 10, 0, 0, 1,
        ];
        p.extend_from_slice(icmp);
        p
    }

    #[test]
    fn checksum_matches_rfc1071_examples() {
        // RFC 1071's example words 0001 f203 f4f5 f6f7 sum to ddf2.
        assert_eq!(
            checksum(&[0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7]),
            !0xddf2
        );
        // An odd byte counts as the high half of a word.
        assert_eq!(checksum(&[0xff]), !0xff00);
        let mut req = Request::new(Family::V4, 5, 7, &COOKIE);
        assert_eq!(checksum(req.set_seq(9)), 0);
    }

    #[test]
    fn request_layout() {
        let mut req = Request::new(Family::V4, 12, 0xabcd, &COOKIE);
        let bytes = req.set_seq(0x0102).to_vec();
        assert_eq!(bytes.len(), 20);
        assert_eq!(&bytes[..2], &[8, 0]);
        assert_eq!(&bytes[4..8], &[0xab, 0xcd, 0x01, 0x02]);
        assert_eq!(&bytes[8..16], &COOKIE);
        assert_eq!(&bytes[16..], &[8, 9, 10, 11]);
        let mut v6 = Request::new(Family::V6, 0, 1, &COOKIE);
        assert_eq!(v6.set_seq(1), &[128, 0, 0, 0, 0, 1, 0, 1]);
    }

    #[test]
    fn accepts_our_replies() {
        let m = matcher(Family::V4, true);
        let r = m
            .reply(&with_ip_header(&echo_reply(Family::V4, 3), 63))
            .unwrap();
        assert_eq!(
            r,
            Reply {
                seq: 3,
                icmp_len: 64,
                header_ttl: Some(63),
                truncated: false
            }
        );
        let dgram = matcher(Family::V4, false);
        assert_eq!(dgram.reply(&echo_reply(Family::V4, 4)).unwrap().seq, 4);
        let v6 = matcher(Family::V6, true);
        assert_eq!(v6.reply(&echo_reply(Family::V6, 5)).unwrap().seq, 5);
    }

    #[test]
    fn rejects_truncated_packets() {
        let m = matcher(Family::V4, true);
        let full = with_ip_header(&echo_reply(Family::V4, 1), 64);
        assert_eq!(m.reply(&full[..27]), Err(Reject::TooShort));
        assert_eq!(m.reply(&full[..10]), Err(Reject::TooShort));
        assert_eq!(m.reply(&[]), Err(Reject::TooShort));
        // IHL claiming a header longer than the packet.
        let mut bad = full.clone();
        bad[0] = 0x4f;
        assert_eq!(m.reply(&bad[..64]), Err(Reject::TooShort));
        // Cut inside the cookie (the checksum is redone so only length fails).
        let d = matcher(Family::V4, false);
        assert_eq!(
            d.reply(&echo_reply(Family::V4, 1)[..12]),
            Err(Reject::TooShort)
        );
        // Cut after the cookie: ours, but marked truncated.
        let r = d.reply(&echo_reply(Family::V4, 1)[..40]).unwrap();
        assert!(r.truncated);
        assert_eq!(r.icmp_len, 40);
    }

    #[test]
    fn rejects_foreign_identifiers_on_raw_sockets_only() {
        let mut icmp = echo_reply(Family::V6, 1);
        icmp[4] = 0x99;
        assert_eq!(
            matcher(Family::V6, true).reply(&icmp),
            Err(Reject::ForeignIdentifier)
        );
        // The kernel picks (and filters by) the identifier of datagram sockets.
        assert!(matcher(Family::V6, false).reply(&icmp).is_ok());
    }

    #[test]
    fn rejects_bad_checksums() {
        let m = matcher(Family::V4, true);
        let mut p = with_ip_header(&echo_reply(Family::V4, 1), 64);
        let last = p.len() - 1;
        p[last] ^= 0x40;
        assert_eq!(m.reply(&p), Err(Reject::BadChecksum));
    }

    #[test]
    fn rejects_wrong_cookies() {
        let m = matcher(Family::V4, true);
        let mut icmp = echo_reply(Family::V4, 1);
        icmp[9] ^= 1;
        icmp[2..4].copy_from_slice(&[0, 0]);
        let sum = checksum(&icmp);
        icmp[2..4].copy_from_slice(&sum.to_be_bytes());
        assert_eq!(
            m.reply(&with_ip_header(&icmp, 64)),
            Err(Reject::WrongCookie)
        );
        assert_eq!(
            matcher(Family::V4, false).reply(&icmp),
            Err(Reject::WrongCookie)
        );
    }

    #[test]
    fn rejects_other_types() {
        let m = matcher(Family::V4, false);
        let mut icmp = echo_reply(Family::V4, 1);
        icmp[0] = ICMP_ECHO;
        assert_eq!(m.reply(&icmp), Err(Reject::NotEchoReply));
        assert_eq!(
            matcher(Family::V6, false).reply(&echo_reply(Family::V4, 1)),
            Err(Reject::NotEchoReply)
        );
    }

    #[test]
    fn small_payloads_carry_part_of_the_cookie() {
        let mut m = matcher(Family::V4, false);
        m.size = 3;
        let mut req = Request::new(Family::V4, 3, 0x1234, &COOKIE);
        let mut icmp = req.set_seq(2).to_vec();
        icmp[0] = ICMP_ECHOREPLY;
        assert_eq!(&icmp[8..], &COOKIE[..3]);
        assert_eq!(m.reply(&icmp).unwrap().seq, 2);
        m.size = 0;
        assert_eq!(m.reply(&icmp[..8]).unwrap().seq, 2);
    }

    #[test]
    fn redirects_quoting_our_requests() {
        let m = matcher(Family::V4, true);
        let dst = Ipv4Addr::new(10, 0, 1, 2);
        let mut req = Request::new(Family::V4, 56, 0x1234, &COOKIE);
        let sent = req.set_seq(3).to_vec();
        // The quoted IP header: from 10.0.0.1 to dst.
        let mut quoted = vec![0x45, 0, 0, 84, 0, 0, 0x40, 0, 64, 1, 0, 0, 10, 0, 0, 1];
        quoted.extend_from_slice(&dst.octets());
        quoted.extend_from_slice(&sent);
        let mut icmp = vec![ICMP_REDIRECT, 1, 0, 0, 10, 0, 0, 253];
        icmp.extend_from_slice(&quoted);
        let sum = checksum(&icmp);
        icmp[2..4].copy_from_slice(&sum.to_be_bytes());
        let packet = with_ip_header(&icmp, 64);
        let notice = Notice {
            seq: 3,
            kind: ICMP_REDIRECT,
            code: 1,
            gateway: 0x0a00_00fd,
            bad_checksum: false,
        };
        assert_eq!(m.notice(&packet, dst), Some(notice));
        assert_eq!(m.notice(&packet[..20 + 8 + 20 + 7], dst), None);
        assert_eq!(m.notice(&packet, Ipv4Addr::new(10, 0, 1, 3)), None);
        assert_eq!(matcher(Family::V4, false).notice(&packet, dst), None);
        let mut damaged = packet.clone();
        damaged[25] ^= 1;
        assert!(m.notice(&damaged, dst).unwrap().bad_checksum);
        let mut unreachable = packet;
        unreachable[20] = 3;
        assert_eq!(m.notice(&unreachable, dst), None);
    }

    #[test]
    fn quoted_requests() {
        let m = matcher(Family::V4, true);
        let mut req = Request::new(Family::V4, 56, 0x1234, &COOKIE);
        let sent = req.set_seq(7).to_vec();
        assert_eq!(m.quoted_request(&sent), Some(7));
        assert_eq!(m.quoted_request(&sent[..8]), Some(7));
        assert_eq!(m.quoted_request(&sent[..7]), None);
        let mut other = sent.clone();
        other[5] ^= 1;
        assert_eq!(m.quoted_request(&other), None);
        let mut cookie = sent.clone();
        cookie[10] ^= 1;
        assert_eq!(m.quoted_request(&cookie), None);
        let mut reply = sent;
        reply[0] = ICMP_ECHOREPLY;
        assert_eq!(m.quoted_request(&reply), None);
    }
}
