//! PPTP control connection (TCP, RFC 2637), recognised by its magic cookie
//! on any port.
//!
//! Only the control connection is TCP: the tunnelled PPP frames travel in
//! enhanced GRE (IP protocol 47), which the application layer does not
//! see. Suricata has no `pptp` record: facts go to `metadata.flowvars` and
//! to the detectors as [`PptpTx`].

mod log;
pub mod parser;
pub mod state;

pub use parser::{CtrlType, PptpError, PptpMessage};
pub use state::{PptpState, PptpTx};

use super::{Probe, ProbeInput, ProtoSpec, Transport};

/// The registry entry.
pub static SPEC: ProtoSpec = ProtoSpec {
    name: "pptp",
    transports: &[Transport::Tcp],
    ports: &[1723],
    probe,
    new_state: state::new_state,
    stats_tcp: None,
    stats_udp: None,
};

/// A control message header with the magic cookie and a defined control
/// type is PPTP.
fn probe(input: &ProbeInput<'_>) -> Probe {
    if parser::check_header(input.data).is_err() {
        return Probe::No;
    }
    if input.data.len() < parser::HEADER_LEN {
        Probe::NeedMore
    } else {
        Probe::Yes("PPTP control message with the magic cookie")
    }
}

#[cfg(test)]
mod tests {
    use super::parser::tests::sccrq;
    use super::*;
    use crate::proto::Direction;
    use crate::proto::testutil::{NOT_CLAIMED, tcp};

    #[test]
    fn probe_claims_pptp_only() {
        let m = sccrq();
        assert!(matches!(
            probe(&tcp(Direction::ToServer, &m)),
            Probe::Yes(_)
        ));
        assert_eq!(probe(&tcp(Direction::ToServer, &m[..6])), Probe::NeedMore);
        for (name, bytes) in NOT_CLAIMED {
            assert_eq!(probe(&tcp(Direction::ToServer, bytes)), Probe::No, "{name}");
        }
    }
}
