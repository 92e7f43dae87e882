//! The unapproved-device indicator end to end: `kagami inventory learn` on
//! the project's `devices` capture and on ../shared/corpus/devices, then
//! replays with that inventory (quiet), with it less one device (one alert
//! naming the device), with none (detector off, and said so) and with a
//! broken one (exit 2 naming the line).

mod common;

use std::path::{Path, PathBuf};

use common::{Run, assert_schema_valid, kagami, run_capture, shared};
use serde_json::Value;

use kagami::synth;

/// The devices capture in `dir`.
fn devices_capture(dir: &Path) -> PathBuf {
    let p = dir.join("devices.pcap");
    synth::write_devices(&p, 1).unwrap();
    p
}

/// `kagami inventory learn -r <captures> -o <dir>/inventory.csv`; returns
/// the file's text and the command's standard error.
fn learn(dir: &Path, captures: &[&Path]) -> (String, String) {
    let out_path = dir.join("inventory.csv");
    let out = kagami()
        .args(["inventory", "learn", "-r"])
        .args(captures)
        .arg("-o")
        .arg(&out_path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "inventory learn failed: {stderr}");
    (std::fs::read_to_string(&out_path).unwrap(), stderr)
}

/// Writes `text` less the lines naming `mac` as `name` in `dir`.
fn without(dir: &Path, text: &str, mac: &str, name: &str) -> PathBuf {
    let p = dir.join(name);
    let kept: Vec<&str> = text.lines().filter(|l| !l.starts_with(mac)).collect();
    assert_eq!(kept.len() + 1, text.lines().count(), "{mac} listed once");
    std::fs::write(&p, kept.join("\n") + "\n").unwrap();
    p
}

fn device_alerts(run: &Run) -> Vec<&Value> {
    run.eve
        .iter()
        .filter(|r| {
            r["event_type"] == "alert"
                && r["alert"]["metadata"]["indicator"][0] == "unapproved-device"
        })
        .collect()
}

fn replay(capture: &Path, inventory: Option<&Path>) -> (tempfile::TempDir, Run) {
    let set = inventory.map(|p| format!("inventory.file={}", p.display()));
    let mut extra = Vec::new();
    if let Some(s) = &set {
        extra.extend(["--set", s.as_str()]);
    }
    let (dir, run) = run_capture(capture, &extra);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_schema_valid(&run.eve, &capture.display().to_string());
    (dir, run)
}

#[test]
fn learned_inventory_approves_every_device_of_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let cap = devices_capture(dir.path());
    let (text, stderr) = learn(dir.path(), &[&cap]);
    assert!(stderr.contains("5 devices seen in 1 capture"), "{stderr}");
    assert!(text.starts_with("# kagami inventory learn, "), "{text}");
    let rows: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(
        rows,
        [
            "mac,ip,hostname,owner",
            "00:14:22:0a:00:11,10.30.0.11,alice-laptop,",
            "00:1b:21:3a:4f:01,10.30.0.1,,",
            "00:1b:a9:0c:00:12,10.30.0.12,,",
            "02:42:0a:1e:00:0d,10.30.0.13,,",
            "b8:27:eb:5a:11:ce,10.30.0.99,kali-pi,",
        ],
        "sorted by MAC, first address, DHCP hostname"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let inv = dir.path().join("inventory.csv");
    let (_d, run) = replay(&cap, Some(&inv));
    assert!(device_alerts(&run).is_empty(), "{:?}", device_alerts(&run));
    assert!(
        run.stderr
            .contains("detector unapproved-device: on (5 approved devices from"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.metric("kagami.detect.unapproved_device.inventory_devices"),
        5
    );
}

#[test]
fn device_missing_from_the_inventory_alerts_once_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let cap = devices_capture(dir.path());
    let (text, _) = learn(dir.path(), &[&cap]);
    let inv = without(dir.path(), &text, "b8:27:eb:5a:11:ce", "less-pi.csv");
    let (_d, run) = replay(&cap, Some(&inv));
    let alerts = device_alerts(&run);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let a = alerts[0];
    let ctx = &a["alert"]["context"];
    assert_eq!(a["alert"]["signature_id"], 8_100_040);
    assert_eq!(a["src_ip"], "10.30.0.99");
    assert_eq!(ctx["mac"], "b8:27:eb:5a:11:ce");
    assert_eq!(ctx["vendor"], "Raspberry Pi Foundation");
    assert_eq!(
        ctx["hostname"], "kali-pi",
        "the DHCP hostname came a second after the ARP"
    );
    assert_eq!(ctx["first_ip"], "10.30.0.99");
    assert_eq!(ctx["seen_by"], "arp");
    let ev = ctx["evidence"].as_str().unwrap();
    assert!(
        ev.contains("b8:27:eb:5a:11:ce (Raspberry Pi Foundation)")
            && ev.contains("first seen in arp at 10.30.0.99")
            && ev.contains("DHCP hostname \"kali-pi\""),
        "{ev}"
    );
    // Stamped with the first sighting: 60 s into the capture.
    assert_eq!(a["timestamp"], "2026-11-24T09:01:00.000000+0000");
    assert!(
        a["alert"]["metadata"]["insider_threat"]
            .as_array()
            .unwrap()
            .contains(&Value::from("espionage:high"))
    );
}

#[test]
fn phone_with_a_randomised_address_alerts_without_a_vendor() {
    let dir = tempfile::tempdir().unwrap();
    let cap = devices_capture(dir.path());
    let (text, _) = learn(dir.path(), &[&cap]);
    let inv = without(dir.path(), &text, "02:42:0a:1e:00:0d", "less-phone.csv");
    let (_d, run) = replay(&cap, Some(&inv));
    let alerts = device_alerts(&run);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let ctx = &alerts[0]["alert"]["context"];
    assert_eq!(ctx["locally_administered"], true);
    assert!(ctx["vendor"].is_null());
    assert!(
        ctx["evidence"]
            .as_str()
            .unwrap()
            .contains("locally administered (randomised) address, no vendor")
    );
}

#[test]
fn no_inventory_turns_the_detector_off_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let cap = devices_capture(dir.path());
    let (_d, run) = replay(&cap, None);
    assert!(device_alerts(&run).is_empty());
    assert!(
        run.stderr.contains(
            "detector unapproved-device: off (no inventory.file configured; `kagami inventory learn` writes one)"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(run.metric("kagami.detect.unapproved_device.off"), 1);
}

#[test]
fn bad_inventory_line_exits_2_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let cap = devices_capture(dir.path());
    let inv = dir.path().join("bad.csv");
    std::fs::write(
        &inv,
        "mac,ip,hostname,owner\n00:14:22:0a:00:11,10.30.0.11,alice-laptop,alice\n# printer\n00:1b:a9:0c:00:1,10.30.0.12,,\n",
    )
    .unwrap();
    let set = format!("inventory.file={}", inv.display());
    let (_d, run) = run_capture(&cap, &["--set", &set]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "cannot read inventory {} line 4: bad MAC \"00:1b:a9:0c:00:1\"",
            inv.display()
        )),
        "{}",
        run.stderr
    );
    assert!(run.eve.is_empty(), "nothing runs on a bad inventory");
}

#[test]
fn corpus_device_left_out_of_the_inventory_alerts_with_its_dhcp_name() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = shared().join("corpus/devices");
    let arp = corpus.join("arp-who-has.pcap");
    let dhcp = corpus.join("dhcp.pcap");
    let (text, stderr) = learn(dir.path(), &[&arp, &dhcp]);
    assert!(stderr.contains("3 devices seen in 2 captures"), "{stderr}");
    let inv = without(dir.path(), &text, "90:b1:1c:99:49:29", "less-dell.csv");
    let set = format!("inventory.file={}", inv.display());
    let out = tempfile::tempdir().unwrap();
    let run = common::run_in(
        out.path(),
        &[
            "-r",
            arp.to_str().unwrap(),
            dhcp.to_str().unwrap(),
            "--set",
            &set,
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_schema_valid(&run.eve, "corpus devices");
    let alerts = device_alerts(&run);
    assert_eq!(alerts.len(), 1, "{alerts:#?}");
    let ctx = &alerts[0]["alert"]["context"];
    assert_eq!(ctx["mac"], "90:b1:1c:99:49:29");
    assert_eq!(ctx["vendor"], "Dell Inc.");
    assert_eq!(ctx["hostname"], "btest.is.cool");
    assert_eq!(ctx["first_ip"], "192.168.211.194");
    assert_eq!(ctx["seen_by"], "dhcp");
}

#[test]
fn inventory_learn_help_teaches_with_an_example() {
    let out = kagami()
        .args(["inventory", "learn", "--help"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("kagami inventory learn -r monday.pcap") && text.contains("inventory.file="),
        "{text}"
    );
}
