//! Counters and round-trip statistics, kept as iputils keeps them (times in
//! microseconds, sums as doubles, mdev by its integer square root) so the
//! printed numbers agree to the digit; nanosecond sums on the side for
//! `--json`.

/// The sequence numbers a received-bitmap covers (16 bits' worth).
const SEQ_SPACE: usize = 1 << 16;

pub struct Stats {
    pub transmitted: u64,
    pub received: u64,
    pub duplicates: u64,
    pub errors: u64,
    /// Highest sequence number answered (reply or error), 16-bit.
    acked: u16,
    /// Most probes ever in flight at once.
    pub pipesize: u32,
    received_seqs: Box<[u64]>,
    /// Microseconds, as iputils.
    pub tmin: i64,
    pub tmax: i64,
    tsum: f64,
    tsum2: f64,
    /// Exponentially weighted moving average of the RTT, times 8 (µs).
    pub ewma8: i64,
    /// Nanoseconds, for `--json`.
    ns: Nanos,
}

/// What a summary reports: of a run, or of one target of a batch.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counts {
    pub transmitted: u64,
    pub received: u64,
    pub duplicates: u64,
    pub errors: u64,
    pub rtt: Nanos,
}

impl Counts {
    /// Packet loss in percent, as iputils computes it (through a float).
    pub fn loss_percent(&self) -> Option<f32> {
        if self.transmitted == 0 {
            return None;
        }
        let lost = self.transmitted as i64 - self.received as i64;
        Some(((lost as f64) * 100.0 / self.transmitted as f64) as f32)
    }
}

/// Round trips in nanoseconds, summed.
#[derive(Debug, Clone, Copy)]
pub struct Nanos {
    n: u64,
    pub min: u64,
    pub max: u64,
    sum: u128,
    sum2: u128,
}

impl Default for Nanos {
    fn default() -> Nanos {
        Nanos {
            n: 0,
            min: u64::MAX,
            max: 0,
            sum: 0,
            sum2: 0,
        }
    }
}

impl Nanos {
    pub fn add(&mut self, ns: u64) {
        self.n += 1;
        self.min = self.min.min(ns);
        self.max = self.max.max(ns);
        self.sum += u128::from(ns);
        self.sum2 += u128::from(ns) * u128::from(ns);
    }

    /// The average (truncated), None before any.
    pub fn avg(&self) -> Option<u64> {
        (self.n > 0).then(|| (self.sum / u128::from(self.n)) as u64)
    }

    /// The round-trip summary (None before any reply).
    pub fn summary(&self) -> Option<RttNanos> {
        let avg = u128::from(self.avg()?);
        let var = (self.sum2 / u128::from(self.n)).saturating_sub(avg * avg);
        Some(RttNanos {
            min: self.min,
            avg: avg as u64,
            max: self.max,
            mdev: isqrt_u128(var) as u64,
        })
    }
}

/// Round-trip summary, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RttNanos {
    pub min: u64,
    pub avg: u64,
    pub max: u64,
    pub mdev: u64,
}

impl Default for Stats {
    fn default() -> Stats {
        Stats {
            transmitted: 0,
            received: 0,
            duplicates: 0,
            errors: 0,
            acked: 0,
            pipesize: 0,
            received_seqs: vec![0u64; SEQ_SPACE / 64].into_boxed_slice(),
            tmin: i64::MAX,
            tmax: 0,
            tsum: 0.0,
            tsum2: 0.0,
            ewma8: 0,
            ns: Nanos::default(),
        }
    }
}

impl Stats {
    /// Counts a send; returns its sequence number.
    pub fn sent(&mut self) -> u16 {
        let seq = (self.transmitted + 1) as u16;
        self.clear_received(seq);
        self.transmitted += 1;
        // A 16-bit wrap leaves `acked` meaningless: start over.
        if (self.transmitted as u16).wrapping_sub(self.acked) > 0x7fff {
            self.acked = (self.transmitted as u16).wrapping_add(1);
        }
        seq
    }

    /// Probes sent and not yet answered by a reply or an error.
    pub fn in_flight(&self) -> u64 {
        let diff = (self.transmitted as u16).wrapping_sub(self.acked);
        if diff <= 0x7fff {
            u64::from(diff)
        } else {
            self.transmitted.saturating_sub(self.received + self.errors)
        }
    }

    /// Notes that `seq` was answered (reply or error).
    pub fn acknowledge(&mut self, seq: u16) {
        let diff = (self.transmitted as u16).wrapping_sub(seq);
        if diff <= 0x7fff {
            self.pipesize = self.pipesize.max(u32::from(diff) + 1);
            if (seq.wrapping_sub(self.acked) as i16) > 0
                || (self.transmitted as u16).wrapping_sub(self.acked) > 0x7fff
            {
                self.acked = seq;
            }
        }
    }

    pub fn was_received(&self, seq: u16) -> bool {
        let seq = usize::from(seq);
        self.received_seqs[seq / 64] & (1 << (seq % 64)) != 0
    }

    fn clear_received(&mut self, seq: u16) {
        let seq = usize::from(seq);
        self.received_seqs[seq / 64] &= !(1 << (seq % 64));
    }

    /// Counts a reply to `seq` that took `rtt_ns`; true when it is a
    /// duplicate.
    pub fn reply(&mut self, seq: u16, rtt_ns: u64) -> bool {
        self.acknowledge(seq);
        let us = (rtt_ns / 1000) as i64;
        self.tsum += us as f64;
        self.tsum2 += (us as f64) * (us as f64);
        self.tmin = self.tmin.min(us);
        self.tmax = self.tmax.max(us);
        self.ewma8 = if self.ewma8 == 0 {
            us * 8
        } else {
            self.ewma8 + us - self.ewma8 / 8
        };
        self.ns.add(rtt_ns);
        if self.was_received(seq) {
            self.duplicates += 1;
            true
        } else {
            let s = usize::from(seq);
            self.received_seqs[s / 64] |= 1 << (s % 64);
            self.received += 1;
            false
        }
    }

    /// Counts an ICMP error about `seq`.
    pub fn error(&mut self, seq: u16) {
        self.acknowledge(seq);
        self.errors += 1;
    }

    /// Replies counted in the RTT sums (duplicates included, as iputils).
    fn timed(&self) -> u64 {
        self.received + self.duplicates
    }

    /// iputils' average in µs (truncated).
    pub fn avg_us(&self) -> i64 {
        match self.timed() {
            0 => 0,
            n => (self.tsum / n as f64) as i64,
        }
    }

    /// iputils' mdev in µs: the integer square root of the variance,
    /// computed in the order iputils uses to keep small times exact.
    pub fn mdev_us(&self) -> i64 {
        let total = self.timed();
        if total == 0 {
            return 0;
        }
        let n = total as f64;
        let var = if self.tsum < f64::from(i32::MAX) {
            ((self.tsum2 - (self.tsum * self.tsum) / n) / n) as i64
        } else {
            let avg = self.avg_us();
            (self.tsum2 / n - (avg * avg) as f64) as i64
        };
        isqrt(var)
    }

    /// The figures a summary reports.
    pub fn counts(&self) -> Counts {
        Counts {
            transmitted: self.transmitted,
            received: self.received,
            duplicates: self.duplicates,
            errors: self.errors,
            rtt: self.ns,
        }
    }
}

/// Integer square root by Newton's method from above, exactly as iputils'
/// `llsqrt`: it stops at the first step that does not decrease and returns
/// that step, so it answers one more than the floor just below a square
/// (`isqrt(8) == 3`). 0 for negative input.
pub fn isqrt(a: i64) -> i64 {
    if a <= 0 {
        return 0;
    }
    let a = i128::from(a);
    let mut x = a;
    let mut prev = i128::MAX;
    while x < prev {
        prev = x;
        x = (x + a / x) / 2;
    }
    x as i64
}

fn isqrt_u128(a: u128) -> u128 {
    if a == 0 {
        return 0;
    }
    let mut x = a;
    let mut y = x.div_ceil(2);
    while y < x {
        x = y;
        y = (x + a / x) / 2;
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_square_roots() {
        // iputils' llsqrt, step by step: 3 -> 2 -> 1 -> 2 stops at 2.
        let iputils = [
            (0, 0),
            (1, 1),
            (2, 1),
            (3, 2),
            (4, 2),
            (8, 3),
            (15, 4),
            (16, 4),
            (15200, 123),
        ];
        for (a, r) in iputils {
            assert_eq!(isqrt(a), r, "isqrt({a})");
        }
        assert_eq!(isqrt(1 << 40), 1 << 20);
        assert_eq!(isqrt(-5), 0);
        assert!((3_037_000_499..=3_037_000_500).contains(&isqrt(i64::MAX)));
        for (a, r) in [
            (0, 0),
            (1, 1),
            (3, 1),
            (8, 2),
            (15, 3),
            (16, 4),
            (1 << 80, 1 << 40),
        ] {
            assert_eq!(isqrt_u128(a), r, "isqrt_u128({a})");
        }
    }

    #[test]
    fn mdev_as_iputils_computes_it() {
        // The lab run of iputils ping: 0.309, 0.045, 0.050 ms gave
        // min/avg/max/mdev = 0.045/0.134/0.309/0.123.
        let mut s = Stats::default();
        for (seq, us) in [(1, 309), (2, 45), (3, 50)] {
            s.sent();
            assert!(!s.reply(seq, us * 1000 + 999));
        }
        assert_eq!(
            (s.tmin, s.avg_us(), s.tmax, s.mdev_us()),
            (45, 134, 309, 123)
        );
        let mut t = Stats::default();
        for (seq, us) in [(1, 55), (2, 51)] {
            t.sent();
            t.reply(seq, us * 1000);
        }
        assert_eq!((t.tmin, t.avg_us(), t.tmax, t.mdev_us()), (51, 53, 55, 2));
    }

    #[test]
    fn duplicates_and_errors() {
        let mut s = Stats::default();
        assert_eq!(s.sent(), 1);
        assert_eq!(s.sent(), 2);
        assert_eq!(s.in_flight(), 2);
        assert!(!s.reply(1, 1000));
        assert!(s.reply(1, 3000));
        assert_eq!((s.received, s.duplicates), (1, 1));
        // Duplicates count in the average, as in iputils.
        assert_eq!(s.avg_us(), 2);
        assert_eq!(s.in_flight(), 1);
        s.error(2);
        assert_eq!((s.errors, s.in_flight()), (1, 0));
        assert_eq!(s.pipesize, 2);
        assert_eq!(s.counts().loss_percent(), Some(50.0));
    }

    #[test]
    fn a_resent_sequence_number_is_not_a_duplicate() {
        let mut s = Stats {
            transmitted: 65535,
            ..Stats::default()
        };
        assert_eq!(s.sent(), 0);
        s.reply(0, 10);
        s.transmitted = 65535 + 65536;
        assert_eq!(s.sent(), 0);
        assert!(!s.was_received(0));
        assert!(!s.reply(0, 10));
    }

    #[test]
    fn loss_goes_through_a_float() {
        let s = Stats {
            transmitted: 3,
            received: 2,
            ..Stats::default()
        };
        assert_eq!(s.counts().loss_percent(), Some(100.0f32 / 3.0));
        assert_eq!(Stats::default().counts().loss_percent(), None);
    }

    #[test]
    fn nanosecond_summary() {
        let mut s = Stats::default();
        assert_eq!(s.counts().rtt.summary(), None);
        for (seq, ns) in [(1, 1000), (2, 3000)] {
            s.sent();
            s.reply(seq, ns);
        }
        assert_eq!(
            s.counts().rtt.summary(),
            Some(RttNanos {
                min: 1000,
                avg: 2000,
                max: 3000,
                mdev: 1000
            })
        );
    }

    #[test]
    fn ewma_as_iputils() {
        let mut s = Stats::default();
        s.sent();
        s.reply(1, 800_000);
        assert_eq!(s.ewma8, 6400);
        s.sent();
        s.reply(2, 0);
        assert_eq!(s.ewma8, 6400 - 800);
    }
}
