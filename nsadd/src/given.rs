//! The NAMEs nsadd is given, all checked before anything is done, so that
//! a bad one among good ones changes nothing. To create: a name as
//! `ip netns add` takes it and safe in scripts (`nscore::names`). To
//! delete: any name an entry of `/run/netns` can have, so that one made by
//! `ip` with a tab or a newline in it can be removed too. Never one twice.

use anyhow::Result;
use nscore::cli::{quote, usage};
use nscore::names::{self, BadName, NETNS_NAME_MAX};

pub fn check(given: &[String], delete: bool) -> Result<()> {
    for (at, name) in given.iter().enumerate() {
        if delete {
            entry_name(name)?;
        } else {
            names::netns_name(name)?;
        }
        if given[..at].contains(name) {
            return Err(usage(format!("{}: given twice", quote(name))));
        }
    }
    Ok(())
}

/// A name a file in `/run/netns` can have.
fn entry_name(name: &str) -> Result<()> {
    let why = if name.is_empty() {
        BadName::Empty
    } else if name.len() > NETNS_NAME_MAX {
        BadName::TooLong {
            max: NETNS_NAME_MAX,
        }
    } else if name == "." || name == ".." {
        BadName::DotOrDotDot
    } else if name.contains('/') {
        BadName::Slash
    } else {
        return Ok(());
    };
    Err(names::invalid(name, "namespace", why))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_str(names: &[&str], delete: bool) -> Result<(), String> {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        check(&names, delete).map_err(|e| {
            assert!(e.downcast_ref::<nscore::cli::UsageError>().is_some());
            e.to_string()
        })
    }

    #[test]
    fn a_name_given_twice_is_refused() {
        assert_eq!(
            check_str(&["a", "b", "a"], false),
            Err("a: given twice".into())
        );
        assert_eq!(check_str(&["a", "a"], true), Err("a: given twice".into()));
        assert_eq!(check_str(&["a", "b"], false), Ok(()));
    }

    #[test]
    fn any_name_an_entry_can_have_may_be_deleted() {
        for name in ["a\nb", "a\tb", "-x", "\u{1b}[31m"] {
            assert!(check_str(&[name], false).is_err(), "{name:?}");
            assert_eq!(check_str(&[name], true), Ok(()), "{name:?}");
        }
        let long = "n".repeat(256);
        for (name, why) in [
            ("", "\"\": invalid namespace name: is empty"),
            (".", ".: invalid namespace name: may not be \".\" or \"..\""),
            ("a/b", "a/b: invalid namespace name: may not contain '/'"),
            (&long, "invalid namespace name: is longer than 255 bytes"),
        ] {
            let e = check_str(&[name], true).unwrap_err();
            assert!(e.ends_with(why), "{e}");
        }
    }
}
