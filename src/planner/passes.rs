use std::collections::BTreeMap;

use super::exceptions::{self, Exception};
use super::hosts::host_names;
use super::{Draft, SameAs, Walker};
use crate::evidence::{Evidence, EvidenceKind};
use crate::lexicon;
use crate::plan::{Action, Phase, StepKind};

impl<'a> Walker<'a> {
    /// `X与Y相同`: every earlier step of the section (and below) that runs on Y also runs on X.
    pub(super) fn apply_same_as(&mut self) {
        // Copies inserted as drafts of their own move the later sentences' `upto`.
        let mut shift = 0;
        for SameAs {
            section,
            copies,
            model,
            upto,
            line,
            exception,
            exception_text,
            element,
        } in self.same_as.clone()
        {
            let upto = upto + shift;
            let names = host_names(self.inv, &copies);
            let model_names = host_names(self.inv, &model);
            let within = |ds: Option<usize>, s: Option<usize>| match (ds, s) {
                (Some(ds), Some(s)) => self.outline.lineage(ds).contains(&s),
                (_, None) => true,
                _ => false,
            };
            // The model's steps in the sentence's section, else in the nearest enclosing one with them.
            let mut section = section;
            while !self.drafts[..upto]
                .iter()
                .any(|d| d.hosts.iter().any(|h| model.contains(h)) && within(d.section, section))
            {
                match section {
                    Some(s) => section = self.outline.sections[s].parent,
                    None => break,
                }
            }
            if exception {
                let texts: Vec<String> = self.drafts[..upto]
                    .iter()
                    .filter(|d| {
                        within(d.section, section) && d.hosts.iter().any(|h| model.contains(h))
                    })
                    .map(shown_text)
                    .collect();
                let texts: Vec<&str> = texts.iter().map(String::as_str).collect();
                if let Some(ex) = exceptions::read(&exception_text, self.outline, &texts) {
                    let repeat = Repeat {
                        sentence_section: self.outline.element_section[element],
                        section,
                        copies,
                        model,
                        upto,
                        line,
                        element,
                    };
                    shift += self.copy_with_exception(repeat, &ex);
                    continue;
                }
            }
            for d in self.drafts[..upto].iter_mut() {
                let in_section = within(d.section, section);
                if in_section && d.hosts.iter().any(|h| model.contains(h)) {
                    for c in &copies {
                        if !d.hosts.contains(c) {
                            d.hosts.push(*c);
                        }
                    }
                    // The copies take their turn after the model (and after earlier copies), in
                    // the order the runbook names them.
                    match &mut d.serial {
                        Some((_, order)) => {
                            for c in &copies {
                                if !order.contains(c) {
                                    order.push(*c);
                                }
                            }
                        }
                        None => {
                            let mut order: Vec<usize> = d
                                .hosts
                                .iter()
                                .copied()
                                .filter(|h| model.contains(h))
                                .collect();
                            order.extend(copies.iter().copied());
                            d.serial = Some((line, order));
                        }
                    }
                    let kind = if exception {
                        EvidenceKind::RepeatWithException
                    } else {
                        EvidenceKind::Repeat
                    };
                    // A step carrying one host's own value (perhost.rs) copied to another host
                    // would carry the wrong value there: a guess.
                    if let Some(own) = d.evidence.iter().find(|e| e.kind == EvidenceKind::OwnValue)
                    {
                        let p = Evidence::new(EvidenceKind::PerHostValue, own.line);
                        if !d.evidence.contains(&p) {
                            d.evidence.push(p);
                        }
                    }
                    let e = Evidence::new(kind, line);
                    if !d.evidence.contains(&e) {
                        d.evidence.push(e);
                    }
                    d.why = format!("{}; {names} the same as {model_names} (line {line})", d.why);
                }
            }
        }
    }

    /// `app-2 与 app-1 操作相同，但 server.port 改为 8082。除了 1.4 外，其余照做。` with an exception
    /// rbc reads whole: the model's steps stay as they are; each is copied for the copies as a
    /// step of its own (here, after what came before the sentence), except in the sections the
    /// exception leaves out; a copy whose text shows a word of the exception, or the model's own
    /// name or address, is manual on the copies. Returns how many drafts it inserted.
    fn copy_with_exception(&mut self, r: Repeat, ex: &Exception) -> usize {
        let names = host_names(self.inv, &r.copies);
        let model_names = host_names(self.inv, &r.model);
        let within = |ds: Option<usize>, s: Option<usize>| match (ds, s) {
            (Some(ds), Some(s)) => self.outline.lineage(ds).contains(&s),
            (_, None) => true,
            _ => false,
        };
        let own: Vec<String> = r
            .model
            .iter()
            .flat_map(|h| {
                let host = &self.inv.hosts[*h];
                std::iter::once(host.name.clone()).chain(host.ip.clone())
            })
            .collect();
        let (mut out, mut left_out, mut touched) = (Vec::new(), 0, Vec::<String>::new());
        for d in &self.drafts[..r.upto] {
            if d.kind == StepKind::Note
                || !within(d.section, r.section)
                || !d.hosts.iter().any(|h| r.model.contains(h))
            {
                continue;
            }
            if d.section
                .is_some_and(|s| ex.skip.iter().any(|k| self.outline.lineage(s).contains(k)))
            {
                left_out += 1;
                continue;
            }
            let hosts: Vec<usize> = r
                .copies
                .iter()
                .copied()
                .filter(|c| !d.hosts.contains(c))
                .collect();
            if hosts.is_empty() {
                continue;
            }
            let shown = shown_text(d);
            let mut c = d.clone();
            c.hosts = hosts;
            c.section = r.sentence_section;
            c.element = r.element;
            c.unit = r.element;
            c.serial = None;
            c.evidence = vec![Evidence::new(EvidenceKind::Repeat, r.line)];
            c.why = format!(
                "{names} the same as {model_names} (line {}); written for {model_names}",
                r.line
            );
            let hit: Vec<&String> = ex.terms.iter().filter(|t| shown.contains(*t)).collect();
            if !hit.is_empty() {
                c.evidence
                    .push(Evidence::new(EvidenceKind::RepeatWithException, r.line));
                let words: Vec<String> = hit.iter().map(|t| format!("`{t}`")).collect();
                c.why = format!(
                    "{}; the exception (line {}) changes what it shows ({})",
                    c.why,
                    r.line,
                    words.join(", ")
                );
                touched.push(format!("line {}", d.line));
            }
            let own_value = d.evidence.iter().any(|e| e.kind == EvidenceKind::OwnValue)
                || own.iter().any(|o| shown.contains(o.as_str()));
            if own_value {
                c.evidence
                    .push(Evidence::new(EvidenceKind::PerHostValue, r.line));
            }
            out.push(c);
        }
        let mut said = vec![format!(
            "rbc repeats the {} step(s) done on {model_names} on {names}, after line {}",
            out.len(),
            r.line
        )];
        if left_out > 0 {
            let skipped: Vec<String> = ex
                .skip
                .iter()
                .map(|s| self.outline.sections[*s].written.clone())
                .collect();
            said.push(format!(
                "leaves out section {} ({left_out} step(s)) there",
                skipped.join(", ")
            ));
        }
        if !touched.is_empty() {
            said.push(format!(
                "makes the {} copied step(s) that show what the exception changes manual there ({})",
                touched.len(),
                touched.join(", ")
            ));
        }
        let span = self.doc.elements[r.element].span.clone();
        self.warn(
            "W035",
            span,
            said.join("; "),
            "check the plan (`rbc plan --host ...`); write the steps out if they differ",
        );
        let n = out.len();
        self.drafts.splice(r.upto..r.upto, out);
        n
    }

    /// Steps under a sentence that says one host at a time (`依次`, `逐台`), or in a section whose
    /// title does, on the same hosts: each host takes its turn after the one before finished.
    pub(super) fn serialize(&mut self) {
        for d in self.drafts.iter_mut() {
            if d.hosts.len() < 2 || d.serial.is_some() || d.kind == StepKind::Note {
                continue;
            }
            let mut same: Vec<usize> = d.hosts.clone();
            same.sort();
            let scope = self
                .serial_scopes
                .iter()
                .rev()
                .find(|(section, line, hosts)| {
                    let mut h = hosts.clone();
                    h.sort();
                    *line <= d.line
                        && h == same
                        && match (section, d.section) {
                            (Some(s), Some(ds)) => self.outline.lineage(ds).contains(s),
                            (None, _) => true,
                            _ => false,
                        }
                });
            if let Some((_, line, hosts)) = scope {
                d.serial = Some((*line, hosts.clone()));
                continue;
            }
            let titled = d.section.and_then(|s| {
                self.outline.lineage(s).into_iter().find(|x| {
                    lexicon::contains_any(&self.outline.sections[*x].title, lexicon::ONE_AT_A_TIME)
                })
            });
            if let Some(x) = titled {
                d.serial = Some((self.outline.sections[x].line, d.hosts.clone()));
            }
        }
    }

    /// SQL with no `use DB`: the only database the runbook's forward SQL names, with a warning;
    /// with none or several, a warning that the client's default database is used.
    pub(super) fn default_database(&mut self) {
        let mut named: Vec<String> = Vec::new();
        for d in &self.drafts {
            if let (
                Phase::Run,
                Action::Sql {
                    database: Some(db), ..
                },
            ) = (d.phase, &d.action)
            {
                if !named.contains(db) {
                    named.push(db.clone());
                }
            }
        }
        for idx in 0..self.drafts.len() {
            let d = &self.drafts[idx];
            let Action::Sql {
                database: None,
                statements,
                ..
            } = &d.action
            else {
                continue;
            };
            let needs_db = !statements.iter().all(|s| {
                let l = s.to_ascii_lowercase();
                l.starts_with("source")
                    || l.starts_with("show databases")
                    || l.starts_with("create database")
                    || l.starts_with("drop database")
            });
            if !needs_db {
                continue;
            }
            let span = self.content_span(d.element, None);
            if let [only] = named.as_slice() {
                let only = only.clone();
                self.warn(
                    "W022",
                    span,
                    format!("SQL without a database: rbc uses `{only}`, the only database the runbook's SQL names"),
                    "add `use DB` to the block or `<!-- rbc: db=NAME -->` before it",
                );
                if let Action::Sql { database, .. } = &mut self.drafts[idx].action {
                    *database = Some(only);
                }
            } else {
                self.warn(
                    "W022",
                    span,
                    "SQL without a database: rbc runs it with the client's default database".into(),
                    "add `use DB` to the block or `<!-- rbc: db=NAME -->` before it",
                );
            }
        }
    }

    /// `service X restart` watches the files edited earlier on its hosts (same section, or named
    /// after the service): it restarts only when one of them changed.
    pub(super) fn watch_restarts(&mut self) {
        // host → edited path → sections it was edited in (one pass; restarts look up their hosts).
        let mut edited: BTreeMap<(Phase, usize), EditedPaths> = BTreeMap::new();
        for idx in 0..self.drafts.len() {
            let d = &self.drafts[idx];
            if let Some(path) = d.action.edited_file() {
                for h in &d.hosts {
                    edited
                        .entry((d.phase, *h))
                        .or_default()
                        .entry(path.to_string())
                        .or_default()
                        .push(d.section);
                }
                continue;
            }
            let Action::ServiceRestart { name, action, .. } = &d.action else {
                continue;
            };
            let (name, action) = (name.clone(), action.clone());
            let mut watch: Vec<String> = Vec::new();
            for h in &d.hosts {
                for (path, sections) in edited.get(&(d.phase, *h)).into_iter().flatten() {
                    if (sections.contains(&d.section) || path.contains(&name))
                        && !watch.contains(path)
                    {
                        watch.push(path.clone());
                    }
                }
            }
            // Files named after the service (`/etc/sysconfig/iptables` for iptables) are its
            // configuration; only when none is, the section's other edits are watched.
            if watch.iter().any(|p| p.contains(&name)) {
                watch.retain(|p| p.contains(&name));
            }
            let d = &mut self.drafts[idx];
            if watch.is_empty() && d.kind == StepKind::Converge {
                d.kind = StepKind::Once;
            }
            d.action = Action::ServiceRestart {
                name,
                action,
                watch,
            };
        }
    }
}

/// Edited file path → the sections it was edited in.
pub(super) type EditedPaths = BTreeMap<String, Vec<Option<usize>>>;

/// A repeat with an exception, where it was said.
struct Repeat {
    /// The section of the sentence (the copies are its steps).
    sentence_section: Option<usize>,
    /// Where the model's steps are.
    section: Option<usize>,
    copies: Vec<usize>,
    model: Vec<usize>,
    upto: usize,
    line: usize,
    element: usize,
}

/// What a step shows: its summary and its action's words (command, path, content or
/// instruction) — not the rest of the block it came from.
fn shown_text(d: &Draft) -> String {
    fn strings(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::String(s) => {
                out.push('\n');
                out.push_str(s);
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            serde_json::Value::Object(o) => o.values().for_each(|x| strings(x, out)),
            _ => {}
        }
    }
    let mut out = d.text.clone();
    if let Ok(v) = serde_json::to_value(&d.action) {
        strings(&v, &mut out);
    }
    out
}
