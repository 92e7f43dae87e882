//! The EVE `http` object (Suricata's `http` record for HTTP/1.x).

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::state::HttpTx;

#[derive(Serialize)]
struct HttpObject<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    hostname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_user_agent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_content_type: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_refer: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    http_method: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    protocol: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect: Option<&'a str>,
    /// Response body bytes, written once a response was seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    length: Option<u64>,
}

impl Serialize for HttpTx {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let obj = HttpObject {
            hostname: self.hostname.as_deref(),
            http_port: self.http_port,
            url: self.url.as_deref(),
            http_user_agent: self.http_user_agent.as_deref(),
            http_content_type: self.http_content_type.as_deref(),
            http_refer: self.http_refer.as_deref(),
            http_method: self.http_method.as_deref(),
            protocol: self.protocol.as_deref(),
            status: self.status,
            redirect: self.redirect.as_deref(),
            length: self.has_response.then_some(self.response_body_len),
        };
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("http", &obj)?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_only_what_was_seen() {
        let tx = HttpTx {
            hostname: Some("a.example".into()),
            http_port: Some(8080),
            url: Some("/x".into()),
            http_method: Some("GET".into()),
            status: Some(200),
            has_request: true,
            has_response: true,
            response_body_len: 7,
            request_body_len: 3,
            ..HttpTx::default()
        };
        let v = serde_json::to_value(&tx).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"http": {"hostname": "a.example", "http_port": 8080,
                "url": "/x", "http_method": "GET", "status": 200, "length": 7}})
        );
    }
}
