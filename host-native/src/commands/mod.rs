//! One module per subcommand; what the live ones share is in [`setup`].

pub mod all_windows;
pub mod analyze;
pub mod analyze_threads;
pub mod backfill;
pub mod check;
pub mod completions;
pub mod federate;
pub mod init;
pub mod man;
pub mod once;
pub mod run;
pub mod setup;
