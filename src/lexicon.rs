//! lexicon (in progress)
