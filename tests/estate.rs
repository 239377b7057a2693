//! The demo estate (`fixtures/estate`): every expected finding, and no finding on the near misses.
