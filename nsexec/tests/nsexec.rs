//! nsexec against the real kernel, each test in its own sandbox, with
//! namespaces made by iproute2.

use testkit::lab;

const NSEXEC: &str = env!("CARGO_BIN_EXE_nsexec");

#[test]
fn the_command_sees_the_namespace_and_its_sysfs() {
    let Some(r) = lab(
        "namespace_and_sysfs",
        NSEXEC,
        "set -e
        ip netns add red
        ip -n red link add v0 type veth peer name v1
        nsexec red ip -o link show | cut -d' ' -f2
        nsexec red ls /sys/class/net
        nsexec /run/netns/red ls /sys/class/net | tr '\\n' ' '",
    ) else {
        return;
    };
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(r.stdout, "lo:\nv1@v0:\nv0@v1:\nlo\nv0\nv1\nlo v0 v1 ");
    assert_eq!(r.stderr, "");
}

#[test]
fn exit_status_signals_and_environment_pass_straight_through() {
    let Some(r) = lab(
        "pass_through",
        NSEXEC,
        "ip netns add red
        nsexec red sh -c 'exit 7'; echo exit=$?
        nsexec red sh -c 'kill -TERM $$'; echo signal=$?
        FOO='a b' nsexec red sh -c 'echo \"$FOO\"'
        nsexec red sh -c 'echo $PPID' > /run/ppid & wait $!; test \"$(cat /run/ppid)\" = $$ && echo no-fork
        nsexec red printf '%s' \"$(printf 'x\\377')\" | od -An -c | tr -s ' '",
    ) else {
        return;
    };
    assert_eq!(
        r.stdout, "exit=7\nsignal=143\na b\nno-fork\n x 377\n",
        "{r:?}"
    );
}

#[test]
fn its_own_failures_use_125_126_127() {
    let Some(r) = lab(
        "failures",
        NSEXEC,
        "ip netns add red; mkdir -p /run/netns; touch /run/netns/old /run/plain
        nsexec nope true; echo missing=$?
        nsexec old true; echo stale=$?
        nsexec red; echo usage=$?
        nsexec; echo usage=$?
        nsexec -q red true; echo usage=$?
        nsexec red no-such-command; echo notfound=$?
        nsexec red /run/plain; echo notexec=$?
        nsexec red /run; echo dir=$?
        nsexec /proc/self/ns/uts true; echo uts=$?
        nsexec 'a b' true; echo name=$?",
    ) else {
        return;
    };
    assert_eq!(
        r.stdout,
        "missing=125\nstale=125\nusage=125\nusage=125\nusage=125\nnotfound=127\nnotexec=126\ndir=126\nuts=125\nname=125\n"
    );
    assert_eq!(
        r.stderr,
        "nsexec: nope: no such network namespace\n\
         nsexec: old: stale entry in /run/netns, not a namespace (remove it with 'nsadd -d old')\n\
         nsexec: missing COMMAND (try 'nsexec --help')\n\
         nsexec: missing namespace NS (try 'nsexec --help')\n\
         nsexec: invalid option '-q' (try 'nsexec --help')\n\
         nsexec: no-such-command: No such file or directory\n\
         nsexec: /run/plain: Permission denied\n\
         nsexec: /run: Permission denied\n\
         nsexec: /proc/self/ns/uts: not a network namespace\n\
         nsexec: \"a b\": no such network namespace\n"
    );
}

#[test]
fn etc_netns_files_are_bound_over_etc_for_the_command_only() {
    // A private /etc in the sandbox, so the host's is never touched.
    let Some(r) = lab(
        "etc_netns",
        NSEXEC,
        "set -e
        ip netns add red
        mount -t tmpfs etc /etc
        echo host > /etc/hosts; echo keep > /etc/other
        mkdir -p /etc/netns/red; echo red > /etc/netns/red/hosts
        nsexec red cat /etc/hosts /etc/other
        cat /etc/hosts",
    ) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "red\nkeep\nhost\n", "")
    );
}

#[test]
fn mounts_made_inside_never_reach_the_caller() {
    let Some(r) = lab(
        "no_mount_leaks",
        NSEXEC,
        "set -e
        mount --make-rshared /
        ip netns add red
        before=$(wc -l < /proc/self/mountinfo)
        nsexec red sh -c 'mount -t tmpfs leak /mnt; grep -c \" /mnt \" /proc/self/mountinfo'
        after=$(wc -l < /proc/self/mountinfo)
        test \"$before\" = \"$after\" && echo same-mounts
        grep -c ' /mnt ' /proc/self/mountinfo || true",
    ) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "1\nsame-mounts\n0\n"),
        "{r:?}"
    );
}

#[test]
fn works_on_ours_and_ip_works_alongside() {
    // nsexec and `ip netns exec` give the same view of one namespace.
    let Some(r) = lab(
        "same_view",
        NSEXEC,
        "set -e
        ip netns add red
        ip -n red link set lo up
        a=$(nsexec red ip -o addr show dev lo)
        b=$(ip netns exec red ip -o addr show dev lo)
        test \"$a\" = \"$b\" && echo same",
    ) else {
        return;
    };
    assert_eq!((r.code, r.stdout.as_str()), (0, "same\n"), "{r:?}");
}

#[test]
fn help_and_version() {
    let Some(r) = lab("help", NSEXEC, "nsexec --help | head -1; nsexec -V") else {
        return;
    };
    assert_eq!(
        r.stdout,
        format!(
            "Usage: nsexec [--all-mounts] NS COMMAND [ARG...]\nnsexec (nstools) {}\n",
            env!("CARGO_PKG_VERSION")
        )
    );
}
