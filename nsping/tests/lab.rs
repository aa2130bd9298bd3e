//! nsping against the real kernel: each test builds the red/blue lab in
//! its own sandbox (private mount + network namespace, /run on tmpfs) and
//! pings across the veth pair. Where iputils ping is installed, its output
//! on the same lab is the reference, compared line by line with the times
//! masked.

mod support;

use support::*;
use testkit::{run, usable_or_skip};

#[test]
fn replies_both_ways_ipv4_as_iputils() {
    if !usable_or_skip("replies_both_ways_ipv4_as_iputils") {
        return;
    }
    let (out, err, _) = lab("nsping -n red -c 3 -i 0.2 10.0.0.2; echo \"=== red rc=$?\"
         nsping -n blue -c 2 -i 0.2 10.0.0.1; echo \"=== blue rc=$?\"
         if command -v ping >/dev/null; then
           ip netns exec red ping -c 3 -i 0.2 10.0.0.2; echo \"=== ping rc=$?\"
         fi");
    let all = sections(&out);
    let (red, rc) = section(&all, "red");
    assert_eq!(rc, 0, "{red}{err}");
    let lines: Vec<&str> = red.lines().collect();
    assert_eq!(lines[0], "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.");
    for (i, line) in lines[1..4].iter().enumerate() {
        let want = format!("64 bytes from 10.0.0.2: icmp_seq={} ttl=64 time=", i + 1);
        assert!(line.starts_with(&want) && line.ends_with(" ms"), "{line}");
    }
    assert_eq!(lines[4], "");
    assert_eq!(lines[5], "--- 10.0.0.2 ping statistics ---");
    assert!(lines[6].starts_with("3 packets transmitted, 3 received, 0% packet loss, time "));
    assert!(lines[7].starts_with("rtt min/avg/max/mdev = "));
    let (blue, rc) = section(&all, "blue");
    assert_eq!(rc, 0);
    assert!(
        blue.contains("64 bytes from 10.0.0.1: icmp_seq=2 ttl=64 time="),
        "{blue}"
    );
    if ping_installed() {
        let (theirs, rc) = section(&all, "ping");
        assert_eq!(rc, 0);
        assert_same_as_ping(red, theirs);
    }
}

#[test]
fn replies_ipv6_as_iputils() {
    if !usable_or_skip("replies_ipv6_as_iputils") {
        return;
    }
    let (out, err, _) = lab("nsping -n red -c 2 -i 0.2 fd00::2; echo \"=== ours rc=$?\"
         nsping -n blue -c 1 -6 fd00::1; echo \"=== back rc=$?\"
         if command -v ping >/dev/null; then
           ip netns exec red ping -c 2 -i 0.2 fd00::2; echo \"=== ping rc=$?\"
         fi");
    let all = sections(&out);
    let (ours, rc) = section(&all, "ours");
    assert_eq!(rc, 0, "{ours}{err}");
    assert!(ours.starts_with(
        "PING fd00::2(fd00::2) 56 data bytes\n64 bytes from fd00::2: icmp_seq=1 ttl=64 time="
    ));
    assert_eq!(section(&all, "back").1, 0);
    if ping_installed() {
        assert_same_as_ping(ours, section(&all, "ping").0);
    }
}

#[test]
fn unreachable_address_reports_errors_and_exits_1() {
    if !usable_or_skip("unreachable_address_reports_errors_and_exits_1") {
        return;
    }
    let (out, err, _) = lab(
        "# Neighbour discovery gives up after 3 s: run all four at once.
         run() { name=$1; shift; \"$@\" > /run/$name 2>&1; echo \"=== $name rc=$?\" >> /run/$name; }
         run v4 nsping -n red -c 3 -i 0.2 10.0.0.9 &
         run v6 nsping -n red -c 2 -i 0.2 fd00::9 &
         if command -v ping >/dev/null; then
           run ping4 ip netns exec red ping -c 3 -i 0.2 10.0.0.8 &
           run ping6 ip netns exec red ping -c 2 -i 0.2 fd00::8 &
         fi
         wait
         cat /run/v4 /run/v6 /run/ping4 /run/ping6 2>/dev/null",
    );
    let all = sections(&out);
    let (v4, rc) = section(&all, "v4");
    assert_eq!(rc, 1, "{v4}{err}");
    assert!(
        v4.contains("From 10.0.0.1 icmp_seq=1 Destination Host Unreachable\n"),
        "{v4}"
    );
    assert!(
        v4.contains("3 packets transmitted, 0 received, +3 errors, 100% packet loss, time "),
        "{v4}"
    );
    assert!(v4.ends_with("\npipe 3\n"), "{v4}");
    let (v6, rc) = section(&all, "v6");
    assert_eq!(rc, 1);
    assert!(
        v6.contains("From fd00::1 icmp_seq=2 Destination unreachable: Address unreachable\n"),
        "{v6}"
    );
    assert!(v6.contains(", +2 errors, 100% packet loss"), "{v6}");
    if ping_installed() {
        let (v4, v6) = (
            v4.replace("10.0.0.9", "10.0.0.8"),
            v6.replace("fd00::9", "fd00::8"),
        );
        assert_same_as_ping(&v4, section(&all, "ping4").0);
        assert_same_as_ping(&v6, section(&all, "ping6").0);
    }
}

#[test]
fn deadline_and_count_with_deadline() {
    if !usable_or_skip("deadline_and_count_with_deadline") {
        return;
    }
    let (out, err, _) = lab("nsping -n red -w 1 -i 0.2 10.0.0.2; echo \"=== w rc=$?\"
         nsping -n red -c 2 -w 5 -i 0.2 10.0.0.2; echo \"=== enough rc=$?\"
         nsping -n red -c 20 -w 1 -i 0.2 10.0.0.2; echo \"=== short rc=$?\"
         nsping -n red -c 2 -w 1 -i 0.2 10.0.0.99; echo \"=== lost rc=$?\"");
    let all = sections(&out);
    let (w, rc) = section(&all, "w");
    assert_eq!(rc, 0, "{w}{err}");
    // Sends at 0, 0.2, ... 0.8 s, then the deadline.
    assert!(
        w.contains("5 packets transmitted, 5 received, 0% packet loss"),
        "{w}"
    );
    let (enough, rc) = section(&all, "enough");
    assert_eq!(rc, 0);
    assert!(
        enough.contains("2 packets transmitted, 2 received"),
        "{enough}"
    );
    let (short, rc) = section(&all, "short");
    assert_eq!(
        rc, 1,
        "fewer than COUNT replies before the deadline: {short}"
    );
    assert!(short.contains("5 received"), "{short}");
    let (lost, rc) = section(&all, "lost");
    assert_eq!(rc, 1, "{lost}");
}

#[test]
fn quiet_prints_header_and_summary_only() {
    if !usable_or_skip("quiet_prints_header_and_summary_only") {
        return;
    }
    let (out, err, rc) = lab("nsping -n red -q -c 2 -i 0.2 10.0.0.2");
    assert_eq!(rc, 0, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 5, "{out}");
    assert_eq!(lines[0], "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.");
    assert_eq!(lines[1], "");
    assert!(lines[3].starts_with("2 packets transmitted, 2 received"));
    assert!(err.is_empty(), "{err}");
}

/// One JSON value, checked by a small recursive-descent reader (no JSON
/// crate may be added); returns the rest of the input.
fn json_value(s: &str) -> Result<&str, String> {
    let s = s.trim_start();
    let fail = |why: &str| Err(format!("{why} at {s:.20?}"));
    match s.chars().next() {
        Some('{') => {
            let mut rest = s[1..].trim_start();
            if let Some(r) = rest.strip_prefix('}') {
                return Ok(r);
            }
            loop {
                rest = json_string(rest.trim_start())?;
                rest = rest.trim_start().strip_prefix(':').ok_or("missing ':'")?;
                rest = json_value(rest)?.trim_start();
                if let Some(r) = rest.strip_prefix(',') {
                    rest = r;
                } else {
                    return rest.strip_prefix('}').ok_or_else(|| "missing '}'".into());
                }
            }
        }
        Some('"') => json_string(s),
        Some(c) if c == '-' || c.is_ascii_digit() => {
            let end = s
                .find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c)))
                .unwrap_or(s.len());
            let number = &s[..end];
            let int = number.trim_start_matches('-');
            if int.starts_with('0') && int.len() > 1 && !int[1..].starts_with(['.', 'e', 'E']) {
                return fail("leading zero");
            }
            Ok(&s[end..])
        }
        _ => ["true", "false", "null"]
            .iter()
            .find_map(|w| s.strip_prefix(w))
            .ok_or_else(|| format!("bad value at {s:.20?}")),
    }
}

fn json_string(s: &str) -> Result<&str, String> {
    let mut chars = s
        .strip_prefix('"')
        .ok_or("expected a string")?
        .char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok(&s[i + 2..]),
            '\\' => {
                chars.next();
            }
            c if (c as u32) < 0x20 => return Err("control character in string".into()),
            _ => {}
        }
    }
    Err("unterminated string".into())
}

fn json_lines(out: &str) -> Vec<&str> {
    let lines: Vec<&str> = out.lines().collect();
    for line in &lines {
        match json_value(line) {
            Ok(rest) if rest.trim().is_empty() => {}
            other => panic!("not one JSON object: {line}: {other:?}"),
        }
        assert!(line.starts_with("{\"type\":\""), "{line}");
    }
    lines
}

#[test]
fn json_lines_parse_and_name_the_socket_both_paths() {
    if !usable_or_skip("json_lines_parse_and_name_the_socket_both_paths") {
        return;
    }
    let (out, err, _) = lab(
        "nsping -n red --json -c 2 -i 0.2 10.0.0.2; echo \"=== raw rc=$?\"
         nsping -n red --json -c 2 -i 0.2 10.0.0.9; echo \"=== errors rc=$?\"
         nsping -n red --json -c 2 -i 0.2 -W 0.3 -w 1 10.0.0.2 --max-loss 0 -q; echo \"=== quiet rc=$?\"
         ip netns exec red sh -c 'echo 0 2147483647 > /proc/sys/net/ipv4/ping_group_range'
         nsping -n red --json -c 2 -i 0.2 10.0.0.2; echo \"=== datagram rc=$?\"
         nsping -n red --json -c 1 fd00::2; echo \"=== datagram6 rc=$?\"",
    );
    let all = sections(&out);
    let (raw, rc) = section(&all, "raw");
    assert_eq!(rc, 0, "{raw}{err}");
    let lines = json_lines(raw);
    assert_eq!(lines.len(), 3, "{raw}");
    assert!(lines[0].starts_with(
        "{\"type\":\"reply\",\"seq\":1,\"from\":\"10.0.0.2\",\"bytes\":64,\"ttl\":64,\"rtt_ns\":"
    ));
    assert!(lines[2].starts_with("{\"type\":\"summary\",\"host\":\"10.0.0.2\",\"address\":\"10.0.0.2\",\"netns\":\"red\",\"socket\":\"raw\",\"transmitted\":2,\"received\":2,"), "{raw}");
    let (errors, rc) = section(&all, "errors");
    assert_eq!(rc, 1);
    let lines = json_lines(errors);
    assert!(lines[0].starts_with("{\"type\":\"error\",\"seq\":1,\"from\":\"10.0.0.1\",\"icmp_type\":3,\"icmp_code\":1,\"message\":\"Destination Host Unreachable\""), "{errors}");
    assert!(
        lines.last().unwrap().contains("\"loss_percent\":100,"),
        "{errors}"
    );
    let (quiet, rc) = section(&all, "quiet");
    assert_eq!(rc, 0, "{quiet}");
    let lines = json_lines(quiet);
    assert_eq!(lines.len(), 1, "-q keeps only the summary: {quiet}");
    let (dgram, rc) = section(&all, "datagram");
    assert_eq!(rc, 0, "{dgram}");
    let lines = json_lines(dgram);
    assert!(
        lines[0].contains("\"ttl\":64"),
        "TTL from the control message: {dgram}"
    );
    assert!(lines[2].contains("\"socket\":\"datagram\""), "{dgram}");
    let (dgram6, rc) = section(&all, "datagram6");
    assert_eq!(rc, 0, "{dgram6}");
    assert!(
        json_lines(dgram6)[1].contains("\"socket\":\"datagram\""),
        "{dgram6}"
    );
}

#[test]
fn json_reports_timeouts_and_always_a_summary() {
    if !usable_or_skip("json_reports_timeouts_and_always_a_summary") {
        return;
    }
    // Blue drops echo requests: no reply, no error, so timeouts.
    let (out, err, rc) = lab(
        "ip netns exec blue sh -c 'echo 1 > /proc/sys/net/ipv4/icmp_echo_ignore_all'
         nsping -n red --json -c 2 -i 0.2 -W 0.3 10.0.0.2",
    );
    assert_eq!(rc, 1, "{out}{err}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 3, "{out}");
    assert!(lines[0].starts_with("{\"type\":\"timeout\",\"seq\":1,"));
    assert!(lines[1].starts_with("{\"type\":\"timeout\",\"seq\":2,"));
    assert!(lines[2].contains("\"received\":0,") && lines[2].contains("\"rtt_min_ns\":null"));
}

#[test]
fn datagram_socket_prints_the_same() {
    if !usable_or_skip("datagram_socket_prints_the_same") {
        return;
    }
    let (out, err, _) = lab("nsping -n red -c 2 -i 0.2 10.0.0.2; echo \"=== raw rc=$?\"
         ip netns exec red sh -c 'echo 0 2147483647 > /proc/sys/net/ipv4/ping_group_range'
         nsping -n red -c 2 -i 0.2 10.0.0.2; echo \"=== datagram rc=$?\"
         nsping -n red -c 2 -i 0.2 10.0.0.9; echo \"=== unreachable rc=$?\"");
    let all = sections(&out);
    let (raw, rc) = section(&all, "raw");
    assert_eq!(rc, 0, "{raw}{err}");
    let (dgram, rc) = section(&all, "datagram");
    assert_eq!(rc, 0, "{dgram}");
    assert_same_as_ping(dgram, raw);
    let (unreachable, rc) = section(&all, "unreachable");
    assert_eq!(rc, 1);
    assert!(
        unreachable.contains("From 10.0.0.1 icmp_seq=1 Destination Host Unreachable"),
        "{unreachable}"
    );
}

#[test]
fn duplicates_are_marked_and_counted() {
    if !usable_or_skip("duplicates_are_marked_and_counted") {
        return;
    }
    // Two hosts hold 10.0.0.2 behind a bridge, and red sends to the
    // Ethernet broadcast address: each request is answered twice.
    let script = "
        set -e
        for n in red sw blue green; do ip netns add $n; done
        ip -n sw link add br0 type bridge
        ip -n sw link set br0 up
        for n in red blue green; do
          ip link add v-$n netns $n type veth peer name p-$n netns sw
          ip -n sw link set p-$n master br0
          ip -n sw link set p-$n up
          ip -n $n link set v-$n up
        done
        ip -n red addr add 10.0.0.1/24 dev v-red
        ip -n blue addr add 10.0.0.2/24 dev v-blue
        ip -n green addr add 10.0.0.2/24 dev v-green
        ip -n red neigh add 10.0.0.2 lladdr ff:ff:ff:ff:ff:ff dev v-red nud permanent
        set +e
        nsping -n red -c 2 -i 0.3 10.0.0.2; echo \"=== ours rc=$?\"
        if command -v ping >/dev/null; then
          ip netns exec red ping -c 2 -i 0.3 10.0.0.2; echo \"=== ping rc=$?\"
        fi";
    let r = run(script, NSPING);
    let all = sections(&r.stdout);
    let (ours, rc) = section(&all, "ours");
    assert_eq!(rc, 0, "{ours}{}", r.stderr);
    assert!(ours.contains("icmp_seq=1 ttl=64 time="), "{ours}");
    assert!(
        ours.lines()
            .any(|l| l.starts_with("64 bytes from 10.0.0.2: icmp_seq=1 ")
                && l.ends_with(" ms (DUP!)")),
        "{ours}"
    );
    assert!(
        ours.contains("2 packets transmitted, 2 received, +1 duplicates, 0% packet loss"),
        "{ours}"
    );
    if ping_installed() {
        assert_same_as_ping(ours, section(&all, "ping").0);
    }
}

#[test]
fn outstanding_and_timestamps_as_iputils() {
    if !usable_or_skip("outstanding_and_timestamps_as_iputils") {
        return;
    }
    let (out, _, _) = lab(
        "ip netns exec blue sh -c 'echo 1 > /proc/sys/net/ipv4/icmp_echo_ignore_all'
         nsping -n red -O -D -c 2 -i 0.2 -W 0.2 10.0.0.2; echo \"=== ours rc=$?\"
         if command -v ping >/dev/null; then
           ip netns exec red ping -O -D -c 2 -i 0.2 -W 0.2 10.0.0.2; echo \"=== ping rc=$?\"
         fi",
    );
    let all = sections(&out);
    let (ours, rc) = section(&all, "ours");
    assert_eq!(rc, 1, "{ours}");
    let line = ours.lines().nth(1).unwrap();
    assert!(
        line.starts_with('[') && line.ends_with("] no answer yet for icmp_seq=1"),
        "{ours}"
    );
    assert!(
        ours.contains("\n2 packets transmitted, 0 received, 100% packet loss, time "),
        "{ours}"
    );
    assert!(ours.ends_with("ms\n\n"), "{ours}");
    if ping_installed() {
        let strip = |s: &str| -> String {
            s.lines()
                .map(|l| l.split_once("] ").map_or(l, |(_, rest)| rest))
                .map(masked)
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(strip(ours), strip(section(&all, "ping").0));
    }
}

#[test]
fn signals_end_with_the_summary_and_show_status() {
    if !usable_or_skip("signals_end_with_the_summary_and_show_status") {
        return;
    }
    let (out, err, rc) = lab("nsping -n red -i 0.1 10.0.0.2 & pid=$!
         sleep 0.5; kill -QUIT $pid; sleep 0.2; kill -INT $pid; wait $pid");
    assert_eq!(rc, 0, "{out}{err}");
    assert!(
        out.contains("\n--- 10.0.0.2 ping statistics ---\n"),
        "{out}"
    );
    assert!(out.contains(" received, 0% packet loss, time "), "{out}");
    let status = err.lines().find(|l| l.contains(" packets, ")).expect(&err);
    assert!(
        status.starts_with('\r') && status.contains("% loss, min/avg/ewma/max = "),
        "{err:?}"
    );
}

#[test]
fn thresholds_fail_with_a_reason() {
    if !usable_or_skip("thresholds_fail_with_a_reason") {
        return;
    }
    let (out, err, _) = lab(
        "nsping -n red -q -c 2 -i 0.2 --max-loss 0 --max-rtt 1000 10.0.0.2 >/dev/null; echo \"=== ok rc=$?\"
         nsping -n red -q -c 2 -i 0.2 --max-rtt 0 10.0.0.2 >/dev/null; echo \"=== rtt rc=$?\"
         nsping -n red -q -c 2 -i 0.2 -W 0.2 --max-loss 50 10.0.0.99 >/dev/null; echo \"=== loss rc=$?\"",
    );
    let all = sections(&out);
    assert_eq!(section(&all, "ok").1, 0, "{err}");
    assert_eq!(section(&all, "rtt").1, 1);
    assert_eq!(section(&all, "loss").1, 1);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].starts_with("nsping: rtt ") && lines[0].ends_with(" ms exceeds --max-rtt 0 ms"),
        "{err}"
    );
    assert_eq!(lines[1], "nsping: packet loss 100% exceeds --max-loss 50%");
}

#[test]
fn bad_input_exits_2_with_one_line() {
    if !usable_or_skip("bad_input_exits_2_with_one_line") {
        return;
    }
    let (out, err, _) = lab("nsping --bogus 10.0.0.2; echo \"=== option rc=$?\"
         nsping -n nosuch 10.0.0.2; echo \"=== netns rc=$?\"
         nsping -n red -c 1 no-such-host.invalid; echo \"=== host rc=$?\"
         nsping -n red -c 1 -I nosuch0 10.0.0.2; echo \"=== iface rc=$?\"
         nsping -n red -c 1 192.0.2.1; echo \"=== route rc=$?\"");
    let all = sections(&out);
    for (name, want) in [
        (
            "option",
            "nsping: invalid option '--bogus' (try 'nsping --help')",
        ),
        ("netns", "nsping: nosuch: no such network namespace"),
        ("host", "nsping: no-such-host.invalid: "),
        (
            "iface",
            // iputils' words (SO_BINDTODEVICE's error), with the namespace.
            "nsping: SO_BINDTODEVICE nosuch0: No such device in namespace \"red\"",
        ),
        (
            "route",
            "nsping: 192.0.2.1: Network is unreachable in namespace \"red\"",
        ),
    ] {
        let (body, rc) = section(&all, name);
        assert_eq!(rc, 2, "{name}: {body}");
        assert!(body.is_empty(), "{name}: nothing on stdout: {body}");
        assert!(err.lines().any(|l| l.starts_with(want)), "{name}: {err}");
    }
    assert_eq!(err.lines().count(), 5, "{err}");
}

/// Without kernel receive times (SO_TIMESTAMPNS refused, as qemu-user
/// refuses it, where the aarch64 binaries are tried), replies are timed
/// when read: nsping runs here under qemu-user for this machine.
#[test]
fn replies_without_kernel_timestamps() {
    let test = "replies_without_kernel_timestamps";
    let qemu = format!("qemu-{}-static", std::env::consts::ARCH);
    if !usable_or_skip(test) || !testkit::command_or_skip(test, &qemu, "qemu-user-static") {
        return;
    }
    let (out, err, code) = lab(&format!(
        "{qemu} \"$(command -v nsping)\" -n red -c 2 -i 0.2 10.0.0.2"
    ));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("2 packets transmitted, 2 received"), "{out}");
    assert_eq!(err, "");
}
