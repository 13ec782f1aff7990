//! outline (in progress)
