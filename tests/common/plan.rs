//! Planning a small runbook in process and asking which hosts run the step of a line.
#![allow(dead_code)]

use std::collections::BTreeSet;

use rbc::plan::StepKind;
use rbc::planner::{compile, Compiled};
use rbc::source::Source;

pub fn plan(text: &str) -> Compiled {
    compile(&Source::from_text("runbook.md", text))
}

/// The 1-based line of the first runbook line holding `needle`.
pub fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in the runbook"))
        + 1
}

pub fn automated(kind: StepKind) -> bool {
    matches!(kind, StepKind::Converge | StepKind::Once | StepKind::Check)
}

/// The hosts that run an automated step from the runbook line holding `needle`.
pub fn hosts_of(c: &Compiled, text: &str, needle: &str) -> BTreeSet<String> {
    let line = line_of(text, needle);
    c.plan
        .steps
        .iter()
        .filter(|s| s.line == line && automated(s.kind))
        .flat_map(|s| s.hosts.iter().cloned())
        .collect()
}

/// The hosts that have a manual step from the line holding `needle`.
pub fn manual_on(c: &Compiled, text: &str, needle: &str) -> BTreeSet<String> {
    let line = line_of(text, needle);
    c.plan
        .steps
        .iter()
        .filter(|s| s.line == line && s.kind == StepKind::Manual)
        .flat_map(|s| s.hosts.iter().cloned())
        .collect()
}

/// Whether the line holding `needle` became a manual step (on some host or on none).
pub fn is_manual(c: &Compiled, text: &str, needle: &str) -> bool {
    let line = line_of(text, needle);
    c.plan
        .steps
        .iter()
        .any(|s| s.line == line && s.kind == StepKind::Manual)
}

/// The `why` of the steps from the line holding `needle`.
pub fn whys_of(c: &Compiled, text: &str, needle: &str) -> Vec<String> {
    let line = line_of(text, needle);
    c.plan
        .steps
        .iter()
        .filter(|s| s.line == line)
        .map(|s| s.why.clone())
        .collect()
}

/// The codes of the diagnostics on the line holding `needle`.
pub fn codes_at(c: &Compiled, text: &str, needle: &str) -> Vec<String> {
    let line = line_of(text, needle);
    c.diagnostics
        .iter()
        .filter(|d| d.line == line)
        .map(|d| d.code.to_string())
        .collect()
}

pub fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}
