//! The end of a batch: a line per target in the file's order, as `fping -c`
//! prints them (the namespace before the host), or a `--json` summary
//! record each; the targets that broke a `--max-*` limit or could not be
//! sent to named on stderr; exit 0 only when every target passed.

use std::io::Write;
use std::process::ExitCode;

use nscore::cli::{print_stdout, strerror, Tool};

use super::fleet::Fleet;
use crate::options::Options;
use crate::{breaches, failure, json, status};

pub fn print(tool: &Tool, o: &Options, fleet: &Fleet) -> anyhow::Result<ExitCode> {
    let label = |t: &super::targets::Target| match t.netns {
        Some(ns) => format!("{} {}", fleet.netns[ns as usize], t.host),
        None => t.host.to_string(),
    };
    // fping pads the names to the longest.
    let width = fleet.targets.iter().map(|t| label(t).len()).max();
    let mut out = Vec::new();
    let (mut passed, mut warnings) = (true, Vec::new());
    for t in &fleet.targets {
        let c = &t.counts;
        let mut reasons = breaches(o, c);
        let exit = status(o, c.received).max(u8::from(!reasons.is_empty()));
        if t.send_error != 0 {
            // ENOBUFS: most often the kernel's neighbour table, shared by
            // every namespace, full (net.ipv4.neigh.default.gc_thresh3).
            reasons.insert(0, format!("sendmsg: {}", strerror(t.send_error)));
        }
        if o.json {
            let context = json::Context {
                host: &t.host,
                address: t.addr.ip(),
                netns: t.netns.map(|ns| fleet.netns[ns as usize].as_str()),
                socket: fleet.sockets[t.socket as usize].kind.name(),
            };
            let elapsed = t.last_ns.saturating_sub(fleet.start_ns);
            json::summary(&mut out, &context, c, elapsed, exit);
        } else {
            let lost = c.transmitted.saturating_sub(c.received);
            let loss = (lost * 100).checked_div(c.transmitted).unwrap_or(0);
            let _ = write!(
                out,
                "{:<w$} : xmt/rcv/%loss = {}/{}/{loss}%",
                label(t),
                c.transmitted,
                c.received,
                w = width.unwrap_or(0)
            );
            if let Some(avg) = c.rtt.avg() {
                out.extend_from_slice(b", min/avg/max = ");
                for (ns, end) in [(c.rtt.min, b'/'), (avg, b'/'), (c.rtt.max, b'\n')] {
                    ms(&mut out, ns);
                    out.push(end);
                }
            } else {
                out.push(b'\n');
            }
        }
        passed &= exit == 0;
        if !reasons.is_empty() {
            warnings.push(format!("{}: {}", label(t), reasons.join("; ")));
        }
    }
    print_stdout(&out).map_err(|e| failure(e.to_string()))?;
    for reasons in warnings {
        tool.warn(format_args!("{reasons}"));
    }
    Ok(ExitCode::from(u8::from(!passed)))
}

/// fping's `sprint_tm`: a time in milliseconds, from the double
/// `ns / 1e6`, with 3 decimals below 1 ms, 2 below 10, 1 below 100, none
/// above (where fping turns to `%.3e` from 10^6 ms, a reply after a
/// quarter of an hour); rounded as printf rounds that double.
fn ms(out: &mut Vec<u8>, ns: u64) {
    let v = ns as f64 / 1e6;
    let places = match v {
        _ if v < 1.0 => 3,
        _ if v < 10.0 => 2,
        _ if v < 100.0 => 1,
        _ => 0,
    };
    let digits = scaled(v, places);
    let unit = 10u64.pow(places);
    let _ = write!(out, "{}", digits / unit);
    if places > 0 {
        let _ = write!(out, ".{:0w$}", digits % unit, w = places as usize);
    }
}

/// `v * 10^places` rounded to a whole number, half to even on the exact
/// value of `v` (0 <= v < 2^44).
fn scaled(v: f64, places: u32) -> u64 {
    let bits = v.to_bits();
    let biased = (bits >> 52) as u32;
    if biased < 1023 - 60 {
        return 0; // below 2^-60: no digit shows
    }
    // v = m * 2^-shift exactly, with 8 <= shift < 113 here.
    let m = u128::from(bits & ((1 << 52) - 1) | 1 << 52);
    let shift = 1075 - biased;
    let num = m * u128::from(10u64.pow(places));
    let (q, r, half) = (num >> shift, num & ((1 << shift) - 1), 1u128 << (shift - 1));
    (q + u128::from(r > half || (r == half && q & 1 == 1))) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(ns: u64) -> String {
        let mut out = Vec::new();
        ms(&mut out, ns);
        String::from_utf8(out).unwrap()
    }

    /// What fping prints: printf of the double, by the C library.
    fn printf(ns: u64) -> String {
        let t = ns as f64 / 1e6;
        let format: &[u8] = match t {
            _ if t < 1.0 => b"%.3f\0",
            _ if t < 10.0 => b"%.2f\0",
            _ if t < 100.0 => b"%.1f\0",
            _ => b"%.0f\0",
        };
        let mut buf = [0u8; 64];
        // SAFETY: a NUL-terminated format taking one double, into a
        // buffer of the stated size.
        let n = unsafe {
            libc::snprintf(
                buf.as_mut_ptr().cast(),
                buf.len(),
                format.as_ptr().cast(),
                t,
            )
        };
        String::from_utf8(buf[..n as usize].to_vec()).unwrap()
    }

    #[test]
    fn times_as_fping_prints_them() {
        assert_eq!(text(31_000), "0.031");
        assert_eq!(text(40_499), "0.040");
        assert_eq!(text(999_600), "1.000");
        assert_eq!(text(1_234_567), "1.23");
        assert_eq!(text(12_345_678), "12.3");
        assert_eq!(text(123_456_789), "123");
        assert_eq!(text(1_500_000_000_000), "1500000");
        assert_eq!(text(0), "0.000");
    }

    #[test]
    fn rounding_is_printfs() {
        // Ties at every place (x.5 of the last digit), and around them.
        let mut cases: Vec<u64> = vec![62_500, 187_500, 2_345_000, 2_355_000, 12_350_000];
        for base in [
            500u64,
            5_000,
            50_000,
            500_000,
            999_500_000,
            999_999_500_000_000,
        ] {
            for k in [1, 3, 7, 125, 999] {
                cases.extend([base * k - 1, base * k, base * k + 1]);
            }
        }
        cases.extend((0..2000).map(|i| i * 7_919 + i * i * 104_729));
        for ns in cases {
            assert_eq!(text(ns), printf(ns), "{ns} ns");
        }
    }
}
