//! The benchmark's markdown: one table of comparisons, each with its goal.

use std::fmt::Write;
use std::time::Duration;

use anyhow::Result;

use super::timing::{compare, Contender};

/// One line of the table: ours against one anchor.
pub struct Row {
    pub what: String,
    pub ours: String,
    pub anchor: String,
    pub ours_value: String,
    pub anchor_value: String,
    pub ratio: f64,
    /// The goal as a maximum ratio (or, with `at_least`, a minimum).
    pub goal: Option<f64>,
    pub at_least: bool,
}

impl Row {
    /// Ours against the anchor on one measure, `values` as `shown`, with
    /// their ratio; no goal yet.
    pub fn new(
        what: &str,
        ours: &str,
        anchor: &str,
        values: [f64; 2],
        shown: impl Fn(f64) -> String,
    ) -> Row {
        Row {
            what: what.into(),
            ours: ours.into(),
            anchor: anchor.into(),
            ours_value: shown(values[0]),
            anchor_value: shown(values[1]),
            ratio: values[0] / values[1].max(1e-9),
            goal: None,
            at_least: false,
        }
    }

    /// A timing row: lower is better.
    pub fn time(
        what: &str,
        ours: &str,
        anchor: &str,
        times: (Duration, Duration),
        goal: Option<f64>,
    ) -> Row {
        let seconds = [times.0, times.1].map(|t| t.as_secs_f64());
        Row {
            goal,
            ..Row::new(what, ours, anchor, seconds, |s| format!("{:.3} ms", s * 1e3))
        }
    }

    pub fn met(&self) -> Option<bool> {
        self.goal.map(|g| {
            if self.at_least {
                self.ratio >= g
            } else {
                self.ratio <= g
            }
        })
    }
}

/// Times `contenders` (ours first) `runs` times, interleaved, and adds a
/// row `what` for ours against each listed anchor; returns the medians.
pub fn versus(
    what: &str,
    runs: usize,
    contenders: &[Contender<'_>],
    rows: &mut Vec<Row>,
) -> Result<Vec<Duration>> {
    let m = compare(runs, contenders)?;
    let ours = &contenders[0].name;
    for (anchor, &time) in contenders.iter().zip(&m).skip(1) {
        if anchor.listed {
            rows.push(Row::time(what, ours, &anchor.name, (m[0], time), anchor.goal));
        }
    }
    Ok(m)
}

pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| what | ours | median | anchor | median | ratio | goal | met |\n\
         |---|---|---:|---|---:|---:|---:|:---:|\n",
    );
    for row in rows {
        let goal = match (row.goal, row.at_least) {
            (Some(g), false) => format!("≤ {g}"),
            (Some(g), true) => format!("≥ {g}"),
            (None, _) => String::new(),
        };
        let met = match row.met() {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "",
        };
        let _ = writeln!(
            out,
            "| {} | `{}` | {} | `{}` | {} | {:.2} | {} | {} |",
            row.what, row.ours, row.ours_value, row.anchor, row.anchor_value, row.ratio, goal, met
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_say_whether_their_goal_is_met() {
        let ms = Duration::from_millis;
        let row = Row::time(
            "nsadd",
            "nsadd x",
            "ip netns add x",
            (ms(1), ms(4)),
            Some(0.5),
        );
        assert_eq!(row.met(), Some(true));
        let t = table(&[row]);
        assert!(t.contains("| nsadd | `nsadd x` | 1.000 ms | `ip netns add x` | 4.000 ms | 0.25 | ≤ 0.5 | yes |"), "{t}");
        let quick = Row::time("x", "a", "b", (Duration::from_micros(1500), ms(0)), None);
        assert_eq!(quick.ours_value, "1.500 ms");
        assert_eq!(quick.ratio, 1.5e-3 / 1e-9, "a zero anchor divides by 1 ns");
        let mut slow = Row::time("x", "a", "b", (ms(4), ms(4)), Some(0.5));
        assert_eq!(slow.met(), Some(false));
        slow.at_least = true;
        slow.goal = Some(1.0);
        assert_eq!(slow.met(), Some(true));
    }
}
