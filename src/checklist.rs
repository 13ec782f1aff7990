//! The checklist for people: the whole change in runbook order, per step a box per host, kind,
//! gates; the bundles and artifacts up front; the rollback chapter at the end. Markdown and HTML.

use minijinja::{context, Environment, Value};
use serde::Serialize;

use crate::plan::{Phase, Plan, StepKind};

#[derive(Serialize)]
struct Row {
    id: String,
    section: String,
    title: String,
    kind: &'static str,
    hosts: Vec<String>,
    summary: String,
    text: String,
    line: usize,
    gates: Vec<String>,
    new_section: bool,
}

fn rows(plan: &Plan, phase: Phase) -> Vec<Row> {
    let mut last = String::new();
    plan.steps
        .iter()
        .filter(|s| s.phase == phase)
        .map(|s| {
            let new_section = s.section != last;
            last = s.section.clone();
            Row {
                id: s.id.clone(),
                section: s.section.clone(),
                title: s.section_title.clone(),
                kind: match s.kind {
                    StepKind::Converge | StepKind::Once => "auto",
                    StepKind::Check => "check",
                    StepKind::Manual => "MANUAL",
                    StepKind::Note => "note",
                },
                hosts: s.hosts.clone(),
                summary: s.summary.clone(),
                text: s
                    .text
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(160)
                    .collect(),
                line: s.line,
                gates: s
                    .gates
                    .iter()
                    .map(|g| format!("{}: {}", g.host, g.summary))
                    .collect(),
                new_section,
            }
        })
        .collect()
}

fn ctx(plan: &Plan, bundles: &[(String, String)]) -> Value {
    let bundles: Vec<Value> = bundles
        .iter()
        .map(|(h, sha)| {
            let ip = plan.host(h).and_then(|x| x.ip.clone()).unwrap_or_default();
            context! { host => h, ip => ip, sha => &sha[..sha.len().min(12)] }
        })
        .collect();
    context! {
        title => plan.title.clone(),
        runbook => plan.runbook.clone(),
        bundles => bundles,
        artifacts => plan.artifacts.clone(),
        run => rows(plan, Phase::Run),
        rollback => rows(plan, Phase::Rollback),
    }
}

fn render(name: &str, source: &'static str, value: Value) -> Result<String, String> {
    let mut env = Environment::new();
    env.set_keep_trailing_newline(true);
    env.add_template(name, source).map_err(|e| e.to_string())?;
    env.get_template(name)
        .and_then(|t| t.render(value))
        .map_err(|e| format!("checklist: {e}"))
}

pub fn markdown(plan: &Plan, bundles: &[(String, String)]) -> Result<String, String> {
    render(
        "checklist.md",
        include_str!("../templates/checklist.md.j2"),
        ctx(plan, bundles),
    )
}

/// HTML: the template name ends in `.html`, so minijinja escapes every value.
pub fn html(plan: &Plan, bundles: &[(String, String)]) -> Result<String, String> {
    render(
        "checklist.html",
        include_str!("../templates/checklist.html.j2"),
        ctx(plan, bundles),
    )
}
