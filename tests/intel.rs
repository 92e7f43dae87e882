//! `kagami intel update` against a local HTTP server the test starts: the
//! relays served are exactly the relays written; an HTTP error, a body over
//! `intel.max_bytes` or a page that is not a relay list fails with a clear
//! message and leaves the previous list untouched.

mod common;
use common::*;

use std::path::Path;
use std::process::Output;

/// Runs `kagami intel update` with `args`, no proxy from the environment.
fn update(args: &[&str]) -> Output {
    kagami()
        .arg("intel")
        .arg("update")
        .args(args)
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .env_remove("https_proxy")
        .env_remove("HTTPS_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .output()
        .unwrap()
}

/// The addresses of a written list (comment lines skipped), in file order.
fn addresses(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_string)
        .collect()
}

const DETAILS: &str = r#"{"version":"8.0","build_revision":"test",
"relays_published":"2026-11-25 14:00:00",
"relays":[
 {"or_addresses":["198.51.100.7:9001","[2001:db8::7]:9001"]},
 {"or_addresses":["192.0.2.10:443"]},
 {"or_addresses":["203.0.113.99:9001"]},
 {"or_addresses":["192.0.2.10:9002"]}
],
"bridges_published":"2026-11-25 14:00:00","bridges":[]}"#;

#[test]
fn update_writes_exactly_the_served_relays() {
    let url = serve("200 OK", DETAILS.as_bytes().to_vec(), Framing::Length);
    let state = tempfile::tempdir().unwrap();
    let url = format!("{url}/details");
    let out = update(&[
        "--set",
        &format!("intel.tor_relays_url={url}"),
        "--set",
        &format!("state.dir={}", state.path().display()),
    ]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");

    let file = state.path().join("intel/tor-relays.txt");
    assert_eq!(
        addresses(&file),
        ["192.0.2.10", "198.51.100.7", "203.0.113.99", "2001:db8::7"],
        "sorted, deduplicated, ports dropped"
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(&format!("# source: {url}\n")), "{text}");
    assert!(text.contains("# fetched: 20"), "{text}");
    assert!(!state.path().join("intel/tor-relays.txt.tmp").exists());
    assert_eq!(
        stdout.lines().count(),
        1,
        "a one-line summary on standard output: {stdout}"
    );
    assert!(
        stdout.contains("4 tor relay addresses (onionoo details)"),
        "{stdout}"
    );
    assert!(stdout.contains(&file.display().to_string()), "{stdout}");
    assert!(stderr.is_empty(), "{stderr}");

    // --url and --out override the configuration; the file is replaced whole.
    let plain = serve(
        "200 OK",
        b"# a plain list\n192.0.2.77\n".to_vec(),
        Framing::Close,
    );
    let out = update(&[
        "--url",
        &format!("{plain}/list.txt"),
        "--out",
        file.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(addresses(&file), ["192.0.2.77"]);
}

/// Writes a previous list into a fresh state directory.
fn previous() -> (tempfile::TempDir, std::path::PathBuf) {
    let state = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(state.path().join("intel")).unwrap();
    let file = state.path().join("intel/tor-relays.txt");
    std::fs::write(&file, "# previous\n192.0.2.1\n").unwrap();
    (state, file)
}

/// Exit status `code`, one line on stderr containing each of `needles`, and
/// the previous list unchanged.
fn assert_refused(out: &Output, code: i32, needles: &[&str], file: &Path) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    for n in needles {
        assert!(stderr.contains(n), "expected `{n}` in: {stderr}");
    }
    assert_eq!(
        std::fs::read_to_string(file).unwrap(),
        "# previous\n192.0.2.1\n",
        "the previous list is untouched"
    );
    assert!(!file.with_file_name("tor-relays.txt.tmp").exists());
}

#[test]
fn http_error_keeps_the_previous_list() {
    let url = serve(
        "500 Internal Server Error",
        b"oops".to_vec(),
        Framing::Length,
    );
    let (state, file) = previous();
    let out = update(&[
        "--set",
        &format!("intel.tor_relays_url={url}/details"),
        "--set",
        &format!("state.dir={}", state.path().display()),
    ]);
    assert_refused(
        &out,
        1,
        &["HTTP status 500", &url, "is left as it was"],
        &file,
    );
}

#[test]
fn body_over_max_bytes_is_refused() {
    let big = DETAILS.as_bytes().to_vec();
    for framing in [Framing::Length, Framing::Close] {
        let url = serve("200 OK", big.clone(), framing);
        let (state, file) = previous();
        let out = update(&[
            "--set",
            &format!("intel.tor_relays_url={url}/details"),
            "--set",
            &format!("state.dir={}", state.path().display()),
            "--set",
            "intel.max_bytes=100",
        ]);
        assert_refused(&out, 1, &["larger than intel.max_bytes (100 bytes)"], &file);
    }
    // The same body under a limit that fits it is accepted.
    let url = serve("200 OK", big.clone(), Framing::Close);
    let (state, file) = previous();
    let out = update(&[
        "--url",
        &url,
        "--set",
        &format!("state.dir={}", state.path().display()),
        "--set",
        &format!("intel.max_bytes={}", big.len()),
    ]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert_eq!(addresses(&file).len(), 4);
}

#[test]
fn a_page_that_is_not_a_relay_list_is_refused() {
    let url = serve(
        "200 OK",
        b"<html><body>captive portal</body></html>\n".to_vec(),
        Framing::Length,
    );
    let (state, file) = previous();
    let out = update(&[
        "--url",
        &url,
        "--set",
        &format!("state.dir={}", state.path().display()),
    ]);
    assert_refused(
        &out,
        1,
        &["names no relay address", "line 1: bad address"],
        &file,
    );
}

#[test]
fn no_state_dir_and_no_out_is_a_usage_error() {
    let out = update(&["--url", "http://127.0.0.1:9/details"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--set state.dir=/var/lib/kagami") && stderr.contains("--out"),
        "{stderr}"
    );
    let out = update(&["--url", "ftp://example.org/x", "--out", "/tmp/x"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}
