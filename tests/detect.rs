//! The insider-threat detections on traffic nobody here made, and on the
//! project's own captures:
//! - every `alert:` label of ../shared/corpus/LABELS.tsv raises that
//!   indicator on that flow, and the benign captures raise no tor, vpn or
//!   irc alert;
//! - every alert carries its CCDCOE row, its evidence and its signature as
//!   signatures/signatures.toml lists it, and validates against the schema;
//! - a relay list fetched by `kagami intel update` catches a Tor relay the
//!   TLS heuristic is switched off for; allow lists silence what they name;
//! - large-mail: a 30 MiB message alerts, a 1 MiB one does not, STARTTLS is
//!   estimated, mail to the company's own relay is not outbound, a sender's
//!   day adds up;
//! - `.onion` names, Tor2web gateways and VPN service names in DNS and HTTP.

mod common;
use common::*;

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

use serde_json::Value;

fn alerts(run: &Run) -> Vec<&Value> {
    run.eve
        .iter()
        .filter(|r| r["event_type"] == "alert")
        .collect()
}

fn indicator(a: &Value) -> &str {
    a["alert"]["metadata"]["indicator"][0]
        .as_str()
        .unwrap_or("")
}

fn sid(a: &Value) -> u64 {
    a["alert"]["signature_id"].as_u64().unwrap_or(0)
}

fn ip(v: &Value) -> Option<IpAddr> {
    v.as_str().and_then(|s| s.parse().ok())
}

/// One `alert:` row of LABELS.tsv.
struct Label {
    pcap: String,
    l4: String,
    a: (IpAddr, u16),
    b: (IpAddr, u16),
    indicator: String,
}

fn alert_labels() -> Vec<Label> {
    let text = std::fs::read_to_string(shared().join("corpus/LABELS.tsv")).unwrap();
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            let ind = f.get(6)?.strip_prefix("alert:")?;
            Some(Label {
                pcap: f[0].to_string(),
                l4: f[1].to_string(),
                a: (f[2].parse().ok()?, f[3].parse().ok()?),
                b: (f[4].parse().ok()?, f[5].parse().ok()?),
                indicator: ind.to_string(),
            })
        })
        .collect()
}

fn on_flow(a: &Value, l: &Label) -> bool {
    let src = (ip(&a["src_ip"]), a["src_port"].as_u64().map(|p| p as u16));
    let dst = (ip(&a["dest_ip"]), a["dest_port"].as_u64().map(|p| p as u16));
    let (la, lb) = ((Some(l.a.0), Some(l.a.1)), (Some(l.b.0), Some(l.b.1)));
    a["proto"] == l.l4.as_str() && ((src == la && dst == lb) || (src == lb && dst == la))
}

#[test]
fn every_alert_label_raises_its_indicator_on_its_flow() {
    let labels = alert_labels();
    assert!(
        labels.len() >= 40,
        "LABELS.tsv has {} alert rows",
        labels.len()
    );
    let mut by_pcap: BTreeMap<&str, Vec<&Label>> = BTreeMap::new();
    for l in &labels {
        by_pcap.entry(l.pcap.as_str()).or_default().push(l);
    }
    let mut per_indicator: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (pcap, rows) in by_pcap {
        let (_d, run) = run_capture(&shared().join("corpus").join(pcap), &["-q"]);
        assert_eq!(run.code, 0, "{pcap}: {}", run.stderr);
        let al = alerts(&run);
        for l in rows {
            let hit = al
                .iter()
                .any(|a| indicator(a) == l.indicator && on_flow(a, l));
            let e = per_indicator.entry(l.indicator.as_str()).or_default();
            e.0 += 1;
            e.1 += usize::from(hit);
            assert!(
                hit,
                "{pcap}: no {} alert on {} {:?} <-> {:?}; alerts: {:?}",
                l.indicator,
                l.l4,
                l.a,
                l.b,
                al.iter()
                    .map(|a| (&a["src_ip"], &a["dest_ip"], sid(a)))
                    .collect::<Vec<_>>()
            );
        }
    }
    eprintln!("labelled flows alerted, per indicator: {per_indicator:?}");
}

#[test]
fn benign_captures_raise_no_tor_vpn_or_irc_alert() {
    let dir = shared().join("corpus/benign");
    let mut n = 0;
    for f in std::fs::read_dir(&dir).unwrap() {
        let p = f.unwrap().path();
        let (_d, run) = run_capture(&p, &["-q"]);
        assert_eq!(run.code, 0, "{}: {}", p.display(), run.stderr);
        let bad: Vec<_> = alerts(&run)
            .into_iter()
            .filter(|a| matches!(indicator(a), "tor" | "vpn" | "irc"))
            .map(|a| a["alert"]["context"]["evidence"].clone())
            .collect();
        assert!(bad.is_empty(), "{}: {bad:?}", p.display());
        n += 1;
    }
    assert!(n >= 9, "only {n} benign captures");
}

/// The signature table as shipped, by sid: (indicator, msg).
fn table() -> BTreeMap<u64, (String, String)> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("signatures/signatures.toml"),
    )
    .unwrap();
    let v: toml::Table = toml::from_str(&text).unwrap();
    v["signature"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["sid"].as_integer().unwrap() as u64,
                (
                    s["indicator"].as_str().unwrap().to_string(),
                    s["msg"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

#[test]
fn alerts_carry_their_row_evidence_and_signature() {
    let table = table();
    let mut seen = 0;
    for pcap in [
        "vpn/openvpn.pcap",
        "irc/irc-port8000.pcap",
        "tor/tor-port9001.pcap",
    ] {
        let (_d, run) = run_capture(&shared().join("corpus").join(pcap), &["-q"]);
        assert_schema_valid(&run.eve, pcap);
        for a in alerts(&run) {
            let al = &a["alert"];
            let (ind, msg) = table.get(&sid(a)).expect("sid in signatures.toml");
            assert_eq!(indicator(a), ind);
            assert_eq!(al["signature"], msg.as_str());
            assert!(sid(a) >= 8_100_000);
            let row: Vec<&str> = al["metadata"]["insider_threat"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let kinds: Vec<&str> = row.iter().filter_map(|r| r.split(':').next()).collect();
            assert_eq!(
                kinds,
                [
                    "sabotage",
                    "ip-theft",
                    "fraud",
                    "espionage",
                    "unintentional"
                ]
            );
            assert!(row.contains(&"ip-theft:high"), "{row:?}");
            let ev = al["context"]["evidence"].as_str().unwrap();
            assert!(ev.len() > 20, "{ev}");
            assert!(a["flow_id"].is_u64() && a["community_id"].is_string());
            seen += 1;
        }
        // The flow records of alerted flows say so.
        let alerted: Vec<u64> = alerts(&run)
            .iter()
            .filter_map(|a| a["flow_id"].as_u64())
            .collect();
        for f in run.flows() {
            let id = f["flow_id"].as_u64().unwrap();
            assert_eq!(
                f["flow"]["alerted"],
                alerted.contains(&id),
                "{pcap} flow {id}"
            );
        }
    }
    assert!(seen >= 13, "{seen}");
}

#[test]
fn irc_alert_names_nick_server_and_channels() {
    let (_d, run) = run_capture(&shared().join("corpus/irc/irc-port8000.pcap"), &["-q"]);
    let al = alerts(&run);
    assert_eq!(al.len(), 1, "one session, one alert");
    let ctx = &al[0]["alert"]["context"];
    // What tshark sees the client send.
    let nick = tshark_fields_with(
        &shared().join("corpus/irc/irc-port8000.pcap"),
        &["-d", "tcp.port==8000,irc"],
        "irc.request.command == \"NICK\"",
        &["irc.request.command_parameter"],
    );
    assert_eq!(ctx["irc_nick"], nick[0][0].as_str());
    assert_eq!(ctx["irc_channels"][0], "#moloch-fpc");
    assert!(ctx["irc_server"].as_str().unwrap().contains("freenode"));
    assert!(ctx["evidence"].as_str().unwrap().contains("port 8000"));
}

#[test]
fn relay_list_from_intel_update_catches_the_relay() {
    let tor = shared().join("corpus/tor/tor-port9001.pcap");
    // The relay the capture talks to, as the Tor Project would publish it.
    let details = r#"{"version":"8.0","relays":[
        {"or_addresses":["79.215.173.109:9001"]},
        {"or_addresses":["198.51.100.7:443","[2001:db8::7]:443"]}]}"#;
    let url = serve("200 OK", details.as_bytes().to_vec(), Framing::Length);
    let state = tempfile::tempdir().unwrap();
    let state_set = format!("state.dir={}", state.path().display());
    let out = kagami()
        .args(["intel", "update", "--set", &state_set, "--set"])
        .arg(format!("intel.tor_relays_url={url}/details"))
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("all_proxy")
        .env_remove("ALL_PROXY")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let no_tls = ["-q", "--set", "tor.tls_handshake=false"];
    let (_d, run) = run_capture(&tor, &no_tls);
    assert!(
        alerts(&run).is_empty(),
        "without the fetched list nothing is known"
    );

    let mut args = no_tls.to_vec();
    args.extend(["--set", &state_set]);
    let (_d, run) = run_capture(&tor, &args);
    let al = alerts(&run);
    assert_eq!(al.len(), 2, "both connections to the relay");
    for a in al {
        assert_eq!(sid(a), 8_100_001);
        assert_eq!(a["dest_ip"], "79.215.173.109");
        assert_eq!(a["alert"]["context"]["relay"], "79.215.173.109");
    }
}

#[test]
fn allow_lists_silence_what_they_name() {
    let ovpn = shared().join("corpus/vpn/openvpn.pcap");
    let (_d, all) = run_capture(&ovpn, &["-q"]);
    let n = alerts(&all).len();
    let (_d, some) = run_capture(&ovpn, &["-q", "--set", "vpn.allow=[\"139.59.151.137\"]"]);
    // Two flows go to that gateway.
    assert_eq!(alerts(&some).len(), n - 2);
    assert!(
        alerts(&some)
            .iter()
            .all(|a| a["dest_ip"] != "139.59.151.137")
    );
    let (_d, off) = run_capture(&ovpn, &["-q", "--set", "vpn.enabled=false"]);
    assert!(alerts(&off).is_empty());
    let irc = shared().join("corpus/irc/irc-port8000.pcap");
    let (_d, run) = run_capture(&irc, &["-q", "--set", "irc.allow=[\"38.229.70.0/24\"]"]);
    assert!(alerts(&run).is_empty());
}

fn synth_mail(dir: &Path, extra: &[&str]) -> std::path::PathBuf {
    let p = dir.join("mail.pcap");
    let out = kagami()
        .args(["synth", "mail", "-w"])
        .arg(&p)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    p
}

#[test]
fn large_mail_alerts_on_big_outbound_messages_only() {
    let dir = tempfile::tempdir().unwrap();
    // 30 MiB messages; one 1 MiB message.
    let p = synth_mail(dir.path(), &[]);
    let (_d, run) = run_capture(&p, &["-q"]);
    assert_schema_valid(&run.eve, "mail");
    let al = alerts(&run);
    let by_host: BTreeMap<&str, Vec<&Value>> = al.iter().fold(BTreeMap::new(), |mut m, a| {
        m.entry(a["src_ip"].as_str().unwrap())
            .or_insert_with(Vec::new)
            .push(*a);
        m
    });
    assert_eq!(
        by_host.keys().copied().collect::<Vec<_>>(),
        ["10.1.0.21", "10.1.0.23"]
    );
    let big = &by_host["10.1.0.21"][0];
    assert_eq!(sid(big), 8_100_030);
    let ctx = &big["alert"]["context"];
    let size = ctx["message_size"].as_u64().unwrap();
    assert!((30 << 20..(30 << 20) + 4096).contains(&size), "{size}");
    assert_eq!(ctx["size_is_estimate"], false);
    assert_eq!(ctx["mail_from"], "big@corp.example");
    let tls = &by_host["10.1.0.23"][0];
    assert_eq!(sid(tls), 8_100_031);
    assert_eq!(tls["alert"]["context"]["size_is_estimate"], true);
    assert!(
        tls["alert"]["context"]["evidence"]
            .as_str()
            .unwrap()
            .contains("estimate")
    );
    assert!(tls["alert"]["context"]["message_size"].as_u64().unwrap() >= 30 << 20);
    assert_eq!(tls["app_proto_orig"], "smtp");
}

#[test]
fn a_senders_day_adds_up() {
    let dir = tempfile::tempdir().unwrap();
    let p = synth_mail(
        dir.path(),
        &[
            "--mail-big",
            "2000000",
            "--mail-small",
            "1048576",
            "--mail-small-count",
            "5",
        ],
    );
    // 5 × 1 MiB from small@corp.example: over a 3 MiB day once, on the 4th.
    let (_d, run) = run_capture(&p, &["-q", "--set", "large_mail.max_daily=3145728"]);
    let daily: Vec<&Value> = alerts(&run)
        .into_iter()
        .filter(|a| sid(a) == 8_100_032)
        .collect();
    let senders: Vec<&str> = daily
        .iter()
        .filter_map(|a| a["alert"]["context"]["sender"].as_str())
        .collect();
    assert!(senders.contains(&"small@corp.example"), "{senders:?}");
    assert_eq!(
        senders
            .iter()
            .filter(|s| **s == "small@corp.example")
            .count(),
        1
    );
    let small = daily
        .iter()
        .find(|a| a["alert"]["context"]["sender"] == "small@corp.example")
        .unwrap();
    let total = small["alert"]["context"]["bytes_today"].as_u64().unwrap();
    assert!(total > 3 * 1_048_576 && total < 5 * 1_048_576, "{total}");
    // No single message was over the 10 MiB default.
    assert!(alerts(&run).iter().all(|a| sid(a) != 8_100_030));
}

/// A pcap of raw Ethernet frames, 1 ms apart.
fn write_pcap(path: &Path, frames: &[Vec<u8>]) {
    let mut out = Vec::new();
    out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&[0; 8]);
    out.extend_from_slice(&65535u32.to_le_bytes());
    out.extend_from_slice(&1u32.to_le_bytes());
    for (i, f) in frames.iter().enumerate() {
        out.extend_from_slice(&1_795_510_800u32.to_le_bytes());
        out.extend_from_slice(&(i as u32 * 1000).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(&(f.len() as u32).to_le_bytes());
        out.extend_from_slice(f);
    }
    std::fs::write(path, out).unwrap();
}

fn dns_query(id: u16, name: &str) -> Vec<u8> {
    let mut m = Vec::new();
    m.extend_from_slice(&id.to_be_bytes());
    m.extend_from_slice(&[0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]); // RD, 1 question
    for label in name.split('.') {
        m.push(label.len() as u8);
        m.extend_from_slice(label.as_bytes());
    }
    m.extend_from_slice(&[0, 0, 1, 0, 1]); // root, A, IN
    m
}

fn udp(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, payload: &[u8]) -> Vec<u8> {
    let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, src[3]], [2, 0, 0, 0, 0, 1])
        .ipv4(src, dst, 64)
        .udp(sport, dport);
    let mut f = Vec::new();
    b.write(&mut f, payload).unwrap();
    f
}

fn tcp(src: [u8; 4], sport: u16, dst: [u8; 4], dport: u16, seq: u32, payload: &[u8]) -> Vec<u8> {
    let b = etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, src[3]], [2, 0, 0, 0, 0, 1])
        .ipv4(src, dst, 64)
        .tcp(sport, dport, seq, 65535)
        .psh()
        .ack(1);
    let mut f = Vec::new();
    b.write(&mut f, payload).unwrap();
    f
}

#[test]
fn onion_names_tor2web_and_vpn_services_in_dns_and_http() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("names.pcap");
    let host = [10, 1, 0, 50];
    let resolver = [10, 1, 0, 1];
    let onion = "duckduckgogg42xjoc72x3sjasowoarfbgcmvfimaftt6twagswzczad.onion";
    let frames = vec![
        udp(host, 40001, resolver, 53, &dns_query(1, onion)),
        udp(
            host,
            40002,
            resolver,
            53,
            &dns_query(2, "de1234.nordvpn.com"),
        ),
        udp(host, 40003, resolver, 53, &dns_query(3, "www.example.com")),
        udp(host, 40004, resolver, 53, &dns_query(4, "notnordvpn.com")),
        tcp(
            host,
            40005,
            [203, 0, 113, 80],
            80,
            1,
            b"GET / HTTP/1.1\r\nHost: abcdefghijklmnop.onion.to\r\nUser-Agent: x\r\n\r\n",
        ),
        tcp(
            [203, 0, 113, 80],
            80,
            host,
            40005,
            1,
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        ),
    ];
    write_pcap(&p, &frames);
    let (_d, run) = run_capture(&p, &["-q"]);
    assert_schema_valid(&run.eve, "names");
    let got: BTreeMap<u64, u16> = alerts(&run).iter().fold(BTreeMap::new(), |mut m, a| {
        *m.entry(sid(a)).or_default() += 1;
        m
    });
    // .onion in DNS; Tor2web Host; NordVPN in DNS. Nothing for the rest.
    assert_eq!(
        got,
        BTreeMap::from([(8_100_003, 1), (8_100_004, 1), (8_100_016, 1)])
    );
    let onion_alert = alerts(&run)
        .into_iter()
        .find(|a| sid(a) == 8_100_003)
        .unwrap();
    assert_eq!(onion_alert["alert"]["context"]["name"], onion);
    // Approved services are approved.
    let (_d, run) = run_capture(&p, &["-q", "--set", "vpn.allow_domains=[\"nordvpn.com\"]"]);
    assert!(alerts(&run).iter().all(|a| sid(a) != 8_100_016));
}

#[test]
fn the_shipped_demo_shows_one_insider_and_no_one_else() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("pcaps/demo.pcap");
    let (_d, run) = run_capture(&demo, &["-q"]);
    assert_schema_valid(&run.eve, "demo");
    let al = alerts(&run);
    let mut got: Vec<(&str, u64)> = al
        .iter()
        .map(|a| (a["src_ip"].as_str().unwrap_or(""), sid(a)))
        .collect();
    got.sort_unstable();
    // A VPN service looked up, Tor's handshake, an IRC session: all 10.20.0.107.
    assert_eq!(
        got,
        [
            ("10.20.0.107", 8_100_002),
            ("10.20.0.107", 8_100_016),
            ("10.20.0.107", 8_100_020)
        ]
    );
}

/// A TLS record holding a minimal ClientHello (TLS 1.2, one suite) with `sni`.
fn client_hello(sni: &str) -> Vec<u8> {
    let name = sni.as_bytes();
    let mut sni_ext = Vec::new();
    sni_ext.extend_from_slice(&((name.len() + 3) as u16).to_be_bytes()); // list length
    sni_ext.push(0); // host_name
    sni_ext.extend_from_slice(&(name.len() as u16).to_be_bytes());
    sni_ext.extend_from_slice(name);
    let mut exts = Vec::new();
    exts.extend_from_slice(&0u16.to_be_bytes()); // server_name
    exts.extend_from_slice(&(sni_ext.len() as u16).to_be_bytes());
    exts.extend_from_slice(&sni_ext);
    let mut body = vec![0x03, 0x03]; // client_version TLS 1.2
    body.extend_from_slice(&[7; 32]); // random
    body.push(0); // session id
    body.extend_from_slice(&[0, 2, 0xc0, 0x2f]); // one cipher suite
    body.extend_from_slice(&[1, 0]); // null compression
    body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    body.extend_from_slice(&exts);
    let mut hs = vec![1]; // ClientHello
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![22, 0x03, 0x01];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

#[test]
fn irc_over_tls_by_network_name_or_port() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ircs.pcap");
    let host = [10, 1, 0, 60];
    let frames = vec![
        // A public IRC network's name, on 443.
        tcp(
            host,
            41001,
            [203, 0, 113, 70],
            443,
            1,
            &client_hello("irc.libera.chat"),
        ),
        // An ordinary name on RFC 7194's IRC-over-TLS port.
        tcp(
            host,
            41002,
            [203, 0, 113, 71],
            6697,
            1,
            &client_hello("chat.example.org"),
        ),
        // The same ordinary name on 443: nothing.
        tcp(
            host,
            41003,
            [203, 0, 113, 72],
            443,
            1,
            &client_hello("chat.example.org"),
        ),
    ];
    write_pcap(&p, &frames);
    let (_d, run) = run_capture(&p, &["-q"]);
    assert_schema_valid(&run.eve, "ircs");
    let tls_records = run.eve.iter().filter(|r| r["event_type"] == "tls").count();
    assert_eq!(tls_records, 3, "the three ClientHellos are parsed");
    let al = alerts(&run);
    let got: Vec<(&str, u64)> = al
        .iter()
        .map(|a| (a["dest_ip"].as_str().unwrap_or(""), sid(a)))
        .collect();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got.contains(&("203.0.113.70", 8_100_021)), "{got:?}");
    assert!(got.contains(&("203.0.113.71", 8_100_021)), "{got:?}");
    let libera = al.iter().find(|a| a["dest_ip"] == "203.0.113.70").unwrap();
    assert_eq!(libera["alert"]["context"]["irc_network"], "Libera.Chat");
}

#[test]
fn smtps_size_is_estimated_from_the_bytes_sent() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("smtps.pcap");
    let host = [10, 1, 0, 61];
    let mx = [198, 51, 100, 26];
    let hello = client_hello("smtp.example.net");
    let mut frames = vec![tcp(host, 42001, mx, 465, 1, &hello)];
    // 20 TLS application-data records of 1,000 bytes after the hello.
    let mut seq = 1 + hello.len() as u32;
    for _ in 0..20 {
        let mut rec = vec![23, 0x03, 0x03];
        rec.extend_from_slice(&995u16.to_be_bytes());
        rec.extend_from_slice(&[0x5a; 995]);
        frames.push(tcp(host, 42001, mx, 465, seq, &rec));
        seq += rec.len() as u32;
    }
    write_pcap(&p, &frames);
    let sent = u64::from(seq - 1);
    // Over a 16,000-byte limit: one estimate alert; under a 32,000-byte one: none.
    let (_d, run) = run_capture(&p, &["-q", "--set", "large_mail.max_message=16000"]);
    assert_schema_valid(&run.eve, "smtps");
    let al = alerts(&run);
    assert_eq!(al.len(), 1, "{al:?}");
    assert_eq!(sid(al[0]), 8_100_031);
    let ctx = &al[0]["alert"]["context"];
    assert_eq!(ctx["size_is_estimate"], true);
    assert_eq!(ctx["message_size"].as_u64(), Some(sent));
    assert!(ctx["evidence"].as_str().unwrap().contains("SMTPS"));
    let (_d, run) = run_capture(&p, &["-q", "--set", "large_mail.max_message=32000"]);
    assert!(alerts(&run).is_empty());
}
