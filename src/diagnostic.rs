//! diagnostic (in progress)
