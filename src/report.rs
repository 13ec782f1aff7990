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

/// Columns a table rbc prints may take: tables fit a 100-column terminal (`--wide`: no limit).
pub const WIDTH: usize = 100;

/// Display width: CJK characters take two columns (`内存` is 4 wide, not 2).
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

/// `text` folded into lines of at most `max` columns, at spaces where it can and inside a word
/// only when one word is longer than a line; nothing is cut off.
pub fn fold(text: &str, max: usize) -> Vec<String> {
    let max = max.max(8);
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let sep = usize::from(!cur.is_empty());
        if width(&cur) + sep + width(word) <= max {
            if sep == 1 {
                cur.push(' ');
            }
            cur.push_str(word);
            continue;
        }
        if !cur.is_empty() {
            lines.push(std::mem::take(&mut cur));
        }
        for c in word.chars() {
            if width(&cur) + width(c.encode_utf8(&mut [0; 4])) > max {
                lines.push(std::mem::take(&mut cur));
            }
            cur.push(c);
        }
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// A table for people: every column as wide as its widest cell (by display width); the last
/// column folded so that the table fits `limit` columns (`None`: one line per row).
pub fn table(head: &[&str], rows: &[Vec<String>], limit: Option<usize>) -> String {
    let n = head.len();
    let mut widths: Vec<usize> = head.iter().map(|h| width(h)).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate().take(n.saturating_sub(1)) {
            widths[i] = widths[i].max(width(c));
        }
    }
    let indent: usize = widths[..n.saturating_sub(1)].iter().map(|w| w + 2).sum();
    let last = limit.map(|l| l.saturating_sub(indent).max(20));
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let mut text = String::new();
        for (i, c) in cells.iter().enumerate().take(n - 1) {
            text.push_str(&pad(c, widths[i] + 2));
        }
        let tail = cells.get(n - 1).map(String::as_str).unwrap_or("");
        // Folded under its own column when that leaves room enough; else what does not fit
        // on the row's line goes on the lines below it, indented by 4.
        let (folded, under) = match (last, limit) {
            (Some(max), _) if max >= 40 => (fold(tail, max), indent),
            (Some(max), Some(limit)) => {
                let mut first = String::new();
                let mut rest = Vec::new();
                for w in tail.split(' ').filter(|w| !w.is_empty()) {
                    let sep = usize::from(!first.is_empty());
                    if rest.is_empty() && width(&first) + sep + width(w) <= max {
                        if sep == 1 {
                            first.push(' ');
                        }
                        first.push_str(w);
                    } else {
                        rest.push(w);
                    }
                }
                let mut lines = vec![first];
                if !rest.is_empty() {
                    lines.extend(fold(&rest.join(" "), limit - 4));
                }
                (lines, 4)
            }
            _ => (vec![tail.to_string()], indent),
        };
        for (k, part) in folded.iter().enumerate() {
            if k > 0 {
                text.push_str(&" ".repeat(under));
            }
            text.push_str(part);
            let _ = writeln!(out, "{}", text.trim_end());
            text.clear();
        }
    };
    line(&head.iter().map(|h| h.to_string()).collect::<Vec<_>>());
    for r in rows {
        line(r);
    }
    out
}

/// `rbc hosts`: one row per host; the aliases and specs folded to fit 100 columns unless `wide`.
pub fn hosts(plan: &Plan, wide: bool) -> String {
    let rows: Vec<Vec<String>> = plan
        .hosts
        .iter()
        .map(|h| {
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
            vec![
                h.name.clone(),
                h.ip.clone().unwrap_or_else(|| "-".into()),
                kind.to_string(),
                h.group.clone().unwrap_or_else(|| "-".into()),
                h.physical.clone().unwrap_or_else(|| "-".into()),
                h.line.to_string(),
                extra,
            ]
        })
        .collect();
    let mut out = table(
        &[
            "NAME",
            "IP",
            "KIND",
            "GROUP",
            "PHYSICAL",
            "LINE",
            "aliases / specs",
        ],
        &rows,
        (!wide).then_some(WIDTH),
    );
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
    // Each host's steps by phase, in plan order, in one pass over the steps (not one per host).
    let mut of: std::collections::HashMap<(&str, Phase), Vec<&Step>> = Default::default();
    for s in &plan.steps {
        for h in &s.hosts {
            let steps = of.entry((h.as_str(), s.phase)).or_default();
            if steps.last().map_or(true, |last| !std::ptr::eq(*last, s)) {
                steps.push(s);
            }
        }
    }
    for h in plan
        .hosts
        .iter()
        .filter(|h| only.is_empty() || only.contains(&h.name))
    {
        for phase in [Phase::Run, Phase::Rollback] {
            let steps: &[&Step] = of.get(&(h.name.as_str(), phase)).map_or(&[], |v| v);
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

/// `rbc artifacts`: one row per file; the hosts folded to fit 100 columns unless `wide`.
pub fn artifacts(plan: &Plan, wide: bool) -> String {
    let rows: Vec<Vec<String>> = plan
        .artifacts
        .iter()
        .map(|a| {
            vec![
                a.file.clone(),
                a.dir.clone(),
                a.line.to_string(),
                a.hosts.join(", "),
            ]
        })
        .collect();
    let mut out = table(
        &["FILE", "DIR", "LINE", "hosts"],
        &rows,
        (!wide).then_some(WIDTH),
    );
    let _ = writeln!(
        out,
        "\n{} files to gather before the window",
        plan.artifacts.len()
    );
    out
}
