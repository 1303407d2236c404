//! Suppression comments: the comment parser and directive collection.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    preflight_fuzz::suppress::check(data);
});
