//! Small helpers every parser shares: bounded strings from wire bytes, hex.

/// A string from wire bytes: invalid UTF-8 replaced, cut to at most `max`
/// bytes at a character boundary. JSON escaping happens in the writer, so a
/// control character or quote from the wire can never break a record.
pub fn lossy(bytes: &[u8], max: usize) -> String {
    let cut = bytes.get(..max).unwrap_or(bytes);
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if cut.len() < bytes.len() {
        // A multi-byte character cut in half became U+FFFD: fine, but keep
        // the total within `max` bytes plus that one replacement.
        while s.len() > max + 3 {
            s.pop();
        }
    }
    s
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
}

/// Hex with a separator between bytes (`aa:bb:cc`), as Suricata writes
/// fingerprints and serials.
pub fn hex_sep(bytes: &[u8], sep: char, upper: bool) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(sep);
        }
        if upper {
            s.push_str(&format!("{b:02X}"));
        } else {
            s.push_str(&format!("{b:02x}"));
        }
    }
    s
}

/// Splits off one line ending in `\n` (a preceding `\r` is dropped), or
/// `None` if `data` holds no complete line.
pub fn split_line(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let nl = memchr::memchr(b'\n', data)?;
    let line = data.get(..nl)?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((line, data.get(nl + 1..)?))
}

/// `bytes` without leading and trailing spaces and tabs.
pub fn trim(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .map_or(start, |e| e + 1);
    bytes.get(start..end).unwrap_or(&[])
}

/// A non-empty run of ASCII digits as a number, without overflow.
pub fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    digits.iter().try_fold(0u64, |n, &b| {
        if b.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossy_cuts_and_replaces() {
        assert_eq!(lossy(b"abc", 10), "abc");
        assert_eq!(lossy(b"abcdef", 3), "abc");
        assert_eq!(lossy(b"a\xffb", 10), "a\u{fffd}b");
    }

    #[test]
    fn hex_forms() {
        assert_eq!(hex(&[0, 0xab, 0x10]), "00ab10");
        assert_eq!(hex_sep(&[0xab, 0x1], ':', true), "AB:01");
    }

    #[test]
    fn lines() {
        assert_eq!(split_line(b"ab\r\ncd"), Some((&b"ab"[..], &b"cd"[..])));
        assert_eq!(split_line(b"ab\ncd\n"), Some((&b"ab"[..], &b"cd\n"[..])));
        assert_eq!(split_line(b"abcd"), None);
    }
}
