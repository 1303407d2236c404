//! Several files of one project: file analysis and the project-level rules over their facts.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    preflight_fuzz::project::check(data);
});
