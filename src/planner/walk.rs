use super::sentences::inline_content;
use super::{Draft, Fate, Walker, HOME};
use crate::annotation::{self};
use crate::classify::{self, Line};
use crate::diagnostic::Diagnostic;
use crate::document::ElementKind;
use crate::evidence::{Evidence, EvidenceKind, Target};
use crate::inventory::{self};
use crate::lexicon;
use crate::plan::{Action, Phase, StepKind};

impl<'a> Walker<'a> {
    pub(super) fn walk(&mut self) {
        let n = self.doc.elements.len();
        let mut i = 0;
        while i < n {
            let element = &self.doc.elements[i];
            let section = self.outline.element_section[i];
            if section != self.section {
                self.enter_section(section);
            }
            if self.outline.is_heading[i] {
                self.fates[i] = Fate::Heading;
                i += 1;
                continue;
            }
            match &element.kind {
                ElementKind::Html { text } => self.html(i, text),
                ElementKind::Heading { .. } => self.fates[i] = Fate::Heading,
                ElementKind::Table { rows } => self.table(i, rows),
                ElementKind::Code {
                    info,
                    content,
                    first_line,
                } => {
                    if let Some(body) = annotation::find(info) {
                        let a = annotation::parse(
                            body,
                            self.source,
                            element.span.clone(),
                            &mut self.diags,
                        );
                        self.annotation = Some(a);
                    }
                    let lead = self.lead_in(i);
                    self.block(i, content, *first_line, lead);
                }
                ElementKind::Paragraph { text } | ElementKind::ListItem { text, .. } => {
                    if self.is_declaration(i, text) {
                        self.fates[i] = Fate::Inventory;
                    } else {
                        let next_is_block = self.next_is_block(i);
                        self.sentence(i, text, next_is_block);
                    }
                }
            }
            i += 1;
        }
    }

    pub(super) fn enter_section(&mut self, section: Option<usize>) {
        let old_chapter = self.section.map(|s| self.outline.chapter(s));
        let new_chapter = section.map(|s| self.outline.chapter(s));
        self.section = section;
        self.cwd = HOME.to_string();
        self.troubleshooting = false;
        self.pending_edit = None;
        self.pending_upload = None;
        if old_chapter != new_chapter {
            self.sql_session = None;
            self.excerpt = None;
        }
    }

    /// In a section of questions and troubleshooting (`常见问题`, `FAQ`), or below one.
    pub(super) fn in_faq(&self) -> bool {
        self.section.is_some_and(|s| {
            self.outline.lineage(s).iter().any(|x| {
                lexicon::contains_any(&self.outline.sections[*x].title, lexicon::FAQ_TITLES)
            })
        })
    }

    /// A condition said in the rollback chapter (`如果初始化失败…，先在两个 node 节点上执行重置：`):
    /// before the chapter's first step, and about the change as a whole, it is the rollback's own
    /// premise (the whole chapter runs only then), so its block is read like any other; after it,
    /// or about a cause or a part (`如果只是配置问题`), it is a branch of the rollback that the
    /// operator judges (`如果是证书问题导致的失败，…也一并删除`). Troubleshooting proper
    /// (`如果遇到`, `排查`) and FAQ sections are advice either way.
    pub(super) fn rollback_condition(&self, text: &str) -> Option<RollbackCondition> {
        let conditional = (lexicon::contains_any(text, lexicon::CONDITIONS)
            && lexicon::contains_any(text, lexicon::SYMPTOMS))
            || lexicon::starts_with_any(
                lexicon::last_sentence(text).trim(),
                lexicon::CONDITION_STARTS,
            );
        // `如果出现镜像丢失…，整体回退`: a condition that itself says to roll back is about the
        // rollback, whatever words of trouble it holds.
        let rolls_back = lexicon::contains_any(text, lexicon::ROLLBACK_TITLE);
        if self.phase() != Phase::Rollback
            || self.in_faq()
            || !conditional
            || (lexicon::contains_any(text, lexicon::TROUBLESHOOTING) && !rolls_back)
        {
            return None;
        }
        let chapter = self.section.map(|s| self.outline.chapter(s));
        let started = self.drafts.iter().any(|d| {
            d.kind != StepKind::Note
                && d.phase == Phase::Rollback
                && d.section.map(|s| self.outline.chapter(s)) == chapter
        });
        // The premise: before the chapter's first step, and about the change as a whole.
        let whole = lexicon::contains_any(text, lexicon::CHANGE_FAILED)
            && !lexicon::contains_any(text, lexicon::PARTIAL_CAUSE);
        Some(if started || !whole {
            RollbackCondition::Branch
        } else {
            RollbackCondition::Premise
        })
    }

    /// The line of the title of an enclosing section that is for when something has failed
    /// (`附：主库故障时手工提升备库`, `应急处理`).
    pub(super) fn contingency_title(&self) -> Option<usize> {
        let s = self.section?;
        self.outline.lineage(s).into_iter().find_map(|x| {
            // `回滚（仅在升级失败时执行）`: the rollback's own premise, not a contingency.
            let sec = &self.outline.sections[x];
            (!sec.rollback && lexicon::contains_any(&sec.title, lexicon::CONTINGENCY_TITLES))
                .then_some(sec.line)
        })
    }

    pub(super) fn phase(&self) -> Phase {
        if let Some(p) = self.annotation.as_ref().and_then(|a| a.phase) {
            return p;
        }
        match self.section {
            Some(s) if self.outline.sections[s].rollback => Phase::Rollback,
            _ => Phase::Run,
        }
    }

    pub(super) fn html(&mut self, i: usize, text: &str) {
        if let Some(body) = annotation::find(text) {
            let span = self.doc.elements[i].span.clone();
            self.annotation = Some(annotation::parse(body, self.source, span, &mut self.diags));
            self.fates[i] = Fate::Annotation;
        } else {
            let line = self.doc.elements[i].line;
            self.note(i, line, text.trim(), "raw HTML; not executed");
        }
    }

    /// Key/value items and group-spec lists of host declarations belong to the inventory.
    pub(super) fn is_declaration(&self, i: usize, text: &str) -> bool {
        let element = &self.doc.elements[i];
        let in_host_section = self.section.is_some_and(|s| self.host_sections[s]);
        match &element.kind {
            ElementKind::ListItem { .. } => {
                let kv = text.contains([':', '：']) && text.chars().count() < 80;
                (in_host_section && kv) || inventory::is_host_item(text)
            }
            ElementKind::Paragraph { .. } => {
                in_host_section && lexicon::contains_any(text, lexicon::GROUP_SPECS)
            }
            _ => false,
        }
    }

    /// Whether a code block or table comes after element `i` in its section.
    pub(super) fn block_follows_in_section(&self, i: usize) -> bool {
        let section = self.outline.element_section[i];
        (i + 1..self.doc.elements.len())
            .take_while(|j| self.outline.element_section[*j] == section)
            .any(|j| {
                matches!(
                    self.doc.elements[j].kind,
                    ElementKind::Code { .. } | ElementKind::Table { .. }
                )
            })
    }

    pub(super) fn next_is_block(&self, i: usize) -> bool {
        let mut j = i + 1;
        while j < self.doc.elements.len() {
            if self.outline.is_heading[j] {
                return false;
            }
            match &self.doc.elements[j].kind {
                ElementKind::Html { text } if annotation::find(text).is_some() => j += 1,
                ElementKind::Code { .. } | ElementKind::Table { .. } => return true,
                _ => return false,
            }
        }
        false
    }

    /// The sentence right before a block (in the same section), if any.
    pub(super) fn lead_in(&self, i: usize) -> Option<usize> {
        let mut j = i;
        while j > 0 {
            j -= 1;
            if self.outline.is_heading[j] {
                return None;
            }
            match &self.doc.elements[j].kind {
                ElementKind::Html { text } if annotation::find(text).is_some() => continue,
                ElementKind::Paragraph { .. } | ElementKind::ListItem { .. } => return Some(j),
                _ => return None,
            }
        }
        None
    }

    pub(super) fn lead_text(&self, lead: Option<usize>) -> String {
        lead.map(|l| self.doc.elements[l].text().to_string())
            .unwrap_or_default()
    }

    pub(super) fn draft(
        &self,
        i: usize,
        kind: StepKind,
        target: &Target,
        line: usize,
        text: &str,
        action: Action,
    ) -> Draft {
        Draft {
            section: self.section,
            kind,
            phase: self.phase(),
            hosts: target.hosts.clone(),
            line,
            text: text.to_string(),
            why: target.why.clone(),
            evidence: target.evidence.clone(),
            action,
            cwd: None,
            source: String::new(),
            no_gate: self.annotation.as_ref().is_some_and(|a| a.no_gate),
            element: i,
            unit: i,
            serial: None,
        }
    }

    pub(super) fn push(&mut self, i: usize, mut d: Draft) {
        if let Some(k) = self.annotation.as_ref().and_then(|a| a.kind) {
            d.kind = k;
        }
        if d.source.is_empty() {
            d.source = self.doc.elements[i].text().to_string();
        }
        // `hostnamectl set-hostname node1  # 改为当前主机名`: each host its own name (perhost.rs).
        // `依次为 ha-n1、ha-n2` before a block showing the first: each host its own (perhost.rs).
        // `下面是 ha-n1 的，ha-n2 上把 state 改为 BACKUP`: each host its values by key (perhost.rs).
        if let Some(parts) = self
            .per_host_split(&d)
            .or_else(|| self.in_order_split(&d))
            .or_else(|| self.changes_split(&d))
        {
            for p in parts {
                self.push(i, p);
            }
            return;
        }
        // A whole file written for one host (`下面是 ha-n1 的`, `以 node-a 为例`) that rbc could
        // not give each host: the content is an example, the hosts it goes to a guess.
        if let (Action::WriteFile { .. }, Some(lead)) = (&d.action, self.lead_in(d.element)) {
            let text = self.doc.elements[lead].text();
            let own = d.evidence.iter().any(|e| e.kind == EvidenceKind::OwnValue);
            if super::edits::for_one_host(text) && !own {
                let line = self.doc.elements[lead].line;
                d.evidence
                    .push(Evidence::new(EvidenceKind::PerHostValue, line));
            }
        }
        // Any other value the text says differs per host: the value as written is one host's.
        if let Some(at) = self.per_host_value(&d) {
            d.evidence
                .push(Evidence::new(EvidenceKind::PerHostValue, at));
        }
        self.drafts.push(d);
        let idx = self.drafts.len() - 1;
        match &mut self.fates[i] {
            Fate::Steps(v) => v.push(idx),
            fate => *fate = Fate::Steps(vec![idx]),
        }
    }

    /// A step that is not executed: context, output, comments, advice.
    pub(super) fn note(&mut self, i: usize, line: usize, text: &str, why: impl Into<String>) {
        let d = self.draft(
            i,
            StepKind::Note,
            &Target::nowhere(why),
            line,
            text,
            Action::Note,
        );
        self.push(i, d);
    }

    pub(super) fn warn(
        &mut self,
        code: &'static str,
        span: std::ops::Range<usize>,
        message: String,
        help: &str,
    ) {
        let d = Diagnostic::warning(code, message)
            .at(self.source, span)
            .help(help);
        self.diags.push(d);
    }

    pub(super) fn line_span(&self, line: usize) -> std::ops::Range<usize> {
        let start = self.source.line_start(line);
        start..start + self.source.line_text(line).len()
    }

    /// A block's first content line holding `needle` (else its first non-blank line): findings
    /// about a block's content point there, not at the fence.
    pub(super) fn content_span(&self, i: usize, needle: Option<&str>) -> std::ops::Range<usize> {
        if let ElementKind::Code {
            content,
            first_line,
            ..
        } = &self.doc.elements[i].kind
        {
            let lines: Vec<&str> = content.lines().collect();
            let at = needle
                .filter(|w| !w.is_empty())
                .and_then(|w| lines.iter().position(|l| l.contains(w)))
                .or_else(|| lines.iter().position(|l| !l.trim().is_empty()));
            if let Some(n) = at {
                let span = self.line_span(first_line + n);
                let text = &self.source.text[span.clone()];
                let indent = text.len() - text.trim_start().len();
                return span.start + indent..span.end;
            }
        }
        self.doc.elements[i].span.clone()
    }

    /// Where the annotation being applied names `word` (else the element it stands before).
    pub(super) fn annotation_span(&self, i: usize, word: &str) -> std::ops::Range<usize> {
        match self.annotation.as_ref().map(|a| a.line) {
            Some(line) if line > 0 => {
                let span = self.line_span(line);
                match self.source.text[span.clone()].find(word) {
                    Some(p) => span.start + p..span.start + p + word.len(),
                    None => span,
                }
            }
            _ => self.doc.elements[i].span.clone(),
        }
    }

    // ---- sentences -------------------------------------------------------------------------

    pub(super) fn next_block_is_content(&self, i: usize) -> bool {
        let mut j = i + 1;
        while j < self.doc.elements.len() && !self.outline.is_heading[j] {
            match &self.doc.elements[j].kind {
                ElementKind::Code { content, .. } => {
                    return !content.lines().any(|l| {
                        matches!(classify::parse_line(l), Line::Command(_) | Line::Sql(_))
                    });
                }
                ElementKind::Paragraph { text } => {
                    if inline_content(text).is_some() {
                        return true;
                    }
                    j += 1;
                }
                _ => j += 1,
            }
        }
        false
    }

    /// The next block of the section shows lines typed at a SQL prompt (`mysql> …`).
    pub(super) fn next_block_is_sql(&self, i: usize) -> bool {
        (i + 1..self.doc.elements.len())
            .take_while(|j| !self.outline.is_heading[*j])
            .find_map(|j| match &self.doc.elements[j].kind {
                ElementKind::Code { content, .. } => Some(
                    content
                        .lines()
                        .any(|l| matches!(classify::parse_line(l), Line::Sql(_))),
                ),
                _ => None,
            })
            .unwrap_or(false)
    }

    pub(super) fn following_prose(&self, i: usize) -> String {
        match self.doc.elements.get(i + 1) {
            Some(e)
                if !self.outline.is_heading[i + 1]
                    && matches!(e.kind, ElementKind::Paragraph { .. }) =>
            {
                e.text().to_string()
            }
            _ => String::new(),
        }
    }
}

/// What a condition in the rollback chapter is (see [`Walker::rollback_condition`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum RollbackCondition {
    Premise,
    Branch,
}
