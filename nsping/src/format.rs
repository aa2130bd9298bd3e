//! The text iputils ping prints, byte for byte: header, reply and error
//! lines, the summary block and the SIGQUIT status line. Every function
//! appends to a reused buffer, so printing a reply allocates nothing.

use std::io::Write;
use std::net::IpAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::addr::{Addr, Family};
use crate::decimal::percent_g;
use crate::output::Reply;
use crate::packet::Notice;
use crate::stats::Stats;

/// `PING host (addr) 56(84) bytes of data.` (IPv4) or
/// `PING host(addr) 56 data bytes` (IPv6), with `from SRC DEV: ` when `-I`
/// was given.
pub fn header(
    out: &mut Vec<u8>,
    host: &str,
    addr: Addr,
    from: Option<(IpAddr, &str)>,
    size: usize,
) {
    let _ = match addr.ip {
        IpAddr::V4(_) => write!(out, "PING {host} ({addr}) "),
        IpAddr::V6(_) => write!(out, "PING {host}({addr}) "),
    };
    if let Some((source, device)) = from {
        let _ = write!(out, "from {source} {device}: ");
    }
    let _ = match addr.ip {
        IpAddr::V4(_) => writeln!(out, "{size}({}) bytes of data.", size + 28),
        IpAddr::V6(_) => writeln!(out, "{size} data bytes"),
    };
}

/// `-D`: `[seconds.microseconds] `.
pub fn timestamp(out: &mut Vec<u8>, now: SystemTime) {
    let t = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let _ = write!(out, "[{}.{:06}] ", t.as_secs(), t.subsec_micros());
}

/// A round-trip time in µs as iputils prints it: three decimals below
/// 1 ms, then two, one and none as the number grows, rounded.
pub fn rtt(out: &mut Vec<u8>, us: i64) {
    let _ = if us >= 100_000 - 50 {
        write!(out, "{}", (us + 500) / 1000)
    } else if us >= 10_000 - 5 {
        write!(out, "{}.{}", (us + 50) / 1000, ((us + 50) % 1000) / 100)
    } else if us >= 1000 {
        write!(out, "{}.{:02}", (us + 5) / 1000, ((us + 5) % 1000) / 10)
    } else {
        write!(out, "{}.{:03}", us / 1000, us % 1000)
    };
}

/// `64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.045 ms`; no time
/// when the payload is too small to carry one (`-s` below 16), as iputils.
pub fn reply(out: &mut Vec<u8>, r: &Reply, timed: bool) {
    let _ = write!(
        out,
        "{} bytes from {}: icmp_seq={}",
        r.icmp_len, r.from, r.seq
    );
    if let Some(ttl) = r.ttl {
        let _ = write!(out, " ttl={ttl}");
    }
    if r.truncated {
        out.extend_from_slice(b" (truncated)\n");
        return;
    }
    if timed {
        out.extend_from_slice(b" time=");
        rtt(out, (r.rtt_ns / 1000) as i64);
        out.extend_from_slice(b" ms");
    }
    if r.duplicate {
        out.extend_from_slice(b" (DUP!)");
    }
    if r.different_address {
        out.extend_from_slice(b" (DIFFERENT ADDRESS!)");
    }
    out.push(b'\n');
}

/// `From 10.0.0.1 icmp_seq=2 Destination Host Unreachable`.
pub fn icmp_error(out: &mut Vec<u8>, from: Addr, seq: u16, kind: u8, code: u8, info: u32) {
    let _ = write!(out, "From {from} icmp_seq={seq} ");
    match from.ip {
        IpAddr::V4(_) => icmp4_text(out, kind, code, info),
        IpAddr::V6(_) => icmp6_text(out, kind, code, info),
    }
    out.push(b'\n');
}

/// `From 10.0.0.254: icmp_seq=1 Redirect Host(New nexthop: 10.0.0.253)`:
/// a redirect or source quench, as a raw socket receives them.
pub fn notice(out: &mut Vec<u8>, from: Addr, n: &Notice) {
    let _ = write!(out, "From {from}: icmp_seq={} ", n.seq);
    if n.bad_checksum {
        out.extend_from_slice(b"(BAD CHECKSUM)");
    }
    icmp4_text(out, n.kind, n.code, n.gateway);
    out.push(b'\n');
}

/// What an ICMP error means, in iputils' words (plain ASCII: no quote,
/// backslash or control character, so it needs no escaping in JSON).
pub fn icmp_text(out: &mut Vec<u8>, family: Family, kind: u8, code: u8, info: u32) {
    match family {
        Family::V4 => icmp4_text(out, kind, code, info),
        Family::V6 => icmp6_text(out, kind, code, info),
    }
}

fn icmp4_text(out: &mut Vec<u8>, kind: u8, code: u8, info: u32) {
    let fixed = match (kind, code) {
        (0, _) => "Echo Reply",
        (3, 0) => "Destination Net Unreachable",
        (3, 1) => "Destination Host Unreachable",
        (3, 2) => "Destination Protocol Unreachable",
        (3, 3) => "Destination Port Unreachable",
        (3, 4) => {
            let _ = write!(out, "Frag needed and DF set (mtu = {info})");
            return;
        }
        (3, 5) => "Source Route Failed",
        (3, 6) => "Destination Net Unknown",
        (3, 7) => "Destination Host Unknown",
        (3, 8) => "Source Host Isolated",
        (3, 9) => "Destination Net Prohibited",
        (3, 10) => "Destination Host Prohibited",
        (3, 11) => "Destination Net Unreachable for Type of Service",
        (3, 12) => "Destination Host Unreachable for Type of Service",
        (3, 13) => "Packet filtered",
        (3, 14) => "Precedence Violation",
        (3, 15) => "Precedence Cutoff",
        (3, _) => {
            let _ = write!(out, "Dest Unreachable, Bad Code: {code}");
            return;
        }
        (4, _) => "Source Quench",
        (5, _) => {
            let _ = match code {
                0 => write!(out, "Redirect Network"),
                1 => write!(out, "Redirect Host"),
                2 => write!(out, "Redirect Type of Service and Network"),
                3 => write!(out, "Redirect Type of Service and Host"),
                _ => write!(out, "Redirect, Bad Code: {code}"),
            };
            let _ = write!(out, "(New nexthop: {})", std::net::Ipv4Addr::from(info));
            return;
        }
        (8, _) => "Echo Request",
        (11, 0) => "Time to live exceeded",
        (11, 1) => "Frag reassembly time exceeded",
        (11, _) => {
            let _ = write!(out, "Time exceeded, Bad Code: {code}");
            return;
        }
        (12, _) => {
            let _ = write!(out, "Parameter problem: pointer = {info}");
            return;
        }
        (13, _) => "Timestamp",
        (14, _) => "Timestamp Reply",
        (15, _) => "Information Request",
        (16, _) => "Information Reply",
        (17, _) => "Address Mask Request",
        (18, _) => "Address Mask Reply",
        _ => {
            let _ = write!(out, "Bad ICMP type: {kind}");
            return;
        }
    };
    out.extend_from_slice(fixed.as_bytes());
}

fn icmp6_text(out: &mut Vec<u8>, kind: u8, code: u8, info: u32) {
    let _ = match kind {
        1 => {
            out.extend_from_slice(b"Destination unreachable: ");
            match code {
                0 => write!(out, "No route"),
                1 => write!(out, "Administratively prohibited"),
                2 => write!(out, "Beyond scope of source address"),
                3 => write!(out, "Address unreachable"),
                4 => write!(out, "Port unreachable"),
                _ => write!(out, "Unknown code {code}"),
            }
        }
        2 => {
            let _ = write!(out, "Packet too big: mtu={info}");
            if code != 0 {
                let _ = write!(out, ", code={code}");
            }
            Ok(())
        }
        3 => {
            out.extend_from_slice(b"Time exceeded: ");
            match code {
                0 => write!(out, "Hop limit"),
                1 => write!(out, "Defragmentation failure"),
                _ => write!(out, "code {code}"),
            }
        }
        4 => {
            out.extend_from_slice(b"Parameter problem: ");
            let _ = match code {
                0 => write!(out, "Wrong header field "),
                1 => write!(out, "Unknown header "),
                2 => write!(out, "Unknown option "),
                _ => write!(out, "code {code} "),
            };
            write!(out, "at {info}")
        }
        128 => write!(out, "Echo request"),
        129 => write!(out, "Echo reply"),
        130 => write!(out, "MLD Query"),
        131 => write!(out, "MLD Report"),
        132 => write!(out, "MLD Reduction"),
        _ => write!(out, "unknown icmp type: {kind}"),
    };
}

/// `-O`: `no answer yet for icmp_seq=N`.
pub fn no_answer(out: &mut Vec<u8>, seq: u16) {
    let _ = writeln!(out, "no answer yet for icmp_seq={seq}");
}

/// What the summary needs beyond the counters.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    pub host: &'a str,
    /// From the start to the last send.
    pub elapsed: Duration,
    /// Payload large enough to time replies (`-s` of 16 or more).
    pub timing: bool,
    /// Interval zero or flood: iputils adds `ipg/ewma`.
    pub show_ipg: bool,
}

fn ms3(out: &mut Vec<u8>, us: i64) {
    let _ = write!(out, "{}.{:03}", us / 1000, us % 1000);
}

/// The block after a run: blank line, `--- HOST ping statistics ---`, the
/// counts, and the rtt / pipe / ipg line (an empty line when none applies).
pub fn summary(out: &mut Vec<u8>, s: &Stats, run: &Run) {
    let _ = write!(
        out,
        "\n--- {} ping statistics ---\n{} packets transmitted, {} received",
        run.host, s.transmitted, s.received
    );
    if s.duplicates > 0 {
        let _ = write!(out, ", +{} duplicates", s.duplicates);
    }
    if s.errors > 0 {
        let _ = write!(out, ", +{} errors", s.errors);
    }
    if let Some(loss) = s.counts().loss_percent() {
        let ms = run.elapsed.as_secs() * 1000
            + u64::from((run.elapsed.subsec_nanos() + 500_000) / 1_000_000);
        let _ = write!(out, ", {}% packet loss, time {ms}ms", percent_g(loss));
    }
    out.push(b'\n');
    let mut comma = "";
    if s.received > 0 && run.timing {
        out.extend_from_slice(b"rtt min/avg/max/mdev = ");
        for (i, us) in [s.tmin, s.avg_us(), s.tmax, s.mdev_us()]
            .into_iter()
            .enumerate()
        {
            if i > 0 {
                out.push(b'/');
            }
            ms3(out, us);
        }
        out.extend_from_slice(b" ms");
        comma = ", ";
    }
    if s.pipesize > 1 {
        let _ = write!(out, "{comma}pipe {}", s.pipesize);
        comma = ", ";
    }
    if s.received > 0 && run.show_ipg && s.transmitted > 1 {
        let ipg = run.elapsed.as_micros() as i64 / (s.transmitted as i64 - 1);
        let _ = write!(out, "{comma}ipg/ewma ");
        ms3(out, ipg);
        out.push(b'/');
        ms3(out, s.ewma8 / 8);
        out.extend_from_slice(b" ms");
    }
    out.push(b'\n');
}

/// SIGQUIT: `\r2/3 packets, 33% loss, min/avg/ewma/max = ... ms` (stderr).
pub fn status(out: &mut Vec<u8>, s: &Stats, timing: bool) {
    let loss = if s.transmitted > 0 {
        (s.transmitted as i64 - s.received as i64) * 100 / s.transmitted as i64
    } else {
        0
    };
    let _ = write!(
        out,
        "\r{}/{} packets, {loss}% loss",
        s.received, s.transmitted
    );
    if s.received > 0 && timing {
        out.extend_from_slice(b", min/avg/ewma/max = ");
        ms3(out, s.tmin);
        out.push(b'/');
        ms3(out, s.avg_us());
        out.push(b'/');
        ms3(out, s.ewma8 / 8);
        out.push(b'/');
        ms3(out, s.tmax);
        out.extend_from_slice(b" ms");
    }
    out.push(b'\n');
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// What a writer of lines wrote, as text.
    pub(crate) fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut v = Vec::new();
        f(&mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn headers() {
        let a: IpAddr = "10.0.0.2".parse().unwrap();
        assert_eq!(
            text(|o| header(o, "10.0.0.2", Addr::plain(a), None, 56)),
            "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n"
        );
        let src: IpAddr = "10.0.0.1".parse().unwrap();
        assert_eq!(
            text(|o| header(o, "red", Addr::plain(a), Some((src, "veth-red")), 100)),
            "PING red (10.0.0.2) from 10.0.0.1 veth-red: 100(128) bytes of data.\n"
        );
        assert_eq!(
            text(|o| header(o, "10.0.0.2", Addr::plain(a), Some((src, "")), 56)),
            "PING 10.0.0.2 (10.0.0.2) from 10.0.0.1 : 56(84) bytes of data.\n"
        );
        let b: IpAddr = "fd00::2".parse().unwrap();
        assert_eq!(
            text(|o| header(o, "fd00::2", Addr::plain(b), None, 56)),
            "PING fd00::2(fd00::2) 56 data bytes\n"
        );
        let ll = Addr {
            ip: "fe80::1".parse().unwrap(),
            zone: "veth-red",
        };
        assert_eq!(
            text(|o| header(o, "fe80::1%veth-red", ll, None, 56)),
            "PING fe80::1%veth-red(fe80::1%veth-red) 56 data bytes\n"
        );
    }

    #[test]
    fn rtt_rounding_follows_iputils() {
        let cases = [
            (0, "0.000"),
            (45, "0.045"),
            (999, "0.999"),
            (1000, "1.00"),
            (1004, "1.00"),
            (1005, "1.01"),
            (9994, "9.99"),
            (9995, "10.0"),
            (10_049, "10.0"),
            (10_050, "10.1"),
            (99_949, "99.9"),
            (99_950, "100"),
            (123_499, "123"),
            (123_500, "124"),
        ];
        for (us, want) in cases {
            assert_eq!(text(|o| rtt(o, us)), want, "{us} us");
        }
    }

    fn line(seq: u16) -> Reply<'static> {
        Reply {
            icmp_len: 64,
            from: Addr::plain("10.0.0.2".parse().unwrap()),
            seq,
            ttl: Some(64),
            rtt_ns: 45_999,
            at_ns: 0,
            truncated: false,
            duplicate: false,
            different_address: false,
        }
    }

    #[test]
    fn reply_lines() {
        assert_eq!(
            text(|o| reply(o, &line(1), true)),
            "64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.045 ms\n"
        );
        let dup = Reply {
            duplicate: true,
            ..line(2)
        };
        assert_eq!(
            text(|o| reply(o, &dup, true)),
            "64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=0.045 ms (DUP!)\n"
        );
        let short = Reply {
            truncated: true,
            icmp_len: 20,
            ..line(3)
        };
        assert_eq!(
            text(|o| reply(o, &short, true)),
            "20 bytes from 10.0.0.2: icmp_seq=3 ttl=64 (truncated)\n"
        );
        let untimed = Reply {
            icmp_len: 16,
            ..line(4)
        };
        assert_eq!(
            text(|o| reply(o, &untimed, false)),
            "16 bytes from 10.0.0.2: icmp_seq=4 ttl=64\n"
        );
    }

    #[test]
    fn error_lines() {
        let v4 = Addr::plain("10.0.0.1".parse().unwrap());
        assert_eq!(
            text(|o| icmp_error(o, v4, 2, 3, 1, 0)),
            "From 10.0.0.1 icmp_seq=2 Destination Host Unreachable\n"
        );
        assert_eq!(
            text(|o| icmp_error(o, v4, 1, 11, 0, 0)),
            "From 10.0.0.1 icmp_seq=1 Time to live exceeded\n"
        );
        assert_eq!(
            text(|o| icmp_error(o, v4, 1, 3, 4, 1400)),
            "From 10.0.0.1 icmp_seq=1 Frag needed and DF set (mtu = 1400)\n"
        );
        let v6 = Addr::plain("fd00::1".parse().unwrap());
        assert_eq!(
            text(|o| icmp_error(o, v6, 3, 1, 3, 0)),
            "From fd00::1 icmp_seq=3 Destination unreachable: Address unreachable\n"
        );
        assert_eq!(
            text(|o| icmp_error(o, v6, 1, 3, 0, 0)),
            "From fd00::1 icmp_seq=1 Time exceeded: Hop limit\n"
        );
        assert_eq!(
            text(|o| icmp_text(o, Family::V6, 2, 0, 1280)),
            "Packet too big: mtu=1280"
        );
    }

    #[test]
    fn redirect_lines() {
        let from = Addr::plain("10.0.0.254".parse().unwrap());
        let mut n = Notice {
            seq: 1,
            kind: 5,
            code: 1,
            gateway: 0x0a00_00fd,
            bad_checksum: false,
        };
        assert_eq!(
            text(|o| notice(o, from, &n)),
            "From 10.0.0.254: icmp_seq=1 Redirect Host(New nexthop: 10.0.0.253)\n"
        );
        n.bad_checksum = true;
        (n.kind, n.code) = (4, 0);
        assert_eq!(
            text(|o| notice(o, from, &n)),
            "From 10.0.0.254: icmp_seq=1 (BAD CHECKSUM)Source Quench\n"
        );
    }

    #[test]
    fn summary_blocks() {
        let mut s = Stats::default();
        for (seq, us) in [(1, 309), (2, 45), (3, 50)] {
            s.sent();
            s.reply(seq, us * 1000);
        }
        let run = Run {
            host: "10.0.0.2",
            elapsed: Duration::from_micros(406_600),
            timing: true,
            show_ipg: false,
        };
        assert_eq!(
            text(|o| summary(o, &s, &run)),
            "\n--- 10.0.0.2 ping statistics ---\n\
             3 packets transmitted, 3 received, 0% packet loss, time 407ms\n\
             rtt min/avg/max/mdev = 0.045/0.134/0.309/0.123 ms\n"
        );
        // All lost to errors: no rtt line, the pipe alone.
        let mut e = Stats::default();
        for _ in 0..3 {
            e.sent();
        }
        for seq in 1..=3 {
            e.error(seq);
        }
        let run = Run {
            elapsed: Duration::from_millis(404),
            ..run
        };
        assert_eq!(
            text(|o| summary(o, &e, &run)),
            "\n--- 10.0.0.2 ping statistics ---\n\
             3 packets transmitted, 0 received, +3 errors, 100% packet loss, time 404ms\n\
             pipe 3\n"
        );
        // Nothing at all: an empty last line, as iputils.
        let mut n = Stats::default();
        n.sent();
        assert!(text(|o| summary(o, &n, &run)).ends_with("100% packet loss, time 404ms\n\n"));
    }

    #[test]
    fn summary_with_duplicates_and_flood_figures() {
        let mut s = Stats::default();
        s.sent();
        s.reply(1, 100_000);
        s.reply(1, 100_000);
        s.sent();
        s.reply(2, 200_000);
        let run = Run {
            host: "h",
            elapsed: Duration::from_millis(10),
            timing: true,
            show_ipg: true,
        };
        let t = text(|o| summary(o, &s, &run));
        assert!(
            t.contains(
                "2 packets transmitted, 2 received, +1 duplicates, 0% packet loss, time 10ms\n"
            ),
            "{t}"
        );
        assert!(
            t.ends_with(
                "rtt min/avg/max/mdev = 0.100/0.133/0.200/0.047 ms, ipg/ewma 10.000/0.112 ms\n"
            ),
            "{t}"
        );
    }

    #[test]
    fn status_line() {
        let mut s = Stats::default();
        s.sent();
        s.sent();
        s.sent();
        s.reply(1, 45_000);
        assert_eq!(
            text(|o| status(o, &s, true)),
            "\r1/3 packets, 66% loss, min/avg/ewma/max = 0.045/0.045/0.045/0.045 ms\n"
        );
        assert_eq!(
            text(|o| status(o, &Stats::default(), true)),
            "\r0/0 packets, 0% loss\n"
        );
    }
}
