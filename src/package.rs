//! Deterministic bundle packaging (owned by the quoting/packaging work).
