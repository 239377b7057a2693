//! The one place that knows which YAML library we use (`serde_yaml_ng`), so swapping it touches
//! one file. Errors carry the line and column where the library reports them.

use serde::de::DeserializeOwned;

/// A YAML error located as `line:col` (1-based) when the parser knows where.
#[derive(Debug, thiserror::Error)]
#[error("{location}{message}")]
pub struct YamlError {
    pub location: String,
    pub message: String,
}

pub fn from_str<T: DeserializeOwned>(text: &str) -> Result<T, YamlError> {
    serde_yaml_ng::from_str(text).map_err(|e| {
        let location = e
            .location()
            .map(|l| format!("{}:{}: ", l.line(), l.column()))
            .unwrap_or_default();
        YamlError {
            location,
            message: e.to_string(),
        }
    })
}
