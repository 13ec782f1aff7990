//! House-style tests: small runbooks in styles other than the shipped one (tests/styles/*.md),
//! each with what a careful operator would expect of the plan.

use rbc::diagnostic::Severity;
use rbc::plan::{Action, HostKind, Phase, Step, StepKind};
use rbc::planner::{compile, Compiled, Fate};
use rbc::source::Source;

const FIXTURES: &[&str] = &[
    "table_roles",
    "atx_sudo",
    "rollback_middle",
    "upload_all",
    "ip_only_aliases",
    "same_as_tongli",
    "manual_gui",
    "troubleshooting",
    "edits_prose",
    "mysql_checks",
    "placeholders",
    "fullwidth",
    "per_host",
    "kv_ordered",
    "variants",
];

fn text(name: &str) -> String {
    let path = format!("{}/tests/styles/{name}.md", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn plan(name: &str) -> Compiled {
    compile(&Source::from_text(&format!("{name}.md"), &text(name)))
}

/// 1-based line of the first line of fixture `name` that contains `needle`.
fn line_of(name: &str, needle: &str) -> usize {
    text(name)
        .lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("`{needle}` is not in {name}.md"))
}

fn dump(c: &Compiled) -> String {
    let mut out = String::new();
    for s in &c.plan.steps {
        out.push_str(&format!(
            "  {} line {} {:?}/{:?} {:?} `{}` {:?}\n",
            s.id, s.line, s.kind, s.phase, s.hosts, s.text, s.action
        ));
    }
    for d in &c.diagnostics {
        out.push_str(&format!("  {} line {}: {}\n", d.code, d.line, d.message));
    }
    out
}

/// Steps that came from the line of the fixture containing `needle`.
fn at<'a>(c: &'a Compiled, name: &str, needle: &str) -> Vec<&'a Step> {
    let line = line_of(name, needle);
    c.plan.steps.iter().filter(|s| s.line == line).collect()
}

/// The one step from the line containing `needle`.
fn one<'a>(c: &'a Compiled, name: &str, needle: &str) -> &'a Step {
    let v = at(c, name, needle);
    assert_eq!(
        v.len(),
        1,
        "expected one step at the line of `{needle}` (line {}), got {}:\n{}",
        line_of(name, needle),
        v.len(),
        dump(c)
    );
    v[0]
}

/// The one step whose text (command, statements, block) contains `needle`.
fn by_text<'a>(c: &'a Compiled, needle: &str) -> &'a Step {
    let v: Vec<&Step> = c
        .plan
        .steps
        .iter()
        .filter(|s| s.text.contains(needle))
        .collect();
    assert_eq!(
        v.len(),
        1,
        "expected one step with `{needle}`, got {}:\n{}",
        v.len(),
        dump(c)
    );
    v[0]
}

fn hosts(s: &Step) -> Vec<&str> {
    let mut h: Vec<&str> = s.hosts.iter().map(String::as_str).collect();
    h.sort();
    h
}

fn host_of_ip<'a>(c: &'a Compiled, ip: &str) -> &'a str {
    c.plan
        .hosts
        .iter()
        .find(|h| h.ip.as_deref() == Some(ip))
        .map(|h| h.name.as_str())
        .unwrap_or_else(|| panic!("no host with IP {ip}:\n{:?}", c.plan.hosts))
}

fn warned_at(c: &Compiled, line: usize) -> bool {
    c.diagnostics
        .iter()
        .any(|d| d.line == line && d.severity == Severity::Warning)
}

fn automated(s: &Step) -> bool {
    matches!(
        s.kind,
        StepKind::Converge | StepKind::Once | StepKind::Check
    )
}

// ---- every fixture ------------------------------------------------------------------------

#[test]
fn every_fixture_gives_every_element_a_fate() {
    for name in FIXTURES {
        let c = plan(name);
        for (i, f) in &c.fates {
            assert!(
                !matches!(f, Fate::Steps(v) if v.is_empty()),
                "{name}: element {i} was dropped silently: {:?}",
                c.document.elements[*i]
            );
        }
    }
}

#[test]
fn every_fixture_compiles_without_errors() {
    for name in FIXTURES {
        let c = plan(name);
        let errors: Vec<_> = c
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:?}");
        for d in &c.diagnostics {
            assert!(d.line > 0, "{name}: a diagnostic without a line: {d:?}");
        }
    }
}

#[test]
fn automated_steps_always_have_hosts_and_no_placeholders() {
    for name in FIXTURES {
        let c = plan(name);
        for s in c.plan.steps.iter().filter(|s| automated(s)) {
            assert!(
                !s.hosts.is_empty(),
                "{name}: automated step on no host: {s:?}"
            );
            let action = serde_json::to_string(&s.action).unwrap();
            assert!(
                rbc::classify::placeholder(&action).is_none(),
                "{name}: a placeholder became an automated step: {s:?}"
            );
        }
    }
}

#[test]
fn no_physical_machine_runs_steps() {
    for name in FIXTURES {
        let c = plan(name);
        for h in c.plan.hosts.iter().filter(|h| h.kind != HostKind::Server) {
            assert!(
                !c.plan.steps.iter().any(|s| s.hosts.contains(&h.name)),
                "{name}: {} is {:?} but has steps",
                h.name,
                h.kind
            );
        }
    }
}

#[test]
fn read_only_commands_are_checks() {
    let c = plan("table_roles");
    assert_eq!(one(&c, "table_roles", "df -h /data").kind, StepKind::Check);
    let c = plan("atx_sudo");
    assert_eq!(
        one(&c, "atx_sudo", "systemctl status prometheus").kind,
        StepKind::Check
    );
}

#[test]
fn more_read_only_commands_are_checks() {
    let c = plan("rollback_middle");
    assert_eq!(
        one(&c, "rollback_middle", "tail -n 100").kind,
        StepKind::Check
    );
    let c = plan("manual_gui");
    assert_eq!(one(&c, "manual_gui", "# uname -r").kind, StepKind::Check);
    let c = plan("kv_ordered");
    assert_eq!(
        one(&c, "kv_ordered", "iptables -L -n").kind,
        StepKind::Check
    );
}

// ---- table_roles: Markdown host table, `[root@host ~]#` prompts, ATX `## 1.` headings ------

#[test]
fn table_roles_hosts_come_from_the_table() {
    let c = plan("table_roles");
    for (name, ip, group) in [
        ("web-1", "10.20.1.11", "web"),
        ("web-2", "10.20.1.12", "web"),
        ("db-1", "10.20.1.21", "db"),
    ] {
        let h = c
            .plan
            .host(name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(h.ip.as_deref(), Some(ip));
        assert_eq!(h.group.as_deref(), Some(group));
        assert_eq!(h.kind, HostKind::Server);
    }
    assert_eq!(c.plan.hosts.len(), 3, "{:?}", c.plan.hosts);
    assert_eq!(c.plan.title, "商城系统 v5.2 发布手册");
}

#[test]
fn table_roles_check_on_db_and_its_output_is_not_run() {
    let c = plan("table_roles");
    let df = one(&c, "table_roles", "df -h /data");
    assert_eq!(hosts(df), ["db-1"]);
    assert!(matches!(df.action, Action::Probe { .. }));
    for out in ["Filesystem      Size", "/dev/sdb1       500G"] {
        let s = one(&c, "table_roles", out);
        assert_eq!(s.kind, StepKind::Note, "example output must not run: {s:?}");
        assert!(s.hosts.is_empty());
    }
}

#[test]
fn table_roles_web_steps_run_on_both_web_hosts_only() {
    let c = plan("table_roles");
    for needle in ["service httpd stop", "service tomcat stop"] {
        let s = one(&c, "table_roles", needle);
        assert_eq!(hosts(s), ["web-1", "web-2"], "{needle}");
        assert_eq!(s.kind, StepKind::Converge);
        assert!(matches!(&s.action, Action::Service { action, .. } if action == "stop"));
    }
    let tar = one(&c, "table_roles", "tar zxf /tmp/shop-5.2.tar.gz");
    assert_eq!(hosts(tar), ["web-1", "web-2"]);
    assert_eq!(
        tar.action,
        Action::Extract {
            archive: "/tmp/shop-5.2.tar.gz".into(),
            dir: "/opt/shop".into()
        }
    );
    for needle in ["service tomcat start", "service httpd start"] {
        let s = one(&c, "table_roles", needle);
        assert_eq!(hosts(s), ["web-1", "web-2"], "{needle}");
        assert!(matches!(&s.action, Action::Service { action, .. } if action == "start"));
    }
}

#[test]
fn table_roles_prompt_host_names_the_target() {
    let c = plan("table_roles");
    let dump_step = one(&c, "table_roles", "mysqldump -uroot -p shop");
    assert_eq!(hosts(dump_step), ["db-1"], "{}", dump(&c));
    assert!(matches!(dump_step.action, Action::Dump { .. }));
    // The new version starts only after the backup on db-1.
    let tar = one(&c, "table_roles", "tar zxf /tmp/shop-5.2.tar.gz");
    assert!(
        tar.gates
            .iter()
            .all(|g| g.after.iter().any(|r| r.host == "db-1")),
        "{:?}",
        tar.gates
    );
}

#[test]
fn table_roles_browser_check_is_manual_on_no_server() {
    let c = plan("table_roles");
    let s = one(&c, "table_roles", "用浏览器访问");
    assert_eq!(s.kind, StepKind::Manual);
    assert!(s.hosts.is_empty());
}

// ---- atx_sudo: ATX `### 2.1`, `$ sudo systemctl`, hosts listed as `name (IP)：role` ---------

#[test]
fn atx_sudo_hosts_and_sections() {
    let c = plan("atx_sudo");
    assert_eq!(host_of_ip(&c, "172.16.5.10"), "mon-1");
    assert_eq!(host_of_ip(&c, "172.16.5.11"), "mon-2");
    assert_eq!(host_of_ip(&c, "172.16.5.20"), "grafana-1");
    let ids: Vec<&str> = c.outline.sections.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(ids, ["1", "2", "2.1", "2.2", "2.3", "3", "4"]);
}

#[test]
fn atx_sudo_systemctl_steps() {
    let c = plan("atx_sudo");
    let stop = one(&c, "atx_sudo", "systemctl stop prometheus");
    assert_eq!(hosts(stop), ["mon-1", "mon-2"]);
    assert_eq!(
        stop.action,
        Action::Service {
            name: "prometheus".into(),
            action: "stop".into()
        }
    );
    let status = one(&c, "atx_sudo", "systemctl status prometheus");
    assert_eq!(status.kind, StepKind::Check);
    let start = one(&c, "atx_sudo", "systemctl start prometheus");
    assert_eq!(hosts(start), ["mon-1", "mon-2"]);
    assert!(matches!(&start.action, Action::Service { action, .. } if action == "start"));
}

#[test]
fn atx_sudo_upload_unpack_and_swap() {
    let c = plan("atx_sudo");
    let a = c
        .plan
        .artifacts
        .iter()
        .find(|a| a.file == "prometheus-2.45.0.linux-amd64.tar.gz")
        .unwrap_or_else(|| panic!("{:?}", c.plan.artifacts));
    assert_eq!(a.dir, "/opt");
    assert_eq!(a.hosts, ["mon-1", "mon-2"]);
    let tar = one(&c, "atx_sudo", "tar xzf prometheus-2.45.0");
    assert_eq!(hosts(tar), ["mon-1", "mon-2"]);
    assert_eq!(
        tar.action,
        Action::Extract {
            archive: "/opt/prometheus-2.45.0.linux-amd64.tar.gz".into(),
            dir: "/opt".into()
        }
    );
    assert_eq!(
        one(&c, "atx_sudo", "mv /opt/prometheus /opt/prometheus-2.37").action,
        Action::Rename {
            from: "/opt/prometheus".into(),
            to: "/opt/prometheus-2.37".into()
        }
    );
    // The health check continues on the hosts of the chapter; its output is not run.
    let curl = one(&c, "atx_sudo", "curl -s http://localhost:9090");
    assert_eq!(hosts(curl), ["mon-1", "mon-2"]);
    assert_eq!(
        one(&c, "atx_sudo", "Prometheus is Healthy.").kind,
        StepKind::Note
    );
}

#[test]
fn atx_sudo_grafana_on_its_host_only() {
    let c = plan("atx_sudo");
    let rpm = one(&c, "atx_sudo", "rpm -Uvh /tmp/grafana");
    assert_eq!(hosts(rpm), ["grafana-1"]);
    assert_eq!(
        rpm.action,
        Action::RpmInstall {
            file: "/tmp/grafana-10.0.3-1.x86_64.rpm".into()
        }
    );
    let restart = one(&c, "atx_sudo", "systemctl restart grafana-server");
    assert_eq!(hosts(restart), ["grafana-1"]);
    let gui = one(&c, "atx_sudo", "在 Grafana 页面点击");
    assert_eq!(gui.kind, StepKind::Manual);
    assert!(gui.hosts.is_empty());
}

#[test]
fn atx_sudo_dash_u_keeps_the_user() {
    let c = plan("atx_sudo");
    let s = one(&c, "atx_sudo", "sudo -u grafana");
    assert!(!s.text.starts_with('-'), "not a command: {s:?}");
    assert!(
        s.text.contains("sudo -u grafana")
            || s.text.contains("su - grafana")
            || s.text.contains("runuser"),
        "the step must still run as user grafana: {s:?}"
    );
}

#[test]
fn atx_sudo_sudo_i_is_not_a_step() {
    let c = plan("atx_sudo");
    for s in at(&c, "atx_sudo", "$ sudo -i") {
        assert!(
            !automated(s),
            "`sudo -i` opens a shell; nothing to run: {s:?}"
        );
    }
}

// ---- rollback_middle: `1、` numbering, rollback chapter before the verification chapter -------

#[test]
fn rollback_middle_rollback_chapter_is_rollback_only() {
    let c = plan("rollback_middle");
    let from = line_of("rollback_middle", "3、回滚方案");
    let to = line_of("rollback_middle", "4、升级后验证");
    let rb: Vec<&Step> = c
        .plan
        .steps
        .iter()
        .filter(|s| s.line > from && s.line < to && s.kind != StepKind::Note)
        .collect();
    assert_eq!(rb.len(), 4, "{}", dump(&c));
    for s in &rb {
        assert_eq!(s.phase, Phase::Rollback, "{s:?}");
        assert_eq!(hosts(s), ["gw-1", "gw-2"], "{s:?}");
    }
    for h in ["gw-1", "gw-2"] {
        assert!(
            !c.plan
                .steps_for(h, Phase::Run)
                .any(|s| s.text.contains("gateway.bak /opt/gateway")
                    || s.text.contains("gateway.failed")),
            "a forward run must not restore the backup on {h}"
        );
    }
}

#[test]
fn rollback_middle_chapter_after_rollback_is_forward_again() {
    let c = plan("rollback_middle");
    let curl = one(
        &c,
        "rollback_middle",
        "curl -s http://127.0.0.1:8080/health",
    );
    assert_eq!(curl.phase, Phase::Run);
    assert_eq!(hosts(curl), ["gw-1"]);
    let tail = one(&c, "rollback_middle", "tail -n 100");
    assert_eq!(tail.phase, Phase::Run);
    assert_eq!(hosts(tail), ["gw-1"]);
    // The forward steps before the rollback chapter are forward steps. 2.2 names no host: the
    // hosts of 2.1 are carried over, a guess (SPEC §2.2), so its steps are manual there, with a
    // warning that names the line the hosts came from.
    let tar = one(&c, "rollback_middle", "tar xf /tmp/gateway-3.1.tar");
    assert_eq!(tar.phase, Phase::Run);
    assert_eq!(hosts(tar), ["gw-1", "gw-2"]);
    assert_eq!(tar.kind, StepKind::Manual);
    assert!(
        c.diagnostics
            .iter()
            .any(|d| d.code == "W030" && d.message.contains("line 15")),
        "{}",
        dump(&c)
    );
}

// ---- upload_all: upload sentences, `分别在X、Y上执行`, `所有服务器` ------------------------------

#[test]
fn upload_all_artifacts_go_where_the_sentences_say() {
    let c = plan("upload_all");
    let mut arts: Vec<(String, String, Vec<String>)> = c
        .plan
        .artifacts
        .iter()
        .map(|a| (a.file.clone(), a.dir.clone(), a.hosts.clone()))
        .collect();
    arts.sort();
    assert_eq!(
        arts,
        [
            (
                "app-2.3.jar".to_string(),
                "/opt/app".to_string(),
                vec!["app-1".to_string(), "app-2".to_string()]
            ),
            (
                "order-job.jar".to_string(),
                "/opt/job".to_string(),
                vec!["app-2".to_string()]
            ),
            (
                "order-web.war".to_string(),
                "/opt/tomcat/webapps".to_string(),
                vec!["app-1".to_string(), "app-2".to_string()]
            ),
            (
                "order_v2.3.sql".to_string(),
                "/tmp".to_string(),
                vec!["db-1".to_string(), "db-2".to_string()]
            ),
        ]
    );
    let jar: Vec<&Step> = at(&c, "upload_all", "将app-2.3.jar上传到");
    assert_eq!(jar.len(), 1);
    assert_eq!(hosts(jar[0]), ["app-1", "app-2"]);
    assert!(matches!(jar[0].action, Action::Payload { .. }));
}

#[test]
fn upload_all_every_server_and_per_group_steps() {
    let c = plan("upload_all");
    for needle in ["ntpdate 10.1.1.254", "hwclock -w"] {
        assert_eq!(
            hosts(one(&c, "upload_all", needle)),
            ["app-1", "app-2", "db-1", "db-2"],
            "{needle}"
        );
    }
    let sql = one(&c, "upload_all", "mysql -uroot -p orders <");
    assert_eq!(hosts(sql), ["db-1", "db-2"]);
    assert_eq!(sql.phase, Phase::Run);
    assert_eq!(sql.kind, StepKind::Once);
    for needle in [
        "mv order.jar order.jar.bak",
        "cp app-2.3.jar order.jar",
        "nohup java",
    ] {
        assert_eq!(
            hosts(one(&c, "upload_all", needle)),
            ["app-1", "app-2"],
            "{needle}"
        );
    }
    // The application is touched only after the schema change on both databases.
    let mv = one(&c, "upload_all", "mv order.jar order.jar.bak");
    for g in &mv.gates {
        for db in ["db-1", "db-2"] {
            assert!(g.after.iter().any(|r| r.host == db), "{:?}", mv.gates);
        }
    }
    assert!(!mv.gates.is_empty(), "{:?}", mv.gates);
    match &one(&c, "upload_all", "nohup java").action {
        Action::StartDetached { pattern, .. } => {
            assert!(
                pattern.contains("/opt/app") || pattern.contains("order"),
                "{pattern}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn upload_all_table_lead_in_is_not_a_task() {
    let c = plan("upload_all");
    for s in at(&c, "upload_all", "其余程序包按下表上传") {
        assert!(
            !(s.kind == StepKind::Manual && s.hosts.iter().any(|h| h.starts_with("db-"))),
            "the upload table sends nothing to the databases: {s:?}"
        );
    }
}

// ---- ip_only_aliases: `两台Redis（IP、IP）`, /etc/hosts aliases, `与X相同` in the next section ----

#[test]
fn ip_only_aliases_hosts_and_aliases() {
    let c = plan("ip_only_aliases");
    let servers: Vec<_> = c
        .plan
        .hosts
        .iter()
        .filter(|h| h.kind == HostKind::Server)
        .collect();
    assert_eq!(servers.len(), 2, "{servers:?}");
    let master = host_of_ip(&c, "10.9.0.5");
    let slave = host_of_ip(&c, "10.9.0.6");
    assert_eq!(
        c.inventory
            .find("redis-master")
            .map(|i| &c.inventory.hosts[i].name[..]),
        Some(master)
    );
    assert_eq!(
        c.inventory
            .find("redis-slave")
            .map(|i| &c.inventory.hosts[i].name[..]),
        Some(slave)
    );
}

#[test]
fn ip_only_aliases_steps_follow_aliases_and_ips() {
    let c = plan("ip_only_aliases");
    let master = host_of_ip(&c, "10.9.0.5");
    let slave = host_of_ip(&c, "10.9.0.6");
    let hosts_edit = c
        .plan
        .steps
        .iter()
        .find(|s| matches!(&s.action, Action::EnsureLines { path, .. } if path == "/etc/hosts"))
        .unwrap_or_else(|| panic!("{}", dump(&c)));
    let mut both = vec![master, slave];
    both.sort();
    assert_eq!(hosts(hosts_edit), both);
    assert!(matches!(&hosts_edit.action, Action::EnsureLines { lines, .. } if lines.len() == 2));
    let rpm = one(&c, "ip_only_aliases", "rpm -Uvh /tmp/redis");
    assert!(rpm.hosts.iter().any(|h| h == master), "{rpm:?}");
    let cli = one(&c, "ip_only_aliases", "redis-cli info replication");
    assert_eq!(hosts(cli), [slave]);
}

#[test]
fn ip_only_aliases_same_as_in_next_section_copies_the_upgrade() {
    let c = plan("ip_only_aliases");
    let slave = host_of_ip(&c, "10.9.0.6");
    for needle in [
        "service redis stop",
        "rpm -Uvh /tmp/redis",
        "service redis start",
    ] {
        let s = one(&c, "ip_only_aliases", needle);
        assert!(s.hosts.iter().any(|h| h == slave), "{needle}: {}", dump(&c));
    }
}

// ---- same_as_tongli: `与X相同` in the section, `同理` ------------------------------------------

#[test]
fn same_as_tongli_install_is_copied() {
    let c = plan("same_as_tongli");
    for needle in ["rpm -ivh /root/erlang", "rpm -ivh /root/rabbitmq-server"] {
        let s = one(&c, "same_as_tongli", needle);
        assert_eq!(hosts(s), ["mq-1", "mq-2", "mq-3"], "{needle}");
        assert!(matches!(s.action, Action::RpmInstall { .. }));
    }
    // rabbitmq.conf is written on mq-1 (the sentence names it).
    let w = c
        .plan
        .steps
        .iter()
        .find(|s| matches!(&s.action, Action::WriteFile { path, .. } if path == "/etc/rabbitmq/rabbitmq.conf"))
        .unwrap_or_else(|| panic!("{}", dump(&c)));
    assert!(w.hosts.contains(&"mq-1".to_string()));
    // join_cluster on mq-2 waits for mq-1's configuration.
    let join = one(&c, "same_as_tongli", "join_cluster rabbit@mq-1");
    assert!(join.hosts.contains(&"mq-2".to_string()));
}

#[test]
fn same_as_tongli_same_as_sentence_is_not_a_task() {
    let c = plan("same_as_tongli");
    let s = one(&c, "same_as_tongli", "的安装与mq-1相同");
    assert!(
        !(s.kind == StepKind::Manual && s.hosts.contains(&"mq-1".to_string())),
        "mq-1 is the model; nothing to do there: {s:?}"
    );
    let rpm = one(&c, "same_as_tongli", "rpm -ivh /root/erlang");
    assert_eq!(rpm.why.matches("mq-2").count(), 1, "{}", rpm.why);
}

#[test]
fn same_as_tongli_tongli_writes_on_the_named_hosts() {
    let c = plan("same_as_tongli");
    let line = line_of("same_as_tongli", "同理，在mq-2、mq-3上写入相同内容");
    let written_there = c.plan.steps.iter().any(|s| {
        matches!(&s.action, Action::WriteFile { path, .. } if path == "/etc/rabbitmq/rabbitmq.conf")
            && s.hosts.contains(&"mq-2".to_string())
            && s.hosts.contains(&"mq-3".to_string())
    });
    let manual_there = at(&c, "same_as_tongli", "同理，在mq-2、mq-3上写入相同内容")
        .iter()
        .any(|s| s.kind == StepKind::Manual && hosts(s) == ["mq-2", "mq-3"])
        && warned_at(&c, line);
    assert!(written_there || manual_there, "{}", dump(&c));
}

#[test]
fn same_as_tongli_tongli_repeats_join_on_mq3() {
    let c = plan("same_as_tongli");
    let line = line_of("same_as_tongli", "mq-3上的操作同理");
    let joined = one(&c, "same_as_tongli", "join_cluster rabbit@mq-1")
        .hosts
        .contains(&"mq-3".to_string());
    let manual = at(&c, "same_as_tongli", "mq-3上的操作同理")
        .iter()
        .any(|s| s.kind == StepKind::Manual && hosts(s) == ["mq-3"])
        && warned_at(&c, line);
    assert!(joined || manual, "{}", dump(&c));
}

// ---- manual_gui: console clicks, reboot, certificates, people verifying ----------------------

#[test]
fn manual_gui_console_steps_are_manual_on_no_server() {
    let c = plan("manual_gui");
    for needle in ["在F5控制台点击", "在F5控制台将10.5.0.11"] {
        let s = one(&c, "manual_gui", needle);
        assert_eq!(s.kind, StepKind::Manual, "{needle}");
        assert!(
            s.hosts.is_empty(),
            "{needle}: a click in a console runs on no server"
        );
    }
}

#[test]
fn manual_gui_reboot_is_manual_on_the_host_between_install_and_check() {
    let c = plan("manual_gui");
    let reboot = one(&c, "manual_gui", "重启服务器使新内核生效");
    assert_eq!(reboot.kind, StepKind::Manual);
    assert_eq!(hosts(reboot), ["web-1"]);
    let order: Vec<usize> = c
        .plan
        .steps_for("web-1", Phase::Run)
        .map(|s| s.line)
        .collect();
    let (rpm, rb, un) = (
        line_of("manual_gui", "yum localinstall"),
        reboot.line,
        line_of("manual_gui", "# uname -r"),
    );
    assert!(order.contains(&rpm) && order.contains(&un), "{order:?}");
    let pos = |l| order.iter().position(|x| *x == l).unwrap();
    assert!(pos(rpm) < pos(rb) && pos(rb) < pos(un));
    assert!(matches!(
        one(&c, "manual_gui", "yum localinstall").action,
        Action::RpmInstall { .. }
    ));
    let out_line = line_of("manual_gui", "# uname -r") + 1;
    assert!(c
        .plan
        .steps
        .iter()
        .filter(|s| s.line == out_line)
        .all(|s| s.kind == StepKind::Note && s.hosts.is_empty()));
    // The install waits for the node to be taken out of the pool.
    let rpm_step = one(&c, "manual_gui", "yum localinstall");
    assert!(rpm_step
        .gates
        .iter()
        .any(|g| g.after.iter().any(|r| r.host.is_empty())));
}

#[test]
fn manual_gui_certificate_and_business_check_are_manual() {
    let c = plan("manual_gui");
    let cert = one(&c, "manual_gui", "联系安全部门获取新的SSL证书");
    assert_eq!(cert.kind, StepKind::Manual);
    assert_eq!(hosts(cert), ["web-1"]);
    assert_eq!(
        one(&c, "manual_gui", "由业务人员验证").kind,
        StepKind::Manual
    );
}

// ---- troubleshooting: `如果…失败，可以执行…`, `注意：若出现…`, example output ---------------------

#[test]
fn troubleshooting_normal_steps() {
    let c = plan("troubleshooting");
    let t = one(&c, "troubleshooting", "nginx -t");
    assert_eq!((t.kind, hosts(t)), (StepKind::Check, vec!["lb-1"]));
    let start_line = line_of("troubleshooting", "nginx -t") + 1;
    let start: Vec<&Step> = c
        .plan
        .steps
        .iter()
        .filter(|s| s.line == start_line)
        .collect();
    assert_eq!(start.len(), 1, "{}", dump(&c));
    assert_eq!(hosts(start[0]), ["lb-1"]);
    assert!(matches!(start[0].action, Action::StartDetached { .. }));
    let app = one(&c, "troubleshooting", "service app start");
    assert_eq!(hosts(app), ["lb-1"]);
    assert_eq!(app.kind, StepKind::Converge);
    assert_eq!(
        one(&c, "troubleshooting", "Started Application").kind,
        StepKind::Note
    );
}

#[test]
fn troubleshooting_note_prefixed_advice_does_not_run() {
    let c = plan("troubleshooting");
    let pkill = by_text(&c, "pkill -f app.jar");
    assert_eq!(pkill.kind, StepKind::Note, "{pkill:?}");
    assert!(pkill.hosts.is_empty());
}

#[test]
fn troubleshooting_if_failed_block_does_not_run() {
    let c = plan("troubleshooting");
    for needle in ["netstat -tlnp | grep 80", "kill -9 <PID>"] {
        for s in c.plan.steps.iter().filter(|s| s.text.contains(needle)) {
            assert_eq!(
                s.kind,
                StepKind::Note,
                "{needle}: advice for a failure must not run: {s:?}"
            );
            assert!(s.hosts.is_empty(), "{s:?}");
        }
    }
}

// ---- edits_prose: `vi FILE` then prose (末尾追加 / 修改为 / 写入如下内容 / 末尾添加) -------------

#[test]
fn edits_prose_append_after_vi() {
    let c = plan("edits_prose");
    let s = c
        .plan
        .steps
        .iter()
        .find(|s| s.source.contains("JAVA_OPTS=") && s.kind != StepKind::Note)
        .unwrap_or_else(|| panic!("{}", dump(&c)));
    assert_eq!(hosts(s), ["app-1"]);
    assert_eq!(
        s.action,
        Action::AppendBlock {
            path: "/opt/app/bin/setenv.sh".into(),
            content: "JAVA_OPTS=\"$JAVA_OPTS -Xms2g -Xmx4g\"\n".into()
        }
    );
    // `vi` itself is not an interactive step.
    let vi = one(&c, "edits_prose", "vi /opt/app/bin/setenv.sh");
    assert_eq!(vi.kind, StepKind::Note);
}

#[test]
fn edits_prose_replace_without_old_line_is_precise_or_manual_with_warning() {
    let c = plan("edits_prose");
    let line = line_of("edits_prose", "jdbc.url=jdbc:mysql");
    let steps: Vec<&Step> = c
        .plan
        .steps
        .iter()
        .filter(|s| {
            matches!(&s.action, Action::ReplaceLine { path, .. } if path == "/opt/app/conf/jdbc.properties")
                || (s.kind == StepKind::Manual && s.source.contains("jdbc.url=jdbc:mysql"))
        })
        .collect();
    assert_eq!(steps.len(), 1, "{}", dump(&c));
    let s = steps[0];
    assert_eq!(hosts(s), ["app-1"]);
    if let Action::ReplaceLine { new, .. } = &s.action {
        assert_eq!(
            new,
            "jdbc.url=jdbc:mysql://10.7.0.20:3306/app?useUnicode=true"
        );
    } else {
        assert!(
            c.diagnostics
                .iter()
                .any(|d| d.line + 2 >= line && d.line <= line && d.severity == Severity::Warning),
            "a manual edit needs a warning near line {line}:\n{}",
            dump(&c)
        );
    }
}

#[test]
fn edits_prose_write_and_append_announced_in_prose() {
    let c = plan("edits_prose");
    let w = c
        .plan
        .steps
        .iter()
        .find(|s| matches!(&s.action, Action::WriteFile { path, .. } if path == "/etc/logrotate.d/app"))
        .unwrap_or_else(|| panic!("{}", dump(&c)));
    assert_eq!(hosts(w), ["app-1"]);
    assert_eq!(
        w.action,
        Action::WriteFile {
            path: "/etc/logrotate.d/app".into(),
            content: "/opt/app/logs/*.log {\n    daily\n    rotate 7\n    compress\n}\n".into()
        }
    );
    let a = c
        .plan
        .steps
        .iter()
        .find(
            |s| matches!(&s.action, Action::AppendBlock { path, .. } if path == "/etc/sysctl.conf"),
        )
        .unwrap_or_else(|| panic!("{}", dump(&c)));
    assert_eq!(hosts(a), ["app-1"]);
    assert!(
        matches!(&a.action, Action::AppendBlock { content, .. } if content == "net.core.somaxconn = 2048\nvm.swappiness = 10\n")
    );
    let sysctl = one(&c, "edits_prose", "sysctl -p");
    assert_eq!(hosts(sysctl), ["app-1"]);
    assert_ne!(sysctl.kind, StepKind::Note);
}

#[test]
fn edits_prose_hash_comment_in_appended_content() {
    let c = plan("edits_prose");
    assert!(
        !c.plan
            .steps
            .iter()
            .any(|s| automated(s) && s.text == "app user limits"),
        "{}",
        dump(&c)
    );
    let s = c
        .plan
        .steps
        .iter()
        .find(|s| matches!(&s.action, Action::AppendBlock { path, .. } if path == "/etc/security/limits.conf"))
        .unwrap_or_else(|| panic!("{}", dump(&c)));
    assert_eq!(hosts(s), ["app-1"]);
    assert_eq!(
        s.action,
        Action::AppendBlock {
            path: "/etc/security/limits.conf".into(),
            content: "# app user limits\napp soft nofile 65535\napp hard nofile 65535\n".into()
        }
    );
}

#[test]
fn edits_prose_inline_line_in_prose_is_an_edit() {
    let c = plan("edits_prose");
    let s = c
        .plan
        .steps
        .iter()
        .find(|s| match &s.action {
            Action::EnsureLines { path, lines } => {
                path == "/etc/profile"
                    && lines
                        .iter()
                        .any(|l| l == "export JAVA_HOME=/usr/java/jdk1.8.0_202")
            }
            Action::AppendBlock { path, content } => {
                path == "/etc/profile" && content == "export JAVA_HOME=/usr/java/jdk1.8.0_202\n"
            }
            _ => false,
        })
        .unwrap_or_else(|| panic!("{}", dump(&c)));
    assert_eq!(hosts(s), ["app-1"]);
}

// ---- mysql_checks: `mysql>` session over several blocks, SQL checks, prompt-less SQL ---------

#[test]
fn mysql_checks_zero_counts_are_checks() {
    let c = plan("mysql_checks");
    let s = one(&c, "mysql_checks", "mysql -uroot -p");
    assert_eq!(hosts(s), ["db-1"]);
    assert_eq!(s.kind, StepKind::Check);
    match &s.action {
        Action::Sql {
            database,
            statements,
            expect_zero,
            ..
        } => {
            assert_eq!(database.as_deref(), Some("shop"));
            assert_eq!(statements.len(), 2);
            assert!(*expect_zero);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn mysql_checks_change_and_rollback_phases() {
    let c = plan("mysql_checks");
    let change = one(&c, "mysql_checks", "source /tmp/shop_v5.2.sql");
    assert_eq!((change.kind, change.phase), (StepKind::Once, Phase::Run));
    assert_eq!(hosts(change), ["db-1"]);
    let verify = by_text(&c, "show columns from t_user");
    assert_eq!((verify.kind, verify.phase), (StepKind::Check, Phase::Run));
    let rb = one(&c, "mysql_checks", "drop column vip_level");
    assert_eq!(rb.phase, Phase::Rollback);
    assert_eq!(
        rb.kind,
        StepKind::Manual,
        "dropping a table is confirmed by a person"
    );
    assert!(!c
        .plan
        .steps_for("db-1", Phase::Run)
        .any(|s| s.text.contains("drop table")));
}

#[test]
fn mysql_checks_session_keeps_its_database() {
    let c = plan("mysql_checks");
    for needle in [
        "source /tmp/shop_v5.2.sql",
        "show columns from t_user",
        "drop column vip_level",
    ] {
        match &by_text(&c, needle).action {
            Action::Sql { database, .. } => {
                assert_eq!(database.as_deref(), Some("shop"), "{needle}")
            }
            other => panic!("{needle}: {other:?}"),
        }
    }
    assert!(
        !c.diagnostics.iter().any(|d| d.code == "W022"),
        "{}",
        dump(&c)
    );
}

// ---- placeholders: `<PID>`, `<版本号>`, `<YYYYMMDD>`, `-u<用户名>` --------------------------------

#[test]
fn placeholders_stop_idiom_is_automated_without_the_placeholder() {
    let c = plan("placeholders");
    let s = one(&c, "placeholders", "ps -ef | grep api-server");
    assert_eq!(hosts(s), ["api-1"]);
    assert!(matches!(&s.action, Action::StopProcesses { pattern, .. } if pattern == "api-server"));
}

#[test]
fn placeholders_become_manual_with_a_warning_on_their_line() {
    let c = plan("placeholders");
    for needle in ["releases/<版本号>", "api-upgrade-<YYYYMMDD>", "-u<用户名>"] {
        let s = one(&c, "placeholders", needle);
        assert_eq!(s.kind, StepKind::Manual, "{needle}");
        assert_eq!(hosts(s), ["api-1"], "{needle}");
        assert!(
            warned_at(&c, s.line),
            "{needle}: no warning on line {}",
            s.line
        );
    }
    let start = one(&c, "placeholders", "./bin/start.sh");
    assert!(matches!(start.action, Action::StartDetached { .. }));
}

// ---- fullwidth: （）and ：, `1.部署说明`, IP list named later ----------------------------------

#[test]
fn fullwidth_hosts_named_later_are_not_anonymous() {
    let c = plan("fullwidth");
    assert_eq!(host_of_ip(&c, "10.11.0.1"), "kafka-1");
    assert_eq!(host_of_ip(&c, "10.11.0.2"), "kafka-2");
    assert_eq!(host_of_ip(&c, "10.11.0.9"), "zk-1");
    assert!(
        !c.diagnostics.iter().any(|d| d.code == "W011"),
        "{}",
        dump(&c)
    );
}

#[test]
fn fullwidth_steps_and_order() {
    let c = plan("fullwidth");
    assert_eq!(
        one(&c, "fullwidth", "注意：（重要）").kind,
        StepKind::Note,
        "a caution is not a task"
    );
    let stop = one(&c, "fullwidth", "kafka-server-stop.sh");
    assert_eq!(hosts(stop), ["kafka-1", "kafka-2"]);
    let zoo = c
        .plan
        .steps
        .iter()
        .find(|s| matches!(&s.action, Action::AppendBlock { path, .. } if path == "/opt/zookeeper/conf/zoo.cfg"))
        .unwrap_or_else(|| panic!("{}", dump(&c)));
    assert_eq!(hosts(zoo), ["zk-1"]);
    assert!(
        matches!(&zoo.action, Action::AppendBlock { content, .. } if content == "4lw.commands.whitelist=*\nautopurge.purgeInterval=24\n")
    );
    let start = one(&c, "fullwidth", "kafka-server-start.sh");
    assert_eq!(hosts(start), ["kafka-1", "kafka-2"]);
    assert!(
        start
            .gates
            .iter()
            .all(|g| g.after.iter().any(|r| r.host == "zk-1")),
        "{:?}",
        start.gates
    );
}

#[test]
fn fullwidth_nohup_with_redirect_watches_the_program() {
    let c = plan("fullwidth");
    match &one(&c, "fullwidth", "kafka-server-start.sh").action {
        Action::StartDetached { pattern, .. } => {
            assert!(pattern.contains("kafka"), "pattern `{pattern}`")
        }
        other => panic!("{other:?}"),
    }
}

// ---- per_host: different content per host in one section, `ssh root@IP` --------------------

#[test]
fn per_host_each_host_gets_its_own_config() {
    let c = plan("per_host");
    let appends: Vec<&Step> = c
        .plan
        .steps
        .iter()
        .filter(|s| matches!(&s.action, Action::AppendBlock { path, .. } if path == "/etc/elasticsearch/elasticsearch.yml"))
        .collect();
    assert_eq!(appends.len(), 2, "{}", dump(&c));
    for s in appends {
        let Action::AppendBlock { content, .. } = &s.action else {
            unreachable!()
        };
        let h = hosts(s);
        assert_eq!(h.len(), 1, "{s:?}");
        assert!(content.contains(&format!("node.name: {}", h[0])), "{s:?}");
    }
    let restart = one(&c, "per_host", "service elasticsearch restart");
    assert_eq!(hosts(restart), ["es-1", "es-2"]);
    assert!(
        matches!(&restart.action, Action::ServiceRestart { watch, .. } if watch.iter().any(|w| w.ends_with("elasticsearch.yml")))
    );
    let curl = one(&c, "per_host", "_cluster/health");
    assert_eq!(hosts(curl), ["es-1"]);
}

#[test]
fn per_host_management_ip_table_is_a_host_table() {
    let c = plan("per_host");
    assert!(
        !c.diagnostics.iter().any(|d| d.code == "W050"),
        "{}",
        dump(&c)
    );
    for h in ["es-1", "es-2"] {
        assert_eq!(
            c.plan.host(h).unwrap().group.as_deref(),
            Some("数据节点"),
            "{h}"
        );
    }
}

// ---- kv_ordered: `### 1.1 uc-3` + `- IP地址：`, ordered-list steps with nested code blocks ------

#[test]
fn kv_ordered_hosts_declared_by_heading_and_key_values() {
    let c = plan("kv_ordered");
    let uc3 = c.plan.host("uc-3").unwrap();
    assert_eq!(uc3.ip.as_deref(), Some("10.40.0.13"));
    assert_eq!(uc3.physical.as_deref(), Some("kvm-07"));
    assert_eq!(
        c.plan.host("uc-4").unwrap().ip.as_deref(),
        Some("10.40.0.14")
    );
    assert_eq!(c.plan.host("kvm-08").unwrap().kind, HostKind::Physical);
}

#[test]
fn kv_ordered_list_items_lead_their_nested_blocks() {
    let c = plan("kv_ordered");
    let rpm = one(&c, "kv_ordered", "rpm -ivh /root/jdk");
    assert_eq!(hosts(rpm), ["uc-3", "uc-4"], "{}", dump(&c));
    assert!(matches!(rpm.action, Action::RpmInstall { .. }));
    let fw = c
        .plan
        .steps
        .iter()
        .find(|s| matches!(&s.action, Action::FirewallRules { path, .. } if path == "/etc/sysconfig/iptables"))
        .unwrap_or_else(|| panic!("{}", dump(&c)));
    assert_eq!(hosts(fw), ["uc-3", "uc-4"]);
    let restart = one(&c, "kv_ordered", "service iptables restart");
    assert!(
        matches!(&restart.action, Action::ServiceRestart { watch, .. } if watch.contains(&"/etc/sysconfig/iptables".to_string()))
    );
    let check = one(&c, "kv_ordered", "iptables -L -n");
    assert_eq!(hosts(check), ["uc-3"]);
}

// ---- variants: the same runbook as LF, CRLF, BOM+CRLF and GB18030 ---------------------------

fn compile_bytes(bytes: &[u8]) -> Compiled {
    let src = Source::from_bytes("variants.md", bytes).expect("readable");
    compile(&src)
}

fn projection(c: &Compiled) -> (serde_json::Value, Vec<(&'static str, usize)>) {
    (
        serde_json::to_value(&c.plan).unwrap(),
        c.diagnostics
            .iter()
            .filter(|d| d.code != "N001")
            .map(|d| (d.code, d.line))
            .collect(),
    )
}

#[test]
fn variants_line_endings_bom_and_encoding_give_the_same_plan() {
    let lf = text("variants");
    let crlf = lf.replace('\n', "\r\n");
    let mut bom = b"\xef\xbb\xbf".to_vec();
    bom.extend_from_slice(crlf.as_bytes());
    let (gb, _, unmappable) = encoding_rs::GB18030.encode(&lf);
    assert!(!unmappable);
    let base = compile_bytes(lf.as_bytes());
    let want = projection(&base);
    for (what, bytes) in [
        ("CRLF", crlf.as_bytes().to_vec()),
        ("BOM+CRLF", bom),
        ("GB18030", gb.into_owned()),
    ] {
        let c = compile_bytes(&bytes);
        assert_eq!(projection(&c), want, "{what} differs");
        let json = serde_json::to_string(&c.plan).unwrap();
        assert!(
            !json.contains("\\r") && !json.contains('\u{feff}'),
            "{what}: CR or BOM leaked"
        );
    }
}

#[test]
fn variants_plan() {
    let c = plan("variants");
    let a = c
        .plan
        .steps
        .iter()
        .find(|s| matches!(s.action, Action::AppendBlock { .. }))
        .unwrap_or_else(|| panic!("{}", dump(&c)));
    assert_eq!(hosts(a), ["cache-1", "cache-2"]);
    assert_eq!(
        a.action,
        Action::AppendBlock {
            path: "/etc/sysconfig/memcached".into(),
            content: "CACHESIZE=\"4096\"\nOPTIONS=\"-l 0.0.0.0\"\n".into()
        }
    );
    let restart = &at(&c, "variants", "service memcached restart")[0];
    assert_eq!(restart.phase, Phase::Run);
    assert_eq!(hosts(restart), ["cache-1", "cache-2"]);
    let restore = one(&c, "variants", "cp /etc/sysconfig/memcached.bak");
    assert_eq!(restore.phase, Phase::Rollback);
    assert_eq!(hosts(restore), ["cache-1", "cache-2"]);
    for h in ["cache-1", "cache-2"] {
        assert!(!c
            .plan
            .steps_for(h, Phase::Run)
            .any(|s| s.text.contains("memcached.bak")));
    }
}
