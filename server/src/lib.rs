//! Preflight: catches production-readiness anti-patterns in TypeScript, JavaScript, Python and
//! Dockerfiles.
//!
//! The [`engine`] is pure: text in, [`diagnostic::Finding`]s out, with byte ranges. It knows
//! nothing of terminals or editors. The command line ([`cli`]) is a thin adapter over it.

pub mod cache;
pub mod classify;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod docker;
pub mod engine;
pub mod fix;
pub mod lang;
pub mod lsp;
pub mod position;
pub mod project;
pub mod rules;
pub mod scan;
pub mod secrets;
pub mod source;
pub mod suppress;
