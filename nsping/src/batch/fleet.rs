//! Every target of a batch probed at once, from one event loop, in rounds
//! an interval apart: a probe to every target still sending, in the
//! file's order. Probes go out in bursts, with the replies read between
//! them, so no socket's queue overflows however many targets share it,
//! and one epoll waits on every socket. Sequence numbers are the run's,
//! not a target's: a table by number says whose probe it was and when it
//! went, and an answer counts only from that target's address on its
//! socket. A probe not answered within -W is lost.

use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::time::{Duration, Instant};

use anyhow::anyhow;
use nscore::cli::strerror;
use rustix::event::{epoll, Timespec};
use rustix::io::Errno;
use rustix::net::SendFlags;

use super::targets::{Target, Targets};
use crate::addr::Family;
use crate::options::Options;
use crate::packet::{self, Matcher, Request, COOKIE_LEN};
use crate::probes::realtime_ns;
use crate::receive::{Arrival, Receiver};
use crate::signals::Signals;
use crate::socket::{IcmpSocket, Kind};
use crate::stats::Counts;

/// Probes sent between two reads of the replies.
const BURST: usize = 64;
/// The sequence numbers (16 bits).
const SEQS: u64 = 1 << 16;
/// In `owner`: the probe was answered (by a reply or an error).
const ANSWERED: u32 = 1 << 31;
/// How soon to try again when a socket's send queue is full.
const RETRY: Duration = Duration::from_millis(10);
/// The epoll key of the signal pipe.
const SIGNALS: u64 = u64::MAX;

pub struct Fleet<'a> {
    o: &'a Options,
    pub targets: Vec<Target>,
    pub sockets: Vec<IcmpSocket>,
    /// The namespaces, as the lines spell them.
    pub netns: Vec<String>,
    /// When the run began (ns since the epoch).
    pub start_ns: u64,
    /// By sequence number: whose probe (target index + 1, 0 for none,
    /// with ANSWERED) and when it went (ns since the epoch).
    owner: Vec<u32>,
    sent_ns: Vec<u64>,
    /// Probes sent in the run, and the oldest not yet answered or lost.
    sent: u64,
    oldest: u64,
    /// The round under way, when it began, and the next target in it.
    round: u64,
    round_at: Instant,
    next: usize,
    /// With -w: targets still short of COUNT answers.
    active: usize,
    requests: [Request; 2],
    receiver: Receiver,
    epoll: OwnedFd,
}

impl<'a> Fleet<'a> {
    pub fn new(o: &'a Options, targets: Targets) -> anyhow::Result<Fleet<'a>> {
        let mut cookie = [0u8; COOKIE_LEN];
        let mut ident = [0u8; 2];
        packet::fill_random(&mut cookie)?;
        packet::fill_random(&mut ident)?;
        let ident = u16::from_ne_bytes(ident);
        let matcher = Matcher {
            family: Family::V4,
            raw: false,
            ident,
            cookie,
            size: o.size,
        };
        let epoll = epoll::create(epoll::CreateFlags::CLOEXEC).map_err(os_error("epoll"))?;
        for (i, sock) in targets.sockets.iter().enumerate() {
            watch(&epoll, &sock.fd, i as u64)?;
        }
        Ok(Fleet {
            o,
            round: 0,
            round_at: Instant::now(),
            start_ns: realtime_ns(),
            next: 0,
            active: targets.list.len(),
            targets: targets.list,
            sockets: targets.sockets,
            netns: targets.netns,
            owner: vec![0; SEQS as usize],
            sent_ns: vec![0; SEQS as usize],
            sent: 0,
            oldest: 0,
            requests: [Family::V4, Family::V6].map(|f| Request::new(f, o.size, ident, &cookie)),
            receiver: Receiver::new(matcher, None),
            epoll,
        })
    }

    /// Probes until every target is done and every probe answered or
    /// lost, the deadline (`-w`), or SIGINT.
    pub fn run(&mut self, signals: &Signals) -> anyhow::Result<()> {
        watch(&self.epoll, signals, SIGNALS)?;
        let deadline = self.o.deadline.map(|d| Instant::now() + d);
        loop {
            let now = Instant::now();
            if signals.take().interrupt || deadline.is_some_and(|d| now >= d) {
                return Ok(());
            }
            let settled = self.settle();
            // With -w, COUNT answers end a target, whatever is in flight.
            let done = match deadline {
                Some(_) => self.active == 0 && self.o.count.is_some(),
                None => self.rounds_over() && settled.is_none(),
            };
            if done || self.targets.is_empty() {
                // What came meanwhile (after -W, from a stalled run) counts.
                return self.wait(Some(now));
            }
            let wake = [settled, self.send(now), deadline]
                .into_iter()
                .flatten()
                .min();
            self.wait(wake)?;
        }
    }

    /// Whether a target has probes to send: with -w until COUNT are
    /// answered (the rounds count the rest).
    fn sending(&self, c: &Counts) -> bool {
        match (self.o.count, self.o.deadline) {
            (Some(count), Some(_)) => c.received + c.errors < count,
            _ => true,
        }
    }

    /// Whether the last round (the COUNTth) is sent.
    fn rounds_over(&self) -> bool {
        self.next == self.targets.len() && self.o.count.is_some_and(|c| self.round + 1 >= c)
    }

    /// Passes over the probes answered or lost; when the oldest one still
    /// waited for will be lost.
    fn settle(&mut self) -> Option<Instant> {
        let now = realtime_ns();
        let linger = self.o.linger_ms * 1_000_000;
        while self.oldest < self.sent {
            let seq = self.oldest as u16 as usize;
            let lost_at = self.sent_ns[seq].saturating_add(linger);
            if self.owner[seq] & ANSWERED == 0 && now < lost_at {
                return Some(Instant::now() + Duration::from_nanos(lost_at - now));
            }
            self.oldest += 1;
        }
        None
    }

    /// Sends a burst of the probes due; when to send again (None: never).
    fn send(&mut self, now: Instant) -> Option<Instant> {
        let mut burst = 0;
        while burst < BURST {
            if self.next == self.targets.len() {
                if self.o.deadline.is_none() && self.rounds_over() {
                    return None;
                }
                // Late by more than an interval: keep the pace, don't burst.
                let interval = Duration::from_millis(self.o.interval_ms);
                (self.round, self.next) = (self.round + 1, 0);
                self.round_at = (self.round_at + interval).max(now);
            }
            if self.round_at > now {
                return Some(self.round_at);
            }
            let i = self.next;
            if self.sending(&self.targets[i].counts) {
                // Every number taken by a probe still waited for, or the
                // socket's queue full.
                if self.sent - self.oldest >= SEQS || !self.transmit(i) {
                    return Some(now + RETRY);
                }
                burst += 1;
            }
            self.next += 1;
        }
        Some(now)
    }

    /// Sends target `i` its next probe; false when the socket's queue is
    /// full. A send that fails otherwise counts, as a probe lost, and the
    /// report says why.
    fn transmit(&mut self, i: usize) -> bool {
        let t = &self.targets[i];
        let (s, addr) = (t.socket as usize, t.addr);
        let seq = self.sent as u16;
        let mut at = realtime_ns();
        let mut send = |fleet: &mut Fleet| {
            let sock = &fleet.sockets[s];
            let packet = fleet.requests[sock.family as usize].set_seq(seq);
            at = realtime_ns();
            rustix::net::sendto(&sock.fd, packet, SendFlags::DONTWAIT, &addr)
        };
        let mut result = send(self);
        if matches!(result, Err(e) if e != Errno::AGAIN) {
            // The socket's pending error, from another target's probe,
            // fails one send: read it, and send again.
            self.read_errors(s);
            result = send(self);
        }
        match result {
            Err(Errno::AGAIN) => return false,
            Ok(_) => {
                let slot = usize::from(seq);
                (self.owner[slot], self.sent_ns[slot]) = (i as u32 + 1, at);
                self.sent += 1;
            }
            Err(e) => self.targets[i].send_error = e.raw_os_error(),
        }
        let t = &mut self.targets[i];
        t.counts.transmitted += 1;
        t.last_ns = at;
        true
    }

    /// Waits for replies and signals until `wake` (forever when None),
    /// and reads every socket that has something.
    fn wait(&mut self, wake: Option<Instant>) -> anyhow::Result<()> {
        let timeout = wake.map(|w| {
            let d = w.saturating_duration_since(Instant::now());
            Timespec {
                tv_sec: d.as_secs() as i64,
                tv_nsec: i64::from(d.subsec_nanos()),
            }
        });
        let mut events = [MaybeUninit::<epoll::Event>::uninit(); 64];
        let (ready, _) = match epoll::wait(&self.epoll, &mut events, timeout.as_ref()) {
            Ok(ready) => ready,
            Err(Errno::INTR) => return Ok(()),
            Err(e) => return Err(os_error("epoll_wait")(e)),
        };
        for event in ready.iter() {
            let (key, flags) = (event.data.u64(), event.flags);
            if key != SIGNALS {
                self.read(key as usize, flags.contains(epoll::EventFlags::ERR));
            }
        }
        Ok(())
    }

    /// Reads what socket `s` has queued (a bounded amount: epoll tells
    /// again if more is left).
    fn read(&mut self, s: usize, error: bool) {
        let sock = &self.sockets[s];
        self.receiver.matcher.family = sock.family;
        self.receiver.matcher.raw = sock.kind == Kind::Raw;
        if error {
            self.read_errors(s);
        }
        for _ in 0..BURST {
            match self
                .receiver
                .datagram(&self.sockets[s].fd, crate::sys::MSG_DONTWAIT)
            {
                Ok(arrival) => self.arrived(s, arrival),
                Err(e) if e.raw_os_error() == Some(Errno::AGAIN.raw_os_error()) => return,
                // A pending error (an ICMP error's) surfaces once.
                Err(_) => self.read_errors(s),
            }
        }
    }

    fn read_errors(&mut self, s: usize) {
        while let Some(arrival) = self.receiver.error(&self.sockets[s].fd) {
            self.arrived(s, arrival);
        }
    }

    /// Counts a reply or an ICMP error that came on socket `s` for the
    /// target whose probe it answers.
    fn arrived(&mut self, s: usize, arrival: Arrival) {
        let (seq, from, at_ns) = match arrival {
            Arrival::Reply {
                reply, from, at_ns, ..
            } => (reply.seq, from, Some(at_ns.unwrap_or_else(realtime_ns))),
            Arrival::Error { seq, to, .. } => (seq, to, None),
            _ => return,
        };
        let slot = usize::from(seq);
        let owner = self.owner[slot];
        let Some(i) = (owner & !ANSWERED).checked_sub(1) else {
            return;
        };
        let t = &self.targets[i as usize];
        if t.socket as usize != s || t.addr.ip() != from {
            return;
        }
        let was_sending = self.sending(&t.counts);
        let answered = owner & ANSWERED != 0;
        let c = &mut self.targets[i as usize].counts;
        match at_ns {
            Some(_) if answered => c.duplicates += 1,
            Some(at) => {
                c.received += 1;
                c.rtt.add(at.saturating_sub(self.sent_ns[slot]));
            }
            None if answered => return,
            None => c.errors += 1,
        }
        self.owner[slot] |= ANSWERED;
        if was_sending && !self.sending(&self.targets[i as usize].counts) {
            self.active -= 1;
        }
    }
}

/// Adds `fd` to `epoll` for reading, under `key`.
fn watch(epoll: &OwnedFd, fd: impl std::os::fd::AsFd, key: u64) -> anyhow::Result<()> {
    let data = epoll::EventData::new_u64(key);
    epoll::add(epoll, fd, data, epoll::EventFlags::IN).map_err(os_error("epoll_ctl"))
}

fn os_error(what: &'static str) -> impl Fn(Errno) -> anyhow::Error {
    move |e| anyhow!("{what}: {}", strerror(e.raw_os_error()))
}
