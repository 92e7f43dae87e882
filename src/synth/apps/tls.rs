//! TLS 1.2 wire format: ClientHello with SNI, ServerHello, a DER X.509
//! certificate chain, ECDHE ServerKeyExchange, ServerHelloDone,
//! ClientKeyExchange, ChangeCipherSpec, encrypted Finished and
//! AES-GCM-sized application-data records.

use super::super::rng::Rng;

const CT_CCS: u8 = 20;
const CT_HANDSHAKE: u8 = 22;
const CT_APPDATA: u8 = 23;

/// Largest plaintext per record.
pub const MAX_PLAINTEXT: usize = 16384;
/// AES-GCM per-record overhead (explicit nonce + tag).
pub const GCM_OVERHEAD: usize = 24;

fn u24(out: &mut Vec<u8>, v: usize) {
    out.extend_from_slice(&(v as u32).to_be_bytes()[1..]);
}

fn record(out: &mut Vec<u8>, ct: u8, version: u16, body: &[u8]) {
    out.push(ct);
    out.extend_from_slice(&version.to_be_bytes());
    out.extend_from_slice(&(body.len() as u16).to_be_bytes());
    out.extend_from_slice(body);
}

fn handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 4);
    out.push(msg_type);
    u24(&mut out, body.len());
    out.extend_from_slice(body);
    out
}

fn ext(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend_from_slice(&typ.to_be_bytes());
    out.extend_from_slice(&(data.len() as u16).to_be_bytes());
    out.extend_from_slice(data);
}

fn len16(data: &[u8]) -> Vec<u8> {
    let mut v = (data.len() as u16).to_be_bytes().to_vec();
    v.extend_from_slice(data);
    v
}

/// A ClientHello record offering TLS 1.2 with SNI `sni`, as a browser sends it (ALPN h2, http/1.1).
pub(crate) fn client_hello(rng: &mut Rng, sni: &str) -> Vec<u8> {
    client_hello_with(rng, sni, true)
}

/// A ClientHello record with SNI `sni`, with or without ALPN (a Tor client sends none).
pub(crate) fn client_hello_with(rng: &mut Rng, sni: &str, alpn: bool) -> Vec<u8> {
    let mut b = vec![0x03, 0x03];
    b.extend_from_slice(&rng.bytes::<32>());
    b.push(32);
    b.extend_from_slice(&rng.bytes::<32>());
    let suites: [u16; 15] = [
        0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014,
        0x009c, 0x009d, 0x002f, 0x0035,
    ];
    b.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        b.extend_from_slice(&s.to_be_bytes());
    }
    b.extend_from_slice(&[1, 0]); // compression: null
    let mut e = Vec::new();
    // server_name
    let mut sn = vec![0u8];
    sn.extend_from_slice(&len16(sni.as_bytes()));
    ext(&mut e, 0x0000, &len16(&sn));
    ext(&mut e, 0x0017, &[]); // extended_master_secret
    ext(&mut e, 0xff01, &[0]); // renegotiation_info
    ext(
        &mut e,
        0x000a,
        &len16(&[0x00, 0x1d, 0x00, 0x17, 0x00, 0x18]),
    ); // groups
    ext(&mut e, 0x000b, &[1, 0]); // ec_point_formats
    ext(&mut e, 0x0023, &[]); // session_ticket
    if alpn {
        let mut list = vec![2];
        list.extend_from_slice(b"h2");
        list.push(8);
        list.extend_from_slice(b"http/1.1");
        ext(&mut e, 0x0010, &len16(&list));
    }
    ext(&mut e, 0x0005, &[1, 0, 0, 0, 0]); // status_request
    ext(
        &mut e,
        0x000d,
        &len16(&[
            0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x08, 0x06,
            0x06, 0x01,
        ]),
    );
    b.extend_from_slice(&len16(&e));
    let mut out = Vec::new();
    record(&mut out, CT_HANDSHAKE, 0x0301, &handshake(1, &b));
    out
}

// ---- minimal DER ----

fn der(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend_from_slice(&[0x81, n as u8]);
    } else {
        out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    der(0x30, &parts.concat())
}

const OID_SHA256_RSA: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b,
];
const OID_RSA: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01,
];
const OID_CN: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x03];
const OID_O: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x0a];
const OID_C: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x06];
const OID_SAN: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x11];
const OID_BASIC: &[u8] = &[0x06, 0x03, 0x55, 0x1d, 0x13];
const NULL: &[u8] = &[0x05, 0x00];

fn name(org: &str, cn: &str) -> Vec<u8> {
    let rdn = |oid: &[u8], tag: u8, v: &str| der(0x31, &seq(&[oid, &der(tag, v.as_bytes())]));
    seq(&[
        &rdn(OID_C, 0x13, "US"),
        &rdn(OID_O, 0x0c, org),
        &rdn(OID_CN, 0x0c, cn),
    ])
}

fn positive_int(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len + 1];
    rng.fill(&mut v[1..]);
    v[1] |= 0x80;
    der(0x02, &v)
}

struct CertSpec<'a> {
    issuer_org: &'a str,
    issuer_cn: &'a str,
    subject_org: &'a str,
    subject_cn: &'a str,
    key_bytes: usize,
    sig_bytes: usize,
    sans: &'a [String],
    ca: bool,
}

fn certificate(rng: &mut Rng, c: &CertSpec<'_>) -> Vec<u8> {
    let alg = seq(&[OID_SHA256_RSA, NULL]);
    let mut serial = rng.bytes::<16>();
    serial[0] = (serial[0] & 0x7f) | 0x01;
    let validity = seq(&[&der(0x17, b"261020000000Z"), &der(0x17, b"270118235959Z")]);
    let rsa_key = seq(&[
        &positive_int(rng, c.key_bytes),
        &[0x02, 0x03, 0x01, 0x00, 0x01],
    ]);
    let mut bits = vec![0u8];
    bits.extend_from_slice(&rsa_key);
    let spki = seq(&[&seq(&[OID_RSA, NULL]), &der(0x03, &bits)]);
    let mut exts: Vec<Vec<u8>> = Vec::new();
    if !c.sans.is_empty() {
        let names: Vec<u8> = c
            .sans
            .iter()
            .flat_map(|s| der(0x82, s.as_bytes()))
            .collect();
        exts.push(seq(&[OID_SAN, &der(0x04, &der(0x30, &names))]));
    }
    let basic = if c.ca {
        seq(&[&[0x01, 0x01, 0xff], &[0x02, 0x01, 0x00]])
    } else {
        seq(&[])
    };
    exts.push(seq(&[OID_BASIC, &[0x01, 0x01, 0xff], &der(0x04, &basic)]));
    let ext_refs: Vec<&[u8]> = exts.iter().map(Vec::as_slice).collect();
    let extensions = der(0xa3, &seq(&ext_refs));
    let tbs = seq(&[
        &[0xa0, 0x03, 0x02, 0x01, 0x02],
        &der(0x02, &serial),
        &alg,
        &name(c.issuer_org, c.issuer_cn),
        &validity,
        &name(c.subject_org, c.subject_cn),
        &spki,
        &extensions,
    ]);
    let mut sig = vec![0u8; c.sig_bytes + 1];
    rng.fill(&mut sig[1..]);
    sig[0] = 0;
    seq(&[&tbs, &alg, &der(0x03, &sig)])
}

/// The DER certificate chain (leaf for `sni`, then its issuing CA).
pub(crate) fn cert_chain(rng: &mut Rng, sni: &str) -> Vec<Vec<u8>> {
    let base = sni.split_once('.').map_or(sni, |(_, rest)| rest);
    let mut sans = vec![sni.to_string(), format!("*.{base}"), base.to_string()];
    for i in 0..32 {
        sans.push(format!("svc{i:02}.{base}"));
    }
    let leaf = certificate(
        rng,
        &CertSpec {
            issuer_org: "Synthetic Trust Services",
            issuer_cn: "Synthetic TLS Issuing CA 1",
            subject_org: "Example Corp",
            subject_cn: sni,
            key_bytes: 256,
            sig_bytes: 512,
            sans: &sans,
            ca: false,
        },
    );
    let ca = certificate(
        rng,
        &CertSpec {
            issuer_org: "Synthetic Trust Services",
            issuer_cn: "Synthetic Root CA R1",
            subject_org: "Synthetic Trust Services",
            subject_cn: "Synthetic TLS Issuing CA 1",
            key_bytes: 512,
            sig_bytes: 512,
            sans: &[],
            ca: true,
        },
    );
    vec![leaf, ca]
}

/// Server's first flight: ServerHello, Certificate, ServerKeyExchange,
/// ServerHelloDone, one record each.
pub(crate) fn server_flight(rng: &mut Rng, sni: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut sh = vec![0x03, 0x03];
    sh.extend_from_slice(&rng.bytes::<32>());
    sh.push(32);
    sh.extend_from_slice(&rng.bytes::<32>());
    sh.extend_from_slice(&[0xc0, 0x2f, 0x00]); // ECDHE-RSA-AES128-GCM-SHA256, null
    let mut e = Vec::new();
    ext(&mut e, 0xff01, &[0]);
    ext(&mut e, 0x000b, &[1, 0]);
    ext(&mut e, 0x0017, &[]);
    let mut alpn = vec![8];
    alpn.extend_from_slice(b"http/1.1");
    ext(&mut e, 0x0010, &len16(&alpn));
    sh.extend_from_slice(&len16(&e));
    record(&mut out, CT_HANDSHAKE, 0x0303, &handshake(2, &sh));

    let chain = cert_chain(rng, sni);
    let mut list = Vec::new();
    for c in &chain {
        u24(&mut list, c.len());
        list.extend_from_slice(c);
    }
    let mut cert = Vec::new();
    u24(&mut cert, list.len());
    cert.extend_from_slice(&list);
    record(&mut out, CT_HANDSHAKE, 0x0303, &handshake(11, &cert));

    let mut ske = vec![3, 0x00, 0x1d, 32];
    ske.extend_from_slice(&rng.bytes::<32>());
    ske.extend_from_slice(&[0x08, 0x04, 0x01, 0x00]);
    let mut sig = [0u8; 256];
    rng.fill(&mut sig);
    ske.extend_from_slice(&sig);
    record(&mut out, CT_HANDSHAKE, 0x0303, &handshake(12, &ske));
    record(&mut out, CT_HANDSHAKE, 0x0303, &handshake(14, &[]));
    out
}

/// Client's second flight: ClientKeyExchange, ChangeCipherSpec, encrypted Finished.
pub(crate) fn client_finish(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    let mut cke = vec![32];
    cke.extend_from_slice(&rng.bytes::<32>());
    record(&mut out, CT_HANDSHAKE, 0x0303, &handshake(16, &cke));
    record(&mut out, CT_CCS, 0x0303, &[1]);
    record(&mut out, CT_HANDSHAKE, 0x0303, &rng.bytes::<40>());
    out
}

/// Server's ChangeCipherSpec and encrypted Finished.
pub(crate) fn server_finish(rng: &mut Rng) -> Vec<u8> {
    let mut out = Vec::new();
    record(&mut out, CT_CCS, 0x0303, &[1]);
    record(&mut out, CT_HANDSHAKE, 0x0303, &rng.bytes::<40>());
    out
}

/// Application-data records carrying `plaintext_len` bytes (records of at
/// most 16384 plaintext bytes, each with AES-GCM overhead), random content.
pub(crate) fn app_data(rng: &mut Rng, plaintext_len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(plaintext_len + plaintext_len / 512 + 64);
    let mut left = plaintext_len.max(1);
    while left > 0 {
        let n = left.min(MAX_PLAINTEXT);
        let body = n + GCM_OVERHEAD;
        out.push(CT_APPDATA);
        out.extend_from_slice(&[0x03, 0x03]);
        out.extend_from_slice(&(body as u16).to_be_bytes());
        let start = out.len();
        out.resize(start + body, 0);
        rng.fill(&mut out[start..]);
        left -= n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(mut b: &[u8]) -> Vec<(u8, usize)> {
        let mut v = Vec::new();
        while b.len() >= 5 {
            let n = usize::from(u16::from_be_bytes([b[3], b[4]]));
            v.push((b[0], n));
            b = &b[5 + n..];
        }
        assert!(b.is_empty());
        v
    }

    #[test]
    fn framing() {
        let mut r = Rng::new(5);
        let ch = client_hello(&mut r, "www.example.com");
        assert_eq!(records(&ch).len(), 1);
        assert!(ch.windows(15).any(|w| w == b"www.example.com"));
        let sf = server_flight(&mut r, "www.example.com");
        let recs = records(&sf);
        assert_eq!(recs.len(), 4);
        assert!(
            (3000..=4500).contains(&recs[1].1),
            "cert record {}",
            recs[1].1
        );
        assert_eq!(records(&client_finish(&mut r)).len(), 3);
        assert_eq!(records(&server_finish(&mut r)).len(), 2);
        let ad = app_data(&mut r, 40_000);
        assert_eq!(records(&ad).len(), 3);
    }
}
