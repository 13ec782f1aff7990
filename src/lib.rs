//! rbc, the literate runbook compiler.
//! Pipeline: source → document → outline → inventory → scope/classify → plan → render → package.

pub mod annotation;
pub mod ansible;
pub mod checklist;
pub mod classify;
pub mod codes;
pub mod compile;
pub mod confblocks;
pub mod diagnostic;
pub mod document;
pub mod doubt;
pub mod evidence;
pub mod findings;
pub mod fleet;
pub mod interrupt;
pub mod inventory;
pub mod lexicon;
pub mod lint;
pub mod lookalikes;
pub mod markers;
pub mod names;
pub mod outline;
pub mod package;
pub mod plan;
pub mod planner;
pub mod quote;
pub mod rehearse;
pub mod render;
pub mod report;
pub mod scope;
pub mod script_lint;
pub mod secrets;
pub mod sfx;
pub mod source;
pub mod status;
pub mod synthetic;
