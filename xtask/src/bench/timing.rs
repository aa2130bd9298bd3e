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
/// afterwards, untimed, to put things back.
pub struct Contender<'a> {
    pub name: String,
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
            prepare: Box::new(|_| Vec::new()),
            timed: Box::new(timed),
            undo: Box::new(undo),
        }
    }

    /// Something to run, untimed, before each timed run.
    pub fn prepare(mut self, prepare: impl Fn(usize) -> Vec<Argv> + 'a) -> Contender<'a> {
        self.prepare = Box::new(prepare);
        self
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

/// Milliseconds with three decimals, for tables.
pub fn ms(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64() * 1e3)
}

pub fn ratio(ours: Duration, anchor: Duration) -> f64 {
    ours.as_secs_f64() / anchor.as_secs_f64().max(1e-9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_and_ratios() {
        let mut s = [3, 1, 2].map(Duration::from_millis);
        assert_eq!(median(&mut s), Duration::from_millis(2));
        assert_eq!(median(&mut []), Duration::ZERO);
        assert_eq!(ms(Duration::from_micros(1500)), "1.500");
        assert!((ratio(Duration::from_millis(1), Duration::from_millis(4)) - 0.25).abs() < 1e-9);
    }

    #[test]
    fn failures_name_the_command() {
        let e = run_all(&[argv("false")]).unwrap_err().to_string();
        assert!(e.starts_with("false failed"), "{e}");
        assert!(time(&[argv("true")]).is_ok());
    }
}
