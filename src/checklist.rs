//! The checklist for people, printed for the change window: a cover (title, versions, date/time,
//! people and sign-off, bundles with their sums, artifacts to gather), the wait points between
//! hosts, the whole change in runbook order (chapter → section → step, a box per host with
//! start/end/initials, kind, expected result, gates, parallel hosts), the rollback chapter per
//! host, and the lint findings still open. The same content as HTML (A4, print CSS, nothing
//! external) and as Markdown; the layout is in `templates/checklist.{html,md}.j2`.

use std::collections::BTreeSet;

use minijinja::{context, Environment, Value};
use regex::Regex;
use serde::Serialize;

use crate::diagnostic::{Diagnostic, Severity};
use crate::lexicon;
use crate::plan::{Action, HostKind, Phase, Plan, Step, StepKind};
use crate::planner::Compiled;

/// What the checklist needs beyond the plan: every section's title (chapters that have no step
/// of their own still head their sections) and the lint findings.
#[derive(Debug, Clone, Default)]
pub struct Extra {
    /// `(number, title)` of every section, in runbook order.
    pub sections: Vec<(String, String)>,
    pub findings: Vec<Finding>,
}

/// A lint finding still open, for the findings page.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Finding {
    pub severity: &'static str,
    pub code: &'static str,
    pub line: usize,
    pub message: String,
    pub help: String,
}

impl Extra {
    pub fn new(c: &Compiled) -> Extra {
        Extra {
            sections: c
                .outline
                .sections
                .iter()
                .map(|s| (s.id.clone(), s.title.clone()))
                .collect(),
            findings: findings(&c.diagnostics),
        }
    }
}

/// Warnings and errors (and notes) in line order.
pub fn findings(diagnostics: &[Diagnostic]) -> Vec<Finding> {
    let mut out: Vec<Finding> = diagnostics
        .iter()
        .map(|d| Finding {
            severity: match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Note => "note",
            },
            code: d.code,
            line: d.line,
            message: d.message.clone(),
            help: d.help.clone().unwrap_or_default(),
        })
        .collect();
    out.sort_by_key(|f| f.line);
    out
}

/// One host's box on a step: the operator ticks it (and on a manual step writes start, end and
/// initials).
#[derive(Serialize, Clone)]
struct Cell {
    host: String,
    ip: String,
}

/// Hosts that wait at the same point for the same work elsewhere.
#[derive(Serialize, Clone)]
struct GateLine {
    hosts: String,
    after: String,
}

#[derive(Serialize)]
struct Row {
    id: String,
    section: String,
    title: String,
    /// `auto`, `check`, `manual`, `note` (the CSS class).
    class: &'static str,
    /// `自动 AUTO` …
    label: &'static str,
    summary: String,
    /// The command as written, every line, for automatic steps and checks: wrapped on paper,
    /// never cut.
    command: String,
    command_lines: Vec<String>,
    /// For a manual step, the `rbc check` finding that made it manual (code, line, message).
    finding: String,
    /// The original block or sentence, for manual steps (a person does exactly this).
    source: Vec<String>,
    source_more: usize,
    expected: String,
    line: usize,
    cells: Vec<Cell>,
    /// Start, end and initials on the step itself: manual steps only (a person's own work is
    /// signed where it is done); other steps are signed once per host per section.
    sign: bool,
    /// After the last step of a section: one start/end/initials line per host that worked in it.
    signoff: Vec<Cell>,
    gates: Vec<GateLine>,
    /// This step opens a stretch in which several hosts work side by side with no wait.
    stretch: Option<Stretch>,
}

/// A run of consecutive steps in which no host waits for another: the hosts in it may work in
/// parallel. A stretch starts at a gate, or where a person's own steps (no host) begin.
#[derive(Serialize, Clone)]
struct Stretch {
    n: usize,
    first: String,
    last: String,
    sections: String,
    hosts: Vec<String>,
    /// What the hosts wait for before the stretch starts.
    gates: Vec<GateLine>,
    /// A gate makes one of its hosts wait for another of them: one host at a time, not parallel.
    serial: bool,
    operator: bool,
}

#[derive(Serialize)]
struct Section {
    /// 1 for a chapter, 2 for `2.2`, 3 for `2.2.1` …
    level: usize,
    id: String,
    title: String,
    hosts: String,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct RollbackGroup {
    host: String,
    ip: String,
    rows: Vec<Row>,
}

#[derive(Serialize)]
struct Bundle {
    host: String,
    ip: String,
    role: String,
    run: usize,
    rollback: usize,
    sha: String,
}

const OPERATOR: &str = "操作员 operator";

fn label(kind: StepKind) -> (&'static str, &'static str) {
    match kind {
        StepKind::Converge => ("auto", "自动 AUTO"),
        StepKind::Once => ("auto", "自动 AUTO·once"),
        StepKind::Check => ("check", "检查 CHECK"),
        StepKind::Manual => ("manual", "人工 MANUAL"),
        StepKind::Note => ("note", "说明 note"),
    }
}

fn clip(s: &str, n: usize) -> String {
    clip_end(s.trim(), n)
}

/// Clipped, keeping the indentation (lines of a block).
fn clip_end(s: &str, n: usize) -> String {
    let s = s.trim_end();
    if s.chars().count() <= n {
        s.to_string()
    } else {
        s.chars().take(n - 1).collect::<String>() + "…"
    }
}

/// What the operator should see when the step is done.
fn expected(s: &Step) -> String {
    let e = match &s.action {
        Action::Run { .. } => "the command succeeds (exit 0); runs once, journaled".to_string(),
        Action::Probe { .. } => "the output looks right (read-only, nothing changes)".to_string(),
        Action::ReadValue { value, .. } => {
            format!("{value} is kept for the hosts that write it (not shown; read-only)")
        }
        Action::RpmInstall { file } => {
            format!("`rpm -q` shows {} installed", file.trim_end_matches(".rpm"))
        }
        Action::PackageInstall { packages } => {
            format!("`rpm -q {}` shows installed", packages.join(" "))
        }
        Action::AppendBlock { path, .. } | Action::PrependBlock { path, .. } => {
            format!("{path} contains the block (backed up first)")
        }
        Action::EnsureLines { path, lines } => {
            format!("{path} contains the {} line(s)", lines.len())
        }
        Action::FirewallRules { path, rules } => format!(
            "{} rule(s) in the INPUT chain before REJECT, saved in {path}",
            rules.len()
        ),
        Action::ReplaceLine { path, .. } => format!("{path}: the new line, not the old one"),
        Action::IniSet {
            path,
            section,
            lines,
        } => format!(
            "[{section}] of {path} sets the {} key(s) as shown",
            lines.len()
        ),
        Action::ConfBlocks { path, blocks, .. } => format!(
            "{path} has {} as the runbook shows; `nginx -t` accepts it",
            blocks
                .iter()
                .map(|b| format!("`{b}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Action::XmlElement { path, element, .. } => {
            format!("the one `<{element}>` element of {path} is exactly as the runbook shows it")
        }
        Action::WriteFile { path, .. } => format!("{path} has exactly the runbook's content"),
        Action::WriteValue { path, value, from } => {
            format!("{path} holds {value} as read on {from} (mode 0600)")
        }
        Action::CronEntry { path, value, .. } => {
            format!("{path} has the entry, with {value} given on the host")
        }
        Action::Extract { archive, dir } => format!("{archive} unpacked in {dir}"),
        Action::Rename { from, to } => format!("{to} exists, {from} is gone (not nested)"),
        Action::Mkdir { path } => format!("directory {path} exists"),
        Action::Chmod { mode, path } => format!("{path} has mode {mode}"),
        Action::StopProcesses { pattern, .. } => format!("no process matches `{pattern}`"),
        Action::StartDetached { pattern, .. } => format!("a process matching `{pattern}` runs"),
        Action::Service { name, action } => match action.as_str() {
            "stop" => format!("service {name} is stopped"),
            "start" | "restart" => format!("service {name} is running"),
            _ => format!("`service {name} {action}` succeeds"),
        },
        Action::ServiceRestart { name, action, .. } => {
            format!("{name} {action}ed if its files changed, and running")
        }
        Action::TailLog { path } => format!("{path}: started, no errors at the end"),
        Action::Sql {
            expect_zero: true,
            statements,
            ..
        } => format!("all {} count(s) are 0", statements.len()),
        Action::Sql { .. } => "the statements succeed, no SQL error".to_string(),
        Action::Dump { output, .. } => format!("backup {output} written (never overwritten)"),
        Action::Payload { file, dir } => {
            format!(
                "{}/{file} is there with the right sha256",
                dir.trim_end_matches('/')
            )
        }
        Action::Manual { .. } => "done by a person; confirmed when run.sh asks".to_string(),
        Action::Note => String::new(),
    };
    if s.kind == StepKind::Manual && !matches!(s.action, Action::Manual { .. }) {
        format!("{e}; {}", crate::plan::BY_HAND)
    } else {
        e
    }
}

fn ip_of(plan: &Plan, host: &str) -> String {
    plan.host(host)
        .and_then(|h| h.ip.clone())
        .unwrap_or_default()
}

/// Gates grouped: hosts waiting for the same work share a line.
/// Each names the sections and hosts it waits for, then the steps by id, host and what they do as
/// `run.sh` prints them (so two gates of one host that wait for different steps never read the same).
fn gate_lines(plan: &Plan, s: &Step) -> Vec<GateLine> {
    let mut out: Vec<(Vec<String>, String)> = Vec::new();
    for g in &s.gates {
        // The plan's summary (sections and hosts), then the steps as run.sh names them.
        let steps = crate::render::gate_text(plan, g);
        let text = if steps.contains(&g.summary) {
            steps
        } else {
            format!("{} ({steps})", g.summary)
        };
        match out.iter_mut().find(|(_, a)| *a == text) {
            Some((hosts, _)) => hosts.push(g.host.clone()),
            None => out.push((vec![g.host.clone()], text)),
        }
    }
    out.into_iter()
        .map(|(hosts, after)| GateLine {
            hosts: hosts.join(", "),
            after,
        })
        .collect()
}

/// A gate of the step makes one of its hosts wait for another of its hosts (`rabbit-mq-3` waits
/// for `rabbit-mq-2` at the same step): they work one at a time.
fn serialises(s: &Step) -> bool {
    s.gates.iter().any(|g| {
        g.after
            .iter()
            .any(|r| r.host != g.host && s.hosts.contains(&r.host))
    })
}

/// The run phase cut into stretches (see `Stretch`), in runbook order.
fn stretches(plan: &Plan) -> Vec<Stretch> {
    let mut out: Vec<Stretch> = Vec::new();
    let mut sections: Vec<(String, String)> = Vec::new();
    let mut prev_operator = false;
    for s in plan.steps.iter().filter(|s| s.phase == Phase::Run) {
        let operator = s.hosts.is_empty() && s.kind != StepKind::Note;
        let started = out.last().map(|x| !x.hosts.is_empty()).unwrap_or(false);
        if out.is_empty() || (started && (!s.gates.is_empty() || operator != prev_operator)) {
            if let (Some(x), Some(a), Some(b)) = (out.last_mut(), sections.first(), sections.last())
            {
                x.sections = section_range(a, b);
            }
            sections.clear();
            out.push(Stretch {
                n: out.len() + 1,
                first: s.id.clone(),
                last: s.id.clone(),
                sections: String::new(),
                hosts: Vec::new(),
                gates: gate_lines(plan, s),
                serial: serialises(s),
                operator,
            });
        }
        let x = out.last_mut().expect("a stretch was pushed");
        x.last = s.id.clone();
        if s.kind != StepKind::Note {
            prev_operator = operator;
            let names = if operator {
                vec![OPERATOR.to_string()]
            } else {
                s.hosts.clone()
            };
            for h in names {
                if !x.hosts.contains(&h) {
                    x.hosts.push(h);
                }
            }
            if x.gates.is_empty() && !s.gates.is_empty() {
                x.gates = gate_lines(plan, s);
            }
            x.serial |= serialises(s);
        }
        if sections.last().map(|l| l.0 != s.section).unwrap_or(true) {
            sections.push((s.section.clone(), s.section_title.clone()));
        }
    }
    if let (Some(x), Some(a), Some(b)) = (out.last_mut(), sections.first(), sections.last()) {
        x.sections = section_range(a, b);
    }
    out
}

fn section_range(a: &(String, String), b: &(String, String)) -> String {
    if a.0 == b.0 {
        format!("{} {}", a.0, a.1)
    } else {
        format!("{} {} – {} {}", a.0, a.1, b.0, b.1)
    }
}

fn row(plan: &Plan, s: &Step) -> Row {
    let (class, label) = label(s.kind);
    let manual = s.kind == StepKind::Manual;
    let summary = ["note: ", "manual: "]
        .iter()
        .find_map(|p| s.summary.strip_prefix(p))
        .unwrap_or(&s.summary);
    let same = s.source.trim() == summary.trim();
    let (source, source_more) = if manual && !same {
        let lines: Vec<String> = s.source.lines().map(|l| l.trim_end().to_string()).collect();
        let keep = if lines.len() > 24 { 20 } else { lines.len() };
        (lines[..keep].to_vec(), lines.len() - keep)
    } else {
        (Vec::new(), 0)
    };
    let command = if s.kind == StepKind::Note || matches!(s.action, Action::Manual { .. }) {
        String::new()
    } else {
        let text = s.text.trim();
        let one_line = !text.contains('\n');
        // Shown only where the summary (as printed, clipped) does not already hold it whole.
        if one_line && clip(summary, 160).contains(text) {
            String::new()
        } else {
            text.lines()
                .map(str::trim_end)
                .collect::<Vec<_>>()
                .join("\n")
        }
    };
    let command_lines = if command.is_empty() {
        Vec::new()
    } else {
        command.lines().map(str::to_string).collect()
    };
    let cells = if s.kind == StepKind::Note {
        Vec::new()
    } else if s.hosts.is_empty() {
        vec![Cell {
            host: OPERATOR.to_string(),
            ip: String::new(),
        }]
    } else {
        s.hosts
            .iter()
            .map(|h| Cell {
                host: h.clone(),
                ip: ip_of(plan, h),
            })
            .collect()
    };
    Row {
        id: s.id.clone(),
        section: s.section.clone(),
        title: s.section_title.clone(),
        class,
        label,
        summary: clip(summary, 160),
        command,
        command_lines,
        finding: String::new(),
        source,
        source_more,
        expected: expected(s),
        line: s.line,
        cells,
        sign: manual,
        signoff: Vec::new(),
        gates: gate_lines(plan, s),
        stretch: None,
    }
}

/// `2.2.1` → `["2", "2.2", "2.2.1"]`.
fn ancestors(id: &str) -> Vec<String> {
    let parts: Vec<&str> = id.split('.').collect();
    (1..=parts.len()).map(|n| parts[..n].join(".")).collect()
}

/// The run phase as a tree in runbook order: every section that has steps, with its ancestors.
fn sections(plan: &Plan, extra: &Extra, stretches: &[Stretch]) -> Vec<Section> {
    let mut out: Vec<Section> = Vec::new();
    let mut shown: BTreeSet<String> = BTreeSet::new();
    let title_of = |id: &str, fallback: &str| -> String {
        extra
            .sections
            .iter()
            .find(|(n, _)| n == id)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| fallback.to_string())
    };
    for s in plan.steps.iter().filter(|s| s.phase == Phase::Run) {
        if out.last().map(|x| x.id != s.section).unwrap_or(true) {
            let chain = if s.section.is_empty() {
                vec![String::new()]
            } else {
                ancestors(&s.section)
            };
            for a in chain {
                if a != s.section && shown.contains(&a) {
                    continue;
                }
                let fallback = if a == s.section {
                    s.section_title.as_str()
                } else {
                    ""
                };
                shown.insert(a.clone());
                out.push(Section {
                    level: a.split('.').count(),
                    title: title_of(&a, fallback),
                    id: a,
                    hosts: String::new(),
                    rows: Vec::new(),
                });
            }
        }
        let sec = out.last_mut().expect("a section was pushed");
        let mut r = row(plan, s);
        r.finding = manual_finding(s, &extra.findings);
        r.stretch = stretches
            .iter()
            .find(|x| x.first == s.id && x.hosts.len() > 1)
            .cloned();
        sec.rows.push(r);
    }
    for sec in &mut out {
        let mut hosts: Vec<String> = Vec::new();
        for s in plan
            .steps
            .iter()
            .filter(|s| s.phase == Phase::Run && s.section == sec.id)
        {
            for h in &s.hosts {
                if !hosts.contains(h) {
                    hosts.push(h.clone());
                }
            }
        }
        sec.hosts = hosts.join(", ");
        let signoff = signoff(&sec.rows);
        if let Some(last) = sec.rows.last_mut() {
            last.signoff = signoff;
        }
    }
    out
}

/// The hosts (and the operator) that did steps of these rows other than manual ones (those are
/// signed on the step): one start/end/initials line each, in the order they first appear.
fn signoff(rows: &[Row]) -> Vec<Cell> {
    let mut out: Vec<Cell> = Vec::new();
    for c in rows.iter().filter(|r| !r.sign).flat_map(|r| &r.cells) {
        if !out.iter().any(|x| x.host == c.host) {
            out.push(c.clone());
        }
    }
    out
}

/// For a manual step, the finding that made it so: the one the lint names on the step (`L001 at
/// line 805`), else a warning on the step's own lines.
fn manual_finding(s: &Step, findings: &[Finding]) -> String {
    if s.kind != StepKind::Manual {
        return String::new();
    }
    let named = s.finding.as_ref().and_then(|f| {
        let (code, line) = f.split_once(" at line ")?;
        let line: usize = line.trim().parse().ok()?;
        findings.iter().find(|x| x.code == code && x.line == line)
    });
    let last = s.line + s.text.lines().count().max(1) - 1;
    let own = || {
        findings
            .iter()
            .find(|x| x.severity == "warning" && x.line >= s.line && x.line <= last)
    };
    named
        .or_else(own)
        .map(|f| format!("{} (line {}): {}", f.code, f.line, f.message))
        .unwrap_or_default()
}

/// The rollback chapter per host, in the order the hosts first appear in it; steps done by a
/// person off the servers in a group of their own.
fn rollback(plan: &Plan, extra: &Extra) -> Vec<RollbackGroup> {
    let steps: Vec<&Step> = plan
        .steps
        .iter()
        .filter(|s| s.phase == Phase::Rollback)
        .collect();
    // A note with no host belongs with the step before it (or with the person's steps).
    let mut owners: Vec<Vec<String>> = Vec::new();
    for s in &steps {
        let o = if !s.hosts.is_empty() {
            s.hosts.clone()
        } else if s.kind == StepKind::Note {
            owners
                .last()
                .cloned()
                .unwrap_or_else(|| vec![String::new()])
        } else {
            vec![String::new()]
        };
        owners.push(o);
    }
    let mut hosts: Vec<String> = Vec::new();
    for h in owners.iter().flatten() {
        if !hosts.contains(h) {
            hosts.push(h.clone());
        }
    }
    hosts
        .iter()
        .map(|h| {
            let rows = steps
                .iter()
                .zip(&owners)
                .filter(|(_, o)| o.contains(h))
                .map(|(s, _)| {
                    let mut r = row(plan, s);
                    r.finding = manual_finding(s, &extra.findings);
                    if !h.is_empty() {
                        r.cells.retain(|c| &c.host == h);
                        r.gates.retain(|g| g.hosts.split(", ").any(|x| x == h));
                    }
                    r
                })
                .collect::<Vec<Row>>();
            let mut rows = rows;
            // One sign-off per section of this host's rollback, after its last step there.
            let mut start = 0;
            while start < rows.len() {
                let end = (start..rows.len())
                    .find(|&i| rows[i].section != rows[start].section)
                    .unwrap_or(rows.len());
                let cells = signoff(&rows[start..end]);
                rows[end - 1].signoff = cells;
                start = end;
            }
            RollbackGroup {
                host: if h.is_empty() {
                    OPERATOR.to_string()
                } else {
                    h.clone()
                },
                ip: ip_of(plan, h),
                rows,
            }
        })
        .collect()
}

/// `v1.1.0 → v1.4.0` and the sentence it came from, from the runbook's first two chapters.
fn versions(plan: &Plan) -> (String, String) {
    // No `\b`: in `由v1.1.0升级` the CJK letters are word characters too.
    let re = Regex::new(r"(?:^|[^A-Za-z0-9_.])([vV][0-9]+(?:\.[0-9]+){1,3})(?:[^0-9.]|\.?$)")
        .expect("version pattern");
    let mut chapters: Vec<&str> = Vec::new();
    let mut found: Vec<String> = Vec::new();
    let mut sentence = String::new();
    for s in &plan.steps {
        let chapter = s.section.split('.').next().unwrap_or("");
        if !chapters.contains(&chapter) {
            if chapters.len() == 2 {
                break;
            }
            chapters.push(chapter);
        }
        for text in [&s.section_title, &s.text] {
            for c in re.captures_iter(text) {
                let m = &c[1];
                if !found.iter().any(|f| f == m) {
                    found.push(m.to_string());
                    if sentence.is_empty() {
                        sentence = clip(text.lines().next().unwrap_or(""), 160);
                    }
                }
            }
        }
        if found.len() >= 2 {
            break;
        }
    }
    (found.join(" → "), sentence)
}

fn ctx(plan: &Plan, bundles: &[(String, String)], extra: &Extra) -> Value {
    let count = |h: &str, p: Phase| plan.steps_for(h, p).count();
    let bundles: Vec<Bundle> = bundles
        .iter()
        .map(|(h, sha)| {
            let host = plan.host(h);
            let jump = host.map(|x| x.kind == HostKind::Jump).unwrap_or(false);
            Bundle {
                host: h.clone(),
                ip: ip_of(plan, h),
                role: if jump {
                    "跳板机 jump: distribute.sh".to_string()
                } else {
                    host.and_then(|x| x.group.clone()).unwrap_or_default()
                },
                run: count(h, Phase::Run),
                rollback: count(h, Phase::Rollback),
                sha: sha[..sha.len().min(16)].to_string(),
            }
        })
        .collect();
    let run: Vec<&Step> = plan
        .steps
        .iter()
        .filter(|s| s.phase == Phase::Run)
        .collect();
    let by_kind = |k: &[StepKind]| run.iter().filter(|s| k.contains(&s.kind)).count();
    let servers: Vec<&str> = plan
        .hosts
        .iter()
        .filter(|h| h.kind == HostKind::Server)
        .filter(|h| plan.steps.iter().any(|s| s.hosts.contains(&h.name)))
        .map(|h| h.name.as_str())
        .collect();
    let stretches = stretches(plan);
    let rollback_groups = rollback(plan, extra);
    let journal_only: Vec<&str> = servers
        .iter()
        .copied()
        .filter(|h| !rollback_groups.iter().any(|g| g.host == *h))
        .filter(|h| plan.steps_for(h, Phase::Run).next().is_some())
        .collect();
    let (versions, version_line) = versions(plan);
    let open = extra
        .findings
        .iter()
        .filter(|f| f.severity != "note")
        .count();
    // The runbook's own verification (`7 验证`): what "done" means on the sign-off line.
    let verified = plan
        .steps
        .iter()
        .filter(|s| s.phase == Phase::Run)
        .rev()
        .find(|s| {
            lexicon::contains_any(
                &s.section_title,
                &["验证", "测试", "检查", "verify", "Verify", "check"],
            )
        })
        .map(|s| s.section.split('.').next().unwrap_or("").to_string())
        .filter(|c| !c.is_empty() && c != "0");
    let done = match verified {
        Some(c) => format!("chapter {c} verified"),
        None => "every step finished, the services checked".to_string(),
    };
    // The change's name: the runbook's title heading, else its version sentence (`由v1.1.0升级至
    // v1.4.0`), else the file name.
    let file_name = plan.runbook.rsplit('/').next().unwrap_or(&plan.runbook);
    let title = if plan.title != file_name || version_line.is_empty() {
        plan.title.clone()
    } else {
        version_line
            .trim_end_matches(['。', '.', '：', ':'])
            .to_string()
    };
    context! {
        done => done,
        title => title.clone(),
        css_title => title.chars().filter(|c| !matches!(c, '"' | '\'' | '\\' | '<' | '>' | '&') && !c.is_control()).collect::<String>(),
        runbook => plan.runbook.clone(),
        versions => versions,
        version_line => version_line,
        bundles => bundles,
        artifacts => plan.artifacts.clone(),
        servers => servers,
        steps_total => run.len(),
        steps_auto => by_kind(&[StepKind::Converge, StepKind::Once]),
        steps_check => by_kind(&[StepKind::Check]),
        steps_manual => by_kind(&[StepKind::Manual]),
        steps_note => by_kind(&[StepKind::Note]),
        rollback_total => plan.steps.iter().filter(|s| s.phase == Phase::Rollback).count(),
        sections => sections(plan, extra, &stretches),
        stretches => stretches,
        rollback => rollback_groups,
        journal_only => journal_only,
        findings => extra.findings.clone(),
        open_findings => open,
    }
}

fn render(name: &str, source: &'static str, value: Value) -> Result<String, String> {
    let mut env = Environment::new();
    env.set_keep_trailing_newline(true);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_template(name, source).map_err(|e| e.to_string())?;
    env.get_template(name)
        .and_then(|t| t.render(value))
        .map_err(|e| format!("checklist: {e}"))
}

/// Markdown: the same content as the HTML, for reading on screen or in a ticket.
pub fn markdown(
    plan: &Plan,
    bundles: &[(String, String)],
    extra: &Extra,
) -> Result<String, String> {
    render(
        "checklist.md",
        include_str!("../templates/checklist.md.j2"),
        ctx(plan, bundles, extra),
    )
}

/// HTML: the template name ends in `.html`, so minijinja escapes every value.
pub fn html(plan: &Plan, bundles: &[(String, String)], extra: &Extra) -> Result<String, String> {
    render(
        "checklist.html",
        include_str!("../templates/checklist.html.j2"),
        ctx(plan, bundles, extra),
    )
}
