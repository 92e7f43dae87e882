//! L2TP has no EVE record in Suricata's schema: the transaction reaches
//! EVE through `metadata.flowvars` and alerts. This serialisation (an
//! `l2tp` object) is for sinks that log every transaction.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::parser::message_name;
use super::state::L2tpTx;

#[derive(Serialize)]
struct L2tpObject<'a> {
    message_type: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'static str>,
    tunnel_id: u16,
    session_id: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    host_name: Option<&'a str>,
}

impl Serialize for L2tpTx {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let obj = L2tpObject {
            message_type: self.message_type,
            message: message_name(self.message_type),
            tunnel_id: self.tunnel_id,
            session_id: self.session_id,
            host_name: self.host_name.as_deref(),
        };
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("l2tp", &obj)?;
        map.end()
    }
}
