//! The EVE `ssh` object: `client` and `server`, each with its
//! `proto_version`, `software_version` and `hassh {hash, string}`.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::state::{Hassh, SshPeer, SshTx};

#[derive(Serialize)]
struct HasshObject<'a> {
    hash: &'a str,
    string: &'a str,
}

#[derive(Serialize)]
struct PeerObject<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    proto_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    software_version: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hassh: Option<HasshObject<'a>>,
}

impl<'a> PeerObject<'a> {
    fn of(p: &'a SshPeer) -> Option<PeerObject<'a>> {
        if p.proto_version.is_none() && p.hassh.is_none() {
            return None;
        }
        Some(PeerObject {
            proto_version: p.proto_version.as_deref(),
            software_version: p.software_version.as_deref(),
            hassh: p.hassh.as_ref().map(|h: &'a Hassh| HasshObject {
                hash: &h.hash,
                string: &h.string,
            }),
        })
    }
}

#[derive(Serialize)]
struct SshObject<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    client: Option<PeerObject<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server: Option<PeerObject<'a>>,
}

impl Serialize for SshTx {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let obj = SshObject {
            client: PeerObject::of(&self.client),
            server: PeerObject::of(&self.server),
        };
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("ssh", &obj)?;
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shape() {
        let tx = SshTx {
            client: SshPeer {
                proto_version: Some("2.0".into()),
                software_version: Some("X".into()),
                hassh: Some(Hassh {
                    hash: "h".into(),
                    string: "s".into(),
                }),
                ..Default::default()
            },
            server: SshPeer::default(),
        };
        let v = serde_json::to_value(&tx).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"ssh": {"client": {"proto_version": "2.0",
                "software_version": "X", "hassh": {"hash": "h", "string": "s"}}}})
        );
    }
}
