//! The EVE `tls` object, in Suricata's shape: the server certificate's
//! names, serial, fingerprint and validity, SNI, version, JA3/JA3S/JA4,
//! ALPNs, and what each hello offered or chose.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::state::{Ja3, TlsTx};

#[derive(Serialize)]
struct Fp<'a> {
    hash: &'a str,
    string: &'a str,
}

fn fp(j: &Option<Ja3>) -> Option<Fp<'_>> {
    j.as_ref().map(|j| Fp {
        hash: &j.hash,
        string: &j.string,
    })
}

#[derive(Serialize)]
struct ClientHandshake<'a> {
    version: String,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    ciphers: &'a [u16],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    exts: &'a [u16],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    sig_algs: &'a [u16],
}

#[derive(Serialize)]
struct ServerHandshake<'a> {
    version: String,
    cipher: u16,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    exts: &'a [u16],
}

#[derive(Serialize)]
struct TlsObject<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    subject: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    issuerdn: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    serial: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fingerprint: Option<&'a str>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    session_resumed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    sni: Option<&'a str>,
    version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    notbefore: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    notafter: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    subjectaltname: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ja3: Option<Fp<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ja3s: Option<Fp<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    ja4: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    client_alpns: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    server_alpns: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client_handshake: Option<ClientHandshake<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server_handshake: Option<ServerHandshake<'a>>,
}

/// A certificate date as the schema's `tls_date` (`2019-01-01T00:00:00`,
/// UTC); `None` outside the years 1000..=2999 the schema allows.
fn tls_date(unix: i64) -> Option<String> {
    let t = chrono::DateTime::from_timestamp(unix, 0)?;
    let s = t.format("%Y-%m-%dT%H:%M:%S").to_string();
    matches!(s.as_bytes().first(), Some(b'1' | b'2'))
        .then_some(s)
        .filter(|s| s.len() == 19)
}

impl Serialize for TlsTx {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let cert = self.certificates.first();
        let obj = TlsObject {
            subject: cert.map(|c| c.subject.as_str()),
            issuerdn: cert.map(|c| c.issuer.as_str()),
            serial: cert.map(|c| c.serial.as_str()),
            fingerprint: cert.map(|c| c.fingerprint.as_str()),
            session_resumed: self.session_resumed,
            sni: self.sni.as_deref(),
            version: self
                .version()
                .map(|v| v.name().into_owned())
                .unwrap_or_else(|| "UNDETERMINED".to_string()),
            notbefore: cert.and_then(|c| tls_date(c.not_before)),
            notafter: cert.and_then(|c| tls_date(c.not_after)),
            subjectaltname: cert
                .map(|c| c.sans.iter().map(String::as_str).collect())
                .unwrap_or_default(),
            ja3: fp(&self.ja3),
            ja3s: fp(&self.ja3s),
            ja4: self.ja4.as_deref(),
            client_alpns: self
                .client
                .as_ref()
                .map(|c| c.alpns.iter().map(String::as_str).collect())
                .unwrap_or_default(),
            server_alpns: self
                .server
                .as_ref()
                .and_then(|s| s.alpn.as_deref())
                .into_iter()
                .collect(),
            client_handshake: self.client.as_ref().map(|c| ClientHandshake {
                version: c.version.name().into_owned(),
                ciphers: &c.ciphers,
                exts: &c.extensions,
                sig_algs: &c.sig_algs,
            }),
            server_handshake: self.server.as_ref().map(|h| ServerHandshake {
                version: h.selected_version.unwrap_or(h.version).name().into_owned(),
                cipher: h.cipher,
                exts: &h.extensions,
            }),
        };
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("tls", &obj)?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_fit_the_schema() {
        assert_eq!(
            tls_date(1_546_300_800).as_deref(),
            Some("2019-01-01T00:00:00")
        );
        // 9999-12-31T23:59:59Z, RFC 5280's "no well-defined expiration".
        assert_eq!(tls_date(253_402_300_799), None);
    }

    #[test]
    fn minimal_record() {
        let v = serde_json::to_value(TlsTx::default()).unwrap();
        assert_eq!(v, serde_json::json!({"tls": {"version": "UNDETERMINED"}}));
    }
}
