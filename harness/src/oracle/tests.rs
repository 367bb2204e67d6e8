use super::*;
use impls::{Message, Msg, Msg8, Salt, Topology};

/// The salt of the runs these tests make up.
const SALT: Salt = Salt(0xA5A5_0F0F_1234_5678);

fn tally_of(producers: usize, messages: &[(u16, u64)]) -> Tally {
    let mut tally = Tally::new(producers, SALT);
    for &(producer, sequence) in messages {
        tally.observe(&Msg8::new(SALT, producer, sequence));
    }
    tally
}

#[test]
fn a_clean_run_passes() {
    let expected = Expected::new(&[3, 2], SALT);
    let tally = tally_of(2, &[(0, 0), (1, 0), (0, 1), (1, 1), (0, 2)]);
    let verdict = judge(Topology::Mpsc.delivery(), &expected, &[tally]);
    assert!(verdict.passed, "{verdict:?}");
    assert_eq!((verdict.sent, verdict.delivered), (5, 5));
}

#[test]
fn work_sharing_sums_over_consumers() {
    let expected = Expected::new(&[4], SALT);
    let tallies = [
        tally_of(1, &[(0, 0), (0, 2)]),
        tally_of(1, &[(0, 1), (0, 3)]),
    ];
    assert!(judge(Topology::MpmcWorkerPool.delivery(), &expected, &tallies).passed);
    // The same tallies are incomplete for a broadcast.
    let verdict = judge(Topology::MpmcFanout.delivery(), &expected, &tallies);
    assert!(!verdict.passed);
    assert!(
        verdict
            .problems
            .iter()
            .all(|p| p.contains("2 of 4 messages lost")),
        "{verdict:?}"
    );
}

#[test]
fn substitution_with_the_right_count_fails_the_checksum() {
    let expected = Expected::new(&[3], SALT);
    let tally = tally_of(1, &[(0, 0), (0, 1), (0, 5)]);
    let verdict = judge(Topology::Spsc.delivery(), &expected, &[tally]);
    assert!(
        verdict.problems[0].contains("checksum mismatch"),
        "{verdict:?}"
    );
}

#[test]
fn problems_carry_counts_and_the_callers_consumer_numbers() {
    let expected = Expected::new(&[4, 2], SALT);
    // Producer 0: 0, 2, 1 (a step back, and 3 lost); producer 1: 0, 0.
    let tally = tally_of(2, &[(0, 0), (0, 2), (0, 1), (1, 0), (1, 0)]);
    assert_eq!(
        tally.seen(0),
        Seen {
            count: 3,
            next_sequence: 2
        }
    );
    assert_eq!(tally.seen(7), Seen::default());
    let found = problems(Topology::MpmcFanout.delivery(), &expected, [(5, &tally)]);
    assert_eq!(
        found,
        [
            Problem::OutOfOrder {
                consumer: 5,
                messages: 2
            },
            Problem::Lost {
                receivers: Receivers::Consumer(5),
                producer: 0,
                messages: 1,
                sent: 4
            },
            Problem::ChecksumMismatch {
                receivers: Receivers::Consumer(5),
                producer: 1
            },
        ]
    );
    // `judge` keeps them in words, numbered by position.
    let verdict = judge(Topology::Mpsc.delivery(), &expected, &[tally]);
    assert_eq!(
        verdict.problems,
        [
            "consumer 0: 2 messages arrived out of per-producer order",
            "consumers: producer 0: 1 of 4 messages lost",
            "consumers: producer 1: checksum mismatch with the right count \
             (messages corrupted, or lost and duplicated in equal number)",
        ]
    );
}

#[test]
fn count_only_runs_check_counts_and_say_so() {
    let expected = Expected::new(&[3, 2], SALT);
    let mut tally = Tally::new(2, SALT);
    tally.discard(5);
    let verdict = judge_counts(Topology::Mpsc.delivery(), &expected, &[tally.clone()]);
    assert!(verdict.passed && verdict.count_only, "{verdict:?}");
    tally.discard(1);
    let verdict = judge_counts(Topology::Mpsc.delivery(), &expected, &[tally]);
    assert!(!verdict.passed, "{verdict:?}");
    assert!(verdict.problems[0].contains("1 messages too many"));
    let short = Tally::new(2, SALT);
    let verdict = judge_counts(Topology::Spsc.delivery(), &expected, &[short]);
    assert!(verdict.problems[0].contains("5 of 5 messages lost"));
}

/// Producer `p` sends sequences `0 .. quotas[p]`, interleaved in runs
/// of `run` messages (as a multi-producer queue delivers them).
fn interleaved<M: Message>(quotas: &[u64], run: u64) -> Vec<M> {
    let mut next = vec![0u64; quotas.len()];
    let mut messages = Vec::new();
    while next.iter().zip(quotas).any(|(n, q)| n < q) {
        for (producer, (next, &quota)) in next.iter_mut().zip(quotas).enumerate() {
            for _ in 0..run.min(quota - *next) {
                messages.push(M::new(SALT, producer as u16, *next));
                *next += 1;
            }
        }
    }
    messages
}

/// Judges `messages` as one consumer's deliveries of an MPSC run,
/// observed one at a time and, again, as slices of 1, 5, 64 and all of
/// them (slices that start, end and straddle a change of producer).
fn verdicts<M: Message>(quotas: &[u64], messages: &[M]) -> Vec<Verdict> {
    let expected = Expected::new(quotas, SALT);
    let mut one_by_one = Tally::new(quotas.len(), SALT);
    let mut observer = one_by_one.observer();
    for message in messages {
        observer.observe(message);
    }
    observer.finish();
    let mut verdicts = vec![judge(Topology::Mpsc.delivery(), &expected, &[one_by_one])];
    for size in [1, 5, 64, messages.len().max(1)] {
        let mut sliced = Tally::new(quotas.len(), SALT);
        let mut observer = sliced.observer();
        for slice in messages.chunks(size) {
            observer.observe_slice(slice);
        }
        observer.finish();
        verdicts.push(judge(Topology::Mpsc.delivery(), &expected, &[sliced]));
    }
    verdicts
}

fn fails_with<M: Message>(quotas: &[u64], messages: &[M], expect: &str, what: &str) {
    for verdict in verdicts(quotas, messages) {
        assert!(!verdict.passed, "{what}: passed: {verdict:?}");
        assert!(
            verdict.problems.iter().any(|p| p.contains(expect)),
            "{what}: expected {expect:?}: {verdict:?}"
        );
    }
}

/// A corrupted word, a duplicate, a loss and a reordered pair are each
/// caught, in a payload of `WORDS` words, whichever word is damaged and
/// whether or not the damage falls where the consumer's producer changes.
fn every_fault_is_caught<const WORDS: usize>() {
    let quotas = [40, 37, 1];
    let clean: Vec<Msg<WORDS>> = interleaved(&quotas, 4);
    for verdict in verdicts(&quotas, &clean) {
        assert!(verdict.passed, "{WORDS} words, clean: {verdict:?}");
        assert_eq!(verdict.delivered, 78);
    }
    for victim in [0, 3, 4, 41, clean.len() - 1] {
        for word in [0, WORDS / 2, WORDS - 1] {
            let mut damaged = clean.clone();
            damaged[victim].words_mut()[word] ^= 1 << 7;
            for verdict in verdicts(&quotas, &damaged) {
                assert!(
                    !verdict.passed,
                    "{WORDS} words: word {word} of message {victim} corrupted, yet passed"
                );
            }
        }
        let mut duplicated = clean.clone();
        duplicated.insert(victim + 1, clean[victim]);
        fails_with(&quotas, &duplicated, "duplicated", "duplicate");
        let mut lost = clean.clone();
        lost.remove(victim);
        fails_with(&quotas, &lost, "lost", "loss");
    }
    // Reordered pairs: inside a run, and across a change of producer
    // (message 3 ends producer 0's first run, 9 begins its second).
    for (a, b) in [(1, 2), (3, 9), (0, 9)] {
        let mut reordered = clean.clone();
        reordered.swap(a, b);
        fails_with(
            &quotas,
            &reordered,
            "arrived out of per-producer order",
            "reordered pair",
        );
    }
}

#[test]
fn every_fault_is_caught_in_every_payload_size() {
    every_fault_is_caught::<1>();
    every_fault_is_caught::<8>();
    every_fault_is_caught::<32>();
}

#[test]
fn a_message_naming_no_producer_is_counted_as_corrupted() {
    // The all-ones producer field is what an observer holding nothing
    // compares with; such a message must still count as corrupted.
    let quotas = [3];
    for first in [true, false] {
        let mut messages: Vec<Msg8> = interleaved(&quotas, 1);
        let stray = Msg8::new(SALT, 0xFFFF, 1);
        if first {
            messages.insert(0, stray);
        } else {
            messages.push(stray);
        }
        fails_with(&quotas, &messages, "does not exist", "producer 0xFFFF");
    }
}

#[test]
fn an_unknown_producer_is_reported_not_a_panic() {
    let expected = Expected::new(&[1], SALT);
    let tally = tally_of(1, &[(0, 0), (9, 0)]);
    let verdict = judge(Topology::Spsc.delivery(), &expected, &[tally]);
    assert!(
        verdict
            .problems
            .iter()
            .any(|p| p.contains("does not exist")),
        "{verdict:?}"
    );
}

/// Producer 0's `quota` messages shared by two workers with a
/// compensating error a worker pool could make, invisible to counts and
/// order: the first worker is handed every sequence but those of `lost`,
/// the second every one of `doubled` again (each share in order).
fn compensated<M: Message>(quota: u64, lost: &[u64], doubled: &[u64]) -> [Vec<M>; 2] {
    let first = (0..quota).filter(|s| !lost.contains(s));
    let messages = |sequences: &mut dyn Iterator<Item = u64>| {
        sequences.map(|s| M::new(SALT, 0, s)).collect::<Vec<M>>()
    };
    [
        messages(&mut first.into_iter()),
        messages(&mut doubled.iter().copied()),
    ]
}

/// The tallies of `shares` as two consumers keep them, one message at a
/// time and as slices of 1, 5 and 64.
fn shared_tallies<M: Message>(shares: &[Vec<M>]) -> Vec<Vec<Tally>> {
    let mut ways = Vec::new();
    for slice in [None, Some(1), Some(5), Some(64)] {
        let tallies = shares
            .iter()
            .map(|share| {
                let mut tally = Tally::new(1, SALT);
                let mut observer = tally.observer();
                match slice {
                    None => share.iter().for_each(|m| observer.observe(m)),
                    Some(size) => share
                        .chunks(size)
                        .for_each(|chunk| observer.observe_slice(chunk)),
                }
                observer.finish();
                tally
            })
            .collect();
        ways.push(tallies);
    }
    ways
}

/// Substitutions that keep the count and the sum of tags (2 for 2), and
/// the sum of their squares too (3 for 3: {1, 5, 6} and {2, 3, 7} are a
/// Prouhet-Tarry-Escott pair, shifted), given to one of two workers: the
/// nonlinear digest catches each, at every payload size.
fn compensating_errors_are_caught<M: Message>() {
    let quota = 4000;
    let substitutions: [(&[u64], &[u64]); 3] = [
        (&[1000, 1004], &[1001, 1003]),
        (&[1002, 1004], &[1001, 1005]),
        (&[1001, 1005, 1006], &[1002, 1003, 1007]),
    ];
    let expected = Expected::new(&[quota], SALT);
    let clean = compensated::<M>(quota, &[], &[]);
    for tallies in shared_tallies(&clean) {
        let verdict = judge(Topology::MpmcWorkerPool.delivery(), &expected, &tallies);
        assert!(verdict.passed, "{} B, clean: {verdict:?}", M::BYTES);
    }
    for (lost, doubled) in substitutions {
        let sum = |s: &[u64]| s.iter().sum::<u64>();
        let squares = |s: &[u64]| s.iter().map(|x| x * x).sum::<u64>();
        assert_eq!(sum(lost), sum(doubled), "the substitution keeps the sum");
        if lost.len() == 3 {
            assert_eq!(squares(lost), squares(doubled), "and the sum of squares");
        }
        let shares = compensated::<M>(quota, lost, doubled);
        for tallies in shared_tallies(&shares) {
            let verdict = judge(Topology::MpmcWorkerPool.delivery(), &expected, &tallies);
            assert_eq!(verdict.delivered, quota, "the count is kept");
            assert!(
                verdict
                    .problems
                    .iter()
                    .any(|p| p.contains("checksum mismatch")),
                "{} B, {lost:?} for {doubled:?}: {verdict:?}",
                M::BYTES
            );
        }
        // The same substitution in a fan-out: every consumer must see
        // every message, and the doubled ones arrive twice.
        let mut full: Vec<u64> = (0..quota).filter(|s| !lost.contains(s)).collect();
        full.extend(doubled);
        full.sort_unstable();
        let fanned: Vec<M> = full.iter().map(|&s| M::new(SALT, 0, s)).collect();
        let clean: Vec<M> = (0..quota).map(|s| M::new(SALT, 0, s)).collect();
        for tallies in shared_tallies(&[clean, fanned]) {
            let verdict = judge(Topology::MpmcFanout.delivery(), &expected, &tallies);
            assert!(!verdict.passed, "{} B fan-out: {verdict:?}", M::BYTES);
        }
    }
}

#[test]
fn compensating_losses_and_duplicates_fail_at_every_payload_size() {
    compensating_errors_are_caught::<Msg8>();
    compensating_errors_are_caught::<Msg<8>>();
    compensating_errors_are_caught::<Msg<32>>();
}

/// A message of another run (another salt), in place of this run's
/// message with the same producer and sequence, fails at every size.
fn another_runs_message_is_caught<M: Message>() {
    let quotas = [50];
    let messages: Vec<M> = interleaved(&quotas, 50);
    for victim in [0, 17, 49] {
        let mut stale = messages.clone();
        stale[victim] = M::new(Salt(SALT.0 ^ 0x10_0000), 0, victim as u64);
        for verdict in verdicts(&quotas, &stale) {
            assert!(
                !verdict.passed,
                "{} B, message {victim}: {verdict:?}",
                M::BYTES
            );
        }
    }
}

#[test]
fn a_message_of_another_run_fails_at_every_payload_size() {
    another_runs_message_is_caught::<Msg8>();
    another_runs_message_is_caught::<Msg<8>>();
    another_runs_message_is_caught::<Msg<32>>();
}
