//! The dns parser and state, both transports, through the driver's contract.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Some(spec) = kagami::proto::registry::by_name("dns") {
        kagami::proto::harness::drive(spec, data);
    }
});
