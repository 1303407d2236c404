//! Facts: what one file says about its project (app sites, error handlers, …), extracted in the
//! same query pass as the file-level rules.

use crate::engine::{Captures, FileContext};

/// Everything one file contributes to project-level rules. Comparable, so that an editor can
/// tell whether an edit changed anything a project rule depends on.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct FileFacts {}

/// Handles one match of the family's `app-facts.scm` query.
pub fn extract(_cx: &FileContext<'_>, _captures: &Captures<'_, '_>, _facts: &mut FileFacts) {}
