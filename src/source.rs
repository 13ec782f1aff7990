//! Loading a runbook file: encodings (UTF-8 with/without BOM, GB18030/GBK, UTF-16), line endings,
//! and refusing what is not a text runbook. Offsets and lines refer to the normalised text.

use std::path::Path;

use crate::diagnostic::Diagnostic;

/// The largest runbook rbc reads (16 MiB): a runbook is prose and commands, and a bigger file is
/// almost surely the wrong one (an archive, a log, a device).
pub const MAX_RUNBOOK_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Source {
    pub path: String,
    /// Normalised text: UTF-8, no BOM, `\n` line endings.
    pub text: String,
    line_starts: Vec<usize>,
    /// Notes about how the file was read (e.g. decoded from GB18030).
    pub notes: Vec<Diagnostic>,
}

impl Source {
    /// A source from text already in memory (tests, benches).
    pub fn from_text(path: &str, text: &str) -> Source {
        let text = normalise(text.strip_prefix('\u{feff}').unwrap_or(text));
        Source::new(path, text, Vec::new())
    }

    fn new(path: &str, text: String, notes: Vec<Diagnostic>) -> Source {
        let (text, normalised) = crate::lookalikes::normalise_addresses(&text);
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        let mut source = Source {
            path: path.to_string(),
            text,
            line_starts,
            notes,
        };
        let mut found = crate::lookalikes::normalised_warnings(&source, &normalised);
        found.extend(crate::lookalikes::errors(&source));
        source.notes.extend(found);
        source
    }

    /// Reads and decodes a runbook; every failure is a diagnostic that says what to do. Only a
    /// regular file of at most [`MAX_RUNBOOK_BYTES`] is read: a FIFO would block forever and a
    /// device (`/dev/zero`) never ends, so neither is opened.
    pub fn load(path: &Path) -> Result<Source, Diagnostic> {
        let shown = path.display().to_string();
        let unreadable = |e: std::io::Error| {
            let what = match e.kind() {
                std::io::ErrorKind::NotFound => "no such file".to_string(),
                std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
                _ => e.to_string(),
            };
            Diagnostic::error("E001", format!("cannot read runbook `{shown}`: {what}"))
                .help("give the path of the runbook Markdown file, e.g. `rbc check runbook.md`")
        };
        let meta = std::fs::metadata(path).map_err(unreadable)?;
        if !meta.is_file() {
            return Err(not_regular(&shown, &meta.file_type()));
        }
        if meta.len() > MAX_RUNBOOK_BYTES {
            return Err(too_large(&shown));
        }
        use std::io::Read as _;
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(MAX_RUNBOOK_BYTES + 1).read_to_end(&mut bytes))
            .map_err(unreadable)?;
        // The file grew between the look and the read.
        if bytes.len() as u64 > MAX_RUNBOOK_BYTES {
            return Err(too_large(&shown));
        }
        Source::from_bytes(&shown, &bytes)
    }

    pub fn from_bytes(path: &str, bytes: &[u8]) -> Result<Source, Diagnostic> {
        if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(Diagnostic::error("E002", format!("runbook `{path}` is empty"))
                .help("write the runbook in Markdown: numbered sections, prose and fenced command blocks"));
        }
        let mut notes = Vec::new();
        let text: String = if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
            utf8(path, rest)?
        } else if bytes.starts_with(b"\xff\xfe") || bytes.starts_with(b"\xfe\xff") {
            let enc = if bytes[0] == 0xff {
                encoding_rs::UTF_16LE
            } else {
                encoding_rs::UTF_16BE
            };
            let (text, had_errors) = enc.decode_without_bom_handling(&bytes[2..]);
            if had_errors {
                return Err(Diagnostic::error("E003", format!("runbook `{path}` starts with a UTF-16 byte-order mark but is not valid UTF-16"))
                    .help("save the file as UTF-8"));
            }
            notes.push(
                Diagnostic::note("N001", format!("`{path}` is UTF-16; read it as such"))
                    .help("save the runbook as UTF-8"),
            );
            text.into_owned()
        } else if let Ok(text) = std::str::from_utf8(bytes) {
            text.to_string()
        } else {
            let (text, _, had_errors) = encoding_rs::GB18030.decode(bytes);
            if had_errors || looks_binary(bytes) {
                let bad = std::str::from_utf8(bytes)
                    .err()
                    .map(|e| e.valid_up_to())
                    .unwrap_or(0);
                let line = bytes[..bad].iter().filter(|b| **b == b'\n').count() + 1;
                return Err(Diagnostic::error(
                    "E003",
                    format!("runbook `{path}` is not text: it is neither UTF-8 nor GB18030 (first bad byte on line {line})"),
                )
                .help("save the runbook as UTF-8 text; rbc reads Markdown only"));
            }
            notes.push(
                Diagnostic::note(
                    "N001",
                    format!("`{path}` is not UTF-8; it was read as GB18030 (GBK)"),
                )
                .help("save the runbook as UTF-8 so that every tool reads it the same way"),
            );
            text.into_owned()
        };
        if text.contains('\0') {
            return Err(Diagnostic::error(
                "E003",
                format!("runbook `{path}` contains NUL bytes: it looks like a binary file"),
            )
            .help("give the Markdown runbook, not a document in another format"));
        }
        Ok(Source::new(path, normalise(&text), notes))
    }

    /// 1-based line of a byte offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    /// 1-based column (in characters) of a byte offset.
    pub fn col_of(&self, offset: usize) -> usize {
        let line = self.line_of(offset);
        let start = self.line_starts[line - 1];
        let offset = offset.min(self.text.len());
        self.text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(0)
            + 1
    }

    /// Byte offset where a 1-based line starts.
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len())
    }

    /// The text of a 1-based line, without its newline.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_start(line);
        let end = self.text[start..]
            .find('\n')
            .map(|i| start + i)
            .unwrap_or(self.text.len());
        &self.text[start..end]
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

fn not_regular(path: &str, kind: &std::fs::FileType) -> Diagnostic {
    use std::os::unix::fs::FileTypeExt as _;
    let what = if kind.is_dir() {
        "a directory"
    } else if kind.is_fifo() {
        "a FIFO (named pipe)"
    } else if kind.is_char_device() || kind.is_block_device() {
        "a device"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    };
    Diagnostic::error(
        "E050",
        format!("runbook `{path}` is {what}; rbc reads only a regular file"),
    )
    .help("give the path of the runbook Markdown file (save piped text to a file first)")
}

fn too_large(path: &str) -> Diagnostic {
    Diagnostic::error(
        "E050",
        format!(
            "runbook `{path}` is larger than {} MiB; rbc reads no more",
            MAX_RUNBOOK_BYTES / 1024 / 1024
        ),
    )
    .help("give the runbook Markdown file; a runbook this large is almost surely another file")
}

fn utf8(path: &str, bytes: &[u8]) -> Result<String, Diagnostic> {
    std::str::from_utf8(bytes).map(str::to_string).map_err(|e| {
        let line = bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1;
        Diagnostic::error(
            "E003",
            format!(
                "runbook `{path}` has a UTF-8 byte-order mark but invalid UTF-8 on line {line}"
            ),
        )
        .help("re-save the file as UTF-8")
    })
}

fn looks_binary(bytes: &[u8]) -> bool {
    let sample = &bytes[..bytes.len().min(8192)];
    let control = sample
        .iter()
        .filter(|b| **b < 0x20 && !matches!(**b, b'\n' | b'\r' | b'\t' | 0x0c))
        .count();
    sample.contains(&0) || control * 20 > sample.len().max(1)
}

/// CRLF and lone CR become LF, so a CRLF runbook gives the same plan.
fn normalise(text: &str) -> String {
    if !text.contains('\r') {
        return text.to_string();
    }
    text.replace("\r\n", "\n").replace('\r', "\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_and_crlf_give_the_same_text() {
        let a = Source::from_bytes("a", "1 标题\n\n```\n# ls\n```\n".as_bytes()).unwrap();
        let b = Source::from_bytes(
            "b",
            "\u{feff}1 标题\r\n\r\n```\r\n# ls\r\n```\r\n".as_bytes(),
        )
        .unwrap();
        assert_eq!(a.text, b.text);
    }

    #[test]
    fn gbk_is_read_with_a_note() {
        let (bytes, _, _) = encoding_rs::GBK.encode("2.1 程序上传\n登录服务器\n");
        let s = Source::from_bytes("gbk.md", &bytes).unwrap();
        assert!(s.text.contains("程序上传"));
        assert_eq!(s.notes.len(), 1);
        assert!(s.notes[0].message.contains("GB18030"));
    }

    #[test]
    fn binary_and_empty_are_refused() {
        assert_eq!(
            Source::from_bytes("x", b"\x00\x01\x02\xff\xfe\x00")
                .unwrap_err()
                .code,
            "E003"
        );
        assert_eq!(Source::from_bytes("x", b" \n\n").unwrap_err().code, "E002");
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00";
        assert!(Source::from_bytes("x.png", png).is_err());
    }

    #[test]
    fn lines_and_columns() {
        let s = Source::from_text("t", "ab\n中文x\n");
        assert_eq!(s.line_of(0), 1);
        assert_eq!(s.line_of(3), 2);
        let x = s.text.find('x').unwrap();
        assert_eq!(s.col_of(x), 3);
        assert_eq!(s.line_text(2), "中文x");
    }
}
