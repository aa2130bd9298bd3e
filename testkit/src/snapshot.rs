//! The state a tool may change, printed so that a test can compare it
//! before and after a run.

/// A shell function, `snapshot`, that prints the entries of `/run/netns`
/// and their mounts, and for this namespace and each named one its links,
/// addresses and routes. MAC addresses and operational states are left out:
/// they differ from one lab to the next.
pub const SNAPSHOT: &str = r#"
snapshot() {
    ls -A /run/netns 2>/dev/null
    grep -o ' /run/netns[^ ]* ' /proc/self/mountinfo
    for ns in "" $(ls /run/netns 2>/dev/null); do
        echo "== ${ns:-this namespace}"
        ip ${ns:+-n "$ns"} -o link 2>/dev/null | sed 's/ state [A-Z]*//; s/link.ether [^ ]*//'
        ip ${ns:+-n "$ns"} -o addr 2>/dev/null
        ip ${ns:+-n "$ns"} route 2>/dev/null
        ip ${ns:+-n "$ns"} -6 route 2>/dev/null
    done
}
"#;
