//! annotation
