//! The scenario file the arguments name, read and checked, with the
//! command line's overrides applied.

use scenarios::faults::{MAX_FAULT_MESSAGES, MIN_FAULT_MESSAGES};
use scenarios::{FaultScenario, Scenario, ScenarioFile};

use super::args::ScenarioArgs;
use super::context::{Context, InputError, scenario_dir};
use crate::foreign;

/// The scenario file the arguments name, read and checked.
pub(super) fn load(context: &Context, args: &ScenarioArgs) -> Result<ScenarioFile, InputError> {
    let path = match (&args.file, &args.name) {
        (Some(file), _) => file.clone(),
        (None, Some(name)) => scenarios::find(&scenario_dir(), name)?,
        (None, None) => {
            return Err(InputError(
                "give a scenario NAME or --file PATH (see `list`)".into(),
            ));
        }
    };
    // Foreign implementations run throughput scenarios whose consumers
    // read every message; other files are read without them.
    let with_foreign = context.with_foreign();
    if let ScenarioFile::Measurement(scenario) = ScenarioFile::load_in(&path, &with_foreign)?
        && foreign_runs(&scenario)
    {
        return Ok(ScenarioFile::Measurement(scenario));
    }
    ScenarioFile::load_in(&path, &context.known).map_err(|error| {
        let mut message = error.to_string();
        if foreign::ALL
            .iter()
            .any(|foreign| message.contains(&format!("`{}`", foreign.info.name)))
        {
            message.push_str(
                "\n  note: the foreign implementations (go_chan, go_chan_sched, lmax_java) run throughput scenarios whose consumers read every message: not latency, pingpong, faults or consume = \"discard\"",
            );
        }
        InputError(message)
    })
}

/// Whether the foreign implementations can run `scenario`'s runs.
pub(super) fn foreign_runs(scenario: &Scenario) -> bool {
    scenario.kind == scenarios::Kind::Throughput
        && scenario
            .axes
            .consume
            .iter()
            .all(|consume| *consume == scenarios::Consume::Read)
}

/// A measurement with the command line's overrides applied.
pub(super) fn measurement(
    args: &ScenarioArgs,
    mut scenario: Scenario,
) -> Result<Scenario, InputError> {
    if let Some(names) = &args.impls {
        scenario.restrict_implementations(names)?;
    }
    if args.quick {
        scenario.messages = (scenario.messages / 10).max(1);
        scenario.repetitions = scenario.repetitions.min(3);
        scenario.warmup = scenario.warmup.min(1);
    }
    if let Some(reps) = args.reps {
        scenario.repetitions = reps;
    }
    if let Some(warmup) = args.warmup {
        scenario.warmup = warmup;
    }
    if let Some(messages) = args.messages {
        scenario.messages = messages;
    }
    let most_producers = scenario.axes.producers.iter().copied().max().unwrap_or(1) as u64;
    if scenario.messages < most_producers || scenario.messages > impls::message::MAX_SEQUENCE {
        return Err(InputError(format!(
            "{} messages per run cannot be split over up to {most_producers} producers; \
             use {most_producers} to {} (--messages)",
            scenario.messages,
            impls::message::MAX_SEQUENCE
        )));
    }
    Ok(scenario)
}

/// A fault scenario with the command line's overrides applied; flags that
/// only mean something for measurements are refused.
pub(super) fn fault_scenario(
    args: &ScenarioArgs,
    mut scenario: FaultScenario,
) -> Result<FaultScenario, InputError> {
    let measurement_only = [
        ("--reps", args.reps.is_some()),
        ("--warmup", args.warmup.is_some()),
        (
            "--allow-spin-oversubscribed",
            args.allow_spin_oversubscribed,
        ),
        ("--report", args.report),
        ("--summary", args.summary),
        ("--full", args.full),
        ("--top", args.top.is_some()),
        ("--processes", args.processes.is_some()),
        ("--layouts", args.layouts.is_some()),
    ];
    if let Some((flag, _)) = measurement_only.iter().find(|(_, given)| *given) {
        return Err(InputError(format!(
            "{flag} does not apply to fault scenario `{}` (kind `faults` runs each fault once \
             and measures nothing); flags it takes: --impls, --quick, --messages, --out, --no-progress",
            scenario.name
        )));
    }
    if let Some(names) = &args.impls {
        scenario.restrict_implementations(names)?;
    }
    if args.quick {
        scenario.messages = (scenario.messages / 10).max(MIN_FAULT_MESSAGES);
    }
    if let Some(messages) = args.messages {
        if !(MIN_FAULT_MESSAGES..=MAX_FAULT_MESSAGES).contains(&messages) {
            return Err(InputError(format!(
                "--messages {messages} is out of range for a fault scenario; allowed: \
                 {MIN_FAULT_MESSAGES} to {MAX_FAULT_MESSAGES}"
            )));
        }
        scenario.messages = messages;
    }
    Ok(scenario)
}
