//! Client and server hello fingerprints: JA3 and JA3S (Salesforce,
//! <https://github.com/salesforce/ja3>) and JA4 (FoxIO,
//! <https://github.com/FoxIO-LLC/ja4/blob/main/technical_details/JA4.md>).
//!
//! JA3 is `version,ciphers,extensions,groups,point_formats`: decimal values,
//! `-` between values, GREASE (RFC 8701) removed; JA3S is
//! `version,cipher,extensions`. Both are logged with their MD5.
//!
//! JA4 is `a_b_c`: `a` = transport (`t`), version (highest of
//! supported_versions, else the hello's), `d`/`i` for SNI present or not,
//! two-digit cipher and extension counts, first and last character of the
//! first ALPN; `b` = first 12 hex digits of SHA-256 over the sorted cipher
//! list; `c` = the same over the sorted extension list without SNI and ALPN,
//! then `_` and the signature algorithms in wire order. GREASE never counts.

use md5::{Digest as _, Md5};
use sha2::Sha256;

use super::parser::{ClientHello, ServerHello, ext};
use crate::proto::util::hex;

/// A GREASE value (RFC 8701 §2): `0x?a?a` with both bytes equal.
pub fn is_grease(v: u16) -> bool {
    v & 0x0f0f == 0x0a0a && v >> 8 == v & 0xff
}

fn join<T: std::fmt::Display>(out: &mut String, items: impl Iterator<Item = T>) {
    use std::fmt::Write as _;
    for (i, v) in items.enumerate() {
        if i > 0 {
            out.push('-');
        }
        let _ = write!(out, "{v}");
    }
}

fn no_grease(list: &[u16]) -> impl Iterator<Item = u16> + '_ {
    list.iter().copied().filter(|v| !is_grease(*v))
}

/// The JA3 string of a ClientHello.
pub fn ja3(ch: &ClientHello<'_>) -> String {
    let mut s = format!("{},", ch.version);
    join(&mut s, no_grease(&ch.ciphers));
    s.push(',');
    join(&mut s, no_grease(&ch.extensions));
    s.push(',');
    join(&mut s, no_grease(&ch.groups));
    s.push(',');
    join(&mut s, ch.ec_point_formats.iter());
    s
}

/// The JA3S string of a ServerHello.
pub fn ja3s(sh: &ServerHello<'_>) -> String {
    let mut s = format!("{},{},", sh.version, sh.cipher);
    join(&mut s, no_grease(&sh.extensions));
    s
}

/// Lower-case hex MD5 of `s`, as JA3 and JA3S are published.
pub fn md5_hex(s: &str) -> String {
    hex(&Md5::digest(s.as_bytes()))
}

/// The two-character JA4 version code.
fn ja4_version(v: u16) -> &'static str {
    match v {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    }
}

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}

/// First and last character of the first ALPN value, or of its hex form
/// when either end is not alphanumeric; `00` without one.
fn ja4_alpn(first: Option<&[u8]>) -> String {
    let Some(v) = first else {
        return "00".into();
    };
    let (Some(&a), Some(&z)) = (v.first(), v.last()) else {
        return "00".into();
    };
    if alnum(a) && alnum(z) {
        return [char::from(a), char::from(z)].iter().collect();
    }
    let h = hex(v);
    let mut out = String::with_capacity(2);
    out.extend(h.chars().next());
    out.extend(h.chars().last());
    out
}

/// First 12 hex digits of SHA-256 of `s`, or twelve zeros for an empty list.
fn sha12(s: &str) -> String {
    if s.is_empty() {
        return "000000000000".into();
    }
    let mut h = hex(&Sha256::digest(s.as_bytes()));
    h.truncate(12);
    h
}

fn hex_list(items: impl Iterator<Item = u16>) -> String {
    let mut s = String::new();
    for (i, v) in items.enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&format!("{v:04x}"));
    }
    s
}

/// The JA4 fingerprint of a ClientHello seen over TCP.
pub fn ja4(ch: &ClientHello<'_>) -> String {
    let version = no_grease(&ch.supported_versions)
        .max()
        .unwrap_or(ch.version);
    let sni = if ch.extensions.contains(&ext::SERVER_NAME) {
        'd'
    } else {
        'i'
    };
    let mut ciphers: Vec<u16> = no_grease(&ch.ciphers).collect();
    let exts: Vec<u16> = no_grease(&ch.extensions).collect();
    let a = format!(
        "t{}{sni}{:02}{:02}{}",
        ja4_version(version),
        ciphers.len().min(99),
        exts.len().min(99),
        ja4_alpn(ch.alpns.first().copied())
    );
    ciphers.sort_unstable();
    let b = sha12(&hex_list(ciphers.into_iter()));
    let mut sorted: Vec<u16> = exts
        .into_iter()
        .filter(|e| *e != ext::SERVER_NAME && *e != ext::ALPN)
        .collect();
    sorted.sort_unstable();
    let c = if sorted.is_empty() {
        "000000000000".to_string()
    } else {
        let mut s = hex_list(sorted.into_iter());
        let sigs = hex_list(no_grease(&ch.sig_algs));
        if !sigs.is_empty() {
            s.push('_');
            s.push_str(&sigs);
        }
        sha12(&s)
    };
    format!("{a}_{b}_{c}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::tls::parser::tests::{CLIENT_HELLO, SERVER_HELLO};
    use crate::proto::tls::parser::{parse_client_hello, parse_server_hello};

    #[test]
    fn grease_values() {
        for g in [0x0a0a, 0x1a1a, 0x2a2a, 0xfafa] {
            assert!(is_grease(g));
        }
        for v in [0x0a1a, 0x000a, 0x1301, 0xaaab] {
            assert!(!is_grease(v));
        }
    }

    /// The fixture's JA3 string, derived by hand from its bytes: legacy
    /// version 0x0303 = 771; ciphers c02b 1301 002f = 49195-4865-47 (GREASE
    /// 0a0a dropped); extensions 0 10 11 13 16 43 (GREASE dropped); groups
    /// 001d 0017 = 29-23; point formats 0.
    #[test]
    fn ja3_of_the_fixture() {
        let ch = parse_client_hello(&CLIENT_HELLO[5..]).unwrap();
        let s = ja3(&ch);
        assert_eq!(s, "771,49195-4865-47,0-10-11-13-16-43,29-23,0");
        assert_eq!(md5_hex(&s).len(), 32);
        let sh = parse_server_hello(&SERVER_HELLO[5..]).unwrap();
        assert_eq!(ja3s(&sh), "771,49195,65281-16-11-23");
    }

    #[test]
    fn ja3_published_example() {
        // Salesforce's README: this string hashes to ada70206e40642a3e4461f35503241d5.
        assert_eq!(
            md5_hex("769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0"),
            "ada70206e40642a3e4461f35503241d5"
        );
    }

    #[test]
    fn ja3_without_extensions_leaves_fields_empty() {
        let ch = ClientHello {
            version: 0x0301,
            ciphers: vec![4, 5],
            ..ClientHello::default()
        };
        assert_eq!(ja3(&ch), "769,4-5,,,");
    }

    /// The example of FoxIO's JA4 specification: the cipher, extension and
    /// signature-algorithm lists it gives, in its original order, with h2
    /// as first ALPN and TLS 1.3 in supported_versions.
    #[test]
    fn ja4_published_example() {
        let ch = ClientHello {
            version: 0x0303,
            ciphers: vec![
                0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013,
                0xc014, 0x009c, 0x009d, 0x002f, 0x0035, 0x3a3a,
            ],
            extensions: vec![
                0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023,
                0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015, 0xdada,
            ],
            sig_algs: vec![
                0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601,
            ],
            alpns: vec![b"h2", b"http/1.1"],
            supported_versions: vec![0x2a2a, 0x0304, 0x0303],
            ..ClientHello::default()
        };
        assert_eq!(ja4(&ch), "t13d1516h2_8daaf6152771_e5627efa2ab1");
        // Without signature algorithms the string ends before the '_'.
        let no_sigs = ClientHello {
            sig_algs: vec![],
            ..ch.clone()
        };
        assert!(ja4(&no_sigs).ends_with("_6d807ffa2a79"));
    }

    #[test]
    fn ja4_alpn_forms() {
        assert_eq!(ja4_alpn(Some(b"http/1.1")), "h1");
        assert_eq!(ja4_alpn(Some(b"h")), "hh");
        assert_eq!(ja4_alpn(Some(&[0xab])), "ab");
        assert_eq!(ja4_alpn(Some(&[0xab, 0xcd])), "ad");
        assert_eq!(ja4_alpn(Some(&[0x30, 0xab])), "3b");
        assert_eq!(ja4_alpn(Some(&[0x30, 0xab, 0xcd, 0x31])), "01");
        assert_eq!(ja4_alpn(Some(b"")), "00");
        assert_eq!(ja4_alpn(None), "00");
    }

    #[test]
    fn ja4_of_the_fixture() {
        let ch = parse_client_hello(&CLIENT_HELLO[5..]).unwrap();
        let f = ja4(&ch);
        assert!(f.starts_with("t13d0306h2_"), "{f}");
        let empty = ja4(&ClientHello::default());
        assert_eq!(empty, "t00i000000_000000000000_000000000000");
    }
}
