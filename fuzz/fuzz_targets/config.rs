//! The config file: scan options, tickets and exceptions.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    resetgap::fuzzing::config(data);
});
