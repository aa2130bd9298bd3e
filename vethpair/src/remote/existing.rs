//! When the kernel refuses a VXLAN end with EEXIST: NAME is taken in NS,
//! or (before Linux 6.14, which looks NAME up where the request comes
//! from) in the underlay, or another end already uses the VNI and port
//! in the underlay. With `-p`, NAME being a VXLAN end with the same
//! settings over the same underlay is success.

use std::os::fd::OwnedFd;

use anyhow::anyhow;
use nscore::cli::quote;
use nscore::link::{self, is_no_device, Link};
use nscore::netns::Where;
use nscore::rtnl::{NetlinkError, Rtnl, RTM_GETLINK, RTM_NEWLINK};

use super::vxlan::Settings;
use crate::nsid::nsid_of;
use crate::options::Remote;

/// NAME as found in its namespace, with its VXLAN settings if any.
pub struct There {
    link: Link,
    settings: Option<Settings>,
}

/// NAME in the namespace of `rtnl`, if it is there.
pub fn lookup(rtnl: &mut Rtnl, request: &Remote) -> anyhow::Result<Option<There>> {
    let name = &request.name;
    let mut found = None;
    let outcome = rtnl.request(RTM_GETLINK, 0, &link::by_name(name), |reply| {
        if reply.kind == RTM_NEWLINK && found.is_none() {
            found = Link::parse(reply.payload).map(|link| There {
                link,
                settings: Settings::of_reply(reply.payload),
            });
        }
    });
    match outcome {
        Err(e) if !is_no_device(&e) => Err(cannot_inspect(request, e)),
        _ => Ok(found),
    }
}

fn cannot_inspect(request: &Remote, e: NetlinkError) -> anyhow::Error {
    let ns = Where(request.netns.as_deref());
    anyhow!(
        "{}: cannot inspect the existing interface{ns}: {e}",
        quote(&request.name)
    )
}

/// NAME being `there` (looked up on `rtnl`, a socket in its namespace):
/// an error that says so, or success for `-p` (`Ok(false)`) when it is
/// the end asked for, with the `wanted` settings over the underlay
/// `underlay_elsewhere` (None: NAME's namespace).
pub fn explain(
    rtnl: &mut Rtnl,
    request: &Remote,
    there: There,
    wanted: &Settings,
    underlay_elsewhere: Option<&OwnedFd>,
) -> anyhow::Result<bool> {
    let ns = Where(request.netns.as_deref());
    let name = quote(&request.name);
    if !request.exist_ok {
        return Err(anyhow!("{name}: interface already exists{ns}"));
    }
    let differs = mismatch(
        rtnl,
        &there.link,
        there.settings,
        wanted,
        underlay_elsewhere,
    );
    match differs.map_err(|e| cannot_inspect(request, e))? {
        None => Ok(false),
        Some(why) => Err(anyhow!("{name}: interface already exists{ns}, {why}")),
    }
}

/// EEXIST when NAME is not in its namespace: taken in the underlay (by a
/// kernel before 6.14, `in_underlay`), or the VNI and port are.
pub fn refused(request: &Remote, error: &NetlinkError, in_underlay: bool) -> anyhow::Error {
    if in_underlay && error.message.is_none() {
        let uns = Where(request.underlay.as_deref());
        return anyhow!(
            "{}: interface already exists{uns} (the underlay, where this kernel \
             looks the name up)",
            quote(&request.name)
        );
    }
    // Another end uses this VNI and port in the underlay: the kernel says
    // so in its own words.
    super::cannot_create(request, error)
}

/// None when `link` is a VXLAN end with the `wanted` settings whose
/// underlay is the one asked for; otherwise what differs.
fn mismatch(
    rtnl: &mut Rtnl,
    link: &Link,
    found: Option<Settings>,
    wanted: &Settings,
    underlay_elsewhere: Option<&OwnedFd>,
) -> Result<Option<String>, NetlinkError> {
    let Some(found) = found else {
        return Ok(Some(match &link.kind {
            Some(kind) => format!("a {kind}, not a VXLAN end"),
            None => "not a VXLAN end".into(),
        }));
    };
    let shown = |ip: Option<std::net::IpAddr>| ip.map_or("none".into(), |ip| ip.to_string());
    let why = if found.vni != wanted.vni {
        format!("a VXLAN end with VNI {}", found.vni)
    } else if found.remote != wanted.remote {
        format!("a VXLAN end to {}", shown(found.remote))
    } else if found.port != wanted.port {
        format!("a VXLAN end on port {}", found.port)
    } else if found.local != wanted.local {
        format!("a VXLAN end with local address {}", shown(found.local))
    } else if !same_underlay(rtnl, link, underlay_elsewhere)? {
        "a VXLAN end over another underlay namespace".into()
    } else if found.link != wanted.link {
        "a VXLAN end over another device".into()
    } else {
        return Ok(None);
    };
    Ok(Some(why))
}

/// Whether the UDP socket of `link` (in the socket's namespace) lives in
/// the underlay asked for: the kernel names it by an id local to the
/// link's namespace, and leaves it out when it is that namespace.
fn same_underlay(
    rtnl: &mut Rtnl,
    link: &Link,
    underlay_elsewhere: Option<&OwnedFd>,
) -> Result<bool, NetlinkError> {
    let Some(underlay) = underlay_elsewhere else {
        return Ok(link.link_netnsid.is_none());
    };
    let wanted = nsid_of(rtnl, underlay)?;
    Ok(wanted.is_some() && wanted == link.link_netnsid)
}
