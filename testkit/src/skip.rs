//! Skipping what cannot run here, loudly: a test that lacks what it needs
//! (a sandbox, a command, root) says so on stderr and passes — except under
//! `CI=true`, where that is a failure, so a CI run can never pass by
//! skipping.

/// Skips (part of) `test` because of `why`: a note on stderr, or a panic
/// under `CI=true`. Returns false, for `if !…_or_skip(…) { return; }`.
pub fn skip(test: &str, why: &str) -> bool {
    if std::env::var_os("CI").is_some_and(|v| v == "true") {
        panic!("{test}: {why}, and CI=true");
    }
    eprintln!("{test}: skipped: {why}");
    false
}

/// True when a sandbox can be made; else skips `test`.
pub fn usable_or_skip(test: &str) -> bool {
    crate::sandbox::available()
        || skip(
            test,
            "cannot create a sandbox (needs root or unprivileged user namespaces)",
        )
}

/// True when `command` (e.g. iputils' `ping`, from `package`) can be run
/// here; else skips the part of `test` that needs it.
pub fn command_or_skip(test: &str, command: &str, package: &str) -> bool {
    let found = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(dir.join(command))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    });
    found
        || skip(
            test,
            &format!("{command} is not installed (package {package})"),
        )
}

/// True when running as root; else skips `test`, which needs it.
pub fn root_or_skip(test: &str, why: &str) -> bool {
    rustix::process::geteuid().is_root() || skip(test, &format!("needs root {why}"))
}
