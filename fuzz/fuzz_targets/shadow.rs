//! /etc/shadow in a host tree.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    resetgap::fuzzing::host(&[("/etc/shadow", data)]);
});
