//! Names as the kernel and iproute2 judge them, checked before anything is
//! sent or created so a bad name never leaves half a lab behind.

use std::fmt;

use crate::cli::{quote, usage};

/// Longest interface name: IFNAMSIZ (16) including the terminating NUL.
pub const IFNAME_MAX: usize = 15;
/// Longest namespace name: NAME_MAX, since it is a file in `/run/netns`.
pub const NETNS_NAME_MAX: usize = 255;

/// Why a name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadName {
    Empty,
    TooLong { max: usize },
    DotOrDotDot,
    Slash,
    Colon,
    Whitespace,
    Control,
    LeadingDash,
}

impl fmt::Display for BadName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadName::Empty => f.write_str("is empty"),
            BadName::TooLong { max } => write!(f, "is longer than {max} bytes"),
            BadName::DotOrDotDot => f.write_str("may not be \".\" or \"..\""),
            BadName::Slash => f.write_str("may not contain '/'"),
            BadName::Colon => f.write_str("may not contain ':'"),
            BadName::Whitespace => f.write_str("may not contain whitespace"),
            BadName::Control => f.write_str("may not contain control characters"),
            BadName::LeadingDash => f.write_str("may not start with '-'"),
        }
    }
}

/// The kernel's `isspace`: the C locale's six plus Latin-1 NBSP (0xa0),
/// which the kernel's ctype table also counts as space.
fn kernel_isspace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | 0xa0)
}

/// An interface name as the kernel's `dev_valid_name` accepts it: 1 to 15
/// bytes, not `.` or `..`, no `/`, `:` or whitespace.
pub fn check_ifname(name: &str) -> Result<(), BadName> {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return Err(BadName::Empty);
    }
    if bytes.len() > IFNAME_MAX {
        return Err(BadName::TooLong { max: IFNAME_MAX });
    }
    if name == "." || name == ".." {
        return Err(BadName::DotOrDotDot);
    }
    for &byte in bytes {
        match byte {
            b'/' => return Err(BadName::Slash),
            b':' => return Err(BadName::Colon),
            b if kernel_isspace(b) => return Err(BadName::Whitespace),
            0 => return Err(BadName::Control),
            _ => {}
        }
    }
    Ok(())
}

/// A namespace name as `ip netns add` takes it (a file name under
/// `/run/netns`), and safe in scripts: no control characters or newlines,
/// no leading `-` that a later command would read as an option.
pub fn check_netns_name(name: &str) -> Result<(), BadName> {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return Err(BadName::Empty);
    }
    if bytes.len() > NETNS_NAME_MAX {
        return Err(BadName::TooLong {
            max: NETNS_NAME_MAX,
        });
    }
    if name == "." || name == ".." {
        return Err(BadName::DotOrDotDot);
    }
    if bytes[0] == b'-' {
        return Err(BadName::LeadingDash);
    }
    for &byte in bytes {
        match byte {
            b'/' => return Err(BadName::Slash),
            b if b < 0x20 || b == 0x7f => return Err(BadName::Control),
            _ => {}
        }
    }
    Ok(())
}

/// Checks an interface name, as an error that names it.
pub fn ifname(name: &str) -> anyhow::Result<&str> {
    check_ifname(name).map_err(|why| invalid(name, "interface", why))?;
    Ok(name)
}

/// Checks interface names, none of them given twice.
pub fn ifnames(names: &[String]) -> anyhow::Result<()> {
    for (i, name) in names.iter().enumerate() {
        ifname(name)?;
        if names[..i].contains(name) {
            return Err(usage(format!("{}: interface given twice", quote(name))));
        }
    }
    Ok(())
}

/// Checks a namespace name, as an error that names it.
pub fn netns_name(name: &str) -> anyhow::Result<&str> {
    check_netns_name(name).map_err(|why| invalid(name, "namespace", why))?;
    Ok(name)
}

/// The usage error `NAME: invalid WHAT name: WHY`.
pub fn invalid(name: &str, what: &str, why: BadName) -> anyhow::Error {
    usage(format!("{}: invalid {what} name: {why}", quote(name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names_as_the_kernel_judges_them() {
        for good in ["veth-red", "a", "eth0", "123456789012345", "x.y", "é", "-x"] {
            assert_eq!(check_ifname(good), Ok(()), "{good}");
        }
        let bad = [
            ("", BadName::Empty),
            ("1234567890123456", BadName::TooLong { max: 15 }),
            (".", BadName::DotOrDotDot),
            ("..", BadName::DotOrDotDot),
            ("a/b", BadName::Slash),
            ("eth0:1", BadName::Colon),
            ("a b", BadName::Whitespace),
            ("a\tb", BadName::Whitespace),
            ("a\nb", BadName::Whitespace),
            ("a\x0bb", BadName::Whitespace),
            ("a\x0cb", BadName::Whitespace),
            ("a\rb", BadName::Whitespace),
            ("\u{e0}", BadName::Whitespace), // UTF-8 c3 a0: the kernel sees 0xa0
            ("a\0b", BadName::Control),
        ];
        for (name, why) in bad {
            assert_eq!(check_ifname(name), Err(why), "{name:?}");
        }
    }

    #[test]
    fn fifteen_bytes_is_the_limit_counted_in_bytes() {
        assert_eq!(check_ifname("ééééééé-"), Ok(())); // 15 bytes
        assert_eq!(check_ifname("éééééééé"), Err(BadName::TooLong { max: 15 }));
        // 16 bytes
    }

    #[test]
    fn namespace_names() {
        for good in ["red", "blue", "a.b", "..a", "x-", "ns 1", &"n".repeat(255)] {
            assert_eq!(check_netns_name(good), Ok(()), "{good}");
        }
        let long = "n".repeat(256);
        let bad = [
            ("", BadName::Empty),
            (long.as_str(), BadName::TooLong { max: 255 }),
            (".", BadName::DotOrDotDot),
            ("..", BadName::DotOrDotDot),
            ("a/b", BadName::Slash),
            ("/", BadName::Slash),
            ("-red", BadName::LeadingDash),
            ("a\nb", BadName::Control),
            ("a\tb", BadName::Control),
            ("a\x7fb", BadName::Control),
            ("a\x1bb", BadName::Control),
        ];
        for (name, why) in bad {
            assert_eq!(check_netns_name(name), Err(why), "{name:?}");
        }
    }

    #[test]
    fn errors_name_the_input() {
        let e = netns_name("a/b").unwrap_err().to_string();
        assert_eq!(e, "a/b: invalid namespace name: may not contain '/'");
        let e = ifname("a\nb").unwrap_err().to_string();
        assert_eq!(
            e,
            "\"a\\nb\": invalid interface name: may not contain whitespace"
        );
    }
}
