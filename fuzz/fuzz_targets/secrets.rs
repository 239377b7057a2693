//! The secret extractors over any text: first line the file name, then the file.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    resetgap::fuzzing::secrets(data);
});
