//! An authorized_keys file sshd reads for a user of the host.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    resetgap::fuzzing::host(&[("/home/alice/.ssh/authorized_keys", data)]);
});
