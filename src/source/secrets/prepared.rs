//! The secret extractors of one scan, compiled beside its start: compiling the bundled set
//! takes tens of milliseconds (its rules' reaches are tried on their own examples). A scan of
//! live directories alone reads no file, so it compiles them only if something asks (nothing
//! does: the rule-set hash reads the bundled rules' sources). A user's `--extractors` directory
//! is compiled before the scan, so its errors stop it (exit 2).

use super::Extractors;
use std::sync::{Mutex, OnceLock};
use std::thread::JoinHandle;

/// Extractors that may still be compiling on a thread of their own, or not compiled yet;
/// `Deref` waits for them, or compiles them.
pub struct PreparedExtractors {
    ready: OnceLock<Extractors>,
    compiling: Mutex<Option<JoinHandle<Extractors>>>,
    /// The bundled set (its definitions can be read without compiling it).
    bundled: bool,
    /// `definitions`, worked out once (every report of a scan hashes them).
    definitions: OnceLock<Vec<(String, String)>>,
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
            bundled: true,
            definitions: OnceLock::new(),
        }
    }

    /// The bundled extractors, compiled when first used (on the thread that uses them).
    pub fn builtin_on_demand() -> Self {
        PreparedExtractors {
            ready: OnceLock::new(),
            compiling: Mutex::new(None),
            bundled: true,
            definitions: OnceLock::new(),
        }
    }

    /// (id, regex source) of every rule, in load order (`Extractors::definitions`): for the
    /// bundled set, read from its rule files, so nothing is compiled or waited for.
    pub fn definitions(&self) -> &[(String, String)] {
        self.definitions.get_or_init(|| match self.ready.get() {
            Some(compiled) => compiled.definitions(),
            None if self.bundled => Extractors::builtin_definitions(),
            None => self.get().definitions(),
        })
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
                // Compiled on demand, or the thread could not be started: compile here.
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
            bundled: false,
            definitions: OnceLock::new(),
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
        assert!(given.definitions().is_empty());
    }

    /// The rule-set hash reads the definitions: read from the bundled files without compiling,
    /// they are the compiled set's, so every report names the same rule set either way.
    #[test]
    fn the_bundled_definitions_read_uncompiled_are_the_compiled_ones() {
        let bundled = Extractors::builtin().unwrap_or_else(|e| panic!("{e:#?}"));
        assert!(!bundled.definitions().is_empty());
        assert_eq!(Extractors::builtin_definitions(), bundled.definitions());
        let on_demand = PreparedExtractors::builtin_on_demand();
        assert_eq!(on_demand.definitions(), bundled.definitions());
        assert!(on_demand.ready.get().is_none(), "read without compiling");
        // Read once: every report of the scan hashes the same list.
        assert!(std::ptr::eq(
            on_demand.definitions(),
            on_demand.definitions()
        ));
        assert_eq!(on_demand.patterns(), bundled.patterns());
        assert_eq!(on_demand.definitions(), bundled.definitions());
        let background = PreparedExtractors::builtin_in_background();
        assert_eq!(background.definitions(), bundled.definitions());
    }
}
