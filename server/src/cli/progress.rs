//! A progress bar on stderr for scans that take a while: only on a terminal, and only once the
//! scan has run for about a second, so quick scans and piped or redirected output never see it.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long a scan runs before the bar appears.
const DEFAULT_DELAY: Duration = Duration::from_secs(1);

/// Overrides the delay in milliseconds; the end-to-end test sets it to see the bar on a short scan.
const DELAY_VARIABLE: &str = "PREFLIGHT_PROGRESS_DELAY_MS";

pub(super) struct Progress {
    bar: ProgressBar,
    started: Instant,
    delay: Duration,
    shown: AtomicBool,
}

impl Progress {
    /// A bar that draws on stderr, or `None` when stderr is not a terminal.
    pub fn on_terminal() -> Option<Progress> {
        if !std::io::stderr().is_terminal() {
            return None;
        }
        let delay = std::env::var(DELAY_VARIABLE)
            .ok()
            .and_then(|ms| ms.parse().ok())
            .map_or(DEFAULT_DELAY, Duration::from_millis);
        Some(Progress::new(delay))
    }

    fn new(delay: Duration) -> Progress {
        // Hidden until the delay has passed; `update` then points it at stderr.
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template(
            "{spinner} Checking files {bar:32.cyan/blue} {pos}/{len} {elapsed}",
        )
        .expect("a valid template")
        .progress_chars("=> ");
        bar.set_style(style);
        Progress {
            bar,
            started: Instant::now(),
            delay,
            shown: AtomicBool::new(false),
        }
    }

    /// Records that `done` of `total` files are analysed; called from worker threads.
    pub fn update(&self, done: usize, total: usize) {
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
        if self.started.elapsed() >= self.delay && !self.shown.swap(true, Ordering::Relaxed) {
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
            self.bar.tick();
        }
    }

    /// Removes the bar before the report is printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    #[cfg(test)]
    fn is_shown(&self) -> bool {
        self.shown.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stays_hidden_until_the_delay_has_passed() {
        let progress = Progress::new(Duration::from_secs(3600));
        progress.update(0, 10);
        progress.update(10, 10);
        assert!(!progress.is_shown());
        let progress = Progress::new(Duration::ZERO);
        progress.update(1, 10);
        assert!(progress.is_shown());
        assert_eq!(progress.bar.position(), 1);
        assert_eq!(progress.bar.length(), Some(10));
        progress.finish();
    }
}
