//! GitHub organisation exports (placeholder while being written).
