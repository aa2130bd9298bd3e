//! iputils' own test suite for ping (`test/ping/meson.build` of iputils
//! 20221126: 32 cases, each judged on its exit status alone), translated
//! case for case and run on loopback in a sandbox. Where iputils ping is
//! installed, it runs the same cases first, so a wrong translation shows.

mod support;

use support::{ping_installed, section, sections, NSPING};
use testkit::{run, usable_or_skip};

/// The cases in meson.build's order: arguments, and whether the command
/// should fail (exit non-zero). `ipv6` and `root` are what meson.build
/// finds out (`ip -6 a` lists ::1; `id -u` is 0).
fn cases(ipv6: bool, root: bool) -> Vec<(Vec<&'static str>, bool)> {
    let mut all = vec![(vec!["-V"], false)];
    let ipv6_dst: &[&str] = if ipv6 { &["::1"] } else { &[] };
    let ipv6_switch: &[&str] = if ipv6 { &["-6"] } else { &[] };
    let dsts: Vec<&str> = ["localhost", "127.0.0.1"]
        .iter()
        .chain(ipv6_dst)
        .copied()
        .collect();
    let switches: Vec<&str> = ["", "-4"].iter().chain(ipv6_switch).copied().collect();
    for &dst in &dsts {
        for &switch in &switches {
            let mut args = vec!["-c1", dst];
            let mut should_fail = false;
            if !switch.is_empty() {
                args.insert(0, switch);
                should_fail =
                    (switch == "-4" && dst == "::1") || (switch == "-6" && dst == "127.0.0.1");
            }
            all.push((args, should_fail));
        }
    }
    let ping_tests_opt: [&[&str]; 6] = [
        &["-c1"],
        &["-c5", "-i0.1"],
        &["-c1", "-I", "lo"],
        &["-c1", "-w1"],
        &["-c1", "-W1"],
        &["-c1", "-W1.1"],
    ];
    let ping_tests_opt_fail: [&[&str]; 4] =
        [&["-c1.1"], &["-I", "nonexisting"], &["-w0.1"], &["-w0,1"]];
    let ping_tests_user_fail: [&[&str]; 1] = [&["-c1", "-i0.001"]];
    let dsts: Vec<&str> = ["127.0.0.1"].iter().chain(ipv6_dst).copied().collect();
    for (options, should_fail) in [
        (&ping_tests_opt[..], false),
        (&ping_tests_opt_fail[..], true),
        (&ping_tests_user_fail[..], !root),
    ] {
        for &dst in &dsts {
            for args in options {
                let mut args = args.to_vec();
                args.push(dst);
                all.push((args, should_fail));
            }
        }
    }
    all
}

/// Loopback up, and an /etc/hosts with both loopback addresses for
/// `localhost`, as a Debian system has it.
const SETUP: &str = "
ip link set lo up
printf '127.0.0.1 localhost\\n::1 localhost ip6-localhost ip6-loopback\\n' > /run/hosts
mount --bind /run/hosts /etc/hosts
ip -6 a | grep -q ::1 && echo '=== ipv6 rc=1'
echo \"=== root rc=$(id -u)\"
";

#[test]
fn the_32_cases_of_iputils_pass() {
    if !usable_or_skip("the_32_cases_of_iputils_pass") {
        return;
    }
    let probe = sections(&run(SETUP, NSPING).stdout);
    let ipv6 = probe.iter().any(|s| s.0 == "ipv6");
    let root = section(&probe, "root").1 == 0;
    let cases = cases(ipv6, root);
    if ipv6 {
        assert_eq!(cases.len(), 32, "meson.build has 32 cases");
    }
    let with_ping = ping_installed();
    let mut script = String::from(SETUP);
    for (i, (args, _)) in cases.iter().enumerate() {
        let args = args.join(" ");
        if with_ping {
            script.push_str(&format!(
                "ping {args} >/dev/null 2>&1; echo \"=== ping{i} rc=$?\"\n"
            ));
        }
        script.push_str(&format!("nsping {args}; echo \"=== nsping{i} rc=$?\"\n"));
    }
    let r = run(&script, NSPING);
    let all = sections(&r.stdout);
    let mut failed = Vec::new();
    for (i, (args, should_fail)) in cases.iter().enumerate() {
        let judge = |tool: &str| {
            let (out, rc) = section(&all, &format!("{tool}{i}"));
            ((rc != 0) != *should_fail).then(|| {
                let expected = if *should_fail { "a failure" } else { "success" };
                format!(
                    "{tool} {}: exit {rc}, expected {expected}\n{out}",
                    args.join(" ")
                )
            })
        };
        if with_ping {
            assert_eq!(judge("ping"), None, "the translation is wrong");
        }
        failed.extend(judge("nsping"));
    }
    assert!(failed.is_empty(), "{}\n{}", failed.join("\n"), r.stderr);
}
