//! scope (in progress)
