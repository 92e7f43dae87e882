//! HTTP and SMTP records from real captures (../shared/corpus) agree with
//! tshark's dissection: the same hosts and targets, the same sender and
//! recipients, and the flows carry the right `app_proto`.

mod common;
use common::*;

#[test]
fn http_hosts_and_targets_agree_with_tshark() {
    for name in ["benign/http.pcapng", "download/exe-download.pcap"] {
        let cap = shared().join("corpus").join(name);
        let (_d, run) = run_capture(&cap, &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let mut ours: Vec<(String, String)> = run
            .eve
            .iter()
            .filter(|r| r["event_type"] == "http")
            .map(|r| {
                let h = &r["http"];
                let mut host = h["hostname"].as_str().unwrap_or("").to_string();
                if let Some(p) = h["http_port"].as_u64() {
                    host = format!("{host}:{p}");
                }
                (host, h["url"].as_str().unwrap_or("").to_string())
            })
            .collect();
        let mut theirs: Vec<(String, String)> = tshark_fields(
            &cap,
            "http.request && tcp",
            &["http.host", "http.request.uri"],
        )
        .into_iter()
        .map(|f| (f[0].clone(), f[1].clone()))
        .collect();
        ours.sort();
        theirs.sort();
        assert!(!ours.is_empty(), "{name}: no http records");
        assert_eq!(ours, theirs, "{name}");
        for f in run.flows() {
            if f["dest_port"] == 80 {
                assert_eq!(f["app_proto"], "http", "{name}: {f}");
            }
        }
    }
}

#[test]
fn smtp_envelope_agrees_with_tshark() {
    let cap = shared().join("corpus/mail/smtp.pcap");
    let (_d, run) = run_capture(&cap, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let recs: Vec<_> = run
        .eve
        .iter()
        .filter(|r| r["event_type"] == "smtp")
        .collect();
    assert_eq!(recs.len(), 1);
    let smtp = &recs[0]["smtp"];
    let cmds = tshark_fields(
        &cap,
        "smtp.req.command",
        &["smtp.req.command", "smtp.req.parameter"],
    );
    let param = |verb: &str| -> Vec<String> {
        cmds.iter()
            .filter(|f| f[0] == verb)
            .map(|f| {
                // `From:<a@b>` → `<a@b>`
                let p = &f[1];
                p[p.find(':').map_or(0, |c| c + 1)..].trim().to_string()
            })
            .collect()
    };
    assert_eq!(smtp["mail_from"], param("MAIL")[0]);
    let rcpt: Vec<String> = smtp["rcpt_to"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(rcpt, param("RCPT"));
    assert_eq!(smtp["helo"], "delta.peach.mil");
    let email = &recs[0]["email"];
    let imf = tshark_fields(&cap, "imf", &["imf.subject", "imf.message_id"]);
    assert_eq!(email["subject"], imf[0][0]);
    assert_eq!(email["message_id"], imf[0][1]);
    assert_eq!(email["to"][0], "suzannaa@eagle.eyrie.af.mil");
    assert_eq!(run.flows()[0]["app_proto"], "smtp");
}

#[test]
fn smtp_starttls_sessions_are_recognised() {
    let cap = shared().join("corpus/mail/smtp-starttls.pcap");
    let (_d, run) = run_capture(&cap, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let flows = run.flows();
    assert_eq!(flows.len(), 2);
    for f in flows {
        // "smtp" alone until a tls parser is registered; then "tls" with
        // app_proto_orig "smtp".
        let p = f["app_proto"].as_str().unwrap();
        assert!(
            p == "smtp" || (p == "tls" && f["app_proto_orig"] == "smtp"),
            "{f}"
        );
    }
    let helos: Vec<_> = run
        .eve
        .iter()
        .filter(|r| r["event_type"] == "smtp")
        .map(|r| r["smtp"]["helo"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(helos.len(), 2);
    assert!(helos.contains(&"[IPv6:2003:de:2016:125:fc36:8317:4e86:cb72]".to_string()));
}
