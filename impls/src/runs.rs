//! A ring's slots as contiguous runs: the slots of `len` consecutive
//! positions are one run of the array, or two where they wrap past its
//! end. Loops over a run index the array directly instead of masking every
//! position, so the compiler can vectorise them, and a consumer can be
//! handed a run as one slice.

/// The slots of positions `start .. start + len` of the ring `slots`
/// (a position's slot is the position modulo the power-of-two length), as
/// the run up to the end of the array and the run from its start, which is
/// empty unless they wrap. `len` is at most the ring's length.
#[inline(always)]
pub(crate) fn wrapped<T>(slots: &[T], start: usize, len: usize) -> (&[T], &[T]) {
    let capacity = slots.len();
    debug_assert!(capacity.is_power_of_two() && len <= capacity);
    let first = start & (capacity - 1);
    let end = first + len;
    if end <= capacity {
        (&slots[first..end], &[])
    } else {
        (&slots[first..], &slots[..end - capacity])
    }
}

#[cfg(test)]
mod tests {
    use super::wrapped;

    #[test]
    fn runs_cover_the_positions_in_order() {
        let slots: Vec<usize> = (0..8).collect();
        for start in 0..20 {
            for len in 0..=8 {
                let (first, second) = wrapped(&slots, start, len);
                let seen: Vec<usize> = first.iter().chain(second).copied().collect();
                let expected: Vec<usize> = (start..start + len).map(|p| p % 8).collect();
                assert_eq!(seen, expected, "start {start}, len {len}");
                assert!(second.is_empty() || first.last() == Some(&7));
            }
        }
    }
}
