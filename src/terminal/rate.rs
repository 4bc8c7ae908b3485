//! Token buckets: frames to viewers, and output bytes into a terminal.

use std::time::{Duration, Instant};

/// The time between two frames once a burst is spent (about 30 per second).
pub const FRAME_INTERVAL: Duration = Duration::from_millis(33);
/// Frames that may go out back to back after a quiet spell.
pub const FRAME_BURST: u32 = 3;
/// Output bytes per second a terminal takes in, sustained. Past it (or
/// past [`CPU_SHARE`]) the rest waits in the engine and the program
/// printing it blocks, as on a slow line.
pub const OUTPUT_RATE: f64 = 512.0 * 1024.0;
/// The share of one CPU handling a terminal's output (emulating it,
/// encoding its recording) may take, sustained. Bytes alone are a poor
/// measure of that: output full of escape sequences, or lines too varied
/// to skim, cost far more per byte than a skimmed flood.
pub const CPU_SHARE: f64 = 0.1;
/// What a terminal may spend at once after a quiet spell, in seconds of
/// its allowance: 1 MiB, or 200 ms of CPU. A long listing or a file shown
/// whole is not slowed.
pub const OUTPUT_BURST: f64 = 2.0;
/// After an interrupt key (^C, ^Z, ^\\), bytes cost nothing for this long:
/// what the engine holds of an interrupted flood (megabytes) drains at
/// once, and the prompt comes back, instead of trickling out at the rate.
pub const BOOST: Duration = Duration::from_secs(3);
/// At most one boost in this long: holding ^C down over a flood that
/// ignores it gets no more than a boost's share.
pub const BOOST_EVERY: Duration = Duration::from_secs(15);

/// A token bucket for frames: [`FRAME_BURST`] may go back to back, then one
/// per [`FRAME_INTERVAL`]. Without the burst, the frame that draws a prompt
/// right after the one that cleared the line would wait a whole interval.
pub struct Pace {
    tokens: f64,
    at: Instant,
}

impl Pace {
    pub fn new(now: Instant) -> Self {
        Self {
            tokens: f64::from(FRAME_BURST),
            at: now,
        }
    }

    /// How long a frame due `now` must wait; takes its token.
    pub fn next(&mut self, now: Instant) -> Duration {
        let earned = now.duration_since(self.at).as_secs_f64() / FRAME_INTERVAL.as_secs_f64();
        self.tokens = (self.tokens + earned).min(f64::from(FRAME_BURST)) - 1.0;
        self.at = now;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            FRAME_INTERVAL.mul_f64(-self.tokens)
        }
    }
}

/// A token bucket for output, in seconds of allowance: each chunk costs
/// its bytes at [`OUTPUT_RATE`] or its handling at [`CPU_SHARE`],
/// whichever is more; a second earns a second, up to [`OUTPUT_BURST`]. A
/// chunk may overdraw it (chunks come whole); the next read waits until it
/// is back above zero.
pub struct Allowance {
    tokens: f64,
    at: Instant,
    /// Until when bytes are free (a boost after an interrupt key).
    boost_until: Option<Instant>,
    /// The last boost, if any.
    boosted_at: Option<Instant>,
}

impl Allowance {
    pub fn new(now: Instant) -> Self {
        Self {
            tokens: OUTPUT_BURST,
            at: now,
            boost_until: None,
            boosted_at: None,
        }
    }

    /// An interrupt key was typed: a boost, unless one was given lately.
    pub fn interrupt(&mut self, now: Instant) {
        if self
            .boosted_at
            .is_some_and(|at| now.saturating_duration_since(at) < BOOST_EVERY)
        {
            return;
        }
        self.boosted_at = Some(now);
        self.boost_until = Some(now + BOOST);
        // What the flood owes goes too: the next read goes now.
        self.refill(now);
        self.tokens = self.tokens.max(f64::EPSILON);
    }

    fn refill(&mut self, now: Instant) {
        if now > self.at {
            let earned = now.duration_since(self.at).as_secs_f64();
            self.tokens = (self.tokens + earned).min(OUTPUT_BURST);
            self.at = now;
        }
    }

    /// How long until the next read may go.
    pub fn wait(&mut self, now: Instant) -> Duration {
        self.refill(now);
        if self.tokens > 0.0 {
            Duration::ZERO
        } else {
            // A hair past the point where it is back above zero.
            Duration::from_secs_f64(-self.tokens) + Duration::from_micros(100)
        }
    }

    /// Charges a chunk of `bytes` whose handling took `cpu`.
    pub fn spend(&mut self, bytes: usize, cpu: Duration, now: Instant) {
        self.refill(now);
        let boosted = self.boost_until.is_some_and(|until| now < until);
        let bytes = if boosted { 0.0 } else { bytes as f64 };
        let cost = (bytes / OUTPUT_RATE).max(cpu.as_secs_f64() / CPU_SHARE);
        self.tokens -= cost;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_comes_in_a_burst_then_at_the_rate_in_bytes_or_cpu() {
        let rate = OUTPUT_RATE as usize;
        let ms = Duration::from_millis;
        let start = Instant::now();
        let mut a = Allowance::new(start);
        // The burst at once, in chunks of any size.
        let burst = (OUTPUT_RATE * OUTPUT_BURST) as usize;
        for _ in 0..8 {
            assert_eq!(a.wait(start), Duration::ZERO);
            a.spend(burst / 8, Duration::ZERO, start);
        }
        // Spent: the next read waits, for what the next chunk overdraws.
        let wait = a.wait(start);
        assert!(wait > Duration::ZERO && wait < ms(1), "{wait:?}");
        let then = start + wait;
        a.spend(rate / 2, Duration::ZERO, then);
        let wait = a.wait(then);
        assert!(
            ms(499) <= wait && wait <= ms(502),
            "half a second's bytes: {wait:?}"
        );
        // Handling that took 10 ms costs 10 ms / CPU_SHARE, however few the bytes.
        let now = then + wait;
        a.spend(3, ms(10), now);
        let wait = a.wait(now);
        let owed = ms(10).div_f64(CPU_SHARE);
        assert!(
            owed <= wait && wait <= owed + ms(2),
            "{wait:?} for {owed:?}"
        );
        // Sustained, ten seconds let ten seconds' worth through, whatever
        // the chunks.
        let (mut now, mut taken) = (now + wait, 0);
        let end = now + Duration::from_secs(10);
        while now < end {
            now += a.wait(now);
            a.spend(16 * 1024, Duration::ZERO, now);
            taken += 16 * 1024;
        }
        assert!(
            (10 * rate - 64 * 1024..=10 * rate + 64 * 1024).contains(&taken),
            "{taken} in 10 s"
        );
        // A long quiet spell earns the burst back, and no more.
        let later = end + Duration::from_secs(3600);
        assert_eq!(a.wait(later), Duration::ZERO);
        a.spend(burst, Duration::ZERO, later);
        assert!(a.wait(later) > Duration::ZERO);
    }

    #[test]
    fn an_interrupt_frees_bytes_for_a_while_but_not_cpu_and_not_often() {
        let rate = OUTPUT_RATE as usize;
        let start = Instant::now();
        let mut a = Allowance::new(start);
        a.spend(10 * rate, Duration::ZERO, start);
        assert!(a.wait(start) > Duration::from_secs(5));
        // ^C: the debt goes and bytes are free, for the boost only.
        a.interrupt(start);
        assert_eq!(a.wait(start), Duration::ZERO);
        a.spend(100 * rate, Duration::ZERO, start);
        assert_eq!(a.wait(start), Duration::ZERO);
        // CPU still counts.
        a.spend(0, Duration::from_millis(100), start);
        assert!(a.wait(start) > Duration::ZERO);
        let after = start + BOOST;
        a.spend(10 * rate, Duration::ZERO, after);
        assert!(a.wait(after) > Duration::from_secs(5));
        // Another ^C soon after gets nothing; one later does.
        a.interrupt(after);
        assert!(a.wait(after) > Duration::from_secs(5));
        let later = start + BOOST_EVERY;
        a.interrupt(later);
        assert_eq!(a.wait(later), Duration::ZERO);
    }

    #[test]
    fn frames_come_in_a_burst_then_at_the_interval() {
        let start = Instant::now();
        let mut pace = Pace::new(start);
        for _ in 0..FRAME_BURST {
            assert_eq!(pace.next(start), Duration::ZERO);
        }
        // The burst is spent: the next frame waits one interval, the one
        // after two (each waits for the one before it).
        let about = |a: Duration, b: Duration| a.abs_diff(b) < Duration::from_micros(1);
        assert!(about(pace.next(start), FRAME_INTERVAL));
        assert!(about(pace.next(start), FRAME_INTERVAL * 2));
        // Sent on time, a frame waits an interval after the one before.
        let later = start + FRAME_INTERVAL * 2;
        assert!(about(pace.next(later), FRAME_INTERVAL));
        // A quiet spell earns the burst back, and no more.
        let quiet = later + FRAME_INTERVAL * 100;
        for _ in 0..FRAME_BURST {
            assert_eq!(pace.next(quiet), Duration::ZERO);
        }
        assert!(pace.next(quiet) > Duration::ZERO);
    }
}
