//! Readings found wrong by probing rbc with runbooks in other house styles (web/Java, database
//! migrations, HA middleware): each test is a small runbook of its own in `tests/probes/` and
//! what an operator expects of it.

use rbc::plan::{Action, Phase, Step, StepKind};
use rbc::planner::{self, Compiled};
use rbc::source::Source;

fn plan(name: &str) -> Compiled {
    let path = format!("{}/tests/probes/{name}.md", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    planner::compile(&Source::from_text(&format!("{name}.md"), &text))
}

fn inline(text: &str) -> Compiled {
    planner::compile(&Source::from_text("runbook.md", text))
}

/// The steps whose command or instruction contains `needle`.
fn all<'c>(c: &'c Compiled, needle: &str) -> Vec<&'c Step> {
    c.plan
        .steps
        .iter()
        .filter(|s| s.text.contains(needle))
        .collect()
}

fn one<'c>(c: &'c Compiled, needle: &str) -> &'c Step {
    let found = all(c, needle);
    assert_eq!(found.len(), 1, "`{needle}`: {found:#?}");
    found[0]
}

fn hosts(s: &Step) -> Vec<&str> {
    s.hosts.iter().map(String::as_str).collect()
}

#[test]
fn host_ranges_and_short_lists_name_every_host_between() {
    let c = plan("host_ranges");
    for (cmd, want) in [
        ("date", vec!["app-1", "app-2", "app-3"]),   // app-1~app-3
        ("uptime", vec!["app-1", "app-2", "app-3"]), // app-1至app-3
        ("hostname", vec!["app-1", "app-2", "app-3"]), // app-1/2/3
        ("id", vec!["app-1", "app-2"]),              // app-1、app-2上
        ("pwd", vec!["app-1", "app-2", "app-3"]),    // app-1～3
    ] {
        assert_eq!(hosts(one(&c, cmd)), want, "{cmd}");
    }
}

const HOSTS: &str = "# 测试\n\n## 1 服务器\n\n| 主机名 | IP | 角色 |\n| --- | --- | --- |\n| app-1 | 10.0.0.1 | 应用 |\n| app-2 | 10.0.0.2 | 应用 |\n| app-3 | 10.0.0.3 | 应用 |\n| db-1 | 10.0.0.9 | 数据库 |\n\n";

fn with_hosts(body: &str) -> Compiled {
    inline(&format!("{HOSTS}{body}"))
}

fn manual(s: &Step) -> bool {
    s.kind == StepKind::Manual && matches!(s.action, Action::Manual { .. })
}

/// Commands that wait for a person or name another machine's process are shown, not run.
#[test]
fn interactive_commands_and_copied_pids_are_manual() {
    let c = with_hosts(
        "## 2 步骤\n\n登录app-1执行：\n\n```\n[root@app-1 ~]# crontab -u app -e\n[root@app-1 ~]# su - app\n[root@app-1 ~]# kill -9 12034\n[root@app-1 ~]# scp /opt/app/app.conf app-2:/opt/app/\n[root@app-1 ~]# more /opt/app/app.conf\n[root@app-1 ~]# kill -9 $(cat /var/run/app.pid)\n```\n",
    );
    for cmd in [
        "crontab -u app -e",
        "su - app",
        "kill -9 12034",
        "scp /opt/app/app.conf",
    ] {
        assert!(manual(one(&c, cmd)), "{cmd}: {:#?}", one(&c, cmd));
    }
    assert!(
        !manual(one(&c, "more /opt/app/app.conf")),
        "more FILE only prints"
    );
    assert!(
        !manual(one(&c, "kill -9 $(cat")),
        "a pid from a file is this host's"
    );
    assert!(c
        .diagnostics
        .iter()
        .any(|d| d.code == "W024" && d.message.contains("12034")));
}

/// A dump through gzip is a backup (kept by the rollback, never overwritten); a dump file fed
/// back into a client is a restore, confirmed first; `tail -f | grep` is a bounded look; a
/// pipeline that ends in `crontab -` changes the crontab.
#[test]
fn pipelines_of_backups_restores_logs_and_crontabs() {
    let c = with_hosts(
        "## 2 备份\n\n在db-1上执行：\n\n```\n$ mysqldump -uroot -p --single-transaction crm | gzip > /data/backup/crm.sql.gz\n$ pg_dump -U postgres -f /data/backup/pay.sql pay\n$ tail -f /var/log/crm/app.log | grep ERROR\n$ crontab -l | sed 's/^/#/' | crontab -\n```\n\n## 3 回滚\n\n在db-1上执行：\n\n```\n$ gunzip < /data/backup/crm.sql.gz | mysql -uroot -p crm\n```\n",
    );
    let dump = one(&c, "mysqldump");
    assert!(
        matches!(&dump.action, Action::Dump { output, .. } if output == "/data/backup/crm.sql.gz"),
        "{dump:#?}"
    );
    let pg = one(&c, "pg_dump");
    assert!(
        matches!(&pg.action, Action::Dump { output, .. } if output == "/data/backup/pay.sql"),
        "{pg:#?}"
    );
    let tail = one(&c, "/var/log/crm/app.log");
    assert!(
        matches!(&tail.action, Action::Probe { command } if command == "tail -n 200 /var/log/crm/app.log | grep ERROR"),
        "{tail:#?}"
    );
    let cron = one(&c, "crontab -");
    assert_eq!(cron.kind, StepKind::Once, "{cron:#?}");
    let restore = one(&c, "gunzip <");
    assert_eq!(
        (restore.phase, restore.kind),
        (Phase::Rollback, StepKind::Manual),
        "{restore:#?}"
    );
    assert!(c
        .diagnostics
        .iter()
        .any(|d| d.code == "W025" && d.message.contains("gunzip")));
}

/// Lines at a redis prompt go to redis-cli, also after the client's answers; a mysql client line
/// that names the database is not given it twice.
#[test]
fn client_prompts_go_to_their_own_client() {
    let c = with_hosts(
        "## 2 检查\n\n在db-1上执行：\n\n```\n[root@db-1 ~]# redis-cli\n127.0.0.1:6379> ping\nPONG\n127.0.0.1:6379> dbsize\n(integer) 7\n```\n\n在db-1上执行：\n\n```\n127.0.0.1:6379> info replication\n```\n\n在db-1上检查：\n\n```\n# mysql -u root -p crm\nmysql> select count(*) from t_order;\n```\n",
    );
    let redis = one(&c, "dbsize");
    assert!(
        matches!(&redis.action, Action::Probe { command } if command.starts_with("redis-cli <<") && command.contains("ping\ndbsize")),
        "{redis:#?}"
    );
    let bare = one(&c, "info replication");
    assert!(
        matches!(&bare.action, Action::Probe { command } if command.starts_with("redis-cli <<")),
        "{bare:#?}"
    );
    assert!(
        !c.diagnostics.iter().any(|d| d.code == "W023"),
        "{:#?}",
        c.diagnostics
    );
    let sql = c
        .plan
        .steps
        .iter()
        .find(|s| matches!(s.action, Action::Sql { .. }))
        .unwrap();
    assert!(
        matches!(&sql.action, Action::Sql { client, database, .. } if client == "mysql -u root -p" && database.as_deref() == Some("crm")),
        "{sql:#?}"
    );
}

/// `service nginx reload` stays a reload; an append into a named part of a file has no certain
/// place; prose in a table's command cell is a person's step; a cell of `所有服务器` or a range
/// names those hosts.
#[test]
fn reloads_file_parts_and_operation_tables() {
    let c = with_hosts(
        "## 2 配置\n\n登录app-1：\n\n```\n[root@app-1 ~]# vi /etc/haproxy/haproxy.cfg\n```\n\n在 backend order_back 段中增加如下一行：\n\n```\nserver app-3 10.0.0.3:8080 check\n```\n\n```\n[root@app-1 ~]# service nginx reload\n```\n\n| 操作 | 执行服务器 | 执行命令 |\n| --- | --- | --- |\n| 同步时间 | 所有服务器 | ntpdate 10.0.0.254 |\n| 切换 | app-1~app-3 | service keepalived stop，确认VIP漂移后执行 service keepalived start |\n",
    );
    let reload = one(&c, "service nginx reload");
    assert!(
        matches!(&reload.action, Action::ServiceRestart { action, .. } if action == "reload"),
        "{reload:#?}"
    );
    let part = c
        .plan
        .steps
        .iter()
        .find(|s| s.source.contains("server app-3 10.0.0.3:8080"))
        .unwrap();
    assert!(manual(part), "{part:#?}");
    assert!(c
        .diagnostics
        .iter()
        .any(|d| d.code == "W021" && d.message.contains("inside a part")));
    assert_eq!(
        hosts(one(&c, "ntpdate")),
        ["app-1", "app-2", "app-3", "db-1"]
    );
    let drill = one(&c, "service keepalived stop");
    assert!(manual(drill), "{drill:#?}");
    assert_eq!(hosts(drill), ["app-1", "app-2", "app-3"]);
}

/// `同上` under a section titled with the next host, and `操作同 X`, repeat the steps on it (with
/// a warning), each host after the one before.
#[test]
fn same_as_above_repeats_the_steps_on_the_next_host_in_turn() {
    let c = with_hosts(
        "## 2 升级\n\n### 2.1 app-1\n\n```\n[root@app-1 ~]# service app stop\n[root@app-1 ~]# tar xzf /opt/app-2.0.tar.gz -C /opt\n[root@app-1 ~]# service app start\n```\n\n### 2.2 app-2\n\n同上。\n\n### 2.3 app-3\n\n切换到 app-3，操作同 app-1。\n",
    );
    for cmd in ["service app stop", "tar xzf", "service app start"] {
        assert_eq!(hosts(one(&c, cmd)), ["app-1", "app-2", "app-3"], "{cmd}");
    }
    assert!(
        c.diagnostics.iter().any(|d| d.code == "W035"),
        "{:#?}",
        c.diagnostics
    );
    // app-2 starts after app-1 finished, app-3 after app-2.
    let stop = one(&c, "service app stop");
    let start = one(&c, "service app start");
    let gate = |h: &str| {
        stop.gates.iter().find(|g| g.host == h).map(|g| {
            g.after
                .iter()
                .map(|a| (a.step.clone(), a.host.clone()))
                .collect::<Vec<_>>()
        })
    };
    assert_eq!(
        gate("app-2"),
        Some(vec![(start.id.clone(), "app-1".to_string())]),
        "{stop:#?}"
    );
    assert!(
        gate("app-3").is_some_and(|g| g.contains(&(start.id.clone(), "app-2".to_string()))),
        "{stop:#?}"
    );
    assert_eq!(gate("app-1"), None);
}

/// `依次在…上执行` and an operation table with a step column: one host at a time.
#[test]
fn rolling_restarts_go_one_host_at_a_time() {
    let c = with_hosts(
        "## 2 滚动重启\n\n依次在app-1、app-2、app-3上执行，每台完成后再进行下一台：\n\n```\n# service app restart\n# curl -s http://127.0.0.1:8080/health\n```\n\n| 步骤 | 操作 | 执行服务器 | 执行命令 |\n| --- | --- | --- | --- |\n| 1 | 重启 | app-1 | service worker restart |\n| 2 | 重启 | app-2 | service worker restart |\n",
    );
    let restart = one(&c, "service app restart");
    let health = one(&c, "curl -s");
    let after = |s: &Step, h: &str| {
        s.gates
            .iter()
            .find(|g| g.host == h)
            .map(|g| {
                g.after
                    .iter()
                    .map(|a| (a.step.clone(), a.host.clone()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    assert_eq!(
        after(restart, "app-2"),
        [(health.id.clone(), "app-1".to_string())]
    );
    assert_eq!(
        after(restart, "app-3"),
        [(health.id.clone(), "app-2".to_string())]
    );
    let rows = all(&c, "service worker restart");
    assert_eq!(rows.len(), 2);
    assert!(
        rows[1]
            .gates
            .iter()
            .any(|g| g.host == "app-2" && g.after.iter().any(|a| a.step == rows[0].id)),
        "{rows:#?}"
    );
}

/// In an upgrade from 3.4.6, `/opt/zookeeper-3.4.6` is the installed version, not a slip; the
/// rollback goes back to it. A path one version off that nothing explains still is (L001).
#[test]
fn the_old_version_of_an_upgrade_is_not_a_slip() {
    let c = with_hosts(
        "## 2 升级（3.4.6 → 3.4.14）\n\n在app-1上执行：\n\n```\n# cd /opt\n# tar zxvf zookeeper-3.4.14.tar.gz\n# cp /opt/zookeeper-3.4.6/conf/zoo.cfg /opt/zookeeper-3.4.14/conf/\n# /opt/zookeeper-3.4.14/bin/zkServer.sh start\n# tar zxvf tomcat-8.5.11.tar.gz\n# /opt/tomcat-8.5.1/bin/startup.sh\n```\n\n## 3 回滚\n\n在app-1上执行：\n\n```\n# ln -sfn /opt/zookeeper-3.4.6 /opt/zookeeper\n```\n",
    );
    let l001: Vec<(usize, &str)> = c
        .diagnostics
        .iter()
        .filter(|d| d.code == "L001")
        .map(|d| (d.line, d.message.as_str()))
        .collect();
    assert!(
        l001.iter().all(|(_, m)| !m.contains("zookeeper")),
        "{l001:#?}"
    );
    assert_eq!(
        l001.len(),
        1,
        "the tomcat started after unpacking 8.5.11: {l001:#?}"
    );
}

/// The generated dump step, run by real bash: a mysqldump that fails inside `| gzip > F` fails
/// the step and leaves no file to pass for a backup; one that works leaves the backup.
#[test]
fn a_failed_dump_through_gzip_fails_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("backup/crm.sql.gz");
    // The client by its full path: the step runs in a login shell, whose PATH is the host's.
    let fake = dir.path().join("bin/mysqldump");
    let runbook = format!(
        "# t\n\n## 1 主机\n\n- db-1：10.0.0.9\n\n## 2 备份\n\n在db-1上执行：\n\n```\n# {} -uroot -p crm | gzip > {}\n```\n",
        fake.display(),
        out.display()
    );
    std::fs::write(dir.path().join("r.md"), runbook).unwrap();
    let compile = std::process::Command::new(env!("CARGO_BIN_EXE_rbc"))
        .args(["compile", "r.md", "-o", "dist", "--no-shellcheck"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        compile.status.success(),
        "{}",
        String::from_utf8_lossy(&compile.stderr)
    );
    let tar = std::process::Command::new("tar")
        .args(["xzf", "dist/hosts/db-1.tar.gz"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(tar.success());
    std::fs::create_dir_all(dir.path().join("backup")).unwrap();
    std::fs::create_dir_all(dir.path().join("bin")).unwrap();
    let apply = |mysqldump: &str| {
        std::fs::write(&fake, mysqldump).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::process::Command::new("bash")
            .arg("-c")
            .arg(". db-1/lib/rbc.sh && . db-1/steps/0001.sh && rbc_apply")
            .current_dir(dir.path())
            .env("RBC_BUNDLE_DIR", dir.path().join("db-1"))
            .env("RBC_STATE_DIR", dir.path().join("state"))
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    };
    let failed =
        apply("#!/bin/sh\necho 'mysqldump: Got error: 2002: Can not connect' >&2\nexit 2\n");
    assert!(
        !failed.status.success(),
        "{}",
        String::from_utf8_lossy(&failed.stdout)
    );
    assert!(String::from_utf8_lossy(&failed.stdout).contains("the backup failed; nothing is kept"));
    assert!(!out.exists(), "a failed dump leaves no backup behind");
    let worked = apply("#!/bin/sh\necho '-- MySQL dump'\n");
    assert!(
        worked.status.success(),
        "{}",
        String::from_utf8_lossy(&worked.stderr)
    );
    assert!(out.metadata().unwrap().len() > 0);
}

/// The prompt's directory and a `cd` at the end of a chain say where the next lines run:
/// `[root@app-1 shop]#` after `mkdir shop && cd shop`, `[root@app-1 app]#` in a later section
/// after `cd /opt/app`; a directory rbc cannot place makes the line manual (W038) when the line
/// names files relative to it.
#[test]
fn prompt_directories_and_chained_cd_set_where_lines_run() {
    let c = with_hosts(
        "## 2 部署\n\n### 2.1 备份\n\n登录app-1执行：\n\n```\n[root@app-1 ~]# cd /opt/app\n[root@app-1 app]# mv web web.bak\n[root@app-1 app]# cp /root/web.war /opt/tomcat/webapps/web.war\n[root@app-1 app]# mkdir web && cd web\n[root@app-1 web]# unzip -o ../web.zip\n```\n\n### 2.2 解压\n\n```\n[root@app-1 app]# tar zxvf /root/api.tar.gz\n[root@app-1 conf]# vi server.xml\n[root@app-1 conf]# service nginx reload\n```\n",
    );
    let cwd = |needle: &str| one(&c, needle).cwd.clone().unwrap_or_default();
    assert_eq!(cwd("mv web web.bak"), "/opt/app");
    assert_eq!(cwd("unzip -o ../web.zip"), "/opt/app/web");
    assert_eq!(cwd("tar zxvf /root/api.tar.gz"), "/opt/app");
    let vi = c
        .plan
        .steps
        .iter()
        .find(|s| s.source.contains("vi server.xml") && s.line == one(&c, "tar zxvf").line + 1);
    assert!(vi.map_or(true, manual), "{vi:#?}");
    assert!(
        c.diagnostics
            .iter()
            .any(|d| d.code == "W038" && d.message.contains("`conf`")),
        "{:#?}",
        c.diagnostics
    );
    assert!(
        !manual(one(&c, "service nginx reload")),
        "a line with no relative path runs anywhere"
    );
}

/// Roles in Chinese, from a table's role column or `（角色）` after an address, are group words:
/// `在所有业务节点上`, `分别在三台应用服务器上执行`.
#[test]
fn chinese_roles_name_their_hosts() {
    let c = inline(
        "# t\n\n## 1 环境\n\n- db-1：10.0.0.9（MySQL 主库）\n- web-1：10.0.0.1（业务节点）\n- web-2：10.0.0.2（业务节点）\n\n## 2 步骤\n\n在所有业务节点上执行：\n\n```\n$ sudo /etc/init.d/app restart\n```\n",
    );
    assert_eq!(
        hosts(one(&c, "/etc/init.d/app restart")),
        ["web-1", "web-2"]
    );
    let c = with_hosts("## 2 步骤\n\n分别在三台应用服务器上执行：\n\n```\n# uptime\n```\n");
    assert_eq!(hosts(one(&c, "uptime")), ["app-1", "app-2", "app-3"]);
}

/// One paragraph, two uploads: each clause with its own file, hosts and folder.
#[test]
fn each_upload_clause_has_its_own_hosts_and_folder() {
    let c = with_hosts("## 2 上传\n\n将 app-2.0.tar.gz 上传到 app-1、app-2 的 /home/deploy 下；\n将 upgrade_v2.sql 上传到 db-1 的 /tmp 下。\n");
    let got: Vec<(String, String, Vec<String>)> = c
        .plan
        .artifacts
        .iter()
        .map(|a| (a.file.clone(), a.dir.clone(), a.hosts.clone()))
        .collect();
    assert_eq!(
        got,
        [
            (
                "app-2.0.tar.gz".to_string(),
                "/home/deploy".to_string(),
                vec!["app-1".to_string(), "app-2".to_string()]
            ),
            (
                "upgrade_v2.sql".to_string(),
                "/tmp".to_string(),
                vec!["db-1".to_string()]
            ),
        ]
    );
}

/// `（一）…` paragraphs under `二、…` are sections 2.1, 2.2, not steps.
#[test]
fn parenthesised_chinese_numerals_are_sub_sections() {
    let c = inline("# t\n\n一、环境\n\n- app-1：10.0.0.1\n\n二、变更步骤\n\n（一）备份\n\n登录app-1执行：\n\n```\n# cp -a /opt/app /opt/app.bak\n```\n\n（二）升级\n\n```\n# service app restart\n```\n");
    assert_eq!(one(&c, "cp -a /opt/app").section, "2.1");
    assert_eq!(one(&c, "service app restart").section, "2.2");
    assert!(
        c.plan.steps.iter().all(|s| !s.text.contains("（一）")),
        "{:#?}",
        c.plan.steps
    );
}
