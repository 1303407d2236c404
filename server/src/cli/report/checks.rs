//! Every rule phrased as what a reviewer checks: the checklist line when the check passes, and
//! the action that makes it pass. One table keyed by rule id, so a project's checklist is derived
//! from the rules that ran on it, never written per project.

/// How the report talks about one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckText {
    /// A positive statement, true when the rule finds nothing ("CORS restricted to known origins").
    pub check: &'static str,
    /// What to do when it fails, imperative ("Restrict CORS to an explicit allow-list").
    pub action: &'static str,
}

const fn text(check: &'static str, action: &'static str) -> CheckText {
    CheckText { check, action }
}

/// The wording of every rule id of the contract, including those not implemented yet, so a new
/// rule shows up well phrased as soon as it is registered.
static TABLE: &[(&str, CheckText)] = &[
    // Files: TypeScript/JavaScript and Python.
    (
        "cors-wildcard",
        text(
            "CORS restricted to known origins",
            "Restrict CORS to an explicit allow-list of origins",
        ),
    ),
    (
        "debug-print",
        text(
            "No debug prints or `debugger` statements",
            "Replace debug prints with the application logger",
        ),
    ),
    (
        "hardcoded-secret",
        text(
            "No credentials in source code",
            "Move hard-coded credentials to the environment or a secret store, and rotate them",
        ),
    ),
    (
        "swallowed-error",
        text(
            "Errors are never silently swallowed",
            "Handle, log or re-raise the errors that are swallowed",
        ),
    ),
    (
        "sql-injection",
        text(
            "SQL queries are parameterised",
            "Pass SQL values as query parameters instead of building query strings",
        ),
    ),
    (
        "tls-verify-disabled",
        text(
            "TLS certificates are verified",
            "Turn TLS certificate verification back on",
        ),
    ),
    (
        "request-without-timeout",
        text(
            "Outgoing HTTP requests have a timeout",
            "Give every outgoing HTTP request a timeout",
        ),
    ),
    (
        "debug-mode",
        text(
            "Debug mode off in code",
            "Turn debug mode off, or read it from the environment",
        ),
    ),
    (
        "todo-comment",
        text(
            "No TODO/FIXME left in the code",
            "Resolve the TODO/FIXME comments or move them to the issue tracker",
        ),
    ),
    // Dockerfiles.
    (
        "malformed-entrypoint",
        text(
            "Container command runs as written",
            "Fix the image's CMD/ENTRYPOINT so Docker can run it",
        ),
    ),
    (
        "dev-server-in-production",
        text(
            "Image runs a production server, not a dev server",
            "Start a production server in the image instead of a dev server",
        ),
    ),
    (
        "shell-form-entrypoint",
        text(
            "Container command in exec form (signals reach the app)",
            "Write CMD/ENTRYPOINT in exec form so signals reach the app",
        ),
    ),
    (
        "container-runs-as-root",
        text(
            "Container runs as a non-root user",
            "Switch the image to a non-root USER",
        ),
    ),
    (
        "unpinned-base-image",
        text(
            "Base images pinned to a version",
            "Pin base images to a version tag or digest",
        ),
    ),
    (
        "missing-healthcheck",
        text(
            "Image defines a HEALTHCHECK",
            "Add a HEALTHCHECK to the image",
        ),
    ),
    (
        "secret-in-image",
        text(
            "No secrets baked into the image",
            "Remove secrets from the image and pass them at run time",
        ),
    ),
    // Projects.
    (
        "missing-error-handler",
        text(
            "Global error handler registered",
            "Register a global error handler",
        ),
    ),
    (
        "missing-rate-limit",
        text(
            "Rate limiting in place",
            "Add rate limiting to the HTTP app",
        ),
    ),
    (
        "missing-security-headers",
        text(
            "Security headers set",
            "Set security headers on every response",
        ),
    ),
    (
        "missing-health-check",
        text(
            "Health-check endpoint exposed",
            "Expose a health-check endpoint",
        ),
    ),
    (
        "missing-env-example",
        text(
            "Environment template (`.env.example`) present",
            "Add a `.env.example` listing the variables the service reads",
        ),
    ),
    (
        "env-not-documented",
        text(
            "Every environment variable read is documented",
            "Document the environment variables the code reads in `.env.example`",
        ),
    ),
    (
        "entrypoint-target-missing",
        text(
            "Container entrypoint points at a file that exists",
            "Point the image's entrypoint at a file that exists",
        ),
    ),
];

/// How the report words rule `id`; a rule missing from the table falls back to its summary.
pub fn for_rule(id: &str, summary: &'static str) -> CheckText {
    TABLE
        .iter()
        .find(|(known, _)| *known == id)
        .map(|(_, text)| *text)
        .unwrap_or(CheckText {
            check: summary,
            action: summary,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_registered_rule_is_phrased_as_a_check() {
        for rule in crate::rules::all() {
            assert!(
                TABLE.iter().any(|(id, _)| *id == rule.id),
                "add `{}` to the report's check table",
                rule.id
            );
        }
    }

    #[test]
    fn ids_are_unique_and_wording_is_terse() {
        let mut seen = std::collections::HashSet::new();
        for (id, text) in TABLE {
            assert!(seen.insert(id), "duplicate {id}");
            assert!(text.check.len() <= 60, "{id}: keep the check short");
            assert!(!text.check.ends_with('.') && !text.action.ends_with('.'));
        }
    }
}
