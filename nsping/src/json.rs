//! `--json`: one object a line on stdout. `reply`, `error` and `timeout`
//! records as they happen, then always one `summary`. Times are integer
//! nanoseconds (`time_ns` since the Unix epoch, `rtt_ns` and the summary's
//! `elapsed_ns` durations).

use std::io::Write;
use std::net::IpAddr;
use std::time::{SystemTime, UNIX_EPOCH};

use crate::addr::Addr;
use crate::output::Reply;
use crate::stats::Counts;

/// A JSON string literal (escaped as every tool's JSON is: nscore::json).
pub fn string(out: &mut Vec<u8>, s: &str) {
    nscore::json::string(out, s.as_bytes());
}

/// An address as a JSON string (a zone is an interface name: escaped).
fn address(out: &mut Vec<u8>, a: Addr) {
    let _ = write!(out, "\"{}", a.ip);
    if !a.zone.is_empty() {
        out.push(b'%');
        nscore::json::escaped(out, a.zone.as_bytes());
    }
    out.push(b'"');
}

fn unix_ns(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos() as u64
}

pub fn reply(out: &mut Vec<u8>, r: &Reply) {
    let _ = write!(out, "{{\"type\":\"reply\",\"seq\":{},\"from\":", r.seq);
    address(out, r.from);
    let _ = write!(out, ",\"bytes\":{},\"ttl\":", r.icmp_len);
    let _ = match r.ttl {
        Some(t) => write!(out, "{t}"),
        None => write!(out, "null"),
    };
    let _ = writeln!(
        out,
        ",\"rtt_ns\":{},\"duplicate\":{},\"truncated\":{},\"time_ns\":{}}}",
        r.rtt_ns, r.duplicate, r.truncated, r.at_ns
    );
}

pub fn error(
    out: &mut Vec<u8>,
    seq: u16,
    from: Addr,
    icmp: (u8, u8),
    message: impl FnOnce(&mut Vec<u8>),
    at: SystemTime,
) {
    let _ = write!(out, "{{\"type\":\"error\",\"seq\":{seq},\"from\":");
    address(out, from);
    let _ = write!(
        out,
        ",\"icmp_type\":{},\"icmp_code\":{},\"message\":",
        icmp.0, icmp.1
    );
    // The message writer's text is plain ASCII (see format::icmp_text).
    out.push(b'"');
    message(out);
    out.push(b'"');
    let _ = writeln!(out, ",\"time_ns\":{}}}", unix_ns(at));
}

pub fn timeout(out: &mut Vec<u8>, seq: u16, at: SystemTime) {
    let _ = writeln!(
        out,
        "{{\"type\":\"timeout\",\"seq\":{seq},\"time_ns\":{}}}",
        unix_ns(at)
    );
}

/// Where and how the run pinged, for the summary.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub host: &'a str,
    pub address: IpAddr,
    pub netns: Option<&'a str>,
    /// `"datagram"` or `"raw"`.
    pub socket: &'a str,
}

pub fn summary(out: &mut Vec<u8>, c: &Context, s: &Counts, elapsed_ns: u64, exit: u8) {
    out.extend_from_slice(b"{\"type\":\"summary\",\"host\":");
    string(out, c.host);
    let _ = write!(out, ",\"address\":\"{}\",\"netns\":", c.address);
    match c.netns {
        Some(ns) => string(out, ns),
        None => out.extend_from_slice(b"null"),
    }
    let _ = write!(
        out,
        ",\"socket\":\"{}\",\"transmitted\":{},\"received\":{},\"duplicates\":{},\"errors\":{},\"loss_percent\":",
        c.socket, s.transmitted, s.received, s.duplicates, s.errors
    );
    let _ = match s.loss_percent() {
        Some(loss) => write!(out, "{}", crate::decimal::percent_g(loss)),
        None => write!(out, "null"),
    };
    let _ = write!(out, ",\"elapsed_ns\":{elapsed_ns}");
    let _ = match s.rtt.summary() {
        Some(r) => write!(
            out,
            ",\"rtt_min_ns\":{},\"rtt_avg_ns\":{},\"rtt_max_ns\":{},\"rtt_mdev_ns\":{}",
            r.min, r.avg, r.max, r.mdev
        ),
        None => write!(
            out,
            ",\"rtt_min_ns\":null,\"rtt_avg_ns\":null,\"rtt_max_ns\":null,\"rtt_mdev_ns\":null"
        ),
    };
    let _ = writeln!(out, ",\"exit\":{exit}}}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::tests::text;
    use std::time::Duration;

    #[test]
    fn strings_are_escaped() {
        assert_eq!(
            text(|o| string(o, "a\"b\\c\nd\u{1}é")),
            r#""a\"b\\c\nd\u0001é""#
        );
    }

    #[test]
    fn records() {
        let at = UNIX_EPOCH + Duration::from_nanos(1_700_000_000_123_456_789);
        let r = Reply {
            seq: 1,
            from: Addr::plain("10.0.0.2".parse().unwrap()),
            icmp_len: 64,
            ttl: Some(64),
            rtt_ns: 45_123,
            at_ns: 1_700_000_000_123_456_789,
            duplicate: false,
            truncated: false,
            different_address: false,
        };
        assert_eq!(
            text(|o| reply(o, &r)),
            "{\"type\":\"reply\",\"seq\":1,\"from\":\"10.0.0.2\",\"bytes\":64,\"ttl\":64,\
             \"rtt_ns\":45123,\"duplicate\":false,\"truncated\":false,\"time_ns\":1700000000123456789}\n"
        );
        assert_eq!(
            text(|o| error(
                o,
                2,
                Addr::plain("10.0.0.1".parse().unwrap()),
                (3, 1),
                |o| o.extend_from_slice(b"Destination Host Unreachable"),
                at
            )),
            "{\"type\":\"error\",\"seq\":2,\"from\":\"10.0.0.1\",\"icmp_type\":3,\"icmp_code\":1,\
             \"message\":\"Destination Host Unreachable\",\"time_ns\":1700000000123456789}\n"
        );
        let ll = Addr {
            ip: "fe80::1".parse().unwrap(),
            zone: "a\"b",
        };
        assert!(text(|o| error(o, 1, ll, (1, 3), |o| o.push(b'x'), at))
            .contains("\"from\":\"fe80::1%a\\\"b\","));
        assert_eq!(
            text(|o| timeout(o, 3, at)),
            "{\"type\":\"timeout\",\"seq\":3,\"time_ns\":1700000000123456789}\n"
        );
    }

    #[test]
    fn summaries() {
        let c = Context {
            host: "blue",
            address: "10.0.0.2".parse().unwrap(),
            netns: Some("red"),
            socket: "raw",
        };
        let mut s = crate::stats::Stats::default();
        s.sent();
        s.sent();
        s.reply(1, 1000);
        assert_eq!(
            text(|o| summary(o, &c, &s.counts(), 5, 0)),
            "{\"type\":\"summary\",\"host\":\"blue\",\"address\":\"10.0.0.2\",\"netns\":\"red\",\
             \"socket\":\"raw\",\"transmitted\":2,\"received\":1,\"duplicates\":0,\"errors\":0,\
             \"loss_percent\":50,\"elapsed_ns\":5,\"rtt_min_ns\":1000,\"rtt_avg_ns\":1000,\
             \"rtt_max_ns\":1000,\"rtt_mdev_ns\":0,\"exit\":0}\n"
        );
        let none = Context { netns: None, ..c };
        let t = text(|o| summary(o, &none, &Counts::default(), 0, 1));
        assert!(t.contains("\"netns\":null"));
        assert!(t.contains("\"loss_percent\":null"));
        assert!(t.contains("\"rtt_min_ns\":null"));
    }
}
