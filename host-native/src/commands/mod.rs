//! One module per subcommand; what the live ones share is in [`setup`].

pub mod analyze;
pub mod backfill;
pub mod check;
pub mod init;
pub mod once;
pub mod run;
pub mod setup;
