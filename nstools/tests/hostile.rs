//! Hostile and odd paths where a namespace is expected: a FIFO or a
//! directory in the way, a symlink in `/run/netns`, a name `ip` accepts
//! with a tab or newline in it, and a namespace `ip netns add` is making
//! at this very moment. No tool hangs, follows a link out of `/run/netns`,
//! or advises deleting a live namespace.

use testkit::command_or_skip;

mod support;
use support::lab;

#[test]
fn a_fifo_for_a_namespace_is_refused_not_waited_on() {
    // `timeout` only keeps a hang from stopping the test run.
    let Some(r) = lab(
        "fifo",
        "ip netns add red && mkfifo /run/fifo /run/netns/f || exit 99
        for ns in /run/fifo f; do
            timeout 20 nsexec $ns true; echo $?
            timeout 20 vethpair -n $ns a b; echo $?
            timeout 20 ipassign -n $ns lo 10.1.1.1/24; echo $?
            timeout 20 linkup -n $ns lo; echo $?
            timeout 20 nsping -n $ns -c 1 127.0.0.1; echo $?
        done
        timeout 20 nsadd -p f; echo $?
        timeout 20 nsadd -l; echo $?
        timeout 20 nsadd -d f; echo $?; ls /run/netns",
    ) else {
        return;
    };
    assert_eq!(
        r.stdout,
        "125\n1\n1\n1\n2\n".repeat(2) + "1\nred\n0\n0\nred\n",
        "{r:?}"
    );
    let fifo = "/run/fifo: not a namespace\n";
    let stale = "f: stale entry in /run/netns, not a namespace (remove it with 'nsadd -d f')\n";
    let mut expected = String::new();
    for why in [fifo, stale] {
        for tool in ["nsexec", "vethpair", "ipassign", "linkup", "nsping"] {
            expected.push_str(&format!("{tool}: {why}"));
        }
    }
    expected.push_str(&format!("nsadd: {stale}nsadd: {stale}"));
    assert_eq!(r.stderr, expected);
}

#[test]
fn removal_never_follows_a_symlink_out_of_run_netns() {
    // `link` points at red, `elsewhere` at an unrelated mount: removing
    // them removes the links, and red and the mount stay.
    let Some(r) = lab(
        "symlink",
        "ip netns add red && mkdir /run/m && mount -t tmpfs m /run/m || exit 99
        ln -s /run/netns/red /run/netns/link; ln -s /run/m /run/netns/elsewhere
        nsadd -d link; echo $?; ls /run/netns | tr '\\n' ' '
        grep -c ' /run/netns/red ' /proc/self/mountinfo
        ln -s /run/netns/red /run/netns/link
        nsadd -d -f elsewhere link; echo $?; ls /run/netns
        grep -c ' /run/netns/red \\| /run/m ' /proc/self/mountinfo
        ln -s /run/m /run/netns/elsewhere; ip netns del red
        nsadd -d --all; echo $?; ls -A /run/netns | wc -l
        grep -c ' /run/m ' /proc/self/mountinfo",
    ) else {
        return;
    };
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        ("0\nelsewhere red 1\n0\nred\n2\n0\n0\n1\n", ""),
        "{r:?}"
    );
}

#[test]
fn a_directory_in_run_netns_gets_advice_that_works() {
    let Some(r) = lab(
        "directory",
        "mkdir -p /run/netns/dir || exit 99
        nsadd -p dir; echo $?; nsadd -d dir; echo $?; nsadd -l; echo $?
        rmdir /run/netns/dir && echo removed",
    ) else {
        return;
    };
    assert_eq!(r.stdout, "1\n1\n0\nremoved\n", "{r:?}");
    let advice = "nsadd: dir: a directory in /run/netns, not a namespace \
                  (remove it with 'rmdir /run/netns/dir')\n";
    assert_eq!(r.stderr, advice.repeat(3));
}

#[test]
fn names_with_a_tab_or_newline_are_listed_escaped_and_removable() {
    let Some(r) = lab(
        "odd_names",
        r#"ip netns add "$(printf 'a\tb')" && ip netns add "$(printf 'c\nd')" &&
        ip netns add 'e\f' || exit 99
        nsadd -l
        nsadd -d "$(printf 'a\tb')"; echo $?
        nsadd -d "$(printf "$(nsadd -l | head -1)")"; echo $?
        nsadd -l"#,
    ) else {
        return;
    };
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        ("a\\tb\nc\\nd\ne\\\\f\n0\n0\ne\\\\f\n", ""),
        "{r:?}"
    );
}

/// `ip netns add blue` stopped by strace between creating /run/netns/blue
/// and mounting the new namespace on it (SIGSTOP on leaving unshare); then
/// COMMAND starts, and once it waits (sleeping in the kernel, or ended),
/// ip goes on. Prints ip's status, COMMAND's, and what COMMAND printed.
fn while_ip_makes_blue(command: &str) -> String {
    format!(
        "ip netns add red || exit 99
        strace -f -qq -o /run/trace -e trace=unshare -e inject=unshare:signal=STOP \
            sh -c 'echo $$ > /run/ip.pid; exec ip netns add blue' & strace=$!
        until grep -q 'stopped by SIGSTOP' /run/trace 2>/dev/null; do sleep 0.01; done
        {command} >/run/out 2>&1 & pid=$!
        until ! kill -0 $pid 2>/dev/null || grep -qE '^(35|230) ' /proc/$pid/syscall; do sleep 0.01; done
        kill -CONT $(cat /run/ip.pid)
        wait $strace; echo ip=$?
        wait $pid; echo status=$?
        cat /run/out"
    )
}

#[test]
fn a_namespace_ip_is_making_right_now_is_waited_for_not_called_stale() {
    if !command_or_skip("being_made", "strace", "strace") {
        return;
    }
    for (command, output) in [
        ("nsadd -l", "blue\nred\n"),
        ("nsexec blue ip netns identify", "blue\n"),
        ("nsadd -p blue", ""),
    ] {
        let Some(r) = lab("being_made", &while_ip_makes_blue(command)) else {
            return;
        };
        assert_eq!(
            r.stdout,
            format!("ip=0\nstatus=0\n{output}"),
            "{command}: {r:?}"
        );
    }
}
