//! Progress on stderr for long scans: a spinner with file and byte counts, redrawn by a ticker
//! thread from the walker's shared counters (workers never touch the bar, so there is no
//! per-file contention). Hidden when stderr is not a terminal, with `--no-progress` or `-q`.

use crate::discover::Counters;
use indicatif::{HumanBytes, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub struct Progress {
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    pub fn new(enabled: bool, counters: Arc<Counters>) -> Progress {
        let stop = Arc::new(AtomicBool::new(false));
        if !enabled || !std::io::stderr().is_terminal() {
            return Progress { stop, ticker: None };
        }
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr_with_hz(8));
        if let Ok(style) = ProgressStyle::with_template("{spinner} scanning: {msg} ({elapsed})") {
            bar.set_style(style);
        }
        let s = stop.clone();
        let ticker = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                bar.set_message(format!(
                    "{} files, {}",
                    counters.files.load(Ordering::Relaxed),
                    HumanBytes(counters.bytes.load(Ordering::Relaxed))
                ));
                bar.tick();
                std::thread::sleep(Duration::from_millis(120));
            }
            bar.finish_and_clear();
        });
        Progress {
            stop,
            ticker: Some(ticker),
        }
    }

    pub fn finish(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}
