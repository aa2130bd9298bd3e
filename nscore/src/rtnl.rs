//! A synchronous NETLINK_ROUTE socket: send one request, read until the
//! kernel's answer to *that* request.
//!
//! Every request carries NLM_F_ACK and a fresh sequence number, and the
//! reader skips anything with another sequence number, so a stale reply left
//! in the socket can never be taken for the answer to the next request.
//! Replies are not decoded into full message types: callers get the raw
//! payloads and read the few fields they need (see [`attributes`]), which
//! keeps the parsers of every other message kind out of the binaries.

use std::fmt;
use std::io;

use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};

use crate::cli::{reason, strerror};

pub const NLM_F_REQUEST: u16 = 0x01;
pub const NLM_F_MULTI: u16 = 0x02;
pub const NLM_F_ACK: u16 = 0x04;
pub const NLM_F_DUMP: u16 = 0x300;
pub const NLM_F_REPLACE: u16 = 0x100;
pub const NLM_F_EXCL: u16 = 0x200;
pub const NLM_F_CREATE: u16 = 0x400;
/// On an error message: the original request's payload was left out.
const NLM_F_CAPPED: u16 = 0x100;
/// On an error message: extended-ack attributes follow.
const NLM_F_ACK_TLVS: u16 = 0x200;

const NLMSG_NOOP: u16 = 1;
const NLMSG_ERROR: u16 = 2;
const NLMSG_DONE: u16 = 3;
const NLMSGERR_ATTR_MSG: u16 = 1;

pub const RTM_NEWLINK: u16 = 16;
pub const RTM_DELLINK: u16 = 17;
pub const RTM_GETLINK: u16 = 18;
pub const RTM_NEWADDR: u16 = 20;
pub const RTM_DELADDR: u16 = 21;
pub const RTM_GETADDR: u16 = 22;

const HEADER_LEN: usize = 16;
/// `struct ifinfomsg`: family, pad, type, index, flags, change.
pub const IFINFOMSG_LEN: usize = 16;

/// What the kernel (or the socket) refused: an errno and, where the kernel
/// explained itself, its extended-ack message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetlinkError {
    pub errno: i32,
    pub message: Option<String>,
}

impl NetlinkError {
    pub fn from_errno(errno: i32) -> NetlinkError {
        NetlinkError {
            errno,
            message: None,
        }
    }

    fn io(error: io::Error) -> NetlinkError {
        const EIO: i32 = 5;
        NetlinkError::from_errno(error.raw_os_error().unwrap_or(EIO))
    }

    /// The request went out but its answer could not be read: the kernel
    /// may well have done what was asked, and the message must say so.
    fn unanswered(error: io::Error) -> NetlinkError {
        NetlinkError {
            message: Some(
                "the kernel's answer could not be read; the change may have been made".into(),
            ),
            ..NetlinkError::io(error)
        }
    }

    fn malformed() -> NetlinkError {
        NetlinkError {
            errno: 74, // EBADMSG
            message: Some("malformed netlink reply".into()),
        }
    }
}

impl fmt::Display for NetlinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.message {
            Some(message) => write!(f, "{} ({message})", strerror(self.errno)),
            // Changing links and addresses is what CAP_NET_ADMIN allows.
            None => f.write_str(&reason(self.errno, "CAP_NET_ADMIN")),
        }
    }
}

impl std::error::Error for NetlinkError {}

/// One message of a reply, still encoded.
#[derive(Debug, Clone, Copy)]
pub struct Reply<'a> {
    pub kind: u16,
    pub flags: u16,
    /// The bytes after the netlink header (e.g. `ifinfomsg` + attributes).
    pub payload: &'a [u8],
}

/// A NETLINK_ROUTE socket in the namespace the thread was in when it was
/// opened.
pub struct Rtnl {
    socket: Socket,
    seq: u32,
}

impl Rtnl {
    /// Opens and connects the socket, asking for extended acks (the kernel's
    /// explanation of an error) and capped acks (no echo of our request).
    pub fn open() -> Result<Rtnl, NetlinkError> {
        let socket = Socket::new(NETLINK_ROUTE).map_err(NetlinkError::io)?;
        socket
            .connect(&SocketAddr::new(0, 0))
            .map_err(NetlinkError::io)?;
        // Older kernels lack these options; the replies are then plainer.
        let _ = socket.set_ext_ack(true);
        let _ = socket.set_cap_ack(true);
        Ok(Rtnl { socket, seq: 0 })
    }

    /// Sends one request and waits for its acknowledgement.
    pub fn ack(
        &mut self,
        kind: u16,
        flags: u16,
        payload: &impl AsRef<[u8]>,
    ) -> Result<(), NetlinkError> {
        self.request(kind, flags, payload, |_| {})
    }

    /// Sends one request (NLM_F_REQUEST | NLM_F_ACK | `flags`) and hands
    /// every reply message with its sequence number to `each`, until the
    /// kernel's ack, error or end of dump.
    pub fn request(
        &mut self,
        kind: u16,
        flags: u16,
        payload: &impl AsRef<[u8]>,
        mut each: impl FnMut(Reply<'_>),
    ) -> Result<(), NetlinkError> {
        self.seq = self.seq.wrapping_add(1).max(1);
        let seq = self.seq;
        let message = encode(kind, NLM_F_REQUEST | NLM_F_ACK | flags, seq, payload);
        self.socket.send(&message, 0).map_err(NetlinkError::io)?;
        // The request's own buffer, grown to what its replies need: a batch
        // keeps a thousand sockets open, and would keep a buffer with each.
        let mut buf = Vec::new();
        loop {
            let datagram = self.receive(&mut buf)?;
            if let Some(done) = scan(datagram, seq, &mut each)? {
                return done;
            }
        }
    }

    /// Reads one whole datagram, growing the buffer first if it would not
    /// fit (netlink drops what does not fit).
    fn receive<'b>(&mut self, buf: &'b mut Vec<u8>) -> Result<&'b [u8], NetlinkError> {
        const MSG_PEEK: i32 = 0x2;
        const MSG_TRUNC: i32 = 0x20;
        let size = loop {
            let mut probe: &mut [u8] = &mut [];
            match self.socket.recv(&mut probe, MSG_PEEK | MSG_TRUNC) {
                Ok(size) => break size,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(NetlinkError::unanswered(e)),
            }
        };
        buf.clear();
        buf.reserve(size);
        loop {
            match self.socket.recv(buf, 0) {
                Ok(_) => return Ok(buf),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(NetlinkError::unanswered(e)),
            }
        }
    }
}

/// Encodes a whole request: netlink header, then the payload.
pub fn encode(kind: u16, flags: u16, seq: u32, payload: &impl AsRef<[u8]>) -> Vec<u8> {
    let payload = payload.as_ref();
    let len = HEADER_LEN + payload.len();
    let mut message = vec![0u8; len];
    message[0..4].copy_from_slice(&(len as u32).to_ne_bytes());
    message[4..6].copy_from_slice(&kind.to_ne_bytes());
    message[6..8].copy_from_slice(&flags.to_ne_bytes());
    message[8..12].copy_from_slice(&seq.to_ne_bytes());
    message[HEADER_LEN..].copy_from_slice(payload);
    message
}

/// Walks one datagram. Returns `Some(outcome)` once the answer to `seq`
/// (ack, error, or end of dump) is in it; `None` to read on.
pub fn scan(
    datagram: &[u8],
    seq: u32,
    each: &mut impl FnMut(Reply<'_>),
) -> Result<Option<Result<(), NetlinkError>>, NetlinkError> {
    let mut rest = datagram;
    while rest.len() >= HEADER_LEN {
        let len = u32::from_ne_bytes(rest[0..4].try_into().unwrap()) as usize;
        if len < HEADER_LEN || len > rest.len() {
            return Err(NetlinkError::malformed());
        }
        let kind = u16::from_ne_bytes(rest[4..6].try_into().unwrap());
        let flags = u16::from_ne_bytes(rest[6..8].try_into().unwrap());
        let message_seq = u32::from_ne_bytes(rest[8..12].try_into().unwrap());
        let payload = &rest[HEADER_LEN..len];
        rest = &rest[align(len).min(rest.len())..];
        if message_seq != seq {
            continue; // a leftover of an earlier request
        }
        match kind {
            NLMSG_NOOP => {}
            NLMSG_ERROR => return Ok(Some(decode_error(flags, payload))),
            NLMSG_DONE => {
                // The end of a dump carries the dump's own status.
                return Ok(Some(match payload.get(0..4).map_or(Some(0), errno_of) {
                    Some(0) => Ok(()),
                    Some(errno) => Err(NetlinkError::from_errno(errno)),
                    None => Err(NetlinkError::malformed()),
                }));
            }
            _ => each(Reply {
                kind,
                flags,
                payload,
            }),
        }
    }
    Ok(None)
}

/// Decodes `struct nlmsgerr` (error 0 is the ack) and its extended-ack text.
pub fn decode_error(flags: u16, payload: &[u8]) -> Result<(), NetlinkError> {
    let Some(errno) = payload.get(0..4) else {
        return Err(NetlinkError::malformed());
    };
    let errno = match errno_of(errno) {
        Some(0) => return Ok(()),
        Some(errno) => errno,
        None => return Err(NetlinkError::malformed()),
    };
    let mut message = None;
    if flags & NLM_F_ACK_TLVS != 0 {
        // After the errno comes the request's header, and its payload too
        // unless the ack was capped.
        let mut skip = 4 + HEADER_LEN;
        if flags & NLM_F_CAPPED == 0 {
            if let Some(request_len) = payload.get(4..8) {
                skip = 4 + u32::from_ne_bytes(request_len.try_into().unwrap()) as usize;
            }
        }
        if let Some(tlvs) = payload.get(align(skip)..) {
            for (kind, value) in attributes(tlvs) {
                if kind == NLMSGERR_ATTR_MSG {
                    let text = value.split(|&b| b == 0).next().unwrap_or(&[]);
                    let text = String::from_utf8_lossy(text).trim().to_string();
                    if !text.is_empty() {
                        message = Some(text);
                    }
                }
            }
        }
    }
    Err(NetlinkError { errno, message })
}

/// The errno in a netlink status word (0 or a negated errno); `None` for a
/// value no kernel sends.
fn errno_of(word: &[u8]) -> Option<i32> {
    let status = i32::from_ne_bytes(word.try_into().ok()?);
    status
        .checked_neg()
        .filter(|errno| (0..4096).contains(errno))
}

/// The attributes (type without its flag bits, value) of a netlink
/// attribute stream; stops quietly at the first malformed one.
pub fn attributes(mut bytes: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        if bytes.len() < 4 {
            return None;
        }
        let len = u16::from_ne_bytes([bytes[0], bytes[1]]) as usize;
        let kind = u16::from_ne_bytes([bytes[2], bytes[3]]) & 0x3fff;
        if len < 4 || len > bytes.len() {
            return None;
        }
        let value = &bytes[4..len];
        bytes = &bytes[align(len).min(bytes.len())..];
        Some((kind, value))
    })
}

/// Netlink's 4-byte alignment.
pub const fn align(len: usize) -> usize {
    (len + 3) & !3
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Message;

    fn message(kind: u16, flags: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
        let len = HEADER_LEN + payload.len();
        let mut m = Vec::new();
        m.extend((len as u32).to_ne_bytes());
        m.extend(kind.to_ne_bytes());
        m.extend(flags.to_ne_bytes());
        m.extend(seq.to_ne_bytes());
        m.extend(0u32.to_ne_bytes());
        m.extend(payload);
        m.resize(align(m.len()), 0);
        m
    }

    fn error_payload(errno: i32, text: Option<&str>) -> Vec<u8> {
        let mut p = Vec::new();
        p.extend((-errno).to_ne_bytes());
        p.extend(message(RTM_NEWLINK, 0, 7, &[])); // the capped request header
        if let Some(text) = text {
            p.extend(Message::new(&[]).put_str(NLMSGERR_ATTR_MSG, text).bytes());
        }
        p
    }

    fn collect(datagram: &[u8], seq: u32) -> (Vec<u16>, Option<Result<(), NetlinkError>>) {
        let mut kinds = Vec::new();
        let outcome = scan(datagram, seq, &mut |r: Reply<'_>| kinds.push(r.kind)).unwrap();
        (kinds, outcome)
    }

    #[test]
    fn the_ack_for_our_sequence_ends_the_request() {
        let d = message(NLMSG_ERROR, NLM_F_CAPPED, 7, &error_payload(0, None));
        assert_eq!(collect(&d, 7), (vec![], Some(Ok(()))));
    }

    #[test]
    fn stale_replies_are_skipped() {
        let mut d = message(NLMSG_ERROR, NLM_F_CAPPED, 6, &error_payload(17, None));
        d.extend(message(RTM_NEWLINK, 0, 6, &[0; 16]));
        assert_eq!(collect(&d, 7), (vec![], None));
        d.extend(message(RTM_NEWLINK, 0, 7, &[0; 16]));
        d.extend(message(
            NLMSG_ERROR,
            NLM_F_CAPPED,
            7,
            &error_payload(0, None),
        ));
        assert_eq!(collect(&d, 7), (vec![RTM_NEWLINK], Some(Ok(()))));
    }

    #[test]
    fn multipart_dumps_end_at_done() {
        let mut d = message(RTM_NEWADDR, NLM_F_MULTI, 3, &[0; 8]);
        d.extend(message(RTM_NEWADDR, NLM_F_MULTI, 3, &[0; 8]));
        assert_eq!(collect(&d, 3), (vec![RTM_NEWADDR, RTM_NEWADDR], None));
        let done = message(NLMSG_DONE, NLM_F_MULTI, 3, &0i32.to_ne_bytes());
        assert_eq!(collect(&done, 3), (vec![], Some(Ok(()))));
    }

    #[test]
    fn errors_carry_the_extended_ack_text() {
        let p = error_payload(22, Some("Invalid prefix length"));
        let d = message(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, 7, &p);
        let (_, outcome) = collect(&d, 7);
        let error = outcome.unwrap().unwrap_err();
        assert_eq!(error.errno, 22);
        assert_eq!(error.message.as_deref(), Some("Invalid prefix length"));
        assert_eq!(
            error.to_string(),
            "Invalid argument (Invalid prefix length)"
        );
    }

    #[test]
    fn uncapped_errors_skip_the_echoed_request() {
        let echoed = message(RTM_NEWADDR, 0, 7, &[1; 24]);
        let mut p = Vec::new();
        p.extend((-17i32).to_ne_bytes());
        p.extend(&echoed);
        p.extend(
            Message::new(&[])
                .put_str(NLMSGERR_ATTR_MSG, "exists")
                .bytes(),
        );
        let d = message(NLMSG_ERROR, NLM_F_ACK_TLVS, 7, &p);
        let error = collect(&d, 7).1.unwrap().unwrap_err();
        assert_eq!(
            (error.errno, error.message.as_deref()),
            (17, Some("exists"))
        );
    }

    #[test]
    fn truncated_and_garbage_replies_are_refused_not_trusted() {
        let mut d = message(RTM_NEWLINK, 0, 7, &[0; 16]);
        d[0..4].copy_from_slice(&1000u32.to_ne_bytes());
        assert!(scan(&d, 7, &mut |_: Reply<'_>| {}).is_err());
        d[0..4].copy_from_slice(&3u32.to_ne_bytes());
        assert!(scan(&d, 7, &mut |_: Reply<'_>| {}).is_err());
        let short = message(NLMSG_ERROR, 0, 7, &[1, 2]);
        assert!(collect(&short, 7).1.unwrap().is_err());
        assert_eq!(collect(&[1, 2, 3], 7), (vec![], None));
    }

    #[test]
    fn impossible_status_words_are_malformed_not_a_panic() {
        // Found by the netlink_reply fuzz target: i32::MIN cannot be negated.
        let crash = [0, 0, 0, 128, 0, 0, 0, 0, 0, 0, 0, 0, 0, 48, 217, 10];
        assert_eq!(decode_error(0, &crash), Err(NetlinkError::malformed()));
        assert_eq!(
            decode_error(0, &5i32.to_ne_bytes()),
            Err(NetlinkError::malformed())
        );
        let done = message(NLMSG_DONE, NLM_F_MULTI, 3, &i32::MIN.to_ne_bytes());
        assert_eq!(collect(&done, 3).1, Some(Err(NetlinkError::malformed())));
        let done = message(NLMSG_DONE, NLM_F_MULTI, 3, &(-16i32).to_ne_bytes());
        assert_eq!(collect(&done, 3).1, Some(Err(NetlinkError::from_errno(16))));
    }

    #[test]
    fn attributes_walk_stops_at_malformed_input() {
        let mut m = Message::new(&[]);
        m.put_str(3, "ab").put_u32(29, 8);
        let mut b = m.bytes().to_vec();
        let all: Vec<_> = attributes(&b).collect();
        assert_eq!(all, vec![(3, &b"ab\0"[..]), (29, &8u32.to_ne_bytes()[..])]);
        b[0] = 200; // claims more than there is
        assert_eq!(attributes(&b).count(), 0);
    }

    #[test]
    fn requests_get_a_header_with_their_length() {
        let m = encode(
            RTM_GETLINK,
            NLM_F_REQUEST | NLM_F_ACK,
            9,
            &Message::new(&[0; 16]),
        );
        assert_eq!(m.len(), 32);
        assert_eq!(u32::from_ne_bytes(m[0..4].try_into().unwrap()), 32);
        assert_eq!(u16::from_ne_bytes(m[4..6].try_into().unwrap()), RTM_GETLINK);
        assert_eq!(u32::from_ne_bytes(m[8..12].try_into().unwrap()), 9);
    }
}
