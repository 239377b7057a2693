//! The secret extractors of one scan, compiled beside its start: compiling the bundled set
//! takes tens of milliseconds (its rules' reaches are tried on their own examples), which a scan
//! of live directories alone would otherwise wait for before its first connection. A user's
//! `--extractors` directory is compiled before the scan, so its errors stop it (exit 2).

use super::Extractors;
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

/// Extractors that may still be compiling on a thread of their own; `Deref` waits for them.
pub struct PreparedExtractors {
    ready: OnceLock<Extractors>,
    compiling: Mutex<Option<JoinHandle<Extractors>>>,
}

impl PreparedExtractors {
    /// The bundled extractors, compiled on a thread started now. They always compile (the
    /// secrets tests build them); were that ever broken, the scan would run with none rather
    /// than stop.
    pub fn builtin_in_background() -> Self {
        let handle = std::thread::Builder::new()
            .name("extractors".into())
            .spawn(|| Extractors::builtin().unwrap_or_default())
            .ok();
        PreparedExtractors {
            ready: OnceLock::new(),
            compiling: Mutex::new(handle),
        }
    }

    /// The extractors, waiting for their compilation when it is still running.
    pub fn get(&self) -> &Extractors {
        self.ready.get_or_init(|| {
            let handle = self
                .compiling
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take();
            match handle {
                Some(h) => h.join().unwrap_or_default(),
                // The thread could not be started: compile here.
                None => Extractors::builtin().unwrap_or_default(),
            }
        })
    }
}

impl From<Extractors> for PreparedExtractors {
    /// Extractors compiled already.
    fn from(extractors: Extractors) -> Self {
        PreparedExtractors {
            ready: OnceLock::from(extractors),
            compiling: Mutex::new(None),
        }
    }
}

impl std::ops::Deref for PreparedExtractors {
    type Target = Extractors;

    fn deref(&self) -> &Extractors {
        self.get()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compiled_in_the_background_they_are_the_bundled_set() {
        let prepared = PreparedExtractors::builtin_in_background();
        let bundled = Extractors::builtin().unwrap_or_else(|e| panic!("{e:#?}"));
        assert!(!bundled.rules().is_empty());
        assert_eq!(prepared.rules(), bundled.rules());
        assert_eq!(prepared.patterns(), bundled.patterns());
        // Asked again: the same compiled set, not a second compilation.
        assert!(std::ptr::eq(prepared.get(), prepared.get()));
        let given = PreparedExtractors::from(Extractors::default());
        assert!(given.rules().is_empty());
    }
}
