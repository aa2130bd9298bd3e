//! The probes of a run, by sequence number: when each went out (on
//! CLOCK_REALTIME, the clock of the kernel's receive stamps), whether it
//! has been answered, and for `--json` which ones are overdue. Send times
//! are kept here, never trusted from a reply.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Now, in nanoseconds since the epoch.
pub fn realtime_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_nanos() as u64
}

pub struct Probes {
    /// Send time of each sequence number (0: never sent).
    sent_ns: Vec<u64>,
    /// Answered (by a reply or an error) since sent, a bit per number.
    answered: Vec<u64>,
    /// `--json`: the oldest probe (by count) not yet answered or reported
    /// lost; every later one is younger, so this is the next to expire.
    oldest: u64,
}

impl Probes {
    pub fn new() -> Probes {
        Probes {
            sent_ns: vec![0; 1 << 16],
            answered: vec![0; (1 << 16) / 64],
            oldest: 1,
        }
    }

    /// Probe `seq` went out at `at_ns`.
    pub fn sent(&mut self, seq: u16, at_ns: u64) {
        self.sent_ns[usize::from(seq)] = at_ns;
        self.set_answered(seq, false);
    }

    /// When probe `seq` went out; None when it never did.
    pub fn sent_at(&self, seq: u16) -> Option<u64> {
        Some(self.sent_ns[usize::from(seq)]).filter(|&t| t != 0)
    }

    /// Probe `seq` was answered, by a reply or an error.
    pub fn answer(&mut self, seq: u16) {
        self.set_answered(seq, true);
    }

    fn answered(&self, seq: u16) -> bool {
        self.answered[usize::from(seq) / 64] & (1 << (seq % 64)) != 0
    }

    fn set_answered(&mut self, seq: u16, on: bool) {
        let word = &mut self.answered[usize::from(seq) / 64];
        if on {
            *word |= 1 << (seq % 64);
        } else {
            *word &= !(1 << (seq % 64));
        }
    }

    /// When the oldest probe not yet answered or reported counts as lost,
    /// `linger` after it went out; None when every probe of the
    /// `transmitted` is settled.
    pub fn next_expiry(&self, transmitted: u64, linger: Duration) -> Option<Instant> {
        if self.oldest > transmitted {
            return None;
        }
        let sent = self.sent_ns[usize::from(self.oldest as u16)];
        let expires = sent.saturating_add(linger.as_nanos() as u64);
        let left = expires.saturating_sub(realtime_ns());
        Some(Instant::now() + Duration::from_nanos(left))
    }

    /// The next probe, oldest first, still unanswered `linger` after it
    /// went out, at `now_ns` (any unanswered one when None, at the end).
    pub fn expired(
        &mut self,
        transmitted: u64,
        linger: Duration,
        now_ns: Option<u64>,
    ) -> Option<u16> {
        while self.oldest <= transmitted {
            let seq = self.oldest as u16;
            if !self.answered(seq) {
                let sent = self.sent_ns[usize::from(seq)];
                let due = sent.saturating_add(linger.as_nanos() as u64);
                // Compared on the one clock: an Instant taken now would
                // always be later, and the probe never due.
                if now_ns.is_some_and(|now| now < due) {
                    return None;
                }
                self.oldest += 1;
                return Some(seq);
            }
            self.oldest += 1;
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sent_and_answered() {
        let mut p = Probes::new();
        assert_eq!(p.sent_at(7), None);
        p.sent(65535, 5);
        p.sent(64, 6);
        assert_eq!((p.sent_at(65535), p.sent_at(64)), (Some(5), Some(6)));
        p.answer(64);
        assert!(p.answered(64) && !p.answered(65535) && !p.answered(63));
        p.sent(64, 7);
        assert!(!p.answered(64));
    }

    #[test]
    fn a_probe_expires_once_its_wait_is_over() {
        let mut p = Probes::new();
        let now = realtime_ns();
        p.sent(1, now - 2_000_000_000);
        p.sent(2, now - 500_000_000);
        let linger = Duration::from_secs(1);
        assert_eq!(p.expired(2, linger, Some(now)), Some(1));
        assert_eq!(p.expired(2, linger, Some(now)), None);
        assert_eq!(p.expired(2, linger, Some(now + 500_000_000)), Some(2));
    }

    #[test]
    fn at_the_end_every_unanswered_probe_has_expired() {
        let mut p = Probes::new();
        let now = realtime_ns();
        for seq in 1..=3 {
            p.sent(seq, now);
        }
        p.answer(2);
        let linger = Duration::from_secs(100);
        assert_eq!(p.expired(3, linger, None), Some(1));
        assert_eq!(p.expired(3, linger, None), Some(3));
        assert_eq!(p.expired(3, linger, None), None);
        assert_eq!(p.next_expiry(3, linger), None);
    }
}
