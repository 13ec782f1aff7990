//! The Markdown reader: pulldown-cmark events in, a flat list of typed elements out.
//! Every element keeps its byte span and 1-based line; no stage re-parses Markdown afterwards.

use std::ops::Range;

use pulldown_cmark::{CodeBlockKind, Event, Options, Parser, Tag, TagEnd};

use crate::source::Source;

#[derive(Debug, Clone, PartialEq)]
pub enum ElementKind {
    /// An ATX or setext heading.
    Heading { level: usize, text: String },
    /// A paragraph; soft line breaks are kept as `\n`.
    Paragraph { text: String },
    /// One list item's own text (nested lists are separate items).
    ListItem { text: String, depth: usize },
    /// A fenced or indented code block.
    Code {
        info: String,
        content: String,
        /// 1-based line of the first content line.
        first_line: usize,
    },
    /// A table: from a Markdown table or a paragraph of tab-separated lines.
    Table { rows: Vec<Vec<String>> },
    /// Raw HTML (annotations live in HTML comments).
    Html { text: String },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    pub kind: ElementKind,
    pub span: Range<usize>,
    pub line: usize,
    /// Inline code spans of a paragraph or list item (`` `export A=1` ``), in order.
    pub codes: Vec<String>,
}

impl Element {
    /// The element's readable text (empty for code).
    pub fn text(&self) -> &str {
        match &self.kind {
            ElementKind::Heading { text, .. }
            | ElementKind::Paragraph { text }
            | ElementKind::ListItem { text, .. }
            | ElementKind::Html { text } => text,
            _ => "",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Document {
    pub elements: Vec<Element>,
}

enum Open {
    Heading(usize, usize, String),
    Paragraph(usize, String),
    Item(usize, String, usize),
    Code(usize, String, String, usize),
    Table(usize, Vec<Vec<String>>),
}

/// Reads the Markdown of a source into elements.
pub fn read(source: &Source) -> Document {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let (text, shifts) = dedent_admonitions(&source.text);
    let parser = Parser::new_ext(&text, options).into_offset_iter();
    let mut elements = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut list_depth = 0usize;
    let mut codes: Vec<String> = Vec::new();

    for (event, range) in parser {
        // Offsets in the dedented text back to offsets in the source.
        let range = shifts.original(range.start)..shifts.original(range.end);
        match event {
            Event::Start(tag) => match tag {
                Tag::Heading { level, .. } => {
                    stack.push(Open::Heading(range.start, level as usize, String::new()))
                }
                // A paragraph inside a list item contributes to the item's text.
                Tag::Paragraph if !matches!(stack.last(), Some(Open::Item(..))) => {
                    codes.clear();
                    stack.push(Open::Paragraph(range.start, String::new()))
                }
                Tag::List(_) => {
                    // A nested list ends the parent item's own text.
                    close_item_text(&mut stack, &mut elements, source, range.start, &mut codes);
                    list_depth += 1;
                }
                Tag::Item => {
                    codes.clear();
                    stack.push(Open::Item(range.start, String::new(), list_depth))
                }
                Tag::CodeBlock(kind) => {
                    // A block inside a list item comes after the item's own text.
                    close_item_text(&mut stack, &mut elements, source, range.start, &mut codes);
                    let (info, first_line) = match kind {
                        CodeBlockKind::Fenced(info) => {
                            (info.to_string(), source.line_of(range.start) + 1)
                        }
                        CodeBlockKind::Indented => (String::new(), source.line_of(range.start)),
                    };
                    stack.push(Open::Code(range.start, info, String::new(), first_line))
                }
                Tag::Table(_) => stack.push(Open::Table(range.start, Vec::new())),
                Tag::TableHead | Tag::TableRow => {
                    if let Some(Open::Table(_, rows)) = stack.last_mut() {
                        rows.push(Vec::new());
                    }
                }
                Tag::TableCell => {
                    if let Some(Open::Table(_, rows)) = stack.last_mut() {
                        if let Some(row) = rows.last_mut() {
                            row.push(String::new());
                        }
                    }
                }
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Heading(_) => {
                    if let Some(Open::Heading(start, level, text)) = stack.pop() {
                        elements.push(Element {
                            kind: ElementKind::Heading {
                                level,
                                text: text.trim().to_string(),
                            },
                            span: start..range.end,
                            line: source.line_of(start),
                            codes: Vec::new(),
                        });
                    }
                }
                TagEnd::Paragraph => {
                    if let Some(Open::Paragraph(..)) = stack.last() {
                        if let Some(Open::Paragraph(start, text)) = stack.pop() {
                            push_paragraph(
                                &mut elements,
                                source,
                                start,
                                range.end,
                                text,
                                std::mem::take(&mut codes),
                            );
                        }
                    } else if let Some(Open::Item(_, text, _)) = stack.last_mut() {
                        text.push('\n');
                    }
                }
                TagEnd::Item => {
                    if let Some(Open::Item(start, text, depth)) = stack.pop() {
                        if start != usize::MAX {
                            push_item(
                                &mut elements,
                                source,
                                start,
                                range.end,
                                text,
                                depth,
                                std::mem::take(&mut codes),
                            );
                        }
                    }
                }
                TagEnd::List(_) => list_depth = list_depth.saturating_sub(1),
                TagEnd::CodeBlock => {
                    if let Some(Open::Code(start, info, content, first_line)) = stack.pop() {
                        elements.push(Element {
                            kind: ElementKind::Code {
                                info: info.trim().to_string(),
                                content,
                                first_line,
                            },
                            span: start..range.end,
                            line: source.line_of(start),
                            codes: Vec::new(),
                        });
                    }
                }
                TagEnd::Table => {
                    if let Some(Open::Table(start, rows)) = stack.pop() {
                        elements.push(Element {
                            kind: ElementKind::Table { rows },
                            span: start..range.end,
                            line: source.line_of(start),
                            codes: Vec::new(),
                        });
                    }
                }
                _ => {}
            },
            Event::Text(text) => push_text(&mut stack, &text),
            Event::Code(text) => {
                codes.push(text.to_string());
                push_text(&mut stack, &text)
            }
            Event::SoftBreak | Event::HardBreak => push_text(&mut stack, "\n"),
            Event::Html(html) | Event::InlineHtml(html) => {
                let inside_text = matches!(
                    stack.last(),
                    Some(Open::Paragraph(..) | Open::Item(..) | Open::Heading(..))
                );
                if inside_text {
                    push_text(&mut stack, &html);
                } else {
                    elements.push(Element {
                        kind: ElementKind::Html {
                            text: html.to_string(),
                        },
                        span: range.clone(),
                        line: source.line_of(range.start),
                        codes: Vec::new(),
                    });
                }
            }
            _ => {}
        }
    }
    Document { elements }
}

/// Ends the text of the list item being read (a nested list or block follows it): the item is
/// pushed now and stays open, empty, for the rest of its content.
fn close_item_text(
    stack: &mut Vec<Open>,
    elements: &mut Vec<Element>,
    source: &Source,
    at: usize,
    codes: &mut Vec<String>,
) {
    if let Some(Open::Item(..)) = stack.last() {
        if let Some(Open::Item(start, text, depth)) = stack.pop() {
            if start != usize::MAX {
                push_item(
                    elements,
                    source,
                    start,
                    at,
                    text,
                    depth,
                    std::mem::take(codes),
                );
            }
            stack.push(Open::Item(usize::MAX, String::new(), depth));
        }
    }
}

fn push_text(stack: &mut [Open], text: &str) {
    match stack.last_mut() {
        Some(Open::Heading(_, _, t))
        | Some(Open::Paragraph(_, t))
        | Some(Open::Item(_, t, _))
        | Some(Open::Code(_, _, t, _)) => t.push_str(text),
        Some(Open::Table(_, rows)) => {
            if let Some(cell) = rows.last_mut().and_then(|r| r.last_mut()) {
                cell.push_str(text);
            }
        }
        None => {}
    }
}

/// Where the dedented text's lines start, and how many bytes were removed up to and including
/// each line: maps an offset in the text the parser read back to the source.
struct Shifts {
    new_starts: Vec<usize>,
    removed_through: Vec<usize>,
}

impl Shifts {
    fn original(&self, offset: usize) -> usize {
        if self.removed_through.last().copied().unwrap_or(0) == 0 {
            return offset;
        }
        let line = match self.new_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        };
        offset + self.removed_through.get(line).copied().unwrap_or(0)
    }
}

/// `!!! tip "标题"` / `??? note` / `???+ warning` (documentation-site admonitions).
fn is_admonition(line: &str) -> bool {
    let t = line.trim_start();
    let rest = if let Some(r) = t.strip_prefix("!!!") {
        r
    } else if let Some(r) = t.strip_prefix("???") {
        r.strip_prefix('+').unwrap_or(r)
    } else {
        return false;
    };
    rest.starts_with([' ', '\t'])
        && rest
            .trim_start()
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
}

/// The content of an admonition is indented by four spaces (or a tab) under its title line;
/// read as Markdown it would be one indented code block. It is read as if it were not indented
/// (nested admonitions too); the title line stays a paragraph of its own words.
fn dedent_admonitions(text: &str) -> (std::borrow::Cow<'_, str>, Shifts) {
    let mut out = String::with_capacity(text.len());
    let mut new_starts = Vec::new();
    let mut removed_through = Vec::new();
    let mut total = 0usize;
    // Indentation (in columns) of the bodies of the open admonitions.
    let mut open: Vec<usize> = Vec::new();
    for line in text.split_inclusive('\n') {
        new_starts.push(out.len());
        let body = line.trim_end_matches(['\n', '\r']);
        let blank = body.trim().is_empty();
        let mut cols = 0usize;
        let mut bytes = 0usize;
        for c in body.chars() {
            match c {
                ' ' => cols += 1,
                '\t' => cols += 4 - cols % 4,
                _ => break,
            }
            bytes += 1;
        }
        if !blank {
            while open.last().is_some_and(|&need| cols < need) {
                open.pop();
            }
        }
        // Remove the indentation of the open admonitions (at most what the line has).
        let want = 4 * open.len();
        let mut cut = 0usize;
        let mut seen = 0usize;
        for c in body.chars().take(bytes) {
            if seen >= want {
                break;
            }
            seen += if c == '\t' { 4 - seen % 4 } else { 1 };
            cut += 1;
        }
        total += cut;
        removed_through.push(total);
        out.push_str(&line[cut..]);
        if !blank && is_admonition(body) {
            open.push(cols + 4);
        }
    }
    if total == 0 {
        return (
            std::borrow::Cow::Borrowed(text),
            Shifts {
                new_starts: Vec::new(),
                removed_through: Vec::new(),
            },
        );
    }
    (
        std::borrow::Cow::Owned(out),
        Shifts {
            new_starts,
            removed_through,
        },
    )
}

fn push_item(
    elements: &mut Vec<Element>,
    source: &Source,
    start: usize,
    end: usize,
    text: String,
    depth: usize,
    codes: Vec<String>,
) {
    elements.push(Element {
        kind: ElementKind::ListItem {
            text: text.trim().to_string(),
            depth,
        },
        span: start..end,
        line: source.line_of(start),
        codes,
    });
}

/// A paragraph whose lines hold tab-separated cells (two or more lines) is a plain-text table.
fn push_paragraph(
    elements: &mut Vec<Element>,
    source: &Source,
    start: usize,
    end: usize,
    text: String,
    codes: Vec<String>,
) {
    let raw = &source.text[start..end.min(source.text.len())];
    let lines: Vec<&str> = raw.lines().filter(|l| !l.trim().is_empty()).collect();
    let is_table = lines.len() >= 2 && lines.iter().filter(|l| l.contains('\t')).count() >= 2;
    let kind = if is_table {
        ElementKind::Table {
            rows: lines
                .iter()
                .map(|l| l.split('\t').map(|c| c.trim().to_string()).collect())
                .collect(),
        }
    } else {
        ElementKind::Paragraph {
            text: text.trim().to_string(),
        }
    };
    elements.push(Element {
        kind,
        span: start..end,
        line: source.line_of(start),
        codes,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(md: &str) -> Vec<ElementKind> {
        read(&Source::from_text("t.md", md))
            .elements
            .into_iter()
            .map(|e| e.kind)
            .collect()
    }

    #[test]
    fn paragraphs_lists_code_and_lines() {
        let src = Source::from_text(
            "t.md",
            "2.2.1 安装JDK\n\n- IP: 1.2.3.4\n\n```\n# ls\n# pwd\n```\n",
        );
        let doc = read(&src);
        assert_eq!(doc.elements.len(), 3);
        assert_eq!(doc.elements[0].text(), "2.2.1 安装JDK");
        assert_eq!(doc.elements[1].line, 3);
        match &doc.elements[2].kind {
            ElementKind::Code {
                content,
                first_line,
                ..
            } => {
                assert_eq!(content, "# ls\n# pwd\n");
                assert_eq!(*first_line, 6);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tab_separated_paragraph_is_a_table() {
        let k = kinds("文件\t主机\t目录\na.tar\tweb-1, web-2\t/opt\n");
        assert_eq!(
            k,
            vec![ElementKind::Table {
                rows: vec![
                    vec!["文件".into(), "主机".into(), "目录".into()],
                    vec!["a.tar".into(), "web-1, web-2".into(), "/opt".into()]
                ]
            }]
        );
    }

    #[test]
    fn markdown_table_and_comment() {
        let k =
            kinds("<!-- rbc: hosts=web-1 -->\n\n| 主机 | IP |\n|---|---|\n| web-1 | 10.0.0.1 |\n");
        assert!(matches!(&k[0], ElementKind::Html { text } if text.contains("rbc:")));
        assert!(
            matches!(&k[1], ElementKind::Table { rows } if rows[1] == vec!["web-1".to_string(), "10.0.0.1".to_string()])
        );
    }

    #[test]
    fn an_item_with_a_block_then_a_nested_list_is_read_once_in_order() {
        let src = Source::from_text("t.md", "- 步骤一\n\n  ```\n  # ls\n  ```\n\n  - 子项\n");
        let doc = read(&src);
        let got: Vec<(String, usize)> = doc
            .elements
            .iter()
            .map(|e| (e.text().to_string(), e.line))
            .collect();
        assert_eq!(
            got,
            vec![
                ("步骤一".to_string(), 1),
                (String::new(), 3),
                ("子项".to_string(), 7)
            ]
        );
    }

    #[test]
    fn inline_code_keeps_its_text() {
        let k = kinds("将`ip_hash`去掉\n");
        assert_eq!(
            k,
            vec![ElementKind::Paragraph {
                text: "将ip_hash去掉".into()
            }]
        );
    }

    #[test]
    fn admonition_content_is_read_as_if_not_indented() {
        let md = "!!! tip \"只在 web-1 上执行\"\n\n    | 主机 | IP |\n    |---|---|\n    | web-1 | 10.0.0.1 |\n\n    1. 安装：\n\n        ```bash\n        yum install -y nginx\n        ```\n\n??? note\n\tsee the log\n\n普通段落\n\n    indented code\n";
        let src = Source::from_text("t.md", md);
        let doc = read(&src);
        let got: Vec<(&ElementKind, usize)> =
            doc.elements.iter().map(|e| (&e.kind, e.line)).collect();
        assert!(
            matches!(got[0], (ElementKind::Paragraph { text }, 1) if text.contains("web-1")),
            "{got:?}"
        );
        assert!(
            matches!(got[1], (ElementKind::Table { rows }, 3) if rows[1][0] == "web-1"),
            "{got:?}"
        );
        assert!(
            matches!(got[2], (ElementKind::ListItem { text, .. }, 7) if text == "安装："),
            "{got:?}"
        );
        match got[3] {
            (
                ElementKind::Code {
                    content,
                    first_line,
                    ..
                },
                9,
            ) => {
                assert_eq!(content, "yum install -y nginx\n");
                assert_eq!(*first_line, 10);
            }
            other => panic!("{other:?}"),
        }
        // The span points at the source's own text (indentation and all).
        let code = &doc.elements[3];
        assert!(src.text[code.span.clone()].contains("yum install"));
        assert!(
            matches!(got[4], (ElementKind::Paragraph { text }, 13) if text.contains("see the log")),
            "{got:?}"
        );
        assert!(
            matches!(got[5], (ElementKind::Paragraph { .. }, 16)),
            "{got:?}"
        );
        // Outside an admonition, four spaces still make a code block.
        assert!(
            matches!(got[6], (ElementKind::Code { content, .. }, 18) if content == "indented code\n"),
            "{got:?}"
        );
    }
}
