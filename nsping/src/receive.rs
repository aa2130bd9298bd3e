//! What arrives on the ICMP socket, read and judged: an echo reply of
//! ours, an ICMP error about one of our probes or a local error (both from
//! the error queue), or something that is not ours. Counting and printing
//! are the run loop's.

use std::io;
use std::net::IpAddr;
use std::os::fd::AsFd;

use crate::packet::{self, Matcher};
use crate::sys::{
    self, Control, ExtendedError, SO_EE_ORIGIN_ICMP, SO_EE_ORIGIN_ICMP6, SO_EE_ORIGIN_LOCAL,
};

/// One datagram, judged.
#[derive(Debug, Clone, Copy)]
pub enum Arrival {
    /// An echo reply to one of our probes.
    Reply {
        reply: packet::Reply,
        /// The sender and its IPv6 scope.
        from: IpAddr,
        scope: u32,
        ttl: Option<u8>,
        /// The kernel's receive time, when it gave one.
        at_ns: Option<u64>,
    },
    /// A redirect or source quench about one of our probes.
    Notice {
        notice: packet::Notice,
        from: IpAddr,
    },
    /// An ICMP error about our probe `seq`, which went `to` there.
    Error {
        seq: u16,
        error: ExtendedError,
        to: IpAddr,
    },
    /// A local error (EMSGSIZE and the like).
    Local(ExtendedError),
    /// Not ours.
    Other,
}

pub struct Receiver {
    /// Set per socket when one receiver reads several (`--batch`).
    pub matcher: Matcher,
    /// Where the probes go: errors are about packets sent there (None:
    /// anywhere, the caller judges the address).
    dst: Option<IpAddr>,
    buf: Vec<u8>,
    control: Box<Control>,
}

impl Receiver {
    pub fn new(matcher: Matcher, dst: Option<IpAddr>) -> Receiver {
        let size = matcher.size.min(packet::UNSENDABLE);
        Receiver {
            matcher,
            dst,
            // The reply, an IPv4 header with options, and a quoted packet.
            buf: vec![0; size + 8 + 60 + 576],
            control: Box::new(Control([0; 512])),
        }
    }

    /// Reads one datagram (`flags`: MSG_DONTWAIT, or 0 to wait as long as
    /// the socket's SO_RCVTIMEO).
    pub fn datagram(&mut self, fd: impl AsFd, flags: i32) -> io::Result<Arrival> {
        let r = sys::receive(fd, &mut self.buf, &mut self.control, flags)?;
        let packet = &self.buf[..r.len];
        let (Ok(reply), Some(from)) = (self.matcher.reply(packet), r.from.or(self.dst)) else {
            let notice = match (self.dst, r.from) {
                (Some(IpAddr::V4(dst)), Some(from)) => self
                    .matcher
                    .notice(packet, dst)
                    .map(|notice| Arrival::Notice { notice, from }),
                _ => None,
            };
            return Ok(notice.unwrap_or(Arrival::Other));
        };
        Ok(Arrival::Reply {
            reply,
            from,
            scope: r.scope,
            ttl: r.ancillary.ttl.or(reply.header_ttl),
            at_ns: r.ancillary.time_ns,
        })
    }

    /// Reads one entry of the error queue; None when it is empty.
    pub fn error(&mut self, fd: impl AsFd) -> Option<Arrival> {
        let flags = sys::MSG_ERRQUEUE | sys::MSG_DONTWAIT;
        let r = sys::receive(fd, &mut self.buf, &mut self.control, flags).ok()?;
        let Some(error) = r.ancillary.error else {
            return Some(Arrival::Other);
        };
        if error.origin == SO_EE_ORIGIN_LOCAL {
            return Some(Arrival::Local(error));
        }
        // On the error queue, the address is the one the probe went to.
        let to = r.from.filter(|&to| self.dst.is_none_or(|dst| dst == to));
        if !matches!(error.origin, SO_EE_ORIGIN_ICMP | SO_EE_ORIGIN_ICMP6) {
            return Some(Arrival::Other);
        }
        Some(
            match (self.matcher.quoted_request(&self.buf[..r.len]), to) {
                (Some(seq), Some(to)) => Arrival::Error { seq, error, to },
                _ => Arrival::Other,
            },
        )
    }
}
