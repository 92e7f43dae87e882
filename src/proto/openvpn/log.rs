//! OpenVPN has no EVE record in Suricata's schema: the transaction reaches
//! EVE through the flow's `metadata.flowvars` and through alerts. This
//! serialisation (an `openvpn` object) exists for the detectors' debugging
//! output and for any sink that logs every transaction.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::state::OvpnTx;
use crate::proto::util::hex;

#[derive(Serialize)]
struct Count {
    opcode: &'static str,
    packets: u64,
}

#[derive(Serialize)]
struct OvpnObject {
    opcode: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_session_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_session_id: Option<String>,
    tls_auth: bool,
    handshake_confirmed: bool,
    packets: Vec<Count>,
}

impl Serialize for OvpnTx {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let obj = OvpnObject {
            opcode: self.first_opcode.name(),
            client_session_id: self.client_session_id.map(|v| hex(&v.to_be_bytes())),
            server_session_id: self.server_session_id.map(|v| hex(&v.to_be_bytes())),
            tls_auth: self.tls_auth(),
            handshake_confirmed: self.handshake_confirmed,
            packets: self
                .opcodes()
                .filter_map(|o| {
                    Some(Count {
                        opcode: o.name()?,
                        packets: *self.packets.get(usize::from(o.0))?,
                    })
                })
                .collect(),
        };
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("openvpn", &obj)?;
        map.end()
    }
}
