//! Annotations: a writer's overrides, invisible when the Markdown is rendered.
//! `<!-- rbc: hosts=web-1,web-2 kind=manual -->` before a block or sentence, or in a fence's info
//! string (```` ```bash rbc: kind=check ````). Unknown keys and bad values are errors.

use crate::diagnostic::Diagnostic;
use crate::plan::{Phase, StepKind};
use crate::source::Source;

/// Every key, its values, and what it does (the README documents this table).
pub const KEYS: &[(&str, &str, &str)] = &[
    (
        "hosts",
        "NAME,NAME | all | none",
        "run on these hosts (names, aliases or IPs) instead of the inferred ones",
    ),
    (
        "kind",
        "converge | once | check | manual | note",
        "treat every step of the block as this kind",
    ),
    (
        "phase",
        "run | rollback",
        "put the block in run.sh or in rollback.sh",
    ),
    (
        "gate",
        "none",
        "do not wait for other hosts before this block",
    ),
    (
        "edit",
        "append | add | replace | write",
        "the block is content for the file being edited, with this meaning",
    ),
    ("file", "/ABS/PATH", "the file the block's content is for"),
    ("db", "NAME", "the database SQL in this block runs against"),
    (
        "expect",
        "zero | any",
        "counting SQL checks: every count must be 0, or just show the counts",
    ),
    (
        "allow",
        "CODE,CODE",
        "acknowledge these findings (warnings, lints, notes) here: reviewed, no longer reported",
    ),
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Annotation {
    pub hosts: Option<Vec<String>>,
    pub kind: Option<StepKind>,
    pub phase: Option<Phase>,
    pub no_gate: bool,
    pub edit: Option<String>,
    pub file: Option<String>,
    pub db: Option<String>,
    pub expect_zero: Option<bool>,
    /// Codes acknowledged here (`allow=W030,L003`): reviewed findings, counted but not shown.
    pub allow: Vec<String>,
    pub line: usize,
}

/// Finds the `rbc:` part of an HTML comment or an info string; `None` when there is none.
pub fn find(text: &str) -> Option<&str> {
    let t = text.trim();
    if t.starts_with("<!--") && !t.contains("-->") {
        // Never closed: the comment runs to the end of the file (E080), not an annotation.
        return None;
    }
    let inner = t
        .strip_prefix("<!--")
        .map(|s| s.trim_end().trim_end_matches("-->"))
        .unwrap_or(t);
    let pos = inner.find("rbc:")?;
    Some(inner[pos + 4..].trim())
}

/// Parses `key=value key=value`; errors name the key and list the known ones.
pub fn parse(
    body: &str,
    source: &Source,
    span: std::ops::Range<usize>,
    diags: &mut Vec<Diagnostic>,
) -> Annotation {
    let mut a = Annotation {
        line: source.line_of(span.start),
        ..Annotation::default()
    };
    for pair in body.split_whitespace() {
        let Some((key, value)) = pair.split_once('=') else {
            diags.push(bad(
                source,
                &span,
                format!("annotation `{pair}` is not `key=value`"),
            ));
            continue;
        };
        let ok = match key {
            "hosts" => {
                a.hosts = Some(
                    value
                        .split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect(),
                );
                true
            }
            "kind" => {
                a.kind = match value {
                    "converge" => Some(StepKind::Converge),
                    "once" => Some(StepKind::Once),
                    "check" => Some(StepKind::Check),
                    "manual" => Some(StepKind::Manual),
                    "note" => Some(StepKind::Note),
                    _ => None,
                };
                a.kind.is_some()
            }
            "phase" => {
                a.phase = match value {
                    "run" => Some(Phase::Run),
                    "rollback" => Some(Phase::Rollback),
                    _ => None,
                };
                a.phase.is_some()
            }
            "gate" => {
                a.no_gate = value == "none";
                a.no_gate
            }
            "edit" => {
                let ok = ["append", "add", "replace", "write"].contains(&value);
                a.edit = ok.then(|| value.to_string());
                ok
            }
            "file" => {
                a.file = Some(value.to_string());
                value.starts_with('/')
            }
            "db" => {
                a.db = Some(value.to_string());
                !value.is_empty()
            }
            "expect" => {
                a.expect_zero = match value {
                    "zero" => Some(true),
                    "any" => Some(false),
                    _ => None,
                };
                a.expect_zero.is_some()
            }
            "allow" => {
                let codes: Vec<String> = value
                    .split(',')
                    .map(|c| c.trim().to_ascii_uppercase())
                    .filter(|c| !c.is_empty())
                    .collect();
                let ok = !codes.is_empty() && codes.iter().all(|c| acknowledgeable(c));
                if codes.iter().any(|c| c.starts_with('E')) {
                    diags.push(
                        Diagnostic::error(
                            "E021",
                            format!("annotation `allow` cannot be `{value}`: an error cannot be acknowledged"),
                        )
                        .at(source, span.clone())
                        .help("fix the error; `allow` takes warnings (W…), lints (L…) and notes (N…)"),
                    );
                    continue;
                }
                a.allow.extend(codes);
                ok
            }
            _ => {
                let known: Vec<&str> = KEYS.iter().map(|k| k.0).collect();
                diags.push(
                    Diagnostic::error("E020", format!("unknown annotation key `{key}`"))
                        .at(source, span.clone())
                        .help(format!("known keys: {}", known.join(", "))),
                );
                continue;
            }
        };
        if !ok {
            let expected = KEYS.iter().find(|k| k.0 == key).map(|k| k.1).unwrap_or("");
            diags.push(bad(
                source,
                &span,
                format!("annotation `{key}` cannot be `{value}`; expected {expected}"),
            ));
        }
    }
    a
}

/// A warning, lint or note code: `W030`, `L003`, `N002`.
pub fn acknowledgeable(code: &str) -> bool {
    let b = code.as_bytes();
    b.len() == 4 && matches!(b[0], b'W' | b'L' | b'N') && b[1..].iter().all(u8::is_ascii_digit)
}

fn bad(source: &Source, span: &std::ops::Range<usize>, message: String) -> Diagnostic {
    Diagnostic::error("E021", message)
        .at(source, span.clone())
        .help("write annotations as `<!-- rbc: key=value ... -->`; see the README for the keys")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_known_keys_and_rejects_unknown() {
        let src = Source::from_text("t.md", "<!-- rbc: hosts=a,b kind=manual colour=red -->\n");
        let mut d = Vec::new();
        let a = parse(find(&src.text).unwrap(), &src, 0..10, &mut d);
        assert_eq!(a.hosts, Some(vec!["a".to_string(), "b".to_string()]));
        assert_eq!(a.kind, Some(StepKind::Manual));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].code, "E020");
        assert!(find("bash").is_none());
        assert_eq!(find("bash rbc: kind=check"), Some("kind=check"));
    }
}
