//! Faults injected into nsadd's system calls with strace: an error (ENOMEM,
//! EPERM, ENOSPC) or SIGKILL at the 1st, 2nd or 3rd call of each kind.
//! Afterwards the namespace either exists fully, or is absent, or (only
//! after SIGKILL, or a delete that unmounted but could not unlink) is a
//! stale entry that `nsadd -l` reports and `nsadd -d` removes — and the
//! next `nsadd` of that name works.

use testkit::{command_or_skip, run, usable_or_skip};

const NSADD: &str = env!("CARGO_BIN_EXE_nsadd");
const SYSCALLS: &[&str] = &[
    "mkdirat", "open", "openat", "flock", "mount", "unshare", "unlinkat", "umount2",
];
const FAULTS: &[&str] = &[
    "error=ENOMEM",
    "error=EPERM",
    "error=ENOSPC",
    "signal=SIGKILL",
];

/// Judges the state after a faulted command, then checks the lab still
/// works: prints `ok` or what was wrong.
const CHECK: &str = r#"
lines=$(wc -l < /run/err)
case $status in
  0) test "$lines" = 0 || echo "success with stderr: $(cat /run/err)" ;;
  137) ;;
  1) test "$lines" = 1 && grep -q '^nsadd: ' /run/err || echo "bad stderr: $(cat /run/err)" ;;
  *) echo "status $status: $(cat /run/err)" ;;
esac
live=$(nsadd -l 2>/run/list-err)
if grep -q stale /run/list-err; then
  test "$status" != 0 || echo "stale entry after success"
  nsadd -d red || echo "stale entry not removable"
elif test -e /run/netns/red; then
  test "$live" = red || echo "red exists but is not listed: $live"
fi
nsadd -df red && nsadd red && nsadd -d red || echo "lab broken afterwards"
test -z "$(ls -A /run/netns)" || echo "left behind: $(ls -A /run/netns)"
test "$(grep -c ' /run/netns/' /proc/self/mountinfo)" = 0 || echo "mount left behind"
echo ok
"#;

fn inject(setup: &str, command: &str) -> usize {
    if !usable_or_skip("faults") || !command_or_skip("faults", "strace", "strace") {
        return 0;
    }
    let mut injected = 0;
    for syscall in SYSCALLS {
        for fault in FAULTS {
            for when in 1..=3 {
                let script = format!(
                    "{setup}
                    strace -f -qq -o /run/trace -e trace={syscall} \
                        -e inject={syscall}:{fault}:when={when} {command} 2>/run/err
                    status=$?
                    grep -q INJECTED /run/trace && echo injected
                    {CHECK}"
                );
                let r = run(&script, NSADD);
                let verdict = r.stdout.strip_prefix("injected\n");
                injected += usize::from(verdict.is_some());
                assert_eq!(
                    verdict.unwrap_or(&r.stdout),
                    "ok\n",
                    "{command} with {syscall}:{fault}:when={when}: {r:?}"
                );
            }
        }
    }
    injected
}

#[test]
fn faults_while_creating_leave_a_whole_namespace_or_none() {
    let injected = inject("", "nsadd red");
    eprintln!("{injected} faults injected into nsadd red");
    assert!(
        injected >= 30 || !testkit::sandbox::available(),
        "{injected}"
    );
}

#[test]
fn faults_while_creating_in_an_existing_run_dir() {
    let injected = inject("nsadd other && nsadd -d other", "nsadd red");
    eprintln!("{injected} faults injected into nsadd red (existing /run/netns)");
}

#[test]
fn faults_while_deleting_leave_it_whole_gone_or_stale() {
    let injected = inject("nsadd red", "nsadd -d red");
    eprintln!("{injected} faults injected into nsadd -d red");
    assert!(
        injected >= 8 || !testkit::sandbox::available(),
        "{injected}"
    );
}
