//! An open document under random incremental edits: rope ≡ string, reuse ≡ fresh analysis.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    preflight_fuzz::document::check(data);
});
