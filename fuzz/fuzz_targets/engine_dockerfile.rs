//! Arbitrary bytes as a Dockerfile file: decoding, parsing, every rule, fixes, positions.
#![no_main]

use preflight_grammars::Language;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    preflight_fuzz::engine::check_bytes(Language::Dockerfile, data);
});
