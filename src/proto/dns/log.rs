//! The EVE `dns` object, Suricata's version 3 (one record per message).

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::parser::{rcode_name, rrtype_name};
use super::state::{DnsAnswer, DnsTx};

#[derive(Serialize)]
struct Query<'a> {
    rrname: &'a str,
    rrtype: std::borrow::Cow<'static, str>,
}

#[derive(Serialize)]
struct Answer<'a> {
    rrname: &'a str,
    rrtype: std::borrow::Cow<'static, str>,
    ttl: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    rdata: Option<&'a str>,
}

fn answers(list: &[DnsAnswer]) -> Vec<Answer<'_>> {
    list.iter()
        .map(|a| Answer {
            rrname: &a.rrname,
            rrtype: rrtype_name(a.rrtype),
            ttl: a.ttl,
            rdata: a.rdata.as_deref(),
        })
        .collect()
}

#[derive(Serialize)]
struct DnsObject<'a> {
    version: u8,
    #[serde(rename = "type")]
    kind: &'static str,
    tx_id: u64,
    id: u16,
    flags: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    qr: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    aa: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    tc: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    rd: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    ra: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    z: bool,
    opcode: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    rcode: Option<std::borrow::Cow<'static, str>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    queries: Vec<Query<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    answers: Vec<Answer<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authorities: Vec<Answer<'a>>,
}

impl Serialize for DnsTx {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let f = self.flags;
        let obj = DnsObject {
            version: 3,
            kind: if self.response { "response" } else { "request" },
            tx_id: self.tx_id,
            id: self.id,
            flags: format!("{f:x}"),
            qr: self.response,
            aa: f & 0x0400 != 0,
            tc: f & 0x0200 != 0,
            rd: f & 0x0100 != 0,
            ra: f & 0x0080 != 0,
            z: f & 0x0040 != 0,
            opcode: self.opcode,
            rcode: self.response.then(|| rcode_name(self.rcode)),
            queries: self
                .queries
                .iter()
                .map(|q| Query {
                    rrname: &q.rrname,
                    rrtype: rrtype_name(q.rrtype),
                })
                .collect(),
            answers: answers(&self.answers),
            authorities: answers(&self.authorities),
        };
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("dns", &obj)?;
        map.end()
    }
}
