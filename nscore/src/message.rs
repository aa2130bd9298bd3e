//! Requests built by hand: a fixed header (`ifinfomsg`, `ifaddrmsg`, …)
//! followed by netlink attributes, nested where needed.
//!
//! netlink-packet-route's `LinkMessage` can emit the same bytes, but its
//! emitter matches on every attribute kind the crate knows and so links all
//! of them in: about 120 KB in a static binary, against a few hundred bytes
//! for this.

use crate::rtnl::align;

/// A request payload under construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    bytes: Vec<u8>,
}

impl Message {
    /// Starts a payload with its fixed header (padded to 4 bytes).
    pub fn new(header: &[u8]) -> Message {
        let mut bytes = Vec::with_capacity(128);
        bytes.extend_from_slice(header);
        bytes.resize(align(bytes.len()), 0);
        Message { bytes }
    }

    /// Appends one attribute.
    pub fn put(&mut self, kind: u16, value: &[u8]) -> &mut Message {
        let start = self.begin(kind);
        self.bytes.extend_from_slice(value);
        self.end(start)
    }

    pub fn put_u32(&mut self, kind: u16, value: u32) -> &mut Message {
        self.put(kind, &value.to_ne_bytes())
    }

    pub fn put_i32(&mut self, kind: u16, value: i32) -> &mut Message {
        self.put(kind, &value.to_ne_bytes())
    }

    /// Appends a string attribute, NUL-terminated as the kernel expects.
    pub fn put_str(&mut self, kind: u16, value: &str) -> &mut Message {
        let start = self.begin(kind);
        self.bytes.extend_from_slice(value.as_bytes());
        self.bytes.push(0);
        self.end(start)
    }

    /// Appends a nested attribute whose value `fill` writes: more
    /// attributes, or a whole header plus attributes (as a veth peer).
    pub fn nest(&mut self, kind: u16, fill: impl FnOnce(&mut Message)) -> &mut Message {
        let start = self.begin(kind);
        fill(self);
        self.end(start)
    }

    /// Appends raw bytes (a header inside a nested attribute), padded.
    pub fn raw(&mut self, bytes: &[u8]) -> &mut Message {
        self.bytes.extend_from_slice(bytes);
        self.bytes.resize(align(self.bytes.len()), 0);
        self
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    fn begin(&mut self, kind: u16) -> usize {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(&[0, 0]);
        self.bytes.extend_from_slice(&kind.to_ne_bytes());
        start
    }

    /// Writes the length of the attribute opened at `start` and pads.
    fn end(&mut self, start: usize) -> &mut Message {
        let len = (self.bytes.len() - start) as u16;
        self.bytes[start..start + 2].copy_from_slice(&len.to_ne_bytes());
        self.bytes.resize(align(self.bytes.len()), 0);
        self
    }
}

/// What `Rtnl::request` sends after the netlink header.
impl AsRef<[u8]> for Message {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

/// `struct ifinfomsg`: family, pad, type, index, flags, change.
pub fn ifinfomsg(index: u32, flags: u32, change: u32) -> [u8; 16] {
    let mut h = [0u8; 16];
    h[4..8].copy_from_slice(&index.to_ne_bytes());
    h[8..12].copy_from_slice(&flags.to_ne_bytes());
    h[12..16].copy_from_slice(&change.to_ne_bytes());
    h
}

/// `struct ifaddrmsg`: family, prefix length, flags, scope, index.
pub fn ifaddrmsg(family: u8, prefix_len: u8, flags: u8, scope: u8, index: u32) -> [u8; 8] {
    let mut h = [family, prefix_len, flags, scope, 0, 0, 0, 0];
    h[4..8].copy_from_slice(&index.to_ne_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rtnl::attributes;

    #[test]
    fn attributes_are_padded_and_measured() {
        let mut m = Message::new(&[1, 2, 3, 4, 5]);
        m.put_str(3, "ab").put_u32(29, 8);
        let b = m.bytes();
        assert_eq!(&b[..8], &[1, 2, 3, 4, 5, 0, 0, 0]);
        // "ab\0" is 3 bytes: length 7, padded to 8.
        assert_eq!(&b[8..10], &7u16.to_ne_bytes());
        assert_eq!(&b[12..16], &[b'a', b'b', 0, 0]);
        let attrs: Vec<_> = attributes(&b[8..]).collect();
        assert_eq!(
            attrs,
            vec![(3, &b"ab\0"[..]), (29, &8u32.to_ne_bytes()[..])]
        );
        assert_eq!(b.len(), 24);
    }

    #[test]
    fn nests_carry_the_length_of_their_content() {
        let mut m = Message::new(&[]);
        m.nest(18, |m| {
            m.put_str(1, "veth").nest(2, |m| {
                m.nest(1, |m| {
                    m.raw(&ifinfomsg(0, 0, 0)).put_str(3, "peer");
                });
            });
        });
        let outer: Vec<_> = attributes(m.bytes()).collect();
        assert_eq!(outer.len(), 1);
        assert_eq!(outer[0].0, 18);
        let inner: Vec<_> = attributes(outer[0].1).collect();
        assert_eq!(inner[0], (1, &b"veth\0"[..]));
        let data: Vec<_> = attributes(inner[1].1).collect();
        let peer = data[0].1;
        assert_eq!(peer.len(), 16 + 12);
        let peer_attrs: Vec<_> = attributes(&peer[16..]).collect();
        assert_eq!(peer_attrs, vec![(3, &b"peer\0"[..])]);
    }

    #[test]
    fn the_header_leads_the_bytes() {
        let mut m = Message::new(&ifaddrmsg(2, 24, 0, 0, 7));
        m.put(2, &[10, 0, 0, 1]);
        let out = m.as_ref();
        assert_eq!(&out[..4], &[2, 24, 0, 0]);
        assert_eq!(&out[4..8], &7u32.to_ne_bytes());
        assert_eq!(&out[8..16], &[8, 0, 2, 0, 10, 0, 0, 1]);
    }
}
