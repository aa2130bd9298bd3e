//! Where a run's events go: the text iputils prints (or its flood dots),
//! only the header and summary under `-q`, or `--json` records. The sink
//! owns the header, the lines about probes, the summary and the one
//! buffer they are written into; the run loop hands it events and says
//! when to flush (once before each wait).

use std::io::Write;
use std::net::IpAddr;
use std::time::{Duration, SystemTime};

use nscore::cli::{print_stdout, strerror, Tool};
use rustix::io::Errno;

use crate::addr::{Addr, Family};
use crate::options::Options;
use crate::packet::Notice;
use crate::stats::Stats;
use crate::{failure, format, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// A line per reply and error, as iputils.
    Text,
    /// `-f`: a dot per probe, a backspace per reply, `E` per error.
    Flood,
    /// `-q`: the header and the summary.
    Quiet,
    /// `--json`: a record per reply, error and timeout, then a summary.
    Json,
    /// `--json -q`: the summary record only.
    JsonQuiet,
}

/// What the summary says besides the counters.
pub struct Run<'a> {
    pub host: &'a str,
    pub address: IpAddr,
    pub netns: Option<&'a str>,
    /// `"datagram"` or `"raw"`.
    pub socket: &'a str,
    /// Payload large enough to time replies (`-s` of 16 or more).
    pub timing: bool,
}

/// One echo reply of ours.
pub struct Reply<'a> {
    pub seq: u16,
    pub from: Addr<'a>,
    /// ICMP bytes (header and payload).
    pub icmp_len: usize,
    pub ttl: Option<u8>,
    pub rtt_ns: u64,
    /// When it arrived, in nanoseconds since the epoch.
    pub at_ns: u64,
    pub duplicate: bool,
    pub truncated: bool,
    /// From another address than the one pinged (not for broadcast).
    pub different_address: bool,
}

pub struct Sink<'a> {
    tool: &'a Tool,
    style: Style,
    /// `-D`: a `[UNIX-TIME] ` before every line about a probe.
    timestamps: bool,
    /// Interval zero or flood: iputils adds `ipg/ewma` to the summary.
    show_ipg: bool,
    run: Run<'a>,
    out: Vec<u8>,
    /// Why stdout took no more output.
    write_error: Option<String>,
}

impl<'a> Sink<'a> {
    pub fn new(tool: &'a Tool, o: &Options, run: Run<'a>) -> Sink<'a> {
        let style = match (o.json, o.quiet, o.flood) {
            (true, false, _) => Style::Json,
            (true, true, _) => Style::JsonQuiet,
            (false, true, _) => Style::Quiet,
            (false, false, true) => Style::Flood,
            (false, false, false) => Style::Text,
        };
        Sink {
            tool,
            style,
            timestamps: o.timestamps,
            show_ipg: o.interval_ms == 0 || o.flood,
            run,
            out: Vec::with_capacity(4096),
            write_error: None,
        }
    }

    fn json(&self) -> bool {
        matches!(self.style, Style::Json | Style::JsonQuiet)
    }

    /// `-D`: the time before a line.
    fn stamp(&mut self) {
        if self.timestamps {
            format::timestamp(&mut self.out, SystemTime::now());
        }
    }

    /// `PING host (addr) 56(84) bytes of data.`; nothing in JSON.
    pub fn header(&mut self, addr: Addr, from: Option<(IpAddr, &str)>, size: usize) {
        if !self.json() {
            format::header(&mut self.out, self.run.host, addr, from, size);
        }
    }

    /// A probe went out.
    pub fn sent(&mut self) {
        if self.style == Style::Flood {
            self.out.push(b'.');
        }
    }

    /// `-O`: the previous probe is still unanswered (printed even under
    /// `-q`, as iputils).
    pub fn no_answer(&mut self, seq: u16) {
        if !self.json() {
            self.stamp();
            format::no_answer(&mut self.out, seq);
        }
    }

    pub fn reply(&mut self, r: &Reply) {
        match self.style {
            Style::Text => {
                self.stamp();
                format::reply(&mut self.out, r, self.run.timing);
            }
            Style::Flood => self.out.extend_from_slice(b"\x08 \x08"),
            Style::Json => json::reply(&mut self.out, r),
            Style::Quiet | Style::JsonQuiet => {}
        }
    }

    /// An ICMP error about our probe `seq`, from `from`.
    pub fn icmp_error(&mut self, seq: u16, from: Addr, family: Family, icmp: (u8, u8, u32)) {
        let (kind, code, info) = icmp;
        match self.style {
            Style::Text => {
                self.stamp();
                format::icmp_error(&mut self.out, from, seq, kind, code, info);
            }
            Style::Flood => self.out.extend_from_slice(b"\x08E"),
            Style::Json => json::error(
                &mut self.out,
                seq,
                from,
                (kind, code),
                |o| format::icmp_text(o, family, kind, code, info),
                SystemTime::now(),
            ),
            Style::Quiet | Style::JsonQuiet => {}
        }
    }

    /// A redirect or source quench about our probe (text only, as iputils).
    pub fn notice(&mut self, from: Addr, notice: &Notice) {
        if self.style == Style::Text {
            self.stamp();
            format::notice(&mut self.out, from, notice);
        }
    }

    /// A local error from the error queue (`errno`, and the MTU for
    /// EMSGSIZE).
    pub fn local_error(&mut self, family: Family, errno: u32, info: u32) {
        if self.style == Style::Flood {
            self.out.push(b'E');
        } else if self.style == Style::Text {
            let why = if errno == Errno::MSGSIZE.raw_os_error() as u32 {
                let sep = if family == Family::V4 { "=" } else { ": " };
                format!("message too long, mtu{sep}{info}")
            } else {
                strerror(errno as i32)
            };
            self.warn(format_args!("local error: {why}"));
        }
    }

    /// A send that failed with `why`.
    pub fn send_failed(&mut self, why: &str) {
        if self.style == Style::Flood {
            self.out.push(b'E');
        } else if self.style == Style::Text {
            self.warn(format_args!("sendmsg: {why}"));
        }
    }

    /// `--json`: probe `seq` counts as lost.
    pub fn timeout(&mut self, seq: u16) {
        if self.style == Style::Json {
            json::timeout(&mut self.out, seq, SystemTime::now());
        }
    }

    /// SIGQUIT: the running figures on stderr.
    pub fn status(&mut self, stats: &Stats) {
        let mut line = Vec::new();
        format::status(&mut line, stats, self.run.timing);
        self.flush();
        let _ = std::io::stderr().write_all(&line);
    }

    /// The block (or record) after a run: `elapsed` from the first to the
    /// last send, `exit` the status the run ends with.
    pub fn summary(&mut self, stats: &Stats, elapsed: Duration, exit: u8) {
        if self.json() {
            let context = json::Context {
                host: self.run.host,
                address: self.run.address,
                netns: self.run.netns,
                socket: self.run.socket,
            };
            json::summary(
                &mut self.out,
                &context,
                &stats.counts(),
                elapsed.as_nanos() as u64,
                exit,
            );
        } else {
            let run = format::Run {
                host: self.run.host,
                elapsed,
                timing: self.run.timing,
                show_ipg: self.show_ipg,
            };
            format::summary(&mut self.out, stats, &run);
        }
    }

    /// One line on stderr, after what stdout has pending.
    pub fn warn(&mut self, message: std::fmt::Arguments) {
        self.flush();
        self.tool.warn(message);
    }

    /// Writes what is buffered for stdout. A reader that went away ends
    /// the process by SIGPIPE, as it ends iputils ping; any other error
    /// ends the run, to be reported by `write_error`.
    pub fn flush(&mut self) {
        if self.write_error.is_none() && !self.out.is_empty() {
            if let Err(e) = print_stdout(&self.out) {
                self.write_error = Some(e.to_string());
            }
        }
        self.out.clear();
    }

    /// Stdout takes no more output: the run should end.
    pub fn gone(&self) -> bool {
        self.write_error.is_some()
    }

    /// `write error: WHY`, a failure (status 1, as iputils), if stdout
    /// took no more output.
    pub fn write_error(&self) -> anyhow::Result<()> {
        self.write_error
            .as_ref()
            .map_or(Ok(()), |e| Err(failure(e.as_str())))
    }
}
