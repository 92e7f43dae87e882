//! The l2tp parser and state through the driver's contract.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kagami::proto::harness::drive_named("l2tp", data));
