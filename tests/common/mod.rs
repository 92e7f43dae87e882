//! Helpers shared by the integration tests: running the `kagami` binary,
//! reading what it wrote, validating EVE against Suricata's schema, and
//! asking tshark for its view of a capture.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;

use serde_json::Value;

/// The `kagami` binary under test.
pub fn kagami() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kagami"))
}

/// `../shared` beside the project (the corpus, the schema). Its absence is a
/// failure, not a skip: CI always has it.
pub fn shared() -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    assert!(
        p.join("eve-schema.json").is_file(),
        "{} is missing: the tests need ../shared beside the project",
        p.display()
    );
    p
}

/// Every capture in ../shared/corpus, sorted.
pub fn corpus_captures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let root = shared().join("corpus");
    for dir in std::fs::read_dir(&root).expect("read corpus") {
        let dir = dir.expect("corpus entry").path();
        if !dir.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&dir).expect("read corpus dir") {
            let f = f.expect("corpus file").path();
            let name = f.to_string_lossy().to_string();
            if name.ends_with(".pcap") || name.ends_with(".pcapng") {
                out.push(f);
            }
        }
    }
    out.sort();
    assert!(
        out.len() >= 20,
        "expected the corpus captures, found {}",
        out.len()
    );
    out
}

/// What one `kagami run` left behind.
pub struct Run {
    pub code: i32,
    pub stderr: String,
    pub eve: Vec<Value>,
    pub metrics: Vec<Value>,
}

impl Run {
    /// The `flow` records.
    pub fn flows(&self) -> Vec<&Value> {
        self.eve
            .iter()
            .filter(|r| r["event_type"] == "flow")
            .collect()
    }
    /// The last `stats` record's `stats` object.
    pub fn stats(&self) -> &Value {
        &self
            .eve
            .iter()
            .rev()
            .find(|r| r["event_type"] == "stats")
            .expect("a stats record")["stats"]
    }
    /// A counter from kagami's own metrics (last line).
    pub fn metric(&self, name: &str) -> u64 {
        self.metrics
            .last()
            .and_then(|m| m["counters"][name].as_u64())
            .unwrap_or_else(|| panic!("metric {name} missing"))
    }
}

/// Runs `kagami run <args> -l <dir>` and reads its outputs.
pub fn run_in(dir: &Path, args: &[&str]) -> Run {
    let out = kagami()
        .arg("run")
        .args(args)
        .arg("-l")
        .arg(dir)
        .stdin(Stdio::null())
        .output()
        .expect("run kagami");
    Run {
        code: out.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&out.stderr).to_string(),
        eve: read_json_lines(&dir.join("eve.json")),
        metrics: read_json_lines(&dir.join("metrics.json")),
    }
}

/// Runs kagami on one capture in a fresh directory.
pub fn run_capture(capture: &Path, extra: &[&str]) -> (tempfile::TempDir, Run) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut args = vec!["-r", capture.to_str().expect("utf-8 path")];
    args.extend_from_slice(extra);
    let run = run_in(dir.path(), &args);
    (dir, run)
}

/// Reads a JSON-lines file; a missing file is empty, a bad line a failure.
pub fn read_json_lines(path: &Path) -> Vec<Value> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l)
                .unwrap_or_else(|e| panic!("{}:{}: not JSON ({e}): {l}", path.display(), i + 1))
        })
        .collect()
}

/// Suricata's EVE schema, compiled once.
pub fn validator() -> &'static jsonschema::Validator {
    static V: OnceLock<jsonschema::Validator> = OnceLock::new();
    V.get_or_init(|| {
        let text = std::fs::read_to_string(shared().join("eve-schema.json")).expect("read schema");
        let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
        jsonschema::validator_for(&schema).expect("schema compiles")
    })
}

/// Asserts every record validates, naming the first few errors.
pub fn assert_schema_valid(records: &[Value], what: &str) {
    let v = validator();
    let mut problems = Vec::new();
    for (i, r) in records.iter().enumerate() {
        for e in v.iter_errors(r) {
            problems.push(format!(
                "record {} ({}): {} at {}",
                i + 1,
                r["event_type"],
                e,
                e.instance_path()
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "{what}: {} schema errors, first: {:#?}",
        problems.len(),
        &problems[..problems.len().min(5)]
    );
}

/// A flow's identity for comparisons: protocol and its two ends, unordered.
pub type ConvKey = (String, [(IpAddr, u16); 2]);

/// Orders two endpoints so either direction gives the same key.
pub fn conv_key(proto: &str, a: (IpAddr, u16), b: (IpAddr, u16)) -> ConvKey {
    let mut ends = [a, b];
    ends.sort();
    (proto.to_string(), ends)
}

/// Packets per TCP/UDP conversation in kagami's flow records (summed over
/// records of the same 5-tuple).
pub fn our_conversations(run: &Run) -> HashMap<ConvKey, u64> {
    let mut out = HashMap::new();
    for r in run.flows() {
        let proto = r["proto"].as_str().unwrap_or("");
        if proto != "TCP" && proto != "UDP" {
            continue;
        }
        let ip = |k: &str| -> IpAddr { r[k].as_str().and_then(|s| s.parse().ok()).expect("ip") };
        let port = |k: &str| -> u16 {
            r[k].as_u64()
                .and_then(|p| u16::try_from(p).ok())
                .expect("port")
        };
        let key = conv_key(
            proto,
            (ip("src_ip"), port("src_port")),
            (ip("dest_ip"), port("dest_port")),
        );
        let f = &r["flow"];
        *out.entry(key).or_insert(0) +=
            f["pkts_toserver"].as_u64().unwrap_or(0) + f["pkts_toclient"].as_u64().unwrap_or(0);
    }
    out
}

/// Frames that are not transport packets to any sensor, excluded from
/// tshark's conversations: non-final IP fragments (their datagram counts
/// once, on its last fragment) and frames whose IP or transport length
/// fields contradict the captured bytes (Suricata and kagami count these as
/// invalid; tshark still shows their ports).
pub const TSHARK_EXCLUDE: &str = "!(ip.flags.mf == 1 || ip.bogus_ip_length || ip.bogus_header_length \
    || ipv6.plen_exceeds_framing || tcp.bogus_header_length || udp.length.bad || udp.length.bad_zero \
    || _ws.expert.message contains \"total length exceeds packet length\")";

/// tshark's TCP and UDP conversation lists: packets per conversation.
pub fn tshark_conversations(capture: &Path) -> HashMap<ConvKey, u64> {
    let out = Command::new("tshark")
        .arg("-r")
        .arg(capture)
        .args([
            "-q",
            "-z",
            &format!("conv,tcp,{TSHARK_EXCLUDE}"),
            "-z",
            &format!("conv,udp,{TSHARK_EXCLUDE}"),
        ])
        .output()
        .expect("tshark is needed for this test (apt-get install tshark)");
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut res = HashMap::new();
    let mut proto = "";
    for line in text.lines() {
        if line.starts_with("TCP Conversations") {
            proto = "TCP";
        } else if line.starts_with("UDP Conversations") {
            proto = "UDP";
        } else if let Some((left, right)) = line.split_once("<->") {
            let endpoint = |s: &str| -> (IpAddr, u16) {
                let (h, p) = s.rsplit_once(':').expect("host:port");
                (
                    h.parse().expect("tshark address"),
                    p.parse().expect("tshark port"),
                )
            };
            let mut toks = right.split_whitespace();
            let b = endpoint(toks.next().expect("second endpoint"));
            let a = endpoint(left.trim());
            // Columns: frames bytes unit (<-), frames bytes unit (->), total frames …
            let nums: Vec<&str> = toks.collect();
            let total: u64 = nums
                .get(6)
                .and_then(|n| n.parse().ok())
                .expect("total frames");
            *res.entry(conv_key(proto, a, b)).or_insert(0) += total;
        }
    }
    res
}

/// Nested lookup of a stats counter by dotted path.
pub fn counter(stats: &Value, path: &str) -> u64 {
    let mut v = stats;
    for part in path.split('.') {
        v = &v[part];
    }
    v.as_u64()
        .unwrap_or_else(|| panic!("counter {path} missing"))
}

/// Runs a tshark field extraction (`-Y filter -T fields -e f…`), one tuple
/// of fields per dissected packet. Out-of-order TCP segments are reassembled,
/// as kagami does.
pub fn tshark_fields(capture: &Path, filter: &str, fields: &[&str]) -> Vec<Vec<String>> {
    tshark_fields_with(capture, &[], filter, fields)
}

/// [`tshark_fields`] with extra tshark options first (e.g. `-d tcp.port==8000,irc`).
pub fn tshark_fields_with(
    capture: &Path,
    options: &[&str],
    filter: &str,
    fields: &[&str],
) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-r")
        .arg(capture)
        .args(options)
        .args(["-o", "tcp.reassemble_out_of_order:TRUE"])
        .args(["-Y", filter, "-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    let out = cmd
        .output()
        .expect("tshark is needed (.ci/setup installs it)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

/// How the test server frames its body.
#[derive(Clone, Copy)]
pub enum Framing {
    /// `Content-Length` announced.
    Length,
    /// No length: the body ends when the server closes the connection.
    Close,
}

/// Serves one fixed response to every request, on 127.0.0.1 and a free port,
/// from a thread that lives as long as the test process. Returns the base URL.
pub fn serve(status: &'static str, body: Vec<u8>, framing: Framing) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { continue };
            // Read the request head (the client sends no body with GET).
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && head.len() < 16_384 {
                match conn.read(&mut byte) {
                    Ok(1) => head.push(byte[0]),
                    _ => break,
                }
            }
            let mut response = format!("HTTP/1.1 {status}\r\nConnection: close\r\n");
            if let Framing::Length = framing {
                response.push_str(&format!("Content-Length: {}\r\n", body.len()));
            }
            response.push_str("Content-Type: application/json\r\n\r\n");
            // The client may hang up early (a refused body): not an error here.
            let _ = conn.write_all(response.as_bytes());
            let _ = conn.write_all(&body);
        }
    });
    format!("http://127.0.0.1:{port}")
}
