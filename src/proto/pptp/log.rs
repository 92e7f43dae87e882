//! PPTP has no EVE record in Suricata's schema: the transaction reaches EVE
//! through `metadata.flowvars` and alerts. This serialisation (a `pptp`
//! object) is for sinks that log every transaction.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::state::PptpTx;

#[derive(Serialize)]
struct PptpObject<'a> {
    message_type: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    host_name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vendor: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    call_id: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    peer_call_id: Option<u16>,
}

impl Serialize for PptpTx {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let obj = PptpObject {
            message_type: self.ctrl_type.0,
            message: self.ctrl_type.name(),
            host_name: self.host_name.as_deref(),
            vendor: self.vendor.as_deref(),
            call_id: self.call_id,
            peer_call_id: self.peer_call_id,
        };
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("pptp", &obj)?;
        map.end()
    }
}
