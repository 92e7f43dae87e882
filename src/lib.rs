//! kagami (鏡, "mirror"): a network detection sensor for insider-threat
//! indicators that writes Suricata's EVE JSON.
//!
//! The data path, one module per stage:
//! [`capture`] → [`decode`] → [`flow`] → [`proto`] → [`detect`] →
//! [`output`], tied together by
//! [`engine`]. [`report`] reads the EVE files back into per-host summaries.
//! [`config`] loads the settings, [`counters`] names every count,
//! [`time`] keeps packet time, and [`synth`] writes the project's own test
//! captures.
#![forbid(unsafe_code)]

pub mod capture;
pub mod config;
pub mod counters;
pub mod decode;
pub mod detect;
pub mod engine;
pub mod flow;
pub mod output;
pub mod proto;
pub mod report;
pub mod synth;
pub mod time;
