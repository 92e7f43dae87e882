//! L2TP version 2 over UDP (RFC 2661), recognised by its control messages
//! on any port (usually 1701).
//!
//! The probe needs a control message whose flag word, length field and
//! AVP chain all agree and whose first AVP is a Message Type of a defined
//! value; a ZLB acknowledgement (no AVPs) waits for more, and data
//! messages are never claimed on their own. Suricata has no `l2tp` record:
//! facts go to `metadata.flowvars` and to the detectors as [`L2tpTx`].

mod log;
pub mod parser;
pub mod state;

pub use parser::{L2tpControl, L2tpError};
pub use state::{L2tpState, L2tpTx};

use super::{Probe, ProbeInput, ProtoSpec, Transport};

/// The registry entry.
pub static SPEC: ProtoSpec = ProtoSpec {
    name: "l2tp",
    transports: &[Transport::Udp],
    ports: &[1701],
    probe,
    new_state: state::new_state,
    stats_tcp: None,
    stats_udp: None,
};

fn probe(input: &ProbeInput<'_>) -> Probe {
    match parser::parse(input.data) {
        Ok(m) => match m.message_type {
            Some(t) if parser::message_name(t).is_some() => {
                Probe::Yes("L2TPv2 control message with a Message Type AVP")
            }
            Some(_) => Probe::No,
            None => Probe::NeedMore,
        },
        Err(_) => Probe::No,
    }
}

#[cfg(test)]
mod tests {
    use super::parser::tests::SCCRQ;
    use super::*;
    use crate::proto::Direction;
    use crate::proto::testutil::{NOT_CLAIMED, udp};

    #[test]
    fn probe_claims_l2tp_only() {
        assert!(matches!(
            probe(&udp(Direction::ToServer, SCCRQ)),
            Probe::Yes(_)
        ));
        for (name, bytes) in NOT_CLAIMED {
            assert_eq!(probe(&udp(Direction::ToServer, bytes)), Probe::No, "{name}");
        }
    }
}
