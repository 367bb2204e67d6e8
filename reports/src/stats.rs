//! Summary statistics over repetitions.

/// The median of `values` (mean of the middle two for an even count), or
/// `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let middle = sorted.len() / 2;
    Some(if sorted.len() % 2 == 1 {
        sorted[middle]
    } else {
        (sorted[middle - 1] + sorted[middle]) / 2.0
    })
}

/// Smallest and largest of `values`.
pub fn min_max(values: &[f64]) -> Option<(f64, f64)> {
    let min = values.iter().copied().reduce(f64::min)?;
    let max = values.iter().copied().reduce(f64::max)?;
    Some((min, max))
}

/// A distribution-free interval of the median of `values` with coverage
/// of at least 95% (the sign test's): the `k`-th smallest and the `k`-th
/// largest value, for the largest `k` at which fewer than `k` of `n`
/// values fall below the median with probability at most 2.5% (every
/// value above or below the median with probability one half, whatever
/// the distribution). Unlike the percentile bootstrap, its coverage holds
/// for small samples. `None` below 6 values, where even the lowest and
/// highest cover less than 95%.
pub fn median_order_interval(values: &[f64]) -> Option<(f64, f64)> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 || n > 1000 {
        return (n > 1000).then(|| median_ci(&sorted)).flatten();
    }
    // P(B <= j) for B ~ Binomial(n, 1/2), accumulated over j.
    let mut below = 0.0;
    let mut term = 0.5f64.powi(n as i32);
    let mut k = 0;
    for j in 0..n {
        below += term;
        if 2.0 * below > 0.05 {
            break;
        }
        // P(B <= j) <= 2.5%: the interval may start at the (j+2)-th value.
        k = j + 1;
        term *= (n - j) as f64 / (j + 1) as f64;
    }
    (k >= 1).then(|| (sorted[k - 1], sorted[n - k]))
}

/// The larger of a round interval and a layout range (the lowest and
/// highest of the layouts' medians): the interval a verdict is judged on.
/// No round interval, no interval.
pub fn widen(interval: Option<(f64, f64)>, layouts: Option<(f64, f64)>) -> Option<(f64, f64)> {
    match (interval, layouts) {
        (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
        (interval, _) => interval,
    }
}

/// Resamples a bootstrap interval draws.
pub const BOOTSTRAP_RESAMPLES: usize = 2000;

/// Seed of the bootstrap's generator: fixed, so the same figures give the
/// same interval every time.
pub const BOOTSTRAP_SEED: u64 = 0x005E_ED0F_B007;

/// splitmix64: a small, fast generator, plenty for resampling.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (the modulo bias is below 2^-40 for the sample
    /// sizes here).
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// The 95% percentile-bootstrap confidence interval of the median of
/// `values`: `resamples` resamples with replacement, the median of each,
/// and the 2.5th and 97.5th percentiles of those medians. `None` when
/// `values` is empty. Deterministic for a given `seed`.
pub fn bootstrap_median_ci(values: &[f64], resamples: usize, seed: u64) -> Option<(f64, f64)> {
    let values: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    if values.is_empty() || resamples == 0 {
        return None;
    }
    let mut rng = SplitMix64(seed);
    let mut sample = vec![0.0; values.len()];
    let mut medians: Vec<f64> = (0..resamples)
        .map(|_| {
            for slot in &mut sample {
                *slot = values[rng.below(values.len())];
            }
            median(&sample).expect("the sample is not empty")
        })
        .collect();
    medians.sort_by(f64::total_cmp);
    let at = |fraction: f64| {
        let index = (fraction * (medians.len() - 1) as f64).round() as usize;
        medians[index.min(medians.len() - 1)]
    };
    Some((at(0.025), at(0.975)))
}

/// [`bootstrap_median_ci`] with the harness's fixed resample count and seed.
pub fn median_ci(values: &[f64]) -> Option<(f64, f64)> {
    bootstrap_median_ci(values, BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED)
}

/// The 95% percentile-bootstrap interval of `median(after) / median(before)`
/// for two independent samples (the same figure from two invocations):
/// each resample draws both samples again with replacement. `None` when
/// either is empty or a resampled median of `before` is not positive.
/// Deterministic for a given `seed`.
pub fn bootstrap_ratio_of_medians_ci(
    before: &[f64],
    after: &[f64],
    resamples: usize,
    seed: u64,
) -> Option<(f64, f64)> {
    let clean =
        |values: &[f64]| -> Vec<f64> { values.iter().copied().filter(|v| !v.is_nan()).collect() };
    let (before, after) = (clean(before), clean(after));
    if before.is_empty() || after.is_empty() || resamples == 0 {
        return None;
    }
    let mut rng = SplitMix64(seed);
    let mut draw = |values: &[f64], sample: &mut Vec<f64>| {
        sample.clear();
        sample.extend((0..values.len()).map(|_| values[rng.below(values.len())]));
        median(sample).expect("the sample is not empty")
    };
    let (mut left, mut right) = (Vec::new(), Vec::new());
    let mut ratios = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        let denominator = draw(&before, &mut left);
        let numerator = draw(&after, &mut right);
        if denominator <= 0.0 {
            return None;
        }
        ratios.push(numerator / denominator);
    }
    ratios.sort_by(f64::total_cmp);
    let at = |fraction: f64| {
        let index = (fraction * (ratios.len() - 1) as f64).round() as usize;
        ratios[index.min(ratios.len() - 1)]
    };
    Some((at(0.025), at(0.975)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_interval_on_known_data() {
        assert_eq!(median_ci(&[]), None);
        // Constant data: every resample has the same median.
        assert_eq!(median_ci(&[4.0; 7]), Some((4.0, 4.0)));
        let data = [9.0, 1.0, 5.0, 3.0, 7.0, 2.0, 8.0, 4.0, 6.0];
        let (low, high) = median_ci(&data).unwrap();
        let middle = median(&data).unwrap();
        assert!(low <= middle && middle <= high, "{low} {middle} {high}");
        assert!(low < high, "nine distinct values give a real interval");
        assert!(low >= 1.0 && high <= 9.0);
        // The exact answer: the median of 9 draws from 1..=9 is at most k
        // with probability P(Binomial(9, k/9) >= 5), which is 0.0014 for
        // k = 1, 0.030 for 2, 0.970 for 7 and 0.9986 for 8, so the 2.5th
        // and 97.5th percentiles of the bootstrap medians are 2 and 8.
        assert_eq!((low, high), (2.0, 8.0));
        // Reproducible with the seed.
        assert_eq!(median_ci(&data), Some((low, high)));
        assert_eq!(
            bootstrap_median_ci(&data, 500, 1),
            bootstrap_median_ci(&data, 500, 1)
        );
        // An outlier moves the mean, not the median's interval much.
        let mut outlier = data;
        outlier[0] = 1e9;
        let (_, high_outlier) = median_ci(&outlier).unwrap();
        assert!(high_outlier <= 9.0, "{high_outlier}");
    }

    #[test]
    fn median_of_odd_even_and_empty() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[]), None);
        assert_eq!(min_max(&[2.0, -1.0, 5.0]), Some((-1.0, 5.0)));
    }

    #[test]
    fn ratio_of_medians_interval() {
        assert_eq!(
            bootstrap_ratio_of_medians_ci(&[], &[1.0], 100, 1),
            None,
            "an empty sample has no interval"
        );
        assert_eq!(
            bootstrap_ratio_of_medians_ci(&[2.0; 5], &[3.0; 5], 100, 1),
            Some((1.5, 1.5)),
            "constant samples give their exact ratio"
        );
        let before = [1.0, 1.1, 0.9, 1.05, 0.95];
        let after = [0.8, 0.85, 0.75, 0.82, 0.78];
        let (low, high) = bootstrap_ratio_of_medians_ci(&before, &after, 2000, 7).unwrap();
        let point = median(&after).unwrap() / median(&before).unwrap();
        assert!(low <= point && point <= high, "{low} {point} {high}");
        // Every resampled ratio lies between min(after)/max(before) and
        // max(after)/min(before), and the separated samples keep it below 1.
        assert!(low >= 0.75 / 1.1 && high <= 0.85 / 0.9, "{low} {high}");
        assert!(high < 1.0, "{high}");
        assert_eq!(bootstrap_ratio_of_medians_ci(&[0.0], &[1.0], 10, 1), None);
    }

    #[test]
    fn order_intervals_are_the_sign_tests() {
        let values: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(median_order_interval(&values[..5]), None);
        assert_eq!(median_order_interval(&values[..6]), Some((1.0, 6.0)));
        assert_eq!(median_order_interval(&values[..7]), Some((1.0, 7.0)));
        assert_eq!(median_order_interval(&values[..9]), Some((2.0, 8.0)));
        // n = 20: the textbook (6th, 15th).
        assert_eq!(median_order_interval(&values), Some((6.0, 15.0)));
        let mut shuffled = values[..9].to_vec();
        shuffled.reverse();
        assert_eq!(median_order_interval(&shuffled), Some((2.0, 8.0)));
    }
}
