//! The irc parser and state through the driver's contract.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kagami::proto::harness::drive_named("irc", data));
