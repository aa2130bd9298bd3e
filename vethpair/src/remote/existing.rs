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
use super::Refused;
use crate::nsid::nsid_of;
use crate::options::Remote;

/// Turns EEXIST into the right message, or into success for `-p`
/// (`Ok(false)`: the end was there). `rtnl` is a socket in NAME's
/// namespace; `underlay_elsewhere` the underlay (None: that namespace).
pub fn explain(
    rtnl: &mut Rtnl,
    request: &Remote,
    refused: Refused,
    underlay_elsewhere: Option<&OwnedFd>,
) -> anyhow::Result<bool> {
    let Refused {
        error,
        settings: wanted,
        in_underlay,
    } = refused;
    let ns = Where(request.netns.as_deref());
    let name = quote(&request.name);
    let check = |e: NetlinkError| anyhow!("{name}: cannot inspect the existing interface{ns}: {e}");
    let Some((link, found)) = lookup(rtnl, &request.name).map_err(check)? else {
        if in_underlay && error.message.is_none() {
            let uns = Where(request.underlay.as_deref());
            return Err(anyhow!(
                "{name}: interface already exists{uns} (the underlay, where this kernel \
                 looks the name up)"
            ));
        }
        // Another end uses this VNI and port in the underlay: the kernel
        // says so in its own words.
        return Err(anyhow!("{name}: cannot create VXLAN end{ns}: {error}"));
    };
    if !request.exist_ok {
        return Err(anyhow!("{name}: interface already exists{ns}"));
    }
    match mismatch(rtnl, &link, found, &wanted, underlay_elsewhere).map_err(check)? {
        None => Ok(false),
        Some(why) => Err(anyhow!("{name}: interface already exists{ns}, {why}")),
    }
}

/// The link called `name`, with its VXLAN settings when it has any.
fn lookup(rtnl: &mut Rtnl, name: &str) -> Result<Option<(Link, Option<Settings>)>, NetlinkError> {
    let mut found = None;
    let outcome = rtnl.request(RTM_GETLINK, 0, &link::by_name(name), |reply| {
        if reply.kind == RTM_NEWLINK && found.is_none() {
            found = Link::parse(reply.payload).map(|l| (l, Settings::of_reply(reply.payload)));
        }
    });
    match outcome {
        Err(e) if !is_no_device(&e) => Err(e),
        _ => Ok(found),
    }
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
