//! `vm --two`: two VMs booted side by side from the same kernel and
//! initramfs, each told by its kernel command line which machine of the
//! tutorial across two machines it is, their network cards joined by a
//! qemu socket network (UDP datagrams between two loopback ports of this
//! host: nothing leaves it).

use std::net::UdpSocket;

use anyhow::{bail, Context, Result};

use super::qemu::{Accel, Machine, Peer, Report};

/// Boots machines A and B like `machine`, one network between them, and
/// returns each one's ping summaries.
pub fn boot(machine: &Machine, accel: Accel) -> Result<[Vec<String>; 2]> {
    let (a, b) = (free_port()?, free_port()?);
    let peers = [
        Peer {
            name: "A",
            mac: "52:54:00:00:01:0a",
            port: a,
            other_port: b,
        },
        Peer {
            name: "B",
            mac: "52:54:00:00:01:14",
            port: b,
            other_port: a,
        },
    ];
    let machines = peers.map(|peer| Machine {
        peer: Some(peer),
        ..*machine
    });
    let reports = std::thread::scope(|scope| {
        let running = machines
            .each_ref()
            .map(|m| scope.spawn(move || m.boot(accel)));
        running.map(|r| r.join().unwrap_or_else(|_| bail!("a VM's thread panicked")))
    });
    let mut pings = [Vec::new(), Vec::new()];
    for ((report, peer), pings) in reports.into_iter().zip(&peers).zip(&mut pings) {
        let name = peer.name;
        match report? {
            Report::Ok { pings: said } => *pings = said,
            Report::Failed(failure) => bail!("in VM {name}: {failure}"),
            Report::Nothing(why) => bail!("VM {name} gave no result: {why}"),
            Report::Silent => bail!("VM {name} never started /init"),
        }
    }
    Ok(pings)
}

/// A UDP port of the loopback that nothing uses now, for a VM's card.
fn free_port() -> Result<u16> {
    let socket = UdpSocket::bind("127.0.0.1:0").context("finding a free UDP port")?;
    Ok(socket.local_addr()?.port())
}
