//! The shard inventory reader (correlate's input), then the reduce step.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    resetgap::fuzzing::inventory(data);
});
