//! `__torus-floor up|down W H`: the torus of `examples/torus.sh` built or
//! taken down by one process that sends the kernel the requests our tools
//! send, and nothing else: no lookups but the links' indices, no checks
//! beyond the kernel's acks, no undo. What a batch costs above it is the
//! tools' own.
//!
//! Up: each namespace as nsadd makes one (its file created, unshare, the
//! namespace bind-mounted on the file, under a shared `/run/netns`); each
//! cable one RTM_NEWLINK with both ends born in their namespaces (as
//! vethpair does); then in each namespace, from a socket opened there, the
//! indices of its links (the kernel numbers them) and an RTM_NEWADDR per
//! end; then on those sockets an RTM_NEWLINK IFF_UP per link, lo
//! included; then, as `linkup --wait`, until every link runs (a dump of
//! each namespace's links, again while some do not). Down: as `nsadd -d`
//! with the names, each namespace's mount detached and its file removed.
//! It prints the time of each phase.

use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use nscore::link::{self, IFF_UP, IFLA_IFNAME, IFLA_INFO_DATA, IFLA_INFO_KIND};
use nscore::link::{IFLA_LINKINFO, IFLA_NET_NS_FD};
use nscore::message::{ifaddrmsg, ifinfomsg, Message};
use nscore::netns::{enter_fd, RUN_DIR};
use nscore::rtnl::{Rtnl, NLM_F_CREATE, NLM_F_EXCL, RTM_NEWADDR, RTM_NEWLINK};
use rustix::fs::{Mode, OFlags};
use rustix::mount::{mount_bind, mount_bind_recursive, mount_change, unmount};
use rustix::mount::{MountPropagationFlags, UnmountFlags};
use rustix::process::{getrlimit, setrlimit, Resource};
use rustix::thread::UnshareFlags;

use super::torus::{Torus, DEVICES};
use crate::flags::{self, Args, Subcommand};

pub const FLOOR: Subcommand = Subcommand {
    name: "__torus-floor",
    synopsis: "up|down W H",
    about: "\
the W x H torus of examples/torus.sh made (up) or removed (down) by
one process sending the tools' requests unchecked; the phases' times.",
    run: floor,
    helpers: &[],
};

const VETH_INFO_PEER: u16 = 1;
const IFA_ADDRESS: u16 = 1;
const IFA_LOCAL: u16 = 2;
const AF_INET: u8 = 2;

fn floor(args: &mut Args) -> Result<()> {
    let verb = args.operand("up or down")?;
    let mut size = || -> Result<usize> {
        let n = args.operand("W and H")?;
        let n = n.to_str().and_then(|n| n.parse().ok()).filter(|&n| n > 0);
        n.ok_or_else(|| flags::usage("W and H are positive numbers"))
    };
    let torus = Torus {
        w: size()?,
        h: size()?,
    };
    args.end()?;
    let mut clock = Clock(Instant::now(), Vec::new());
    match verb.to_str() {
        Some("up") => up(&torus, &mut clock)?,
        Some("down") => down(&torus, &mut clock)?,
        _ => return Err(flags::usage("up or down")),
    }
    println!("{}", clock.1.join(", "));
    Ok(())
}

/// The time of each phase, as it ends.
struct Clock(Instant, Vec<String>);

impl Clock {
    fn lap(&mut self, phase: &str) {
        let now = Instant::now();
        let ms = (now - self.0).as_secs_f64() * 1e3;
        self.1.push(format!("{phase} {ms:.0} ms"));
        self.0 = now;
    }
}

fn up(torus: &Torus, clock: &mut Clock) -> Result<()> {
    // A descriptor per namespace, then a socket per namespace.
    let files = getrlimit(Resource::Nofile);
    setrlimit(Resource::Nofile, rustix::process::Rlimit { current: files.maximum, ..files })?;
    let home = open("/proc/thread-self/ns/net")?;
    shared_run_dir()?;
    let namespaces = (0..torus.nodes())
        .map(|i| namespace(&torus.name(i)))
        .collect::<Result<Vec<OwnedFd>>>()?;
    clock.lap("namespaces");

    // Sent from here, where no end's name is taken.
    enter_fd(&home)?;
    let mut rtnl = socket()?;
    for i in 0..torus.nodes() {
        for cable in torus.cables(i) {
            let ends = [(i, cable.device), (cable.far, cable.far_device)];
            let [near, far] = ends.map(|(node, device)| (&namespaces[node], device));
            ack(&mut rtnl, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, &pair(near, far))?;
        }
    }
    clock.lap("cables");

    // A socket in each namespace, kept for the links and the wait (the
    // namespace's file closed once it is open). Each link's index by an
    // RTM_GETLINK of its name, as ipassign looks its device up: with one
    // dump of the namespace's links instead, setting them up later took
    // the kernel three times as long (11 to 12.6 s against 3.2 to 3.7 s
    // at 100x100).
    let mut sockets = Vec::with_capacity(torus.nodes());
    for (i, namespace) in namespaces.into_iter().enumerate() {
        enter_fd(&namespace)?;
        let mut rtnl = socket()?;
        let mut index = |name: &str| link::get(&mut rtnl, name).ok().flatten().map(|l| l.index);
        let indices: Option<Vec<u32>> = ["lo"].iter().chain(&DEVICES).map(|d| index(d)).collect();
        let indices = indices.with_context(|| format!("{}: a link missing", torus.name(i)))?;
        for (&index, address) in indices[1..].iter().zip(torus.ends(i)) {
            let mut request = Message::new(&ifaddrmsg(AF_INET, 30, 0, 0, index));
            request.put(IFA_LOCAL, &address).put(IFA_ADDRESS, &address);
            ack(&mut rtnl, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, &request)?;
        }
        sockets.push((rtnl, indices));
    }
    enter_fd(&home)?;
    clock.lap("addresses");

    // All up once every address is there, as the batches do it: up and
    // addresses namespace by namespace took longer, the kernel's workers
    // bringing the first links to life meanwhile (at 100x100, 19 s for
    // both against 9 to 13 s).
    for (rtnl, indices) in &mut sockets {
        for &index in indices.iter() {
            let request = Message::new(&ifinfomsg(index, IFF_UP, IFF_UP));
            ack(rtnl, RTM_NEWLINK, 0, &request)?;
        }
    }
    let mut sockets: Vec<Rtnl> = sockets.into_iter().map(|(rtnl, _)| rtnl).collect();
    clock.lap("up");

    let deadline = Instant::now() + Duration::from_secs(30);
    while !sockets.is_empty() {
        let before = sockets.len();
        let mut failed = None;
        sockets.retain_mut(|rtnl| match link::dump(rtnl) {
            Ok(links) => !links.iter().all(|l| l.is_running()),
            Err(e) => {
                failed.get_or_insert(e);
                false
            }
        });
        if let Some(e) = failed {
            return Err(anyhow!("reading links: {e}"));
        }
        if sockets.len() == before {
            if Instant::now() > deadline {
                return Err(anyhow!("{} namespaces' links not running", sockets.len()));
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    clock.lap("running");
    Ok(())
}

fn down(torus: &Torus, clock: &mut Clock) -> Result<()> {
    for i in 0..torus.nodes() {
        let path = format!("{RUN_DIR}/{}", torus.name(i));
        unmount(path.as_str(), UnmountFlags::DETACH | UnmountFlags::NOFOLLOW)
            .and_then(|()| rustix::fs::unlink(path.as_str()))
            .with_context(|| path)?;
    }
    clock.lap("namespaces");
    Ok(())
}

/// `/run/netns`, a shared bind mount of itself, as nsadd leaves it.
fn shared_run_dir() -> Result<()> {
    let _ = rustix::fs::mkdir(RUN_DIR, Mode::from_raw_mode(0o755));
    if mount_change(RUN_DIR, MountPropagationFlags::SHARED).is_err() {
        mount_bind_recursive(RUN_DIR, RUN_DIR)?;
        let shared = MountPropagationFlags::SHARED | MountPropagationFlags::REC;
        mount_change(RUN_DIR, shared)?;
    }
    Ok(())
}

/// A new network namespace on `/run/netns/NAME`, as nsadd makes it; this
/// thread is left in it. Returns it open.
fn namespace(name: &str) -> Result<OwnedFd> {
    let path = format!("{RUN_DIR}/{name}");
    let flags = OFlags::RDONLY | OFlags::CREATE | OFlags::EXCL | OFlags::CLOEXEC;
    drop(rustix::fs::open(path.as_str(), flags, Mode::empty()).with_context(|| path.clone())?);
    // SAFETY: a new network namespace for this thread alone; it shares
    // nothing that unshare would have to split.
    unsafe { rustix::thread::unshare_unsafe(UnshareFlags::NEWNET) }?;
    mount_bind("/proc/thread-self/ns/net", path.as_str()).with_context(|| path)?;
    open("/proc/thread-self/ns/net")
}

fn open(path: &str) -> Result<OwnedFd> {
    let flags = OFlags::RDONLY | OFlags::CLOEXEC;
    rustix::fs::open(path, flags, Mode::empty()).with_context(|| path.to_string())
}

fn socket() -> Result<Rtnl> {
    Rtnl::open().map_err(|e| anyhow!("netlink socket: {e}"))
}

fn ack(rtnl: &mut Rtnl, kind: u16, flags: u16, request: &Message) -> Result<()> {
    rtnl.ack(kind, flags, request)
        .map_err(|e| anyhow!("request {kind}: {e}"))
}

/// The RTM_NEWLINK of one cable: each end (its namespace, its device)
/// named and placed.
fn pair(near: (&OwnedFd, usize), far: (&OwnedFd, usize)) -> Message {
    let end = |m: &mut Message, (namespace, device): (&OwnedFd, usize)| {
        m.put_str(IFLA_IFNAME, DEVICES[device])
            .put_u32(IFLA_NET_NS_FD, namespace.as_raw_fd() as u32);
    };
    let mut message = Message::new(&ifinfomsg(0, 0, 0));
    end(&mut message, near);
    message.nest(IFLA_LINKINFO, |m| {
        m.put_str(IFLA_INFO_KIND, "veth").nest(IFLA_INFO_DATA, |m| {
            m.nest(VETH_INFO_PEER, |m| {
                m.raw(&ifinfomsg(0, 0, 0));
                end(m, far);
            });
        });
    });
    message
}
