//! The section tree: numbered plain paragraphs (`2.2.1 安装JDK`, `3.停止…`, `8 服务器…`) and ATX
//! headings become sections; the numbers build the tree. Each element is assigned its section.

use crate::diagnostic::Diagnostic;
use crate::document::{Document, ElementKind};
use crate::lexicon;
use crate::source::Source;

#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    pub number: Vec<u32>,
    /// `2.2.1`.
    pub id: String,
    pub title: String,
    pub line: usize,
    pub parent: Option<usize>,
    /// Index of the element that opened the section.
    pub element: usize,
    /// In the rollback chapter (a title with 回退/回滚, or below one).
    pub rollback: bool,
    /// The number its title shows (`1.4` for `#### 1.4` read as section 1.1.4).
    pub written: String,
}

#[derive(Debug, Clone, Default)]
pub struct Outline {
    pub sections: Vec<Section>,
    /// For each element, the section it belongs to (`None` before the first section).
    pub element_section: Vec<Option<usize>>,
    /// Elements that are section headings themselves.
    pub is_heading: Vec<bool>,
    /// The runbook's title: a leading unnumbered level-1 heading.
    pub title: Option<String>,
}

impl Outline {
    /// The section and its ancestors, innermost first.
    pub fn lineage(&self, section: usize) -> Vec<usize> {
        let mut out = vec![section];
        let mut cur = self.sections[section].parent;
        while let Some(p) = cur {
            out.push(p);
            cur = self.sections[p].parent;
        }
        out
    }

    /// The section a sentence means by a number (`1.4`, `第二章` → `2`): the only one whose title
    /// shows that number, else the one with that id.
    pub fn by_number(&self, n: &str) -> Option<usize> {
        let mut shown = self
            .sections
            .iter()
            .enumerate()
            .filter(|(_, s)| s.written == n);
        match (shown.next(), shown.next()) {
            (Some((i, _)), None) => Some(i),
            _ => self.sections.iter().position(|s| s.id == n),
        }
    }

    /// The top-level chapter of a section.
    pub fn chapter(&self, section: usize) -> usize {
        *self.lineage(section).last().unwrap_or(&section)
    }
}

/// `一、准备工作` / `十二、回退`: a chapter numbered in Chinese, followed by `、` or `．`.
fn chinese_chapter(text: &str) -> Option<(Vec<u32>, &str)> {
    let digit = |c: char| "零一二三四五六七八九".find(c).map(|i| (i / 3) as u32);
    let mut value = 0u32;
    let mut seen = false;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if let Some(d) = digit(c) {
            value = value * 10 + d;
            seen = true;
        } else if c == '十' {
            value = if seen { value * 10 } else { 10 };
            seen = true;
        } else {
            end = i;
            break;
        }
        end = i + c.len_utf8();
    }
    // 十一 = 10 + 1: a 十 followed by a digit adds it.
    let numeral = &text[..end];
    if let Some(pos) = numeral.find('十') {
        let tens = numeral[..pos].chars().next().and_then(digit).unwrap_or(1);
        let ones = numeral[pos + '十'.len_utf8()..]
            .chars()
            .next()
            .and_then(digit)
            .unwrap_or(0);
        value = tens * 10 + ones;
    }
    let rest = text[end..]
        .strip_prefix('、')
        .or_else(|| text[end..].strip_prefix('．'))?;
    let title = rest.trim();
    (seen && value > 0 && !title.is_empty()).then_some((vec![value], title))
}

/// `（一）解压与配置` / `(二)回退`: a part of a chapter numbered in Chinese in parentheses.
fn paren_numeral(text: &str) -> Option<(u32, &str)> {
    let rest = text.trim_start();
    let inner = rest.strip_prefix('（').or_else(|| rest.strip_prefix('('))?;
    let close = inner.find(['）', ')'])?;
    let numeral = &inner[..close];
    let after = &inner[close..];
    let after = after
        .strip_prefix('）')
        .or_else(|| after.strip_prefix(')'))?
        .trim_start();
    let (n, _) = chinese_chapter(&format!("{numeral}、x"))?;
    let title = after.trim();
    (!title.is_empty() && numeral.chars().count() <= 3).then(|| (n[0], title))
}

/// Splits `2.2.1 安装JDK` / `3.停止` / `8 服务器` / `三、升级` into number and title.
pub fn split_number(text: &str) -> Option<(Vec<u32>, &str)> {
    if let Some(found) = chinese_chapter(text) {
        return Some(found);
    }
    let bytes = text.as_bytes();
    let mut i = 0;
    let mut number = Vec::new();
    loop {
        let start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        // A chapter number has at most 3 digits (`2024 年` is a year); a later part up to 5
        // (`1.1000 app-1000`: the thousandth host of a fleet). See `plausible`.
        let most = if number.is_empty() { 3 } else { 5 };
        if i == start || i - start > most {
            return None;
        }
        number.push(text[start..i].parse().ok()?);
        if i < bytes.len()
            && bytes[i] == b'.'
            && i + 1 < bytes.len()
            && bytes[i + 1].is_ascii_digit()
        {
            i += 1;
            continue;
        }
        break;
    }
    let mut rest = &text[i..];
    rest = rest.strip_prefix('.').unwrap_or(rest);
    rest = rest.strip_prefix('、').unwrap_or(rest);
    rest = rest.strip_prefix('．').unwrap_or(rest);
    let title = rest.trim();
    if title.is_empty() || title.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '、')
    {
        return None;
    }
    Some((number, title))
}

fn is_successor(prev: Option<&[u32]>, n: &[u32]) -> bool {
    let Some(p) = prev else {
        return n.len() == 1;
    };
    if n.len() == p.len() + 1 && n[..p.len()] == *p && n[p.len()] == 1 {
        return true;
    }
    (1..=p.len()).any(|k| n.len() == k && n[..k - 1] == p[..k - 1] && n[k - 1] == p[k - 1] + 1)
}

/// A number with a part of 4 digits or more (`1.1000`) is a section number only where it is
/// the next one after the previous section (`1.999` → `1.1000`): elsewhere such a number is more
/// likely a quantity or a version (`3.1415 ...`, `2.5000 元`) than a section.
fn plausible(prev: Option<&[u32]>, n: &[u32]) -> bool {
    n.iter().all(|&x| x < 1000) || is_successor(prev, n)
}

fn looks_like_title(title: &str) -> bool {
    title.chars().count() <= 40
        && !title.contains('\n')
        && !title.ends_with(['：', ':', '。', '，', ',', ';', '；'])
}

pub fn build(doc: &Document, source: &Source, diags: &mut Vec<Diagnostic>) -> Outline {
    let mut outline = Outline {
        element_section: Vec::with_capacity(doc.elements.len()),
        is_heading: vec![false; doc.elements.len()],
        ..Outline::default()
    };
    let base_level = doc
        .elements
        .iter()
        .enumerate()
        .filter_map(|(i, e)| match &e.kind {
            ElementKind::Heading { level, text } if !(i == 0 && *level == 1) => {
                let _ = text;
                Some(*level)
            }
            _ => None,
        })
        .min()
        .unwrap_or(1);
    // Depth that numbered headings show for their Markdown level (`## 1.` → level 2 is depth 1).
    let mut depth_of_level: std::collections::BTreeMap<usize, usize> = Default::default();
    let mut current: Option<usize> = None;
    // The section ids so far (a number used twice gets `_2`): looked up once per section.
    let mut ids: std::collections::HashSet<String> = Default::default();
    // The Markdown level of each section's heading (`None`: a numbered paragraph).
    let mut levels: Vec<Option<usize>> = Vec::new();
    // The number each section's title shows (`1.` for a section read as 2.1).
    let mut written_of: Vec<Vec<u32>> = Vec::new();
    for (index, element) in doc.elements.iter().enumerate() {
        let mut written_now: Option<Vec<u32>> = None;
        let prev = current.map(|c| outline.sections[c].number.clone());
        let candidate: Option<(Vec<u32>, String)> = match &element.kind {
            ElementKind::Heading { level, text } => match split_number(text) {
                Some((n, t)) if plausible(prev.as_deref(), &n) => {
                    // `### 1. 写 hosts` under `## 一、准备`: a deeper heading whose numbering
                    // starts again is a part of the chapter above it (1.1), not chapter 1 again.
                    // (`#### 1.1` under that `### 1.`: 1.1.1, its written number continued.)
                    let written = n.clone();
                    let n = match enclosing_heading(&outline.sections, &levels, current, *level) {
                        Some(a) => {
                            let (full, wrote) = (&outline.sections[a].number, &written_of[a]);
                            if full != wrote && n.len() > wrote.len() && n.starts_with(wrote) {
                                [full.as_slice(), &n[wrote.len()..]].concat()
                            } else if n.len() <= full.len() {
                                [full.as_slice(), &n].concat()
                            } else {
                                n
                            }
                        }
                        None => n,
                    };
                    written_now = Some(written);
                    depth_of_level.insert(*level, n.len());
                    Some((n, t.to_string()))
                }
                None if index == 0 && *level == 1 && outline.title.is_none() => {
                    outline.title = Some(text.clone());
                    outline.is_heading[index] = true;
                    outline.element_section.push(None);
                    continue;
                }
                _ => {
                    let depth = depth_of_level
                        .get(level)
                        .copied()
                        .unwrap_or(level.saturating_sub(base_level) + 1);
                    Some((synthesize(prev.as_deref(), depth), text.clone()))
                }
            },
            // `（一）解压与配置` under `二、变更步骤`: section 2.1.
            ElementKind::Paragraph { text }
                if paren_numeral(text).is_some_and(|(_, t)| looks_like_title(t))
                    && prev.is_some() =>
            {
                let (k, t) = paren_numeral(text).unwrap_or((1, ""));
                let chapter = prev
                    .as_deref()
                    .and_then(|p| p.first().copied())
                    .unwrap_or(1);
                Some((vec![chapter, k], t.to_string()))
            }
            ElementKind::Paragraph { text } => match split_number(text) {
                Some((n, t)) if looks_like_title(t) && is_successor(prev.as_deref(), &n) => {
                    Some((n, t.to_string()))
                }
                Some((n, t))
                    if looks_like_title(t)
                        && n.len() <= 4
                        && prev.is_some()
                        && plausible(None, &n) =>
                {
                    let p = prev.as_deref().unwrap_or_default();
                    // Ahead of its predecessor (`5.7` after `5.4`), or a slip back in the same
                    // chapter (`5.6` after `5.7`): still a section, so that the sections after
                    // it keep their places; the anomaly is said.
                    let ahead = n.len() <= p.len() + 1 && n.first() >= p.first() && n > p.to_vec();
                    let back = n.len() >= 2 && n.len() <= p.len() + 1 && n.first() == p.first();
                    if ahead || back {
                        diags.push(
                            Diagnostic::warning(
                                "W001",
                                format!("section number {} does not follow {}", join(&n), join(p)),
                            )
                            .at(source, element.span.clone())
                            .help("check the numbering; rbc read it as a section heading of its own, with the hosts and phase its own title and sentences give"),
                        );
                        Some((n, t.to_string()))
                    } else {
                        None
                    }
                }
                _ => None,
            },
            // `9. 回退` written as an ordered list of one item: a chapter, when its number is
            // the next chapter's and the item starts its list and is alone in it.
            ElementKind::ListItem { text, depth: 1 } if looks_like_title(text) => {
                let line = source.line_text(element.line).trim();
                match split_number(line) {
                    Some((n, t))
                        if n.len() == 1
                            && prev.as_deref().is_some_and(|p| n[0] == p[0] + 1)
                            && t.trim() == text.trim()
                            && !numbered_item(doc, source, index.wrapping_sub(1))
                            && !numbered_item(doc, source, index + 1) =>
                    {
                        Some((n, t.to_string()))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        if let Some((mut number, title)) = candidate {
            // A number used twice (`5.7 ECSC` … `5.7 Nginx`): the second is its own section.
            let mut id = join(&number);
            let mut k = 1;
            while ids.contains(&id) {
                k += 1;
                id = format!("{}_{k}", join(&number));
            }
            if k > 1 {
                number = outline.sections.last().map_or(number, |s| s.number.clone());
            }
            let parent = find_parent(&outline.sections, current, &number);
            let rollback = lexicon::is_rollback_title(&title)
                || parent.is_some_and(|p| outline.sections[p].rollback);
            ids.insert(id.clone());
            written_of.push(written_now.take().unwrap_or_else(|| number.clone()));
            levels.push(match &element.kind {
                ElementKind::Heading { level, .. } => Some(*level),
                _ => None,
            });
            let written = join(written_of.last().unwrap_or(&number));
            outline.sections.push(Section {
                id,
                number,
                title,
                line: element.line,
                parent,
                element: index,
                rollback,
                written,
            });
            current = Some(outline.sections.len() - 1);
            outline.is_heading[index] = true;
        }
        outline.element_section.push(current);
    }
    outline
}

fn synthesize(prev: Option<&[u32]>, depth: usize) -> Vec<u32> {
    let mut n: Vec<u32> = prev.map(<[u32]>::to_vec).unwrap_or_default();
    if n.len() >= depth {
        n.truncate(depth);
        if let Some(last) = n.last_mut() {
            *last += 1;
        }
    } else {
        while n.len() < depth {
            n.push(1);
        }
    }
    n
}

/// A list item whose source line starts with a number (`2. 停止服务`): part of a numbered list.
fn numbered_item(doc: &Document, source: &Source, index: usize) -> bool {
    doc.elements.get(index).is_some_and(|e| {
        matches!(e.kind, ElementKind::ListItem { .. })
            && source
                .line_text(e.line)
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit())
    })
}

/// The nearest open section whose heading is of a higher Markdown level than `level`.
fn enclosing_heading(
    sections: &[Section],
    levels: &[Option<usize>],
    current: Option<usize>,
    level: usize,
) -> Option<usize> {
    let mut cur = current;
    while let Some(c) = cur {
        if levels[c].is_some_and(|l| l < level) {
            return Some(c);
        }
        cur = sections[c].parent;
    }
    None
}

fn find_parent(sections: &[Section], current: Option<usize>, number: &[u32]) -> Option<usize> {
    let mut cur = current;
    while let Some(c) = cur {
        let s = &sections[c];
        if s.number.len() < number.len() && number.starts_with(&s.number) {
            return Some(c);
        }
        cur = s.parent;
    }
    None
}

pub fn join(n: &[u32]) -> String {
    n.iter().map(u32::to_string).collect::<Vec<_>>().join(".")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document;

    fn ids(md: &str) -> Vec<(String, String, Option<String>)> {
        let src = Source::from_text("t.md", md);
        let doc = document::read(&src);
        let o = build(&doc, &src, &mut Vec::new());
        o.sections
            .iter()
            .map(|s| {
                (
                    s.id.clone(),
                    s.title.clone(),
                    s.parent.map(|p| o.sections[p].id.clone()),
                )
            })
            .collect()
    }

    #[test]
    fn numbered_paragraphs_build_a_tree() {
        let got =
            ids("0.前言\n\n1.准备\n\n1.1 API\n\n1.1.1 api-1\n\n2 升级\n\n2.1 停止\n\n3.回退\n");
        let want: Vec<(&str, &str, Option<&str>)> = vec![
            ("0", "前言", None),
            ("1", "准备", None),
            ("1.1", "API", Some("1")),
            ("1.1.1", "api-1", Some("1.1")),
            ("2", "升级", None),
            ("2.1", "停止", Some("2")),
            ("3", "回退", None),
        ];
        let want: Vec<_> = want
            .into_iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.map(str::to_string)))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn chinese_numbered_chapters() {
        // `十一` after `二` skips numbers: still a chapter, with a W001 warning.
        let got = ids("一、准备\n\n1.1 备份\n\n二、升级\n\n十一、回退\n");
        let ids: Vec<_> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(ids, vec!["1", "1.1", "2", "11"]);
        assert_eq!(split_number("十一、回退"), Some((vec![11], "回退")));
        assert_eq!(split_number("二十三、x"), Some((vec![23], "x")));
        assert_eq!(split_number("一些说明"), None);
    }

    #[test]
    fn ip_addresses_and_sentences_are_not_sections() {
        let got = ids("1 准备\n\n10.1.2.18 是nginx\n\n2. 登录服务器后执行如下命令：\n");
        assert_eq!(got.len(), 1);
    }

    #[test]
    fn atx_headings_numbered_or_not() {
        let got = ids("# 上线手册\n\n## 1. 准备\n\n### 1.1 数据库\n\n## 回滚\n");
        let ids: Vec<_> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(ids, vec!["1", "1.1", "2"]);
    }

    #[test]
    fn a_deeper_heading_numbered_from_one_again_is_part_of_its_chapter() {
        let got = ids("# 手册\n\n## 一、准备（三台都执行）\n\n### 1. 写 hosts\n\n### 2. 用户\n\n## 二、配置\n\n### 1. 公共\n\n#### 1.1 细节\n\n## 三、启动\n");
        let want = [
            ("1", None),
            ("1.1", Some("1")),
            ("1.2", Some("1")),
            ("2", None),
            ("2.1", Some("2")),
            ("2.1.1", Some("2.1")),
            ("3", None),
        ];
        let got: Vec<_> = got.iter().map(|g| (g.0.as_str(), g.2.as_deref())).collect();
        assert_eq!(got, want);
        // Numbers that already continue the chapter's (`### 3.1` under `## 3`) stay as written.
        let got = ids("## 3 部署\n\n### 3.1 解压\n\n### 3.2 配置\n\n## 4 验证\n");
        let ids: Vec<_> = got.iter().map(|g| g.0.as_str()).collect();
        assert_eq!(ids, vec!["3", "3.1", "3.2", "4"]);
    }

    #[test]
    fn rollback_chapter_by_title() {
        let src = Source::from_text("t.md", "1 升级\n\n2 回滚\n\n2.1 恢复数据库\n");
        let doc = document::read(&src);
        let o = build(&doc, &src, &mut Vec::new());
        let rb: Vec<bool> = o.sections.iter().map(|s| s.rollback).collect();
        assert_eq!(rb, vec![false, true, true]);
    }
}
