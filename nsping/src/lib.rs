//! nsping: ICMP echo (IPv4 and IPv6) from inside any network namespace,
//! printing what iputils ping prints and exiting as it does: 0 with a reply
//! (with `-c` and `-w` both: COUNT replies), 1 with fewer, 2 on any other
//! error.

mod addr;
mod batch;
mod decimal;
mod format;
mod json;
mod options;
mod output;
mod packet;
mod ping;
mod probes;
mod receive;
mod resolve;
mod signals;
mod socket;
mod spec;
mod stats;
mod sys;

/// The parsers of what the network hands nsping, for the fuzz targets.
#[doc(hidden)]
pub mod fuzzing {
    pub use crate::addr::Family;
    pub use crate::packet::{Matcher, COOKIE_LEN};
    pub use crate::sys::{cmsgs, sockaddr_ip, sockaddr_scope, ExtendedError};
}

use std::ffi::OsString;
use std::process::ExitCode;

use anyhow::anyhow;
use nscore::cli::{self, Command, Tool};

use crate::addr::Family;
use crate::options::{Options, Request};
use crate::output::Sink;

/// iputils' MINUSERINTERVAL: the shortest interval without privileges.
const MIN_USER_INTERVAL_MS: u64 = 2;

/// nsping as the other tools declare themselves; its statuses are iputils'.
pub const TOOL: Tool = Tool {
    usage_status: 2,
    failure_status: 2,
    ..Tool::new(&spec::SPEC).stale_remedy("nsadd -d")
};

pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let tool = TOOL;
    tool.run(|| {
        run(&tool, args).or_else(|e| match e.downcast_ref::<Failure>() {
            Some(failure) => {
                tool.warn(format_args!("{failure}"));
                Ok(ExitCode::from(1))
            }
            None => Err(e),
        })
    })
}

/// An error iputils ends with status 1 where others end with 2: a bad
/// option value, no HOST, stdout that takes no output.
#[derive(Debug)]
pub(crate) struct Failure(String);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Failure {}

pub(crate) fn failure(message: impl Into<String>) -> anyhow::Error {
    Failure(message.into()).into()
}

fn run(tool: &Tool, args: impl IntoIterator<Item = OsString>) -> anyhow::Result<ExitCode> {
    let mut o = match options::parse(args)? {
        // A write error is a failure, status 1, as iputils.
        Command::Help => return tool.print_help().map_err(|e| failure(e.to_string())),
        Command::Version => return tool.print_version().map_err(|e| failure(e.to_string())),
        Command::Run(Request::One(o)) => o,
        Command::Run(Request::Batch(file, o)) => return batch::run(tool, &file, o),
    };
    if o.flood && !o.interval_given {
        o.interval_ms = 0;
    }
    check_interval(&o)?;
    if let Some(ns) = &o.netns {
        nscore::netns::enter(ns)?;
    }
    let target = resolve::resolve(&o.host, o.family)?;
    let (sock, prepared) = connect(&o, &target)?;
    let signals = signals::Signals::install()
        .map_err(|e| anyhow!("cannot set signal handlers: {}", cli::io_reason(&e)))?;

    let ip = prepared.dst.ip();
    let run = output::Run {
        host: target.name(ip),
        address: ip,
        netns: o.netns.as_deref(),
        socket: sock.kind.name(),
        timing: o.size >= ping::TIMING_MIN_SIZE,
    };
    let sink = Sink::new(tool, &o, run);
    let mut pinger = ping::Pinger::new(&o, &sock, prepared.dst.addr, sink)?;
    let from = prepared.from.as_ref().map(|(a, d)| (*a, d.as_str()));
    pinger.sink.header(prepared.dst.shown(), from, o.size);
    let status = pinger.run(&signals)?;

    // Thresholds: one line on stderr, exit 1.
    let reasons = breaches(&o, &pinger.stats.counts());
    let status = if reasons.is_empty() { status } else { 1 };
    pinger.expire_all();
    let elapsed = pinger.elapsed();
    pinger.sink.summary(&pinger.stats, elapsed, status);
    pinger.sink.flush();
    pinger.sink.write_error()?;
    if !reasons.is_empty() {
        pinger.sink.warn(format_args!("{}", reasons.join("; ")));
    }
    Ok(ExitCode::from(status))
}

/// Refuses an interval below iputils' minimum without privileges.
fn check_interval(o: &Options) -> anyhow::Result<()> {
    if !rustix::process::getuid().is_root() && o.interval_ms < MIN_USER_INTERVAL_MS {
        return Err(anyhow!(
            "cannot flood; minimal interval allowed for user is {MIN_USER_INTERVAL_MS}ms"
        ));
    }
    Ok(())
}

/// The exit status by iputils' rule: a reply at least, COUNT with `-w`.
fn status(o: &Options, received: u64) -> u8 {
    let short = o.deadline.is_some() && o.count.is_some_and(|c| received < c);
    u8::from(received == 0 || short)
}

/// The socket for the first address of HOST there is a route to, set up;
/// an address without one is passed over while others remain, as iputils.
fn connect(
    o: &Options,
    target: &resolve::Target,
) -> anyhow::Result<(socket::IcmpSocket, socket::Prepared)> {
    let mut no_route = None;
    for &ip in &target.addrs {
        let sock = socket::open(Family::of(ip))?;
        match socket::prepare(&sock, o, ip, target.zone.as_deref()) {
            Err(e) if e.is::<socket::NoRoute>() => no_route = Some(e),
            prepared => return Ok((sock, prepared?)),
        }
    }
    Err(no_route.unwrap_or_else(|| anyhow!("{}: no address", cli::quote(&o.host))))
}

/// The `--max-loss` / `--max-rtt` limits the run broke, as reasons.
pub(crate) fn breaches(o: &Options, s: &stats::Counts) -> Vec<String> {
    let mut reasons = Vec::new();
    if let Some((max, given)) = &o.max_loss {
        // lost/sent > max/100000, in integers; nothing sent is all lost.
        let lost = u128::from(s.transmitted.saturating_sub(s.received));
        let sent = u128::from(s.transmitted);
        if sent == 0 || lost * 100_000 > u128::from(*max) * sent {
            let loss = s.loss_percent().unwrap_or(100.0);
            reasons.push(format!(
                "packet loss {}% exceeds --max-loss {}%",
                decimal::percent_g(loss),
                given
            ));
        }
    }
    if let Some((max, given)) = &o.max_rtt {
        if s.received > 0 && s.rtt.max > *max {
            let mut ms = Vec::new();
            format::rtt(&mut ms, (s.rtt.max / 1000) as i64);
            reasons.push(format!(
                "rtt {} ms exceeds --max-rtt {} ms",
                std::str::from_utf8(&ms).unwrap_or("?"),
                given
            ));
        }
    }
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(sent: u64, rtts_us: &[u64]) -> stats::Stats {
        let mut s = stats::Stats::default();
        for _ in 0..sent {
            s.sent();
        }
        for (i, us) in rtts_us.iter().enumerate() {
            s.reply(i as u16 + 1, us * 1000);
        }
        s
    }

    #[test]
    fn thresholds() {
        let o = Options {
            max_loss: Some((10_000, "10".into())),
            max_rtt: Some((1_000_000, "1".into())),
            ..Options::default()
        };
        let breaches = |o: &Options, s: stats::Stats| breaches(o, &s.counts());
        assert!(breaches(&o, stats(2, &[500, 900])).is_empty());
        assert_eq!(
            breaches(&o, stats(3, &[500, 1500])),
            [
                "packet loss 33.3333% exceeds --max-loss 10%",
                "rtt 1.50 ms exceeds --max-rtt 1 ms"
            ]
        );
        assert_eq!(
            breaches(&o, stats(0, &[])),
            ["packet loss 100% exceeds --max-loss 10%"]
        );
        assert!(breaches(&Options::default(), stats(3, &[])).is_empty());
    }
}
