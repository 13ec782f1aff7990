//! Text renderings for people: `rbc hosts`, `rbc plan`, `rbc artifacts`.

use std::fmt::Write;

use crate::plan::{HostKind, Phase, Plan, Step, StepKind};

fn kind_word(k: StepKind) -> &'static str {
    match k {
        StepKind::Converge => "converge",
        StepKind::Once => "once",
        StepKind::Check => "check",
        StepKind::Manual => "MANUAL",
        StepKind::Note => "note",
    }
}

pub fn hosts(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<18} {:<15} {:<9} {:<14} {:<14} {:<5} aliases / specs",
        "NAME", "IP", "KIND", "GROUP", "PHYSICAL", "LINE"
    );
    for h in &plan.hosts {
        let kind = match h.kind {
            HostKind::Server => "server",
            HostKind::Physical => "physical",
            HostKind::Jump => "jump",
        };
        let specs: Vec<String> = h.specs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let mut extra = h.aliases.join(",");
        if !specs.is_empty() {
            if !extra.is_empty() {
                extra.push_str("; ");
            }
            extra.push_str(&specs.join(" "));
        }
        let _ = writeln!(
            out,
            "{:<18} {:<15} {:<9} {:<14} {:<14} {:<5} {}",
            h.name,
            h.ip.as_deref().unwrap_or("-"),
            kind,
            h.group.as_deref().unwrap_or("-"),
            h.physical.as_deref().unwrap_or("-"),
            h.line,
            extra
        );
    }
    let servers = plan
        .hosts
        .iter()
        .filter(|h| h.kind == HostKind::Server)
        .count();
    let _ = writeln!(
        out,
        "\n{servers} servers, {} hosts in all",
        plan.hosts.len()
    );
    out
}

fn step_lines(out: &mut String, n: usize, total: usize, s: &Step, host: Option<&str>) {
    let phase = if s.phase == Phase::Rollback {
        " [rollback]"
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "  [{n}/{total}] {:<8} {:<8} {}{phase}  (line {})",
        s.id,
        kind_word(s.kind),
        s.summary,
        s.line
    );
    if s.kind != StepKind::Note {
        let _ = writeln!(out, "      why:   {}", s.why);
        if !s.evidence.is_empty() {
            let ev: Vec<String> = s
                .evidence
                .iter()
                .map(|e| {
                    let guess = if e.kind.is_guess() { ", a guess" } else { "" };
                    format!("{} (line {}{guess})", evidence_word(e.kind), e.line)
                })
                .collect();
            let _ = writeln!(out, "      evidence: {}", ev.join("; "));
        }
        let _ = writeln!(out, "      guard: {}", s.guard);
    }
    if let Some(h) = host {
        for g in s.gates.iter().filter(|g| g.host == h) {
            let _ = writeln!(out, "      gate:  wait for {}", g.summary);
        }
    }
}

/// The evidence kind as `plan --json` spells it.
fn evidence_word(k: crate::evidence::EvidenceKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Per host, in order, every step; then the steps on no host.
pub fn plan(plan: &Plan, only: &[String]) -> String {
    let mut out = String::new();
    for h in plan
        .hosts
        .iter()
        .filter(|h| only.is_empty() || only.contains(&h.name))
    {
        for phase in [Phase::Run, Phase::Rollback] {
            let steps: Vec<&Step> = plan.steps_for(&h.name, phase).collect();
            if steps.is_empty() {
                continue;
            }
            let what = if phase == Phase::Run {
                "run.sh"
            } else {
                "rollback.sh"
            };
            let _ = writeln!(
                out,
                "== {} ({}) {what}: {} steps ==",
                h.name,
                h.ip.as_deref().unwrap_or("no IP"),
                steps.len()
            );
            for (n, s) in steps.iter().enumerate() {
                step_lines(&mut out, n + 1, steps.len(), s, Some(&h.name));
            }
            out.push('\n');
        }
    }
    if only.is_empty() {
        let hostless: Vec<&Step> = plan.steps.iter().filter(|s| s.hosts.is_empty()).collect();
        let _ = writeln!(
            out,
            "== no host (people, notes): {} steps ==",
            hostless.len()
        );
        for (n, s) in hostless.iter().enumerate() {
            step_lines(&mut out, n + 1, hostless.len(), s, None);
        }
        let count = |k: StepKind| plan.steps.iter().filter(|s| s.kind == k).count();
        let _ = writeln!(
            out,
            "\n{} steps: {} converge, {} once, {} check, {} manual, {} note",
            plan.steps.len(),
            count(StepKind::Converge),
            count(StepKind::Once),
            count(StepKind::Check),
            count(StepKind::Manual),
            count(StepKind::Note)
        );
    }
    out
}

pub fn artifacts(plan: &Plan) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{:<45} {:<8} {:<5} hosts", "FILE", "DIR", "LINE");
    for a in &plan.artifacts {
        let _ = writeln!(
            out,
            "{:<45} {:<8} {:<5} {}",
            a.file,
            a.dir,
            a.line,
            a.hosts.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "\n{} files to gather before the window",
        plan.artifacts.len()
    );
    out
}
