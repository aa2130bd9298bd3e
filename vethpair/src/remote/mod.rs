//! `--remote`: a cable to another machine, as a kernel VXLAN end. One
//! RTM_NEWLINK, sent from the underlay namespace UNS (where the end's UDP
//! socket then lives, as with `ip -n UNS link add NAME netns NS type
//! vxlan`), creates NAME directly in NS through IFLA_NET_NS_FD: nothing
//! is moved afterwards.

pub mod existing;
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
use nscore::rtnl::{NetlinkError, Rtnl, NLM_F_CREATE, NLM_F_EXCL, RTM_NEWLINK};

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

pub fn create(request: &Remote) -> anyhow::Result<()> {
    // Both namespaces are opened first: a missing one stops us before
    // anything is created anywhere. Either defaults to this one.
    let here = || netns::open("/proc/thread-self/ns/net");
    let node = request.netns.as_deref().map_or_else(here, netns::open)?;
    let underlay = request.underlay.as_deref().map_or_else(here, netns::open)?;
    if let Some(ns) = &request.underlay {
        netns::enter_fd(&underlay)
            .with_context(|| format!("{}: cannot enter namespace", quote(ns)))?;
    }
    let node_elsewhere = (!is_current_namespace(&node)).then_some(&node);
    let mut rtnl = link::socket(None)?;
    let refused = match send(&mut rtnl, request, node_elsewhere)? {
        Ok(()) => return Ok(()),
        Err(refused) => refused,
    };
    netns::enter_fd(&node).context("cannot enter the namespace of NAME again")?;
    let mut rtnl = link::socket(None)?;
    let underlay_elsewhere = (!is_current_namespace(&underlay)).then_some(&underlay);
    existing::explain(&mut rtnl, request, refused, underlay_elsewhere).map(drop)
}

/// The kernel's EEXIST, for [`existing::explain`] to turn into words.
pub struct Refused {
    pub error: NetlinkError,
    /// What was asked for, ADDR and DEV resolved.
    pub settings: Settings,
    /// NAME is taken in the underlay (which a kernel before 6.14 checks).
    pub in_underlay: bool,
}

/// Asks for the end on `rtnl`, a socket in the underlay, NAME going to
/// the namespace `node_elsewhere` (None: the underlay itself). `Ok(Ok(_))`:
/// made; `Ok(Err(_))`: the kernel said EEXIST, which a socket in NAME's
/// namespace can explain (or find to be what `-p` accepts).
#[inline(never)] // one copy for the command line and a batch (size)
pub fn send(
    rtnl: &mut Rtnl,
    request: &Remote,
    node_elsewhere: Option<&OwnedFd>,
) -> anyhow::Result<Result<(), Refused>> {
    let uns = Where(request.underlay.as_deref());
    let remote = resolve(&request.remote, request.local)?;
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
            settings.link = Some(link::resolve(rtnl, dev, uns)?.index);
            None
        }
        None => {
            let path = route::path_mtu(rtnl, remote, request.local)
                .map_err(|e| anyhow!("{remote}: no route{uns}: {e}"))?;
            Some(route::end_mtu(path, settings.overhead()))
        }
    };
    let node = node_elsewhere.map(|fd| fd.as_raw_fd());
    let message = vxlan::request(&request.name, &settings, mtu, node);
    let asked = Instant::now();
    let error = loop {
        match rtnl.ack(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &message) {
            Ok(()) => return Ok(Ok(())),
            Err(e) if vni_taken(&e) && asked.elapsed() < VNI_WAIT => sleep(VNI_POLL),
            Err(e) => break e,
        }
    };
    if error.errno != EEXIST {
        return Err(anyhow!(
            "{}: cannot create VXLAN end{}: {error}",
            quote(&request.name),
            Where(request.netns.as_deref())
        ));
    }
    let in_underlay = node.is_some() && matches!(link::get(rtnl, &request.name), Ok(Some(_)));
    Ok(Err(Refused {
        error,
        settings,
        in_underlay,
    }))
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
