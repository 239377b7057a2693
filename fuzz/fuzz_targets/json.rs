//! JSON exports of every vendor (Graph, Okta, AWS, Google, GitHub, Vault, Kubernetes, CloudTrail, Get-WinEvent, BloodHound) through the JSON reader: first line the file name, then the file.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    resetgap::fuzzing::named_file(data, ".json");
});
