use std::collections::{BTreeMap, BTreeSet, HashSet};

use super::Draft;
use crate::inventory::{self, Inventory};
use crate::outline::Outline;
use crate::plan::{
    Action, Artifact, Gate, GateRef, HostKind, Phase, Plan, PlanHost, Step, StepKind,
};
use crate::source::Source;

/// Ids, host names, gates; the plan.
pub(super) fn finish(
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
        let (mut summary, mut guard) = d.action.describe();
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
            guard = crate::plan::BY_HAND.into();
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
            hidden: Vec::new(),
        },
        step_of_draft,
    )
}

/// Before a step on host H: every step on other hosts (or done by a person) between H's previous
/// step and this one, in runbook order, must be finished.
/// Payloads come with the bundle and gate nothing; steps from one element (a table) are parallel.
/// One host at a time: in a serial group, a host's first step of the group waits until the host
/// before it in the group's order has done its last step of the group.
pub(super) fn rolling_gates(
    steps: &mut [Step],
    serial: &[Option<(usize, Vec<String>)>],
    phase: Phase,
) {
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

pub(super) fn compute_gates(
    steps: &mut [Step],
    no_gate: &[bool],
    elements: &[usize],
    phase: Phase,
) {
    let idx: Vec<usize> = (0..steps.len())
        .filter(|i| {
            steps[*i].phase == phase
                && steps[*i].kind != StepKind::Note
                && !matches!(steps[*i].action, Action::Payload { .. })
        })
        .collect();
    let mut last_on: BTreeMap<String, usize> = BTreeMap::new(); // host → position in idx
    let everyone: BTreeSet<&str> = idx
        .iter()
        .flat_map(|&i| steps[i].hosts.iter().map(String::as_str))
        .collect();
    let everyone: Vec<String> = everyone.into_iter().map(str::to_string).collect();
    // before[p]: every step at a position below it is finished before the step at position p
    // starts, through that step's gates and its hosts' own order (a prefix of idx, so that a
    // gate can leave out what a step it names already waited for: linear in hosts, not
    // quadratic — one step per host in sequence waits for the one before, not for all).
    let mut before: Vec<usize> = vec![0; idx.len()];
    for (pos, &i) in idx.iter().enumerate() {
        let hosts = steps[i].hosts.clone();
        let mut gates = Vec::new();
        // What this step surely comes after: the earlier steps of its own hosts, and what its
        // gates name.
        let mut preds: Vec<usize> = hosts
            .iter()
            .filter_map(|h| last_on.get(h).copied())
            .collect();
        for h in &hosts {
            if no_gate[i] {
                continue;
            }
            let from = last_on.get(h).map(|p| p + 1).unwrap_or(0);
            // The latest step of every other host (and of the operator) since h's last step,
            // newest first; the scan stops where a step kept already comes after all the rest.
            let mut seen: HashSet<&str> = HashSet::new();
            let mut covered = from;
            let mut kept: Vec<(usize, &str)> = Vec::new();
            for q in (from..pos).rev() {
                if q < covered {
                    break;
                }
                let j = idx[q];
                let s = &steps[j];
                if s.hosts.contains(h) || elements[j] == elements[i] {
                    continue;
                }
                let mut new = false;
                if s.hosts.is_empty() && seen.insert("") {
                    kept.push((q, ""));
                    new = true;
                }
                for o in &s.hosts {
                    if seen.insert(o.as_str()) {
                        kept.push((q, o.as_str()));
                        new = true;
                    }
                }
                if new {
                    covered = covered.max(before[q]);
                }
            }
            if kept.is_empty() {
                continue;
            }
            kept.sort_unstable();
            preds.extend(kept.iter().map(|(p, _)| *p));
            let first_section = steps[idx[kept[0].0]].section.clone();
            let last_section = steps[idx[kept[kept.len() - 1].0]].section.clone();
            let after: Vec<GateRef> = kept
                .iter()
                .map(|(p, host)| GateRef {
                    step: steps[idx[*p]].id.clone(),
                    section: steps[idx[*p]].section.clone(),
                    host: host.to_string(),
                })
                .collect();
            let mut names: Vec<String> = Vec::new();
            for (_, host) in &kept {
                let n = if host.is_empty() {
                    "operator".to_string()
                } else {
                    host.to_string()
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
            let who = who_else(&names, &everyone, &hosts);
            gates.push(Gate {
                host: h.clone(),
                after,
                summary: format!("{range} on {who}"),
            });
        }
        // The prefix of positions finished before this step starts.
        preds.sort_unstable();
        let mut reach = preds.iter().map(|&p| before[p]).max().unwrap_or(0);
        for &p in &preds {
            if p <= reach {
                reach = reach.max(p + 1);
            }
        }
        before[pos] = reach;
        steps[i].gates = gates;
        for h in hosts {
            last_on.insert(h, pos);
        }
    }
}

/// The hosts a gate waits for, in words: `every other host` when they are all the hosts of the
/// phase that do not take part in the waiting step (17 names say less than those three words),
/// else their names.
fn who_else(names: &[String], everyone: &[String], waiting: &[String]) -> String {
    // Counted, not listed: `everyone` is sorted and `names` distinct, so this stays cheap with
    // thousands of hosts.
    let others = everyone.len()
        - waiting
            .iter()
            .filter(|h| everyone.binary_search(h).is_ok())
            .count();
    let operator = names.iter().any(|n| n == "operator");
    let named = names
        .iter()
        .filter(|n| *n != "operator" && !waiting.contains(n))
        .count();
    let all = others >= 3 && named == others;
    match (all, operator) {
        (true, true) => "every other host and the operator".to_string(),
        (true, false) => "every other host".to_string(),
        (false, _) => names.join(", "),
    }
}
