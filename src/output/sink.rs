//! Where records go: a file (appended, buffered) or standard output. A
//! closed pipe on standard output ends the run quietly, as `head` expects.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use thiserror::Error;

use crate::counters::{Counter, Counters};

/// Bytes buffered before a write to the sink.
const WRITE_BUFFER_BYTES: usize = 256 * 1024;

/// An output that cannot be written.
#[derive(Debug, Error)]
pub enum SinkError {
    #[error("cannot create output directory {path}: {source}")]
    Dir { path: PathBuf, source: io::Error },
    #[error("cannot open {path} for writing: {source}")]
    Open { path: PathBuf, source: io::Error },
    #[error("cannot write {name}: {source}")]
    Write { name: String, source: io::Error },
    /// Standard output was closed by its reader (e.g. `| head`).
    #[error("standard output closed")]
    Closed,
}

/// A JSON-lines writer.
pub struct JsonLines {
    name: String,
    out: BufWriter<Box<dyn Write + Send>>,
    stdout: bool,
    scratch: Vec<u8>,
}

impl JsonLines {
    /// Opens `dir/name` for appending, or standard output when `name` is "-".
    pub fn open(dir: &Path, name: &str) -> Result<JsonLines, SinkError> {
        if name == "-" {
            return Ok(JsonLines {
                name: "standard output".into(),
                out: BufWriter::with_capacity(WRITE_BUFFER_BYTES, Box::new(io::stdout())),
                stdout: true,
                scratch: Vec::new(),
            });
        }
        std::fs::create_dir_all(dir).map_err(|source| SinkError::Dir {
            path: dir.to_path_buf(),
            source,
        })?;
        let path = dir.join(name);
        let file: File = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|source| SinkError::Open {
                path: path.clone(),
                source,
            })?;
        Ok(JsonLines {
            name: path.display().to_string(),
            out: BufWriter::with_capacity(WRITE_BUFFER_BYTES, Box::new(file)),
            stdout: false,
            scratch: Vec::new(),
        })
    }

    /// Writes one record as one line. The record is rendered into a reused
    /// buffer first, so the sink sees one write per record.
    pub fn write<T: Serialize>(&mut self, record: &T, c: &mut Counters) -> Result<(), SinkError> {
        self.scratch.clear();
        let res = serde_json::to_writer(&mut self.scratch, record)
            .map_err(io::Error::from)
            .and_then(|_| {
                self.scratch.push(b'\n');
                self.out.write_all(&self.scratch)
            });
        match res {
            Ok(()) => {
                c.add(Counter::KagamiOutputBytes, self.scratch.len() as u64);
                Ok(())
            }
            Err(e) => Err(self.error(e, c)),
        }
    }

    /// Pushes buffered records to the file or pipe.
    pub fn flush(&mut self, c: &mut Counters) -> Result<(), SinkError> {
        self.out.flush().map_err(|e| self.error(e, c))
    }

    fn error(&self, e: io::Error, c: &mut Counters) -> SinkError {
        if self.stdout && e.kind() == io::ErrorKind::BrokenPipe {
            return SinkError::Closed;
        }
        c.inc(Counter::KagamiOutputErrors);
        SinkError::Write {
            name: self.name.clone(),
            source: e,
        }
    }
}
