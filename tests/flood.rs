//! A flood of a million distinct flows against a small flow memcap: the
//! process stays within it, every eviction is counted, and every flow still
//! gets its record (nothing lost). Alone in its test binary so that nothing
//! else runs beside it.

mod common;
use common::*;

const FLOWS: u64 = 1_000_000;
const MEMCAP: u64 = 16 * 1024 * 1024;
/// What kagami needs besides the flow table: code, buffers, the decoder
/// (measured at about 6 MiB on the demo capture).
const BASELINE: u64 = 24 * 1024 * 1024;

#[test]
fn million_flow_flood_stays_within_the_memcap() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flood.pcap");
    let truth = kagami::synth::write_flood(&path, FLOWS, 11).unwrap();
    assert_eq!(truth.flow_count, FLOWS);
    let memcap = MEMCAP.to_string();
    let (_d, run) = run_capture(
        &path,
        &[
            "--set",
            &format!("flow.memcap={memcap}"),
            "--set",
            "output.stats_interval=5",
            // The host detectors keep per-host state bounded by
            // detect.max_hosts (about 380 bytes a host); a million distinct
            // home clients would fill the default 65,536. This test is about
            // the flow memcap, so the host bound is kept small here.
            "--set",
            "detect.max_hosts=1024",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let s = run.stats();
    let evicted = run.metric("kagami.flow.evicted_memcap");
    assert!(
        evicted > 500_000,
        "a 16 MiB table cannot hold a million flows: {evicted} evicted"
    );
    assert_eq!(counter(s, "flow.mgr.flows_evicted"), evicted);
    assert_eq!(
        counter(s, "flow.memcap"),
        evicted,
        "each eviction is a memcap hit"
    );
    // Nothing lost: every flow that was created ended with a record.
    let total = counter(s, "flow.total");
    assert!(total >= FLOWS, "{total}");
    assert_eq!(run.flows().len() as u64, total);
    let forced = run
        .flows()
        .iter()
        .filter(|f| f["flow"]["reason"] == "forced")
        .count() as u64;
    assert!(forced >= evicted);
    // Bounded: the table never held more than the memcap allows, and the
    // process's peak memory is the memcap plus a fixed baseline.
    let peak_flows = run.metric("kagami.flow.active_peak");
    assert!(
        peak_flows * (kagami::flow::table::flow_cost() as u64) <= MEMCAP,
        "{peak_flows} flows"
    );
    let rss = run.metric("kagami.process.peak_rss_bytes");
    assert!(
        rss > 0 && rss <= MEMCAP + BASELINE,
        "peak RSS {} MiB over memcap {} MiB + baseline",
        rss >> 20,
        MEMCAP >> 20
    );
    assert_schema_valid(&run.eve[run.eve.len() - 10..], "flood tail");
}
