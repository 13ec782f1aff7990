//! rbc's own block markers (`# BEGIN rbc 1-2` … `# END rbc 1-2`, lib/rbc.sh) must be unforgeable by
//! the content they enclose (SPEC §5.1): content holding a line that reads like one would end the
//! block early or look like another step's, so every run would add it again. Such a step is
//! manual, with W052 (issue #12 item 10).

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnostic::Diagnostic;
use crate::plan::{Action, Plan, StepKind};
use crate::source::Source;

static MARKER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|\s)(?:BEGIN|END) rbc(?:\s|$)").unwrap());

/// The first line of `content` that reads like an rbc block marker.
pub fn forged(content: &str) -> Option<&str> {
    content.lines().find(|l| MARKER.is_match(l))
}

/// Steps whose block content holds a marker-like line: manual, with W052 at the step.
pub fn enforce(plan: &mut Plan, source: &Source, diagnostics: &mut Vec<Diagnostic>) {
    for step in &mut plan.steps {
        let content = match &step.action {
            Action::AppendBlock { content, .. }
            | Action::PrependBlock { content, .. }
            | Action::ConfBlocks { content, .. }
            | Action::XmlElement { content, .. } => content,
            _ => continue,
        };
        let Some(line) = forged(content).map(|l| l.trim().to_string()) else {
            continue;
        };
        let path = step.action.edited_file().unwrap_or("").to_string();
        let start = source.line_start(step.line);
        let end = start + source.line_text(step.line).len();
        diagnostics.push(
            Diagnostic::warning(
                "W052",
                format!(
                    "the text added to {path} holds `{line}`, which reads like rbc's own block marker: rbc could not tell its block from the text, so the step is manual"
                ),
            )
            .at(source, start..end)
            .help("take the line out of the text (or reword it); until then the operator adds the text by hand"),
        );
        step.action = Action::Manual {
            instruction: format!(
                "Add the text to {path} by hand (rbc will not: it holds `{line}`, which reads like rbc's own block marker; W052, line {}), then confirm.\n\n{}",
                step.line, step.text
            ),
        };
        step.summary = format!("manual (W052): {}", step.summary);
        step.guard = "confirmed by the operator, journaled".into();
        step.why = format!("{}; manual because of W052 at line {}", step.why, step.line);
        step.finding = Some(format!("W052 at line {}", step.line));
        step.kind = StepKind::Manual;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn marker_like_lines() {
        for l in [
            "# END rbc 1-2",
            "// BEGIN rbc 3.1-4",
            "; END rbc x",
            "END rbc",
        ] {
            assert!(super::forged(l).is_some(), "{l}");
        }
        for l in [
            "# END of rbc section",
            "rbcEND rbc",
            "BEGIN rbcx",
            "# the end",
        ] {
            assert!(super::forged(l).is_none(), "{l}");
        }
    }
}
