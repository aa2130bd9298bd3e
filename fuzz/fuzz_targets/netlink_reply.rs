//! Any datagram the kernel (or anything else) could hand the rtnetlink
//! reader: scanning it, decoding errors and walking attributes must never
//! panic, and an answer is only ever taken for our own sequence number.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nscore::rtnl::{attributes, decode_error, scan, Reply};

fuzz_target!(|data: &[u8]| {
    let seq = data.first().copied().unwrap_or(0) as u32;
    let mut seen = 0usize;
    let _ = scan(data, seq, &mut |reply: Reply<'_>| {
        seen += reply.payload.len()
    });
    assert!(seen <= data.len());
    let flags = u16::from_ne_bytes([
        data.get(1).copied().unwrap_or(0),
        data.get(2).copied().unwrap_or(0),
    ]);
    let _ = decode_error(flags, data);
    for (_, value) in attributes(data) {
        assert!(value.len() <= data.len());
    }
});
