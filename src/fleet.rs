//! The change cut into stretches for a fleet (SPEC §7): the forward steps in runbook order, cut
//! before every step that waits for other hosts (a gate), before every manual step and around
//! every step a person does off the servers. Inside a stretch no host waits for another, so its
//! hosts run side by side; stretch N+1 starts only when stretch N is done on every host. The
//! bundles carry each step's stretch number (`RBC_STEP_STRETCH`), `run.sh --stretch N` runs one,
//! and `dist/ansible/site.yml` has one play per stretch. The rollback chapter is cut the same
//! way (`RBC_RB_STRETCH`, `rollback.sh --stretch N`, one play each in `rollback.yml`).

use serde::Serialize;

use crate::plan::{Action, Phase, Plan, Step, StepKind};
use crate::render::{effective_kind, Renderer};

/// A step a person does, shown by the playbook's pause.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Person {
    pub id: String,
    pub section: String,
    pub title: String,
    /// The servers it is done on (empty: off the servers, by the operator).
    pub hosts: Vec<String>,
    /// The instruction in a line or a few.
    pub instruction: String,
    /// The runbook's own block or sentence.
    pub source: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stretch {
    /// 1-based, in runbook order.
    pub n: usize,
    /// Servers with bundle steps in it, in the plan's host order.
    pub hosts: Vec<String>,
    pub first: String,
    pub last: String,
    /// `2.1–2.3` (first and last section).
    pub sections: String,
    /// What its first step waits for (`3.1–3.5 on web-1, web-2`), one line per distinct wait.
    pub waits: Vec<String>,
    /// It starts with a manual step on servers: the pause before it.
    pub manual: Option<Person>,
    /// It is a step a person does off the servers (no bundle runs).
    pub operator: Option<Person>,
}

/// One forward step of one host's bundle with its stretch.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HostStep {
    pub id: String,
    pub section: String,
    pub kind: StepKind,
    pub stretch: usize,
    /// This host's gate before the step (empty: none).
    pub gate: String,
}

fn person(s: &Step) -> Person {
    let instruction = match &s.action {
        Action::Manual { instruction } if !instruction.trim().is_empty() => {
            instruction.trim().to_string()
        }
        _ => s.summary.clone(),
    };
    Person {
        id: s.id.clone(),
        section: s.section.clone(),
        title: s.section_title.clone(),
        hosts: s.hosts.clone(),
        instruction,
        source: s.source.clone(),
    }
}

/// The steps of a phase that the stretches cover: what bundles run (no notes) and what a person
/// does off the servers.
fn forward(plan: &Plan, phase: Phase) -> impl Iterator<Item = &Step> {
    plan.steps
        .iter()
        .filter(move |s| s.phase == phase && s.kind != StepKind::Note)
}

/// The stretches of a phase, and for every step of it its stretch number (same order as
/// `forward`).
fn cut(plan: &Plan, phase: Phase) -> (Vec<Stretch>, Vec<usize>) {
    let mut out: Vec<Stretch> = Vec::new();
    let mut of_step = Vec::new();
    let mut prev_person = false;
    let mut first_section = String::new();
    let mut last_section = String::new();
    for s in forward(plan, phase) {
        let operator = s.hosts.is_empty();
        let manual = !operator && effective_kind(s) == StepKind::Manual;
        let start = out.is_empty() || operator || prev_person || manual || !s.gates.is_empty();
        if start {
            if let Some(x) = out.last_mut() {
                x.sections = range(&first_section, &last_section);
            }
            let mut waits: Vec<String> = Vec::new();
            for g in &s.gates {
                if !waits.contains(&g.summary) {
                    waits.push(g.summary.clone());
                }
            }
            out.push(Stretch {
                n: out.len() + 1,
                hosts: Vec::new(),
                first: s.id.clone(),
                last: s.id.clone(),
                sections: String::new(),
                waits,
                manual: manual.then(|| person(s)),
                operator: operator.then(|| person(s)),
            });
            first_section = s.section.clone();
        }
        prev_person = operator;
        last_section = s.section.clone();
        let x = out.last_mut().expect("a stretch was pushed");
        x.last = s.id.clone();
        for h in &s.hosts {
            if !x.hosts.contains(h) {
                x.hosts.push(h.clone());
            }
        }
        of_step.push(x.n);
    }
    if let Some(x) = out.last_mut() {
        x.sections = range(&first_section, &last_section);
    }
    for x in &mut out {
        x.hosts
            .sort_by_key(|h| plan.hosts.iter().position(|p| &p.name == h));
    }
    (out, of_step)
}

fn range(a: &str, b: &str) -> String {
    if a == b {
        a.to_string()
    } else {
        format!("{a}–{b}")
    }
}

pub fn stretches(plan: &Plan) -> Vec<Stretch> {
    cut(plan, Phase::Run).0
}

/// The stretches of the rollback chapter.
pub fn rollback_stretches(plan: &Plan) -> Vec<Stretch> {
    cut(plan, Phase::Rollback).0
}

/// A host's forward bundle steps with their stretches, in the bundle's order.
pub fn host_steps(plan: &Plan, host: &str) -> Vec<HostStep> {
    phase_steps(plan, host, Phase::Run)
}

/// A host's steps of the rollback chapter with their stretches, in the bundle's order.
pub fn host_rollback_steps(plan: &Plan, host: &str) -> Vec<HostStep> {
    phase_steps(plan, host, Phase::Rollback)
}

fn phase_steps(plan: &Plan, host: &str, phase: Phase) -> Vec<HostStep> {
    let (_, of_step) = cut(plan, phase);
    let bundle: Vec<&Step> = Renderer::bundle_steps(plan, host, phase);
    let mut out = Vec::with_capacity(bundle.len());
    for (s, n) in forward(plan, phase).zip(of_step) {
        if s.hosts.iter().any(|h| h == host) {
            out.push(HostStep {
                id: s.id.clone(),
                section: s.section.clone(),
                kind: effective_kind(s),
                stretch: n,
                gate: s
                    .gates
                    .iter()
                    .find(|g| g.host == host)
                    .map(|g| g.summary.clone())
                    .unwrap_or_default(),
            });
        }
    }
    debug_assert_eq!(out.len(), bundle.len());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner;
    use crate::source::Source;

    fn plan(md: &str) -> Plan {
        planner::compile(&Source::from_text("t.md", md)).plan
    }

    #[test]
    fn gates_and_manual_steps_start_stretches() {
        let p = plan(
            "# 升级\n\n## 1 主机\n\n- web-1 (10.0.0.1)\n- web-2 (10.0.0.2)\n- db-1 (10.0.0.3)\n\n## 2 准备\n\n登录web-1、web-2，执行：\n\n```\n# mkdir -p /opt/app\n```\n\n## 3 数据库\n\n登录db-1，执行：\n\n```\n# mkdir -p /opt/db\n```\n\n## 4 启动\n\n登录web-1、web-2，执行：\n\n```\n# mkdir -p /opt/app/run\n```\n",
        );
        let st = stretches(&p);
        assert!(st.len() >= 3, "{st:#?}");
        assert_eq!(st[0].hosts, vec!["web-1", "web-2"]);
        assert_eq!(st[1].hosts, vec!["db-1"]);
        assert_eq!(st[2].hosts, vec!["web-1", "web-2"]);
        assert!(!st[1].waits.is_empty() && !st[2].waits.is_empty());
        let w = host_steps(&p, "web-1");
        assert_eq!(w.first().map(|s| s.stretch), Some(1));
        assert_eq!(w.last().map(|s| s.stretch), Some(3));
    }
}
