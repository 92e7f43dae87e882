//! DHCPv4 messages (RFC 2131 header, RFC 2132 options) for the `devices`
//! scenario: a client's DISCOVER and REQUEST naming itself, and the
//! server's OFFER and ACK.

use std::net::Ipv4Addr;

/// DHCP message types (option 53, RFC 2132 §9.6).
pub const DISCOVER: u8 = 1;
pub const OFFER: u8 = 2;
pub const REQUEST: u8 = 3;
pub const ACK: u8 = 5;

/// What one message says.
pub struct Message<'a> {
    /// 1 from a client, 2 from a server.
    pub op: u8,
    pub xid: u32,
    /// The client's hardware address (`chaddr`).
    pub mac: [u8; 6],
    /// The address offered or assigned (`yiaddr`).
    pub yiaddr: Ipv4Addr,
    pub msg_type: u8,
    /// Option 12.
    pub hostname: Option<&'a str>,
    /// Option 50.
    pub requested: Option<Ipv4Addr>,
    /// Option 54 (and the router, option 3).
    pub server: Option<Ipv4Addr>,
}

/// Appends the message's BOOTP header and options to `out`.
pub fn message(out: &mut Vec<u8>, m: &Message<'_>) {
    out.extend_from_slice(&[m.op, 1, 6, 0]); // op, htype Ethernet, hlen, hops
    out.extend_from_slice(&m.xid.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0x80, 0]); // secs, flags: broadcast
    out.extend_from_slice(&[0; 4]); // ciaddr
    out.extend_from_slice(&m.yiaddr.octets());
    out.extend_from_slice(&m.server.unwrap_or(Ipv4Addr::UNSPECIFIED).octets()); // siaddr
    out.extend_from_slice(&[0; 4]); // giaddr
    out.extend_from_slice(&m.mac);
    out.extend_from_slice(&[0; 10]); // chaddr padding
    out.extend_from_slice(&[0; 64 + 128]); // sname, file
    out.extend_from_slice(&[99, 130, 83, 99]); // magic cookie
    out.extend_from_slice(&[53, 1, m.msg_type]);
    if let Some(r) = m.requested {
        out.extend_from_slice(&[50, 4]);
        out.extend_from_slice(&r.octets());
    }
    if let Some(h) = m.hostname {
        let h = &h.as_bytes()[..h.len().min(255)];
        out.extend_from_slice(&[12, h.len() as u8]);
        out.extend_from_slice(h);
    }
    if let Some(s) = m.server {
        out.extend_from_slice(&[54, 4]);
        out.extend_from_slice(&s.octets());
        out.extend_from_slice(&[1, 4, 255, 255, 255, 0]); // subnet mask
        out.extend_from_slice(&[3, 4]);
        out.extend_from_slice(&s.octets());
        out.extend_from_slice(&[51, 4, 0, 0, 0x0e, 0x10]); // lease 3600 s
    }
    out.push(255);
}
