//! The Dockerfile model (RULES.md H9): stages, ARG/ENV values, effective commands.

use crate::engine::FileContext;

/// What Dockerfile rules see: the file and its model, built once per file.
pub struct DockerContext<'a> {
    pub cx: &'a FileContext<'a>,
}

impl<'a> DockerContext<'a> {
    pub fn new(cx: &'a FileContext<'a>) -> Self {
        DockerContext { cx }
    }
}
