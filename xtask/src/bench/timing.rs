//! Timing whole commands, ours against an anchor, interleaved (A B A B …)
//! so that drift in the machine's state hits both alike; medians.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

/// One command line, split on spaces (the benchmark needs no quoting).
pub type Argv = Vec<String>;

pub fn argv(line: &str) -> Argv {
    line.split_whitespace().map(String::from).collect()
}

/// Runs each command in turn, quietly; fails on the first that fails.
pub fn run_all(commands: &[Argv]) -> Result<()> {
    for argv in commands {
        let output = Command::new(&argv[0])
            .args(&argv[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .with_context(|| format!("running {}", argv.join(" ")))?;
        if !output.status.success() {
            bail!(
                "{} failed ({}): {}",
                argv.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
    }
    Ok(())
}

/// How long `commands` take, run one after the other.
pub fn time(commands: &[Argv]) -> Result<Duration> {
    let start = Instant::now();
    run_all(commands)?;
    Ok(start.elapsed())
}

/// One way of doing a step: what to time for run `i`, and what to run
/// afterwards, untimed, to put things back; and how the table shows it.
pub struct Contender<'a> {
    /// The command as the table names it: `ip netns add NS`.
    pub name: String,
    /// Whether an anchor gets a row of its own against ours.
    pub listed: bool,
    /// The goal for ours against this anchor, as a maximum ratio.
    pub goal: Option<f64>,
    pub prepare: Box<dyn Fn(usize) -> Vec<Argv> + 'a>,
    pub timed: Box<dyn Fn(usize) -> Vec<Argv> + 'a>,
    pub undo: Box<dyn Fn(usize) -> Vec<Argv> + 'a>,
}

impl<'a> Contender<'a> {
    pub fn new(
        name: impl Into<String>,
        timed: impl Fn(usize) -> Vec<Argv> + 'a,
        undo: impl Fn(usize) -> Vec<Argv> + 'a,
    ) -> Contender<'a> {
        Contender {
            name: name.into(),
            listed: true,
            goal: None,
            prepare: Box::new(|_| Vec::new()),
            timed: Box::new(timed),
            undo: Box::new(undo),
        }
    }

    /// The same `command` every run.
    pub fn same(
        name: impl Into<String>,
        command: Argv,
        undo: impl Fn(usize) -> Vec<Argv> + 'a,
    ) -> Contender<'a> {
        Contender::new(name, move |_| vec![command.clone()], undo)
    }

    /// Something to run, untimed, before each timed run.
    pub fn prepare(mut self, prepare: impl Fn(usize) -> Vec<Argv> + 'a) -> Contender<'a> {
        self.prepare = Box::new(prepare);
        self
    }

    /// The goal for ours against this anchor.
    pub fn goal(self, goal: f64) -> Contender<'a> {
        Contender {
            goal: Some(goal),
            ..self
        }
    }

    /// Measured for the medians, but without a row of its own.
    pub fn unlisted(self) -> Contender<'a> {
        Contender {
            listed: false,
            ..self
        }
    }
}

/// Medians of each contender over `runs` interleaved rounds.
pub fn compare(runs: usize, contenders: &[Contender<'_>]) -> Result<Vec<Duration>> {
    let mut samples = vec![Vec::with_capacity(runs); contenders.len()];
    for i in 0..runs {
        for (c, contender) in contenders.iter().enumerate() {
            let round = || -> Result<Duration> {
                run_all(&(contender.prepare)(i))?;
                let took = time(&(contender.timed)(i))?;
                run_all(&(contender.undo)(i))?;
                Ok(took)
            };
            samples[c].push(round().with_context(|| format!("{}, run {i}", contender.name))?);
        }
    }
    Ok(samples.iter_mut().map(|s| median(s)).collect())
}

pub fn median(samples: &mut [Duration]) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    samples.sort();
    samples[samples.len() / 2]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians() {
        let mut s = [3, 1, 2].map(Duration::from_millis);
        assert_eq!(median(&mut s), Duration::from_millis(2));
        assert_eq!(median(&mut []), Duration::ZERO);
    }

    #[test]
    fn failures_name_the_command() {
        let e = run_all(&[argv("false")]).unwrap_err().to_string();
        assert!(e.starts_with("false failed"), "{e}");
        assert!(time(&[argv("true")]).is_ok());
    }
}
