//! Shell scripts for the `--batch` tests of every tool: a batch that must
//! leave the state as it found it, and a batch stopped by SIGTERM.

use crate::SNAPSHOT;

/// Runs `setup`, then `command` (a batch expected to fail, its stderr
/// shown on stdout), and prints `status=N`, the stderr, and `unchanged`
/// when the state after is the state before (else the difference).
pub fn rolled_back(setup: &str, command: &str) -> String {
    format!(
        "{SNAPSHOT}
        {setup}
        snapshot > /run/before
        {command} 2>/run/err; echo status=$?
        cat /run/err
        snapshot > /run/after
        cmp -s /run/before /run/after && echo unchanged || diff /run/before /run/after"
    )
}

/// Runs `setup`, then `tool -b /run/fifo` with `lines` (printf-escaped)
/// written to the FIFO and the FIFO held open; once `ready` (a shell
/// test) holds (or it has not for 30 seconds: something is broken),
/// SIGTERM; then prints as [`rolled_back`] does.
pub fn sigterm(setup: &str, tool: &str, lines: &str, ready: &str) -> String {
    rolled_back(
        &format!("{setup}\nmkfifo /run/fifo"),
        // In a subshell, whose own notice of the kill goes nowhere.
        &format!(
            "{{ ( {tool} -b /run/fifo 2>/run/tool-err & pid=$!
            exec 3>/run/fifo
            printf '{lines}' >&3
            n=0; until {ready}; do
                n=$((n + 1)); [ $n -lt 3000 ] || {{ echo never ready >>/run/tool-err; break; }}; sleep 0.01
            done
            kill -TERM $pid; wait $pid ) 2>/dev/null
            status=$?; cat /run/tool-err >&2; (exit $status); }}"
        ),
    )
}
