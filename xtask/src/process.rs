//! Running a helper program (apt-get, dpkg-deb, rustc, ip …) and judging
//! how it ended, the same way for every subcommand.

use std::process::Command;

use anyhow::{bail, Context, Result};

/// `command` as a shell would show it, without quotes.
pub fn shown(command: &Command) -> String {
    format!("{command:?}").replace('"', "")
}

/// Runs `command` after printing it as `WHO: + COMMAND`; its output goes
/// where ours goes. Fails unless it succeeds.
pub fn run(who: &str, command: &mut Command) -> Result<()> {
    let shown = shown(command);
    println!("{who}: + {shown}");
    let status = command
        .status()
        .with_context(|| format!("running {shown}"))?;
    if !status.success() {
        bail!("{shown} failed ({status})");
    }
    Ok(())
}

/// What `command` prints; fails, with what it said on stderr, unless it
/// succeeds.
pub fn output(command: &mut Command) -> Result<String> {
    let shown = shown(command);
    let out = command
        .output()
        .with_context(|| format!("running {shown}"))?;
    if !out.status.success() {
        bail!(
            "{shown} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_says_the_command_its_status_and_its_last_words() {
        let mut sh = Command::new("sh");
        sh.args(["-c", "echo out; echo why >&2; exit 3"]);
        assert_eq!(shown(&sh), "sh -c echo out; echo why >&2; exit 3");
        let error = output(&mut sh).unwrap_err().to_string();
        assert!(error.ends_with("failed (exit status: 3): why"), "{error}");
        assert_eq!(output(Command::new("echo").arg("hi")).unwrap(), "hi\n");
        assert!(run("test", &mut Command::new("true")).is_ok());
        assert!(run("test", &mut Command::new("/nonexistent")).is_err());
    }
}
