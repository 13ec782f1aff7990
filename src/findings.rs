//! What `rbc check` tells a writer who runs it after every edit: findings acknowledged by
//! `<!-- rbc: allow=CODE -->` set aside (counted, not shown), errors first, then warnings and
//! notes, then one summary line per code and the totals; `--format short` for editors and CI.
//! Also the checks of things left open (a fence or an annotation comment that never closes).

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::annotation;
use crate::diagnostic::{Diagnostic, Severity};
use crate::document::{Document, ElementKind};
use crate::source::Source;

/// One line on what a code means (src/codes.rs); for a code not registered, its first message.
pub fn meaning(code: &str, diags: &[Diagnostic]) -> String {
    crate::codes::lookup(code)
        .map(|c| c.meaning.to_string())
        .or_else(|| {
            diags
                .iter()
                .find(|d| d.code == code)
                .map(|d| first_words(&d.message, 60))
        })
        .unwrap_or_default()
}

fn first_words(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max - 1).collect();
    format!("{cut}…")
}

/// An `allow=` annotation: the codes and the lines it covers (itself through the next element).
#[derive(Debug, Clone)]
struct Allow {
    codes: Vec<String>,
    first: usize,
    last: usize,
    span: std::ops::Range<usize>,
    used: bool,
}

fn last_line(source: &Source, span: &std::ops::Range<usize>) -> usize {
    let text = source.text.get(span.clone()).unwrap_or("");
    source.line_of(span.start + text.trim_end().len().max(1) - 1)
}

fn allows(source: &Source, doc: &Document) -> Vec<Allow> {
    let mut out = Vec::new();
    let mut sink = Vec::new();
    for (i, e) in doc.elements.iter().enumerate() {
        let (body, covers) = match &e.kind {
            ElementKind::Html { text } => match annotation::find(text) {
                Some(b) => {
                    // The next element that is not itself an annotation.
                    let next = doc.elements[i + 1..].iter().find(|n| {
                        !matches!(&n.kind, ElementKind::Html { text } if annotation::find(text).is_some())
                    });
                    (b, next.map(|n| n.span.clone()).unwrap_or(e.span.clone()))
                }
                None => continue,
            },
            ElementKind::Code { info, .. } => match annotation::find(info) {
                Some(b) => (b, e.span.clone()),
                None => continue,
            },
            _ => continue,
        };
        let a = annotation::parse(body, source, e.span.clone(), &mut sink);
        if a.allow.is_empty() {
            continue;
        }
        out.push(Allow {
            codes: a.allow,
            first: e.line,
            last: last_line(source, &covers).max(e.line),
            span: e.span.clone(),
            used: false,
        });
    }
    out
}

/// The findings to show and the ones acknowledged; an `allow=` that acknowledges nothing is a
/// warning (W080) among those shown, so that stale acknowledgements do not pile up.
pub fn acknowledge(
    source: &Source,
    doc: &Document,
    diags: &[Diagnostic],
) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let mut scopes = allows(source, doc);
    let mut shown = Vec::new();
    let mut acknowledged = Vec::new();
    for d in diags {
        let scope = (d.severity != Severity::Error && d.line > 0)
            .then(|| {
                scopes.iter_mut().find(|a| {
                    a.first <= d.line && d.line <= a.last && a.codes.iter().any(|c| c == d.code)
                })
            })
            .flatten();
        match scope {
            Some(a) => {
                a.used = true;
                acknowledged.push(d.clone());
            }
            None => shown.push(d.clone()),
        }
    }
    for a in scopes.iter().filter(|a| !a.used) {
        shown.push(
            Diagnostic::warning(
                "W080",
                format!(
                    "`allow={}` acknowledges nothing here: no such finding in the block or sentence it stands before",
                    a.codes.join(",")
                ),
            )
            .at(source, a.span.clone())
            .help("remove the annotation, or move it before the block or sentence that has the finding"),
        );
    }
    (shown, acknowledged)
}

/// Errors first, then warnings, then notes; in each, in the order of the runbook. Findings of
/// one code on one line have one cause: they are merged into one message.
pub fn ordered(diags: &[Diagnostic]) -> Vec<Diagnostic> {
    let mut sorted = diags.to_vec();
    sorted.sort_by_key(|d| (std::cmp::Reverse(d.severity), d.line, d.code));
    let mut out: Vec<Diagnostic> = Vec::new();
    for d in sorted {
        match out.last_mut() {
            Some(p)
                if p.line > 0
                    && p.line == d.line
                    && p.code == d.code
                    && p.severity == d.severity =>
            {
                if !p.message.contains(&d.message) {
                    p.message = format!("{}; and {}", p.message, d.message);
                }
                if let (Some(ph), Some(dh)) = (&p.help, &d.help) {
                    if !ph.contains(dh.as_str()) {
                        p.help = Some(format!("{ph}; {dh}"));
                    }
                }
                if let (Some(a), Some(b)) = (&p.span, &d.span) {
                    p.span = Some(a.start.min(b.start)..a.end.max(b.end));
                }
            }
            _ => out.push(d),
        }
    }
    out
}

/// One line per finding: `file:line:col: code: message` (compilers' and linters' convention).
pub fn short(source: &Source, diags: &[Diagnostic]) -> String {
    let mut out = String::new();
    for d in diags {
        let (line, col) = match &d.span {
            Some(span) => (source.line_of(span.start), source.col_of(span.start)),
            None => (d.line.max(1), 1),
        };
        let message = crate::secrets::redact(&d.message).replace('\n', " ");
        let _ = writeln!(out, "{}:{line}:{col}: {}: {message}", source.path, d.code);
    }
    out
}

/// Per code (errors, then warnings, then notes) its count and meaning; then the totals line.
pub fn summary(
    source: &Source,
    shown: &[Diagnostic],
    acknowledged: usize,
    steps: usize,
    hosts: usize,
) -> String {
    let mut per: BTreeMap<(std::cmp::Reverse<Severity>, &str), usize> = BTreeMap::new();
    for d in shown {
        *per.entry((std::cmp::Reverse(d.severity), d.code))
            .or_default() += 1;
    }
    let mut out = String::new();
    if !per.is_empty() {
        let _ = writeln!(out, "summary:");
        for ((_, code), n) in &per {
            let _ = writeln!(out, "  {code} {n:>4}  {}", meaning(code, shown));
        }
    }
    let count = |s: Severity| shown.iter().filter(|d| d.severity == s).count();
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {many}")
        }
    };
    let mut totals = vec![
        plural(count(Severity::Error), "error", "errors"),
        plural(count(Severity::Warning), "warning", "warnings"),
    ];
    let notes = count(Severity::Note);
    if notes > 0 {
        totals.push(plural(notes, "note", "notes"));
    }
    if acknowledged > 0 {
        totals.push(format!("{acknowledged} acknowledged"));
    }
    let _ = writeln!(
        out,
        "{}: {}; {steps} steps on {hosts} hosts",
        source.path,
        totals.join(", ")
    );
    out
}

/// A fence still open at the end of the file (CommonMark reads the rest of the file into it:
/// W081 at its opening line), an annotation comment that never closes (E080), another HTML
/// comment that never closes (W082; it hides the rest of the file).
pub fn unclosed(source: &Source, doc: &Document) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let rest_empty = |end: usize| source.text.get(end..).map_or(true, |r| r.trim().is_empty());
    for e in &doc.elements {
        match &e.kind {
            ElementKind::Code { .. } => {
                let text = source.text.get(e.span.clone()).unwrap_or("");
                let mut lines = text.trim_end().lines();
                let open = lines.next().unwrap_or("");
                let Some((ch, n)) = fence_of(open) else {
                    continue;
                };
                let closed = lines.next_back().is_some_and(|last| {
                    let t = last.trim_start_matches([' ', '>']).trim_end();
                    t.len() >= n && t.chars().all(|c| c == ch)
                });
                if !closed && rest_empty(e.span.end) {
                    let open_line = e.line;
                    out.push(
                        Diagnostic::warning(
                            "W081",
                            format!(
                                "this fence is never closed: everything after line {open_line} to the end of the file is read as its content"
                            ),
                        )
                        .at(source, e.span.clone())
                        .help(format!(
                            "close the block with a line of {} after its last command",
                            ch.to_string().repeat(n)
                        )),
                    );
                }
            }
            ElementKind::Html { text } => {
                let t = text.trim_start();
                if !t.starts_with("<!--") || t.contains("-->") {
                    continue;
                }
                let start = e.span.start;
                let span = start..start + text.trim_end().len().min(source.text.len() - start);
                if text.contains("rbc:") {
                    out.push(
                        Diagnostic::error("E080", "this annotation comment is never closed")
                            .at(source, span)
                            .help("end it with `-->` on the same line: `<!-- rbc: key=value -->`"),
                    );
                } else {
                    out.push(
                        Diagnostic::warning(
                            "W082",
                            "this HTML comment is never closed: it hides the rest of the file",
                        )
                        .at(source, span)
                        .help("end the comment with `-->`"),
                    );
                }
            }
            _ => {}
        }
    }
    out
}

/// A fence's character and length: "```bash" → ('`', 3); not a fence → None.
fn fence_of(line: &str) -> Option<(char, usize)> {
    let t = line.trim_start_matches([' ', '>']).trim_start();
    let ch = t.chars().next().filter(|c| *c == '`' || *c == '~')?;
    let n = t.chars().take_while(|c| *c == ch).count();
    (n >= 3).then_some((ch, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences() {
        assert_eq!(fence_of("```bash"), Some(('`', 3)));
        assert_eq!(fence_of("  ~~~~"), Some(('~', 4)));
        assert_eq!(fence_of("    # ls"), None);
    }
}
