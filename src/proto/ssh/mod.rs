//! SSH (RFC 4253): the identification strings of both ends (§4.2) and
//! their `SSH_MSG_KEXINIT` (§7.1), from which the HASSH and HASSH-server
//! fingerprints are computed. One EVE `ssh` record per flow, written once
//! both KEXINITs are seen (or when the flow ends); everything after the key
//! exchange is encrypted and left alone.

mod log;
pub mod parser;
pub mod state;

pub use parser::{KexInit, SshError, SshIdent};
pub use state::{Hassh, SshPeer, SshState, SshTx};

use super::{Probe, ProbeInput, ProtoSpec, Transport};

/// The registry entry.
pub static SPEC: ProtoSpec = ProtoSpec {
    name: "ssh",
    transports: &[Transport::Tcp],
    ports: &[22],
    probe,
    new_state: state::new_state,
    stats_tcp: Some("ssh"),
    stats_udp: None,
};

/// `SSH-<digits>.<digits>-` opens the identification string either end
/// sends first (RFC 4253 §4.2).
fn probe(input: &ProbeInput<'_>) -> Probe {
    const MAGIC: &[u8] = b"SSH-";
    let d = input.data;
    let head = d.get(..MAGIC.len()).unwrap_or(d);
    if !MAGIC.starts_with(head) {
        return Probe::No;
    }
    let rest = d.get(MAGIC.len()..).unwrap_or(&[]);
    // "1.99" and "2.0" are the versions in use; allow a few digits each.
    const MAX_VERSION: usize = 7;
    match memchr::memchr(b'-', rest.get(..MAX_VERSION + 1).unwrap_or(rest)) {
        Some(dash) if parser::is_proto_version(rest.get(..dash).unwrap_or(&[])) => {
            Probe::Yes("SSH identification string (RFC 4253 4.2)")
        }
        Some(_) => Probe::No,
        None if rest.len() <= MAX_VERSION
            && rest.iter().all(|b| b.is_ascii_digit() || *b == b'.') =>
        {
            Probe::NeedMore
        }
        None => Probe::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::Direction;

    fn p(data: &[u8]) -> Probe {
        probe(&ProbeInput {
            transport: Transport::Tcp,
            dir: Direction::ToClient,
            data,
            client_port: 40000,
            server_port: 2222,
            earlier: &[],
        })
    }

    #[test]
    fn probes() {
        assert!(matches!(p(b"SSH-2.0-OpenSSH_9.6\r\n"), Probe::Yes(_)));
        assert!(matches!(p(b"SSH-1.99-x"), Probe::Yes(_)));
        assert_eq!(p(b"SS"), Probe::NeedMore);
        assert_eq!(p(b"SSH-2."), Probe::NeedMore);
        assert_eq!(p(b""), Probe::NeedMore);
        assert_eq!(p(b"GET / HTTP/1.1\r\n"), Probe::No);
        assert_eq!(p(b"SSH-abc-"), Probe::No);
        assert_eq!(p(b"SSH-2.0.0.0.0.0-"), Probe::No);
        assert_eq!(p(b"\x16\x03\x01\x00"), Probe::No);
    }
}
