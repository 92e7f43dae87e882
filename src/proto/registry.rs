//! Every protocol kagami recognises, in probe order. Adding a protocol is
//! one line here (and its folder). Probes that check many bytes come before
//! probes that check few, so a weak probe never claims a flow a strict one
//! would have recognised.

use super::ProtoSpec;

/// The registered protocols. At most 64 (probe rejections are a bitmask).
pub static PROTOCOLS: &[&ProtoSpec] = &[
    &super::dns::SPEC,
    &super::ike::SPEC,
    &super::pptp::SPEC,
    &super::l2tp::SPEC,
    &super::openvpn::SPEC,
    // Tailscale's disco magic before WireGuard's framing (Tailscale
    // carries WireGuard too).
    &super::tailscale::SPEC,
    &super::wireguard::SPEC,
];

/// The registry index of protocol `name`.
pub fn index_of(name: &str) -> Option<usize> {
    PROTOCOLS.iter().position(|s| s.name == name)
}

/// The protocol named `name`.
pub fn by_name(name: &str) -> Option<&'static ProtoSpec> {
    PROTOCOLS.iter().copied().find(|s| s.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_fit_the_mask() {
        assert!(PROTOCOLS.len() <= 64);
        for (i, s) in PROTOCOLS.iter().enumerate() {
            assert_eq!(index_of(s.name), Some(i), "{} registered twice", s.name);
        }
    }
}
