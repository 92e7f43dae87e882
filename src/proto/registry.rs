//! Every protocol kagami recognises, in probe order. Adding a protocol is
//! one line here (and its folder). Probes that check many bytes come before
//! probes that check few, so a weak probe never claims a flow a strict one
//! would have recognised.

use super::ProtoSpec;

/// The registered protocols. At most 64 (probe rejections are a bitmask).
pub static PROTOCOLS: &[&ProtoSpec] = &[
    // Magic numbers and exact framing first.
    &super::tls::SPEC,
    &super::ssh::SPEC,
    &super::http::SPEC,
    &super::smtp::SPEC,
    &super::dhcp::SPEC,
    &super::dhcp::v6::SPEC_V6,
    // Tailscale's disco magic before WireGuard's framing (Tailscale
    // carries WireGuard too).
    &super::tailscale::SPEC,
    &super::wireguard::SPEC,
    &super::ike::SPEC,
    &super::pptp::SPEC,
    &super::l2tp::SPEC,
    &super::openvpn::SPEC,
    // Header sanity and text lines last.
    &super::dns::SPEC,
    &super::irc::SPEC,
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
