//! `rbc status [DIR]`: where every host stands, from the journals the playbooks brought back to
//! `DIR/runs/<UTC>/<host>/journal` (DIR is a dist), or from one host's state directory (a folder
//! holding `journal`). One line per host, then the stretch the change is in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::ansible::{Layout, LayoutHost};

/// The last event of each step, folded like the runtime does (`reset` starts a namespace over).
#[derive(Default)]
struct Journal {
    /// "ns\tid" → (event, time, note)
    last: BTreeMap<String, (String, String, String)>,
    /// The last line's time and what it was, for a short summary.
    latest: Option<(String, String, String, String)>,
    /// Time of the last `reset` by a finished rollback.
    rolled_back: Option<String>,
    lines: usize,
}

fn read_journal(path: &Path) -> Option<Journal> {
    let text = std::fs::read_to_string(path).ok()?;
    let mut j = Journal::default();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 5 || f[4].is_empty() {
            continue;
        }
        j.lines += 1;
        let (time, ns, id, event) = (f[0], f[2], f[3], f[4]);
        let note = f.get(5).copied().unwrap_or("-");
        if id == "*" && event == "reset" {
            let pair = if ns == "run" {
                ["run", "gate"]
            } else {
                ["rb", "rbgate"]
            };
            j.last
                .retain(|k, _| !pair.iter().any(|p| k.starts_with(&format!("{p}\t"))));
            if ns == "run" {
                j.rolled_back = Some(time.to_string());
            }
            continue;
        }
        if ns == "run" {
            j.rolled_back = None;
        }
        j.last.insert(
            format!("{ns}\t{id}"),
            (event.to_string(), time.to_string(), note.to_string()),
        );
        j.latest = Some((
            time.to_string(),
            ns.to_string(),
            id.to_string(),
            event.to_string(),
        ));
    }
    Some(j)
}

fn done(kind: &str, event: &str) -> bool {
    matches!(
        (kind, event),
        ("converge", "ok" | "changed")
            | ("once", "ok" | "changed")
            | ("check", "ok" | "looked")
            | ("manual", "confirmed")
    )
}

/// The newest gathered journal of a host under `dist/runs/`.
fn gathered(runs: &Path, host: &str) -> Option<(PathBuf, String)> {
    let mut dirs: Vec<String> = std::fs::read_dir(runs)
        .ok()?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n != "operator")
        .collect();
    dirs.sort();
    dirs.into_iter().rev().find_map(|d| {
        let p = runs.join(&d).join(host).join("journal");
        p.is_file().then_some((p, d))
    })
}

struct HostState {
    line: String,
    /// The stretch of its first step not done (None: all done).
    next_stretch: Option<usize>,
    failed: bool,
    waiting_manual: Option<String>,
}

fn host_state(h: &LayoutHost, j: Option<&Journal>) -> HostState {
    let total = h.steps.len();
    let Some(j) = j else {
        return HostState {
            line: format!("0/{total} not started (no journal gathered yet)"),
            next_stretch: h.steps.first().map(|s| s.stretch),
            failed: false,
            waiting_manual: None,
        };
    };
    let ev = |id: &str| j.last.get(&format!("run\t{id}"));
    let n_done = h
        .steps
        .iter()
        .filter(|s| ev(&s.id).is_some_and(|e| done(&s.kind, &e.0)))
        .count();
    let last_done = h
        .steps
        .iter()
        .rev()
        .find(|s| ev(&s.id).is_some_and(|e| done(&s.kind, &e.0)));
    let next = h
        .steps
        .iter()
        .find(|s| !ev(&s.id).is_some_and(|e| done(&s.kind, &e.0)));
    let mut line = format!("{n_done}/{total}");
    if let Some(s) = last_done {
        line.push_str(&format!(" last done {} ({})", s.id, s.section));
    }
    let failed = h.steps.iter().find_map(|s| {
        ev(&s.id)
            .filter(|e| e.0 == "failed" || e.0 == "apply")
            .map(|e| (s, e))
    });
    let mut st = HostState {
        line: String::new(),
        next_stretch: next.map(|s| s.stretch),
        failed: false,
        waiting_manual: None,
    };
    if let Some((s, e)) = failed {
        let what = if e.0 == "apply" {
            "INTERRUPTED"
        } else {
            "FAILED"
        };
        line.push_str(&format!(
            " · {what} at {} ({}, stretch {}) {}: {}",
            s.id, s.section, s.stretch, e.1, e.2
        ));
        st.failed = true;
    } else if let Some(s) = next {
        if n_done == 0 {
            if let Some(t) = &j.rolled_back {
                line.push_str(&format!(" · rolled back {t}"));
            } else {
                line.push_str(" · not started");
            }
        }
        if s.kind == "manual" {
            line.push_str(&format!(
                " · waiting: manual step {} ({}, stretch {})",
                s.id, s.section, s.stretch
            ));
            st.waiting_manual = Some(s.id.clone());
        } else if !s.gate.is_empty()
            && !j
                .last
                .get(&format!("gate\t{}", s.id))
                .is_some_and(|e| e.0 == "confirmed")
        {
            line.push_str(&format!(
                " · next {} (stretch {}) waits for {}",
                s.id, s.stretch, s.gate
            ));
        } else {
            line.push_str(&format!(" · next {} (stretch {})", s.id, s.stretch));
        }
    } else {
        line.push_str(" · done");
    }
    st.line = line;
    st
}

/// The text `rbc status DIR` prints, or an error for the user.
pub fn status(dir: &Path) -> Result<String, String> {
    let layout_path = dir.join("ansible").join("stretches.json");
    if !layout_path.is_file() {
        let journal = dir.join("journal");
        if journal.is_file() {
            return Ok(state_dir(dir, &journal));
        }
        return Err(format!(
            "{} is neither a dist (no ansible/stretches.json) nor a host's state directory (no journal)\n  = help: rbc status dist, after `rbc compile` and a run of dist/ansible/site.yml; or rbc status /var/lib/rbc/HOST on a host",
            dir.display()
        ));
    }
    let text = std::fs::read_to_string(&layout_path)
        .map_err(|e| format!("cannot read {}: {e}", layout_path.display()))?;
    let layout: Layout = serde_json::from_str(&text)
        .map_err(|e| format!("{} is not rbc's: {e}", layout_path.display()))?;
    let runs = dir.join("runs");
    let width = layout
        .hosts
        .iter()
        .map(|h| h.name.chars().count())
        .max()
        .unwrap_or(4);
    let mut out = String::new();
    let mut states = Vec::new();
    let mut sources: Vec<String> = Vec::new();
    for h in &layout.hosts {
        let found = gathered(&runs, &h.name);
        let journal = found.as_ref().and_then(|(p, _)| read_journal(p));
        if let Some((_, run)) = &found {
            if !sources.contains(run) {
                sources.push(run.clone());
            }
        }
        let st = host_state(h, journal.as_ref());
        out.push_str(&format!("{:<width$}  {}\n", h.name, st.line, width = width));
        states.push((h.name.clone(), st));
    }
    sources.sort();
    let head = if sources.is_empty() {
        format!(
            "rbc status: {} hosts; no journal gathered yet in {}\n",
            layout.hosts.len(),
            runs.display()
        )
    } else {
        format!(
            "rbc status: {} hosts, journals gathered in {} ({})\n",
            layout.hosts.len(),
            runs.display(),
            sources.join(", ")
        )
    };
    let total = layout.stretches.len();
    let operator_done = |id: &str| runs.join("operator").join(id).is_file();
    // The change is in the first stretch not finished everywhere.
    let current = layout.stretches.iter().find(|x| {
        if x.operator {
            return !x.person.as_deref().is_some_and(operator_done);
        }
        states
            .iter()
            .any(|(_, st)| st.next_stretch.is_some_and(|n| n <= x.n))
    });
    let failed: Vec<&str> = states
        .iter()
        .filter(|(_, st)| st.failed)
        .map(|(h, _)| h.as_str())
        .collect();
    let fleet = match current {
        None => format!("change: done, all {total} stretches on every host"),
        Some(x) => {
            let mut s = format!(
                "change: in stretch {}/{total} ({} on {})",
                x.n,
                x.sections,
                if x.operator {
                    "the operator".to_string()
                } else {
                    x.hosts.join(", ")
                }
            );
            if !failed.is_empty() {
                s.push_str(&format!(
                    "; stopped: failed on {}; fix it and run the playbook again",
                    failed.join(", ")
                ));
            } else if let Some(p) = &x.person {
                let waiting = x.operator
                    || states
                        .iter()
                        .any(|(_, st)| st.waiting_manual.as_deref() == Some(p));
                if waiting {
                    s.push_str(&format!("; waiting for manual step {p}"));
                }
            }
            if !x.waits.is_empty() {
                s.push_str(&format!("; it starts after {}", x.waits.join("; ")));
            }
            s
        }
    };
    Ok(format!("{head}{out}{fleet}\n"))
}

/// One host's state directory, without the plan: what the journal says.
fn state_dir(dir: &Path, journal: &Path) -> String {
    let Some(j) = read_journal(journal) else {
        return format!("{}: the journal cannot be read\n", dir.display());
    };
    let mut done = 0;
    let mut failed = Vec::new();
    let mut waiting = Vec::new();
    for (k, (event, time, note)) in &j.last {
        let Some(id) = k.strip_prefix("run\t") else {
            continue;
        };
        match event.as_str() {
            "ok" | "changed" | "confirmed" => done += 1,
            "failed" => failed.push(format!("{id} {time}: {note}")),
            "apply" => waiting.push(format!("{id} interrupted {time}")),
            _ => {}
        }
    }
    let mut out = format!("{}: {done} steps done", dir.display());
    if let Some((time, ns, id, event)) = &j.latest {
        out.push_str(&format!("; last: {event} {ns} {id} at {time}"));
    }
    if let Some(t) = &j.rolled_back {
        out.push_str(&format!("; rolled back {t}"));
    }
    out.push('\n');
    for f in failed {
        out.push_str(&format!("  FAILED {f}\n"));
    }
    for w in waiting {
        out.push_str(&format!("  {w}\n"));
    }
    out
}
