//! The time of the commit being built: the one date stamped on everything
//! a release holds (man pages, archive entries), so that two builds of a
//! commit are the same byte for byte. `SOURCE_DATE_EPOCH`, where set, wins,
//! as reproducible-builds.org asks.

use std::process::Command;

use anyhow::{Context, Result};

use crate::{paths, process};

/// Seconds since the epoch: `SOURCE_DATE_EPOCH`, else the commit's time.
pub fn epoch() -> Result<u64> {
    if let Some(value) = std::env::var_os("SOURCE_DATE_EPOCH") {
        let value = value.to_string_lossy();
        return value
            .trim()
            .parse()
            .with_context(|| format!("SOURCE_DATE_EPOCH={value}: not a number of seconds"));
    }
    let mut git = Command::new("git");
    git.current_dir(paths::root())
        .args(["log", "-1", "--format=%ct"]);
    let out = process::output(&mut git).context("the commit time (or set SOURCE_DATE_EPOCH)")?;
    out.trim()
        .parse()
        .with_context(|| format!("git log -1 --format=%ct said {out:?}"))
}

/// `YYYY-MM-DD` (UTC) of `epoch`.
pub fn date(epoch: u64) -> String {
    let (year, month, day) = civil(epoch / 86_400);
    format!("{year:04}-{month:02}-{day:02}")
}

/// The proleptic Gregorian date of a day number (days since 1970-01-01),
/// by Howard Hinnant's `civil_from_days`.
fn civil(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(date(1_735_689_599), "2024-12-31");
        assert_eq!(date(1_764_633_600), "2025-12-02");
    }

    #[test]
    fn the_commit_has_a_time() {
        assert!(epoch().unwrap() > 1_700_000_000);
    }
}
