//! Before its figures mean anything: the conformance suite every built-in
//! implementation passes (the oracle on real threads, the trait's
//! contracts, every fault).

#[test]
fn mutex_queue_conforms() {
    let report = ringlab::conformance::check::<mutex_queue::MutexQueue>();
    assert!(report.passed(), "{report}");
}
