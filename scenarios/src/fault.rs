//! The faults a fault scenario injects and the `kind` that marks one: a
//! leaf the scenario errors, the validation and the fault scenarios all
//! name.

use serde::{Deserialize, Serialize};

/// The `kind` that marks a fault scenario file: [`ScenarioFile`] reads
/// such a file as a [`FaultScenario`], and a measurement refuses it.
///
/// [`ScenarioFile`]: crate::ScenarioFile
/// [`FaultScenario`]: crate::FaultScenario
pub const FAULTS_KIND: &str = "faults";

/// A fault the harness can inject into a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// A producer's message-writing callback panics in the middle of a
    /// batch; the producer thread catches the panic and drops the producer.
    ProducerPanic,
    /// As [`Fault::ProducerPanic`], but the producer thread goes on
    /// publishing the rest of its share with the same producer.
    ProducerPanicContinues,
    /// A consumer drops its endpoint after handling its first messages.
    ConsumerDropped,
    /// A consumer's handler panics inside `consume_batch`; the consumer
    /// thread catches the panic and drops the endpoint.
    ConsumerPanic,
    /// The queue's cancel token is set while producers wait for room on a
    /// full queue; the consumers then drain what is left.
    CancelMidClaim,
}

impl Fault {
    /// Every fault, in the order they are documented.
    pub const ALL: [Fault; 5] = [
        Fault::ProducerPanic,
        Fault::ProducerPanicContinues,
        Fault::ConsumerDropped,
        Fault::ConsumerPanic,
        Fault::CancelMidClaim,
    ];

    /// The name used in scenario files and results.
    pub fn name(self) -> &'static str {
        match self {
            Fault::ProducerPanic => "producer_panic",
            Fault::ProducerPanicContinues => "producer_panic_continues",
            Fault::ConsumerDropped => "consumer_dropped",
            Fault::ConsumerPanic => "consumer_panic",
            Fault::CancelMidClaim => "cancel_mid_claim",
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}
