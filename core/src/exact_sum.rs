//! Exact floating-point summation, so a mean does not depend on the order of its points.
//!
//! Shewchuk's algorithm ("Adaptive Precision Floating-Point Arithmetic and Fast Robust
//! Geometric Predicates", 1997), as used by Python's `math.fsum`: the running sum is kept as
//! a short list of non-overlapping partials whose exact total is the true sum, and the final
//! result is that total correctly rounded to one f64. Because the result is the rounding of the
//! exact sum, any order of addition and any split-and-merge of the input give the same bits,
//! which is what lets every host and every slicing of the input produce identical rows.

/// A sum of f64 values, exact until it is read.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct ExactSum {
    partials: Partials,
}

impl PartialEq for ExactSum {
    fn eq(&self, other: &Self) -> bool {
        self.partials.as_slice() == other.partials.as_slice() && self.partials.special() == other.partials.special()
    }
}

/// The non-overlapping partials, in place while there are at most two and no special value
/// (nearly every sum of a group's values: a heap list per group cost more than the group's
/// other fields).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
enum Partials {
    Inline { len: u8, values: [f64; 2] },
    Heap(Box<Spilled>),
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Spilled {
    partials: Vec<f64>,
    /// Sum of infinities and NaNs, which cannot take part in exact arithmetic.
    special: f64,
}

impl Default for Partials {
    fn default() -> Self {
        Partials::Inline { len: 0, values: [0.0; 2] }
    }
}

impl Partials {
    fn as_slice(&self) -> &[f64] {
        match self {
            Partials::Inline { len, values } => &values[..usize::from(*len)],
            Partials::Heap(h) => &h.partials,
        }
    }

    fn as_mut_slice(&mut self) -> &mut [f64] {
        match self {
            Partials::Inline { len, values } => &mut values[..usize::from(*len)],
            Partials::Heap(h) => &mut h.partials,
        }
    }

    fn special(&self) -> f64 {
        match self {
            Partials::Inline { .. } => 0.0,
            Partials::Heap(h) => h.special,
        }
    }

    fn add_special(&mut self, x: f64) {
        match self {
            Partials::Heap(h) => h.special += x,
            Partials::Inline { len, values } => {
                let partials = values[..usize::from(*len)].to_vec();
                *self = Partials::Heap(Box::new(Spilled { partials, special: 0.0 + x }));
            }
        }
    }

    fn truncate(&mut self, n: usize) {
        match self {
            Partials::Inline { len, .. } => *len = (*len).min(n as u8),
            Partials::Heap(h) => h.partials.truncate(n),
        }
    }

    fn push(&mut self, x: f64) {
        match self {
            Partials::Inline { len, values } if usize::from(*len) < values.len() => {
                values[usize::from(*len)] = x;
                *len += 1;
            }
            Partials::Inline { len, values } => {
                let mut partials = values[..usize::from(*len)].to_vec();
                partials.push(x);
                *self = Partials::Heap(Box::new(Spilled { partials, special: 0.0 }));
            }
            Partials::Heap(h) => h.partials.push(x),
        }
    }
}

impl ExactSum {
    /// An empty sum (zero).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one value.
    pub fn add(&mut self, value: f64) {
        if !value.is_finite() {
            self.partials.add_special(value);
            return;
        }
        let mut x = value;
        let mut kept = 0;
        let partials = self.partials.as_mut_slice();
        for j in 0..partials.len() {
            let mut y = partials[j];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let hi = x + y;
            let lo = y - (hi - x);
            if lo != 0.0 {
                partials[kept] = lo;
                kept += 1;
            }
            x = hi;
        }
        if !x.is_finite() {
            // The exact sum overflowed f64; fall back to the IEEE result.
            self.partials.add_special(x);
            self.partials.truncate(0);
            return;
        }
        self.partials.truncate(kept);
        self.partials.push(x);
    }

    /// Adds every partial of another sum; the result is exact as if all values were added here.
    pub fn merge(&mut self, other: &ExactSum) {
        for &p in other.partials.as_slice() {
            self.add(p);
        }
        let special = other.partials.special();
        if special != 0.0 || special.is_nan() {
            self.partials.add_special(special);
        }
    }

    /// The exact sum rounded to the nearest f64 (ties to even), as `math.fsum` returns it.
    pub fn value(&self) -> f64 {
        let special = self.partials.special();
        if special != 0.0 || special.is_nan() {
            return special;
        }
        let p = self.partials.as_slice();
        let Some(mut n) = p.len().checked_sub(1) else {
            return 0.0;
        };
        let mut hi = p[n];
        let mut lo = 0.0;
        while n > 0 {
            n -= 1;
            let x = hi;
            let y = p[n];
            hi = x + y;
            let yr = hi - x;
            lo = y - yr;
            if lo != 0.0 {
                break;
            }
        }
        // Round half-way cases correctly: if the rest of the partials push in the same
        // direction as `lo`, the true value is beyond the half-way point.
        if n > 0 && ((lo < 0.0 && p[n - 1] < 0.0) || (lo > 0.0 && p[n - 1] > 0.0)) {
            let y = lo * 2.0;
            let x = hi + y;
            let yr = x - hi;
            if y == yr {
                hi = x;
            }
        }
        hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(values: &[f64]) -> f64 {
        let mut s = ExactSum::new();
        values.iter().for_each(|&v| s.add(v));
        s.value()
    }

    #[test]
    fn exact_sum_is_exact_where_naive_summation_loses_bits() {
        assert_eq!(sum(&[1e100, 1.0, -1e100]), 1.0);
        assert_eq!(sum(&[0.1; 10]), 1.0);
        assert_eq!(sum(&[]), 0.0);
        // Python: math.fsum([1e16, 1.0, 1e-16]) == 1.0000000000000002e16
        assert_eq!(sum(&[1e16, 1.0, 1e-16]), 1.000_000_000_000_000_2e16);
    }

    #[test]
    fn merging_sums_equals_summing_everything() {
        let values: Vec<f64> = (0..1000).map(|i| (i as f64) * 1234.567 + 0.001 * (i % 7) as f64).collect();
        let (a, b) = values.split_at(377);
        let mut left = ExactSum::new();
        a.iter().for_each(|&v| left.add(v));
        let mut right = ExactSum::new();
        b.iter().rev().for_each(|&v| right.add(v));
        left.merge(&right);
        assert_eq!(left.value(), sum(&values));
    }

    #[test]
    fn a_sum_needing_more_than_two_partials_keeps_them_all() {
        // 1e100 + 1 + 1e-100 holds three non-overlapping partials; taking 1e100 away must
        // leave 1 + 1e-100, which rounds to 1.
        let mut s = ExactSum::new();
        [1e100, 1.0, 1e-100, -1e100].iter().for_each(|&v| s.add(v));
        assert_eq!(s.value(), 1.0);
        let mut t = ExactSum::new();
        [1e100, 1.0, 1e-100].iter().for_each(|&v| t.add(v));
        assert_eq!(t.partials.as_slice(), &[1e-100, 1.0, 1e100]);
        t.add(-1e100);
        assert_eq!(t.value(), 1.0);
        assert!(std::mem::size_of::<ExactSum>() <= 32, "{}", std::mem::size_of::<ExactSum>());
    }

    #[test]
    fn non_finite_values_give_ieee_results() {
        assert_eq!(sum(&[1.0, f64::INFINITY]), f64::INFINITY);
        assert!(sum(&[f64::INFINITY, f64::NEG_INFINITY]).is_nan());
        assert_eq!(sum(&[f64::MAX, f64::MAX]), f64::INFINITY);
    }
}
