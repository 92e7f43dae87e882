//! The EVE `ike` object in Suricata's shape (`version_major`,
//! `version_minor`, SPIs in hex, `message_id`, `exchange_type`, `role`,
//! the payload list, and the `ikev1`/`ikev2` sub-objects), limited to the
//! fields this parser fills in.

use std::borrow::Cow;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::parser::{notify_name, payload_name};
use super::state::IkeTx;

#[derive(Serialize)]
struct V2 {
    errors: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    notify: Vec<Cow<'static, str>>,
}

#[derive(Serialize)]
struct V1<'a> {
    encrypted_payloads: bool,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    vendor_ids: &'a [String],
}

#[derive(Serialize)]
struct IkeObject<'a> {
    version_major: u8,
    version_minor: u8,
    init_spi: String,
    resp_spi: String,
    message_id: u32,
    exchange_type: u8,
    role: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    payload: Vec<Cow<'static, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ikev1: Option<V1<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ikev2: Option<V2>,
}

impl Serialize for IkeTx {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v2 = self.version_major == 2;
        let obj = IkeObject {
            version_major: self.version_major,
            version_minor: self.version_minor,
            init_spi: format!("{:016x}", self.init_spi),
            resp_spi: format!("{:016x}", self.resp_spi),
            message_id: self.message_id,
            exchange_type: self.exchange_type,
            role: self.role(),
            payload: self
                .payloads
                .iter()
                .map(|&p| payload_name(self.version_major, p))
                .collect(),
            ikev1: (!v2).then_some(V1 {
                encrypted_payloads: self.encrypted,
                vendor_ids: &self.vendor_ids,
            }),
            ikev2: v2.then(|| V2 {
                errors: self.errors(),
                notify: self.notify.iter().map(|&t| notify_name(t)).collect(),
            }),
        };
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("ike", &obj)?;
        map.end()
    }
}
