//! Adding and removing the addresses: one request per address, after one
//! lookup of the interface. Either every address is added (or removed) or,
//! when one fails, the system is left as it was: those added are removed
//! again, those removed put back.

use anyhow::anyhow;
use nscore::cli::quote;
use nscore::link::{self, is_no_device, no_such_interface, Link};
use nscore::message::Message;
use nscore::netns::Where;
use nscore::rtnl::{NetlinkError, Rtnl, NLM_F_CREATE, NLM_F_EXCL, RTM_DELADDR, RTM_NEWADDR};

use crate::address::{Address, Extras};
use crate::options::{Mode, Request};
use crate::present::{self, Present};

const EEXIST: i32 = 17;
const EADDRNOTAVAIL: i32 = 99;

struct Device<'a> {
    link: Link,
    ns: Where<'a>,
}

pub fn assign(request: &Request) -> anyhow::Result<()> {
    let mut rtnl = link::socket(request.netns.as_deref())?;
    apply(&mut rtnl, request).map(drop)
}

/// What one request did: the addresses it added to interface `index`
/// (for a batch to take away again), and how many it removed.
#[derive(Debug, Default)]
pub struct Done {
    pub index: u32,
    pub added: Vec<Address>,
    pub removed: usize,
}

/// Does `request` with `rtnl`, a socket in its namespace.
#[inline(never)] // one copy for the command line and a batch (size)
pub fn apply(rtnl: &mut Rtnl, request: &Request) -> anyhow::Result<Done> {
    let ns = Where(request.netns.as_deref());
    let name = &request.device;
    let link = match link::get(rtnl, name) {
        Ok(Some(link)) => link,
        // Removing from an interface that is gone: its addresses are too.
        Ok(None) if request.mode == (Mode::Delete { force: true }) => return Ok(Done::default()),
        Ok(None) => return Err(no_such_interface(name, ns)),
        Err(e) => {
            return Err(anyhow!(
                "{}: cannot look up interface{ns}: {e}",
                quote(name)
            ))
        }
    };
    let index = link.index;
    let device = Device { link, ns };
    Ok(match request.mode {
        Mode::Add { exist_ok, extras } => Done {
            index,
            added: add_all(rtnl, &device, &request.addresses, exist_ok, extras)?,
            removed: 0,
        },
        Mode::Delete { force } => Done {
            index,
            added: Vec::new(),
            removed: delete_all(rtnl, &device, &request.addresses, force)?,
        },
    })
}

/// Adds every address, or none; returns those added, each as exactly
/// what removes it again.
fn add_all(
    rtnl: &mut Rtnl,
    device: &Device<'_>,
    addresses: &[Address],
    exist_ok: bool,
    extras: Extras,
) -> anyhow::Result<Vec<Address>> {
    let mut added: Vec<Address> = Vec::new();
    for address in addresses {
        match add(rtnl, device, address, exist_ok, extras) {
            Ok(true) => added.push(Address {
                prefix_given: true,
                ..address.clone()
            }),
            Ok(false) => {}
            Err(e) => {
                for exact in added.iter().rev() {
                    let _ = rtnl.ack(RTM_DELADDR, 0, &exact.delete_request(device.link.index));
                }
                return Err(e);
            }
        }
    }
    Ok(added)
}

/// Adds one address; Ok(false) when it was there already and that is fine.
fn add(
    rtnl: &mut Rtnl,
    device: &Device<'_>,
    address: &Address,
    exist_ok: bool,
    extras: Extras,
) -> anyhow::Result<bool> {
    let request = address.add_request(device.link.index, extras);
    let error = match rtnl.ack(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &request) {
        Ok(()) => return Ok(true),
        Err(error) => error,
    };
    if error.errno != EEXIST {
        return Err(failure(address, "cannot add to", device, &error));
    }
    if !exist_ok {
        return Err(fact(address, "already assigned to", device));
    }
    // IPv4 says EEXIST only for the same address and prefix length; IPv6
    // for the same address whatever its length, so look at that.
    if address.ip.is_ipv6() {
        let present = present::on(rtnl, device.link.index)
            .map_err(|e| failure(address, "cannot list the addresses of", device, &e))?;
        if let Some(other) = present.iter().find(|p| p.local == address.ip) {
            if other.prefix != address.prefix {
                return Err(anyhow!(
                    "{}: already assigned to {}{} as {}/{}",
                    quote(&address.text),
                    quote(&device.link.name_lossy()),
                    device.ns,
                    other.local,
                    other.prefix
                ));
            }
        }
    }
    Ok(false)
}

/// Removes every address, or none; returns how many went.
fn delete_all(
    rtnl: &mut Rtnl,
    device: &Device<'_>,
    addresses: &[Address],
    force: bool,
) -> anyhow::Result<usize> {
    // With several, what is there first: to check that every one is (so
    // that a missing one leaves the others in place), and to put back
    // what went if a removal fails half-way.
    let before = match addresses.len() {
        1 => Vec::new(),
        _ => present::on(rtnl, device.link.index)
            .map_err(|e| failure(&addresses[0], "cannot list the addresses of", device, &e))?,
    };
    let was_there = |address: &Address| {
        before
            .iter()
            .any(|p| address.matches(p.local, p.address, p.prefix))
    };
    if !force && !before.is_empty() {
        if let Some(missing) = addresses.iter().find(|a| !was_there(a)) {
            return Err(not_assigned(missing, device));
        }
    }
    let mut removed = 0;
    for address in addresses {
        let request = address.delete_request(device.link.index);
        let error = match rtnl.ack(RTM_DELADDR, 0, &request) {
            Ok(()) => {
                removed += 1;
                continue;
            }
            // Gone since the check, as asked: given twice, or a secondary
            // the kernel removed with its primary.
            Err(e) if e.errno == EADDRNOTAVAIL && (force || was_there(address)) => continue,
            Err(e) if e.errno == EADDRNOTAVAIL => not_assigned(address, device),
            Err(e) if is_no_device(&e) && force => continue,
            Err(e) => failure(address, "cannot remove from", device, &e),
        };
        return Err(match restore(rtnl, device, &before) {
            Ok(()) => error,
            Err(why) => anyhow!("{error}; and what was removed could not be put back: {why}"),
        });
    }
    Ok(removed)
}

/// Puts back each address of `before` that is gone now: those this call
/// removed, and secondaries the kernel removed with their primary. In the
/// dump's order, so that a primary comes back before its secondaries.
fn restore(rtnl: &mut Rtnl, device: &Device<'_>, before: &[Present]) -> Result<(), NetlinkError> {
    if before.is_empty() {
        return Ok(());
    }
    let now = present::on(rtnl, device.link.index)?;
    for gone in before.iter().filter(|b| !now.iter().any(|n| n.is(b))) {
        rtnl.ack(
            RTM_NEWADDR,
            NLM_F_CREATE | NLM_F_EXCL,
            &Message::new(&gone.record),
        )?;
    }
    Ok(())
}

/// `10.0.0.1/24: already assigned to veth-red in namespace "red"`.
fn fact(address: &Address, what: &str, device: &Device<'_>) -> anyhow::Error {
    anyhow!(
        "{}: {what} {}{}",
        quote(&address.text),
        quote(&device.link.name_lossy()),
        device.ns
    )
}

/// `10.0.0.9/24: not assigned to veth-red in namespace "red"`; an IPv6
/// address without /LEN was looked for as /128, which the message says.
fn not_assigned(address: &Address, device: &Device<'_>) -> anyhow::Error {
    let error = fact(address, "not assigned to", device);
    if address.ip.is_ipv6() && !address.prefix_given {
        return anyhow!("{error} as {}/128", address.ip);
    }
    error
}

/// `10.0.0.1/24: cannot add to veth-red in namespace "red": why (ext ack)`.
fn failure(
    address: &Address,
    what: &str,
    device: &Device<'_>,
    error: &NetlinkError,
) -> anyhow::Error {
    if is_no_device(error) {
        return no_such_interface(&device.link.name_lossy(), device.ns);
    }
    anyhow!("{}: {error}", fact(address, what, device))
}
