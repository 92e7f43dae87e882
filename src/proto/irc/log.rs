//! An `irc` object for an [`IrcTx`]. Suricata has no IRC record, so this
//! never reaches EVE as a record of its own (the flow's `metadata.flowvars`
//! carry the facts); it serves alerts' context and debugging.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::state::{IrcDcc, IrcTx};

#[derive(Serialize)]
struct DccObject<'a> {
    kind: &'a str,
    file: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ip: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    size: Option<u64>,
    direction: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    peer: Option<&'a str>,
}

impl<'a> DccObject<'a> {
    fn of(d: &'a IrcDcc) -> DccObject<'a> {
        DccObject {
            kind: &d.kind,
            file: &d.file,
            ip: d.ip.map(|i| i.to_string()),
            port: d.port,
            size: d.size,
            direction: match d.dir {
                crate::proto::Direction::ToServer => "to_server",
                crate::proto::Direction::ToClient => "to_client",
            },
            peer: d.peer.as_deref(),
        }
    }
}

#[derive(Serialize)]
struct IrcObject<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    nick: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    realname: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    server: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    channels: &'a [String],
    privmsg_count: u64,
    notice_count: u64,
    privmsg_received: u64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dcc_offers: Vec<DccObject<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dcc: Option<DccObject<'a>>,
}

impl Serialize for IrcTx {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let obj = IrcObject {
            nick: self.nick.as_deref(),
            user: self.user.as_deref(),
            realname: self.realname.as_deref(),
            server: self.server.as_deref(),
            channels: &self.channels,
            privmsg_count: self.privmsg_count,
            notice_count: self.notice_count,
            privmsg_received: self.privmsg_received,
            dcc_offers: self.dcc_offers.iter().map(DccObject::of).collect(),
            dcc: self.dcc.as_ref().map(DccObject::of),
        };
        let mut map = s.serialize_map(Some(1))?;
        map.serialize_entry("irc", &obj)?;
        map.end()
    }
}
