//! The invariant of SPEC §2.2, enforced in one place after planning: a step whose hosts or content
//! rest on a guess is never automated. It becomes a manual step, with a warning naming the line.

use std::collections::BTreeMap;

use crate::diagnostic::Diagnostic;
use crate::evidence::Evidence;
use crate::plan::{Action, Plan, StepKind};
use crate::source::Source;

/// Makes every automated step that rests on a guess manual, and says so once per guess and
/// section (the guess, its line, the steps it touches, what to write instead).
pub fn enforce(plan: &mut Plan, source: &Source, diagnostics: &mut Vec<Diagnostic>) {
    // (guess, section) → (first line of a demoted step, the steps)
    let mut touched: BTreeMap<(Evidence, String), (usize, Vec<String>)> = BTreeMap::new();
    for step in &mut plan.steps {
        let automated = match step.kind {
            StepKind::Converge | StepKind::Once | StepKind::Check => true,
            StepKind::Manual | StepKind::Note => false,
        };
        let Some(guess) = step.evidence.iter().copied().find(|e| e.kind.is_guess()) else {
            continue;
        };
        if !automated {
            continue;
        }
        let Some(doubt) = guess.kind.guess() else {
            continue;
        };
        let on = if step.hosts.is_empty() {
            String::new()
        } else {
            format!(" on {}", step.hosts.join(", "))
        };
        step.action = Action::Manual {
            instruction: format!(
                "rbc does not run this by itself: {} line {} ({}).\nDo it by hand{on} if that is where the runbook means it, then confirm:\n\n{}",
                doubt.what, guess.line, step.why, step.text
            ),
        };
        step.summary = format!("manual (a guess, {}): {}", doubt.code, step.summary);
        step.guard = "confirmed by the operator, journaled".into();
        step.kind = StepKind::Manual;
        let e = touched
            .entry((guess, step.section.clone()))
            .or_insert((step.line, Vec::new()));
        e.1.push(step.id.clone());
    }
    for ((guess, _), (line, ids)) in touched {
        let Some(doubt) = guess.kind.guess() else {
            continue;
        };
        let steps = match ids.as_slice() {
            [one] => format!("step {one} is"),
            [first, .., last] => format!("steps {first} … {last} ({} steps) are", ids.len()),
            [] => continue,
        };
        let start = source.line_start(line);
        let span = start..start + source.line_text(line).len();
        diagnostics.push(
            Diagnostic::warning(
                doubt.code,
                format!(
                    "{} line {}: a guess, so {steps} manual (rbc never automates a guess)",
                    doubt.what, guess.line
                ),
            )
            .at(source, span)
            .help(doubt.help),
        );
    }
}
