use super::commands::unquoted;
use super::{Fate, Walker};
use crate::classify::Line;
use crate::document::ElementKind;
use crate::evidence::{EvidenceKind, Target};
use crate::lexicon;
use crate::plan::{Action, Phase, StepKind};
use crate::scope;
use regex::Regex;
use std::sync::LazyLock;

impl<'a> Walker<'a> {
    pub(super) fn table(&mut self, i: usize, rows: &[Vec<String>]) {
        let Some(header) = rows.first() else { return };
        let col = |words: &[&str]| {
            header
                .iter()
                .position(|h| words.iter().any(|w| h.trim().eq_ignore_ascii_case(w)))
        };
        let (file_col, host_col, dir_col) = (
            col(lexicon::TABLE_FILE),
            col(lexicon::TABLE_HOST),
            col(lexicon::TABLE_DIR),
        );
        let line = self.doc.elements[i].line;
        if let (Some(fc), Some(hc), Some(dc)) = (file_col, host_col, dir_col) {
            for (r, row) in rows.iter().enumerate().skip(1) {
                let (Some(file), Some(hosts), Some(dir)) = (row.get(fc), row.get(hc), row.get(dc))
                else {
                    continue;
                };
                let hosts: Vec<usize> = hosts
                    .split([',', '，', '、', ' ', ';'])
                    .filter(|h| !h.trim().is_empty())
                    .filter_map(|h| self.inv.find(h.trim()))
                    .collect();
                let t = Target::new(
                    hosts,
                    EvidenceKind::TableRow,
                    line + r,
                    format!("upload table (line {})", line + r),
                );
                self.payload(i, file.trim(), dir.trim(), &t, line + r);
            }
        } else if host_col.is_some() && col(lexicon::TABLE_IP).is_some() {
            self.fates[i] = Fate::Inventory;
        } else if let (Some(cc), Some(hc)) = (col(lexicon::TABLE_COMMAND), host_col) {
            // An operation table: one step per row, on the hosts of its host cell.
            let what = col(lexicon::TABLE_WHAT);
            let markdown = self.source.line_text(line + 1).contains("--");
            let phase = self.phase();
            // Numbered steps (`步骤 | 操作 | …`) or a lead-in that says one at a time: the rows
            // are done in order, each after the one before (rows are otherwise parallel).
            let lead = i
                .checked_sub(1)
                .map(|p| self.doc.elements[p].text().to_string())
                .unwrap_or_default();
            let in_order = col(lexicon::TABLE_STEP).is_some()
                || lexicon::contains_any(&lead, lexicon::ONE_AT_A_TIME);
            for (r, row) in rows.iter().enumerate().skip(1) {
                let row_line = line + r + usize::from(markdown);
                let first_draft = self.drafts.len();
                self.table_row(i, row, row_line, cc, hc, what, phase);
                if in_order {
                    for d in &mut self.drafts[first_draft..] {
                        d.unit = usize::MAX - row_line;
                    }
                }
            }
            if matches!(&self.fates[i], Fate::Steps(v) if !v.is_empty()) {
                self.annotation = None;
                return;
            }
        }
        let op_table = col(lexicon::TABLE_COMMAND).is_some() && host_col.is_some();
        let read = (file_col.is_some() && host_col.is_some() && dir_col.is_some())
            || (host_col.is_some() && col(lexicon::TABLE_IP).is_some())
            || op_table;
        if !read {
            self.note(
                i,
                line,
                "table",
                "a table rbc does not read; shown to people",
            );
            self.warn(
                "W050",
                self.doc.elements[i].span.clone(),
                "rbc does not know what this table means".into(),
                "tables with columns 文件/目标服务器/目标目录 or 主机/IP/角色 are read",
            );
        }
        // A file table whose rows gave nothing (cells missing, hosts unknown) is still shown.
        if matches!(&self.fates[i], Fate::Steps(v) if v.is_empty()) {
            self.note(
                i,
                line,
                "table",
                "a table whose rows rbc could not read; shown to people",
            );
            self.warn(
                "W050",
                self.doc.elements[i].span.clone(),
                "no row of this table names a file, its hosts and a directory that rbc knows".into(),
                "check the cells: file name, host names from `rbc hosts`, and an absolute directory",
            );
        }
        self.annotation = None;
    }

    /// One row of an operation table: its command on the hosts of its host cell.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn table_row(
        &mut self,
        i: usize,
        row: &[String],
        row_line: usize,
        cc: usize,
        hc: usize,
        what: Option<usize>,
        phase: Phase,
    ) {
        let (Some(cmd), Some(cell)) = (row.get(cc), row.get(hc)) else {
            return;
        };
        let cmd = cmd.trim().trim_matches('`').trim();
        if cmd.is_empty() {
            return;
        }
        let hosts = self.row_hosts(cell);
        // `见 4.1`, or a section titled with the row's step (`4.2 步骤 2：停止影像服务`): the
        // section holds the row's commands and runs them on the row's hosts.
        let header = match &self.doc.elements[i].kind {
            ElementKind::Table { rows } => rows.first().cloned().unwrap_or_default(),
            _ => Vec::new(),
        };
        if let Some(x) = self.section_of_row(&header, row) {
            let id = self.outline.sections[x].id.clone();
            self.note(
                i,
                row_line,
                cmd,
                format!("operation table row; its commands are in section {id}, on its hosts"),
            );
            return;
        }
        let t = if hosts.is_empty() {
            Target::nowhere("no known host in the row")
        } else {
            Target::new(
                hosts,
                EvidenceKind::TableRow,
                row_line,
                format!("operation table row (line {row_line})"),
            )
        };
        let desc = what.and_then(|w| row.get(w)).cloned().unwrap_or_default();
        // Words in the command cell (`service x stop，确认VIP漂移后执行 …`): a person's step.
        if lexicon::has_cjk(&unquoted(cmd)) {
            let mut d = self.draft(
                i,
                StepKind::Manual,
                &t,
                row_line,
                cmd,
                Action::Manual {
                    instruction: if desc.is_empty() {
                        cmd.to_string()
                    } else {
                        format!("{desc}: {cmd}")
                    },
                },
            );
            d.phase = phase;
            self.push(i, d);
            return;
        }
        let lines = vec![(row_line, Line::Command(cmd.to_string()))];
        self.commands(i, &lines, &t, phase, &desc);
    }

    /// The hosts of an operation table's host cell: `app-1~app-3`, `所有服务器`, `lb-01、lb-02`,
    /// as in a sentence.
    fn row_hosts(&self, cell: &str) -> Vec<usize> {
        match scope::targets(cell, self.inv, &[]) {
            Some(t) => t.hosts,
            None => cell
                .split([',', '，', '、', ' ', ';', '；'])
                .filter(|h| !h.trim().is_empty())
                .filter_map(|h| self.inv.find(h.trim()).or_else(|| self.inv.by_ip(h.trim())))
                .collect(),
        }
    }

    /// The section an operation table's row points at: its command cell says `见 4.1` (a
    /// section that exists), or a section's title gives the row's step number and the row's
    /// description (`4.2 步骤 2：停止影像服务` for the row `2 | 停止影像服务 | …`).
    fn section_of_row(&self, header: &[String], row: &[String]) -> Option<usize> {
        static SEE: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"^(?:见|详见|参见|参考)\s*(?:第\s*)?([0-9]+(?:\.[0-9]+)*)\s*(?:节|小节|章)?[。.]?$")
                .unwrap()
        });
        let col = |words: &[&str]| {
            header
                .iter()
                .position(|h| words.iter().any(|w| h.trim().eq_ignore_ascii_case(w)))
        };
        let step_col = col(lexicon::TABLE_STEP);
        let what = header.iter().enumerate().position(|(n, h)| {
            Some(n) != step_col
                && lexicon::TABLE_WHAT
                    .iter()
                    .any(|w| h.trim().eq_ignore_ascii_case(w))
        });
        let cmd = row
            .get(col(lexicon::TABLE_COMMAND)?)?
            .trim()
            .trim_matches('`')
            .trim();
        if let Some(c) = SEE.captures(cmd) {
            return self.outline.sections.iter().position(|s| s.id == c[1]);
        }
        let step = row.get(step_col?)?.trim();
        let desc = what.and_then(|w| row.get(w))?.trim();
        if step.is_empty() || !step.chars().all(|c| c.is_ascii_digit()) || desc.chars().count() < 2
        {
            return None;
        }
        let titled = Regex::new(&format!(r"(?:步骤|第)\s*{step}\s*(?:步)?\s*[：:、.\s]")).ok()?;
        let mut found = self
            .outline
            .sections
            .iter()
            .enumerate()
            .filter(|(_, s)| titled.is_match(&s.title) && s.title.contains(desc));
        let one = found.next()?.0;
        found.next().is_none().then_some(one)
    }

    /// The hosts of the operation table row that points at section `x` (`见 4.1`, or the
    /// section titled with the row's step): the hosts of the section's steps.
    pub(super) fn row_for_section(&self, x: usize) -> Option<Target> {
        let mut found: Option<Target> = None;
        for (header, row, _, hc, row_line) in self.rows_with(lexicon::TABLE_COMMAND) {
            if self.section_of_row(header, row) != Some(x) {
                continue;
            }
            let hosts = self.row_hosts(row.get(hc).map_or("", String::as_str));
            // Two rows for one section with other hosts: the text does not say which.
            if hosts.is_empty() || found.as_ref().is_some_and(|f| f.hosts != hosts) {
                return None;
            }
            let id = &self.outline.sections[x].id;
            found = Some(Target::new(
                hosts,
                EvidenceKind::TableRow,
                row_line,
                format!("operation table row (line {row_line}) for section {id}"),
            ));
        }
        found
    }

    /// The rows of the runbook's tables with a column headed by one of `words` and a host column
    /// (see [`TableRow`]).
    fn rows_with(&self, words: &[&str]) -> Vec<TableRow<'a>> {
        let mut out = Vec::new();
        let doc: &'a crate::document::Document = self.doc;
        for e in &doc.elements {
            let ElementKind::Table { rows } = &e.kind else {
                continue;
            };
            let Some(header) = rows.first() else { continue };
            let col = |words: &[&str]| {
                header
                    .iter()
                    .position(|h| words.iter().any(|w| h.trim().eq_ignore_ascii_case(w)))
            };
            let (Some(c), Some(hc)) = (col(words), col(lexicon::TABLE_HOST)) else {
                continue;
            };
            let markdown = self.source.line_text(e.line + 1).contains("--");
            for (r, row) in rows.iter().enumerate().skip(1) {
                out.push((
                    header.as_slice(),
                    row.as_slice(),
                    c,
                    hc,
                    e.line + r + usize::from(markdown),
                ));
            }
        }
        out
    }

    /// `R2 在三台上都执行：`: the row of a table with a step column and a host column whose step
    /// is the id the sentence opens with (one with a letter, `R2`, `S-3`: a bare number is a list
    /// item's), as its hosts, line and id. Rows of that id with other hosts: none.
    pub(super) fn row_pointed_at(&self, text: &str) -> Option<(Vec<usize>, usize, String)> {
        static ID: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(
                r"^\s*(?:步骤\s*)?([A-Za-z][A-Za-z_]*-?[0-9]+(?:[.-][0-9]+)*)(?:[^A-Za-z0-9._-]|$)",
            )
            .unwrap()
        });
        let id = ID.captures(text)?.get(1)?.as_str();
        if self.inv.find(id).is_some() {
            return None;
        }
        let mut found: Option<(Vec<usize>, usize, String)> = None;
        for (_, row, sc, hc, row_line) in self.rows_with(lexicon::TABLE_STEP) {
            if !row
                .get(sc)
                .is_some_and(|c| c.trim().eq_ignore_ascii_case(id))
            {
                continue;
            }
            let hosts = self.row_hosts(row.get(hc).map_or("", String::as_str));
            if hosts.is_empty() || found.as_ref().is_some_and(|f| f.0 != hosts) {
                return None;
            }
            found = Some((hosts, row_line, id.to_string()));
        }
        found
    }

    // ---- blocks ----------------------------------------------------------------------------
}

/// A row of a table: its header, its cells, the column asked for, the host column, its line.
type TableRow<'a> = (&'a [String], &'a [String], usize, usize, usize);
