//! /etc/sudoers in a host tree (aliases, Defaults, includes of files the base host has).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    resetgap::fuzzing::host(&[("/etc/sudoers", data)]);
});
