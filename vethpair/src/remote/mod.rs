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
use nscore::message::Message;
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

/// The two sockets a VXLAN end is made with, however the caller keeps
/// them: one in the underlay, which sends the request, and one in NAME's
/// namespace, which looks at what is there when the kernel refuses.
pub trait Sockets {
    /// A socket in the underlay, and NAME's namespace when it is another.
    fn underlay(&mut self) -> anyhow::Result<(&mut Rtnl, Option<&OwnedFd>)>;
    /// A socket in NAME's namespace, and the underlay when it is another.
    fn node(&mut self) -> anyhow::Result<(&mut Rtnl, Option<&OwnedFd>)>;
}

/// The command line's sockets: the underlay's opened first, NAME's
/// namespace's only when needed.
struct Here {
    node_fd: OwnedFd,
    underlay_fd: OwnedFd,
    apart: bool,
    underlay: Rtnl,
    node: Option<Rtnl>,
}

impl Sockets for Here {
    fn underlay(&mut self) -> anyhow::Result<(&mut Rtnl, Option<&OwnedFd>)> {
        Ok((&mut self.underlay, self.apart.then_some(&self.node_fd)))
    }

    fn node(&mut self) -> anyhow::Result<(&mut Rtnl, Option<&OwnedFd>)> {
        if self.node.is_none() {
            netns::enter_fd(&self.node_fd).context("cannot enter the namespace of NAME again")?;
            self.node = Some(link::socket(None)?);
        }
        let rtnl = self.node.as_mut().expect("opened above");
        Ok((rtnl, self.apart.then_some(&self.underlay_fd)))
    }
}

pub fn create(request: &Remote) -> anyhow::Result<()> {
    // Both namespaces are opened first: a missing one stops us before
    // anything is created anywhere. Either defaults to this one.
    let here = || netns::open("/proc/thread-self/ns/net");
    let node_fd = request.netns.as_deref().map_or_else(here, netns::open)?;
    let underlay_fd = request.underlay.as_deref().map_or_else(here, netns::open)?;
    if let Some(ns) = &request.underlay {
        netns::enter_fd(&underlay_fd)
            .with_context(|| format!("{}: cannot enter namespace", quote(ns)))?;
    }
    let mut sockets = Here {
        apart: !is_current_namespace(&node_fd),
        underlay: link::socket(None)?,
        node: None,
        node_fd,
        underlay_fd,
    };
    make(&mut sockets, request).map(drop)
}

/// Makes the end; `Ok(false)` when it was there already (`-p`).
#[inline(never)] // one copy for the command line and a batch (size)
pub fn make(sockets: &mut impl Sockets, request: &Remote) -> anyhow::Result<bool> {
    let (rtnl, node_elsewhere) = sockets.underlay()?;
    let (message, settings) = prepare(rtnl, request, node_elsewhere)?;
    let mut error = match rtnl.ack(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &message) {
        Ok(()) => return Ok(true),
        Err(error) if error.errno == EEXIST => error,
        Err(error) => return Err(cannot_create(request, &error)),
    };
    // A kernel before 6.14 looks NAME up where the request comes from.
    let in_underlay =
        node_elsewhere.is_some() && matches!(link::get(rtnl, &request.name), Ok(Some(_)));
    let (rtnl, underlay_elsewhere) = sockets.node()?;
    if let Some(there) = existing::lookup(rtnl, request)? {
        return existing::explain(rtnl, request, there, &settings, underlay_elsewhere);
    }
    // NAME is free, so another end holds this VNI and port in the
    // underlay: perhaps one whose namespace is being deleted.
    let asked = Instant::now();
    while vni_taken(&error) && asked.elapsed() < VNI_WAIT {
        sleep(VNI_POLL);
        let (rtnl, _) = sockets.underlay()?;
        match rtnl.ack(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &message) {
            Ok(()) => return Ok(true),
            Err(e) => error = e,
        }
    }
    Err(existing::refused(request, &error, in_underlay))
}

/// `NAME: cannot create VXLAN end in namespace "NS": WHY`.
pub fn cannot_create(request: &Remote, error: &NetlinkError) -> anyhow::Error {
    anyhow!(
        "{}: cannot create VXLAN end{}: {error}",
        quote(&request.name),
        Where(request.netns.as_deref())
    )
}

/// The request for the end, and its settings with ADDR and DEV resolved
/// (on `rtnl`, a socket in the underlay), NAME going to the namespace
/// `node_elsewhere` (None: the underlay itself).
fn prepare(
    rtnl: &mut Rtnl,
    request: &Remote,
    node_elsewhere: Option<&OwnedFd>,
) -> anyhow::Result<(Message, Settings)> {
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
    Ok((
        vxlan::request(&request.name, &settings, mtu, node),
        settings,
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
