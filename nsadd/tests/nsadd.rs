//! nsadd against the real kernel, each test in its own sandbox (private
//! mount + network namespace, tmpfs on /run), with iproute2 as the oracle.

use testkit::{command_or_skip, lab};

const NSADD: &str = env!("CARGO_BIN_EXE_nsadd");

/// The nsfs mounts under /run/netns, as the mount table shows them.
const NETNS_MOUNTS: &str = "grep -c ' /run/netns/' /proc/self/mountinfo || true";

#[test]
fn creates_lists_and_deletes_as_ip_netns_sees_it() {
    let Some(r) = lab(
        "creates_lists_and_deletes",
        NSADD,
        &format!(
            "set -e
            nsadd red blue
            echo ours:; nsadd -l
            echo ip:; ip netns list | cut -d' ' -f1 | sort
            ip netns exec red true && echo exec-ok
            test \"$(stat -c %a /run/netns)\" = 755 && echo mode-ok
            nsadd -d red blue
            echo after:; ls -A /run/netns; {NETNS_MOUNTS}"
        ),
    ) else {
        return;
    };
    assert_eq!(r.code, 0, "{r:?}");
    assert_eq!(
        r.stdout,
        "ours:\nblue\nred\nip:\nblue\nred\nexec-ok\nmode-ok\nafter:\n0\n"
    );
    assert_eq!(r.stderr, "");
}

#[test]
fn works_on_namespaces_that_ip_made_and_ip_works_on_ours() {
    let Some(r) = lab(
        "interop",
        NSADD,
        "set -e
        ip netns add green
        nsadd red
        nsadd -l
        ip netns del red
        nsadd -d green
        ip netns list | wc -l",
    ) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "green\nred\n0\n", "")
    );
}

#[test]
fn json_lists_what_ip_j_netns_list_shows_with_any_name() {
    if !command_or_skip("json_lists", "python3", "python3") {
        return;
    }
    let Some(r) = lab(
        "json",
        NSADD,
        r#"set -e
        nsadd red blue
        nsadd -l --json; ip -j netns list
        ip netns add 'a"b\c'; ip netns add "$(printf 'tab\tnl\nesc\033')"
        touch /run/netns/stale
        nsadd -l --json 2>/dev/null | python3 -c '
import json, sys
print([e["name"] for e in json.load(sys.stdin)])'
        nsadd -d -f red blue; nsadd -d stale; nsadd -d 'a"b\c'
        nsadd -d "$(printf 'tab\tnl\nesc\033')"; nsadd -l --json"#,
    ) else {
        return;
    };
    assert_eq!((r.code, r.stderr.as_str()), (0, ""), "{r:?}");
    assert_eq!(
        r.stdout,
        "[{\"name\":\"blue\"},{\"name\":\"red\"}]\n\
         [{\"name\":\"blue\"},{\"name\":\"red\"}]\n\
         ['a\"b\\\\c', 'blue', 'red', 'tab\\tnl\\nesc\\x1b']\n\
         []\n"
    );
}

#[test]
fn each_namespace_is_a_new_one() {
    let Some(r) = lab(
        "each_namespace_is_new",
        NSADD,
        "set -e
        nsadd a b
        stat -L -c %i /run/netns/a /run/netns/b /proc/self/ns/net | sort -u | wc -l
        nsadd -d --all",
    ) else {
        return;
    };
    assert_eq!((r.code, r.stdout.as_str()), (0, "3\n"), "{r:?}");
}

#[test]
fn existing_names_fail_unless_exist_ok() {
    let Some(r) = lab(
        "existing_names",
        NSADD,
        "nsadd red; nsadd red blue; echo status=$?; nsadd -l
        nsadd -p red blue; echo p=$?; nsadd -l",
    ) else {
        return;
    };
    assert_eq!(r.stdout, "status=1\nred\np=0\nblue\nred\n");
    assert_eq!(r.stderr, "nsadd: red: namespace already exists\n");
}

#[test]
fn run_netns_is_one_shared_mount_however_often_it_is_used() {
    let Some(r) = lab(
        "shared_mount",
        NSADD,
        "set -e
        nsadd a; nsadd b; nsadd -d a b; nsadd c
        grep ' /netns /run/netns ' /proc/self/mountinfo | wc -l
        grep ' /netns /run/netns ' /proc/self/mountinfo | grep -c shared:",
    ) else {
        return;
    };
    assert_eq!((r.code, r.stdout.as_str()), (0, "1\n1\n"), "{r:?}");
}

#[test]
fn deleting_missing_fails_unless_forced_and_all_of_nothing_is_fine() {
    let Some(r) = lab(
        "delete_missing",
        NSADD,
        "nsadd -d red; echo d=$?; nsadd -d -f red; echo f=$?; nsadd -d --all; echo all=$?",
    ) else {
        return;
    };
    assert_eq!(r.stdout, "d=1\nf=0\nall=0\n");
    assert_eq!(r.stderr, "nsadd: red: no such network namespace\n");
}

#[test]
fn stale_entries_are_reported_refused_and_removable() {
    let Some(r) = lab(
        "stale_entries",
        NSADD,
        &format!(
            "nsadd red; mkdir -p /run/netns; touch /run/netns/old
            nsadd -l; echo l=$?
            nsadd old; echo add=$?
            nsadd -p old; echo p=$?
            nsadd -d old; echo d=$?
            ls -A /run/netns
            nsadd -d --all; ls -A /run/netns; {NETNS_MOUNTS}"
        ),
    ) else {
        return;
    };
    assert_eq!(r.stdout, "red\nl=0\nadd=1\np=1\nd=0\nred\n0\n");
    let stale =
        "nsadd: old: stale entry in /run/netns, not a namespace (remove it with 'nsadd -d old')\n";
    assert_eq!(r.stderr, stale.repeat(3));
}

#[test]
fn a_failed_bind_mount_leaves_nothing_behind() {
    // With an empty /proc, /proc/thread-self/ns/net cannot be bound.
    let Some(r) = lab(
        "rollback",
        NSADD,
        "nsadd ok; exec 3</proc/self/mountinfo; mount -t tmpfs none /proc
        nsadd red; echo status=$?
        ls -A /run/netns; grep -c ' /run/netns/' <&3",
    ) else {
        return;
    };
    assert_eq!(r.stdout, "status=1\nok\n1\n");
    assert_eq!(
        r.stderr,
        "nsadd: red: cannot bind-mount namespace: No such file or directory\n"
    );
}

#[test]
fn several_names_are_all_made_or_removed_or_none() {
    let Some(r) = lab(
        "several_names",
        NSADD,
        "nsadd b; nsadd a b c d; echo add=$?; nsadd -l | tr '\\n' ' '; echo
        nsadd a c; nsadd -d a x c y; echo d=$?; nsadd -l | tr '\\n' ' '; echo
        nsadd a a; echo twice=$?; nsadd -d b c b; echo d-twice=$?; nsadd -l | tr '\\n' ' '",
    ) else {
        return;
    };
    assert_eq!(
        r.stdout,
        "add=1\nb \nd=1\na b c \ntwice=2\nd-twice=2\na b c "
    );
    assert_eq!(
        r.stderr,
        "nsadd: b: namespace already exists\n\
         nsadd: x: no such network namespace\n\
         nsadd: y: no such network namespace\n\
         nsadd: a: given twice (try 'nsadd --help')\n\
         nsadd: b: given twice (try 'nsadd --help')\n"
    );
}

#[test]
fn a_failure_half_way_removes_the_namespaces_made_before_it() {
    // The mounts of `nsadd a b c` in a shared /run/netns: making it shared,
    // then a's, b's (refused here) and c's.
    if !command_or_skip("half_way", "strace", "strace") {
        return;
    }
    let Some(r) = lab(
        "half_way",
        NSADD,
        &format!(
            "nsadd x
            strace -f -qq -o /dev/null -e trace=mount -e inject=mount:error=EPERM:when=3 nsadd a b c
            echo status=$?; ls -A /run/netns; {NETNS_MOUNTS}"
        ),
    ) else {
        return;
    };
    assert_eq!(r.stdout, "status=1\nx\n1\n", "{r:?}");
    assert_eq!(
        r.stderr,
        "nsadd: b: cannot bind-mount namespace: Operation not permitted (needs CAP_SYS_ADMIN)\n"
    );
}

#[test]
fn a_lock_that_cannot_be_taken_is_reported() {
    if !command_or_skip("lock", "strace", "strace") {
        return;
    }
    let Some(r) = lab(
        "lock",
        NSADD,
        "nsadd red
        for args in -l '-d red' '-d --all' red; do
            strace -f -qq -o /dev/null -e trace=flock -e inject=flock:error=ENOLCK nsadd $args
            echo \"$args: $?\"
        done
        nsadd -l",
    ) else {
        return;
    };
    assert_eq!(
        r.stdout, "-l: 1\n-d red: 1\n-d --all: 1\nred: 1\nred\n",
        "{r:?}"
    );
    assert_eq!(
        r.stderr,
        "nsadd: /run/netns: cannot lock: No locks available\n".repeat(4)
    );
}

#[test]
fn bad_names_are_refused_and_create_nothing() {
    let long = "n".repeat(256);
    let cases: &[(&str, &str)] = &[
        ("''", "\"\": invalid namespace name: is empty"),
        ("a/b", "a/b: invalid namespace name: may not contain '/'"),
        (".", ".: invalid namespace name: may not be \".\" or \"..\""),
        (
            "..",
            "..: invalid namespace name: may not be \".\" or \"..\"",
        ),
        (
            "-- -x",
            "-x: invalid namespace name: may not start with '-'",
        ),
        (
            "\"$(printf 'a\\nb')\"",
            "\"a\\nb\": invalid namespace name: may not contain control characters",
        ),
        (
            "\"$(printf 'a\\033b')\"",
            "\"a\\u{1b}b\": invalid namespace name: may not contain control characters",
        ),
        (&long, "invalid namespace name: is longer than 255 bytes"),
    ];
    for (arg, message) in cases {
        let Some(r) = lab(
            "bad_names",
            NSADD,
            &format!("nsadd good {arg}; echo status=$?; ls -A /run/netns 2>/dev/null | wc -l"),
        ) else {
            return;
        };
        assert_eq!(r.stdout, "status=2\n0\n", "{arg}: {r:?}");
        assert_eq!(r.stderr.lines().count(), 1, "{arg}: {r:?}");
        assert!(r.stderr.starts_with("nsadd: "), "{arg}: {r:?}");
        assert!(r.stderr.contains(message), "{arg}: {r:?}");
        assert!(
            r.stderr.ends_with(" (try 'nsadd --help')\n"),
            "{arg}: {r:?}"
        );
    }
}

#[test]
fn help_version_and_usage_errors() {
    let Some(r) = lab(
        "help",
        NSADD,
        "nsadd --help | head -1; echo h=$?; nsadd -V; nsadd; echo none=$?; nsadd --bogus; echo bogus=$?",
    ) else {
        return;
    };
    assert_eq!(
        r.stdout,
        format!(
            "Usage: nsadd [-p] NAME...                create network namespaces\nh=0\nnsadd (nstools) {}\nnone=2\nbogus=2\n",
            env!("CARGO_PKG_VERSION")
        )
    );
    assert_eq!(
        r.stderr,
        "nsadd: missing namespace NAME (try 'nsadd --help')\nnsadd: invalid option '--bogus' (try 'nsadd --help')\n"
    );
}

#[test]
fn without_privilege_it_says_so_and_creates_nothing() {
    // setpriv drops every capability while staying uid 0 on the tmpfs.
    if !command_or_skip("unprivileged", "setpriv", "util-linux") {
        return;
    }
    let Some(r) = lab(
        "unprivileged",
        NSADD,
        "setpriv --inh-caps=-all --bounding-set=-all nsadd red; echo status=$?
        ls -A /run/netns 2>/dev/null | wc -l",
    ) else {
        return;
    };
    assert_eq!(r.stdout, "status=1\n0\n", "{r:?}");
    assert_eq!(r.stderr.lines().count(), 1, "{r:?}");
    assert!(r.stderr.contains("(needs CAP_SYS_ADMIN)"), "{r:?}");
}

#[test]
fn a_missing_run_is_made_first() {
    // The first mkdir is told ENOENT, as on a system with no /run yet.
    if !command_or_skip("no_run_dir", "strace", "strace") {
        return;
    }
    let Some(r) = lab(
        "no_run_dir",
        NSADD,
        "strace -f -qq -o /dev/null -e trace=mkdirat -e inject=mkdirat:error=ENOENT:when=1 nsadd red
        nsadd -l",
    ) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "red\n", ""),
        "{r:?}"
    );
}

#[test]
fn delete_all_leaves_run_netns_as_ip_makes_it_and_clears_it_everywhere() {
    // Made by both tools, a stale entry, a link; and a mount namespace that
    // shares /run/netns, as another shell's may.
    let Some(r) = lab(
        "delete_all_everywhere",
        NSADD,
        "set -e
        nsadd a b; ip netns add c; touch /run/netns/stale; ln -s /run/netns/a /run/netns/link
        unshare -m --propagation unchanged sh -c 'echo $$ > /run/peer; exec sleep 600' &
        until test -s /run/peer; do sleep 0.01; done; peer=$(cat /run/peer)
        nsadd -d --all
        ls -A /run/netns | wc -l
        grep -c ' /run/netns/' /proc/self/mountinfo || true
        grep -c ' /run/netns/' /proc/$peer/mountinfo || true
        grep ' /run/netns ' /proc/self/mountinfo | grep -c shared:
        ip netns add d; nsadd e; ip netns list | cut -d' ' -f1 | sort | tr '\\n' ' '
        nsadd -d --all; kill $peer",
    ) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "0\n0\n0\n1\nd e ", ""),
        "{r:?}"
    );
}

#[test]
fn names_that_are_every_entry_go_at_once_others_one_by_one() {
    // At once, /run/netns is unmounted whole and bound again: a new mount
    // id. Some of them: each alone, the rest untouched.
    let Some(r) = lab(
        "delete_every_name",
        NSADD,
        "set -e
        id() { awk '$5 == \"/run/netns\" { print $1 }' /proc/self/mountinfo; }
        nsadd a b c; ip -n c link add x type veth peer name y; before=$(id)
        nsadd -d a b; test \"$(id)\" = \"$before\" && echo one by one
        ip -n c -br link show x | cut -d@ -f1
        nsadd d; before=$(id)
        nsadd -d c d nosuch -f; test \"$(id)\" != \"$before\" && echo at once
        ls -A /run/netns | wc -l
        grep ' /run/netns ' /proc/self/mountinfo | grep -c shared:
        nsadd e; nsadd -l",
    ) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "one by one\nx\nat once\n0\n1\ne\n", ""),
        "{r:?}"
    );
}

#[test]
fn delete_all_on_a_run_netns_of_its_own_filesystem() {
    // /run/netns a tmpfs of its own, not the bind of itself that ip makes:
    // each namespace is unmounted in turn, and the tmpfs stays.
    let Some(r) = lab(
        "delete_all_tmpfs",
        NSADD,
        &format!(
            "set -e
            mkdir /run/netns; mount -t tmpfs netns /run/netns
            nsadd a b c; nsadd -d --all
            ls -A /run/netns | wc -l; {NETNS_MOUNTS}
            grep -c ' /run/netns .* tmpfs netns' /proc/self/mountinfo"
        ),
    ) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "0\n0\n1\n", ""),
        "{r:?}"
    );
}
