use super::commands::unquoted;
use super::{Fate, Walker};
use crate::classify::Line;
use crate::evidence::{EvidenceKind, Target};
use crate::lexicon;
use crate::plan::{Action, Phase, StepKind};
use crate::scope;

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
        // `app-1~app-3`, `所有服务器`, `lb-01、lb-02`: as in a sentence.
        let hosts: Vec<usize> = match scope::targets(cell, self.inv, &[]) {
            Some(t) => t.hosts,
            None => cell
                .split([',', '，', '、', ' ', ';', '；'])
                .filter(|h| !h.trim().is_empty())
                .filter_map(|h| self.inv.find(h.trim()).or_else(|| self.inv.by_ip(h.trim())))
                .collect(),
        };
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

    // ---- blocks ----------------------------------------------------------------------------
}
