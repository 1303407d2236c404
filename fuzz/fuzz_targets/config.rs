//! Configuration text, as preflight.toml, .preflight.toml or pyproject.toml.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    preflight_fuzz::config::check(data);
});
