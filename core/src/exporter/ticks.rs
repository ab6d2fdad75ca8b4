//! The evaluation grid: which ticks a sample serves, and the last two samples a tick keeps.
//!
//! All times here are Prometheus milliseconds. A tick `t` evaluates at `T = t - offset` over
//! the range `[T - range, T]`, both ends included (Prometheus 2.x), so a sample at `s` serves
//! exactly the ticks with `s + offset <= t <= s + offset + range`.

/// Nanoseconds per millisecond.
pub(crate) const NS_PER_MS: i64 = 1_000_000;

/// The grid of one profile, in milliseconds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grid {
    pub(crate) step: i64,
    pub(crate) offset: i64,
    /// Ticks are `phase + k * step`: 0 (epoch-aligned) for the tables; a federate tick that a
    /// schedule or a time offset puts off the step sets it to itself.
    pub(crate) phase: i64,
}

impl Grid {
    /// The ticks a sample at `sample` serves for a selector of `range`, ascending.
    pub(crate) fn ticks_served(self, sample: i64, range: i64) -> impl Iterator<Item = i64> {
        let from = sample.saturating_add(self.offset);
        let to = from.saturating_add(range);
        let step = self.step.max(1);
        let phase = self.phase.rem_euclid(step);
        let shifted = from.saturating_sub(phase);
        let first = shifted
            .div_euclid(step)
            .saturating_add(i64::from(shifted.rem_euclid(step) != 0))
            .saturating_mul(step)
            .saturating_add(phase);
        (0..)
            .map(move |i: i64| first.saturating_add(i.saturating_mul(step)))
            .take_while(move |&t| t <= to)
            .take(usize::try_from(range / step + 2).unwrap_or(2))
    }
}

/// The last two samples (by time) of one series inside one tick's range; a second sample at
/// the same time replaces the first, as Prometheus and InfluxDB store one per timestamp.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct LastTwo {
    pub(crate) last: Option<(i64, f64)>,
    pub(crate) previous: Option<(i64, f64)>,
}

impl LastTwo {
    pub(crate) fn add(&mut self, time: i64, value: f64) {
        match (self.last, self.previous) {
            (Some((lt, _)), _) if lt == time => self.last = Some((time, value)),
            (_, Some((pt, _))) if pt == time => self.previous = Some((time, value)),
            (Some((lt, _)), _) if time > lt => {
                self.previous = self.last;
                self.last = Some((time, value));
            }
            (None, _) => self.last = Some((time, value)),
            (Some(_), None) => self.previous = Some((time, value)),
            (Some(_), Some((pt, _))) if time > pt => self.previous = Some((time, value)),
            _ => {}
        }
    }

    pub(crate) fn merge(&mut self, other: &LastTwo) {
        for (t, v) in [other.previous, other.last].into_iter().flatten() {
            self.add(t, v);
        }
    }

    /// `irate`: the per-second rate of the last two samples; a decrease is a counter reset, so
    /// the rate is the last value over the interval. `None` with fewer than two samples.
    pub(crate) fn irate(&self) -> Option<f64> {
        let ((lt, lv), (pt, pv)) = (self.last?, self.previous?);
        let interval = lt - pt;
        if interval <= 0 {
            return None;
        }
        let increase = if lv < pv { lv } else { lv - pv };
        Some(increase / (interval as f64 / 1000.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRID: Grid = Grid { step: 30_000, offset: 15_000, phase: 0 };

    #[test]
    fn a_sample_serves_the_ticks_whose_range_holds_it_both_ends_included() {
        // Ranges [t-45s, t-15s]: a sample at 0 serves t=15s..45s, i.e. the tick at 30s.
        assert_eq!(GRID.ticks_served(0, 30_000).collect::<Vec<_>>(), vec![30_000]);
        // At 15s: t in [30s, 60s], both grid points (ends included).
        assert_eq!(GRID.ticks_served(15_000, 30_000).collect::<Vec<_>>(), vec![30_000, 60_000]);
        // Presence over [t-30s, t-15s]: 16s serves t in [31s, 46s], no tick: never seen.
        assert_eq!(GRID.ticks_served(16_000, 15_000).count(), 0);
        assert_eq!(GRID.ticks_served(15_000, 15_000).collect::<Vec<_>>(), vec![30_000]);
        assert_eq!(GRID.ticks_served(-15_000, 15_000).collect::<Vec<_>>(), vec![0]);
    }

    #[test]
    fn a_phase_moves_the_ticks_off_the_epoch_grid() {
        let grid = Grid { phase: 7_250, ..GRID };
        // A sample at 0 serves t with 15s <= t <= 45s, t = 7.25s + k * 30s: 37.25s only.
        assert_eq!(grid.ticks_served(0, 30_000).collect::<Vec<_>>(), vec![37_250]);
        // At 22.25s: t in [37.25s, 67.25s], both ends on the grid.
        assert_eq!(grid.ticks_served(22_250, 30_000).collect::<Vec<_>>(), vec![37_250, 67_250]);
    }

    #[test]
    fn irate_takes_the_last_two_samples_whatever_the_order_they_came_in() {
        let mut a = LastTwo::default();
        for (t, v) in [(20_000, 300.0), (0, 0.0), (10_000, 100.0)] {
            a.add(t, v);
        }
        // (300 - 100) / 10 s
        assert_eq!(a.irate(), Some(20.0));
        let mut reset = LastTwo::default();
        reset.add(5_000, 1000.0);
        reset.add(9_000, 40.0);
        // A drop is a reset: 40 / 4 s.
        assert_eq!(reset.irate(), Some(10.0));
        let mut one = LastTwo::default();
        one.add(5_000, 1.0);
        assert_eq!(one.irate(), None);
        one.add(5_000, 2.0);
        assert_eq!(one.irate(), None, "the same timestamp twice is one sample");
        assert_eq!(one.last, Some((5_000, 2.0)), "the later write wins");
    }
}
