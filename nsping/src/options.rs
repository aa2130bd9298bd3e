//! The command line, with iputils ping's meaning for every option they share
//! (except `-n`, which is DESIGN.md's "inside namespace NS"; our output is
//! always numeric, as `ping -n` prints it).

use std::ffi::OsString;
use std::net::IpAddr;
use std::time::Duration;

use lexopt::prelude::*;
use nscore::cli::{self, usage};

use crate::addr::Family;
use crate::decimal::parse_fixed;

/// Largest ICMP payload that fits an IPv6 datagram (65535 - 8); IPv4 has
/// 20 bytes less room, checked once the family is known.
pub const MAX_SIZE: usize = 65527;
/// Largest payload over IPv4: 65535 - 20 (IP header) - 8 (ICMP header).
pub const MAX_SIZE_V4: usize = 65507;

/// `-I`: an interface to send from, or a source address to bind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    Interface(String),
    Address(IpAddr),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// `-n NS`: the namespace to ping from.
    pub netns: Option<String>,
    /// `-c COUNT`: stop after COUNT replies (or sends, without `-w`).
    pub count: Option<u64>,
    /// `-i`: milliseconds between sends, as iputils keeps it (whole ms).
    pub interval_ms: u64,
    /// Whether `-i` was given (flood keeps an explicit interval).
    pub interval_given: bool,
    /// `-W`: how long to wait for a reply after the last send when none
    /// came at all, in milliseconds.
    pub linger_ms: u64,
    /// `-w`: stop after this long whatever happens.
    pub deadline: Option<Duration>,
    pub quiet: bool,
    /// `-s`: ICMP payload bytes.
    pub size: usize,
    pub ttl: Option<u8>,
    /// `-D`: `[seconds.micros] ` before every line about a packet.
    pub timestamps: bool,
    /// `-O`: say so when the previous probe is still unanswered at the next send.
    pub outstanding: bool,
    pub source: Option<Source>,
    pub flood: bool,
    pub family: Option<Family>,
    pub json: bool,
    /// `--max-loss PCT`: fail when the loss is above PCT percent (in
    /// thousandths of a percent, and as given).
    pub max_loss: Option<(u64, String)>,
    /// `--max-rtt MS`: fail when any reply took longer than MS milliseconds
    /// (in nanoseconds, and as given).
    pub max_rtt: Option<(u64, String)>,
    pub host: String,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            netns: None,
            count: None,
            interval_ms: 1000,
            interval_given: false,
            linger_ms: 10_000,
            deadline: None,
            quiet: false,
            size: 56,
            ttl: None,
            timestamps: false,
            outstanding: false,
            source: None,
            flood: false,
            family: None,
            json: false,
            max_loss: None,
            max_rtt: None,
            host: String::new(),
        }
    }
}

#[derive(Debug, PartialEq)]
pub enum Command {
    Run(Box<Options>),
    Help,
    Version,
}

/// Parses the arguments after argv[0].
pub fn parse(args: impl IntoIterator<Item = OsString>) -> anyhow::Result<Command> {
    let mut parser = lexopt::Parser::from_args(args);
    let mut o = Options::default();
    let mut host: Option<String> = None;
    while let Some(arg) = parser.next().map_err(cli::bad_argument)? {
        match arg {
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('V') | Long("version") => return Ok(Command::Version),
            Short('n') | Long("netns") => {
                let ns = string(&mut parser)?;
                nscore::netns::path_of(&ns)?;
                o.netns = Some(ns);
            }
            Short('c') => {
                let v = string(&mut parser)?;
                let n: u64 = cli::parse_number("-c", &v)?;
                if n == 0 || n > i64::MAX as u64 {
                    return Err(invalid("-c", &v));
                }
                o.count = Some(n);
            }
            Short('i') => {
                let v = string(&mut parser)?;
                o.interval_ms = millis("-i", &v)?;
                o.interval_given = true;
            }
            Short('W') => {
                let v = string(&mut parser)?;
                o.linger_ms = millis("-W", &v)?;
            }
            Short('w') => {
                let v = string(&mut parser)?;
                let ms = millis("-w", &v)?;
                o.deadline = (ms > 0).then(|| Duration::from_millis(ms));
            }
            Short('q') => o.quiet = true,
            Short('s') => {
                let v = string(&mut parser)?;
                let n: usize = cli::parse_number("-s", &v)?;
                if n > MAX_SIZE {
                    return Err(usage(format!(
                        "invalid value for -s: {} (at most {MAX_SIZE})",
                        cli::quote(&v)
                    )));
                }
                o.size = n;
            }
            Short('t') => {
                let v = string(&mut parser)?;
                let n: u8 = cli::parse_number("-t", &v)?;
                if n == 0 {
                    return Err(invalid("-t", &v));
                }
                o.ttl = Some(n);
            }
            Short('D') => o.timestamps = true,
            Short('O') => o.outstanding = true,
            Short('I') => {
                let v = string(&mut parser)?;
                o.source = Some(match v.parse::<IpAddr>() {
                    Ok(a) => Source::Address(a),
                    Err(_) => {
                        nscore::names::ifname(&v)?;
                        Source::Interface(v)
                    }
                });
            }
            Short('f') => o.flood = true,
            Short('4') => set_family(&mut o, Family::V4)?,
            Short('6') => set_family(&mut o, Family::V6)?,
            Long("json") => o.json = true,
            Long("max-loss") => {
                let v = string(&mut parser)?;
                match parse_fixed(&v, 3) {
                    Some(milli) if milli <= 100_000 => o.max_loss = Some((milli, v)),
                    _ => return Err(invalid("--max-loss", &v)),
                }
            }
            Long("max-rtt") => {
                let v = string(&mut parser)?;
                let ns = parse_fixed(&v, 6).ok_or_else(|| invalid("--max-rtt", &v))?;
                o.max_rtt = Some((ns, v));
            }
            Value(v) if host.is_none() => {
                host = Some(
                    v.into_string()
                        .map_err(|v| usage(format!("HOST is not valid UTF-8: {v:?}")))?,
                );
            }
            other => return Err(cli::bad_argument(other.unexpected())),
        }
    }
    o.host = host.ok_or_else(|| usage("missing HOST"))?;
    if o.host.is_empty() {
        return Err(usage("HOST is empty"));
    }
    Ok(Command::Run(Box::new(o)))
}

fn string(parser: &mut lexopt::Parser) -> anyhow::Result<String> {
    parser
        .value()
        .map_err(cli::bad_argument)?
        .string()
        .map_err(cli::bad_argument)
}

fn invalid(option: &str, value: &str) -> anyhow::Error {
    usage(format!("invalid value for {option}: {}", cli::quote(value)))
}

fn set_family(o: &mut Options, family: Family) -> anyhow::Result<()> {
    if o.family.is_some_and(|f| f != family) {
        return Err(usage("only one of -4 and -6 may be given"));
    }
    o.family = Some(family);
    Ok(())
}

/// Seconds (fractional) to whole milliseconds, truncated as iputils does,
/// refusing what is not a plain decimal or is past `INT_MAX` ms.
fn millis(option: &str, value: &str) -> anyhow::Result<u64> {
    match parse_fixed(value, 3) {
        Some(ms) if ms <= i32::MAX as u64 => Ok(ms),
        _ => Err(invalid(option, value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> anyhow::Result<Options> {
        match parse(args.iter().map(OsString::from))? {
            Command::Run(o) => Ok(*o),
            other => panic!("not a run: {other:?}"),
        }
    }

    fn error(args: &[&str]) -> String {
        run(args).unwrap_err().to_string()
    }

    #[test]
    fn defaults_are_iputils_defaults() {
        let o = run(&["10.0.0.2"]).unwrap();
        assert_eq!(o.host, "10.0.0.2");
        assert_eq!(o.interval_ms, 1000);
        assert_eq!(o.linger_ms, 10_000);
        assert_eq!(o.size, 56);
        assert_eq!(o.count, None);
        assert_eq!(o.deadline, None);
        assert!(!o.quiet && !o.json && !o.flood);
    }

    #[test]
    fn every_option_is_read() {
        let o = run(&[
            "-n",
            "red",
            "-c",
            "3",
            "-i",
            "0.2",
            "-W",
            "1.5",
            "-w",
            "4",
            "-q",
            "-s",
            "100",
            "-t",
            "9",
            "-D",
            "-O",
            "-I",
            "veth-red",
            "-f",
            "-4",
            "--json",
            "--max-loss",
            "5",
            "--max-rtt",
            "2.5",
            "host",
        ])
        .unwrap();
        assert_eq!(o.netns.as_deref(), Some("red"));
        assert_eq!(o.count, Some(3));
        assert_eq!((o.interval_ms, o.interval_given), (200, true));
        assert_eq!(o.linger_ms, 1500);
        assert_eq!(o.deadline, Some(Duration::from_secs(4)));
        assert!(o.quiet && o.timestamps && o.outstanding && o.flood && o.json);
        assert_eq!((o.size, o.ttl), (100, Some(9)));
        assert_eq!(o.source, Some(Source::Interface("veth-red".into())));
        assert_eq!(o.family, Some(Family::V4));
        assert_eq!(
            (o.max_loss, o.max_rtt),
            (Some((5000, "5".into())), Some((2_500_000, "2.5".into())))
        );
    }

    #[test]
    fn attached_values_and_addresses() {
        let o = run(&["-c3", "-i0.002", "-Ifd00::1", "-6", "fd00::2"]).unwrap();
        assert_eq!(o.count, Some(3));
        assert_eq!(o.interval_ms, 2);
        assert_eq!(o.source, Some(Source::Address("fd00::1".parse().unwrap())));
        assert_eq!(o.family, Some(Family::V6));
    }

    #[test]
    fn deadline_zero_means_none_as_in_iputils() {
        assert_eq!(run(&["-w", "0", "h"]).unwrap().deadline, None);
        assert_eq!(
            run(&["-w", "0.5", "h"]).unwrap().deadline,
            Some(Duration::from_millis(500))
        );
    }

    #[test]
    fn help_and_version() {
        assert_eq!(parse([OsString::from("-h")]).unwrap(), Command::Help);
        assert_eq!(
            parse([OsString::from("--version")]).unwrap(),
            Command::Version
        );
    }

    #[test]
    fn bad_input_is_a_usage_error_naming_it() {
        assert_eq!(error(&[]), "missing HOST");
        assert_eq!(error(&["-c", "0", "h"]), "invalid value for -c: 0");
        assert_eq!(error(&["-c", "x", "h"]), "invalid value for -c: x");
        assert_eq!(error(&["-i", "-1", "h"]), "invalid value for -i: -1");
        assert_eq!(error(&["-i", "nan", "h"]), "invalid value for -i: nan");
        assert_eq!(error(&["-t", "256", "h"]), "invalid value for -t: 256");
        assert_eq!(error(&["-t", "0", "h"]), "invalid value for -t: 0");
        assert!(error(&["-s", "70000", "h"]).starts_with("invalid value for -s: 70000"));
        assert_eq!(
            error(&["-4", "-6", "h"]),
            "only one of -4 and -6 may be given"
        );
        assert_eq!(
            error(&["--max-loss", "101", "h"]),
            "invalid value for --max-loss: 101"
        );
        assert_eq!(error(&["a", "b"]), "unexpected argument b");
        assert!(error(&["-x", "h"]).contains("-x"));
        assert!(error(&["-c"]).contains("-c"));
        let e = run(&["-n", "..", "h"]).unwrap_err();
        assert!(e.downcast_ref::<cli::UsageError>().is_some());
        let e = run(&["-I", "bad name", "h"]).unwrap_err();
        assert!(e.downcast_ref::<cli::UsageError>().is_some());
    }

    #[test]
    fn all_errors_are_usage_errors() {
        for args in [&["-c", "0", "h"][..], &["-q"], &["-z", "h"], &["a", "b"]] {
            let e = run(args).unwrap_err();
            assert!(e.downcast_ref::<cli::UsageError>().is_some(), "{args:?}");
        }
    }
}
