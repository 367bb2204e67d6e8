//! `harness`: the ringlab command line over the built-in roster.

use std::process::ExitCode;

/// Counts allocations of run threads inside their measured regions.
#[global_allocator]
static ALLOCATOR: harness::allocations::CountingAllocator = harness::allocations::CountingAllocator;

fn main() -> ExitCode {
    harness::cli::main_in::<impls::Builtin>(harness::cli::source_tree())
}
