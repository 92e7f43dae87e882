//! Writing a file whole or not at all: the state and lists kagami keeps
//! (baselines, the fetched relay list, a learned inventory) are read back by
//! later runs, so a crash or a full disk mid-write must leave the old file.

use std::io::{self, Write};
use std::path::Path;

/// Writes `data` to `path` so that a reader sees the old file or the new one,
/// never a part: a temporary file beside it (same file system), synced,
/// renamed over `path`, then the directory synced so the rename survives a
/// power cut. On failure the temporary file is removed and `path` is untouched.
pub fn write_atomically(path: &Path, data: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file name"))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(name);
    tmp_name.push(format!(".tmp.{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(data)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
        return result;
    }
    // A file system that cannot sync a directory has still renamed the file.
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_and_leaves_nothing_behind() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("list.txt");
        std::fs::write(&p, b"old\n").unwrap();
        write_atomically(&p, b"new\n").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"new\n");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file left");
        // A directory that does not exist: an error, nothing written.
        let missing = dir.path().join("no/such/dir/x");
        assert!(write_atomically(&missing, b"x").is_err());
        assert_eq!(std::fs::read(&p).unwrap(), b"new\n");
    }
}
