//! Diagnostics as data (code, severity, span, message, help) and their one renderer.
//! Rendering goes through codespan-reporting: file:line:col, the source line, a caret.

use std::ops::Range;

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor};
use serde::Serialize;

use crate::source::Source;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Stable code, e.g. `W012`; documented in the README.
    pub code: &'static str,
    pub severity: Severity,
    /// Byte range in the (normalised) source text; `None` for file-level problems.
    #[serde(skip)]
    pub span: Option<Range<usize>>,
    pub line: usize,
    pub message: String,
    pub help: Option<String>,
}

impl Diagnostic {
    pub fn new(code: &'static str, severity: Severity, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity,
            span: None,
            line: 0,
            message: message.into(),
            help: None,
        }
    }
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Error, message)
    }
    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Warning, message)
    }
    pub fn note(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(code, Severity::Note, message)
    }
    /// Attach a span; a span over several lines is shown by its first line.
    pub fn at(mut self, source: &Source, span: Range<usize>) -> Self {
        self.line = source.line_of(span.start);
        let text = source.text.get(span.clone()).unwrap_or("");
        let end = match text.trim_end().find('\n') {
            Some(nl) => span.start + nl,
            None => span.start + text.trim_end().len(),
        };
        self.span = Some(span.start..end.max(span.start));
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// Renders diagnostics compiler-style. Colour only when `color` is set (caller honours NO_COLOR/tty).
pub fn render(source: &Source, diagnostics: &[Diagnostic], color: bool) -> String {
    // The source lines shown never show a credential (SPEC §5.1): masked, offsets kept.
    let shown = crate::secrets::mask(&source.text);
    let file = SimpleFile::new(source.path.as_str(), &*shown);
    let config = term::Config::default();
    let mut buffer = if color {
        termcolor::Buffer::ansi()
    } else {
        termcolor::Buffer::no_color()
    };
    for d in diagnostics {
        let severity = match d.severity {
            Severity::Error => CsSeverity::Error,
            Severity::Warning => CsSeverity::Warning,
            Severity::Note => CsSeverity::Note,
        };
        let mut cs = CsDiagnostic::new(severity)
            .with_code(d.code)
            .with_message(crate::secrets::redact(&d.message));
        if let Some(span) = &d.span {
            let end = span.end.min(source.text.len()).max(span.start);
            cs = cs.with_labels(vec![Label::primary((), span.start..end)]);
        }
        if let Some(help) = &d.help {
            cs = cs.with_notes(vec![format!("help: {help}")]);
        }
        if term::emit(&mut buffer, &config, &file, &cs).is_err() {
            // Cannot happen for spans we clamp above; keep the message rather than lose it.
            use std::io::Write;
            let _ = writeln!(
                buffer,
                "{}[{}]: {}",
                severity_word(d.severity),
                d.code,
                d.message
            );
        }
    }
    String::from_utf8_lossy(buffer.as_slice()).into_owned()
}

/// Counts by severity: (errors, warnings).
pub fn counts(diagnostics: &[Diagnostic]) -> (usize, usize) {
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    (errors, warnings)
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}
