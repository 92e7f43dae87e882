//! Real traffic recorded by other people (../shared/corpus): every capture
//! replays with exit 0, writes only schema-valid EVE, and its flows agree
//! with tshark's conversation list.

mod common;
use common::*;

#[test]
fn every_corpus_capture_replays_to_schema_valid_eve() {
    for cap in corpus_captures() {
        let (_dir, run) = run_capture(&cap, &["--set", "output.stats_interval=1"]);
        let name = cap.display();
        assert_eq!(run.code, 0, "{name}: exit {}: {}", run.code, run.stderr);
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
        assert!(
            run.eve.iter().any(|r| r["event_type"] == "stats"),
            "{name}: no stats record"
        );
        assert_schema_valid(&run.eve, &name.to_string());
        // every flow carries the fields a SIEM joins on
        for f in run.flows() {
            assert!(
                f["flow_id"].as_u64().is_some(),
                "{name}: flow without flow_id: {f}"
            );
            assert!(
                f["community_id"]
                    .as_str()
                    .is_some_and(|c| c.starts_with("1:")),
                "{name}: {f}"
            );
        }
        let pkts = counter(run.stats(), "decoder.pkts");
        let capinfos = std::process::Command::new("capinfos")
            .args(["-M", "-c", "-T"])
            .arg(&cap)
            .output()
            .expect("capinfos (from tshark's packages) is needed");
        let text = String::from_utf8_lossy(&capinfos.stdout);
        let frames: u64 = text
            .lines()
            .nth(1)
            .and_then(|l| l.split('\t').nth(1))
            .and_then(|n| n.trim().parse().ok())
            .expect("capinfos packet count");
        assert_eq!(
            pkts, frames,
            "{name}: decoder.pkts is not the capture's packet count"
        );
    }
}

#[test]
fn flows_agree_with_tshark_conversations() {
    let mut compared = 0;
    for cap in corpus_captures() {
        let (_dir, run) = run_capture(&cap, &[]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let ours = our_conversations(&run);
        let theirs = tshark_conversations(&cap);
        let mut diffs = Vec::new();
        for (k, n) in &theirs {
            match ours.get(k) {
                Some(m) if m == n => {}
                other => diffs.push(format!("{k:?}: tshark {n} packets, kagami {other:?}")),
            }
        }
        for k in ours.keys() {
            if !theirs.contains_key(k) {
                diffs.push(format!("{k:?}: only kagami has it ({} packets)", ours[k]));
            }
        }
        assert!(
            diffs.is_empty(),
            "{}: {} conversations differ: {:#?}",
            cap.display(),
            diffs.len(),
            &diffs[..diffs.len().min(8)]
        );
        compared += theirs.len();
    }
    assert!(compared > 2000, "compared only {compared} conversations");
}

#[test]
fn malformed_captures_are_counted_not_fatal() {
    let dir = shared().join("corpus/malformed");
    let mut invalid_total = 0;
    for f in std::fs::read_dir(dir).unwrap() {
        let f = f.unwrap().path();
        let (_d, run) = run_capture(&f, &[]);
        assert_eq!(run.code, 0, "{}: {}", f.display(), run.stderr);
        let s = run.stats();
        invalid_total += counter(s, "decoder.invalid");
    }
    assert!(
        invalid_total > 100,
        "the malformed captures should show invalid packets, got {invalid_total}"
    );
}
