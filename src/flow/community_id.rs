//! Community ID flow hashing, version 1
//! (<https://github.com/corelight/community-id-spec>): a SHA-1 over the
//! ordered endpoints, base64-encoded, so that Suricata, Zeek and kagami name
//! the same flow the same way.

use std::net::IpAddr;

use base64::Engine;
use sha1::{Digest, Sha1};

use crate::decode::ip_proto;

/// ICMPv4 request types and the reply types that answer them (spec §ICMP).
const ICMP4_PAIRS: [(u8, u8); 6] = [(8, 0), (0, 8), (13, 14), (14, 13), (15, 16), (16, 15)];
/// ICMPv4: router solicitation/advertisement, address mask request/reply.
const ICMP4_MORE: [(u8, u8); 4] = [(10, 9), (9, 10), (17, 18), (18, 17)];
/// ICMPv6 request/reply pairs.
const ICMP6_PAIRS: [(u8, u8); 10] = [
    (128, 129),
    (129, 128),
    (133, 134),
    (134, 133),
    (135, 136),
    (136, 135),
    (130, 131),
    (131, 130),
    (144, 145),
    (145, 144),
];

/// For ICMP, the "ports" the spec assigns: (type, counterpart type or code)
/// and whether the pair is one-way (then it is not reordered).
fn icmp_ports(proto: u8, icmp_type: u8, code: u8) -> (u16, u16, bool) {
    let table: &[(u8, u8)] = if proto == ip_proto::ICMP {
        &ICMP4_PAIRS
    } else {
        &ICMP6_PAIRS
    };
    let extra: &[(u8, u8)] = if proto == ip_proto::ICMP {
        &ICMP4_MORE
    } else {
        &[]
    };
    let found = table.iter().chain(extra).find(|(t, _)| *t == icmp_type);
    match found {
        Some((_, other)) => (u16::from(icmp_type), u16::from(*other), false),
        None => (u16::from(icmp_type), u16::from(code), true),
    }
}

fn addr_bytes(a: &IpAddr) -> Vec<u8> {
    match a {
        IpAddr::V4(v) => v.octets().to_vec(),
        IpAddr::V6(v) => v.octets().to_vec(),
    }
}

/// The Community ID of a flow as its first packet saw it. For ICMP pass the
/// type and code as `sport` and `dport`. `seed` is 0 unless the operator chose one.
pub fn community_id(
    seed: u16,
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    sport: u16,
    dport: u16,
) -> String {
    let has_ports = matches!(
        proto,
        ip_proto::TCP | ip_proto::UDP | ip_proto::SCTP | ip_proto::ICMP | ip_proto::ICMPV6
    );
    let (mut sp, mut dp, one_way) = if proto == ip_proto::ICMP || proto == ip_proto::ICMPV6 {
        let t = u8::try_from(sport).unwrap_or(u8::MAX);
        let c = u8::try_from(dport).unwrap_or(u8::MAX);
        icmp_ports(proto, t, c)
    } else {
        (sport, dport, false)
    };
    let (mut a, mut b) = (addr_bytes(&src), addr_bytes(&dst));
    let swap = !one_way && (a > b || (a == b && sp > dp));
    if swap {
        std::mem::swap(&mut a, &mut b);
        std::mem::swap(&mut sp, &mut dp);
    }
    let mut h = Sha1::new();
    h.update(seed.to_be_bytes());
    h.update(&a);
    h.update(&b);
    h.update([proto, 0]);
    if has_ports {
        h.update(sp.to_be_bytes());
        h.update(dp.to_be_bytes());
    }
    format!(
        "1:{}",
        base64::engine::general_purpose::STANDARD.encode(h.finalize())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The specification's baseline (baseline_deflt.json and baseline_seed1.json):
    /// proto, source, destination, the ports as the spec maps them (for ICMP:
    /// type and counterpart type, or type and code for one-way messages),
    /// the ID with seed 0 and with seed 1.
    static BASELINE: [(u8, &str, &str, u16, u16, &str, &str); 23] = [
        (
            58,
            "fe80::200:86ff:fe05:80da",
            "fe80::260:97ff:fe07:69ea",
            135,
            136,
            "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=",
            "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=",
        ),
        (
            58,
            "fe80::260:97ff:fe07:69ea",
            "fe80::200:86ff:fe05:80da",
            136,
            135,
            "1:dGHyGvjMfljg6Bppwm3bg0LO8TY=",
            "1:kHa1FhMYIT6Ym2Vm2AOtoOARDzY=",
        ),
        (
            58,
            "fe80::260:97ff:fe07:69ea",
            "fe80::200:86ff:fe05:80da",
            135,
            136,
            "1:zavyT/cezQr1fmImYCwYnMXbgck=",
            "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=",
        ),
        (
            58,
            "fe80::200:86ff:fe05:80da",
            "fe80::260:97ff:fe07:69ea",
            136,
            135,
            "1:zavyT/cezQr1fmImYCwYnMXbgck=",
            "1:2hSqmsDZ2kdcY9kbiUzOEBic0iM=",
        ),
        (
            58,
            "3ffe:501:1800:2345::2",
            "3ffe:507:0:1:200:86ff:fe05:80da",
            3,
            0,
            "1:2ObVBgIn28oZvibYZhZMBgh7WdQ=",
            "1:lVEtCZpYu84Xqaa++3lXFyuu2n4=",
        ),
        (
            58,
            "3ffe:501:410:0:2c0:dfff:fe47:33e",
            "3ffe:507:0:1:200:86ff:fe05:80da",
            1,
            4,
            "1:hLZd0XGWojozrvxqE0dWB1iM6R0=",
            "1:W8MHwXpWzpoSTD+cGcaJr4u0ys8=",
        ),
        (
            58,
            "3ffe:507:0:1:200:86ff:fe05:80da",
            "3ffe:501:0:1001::2",
            128,
            129,
            "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=",
            "1:GfZxjAkDk2MkegpBYHV6tadtFXQ=",
        ),
        (
            58,
            "3ffe:501:0:1001::2",
            "3ffe:507:0:1:200:86ff:fe05:80da",
            129,
            128,
            "1:+TW+HtLHvV1xnGhV1lv7XoJrqQg=",
            "1:GfZxjAkDk2MkegpBYHV6tadtFXQ=",
        ),
        (
            58,
            "fe80::200:86ff:fe05:80da",
            "ff02::2",
            133,
            134,
            "1:hO+sN4H+MG5MY/8hIrXPqc4ZQz0=",
            "1:L7Ka0ZMYu+J3bL4ulW2PrqyXNo8=",
        ),
        (
            58,
            "fe80::260:97ff:fe07:69ea",
            "ff02::1",
            134,
            133,
            "1:pkvHqCL88/tg1k4cPigmZXUtL00=",
            "1:K/ee5UCqAMAQXDorP5nSa2CGLjc=",
        ),
        (
            1,
            "192.168.0.89",
            "192.168.0.1",
            8,
            0,
            "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
            "1:03g6IloqVBdcZlPyX8r0hgoE7kA=",
        ),
        (
            1,
            "192.168.0.1",
            "192.168.0.89",
            0,
            8,
            "1:X0snYXpgwiv9TZtqg64sgzUn6Dk=",
            "1:03g6IloqVBdcZlPyX8r0hgoE7kA=",
        ),
        (
            1,
            "10.0.0.1",
            "10.0.0.2",
            11,
            0,
            "1:YHxtAirCG//0OzkcVAukqKQN9xM=",
            "1:XjUibYHaafLQ3pxQeiMI8g25q20=",
        ),
        (
            6,
            "2001:470:e5bf:dead:4957:2174:e82c:4887",
            "2607:f8b0:400c:c03::1a",
            63943,
            25,
            "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=",
            "1:eJYTW6AOzFLlSUoESovMjnu7rMw=",
        ),
        (
            6,
            "2607:f8b0:400c:c03::1a",
            "2001:470:e5bf:dead:4957:2174:e82c:4887",
            25,
            63943,
            "1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=",
            "1:eJYTW6AOzFLlSUoESovMjnu7rMw=",
        ),
        (
            132,
            "192.168.170.8",
            "192.168.170.56",
            7,
            7,
            "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=",
            "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=",
        ),
        (
            132,
            "192.168.170.56",
            "192.168.170.8",
            7,
            7,
            "1:MP2EtRCAUIZvTw6MxJHLV7N7JDs=",
            "1:5w3ZRjeKBzqT3zsaEECDGjUbYeg=",
        ),
        (
            6,
            "128.232.110.120",
            "66.35.250.204",
            34855,
            80,
            "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
            "1:3V71V58M3Ksw/yuFALMcW0LAHvc=",
        ),
        (
            6,
            "66.35.250.204",
            "128.232.110.120",
            80,
            34855,
            "1:LQU9qZlK+B5F3KDmev6m5PMibrg=",
            "1:3V71V58M3Ksw/yuFALMcW0LAHvc=",
        ),
        (
            17,
            "192.168.1.52",
            "8.8.8.8",
            54585,
            53,
            "1:d/FP5EW3wiY1vCndhwleRRKHowQ=",
            "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=",
        ),
        (
            17,
            "8.8.8.8",
            "192.168.1.52",
            53,
            54585,
            "1:d/FP5EW3wiY1vCndhwleRRKHowQ=",
            "1:Q9We8WO3piVF8yEQBNJF4uiSVrI=",
        ),
        (
            46,
            "10.1.12.1",
            "10.1.12.2",
            0,
            0,
            "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=",
            "1:rYir8gphR31noO9iDRQmF/BteEI=",
        ),
        (
            46,
            "10.1.12.2",
            "10.1.12.1",
            0,
            0,
            "1:KHlLkgoJW7ifUTyTSgyVfkFHzKw=",
            "1:rYir8gphR31noO9iDRQmF/BteEI=",
        ),
    ];

    #[test]
    fn specification_baseline() {
        for (proto, s, d, sp, dp, seed0, seed1) in BASELINE {
            let (s, d): (IpAddr, IpAddr) = (s.parse().unwrap(), d.parse().unwrap());
            // Our input for ICMP is (type, code): a request/reply type carries code 0.
            let (a, b) = if proto == 1 || proto == 58 {
                let (_, _, one_way) = icmp_ports(proto, sp as u8, 0);
                (sp, if one_way { dp } else { 0 })
            } else {
                (sp, dp)
            };
            assert_eq!(
                community_id(0, s, d, proto, a, b),
                seed0,
                "{s} {d} {proto} {sp} {dp}"
            );
            assert_eq!(
                community_id(1, s, d, proto, a, b),
                seed1,
                "seed 1: {s} {d} {proto} {sp} {dp}"
            );
        }
    }
}
