//! The corpus (tests/corpus/): runbooks in the house styles of many kinds of real documents,
//! written in our own words, each with what a careful operator reads out of it
//! (`NAME.expect.json`, the format of ../shared/fidelity/README.md). rbc must never put a
//! command on a host the text does not mean (wrong = 0); right and flagged are reported.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use rbc::plan::{Plan, StepKind};
use serde_json::Value;

#[derive(Default, Debug)]
struct Score {
    right: usize,
    partial: usize,
    flagged: usize,
    wrong: Vec<String>,
    lines: usize,
    hosts_ok: usize,
    hosts: usize,
}

fn automated(kind: StepKind) -> bool {
    match kind {
        StepKind::Converge | StepKind::Once | StepKind::Check => true,
        StepKind::Manual | StepKind::Note => false,
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Scores one plan against its expectations, as ../shared/fidelity/fidelity.py does.
fn score(plan: &Plan, exp: &Value) -> Score {
    let mut s = Score::default();
    // A machine the text gives only an address for may carry another name in rbc.
    let mut rename = std::collections::BTreeMap::new();
    if let Some(hosts) = exp["hosts"].as_object() {
        for (name, ip) in hosts {
            let ip = ip.as_str().unwrap_or("");
            s.hosts += 1;
            let got = plan.host(name).or_else(|| {
                (!ip.is_empty())
                    .then(|| plan.hosts.iter().find(|h| h.ip.as_deref() == Some(ip)))
                    .flatten()
            });
            if let Some(h) = got {
                rename.insert(name.clone(), h.name.clone());
                if h.ip.as_deref().unwrap_or("") == ip {
                    s.hosts_ok += 1;
                }
            }
        }
    }
    let ren = |hs: Vec<String>| -> BTreeSet<String> {
        hs.into_iter()
            .map(|h| rename.get(&h).cloned().unwrap_or(h))
            .collect()
    };
    let at = |from: u64, to: u64| {
        plan.steps
            .iter()
            .filter(move |st| (from..=to).contains(&(st.line as u64)))
    };
    for r in exp["lines"].as_array().into_iter().flatten() {
        s.lines += 1;
        let (from, to) = (r["from"].as_u64().unwrap(), r["to"].as_u64().unwrap());
        let got: BTreeSet<String> = at(from, to)
            .filter(|st| automated(st.kind))
            .flat_map(|st| st.hosts.clone())
            .collect();
        let manual: BTreeSet<String> = at(from, to)
            .filter(|st| st.kind == StepKind::Manual)
            .flat_map(|st| st.hosts.clone())
            .collect();
        let want = ren(strings(&r["hosts"]));
        let extra: Vec<_> = got.difference(&want).collect();
        let dropped: Vec<_> = want
            .iter()
            .filter(|h| !got.contains(*h) && !manual.contains(*h))
            .collect();
        if got == want {
            s.right += 1;
        } else if got.is_empty() {
            s.flagged += 1;
        } else if extra.is_empty() && dropped.is_empty() {
            s.partial += 1;
        } else {
            s.wrong.push(format!(
                "lines {from}-{to} {}: want {want:?} got {got:?}",
                r["what"].as_str().unwrap_or("")
            ));
        }
    }
    for r in exp["no_exec"].as_array().into_iter().flatten() {
        let (from, to) = (r["from"].as_u64().unwrap(), r["to"].as_u64().unwrap());
        let runs: Vec<_> = at(from, to)
            .filter(|st| automated(st.kind) && !st.hosts.is_empty())
            .collect();
        if !runs.is_empty() {
            s.wrong.push(format!(
                "lines {from}-{to} {}: runs",
                r["what"].as_str().unwrap_or("")
            ));
        }
    }
    for d in exp["distinct"].as_array().into_iter().flatten() {
        let line = d["line"].as_u64().unwrap();
        let hosts = ren(strings(&d["hosts"]));
        let forbid = d["forbid"].as_str().unwrap_or("");
        let bad = plan.steps.iter().any(|st| {
            st.line as u64 == line
                && automated(st.kind)
                && st.hosts.iter().any(|h| hosts.contains(h))
                && shows(&serde_json::to_value(st).unwrap(), forbid)
        });
        if bad {
            s.wrong
                .push(format!("line {line} {}", d["what"].as_str().unwrap_or("")));
        }
    }
    s
}

/// Whether a string of the step (its command, content, text…) holds `text` as written: the
/// step's JSON escapes quotes and newlines, so `bind_addr = "10.0.0.1"` is looked for in its
/// strings, not in the serialized JSON.
fn shows(v: &serde_json::Value, text: &str) -> bool {
    match v {
        serde_json::Value::String(s) => s.contains(text),
        serde_json::Value::Array(a) => a.iter().any(|x| shows(x, text)),
        serde_json::Value::Object(o) => o.values().any(|x| shows(x, text)),
        _ => false,
    }
}

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".expect.json"))
        .collect();
    v.sort();
    v
}

#[test]
fn no_command_of_the_corpus_runs_where_the_text_does_not_mean_it() {
    let files = corpus();
    assert!(
        files.len() >= 30,
        "the corpus holds {} runbooks",
        files.len()
    );
    let mut total = Score::default();
    let mut report = String::new();
    for exp_path in &files {
        let md = PathBuf::from(exp_path.to_string_lossy().replace(".expect.json", ".md"));
        let exp: Value = serde_json::from_str(&std::fs::read_to_string(exp_path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", exp_path.display()));
        let source =
            rbc::source::Source::load(&md).unwrap_or_else(|e| panic!("{}: {e:?}", md.display()));
        let compiled = rbc::planner::compile(&source);
        // `rbc plan` refuses a runbook with errors: nothing of it is automated.
        let refused = compiled
            .diagnostics
            .iter()
            .any(|d| d.severity == rbc::diagnostic::Severity::Error);
        let mut plan = compiled.plan;
        if refused {
            plan.steps.clear();
        }
        let s = score(&plan, &exp);
        report.push_str(&format!(
            "{}: right {}/{} partial {} flagged {} wrong {} hosts {}/{}\n",
            md.file_name().unwrap().to_string_lossy(),
            s.right,
            s.lines,
            s.partial,
            s.flagged,
            s.wrong.len(),
            s.hosts_ok,
            s.hosts
        ));
        for w in &s.wrong {
            report.push_str(&format!("   WRONG {w}\n"));
        }
        total.right += s.right;
        total.partial += s.partial;
        total.flagged += s.flagged;
        total.lines += s.lines;
        total.hosts += s.hosts;
        total.hosts_ok += s.hosts_ok;
        total.wrong.extend(s.wrong);
    }
    println!(
        "{report}TOTAL right {}/{} ({}%) partial {} flagged {} wrong {} hosts {}/{}",
        total.right,
        total.lines,
        100 * total.right / total.lines.max(1),
        total.partial,
        total.flagged,
        total.wrong.len(),
        total.hosts_ok,
        total.hosts
    );
    assert!(total.wrong.is_empty(), "wrong lines:\n{report}");
}
