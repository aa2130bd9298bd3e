//! The run loop: send on an absolute schedule, wait in `poll` on the socket
//! and the signal pipe until the next thing due (a send, the deadline, the
//! end of the linger), read every queued reply and error without blocking,
//! and stop by iputils' rules. Buffers are allocated once; a reply costs a
//! `recvmsg` and formatting into a reused buffer, and output is written in
//! one `write` before each wait.

use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

use nscore::cli::strerror;
use rustix::event::{poll, PollFd, PollFlags};
use rustix::io::Errno;
use rustix::net::SendFlags;

use crate::addr::{Addr, Family, Zones};
use crate::options::Options;
use crate::output::{Reply, Sink};
use crate::packet::{self, Matcher, Request, COOKIE_LEN};
use crate::probes::{realtime_ns, Probes};
use crate::receive::{Arrival, Receiver};
use crate::signals::Signals;
use crate::socket::{IcmpSocket, Kind};
use crate::stats::Stats;
use crate::sys::ExtendedError;

/// iputils' MININTERVAL: the flood pace when replies stop coming.
const MIN_INTERVAL: Duration = Duration::from_millis(10);
/// Payloads smaller than a `struct timeval` are not timed (iputils).
pub const TIMING_MIN_SIZE: usize = 16;

pub struct Pinger<'a> {
    o: &'a Options,
    sock: &'a IcmpSocket,
    dst: SocketAddr,
    /// The reply should come from here (not for multicast or anycast).
    check_source: bool,
    request: Request,
    receiver: Receiver,
    pub stats: Stats,
    probes: Probes,
    pub sink: Sink<'a>,
    interval: Duration,
    start: Instant,
    last_send: Instant,
    /// Sends in a row that found the device queue full.
    no_room: u32,
    zones: Zones<'a>,
}

impl<'a> Pinger<'a> {
    pub fn new(
        o: &'a Options,
        sock: &'a IcmpSocket,
        dst: SocketAddr,
        sink: Sink<'a>,
    ) -> anyhow::Result<Pinger<'a>> {
        let mut cookie = [0u8; COOKIE_LEN];
        let mut ident = [0u8; 2];
        packet::fill_random(&mut cookie)?;
        packet::fill_random(&mut ident)?;
        let ident = u16::from_ne_bytes(ident);
        let check_source = match dst.ip() {
            IpAddr::V4(a) => !o.broadcast && !a.is_multicast() && !a.is_broadcast(),
            // Not multicast, not a subnet-router anycast (zero interface id).
            IpAddr::V6(a) => !a.is_multicast() && a.octets()[8..].iter().any(|&b| b != 0),
        };
        if o.interval_ms == 0 {
            rustix::net::sockopt::set_socket_timeout(
                &sock.fd,
                rustix::net::sockopt::Timeout::Recv,
                Some(MIN_INTERVAL),
            )
            .map_err(|e| {
                anyhow::anyhow!("cannot set SO_RCVTIMEO: {}", strerror(e.raw_os_error()))
            })?;
        }
        let now = Instant::now();
        Ok(Pinger {
            o,
            sock,
            dst,
            check_source,
            request: Request::new(sock.family, o.size, ident, &cookie),
            receiver: Receiver::new(
                Matcher {
                    family: sock.family,
                    raw: sock.kind == Kind::Raw,
                    ident,
                    cookie,
                    size: o.size,
                },
                Some(dst.ip()),
            ),
            stats: Stats::default(),
            probes: Probes::new(),
            sink,
            interval: Duration::from_millis(o.interval_ms),
            start: now,
            last_send: now,
            no_room: 0,
            zones: Zones::new(sock.fd.as_fd()),
        })
    }

    /// From the first to the last send, as the summary's `time`.
    pub fn elapsed(&self) -> Duration {
        self.last_send.duration_since(self.start)
    }

    /// Runs to the end; returns the exit status by iputils' rule.
    pub fn run(&mut self, signals: &Signals) -> anyhow::Result<u8> {
        let o = self.o;
        let deadline_at = o.deadline.map(|d| self.start + d);
        let mut next_send = self.start;
        let mut linger_at: Option<Instant> = None;
        loop {
            if self.sink.gone() {
                break;
            }
            if let Some(count) = o.count {
                if self.stats.received + self.stats.errors >= count {
                    break;
                }
            }
            if o.deadline.is_some() && self.stats.errors > 0 {
                break;
            }
            let pending = signals.take();
            if pending.status {
                self.sink.status(&self.stats);
            }
            if pending.interrupt {
                break;
            }
            let mut now = Instant::now();
            if deadline_at.is_some_and(|d| now >= d) || linger_at.is_some_and(|l| now >= l) {
                break;
            }
            self.expire(false);

            // Send what is due.
            if self.sending() {
                if self.interval.is_zero() {
                    // Flood pace: the next probe as soon as the last is
                    // answered, or every 10 ms without answers.
                    if now >= next_send
                        && (self.stats.in_flight() == 0 || now >= self.last_send + MIN_INTERVAL)
                    {
                        next_send = self.send(now).unwrap_or(now);
                        now = Instant::now();
                    }
                } else if now >= next_send {
                    next_send = match self.send(now) {
                        Some(retry) => retry,
                        None => {
                            let next = next_send + self.interval;
                            // Late by more than an interval (stopped, slow
                            // output): keep the pace, don't burst.
                            if next <= now {
                                now + self.interval
                            } else {
                                next
                            }
                        }
                    };
                }
            }
            let mut wake = deadline_at;
            if self.sending() {
                let at = if self.interval.is_zero() && self.stats.in_flight() > 0 {
                    next_send.max(self.last_send + MIN_INTERVAL)
                } else {
                    next_send
                };
                wake = Some(wake.map_or(at, |w| w.min(at)));
            } else if linger_at.is_none() {
                linger_at = Some(now + self.linger());
            }
            if let Some(l) = linger_at {
                wake = Some(wake.map_or(l, |w| w.min(l)));
            }
            if let Some(t) = self.next_expiry() {
                wake = Some(wake.map_or(t, |w| w.min(t)));
            }
            self.wait(signals, wake.map(|w| w.saturating_duration_since(now)))?;
        }
        self.sink.flush();
        Ok(self.status())
    }

    /// Whether more probes are to go: until COUNT are sent, or with `-w`
    /// until COUNT are answered or the deadline.
    fn sending(&self) -> bool {
        let under_count = match self.o.count {
            Some(c) => self.stats.transmitted < c,
            None => true,
        };
        self.o.deadline.is_some() || under_count
    }

    /// How long to wait for stragglers once everything is sent: twice the
    /// slowest reply (at least an interval), or `-W` without any reply.
    fn linger(&self) -> Duration {
        if self.stats.received > 0 {
            let us = (2 * self.stats.tmax).max(self.o.interval_ms as i64 * 1000);
            Duration::from_micros(us.max(0) as u64)
        } else {
            Duration::from_millis(self.o.linger_ms)
        }
    }

    pub fn status(&self) -> u8 {
        let short =
            self.o.deadline.is_some() && self.o.count.is_some_and(|c| self.stats.received < c);
        u8::from(self.stats.received == 0 || short)
    }

    /// Sends one probe, as iputils' `pinger` does. Returns when to try
    /// again when the probe did not go (and does not count).
    fn send(&mut self, now: Instant) -> Option<Instant> {
        let o = self.o;
        if o.outstanding && self.stats.transmitted > 0 {
            let prev = self.stats.transmitted as u16;
            if !self.stats.was_received(prev) {
                self.sink.no_answer(prev);
            }
        }
        let seq = (self.stats.transmitted + 1) as u16;
        let at = realtime_ns();
        let packet = self.request.set_seq(seq);
        let len = packet.len();
        let result = rustix::net::sendto(&self.sock.fd, packet, SendFlags::empty(), &self.dst);
        // Why the probe failed, to be said.
        let failed = match result {
            Ok(n) if n == len => {
                self.no_room = 0;
                None
            }
            Ok(_) => Some("short write".to_string()),
            Err(Errno::AGAIN) => return Some(now + MIN_INTERVAL),
            Err(e @ (Errno::NOBUFS | Errno::NOMEM)) => {
                // The device queue is full: try again, for -W at most.
                let pause = (self.interval / 2).clamp(MIN_INTERVAL, Duration::from_millis(500));
                self.no_room = self.no_room.saturating_add(1);
                if pause * self.no_room < Duration::from_millis(o.linger_ms) {
                    return Some(now + pause);
                }
                Some(strerror(e.raw_os_error()))
            }
            // A queued error makes a send fail: the first one may say why.
            // Unlike iputils, which says nothing when the queue is empty,
            // a failure is reported unless a local error just said it.
            Err(e) => match self.receiver.error(&self.sock.fd) {
                // Not ours: send again.
                Some(Arrival::Other) => return Some(now),
                Some(arrival @ Arrival::Local(_)) => {
                    self.arrived(arrival);
                    None
                }
                arrival => {
                    if let Some(arrival) = arrival {
                        self.arrived(arrival);
                    }
                    Some(strerror(e.raw_os_error()))
                }
            },
        };
        self.stats.sent();
        self.probes.sent(seq, at);
        self.last_send = now;
        match failed {
            Some(why) => self.sink.send_failed(&why),
            None if result.is_ok() => self.sink.sent(),
            None => {}
        }
        None
    }

    /// `--json`: when the oldest unanswered probe counts as lost (`-W`
    /// after it was sent).
    fn next_expiry(&self) -> Option<Instant> {
        let linger = Duration::from_millis(self.o.linger_ms);
        self.o
            .json
            .then(|| self.probes.next_expiry(self.stats.transmitted, linger))?
    }

    /// `--json`: reports probes unanswered for `-W` (all of them at the
    /// end).
    fn expire(&mut self, at_end: bool) {
        let linger = Duration::from_millis(self.o.linger_ms);
        while self.o.json {
            let now = (!at_end).then(realtime_ns);
            let Some(seq) = self.probes.expired(self.stats.transmitted, linger, now) else {
                break;
            };
            self.sink.timeout(seq);
        }
    }

    /// `--json`, at the end: whatever is still unanswered timed out.
    pub fn expire_all(&mut self) {
        self.expire(true);
    }

    /// Flushes output, then waits for the socket or a signal, at most
    /// `timeout` (forever when None), and reads what arrived.
    fn wait(&mut self, signals: &Signals, timeout: Option<Duration>) -> anyhow::Result<()> {
        self.sink.flush();
        if self.interval.is_zero()
            && self.stats.in_flight() > 0
            && timeout.is_some_and(|t| t <= MIN_INTERVAL)
        {
            self.flood_wait();
            return Ok(());
        }
        let ts = timeout.map(|d| rustix::event::Timespec {
            tv_sec: d.as_secs() as i64,
            tv_nsec: i64::from(d.subsec_nanos()),
        });
        let mut fds = [
            PollFd::new(&self.sock.fd, PollFlags::IN),
            PollFd::new(signals, PollFlags::IN),
        ];
        match poll(&mut fds, ts.as_ref()) {
            Ok(_) => {}
            Err(Errno::INTR) => return Ok(()),
            Err(e) => return Err(anyhow::anyhow!("poll: {}", strerror(e.raw_os_error()))),
        }
        let revents = fds[0].revents();
        if revents.contains(PollFlags::ERR) {
            self.read_errors();
        }
        if revents.intersects(PollFlags::IN | PollFlags::ERR) {
            self.read_replies();
        }
        Ok(())
    }

    /// Flood: waits for the reply in `recvmsg` itself, bounded by the
    /// socket's 10 ms SO_RCVTIMEO, as iputils does: two system calls a
    /// probe (send, receive) instead of three with `poll`. A signal
    /// interrupts the call (EINTR: a timeout makes it non-restartable).
    fn flood_wait(&mut self) {
        if self.read_one(0) && self.stats.in_flight() > 0 {
            self.read_replies();
        }
    }

    /// Reads queued datagrams until none is left or nothing is in flight.
    fn read_replies(&mut self) {
        while self.read_one(crate::sys::MSG_DONTWAIT) && self.stats.in_flight() > 0 {}
    }

    /// Reads and handles one datagram; false when there was none.
    fn read_one(&mut self, flags: i32) -> bool {
        match self.receiver.datagram(&self.sock.fd, flags) {
            Ok(arrival) => {
                self.arrived(arrival);
                true
            }
            Err(e) => {
                // A pending socket error (a raw socket's last ICMP error)
                // surfaces here once; the error queue holds the details,
                // as iputils reads them.
                if !matches!(
                    e.raw_os_error().map(Errno::from_raw_os_error),
                    Some(Errno::AGAIN | Errno::INTR)
                ) {
                    self.read_errors();
                }
                false
            }
        }
    }

    /// Reads the error queue dry.
    fn read_errors(&mut self) {
        while let Some(arrival) = self.receiver.error(&self.sock.fd) {
            self.arrived(arrival);
        }
    }

    /// Counts what arrived and hands it to the sink.
    fn arrived(&mut self, arrival: Arrival) {
        match arrival {
            Arrival::Reply {
                reply,
                from,
                scope,
                ttl,
                at_ns,
            } => {
                let Some(sent) = self.probes.sent_at(reply.seq) else {
                    return; // never sent: not ours
                };
                let at_ns = at_ns.unwrap_or_else(realtime_ns);
                let rtt_ns = at_ns.saturating_sub(sent);
                let duplicate = self.stats.reply(reply.seq, rtt_ns);
                self.probes.answer(reply.seq);
                self.sink.reply(&Reply {
                    seq: reply.seq,
                    from: Addr {
                        ip: from,
                        zone: self.zones.of(from, scope),
                    },
                    icmp_len: reply.icmp_len,
                    ttl,
                    rtt_ns,
                    at_ns,
                    duplicate,
                    truncated: reply.truncated,
                    different_address: self.check_source && from != self.dst.ip(),
                });
            }
            Arrival::Notice { notice, from } => self.sink.notice(Addr::plain(from), &notice),
            Arrival::Error { seq, error, .. } => self.icmp_error(seq, &error),
            // As iputils: not counted under -q.
            Arrival::Local(e) if !self.o.quiet => {
                self.stats.errors += 1;
                self.sink.local_error(self.sock.family, e.errno, e.info);
            }
            Arrival::Local(_) | Arrival::Other => {}
        }
    }

    fn icmp_error(&mut self, seq: u16, e: &ExtendedError) {
        match self.sock.family {
            // iputils acknowledges IPv4 errors only (so only they make a pipe).
            Family::V4 => self.stats.error(seq),
            Family::V6 => self.stats.errors += 1,
        }
        self.probes.answer(seq);
        let ip = e.offender.unwrap_or(self.dst.ip());
        let from = Addr {
            ip,
            zone: self.zones.of(ip, e.offender_scope),
        };
        let icmp = (e.icmp_type, e.icmp_code, e.info);
        self.sink.icmp_error(seq, from, self.sock.family, icmp);
    }
}
