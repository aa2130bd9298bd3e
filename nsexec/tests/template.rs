//! nsexec with many namespaces mounted, on a mount table that propagates
//! (as systemd sets it up): the command gets a copy of the exec template,
//! so its cost does not grow with the namespaces, and sees what it would
//! see otherwise, but for the namespaces in /run/netns (`--all-mounts`
//! has those too). Each test in its own sandbox, /run/netns filled by ip.

use testkit::lab;

const NSEXEC: &str = env!("CARGO_BIN_EXE_nsexec");

/// A shared mount table, as on a systemd host, /run/user a mount of its
/// own, a private /etc (the host's is never touched) with red's files,
/// and 140 namespaces: with the copies that a shared /run makes, more
/// mounts than nsexec copies whole.
const LAB: &str = "set -e
    mount --make-rshared /
    mkdir -p /run/user; mount -t tmpfs user /run/user
    mount -t tmpfs etc /etc; echo host > /etc/hosts
    mkdir -p /etc/netns/n1; echo n1 > /etc/netns/n1/hosts
    for i in $(seq 1 140); do ip netns add n$i; done
    ip -n n1 link add va type veth peer name vb";

/// What the command sees: few mounts or many, the namespaces in
/// /run/netns, /sys's interfaces, /etc/hosts, its directory, and how many
/// mounts are on /run/user.
const LOOK: &str = "sh -c 'n=$(wc -l < /proc/self/mountinfo); \
    if [ $n -lt 100 ]; then echo -n \"few \"; else echo -n \"many \"; fi; \
    echo $(ls /run/netns | wc -l) $(ls /sys/class/net | tr \"\\n\" ,) \
    $(cat /etc/hosts) $(pwd) $(grep -c \" /run/user\" /proc/self/mountinfo)'";

#[test]
fn the_command_sees_its_namespace_and_few_mounts() {
    let script = format!(
        "{LAB}
        cd /tmp
        nsexec n1 {LOOK}
        ls /run/nstools | wc -l
        mkdir /run/user/1000; mount -t tmpfs later /run/user/1000
        nsexec n1 {LOOK}
        ls /run/nstools | wc -l
        nsexec --all-mounts n1 {LOOK}"
    );
    let Some(r) = lab("template_view", NSEXEC, &script) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            0,
            "few 0 lo,va,vb, n1 /tmp 1\n1\n\
             few 0 lo,va,vb, n1 /tmp 2\n1\n\
             many 140 lo,va,vb, n1 /tmp 2\n",
            ""
        ),
        "{r:?}"
    );
}

#[test]
fn mounts_made_inside_never_reach_the_caller() {
    let script = format!(
        "{LAB}
        nsexec n1 true  # the template's own mounts, once
        before=$(wc -l < /proc/self/mountinfo)
        nsexec n1 sh -c 'mount -t tmpfs leak /mnt; grep -c \" /mnt \" /proc/self/mountinfo'
        test \"$before\" = \"$(wc -l < /proc/self/mountinfo)\" && echo same-mounts
        grep -c ' /mnt ' /proc/self/mountinfo || true"
    );
    let Some(r) = lab("template_no_leaks", NSEXEC, &script) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "1\nsame-mounts\n0\n"),
        "{r:?}"
    );
}

#[test]
fn a_template_that_grew_is_made_again() {
    // Each namespace added later reaches the template through /run: past
    // a margin it is made again, and stays small.
    let script = format!(
        "{LAB}
        cd /tmp; nsexec n1 true; first=$(stat -c %i /run/nstools/*)
        for i in $(seq 141 240); do ip netns add n$i; done
        nsexec n1 {LOOK}
        test \"$first\" != \"$(stat -c %i /run/nstools/*)\" && echo remade
        ls /run/nstools | wc -l"
    );
    let Some(r) = lab("template_remade", NSEXEC, &script) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "few 0 lo,va,vb, n1 /tmp 1\nremade\n1\n", ""),
        "{r:?}"
    );
}

#[test]
fn a_chrooted_caller_stays_in_its_root() {
    // A template shows the whole tree: a caller chrooted below it gets the
    // plain copy of its own view instead.
    let script = format!(
        "{LAB}
        mkdir /run/jail; mount --bind /run/jail /run/jail
        for d in bin sbin usr lib lib64 proc sys dev etc tmp; do
            test -e /$d || continue
            if test -L /$d; then ln -s $(readlink /$d) /run/jail/$d
            else mkdir /run/jail/$d; mount --rbind /$d /run/jail/$d; fi
        done
        mkdir -p /run/jail/run/netns /run/jail/nsexec-bin
        mount --bind $(dirname $(command -v nsexec)) /run/jail/nsexec-bin
        touch /run/jail/inside-the-jail
        chroot /run/jail /nsexec-bin/nsexec /proc/self/ns/net sh -c 'ls /inside-the-jail'"
    );
    let Some(r) = lab("template_chroot", NSEXEC, &script) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "/inside-the-jail\n", ""),
        "{r:?}"
    );
}
