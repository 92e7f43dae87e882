//! TLS and SSL 3.0 over TCP (RFC 5246, RFC 8446; SSL 2.0-format
//! ClientHellos per RFC 6101 Appendix E.1).
//!
//! One EVE `tls` record per handshake: SNI, negotiated version, what each
//! hello offered or chose, JA3/JA3S/JA4 fingerprints, and the server's
//! certificate chain when it is sent in the clear (TLS 1.2 and earlier).
//! Records and handshake bodies are decoded with tls-parser, certificates
//! with x509-parser; the framing (records split over segments, handshake
//! messages split over records) is ours. Once the handshake turns
//! encrypted both directions stop: application data is only counted.
//! DTLS and QUIC are not handled here.

pub mod fingerprint;
mod log;
pub mod parser;
pub mod state;

pub use parser::{ClientHello, ServerHello, TlsError};
pub use state::{Ja3, TlsCertificate, TlsClientHello, TlsServerHello, TlsState, TlsTx, TlsVersion};

use super::{Direction, Probe, ProbeInput, ProtoSpec, Transport};

/// The registry entry.
pub static SPEC: ProtoSpec = ProtoSpec {
    name: "tls",
    transports: &[Transport::Tcp],
    ports: &[
        443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 5061, 8443,
    ],
    probe,
    new_state: state::new_state,
    stats_tcp: Some("tls"),
    stats_udp: None,
};

/// Smallest ServerHello body: version, random, session id length, cipher,
/// compression (RFC 5246 §7.4.1.3).
const MIN_HELLO_LEN: usize = 2 + 32 + 1 + 2 + 1;

/// A handshake record (type 22, version 3.0..3.4, a sane length) whose
/// first message is a ClientHello (to the server) or a ServerHello (to the
/// client) of at least the minimum size and of a 3.x version; or, from the
/// client, an SSL 2.0-format CLIENT-HELLO whose fixed fields all check out.
fn probe(input: &ProbeInput<'_>) -> Probe {
    let d = input.data;
    let Some(&first) = d.first() else {
        return Probe::NeedMore;
    };
    if first & 0x80 != 0 && input.dir == Direction::ToServer {
        return probe_sslv2(d);
    }
    if first != parser::content_type::HANDSHAKE {
        return Probe::No;
    }
    let Some(h) = d.get(..11).and_then(|h| <&[u8; 11]>::try_from(h).ok()) else {
        // Check what is there already, so a non-TLS flow is ruled out early.
        return match d.get(1..3) {
            Some([3, minor]) if *minor <= 4 => Probe::NeedMore,
            Some(_) => Probe::No,
            None if d.get(1).is_some_and(|b| *b != 3) => Probe::No,
            None => Probe::NeedMore,
        };
    };
    let rec_len = usize::from(u16::from_be_bytes([h[3], h[4]]));
    let hs_len = usize::from(h[6]) << 16 | usize::from(h[7]) << 8 | usize::from(h[8]);
    let (want, evidence) = match input.dir {
        Direction::ToServer => (
            parser::handshake_type::CLIENT_HELLO,
            "TLS handshake record carrying a ClientHello",
        ),
        Direction::ToClient => (
            parser::handshake_type::SERVER_HELLO,
            "TLS handshake record carrying a ServerHello",
        ),
    };
    let ok = h[1] == 3
        && h[2] <= 4
        && (parser::HANDSHAKE_HEADER_LEN..=parser::MAX_RECORD_LEN).contains(&rec_len)
        && h[5] == want
        && hs_len >= MIN_HELLO_LEN
        && h[9] == 3
        && h[10] <= 4;
    if ok { Probe::Yes(evidence) } else { Probe::No }
}

fn probe_sslv2(d: &[u8]) -> Probe {
    let (Some(&[hi, lo]), Some(rec)) = (d.get(..2), d.get(2..11)) else {
        return Probe::NeedMore;
    };
    let len = usize::from(u16::from_be_bytes([hi & 0x7f, lo]));
    match parser::sslv2_header(rec) {
        Some(h) if h.body_len == len => Probe::Yes("SSL 2.0-format ClientHello"),
        _ => Probe::No,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parser::tests::{CLIENT_HELLO, SERVER_HELLO, SSLV2_HELLO};

    fn p(dir: Direction, data: &[u8]) -> Probe {
        probe(&ProbeInput {
            transport: Transport::Tcp,
            dir,
            data,
            client_port: 40000,
            server_port: 9001,
            earlier: &[],
        })
    }

    #[test]
    fn recognises_hellos() {
        assert!(matches!(
            p(Direction::ToServer, CLIENT_HELLO),
            Probe::Yes(_)
        ));
        assert!(matches!(
            p(Direction::ToClient, SERVER_HELLO),
            Probe::Yes(_)
        ));
        assert!(matches!(p(Direction::ToServer, SSLV2_HELLO), Probe::Yes(_)));
        // The wrong hello for the direction.
        assert_eq!(p(Direction::ToClient, CLIENT_HELLO), Probe::No);
        assert_eq!(p(Direction::ToServer, SERVER_HELLO), Probe::No);
    }

    #[test]
    fn every_prefix_is_need_more_or_yes() {
        for fixture in [CLIENT_HELLO, SSLV2_HELLO] {
            for cut in 0..fixture.len() {
                let r = p(Direction::ToServer, &fixture[..cut]);
                assert!(
                    r == Probe::NeedMore || matches!(r, Probe::Yes(_)),
                    "cut {cut}: {r:?}"
                );
            }
        }
    }

    #[test]
    fn rejects_other_protocols() {
        for other in [
            &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..],
            b"SSH-2.0-OpenSSH_9.6\r\n",
            b"220 mail.example.com ESMTP\r\n",
            b"\x00\x1c\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00",
            b"\x17\x03\x03\x00\x20 application data, not a hello",
            b"\x16\x03\x03\x00\x04\x0b\x00\x00\x00\x00\x00", // a Certificate first
            b"\x16\xfe\xfd\x00\x00\x00\x00\x00\x00\x00\x00", // DTLS
            b"\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80", // binary
        ] {
            assert_eq!(p(Direction::ToServer, other), Probe::No, "{other:?}");
        }
        assert_eq!(p(Direction::ToServer, b"\x16\x04"), Probe::No);
    }
}
