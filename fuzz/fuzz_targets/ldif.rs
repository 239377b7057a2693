//! LDIF exports (ldapsearch -LLL, ldifde): first line the file name, then the file.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    resetgap::fuzzing::named_file(data, ".ldif");
});
