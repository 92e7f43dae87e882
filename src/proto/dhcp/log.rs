//! The EVE `dhcp` object, in Suricata's extended shape (one record per
//! message).

use std::borrow::Cow;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::parser::OP_REPLY;
use super::state::DhcpTx;
use crate::proto::util::hex_sep;

/// The name Suricata writes for a requested parameter (option 55 entry);
/// other codes are written as their number.
pub fn param_name(code: u8) -> Cow<'static, str> {
    Cow::Borrowed(match code {
        1 => "subnet_mask",
        3 => "router",
        6 => "dns_server",
        15 => "domain",
        35 => "arp_timeout",
        42 => "ntp_server",
        66 => "tftp_server_name",
        150 => "tftp_server_ip",
        n => return Cow::Owned(n.to_string()),
    })
}

#[derive(Serialize)]
struct DhcpObject<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    id: u32,
    client_mac: String,
    assigned_ip: String,
    client_ip: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    relay_ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_server_ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dhcp_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hostname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    requested_ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lease_time: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    renewal_time: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rebinding_time: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    subnet_mask: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    routers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dns_servers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    params: Vec<Cow<'static, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vendor_class_identifier: Option<&'a str>,
}

impl Serialize for DhcpTx {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let reply = self.op == OP_REPLY;
        let obj = DhcpObject {
            kind: match self.op {
                1 => "request",
                2 => "reply",
                _ => "<unknown>",
            },
            id: self.xid,
            client_mac: self.mac_string(),
            assigned_ip: self.assigned_ip.to_string(),
            client_ip: self.client_ip.to_string(),
            relay_ip: reply.then(|| self.relay_ip.to_string()),
            next_server_ip: reply.then(|| self.next_server_ip.to_string()),
            dhcp_type: self.message_type.map(|t| t.name()),
            hostname: self.hostname.as_deref().filter(|h| !h.is_empty()),
            requested_ip: self.requested_ip.map(|a| a.to_string()),
            client_id: self.client_id.as_ref().map(|c| hex_sep(c, ':', false)),
            lease_time: self.lease_time,
            renewal_time: self.renewal_time,
            rebinding_time: self.rebinding_time,
            subnet_mask: self.subnet_mask.map(|a| a.to_string()),
            routers: self.routers.iter().map(|a| a.to_string()).collect(),
            dns_servers: self.dns_servers.iter().map(|a| a.to_string()).collect(),
            params: self.params.iter().map(|p| param_name(*p)).collect(),
            vendor_class_identifier: self.vendor_class.as_deref(),
        };
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("dhcp", &obj)?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(param_name(6), "dns_server");
        assert_eq!(param_name(252), "252");
    }
}
