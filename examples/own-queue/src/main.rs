//! The ringlab command line, with `mutex_queue` beside the built-in roster:
//! `cargo run --release -- scenario spsc --quick`, `-- list`, and every
//! other subcommand of the `harness` binary.

ringlab::main!(ringlab::With<mutex_queue::MutexQueue>);
