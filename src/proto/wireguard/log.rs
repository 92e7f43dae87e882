//! WireGuard has no EVE record in Suricata's schema: the transaction
//! reaches EVE through the flow's `metadata.flowvars` and alerts. This
//! serialisation (a `wireguard` object) is for sinks that log every
//! transaction.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::state::{WgCounts, WgTx};

/// The counts as a JSON object (shared with `tailscale`).
#[derive(Serialize)]
pub(crate) struct CountsObject {
    #[serde(skip_serializing_if = "Option::is_none")]
    initiator_index: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    responder_index: Option<String>,
    initiations: u64,
    responses: u64,
    cookie_replies: u64,
    transport: u64,
}

impl CountsObject {
    pub(crate) fn new(c: &WgCounts) -> CountsObject {
        CountsObject {
            initiator_index: c.initiator_index.map(|i| format!("{i:08x}")),
            responder_index: c.responder_index.map(|i| format!("{i:08x}")),
            initiations: c.initiations,
            responses: c.responses,
            cookie_replies: c.cookie_replies,
            transport: c.transport,
        }
    }
}

impl Serialize for WgTx {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("wireguard", &CountsObject::new(&self.counts))?;
        map.end()
    }
}
