//! nsping's options, declared once: `--help` (and the man page and
//! completions) come from this table.

use nscore::cli::flags::NETNS;
use nscore::cli::{Complete, Flag, Operands, Spec, MAIN};

/// The flags that make no sense with `--batch`.
const BATCH: &[&str] = &["batch"];

/// One option a line, as a table reads best.
#[rustfmt::skip]
const FLAGS: &[Flag] = &[
    NETNS.help("ping from inside network namespace NS (a name under /run/netns or a path such as /proc/PID/ns/net)"),
    Flag::short('c', "count").value("COUNT").help("stop after COUNT replies (after COUNT sends without -w)"),
    Flag::short('i', "interval").value("SECONDS").help("wait SECONDS between sends (default 1; at least 0.002 unless root)"),
    Flag::short('W', "timeout").value("SECONDS").help("with no reply at all, wait this long after the last send (default 10)"),
    Flag::short('w', "deadline").value("SECONDS").help("stop after SECONDS (whole) whatever happens"),
    Flag::short('q', "quiet").help("print only the first line and the summary"),
    Flag::short('s', "size").value("SIZE").help("send SIZE bytes of payload (default 56)"),
    Flag::short('t', "ttl").value("TTL").help("send with this time to live / hop limit"),
    Flag::short('D', "timestamp").without(BATCH).help("print a [UNIX-TIME] before each line"),
    Flag::short('O', "outstanding").without(BATCH).help("say when a probe is still unanswered at the next send"),
    Flag::short('I', "interface").value("IFACE|ADDRESS").without(BATCH).complete(Complete::Device).help("send through this interface, or from this address"),
    Flag::short('f', "flood").without(BATCH).help("flood: send as fast as replies come (root only)"),
    Flag::short('b', "broadcast").without(BATCH).help("allow pinging a broadcast address"),
    Flag::short('4', "ipv4").help("use IPv4 only"),
    Flag::short('6', "ipv6").help("use IPv6 only"),
    Flag::long("json").help("one JSON object a line: reply, error, timeout, then a summary (times in integer nanoseconds)"),
    Flag::long("max-loss").value("PCT").help("exit 1 when more than PCT percent of probes were lost"),
    Flag::long("max-rtt").value("MS").help("exit 1 when a reply took longer than MS milliseconds"),
    Flag::long("batch").value("FILE").complete(Complete::File).help("ping every target of FILE (- for standard input) at once, a line '[-n NS] HOST' each; one summary line each"),
];

pub const SPEC: Spec = Spec {
    name: "nsping",
    usage: &[
        ("[-n NS] [OPTION]... HOST", ""),
        ("[OPTION]... --batch FILE", "many targets, as fping -c"),
    ],
    about: "\
Send ICMP echo requests to HOST (an IPv4 or IPv6 address, or a name from
/etc/hosts or the resolver) and print the replies as iputils ping does.
Output is always numeric (as 'ping -n'). SIGINT ends the run with the
summary; SIGQUIT prints the running figures on stderr.

With --batch, every target gets COUNT probes (1 without -c or -w), each
lost after -W; then a line each in FILE's order:
'NS HOST : xmt/rcv/%loss = 3/3/0%, min/avg/max = 0.031/0.040/0.052'.
",
    flags: FLAGS,
    operands: &[Operands::of(MAIN, &[Complete::Host])],
    options_first: false,
    exit_status: "\
0 replies received (from every target), 1 too few replies (or a
--max-* limit broken, a bad option value, no HOST, a write error), 2 any
other error.
",
};
