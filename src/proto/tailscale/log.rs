//! Tailscale has no EVE record in Suricata's schema: the transaction
//! reaches EVE through `metadata.flowvars` and alerts. This serialisation
//! (a `tailscale` object) is for sinks that log every transaction.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::state::TailscaleTx;
use crate::proto::wireguard::log::CountsObject;

#[derive(Serialize)]
struct TsObject<'a> {
    disco_packets: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_disco_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_disco_key: Option<&'a str>,
    wireguard: CountsObject,
}

impl Serialize for TailscaleTx {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let obj = TsObject {
            disco_packets: self.disco_packets,
            client_disco_key: self.disco_keys[0].as_deref(),
            server_disco_key: self.disco_keys[1].as_deref(),
            wireguard: CountsObject::new(&self.wireguard),
        };
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("tailscale", &obj)?;
        map.end()
    }
}
