//! Time is a parameter: domain code never reads the system clock.
//!
//! Timestamps are carried as UTC microseconds since the Unix epoch, the same integer the
//! store keeps in its portable `BIGINT` columns.

use jiff::Timestamp;

/// Something that tells the current time. The binary passes a system clock; tests pass a
/// fixed or stepping one so expiry and schedules are testable without sleeping.
pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;

    fn now_micros(&self) -> i64 {
        self.now().as_microsecond()
    }
}

/// A clock that stands still until moved, for tests and simulations.
#[derive(Debug)]
pub struct ManualClock {
    micros: std::sync::atomic::AtomicI64,
}

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        Self {
            micros: std::sync::atomic::AtomicI64::new(start.as_microsecond()),
        }
    }

    pub fn advance(&self, by: jiff::SignedDuration) {
        let micros = i64::try_from(by.as_micros()).unwrap_or(i64::MAX);
        self.micros
            .fetch_add(micros, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        let micros = self.micros.load(std::sync::atomic::Ordering::SeqCst);
        Timestamp::from_microsecond(micros).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

/// Converts stored microseconds back to a timestamp; out-of-range values clamp to the epoch.
pub fn from_micros(micros: i64) -> Timestamp {
    Timestamp::from_microsecond(micros).unwrap_or(Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = Timestamp::from_second(1_700_000_000).unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(jiff::SignedDuration::from_secs(90));
        assert_eq!(clock.now().as_second(), 1_700_000_090);
    }
}
