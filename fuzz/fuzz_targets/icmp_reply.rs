//! Whatever arrives on nsping's socket or error queue: the reply parser,
//! the quoted-request check, extended errors, control messages and socket
//! addresses never panic, and a packet is only taken as ours when it
//! carries our identifier (raw sockets) and our cookie.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nsping::fuzzing::{
    cmsgs, sockaddr_ip, sockaddr_scope, ExtendedError, Family, Matcher, COOKIE_LEN,
};

fuzz_target!(|data: &[u8]| {
    let Some((&setup, packet)) = data.split_first() else {
        return;
    };
    let cookie = [0x5a; COOKIE_LEN];
    let matcher = Matcher {
        family: if setup & 1 == 0 {
            Family::V4
        } else {
            Family::V6
        },
        raw: setup & 2 != 0,
        ident: 0x1234,
        cookie,
        size: usize::from(setup >> 2) * 4,
    };
    if let Ok(reply) = matcher.reply(packet) {
        assert!(reply.icmp_len <= packet.len());
        let icmp = &packet[packet.len() - reply.icmp_len..];
        let n = matcher.size.min(COOKIE_LEN);
        assert_eq!(&icmp[8..8 + n], &cookie[..n]);
        if matcher.raw {
            assert_eq!(u16::from_be_bytes([icmp[4], icmp[5]]), 0x1234);
        }
    }
    let _ = matcher.quoted_request(packet);
    let _ = ExtendedError::parse(packet);
    for (_, _, value) in cmsgs(packet) {
        assert!(value.len() <= packet.len());
    }
    let _ = sockaddr_ip(packet);
    let _ = sockaddr_scope(packet);
});
