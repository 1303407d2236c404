//! What the fuzz targets check, shared between them. Every function here panics when an
//! invariant breaks, which is what the fuzzer reports as a crash.

pub mod config;
pub mod document;
pub mod engine;
pub mod project;
pub mod suppress;

use preflight::engine::Engine;
use preflight_grammars::Language;
use std::sync::OnceLock;

/// Every language, for targets that draw one from their input.
pub const LANGUAGES: [Language; 5] = [
    Language::TypeScript,
    Language::Tsx,
    Language::JavaScript,
    Language::Python,
    Language::Dockerfile,
];

/// One engine per process: compiling the queries is the slow part of creating one.
pub fn shared_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::new)
}
