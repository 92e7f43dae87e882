//! Deterministic generator of synthetic packet captures for kagami's tests,
//! demo and benchmarks. The same seed always produces byte-identical files.
//!
//! Layout: `rng` (PRNG), `writer` (pcap/pcapng files), `link` (link-layer
//! headers), `packet` (IP/TCP/UDP/ICMP headers), `encap` (tunnels), `sink`
//! (framing + ordering), `flow` (ground-truth types), `tcp` (TCP
//! conversations), `udp` (UDP/ICMP flows), `apps` (DHCP/DNS/TLS/HTTP/SMTP
//! payloads) and `scenarios` (the `write_*` entry points).

mod apps;
mod encap;
mod flow;
mod link;
mod packet;
mod rng;
mod scenarios;
mod sink;
mod tcp;
mod udp;
mod writer;

pub use flow::{FlowTruth, SynthSummary};
pub use scenarios::{
    DEMO_START_NS, DEVICES_GATEWAY, DEVICES_GATEWAY_MAC, DEVICES_ROGUE_AT_S,
    DEVICES_ROGUE_HOSTNAME, DEVICES_ROGUE_IP, DEVICES_ROGUE_MAC, MailSizes, write_bulk, write_demo,
    write_devices, write_flood, write_fragments, write_garbage, write_hours, write_mail,
    write_sample, write_spike, write_tunnels,
};
pub use writer::{FileFormat, Link, Output};
