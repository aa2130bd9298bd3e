//! `nsping --batch` against the real kernel, in the red/blue lab of
//! `support`: every target at once, a line each in the file's order as
//! `fping -c` prints them, the namespace first.

mod support;

use support::*;
use testkit::usable_or_skip;

/// The output with the times of each `min/avg/max = ` masked as `T/T/T`.
fn masked(out: &str) -> String {
    out.lines()
        .map(|line| match line.split_once(", min/avg/max = ") {
            Some((head, times)) => {
                let numbers: Vec<&str> = times.split('/').collect();
                assert_eq!(numbers.len(), 3, "{line}");
                for n in numbers {
                    assert!(n.parse::<f64>().is_ok_and(|t| t >= 0.0), "{line}");
                }
                format!("{head}, min/avg/max = T/T/T\n")
            }
            None => format!("{line}\n"),
        })
        .collect()
}

#[test]
fn several_namespaces_and_targets_in_the_files_order() {
    if !usable_or_skip("several_namespaces_and_targets_in_the_files_order") {
        return;
    }
    let (out, err, code) = lab(r#"cat > /run/targets <<'EOF'
# red to blue and back, in both families
-n red 10.0.0.2

-n blue 10.0.0.1
-n red fd00::2
   -n blue "fd00::1"    # quoted, with a comment after
-n red 127.0.0.1
EOF
nsping -c 2 -i 0.2 --batch /run/targets"#);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert_eq!(
        masked(&out),
        "red 10.0.0.2  : xmt/rcv/%loss = 2/2/0%, min/avg/max = T/T/T\n\
         blue 10.0.0.1 : xmt/rcv/%loss = 2/2/0%, min/avg/max = T/T/T\n\
         red fd00::2   : xmt/rcv/%loss = 2/2/0%, min/avg/max = T/T/T\n\
         blue fd00::1  : xmt/rcv/%loss = 2/2/0%, min/avg/max = T/T/T\n\
         red 127.0.0.1 : xmt/rcv/%loss = 2/2/0%, min/avg/max = T/T/T\n"
    );
}

#[test]
fn an_unreachable_target_fails_the_batch_on_its_line() {
    if !usable_or_skip("an_unreachable_target_fails_the_batch_on_its_line") {
        return;
    }
    let (out, err, code) = lab(
        "printf '%s\\n' '10.0.0.2' '10.0.0.9' '-n blue 10.0.0.1' > /run/t
         nsping -n red -W 1 --batch /run/t",
    );
    assert_eq!((code, err.as_str()), (1, ""), "{out}");
    assert_eq!(
        masked(&out),
        "red 10.0.0.2  : xmt/rcv/%loss = 1/1/0%, min/avg/max = T/T/T\n\
         red 10.0.0.9  : xmt/rcv/%loss = 1/0/100%\n\
         blue 10.0.0.1 : xmt/rcv/%loss = 1/1/0%, min/avg/max = T/T/T\n"
    );
}

#[test]
fn a_bad_line_stops_the_batch_before_any_probe() {
    if !usable_or_skip("a_bad_line_stops_the_batch_before_any_probe") {
        return;
    }
    let (out, err, _) = lab(r#"t=/run/t
         printf '# head\n\n-n red 10.0.0.2\n-n nosuch 10.0.0.1\n-n red 10.0.0.2\n' > $t
         nsping --batch $t; echo "=== missing rc=$?"
         printf -- '-n red 10.0.0.2\n-c 3 10.0.0.1\n' > $t
         nsping --batch $t; echo "=== option rc=$?"
         printf -- '-n red "10.0.0.2\n' > $t
         nsping --batch $t; echo "=== quote rc=$?"
         nsping -n red 10.0.0.2 --batch $t; echo "=== operand rc=$?"
         nsping -D --batch $t; echo "=== switch rc=$?"
         nsping --batch /run/nofile; echo "=== file rc=$?""#);
    let all = sections(&out);
    for (name, rc) in [
        ("missing", 2),
        ("option", 2),
        ("quote", 2),
        ("operand", 2),
        ("switch", 2),
        ("file", 2),
    ] {
        assert_eq!(section(&all, name), ("", rc), "{name}: {err}");
    }
    assert_eq!(
        err,
        "nsping: /run/t:4: nosuch: no such network namespace\n\
         nsping: /run/t:2: --count goes beside --batch, not on a line\n\
         nsping: /run/t:1: unterminated double quote\n\
         nsping: unexpected argument 10.0.0.2 (with --batch, operands go in FILE) (try 'nsping --help')\n\
         nsping: -D goes without --batch (try 'nsping --help')\n\
         nsping: /run/nofile: cannot open: No such file or directory\n"
    );
}

#[test]
fn standard_input_from_a_pipe() {
    if !usable_or_skip("standard_input_from_a_pipe") {
        return;
    }
    let (out, err, code) = lab(
        r#"printf '%s\n' '# from a pipe' '"10.0.0.2"' '' '-n "blue" 10.0.0.1 # back' |
         nsping -n red --batch -"#,
    );
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert_eq!(
        masked(&out),
        "red 10.0.0.2  : xmt/rcv/%loss = 1/1/0%, min/avg/max = T/T/T\n\
         blue 10.0.0.1 : xmt/rcv/%loss = 1/1/0%, min/avg/max = T/T/T\n"
    );
}

#[test]
fn json_gives_one_summary_object_per_target() {
    if !usable_or_skip("json_gives_one_summary_object_per_target") {
        return;
    }
    let (out, err, code) =
        lab("printf '%s\\n' '-n red 10.0.0.2' '10.0.0.9' | nsping -n blue -W 1 --json --batch -");
    assert_eq!((code, err.as_str()), (1, ""), "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with(
        "{\"type\":\"summary\",\"host\":\"10.0.0.2\",\"address\":\"10.0.0.2\",\"netns\":\"red\",\
         \"socket\":\"raw\",\"transmitted\":1,\"received\":1,\"duplicates\":0,\"errors\":0,\
         \"loss_percent\":0,\"elapsed_ns\":"
    ));
    assert!(lines[0].ends_with(",\"exit\":0}"), "{out}");
    assert!(lines[1].starts_with(
        "{\"type\":\"summary\",\"host\":\"10.0.0.9\",\"address\":\"10.0.0.9\",\"netns\":\"blue\",\
         \"socket\":\"raw\",\"transmitted\":1,\"received\":0,"
    ));
    assert!(
        lines[1].ends_with(
            "\"rtt_min_ns\":null,\"rtt_avg_ns\":null,\"rtt_max_ns\":null,\"rtt_mdev_ns\":null,\"exit\":1}"
        ),
        "{out}"
    );
}

#[test]
fn limits_hold_for_every_target() {
    if !usable_or_skip("limits_hold_for_every_target") {
        return;
    }
    let (out, err, _) = lab("printf '%s\\n' '-n red 10.0.0.2' '-n blue 10.0.0.1' > /run/t
         nsping -c 2 -i 0.2 --max-loss 0 --max-rtt 10000 --batch /run/t >/dev/null; echo \"=== met rc=$?\"
         nsping --max-rtt 0.000001 --batch /run/t >/dev/null; echo \"=== rtt rc=$?\"");
    let all = sections(&out);
    assert_eq!(section(&all, "met").1, 0, "{err}");
    assert_eq!(section(&all, "rtt").1, 1);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(lines[0].starts_with("nsping: red 10.0.0.2: rtt "), "{err}");
    assert!(lines[1].starts_with("nsping: blue 10.0.0.1: rtt "), "{err}");
    assert!(
        lines[1].ends_with(" ms exceeds --max-rtt 0.000001 ms"),
        "{err}"
    );
}

#[test]
fn interrupted_it_reports_what_it_has() {
    if !usable_or_skip("interrupted_it_reports_what_it_has") {
        return;
    }
    let (out, err, code) = lab(
        "printf '%s\\n' '-n red 10.0.0.2' '-n blue 10.0.0.1' > /run/t
         nsping -i 0.2 -w 60 --batch /run/t > /run/out &
         pid=$!
         # Once its SIGINT handler is in place (bit 2 of SigCgt), it probes.
         until [ $(( 0x$(awk '/^SigCgt/ { print $2 }' /proc/$pid/status) & 2 )) -ne 0 ]; do
           sleep 0.05
         done
         sleep 0.5; kill -INT $pid; wait $pid; echo \"rc=$?\"; cat /run/out",
    );
    assert_eq!(code, 0, "{out}{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}{err}");
    // Not killed by the signal: it ended the run and reported.
    assert!(lines[0] == "rc=0" || lines[0] == "rc=1", "{out}{err}");
    assert!(
        lines[1].starts_with("red 10.0.0.2  : xmt/rcv/%loss = "),
        "{out}"
    );
    assert!(
        lines[2].starts_with("blue 10.0.0.1 : xmt/rcv/%loss = "),
        "{out}"
    );
}

/// 300 namespaces (more than the soft open-file limit lets a process
/// hold sockets for) and 3000 targets that blue answers for red (every
/// address of 10.1.0.0/16 is blue's, through a local route).
#[test]
fn a_large_batch_beyond_the_open_file_limit() {
    if !usable_or_skip("a_large_batch_beyond_the_open_file_limit") {
        return;
    }
    let (out, err, code) = lab("ip -n blue route add local 10.1.0.0/16 dev lo
         ip -n red route add 10.1.0.0/16 via 10.0.0.2
         for i in $(seq 0 299); do echo \"netns add m$i\"; done | ip -batch -
         for i in $(seq 0 299); do ip -n m$i link set lo up; done
         { for i in $(seq 0 299); do echo \"-n m$i 127.0.0.1\"; done
           awk 'BEGIN { for (i = 0; i < 3000; i++) printf \"-n red 10.1.%d.%d\\n\", i / 250, i % 250 + 1 }'
         } > /run/big
         ulimit -Sn 64
         nsping --batch /run/big > /run/out; echo \"rc=$?\"
         grep -c ' : xmt/rcv/%loss = 1/1/0%, min/avg/max = ' /run/out
         sed -n '1p;300p;301p;3300p;3301p' /run/out | sed 's/, min.*//'");
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    let line = |label: &str| format!("{label:<15} : xmt/rcv/%loss = 1/1/0%\n");
    let want = [
        "m0 127.0.0.1",
        "m299 127.0.0.1",
        "red 10.1.0.1",
        "red 10.1.11.250",
    ];
    assert_eq!(out, format!("rc=0\n3300\n{}", want.map(line).concat()));
}
