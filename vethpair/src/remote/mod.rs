//! `--remote`: a cable to another machine, as a kernel VXLAN end. One
//! RTM_NEWLINK, sent from the underlay namespace UNS (where the end's UDP
//! socket then lives, as with `ip -n UNS link add NAME netns NS type
//! vxlan`), creates NAME directly in NS through IFLA_NET_NS_FD: nothing
//! is moved afterwards.

mod existing;
mod route;
pub mod vxlan;

use std::net::IpAddr;
use std::os::fd::{AsRawFd, OwnedFd};
use std::thread::sleep;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context};
use nscore::cli::quote;
use nscore::host;
use nscore::link;
use nscore::netns::{self, Where};
use nscore::rtnl::{NetlinkError, NLM_F_CREATE, NLM_F_EXCL, RTM_NEWLINK};

use crate::nsid::is_current_namespace;
use crate::options::{is_unicast, Remote};
use vxlan::Settings;

const EEXIST: i32 = 17;

/// How long a VNI taken in the underlay is waited for. An end whose
/// namespace was just deleted (`nsadd -d`, `ip netns del`) keeps its VNI
/// until the kernel has cleaned that namespace up, some 10 to 50 ms after
/// the deletion returned; `down` then `up` must not fail for it. A VNI
/// that another live end holds is reported once this is over.
const VNI_WAIT: Duration = Duration::from_secs(2);
const VNI_POLL: Duration = Duration::from_millis(5);

/// Whether the VXLAN driver itself refused with EEXIST: another end has
/// this VNI and port in the underlay. (A taken name is refused by the
/// kernel's link code, without a message.)
fn vni_taken(error: &NetlinkError) -> bool {
    error.errno == EEXIST && error.message.is_some()
}

/// The namespaces a VXLAN end joins: NS, where NAME is, and the underlay
/// UNS, where its packets travel.
pub struct Ends {
    pub node: OwnedFd,
    pub underlay: OwnedFd,
}

pub fn create(request: &Remote) -> anyhow::Result<()> {
    // Both namespaces are opened first: a missing one stops us before
    // anything is created anywhere. Either defaults to this one.
    let here = || netns::open("/proc/thread-self/ns/net");
    let ends = Ends {
        node: request.netns.as_deref().map_or_else(here, netns::open)?,
        underlay: request.underlay.as_deref().map_or_else(here, netns::open)?,
    };
    let uns = Where(request.underlay.as_deref());
    if let Some(ns) = &request.underlay {
        netns::enter_fd(&ends.underlay)
            .with_context(|| format!("{}: cannot enter namespace", quote(ns)))?;
    }
    let remote = resolve(&request.remote, request.local)?;
    let mut rtnl = link::socket(None)?;
    let mut settings = Settings {
        vni: request.vni,
        remote: Some(remote),
        local: request.local,
        port: request.port,
        link: None,
    };
    // With DEV the kernel sizes the end from it; without, we do, from
    // the device the underlay routes ADDR through.
    let mtu = match &request.dev {
        Some(dev) => {
            settings.link = Some(link::resolve(&mut rtnl, dev, uns)?.index);
            None
        }
        None => {
            let path = route::path_mtu(&mut rtnl, remote, request.local)
                .map_err(|e| anyhow!("{remote}: no route{uns}: {e}"))?;
            Some(route::end_mtu(path, settings.overhead()))
        }
    };
    let node = (!is_current_namespace(&ends.node)).then(|| ends.node.as_raw_fd());
    let message = vxlan::request(&request.name, &settings, mtu, node);
    let asked = Instant::now();
    let error = loop {
        match rtnl.ack(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &message) {
            Ok(()) => return Ok(()),
            Err(e) if vni_taken(&e) && asked.elapsed() < VNI_WAIT => sleep(VNI_POLL),
            Err(e) => break e,
        }
    };
    if error.errno == EEXIST {
        return existing::explain(&mut rtnl, request, &settings, &ends, error);
    }
    Err(anyhow!(
        "{}: cannot create VXLAN end{}: {error}",
        quote(&request.name),
        Where(request.netns.as_deref())
    ))
}

/// ADDR as given, or the first address `/etc/hosts` has for it (of the
/// family of `local`, when given): the far end.
fn resolve(remote: &str, local: Option<IpAddr>) -> anyhow::Result<IpAddr> {
    if let Some(ip) = host::parse_ip(remote) {
        return Ok(ip);
    }
    let ip = host::from_hosts_file(remote)
        .into_iter()
        .find(|a| local.is_none_or(|l| l.is_ipv4() == a.is_ipv4()))
        .ok_or_else(|| {
            let family = match local {
                Some(IpAddr::V4(_)) => " with an IPv4 address",
                Some(IpAddr::V6(_)) => " with an IPv6 address",
                None => "",
            };
            anyhow!("{}: no such host{family} in {}", quote(remote), host::HOSTS)
        })?;
    if !is_unicast(ip) {
        return Err(anyhow!("{}: {ip} is not a unicast address", quote(remote)));
    }
    Ok(ip)
}
