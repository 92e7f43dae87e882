//! `write_fragments`: fragmented IPv4 and IPv6 UDP datagrams (in order,
//! reversed, IPv6 Fragment headers, and one datagram missing its last fragment).

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::Path as FsPath;

use etherparse::{IpFragOffset, IpNumber, Ipv6FragmentHeader};

use super::{DEMO_START_NS, MS};
use crate::synth::flow::{Dir, FlowTruth, Path, SynthSummary};
use crate::synth::link::{ETH_IPV4, ETH_IPV6};
use crate::synth::packet::{io_err, ipv4_header, ipv6_header, udp_header};
use crate::synth::rng::Rng;
use crate::synth::sink::Sink;
use crate::synth::writer::Output;

/// UDP header + payload of one datagram.
fn datagram(rng: &mut Rng, src: SocketAddr, dst: SocketAddr, len: usize) -> io::Result<Vec<u8>> {
    let mut payload = vec![0u8; len];
    rng.fill(&mut payload);
    let mut out = Vec::with_capacity(len + 8);
    udp_header(src, dst, &payload)?.write(&mut out)?;
    out.extend_from_slice(&payload);
    Ok(out)
}

/// Splits `data` (an IP payload) into fragment (offset, bytes) pieces of at most `max` bytes (multiple of 8).
fn pieces(data: &[u8], max: usize) -> Vec<(usize, &[u8])> {
    data.chunks(max)
        .enumerate()
        .map(|(i, c)| (i * max, c))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn v4_fragments(
    sink: &mut Sink,
    path: &Path,
    t: &mut u64,
    src: SocketAddr,
    dst: SocketAddr,
    dgram: &[u8],
    id: u16,
    order: &[usize],
) -> io::Result<()> {
    let (IpAddr::V4(s), IpAddr::V4(d)) = (src.ip(), dst.ip()) else {
        return Err(io::Error::other("IPv4 expected"));
    };
    let ps = pieces(dgram, 1480);
    for &i in order {
        let Some(&(off, chunk)) = ps.get(i) else {
            continue;
        };
        let mut h = ipv4_header(s.octets(), d.octets(), 17, chunk.len(), id, 64)?;
        h.dont_fragment = false;
        h.more_fragments = i + 1 < ps.len();
        h.fragment_offset = IpFragOffset::try_new((off / 8) as u16).map_err(io_err)?;
        h.header_checksum = h.calc_header_checksum();
        let buf = sink.start();
        h.write(buf)?;
        buf.extend_from_slice(chunk);
        sink.emit(*t, path, Dir::ToServer, ETH_IPV4)?;
        *t += 30_000;
    }
    Ok(())
}

/// Writes the fragment capture (Ethernet, classic pcap):
/// - 10.40.0.5:5000 → 10.40.0.9:6000, a 4000-byte UDP payload in 3 IPv4 fragments, in order;
/// - 10.40.0.5:5001 → 10.40.0.9:6000, the same size, fragments in reverse order;
/// - [fd00:40::5]:5002 → [fd00:40::9]:6000, a 3000-byte UDP payload in 3 IPv6 fragments;
/// - 10.40.0.5:5003 → 10.40.0.9:6000, whose last fragment never arrives.
///
/// `flows` lists the three complete datagrams, each as ONE to-server packet
/// (reassembled datagrams count once, as in Suricata and tshark). The
/// incomplete datagram produces no flow packet and is not listed. Bytes are
/// not checked for fragments: `bytes_*` are 0.
pub fn write_fragments(path: &FsPath) -> io::Result<SynthSummary> {
    let mut rng = Rng::new(0x66_7261_6773);
    let mut sink = Sink::create(path, &Output::default(), false)?;
    let p = Path::new(
        [0x02, 0x00, 0x0a, 0x28, 0x00, 0x05],
        [0x02, 0x00, 0x0a, 0x28, 0x00, 0x09],
    );
    let sa = |s: &str| -> io::Result<SocketAddr> { s.parse().map_err(io_err) };
    let mut t = DEMO_START_NS;
    let mut flows = Vec::new();
    let truth = |c: SocketAddr, s: SocketAddr| FlowTruth {
        proto: 17,
        client: c,
        server: s,
        pkts_toserver: 1,
        pkts_toclient: 0,
        bytes_toserver: 0,
        bytes_toclient: 0,
        app: "",
        vlan: Vec::new(),
    };

    let cases: [(&str, &[usize], bool); 3] = [
        ("10.40.0.5:5000", &[0, 1, 2], true),
        ("10.40.0.5:5001", &[2, 1, 0], true),
        ("10.40.0.5:5003", &[0, 1], false),
    ];
    let dst = sa("10.40.0.9:6000")?;
    for (k, (src, order, complete)) in cases.into_iter().enumerate() {
        let src = sa(src)?;
        let dg = datagram(&mut rng, src, dst, 4000)?;
        v4_fragments(
            &mut sink,
            &p,
            &mut t,
            src,
            dst,
            &dg,
            0x4100 + k as u16,
            order,
        )?;
        if complete {
            flows.push(truth(src, dst));
        }
        t += 100 * MS;
    }

    // IPv6: 3000 bytes of UDP payload, fragments of 1448 bytes.
    let src6 = sa("[fd00:40::5]:5002")?;
    let dst6 = sa("[fd00:40::9]:6000")?;
    let (IpAddr::V6(s6), IpAddr::V6(d6)) = (src6.ip(), dst6.ip()) else {
        return Err(io::Error::other("IPv6 expected"));
    };
    let dg = datagram(&mut rng, src6, dst6, 3000)?;
    let ps = pieces(&dg, 1448);
    for (i, &(off, chunk)) in ps.iter().enumerate() {
        let ip = ipv6_header(s6.octets(), d6.octets(), 44, chunk.len() + 8, 0)?;
        let fh = Ipv6FragmentHeader::new(
            IpNumber::UDP,
            IpFragOffset::try_new((off / 8) as u16).map_err(io_err)?,
            i + 1 < ps.len(),
            0x6a5b_0001,
        );
        let buf = sink.start();
        ip.write(buf)?;
        fh.write(buf)?;
        buf.extend_from_slice(chunk);
        sink.emit(t, &p, Dir::ToServer, ETH_IPV6)?;
        t += 30_000;
    }
    flows.push(truth(src6, dst6));

    let (packets, bytes) = sink.finish()?;
    Ok(SynthSummary::with_flows(packets, bytes, flows))
}
