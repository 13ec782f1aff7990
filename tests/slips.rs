//! A writer's one-character slips and the guesses SPEC §2.2 names: each gives a diagnostic that
//! names the line and moves nothing — no automated step on a host or in a phase the text does
//! not mean. The slips are applied to the shipped runbook; the guesses to small runbooks.

mod common;
use common::{rbc, shipped_runbook};

use std::collections::BTreeSet;

use rbc::plan::{Phase, StepKind};
use rbc::planner::{compile, Compiled};
use rbc::source::Source;

fn plan(text: &str) -> Compiled {
    compile(&Source::from_text("runbook.md", text))
}

fn automated(k: StepKind) -> bool {
    matches!(k, StepKind::Converge | StepKind::Once | StepKind::Check)
}

/// Every automated (host, line, phase) of a plan: what the bundles would run, and where.
fn runs(c: &Compiled) -> BTreeSet<(String, usize, Phase)> {
    c.plan
        .steps
        .iter()
        .filter(|s| automated(s.kind))
        .flat_map(|s| s.hosts.iter().map(move |h| (h.clone(), s.line, s.phase)))
        .collect()
}

fn codes(c: &Compiled) -> Vec<&'static str> {
    c.diagnostics.iter().map(|d| d.code).collect()
}

/// The shipped runbook with one line replaced (the line must be there exactly once).
fn slip(old: &str, new: &str) -> String {
    let text = shipped_runbook();
    assert_eq!(text.matches(old).count(), 1, "{old:?}");
    text.replacen(old, new, 1)
}

#[test]
fn a_host_name_one_slip_from_a_known_one_is_an_error_with_did_you_mean() {
    let text = slip("登录rabbit2服务器上", "登录rabbt2服务器上");
    let r = rbc().file("runbook.md", &text).args(&["check"]).run();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("unknown host `rabbt2` — did you mean `rabbit2` (rabbit-mq-2)?"),
        "{}",
        r.stderr
    );
    // Never the previous host: the block after the sentence runs nowhere automatically.
    let c = plan(&text);
    let line = text.lines().position(|l| l.contains("rabbt2")).unwrap() + 1;
    for s in c
        .plan
        .steps
        .iter()
        .filter(|s| s.line > line && s.line < line + 8)
    {
        assert!(!automated(s.kind), "{} runs on {:?}", s.id, s.hosts);
    }
    // Nor does compile write a dist.
    let b = rbc().file("runbook.md", &text).args(&["compile"]);
    assert_ne!(b.run().code, 0);
    assert!(!b.path("dist").exists());
}

#[test]
fn a_section_number_out_of_order_keeps_every_step_where_it_was() {
    let good = plan(&shipped_runbook());
    let text = slip("\n5.5 ECSC\n", "\n5.7 ECSC\n");
    let c = plan(&text);
    let w: Vec<_> = c
        .diagnostics
        .iter()
        .filter(|d| d.code == "W001")
        .map(|d| d.message.clone())
        .collect();
    assert!(
        w.iter().any(|m| m.contains("5.7 does not follow 5.4")),
        "{w:?}"
    );
    assert_eq!(runs(&c), runs(&good), "the same steps on the same hosts");
}

#[test]
fn a_rollback_chapter_written_as_an_ordered_list_item_is_the_rollback_chapter() {
    let good = plan(&shipped_runbook());
    let text = slip("\n9 回退\n", "\n9. 回退\n");
    let c = plan(&text);
    assert_eq!(runs(&c), runs(&good));
    // Nothing of chapter 9 runs forward.
    let nine = text.lines().position(|l| l == "9. 回退").unwrap() + 1;
    assert!(!c
        .plan
        .steps
        .iter()
        .any(|s| s.line > nine && s.phase == Phase::Run && automated(s.kind)));
}

const TWO_NODES: &str = "# 升级\n\n## 1 主机\n\n| 主机名 | IP |\n| --- | --- |\n| node-01 | 10.0.0.1 |\n| node-02 | 10.0.0.2 |\n\n";

#[test]
fn content_announced_for_a_file_rbc_cannot_name_never_runs_as_commands() {
    let md = format!("{TWO_NODES}## 2 环境变量\n\n在两台节点上，在文件末尾添加：\n\n```\nexport JAVA_HOME=/usr/java/jdk\nexport PATH=$JAVA_HOME/bin:$PATH\n```\n");
    let c = plan(&md);
    let steps: Vec<_> = c
        .plan
        .steps
        .iter()
        .filter(|s| s.text.contains("JAVA_HOME"))
        .collect();
    assert!(!steps.is_empty());
    assert!(
        steps.iter().all(|s| s.kind == StepKind::Manual),
        "{steps:?}"
    );
    assert!(codes(&c).contains(&"W020"));
}

#[test]
fn a_runbook_that_names_machines_but_declares_none_is_an_error() {
    let md = "# 部署\n\n## 1 安装\n\n在 node1、node2、node3 上执行：\n\n```\n# yum install -y java\n```\n";
    // node1..3 are registered as machines without an IP (they are a family): no error.
    let c = plan(md);
    assert_eq!(c.plan.hosts.len(), 3, "{:?}", c.plan.hosts);
    assert!(codes(&c).contains(&"N002"));
    // Addresses only, no name and no declaration: an error, and no dist.
    let md = "# 部署\n\n## 1 安装\n\n先 ssh 到 10.1.0.5，再 ssh 到 10.1.0.6 执行：\n\n```\n# yum install -y java\n```\n";
    let b = rbc().file("runbook.md", md).args(&["compile"]);
    let r = b.run();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("E031"), "{}", r.stderr);
    assert!(!b.path("dist").exists());
}

#[test]
fn a_carried_over_only_on_one_node_is_a_guess_and_manual() {
    // The issue's example: "only on node-01" in one section; the next names no host.
    let md = format!("{TWO_NODES}## 2 初始化\n\n### 2.1 建库\n\n只需要在 node-01 上执行：\n\n```\n# /opt/app/bin/init-db.sh\n```\n\n### 2.2 目录\n\n```\n# mkdir -p /data/app\n```\n");
    let c = plan(&md);
    let mkdir = c
        .plan
        .steps
        .iter()
        .find(|s| s.text.contains("mkdir"))
        .unwrap();
    assert_eq!(mkdir.kind, StepKind::Manual);
    let w = c
        .diagnostics
        .iter()
        .find(|d| d.code == "W030")
        .expect("W030");
    assert!(w.message.contains("line 14"), "{}", w.message);
    assert!(runs(&c).iter().all(|(_, line, _)| *line != mkdir.line));
}

#[test]
fn lines_under_different_host_prompts_go_to_their_own_hosts() {
    let md = format!("{TWO_NODES}## 2 启动\n\n```\n[root@node-01 ~]# systemctl start a\n[root@node-02 ~]# systemctl start b\n```\n");
    let c = plan(&md);
    let on = |needle: &str| {
        let s = c
            .plan
            .steps
            .iter()
            .find(|s| s.text.contains(needle))
            .unwrap();
        (s.hosts.clone(), automated(s.kind))
    };
    assert_eq!(on("start a"), (vec!["node-01".to_string()], true));
    assert_eq!(on("start b"), (vec!["node-02".to_string()], true));
}

#[test]
fn a_repeat_with_an_exception_is_manual_on_every_host_it_touches() {
    let md = format!("{TWO_NODES}## 2 部署\n\n登录 node-01：\n\n```\n# sed -i 's/^port=.*/port=8081/' /opt/app/app.conf\n```\n\nnode-02 与 node-01 操作相同，但端口改为 8082。\n");
    let c = plan(&md);
    let sed = c
        .plan
        .steps
        .iter()
        .find(|s| s.text.contains("sed -i"))
        .unwrap();
    assert!(sed.hosts.contains(&"node-02".to_string()));
    assert_eq!(sed.kind, StepKind::Manual);
    assert!(codes(&c).contains(&"W042"), "{:?}", codes(&c));
    // node-02 never gets node-01's port automatically.
    assert!(!runs(&c)
        .iter()
        .any(|(h, l, _)| h == "node-02" && *l == sed.line));
}

#[test]
fn a_value_the_text_says_differs_per_host_is_manual() {
    // A value the text does not say is the host's own (`# 每台不同`): manual. (`# 改为当前主机名`
    // on a line showing a host's name gives each host its own: tests/per_host_values.rs.)
    let md = format!("{TWO_NODES}## 2 节点编号\n\n在两台节点上执行：\n\n```\n# echo 1 > /data/zk/myid   # 每台不同\n```\n");
    let c = plan(&md);
    let s = c
        .plan
        .steps
        .iter()
        .find(|s| s.text.contains("myid"))
        .unwrap();
    assert_eq!(s.kind, StepKind::Manual, "{s:?}");
    assert!(codes(&c).contains(&"W043"));
    assert!(s
        .evidence
        .iter()
        .any(|e| e.kind == rbc::evidence::EvidenceKind::PerHostValue));
}

#[test]
fn plan_json_shows_the_evidence_of_every_step() {
    let r = rbc()
        .file("runbook.md", shipped_runbook())
        .args(&["plan", "--json"])
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    for s in v["steps"].as_array().unwrap() {
        if s["hosts"].as_array().is_some_and(|h| !h.is_empty()) {
            let ev = s["evidence"].as_array().expect("evidence");
            assert!(!ev.is_empty(), "{}", s["id"]);
            assert!(ev
                .iter()
                .all(|e| e["kind"].is_string() && e["line"].is_u64()));
        }
    }
}
