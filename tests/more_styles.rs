//! More house styles: Chinese-numbered chapters with `$ sudo` and systemctl; hosts as `name：IP`
//! list items and commands given inline in numbered sentences.

use rbc::plan::{Action, Phase, StepKind};
use rbc::planner;
use rbc::source::Source;

fn plan(name: &str) -> planner::Compiled {
    let path = format!("{}/tests/more_styles/{name}.md", env!("CARGO_MANIFEST_DIR"));
    planner::compile(&Source::load(std::path::Path::new(&path)).unwrap())
}

#[test]
fn chinese_numerals_host_table_and_sudo() {
    let c = plan("chinese_numerals_sudo");
    let sections: Vec<&str> = c.outline.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(sections, ["1", "2", "3", "4"]);
    let dump = c
        .plan
        .steps
        .iter()
        .find(|s| matches!(s.action, Action::Dump { .. }))
        .unwrap();
    assert_eq!(dump.hosts, ["pay-db-01"]);
    let stop = c
        .plan
        .steps
        .iter()
        .find(|s| s.text == "systemctl stop pay-gateway")
        .unwrap();
    assert_eq!(stop.hosts, ["pay-web-01", "pay-web-02"]);
    assert!(
        matches!(&stop.action, Action::Service { name, action } if name == "pay-gateway" && action == "stop")
    );
    assert!(
        stop.gates
            .iter()
            .all(|g| g.after.iter().any(|r| r.host == "pay-db-01")),
        "web waits for the database change"
    );
    let health = c
        .plan
        .steps
        .iter()
        .find(|s| s.text.starts_with("curl"))
        .unwrap();
    assert_eq!(health.kind, StepKind::Check);
    let rollback: Vec<_> = c
        .plan
        .steps
        .iter()
        .filter(|s| s.phase == Phase::Rollback)
        .collect();
    assert_eq!(rollback.len(), 2);
    assert!(
        rollback
            .iter()
            .all(|s| s.hosts == ["pay-web-01", "pay-web-02"] && s.kind != StepKind::Manual),
        "`web服务器上恢复旧包` names the web group: {rollback:?}"
    );
}

#[test]
fn hosts_as_list_items_and_inline_commands() {
    let c = plan("inline_commands");
    let names: Vec<(&str, Option<&str>)> = c
        .plan
        .hosts
        .iter()
        .map(|h| (h.name.as_str(), h.ip.as_deref()))
        .collect();
    assert_eq!(
        names,
        [
            ("cache-1", Some("10.3.0.11")),
            ("cache-2", Some("10.3.0.12"))
        ]
    );
    let runs: Vec<&str> = c
        .plan
        .steps
        .iter()
        .filter(|s| s.kind != StepKind::Note)
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(
        runs,
        [
            "systemctl stop redis",
            "yum install -y redis-6.2.rpm",
            "systemctl start redis",
            "redis-cli ping"
        ]
    );
    assert!(c
        .plan
        .steps
        .iter()
        .filter(|s| s.kind != StepKind::Note)
        .all(|s| s.hosts == ["cache-1", "cache-2"] && s.why.starts_with("login")));
    for (i, f) in &c.fates {
        assert!(
            !matches!(f, planner::Fate::Steps(v) if v.is_empty()),
            "element {i} dropped"
        );
    }
}

#[test]
fn heredocs_are_their_commands_input_and_continued_lines_are_joined() {
    let c = plan("heredocs");
    let steps: Vec<_> = c.plan.steps.iter().collect();
    assert_eq!(steps.len(), 4, "{steps:?}");
    assert!(
        matches!(&steps[0].action, Action::WriteFile { path, content } if path == "/etc/app/app.conf" && content == "# app config\nport=8080\n")
    );
    assert!(
        matches!(&steps[1].action, Action::AppendBlock { path, content } if path == "/etc/profile" && content == "export APP_HOME=/opt/app\n")
    );
    assert!(
        matches!(&steps[2].action, Action::Run { command } if command == "/opt/app/bin/install.sh --prefix=/opt/app --user=app --force")
    );
    assert!(
        matches!(&steps[3].action, Action::Run { command } if command == "mysql -uroot -p shop <<SQL\nselect 1;\nSQL")
    );
    assert!(steps
        .iter()
        .all(|s| s.hosts == ["app-1"] && s.kind != StepKind::Note));
    assert!(c.diagnostics.is_empty(), "{:?}", c.diagnostics);
}
