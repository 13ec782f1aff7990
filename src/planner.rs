//! The planner: walks the document in order and turns every block and instruction sentence into
//! steps with hosts (and the reason), kinds and typed actions; then ids, gates and artifacts.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;

use crate::annotation::{self, Annotation};
use crate::classify::{self, Line};
use crate::diagnostic::Diagnostic;
use crate::document::{self, Document, ElementKind};
use crate::evidence::{Evidence, EvidenceKind, Target};
use crate::inventory::{self, Inventory};
use crate::lexicon;
use crate::outline::{self, Outline};
use crate::plan::{
    Action, Artifact, Gate, GateRef, HostKind, Phase, Plan, PlanHost, Step, StepKind,
};
use crate::scope;
use crate::source::Source;

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
    /// `…相同，但…` / `除了…`: the copies differ somewhere (a guess which steps).
    exception: bool,
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
    excerpt: Option<String>,
    troubleshooting: bool,
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
    /// The runbook has one server and names no other machine: every step runs there.
    only_server: Option<usize>,
}

const HOME: &str = "/root";

/// Reads a runbook source into a plan with diagnostics.
pub fn compile(source: &Source) -> Compiled {
    let mut diags = source.notes.clone();
    let doc = document::read(source);
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
        excerpt: None,
        troubleshooting: false,
        sql_session: None,
        annotation: None,
        same_as: Vec::new(),
        serial_scopes: Vec::new(),
        pending_upload: None,
        section: None,
        host_sections: host_sections(&outline, &inv),
        last_host_item: None,
        explicit_stale: false,
        only_server: None,
    };
    let servers: Vec<usize> = inv.servers().map(|(i, _)| i).collect();
    if let [only] = servers.as_slice() {
        if crate::names::unknown_machines(&doc, &inv).is_empty() {
            w.only_server = Some(*only);
        }
    }
    w.walk();
    w.apply_same_as();
    w.serialize();
    w.default_database();
    w.watch_restarts();
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

impl<'a> Walker<'a> {
    fn walk(&mut self) {
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

    /// Checks the directory a `[user@host dir]#` prompt shows against where rbc runs the line:
    /// `~` is the user's home, a full path is taken as it is, a name is the last part of the
    /// working directory, or of the one directory of that name the section has used. When rbc
    /// cannot tell which directory it is, it says so and the line is manual (false).
    fn prompt_directory(&mut self, line: usize, raw: &str) -> bool {
        static PROMPT_DIR: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"^\s*\[([^\]@\s]+)@[^\]\s]+\s+([^\]]+?)\s*\]\s*[#$]").unwrap()
        });
        let text = self.source.line_text(line);
        let Some(c) = PROMPT_DIR.captures(text) else {
            return true;
        };
        let (user, dir) = (c[1].to_string(), c[2].trim().to_string());
        let home = if user == "root" {
            HOME.to_string()
        } else {
            format!("/home/{user}")
        };
        let want = match dir.as_str() {
            "~" => Some(home),
            d if d.starts_with('/') => Some(d.trim_end_matches('/').to_string())
                .filter(|d| !d.is_empty())
                .or(Some("/".into())),
            d if d.starts_with("~/") => Some(format!("{home}/{}", &d[2..])),
            d if self.cwd.rsplit('/').next() == Some(d) => None,
            d => {
                // The one directory of that name this line or the section's steps have used,
                // made or entered (or a folder of such a path).
                let mut cands: Vec<String> = classify::paths_in(raw);
                let chapter = self.section.map(|s| self.outline.chapter(s));
                for dr in self
                    .drafts
                    .iter()
                    .rev()
                    .filter(|x| x.section.map(|s| self.outline.chapter(s)) == chapter)
                {
                    cands.extend(action_paths(&dr.action));
                    cands.extend(dr.cwd.clone());
                    if let Action::Run { command } = &dr.action {
                        cands.extend(classify::paths_in(command));
                    }
                }
                let mut seen: Vec<String> = Vec::new();
                for p in cands {
                    let mut p = p.trim_end_matches('/').to_string();
                    while !p.is_empty() {
                        if p.rsplit('/').next() == Some(d) && !seen.contains(&p) {
                            seen.push(p.clone());
                        }
                        p.truncate(p.rfind('/').unwrap_or(0));
                    }
                }
                match seen.as_slice() {
                    [one] => Some(one.clone()),
                    // Where the line runs matters only for the paths it names relative to it.
                    _ if !uses_relative_paths(raw) => None,
                    _ => {
                        let cwd = self.cwd.clone();
                        self.warn(
                            "W038",
                            self.line_span(line),
                            format!("the prompt shows the directory `{d}`, but rbc cannot tell which one it is (it would run this line in {cwd}); the line becomes a manual step"),
                            "write a `cd` to the full directory before the line, or show the full path in the prompt",
                        );
                        return false;
                    }
                }
            }
        };
        if let Some(w) = want {
            self.cwd = w;
        }
        true
    }

    fn enter_section(&mut self, section: Option<usize>) {
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
    fn in_faq(&self) -> bool {
        self.section.is_some_and(|s| {
            self.outline.lineage(s).iter().any(|x| {
                lexicon::contains_any(&self.outline.sections[*x].title, lexicon::FAQ_TITLES)
            })
        })
    }

    fn phase(&self) -> Phase {
        if let Some(p) = self.annotation.as_ref().and_then(|a| a.phase) {
            return p;
        }
        match self.section {
            Some(s) if self.outline.sections[s].rollback => Phase::Rollback,
            _ => Phase::Run,
        }
    }

    fn html(&mut self, i: usize, text: &str) {
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
    fn is_declaration(&self, i: usize, text: &str) -> bool {
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

    fn next_is_block(&self, i: usize) -> bool {
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
    fn lead_in(&self, i: usize) -> Option<usize> {
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

    fn lead_text(&self, lead: Option<usize>) -> String {
        lead.map(|l| self.doc.elements[l].text().to_string())
            .unwrap_or_default()
    }

    /// A sentence that says where by a count (`两台都执行`) or a place rbc cannot resolve
    /// (`在数据库服务器上`): what it says holds for the blocks after it, in place of the hosts
    /// an earlier sentence named.
    fn count_scope(&mut self, prose: &str, line: usize) {
        let unresolved_place = scope::place_phrase(prose)
            .is_some_and(|x| scope::stated_count(x).is_none())
            || scope::octet_list(prose).is_some_and(|l| {
                l.iter()
                    .any(|n| scope::by_last_octet(self.inv, n).is_none())
            });
        let counted = scope::stated_count(prose)
            .filter(|_| !unresolved_place)
            .map(|c| scope::counted_hosts(c, self.inv, &self.title_group_hosts()));
        match counted {
            Some(Some(hosts)) => {
                let why = format!("counted: {}", host_names(self.inv, &hosts));
                self.explicit_stale = false;
                self.explicit = Some(Explicit {
                    hosts,
                    kind: EvidenceKind::Sentence,
                    why,
                    line,
                    section: self.section,
                });
            }
            Some(None) => self.explicit_stale = true,
            None if unresolved_place => self.explicit_stale = true,
            None => {}
        }
    }

    /// The group the section's title (or an enclosing one) names.
    fn title_group_hosts(&self) -> Vec<usize> {
        let mut s = self.section;
        while let Some(x) = s {
            if let Some(t) = scope::title_group(&self.outline.sections[x].title, self.inv) {
                return t.hosts;
            }
            s = self.outline.sections[x].parent;
        }
        Vec::new()
    }

    /// The title's group, else the hosts the last sentence named.
    fn current_group(&self) -> Vec<usize> {
        let titled = self.title_group_hosts();
        if !titled.is_empty() {
            return titled;
        }
        self.explicit
            .as_ref()
            .map(|e| e.hosts.clone())
            .unwrap_or_default()
    }

    /// Hosts for something at element `i` whose own text (sentence or lead-in) is `text`.
    fn hosts_for(&mut self, i: usize, text: &str) -> Target {
        self.hosts_for_carry(i, text, true)
    }

    /// A rollback block of `mv B A` that undoes a forward `mv A B`: the hosts of that rename.
    fn undone_rename_hosts(&self, content: &str) -> Option<Target> {
        if self.phase() != Phase::Rollback {
            return None;
        }
        let mut found: Option<Target> = None;
        for line in content.lines() {
            let Line::Command(cmd) = classify::parse_line(line) else {
                continue;
            };
            let Action::Rename { from, to } = classify::command(&cmd, &self.cwd).action else {
                return None;
            };
            let forward = self.drafts.iter().find(|f| {
                f.phase == Phase::Run && matches!(&f.action, Action::Rename { from: ff, to: ft } if *ff == to && *ft == from)
            })?;
            found = Some(Target::new(
                forward.hosts.clone(),
                EvidenceKind::UndoneRename,
                forward.line,
                format!("undoes the rename at line {}, on its hosts", forward.line),
            ));
        }
        found
    }

    /// Sentences for people (manual steps) do not inherit hosts across sections: they go on no host.
    fn hosts_for_carry(&mut self, i: usize, text: &str, allow_carry: bool) -> Target {
        self.hosts_for_with(i, text, allow_carry, None, &[])
    }

    /// The last login sentence or host list, as a target.
    fn explicit_target(e: &Explicit, why: String) -> Target {
        Target::new(e.hosts.clone(), e.kind, e.line, why)
    }

    fn hosts_for_with(
        &mut self,
        i: usize,
        text: &str,
        allow_carry: bool,
        before_carry: Option<Target>,
        prompt: &[usize],
    ) -> Target {
        let line = self.doc.elements[i].line;
        if let Some(a) = &self.annotation {
            if let Some(names) = a.hosts.clone() {
                return self.annotated_hosts(i, &names);
            }
        }
        // The last item of a bullet list of hosts stands for the whole list.
        if self.last_host_item == Some(i) {
            if let Some(e) = &self.explicit {
                return Self::explicit_target(e, format!("{} (line {})", e.why, e.line));
            }
        }
        let group = self.current_group();
        // Addresses and names inside inline code (`curl 10.0.0.2:80`) are what a command
        // talks to, not where it runs.
        let prose = self.without_inline_code(i, text);
        let text = prose.as_str();
        // A machine-like name rbc does not know where work happens (`登录node7`): never the
        // hosts of another sentence.
        let sibling = || {
            inventory::ascii_words(text)
                .into_iter()
                .find(|w| crate::names::sibling_of_known(self.inv, w))
                .map(str::to_string)
        };
        if let Some(unknown) = crate::names::place_names(text)
            .into_iter()
            .find(|n| {
                self.inv.find(n).is_none()
                    && self.inv.group(n).is_empty()
                    && scope::by_last_octet(self.inv, n).is_none()
            })
            .or_else(sibling)
        {
            return Target::nowhere(format!("names `{unknown}`, which is no host rbc knows"));
        }
        if let Some(t) = scope::targets(text, self.inv, &group) {
            return Target::new(
                t.hosts,
                EvidenceKind::Sentence,
                line,
                format!("{} (line {line})", t.how),
            );
        }
        // `在数据库服务器上确认`: the sentence says where, in words rbc cannot resolve — never
        // the hosts of another sentence.
        if let Some(x) = scope::place_phrase(text) {
            if scope::stated_count(x).is_none() {
                return Target::nowhere(format!(
                    "says where (`在{x}上`), but rbc does not know which host that is"
                ));
            }
        }
        // `三台都要修改`, `所有节点执行`: a count of machines, never the hosts of another sentence.
        if let Some(count) = scope::stated_count(text) {
            // The group a count refers to is the one a section title names, never the hosts of
            // an earlier sentence (that would be a carry).
            let titled = self.title_group_hosts();
            return match scope::counted_hosts(count, self.inv, &titled) {
                Some(hosts) => {
                    let names = host_names(self.inv, &hosts);
                    Target::new(
                        hosts,
                        EvidenceKind::Sentence,
                        line,
                        format!("counted: {names} (line {line})"),
                    )
                }
                None => Target::nowhere("the sentence counts machines but does not say which"),
            };
        }
        // Before any section, the last login sentence holds.
        if let (None, Some(e)) = (self.section, &self.explicit) {
            if e.section.is_none() {
                return Self::explicit_target(e, format!("{} (line {})", e.why, e.line));
            }
        }
        // The section itself or an ancestor: its own login sentence, else its title's group.
        let mut s = self.section;
        while let Some(x) = s {
            if let Some(e) = &self.explicit {
                if e.section == Some(x) {
                    let t = Self::explicit_target(e, format!("{} (line {})", e.why, e.line));
                    return if self.explicit_stale {
                        t.with(
                            EvidenceKind::CarriedOver,
                            e.line,
                            "past a sentence naming other machines",
                        )
                    } else {
                        t
                    };
                }
            }
            if let Some(t) = scope::title_group(&self.outline.sections[x].title, self.inv) {
                let id = &self.outline.sections[x].id;
                return Target::new(
                    t.hosts,
                    EvidenceKind::SectionTitle,
                    self.outline.sections[x].line,
                    format!("{} ({id})", t.how),
                );
            }
            s = self.outline.sections[x].parent;
        }
        if let Some(t) = before_carry {
            return t;
        }
        // A runbook with one server and no other machine named: nothing else to choose from.
        if let (Some(only), true) = (self.only_server, allow_carry) {
            if prompt.iter().all(|p| *p == only) {
                return Target::new(
                    vec![only],
                    EvidenceKind::OnlyServer,
                    line,
                    "the runbook's only server",
                );
            }
        }
        let chapter = self.section.map(|s| self.outline.chapter(s));
        let prompt_names = host_names(self.inv, prompt);
        if let Some(e) = self.explicit.clone().filter(|_| allow_carry) {
            let same_chapter =
                e.section.map(|s| self.outline.chapter(s)) == chapter && chapter.is_some();
            // (A prompt naming one of them decides its host; `prompt_rules` splits the rest.)
            if same_chapter {
                return Self::explicit_target(
                    &e,
                    format!("carried over from {} (line {})", e.why, e.line),
                )
                .with(EvidenceKind::CarriedOver, e.line, "");
            }
        }
        // The last hosts named are every server of the runbook: still another chapter's words.
        if let Some(e) = self.explicit.clone().filter(|_| allow_carry) {
            let servers: Vec<usize> = self.inv.servers().map(|(i, _)| i).collect();
            if !servers.is_empty() && servers.iter().all(|h| e.hosts.contains(h)) {
                return Self::explicit_target(
                    &e,
                    format!(
                        "carried over from {} (line {}); they are all the runbook's servers",
                        e.why, e.line
                    ),
                )
                .with(EvidenceKind::CarriedOver, e.line, "");
            }
        }
        // The prompt names the host (`[root@web-1 ~]#`): that host, never its group.
        if !prompt.is_empty() {
            return Target::new(
                prompt.to_vec(),
                EvidenceKind::Prompt,
                line,
                format!("the prompt shows {prompt_names}"),
            );
        }
        // A runbook whose servers are all one group: they are the only candidates, but nothing
        // here says so.
        let servers: Vec<usize> = self.inv.servers().map(|(i, _)| i).collect();
        let one_group = servers.len() > 1
            && servers.iter().all(|h| {
                self.inv.hosts[*h].group_keys.first()
                    == self.inv.hosts[servers[0]].group_keys.first()
            });
        if one_group && allow_carry {
            return Target::new(
                servers,
                EvidenceKind::OnlyGroup,
                line,
                "every server (the runbook has one group)",
            );
        }
        Target::nowhere("no host named")
    }

    /// `text` with the inline code of element `i` blanked out.
    fn without_inline_code(&self, i: usize, text: &str) -> String {
        let mut out = text.to_string();
        for c in &self.doc.elements[i].codes {
            if c.trim().is_empty() {
                continue;
            }
            out = out.replace(c.as_str(), &" ".repeat(c.len()));
        }
        out
    }

    fn annotated_hosts(&mut self, i: usize, names: &[String]) -> Target {
        let mut hosts = Vec::new();
        for n in names {
            match n.as_str() {
                "all" => hosts.extend(self.inv.servers().map(|(i, _)| i)),
                "none" => {}
                _ => match self.inv.find(n).or_else(|| self.inv.by_ip(n)) {
                    Some(h) => hosts.push(h),
                    None => self.diags.push(
                        Diagnostic::error("E022", format!("annotation names unknown host `{n}`"))
                            .at(self.source, self.doc.elements[i].span.clone())
                            .help("use a host name, alias or IP that `rbc hosts` lists"),
                    ),
                },
            }
        }
        hosts.dedup();
        let line = self.doc.elements[i].line;
        Target::new(hosts, EvidenceKind::Annotation, line, "annotation")
    }

    fn draft(
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

    fn push(&mut self, i: usize, mut d: Draft) {
        if let Some(k) = self.annotation.as_ref().and_then(|a| a.kind) {
            d.kind = k;
        }
        // `hostnamectl set-hostname node1  # 改为当前主机名`: the value as written is one host's.
        if let Some(at) = self.per_host_value(&d) {
            d.evidence
                .push(Evidence::new(EvidenceKind::PerHostValue, at));
        }
        if d.source.is_empty() {
            d.source = self.doc.elements[i].text().to_string();
        }
        self.drafts.push(d);
        let idx = self.drafts.len() - 1;
        match &mut self.fates[i] {
            Fate::Steps(v) => v.push(idx),
            fate => *fate = Fate::Steps(vec![idx]),
        }
    }

    /// The line where the text says a value of this step differs per host, if it does: in the
    /// step's own lines (a comment on the command, a line of the content) or, for one command
    /// line, a comment on the line of the block it came from.
    fn per_host_value(&self, d: &Draft) -> Option<usize> {
        // One host's step carries that host's value; only a step on several can be wrong.
        if d.kind == StepKind::Note
            || d.hosts.len() < 2
            || self.annotation.as_ref().is_some_and(|a| a.hosts.is_some())
        {
            return None;
        }
        // The sentence before the block (`…分钟数按主机错开…，下面以 api01 为例：`).
        if let Some(lead) = self.lead_in(d.element) {
            let e = &self.doc.elements[lead];
            if lexicon::contains_any(e.text(), lexicon::PER_HOST_VALUE) {
                return Some(e.line);
            }
        }
        let content = match &d.action {
            Action::AppendBlock { content, .. }
            | Action::PrependBlock { content, .. }
            | Action::WriteFile { content, .. }
            | Action::ConfBlocks { content, .. } => content.as_str(),
            _ => "",
        };
        if lexicon::contains_any(&d.text, lexicon::PER_HOST_VALUE)
            || lexicon::contains_any(content, lexicon::PER_HOST_VALUE)
            || lexicon::contains_any(self.source.line_text(d.line), lexicon::PER_HOST_VALUE)
        {
            return Some(d.line);
        }
        // The sentence after the block (`其中 NODE_ROLE 在 bat02 上改为 standby`).
        if let Some(next) = self.doc.elements.get(d.element + 1) {
            let text = next.text();
            let changes =
                lexicon::contains_any(text, &["改为", "改成", "换成", "修改为", "替换为"]);
            let names_one = d.hosts.iter().any(|h| {
                inventory::ascii_words(text)
                    .into_iter()
                    .any(|w| self.inv.find(w) == Some(*h))
            });
            if matches!(
                next.kind,
                ElementKind::Paragraph { .. } | ElementKind::ListItem { .. }
            ) && changes
                && (names_one || lexicon::contains_any(text, lexicon::PER_HOST_VALUE))
            {
                return Some(next.line);
            }
        }
        // The content's own lines, when the edit came from a block after the step's line.
        let element = &self.doc.elements[d.element];
        if let ElementKind::Code {
            first_line,
            content: block,
            ..
        } = &element.kind
        {
            if !content.is_empty() {
                for (n, l) in block.lines().enumerate() {
                    if lexicon::contains_any(l, lexicon::PER_HOST_VALUE) {
                        return Some(first_line + n);
                    }
                }
            }
        }
        None
    }

    /// A step that is not executed: context, output, comments, advice.
    fn note(&mut self, i: usize, line: usize, text: &str, why: impl Into<String>) {
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

    fn warn(
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

    fn line_span(&self, line: usize) -> std::ops::Range<usize> {
        let start = self.source.line_start(line);
        start..start + self.source.line_text(line).len()
    }

    // ---- sentences -------------------------------------------------------------------------

    fn sentence(&mut self, i: usize, text: &str, lead_of_block: bool) {
        let element = &self.doc.elements[i];
        let line = element.line;
        let span = element.span.clone();
        // Where work happens is said in prose: names and addresses inside inline code
        // (`curl 10.0.0.2:80`) are what a command talks to.
        let prose = self.without_inline_code(i, text);
        // Scope: `X与Y相同` copies Y's steps; other host mentions set the scope that follows.
        let mut repeats = false;
        // What a repeat says before its exception (`…相同，但…`): the hosts; after it: a doubt.
        let exception_at = lexicon::EXCEPTION
            .iter()
            .filter_map(|w| prose.find(w))
            .min();
        let (core, exception) = match exception_at {
            Some(p) => (&prose[..p], !prose[p..].trim().is_empty()),
            None => (prose.as_str(), false),
        };
        if let Some((copies, model)) = scope::same_as(core, self.inv) {
            self.same_as.push(SameAs {
                section: self.section,
                copies,
                model,
                upto: self.drafts.len(),
                line,
                exception,
            });
            repeats = true;
        } else if lexicon::contains_any(text, lexicon::SAME_AGAIN) && !self.troubleshooting {
            // `mq-3上的操作同理`: the named hosts repeat what the section did so far on the last hosts.
            let group = self.current_group();
            // The hosts named, else those of the section's title (`### 5.2 web-2` + `同上。`).
            let named = scope::targets(&prose, self.inv, &group).or_else(|| {
                self.section
                    .and_then(|s| scope::title_group(&self.outline.sections[s].title, self.inv))
            });
            if let Some(t) = named {
                // The model: the last hosts with steps in this section, else in the one before
                // it under the same parent (`5.1 web-1` … `5.2 web-2: 同上`).
                let parent = self.section.and_then(|s| self.outline.sections[s].parent);
                let model: Vec<usize> = self
                    .drafts
                    .iter()
                    .rev()
                    .filter(|d| d.kind != StepKind::Note && !d.hosts.is_empty())
                    .find(|d| {
                        d.section == self.section
                            || d.section.is_some_and(|s| {
                                parent.is_some() && self.outline.sections[s].parent == parent
                            })
                    })
                    .map(|d| d.hosts.clone())
                    .unwrap_or_default();
                let copies: Vec<usize> = t
                    .hosts
                    .iter()
                    .copied()
                    .filter(|h| !model.contains(h))
                    .collect();
                if !model.is_empty() && !copies.is_empty() {
                    self.warn(
                        "W035",
                        element.span.clone(),
                        format!(
                            "`{}`: rbc repeats the steps done on {} for {}, one host after the other",
                            lexicon::SAME_AGAIN.iter().find(|w| text.contains(**w)).unwrap_or(&"同理"),
                            host_names(self.inv, &model),
                            host_names(self.inv, &copies)
                        ),
                        "check the plan (`rbc plan --host ...`); write the steps out if they differ",
                    );
                    self.same_as.push(SameAs {
                        section: self.section,
                        copies,
                        model,
                        upto: self.drafts.len(),
                        line,
                        exception,
                    });
                    repeats = true;
                }
            }
        } else if !self.troubleshooting {
            let group = self.current_group();
            // `loan-api01 上的结果应为：` describes output, it does not say where to work.
            let found = scope::targets(&prose, self.inv, &group)
                .filter(|_| !lexicon::contains_any(&prose, lexicon::OUTPUT_SHOWN));
            if found.is_none() {
                self.count_scope(&prose, line);
            }
            if let Some(t) = found {
                if t.hosts.len() > 1 && lexicon::contains_any(text, lexicon::ONE_AT_A_TIME) {
                    self.serial_scopes
                        .push((self.section, line, t.hosts.clone()));
                }
                // `操作服务器：` then `- web-1` / `- web-2`: a list of hosts, item by item.
                let host_item = matches!(element.kind, ElementKind::ListItem { .. })
                    && scope::only_hosts(text, self.inv);
                let continues = host_item && self.last_host_item.is_some_and(|p| p + 1 == i);
                match (&mut self.explicit, continues) {
                    (Some(e), true) => {
                        for h in t.hosts {
                            if !e.hosts.contains(&h) {
                                e.hosts.push(h);
                            }
                        }
                        e.why = format!("listed: {}", host_names(self.inv, &e.hosts));
                        e.kind = EvidenceKind::HostList;
                    }
                    _ => {
                        self.explicit_stale = false;
                        self.explicit = Some(Explicit {
                            hosts: t.hosts,
                            kind: if host_item {
                                EvidenceKind::HostList
                            } else {
                                EvidenceKind::Sentence
                            },
                            why: t.how,
                            line,
                            section: self.section,
                        });
                    }
                }
                if host_item {
                    self.last_host_item = Some(i);
                    self.note(i, line, text, "names a host for the steps that follow");
                    self.annotation = None;
                    return;
                }
            }
        }
        // Advice for when something fails (`注：如果遇到…，可以执行：`): it and the block it
        // introduces never run; the steps after it do.
        let advice = lexicon::is_advice_note(text)
            || (lexicon::is_troubleshooting(text)
                && lexicon::starts_with_any(text, &["如果", "如遇", "若", "万一"]));
        if advice {
            if lead_of_block {
                self.troubleshooting = true;
                self.fates[i] = Fate::LeadIn;
            } else {
                self.note(i, line, text, "troubleshooting advice; not executed");
            }
            self.annotation = None;
            return;
        }
        let uploaded = self.upload(i, text);
        if lead_of_block {
            if !uploaded && !self.first_clause_step(i, text) {
                self.fates[i] = Fate::LeadIn;
            }
            return;
        }
        if self.troubleshooting {
            self.note(i, line, text, "troubleshooting advice; not executed");
            self.annotation = None;
            return;
        }
        // Content given inline: `写入[rabbitmq_management,rabbitmq_tracing].`
        if let Some((path, _)) = self.pending_edit.clone() {
            if let Some(content) = inline_content(text) {
                let t = self.hosts_for(i, text);
                let action = Action::WriteFile {
                    path: path.clone(),
                    content: format!("{content}\n"),
                };
                let mut d = self.draft(i, StepKind::Converge, &t, line, text, action);
                d.source = text.to_string();
                self.push(i, d);
                self.pending_edit = None;
                self.annotation = None;
                return;
            }
        }
        if uploaded {
            self.annotation = None;
            return;
        }
        if repeats {
            self.note(
                i,
                line,
                text,
                "repeats earlier steps on more hosts (see their `why`)",
            );
            self.annotation = None;
            return;
        }
        if let Some((_, path, line_tpl, value)) = lexicon::CRON_RECIPES
            .iter()
            .find(|r| r.0.iter().all(|w| text.contains(w)))
        {
            let t = self.hosts_for_carry(i, text, false);
            if t.known() && !t.hosts.is_empty() {
                self.warn(
                    "W036",
                    self.doc.elements[i].span.clone(),
                    format!("the runbook gives no command; rbc adds `{line_tpl}` to {path}, with {value} asked once on each host"),
                    "write the crontab line in the runbook to use your own",
                );
                let action = Action::CronEntry {
                    path: path.to_string(),
                    line: line_tpl.to_string(),
                    value: value.to_string(),
                };
                let line = self.doc.elements[i].line;
                let d = self.draft(i, StepKind::Converge, &t, line, text, action);
                self.push(i, d);
                self.annotation = None;
                return;
            }
        }
        if self.inline_code_edit(i, text) {
            self.annotation = None;
            return;
        }
        // `执行 `systemctl restart nginx``: commands given inline in a sentence.
        let codes = self.doc.elements[i].codes.clone();
        let command_like = |c: &str| {
            classify::looks_like_command(c)
                || (!lexicon::has_cjk(c)
                    && c.split_whitespace().next().is_some_and(|w| {
                        w.chars()
                            .all(|ch| ch.is_ascii_alphanumeric() || "-_./".contains(ch))
                    }))
        };
        if lexicon::contains_any(text, lexicon::RUN_VERBS)
            && codes
                .first()
                .is_some_and(|c| classify::looks_like_command(c.trim()))
            && codes.iter().all(|c| command_like(c.trim()))
        {
            let t = self.hosts_for(i, text);
            let line = self.doc.elements[i].line;
            let lines: Vec<(usize, Line)> = codes
                .iter()
                .map(|c| (line, Line::Command(c.trim().to_string())))
                .collect();
            let phase = self.phase();
            self.commands(i, &lines, &t, phase, text);
            self.annotation = None;
            return;
        }
        let section_title = self
            .section
            .map(|s| self.outline.sections[s].title.clone())
            .unwrap_or_default();
        let is_item = matches!(element.kind, ElementKind::ListItem { .. });
        let prev_gui = is_item && self.previous_paragraph_is(i, lexicon::GUI);
        let note_like = lexicon::starts_with_any(text, lexicon::NOTE_PREFIX)
            || lexicon::contains_any(text, lexicon::INFORMATIONAL)
            || lexicon::contains_any(text, lexicon::SAME_AGAIN);
        let acts = lexicon::contains_any(text, lexicon::ACTION_VERBS)
            || (is_item
                && (self.previous_paragraph_is(i, lexicon::ACTION_VERBS)
                    || lexicon::contains_any(&section_title, lexicon::ACTION_VERBS)));
        let names_hosts = scope::targets(text, self.inv, &self.current_group()).is_some();
        let scope_only = names_hosts
            && (lexicon::contains_any(text, lexicon::SCOPE_ONLY)
                || lexicon::contains_any(text, lexicon::LOGIN)
                    && !lexicon::contains_any(text, &["点击", "执行", "使用", "检查"]));
        let manual = || Action::Manual {
            instruction: text.to_string(),
        };
        let (kind, action, target) = if lexicon::contains_any(text, lexicon::GUI) || prev_gui {
            (
                StepKind::Manual,
                manual(),
                Target::nowhere("done by a person in a browser, on no server"),
            )
        } else if lexicon::contains_any(text, lexicon::REBOOT) {
            (StepKind::Manual, manual(), self.hosts_for(i, text))
        } else if scope_only {
            (
                StepKind::Note,
                Action::Note,
                Target::nowhere("says which hosts the following steps run on"),
            )
        } else if acts && !note_like {
            let t = self.hosts_for_carry(i, text, false);
            let t = if t.known() {
                t
            } else {
                Target::nowhere("a person does it; no server named")
            };
            (StepKind::Manual, manual(), t)
        } else {
            (
                StepKind::Note,
                Action::Note,
                Target::nowhere("context for people; not executed"),
            )
        };
        let d = self.draft(i, kind, &target, line, text, action);
        self.push(i, d);
        let _ = span;
        self.annotation = None;
    }

    /// `在/etc/profile末尾追加一行 `export A=1``: an edit whose content is the sentence's inline code.
    fn inline_code_edit(&mut self, i: usize, text: &str) -> bool {
        self.try_inline_code_edit(i, text).is_some()
    }

    fn try_inline_code_edit(&mut self, i: usize, text: &str) -> Option<()> {
        let codes = self.doc.elements[i].codes.clone();
        if codes.is_empty() {
            return None;
        }
        let verb = edit_verb(text).filter(|v| v != "replace")?;
        let path = classify::paths_in(text)
            .into_iter()
            .find(|p| !codes.iter().any(|c| c.contains(p.as_str())))?;
        let content: Vec<&str> = codes
            .iter()
            .map(String::as_str)
            .filter(|c| *c != path)
            .collect();
        if content.is_empty() {
            return None;
        }
        let t = self.hosts_for(i, text);
        let line = self.doc.elements[i].line;
        self.edit(i, &verb, &path, &content.join("\n"), line, &t, text);
        Some(())
    }

    /// `获取证书…放到/etc/x，然后编辑配置文件：` — the clause before `然后` is its own manual step.
    fn first_clause_step(&mut self, i: usize, text: &str) -> bool {
        let Some(pos) = lexicon::THEN.iter().filter_map(|w| text.find(w)).min() else {
            return false;
        };
        let first = &text[..pos];
        if first.trim().is_empty()
            || !lexicon::contains_any(first, lexicon::ACTION_VERBS)
            || lexicon::contains_any(first, lexicon::UPLOAD)
            || lexicon::contains_any(first, lexicon::LOGIN)
        {
            return false;
        }
        let t = self.hosts_for_carry(i, text, false);
        let line = self.doc.elements[i].line;
        let d = self.draft(
            i,
            StepKind::Manual,
            &t,
            line,
            first.trim(),
            Action::Manual {
                instruction: first.trim().to_string(),
            },
        );
        self.push(i, d);
        true
    }

    fn previous_paragraph_is(&self, i: usize, words: &[&str]) -> bool {
        self.doc.elements[..i]
            .iter()
            .rev()
            .find(|e| {
                matches!(
                    e.kind,
                    ElementKind::Paragraph { .. }
                        | ElementKind::Heading { .. }
                        | ElementKind::Code { .. }
                )
            })
            .is_some_and(|e| lexicon::contains_any(e.text(), words))
    }

    /// `将FILE和FILE上传到HOST的/DIR下`: payload steps and artifacts. Returns true when it was one.
    fn upload(&mut self, i: usize, text: &str) -> bool {
        if !lexicon::contains_any(text, lexicon::UPLOAD)
            || lexicon::contains_any(text, lexicon::JUMP)
        {
            return false;
        }
        // `将A上传到web-1的/opt下；将B上传到db-1的/tmp下。`: each clause its own upload.
        let clauses: Vec<&str> = text
            .split(['；', ';', '。', '\n'])
            .filter(|c| lexicon::contains_any(c, lexicon::UPLOAD))
            .collect();
        if clauses.len() > 1 {
            let mut any = false;
            for clause in clauses {
                let files = self.file_names(i, clause);
                if files.is_empty() {
                    continue;
                }
                let dir = classify::paths_in(clause)
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| self.cwd.clone());
                let t = self.hosts_for(i, clause);
                let offset = text
                    .find(clause)
                    .map_or(0, |p| text[..p].matches('\n').count());
                let line = self.doc.elements[i].line + offset;
                for f in files {
                    self.payload(i, &f, &dir, &t, line);
                }
                any = true;
            }
            if any {
                return true;
            }
        }
        let files = self.file_names(i, text);
        let dir = classify::paths_in(text).into_iter().next();
        let t = self.hosts_for(i, text);
        if files.is_empty() {
            // `将Tomcat安装包上传到/home下`: the next block says which file.
            self.pending_upload = Some((
                dir.unwrap_or_else(|| self.cwd.clone()),
                t,
                self.doc.elements[i].line,
            ));
            return false;
        }
        let dir = dir.unwrap_or_else(|| self.cwd.clone());
        let line = self.doc.elements[i].line;
        for f in files {
            self.payload(i, &f, &dir, &t, line);
        }
        true
    }

    fn payload(&mut self, i: usize, file: &str, dir: &str, t: &Target, line: usize) {
        let names: Vec<String> = t
            .hosts
            .iter()
            .map(|h| self.inv.hosts[*h].name.clone())
            .collect();
        match self
            .artifacts
            .iter_mut()
            .find(|a| a.file == file && a.dir == dir)
        {
            Some(a) => {
                for n in &names {
                    if !a.hosts.contains(n) {
                        a.hosts.push(n.clone());
                    }
                }
            }
            None => self.artifacts.push(Artifact {
                file: file.to_string(),
                hosts: names,
                dir: dir.to_string(),
                line,
            }),
        }
        let action = Action::Payload {
            file: file.to_string(),
            dir: dir.to_string(),
        };
        let text = format!("{file} → {dir}");
        let d = self.draft(i, StepKind::Converge, t, line, &text, action);
        self.push(i, d);
    }

    /// File names in an upload sentence (`jdk-7u80-linux-x64.rpm`), not hosts or addresses.
    fn file_names(&mut self, i: usize, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c))) {
            let w = word.trim_matches(['.', '-']);
            let Some((_, ext)) = w.rsplit_once('.') else {
                continue;
            };
            if ext.is_empty()
                || ext.len() > 6
                || !ext.chars().all(|c| c.is_ascii_alphanumeric())
                || ext.chars().all(|c| c.is_ascii_digit())
            {
                continue;
            }
            if !inventory::ips_in(w).is_empty() || self.inv.find(w).is_some() || w.contains("..") {
                continue;
            }
            // `处理SQLupdate.sql`: an upper-case word glued to the file name by Chinese prose.
            let upper = w.chars().take_while(|c| c.is_ascii_uppercase()).count();
            let name = if upper >= 2 && w[upper..].starts_with(|c: char| c.is_ascii_lowercase()) {
                let fixed = &w[upper..];
                self.warn(
                    "W040",
                    self.doc.elements[i].span.clone(),
                    format!("read the file name `{w}` as `{fixed}`: `{}` looks like part of the sentence", &w[..upper]),
                    "put a space between the prose and the file name",
                );
                fixed.to_string()
            } else {
                w.to_string()
            };
            if !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }

    // ---- tables ----------------------------------------------------------------------------

    fn table(&mut self, i: usize, rows: &[Vec<String>]) {
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
    fn table_row(
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

    fn block(&mut self, i: usize, content: &str, first_line: usize, lead: Option<usize>) {
        let lead_text = self.lead_text(lead);
        let element_span = self.doc.elements[i].span.clone();
        let block_line = self.doc.elements[i].line;
        // Where the block's own lines begin (its first non-blank line): content and SQL steps
        // point there, not at the fence.
        let content_line = first_line
            + content
                .lines()
                .position(|l| !l.trim().is_empty())
                .unwrap_or(0);
        if lexicon::contains_any(&lead_text, lexicon::EXAMPLE)
            && !lexicon::contains_any(&lead_text, lexicon::TROUBLESHOOTING)
        {
            self.warn(
                "W032",
                element_span.clone(),
                "this block is given as an example (`如：`); rbc runs exactly what it shows, nothing more".into(),
                "list every case in the runbook, or mark the block `<!-- rbc: kind=manual -->`",
            );
        }
        let undone = self.undone_rename_hosts(content);
        // The host each line's prompt names (`[root@web-2 ~]#`), for the lines that show one
        // (`None`: a name rbc does not know).
        let line_hosts: Vec<(usize, Option<usize>)> = content
            .lines()
            .enumerate()
            .filter_map(|(n, l)| {
                let name = classify::prompt_host(l)?;
                Some((first_line + n, self.inv.find(&name)))
            })
            .collect();
        let mut prompt: Vec<usize> = Vec::new();
        for (_, h) in &line_hosts {
            if let Some(h) = h {
                if !prompt.contains(h) {
                    prompt.push(*h);
                }
            }
        }
        let unknown_prompt = line_hosts.iter().any(|(_, h)| h.is_none());
        let base = self.hosts_for_with(lead.unwrap_or(i), &lead_text, true, undone, &prompt);
        let (t, rest) = self.prompt_rules(base, &prompt, block_line);
        let phase = self.phase();
        let lines: Vec<(usize, Line)> = content
            .lines()
            .enumerate()
            .map(|(n, l)| (first_line + n, classify::parse_line(l)))
            .collect();
        let annotation = self.annotation.clone();
        // Under an announced edit (`在/etc/x末尾追加：`), `# text` lines are the file's comments
        // unless one of them is a real command.
        let announced_edit = !lexicon::contains_any(&lead_text, lexicon::SHOWS_EXISTING)
            && (annotation.as_ref().is_some_and(|a| a.edit.is_some())
                || edit_verb(&lead_text).is_some())
            && self.edit_target(&lead_text).is_some();
        let has_commands = lines.iter().any(|(_, l)| match l {
            Line::Sql(_) => true,
            Line::Command(c) => !announced_edit || classify::looks_like_command(c),
            _ => false,
        });
        let lines: Vec<(usize, Line)> = if has_commands {
            lines
        } else {
            content
                .lines()
                .enumerate()
                .map(|(n, l)| {
                    (
                        first_line + n,
                        if l.trim().is_empty() {
                            Line::Blank
                        } else {
                            Line::Plain(l.to_string())
                        },
                    )
                })
                .collect()
        };

        let alternative = lexicon::starts_with_any(&lead_text, lexicon::NOTE_PREFIX)
            && lexicon::contains_any(&lead_text, lexicon::ALTERNATIVE);
        if alternative {
            self.note(
                i,
                block_line,
                content.trim(),
                "an alternative way, shown for people; not executed",
            );
            self.annotation = None;
            return;
        }
        // `内容大致如下：` after a look: what it prints, shown for people.
        let runs_something = content.lines().any(|l| match classify::parse_line(l) {
            Line::Command(c) => classify::looks_like_command(&c),
            Line::Sql(_) => true,
            _ => false,
        });
        if lexicon::contains_any(&lead_text, lexicon::OUTPUT_SHOWN)
            && !lexicon::contains_any(&lead_text, lexicon::RUN_VERBS)
            && edit_verb(&lead_text).is_none()
            && !runs_something
        {
            self.note(
                i,
                block_line,
                content.trim(),
                "example output shown for people; not executed",
            );
            self.annotation = None;
            return;
        }
        if self.troubleshooting || lexicon::is_troubleshooting(&lead_text) || self.in_faq() {
            self.troubleshooting = false; // the advice covered this block only
            self.note(
                i,
                block_line,
                content.trim(),
                "troubleshooting advice; not executed",
            );
            self.annotation = None;
            return;
        }

        // Content for an edit: announced by prose, or by a pending `vim FILE`.
        let edit_verb = annotation
            .as_ref()
            .and_then(|a| a.edit.clone())
            .or_else(|| edit_verb(&lead_text));
        let shows_existing = lexicon::contains_any(&lead_text, lexicon::SHOWS_EXISTING);
        if !has_commands {
            let plain: Vec<&str> = content.lines().filter(|l| !l.trim().is_empty()).collect();
            if shows_existing && edit_verb.as_deref() != Some("write") {
                self.excerpt = Some(content.to_string());
                let shown = Target {
                    hosts: Vec::new(),
                    evidence: vec![Evidence::new(EvidenceKind::Excerpt, block_line)],
                    why: format!(
                        "existing content shown for reference on {}; not executed",
                        host_names(self.inv, &t.hosts)
                    ),
                };
                let d = self.draft(
                    i,
                    StepKind::Note,
                    &shown,
                    block_line,
                    content.trim(),
                    Action::Note,
                );
                self.push(i, d);
                self.annotation = None;
                return;
            }
            let target = annotation
                .as_ref()
                .and_then(|a| a.file.clone())
                .or_else(|| self.edit_target(&lead_text));
            if let (Some(verb), Some(path)) = (edit_verb.clone(), target.clone()) {
                self.edit(i, &verb, &path, content, content_line, &t, &lead_text);
                self.annotation = None;
                return;
            }
            // A prompt-less SQL block: its first line starts with a SQL keyword.
            if plain.first().is_some_and(|l| classify::looks_like_sql(l)) {
                let statements = classify::sql_statements(
                    &plain.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                );
                self.sql(i, content_line, None, statements, &t, &lead_text, content);
                self.annotation = None;
                return;
            }
            // A block of commands without prompts: every line starts a command, except the
            // lines of a here-document and lines continued with `\`.
            // Content announced as an edit is never run as commands, even when rbc cannot name
            // its file (`配置环境变量：` over `export …` lines).
            if let Some(as_commands) = promptless_commands(&lines, content, first_line) {
                // Lines that only set variables (`export JAVA_HOME=…`) are content to keep in
                // a file, not commands: with an edit announced and no file named, manual.
                let sets_variables = as_commands
                    .iter()
                    .any(|(_, l)| matches!(l, Line::Command(c) if is_assignment(c)));
                let announced = lexicon::contains_any(&lead_text, lexicon::EDIT_STRONG)
                    || (edit_verb.is_some() && sets_variables);
                if !announced {
                    self.commands(i, &as_commands, &t, phase, &lead_text);
                    self.annotation = None;
                    return;
                }
            }
            let reason = if edit_verb.is_some() {
                "says to edit a file but rbc cannot tell which file"
            } else {
                "rbc cannot tell what this block is (no command prompt, no edit announced)"
            };
            self.warn("W020", element_span, format!("block {reason}; it becomes a manual step"), "announce the file (`在/etc/x.conf末尾补充如下内容：`) or add `<!-- rbc: edit=append file=/path -->`");
            let action = Action::Manual {
                instruction: format!("{lead_text}\n{content}").trim().to_string(),
            };
            let mut d = self.draft(
                i,
                StepKind::Manual,
                &t,
                content_line,
                content.trim(),
                action,
            );
            d.source = format!("{lead_text}\n{content}");
            self.push(i, d);
            self.annotation = None;
            return;
        }
        self.missing_clauses(i, lead, &lead_text, &lines, &t);
        // Lines under prompts naming different hosts go to their own hosts, each run of lines
        // under one prompt after the other.
        let annotated = t
            .evidence
            .iter()
            .any(|e| e.kind == EvidenceKind::Annotation);
        if (prompt.len() > 1 || unknown_prompt) && !annotated {
            let strong = is_strong(&t);
            let mut start = 0;
            while start < lines.len() {
                // `Some(None)`: under a prompt naming a host rbc does not know.
                let host_at = |k: usize| {
                    line_hosts
                        .iter()
                        .rev()
                        .find(|(l, _)| *l <= lines[k].0)
                        .map(|(_, h)| *h)
                };
                let host = host_at(start);
                let mut end = start + 1;
                while end < lines.len() && host_at(end) == host {
                    end += 1;
                }
                let run_target = match host {
                    Some(Some(h)) => {
                        let on = Target::new(
                            vec![h],
                            EvidenceKind::Prompt,
                            lines[start].0,
                            format!("the prompt shows {}", self.inv.hosts[h].name),
                        );
                        if strong && !t.hosts.contains(&h) {
                            on.with(EvidenceKind::PromptDisagrees, lines[start].0, "")
                        } else {
                            on
                        }
                    }
                    Some(None) => Target::nowhere("the prompt names a host rbc does not know"),
                    None => t.clone(),
                };
                // Hosts the sentence names that no prompt of the block shows: a person's step.
                let uncovered: Vec<usize> = t
                    .hosts
                    .iter()
                    .copied()
                    .filter(|h| strong && !prompt.contains(h))
                    .collect();
                let rest = (!uncovered.is_empty() && host.is_some()).then(|| Target {
                    hosts: uncovered,
                    ..t.clone()
                        .with(EvidenceKind::PromptShowsOther, lines[start].0, "")
                });
                self.commands_and_rest(i, &lines[start..end], &run_target, rest, phase, &lead_text);
                start = end;
            }
        } else {
            self.commands_and_rest(i, &lines, &t, rest, phase, &lead_text);
        }
        self.annotation = None;
    }

    /// The lines on `t`, then the same lines on `rest` (other hosts whose evidence is weaker,
    /// so their steps are manual), each from the shell state the block started in.
    fn commands_and_rest(
        &mut self,
        i: usize,
        lines: &[(usize, Line)],
        t: &Target,
        rest: Option<Target>,
        phase: Phase,
        lead: &str,
    ) {
        let Some(rest) = rest else {
            self.commands(i, lines, t, phase, lead);
            return;
        };
        let before = self.shell_state();
        self.commands(i, lines, t, phase, lead);
        let after = self.shell_state();
        self.set_shell_state(before);
        self.commands(i, lines, &rest, phase, lead);
        self.set_shell_state(after);
    }

    fn shell_state(&self) -> ShellState {
        ShellState {
            cwd: self.cwd.clone(),
            pending_cd: self.pending_cd.clone(),
            pending_edit: self.pending_edit.clone(),
            sql_session: self.sql_session.clone(),
            pending_upload: self.pending_upload.clone(),
        }
    }

    fn set_shell_state(&mut self, s: ShellState) {
        self.cwd = s.cwd;
        self.pending_cd = s.pending_cd;
        self.pending_edit = s.pending_edit;
        self.sql_session = s.sql_session;
        self.pending_upload = s.pending_upload;
    }

    /// A prompt that names the host is stronger than a section title or a carried-over guess;
    /// a sentence (or annotation, table row, host list) is stronger than a prompt, but a prompt
    /// naming a host the sentence does not is a doubt. Returns the target and, when the prompt
    /// narrowed weaker evidence to its host, the other hosts that evidence gave (manual there).
    fn prompt_rules(
        &self,
        base: Target,
        prompt: &[usize],
        line: usize,
    ) -> (Target, Option<Target>) {
        let [one] = prompt else {
            return (base, None);
        };
        if is_strong(&base) {
            if base.hosts.contains(one) {
                return (base, None);
            }
            let why = format!("the prompt shows {}", self.inv.hosts[*one].name);
            return (base.with(EvidenceKind::PromptDisagrees, line, &why), None);
        }
        if base.evidence.iter().any(|e| e.kind == EvidenceKind::Prompt) {
            return (base, None);
        }
        let name = &self.inv.hosts[*one].name;
        let on = Target::new(
            vec![*one],
            EvidenceKind::Prompt,
            line,
            format!("the prompt shows {name}"),
        );
        let others: Vec<usize> = base.hosts.iter().copied().filter(|h| h != one).collect();
        let rest = (base.hosts.contains(one) && !others.is_empty()).then(|| {
            let why = format!("; the prompt shows only {name}");
            Target {
                hosts: others,
                ..base.with(EvidenceKind::PromptShowsOther, line, &why)
            }
        });
        (on, rest)
    }

    /// A lead-in clause whose verb no command of the block does: a warning and a manual step.
    fn missing_clauses(
        &mut self,
        i: usize,
        lead: Option<usize>,
        lead_text: &str,
        lines: &[(usize, Line)],
        t: &Target,
    ) {
        let Some(lead) = lead else { return };
        let commands: Vec<String> = lines
            .iter()
            .filter_map(|(_, l)| match l {
                Line::Command(c) | Line::Sql(c) => Some(c.to_ascii_lowercase()),
                _ => None,
            })
            .collect();
        for clause in lead_text.split(['，', ',', '；', ';', '：', ':', '。']) {
            let clause = clause.trim();
            if clause.contains("即可") {
                break; // what follows `即可` is the result, not more work
            }
            if clause.is_empty()
                || lexicon::contains_any(clause, lexicon::CLAUSE_SKIP)
                || lexicon::contains_any(clause, lexicon::UPLOAD)
            {
                continue;
            }
            let missing = lexicon::VERB_FAMILIES.iter().any(|(verbs, cmds)| {
                verbs.iter().any(|v| lexicon::has_verb(clause, v))
                    && !commands.iter().any(|c| cmds.iter().any(|w| c.contains(w)))
            });
            if missing {
                let span = self.doc.elements[lead].span.clone();
                self.warn(
                    "W027",
                    span,
                    format!("the sentence says `{clause}` but the block after it does not do that; rbc makes it a manual step"),
                    "add the command to the block, or reword the sentence",
                );
                let line = self.doc.elements[lead].line;
                let t = if t.guess().is_some() {
                    Target::nowhere("a person does it; no server named")
                } else {
                    t.clone()
                };
                let d = self.draft(
                    lead,
                    StepKind::Manual,
                    &t,
                    line,
                    clause,
                    Action::Manual {
                        instruction: clause.to_string(),
                    },
                );
                self.push(lead, d);
                let _ = i;
            }
        }
    }

    /// The file an edit is for: a pending `vim FILE`, or a path in the lead-in.
    fn edit_target(&self, lead: &str) -> Option<String> {
        let in_lead = classify::paths_in(lead)
            .into_iter()
            .find(|p| !p.ends_with('/'));
        match (&self.pending_edit, in_lead) {
            (_, Some(p)) if p.contains('.') || p.starts_with("/etc/") => Some(p),
            (Some((p, _)), _) => Some(p.clone()),
            (None, Some(p)) => Some(p),
            (None, None) => None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn edit(
        &mut self,
        i: usize,
        verb: &str,
        path: &str,
        content: &str,
        line: usize,
        t: &Target,
        lead: &str,
    ) {
        let span = self.doc.elements[i].span.clone();
        if let Some(found) = lexicon::literal_credential(content) {
            self.warn(
                "W037",
                span.clone(),
                format!("a credential is written in the runbook (`{found}`): {path} is installed mode 0600, but the runbook and the bundles hold it in clear"),
                "keep runbooks free of passwords; use a value the operator gives on the host",
            );
        }
        let lines: Vec<String> = content
            .lines()
            .map(|l| l.trim_end().to_string())
            .filter(|l| !l.trim().is_empty())
            .collect();
        let nested = content.contains('{') && content.contains('}')
            || self
                .excerpt
                .as_deref()
                .is_some_and(|e| e.contains('{') && e.contains('}'));
        let name = path.rsplit('/').next().unwrap_or(path);
        let mut doubt: Option<String> = None;
        // Whole nginx blocks: put by name (replace), or in `http` when they belong there (add).
        let blocks = (verb != "write" && path.contains("nginx")).then(|| {
            crate::confblocks::blocks(content).and_then(|bs| {
                match bs
                    .iter()
                    .find(|b| verb != "replace" && !crate::confblocks::goes_in_http(b))
                {
                    Some(b) => Err(format!("`{}` has no certain place in the file", b.name)),
                    None => Ok(bs),
                }
            })
        });
        let mut typed = match &blocks {
            Some(Ok(bs)) => Some(Action::ConfBlocks {
                path: path.to_string(),
                content: ensure_newline(content.trim_matches('\n')),
                blocks: bs.iter().map(|b| b.name.clone()).collect(),
                replace: verb == "replace",
            }),
            _ => None,
        };
        let action = match verb {
            "write" => Action::WriteFile {
                path: path.to_string(),
                content: ensure_newline(content.trim_start_matches('\n')),
            },
            _ if path.contains("iptables")
                && lines.iter().all(|l| {
                    l.trim_start().starts_with("-A ") || l.trim_start().starts_with("-I ")
                }) =>
            {
                Action::FirewallRules {
                    path: path.to_string(),
                    rules: lines.iter().map(|l| l.trim().to_string()).collect(),
                }
            }
            _ if typed.is_some() => typed.take().unwrap_or(Action::Note),
            _ if nested && verb != "write" => {
                doubt = Some(match &blocks {
                    Some(Err(why)) => format!(
                        "where inside the nested configuration of {name} this goes is not certain: {why}"
                    ),
                    _ => format!(
                        "where inside the nested configuration of {name} this goes is not certain"
                    ),
                });
                Action::Manual {
                    instruction: format!("{lead}\n{}", content.trim()),
                }
            }
            "replace" => match self.replaced_line(&lines) {
                Some((old, new)) => Action::ReplaceLine {
                    path: path.to_string(),
                    old,
                    new,
                },
                None => {
                    doubt = Some(format!(
                        "rbc cannot tell which line of {name} this replaces"
                    ));
                    Action::Manual {
                        instruction: format!("{lead}\n{}", content.trim()),
                    }
                }
            },
            _ if path == "/etc/hosts" => Action::EnsureLines {
                path: path.to_string(),
                lines,
            },
            // `在 backend order_back 段中增加`, `在[mysqld]下添加`: inside a part of the file,
            // not at its end; where that part ends rbc does not know.
            _ if in_a_part(lead) => {
                doubt = Some(format!(
                    "the runbook puts this inside a part of {name} (`{}`), not at its end",
                    lead.trim()
                ));
                Action::Manual {
                    instruction: format!("{lead}\n{}", content.trim()),
                }
            }
            "add" if name.ends_with(".sh") => Action::PrependBlock {
                path: path.to_string(),
                content: ensure_newline(content.trim()),
            },
            _ => Action::AppendBlock {
                path: path.to_string(),
                content: ensure_newline(content.trim_matches('\n')),
            },
        };
        let kind = if matches!(action, Action::Manual { .. }) {
            StepKind::Manual
        } else {
            StepKind::Converge
        };
        if let Some(d) = &doubt {
            let help = if blocks.is_some() {
                "show whole blocks: an `upstream NAME {…}` or a `server {…}` with its server_name to add, or the block as it must be after the change; or mark the block `<!-- rbc: kind=manual -->`"
            } else {
                "make the edit precise (whole lines to add, or `修改A为B` with one line each), or mark the block `<!-- rbc: kind=manual -->`"
            };
            self.warn(
                "W021",
                span,
                format!("edit of {path}: {d}; it becomes a manual step"),
                help,
            );
        }
        let kind = if t.known() { kind } else { StepKind::Manual };
        let text = format!("{} {path}", edit_word(verb));
        let mut d = self.draft(i, kind, t, line, &text, action);
        d.source = format!("{lead}\n{content}");
        self.push(i, d);
    }

    /// For a one-line replacement: the line of the shown excerpt with the same key.
    fn replaced_line(&self, new_lines: &[String]) -> Option<(String, String)> {
        if new_lines.len() != 1 {
            return None;
        }
        let new = new_lines[0].trim().to_string();
        let excerpt = self.excerpt.as_ref()?;
        let key = line_key(&new)?;
        let candidates: Vec<&str> = excerpt
            .lines()
            .map(str::trim)
            .filter(|l| line_key(l).as_deref() == Some(key.as_str()) && *l != new)
            .collect();
        match candidates.as_slice() {
            [one] => Some((one.to_string(), new)),
            _ => None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn sql(
        &mut self,
        i: usize,
        line: usize,
        client: Option<String>,
        statements: Vec<String>,
        t: &Target,
        lead: &str,
        content: &str,
    ) {
        // Lines at a redis-cli / psql / mongo prompt with no client line: that client, not mysql.
        if client.is_none() && self.sql_session.is_none() {
            if let Some(cmd) = classify::prompt_client(content) {
                self.client_session(i, line, cmd, &statements, t, format!("{lead}\n{content}"));
                return;
            }
        }
        let annotation = self.annotation.clone();
        let mut database = annotation
            .as_ref()
            .and_then(|a| a.db.clone())
            .or_else(|| self.sql_session.as_ref().and_then(|s| s.1.clone()));
        let mut body = Vec::new();
        let mut ended = false;
        for s in statements {
            let lower = s.to_ascii_lowercase();
            if let Some(db) = lower.strip_prefix("use ") {
                database = Some(
                    s[4..4 + db.trim().len()]
                        .trim()
                        .trim_end_matches(';')
                        .to_string(),
                );
                continue;
            }
            if lower == "exit" || lower == "quit" {
                ended = true;
                continue;
            }
            body.push(s);
        }
        // The session goes on in later blocks, with the database `use` chose, until `exit`.
        let session_client = client
            .clone()
            .or_else(|| self.sql_session.as_ref().map(|s| s.0.clone()));
        self.sql_session = match (ended, &session_client) {
            (false, Some(c)) => Some((c.clone(), database.clone())),
            _ => None,
        };
        if body.is_empty() {
            self.note(
                i,
                line,
                content.trim(),
                "opens a database session; its statements follow",
            );
            return;
        }
        // The session's client, even when this block ends it with `exit`.
        let client = session_client;
        let client_known = client.is_some();
        let client = client.unwrap_or_else(|| "mysql".to_string());
        let read_only = body.iter().all(|s| classify::sql_is_read_only(s));
        let destructive = body.iter().any(|s| classify::sql_is_destructive(s));
        let counts = body.iter().all(|s| classify::sql_is_count(s));
        let expect_zero = annotation
            .as_ref()
            .and_then(|a| a.expect_zero)
            .unwrap_or(counts && lexicon::contains_any(lead, &["检查", "确认", "check"]));
        if !client_known {
            self.warn(
                "W023",
                self.doc.elements[i].span.clone(),
                "SQL with no client command: rbc runs it with `mysql`".into(),
                "show the client line (`# mysql -uroot -p`) or keep the default",
            );
        }
        let kind = if destructive {
            StepKind::Manual
        } else if read_only {
            StepKind::Check
        } else {
            StepKind::Once
        };
        let kind = if t.known() { kind } else { StepKind::Manual };
        let summary_text = body
            .iter()
            .map(|s| s.replace('\n', " "))
            .collect::<Vec<_>>()
            .join("; ");
        let action = Action::Sql {
            client,
            database,
            statements: body,
            expect_zero,
        };
        let mut d = self.draft(i, kind, t, line, &summary_text, action);
        d.source = format!("{lead}\n{content}");
        self.push(i, d);
    }

    #[allow(clippy::too_many_arguments)]
    fn commands(
        &mut self,
        i: usize,
        lines: &[(usize, Line)],
        t: &Target,
        phase: Phase,
        lead: &str,
    ) {
        let sure = t.known();
        let content: String = self.doc.elements[i].text().to_string();
        let block_source = match &self.doc.elements[i].kind {
            ElementKind::Code { content, .. } => content.clone(),
            _ => content,
        };
        let mut k = 0;
        while k < lines.len() {
            let (line, l) = &lines[k];
            let line = *line;
            match l {
                Line::Blank => {}
                Line::Comment(c) => {
                    self.note(i, line, c, "a comment in the block; not executed");
                }
                Line::Plain(p) => {
                    self.note(
                        i,
                        line,
                        p.trim(),
                        "output or text in the block; not executed",
                    );
                }
                Line::Sql(_) => {
                    // Statements typed into an open session (from an earlier block).
                    let start = line;
                    let (stmts, next) = self.collect_sql(i, lines, k);
                    k = next;
                    let statements = classify::sql_statements(&stmts);
                    self.sql(i, start, None, statements, t, lead, &block_source);
                    continue;
                }
                Line::Command(raw) => {
                    // `mkdir app && cd app` on the line before: this one runs in app.
                    if let Some(dir) = self.pending_cd.take() {
                        self.cwd = dir;
                    }
                    // The prompt's directory (`[root@web-1 conf]#`) says where this line runs.
                    let sure = self.prompt_directory(line, raw) && sure;
                    let mut cmd = self.strip_comment(raw, line);
                    // `cmd \` continued on the next lines: one command.
                    while cmd.ends_with('\\') && k + 1 < lines.len() {
                        k += 1;
                        let next = self.source.line_text(lines[k].0).trim();
                        let next = next.strip_prefix("> ").unwrap_or(next);
                        cmd = format!("{} {}", cmd.trim_end_matches('\\').trim_end(), next.trim());
                    }
                    // `cat > FILE <<EOF` … `EOF`: the lines up to the delimiter are the command's input.
                    if let Some(delim) = classify::heredoc_delimiter(&cmd) {
                        let mut body = Vec::new();
                        let mut j = k + 1;
                        let mut closed = false;
                        while j < lines.len() {
                            let text = self.source.line_text(lines[j].0);
                            if text.trim() == delim {
                                closed = true;
                                break;
                            }
                            body.push(text.to_string());
                            j += 1;
                        }
                        if !closed {
                            self.warn(
                                "W028",
                                self.line_span(line),
                                format!("`{cmd}`: the here-document never ends with `{delim}`"),
                                "close it with a line holding only the delimiter",
                            );
                        }
                        // The command as written, with its here-document.
                        let written = format!(
                            "{cmd}\n{}{}",
                            body.iter().map(|l| format!("{l}\n")).collect::<String>(),
                            if closed { delim.as_str() } else { "" }
                        );
                        let content = if body.is_empty() {
                            String::new()
                        } else {
                            body.join("\n") + "\n"
                        };
                        let action = match classify::heredoc_target(&cmd) {
                            Some((path, false)) => Action::WriteFile {
                                path: classify::resolve(&self.cwd, &path),
                                content,
                            },
                            Some((path, true)) => Action::AppendBlock {
                                path: classify::resolve(&self.cwd, &path),
                                content,
                            },
                            None => Action::Run {
                                command: format!("{cmd}\n{content}{delim}"),
                            },
                        };
                        let kind = if !closed || !sure {
                            StepKind::Manual
                        } else {
                            kind_of(&action)
                        };
                        let mut d = self.draft(i, kind, t, line, written.trim_end(), action);
                        d.cwd = Some(self.cwd.clone());
                        d.source = block_source.clone();
                        self.push(i, d);
                        k = j + 1;
                        continue;
                    }
                    let words: Vec<&str> = cmd.split_whitespace().collect();
                    let prog = words.first().copied().unwrap_or("");
                    // `… && cd DIR` / `…; cd DIR`: the lines after run in DIR.
                    if words.len() > 2 {
                        if let Some(dir) = chained_cd(&cmd) {
                            let to = classify::resolve(&self.cwd, &dir);
                            let to = to.trim_end_matches('/');
                            self.pending_cd = Some(if to.is_empty() {
                                "/".into()
                            } else {
                                to.to_string()
                            });
                        }
                    }
                    if classify::is_root_shell(&cmd) {
                        self.note(
                            i,
                            line,
                            &cmd,
                            "opens a root shell; the bundle already runs as root",
                        );
                        k += 1;
                        continue;
                    }
                    // `cd DIR`: later commands of the section run there.
                    if prog == "cd" && words.len() <= 2 {
                        self.cwd = words
                            .get(1)
                            .map(|d| classify::resolve(&self.cwd, d))
                            .unwrap_or_else(|| HOME.to_string());
                        self.cwd = self.cwd.trim_end_matches('/').to_string();
                        if self.cwd.is_empty() {
                            self.cwd = "/".into();
                        }
                        let only_cd = lines[k + 1..].iter().all(|(_, l)| matches!(l, Line::Blank | Line::Command(_)) && !matches!(l, Line::Command(c) if !c.trim_start().starts_with("cd ")));
                        if only_cd {
                            self.note(
                                i,
                                line,
                                &cmd,
                                format!(
                                    "sets the directory ({}) for the commands that follow",
                                    self.cwd
                                ),
                            );
                        }
                        k += 1;
                        continue;
                    }
                    // `vim FILE`: the content that follows (here or in the next block) is the edit.
                    if matches!(prog, "vim" | "vi" | "nano" | "emacs") && words.len() >= 2 {
                        let path = classify::resolve(&self.cwd, words[words.len() - 1]);
                        self.pending_edit = Some((path.clone(), line));
                        let mut body = Vec::new();
                        let mut j = k + 1;
                        while j < lines.len() && matches!(lines[j].1, Line::Plain(_) | Line::Blank)
                        {
                            if let Line::Plain(p) = &lines[j].1 {
                                body.push(p.clone());
                            }
                            j += 1;
                        }
                        if !body.is_empty() {
                            let verb = edit_verb(lead).unwrap_or_else(|| "add".to_string());
                            let content = body.join("\n");
                            self.edit(i, &verb, &path, &content, line, t, lead);
                            self.pending_edit = None;
                            k = j;
                            continue;
                        }
                        if self.next_block_is_content(i) {
                            self.note(
                                i,
                                line,
                                &cmd,
                                format!("opens {path}; the edit is the next block"),
                            );
                        } else if let Some((value, from)) =
                            self.value_from_other_host(i, &path, &t.hosts)
                        {
                            // `将rabbit1上获取的X文件内容覆盖到rabbit2上的该文件`: the content is a value the
                            // operator reads on another host and gives once; never the runbook's example.
                            let action = Action::WriteValue {
                                path: path.clone(),
                                value,
                                from,
                            };
                            let kind = if sure {
                                StepKind::Converge
                            } else {
                                StepKind::Manual
                            };
                            let mut d = self.draft(i, kind, t, line, &cmd, action);
                            d.source =
                                format!("{lead}\n{block_source}\n{}", self.following_prose(i));
                            self.push(i, d);
                        } else {
                            // Nothing says what to write: a person edits, following the prose.
                            let following = self.following_prose(i);
                            let instruction = format!(
                                "edit {path}: {}",
                                if following.is_empty() {
                                    lead.to_string()
                                } else {
                                    following.clone()
                                }
                            );
                            let mut d = self.draft(
                                i,
                                StepKind::Manual,
                                t,
                                line,
                                &cmd,
                                Action::Manual { instruction },
                            );
                            d.source = format!("{lead}\n{block_source}\n{following}");
                            self.push(i, d);
                        }
                        k += 1;
                        continue;
                    }
                    // Another client (`psql`, `redis-cli`) followed by its prompt's lines: the client
                    // runs once with those lines as its input, never left waiting at a prompt.
                    if !matches!(prog, "mysql" | "mariadb")
                        && matches!(lines.get(k + 1).map(|l| &l.1), Some(Line::Sql(_)))
                    {
                        let (stmts, j) = self.collect_sql(i, lines, k + 1);
                        self.client_session(i, line, &cmd, &stmts, t, block_source.clone());
                        k = j;
                        continue;
                    }
                    // `mysql -p` followed by `mysql>` lines: one SQL step.
                    if (prog == "mysql" || prog == "mariadb")
                        && !cmd.contains('<')
                        && !cmd.contains(" -e")
                    {
                        let (stmts, j) = self.collect_sql(i, lines, k + 1);
                        // The database named on the client line is given once, by rbc_sql.
                        let (client, db) = classify::mysql_client_and_db(&words);
                        self.sql_session = Some((client.clone(), db));
                        let statements = classify::sql_statements(&stmts);
                        self.sql(i, line, Some(client), statements, t, lead, &block_source);
                        k = j;
                        continue;
                    }
                    // `ps -ef | grep X` + `kill -N <PID>`: find and stop the processes.
                    if let Some((pattern, signal, used)) = stop_idiom(&lines[k..]) {
                        let text = format!(
                            "{cmd}; {}",
                            match &lines[k + used - 1].1 {
                                Line::Command(c) => c.clone(),
                                _ => String::new(),
                            }
                        );
                        let action = Action::StopProcesses { pattern, signal };
                        let kind = if sure {
                            StepKind::Converge
                        } else {
                            StepKind::Manual
                        };
                        let mut d = self.draft(i, kind, t, line, &text, action);
                        d.source = block_source.clone();
                        d.cwd = Some(self.cwd.clone());
                        self.push(i, d);
                        k += used;
                        continue;
                    }
                    let c = classify::command(&cmd, &self.cwd);
                    // `more FILE` followed by lines: those lines are example output.
                    let mut action = c.action;
                    if let Some((dir, up_hosts, up_line)) = self.pending_upload.clone() {
                        if let Action::Extract { archive, .. }
                        | Action::RpmInstall { file: archive } = &action
                        {
                            if let Some((adir, file)) = archive.rsplit_once('/') {
                                if adir == dir {
                                    let why_up = format!("upload sentence (line {up_line}) names no file; {file} is the one unpacked here");
                                    let up = if up_hosts.hosts.is_empty() {
                                        t.clone()
                                    } else {
                                        up_hosts
                                    };
                                    let up = Target { why: why_up, ..up };
                                    self.payload(i, file, &dir, &up, up_line);
                                    self.pending_upload = None;
                                }
                            }
                        }
                    }
                    let mut kind = kind_of(&action);
                    if let Some(doubt) = &c.doubt {
                        let (message, help) = if matches!(action, Action::Manual { .. }) {
                            (
                                doubt.clone(),
                                "the bundle shows it and waits for the operator: a manual step",
                            )
                        } else {
                            (
                                format!("`{cmd}`: {doubt}"),
                                "check the command; rbc keeps it as written",
                            )
                        };
                        self.warn("W024", self.line_span(line), message, help);
                    }
                    if matches!(action, Action::Manual { .. }) {
                        kind = StepKind::Manual;
                    }
                    if c.destructive
                        || (phase == Phase::Rollback
                            && matches!(action, Action::Run { .. })
                            && is_destructive_cmd(&cmd))
                    {
                        kind = StepKind::Manual;
                        self.warn(
                            "W025",
                            self.line_span(line),
                            format!(
                                "`{cmd}` destroys data: it runs only after the operator confirms"
                            ),
                            "this is intended for rollback or cleanup; keep it manual",
                        );
                    }
                    if !sure && kind != StepKind::Note {
                        if kind != StepKind::Manual {
                            action = Action::Manual {
                                instruction: format!("run `{cmd}` on the right host"),
                            };
                        }
                        kind = StepKind::Manual;
                    }
                    let nowhere = Target::nowhere(t.why.clone());
                    let on = if kind == StepKind::Note { &nowhere } else { t };
                    let mut d = self.draft(i, kind, on, line, &cmd, action);
                    d.cwd = Some(self.cwd.clone());
                    d.source = block_source.clone();
                    self.push(i, d);
                }
            }
            k += 1;
        }
        if !sure {
            self.warn(
                "W031",
                self.doc.elements[i].span.clone(),
                "rbc cannot tell which hosts this block runs on; its steps are manual".into(),
                "name the hosts before the block (`登录web-1`) or add `<!-- rbc: hosts=... -->`",
            );
        }
    }

    /// The prose after `vim FILE` says to copy the file's content from another host: the value's
    /// name (from the file name) and that host.
    fn value_from_other_host(
        &self,
        i: usize,
        path: &str,
        hosts: &[usize],
    ) -> Option<(String, String)> {
        let following = self.following_prose(i);
        if !lexicon::contains_any(&following, lexicon::COPY_FROM) {
            return None;
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        let source = inventory::ascii_words(&following)
            .into_iter()
            .filter_map(|w| self.inv.find(w))
            .find(|h| {
                !hosts.contains(h) && self.inv.hosts[*h].kind == crate::plan::HostKind::Server
            })?;
        let value: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_uppercase()
                } else {
                    '_'
                }
            })
            .collect::<String>()
            .trim_matches('_')
            .to_string();
        (!value.is_empty()).then(|| (value, self.inv.hosts[source].name.clone()))
    }

    /// The `mysql>` lines from `from` on (comments become notes); returns them and the next index.
    /// A client other than mysql (`psql`, `redis-cli`, `mongo`) with the lines typed at its
    /// prompt: the client runs once with those lines as its input, never left waiting.
    #[allow(clippy::too_many_arguments)]
    fn client_session(
        &mut self,
        i: usize,
        line: usize,
        cmd: &str,
        stmts: &[String],
        t: &Target,
        source: String,
    ) {
        let read_only = stmts.iter().all(|s| {
            let l = s.trim_start().to_ascii_lowercase();
            classify::sql_is_read_only(&l)
                || lexicon::starts_with_any(&l, lexicon::CLIENT_READS)
                || lexicon::contains_any(&l, &[".find(", ".count(", ".stats(", "rs.status()"])
        });
        let destructive = stmts.iter().any(|s| {
            classify::sql_is_destructive(s)
                || lexicon::contains_any(&s.to_ascii_lowercase(), lexicon::DESTRUCTIVE)
                || s.to_ascii_lowercase().starts_with("del ")
        });
        let command = format!("{cmd} <<'RBC_INPUT'\n{}\nRBC_INPUT", stmts.join("\n"));
        let kind = if !t.known() || destructive {
            StepKind::Manual
        } else if read_only {
            StepKind::Check
        } else {
            StepKind::Once
        };
        if destructive {
            self.warn(
                "W025",
                self.line_span(line),
                format!("`{cmd}` session deletes data: it runs only after the operator confirms"),
                "this is intended for rollback or cleanup; keep it manual",
            );
        }
        let action = if read_only {
            Action::Probe {
                command: command.clone(),
            }
        } else {
            Action::Run {
                command: command.clone(),
            }
        };
        let mut d = self.draft(i, kind, t, line, &command, action);
        d.cwd = Some(self.cwd.clone());
        d.source = source;
        self.push(i, d);
    }

    fn collect_sql(
        &mut self,
        i: usize,
        lines: &[(usize, Line)],
        from: usize,
    ) -> (Vec<String>, usize) {
        let mut stmts = Vec::new();
        let mut j = from;
        while j < lines.len() {
            match &lines[j].1 {
                Line::Sql(s) => stmts.push(self.strip_comment(s, lines[j].0)),
                Line::Blank => {}
                Line::Comment(c) => {
                    self.note(i, lines[j].0, c, "a comment in the block; not executed");
                }
                // The client's answer (`PONG`, `(integer) 1`) between two of its prompts.
                Line::Plain(out)
                    if lines[j + 1..]
                        .iter()
                        .find(|(_, l)| !matches!(l, Line::Plain(_) | Line::Blank))
                        .is_some_and(|(_, l)| matches!(l, Line::Sql(_))) =>
                {
                    self.note(
                        i,
                        lines[j].0,
                        out,
                        "example output of the client; not executed",
                    );
                }
                _ => break,
            }
            j += 1;
        }
        (stmts, j)
    }

    fn next_block_is_content(&self, i: usize) -> bool {
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

    fn following_prose(&self, i: usize) -> String {
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

    /// Removes a `//` comment from a command, with a warning (the shell would choke on it).
    fn strip_comment(&mut self, cmd: &str, line: usize) -> String {
        let (c, comment) = classify::split_slash_comment(cmd);
        if let Some(comment) = comment {
            self.warn(
                "W026",
                self.line_span(line),
                format!("`//{comment}` is a comment, not part of the command; rbc leaves it out"),
                "write comments outside the command block, or after `#` in shell",
            );
        }
        c
    }

    // ---- after the walk --------------------------------------------------------------------

    /// `X与Y相同`: every earlier step of the section (and below) that runs on Y also runs on X.
    fn apply_same_as(&mut self) {
        for SameAs {
            section,
            copies,
            model,
            upto,
            line,
            exception,
        } in self.same_as.clone()
        {
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
                    let e = Evidence::new(kind, line);
                    if !d.evidence.contains(&e) {
                        d.evidence.push(e);
                    }
                    d.why = format!("{}; {names} the same as {model_names} (line {line})", d.why);
                }
            }
        }
    }

    /// Steps under a sentence that says one host at a time (`依次`, `逐台`), or in a section whose
    /// title does, on the same hosts: each host takes its turn after the one before finished.
    fn serialize(&mut self) {
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
    fn default_database(&mut self) {
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
            let span = self.doc.elements[d.element].span.clone();
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
    fn watch_restarts(&mut self) {
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

/// Evidence that names the hosts outright (an annotation, a sentence, a host list, a table row)
/// and is no guess: stronger than a prompt.
fn is_strong(t: &Target) -> bool {
    t.guess().is_none()
        && t.evidence.iter().any(|e| {
            matches!(
                e.kind,
                EvidenceKind::Annotation
                    | EvidenceKind::Sentence
                    | EvidenceKind::HostList
                    | EvidenceKind::TableRow
            )
        })
}

/// Where the walker is in the shell the runbook's lines run in (saved and restored when the
/// same lines are read again for other hosts).
struct ShellState {
    cwd: String,
    pending_cd: Option<String>,
    pending_edit: Option<(String, usize)>,
    sql_session: Option<(String, Option<String>)>,
    pending_upload: Option<(String, Target, usize)>,
}

/// `export A=1`, `A=1`: a line that sets a variable, which only lasts when written to a file.
fn is_assignment(line: &str) -> bool {
    let l = line.trim();
    let l = l.strip_prefix("export ").unwrap_or(l).trim_start();
    l.split_once('=').is_some_and(|(k, _)| {
        !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// Edited file path → the sections it was edited in.
type EditedPaths = BTreeMap<String, Vec<Option<usize>>>;

/// The lines of a prompt-less block as commands, when every line that starts one looks like a
/// command; here-document bodies and continued lines stay as they are (commands reads them).
fn promptless_commands(
    lines: &[(usize, Line)],
    content: &str,
    first_line: usize,
) -> Option<Vec<(usize, Line)>> {
    let raw: Vec<&str> = content.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    let mut k = 0;
    let mut any = false;
    while k < lines.len() {
        let (n, line) = &lines[k];
        let text = raw.get(n - first_line).copied().unwrap_or("").trim();
        match line {
            Line::Blank => out.push((*n, Line::Blank)),
            Line::Comment(_) | Line::Sql(_) => out.push((*n, line.clone())),
            Line::Plain(_) | Line::Command(_) => {
                if !classify::looks_like_command(text) {
                    return None;
                }
                any = true;
                out.push((*n, Line::Command(text.to_string())));
                let mut cmd = text.to_string();
                while cmd.ends_with('\\') && k + 1 < lines.len() {
                    k += 1;
                    cmd = raw
                        .get(lines[k].0 - first_line)
                        .copied()
                        .unwrap_or("")
                        .trim()
                        .to_string();
                    out.push((lines[k].0, Line::Plain(cmd.clone())));
                }
                if let Some(delim) = classify::heredoc_delimiter(text) {
                    while k + 1 < lines.len() {
                        k += 1;
                        let body = raw.get(lines[k].0 - first_line).copied().unwrap_or("");
                        out.push((lines[k].0, Line::Plain(body.to_string())));
                        if body.trim() == delim {
                            break;
                        }
                    }
                }
            }
        }
        k += 1;
    }
    any.then_some(out)
}

fn host_sections(outline: &Outline, inv: &Inventory) -> Vec<bool> {
    let mut out: Vec<bool> = outline
        .sections
        .iter()
        .map(|s| inv.find(s.title.trim()).is_some())
        .collect();
    for (i, s) in outline.sections.iter().enumerate() {
        if out[i] {
            if let Some(p) = s.parent {
                out[p] = true;
            }
        }
    }
    out
}

fn is_destructive_cmd(cmd: &str) -> bool {
    let l = cmd.to_ascii_lowercase();
    l.contains("drop database")
        || l.starts_with("rm -rf")
        || l.contains(" < ") && l.starts_with("mysql")
}

/// The paths a typed action names (not a command's words).
pub fn action_paths(a: &Action) -> Vec<String> {
    if let Some(path) = a.edited_file() {
        return vec![path.to_string()];
    }
    match a {
        Action::CronEntry { path, .. }
        | Action::Mkdir { path }
        | Action::Chmod { path, .. }
        | Action::TailLog { path } => vec![path.clone()],
        Action::RpmInstall { file } => vec![file.clone()],
        Action::Extract { archive, dir } => vec![archive.clone(), dir.clone()],
        Action::Rename { from, to } => vec![from.clone(), to.clone()],
        Action::Dump { output, .. } => vec![output.clone()],
        Action::Payload { file, dir } => vec![format!("{}/{file}", dir.trim_end_matches('/'))],
        Action::StartDetached { dir, .. } => dir.iter().cloned().collect(),
        _ => Vec::new(),
    }
}

/// `ps -ef | grep java` followed by `kill -9 <PID>`: (pattern, signal, lines used).
fn stop_idiom(lines: &[(usize, Line)]) -> Option<(String, String, usize)> {
    let Line::Command(first) = &lines.first()?.1 else {
        return None;
    };
    let (ps, grep) = first.split_once('|')?;
    if !ps.trim().starts_with("ps") {
        return None;
    }
    let pattern = grep
        .trim()
        .strip_prefix("grep")?
        .trim()
        .trim_matches(['"', '\''])
        .to_string();
    if pattern.is_empty() || pattern.contains(' ') && !pattern.starts_with('-') {
        return None;
    }
    let mut used = 1;
    for (_, l) in &lines[1..] {
        used += 1;
        match l {
            Line::Blank => continue,
            Line::Command(c) if c.starts_with("kill") && classify::placeholder(c).is_some() => {
                let signal = c
                    .split_whitespace()
                    .find(|w| w.starts_with('-'))
                    .map(|w| w.trim_start_matches('-').to_string())
                    .unwrap_or_else(|| "15".into());
                return Some((pattern, signal, used));
            }
            _ => return None,
        }
    }
    None
}

/// `写入[a,b].`: content after a write verb, when it is not prose.
fn inline_content(text: &str) -> Option<String> {
    for verb in ["写入", "内容为", "输入"] {
        if let Some(rest) = text.trim().strip_prefix(verb) {
            let rest = rest.trim_start_matches(['：', ':']).trim();
            if !rest.is_empty() && !lexicon::has_cjk(rest) {
                return Some(rest.to_string());
            }
        }
    }
    None
}

/// A command line that names a file relative to where it runs: `../sbin/nginx -t`,
/// `unzip -o ../shop.war`, `mv order-api-1.5.0 order-api`, `vi nginx.conf`.
fn uses_relative_paths(cmd: &str) -> bool {
    const FILE_COMMANDS: &[&str] = &[
        "cp",
        "mv",
        "rm",
        "tar",
        "unzip",
        "zip",
        "chmod",
        "chown",
        "ln",
        "vi",
        "vim",
        "cat",
        "ls",
        "sed",
        "mkdir",
        "touch",
        "sh",
        "bash",
        "source",
        ".",
        "tail",
        "head",
        "less",
        "more",
        "gunzip",
        "gzip",
        "rsync",
        "install",
        "java",
        "diff",
        "md5sum",
        "sha256sum",
    ];
    let words = shlex::split(cmd).unwrap_or_default();
    let Some(prog) = words.first() else {
        return false;
    };
    if prog.starts_with("./") || prog.starts_with("../") {
        return true;
    }
    // Unpacking writes into the working directory unless told where.
    let extracts = match prog.as_str() {
        "tar" => {
            words
                .get(1)
                .is_some_and(|f| f.trim_start_matches('-').contains('x'))
                && !words
                    .iter()
                    .any(|w| w == "-C" || w.starts_with("--directory"))
        }
        "unzip" => !words.iter().any(|w| w == "-d"),
        _ => false,
    };
    if extracts {
        return true;
    }
    let relative = |w: &String| {
        if w.starts_with(['/', '-', '$', '~', '\'', '"']) || w.contains("://") || w.contains('=') {
            return false;
        }
        if !w.chars().any(|c| c.is_ascii_alphanumeric()) {
            return false;
        }
        // `tar zxvf`: flags without a dash; `sed 's/a/b/'`; `chmod 755` / `chown app:app`.
        let flags = prog == "tar" && w.len() <= 6 && w.chars().all(|c| c.is_ascii_alphabetic());
        let script = prog == "sed" && w.starts_with('s');
        let mode = matches!(prog.as_str(), "chmod" | "chown") && !w.contains(['/', '.']);
        !flags && !script && !mode
    };
    FILE_COMMANDS.contains(&prog.as_str()) && words[1..].iter().any(relative)
}

/// The directory of a `cd` that ends a command chain (`mkdir app && cd app`, `x; cd /opt`).
fn chained_cd(cmd: &str) -> Option<String> {
    let last = cmd.rsplit(['&', ';']).next()?.trim();
    if cmd.trim() == last || cmd.contains('|') {
        return None;
    }
    let mut words = last.split_whitespace();
    (words.next() == Some("cd")).then(|| words.next().unwrap_or("~").to_string())
}

/// `text` without what is inside quotes (`echo "升级完成"` is still a command).
fn unquoted(text: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None => out.push(c),
        }
    }
    out
}

/// A lead-in that places content inside a named part of a file: `backend x 段中`, `server部分`,
/// `[mysqld]下`, `section`.
fn in_a_part(lead: &str) -> bool {
    static BRACKET: LazyLock<Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\[[A-Za-z0-9_.:-]+\]\s*(?:下|中|里|段|部分|节)").unwrap()
    });
    lexicon::contains_any(lead, lexicon::FILE_PARTS) || BRACKET.is_match(lead)
}

fn edit_verb(lead: &str) -> Option<String> {
    if lexicon::contains_any(lead, lexicon::EDIT_WRITE) {
        Some("write".into())
    } else if lexicon::contains_any(lead, lexicon::EDIT_APPEND) {
        Some("append".into())
    } else if lexicon::contains_any(lead, lexicon::EDIT_REPLACE) {
        Some("replace".into())
    } else if lexicon::contains_any(lead, lexicon::EDIT_ADD) {
        Some("add".into())
    } else {
        None
    }
}

fn edit_word(verb: &str) -> &'static str {
    match verb {
        "write" => "write",
        "append" => "append to",
        "replace" => "replace a line in",
        _ => "add to",
    }
}

fn ensure_newline(s: &str) -> String {
    if s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

/// What identifies a config line: an XML tag (`<Context`), `KEY=`, or `key value`'s key.
fn line_key(line: &str) -> Option<String> {
    let l = line.trim();
    if let Some(rest) = l.strip_prefix('<') {
        let tag: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == ':' || *c == '_')
            .collect();
        return (!tag.is_empty()).then(|| format!("<{tag}"));
    }
    if let Some((k, _)) = l.split_once('=') {
        if !k.contains(' ') {
            return Some(format!("{k}="));
        }
    }
    l.split_whitespace().next().map(str::to_string)
}

pub fn kind_of(action: &Action) -> StepKind {
    match action {
        Action::Run { .. } | Action::Dump { .. } => StepKind::Once,
        Action::Probe { .. } | Action::TailLog { .. } => StepKind::Check,
        Action::Manual { .. } => StepKind::Manual,
        Action::Note => StepKind::Note,
        Action::Sql { statements, .. } => {
            if statements.iter().all(|s| classify::sql_is_read_only(s)) {
                StepKind::Check
            } else {
                StepKind::Once
            }
        }
        _ => StepKind::Converge,
    }
}

fn host_names(inv: &Inventory, hosts: &[usize]) -> String {
    hosts
        .iter()
        .map(|h| inv.hosts[*h].name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a step does in a few words, and its guard.
pub fn describe(action: &Action) -> (String, String) {
    let file = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    match action {
        Action::Run { command } => (format!("run `{command}`"), "journaled: runs once".into()),
        Action::Probe { command } => (format!("look: `{command}`"), "read-only".into()),
        Action::RpmInstall { file: f } => (
            format!("install {}", file(f)),
            "skipped when the package is installed (rpm -q)".into(),
        ),
        Action::PackageInstall { packages } => (
            format!("install {}", packages.join(" ")),
            "skipped when installed (rpm -q)".into(),
        ),
        Action::ConfBlocks {
            path,
            blocks,
            replace,
            ..
        } => (
            format!(
                "{} {} in {path}",
                if *replace { "change" } else { "add" },
                blocks
                    .iter()
                    .map(|b| format!("`{b}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "the same blocks already there (nginx -t checks the result)".into(),
        ),
        Action::AppendBlock { path, .. } => (
            format!("append block to {path}"),
            "managed block marker present".into(),
        ),
        Action::PrependBlock { path, .. } => (
            format!("add block near the top of {path}"),
            "managed block marker present".into(),
        ),
        Action::EnsureLines { path, lines } => (
            format!("{} line(s) in {path}", lines.len()),
            "each line present".into(),
        ),
        Action::FirewallRules { rules, .. } => {
            let ports: Vec<String> = rules
                .iter()
                .filter_map(|r| r.split("--dport").nth(1))
                .filter_map(|p| p.split_whitespace().next())
                .map(|p| format!("tcp/{p}"))
                .collect();
            (
                format!(
                    "open {}",
                    if ports.is_empty() {
                        "firewall rules".into()
                    } else {
                        ports.join(" ")
                    }
                ),
                "each rule present in the INPUT chain".into(),
            )
        }
        Action::ReplaceLine { path, .. } => (
            format!("replace a line in {path}"),
            "new line present, old line absent".into(),
        ),
        Action::WriteFile { path, .. } => (format!("write {path}"), "content identical".into()),
        Action::Extract { archive, dir } => (
            format!("unpack {} in {dir}", file(archive)),
            "skipped when its top-level entries exist".into(),
        ),
        Action::Rename { from, to } => (
            format!("move {from} → {to}"),
            "done when the source is gone and the target exists; never nests".into(),
        ),
        Action::Mkdir { path } => (format!("create {path}"), "directory exists".into()),
        Action::Chmod { mode, path } => (format!("chmod {mode} {path}"), "mode already set".into()),
        Action::StopProcesses { pattern, signal } => (
            format!("stop processes matching `{pattern}` (signal {signal})"),
            "none running".into(),
        ),
        Action::StartDetached { pattern, .. } => (
            format!("start in background ({pattern})"),
            format!("already running (pgrep -f `{pattern}`)"),
        ),
        Action::Service { name, action } => (
            format!("service {name} {action}"),
            format!(
                "service status says {}",
                if action == "start" {
                    "running"
                } else {
                    "stopped"
                }
            ),
        ),
        Action::ServiceRestart {
            name,
            action,
            watch,
        } => (
            format!("{action} {name}"),
            if watch.is_empty() {
                "journaled: runs once".into()
            } else {
                format!("only when changed: {}", watch.join(", "))
            },
        ),
        Action::TailLog { path } => (
            format!("look at the end of {path}"),
            "read-only, bounded".into(),
        ),
        Action::Sql {
            statements,
            expect_zero,
            ..
        } => {
            let s = if *expect_zero {
                format!("SQL check: {} count(s) must be 0", statements.len())
            } else if statements.iter().all(|s| classify::sql_is_read_only(s)) {
                format!("SQL look: {} statement(s)", statements.len())
            } else {
                format!("SQL: {} statement(s)", statements.len())
            };
            (
                s,
                if statements.iter().all(|s| classify::sql_is_read_only(s)) {
                    "read-only".into()
                } else {
                    "journaled: runs once".into()
                },
            )
        }
        Action::Dump { output, .. } => (
            format!("dump database to {output}"),
            "refuses to overwrite an existing backup".into(),
        ),
        Action::CronEntry { path, value, .. } => (
            format!("cron entry in {path} ({value} asked once)"),
            "the line is in the file".into(),
        ),
        Action::WriteValue { path, value, from } => (
            format!("write {path} with {value} from {from}"),
            "content equals the value given once by the operator".into(),
        ),
        Action::Payload { file: f, dir } => (
            format!("payload {f} in {dir}"),
            "present with the right checksum".into(),
        ),
        Action::Manual { instruction } => {
            let first: String = instruction
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(60)
                .collect();
            (
                format!("manual: {first}"),
                "confirmed by the operator, journaled".into(),
            )
        }
        Action::Note => ("note".into(), "not executed".into()),
    }
}

/// Ids, host names, gates; the plan.
fn finish(
    source: &Source,
    outline: &Outline,
    inv: &Inventory,
    drafts: Vec<Draft>,
    mut artifacts: Vec<Artifact>,
) -> (Plan, Vec<usize>) {
    let mut counters: BTreeMap<String, usize> = BTreeMap::new();
    let mut steps = Vec::with_capacity(drafts.len());
    let mut step_of_draft = Vec::with_capacity(drafts.len());
    let mut no_gate = Vec::with_capacity(drafts.len());
    let mut elements = Vec::with_capacity(drafts.len());
    let mut serial: Vec<Option<(usize, Vec<String>)>> = Vec::with_capacity(drafts.len());
    for d in drafts {
        let (section, title) = match d.section {
            Some(s) => (
                outline.sections[s].id.clone(),
                outline.sections[s].title.clone(),
            ),
            None => ("0".to_string(), String::new()),
        };
        let n = counters.entry(section.clone()).or_insert(0);
        *n += 1;
        let (mut summary, mut guard) = describe(&d.action);
        if d.kind == StepKind::Note {
            let first: String = d
                .text
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .chars()
                .take(50)
                .collect();
            summary = format!("note: {first}");
        }
        if d.kind == StepKind::Manual && !matches!(d.action, Action::Manual { .. }) {
            guard = "runs only after the operator confirms; journaled".into();
        }
        let mut hosts: Vec<usize> = Vec::new();
        for h in d.hosts {
            if !hosts.contains(&h) {
                hosts.push(h);
            }
        }
        hosts.sort();
        elements.push(d.unit);
        serial.push(d.serial.as_ref().map(|(g, order)| {
            (
                *g,
                order.iter().map(|h| inv.hosts[*h].name.clone()).collect(),
            )
        }));
        steps.push(Step {
            id: format!("{section}-{n}"),
            section,
            section_title: title,
            kind: d.kind,
            phase: d.phase,
            hosts: hosts.iter().map(|h| inv.hosts[*h].name.clone()).collect(),
            line: d.line,
            text: d.text,
            summary,
            why: d.why,
            evidence: d.evidence,
            finding: None,
            guard,
            cwd: d.cwd,
            action: d.action,
            source: d.source.trim().to_string(),
            gates: Vec::new(),
        });
        no_gate.push(d.no_gate);
        step_of_draft.push(steps.len() - 1);
    }
    for phase in [Phase::Run, Phase::Rollback] {
        compute_gates(&mut steps, &no_gate, &elements, phase);
        rolling_gates(&mut steps, &serial, phase);
    }
    for a in &mut artifacts {
        a.hosts.sort();
    }
    let hosts = inv
        .hosts
        .iter()
        .map(|h| PlanHost {
            name: h.name.clone(),
            ip: h.ip.clone(),
            aliases: h.aliases.clone(),
            kind: h.kind,
            group: h.group.clone().or_else(|| {
                (h.kind == HostKind::Server).then(|| inventory::stem(&h.name).to_string())
            }),
            physical: h.physical.clone(),
            specs: h.specs.clone(),
            line: h.line,
        })
        .collect();
    let title = outline.title.clone().unwrap_or_else(|| {
        source
            .path
            .rsplit('/')
            .next()
            .unwrap_or(&source.path)
            .to_string()
    });
    (
        Plan {
            runbook: source.path.clone(),
            title,
            hosts,
            steps,
            artifacts,
        },
        step_of_draft,
    )
}

/// Before a step on host H: every step on other hosts (or done by a person) between H's previous
/// step and this one, in runbook order, must be finished.
/// Payloads come with the bundle and gate nothing; steps from one element (a table) are parallel.
/// One host at a time: in a serial group, a host's first step of the group waits until the host
/// before it in the group's order has done its last step of the group.
fn rolling_gates(steps: &mut [Step], serial: &[Option<(usize, Vec<String>)>], phase: Phase) {
    let mut groups: BTreeMap<usize, (Vec<String>, Vec<usize>)> = BTreeMap::new();
    for (i, s) in serial.iter().enumerate() {
        if let Some((g, order)) = s {
            if steps[i].phase == phase && steps[i].kind != StepKind::Note {
                let e = groups
                    .entry(*g)
                    .or_insert_with(|| (order.clone(), Vec::new()));
                e.1.push(i);
            }
        }
    }
    for (order, members) in groups.values() {
        for k in 1..order.len() {
            let (prev, host) = (&order[k - 1], &order[k]);
            let last_prev = members
                .iter()
                .rev()
                .find(|&&i| steps[i].hosts.contains(prev));
            let first = members.iter().find(|&&i| steps[i].hosts.contains(host));
            let (Some(&last_prev), Some(&first)) = (last_prev, first) else {
                continue;
            };
            let after = GateRef {
                step: steps[last_prev].id.clone(),
                section: steps[last_prev].section.clone(),
                host: prev.clone(),
            };
            let summary = format!(
                "{} on {prev} (one host at a time)",
                steps[last_prev].section
            );
            let gates = &mut steps[first].gates;
            match gates.iter_mut().find(|g| &g.host == host) {
                Some(g) => {
                    if !g.after.contains(&after) {
                        g.after.push(after);
                        g.summary = format!("{}; {summary}", g.summary);
                    }
                }
                None => gates.push(Gate {
                    host: host.clone(),
                    after: vec![after],
                    summary,
                }),
            }
        }
    }
}

fn compute_gates(steps: &mut [Step], no_gate: &[bool], elements: &[usize], phase: Phase) {
    let idx: Vec<usize> = (0..steps.len())
        .filter(|i| {
            steps[*i].phase == phase
                && steps[*i].kind != StepKind::Note
                && !matches!(steps[*i].action, Action::Payload { .. })
        })
        .collect();
    let mut last_on: BTreeMap<String, usize> = BTreeMap::new(); // host → position in idx
    for (pos, &i) in idx.iter().enumerate() {
        let hosts = steps[i].hosts.clone();
        let mut gates = Vec::new();
        for h in &hosts {
            let from = last_on.get(h).map(|p| p + 1).unwrap_or(0);
            let mut after: Vec<GateRef> = Vec::new();
            let mut latest: BTreeMap<String, usize> = BTreeMap::new();
            for &j in &idx[from..pos] {
                let s = &steps[j];
                if s.hosts.contains(h) || elements[j] == elements[i] {
                    continue;
                }
                if s.hosts.is_empty() {
                    latest.insert(String::new(), j);
                }
                for o in &s.hosts {
                    latest.insert(o.clone(), j);
                }
            }
            if latest.is_empty() || no_gate[i] {
                continue;
            }
            let first_section = idx[from..pos]
                .iter()
                .filter(|&&j| elements[j] != elements[i])
                .map(|&j| &steps[j])
                .find(|s| !s.hosts.contains(h))
                .map(|s| s.section.clone())
                .unwrap_or_default();
            let mut order: Vec<(usize, String)> =
                latest.iter().map(|(host, j)| (*j, host.clone())).collect();
            order.sort();
            let last_section = order
                .last()
                .map(|(j, _)| steps[*j].section.clone())
                .unwrap_or_default();
            for (j, host) in &order {
                after.push(GateRef {
                    step: steps[*j].id.clone(),
                    section: steps[*j].section.clone(),
                    host: host.clone(),
                });
            }
            let mut names: Vec<String> = Vec::new();
            for (_, host) in &order {
                let n = if host.is_empty() {
                    "operator".to_string()
                } else {
                    host.clone()
                };
                if !names.contains(&n) {
                    names.push(n);
                }
            }
            let range = if first_section == last_section {
                first_section
            } else {
                format!("{first_section}–{last_section}")
            };
            gates.push(Gate {
                host: h.clone(),
                after,
                summary: format!("{range} on {}", names.join(", ")),
            });
        }
        steps[i].gates = gates;
        for h in hosts {
            last_on.insert(h, pos);
        }
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
