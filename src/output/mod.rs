//! Output: EVE records ([`eve`]) and the sinks they are written to ([`sink`]).
//!
//! The EVE file carries only what Suricata's schema allows; kagami's own
//! counters (those with no Suricata name) go to a separate metrics file,
//! one JSON object per stats interval.

pub mod atomic;
pub mod eve;
pub mod sink;

pub use eve::EveRecord;
pub use sink::{JsonLines, SinkError};
