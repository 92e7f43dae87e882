//! TCP stream reassembly over arbitrary segments.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kagami::proto::harness::drive_stream(data));
