//! DNS over UDP and TCP (RFC 1035; TCP framing RFC 1035 §4.2.2, RFC 7766).
//!
//! Every message becomes one EVE `dns` record in Suricata's version-3 shape:
//! a `request` with its queries, or a `response` with its rcode, answers and
//! authorities. Name decompression is dns-parser's (`Name::scan`, which only
//! follows pointers backwards, so a pointer loop cannot spin); the record
//! framing is our own, so record types dns-parser does not know (HTTPS,
//! SVCB, DNSSEC, …) are kept by number instead of failing the message.

mod log;
pub mod parser;
pub mod state;

pub use parser::{DnsError, DnsMessage};
pub use state::{DnsState, DnsTx};

use super::{Probe, ProbeInput, ProtoSpec, Transport};

/// The registry entry.
pub static SPEC: ProtoSpec = ProtoSpec {
    name: "dns",
    transports: &[Transport::Udp, Transport::Tcp],
    ports: &[53, 5353, 5355],
    probe,
    new_state: state::new_state,
    stats_tcp: Some("dns_tcp"),
    stats_udp: Some("dns_udp"),
};

/// A DNS message whose header and first question parse is DNS. Over TCP the
/// message sits behind a two-byte length.
fn probe(input: &ProbeInput<'_>) -> Probe {
    let msg = match input.transport {
        Transport::Udp => input.data,
        Transport::Tcp => {
            let Some(len) = input.data.get(..2) else {
                return Probe::NeedMore;
            };
            let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
            if len < parser::HEADER_LEN {
                return Probe::No;
            }
            match input.data.get(2..2 + len) {
                Some(m) => m,
                None if input.data.len() < 2 + parser::HEADER_LEN => return Probe::NeedMore,
                None => input.data.get(2..).unwrap_or(&[]),
            }
        }
    };
    if parser::looks_like_dns(msg) {
        Probe::Yes("DNS header and question section parse")
    } else {
        Probe::No
    }
}
