//! Progress for long fetches and pushes: a line on stderr, redrawn at most
//! ten times a second, only when stderr is a terminal and not --quiet.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

/// A progress line.
pub struct Progress {
    enabled: bool,
    last: Option<Instant>,
    drawn: bool,
}

impl Progress {
    /// Progress shown unless `quiet` or stderr is not a terminal.
    pub fn new(quiet: bool) -> Progress {
        Progress { enabled: !quiet && std::io::stderr().is_terminal(), last: None, drawn: false }
    }

    /// Reports `done` of `total` for `what`.
    pub fn report(&mut self, what: &str, done: usize, total: usize) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        if done < total && self.last.is_some_and(|l| now - l < Duration::from_millis(100)) {
            return;
        }
        self.last = Some(now);
        self.drawn = true;
        let _ = write!(std::io::stderr(), "\r{what}: {done}/{total}\x1b[K");
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if self.drawn {
            let _ = writeln!(std::io::stderr());
        }
    }
}
