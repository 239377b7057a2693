//! CSV exports (AWS credential report, ticket exports, auditpol, password-manager exports): first line the file name, then the file.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    resetgap::fuzzing::named_file(data, ".csv");
});
