//! `--wait`: until each device, and the peer of a veth, carries traffic.
//!
//! Being up is not enough. The kernel starts a device's queues only once
//! its linkwatch work has seen the carrier come; a packet sent before that
//! meets the noop qdisc and is dropped. Linkwatch then sets IFF_RUNNING
//! and announces it with an RTM_NEWLINK event. So the event socket is
//! opened before the change (no event can slip between the change and the
//! wait), each device's state is read once, and then only events are
//! awaited, with poll and the time left: no sleeping, no polling loop.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::time::{Duration, Instant};

use anyhow::anyhow;
use netlink_sys::{protocols::NETLINK_ROUTE, Socket, SocketAddr};
use nscore::cli::{quote, strerror};
use nscore::link::{self, operstate_name, Link};
use nscore::netns::Where;
use nscore::rtnl::{scan, NetlinkError, Rtnl, RTM_NEWLINK};

/// `RTMGRP_LINK`: the multicast group of link events.
const RTMGRP_LINK: u32 = 1;

/// A socket that hears the kernel's link events: from this namespace, and
/// from every namespace it has an id for (where a veth's peer may be).
pub struct Watch {
    socket: Socket,
    buf: Vec<u8>,
}

impl Watch {
    /// Opens the socket in the current namespace: do it before the change.
    pub fn open() -> anyhow::Result<Watch> {
        let failed = |e: io::Error| {
            let errno = e.raw_os_error().unwrap_or(libc::EIO);
            anyhow!("cannot listen for link events: {}", strerror(errno))
        };
        let mut socket = Socket::new(NETLINK_ROUTE).map_err(failed)?;
        socket
            .bind(&SocketAddr::new(0, RTMGRP_LINK))
            .map_err(failed)?;
        socket.set_listen_all_namespaces(true).map_err(failed)?;
        Ok(Watch {
            socket,
            buf: vec![0; 64 * 1024],
        })
    }

    /// Waits until `deadline` (None: no end) for events; hands each link
    /// it reports to `each` with the id of the namespace it is in (None:
    /// this one).
    fn next(
        &mut self,
        deadline: Option<Instant>,
        mut each: impl FnMut(Option<i32>, Link),
    ) -> Heard {
        let fd = self.socket.as_raw_fd();
        if !readable(fd, deadline) {
            return Heard::Nothing;
        }
        match receive(fd, &mut self.buf) {
            Ok((len, nsid, false)) => {
                // Events carry sequence number 0.
                let _ = scan(&self.buf[..len], 0, &mut |reply| {
                    if reply.kind == RTM_NEWLINK {
                        if let Some(link) = Link::parse(reply.payload) {
                            each(nsid, link);
                        }
                    }
                });
                Heard::Events
            }
            // Cut short, or the socket overflowed (ENOBUFS): events lost.
            Ok((_, _, true)) => Heard::Lost,
            Err(e) if e.raw_os_error() == Some(libc::ENOBUFS) => Heard::Lost,
            Err(_) => Heard::Events, // EAGAIN, EINTR: look again
        }
    }
}

enum Heard {
    Nothing,
    Events,
    Lost,
}

/// One link waited for: a device given, or the peer of a veth given.
pub struct Target<'a> {
    device: &'a str,
    /// The peer's name, when this is the peer of `device`.
    peer: Option<String>,
    nsid: Option<i32>,
    state: Link,
}

/// Waits until every device of `devices` (in the socket's namespace, `ns`
/// as given) and the peer of each veth among them runs, for at most
/// `limit`; the error names one that does not, with its state.
pub fn until_running(
    rtnl: &mut Rtnl,
    watch: &mut Watch,
    devices: &[String],
    limit: Duration,
    ns: Where<'_>,
) -> anyhow::Result<()> {
    // A limit past what a clock can hold is no limit.
    let deadline = Instant::now().checked_add(limit);
    let waiting = targets(rtnl, devices, ns)?;
    wait_for(rtnl, watch, waiting, (deadline, limit), ns)
}

/// The devices of `devices`, and the peer of each veth among them, that
/// do not run yet.
#[inline(never)] // one copy for the command line and a batch (size)
pub fn targets<'a>(
    rtnl: &mut Rtnl,
    devices: &'a [String],
    ns: Where<'_>,
) -> anyhow::Result<Vec<Target<'a>>> {
    let mut waiting = Vec::new();
    for device in devices {
        let state = link::resolve(rtnl, device, ns)?;
        let peer = match (state.kind.as_deref(), state.link) {
            (Some("veth"), Some(index)) => Some((index, state.link_netnsid)),
            _ => None,
        };
        waiting.push(Target {
            device,
            peer: None,
            nsid: None,
            state,
        });
        if let Some((index, nsid)) = peer {
            let found = link::query(rtnl, &link::by_index(index, nsid))
                .map_err(|e| cannot_read(device, ns, e))?;
            if let Some(state) = found {
                waiting.push(Target {
                    device,
                    peer: Some(state.name_lossy().into_owned()),
                    nsid,
                    state,
                });
            }
        }
    }
    waiting.retain(|t| !t.state.is_running());
    Ok(waiting)
}

/// Reads the state of each target again, and keeps those not running.
#[inline(never)] // one copy for the command line and a batch (size)
pub fn refresh(rtnl: &mut Rtnl, waiting: &mut Vec<Target>, ns: Where<'_>) -> anyhow::Result<()> {
    for t in waiting.iter_mut() {
        let request = link::by_index(t.state.index, t.nsid);
        if let Some(now) = link::query(rtnl, &request).map_err(|e| cannot_read(t.device, ns, e))? {
            t.state = now;
        }
    }
    waiting.retain(|t| !t.state.is_running());
    Ok(())
}

/// Waits, with `watch` opened before the last look at their state, until
/// every target runs or the deadline (and the limit it came from, for the
/// message) passes.
#[inline(never)] // one copy for the command line and a batch (size)
pub fn wait_for(
    rtnl: &mut Rtnl,
    watch: &mut Watch,
    mut waiting: Vec<Target>,
    (deadline, limit): (Option<Instant>, Duration),
    ns: Where<'_>,
) -> anyhow::Result<()> {
    while !waiting.is_empty() {
        let heard = watch.next(deadline, |nsid, link| {
            for t in waiting.iter_mut() {
                if t.nsid == nsid && t.state.index == link.index {
                    t.state = link.clone();
                }
            }
        });
        match heard {
            Heard::Nothing => return Err(timeout(&waiting[0], limit, ns)),
            Heard::Events => {}
            Heard::Lost => refresh(rtnl, &mut waiting, ns)?,
        }
        waiting.retain(|t| !t.state.is_running());
    }
    Ok(())
}

/// Whether `fd` has something to read before `deadline` (None: no end).
fn readable(fd: RawFd, deadline: Option<Instant>) -> bool {
    loop {
        // Rounded up: never give up before the deadline; -1: no end.
        let ms = match deadline {
            Some(at) => {
                let left = at.saturating_duration_since(Instant::now());
                left.as_nanos().div_ceil(1_000_000).min(i32::MAX as u128) as i32
            }
            None => -1,
        };
        let mut poll = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd, for the length given.
        match unsafe { libc::poll(&mut poll, 1, ms) } {
            n if n > 0 => return true,
            0 => return false,
            // A batch stopped by SIGINT or SIGTERM stops waiting too.
            _ if nscore::batch::signals::caught().is_some() => return false,
            _ if io::Error::last_os_error().raw_os_error() == Some(libc::EINTR) => {}
            _ => return true, // let the read report it
        }
    }
}

/// Reads one datagram: its length, the id of the namespace it came from
/// (none for this one), and whether it was cut short.
fn receive(fd: RawFd, buf: &mut [u8]) -> io::Result<(usize, Option<i32>, bool)> {
    let mut iov = libc::iovec {
        iov_base: buf.as_mut_ptr().cast(),
        iov_len: buf.len(),
    };
    // Room for one cmsg holding an int, aligned as cmsghdr wants.
    let mut control = [0u64; 8];
    // SAFETY: msghdr is plain data; all-zero is a valid empty one.
    let mut header: libc::msghdr = unsafe { std::mem::zeroed() };
    header.msg_iov = &mut iov;
    header.msg_iovlen = 1;
    header.msg_control = control.as_mut_ptr().cast();
    header.msg_controllen = std::mem::size_of_val(&control) as _;
    // SAFETY: the header points at live buffers of the lengths it gives.
    let len = unsafe { libc::recvmsg(fd, &mut header, libc::MSG_DONTWAIT) };
    if len < 0 {
        return Err(io::Error::last_os_error());
    }
    let mut nsid = None;
    // SAFETY: the CMSG macros walk the control buffer the kernel filled,
    // within msg_controllen.
    unsafe {
        let mut cmsg = libc::CMSG_FIRSTHDR(&header);
        while !cmsg.is_null() {
            if (*cmsg).cmsg_level == libc::SOL_NETLINK
                && (*cmsg).cmsg_type == libc::NETLINK_LISTEN_ALL_NSID
            {
                nsid = Some(libc::CMSG_DATA(cmsg).cast::<i32>().read_unaligned());
            }
            cmsg = libc::CMSG_NXTHDR(&header, cmsg);
        }
    }
    let truncated = header.msg_flags & libc::MSG_TRUNC != 0;
    Ok((len as usize, nsid, truncated))
}

fn cannot_read(device: &str, ns: Where<'_>, e: NetlinkError) -> anyhow::Error {
    anyhow!("{}: cannot read link state{ns}: {e}", quote(device))
}

/// `veth-red: still LOWERLAYERDOWN after 5 s in namespace "red"`.
fn timeout(t: &Target, limit: Duration, ns: Where<'_>) -> anyhow::Error {
    let state = operstate_name(t.state.operstate);
    let after = seconds(limit);
    let device = quote(t.device);
    match &t.peer {
        None => anyhow!("{device}: still {state} after {after} s{ns}"),
        Some(peer) => anyhow!(
            "{device}: its peer {} still {state} after {after} s{ns}",
            quote(peer)
        ),
    }
}

/// A duration in seconds as given on the command line: `5`, `0.25`.
fn seconds(d: Duration) -> String {
    let ms = d.as_millis();
    let text = format!("{}.{:03}", ms / 1000, ms % 1000);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(peer: Option<&str>, operstate: u8) -> Target<'static> {
        Target {
            device: "veth-red",
            peer: peer.map(String::from),
            nsid: None,
            state: Link {
                operstate,
                ..Link::default()
            },
        }
    }

    #[test]
    fn seconds_read_as_given() {
        assert_eq!(seconds(Duration::from_secs(5)), "5");
        assert_eq!(seconds(Duration::from_millis(250)), "0.25");
        assert_eq!(seconds(Duration::from_millis(10_500)), "10.5");
        assert_eq!(seconds(Duration::ZERO), "0");
    }

    #[test]
    fn a_timeout_names_the_device_and_its_state() {
        let e = timeout(&target(None, 3), Duration::from_secs(5), Where(Some("red")));
        assert_eq!(
            e.to_string(),
            "veth-red: still LOWERLAYERDOWN after 5 s in namespace \"red\""
        );
        let e = timeout(
            &target(Some("veth-blue"), 2),
            Duration::from_millis(250),
            Where(None),
        );
        assert_eq!(
            e.to_string(),
            "veth-red: its peer veth-blue still DOWN after 0.25 s"
        );
    }
}
