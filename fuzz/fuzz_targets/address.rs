//! `ADDR[/LEN]` as ipassign reads it: never a panic, and what is accepted
//! has a prefix length its family allows and builds both requests.
#![no_main]

use ipassign::address::{parse, Extras};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(address) = parse(text) else {
        return;
    };
    let max = if address.ip.is_ipv4() { 32 } else { 128 };
    assert!(address.prefix <= max);
    assert_eq!(address.text, text);
    let _ = address.broadcast();
    let extras = Extras {
        broadcast: true,
        nodad: true,
    };
    let _ = address.add_request(7, extras);
    let _ = address.delete_request(7);
});
