//! The run loop: send on an absolute schedule, wait in `poll` on the socket
//! and the signal pipe until the next thing due (a send, the deadline, the
//! end of the linger), read every queued reply and error without blocking,
//! and stop by iputils' rules. Buffers are allocated once; a reply costs a
//! `recvmsg` and formatting into a reused buffer, and output is written in
//! one `write` before each wait.

use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::os::fd::AsFd;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rustix::event::{poll, PollFd, PollFlags};
use rustix::io::Errno;
use rustix::net::SendFlags;

use crate::format::{self, Addr};
use crate::json;
use crate::options::{Family, Options};
use crate::packet::{
    ExtendedError, Matcher, Request, COOKIE_LEN, ORIGIN_ICMP, ORIGIN_ICMP6, ORIGIN_LOCAL,
};
use crate::signals::Signals;
use crate::socket::{IcmpSocket, Kind};
use crate::stats::Stats;
use crate::sys;

/// iputils' MININTERVAL: the flood pace when replies stop coming.
const MIN_INTERVAL: Duration = Duration::from_millis(10);
/// Payloads smaller than a `struct timeval` are not timed (iputils).
const TIMING_MIN_SIZE: usize = 16;

pub struct Pinger<'a> {
    o: &'a Options,
    sock: &'a IcmpSocket,
    dst: SocketAddr,
    /// The reply should come from here (not for multicast or anycast).
    check_source: bool,
    request: Request,
    matcher: Matcher,
    pub stats: Stats,
    /// CLOCK_REALTIME of each send, by sequence number (the kernel's
    /// receive stamps are on that clock).
    sent_ns: Vec<u64>,
    /// Answered (by a reply or an error) since sent, by sequence number.
    answered: Vec<u64>,
    /// `--json`: the oldest probe (by count) not yet answered or reported
    /// lost; every later one is younger, so this is the next to expire.
    oldest: u64,
    out: Vec<u8>,
    buf: Vec<u8>,
    control: Box<sys::Control>,
    interval: Duration,
    timing: bool,
    start: Instant,
    last_send: Instant,
    stdout_gone: bool,
    /// The last IPv6 scope named (and whether link-local), and its name.
    zone: (u32, bool, String),
}

fn realtime_ns(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos() as u64
}

fn bit(set: &[u64], seq: u16) -> bool {
    set[usize::from(seq) / 64] & (1 << (seq % 64)) != 0
}

fn set_bit(set: &mut [u64], seq: u16, on: bool) {
    let word = &mut set[usize::from(seq) / 64];
    if on {
        *word |= 1 << (seq % 64);
    } else {
        *word &= !(1 << (seq % 64));
    }
}

impl<'a> Pinger<'a> {
    pub fn new(
        o: &'a Options,
        sock: &'a IcmpSocket,
        dst: SocketAddr,
    ) -> anyhow::Result<Pinger<'a>> {
        let mut cookie = [0u8; COOKIE_LEN];
        let mut ident = [0u8; 2];
        fill_random(&mut cookie)?;
        fill_random(&mut ident)?;
        let ident = u16::from_ne_bytes(ident);
        let check_source = match dst.ip() {
            IpAddr::V4(a) => !a.is_multicast() && !a.is_broadcast(),
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
                anyhow::anyhow!(
                    "cannot set SO_RCVTIMEO: {}",
                    nscore::cli::strerror(e.raw_os_error())
                )
            })?;
        }
        let now = Instant::now();
        Ok(Pinger {
            o,
            sock,
            dst,
            check_source,
            request: Request::new(sock.family, o.size, ident, &cookie),
            matcher: Matcher {
                family: sock.family,
                raw: sock.kind == Kind::Raw,
                ident,
                cookie,
                size: o.size,
            },
            stats: Stats::default(),
            sent_ns: vec![0; 1 << 16],
            answered: vec![0; (1 << 16) / 64],
            oldest: 1,
            out: Vec::with_capacity(4096),
            buf: vec![0; o.size + 8 + 60 + 576],
            control: Box::new(sys::Control([0; 512])),
            interval: Duration::from_millis(o.interval_ms),
            timing: o.size >= TIMING_MIN_SIZE,
            start: now,
            last_send: now,
            stdout_gone: false,
            zone: (0, false, String::new()),
        })
    }

    pub fn timing(&self) -> bool {
        self.timing
    }

    /// From the first to the last send, as the summary's `time`.
    pub fn elapsed(&self) -> Duration {
        self.last_send.duration_since(self.start)
    }

    /// Writes what is buffered for stdout; a reader that went away ends
    /// the run (as SIGPIPE ends iputils ping) without a message.
    pub fn flush(&mut self) {
        let mut at = 0;
        while at < self.out.len() && !self.stdout_gone {
            match rustix::io::write(std::io::stdout().as_fd(), &self.out[at..]) {
                Ok(n) => at += n,
                Err(Errno::INTR | Errno::AGAIN) => {}
                Err(_) => self.stdout_gone = true,
            }
        }
        self.out.clear();
    }

    fn stderr_line(&mut self, args: std::fmt::Arguments) {
        self.flush();
        let _ = std::io::stderr().write_all(format!("nsping: {args}\n").as_bytes());
    }

    fn stamp(&mut self) {
        stamp(&mut self.out, self.o.timestamps);
    }

    /// Runs to the end; returns the exit status by iputils' rule.
    pub fn run(&mut self, signals: &Signals) -> anyhow::Result<u8> {
        let o = self.o;
        let deadline_at = o.deadline.map(|d| self.start + d);
        let mut next_send = self.start;
        let mut linger_at: Option<Instant> = None;
        loop {
            if self.stdout_gone {
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
                let mut line = Vec::new();
                format::status(&mut line, &self.stats, self.timing);
                self.flush();
                let _ = std::io::stderr().write_all(&line);
            }
            if pending.interrupt {
                break;
            }
            let mut now = Instant::now();
            if deadline_at.is_some_and(|d| now >= d) || linger_at.is_some_and(|l| now >= l) {
                break;
            }
            self.expire(Some(now));

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
        self.flush();
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

    /// Sends one probe. Returns when to try again if the kernel had no room
    /// (the probe is then not counted).
    fn send(&mut self, now: Instant) -> Option<Instant> {
        let o = self.o;
        if o.outstanding && !o.json && self.stats.transmitted > 0 {
            let prev = self.stats.transmitted as u16;
            if !self.stats.was_received(prev) {
                self.stamp();
                format::no_answer(&mut self.out, prev);
            }
        }
        let seq = (self.stats.transmitted + 1) as u16;
        let at = realtime_ns(SystemTime::now());
        let packet = self.request.set_seq(seq);
        let len = packet.len();
        let result = rustix::net::sendto(&self.sock.fd, packet, SendFlags::empty(), &self.dst);
        match result {
            Ok(n) if n == len => {}
            Err(Errno::AGAIN) => return Some(now + MIN_INTERVAL),
            Err(Errno::NOBUFS | Errno::NOMEM) => {
                let pause = (self.interval / 2).clamp(MIN_INTERVAL, Duration::from_millis(500));
                return Some(now + pause);
            }
            other => {
                // A queued ICMP error makes sends fail; it says more.
                if self.read_errors() == 0 && !o.quiet && !o.json {
                    if o.flood {
                        self.out.push(b'E');
                    } else {
                        let why = match other {
                            Err(e) => nscore::cli::strerror(e.raw_os_error()),
                            Ok(_) => "short write".to_string(),
                        };
                        self.stderr_line(format_args!("sendmsg: {why}"));
                    }
                }
            }
        }
        self.stats.sent();
        self.sent_ns[usize::from(seq)] = at;
        set_bit(&mut self.answered, seq, false);
        self.last_send = now;
        if !o.json && o.flood && !o.quiet && result.is_ok() {
            self.out.push(b'.');
        }
        None
    }

    /// `--json`: when the oldest unanswered probe counts as lost (`-W`
    /// after it was sent).
    fn next_expiry(&self) -> Option<Instant> {
        if !self.o.json || self.oldest > self.stats.transmitted {
            return None;
        }
        let sent = self.sent_ns[usize::from(self.oldest as u16)];
        let expires = sent.saturating_add(self.o.linger_ms.saturating_mul(1_000_000));
        let left = expires.saturating_sub(realtime_ns(SystemTime::now()));
        Some(Instant::now() + Duration::from_nanos(left))
    }

    /// `--json`: reports probes unanswered for `-W` (all of them when
    /// `now` is None, at the end).
    fn expire(&mut self, now: Option<Instant>) {
        while self.o.json && self.oldest <= self.stats.transmitted {
            let seq = self.oldest as u16;
            if !bit(&self.answered, seq) {
                if now.is_some_and(|now| self.next_expiry().is_some_and(|t| t > now)) {
                    break;
                }
                if !self.o.quiet {
                    json::timeout(&mut self.out, seq, SystemTime::now());
                }
            }
            self.oldest += 1;
        }
    }

    /// `--json`, at the end: whatever is still unanswered timed out.
    pub fn expire_all(&mut self) {
        self.expire(None);
    }

    /// Flushes output, then waits for the socket or a signal, at most
    /// `timeout` (forever when None), and reads what arrived.
    fn wait(&mut self, signals: &Signals, timeout: Option<Duration>) -> anyhow::Result<()> {
        self.flush();
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
            Err(e) => {
                return Err(anyhow::anyhow!(
                    "poll: {}",
                    nscore::cli::strerror(e.raw_os_error())
                ))
            }
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
        match sys::receive(&self.sock.fd, &mut self.buf, &mut self.control, 0) {
            Ok(r) => {
                self.on_datagram(r);
                if self.stats.in_flight() > 0 {
                    self.read_replies();
                }
            }
            Err(e) => {
                if !matches!(
                    e.raw_os_error().map(Errno::from_raw_os_error),
                    Some(Errno::AGAIN | Errno::INTR)
                ) {
                    self.read_errors();
                }
            }
        }
    }

    /// Reads queued datagrams until none is left or nothing is in flight.
    fn read_replies(&mut self) {
        loop {
            let got = sys::receive(
                &self.sock.fd,
                &mut self.buf,
                &mut self.control,
                sys::MSG_DONTWAIT,
            );
            match got {
                Ok(r) => self.on_datagram(r),
                Err(e) => {
                    // A pending socket error (a raw socket's last ICMP
                    // error) surfaces here once; the error queue holds the
                    // details, as iputils reads them.
                    if !matches!(
                        e.raw_os_error().map(Errno::from_raw_os_error),
                        Some(Errno::AGAIN | Errno::INTR)
                    ) {
                        self.read_errors();
                    }
                    return;
                }
            }
            if self.stats.in_flight() == 0 {
                return;
            }
        }
    }

    fn on_datagram(&mut self, r: sys::Received) {
        let Ok(reply) = self.matcher.reply(&self.buf[..r.len]) else {
            return;
        };
        let sent = self.sent_ns[usize::from(reply.seq)];
        if sent == 0 {
            return; // never sent: not ours
        }
        let mut ttl = reply.header_ttl;
        let mut received = None;
        for (level, kind, data) in sys::cmsgs(&self.control.0[..r.control_len]) {
            match (level, kind) {
                (sys::SOL_IP, sys::IP_TTL) | (sys::SOL_IPV6, sys::IPV6_HOPLIMIT) => {
                    if let Some(b) = data.get(..4) {
                        let v = i32::from_ne_bytes(b.try_into().unwrap_or_default());
                        ttl = u8::try_from(v).ok();
                    }
                }
                (sys::SOL_SOCKET, sys::SO_TIMESTAMPNS_NEW) => {
                    received = timespec_ns(data, 8);
                }
                (sys::SOL_SOCKET, sys::SO_TIMESTAMPNS_OLD) => {
                    received = timespec_ns(data, std::mem::size_of::<std::ffi::c_long>());
                }
                _ => {}
            }
        }
        let received = received.unwrap_or_else(|| realtime_ns(SystemTime::now()));
        let rtt_ns = received.saturating_sub(sent);
        let duplicate = self.stats.reply(reply.seq, rtt_ns);
        set_bit(&mut self.answered, reply.seq, true);
        let ip = r.from.unwrap_or(self.dst.ip());
        if self.o.quiet {
            return;
        }
        let from = Addr {
            ip,
            zone: zone(&mut self.zone, ip, r.scope),
        };
        if self.o.json {
            json::reply(
                &mut self.out,
                &json::Reply {
                    seq: reply.seq,
                    from,
                    bytes: reply.icmp_len,
                    ttl,
                    rtt_ns,
                    duplicate,
                    truncated: reply.truncated,
                    at: UNIX_EPOCH + Duration::from_nanos(received),
                },
            );
        } else if self.o.flood {
            self.out.extend_from_slice(b"\x08 \x08");
        } else {
            stamp(&mut self.out, self.o.timestamps);
            format::reply(
                &mut self.out,
                &format::ReplyLine {
                    icmp_len: reply.icmp_len,
                    from,
                    seq: reply.seq,
                    ttl,
                    rtt_us: self.timing.then_some((rtt_ns / 1000) as i64),
                    truncated: reply.truncated,
                    duplicate,
                    different_address: self.check_source && ip != self.dst.ip(),
                },
            );
        }
    }

    /// Reads the error queue dry; returns how many ICMP errors were ours.
    fn read_errors(&mut self) -> usize {
        let mut ours = 0;
        loop {
            let flags = sys::MSG_ERRQUEUE | sys::MSG_DONTWAIT;
            let Ok(r) = sys::receive(&self.sock.fd, &mut self.buf, &mut self.control, flags) else {
                return ours;
            };
            let mut error = None;
            for (level, kind, data) in sys::cmsgs(&self.control.0[..r.control_len]) {
                if (level, kind) == (sys::SOL_IP, sys::IP_RECVERR)
                    || (level, kind) == (sys::SOL_IPV6, sys::IPV6_RECVERR)
                {
                    error = ExtendedError::parse(data);
                }
            }
            let Some(e) = error else { continue };
            if e.origin == ORIGIN_LOCAL {
                self.local_error(&e);
                continue;
            }
            if !matches!(e.origin, ORIGIN_ICMP | ORIGIN_ICMP6) || r.from != Some(self.dst.ip()) {
                continue;
            }
            let Some(seq) = self.matcher.quoted_request(&self.buf[..r.len]) else {
                continue;
            };
            ours += 1;
            self.icmp_error(seq, &e);
        }
    }

    fn local_error(&mut self, e: &ExtendedError) {
        // As iputils: not counted under -q.
        if self.o.quiet {
            return;
        }
        self.stats.errors += 1;
        if self.o.json {
            return;
        }
        if self.o.flood {
            self.out.push(b'E');
        } else if e.errno == Errno::MSGSIZE.raw_os_error() as u32 {
            match self.sock.family {
                Family::V4 => self.stderr_line(format_args!(
                    "local error: message too long, mtu={}",
                    e.info
                )),
                Family::V6 => self.stderr_line(format_args!(
                    "local error: message too long, mtu: {}",
                    e.info
                )),
            }
        } else {
            let why = nscore::cli::strerror(e.errno as i32);
            self.stderr_line(format_args!("local error: {why}"));
        }
    }

    fn icmp_error(&mut self, seq: u16, e: &ExtendedError) {
        match self.sock.family {
            // iputils acknowledges IPv4 errors only (so only they make a pipe).
            Family::V4 => self.stats.error(seq),
            Family::V6 => self.stats.errors += 1,
        }
        set_bit(&mut self.answered, seq, true);
        if self.o.quiet {
            return;
        }
        let ip = e.offender.unwrap_or(self.dst.ip());
        let from = Addr {
            ip,
            zone: zone(&mut self.zone, ip, e.offender_scope),
        };
        if self.o.json {
            let family = self.sock.family;
            json::error(
                &mut self.out,
                seq,
                from,
                (e.icmp_type, e.icmp_code),
                |o| format::icmp_text(o, family, e.icmp_type, e.icmp_code, e.info),
                SystemTime::now(),
            );
        } else if self.o.flood {
            self.out.extend_from_slice(b"\x08E");
        } else {
            stamp(&mut self.out, self.o.timestamps);
            format::icmp_error(&mut self.out, from, seq, e.icmp_type, e.icmp_code, e.info);
        }
    }

    pub fn out(&mut self) -> &mut Vec<u8> {
        &mut self.out
    }
}

/// `-D`: the time before a line.
fn stamp(out: &mut Vec<u8>, on: bool) {
    if on {
        format::timestamp(out, SystemTime::now());
    }
}

/// The zone to print after `ip`: the interface of a link-local scope (its
/// index when it has no name), as getnameinfo does; cached, so a stream
/// of replies costs one lookup.
fn zone(cache: &mut (u32, bool, String), ip: IpAddr, scope: u32) -> &str {
    let IpAddr::V6(a) = ip else { return "" };
    if scope == 0 {
        return "";
    }
    let first = a.segments()[0];
    let link_local = (first & 0xffc0) == 0xfe80 || (first & 0xff0f) == 0xff02;
    if cache.0 != scope || cache.1 != link_local || cache.2.is_empty() {
        let name = if link_local {
            sys::interface_name(scope)
        } else {
            None
        };
        *cache = (scope, link_local, name.unwrap_or_else(|| scope.to_string()));
    }
    &cache.2
}

/// A `struct timespec` of two `word`-byte fields, in nanoseconds.
fn timespec_ns(data: &[u8], word: usize) -> Option<u64> {
    let field = |at: usize| -> Option<i64> {
        let b = data.get(at..at + word)?;
        Some(match word {
            8 => i64::from_ne_bytes(b.try_into().ok()?),
            _ => i64::from(i32::from_ne_bytes(b.try_into().ok()?)),
        })
    };
    let (sec, nsec) = (field(0)?, field(word)?);
    u64::try_from(sec)
        .ok()?
        .checked_mul(1_000_000_000)?
        .checked_add(u64::try_from(nsec).ok()?)
}

fn fill_random(buf: &mut [u8]) -> anyhow::Result<()> {
    let mut at = 0;
    while at < buf.len() {
        match rustix::rand::getrandom(&mut buf[at..], rustix::rand::GetRandomFlags::empty()) {
            Ok(n) => at += n,
            Err(Errno::INTR) => {}
            Err(e) => {
                let why = nscore::cli::strerror(e.raw_os_error());
                return Err(anyhow::anyhow!("cannot get random bytes: {why}"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespecs() {
        let mut d = Vec::new();
        d.extend_from_slice(&5i64.to_ne_bytes());
        d.extend_from_slice(&7i64.to_ne_bytes());
        assert_eq!(timespec_ns(&d, 8), Some(5_000_000_007));
        assert_eq!(timespec_ns(&d[..12], 8), None);
        let mut n = Vec::new();
        n.extend_from_slice(&(-1i64).to_ne_bytes());
        n.extend_from_slice(&0i64.to_ne_bytes());
        assert_eq!(timespec_ns(&n, 8), None);
    }

    #[test]
    fn zones_name_link_local_scopes() {
        let lo = sys::interface_index("lo").unwrap();
        let mut cache = (0, false, String::new());
        let ll: IpAddr = "fe80::1".parse().unwrap();
        assert_eq!(zone(&mut cache, ll, 0), "");
        assert_eq!(zone(&mut cache, ll, lo), "lo");
        assert_eq!(
            zone(&mut cache, "fd00::1".parse().unwrap(), lo),
            lo.to_string()
        );
        assert_eq!(zone(&mut cache, "10.0.0.1".parse().unwrap(), lo), "");
    }

    #[test]
    fn bitsets() {
        let mut s = vec![0u64; 1024];
        set_bit(&mut s, 65535, true);
        set_bit(&mut s, 64, true);
        assert!(bit(&s, 65535) && bit(&s, 64) && !bit(&s, 63));
        set_bit(&mut s, 64, false);
        assert!(!bit(&s, 64));
    }
}
