//! The benchmark's markdown: one table of comparisons, each with its goal.

use std::fmt::Write;
use std::time::Duration;

use super::timing::{ms, ratio};

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
    /// A timing row: lower is better.
    pub fn time(
        what: &str,
        ours: &str,
        anchor: &str,
        times: (Duration, Duration),
        goal: Option<f64>,
    ) -> Row {
        Row {
            what: what.into(),
            ours: ours.into(),
            anchor: anchor.into(),
            ours_value: format!("{} ms", ms(times.0)),
            anchor_value: format!("{} ms", ms(times.1)),
            ratio: ratio(times.0, times.1),
            goal,
            at_least: false,
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
        let mut slow = Row::time("x", "a", "b", (ms(4), ms(4)), Some(0.5));
        assert_eq!(slow.met(), Some(false));
        slow.at_least = true;
        slow.goal = Some(1.0);
        assert_eq!(slow.met(), Some(true));
    }
}
