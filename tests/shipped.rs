//! The shipped runbook, read as it is: facts checked by hand against its text.

mod common;

use rbc::plan::{Action, HostKind, Phase, Step, StepKind};
use rbc::planner::{self, Compiled, Fate};
use rbc::source::Source;

fn shipped() -> Compiled {
    planner::compile(&Source::from_text("runbook.md", &common::shipped_runbook()))
}

fn on<'a>(c: &'a Compiled, host: &str) -> Vec<&'a Step> {
    c.plan
        .steps
        .iter()
        .filter(|s| s.hosts.iter().any(|h| h == host))
        .collect()
}

fn step<'a>(c: &'a Compiled, text: &str) -> Vec<&'a Step> {
    c.plan
        .steps
        .iter()
        .filter(|s| s.text.contains(text))
        .collect()
}

#[test]
fn inventory_has_the_nineteen_servers_the_jump_host_and_the_physical_machines_apart() {
    let c = shipped();
    let want = [
        ("api-1", "25.0.3.19"),
        ("api-2", "25.0.3.29"),
        ("schedule-res-1", "25.0.3.51"),
        ("schedule-res-2", "25.0.3.61"),
        ("rabbit-mq-1", "25.0.3.52"),
        ("rabbit-mq-2", "25.0.3.62"),
        ("rabbit-mq-3", "25.0.3.72"),
        ("mail-sms-1", "25.0.3.16"),
        ("mail-sms-2", "25.0.3.37"),
        ("schedule-1", "25.0.3.26"),
        ("schedule-2", "25.0.3.38"),
        ("ecsc-1", "25.0.3.17"),
        ("ecsc-2", "25.0.3.39"),
        ("ecmc-1", "25.0.3.27"),
        ("ecmc-2", "25.0.3.40"),
        ("nginx-1", "25.0.3.18"),
        ("nginx-2", "25.0.3.28"),
        ("mysql-1", "25.0.3.15"),
        ("mongodb-master", "25.0.3.23"),
    ];
    let servers: Vec<(&str, &str)> = c
        .plan
        .hosts
        .iter()
        .filter(|h| h.kind == HostKind::Server)
        .map(|h| (h.name.as_str(), h.ip.as_deref().unwrap_or("")))
        .collect();
    let mut sorted_want = want.to_vec();
    sorted_want.sort();
    let mut sorted_got = servers.clone();
    sorted_got.sort();
    assert_eq!(sorted_got, sorted_want);
    let jump: Vec<&str> = c
        .plan
        .hosts
        .iter()
        .filter(|h| h.kind == HostKind::Jump)
        .map(|h| h.name.as_str())
        .collect();
    assert_eq!(jump, ["eayuncld-4"]);
    let mut physical: Vec<&str> = c
        .plan
        .hosts
        .iter()
        .filter(|h| h.kind == HostKind::Physical)
        .map(|h| h.name.as_str())
        .collect();
    physical.sort();
    assert_eq!(physical, ["eayuncld-2", "eayuncloud-1", "eayuncloud-2"]);
    let mq1 = c.plan.host("rabbit-mq-1").unwrap();
    assert_eq!(mq1.aliases, ["rabbit1"]);
    assert_eq!(mq1.physical.as_deref(), Some("eayuncloud-1"));
    assert!(
        mq1.specs.contains(&("CPU".to_string(), "4".to_string())),
        "group specs are inherited"
    );
    assert!(c
        .diagnostics
        .iter()
        .all(|d| d.severity != rbc::diagnostic::Severity::Error));
}

#[test]
fn every_block_and_sentence_is_accounted_for() {
    let c = shipped();
    let mut dropped = Vec::new();
    let (mut headings, mut inventory, mut lead_ins, mut with_steps) = (0, 0, 0, 0);
    for (i, fate) in &c.fates {
        match fate {
            Fate::Heading => headings += 1,
            Fate::Inventory => inventory += 1,
            Fate::LeadIn => lead_ins += 1,
            Fate::Annotation => {}
            Fate::Steps(s) if s.is_empty() => dropped.push(c.document.elements[*i].line),
            Fate::Steps(_) => with_steps += 1,
        }
    }
    assert!(
        dropped.is_empty(),
        "elements on lines {dropped:?} became nothing"
    );
    // runbook.md has 326 Markdown elements: 58 numbered section headings (0 … 9.3), 33 host
    // declaration lines (three group-spec lists and the per-host key/value lists of chapter 1),
    // 86 sentences that lead into the block or table after them, and 149 blocks or sentences of
    // their own.
    assert_eq!(c.fates.len(), 326);
    assert_eq!(
        (headings, inventory, lead_ins, with_steps),
        (58, 33, 86, 149)
    );
    let count = |k: StepKind| c.plan.steps.iter().filter(|s| s.kind == k).count();
    assert_eq!(c.plan.steps.len(), 191);
    assert_eq!(
        (
            count(StepKind::Converge),
            count(StepKind::Once),
            count(StepKind::Check),
            count(StepKind::Manual),
            count(StepKind::Note)
        ),
        (87, 9, 22, 35, 38)
    );
    // Of the manual steps, 9 are commands `rbc check` doubts (L001 tomcat 7.0.64 after unpacking
    // 7.0.67, L002 ecsc.tar/ecmc.tar never uploaded, L003 the restore into `eayuncld`, L005
    // `source …sql.sql`, L006 `./home/rollbackMongoDB.sh`): rbc does not run them as written.
    let doubted: Vec<&str> = c
        .plan
        .steps
        .iter()
        .filter(|s| s.kind == StepKind::Manual && s.why.contains("manual because of L"))
        .map(|s| s.id.as_str())
        .collect();
    assert_eq!(
        doubted,
        ["5.4-1", "5.5-3", "5.5-4", "5.6-3", "5.6-4", "6.2-2", "9.1-2", "9.1-3", "9.2-5"]
    );
}

#[test]
fn rabbit_cluster_lands_per_node_as_the_prose_says() {
    let c = shipped();
    let hosts = |text: &str| -> Vec<Vec<String>> {
        step(&c, text).iter().map(|s| s.hosts.clone()).collect()
    };
    let detached = hosts("rabbitmq-server -detached");
    assert_eq!(detached[0], ["rabbit-mq-1"], "rabbit1 starts first");
    assert_eq!(
        detached[1],
        ["rabbit-mq-2", "rabbit-mq-3"],
        "rabbit3 is deployed like rabbit2"
    );
    assert_eq!(hosts("join_cluster"), [["rabbit-mq-2", "rabbit-mq-3"]]);
    assert_eq!(hosts("rabbitmqctl reset"), [["rabbit-mq-2", "rabbit-mq-3"]]);
    assert_eq!(hosts("set_policy"), [["rabbit-mq-1"]]);
    assert_eq!(
        hosts("list_policies"),
        [["rabbit-mq-1", "rabbit-mq-2", "rabbit-mq-3"]]
    );
    assert_eq!(hosts("more /root/.erlang.cookie"), [["rabbit-mq-1"]]);
    // rabbit1's look at the cookie is what rabbit2/rabbit3 write: it keeps the value for the
    // fleet (never shown), and they take it from rabbit1.
    let read = step(&c, "more /root/.erlang.cookie")[0];
    assert!(
        matches!(&read.action, Action::ReadValue { path, value } if path == "/root/.erlang.cookie" && value == "ERLANG_COOKIE"),
        "{:?}",
        read.action
    );
    assert!(step(&c, "vim /root/.erlang.cookie").iter().all(|s| matches!(
        &s.action,
        Action::WriteValue { value, from, .. } if value == "ERLANG_COOKIE" && from == "rabbit-mq-1"
    )));
    // The joiners wait for rabbit1 to be up.
    let join_start = step(&c, "rabbitmq-server -detached")[1];
    let gate = join_start
        .gates
        .iter()
        .find(|g| g.host == "rabbit-mq-2")
        .expect("rabbit2 waits");
    assert!(
        gate.after
            .iter()
            .any(|r| r.host == "rabbit-mq-1" && r.section == "2.4.2"),
        "{gate:?}"
    );
    // The policy on rabbit1 waits for the joins.
    let policy = step(&c, "set_policy")[0];
    assert!(policy.gates[0]
        .after
        .iter()
        .any(|r| r.host == "rabbit-mq-3"));
}

#[test]
fn example_output_and_troubleshooting_run_nowhere() {
    let c = shipped();
    for s in &c.plan.steps {
        let runs = s.kind != StepKind::Note;
        if runs {
            assert!(
                !s.text.contains("GHFTDTXKOBDFRLLZGXFK"),
                "cookie output runs: {s:?}"
            );
            assert!(!s.text.contains("cat -A"), "troubleshooting runs: {s:?}");
            assert!(
                !s.text
                    .contains("/root/mongodb-linux-x86_64-3.0.6/bin/mongo"),
                "{s:?}"
            );
            let finds_pids_itself = matches!(s.action, Action::StopProcesses { .. });
            assert!(
                !s.text.contains("<PID>") || s.kind == StepKind::Manual || finds_pids_itself,
                "placeholder automated: {s:?}"
            );
        }
    }
    // The example cookie is a credential: the plan shows it as `***` (SPEC §5.1).
    let cookie: Vec<_> = c.plan.steps.iter().filter(|s| s.text == "***").collect();
    assert_eq!(cookie.len(), 1);
    assert!(cookie[0].hosts.is_empty() && cookie[0].kind == StepKind::Note);
}

#[test]
fn section_8_reaches_every_server_and_6_1_clicks_are_manual() {
    let c = shipped();
    let s8: Vec<&Step> = c.plan.steps.iter().filter(|s| s.section == "8").collect();
    assert_eq!(s8.len(), 1);
    assert_eq!(s8[0].hosts.len(), 19);
    // No command in the runbook: a known recipe whose NTP server the operator gives on the host.
    assert_eq!(s8[0].kind, StepKind::Converge);
    assert!(matches!(&s8[0].action, Action::CronEntry { value, .. } if value == "NTP_SERVER"));
    let clicks: Vec<&Step> = c.plan.steps.iter().filter(|s| s.section == "6.1").collect();
    assert_eq!(clicks.len(), 9);
    assert!(clicks
        .iter()
        .all(|s| s.kind == StepKind::Manual && s.hosts.is_empty()));
    assert!(clicks.iter().any(|s| s.text == "价格缓存同步"));
}

#[test]
fn section_titles_pick_groups_exactly() {
    let c = shipped();
    for s in c
        .plan
        .steps
        .iter()
        .filter(|s| s.section == "5.2" && s.kind != StepKind::Note)
    {
        assert_eq!(s.hosts, ["schedule-1", "schedule-2"], "{s:?}");
    }
    for s in c
        .plan
        .steps
        .iter()
        .filter(|s| s.section.starts_with("2.3.") && s.kind != StepKind::Note)
    {
        assert_eq!(s.hosts, ["schedule-res-1", "schedule-res-2"], "{s:?}");
    }
    for s in c
        .plan
        .steps
        .iter()
        .filter(|s| s.section == "5.7" && s.kind != StepKind::Note)
    {
        assert_eq!(s.hosts, ["nginx-1", "nginx-2"], "{s:?}");
    }
}

#[test]
fn the_sql_check_gates_the_stops_and_the_rollback_chapter_stays_in_rollback() {
    let c = shipped();
    let check = &c
        .plan
        .steps
        .iter()
        .find(|s| s.section == "3.1" && s.kind == StepKind::Check)
        .unwrap();
    assert_eq!(check.hosts, ["mysql-1"]);
    assert!(
        matches!(&check.action, Action::Sql { statements, expect_zero: true, .. } if statements.len() == 6)
    );
    let stop = c
        .plan
        .steps
        .iter()
        .find(|s| s.section == "3.1" && matches!(s.action, Action::StopProcesses { .. }))
        .unwrap();
    assert_eq!(stop.hosts, ["ecsc-1", "ecsc-2"]);
    assert!(stop
        .gates
        .iter()
        .all(|g| g.after.iter().any(|r| r.step == check.id)));
    for s in &c.plan.steps {
        if s.section.starts_with('9') {
            assert_eq!(s.phase, Phase::Rollback, "{s:?}");
        }
        if s.phase == Phase::Run {
            let t = s.text.to_ascii_lowercase();
            assert!(
                !t.contains("drop database") && !t.contains("< /home/eayuncld"),
                "forward run destroys: {s:?}"
            );
        }
    }
    let drop = step(&c, "drop database");
    assert_eq!(drop[0].kind, StepKind::Manual);
    let restore = step(&c, "mv /home/ecsc_20170305 /home/ecsc");
    assert_eq!(
        restore[0].hosts,
        ["ecsc-1", "ecsc-2"],
        "the rollback rename runs where the backup was made"
    );
}

#[test]
fn uploads_become_artifacts() {
    let c = shipped();
    let find = |f: &str| {
        c.plan
            .artifacts
            .iter()
            .find(|a| a.file == f)
            .unwrap_or_else(|| panic!("no artifact {f}"))
    };
    assert_eq!(find("mail.tar").hosts, ["mail-sms-1", "mail-sms-2"]);
    assert_eq!(
        find("jdk-7u80-linux-x64.rpm").hosts,
        ["api-1", "api-2", "schedule-res-1", "schedule-res-2"]
    );
    assert_eq!(find("apache-tomcat-7.0.67.tar.gz").dir, "/home");
    assert_eq!(find("updateSQL_usercenter.sql").hosts, ["mysql-1"]);
    assert_eq!(find("updateSQL_usercenter.sql").dir, "/root");
    assert_eq!(find("buildIndexes.sh").hosts, ["mongodb-master"]);
    assert_eq!(
        find("erlang-18.3-1.el6.x86_64.rpm").hosts,
        ["rabbit-mq-1", "rabbit-mq-2", "rabbit-mq-3"]
    );
}

#[test]
fn edits_are_typed() {
    let c = shipped();
    let api: Vec<&Step> = on(&c, "api-1");
    assert!(api.iter().any(|s| matches!(&s.action, Action::AppendBlock { path, content } if path == "/etc/profile" && content.contains("JAVA_HOME"))));
    assert!(api.iter().any(|s| matches!(&s.action, Action::FirewallRules { rules, .. } if rules[0].contains("--dport 8080"))));
    assert!(api.iter().any(|s| matches!(&s.action, Action::ReplaceLine { old, new, .. } if old.contains("/home/ecmc") && new.contains("/home/api"))));
    assert!(api.iter().any(
        |s| matches!(&s.action, Action::PrependBlock { path, .. } if path.ends_with("catalina.sh"))
    ));
    let mq = on(&c, "rabbit-mq-2");
    assert!(mq.iter().any(|s| matches!(&s.action, Action::WriteFile { path, content } if path.ends_with("enabled_plugins") && content == "[rabbitmq_management,rabbitmq_tracing].\n")));
    assert!(mq.iter().any(|s| matches!(&s.action, Action::WriteFile { path, content } if path.ends_with("rabbitmq.config") && content.contains("cluster_nodes"))));
    assert!(mq.iter().any(|s| matches!(&s.action, Action::EnsureLines { path, lines } if path == "/etc/hosts" && lines.len() == 3)));
    assert!(mq
        .iter()
        .any(|s| s.kind == StepKind::Manual && s.text.contains("重启操作系统")));
    // nginx.conf: the upstream shown whole (`即：`) replaces the one of that name; the new
    // upstream and server go in http; the bare directives for console.eayun.cn's server have no
    // certain place and stay manual, with a warning.
    let nginx = on(&c, "nginx-1");
    let blocks: Vec<(&Vec<String>, bool)> = nginx
        .iter()
        .filter_map(|s| match &s.action {
            Action::ConfBlocks {
                path,
                blocks,
                replace,
                ..
            } if path == "/etc/nginx/nginx.conf" => Some((blocks, *replace)),
            _ => None,
        })
        .collect();
    assert_eq!(
        blocks,
        [
            (&vec!["upstream console.eayun.cn".to_string()], true),
            (
                &vec![
                    "upstream api.eayun.com".to_string(),
                    "server server_name api.eayun.com listen 80".to_string()
                ],
                false
            )
        ]
    );
    let bare = nginx
        .iter()
        .find(|s| s.source.contains("listen 443;"))
        .unwrap();
    assert_eq!(bare.kind, StepKind::Manual);
    assert!(c.diagnostics.iter().any(|d| d.code == "W021"));
}
