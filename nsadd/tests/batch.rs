//! `nsadd --batch` against the real kernel, each test in its own sandbox:
//! good batches from a file and a pipe, a failing line undoing the lines
//! before it (checked against a snapshot of the state), removals that stay
//! removed, SIGTERM mid-batch, and 10,000 lines.

use testkit::lab;

const NSADD: &str = env!("CARGO_BIN_EXE_nsadd");

#[test]
fn lines_from_a_file_and_from_a_pipe() {
    let Some(r) = lab(
        "lines_from_a_file_and_from_a_pipe",
        NSADD,
        r#"set -e
        printf '# the lab\n\nred blue   # two\n  "green"\n' > /run/names
        nsadd --batch /run/names
        printf 'one\ntwo three\n' | nsadd -b -
        ip netns list | cut -d' ' -f1 | sort | tr '\n' ' '; echo
        printf 'red\n"one"\n' | nsadd -d -b -
        printf 'two\nnosuch\n' | nsadd -d -f -b -
        nsadd -l | tr '\n' ' '"#,
    ) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "blue green one red three two \nblue green three ", ""),
        "{r:?}"
    );
}

/// Runs `batch` (lines, printf-escaped) through `nsadd ARGS -b FILE`
/// with a namespace there before, and prints what `rolled_back` does.
fn rolled_back(args: &str, batch: &str) -> String {
    testkit::batch::rolled_back(
        &format!("nsadd keep; printf '{batch}' > /run/batch"),
        &format!("nsadd {args} -b /run/batch"),
    )
}

#[test]
fn a_failing_line_undoes_the_lines_before_it() {
    let script = rolled_back("", "a b\\nc\\nd keep e\\nf\\n");
    let Some(r) = lab("a_failing_line_undoes", NSADD, &script) else {
        return;
    };
    assert_eq!(
        r.stdout, "status=1\nnsadd: /run/batch:3: keep: namespace already exists\nunchanged\n",
        "{r:?}"
    );
}

#[test]
fn a_bad_line_stops_the_batch_as_a_failure() {
    for (batch, message) in [
        (
            "a\\nb/c\\n",
            "2: b/c: invalid namespace name: may not contain '/'",
        ),
        ("a\\n--bogus\\n", "2: invalid option '--bogus'"),
        ("a\\n-l\\n", "2: -l is not for a batch line"),
        ("a\\n-b /run/batch\\n", "2: --batch within a batch"),
        ("a\\n\"b\\n", "2: unterminated double quote"),
    ] {
        let Some(r) = lab("a_bad_line", NSADD, &rolled_back("", batch)) else {
            return;
        };
        assert_eq!(
            r.stdout,
            format!("status=1\nnsadd: /run/batch:{message}\nunchanged\n"),
            "{batch}"
        );
    }
}

#[test]
fn a_failing_batch_removes_nothing() {
    // Names to delete are checked at their line and removed at the end.
    let Some(r) = lab(
        "a_failing_batch_removes_nothing",
        NSADD,
        "nsadd a b c
        printf 'new\\n-d a\\n-d b\\n-d nosuch\\n' | nsadd -b -; echo status=$?
        printf -- '-d a\\n-d a\\n' | nsadd -b -; echo status=$?
        nsadd -l",
    ) else {
        return;
    };
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        (
            "status=1\nstatus=1\na\nb\nc\n",
            "nsadd: -:4: nosuch: no such network namespace\n\
             nsadd: -:2: a: no such network namespace\n"
        ),
        "{r:?}"
    );
}

#[test]
fn removals_before_a_line_that_creates_stay_removed_and_are_counted() {
    let Some(r) = lab(
        "removals_stay_removed",
        NSADD,
        "nsadd a b c
        printf -- '-d a\\n-d b\\nnew\\nc\\n' | nsadd -b -; echo status=$?
        printf -- '-d c\\nc\\n' | nsadd -b -; echo status=$?
        nsadd -l",
    ) else {
        return;
    };
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        (
            "status=1\nstatus=0\nc\n",
            "nsadd: -:4: c: namespace already exists \
             (not undone: 2 namespaces removed by earlier lines)\n"
        ),
        "{r:?}"
    );
}

#[test]
fn a_batch_that_deletes_every_entry_does_it_at_once() {
    let Some(r) = lab(
        "every_entry_at_once",
        NSADD,
        "set -e
        id() { awk '$5 == \"/run/netns\" { print $1 }' /proc/self/mountinfo; }
        seq 300 | sed 's/^/n/' | nsadd -b -; ip netns add byip; before=$(id)
        { seq 300 | sed 's/^/-d n/'; echo '-d byip nosuch -f'; } | nsadd -b -
        test \"$(id)\" != \"$before\" && echo at once
        ls -A /run/netns | wc -l; grep -c ' /run/netns/' /proc/self/mountinfo || true
        nsadd again; nsadd -l",
    ) else {
        return;
    };
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (0, "at once\n0\n0\nagain\n", ""),
        "{r:?}"
    );
}

#[test]
fn options_beside_batch_apply_to_every_line() {
    let Some(r) = lab(
        "options_beside_batch",
        NSADD,
        "set -e
        nsadd a
        printf 'a\\nb\\n' | nsadd -p -b -
        printf 'a\\nnosuch\\n' | nsadd -df --batch=-
        nsadd -l",
    ) else {
        return;
    };
    assert_eq!((r.code, r.stdout.as_str()), (0, "b\n"), "{r:?}");
}

#[test]
fn sigterm_mid_batch_undoes_it() {
    let script = testkit::batch::sigterm(
        "nsadd keep",
        "nsadd",
        "a\\nb\\n",
        "grep -q ' /run/netns/b ' /proc/self/mountinfo",
    );
    let Some(r) = lab("sigterm_mid_batch", NSADD, &script) else {
        return;
    };
    assert_eq!(
        r.stdout, "status=143\nnsadd: /run/fifo:2: stopped by SIGTERM\nunchanged\n",
        "{r:?}"
    );
}

#[test]
fn ten_thousand_lines() {
    // 10,000 lines over 40 names: with -p every line after the 40th finds
    // its namespace there; without, the 41st fails and all 40 go again.
    let Some(r) = lab(
        "ten_thousand_lines",
        NSADD,
        "seq 0 9999 | awk '{ print \"n\" $1 % 40 }' > /run/batch
        nsadd -p -b /run/batch; echo status=$?
        ls /run/netns | wc -l
        nsadd -d --all
        nsadd -b /run/batch; echo status=$?
        ls /run/netns | wc -l",
    ) else {
        return;
    };
    assert_eq!(
        (r.stdout.as_str(), r.stderr.as_str()),
        (
            "status=0\n40\nstatus=1\n0\n",
            "nsadd: /run/batch:41: n0: namespace already exists\n"
        ),
        "{r:?}"
    );
}
