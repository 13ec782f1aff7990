//! Annotations override what rbc infers, invisibly in the rendered Markdown.

use rbc::plan::{Action, Phase, StepKind};
use rbc::planner;
use rbc::source::Source;

fn plan(md: &str) -> planner::Compiled {
    planner::compile(&Source::from_text("a.md", md))
}

const HOSTS: &str = "1 主机\n\n登录web-1 (10.0.0.1)、web-2 (10.0.0.2)、db-1 (10.0.0.3)\n\n";

#[test]
fn hosts_and_kind_override_the_inference() {
    let c = plan(&format!("{HOSTS}2 部署\n\n登录web-1执行：\n\n<!-- rbc: hosts=web-2,10.0.0.3 kind=manual -->\n```\n# service app restart\n```\n"));
    let s = c
        .plan
        .steps
        .iter()
        .find(|s| s.text.contains("service app restart"))
        .unwrap();
    assert_eq!(s.hosts, ["web-2", "db-1"], "in inventory order");
    assert_eq!(s.kind, StepKind::Manual);
    assert_eq!(s.why, "annotation");
}

#[test]
fn the_info_string_form_works_too() {
    let c = plan(&format!(
        "{HOSTS}2 部署\n\n登录web-1执行：\n\n```bash rbc: kind=check hosts=all\n# ls /opt\n```\n"
    ));
    let s = c.plan.steps.iter().find(|s| s.text == "ls /opt").unwrap();
    assert_eq!(s.kind, StepKind::Check);
    assert_eq!(s.hosts.len(), 3);
}

#[test]
fn phase_gate_edit_file_db_and_expect() {
    let md = format!(
        "{HOSTS}2 部署\n\n登录db-1执行：\n\n<!-- rbc: phase=rollback gate=none -->\n```\n# mv /opt/a_bak /opt/a\n```\n\n\
         登录web-1：\n\n<!-- rbc: edit=append file=/etc/app.conf -->\n```\nkey=value\n```\n\n\
         登录db-1：\n\n<!-- rbc: db=shop expect=any -->\n```\nselect count(*) from orders;\n```\n"
    );
    let c = plan(&md);
    let mv = c
        .plan
        .steps
        .iter()
        .find(|s| matches!(s.action, Action::Rename { .. }))
        .unwrap();
    assert_eq!(mv.phase, Phase::Rollback);
    assert!(mv.gates.is_empty());
    let edit = c.plan.steps.iter().find(|s| matches!(&s.action, Action::AppendBlock { path, content } if path == "/etc/app.conf" && content == "key=value\n"));
    assert!(edit.is_some(), "{:?}", c.plan.steps);
    let sql = c
        .plan
        .steps
        .iter()
        .find(|s| matches!(s.action, Action::Sql { .. }))
        .unwrap();
    assert!(
        matches!(&sql.action, Action::Sql { database: Some(db), expect_zero: false, .. } if db == "shop")
    );
}

#[test]
fn unknown_keys_values_and_hosts_are_errors() {
    let c = plan(&format!(
        "{HOSTS}<!-- rbc: colour=red kind=sometimes hosts=nosuch -->\n```\n# ls\n```\n"
    ));
    let codes: Vec<&str> = c
        .diagnostics
        .iter()
        .filter(|d| d.severity == rbc::diagnostic::Severity::Error)
        .map(|d| d.code)
        .collect();
    assert!(
        codes.contains(&"E020") && codes.contains(&"E021") && codes.contains(&"E022"),
        "{codes:?}"
    );
}
