//! Name validation on arbitrary text: never a panic, and whatever is
//! accepted really is within the kernel's limits.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nscore::names::{check_ifname, check_netns_name, IFNAME_MAX, NETNS_NAME_MAX};

fuzz_target!(|data: &[u8]| {
    let Ok(name) = std::str::from_utf8(data) else {
        return;
    };
    if check_ifname(name).is_ok() {
        assert!(!name.is_empty() && name.len() <= IFNAME_MAX);
        assert!(!name
            .bytes()
            .any(|b| b == b'/' || b == b':' || b == b' ' || b == 0));
    }
    if check_netns_name(name).is_ok() {
        assert!(!name.is_empty() && name.len() <= NETNS_NAME_MAX);
        assert!(!name.contains('/') && !name.starts_with('-'));
        assert!(!name.bytes().any(|b| b < 0x20 || b == 0x7f));
    }
    let _ = nscore::cli::quote(name);
});
