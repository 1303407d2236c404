//! The rule options in force for one file (RULES.md §9), resolved from configuration by whoever
//! calls the engine. The engine reads them; it never parses configuration itself.

use crate::config::NameGlobs;

/// Settings that change what rules report or how they fix. `RuleOptions::default()` is what a
/// file without configuration gets.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleOptions {
    /// `[rules.debug-print] methods`: the `console` methods reported; `None` keeps the default set.
    pub debug_print_methods: Option<Vec<String>>,
    /// `[rules.request-without-timeout] include-fetch`: report global `fetch` without a signal.
    pub include_fetch: bool,
    /// `[rules.request-without-timeout] default-timeout-seconds`: the value quick-fixes insert.
    pub default_timeout_seconds: f64,
    /// `[rules.missing-rate-limit] gateway`: rate limiting is enforced upstream.
    pub rate_limit_at_gateway: bool,
    /// `[env] ignore`: environment variables that are never reported or documented.
    pub env_ignore: NameGlobs,
    /// `[docker] nonroot-images`: base images known to run as a non-root user.
    pub nonroot_images: NameGlobs,
    /// The stage of this Dockerfile treated as final (`[docker] target`, or the file's own
    /// `[docker.files."<path>"] target`), by alias.
    pub docker_target: Option<String>,
    /// This Dockerfile's build context, relative to its folder (`[docker.files."<path>"] context`).
    pub docker_context: Option<String>,
}

/// The timeout quick-fixes insert when configuration does not choose one.
pub const DEFAULT_TIMEOUT_SECONDS: f64 = 10.0;

impl RuleOptions {
    /// The options of a file without configuration.
    pub const DEFAULT: RuleOptions = RuleOptions {
        debug_print_methods: None,
        include_fetch: false,
        default_timeout_seconds: DEFAULT_TIMEOUT_SECONDS,
        rate_limit_at_gateway: false,
        env_ignore: NameGlobs::EMPTY,
        nonroot_images: NameGlobs::EMPTY,
        docker_target: None,
        docker_context: None,
    };

    /// The options of a file without configuration, borrowed for as long as needed.
    pub fn defaults() -> &'static RuleOptions {
        static DEFAULTS: RuleOptions = RuleOptions::DEFAULT;
        &DEFAULTS
    }

    /// The configured timeout as Python writes it: `10`, `2.5`.
    pub fn timeout_seconds_literal(&self) -> String {
        let seconds = self.default_timeout_seconds;
        if seconds.fract() == 0.0 {
            format!("{}", seconds as u64)
        } else {
            format!("{seconds}")
        }
    }

    /// The configured timeout in whole milliseconds as JavaScript writes it: `10_000`, `2_500`.
    pub fn timeout_millis_literal(&self) -> String {
        let millis = (self.default_timeout_seconds * 1000.0).round() as u64;
        let digits = millis.to_string();
        if digits.len() <= 3 {
            return digits;
        }
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('_');
            }
            out.push(c);
        }
        out
    }
}

impl Default for RuleOptions {
    fn default() -> Self {
        RuleOptions::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeout_literals() {
        let mut options = RuleOptions::default();
        assert_eq!(options.timeout_seconds_literal(), "10");
        assert_eq!(options.timeout_millis_literal(), "10_000");
        options.default_timeout_seconds = 2.5;
        assert_eq!(options.timeout_seconds_literal(), "2.5");
        assert_eq!(options.timeout_millis_literal(), "2_500");
        options.default_timeout_seconds = 0.25;
        assert_eq!(options.timeout_millis_literal(), "250");
        options.default_timeout_seconds = 3600.0;
        assert_eq!(options.timeout_millis_literal(), "3_600_000");
    }
}
