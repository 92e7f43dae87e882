//! Test helpers shared by the protocol modules: probe inputs and
//! hand-written fixtures of other protocols that a probe must not claim.

use super::{Direction, ProbeInput, Transport};

/// A UDP probe input with no earlier datagrams.
pub fn udp(dir: Direction, data: &[u8]) -> ProbeInput<'_> {
    udp_after(dir, data, &[])
}

/// A UDP probe input after `earlier` datagrams.
pub fn udp_after<'a>(
    dir: Direction,
    data: &'a [u8],
    earlier: &'a [(Direction, Vec<u8>)],
) -> ProbeInput<'a> {
    ProbeInput {
        transport: Transport::Udp,
        dir,
        data,
        client_port: 40000,
        server_port: 40001,
        earlier,
    }
}

/// A TCP probe input (the first bytes of one direction).
pub fn tcp(dir: Direction, data: &[u8]) -> ProbeInput<'_> {
    ProbeInput {
        transport: Transport::Tcp,
        dir,
        data,
        client_port: 40000,
        server_port: 40001,
        earlier: &[],
    }
}

/// A DNS query for example.com A.
static DNS_QUERY: &[u8] = &[
    0xab, 0xcd, // id
    0x01, 0x00, // flags: RD
    0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, // one question
    7, b'e', b'x', b'a', b'm', b'p', b'l', b'e', 3, b'c', b'o', b'm', 0, // name
    0x00, 0x01, 0x00, 0x01, // A IN
];

/// The start of a TLS 1.2 ClientHello record.
static TLS_CLIENT_HELLO: &[u8] = &[
    0x16, 0x03, 0x01, 0x00, 0x2f, // handshake record, 47 bytes
    0x01, 0x00, 0x00, 0x2b, // ClientHello, 43 bytes
    0x03, 0x03, // client version TLS 1.2
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e,
    0x1f, // random
    0x00, // session id length
    0x00, 0x02, 0x13, 0x01, // one cipher suite
    0x01, 0x00, // null compression
];

/// An HTTP request.
static HTTP_GET: &[u8] = b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n\r\n";

/// Bytes from a fixed linear congruential generator (no zero runs).
static RANDOM: &[u8] = &[
    0x5d, 0x3a, 0xe1, 0x07, 0x9c, 0x44, 0xb2, 0x6f, 0x18, 0xd3, 0x7e, 0x21, 0xc9, 0x90, 0x0b, 0x66,
    0xf4, 0x2d, 0x83, 0x5a, 0x37, 0xae, 0x12, 0xe8, 0x4b, 0x99, 0x61, 0x0d, 0xbc, 0x75, 0x2e, 0xd0,
    0x8a, 0x13, 0xf7, 0x46, 0x9b, 0x3c, 0x60, 0xe5, 0x1a, 0xc2, 0x58, 0x87, 0x34, 0xfb, 0x09, 0xa6,
    0x71, 0xdd, 0x28, 0x95, 0x4f, 0xb8, 0x03, 0x6c, 0xe2, 0x1f, 0x97, 0x50,
];

/// A zero-filled datagram of the length of a WireGuard handshake response.
static ZEROS: &[u8] = &[0; 92];

/// Other protocols' first bytes, and random bytes, by name.
pub static NOT_CLAIMED: &[(&str, &[u8])] = &[
    ("dns", DNS_QUERY),
    ("tls", TLS_CLIENT_HELLO),
    ("http", HTTP_GET),
    ("random", RANDOM),
    ("zeros", ZEROS),
];
