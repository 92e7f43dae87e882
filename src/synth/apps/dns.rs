//! DNS wire format: a recursive A/AAAA query and a response with answers
//! using a compression pointer to the question name.

use std::net::IpAddr;

fn push_name(out: &mut Vec<u8>, name: &str) {
    for label in name.split('.').filter(|l| !l.is_empty()) {
        let l = &label.as_bytes()[..label.len().min(63)];
        out.push(l.len() as u8);
        out.extend_from_slice(l);
    }
    out.push(0);
}

fn header(out: &mut Vec<u8>, id: u16, flags: u16, qd: u16, an: u16) {
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(&qd.to_be_bytes());
    out.extend_from_slice(&an.to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
}

/// Query type A.
pub const QTYPE_A: u16 = 1;
/// Query type AAAA.
pub const QTYPE_AAAA: u16 = 28;

/// Appends a standard recursive query for `name`.
pub(crate) fn query(out: &mut Vec<u8>, id: u16, name: &str, qtype: u16) {
    header(out, id, 0x0100, 1, 0);
    push_name(out, name);
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
}

/// Appends the response to `query(id, name, qtype)` with one A/AAAA record per address.
pub(crate) fn response(
    out: &mut Vec<u8>,
    id: u16,
    name: &str,
    qtype: u16,
    answers: &[IpAddr],
    ttl: u32,
) {
    header(out, id, 0x8180, 1, answers.len() as u16);
    push_name(out, name);
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    for a in answers {
        out.extend_from_slice(&[0xc0, 0x0c]);
        match a {
            IpAddr::V4(v4) => {
                out.extend_from_slice(&QTYPE_A.to_be_bytes());
                out.extend_from_slice(&1u16.to_be_bytes());
                out.extend_from_slice(&ttl.to_be_bytes());
                out.extend_from_slice(&4u16.to_be_bytes());
                out.extend_from_slice(&v4.octets());
            }
            IpAddr::V6(v6) => {
                out.extend_from_slice(&QTYPE_AAAA.to_be_bytes());
                out.extend_from_slice(&1u16.to_be_bytes());
                out.extend_from_slice(&ttl.to_be_bytes());
                out.extend_from_slice(&16u16.to_be_bytes());
                out.extend_from_slice(&v6.octets());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        let mut q = Vec::new();
        query(&mut q, 1, "www.example.com", QTYPE_A);
        assert_eq!(q.len(), 12 + 17 + 4);
        let a: IpAddr = "93.184.216.34".parse().unwrap();
        let mut r = Vec::new();
        response(&mut r, 1, "www.example.com", QTYPE_A, &[a, a], 300);
        assert_eq!(r.len(), q.len() + 32);
        assert_eq!(&r[6..8], &[0, 2]);
    }
}
