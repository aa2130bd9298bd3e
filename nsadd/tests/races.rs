//! Concurrent nsadd calls, as racing Makefile recipes make them: the lock
//! on /run/netns keeps every outcome exact.

use testkit::lab;

const NSADD: &str = env!("CARGO_BIN_EXE_nsadd");

#[test]
fn fifty_racing_creates_of_one_name_make_one_namespace() {
    let Some(r) = lab(
        "same_name_race",
        NSADD,
        "for i in $(seq 50); do (nsadd same 2>>/run/err; echo $? >> /run/codes) & done; wait
        sort /run/codes | uniq -c | awk '{print $2\"x\"$1}'
        sort /run/err | uniq -c | awk '{$1=$1; print}'
        ls /run/netns
        grep -c ' /run/netns/same ' /proc/self/mountinfo",
    ) else {
        return;
    };
    assert_eq!(
        r.stdout, "0x1\n1x49\n49 nsadd: same: namespace already exists\nsame\n1\n",
        "{r:?}"
    );
}

#[test]
fn a_hundred_racing_creates_of_distinct_names_all_succeed() {
    let Some(r) = lab(
        "distinct_names_race",
        NSADD,
        "for i in $(seq 100); do (nsadd ns$i; echo $? >> /run/codes) & done; wait
        sort -u /run/codes
        ls /run/netns | wc -l
        grep -c ' /run/netns/ns' /proc/self/mountinfo
        nsadd -l | wc -l
        nsadd -d --all; ls /run/netns | wc -l; grep -c ' /run/netns/ns' /proc/self/mountinfo",
    ) else {
        return;
    };
    assert_eq!(r.stdout, "0\n100\n100\n100\n0\n0\n", "{r:?}");
    assert_eq!(r.stderr, "");
}

#[test]
fn twenty_racing_first_calls_make_one_shared_mount_not_a_stack() {
    // Mounts of the sandbox's /run tmpfs have root /netns; a /run/netns of
    // the host's, hidden under that tmpfs, would show its own root.
    let Some(r) = lab(
        "first_call_race",
        NSADD,
        "test -e /run/netns && echo unexpected
        for i in $(seq 20); do nsadd first$i & done; wait
        grep ' /netns /run/netns ' /proc/self/mountinfo | wc -l
        nsadd -l | wc -l",
    ) else {
        return;
    };
    assert_eq!(r.stdout, "1\n20\n", "{r:?}");
}

#[test]
fn racing_deletes_and_lists_never_see_a_half_made_namespace() {
    let Some(r) = lab(
        "create_list_delete_race",
        NSADD,
        "for i in $(seq 30); do (nsadd n$i; nsadd -d n$i) & nsadd -l >/dev/null & done; wait
        ls -A /run/netns | wc -l
        grep -c ' /run/netns/n' /proc/self/mountinfo",
    ) else {
        return;
    };
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        ("0\n0\n", ""),
        "{r:?}"
    );
}
