//! Live capture through libpcap on the loopback interface: packets sent
//! between two local sockets become one flow, and SIGINT ends the run with
//! that flow flushed and a final stats record (nothing lost). Needs root or
//! CAP_NET_RAW, as CI has; elsewhere it says so and passes without running.

mod common;
use common::*;

use std::net::UdpSocket;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn can_capture() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

#[test]
fn loopback_flow_is_captured_and_flushed_on_sigint() {
    if !can_capture() {
        eprintln!("live capture test needs root (CAP_NET_RAW): not run");
        return;
    }
    let a = UdpSocket::bind("127.0.0.1:0").unwrap();
    let b = UdpSocket::bind("127.0.0.1:0").unwrap();
    let (pa, pb) = (
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port(),
    );
    let dir = tempfile::tempdir().unwrap();
    let filter = format!("udp and port {pa} and port {pb}");
    let child = kagami()
        .args(["run", "-q", "-i", "lo", "-f", &filter, "-l"])
        .arg(dir.path())
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The outputs are opened once the interface is: wait for them.
    let start = Instant::now();
    while !dir.path().join("eve.json").exists() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "kagami did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    for i in 0..10u8 {
        a.send_to(&[i; 100], b.local_addr().unwrap()).unwrap();
    }
    for i in 0..5u8 {
        b.send_to(&[i; 40], a.local_addr().unwrap()).unwrap();
    }
    std::thread::sleep(Duration::from_millis(500));
    // The shell's own `kill`, so the test needs no procps.
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("kill -INT {}", child.id()))
        .status()
        .unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let eve = read_json_lines(&dir.path().join("eve.json"));
    assert_schema_valid(&eve, "live");
    let flows: Vec<_> = eve.iter().filter(|r| r["event_type"] == "flow").collect();
    assert_eq!(flows.len(), 1, "{flows:#?}");
    let f = flows[0];
    assert_eq!(f["src_port"], pa);
    assert_eq!(f["dest_port"], pb);
    assert_eq!(f["flow"]["pkts_toserver"], 10);
    assert_eq!(f["flow"]["pkts_toclient"], 5);
    assert_eq!(f["flow"]["reason"], "shutdown");
    let stats = &eve
        .iter()
        .rev()
        .find(|r| r["event_type"] == "stats")
        .expect("final stats")["stats"];
    assert_eq!(counter(stats, "capture.kernel_drops"), 0);
    assert!(counter(stats, "capture.kernel_packets") >= 15);
}
