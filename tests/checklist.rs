//! The printed checklist: compile the shipped runbook, print dist/checklist.html with real
//! headless Chromium to PDF, and read the PDF back with poppler's pdftotext: every host, every
//! step id and every manual step is there, Chinese comes out intact, and no step is split by a
//! page break (its id and its boxes land on the same page). Without chromium or poppler the
//! print test is skipped with a message, except in CI (`CI=true`), where it must run.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use regex::Regex;
use serde_json::Value;

const RUNBOOK: &str = include_str!("../runbook.md");

struct Dist {
    _rbc: common::Rbc,
    dir: PathBuf,
    plan: Value,
}

fn compile() -> Dist {
    let rbc = common::rbc().file("runbook.md", RUNBOOK).args(&[
        "compile",
        "runbook.md",
        "-o",
        "dist",
        "--no-shellcheck",
    ]);
    let out = rbc.run();
    assert_eq!(out.code, 0, "rbc compile failed:\n{}", out.stderr);
    let dir = rbc.path("dist");
    let plan: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("plan.json")).unwrap()).unwrap();
    Dist {
        _rbc: rbc,
        dir,
        plan,
    }
}

fn steps(plan: &Value) -> &Vec<Value> {
    plan["steps"].as_array().unwrap()
}

fn s<'a>(v: &'a Value, k: &str) -> &'a str {
    v[k].as_str().unwrap_or("")
}

fn hosts_of(step: &Value) -> Vec<String> {
    step["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap().to_string())
        .collect()
}

/// Hosts that run steps (each has a bundle) and the jump host.
fn bundle_hosts(plan: &Value) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = steps(plan).iter().flat_map(hosts_of).collect();
    for h in plan["hosts"].as_array().unwrap() {
        if s(h, "kind") == "jump" {
            out.insert(s(h, "name").to_string());
        }
    }
    out
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// `id` as a token: not followed by another digit (so `2.4.1-1` is not found in `2.4.1-10`).
fn has_id(text: &str, id: &str) -> bool {
    text.match_indices(id).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + id.len()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_digit() || c == '.')
            && !after.is_some_and(|c| c.is_ascii_digit())
    })
}

#[test]
fn html_is_self_contained_and_made_for_print() {
    let d = compile();
    let html = std::fs::read_to_string(d.dir.join("checklist.html")).unwrap();
    let lower = html.to_lowercase();
    for bad in ["<script", "<link", "@import", "url(", "src=", "@font-face"] {
        assert!(!lower.contains(bad), "checklist.html has `{bad}`");
    }
    let external = Regex::new(r#"(?i)(href|src)\s*=\s*["']?\s*(https?:|//)"#).unwrap();
    assert!(!external.is_match(&html), "checklist.html links outside");
    for need in [
        "@media print",
        "size: A4",
        "break-inside: avoid",
        "Noto Sans CJK SC",
    ] {
        assert!(html.contains(need), "checklist.html lacks `{need}`");
    }
    assert!(html.contains("v1.1.0 → v1.4.0"), "versions on the cover");
}

/// checklist.md carries the same content: every host, step id, manual step, gate, finding.
#[test]
fn markdown_has_the_same_content() {
    let d = compile();
    let md = std::fs::read_to_string(d.dir.join("checklist.md")).unwrap();
    let html = std::fs::read_to_string(d.dir.join("checklist.html")).unwrap();
    for h in bundle_hosts(&d.plan) {
        assert!(md.contains(&h), "checklist.md lacks host {h}");
    }
    assert!(md.contains("v1.1.0 → v1.4.0"));
    for st in steps(&d.plan) {
        let id = s(st, "id");
        assert!(has_id(&md, id), "checklist.md lacks step {id}");
        assert!(has_id(&html, id), "checklist.html lacks step {id}");
        if s(st, "kind") == "manual" {
            let line = md
                .lines()
                .find(|l| l.starts_with("- ") && l.contains(&format!("**{id}**")))
                .unwrap();
            assert!(line.contains("**[人工 MANUAL]**"), "{id}: {line}");
        }
        for g in st["gates"].as_array().unwrap() {
            let summary = s(g, "summary");
            assert!(md.contains(summary), "{id}: gate `{summary}` not in the md");
        }
    }
    // The lint page: every warning with its line.
    let warnings = md
        .split("## 未解决的检查发现")
        .nth(1)
        .expect("findings page");
    for code in ["W024", "W021", "W026", "W027", "W025"] {
        assert!(warnings.contains(code), "findings page lacks {code}");
    }
    // The same sections in the same order in both.
    let heads = |text: &str, re: &Regex| -> Vec<String> {
        re.captures_iter(text).map(|c| c[1].to_string()).collect()
    };
    let md_heads = heads(&md, &Regex::new(r"(?m)^#{3,5} (\d+(?:\.\d+)*) ").unwrap());
    let html_heads = heads(&html, &Regex::new(r"<h[345]>(\d+(?:\.\d+)*) ").unwrap());
    assert_eq!(md_heads, html_heads);
    assert!(
        md_heads.contains(&"4".to_string()),
        "chapter 4 heads its sections"
    );
}

fn which(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    names.iter().find_map(|n| {
        std::env::split_paths(&path)
            .map(|d| d.join(n))
            .find(|p| p.is_file())
    })
}

/// Skip (with a message) without the tools, except in CI.
fn tools() -> Option<(PathBuf, PathBuf, PathBuf)> {
    let chromium = which(&["chromium", "chromium-browser", "google-chrome"]);
    let pdftotext = which(&["pdftotext"]);
    let fc_list = which(&["fc-list"]);
    match (chromium, pdftotext, fc_list) {
        (Some(c), Some(t), Some(f)) => Some((c, t, f)),
        _ => {
            let msg = "chromium, poppler-utils (pdftotext) and fontconfig (fc-list) are needed to \
                       print the checklist: apt-get install chromium poppler-utils fonts-noto-cjk \
                       (scripts/test.sh does)";
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("{msg}");
            }
            eprintln!("skipped: {msg}");
            None
        }
    }
}

fn print_pdf(chromium: &Path, html: &Path, pdf: &Path) {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromium");
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "chromium: {status}");
            break;
        }
        if start.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not print within 180 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        std::fs::metadata(pdf).map(|m| m.len() > 0).unwrap_or(false),
        "no PDF"
    );
}

fn run(tool: &Path, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap();
    assert!(out.status.success(), "{}: {:?}", tool.display(), out);
    String::from_utf8(out.stdout).expect("UTF-8 text")
}

#[test]
fn printed_with_chromium_every_step_on_one_page() {
    let Some((chromium, pdftotext, fc_list)) = tools() else {
        return;
    };
    let d = compile();
    let pdf = d.dir.join("checklist.pdf");
    print_pdf(&chromium, &d.dir.join("checklist.html"), &pdf);
    let pdf_s = pdf.to_str().unwrap();

    // Chromium embeds fonts nameless (Type 3), so the PDF cannot say which font drew the
    // Chinese: check that fontconfig offers Chromium a Chinese font at all.
    let zh = run(&fc_list, &[":lang=zh", "family"]);
    assert!(
        !zh.trim().is_empty(),
        "no Chinese font installed (apt-get install fonts-noto-cjk)"
    );

    let text = run(&pdftotext, &["-enc", "UTF-8", pdf_s, "-"]);
    let flat = squeeze(&text);
    for h in bundle_hosts(&d.plan) {
        assert!(text.contains(&h), "PDF lacks host {h}");
    }
    assert!(flat.contains("v1.1.0→v1.4.0"), "PDF lacks the versions");
    for want in [
        "变更检查表",
        "人员与签字",
        "主机包",
        "跨主机顺序",
        "回退",
        "未解决的检查发现",
    ] {
        assert!(flat.contains(want), "PDF lacks `{want}`");
    }
    // Chinese intact: every section title that has steps, the lint messages' Chinese quotes.
    let titles: BTreeSet<&str> = steps(&d.plan)
        .iter()
        .map(|st| s(st, "section_title"))
        .collect();
    for t in titles {
        assert!(flat.contains(&squeeze(t)), "PDF lacks section title `{t}`");
    }
    assert!(flat.contains(&squeeze("在eayuncloud三台物理机上搭建虚拟机")));
    assert!(flat.contains(&squeeze("重启操作系统使配置生效。")));

    // Per page (pdftotext -layout; pages end in a form feed): a step's head line (its id and
    // kind) and its box line(s) (`□ host`) are on the same page.
    let layout = run(&pdftotext, &["-layout", "-enc", "UTF-8", pdf_s, "-"]);
    let pages: Vec<&str> = layout.split('\u{c}').collect();
    assert!(pages.len() > 5, "{} pages", pages.len());
    let head =
        Regex::new(r"^\s*(?:(\d+(?:\.\d+)*-\d+)\s+)?(自动 AUTO|检查 CHECK|人工 MANUAL|说明 note)")
            .unwrap();
    let by_id: std::collections::BTreeMap<&str, &Value> =
        steps(&d.plan).iter().map(|st| (s(st, "id"), st)).collect();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut manual_seen: BTreeSet<String> = BTreeSet::new();
    // A box line is `□ host` for a host of the plan or the operator (the cover's tables have
    // boxes too, but never before a host's name).
    let mut names: Vec<String> = d.plan["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| s(h, "name").to_string())
        .collect();
    names.push("操作员 operator".to_string());
    for (p, page) in pages.iter().enumerate() {
        // (id or "" for the journal-only block, kind, the box lines that followed)
        let mut blocks: Vec<(String, String, Vec<String>)> = Vec::new();
        for line in page.lines() {
            if let Some(c) = head.captures(line) {
                let id = c.get(1).map(|m| m.as_str()).unwrap_or("").to_string();
                let journal = id.is_empty() && line.contains("./rollback.sh");
                if !journal && !by_id.contains_key(id.as_str()) {
                    continue;
                }
                blocks.push((id, c[2].to_string(), Vec::new()));
            } else if is_box_line(line, &names) {
                match blocks.last_mut() {
                    Some(b) => b.2.push(line.to_string()),
                    None => {
                        // Boxes before any step head on a page: only the cover and tables may
                        // have boxes there, and those have no `始 start`.
                        panic!(
                            "page {}: boxes without their step (split by a page break?):\n{line}",
                            p + 1
                        )
                    }
                }
            }
        }
        for (id, kind, boxes) in &blocks {
            if id.is_empty() {
                assert!(
                    !boxes.is_empty(),
                    "page {}: journal-only block split",
                    p + 1
                );
                continue;
            }
            let st = by_id[id.as_str()];
            seen.insert(id.clone());
            if kind == "说明 note" {
                assert_eq!(s(st, "kind"), "note", "{id}");
                continue;
            }
            assert!(
                !boxes.is_empty(),
                "page {}: step {id} has no boxes on its page (split by a page break?)",
                p + 1
            );
            let joined = boxes.join(" ");
            if s(st, "kind") == "manual" {
                assert_eq!(kind, "人工 MANUAL", "{id}");
                manual_seen.insert(id.clone());
                // A person's own work is signed where it is done.
                assert!(
                    joined.contains("始 start"),
                    "page {}: {id}: {joined}",
                    p + 1
                );
            } else {
                assert!(
                    !joined.contains("始 start"),
                    "page {}: {id}: {joined}",
                    p + 1
                );
            }
            let hosts = hosts_of(st);
            let names = if hosts.is_empty() {
                vec!["操作员 operator".to_string()]
            } else {
                hosts
            };
            // In the rollback chapter a step is printed per host: one of its hosts suffices.
            let rollback = s(st, "phase") == "rollback";
            let found: Vec<&String> = names
                .iter()
                .filter(|h| {
                    joined.match_indices(&format!("□ {h}")).any(|(i, m)| {
                        !joined[i + m.len()..]
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_alphanumeric() || c == '-')
                    })
                })
                .collect();
            if rollback {
                assert!(!found.is_empty(), "page {}: {id}: no host box", p + 1);
            } else {
                assert_eq!(
                    found.len(),
                    names.len(),
                    "page {}: {id}: boxes {joined}",
                    p + 1
                );
            }
        }
    }
    for st in steps(&d.plan) {
        let id = s(st, "id");
        assert!(seen.contains(id), "PDF: step {id} not printed as a step");
        if s(st, "kind") == "manual" {
            assert!(manual_seen.contains(id), "PDF: manual step {id} not marked");
        }
    }
}

fn is_box_line(line: &str, names: &[String]) -> bool {
    line.match_indices('□').any(|(i, m)| {
        let rest = line[i + m.len()..].trim_start();
        names.iter().any(|n| {
            rest.strip_prefix(n.as_str())
                .is_some_and(|r| !r.starts_with(|c: char| c.is_alphanumeric() || c == '-'))
        })
    })
}

/// Fewer empty boxes: start, end and initials once per host per section (after its last step)
/// and on each manual step, not on every automatic one.
#[test]
fn start_end_and_initials_once_per_host_per_section() {
    let d = compile();
    let md = std::fs::read_to_string(d.dir.join("checklist.md")).unwrap();
    let signs = md.matches("始 start ____").count();
    let manual = steps(&d.plan)
        .iter()
        .filter(|st| s(st, "kind") == "manual")
        .count();
    let run_steps = steps(&d.plan)
        .iter()
        .filter(|st| s(st, "kind") != "note")
        .count();
    assert!(
        signs < run_steps,
        "{signs} start/end lines for {run_steps} steps"
    );
    // Each section's sign-off names every host that ran an automatic step or check in it.
    let mut sections: std::collections::BTreeMap<(String, String), BTreeSet<String>> =
        Default::default();
    for st in steps(&d.plan) {
        if matches!(s(st, "kind"), "note" | "manual") {
            continue;
        }
        let key = (s(st, "phase").to_string(), s(st, "section").to_string());
        let hosts = hosts_of(st);
        let set = sections.entry(key).or_default();
        if hosts.is_empty() {
            set.insert("操作员 operator".to_string());
        }
        set.extend(hosts);
    }
    let signoffs: Vec<&str> = md
        .lines()
        .filter(|l| l.starts_with("- **本节完成 section done"))
        .collect();
    for ((phase, section), hosts) in &sections {
        let lines: Vec<&&str> = signoffs
            .iter()
            .filter(|l| l.starts_with(&format!("- **本节完成 section done {section}**")))
            .collect();
        assert!(!lines.is_empty(), "{phase} {section}: no sign-off line");
        for h in hosts {
            assert!(
                lines.iter().any(|l| l.contains(&format!("{h}: 始 start"))),
                "{phase} {section}: {h} missing from {lines:?}"
            );
        }
    }
    // The manual steps still carry their own line.
    assert!(signs >= manual, "{signs} < {manual} manual steps");
}

/// The sign-off line says what "done" means in this runbook: its own verification chapter, or,
/// without one, every step finished.
#[test]
fn done_names_the_runbooks_own_verification_chapter() {
    let d = compile();
    let md = std::fs::read_to_string(d.dir.join("checklist.md")).unwrap();
    assert!(
        md.contains("变更完成 Done (chapter 7 verified)"),
        "the shipped runbook's 7 is 验证"
    );
    let other = common::rbc()
        .file(
            "runbook.md",
            "# t\n\n## 1 主机\n\n- web-1：10.0.0.1\n\n## 2 部署\n\n登录web-1执行：\n\n```\n# mkdir -p /opt/a\n```\n\n## 3 上线验证\n\n在web-1上执行：\n\n```\n# curl -s http://127.0.0.1/health\n```\n",
        )
        .args(&["compile", "--no-shellcheck"]);
    assert_eq!(other.run().code, 0);
    let md = std::fs::read_to_string(other.path("dist/checklist.md")).unwrap();
    assert!(md.contains("变更完成 Done (chapter 3 verified)"), "{md}");
    let none = common::rbc()
        .file("runbook.md", "# t\n\n## 1 主机\n\n- web-1：10.0.0.1\n\n## 2 部署\n\n登录web-1执行：\n\n```\n# mkdir -p /opt/a\n```\n")
        .args(&["compile", "--no-shellcheck"]);
    assert_eq!(none.run().code, 0);
    let md = std::fs::read_to_string(none.path("dist/checklist.md")).unwrap();
    assert!(
        md.contains("变更完成 Done (every step finished, the services checked)"),
        "{md}"
    );
}

/// A gate that waits for every host not taking part in its step says so in words; a gate that
/// waits for some of them names them.
#[test]
fn a_gate_waiting_for_every_other_host_says_so_in_words() {
    let md =
        "1 主机\n\n登录web-1 (10.0.0.1)、web-2 (10.0.0.2)、web-3 (10.0.0.3)、db-1 (10.0.0.4)\n\n\
              2 停止\n\n登录web-1、web-2、web-3执行：\n\n```\n# service app stop\n```\n\n\
              3 备份\n\n登录db-1执行：\n\n```\n# mysqldump shop > /root/shop.sql\n```\n\n\
              4 启动\n\n登录web-1、web-2执行：\n\n```\n# service app start\n```\n";
    let c = rbc::planner::compile(&rbc::source::Source::from_text("a.md", md));
    let summaries = |text: &str| -> Vec<String> {
        let s = c.plan.steps.iter().find(|s| s.text.contains(text)).unwrap();
        s.gates.iter().map(|g| g.summary.clone()).collect()
    };
    // db-1 waits for web-1, web-2 and web-3: every host but itself.
    assert_eq!(summaries("mysqldump"), ["2 on every other host"]);
    // web-1 and web-2 wait for db-1 only (web-3 has nothing between): named.
    assert_eq!(summaries("app start"), ["3 on db-1", "3 on db-1"]);
}

/// A gate names only the steps that imply the rest: one step per host in sequence waits for the
/// host before it, not for all earlier hosts (the plan grows linearly with hosts, #12 item 18);
/// and nothing is lost: on the shipped runbook, following the gates and each host's own order
/// from any gated step reaches every step the full rule would name (the latest step of every
/// other host since this host's previous one).
#[test]
fn gates_name_the_steps_that_imply_the_rest_and_lose_nothing() {
    let c = rbc::planner::compile(&rbc::source::Source::from_text(
        "fleet.md",
        &rbc::synthetic::fleet(40),
    ));
    let last = c
        .plan
        .steps
        .iter()
        .rev()
        .find(|s| s.hosts == ["app-40"])
        .unwrap();
    let after: Vec<(String, String)> = last.gates[0]
        .after
        .iter()
        .map(|g| (g.section.clone(), g.host.clone()))
        .collect();
    assert_eq!(after, [("2.39".to_string(), "app-39".to_string())]);
    assert_eq!(last.gates[0].summary, "2.39 on app-39");

    let shipped =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/runbook.md")).unwrap();
    let plan = rbc::planner::compile(&rbc::source::Source::from_text("runbook.md", &shipped)).plan;
    for phase in [rbc::plan::Phase::Run, rbc::plan::Phase::Rollback] {
        let steps: Vec<&rbc::plan::Step> = plan
            .steps
            .iter()
            .filter(|s| {
                s.phase == phase
                    && s.kind != rbc::plan::StepKind::Note
                    && !matches!(s.action, rbc::plan::Action::Payload { .. })
            })
            .collect();
        let pos_of = |id: &str| steps.iter().position(|s| s.id == id).unwrap();
        // Everything finished before the step at `p` starts: its gates and its hosts' order.
        let reach = |p: usize| -> std::collections::BTreeSet<usize> {
            let mut seen = std::collections::BTreeSet::new();
            let mut todo = vec![p];
            while let Some(q) = todo.pop() {
                let s = steps[q];
                let mut preds: Vec<usize> = s
                    .gates
                    .iter()
                    .flat_map(|g| g.after.iter().map(|a| pos_of(&a.step)))
                    .collect();
                for h in &s.hosts {
                    if let Some(e) = (0..q).rev().find(|&e| steps[e].hosts.contains(h)) {
                        preds.push(e);
                    }
                }
                for e in preds {
                    if seen.insert(e) {
                        todo.push(e);
                    }
                }
            }
            seen
        };
        let mut checked = 0;
        for (p, s) in steps.iter().enumerate() {
            for g in &s.gates {
                let from = (0..p)
                    .rev()
                    .find(|&e| steps[e].hosts.contains(&g.host))
                    .map(|e| e + 1)
                    .unwrap_or(0);
                let mut full: std::collections::BTreeMap<String, usize> = Default::default();
                for (e, o) in steps.iter().enumerate().take(p).skip(from) {
                    if o.hosts.contains(&g.host) || o.line == s.line {
                        continue;
                    }
                    if o.hosts.is_empty() {
                        full.insert(String::new(), e);
                    }
                    for h in &o.hosts {
                        full.insert(h.clone(), e);
                    }
                }
                let r = reach(p);
                for (h, e) in full {
                    assert!(
                        r.contains(&e),
                        "{} on {}: the gate no longer implies {} on {h:?}",
                        s.id,
                        g.host,
                        steps[e].id
                    );
                    checked += 1;
                }
            }
        }
        if phase == rbc::plan::Phase::Run {
            assert!(checked > 100, "{checked}");
        }
    }
}

/// The writer's checklist: the change's name as title, long commands whole on paper, the finding
/// that made a step manual printed on that step.
#[test]
fn checklist_reads_as_the_change() {
    let long = format!(
        "/opt/app/bin/migrate --from v1.1.0 --to v1.4.0 --batch 500 --log /var/log/app/migrate-{}.log --verify",
        "x".repeat(60)
    );
    let runbook = format!(
        "前言\n\n本次变更由v1.1.0升级至v1.4.0。\n\n1 部署\n\n登录web-1 (10.0.0.1)，执行：\n\n```\n# {long}\n```\n\n\
         登录web-1，执行：\n\n```\n# ./opt/app/bin/check.sh\n```\n"
    );
    let rbc = common::rbc().file("runbook.md", &runbook).args(&[
        "compile",
        "runbook.md",
        "-o",
        "dist",
        "--no-shellcheck",
    ]);
    let out = rbc.run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let dir = rbc.path("dist");
    let html = std::fs::read_to_string(dir.join("checklist.html")).unwrap();
    let md = std::fs::read_to_string(dir.join("checklist.md")).unwrap();
    assert!(
        md.starts_with("# 本次变更由v1.1.0升级至v1.4.0 — "),
        "{}",
        &md[..200.min(md.len())]
    );
    assert!(html.contains("<h1>本次变更由v1.1.0升级至v1.4.0 — "));
    assert!(md.contains(&long), "the command is whole in checklist.md");
    // The manual step (a relative path, L006) says why on the step.
    let why = md
        .find("WHY MANUAL")
        .expect("the finding on the manual step");
    assert!(md[why..].lines().next().unwrap().contains("L006"), "{md}");
    assert!(why < md.find("Open lint findings").unwrap());
    let Some((chromium, pdftotext, _)) = tools() else {
        return;
    };
    let pdf = dir.join("checklist.pdf");
    print_pdf(&chromium, &dir.join("checklist.html"), &pdf);
    let text = run(&pdftotext, &["-enc", "UTF-8", pdf.to_str().unwrap(), "-"]);
    assert!(
        squeeze(&text).contains(&squeeze(&long)),
        "the command is cut on paper"
    );
}
