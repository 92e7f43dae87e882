//! Flows: packets grouped by their canonical 5-tuple (+ VLAN), with TCP
//! state, per-state timeouts in packet time and a memcap.
//!
//! - [`key`]: the flow key and its symmetric hash (for sharding workers)
//! - [`tcp`]: TCP connection state from flags
//! - [`table`]: the per-worker table, timeouts and eviction
//! - [`community_id`]: Community ID v1 hashing
//!
//! - [`stream`]: bounded in-order TCP stream reassembly per direction

pub mod community_id;
pub mod key;
pub mod stream;
pub mod table;
pub mod tcp;

pub use key::FlowKey;
pub use table::{Direction, EndReason, Flow, FlowEnd, FlowState, FlowTable};
