//! The planner: walks the document in order and turns every block and instruction sentence into
//! steps with hosts (and the reason), kinds and typed actions; then ids, gates and artifacts.

use crate::annotation::Annotation;
use crate::diagnostic::Diagnostic;
use crate::document::{self, Document};
use crate::evidence::{Evidence, EvidenceKind, Target};
use crate::inventory::{self, Inventory};
use crate::outline::{self, Outline};
use crate::plan::{Action, Artifact, Phase, Plan, StepKind};
use crate::source::Source;

mod blocks;
mod commands;
mod edits;
mod exceptions;
mod finish;
mod hosts;
mod passes;
mod perhost;
mod sentences;
mod shell;
mod sql;
mod tables;
mod values;
mod walk;

use finish::finish;
use hosts::host_sections;

/// What became of one element of the document (every element ends up somewhere).
#[derive(Debug, Clone, PartialEq)]
pub enum Fate {
    /// A section heading.
    Heading,
    /// A host declaration, read into the inventory.
    Inventory,
    /// An annotation for the next element.
    Annotation,
    /// The lead-in sentence of the block after it (kept as that block's context).
    LeadIn,
    /// Steps (by index into `plan.steps`).
    Steps(Vec<usize>),
}

#[derive(Debug)]
pub struct Compiled {
    pub plan: Plan,
    pub diagnostics: Vec<Diagnostic>,
    /// For each document element, what became of it.
    pub fates: Vec<(usize, Fate)>,
    pub document: Document,
    pub outline: Outline,
    pub inventory: Inventory,
}

#[derive(Clone)]
struct Draft {
    section: Option<usize>,
    kind: StepKind,
    phase: Phase,
    hosts: Vec<usize>,
    line: usize,
    text: String,
    why: String,
    evidence: Vec<Evidence>,
    action: Action,
    cwd: Option<String>,
    source: String,
    no_gate: bool,
    element: usize,
    /// What counts as "the same place in the runbook" for gates (steps of one unit do not gate
    /// each other): the element, or one row of a table whose rows are done in order.
    unit: usize,
    /// One host at a time (`依次`, `逐台`, `同上` on the next host): the group (a line) and
    /// the hosts in the order they take their turn.
    serial: Option<(usize, Vec<usize>)>,
}

#[derive(Clone)]
struct PendingVim {
    draft: usize,
    path: String,
    line: usize,
    target: Target,
    cwd: String,
}

#[derive(Clone)]
struct Explicit {
    hosts: Vec<usize>,
    /// A sentence, or a bullet list of hosts.
    kind: EvidenceKind,
    why: String,
    line: usize,
    section: Option<usize>,
}

/// `X与Y相同` said in `section` at `line`: copies get the model's steps among the first `upto` drafts.
#[derive(Clone)]
struct SameAs {
    section: Option<usize>,
    copies: Vec<usize>,
    model: Vec<usize>,
    upto: usize,
    line: usize,
    /// `…相同，但…` / `除了…`: the copies differ somewhere (a guess which steps, unless
    /// `exceptions::read` reads all of it).
    exception: bool,
    /// The text from the exception's first word on (`但 server.port 改为 8082。…`).
    exception_text: String,
    /// The sentence's element.
    element: usize,
}

struct Walker<'a> {
    source: &'a Source,
    doc: &'a Document,
    outline: &'a Outline,
    inv: &'a Inventory,
    diags: Vec<Diagnostic>,
    drafts: Vec<Draft>,
    fates: Vec<Fate>,
    artifacts: Vec<Artifact>,
    explicit: Option<Explicit>,
    cwd: String,
    /// A `cd` at the end of a command chain: where the next command line runs.
    pending_cd: Option<String>,
    pending_edit: Option<(String, usize)>,
    /// The note of a `vim FILE` line whose edit is the next block: its draft, and where the
    /// line runs (edits.rs makes it a check that FILE exists when that edit is automated).
    pending_vim: Option<PendingVim>,
    excerpt: Option<String>,
    troubleshooting: bool,
    /// The line of a condition in the rollback chapter that makes the next block a branch.
    branch: Option<usize>,
    /// Server names by the part after their last `-` (`node1` → `k8s-node1`; `None`: several).
    name_tails: std::cell::OnceCell<std::collections::HashMap<String, Option<usize>>>,
    sql_session: Option<(String, Option<String>)>,
    annotation: Option<Annotation>,
    /// (section, copies, model, drafts before this index, line)
    same_as: Vec<SameAs>,
    /// Sentences that say one host at a time (`依次在kafka-01、kafka-02上执行`): section, line,
    /// hosts in their turn.
    serial_scopes: Vec<(Option<usize>, usize, Vec<usize>)>,
    /// An upload sentence with no file name: the next block's archive is the payload.
    pending_upload: Option<(String, Target, usize)>,
    section: Option<usize>,
    /// Sections that declare a host (title is a host) or whose children do (group specs).
    host_sections: Vec<bool>,
    /// The last list item that only named hosts (a bullet list of hosts is read as one).
    last_host_item: Option<usize>,
    /// A sentence after the last one that named hosts says where in words rbc cannot resolve
    /// (`4) 数据库 134、135 单独处理`): reaching the older hosts now is carrying them over.
    explicit_stale: bool,
    /// The line of the counting sentence that made `explicit` stale, when one did.
    stale_count_line: Option<usize>,
    /// The runbook has one server and names no other machine: every step runs there.
    only_server: Option<usize>,
}

const HOME: &str = "/root";

type Pass = for<'w, 'a> fn(&'w mut Walker<'a>);

/// The passes over the drafts after the walk, in order.
const PASSES: &[(&str, Pass)] = &[
    (
        "repeats: `X与Y相同`, `同上` copy the model's steps",
        |w| w.apply_same_as(),
    ),
    ("one host at a time: `依次`, `逐台`", |w| w.serialize()),
    ("the default database of SQL steps", |w| {
        w.default_database()
    }),
    ("restarts after the edits they load", |w| w.watch_restarts()),
];

/// Reads a runbook source into a plan with diagnostics: read → outline → inventory → walk →
/// passes → finish (ids, gates) → doubt (SPEC §2.2) → lint.
pub fn compile(source: &Source) -> Compiled {
    let mut diags = source.notes.clone();
    let doc = document::read(source);
    diags.extend(crate::findings::unclosed(source, &doc));
    let outline = outline::build(&doc, source, &mut diags);
    let inv = inventory::build(&doc, &outline, source, &mut diags);
    diags.extend(crate::names::none_found(&doc, &inv, source));
    let mut w = Walker {
        source,
        doc: &doc,
        outline: &outline,
        inv: &inv,
        diags,
        drafts: Vec::new(),
        fates: vec![Fate::Steps(Vec::new()); doc.elements.len()],
        artifacts: Vec::new(),
        explicit: None,
        cwd: HOME.to_string(),
        pending_cd: None,
        pending_edit: None,
        pending_vim: None,
        excerpt: None,
        troubleshooting: false,
        branch: None,
        name_tails: Default::default(),
        sql_session: None,
        annotation: None,
        same_as: Vec::new(),
        serial_scopes: Vec::new(),
        pending_upload: None,
        section: None,
        host_sections: host_sections(&outline, &inv),
        last_host_item: None,
        explicit_stale: false,
        stale_count_line: None,
        only_server: None,
    };
    let servers: Vec<usize> = inv.servers().map(|(i, _)| i).collect();
    if let [only] = servers.as_slice() {
        if crate::names::unknown_machines(&doc, &inv).is_empty() {
            w.only_server = Some(*only);
        }
    }
    w.walk();
    for (_, pass) in PASSES {
        pass(&mut w);
    }
    let Walker {
        diags,
        drafts,
        fates,
        artifacts,
        ..
    } = w;
    let (mut plan, step_of_draft) = finish(source, &outline, &inv, drafts, artifacts);
    let fates = fates
        .into_iter()
        .enumerate()
        .map(|(i, f)| match f {
            Fate::Steps(ds) => (
                i,
                Fate::Steps(ds.into_iter().map(|d| step_of_draft[d]).collect()),
            ),
            other => (i, other),
        })
        .collect();
    let mut diagnostics = diags;
    crate::doubt::enforce(&mut plan, source, &mut diagnostics);
    let mut findings = crate::lint::lint(source, &doc, &plan);
    crate::lint::demote(&mut plan, source, &mut findings);
    for step in &mut plan.steps {
        crate::classify::normalise_paths(&mut step.action);
    }
    crate::markers::enforce(&mut plan, source, &mut diagnostics);
    crate::secrets::enforce(&mut plan, source, &mut diagnostics);
    values::link_read_values(&mut plan);
    diagnostics.extend(findings);
    diagnostics.sort_by_key(|d| (d.line, d.code));
    diagnostics.dedup();
    Compiled {
        plan,
        diagnostics,
        fates,
        document: doc,
        outline,
        inventory: inv,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(md: &str) -> Compiled {
        compile(&Source::from_text("t.md", md))
    }

    #[test]
    fn every_element_has_a_fate() {
        let c = plan("1 部署\n\n登录web-1 (10.0.0.1)，执行：\n\n```\n# cd /opt\n# tar xf app.tar\n```\n\n说明文字。\n");
        for (i, f) in &c.fates {
            assert!(
                !matches!(f, Fate::Steps(v) if v.is_empty()),
                "element {i} was dropped: {:?}",
                c.document.elements[*i]
            );
        }
    }
}
