//! The whole pipeline (decode, flows, reassembly, every protocol, EVE) over
//! arbitrary Ethernet frames: each is a 2-byte length and that many bytes.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kagami::engine::fuzz_frames(data));
