//! annotation (in progress)
