//! The command line, with iputils ping's meaning for every option they share
//! (except `-n`, which is DESIGN.md's "inside namespace NS"; our output is
//! always numeric, as `ping -n` prints it).

use std::ffi::OsString;
use std::net::IpAddr;
use std::time::Duration;

use lexopt::Error::UnexpectedArgument;
use nscore::batch::Batch;
use nscore::cli::flags::Batched;
use nscore::cli::{self, usage, Arg, Command};

use crate::addr::Family;
use crate::decimal::parse_fixed;
use crate::failure;
use crate::spec::SPEC;

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
    /// `-i`: milliseconds between sends, as iputils keeps it (whole ms),
    /// and whether it was given (flood keeps an explicit interval).
    pub interval_ms: u64,
    pub interval_given: bool,
    /// `-W`: how long to wait for a reply after the last send when none
    /// came at all, in milliseconds.
    pub linger_ms: u64,
    /// `-w`: stop after this long whatever happens (whole seconds).
    pub deadline: Option<Duration>,
    /// `-s`: ICMP payload bytes.
    pub size: usize,
    pub ttl: Option<u8>,
    pub source: Option<Source>,
    pub family: Option<Family>,
    /// The switches: `-q`, `-D` (`[seconds.micros] ` before every line
    /// about a packet), `-O` (say so when the previous probe is still
    /// unanswered at the next send), `-f`, `-b` (a broadcast address may
    /// be pinged), `--json`.
    pub quiet: bool,
    pub timestamps: bool,
    pub outstanding: bool,
    pub flood: bool,
    pub broadcast: bool,
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
            size: 56,
            ttl: None,
            source: None,
            family: None,
            quiet: false,
            timestamps: false,
            outstanding: false,
            flood: false,
            broadcast: false,
            json: false,
            max_loss: None,
            max_rtt: None,
            host: String::new(),
        }
    }
}

/// What a command line asks for.
#[derive(Debug, PartialEq)]
pub enum Request {
    /// Ping HOST.
    One(Options),
    /// `--batch FILE`: the targets are in FILE; the options apply to each.
    Batch(Batch, Options),
}

/// Parses a command line (argv[0] first) by nsping's table.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> anyhow::Result<Command<Request>> {
    let mut o = Options::default();
    let mut host: Option<String> = None;
    let command = SPEC.parse_batch(args, |arg| take(&mut o, &mut host, arg))?;
    command.try_map(|batched| {
        if let Batched::Batch(batch) = batched {
            return Ok(Request::Batch(batch, o));
        }
        // As iputils: `error(1, EDESTADDRREQ, "usage error")`.
        let missing = || {
            failure(format!(
                "usage error: {}",
                cli::strerror(libc::EDESTADDRREQ)
            ))
        };
        o.host = host.ok_or_else(missing)?;
        if o.host.is_empty() {
            return Err(usage("HOST is empty"));
        }
        Ok(Request::One(o))
    })
}

/// A line of a batch: `[-n NS] HOST`, its namespace and its host. The
/// other options shape the whole run (its schedule, its sockets, shared
/// by every target in a namespace), so they go beside `--batch`.
pub fn batch_line(words: Vec<OsString>) -> anyhow::Result<(Option<String>, String)> {
    let (mut o, mut host) = (Options::default(), None);
    let args = std::iter::once(OsString::from(SPEC.name)).chain(words);
    let command = SPEC.parse(args, |arg| match arg {
        Arg::Value("netns", _) | Arg::Operand(_) => take(&mut o, &mut host, arg),
        Arg::Value("batch", _) => Err(nscore::batch::nested()),
        Arg::Switch(key) | Arg::Value(key, _) | Arg::Optional(key, _) => {
            Err(usage(format!("--{key} goes beside --batch, not on a line")))
        }
    })?;
    nscore::batch::line_command(command)?;
    let host = host
        .filter(|h| !h.is_empty())
        .ok_or_else(|| usage("no HOST"))?;
    Ok((o.netns, host))
}

/// Takes one argument into `o` (an operand into `host`).
fn take(o: &mut Options, host: &mut Option<String>, arg: Arg) -> anyhow::Result<()> {
    match arg {
        Arg::Value("netns", ns) => {
            nscore::netns::path_of(&ns)?;
            o.netns = Some(ns);
        }
        Arg::Value("count", v) => o.count = Some(number(&v, 1, i64::MAX)? as u64),
        Arg::Value("interval", v) => {
            o.interval_ms = millis("-i", &v)?;
            o.interval_given = true;
        }
        Arg::Value("timeout", v) => o.linger_ms = millis("-W", &v)?,
        Arg::Value("deadline", v) => {
            let seconds = number(&v, 0, i32::MAX.into())? as u64;
            o.deadline = (seconds > 0).then(|| Duration::from_secs(seconds));
        }
        Arg::Switch("quiet") => o.quiet = true,
        Arg::Value("size", v) => o.size = number(&v, 0, i32::MAX.into())? as usize,
        Arg::Value("ttl", v) => o.ttl = Some(number(&v, 0, 255)? as u8),
        Arg::Switch("timestamp") => o.timestamps = true,
        Arg::Switch("outstanding") => o.outstanding = true,
        Arg::Value("interface", v) => {
            o.source = Some(match crate::addr::parse(&v) {
                Some(a) => Source::Address(a),
                None => {
                    nscore::names::ifname(&v)?;
                    Source::Interface(v)
                }
            });
        }
        Arg::Switch("flood") => o.flood = true,
        Arg::Switch("broadcast") => o.broadcast = true,
        Arg::Switch("ipv4") => set_family(o, Family::V4)?,
        Arg::Switch("ipv6") => set_family(o, Family::V6)?,
        Arg::Switch("json") => o.json = true,
        Arg::Value("max-loss", v) => match parse_fixed(&v, 3) {
            Some(milli) if milli <= 100_000 => o.max_loss = Some((milli, v)),
            _ => return Err(invalid("--max-loss", &v)),
        },
        Arg::Value("max-rtt", v) => {
            let ns = parse_fixed(&v, 6).ok_or_else(|| invalid("--max-rtt", &v))?;
            o.max_rtt = Some((ns, v));
        }
        Arg::Operand(v) if host.is_none() => {
            let v = v
                .into_string()
                .map_err(|v| usage(format!("HOST is not valid UTF-8: {v:?}")))?;
            *host = Some(v);
        }
        Arg::Operand(v) => return Err(cli::bad_argument(UnexpectedArgument(v))),
        other => return Err(other.unexpected()),
    }
    Ok(())
}

/// A whole number as iputils reads `-c`, `-s`, `-t` and `-w` (strtol,
/// base 10), from `min` to `max`; what it refuses, refused in its words,
/// a failure (status 1) rather than a usage error.
fn number(value: &str, min: i64, max: i64) -> anyhow::Result<i64> {
    let invalid = |why: &str| failure(format!("invalid argument: '{value}'{why}"));
    let s = value.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, s) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let digits = s.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return Err(invalid(""));
    }
    let mut n: Option<i64> = Some(0);
    for d in s[..digits].bytes().map(|b| i64::from(b - b'0')) {
        n = n
            .and_then(|n| n.checked_mul(10))
            .and_then(|n| match negative {
                true => n.checked_sub(d),
                false => n.checked_add(d),
            });
    }
    let Some(n) = n else {
        return Err(invalid(&format!(": {}", cli::strerror(libc::ERANGE))));
    };
    if digits < s.len() {
        return Err(invalid(""));
    }
    if n < min || n > max {
        return Err(invalid(&format!(": out of range: {min} <= value <= {max}")));
    }
    Ok(n)
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
        match parse(cli::command_line("nsping", args))? {
            Command::Run(Request::One(o)) => Ok(o),
            other => panic!("not a run: {other:?}"),
        }
    }

    #[test]
    fn the_table_is_what_the_parser_takes() {
        testkit::options::check_table(&SPEC, parse);
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
            run(&["-w", "5", "h"]).unwrap().deadline,
            Some(Duration::from_secs(5))
        );
    }

    #[test]
    fn whole_numbers_as_iputils_reads_them() {
        assert_eq!(number(" +12", 0, 20).unwrap(), 12);
        assert_eq!(number("-3", -5, 0).unwrap(), -3);
        for bad in ["", " ", "1.1", "0,1", "0x10", "12a", "+", "-"] {
            assert_eq!(
                number(bad, 0, 100).unwrap_err().to_string(),
                format!("invalid argument: '{bad}'")
            );
        }
        assert_eq!(
            number("101", 0, 100).unwrap_err().to_string(),
            "invalid argument: '101': out of range: 0 <= value <= 100"
        );
        let e = number("99999999999999999999", 0, 100).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid argument: '99999999999999999999': Numerical result out of range"
        );
        assert!(e.downcast_ref::<crate::Failure>().is_some());
        assert_eq!(
            number("-9223372036854775808", i64::MIN, 0).unwrap(),
            i64::MIN
        );
    }

    #[test]
    fn help_and_version() {
        let parsed = |args: &[&str]| parse(cli::command_line("nsping", args)).unwrap();
        assert_eq!(parsed(&["-h"]), Command::Help);
        assert_eq!(parsed(&["--version"]), Command::Version);
    }

    #[test]
    fn bad_values_fail_as_iputils_fails_them() {
        assert_eq!(error(&[]), "usage error: Destination address required");
        assert_eq!(
            error(&["-c", "0", "h"]),
            "invalid argument: '0': out of range: 1 <= value <= 9223372036854775807"
        );
        assert_eq!(error(&["-c", "x", "h"]), "invalid argument: 'x'");
        assert_eq!(error(&["-w", "0.1", "h"]), "invalid argument: '0.1'");
        assert_eq!(
            error(&["-t", "256", "h"]),
            "invalid argument: '256': out of range: 0 <= value <= 255"
        );
        assert_eq!(
            error(&["-s", "-1", "h"]),
            "invalid argument: '-1': out of range: 0 <= value <= 2147483647"
        );
        for args in [&["-c", "1.1", "h"][..], &["-w", "0,1", "h"], &[]] {
            let e = run(args).unwrap_err();
            assert!(e.downcast_ref::<crate::Failure>().is_some(), "{args:?}");
        }
        assert_eq!(run(&["-s", "70000", "h"]).unwrap().size, 70000);
        assert_eq!(run(&["-t", "0", "h"]).unwrap().ttl, Some(0));
        assert!(run(&["-b", "h"]).unwrap().broadcast);
    }

    #[test]
    fn bad_input_is_a_usage_error_naming_it() {
        assert_eq!(error(&["-i", "-1", "h"]), "invalid value for -i: -1");
        assert_eq!(error(&["-i", "nan", "h"]), "invalid value for -i: nan");
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
        for args in [
            &["-i", "x", "h"][..],
            &["-q", "-c"],
            &["-z", "h"],
            &["a", "b"],
        ] {
            let e = run(args).unwrap_err();
            assert!(e.downcast_ref::<cli::UsageError>().is_some(), "{args:?}");
        }
    }

    fn batch(args: &[&str]) -> anyhow::Result<Options> {
        match parse(cli::command_line("nsping", args))? {
            Command::Run(Request::Batch(b, o)) => {
                assert_eq!(b.file, "f");
                Ok(o)
            }
            other => panic!("not a batch: {other:?}"),
        }
    }

    #[test]
    fn options_beside_batch_are_every_lines() {
        let o = batch(&["-c", "3", "--batch", "f", "-n", "red", "-W", "0.5"]).unwrap();
        assert_eq!((o.count, o.linger_ms), (Some(3), 500));
        assert_eq!(o.netns.as_deref(), Some("red"));
        assert_eq!(o.host, "");
        let o = batch(&["--json", "--max-loss", "10", "--batch=f"]).unwrap();
        assert!(o.json && o.max_loss.is_some() && o.count.is_none());
        for (args, message) in [
            (
                &["--batch", "f", "h"][..],
                "unexpected argument h (with --batch, operands go in FILE)",
            ),
            (&["-D", "--batch", "f"], "-D goes without --batch"),
            (&["--batch", "f", "-f"], "-f goes without --batch"),
            (&["-b", "--batch", "f"], "-b goes without --batch"),
            (&["-I", "lo", "--batch", "f"], "-I goes without --batch"),
            (&["-O", "--batch", "f"], "-O goes without --batch"),
        ] {
            assert_eq!(error(args), message, "{args:?}");
        }
    }

    fn line(words: &[&str]) -> anyhow::Result<(Option<String>, String)> {
        batch_line(words.iter().map(OsString::from).collect())
    }

    #[test]
    fn a_batch_line_is_a_namespace_and_a_host() {
        assert_eq!(line(&["10.0.0.2"]).unwrap(), (None, "10.0.0.2".into()));
        let red = (Some("red".to_string()), "h".to_string());
        for words in [
            &["-n", "red", "h"][..],
            &["h", "-nred"],
            &["--netns=red", "h"],
        ] {
            assert_eq!(line(words).unwrap(), red, "{words:?}");
        }
        for (words, message) in [
            (
                &["-c", "3", "h"][..],
                "--count goes beside --batch, not on a line",
            ),
            (&["-q", "h"], "--quiet goes beside --batch, not on a line"),
            (&["-n", "red"], "no HOST"),
            (&["-n", "red", ""], "no HOST"),
            (&["a", "b"], "unexpected argument b"),
            (&["-h"], "--help and --version are not batch lines"),
            (&["--batch", "f", "h"], "--batch within a batch"),
            (
                &["-n", "..", "h"],
                "..: invalid namespace name: may not be \".\" or \"..\"",
            ),
        ] {
            let e = line(words).unwrap_err();
            assert_eq!(format!("{e:#}"), message, "{words:?}");
        }
    }
}
