//! Parts of the command line that are not argument parsing: subcommands
//! other than `run`, and what the terminal shows during and after a run.

pub mod intel;
pub mod inventory;
pub mod progress;
pub mod report;
pub mod synth;
