//! Application-layer recognition and parsing on real traffic
//! (../shared/corpus): every flow LABELS.tsv names gets the protocol it
//! names, whatever its port, and parsed values agree with tshark's
//! dissection of the same capture.

mod common;
use common::*;

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

use serde_json::Value;

/// One labelled flow of LABELS.tsv.
struct Label {
    pcap: String,
    l4: String,
    a: (IpAddr, u16),
    b: (IpAddr, u16),
    expect: String,
    detail: String,
}

fn labels() -> Vec<Label> {
    let text = std::fs::read_to_string(shared().join("corpus/LABELS.tsv")).expect("LABELS.tsv");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(f.len() >= 8, "bad label line {l}");
            Label {
                pcap: f[0].into(),
                l4: f[1].into(),
                a: (f[2].parse().unwrap(), f[3].parse().unwrap()),
                b: (f[4].parse().unwrap(), f[5].parse().unwrap()),
                expect: f[6].into(),
                detail: f[7].into(),
            }
        })
        .collect()
}

/// The app_proto a label asks for: `app:<proto>` directly; for a VPN the
/// protocol its detail names, in kagami's (Suricata's where it has one) name.
fn wanted(l: &Label) -> Option<Vec<&'static str>> {
    if let Some(p) = l.expect.strip_prefix("app:") {
        return Some(vec![Box::leak(p.to_string().into_boxed_str())]);
    }
    if l.expect == "alert:vpn" {
        return Some(match l.detail.as_str() {
            "openvpn" => vec!["openvpn"],
            "wireguard" => vec!["wireguard"],
            "tailscale" => vec!["tailscale"],
            "pptp" => vec!["pptp"],
            // IPsec's key exchange is IKE (Suricata's name); NAT-T flows
            // carry IKE and ESP-in-UDP on 4500.
            "ipsec" => vec!["ike"],
            "l2tp" => vec!["l2tp"],
            other => panic!("no app_proto known for VPN detail {other}"),
        });
    }
    None
}

fn ends(r: &Value) -> Option<((IpAddr, u16), (IpAddr, u16))> {
    let ip = |k: &str| r[k].as_str()?.parse::<IpAddr>().ok();
    let port = |k: &str| r[k].as_u64().and_then(|p| u16::try_from(p).ok());
    Some((
        (ip("src_ip")?, port("src_port")?),
        (ip("dest_ip")?, port("dest_port")?),
    ))
}

fn same_flow(r: &Value, l: &Label) -> bool {
    r["proto"].as_str() == Some(l.l4.as_str())
        && ends(r).is_some_and(|(s, d)| (s == l.a && d == l.b) || (s == l.b && d == l.a))
}

#[test]
fn every_labelled_flow_gets_its_protocol() {
    let labels = labels();
    let mut runs: HashMap<String, (tempfile::TempDir, Run)> = HashMap::new();
    let mut failures = Vec::new();
    let mut checked = 0;
    for l in &labels {
        let Some(want) = wanted(l) else { continue };
        let (_, run) = runs
            .entry(l.pcap.clone())
            .or_insert_with(|| run_capture(&shared().join("corpus").join(&l.pcap), &[]));
        let flows: Vec<&Value> = run
            .flows()
            .into_iter()
            .filter(|f| same_flow(f, l))
            .collect();
        if flows.is_empty() {
            failures.push(format!("{} {:?} {:?}: no flow record", l.pcap, l.a, l.b));
            continue;
        }
        checked += 1;
        // app_proto, or app_proto_orig for a flow that upgraded (STARTTLS).
        let got: Vec<&str> = flows
            .iter()
            .map(|f| {
                let orig = f["app_proto_orig"].as_str();
                orig.or(f["app_proto"].as_str()).unwrap_or("none")
            })
            .collect();
        if !got.iter().any(|g| want.contains(g)) {
            failures.push(format!(
                "{} {} {:?} <-> {:?}: want {:?}, got {:?}",
                l.pcap, l.l4, l.a, l.b, want, got
            ));
        }
    }
    assert!(checked > 40, "only {checked} labelled flows checked");
    assert!(
        failures.is_empty(),
        "{} of {checked} labelled flows wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn records<'a>(run: &'a Run, event_type: &str) -> Vec<&'a Value> {
    run.eve
        .iter()
        .filter(|r| r["event_type"] == event_type)
        .collect()
}

#[test]
fn dns_query_names_agree_with_tshark() {
    let mut compared = 0;
    for cap in [
        "benign/dns.pcap",
        "malformed/malformed-dns.pcap",
        "benign/teams.pcap",
        "benign/netflix.pcap",
    ] {
        let path = shared().join("corpus").join(cap);
        let (_dir, run) = run_capture(&path, &[]);
        assert_schema_valid(&run.eve, cap);
        let ours: BTreeSet<String> = records(&run, "dns")
            .iter()
            .filter(|r| r["proto"] == "UDP")
            .flat_map(|r| r["dns"]["queries"].as_array().cloned().unwrap_or_default())
            .filter_map(|q| q["rrname"].as_str().map(str::to_string))
            .collect();
        // tshark's DNS dissection of well-formed messages on UDP.
        let theirs: BTreeSet<String> = tshark_fields(
            &path,
            "dns && udp && !_ws.malformed && !_ws.expert.severity >= error",
            &["dns.qry.name"],
        )
        .into_iter()
        .flat_map(|f| f.into_iter().next())
        .flat_map(|s| s.split(',').map(str::to_string).collect::<Vec<_>>())
        // tshark's placeholders for names it could not read
        .filter(|s| !s.is_empty() && !s.starts_with('<'))
        .collect();
        let missing: Vec<_> = theirs.difference(&ours).collect();
        assert!(
            missing.is_empty(),
            "{cap}: names tshark sees that kagami does not log: {missing:?}"
        );
        compared += theirs.len();
    }
    assert!(compared > 10, "only {compared} names compared");
}

/// Values of one tshark field over a filter, split where tshark joins
/// several occurrences with commas.
fn tshark_set(path: &std::path::Path, filter: &str, field: &str) -> BTreeSet<String> {
    tshark_fields(path, filter, &[field])
        .into_iter()
        .flat_map(|f| f.into_iter().next())
        .flat_map(|s| {
            if field.ends_with("_full") {
                vec![s] // a JA3 string has commas of its own
            } else {
                s.split(',').map(str::to_string).collect::<Vec<_>>()
            }
        })
        .filter(|s| !s.is_empty())
        .collect()
}

fn eve_set(run: &Run, event_type: &str, pointer: &str) -> BTreeSet<String> {
    records(run, event_type)
        .iter()
        .filter_map(|r| {
            r.pointer(pointer)
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect()
}

#[test]
fn tls_sni_ja3_and_ja3s_agree_with_tshark() {
    let mut compared = 0;
    for cap in [
        "benign/google-ssl.pcap",
        "benign/https-firefox.pcap",
        "benign/netflix.pcap",
        "benign/teams.pcap",
        "tor/tor-port9001.pcap",
        "mail/smtp-starttls.pcap",
    ] {
        let path = shared().join("corpus").join(cap);
        let (_dir, run) = run_capture(&path, &[]);
        assert_schema_valid(&run.eve, cap);
        for (field, filter, pointer) in [
            (
                "tls.handshake.extensions_server_name",
                "tls.handshake.type == 1",
                "/tls/sni",
            ),
            (
                "tls.handshake.ja3",
                "tls.handshake.type == 1",
                "/tls/ja3/hash",
            ),
            (
                "tls.handshake.ja3_full",
                "tls.handshake.type == 1",
                "/tls/ja3/string",
            ),
            (
                "tls.handshake.ja3s",
                "tls.handshake.type == 2",
                "/tls/ja3s/hash",
            ),
        ] {
            let theirs = tshark_set(&path, filter, field);
            let ours = eve_set(&run, "tls", pointer);
            assert_eq!(ours, theirs, "{cap}: {field}");
            compared += theirs.len();
        }
    }
    assert!(compared > 50, "only {compared} distinct values compared");
}

#[test]
fn dhcp_hostnames_and_macs_agree_with_tshark() {
    let mut compared = 0;
    for cap in ["devices/dhcp.pcap", "benign/teams.pcap"] {
        let path = shared().join("corpus").join(cap);
        let (_dir, run) = run_capture(&path, &[]);
        assert_schema_valid(&run.eve, cap);
        let theirs = tshark_set(&path, "dhcp", "dhcp.option.hostname");
        let ours = eve_set(&run, "dhcp", "/dhcp/hostname");
        assert_eq!(ours, theirs, "{cap}: hostnames");
        let theirs = tshark_set(&path, "dhcp", "dhcp.hw.mac_addr");
        let ours = eve_set(&run, "dhcp", "/dhcp/client_mac");
        assert_eq!(ours, theirs, "{cap}: client MACs");
        compared += theirs.len();
        assert!(
            records(&run, "dhcp").len() == tshark_fields(&path, "dhcp", &["frame.number"]).len(),
            "{cap}: one record per DHCP message"
        );
    }
    assert!(compared >= 2);
}

#[test]
fn ssh_banners_agree_with_tshark() {
    let path = shared().join("corpus/benign/ssh.pcap");
    let (_dir, run) = run_capture(&path, &["--set", "output.stats_interval=0"]);
    let theirs: BTreeSet<String> = tshark_fields(&path, "ssh.protocol", &["ssh.protocol"])
        .into_iter()
        .flat_map(|f| f.into_iter().next())
        .collect();
    let ours: BTreeSet<String> = records(&run, "ssh")
        .iter()
        .flat_map(|r| {
            ["client", "server"].map(|side| {
                let s = &r["ssh"][side];
                format!(
                    "SSH-{}-{}",
                    s["proto_version"].as_str().unwrap_or(""),
                    s["software_version"].as_str().unwrap_or("")
                )
            })
        })
        .collect();
    // tshark prints the whole line, comments included; ours stops at the software version.
    for t in &theirs {
        assert!(
            ours.iter().any(|o| t.starts_with(o.as_str())),
            "{t} not in {ours:?}"
        );
    }
    assert!(!theirs.is_empty());
}
