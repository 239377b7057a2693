//! `SourceOptions`: every option a file source reads, in one value the scan hands to each
//! source's parse. A source with options of its own adds one field here (and one CLI flag in
//! `cli.rs`); nothing else in the pipeline learns about it.

use super::entra::EntraOptions;
use super::secret_id::SecretIdScheme;

/// The options of every file source, validated.
#[derive(Clone, Debug, Default)]
pub struct SourceOptions {
    /// How the Entra parser reads locale dates (`--assume-date-locale`).
    pub entra: EntraOptions,
    /// How secrets found in clear text are named (`--secret-id-key`), and the per-scan salt
    /// that joins finds of the same secret.
    pub secret_ids: SecretIdScheme,
    /// The `tickets:` section of the config file: which files are help-desk exports and their
    /// column maps.
    pub tickets: super::tickets::TicketSources,
}
