//! /etc/ssh/sshd_config in a host tree (Match, Include, AuthorizedKeysFile tokens).
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    resetgap::fuzzing::host(&[("/etc/ssh/sshd_config", data)]);
});
