//! Third round of house styles: shell idioms of real Chinese ops runbooks (heredocs, lines
//! continued with `\`, `echo >> /etc/profile`, crontab pipelines, psql / redis-cli sessions,
//! `curl -X POST` with a body), and structures (`### Web节点` role sections, `操作服务器：` bullet
//! lists, `步骤1：` labels, `> 注意：` blockquotes, `<版本号>`, a rollback chapter with its own
//! host list, English mixed in, per-step operation tables).
//!
//! Expectations are what a careful operator would assume; those rbc does not meet yet are
//! `#[ignore]`d with what rbc does instead and the likely cause.

use rbc::diagnostic::Severity;
use rbc::plan::{Action, Phase, Step, StepKind};
use rbc::planner::{self, Compiled, Fate};
use rbc::source::Source;

const FIXTURES: &[&str] = &[
    "heredoc_config",
    "continuation",
    "role_sections",
    "operator_list",
    "steps_quotes",
    "placeholder_version",
    "postgres",
    "redis_curl",
    "profile_cron",
    "rollback_hosts",
    "english_mixed",
    "step_table",
];

fn text(name: &str) -> String {
    let path = format!("{}/tests/styles2/{name}.md", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

fn plan(name: &str) -> Compiled {
    planner::compile(&Source::from_text(&format!("{name}.md"), &text(name)))
}

/// 1-based line of the first line of fixture `name` containing `needle`.
fn line_of(name: &str, needle: &str) -> usize {
    text(name)
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in {name}"))
        + 1
}

fn dump(c: &Compiled) -> String {
    let mut out = String::new();
    for s in &c.plan.steps {
        out += &format!(
            "{} L{} {:?} {:?} {:?} {:?} | {:?}\n",
            s.id, s.line, s.kind, s.phase, s.hosts, s.text, s.action
        );
    }
    for d in &c.diagnostics {
        out += &format!("{} L{} {}\n", d.code, d.line, d.message);
    }
    out
}

/// Steps whose text contains `needle`.
fn all<'a>(c: &'a Compiled, needle: &str) -> Vec<&'a Step> {
    c.plan
        .steps
        .iter()
        .filter(|s| s.text.contains(needle))
        .collect()
}

/// The one step whose text contains `needle`, in the given phase.
fn step<'a>(c: &'a Compiled, needle: &str, phase: Phase) -> &'a Step {
    let v: Vec<_> = all(c, needle)
        .into_iter()
        .filter(|s| s.phase == phase)
        .collect();
    assert_eq!(
        v.len(),
        1,
        "one {phase:?} step with {needle:?}:\n{}",
        dump(c)
    );
    v[0]
}

fn run<'a>(c: &'a Compiled, needle: &str) -> &'a Step {
    step(c, needle, Phase::Run)
}

fn hosts(s: &Step) -> Vec<&str> {
    s.hosts.iter().map(String::as_str).collect()
}

fn automated(s: &Step) -> bool {
    matches!(
        s.kind,
        StepKind::Converge | StepKind::Once | StepKind::Check
    )
}

fn warned_at(c: &Compiled, line: usize) -> bool {
    c.diagnostics
        .iter()
        .any(|d| d.severity == Severity::Warning && d.line == line)
}

/// The line of the fence that opens the block holding `line`.
fn fence_before(c: &Compiled, line: usize) -> usize {
    c.document
        .elements
        .iter()
        .filter(|e| e.line <= line)
        .map(|e| e.line)
        .max()
        .unwrap()
}

/// The heredoc at `needle` is carried out with its body: either a typed file write/append whose
/// content holds `body`, or one command whose text holds both the `<<` line and `body`.
fn heredoc_carried_out(c: &Compiled, needle: &str, path: &str, body: &str) -> bool {
    c.plan.steps.iter().any(|s| {
        automated(s)
            && match &s.action {
                Action::WriteFile { path: p, content }
                | Action::AppendBlock { path: p, content }
                | Action::PrependBlock { path: p, content } => p == path && content.contains(body),
                Action::EnsureLines { path: p, lines } => {
                    p == path && lines.iter().any(|l| l.contains(body.trim()))
                }
                Action::Run { command }
                | Action::Sql {
                    client: command, ..
                } => command.contains(needle) && command.contains(body),
                _ => false,
            }
    }) || c.plan.steps.iter().any(|s| {
        automated(s)
            && matches!(&s.action, Action::Sql { statements, .. }
                if statements.iter().any(|st| st.contains(body)))
    })
}

/// No step is a lone heredoc terminator or a lone line of a heredoc body.
fn no_heredoc_fragments(c: &Compiled, body_lines: &[&str]) {
    for s in &c.plan.steps {
        let t = s.text.trim();
        assert!(
            t != "EOF" && !body_lines.contains(&t),
            "heredoc fragment {t:?} became a step of its own ({:?}):\n{}",
            s.kind,
            dump(c)
        );
    }
}

// ---------------------------------------------------------------- every fixture

#[test]
fn every_fixture_gives_every_element_a_fate() {
    for name in FIXTURES {
        let c = plan(name);
        for (i, f) in &c.fates {
            assert!(
                !matches!(f, Fate::Steps(v) if v.is_empty()),
                "{name}: element {i} (line {}) silently dropped",
                c.document.elements[*i].line
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
    }
}

#[test]
fn automated_steps_have_hosts_and_no_placeholders() {
    for name in FIXTURES {
        let c = plan(name);
        for s in c.plan.steps.iter().filter(|s| automated(s)) {
            assert!(!s.hosts.is_empty(), "{name}: {} has no host", s.id);
            assert!(
                !s.text.contains("<版本号>") && !s.text.contains("<新密码>"),
                "{name}: placeholder automated: {}",
                s.text
            );
        }
    }
}

#[test]
fn rollback_steps_never_in_the_forward_run() {
    for name in FIXTURES {
        let c = plan(name);
        for s in c.plan.steps.iter().filter(|s| s.phase == Phase::Run) {
            let t = s.text.to_lowercase();
            assert!(
                !t.contains("drop ") && !t.contains("pg_restore") && !t.contains("settle_v6.sql"),
                "{name}: {} runs forward: {}",
                s.id,
                s.text
            );
        }
    }
}

/// Continued lines: a command that ends in `\` is never run on its own. (continuation and
/// redis_curl have their own ignored tests for this.)
#[test]
fn no_automated_step_ends_with_a_backslash() {
    for name in FIXTURES
        .iter()
        .filter(|n| !["continuation", "redis_curl"].contains(n))
    {
        let c = plan(name);
        for s in c.plan.steps.iter().filter(|s| automated(s)) {
            assert!(!s.text.trim_end().ends_with('\\'), "{name}: {}", s.text);
        }
    }
}

/// Destructive commands are never automated silently: confirmation first (manual) and a
/// warning naming the line. (postgres has its own ignored test.)
#[test]
fn destructive_commands_are_confirmed_with_a_warning() {
    for name in FIXTURES.iter().filter(|n| **n != "postgres") {
        let c = plan(name);
        for s in &c.plan.steps {
            let t = s.text.to_lowercase();
            if (t.contains("rm -rf") || t.contains("drop ")) && s.kind != StepKind::Note {
                assert_eq!(s.kind, StepKind::Manual, "{name}: {}", s.text);
                assert!(warned_at(&c, s.line), "{name}: no warning at {}", s.line);
            }
        }
    }
}

// ---------------------------------------------------------------- heredoc_config

#[test]
fn heredoc_config_every_step_on_both_nginx_hosts() {
    let c = plan("heredoc_config");
    for s in c.plan.steps.iter().filter(|s| s.kind != StepKind::Note) {
        assert_eq!(hosts(s), ["ord-nginx-01", "ord-nginx-02"], "{}", s.text);
    }
}

#[test]
fn heredoc_config_body_stays_with_its_command() {
    let c = plan("heredoc_config");
    no_heredoc_fragments(
        &c,
        &[
            "server {",
            "}",
            "listen 80;",
            "net.core.somaxconn = 65535",
            "#!/bin/bash",
        ],
    );
    // Whatever rbc makes of the block, the body is part of the step that writes the file.
    let w = all(&c, "cat > /etc/nginx/conf.d/order.conf");
    assert!(
        w.iter()
            .any(|s| s.text.contains("proxy_pass http://order_backend;")),
        "{}",
        dump(&c)
    );
}

#[test]
fn heredoc_config_write_heredoc_is_automated() {
    let c = plan("heredoc_config");
    assert!(
        heredoc_carried_out(
            &c,
            "cat > /etc/nginx/conf.d/order.conf <<EOF",
            "/etc/nginx/conf.d/order.conf",
            "proxy_pass http://order_backend;"
        ),
        "{}",
        dump(&c)
    );
    let t = run(&c, "nginx -t");
    assert!(automated(t), "`nginx -t` after the heredoc is a command");
}

#[test]
fn heredoc_config_append_heredoc_is_automated() {
    let c = plan("heredoc_config");
    assert!(
        heredoc_carried_out(
            &c,
            "cat >> /etc/sysctl.conf <<EOF",
            "/etc/sysctl.conf",
            "net.ipv4.tcp_tw_reuse = 1"
        ),
        "{}",
        dump(&c)
    );
    // Appending must never replace the file.
    assert!(!c.plan.steps.iter().any(
        |s| matches!(&s.action, Action::WriteFile { path, .. } if path == "/etc/sysctl.conf")
    ));
    assert!(automated(run(&c, "sysctl -p")));
}

#[test]
fn heredoc_config_quoted_heredoc_is_written_verbatim() {
    let c = plan("heredoc_config");
    assert!(
        heredoc_carried_out(
            &c,
            "cat > /usr/local/bin/rotate_nginx.sh <<'EOF'",
            "/usr/local/bin/rotate_nginx.sh",
            "kill -USR1 $(cat /run/nginx.pid)"
        ),
        "{}",
        dump(&c)
    );
    let chmod = run(&c, "chmod +x /usr/local/bin/rotate_nginx.sh");
    assert!(automated(chmod));
}

// ---------------------------------------------------------------- continuation

#[test]
fn continuation_configure_is_one_command() {
    let c = plan("continuation");
    let s = run(&c, "./configure");
    assert!(automated(s));
    assert_eq!(hosts(s), ["rpt-app-01"]);
    assert!(s.text.contains("--with-http_ssl_module") && s.text.contains("--with-stream"));
    assert!(all(&c, "--with-stream").len() == 1, "{}", dump(&c));
    assert_eq!(hosts(run(&c, "make && make install")), ["rpt-app-01"]);
}

#[test]
fn continuation_docker_run_is_one_command() {
    let c = plan("continuation");
    let s = run(&c, "docker run -d");
    assert!(automated(s));
    assert_eq!(hosts(s), ["rpt-app-01", "rpt-app-02"]);
    for part in [
        "--name report-service",
        "-p 8090:8090",
        "report-service:2.3.1",
    ] {
        assert!(s.text.contains(part), "{part} missing from {:?}", s.text);
    }
    for s in &c.plan.steps {
        assert!(
            !s.text.trim_start().starts_with('-'),
            "option line alone: {:?}",
            s.text
        );
    }
}

#[test]
fn continuation_health_check_is_one_check() {
    let c = plan("continuation");
    // One step for the continued lines. Chapter 4 names no host: the hosts carried over from
    // chapter 3 are a guess, so the check is a manual step there (SPEC §2.2).
    let s = run(&c, "curl -s -o /dev/null");
    assert!(s.text.contains("/actuator/health"));
    assert_eq!(all(&c, "/actuator/health").len(), 1, "{}", dump(&c));
    assert_eq!(s.kind, StepKind::Manual, "{}", dump(&c));
}

#[test]
fn continuation_docker_ps_confirmation_is_a_check() {
    let c = plan("continuation");
    let s = run(&c, "docker ps | grep report-service");
    assert_eq!(s.kind, StepKind::Check, "{}", dump(&c));
    assert!(!c
        .plan
        .steps
        .iter()
        .any(|s| s.kind == StepKind::Manual && s.text.contains("确认容器已启动")));
}

#[test]
fn continuation_no_host_named_is_warned() {
    let c = plan("continuation");
    // Chapter 4 names no host: rbc says so at the block's command (and does not automate it).
    assert!(
        warned_at(&c, line_of("continuation", "## 4. 验证") + 3),
        "{}",
        dump(&c)
    );
}

// ---------------------------------------------------------------- role_sections

#[test]
fn role_sections_web_headings_select_the_web_hosts() {
    let c = plan("role_sections");
    for needle in [
        "systemctl stop crm-web",
        "cp -r /opt/crm/webapps",
        "unzip -o",
        "systemctl start crm-web",
        "curl -s http://127.0.0.1:8080/crm/health",
    ] {
        assert_eq!(
            hosts(run(&c, needle)),
            ["crm-web-01", "crm-web-02"],
            "{needle}"
        );
    }
    assert_eq!(run(&c, "curl -s").kind, StepKind::Check);
}

#[test]
fn role_sections_db_headings_select_the_db_host() {
    let c = plan("role_sections");
    for needle in ["mysqldump", "upgrade.sql"] {
        let s = run(&c, needle);
        assert_eq!(hosts(s), ["crm-db-01"], "{needle}\n{}", dump(&c));
        assert!(automated(s));
    }
}

#[test]
fn role_sections_web_start_waits_for_the_db_upgrade() {
    let c = plan("role_sections");
    let upgrade = run(&c, "upgrade.sql");
    // The web block of chapter 3 starts with the backup copy: it waits for the upgrade.
    let first = run(&c, "cp -r /opt/crm/webapps");
    assert_eq!(first.gates.len(), 2, "{:?}", first.gates);
    assert!(
        first
            .gates
            .iter()
            .all(|g| g.after.iter().any(|r| r.step == upgrade.id)),
        "{:?}",
        first.gates
    );
}

// ---------------------------------------------------------------- operator_list

#[test]
fn operator_list_bullets_name_all_the_hosts() {
    let c = plan("operator_list");
    for needle in ["useradd -m -s /bin/bash push", "mkdir -p /opt/push"] {
        assert_eq!(
            hosts(run(&c, needle)),
            ["push-01", "push-02"],
            "{}",
            dump(&c)
        );
    }
}

#[test]
fn operator_list_host_bullets_are_not_tasks() {
    let c = plan("operator_list");
    for s in &c.plan.steps {
        assert!(
            !(s.kind == StepKind::Manual
                && ["push-01", "push-02", "push-lb-01"].contains(&s.text.trim())),
            "host bullet became a manual step: {s:?}"
        );
    }
}

#[test]
fn operator_list_later_chapters_are_on_the_push_hosts_or_warned() {
    let c = plan("operator_list");
    for needle in [
        "unzip -o /tmp/push-server",
        "chown -R push:push",
        "systemctl enable push",
    ] {
        let s = run(&c, needle);
        let ok = hosts(s) == ["push-01", "push-02"]
            || s.kind == StepKind::Manual
                && (warned_at(&c, s.line) || warned_at(&c, fence_before(&c, s.line)));
        assert!(ok, "{needle}: {:?} {:?}\n{}", s.kind, s.hosts, dump(&c));
        assert!(!s.hosts.contains(&"push-lb-01".to_string()));
    }
}

#[test]
#[ignore = "the unit file is written by a WriteFile step, but chapters 3–5 name no host and the runbook has a third server (push-lb-01), so rbc makes them manual (W031) instead of carrying `操作服务器` from chapter 2 across chapters"]
fn operator_list_systemd_unit_heredoc_is_written() {
    let c = plan("operator_list");
    no_heredoc_fragments(
        &c,
        &[
            "[Unit]",
            "[Service]",
            "User=push",
            "WantedBy=multi-user.target",
        ],
    );
    assert!(
        heredoc_carried_out(
            &c,
            "cat > /etc/systemd/system/push.service <<EOF",
            "/etc/systemd/system/push.service",
            "ExecStart=/opt/push/current/bin/push-server"
        ),
        "{}",
        dump(&c)
    );
    let cat = run(&c, "cat > /etc/systemd/system/push.service");
    assert_ne!(cat.kind, StepKind::Check, "writing a file is not read-only");
}

#[test]
fn operator_list_lb_chapter_runs_on_the_lb_only() {
    let c = plan("operator_list");
    for needle in ["sed -i 's/#server", "nginx -s reload"] {
        let s = run(&c, needle);
        assert_eq!(hosts(s), ["push-lb-01"], "{needle}");
        assert!(automated(s));
    }
}

// ---------------------------------------------------------------- steps_quotes

#[test]
fn steps_quotes_labelled_steps_run_in_order_on_both_hosts() {
    let c = plan("steps_quotes");
    let order: Vec<&str> = c
        .plan
        .steps
        .iter()
        .filter(|s| automated(s))
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(
        order,
        [
            "systemctl stop stock",
            "cp -r /opt/stock/lib /opt/stock/lib_bak_20240315",
            "cp /tmp/patch/stock-core-2.4.3.jar /opt/stock/lib/",
            "rm -f /opt/stock/lib/stock-core-2.4.2.jar",
            "systemctl start stock",
            "grep ERROR /opt/stock/logs/stock.log | tail -20",
        ],
        "{}",
        dump(&c)
    );
    for s in c.plan.steps.iter().filter(|s| automated(s)) {
        assert_eq!(hosts(s), ["stock-01", "stock-02"]);
    }
    assert_eq!(run(&c, "grep ERROR").kind, StepKind::Check);
    // `步骤N：…` labels are lead-ins, not tasks of their own.
    assert!(!c
        .plan
        .steps
        .iter()
        .any(|s| s.kind == StepKind::Manual && s.text.starts_with("步骤")));
}

#[test]
fn steps_quotes_blockquote_notice_is_not_automated() {
    let c = plan("steps_quotes");
    let s = run(&c, "停止服务前请确认 MQ");
    assert!(!automated(s), "{s:?}");
}

#[test]
fn steps_quotes_conditional_tip_never_runs() {
    let c = plan("steps_quotes");
    let s = run(&c, "rm -rf /opt/stock/work/*");
    assert_eq!(s.kind, StepKind::Note, "{s:?}");
    assert!(matches!(s.action, Action::Note));
}

// ---------------------------------------------------------------- placeholder_version

#[test]
fn placeholder_version_steps_are_manual_with_a_warning() {
    let c = plan("placeholder_version");
    for needle in [
        "risk-engine-<版本号>.tar.gz",
        "/opt/release/risk-engine-<版本号>",
        "<新密码>",
    ] {
        let s = run(&c, needle);
        assert_eq!(s.kind, StepKind::Manual, "{needle}");
        assert_eq!(hosts(s), ["risk-01", "risk-02"]);
        assert!(
            warned_at(&c, s.line),
            "{needle}: no warning at line {}",
            s.line
        );
    }
    let start = run(&c, "startup.sh");
    assert!(automated(start) && hosts(start) == ["risk-01", "risk-02"]);
    assert_eq!(
        run(&c, "curl -s http://127.0.0.1:8088/version").kind,
        StepKind::Check
    );
}

// ---------------------------------------------------------------- postgres

#[test]
fn postgres_forward_steps_on_the_right_hosts() {
    let c = plan("postgres");
    for needle in [
        "pg_dump",
        "psql -U postgres -d member -f /data/release/v3.0/upgrade.sql",
    ] {
        let s = run(&c, needle);
        assert_eq!(hosts(s), ["mbr-pg-01"], "{needle}");
        assert!(automated(s));
    }
    assert_eq!(
        hosts(run(&c, "systemctl restart member-app")),
        ["mbr-app-01"]
    );
}

#[test]
#[ignore = "rbc runs the psql session as one check, `psql -U postgres <<'RBC_INPUT' …` (Probe), not as a typed Sql action against `member`"]
fn postgres_psql_session_is_run_as_sql_or_manual() {
    let c = plan("postgres");
    // The bare client line that opens the session must not be run as a command of its own.
    for s in c
        .plan
        .steps
        .iter()
        .filter(|s| s.text.trim() == "psql -U postgres")
    {
        assert!(!automated(s), "interactive psql automated:\n{}", dump(&c));
    }
    // The session's check is carried out: SQL against `member` on the db host, or a manual step.
    let as_sql = c.plan.steps.iter().any(|s| {
        automated(s)
            && hosts(s) == ["mbr-pg-01"]
            && matches!(&s.action, Action::Sql { statements, database, .. }
                if statements.iter().any(|st| st.contains("select count(*) from member_level"))
                    && database.as_deref() == Some("member"))
    });
    let as_manual = all(&c, "select count(*) from member_level")
        .iter()
        .any(|s| s.kind == StepKind::Manual && hosts(s) == ["mbr-pg-01"]);
    assert!(as_sql || as_manual, "{}", dump(&c));
}

#[test]
fn postgres_heredoc_sql_goes_into_psql() {
    let c = plan("postgres");
    no_heredoc_fragments(
        &c,
        &["update sys_config set value = '3.0' where key = 'schema_version';"],
    );
    assert!(
        heredoc_carried_out(
            &c,
            "psql -U postgres -d member <<EOF",
            "",
            "update sys_config set value = '3.0'"
        ),
        "{}",
        dump(&c)
    );
}

#[test]
fn postgres_rollback_drop_and_restore_are_confirmed() {
    let c = plan("postgres");
    for needle in ["drop table member_level", "pg_restore"] {
        let s = step(&c, needle, Phase::Rollback);
        assert_eq!(hosts(s), ["mbr-pg-01"]);
        assert_eq!(s.kind, StepKind::Manual, "{needle}");
        assert!(
            warned_at(&c, s.line),
            "{needle}: no warning at line {}",
            s.line
        );
    }
}

#[test]
fn postgres_rollback_is_rollback_only() {
    let c = plan("postgres");
    assert!(all(&c, "drop table")
        .iter()
        .all(|s| s.phase == Phase::Rollback));
    assert!(all(&c, "pg_restore")
        .iter()
        .all(|s| s.phase == Phase::Rollback));
    assert_eq!(step(&c, "pg_restore", Phase::Rollback).hosts, ["mbr-pg-01"]);
}

// ---------------------------------------------------------------- redis_curl

#[test]
fn redis_curl_hosts_per_chapter() {
    let c = plan("redis_curl");
    let del = run(&c, "del gw:routes");
    assert_eq!(hosts(del), ["cache-01"]);
    assert!(automated(del));
    let refresh = run(&c, "gateway/refresh");
    assert_eq!(hosts(refresh), ["gw-01", "gw-02"]);
    assert_eq!(
        refresh.kind,
        StepKind::Once,
        "a POST changes state: not a check"
    );
    // Chapter 5 names no host: manual with a warning, or the gateways.
    let check = run(&c, "actuator/gateway/routes");
    assert!(
        hosts(check) == ["gw-01", "gw-02"] && check.kind == StepKind::Check
            || check.kind == StepKind::Manual
                && c.diagnostics.iter().any(|d| d.line + 1 == check.line),
        "{}",
        dump(&c)
    );
}

#[test]
fn redis_curl_post_with_body_is_one_command() {
    let c = plan("redis_curl");
    let s = run(&c, "/admin/routes");
    assert_eq!(hosts(s), ["gw-01"]);
    assert_ne!(s.kind, StepKind::Check);
    assert!(automated(s));
    assert!(
        s.text.contains("Content-Type: application/json") && s.text.contains("\"id\":\"order-v2\""),
        "{}",
        dump(&c)
    );
}

#[test]
#[ignore = "rbc runs the redis-cli session as a check with its `exists` line as input, but the block's second copy of the session (a troubleshooting-style note) trips the single-step lookup"]
fn redis_cli_session_is_checked_not_left_interactive() {
    let c = plan("redis_curl");
    let bare = run(&c, "redis-cli -a 'R3dis!pass'");
    assert!(
        !automated(bare) || bare.text.contains("exists"),
        "interactive redis-cli automated without its command:\n{}",
        dump(&c)
    );
    let exists = c.plan.steps.iter().any(|s| {
        s.text.contains("exists gw:routes") && s.kind == StepKind::Check && hosts(s) == ["cache-01"]
    });
    assert!(exists, "{}", dump(&c));
}

// ---------------------------------------------------------------- profile_cron

#[test]
fn profile_echo_append_is_not_a_check() {
    let c = plan("profile_cron");
    for needle in ["export JAVA_HOME=", "export PATH=$JAVA_HOME"] {
        let s = run(&c, needle);
        assert_ne!(s.kind, StepKind::Check, "{needle}: {:?}", s.action);
        assert!(automated(s));
        assert_eq!(hosts(s), ["sync-01", "sync-02"]);
    }
}

#[test]
fn profile_sed_and_crontab() {
    let c = plan("profile_cron");
    let sed = run(&c, "sed -i 's/^SELINUX=enforcing");
    assert!(automated(sed) && sed.kind != StepKind::Check);
    assert_eq!(hosts(sed), ["sync-01", "sync-02"]);
    let l = c
        .plan
        .steps
        .iter()
        .find(|s| s.text.trim() == "crontab -l")
        .unwrap();
    assert_eq!(l.kind, StepKind::Check);
    let add = run(&c, "| crontab -");
    assert!(automated(add) && add.kind != StepKind::Check);
    assert!(add.text.contains("daily_sync.sh"));
    assert_eq!(run(&c, "java -version").kind, StepKind::Check);
}

#[test]
fn profile_firewall_ports_opened_on_both() {
    let c = plan("profile_cron");
    for needle in ["--add-port=8848/tcp", "firewall-cmd --reload"] {
        let s = run(&c, needle);
        assert!(automated(s) && s.kind != StepKind::Check, "{needle}");
        assert_eq!(hosts(s), ["sync-01", "sync-02"]);
    }
}

#[test]
fn profile_firewall_list_ports_is_a_check() {
    let c = plan("profile_cron");
    assert_eq!(run(&c, "firewall-cmd --list-ports").kind, StepKind::Check);
}

#[test]
fn profile_limits_heredoc_is_written_not_probed() {
    let c = plan("profile_cron");
    no_heredoc_fragments(&c, &["* soft nofile 65535", "* hard nofile 65535"]);
    let cat = run(&c, "cat > /etc/security/limits.d/sync.conf");
    assert_ne!(
        cat.kind,
        StepKind::Check,
        "writing a file is not read-only: {:?}",
        cat.action
    );
    assert!(
        heredoc_carried_out(
            &c,
            "cat > /etc/security/limits.d/sync.conf <<EOF",
            "/etc/security/limits.d/sync.conf",
            "* hard nofile 65535"
        ),
        "{}",
        dump(&c)
    );
    assert_eq!(hosts(cat), ["sync-01", "sync-02"]);
}

#[test]
fn profile_reboot_sentence_is_manual_on_both() {
    let c = plan("profile_cron");
    let s = run(&c, "手动重启");
    assert_eq!(s.kind, StepKind::Manual);
    assert_eq!(hosts(s), ["sync-01", "sync-02"]);
}

// ---------------------------------------------------------------- rollback_hosts

#[test]
fn rollback_hosts_forward_run() {
    let c = plan("rollback_hosts");
    assert_eq!(
        hosts(run(&c, "mv /opt/settle /opt/settle_v6")),
        ["stl-app-01", "stl-app-02"]
    );
    assert_eq!(hosts(run(&c, "ddl.sql")), ["stl-db-01"]);
    let rm = run(&c, "rm -rf /opt/settle_v5");
    assert_eq!(rm.kind, StepKind::Manual);
    assert!(warned_at(&c, rm.line));
}

#[test]
fn rollback_hosts_bullet_list_names_both_app_hosts() {
    let c = plan("rollback_hosts");
    for needle in [
        "systemctl stop settle",
        "rm -rf /opt/settle",
        "mv /opt/settle_v6 /opt/settle",
        "systemctl start settle",
    ] {
        let s = c
            .plan
            .steps
            .iter()
            .find(|s| s.phase == Phase::Rollback && s.text.trim() == needle)
            .unwrap_or_else(|| panic!("{needle}\n{}", dump(&c)));
        assert_eq!(hosts(s), ["stl-app-01", "stl-app-02"], "{needle}");
    }
}

#[test]
fn rollback_hosts_db_rollback_is_rollback_only_and_confirmed() {
    let c = plan("rollback_hosts");
    let drop = step(&c, "drop database settle", Phase::Rollback);
    assert_eq!(hosts(drop), ["stl-db-01"]);
    assert_eq!(drop.kind, StepKind::Manual);
    assert!(warned_at(&c, drop.line));
    let restore = step(&c, "settle_v6.sql", Phase::Rollback);
    assert_eq!(hosts(restore), ["stl-db-01"]);
    assert_eq!(
        restore.kind,
        StepKind::Manual,
        "a restore runs only after confirmation"
    );
    assert!(warned_at(&c, restore.line));
    for s in c
        .plan
        .steps
        .iter()
        .filter(|s| s.line > line_of("rollback_hosts", "## 3 回滚方案"))
    {
        assert_eq!(s.phase, Phase::Rollback, "{}", s.text);
    }
}

// ---------------------------------------------------------------- english_mixed

#[test]
fn english_mixed_login_and_user_prompts() {
    let c = plan("english_mixed");
    let es = run(&c, "_cluster/health");
    assert_eq!(hosts(es), ["search-es-01"]);
    assert_eq!(es.kind, StepKind::Check);
    let stop = run(&c, "systemctl stop search-api");
    assert_eq!(hosts(stop), ["search-api-01", "search-api-02"]);
    assert!(!stop.text.contains("sudo") || automated(stop));
    let mv = run(&c, "mv lib lib.bak");
    assert!(
        matches!(&mv.action, Action::Rename { from, to } if from == "/opt/search-api/lib" && to == "/opt/search-api/lib.bak"),
        "the `cd` earlier in the block gives the directory: {:?}",
        mv.action
    );
    // 3.2 names no host and its prompt shows search-api-01: the step runs there; on
    // search-api-02 (carried over from 3.1) it is a manual step, never dropped.
    let start: Vec<&Step> = all(&c, "systemctl start search-api");
    let on = |h: &str| {
        start
            .iter()
            .find(|s| s.hosts.iter().any(|x| x == h))
            .copied()
    };
    assert!(on("search-api-01").is_some_and(automated), "{}", dump(&c));
    assert_eq!(
        on("search-api-02").map(|s| s.kind),
        Some(StepKind::Manual),
        "{}",
        dump(&c)
    );
    let browser = run(&c, "浏览器");
    assert_eq!(browser.kind, StepKind::Manual);
    assert!(browser.hosts.is_empty());
}

// ---------------------------------------------------------------- step_table

#[test]
fn step_table_is_never_silently_dropped() {
    let c = plan("step_table");
    let run_table = line_of("step_table", "| 序号 | 操作内容 | 执行命令 | 执行服务器 |");
    let read = c
        .plan
        .steps
        .iter()
        .any(|s| s.text.contains("systemctl stop fileserver"));
    assert!(read || warned_at(&c, run_table), "{}", dump(&c));
}

#[test]
fn step_table_rows_become_steps_on_their_hosts() {
    let c = plan("step_table");
    assert_eq!(
        hosts(run(&c, "systemctl stop fileserver")),
        ["fs-01", "fs-02"],
        "{}",
        dump(&c)
    );
    let rsync = run(&c, "rsync -av /data/files/ /data2/files/");
    assert_eq!(hosts(rsync), ["fs-01"]);
    assert!(automated(rsync));
    assert_eq!(run(&c, "systemctl status fileserver").kind, StepKind::Check);
    let back = step(&c, "s#/data2/files#/data/files#", Phase::Rollback);
    assert_eq!(hosts(back), ["fs-01", "fs-02"]);
    assert!(all(&c, "systemctl restart fileserver")
        .iter()
        .all(|s| s.phase == Phase::Rollback));
}
