//! Issue #11 in forms the corpus did not have (found by writing runbooks in other house styles):
//! a host table whose role column is headed by what is deployed (`部署组件`); hosts listed
//! address first as list items (`- 192.168.5.21 redis-m（主）`); "any one of them" (`任意一台`:
//! the first, said in the why) against "one of them" (`其中一台`: which one is not said, so
//! manual); a command given after a label and a colon (`三台停服务：`sh …``); and nothing going
//! to no host silently — a command rbc does not run (W045), a block or an upload on no host
//! (W031).

mod common;

use common::plan::{codes_at, hosts_of, is_manual, line_of, plan, set, whys_of};

/// Three registry nodes, a balancer and a database; `{role}` heads the column of what runs where.
fn fleet(role: &str) -> String {
    format!(
        "# 注册中心上线\n\n## 1 规划\n\n| 主机名 | IP | {role} |\n| --- | --- | --- |\n| rg-1 | 10.60.1.11 | nacos |\n| rg-2 | 10.60.1.12 | nacos |\n| rg-3 | 10.60.1.13 | nacos |\n| rg-lb | 10.60.1.10 | nginx |\n| rg-db | 10.60.1.20 | mysql |\n\n"
    )
}

fn with_step(role: &str, sentence: &str) -> String {
    format!(
        "{}## 2 验证\n\n{sentence}\n\n```bash\ncurl -s http://127.0.0.1:8848/nacos/v1/ns/operator/servers\n```\n",
        fleet(role)
    )
}

const NODES: &[&str] = &["rg-1", "rg-2", "rg-3"];

#[test]
fn a_column_saying_what_each_machine_runs_names_its_group() {
    for role in [
        "部署组件",
        "组件",
        "安装服务",
        "部署服务",
        "Components",
        "服务角色",
    ] {
        for sentence in [
            "在所有 nacos 节点上执行：",
            "三台 nacos 机器都要执行：",
            "登录每台 nacos 节点，执行：",
        ] {
            let text = with_step(role, sentence);
            let c = plan(&text);
            assert_eq!(
                hosts_of(&c, &text, "curl -s"),
                set(NODES),
                "{role} / {sentence}"
            );
        }
    }
    // A column the text does not head as a role (`备注`) names no group: nothing runs.
    let text = with_step("备注", "在所有 nacos 节点上执行：");
    let c = plan(&text);
    assert!(hosts_of(&c, &text, "curl -s").is_empty());
}

#[test]
fn any_one_of_a_group_runs_on_its_first_host_and_the_why_says_so() {
    for sentence in [
        "在 nacos 集群任意一台上执行：",
        "登录任意一个 nacos 节点，执行：",
        "在 rg-1、rg-2、rg-3 中任选一台执行：",
        "任意一台 nacos 节点上执行即可：",
    ] {
        let text = with_step("部署组件", sentence);
        let c = plan(&text);
        assert_eq!(hosts_of(&c, &text, "curl -s"), set(&["rg-1"]), "{sentence}");
        let whys = whys_of(&c, &text, "curl -s").join(" | ");
        assert!(
            whys.contains("any one of rg-1, rg-2, rg-3") && whys.contains("the first, rg-1"),
            "{sentence}: {whys}"
        );
    }
}

#[test]
fn one_of_them_without_saying_which_is_never_automated() {
    for sentence in [
        "在其中一台 nacos 上执行：",
        "在某台 nacos 节点上执行：",
        "登录其中一个节点 rg-1、rg-2 或 rg-3，执行：",
    ] {
        let text = with_step("部署组件", sentence);
        let c = plan(&text);
        assert!(
            hosts_of(&c, &text, "curl -s").is_empty(),
            "{sentence}: {:?}",
            hosts_of(&c, &text, "curl -s")
        );
        assert!(is_manual(&c, &text, "curl -s"), "{sentence}");
    }
}

/// The rollback chapter of a registry change, its steps written as list items.
fn rollback(items: &str) -> String {
    format!("{}## 3 回滚\n\n{items}\n", fleet("部署组件"))
}

#[test]
fn a_label_a_colon_and_a_command_in_code_runs_that_command_where_the_label_says() {
    for (item, needle, hosts) in [
        (
            "1. 三台 nacos 停服务：`sh /usr/local/nacos/bin/shutdown.sh`",
            "停服务",
            NODES,
        ),
        ("2. rg-lb 重载：`nginx -s reload`。", "重载", &["rg-lb"][..]),
        (
            "- rg-db 上恢复权限：`chmod 600 /etc/my.cnf` 然后 `systemctl restart mysqld`",
            "恢复权限",
            &["rg-db"][..],
        ),
    ] {
        let text = rollback(item);
        let c = plan(&text);
        assert_eq!(hosts_of(&c, &text, needle), set(hosts), "{item}");
        let steps: Vec<_> = c
            .plan
            .steps
            .iter()
            .filter(|s| s.line == line_of(&text, needle))
            .collect();
        assert!(
            steps.iter().all(|s| s.phase == rbc::plan::Phase::Rollback),
            "{item}: a rollback chapter's command belongs to rollback.sh"
        );
    }
}

#[test]
fn a_command_shown_in_a_sentence_is_run_or_warned_about_never_silently_dropped() {
    // Not commands to run here: a note, a condition, an example. Each stays a note or manual,
    // and the note says that rbc does not run the command it shows.
    for (item, needle) in [
        (
            "注意：`systemctl stop nacos` 之前先确认流量已经切走。",
            "之前先确认",
        ),
        (
            "三台 nacos 停服务，可参考 `sh bin/shutdown.sh` 的写法。",
            "可参考",
        ),
    ] {
        let text = rollback(item);
        let c = plan(&text);
        assert!(hosts_of(&c, &text, needle).is_empty(), "{item}");
        assert!(
            codes_at(&c, &text, needle).contains(&"W045".to_string())
                || is_manual(&c, &text, needle),
            "{item}: a command that rbc does not run must be said: {:?}",
            codes_at(&c, &text, needle)
        );
    }
    for item in [
        "如果启动失败：`sh /usr/local/nacos/bin/startup.sh -m cluster`",
        "例如：`sh /usr/local/nacos/bin/shutdown.sh`",
    ] {
        let text = rollback(item);
        let c = plan(&text);
        assert!(hosts_of(&c, &text, "sh /usr").is_empty(), "{item}");
    }
    // What a program prints, or a path, is no command: no warning.
    for item in [
        "应输出 `nacos version 2.2.3`。",
        "配置文件：`/usr/local/nacos/conf/application.properties`",
    ] {
        let text = rollback(item);
        let c = plan(&text);
        let line = line_of(&text, &item[..6]);
        assert!(
            !c.diagnostics
                .iter()
                .any(|d| d.line == line && d.code == "W045"),
            "{item}"
        );
    }
}

/// A sentinel setup whose machines are list items written address first, a role in brackets.
const LISTED: &str = "# 哨兵部署\n\n## 1. 机器\n\n- 192.168.5.21 cache-m（主）\n- 192.168.5.22 cache-s1（从）\n- 192.168.5.23：cache-s2（从）\n\n";

#[test]
fn list_items_written_address_first_declare_the_machines_and_their_roles() {
    let text = format!(
        "{LISTED}## 2. 配置\n\n在 cache-s1、cache-s2 上，在 /etc/cache/6379.conf 末尾追加：\n\n```\nreplicaof 192.168.5.21 6379\n```\n\n主库上确认：\n\n```\n# cache-cli info replication\n```\n"
    );
    let c = plan(&text);
    let hosts: Vec<(String, Option<String>)> = c
        .inventory
        .hosts
        .iter()
        .map(|h| (h.name.clone(), h.ip.clone()))
        .collect();
    for (name, ip) in [
        ("cache-m", "192.168.5.21"),
        ("cache-s1", "192.168.5.22"),
        ("cache-s2", "192.168.5.23"),
    ] {
        assert!(
            hosts.contains(&(name.to_string(), Some(ip.to_string()))),
            "{name} {ip}: {hosts:?}"
        );
    }
    assert_eq!(
        hosts_of(&c, &text, "replicaof"),
        set(&["cache-s1", "cache-s2"])
    );
    // The role in brackets names the machine: `主库` is cache-m, not the hosts named before.
    assert_eq!(hosts_of(&c, &text, "info replication"), set(&["cache-m"]));
}

#[test]
fn a_sentence_after_a_list_of_machines_is_not_about_the_last_machine_listed() {
    // The upload sentence names no host: the last list item (cache-s2) is a declaration, not
    // where the file goes. The upload is manual, and said (W031).
    let text = format!("{LISTED}说明：安装包 cache-6.2.tar.gz 已上传到 /root 下。\n\n");
    let c = plan(&text);
    let line = line_of(&text, "已上传到");
    let steps: Vec<_> = c.plan.steps.iter().filter(|s| s.line == line).collect();
    assert!(!steps.is_empty());
    assert!(
        steps.iter().all(|s| s.hosts.is_empty()),
        "the file went to {:?}",
        steps.iter().map(|s| &s.hosts).collect::<Vec<_>>()
    );
    assert!(is_manual(&c, &text, "已上传到"));
    assert!(codes_at(&c, &text, "已上传到").contains(&"W031".to_string()));
}

#[test]
fn a_block_on_no_host_is_always_said() {
    // A file edit whose hosts cannot be told (two groups, a count with no group of that size):
    // manual, and a warning names the block — whatever rule read it.
    for lead in [
        "两台的 /etc/cache/6379.conf 写入：",
        "新建 /etc/cache/sentinel.conf：",
    ] {
        let text = format!("{LISTED}## 2. 配置\n\n{lead}\n\n```\nport 26379\ndaemonize yes\n```\n");
        let c = plan(&text);
        assert!(hosts_of(&c, &text, "port 26379").is_empty(), "{lead}");
        let block = line_of(&text, "port 26379") - 1;
        assert!(
            c.diagnostics
                .iter()
                .any(|d| d.line == block && d.severity == rbc::diagnostic::Severity::Warning),
            "{lead}: no warning on the block: {:?}",
            c.diagnostics
                .iter()
                .map(|d| (d.line, d.code))
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn host_tables_headed_in_english_declare_their_machines() {
    for (host, ip, role) in [
        ("Server", "IP", "Role"),
        ("Node", "Address", "Components"),
        ("Host name", "IP addr", "Service"),
        ("机器", "服务器IP", "部署服务"),
    ] {
        let text = format!(
            "# Release\n\n| {host} | {ip} | {role} |\n|---|---|---|\n| ord-web1 | 172.16.3.11 | web |\n| ord-web2 | 172.16.3.12 | web |\n| ord-job | 172.16.3.21 | job |\n\n## 1 web\n\n在所有 web 节点上执行：\n\n```\n$ sudo systemctl restart order-web\n```\n"
        );
        let c = plan(&text);
        assert_eq!(c.inventory.hosts.len(), 3, "{host}/{ip}/{role}");
        assert_eq!(
            hosts_of(&c, &text, "restart order-web"),
            set(&["ord-web1", "ord-web2"]),
            "{host}/{ip}/{role}"
        );
    }
}

#[test]
fn a_role_cell_lists_roles_or_holds_one_role_and_a_remark() {
    let text = "# 集群\n\n| 主机名 | IP | 角色 |\n|---|---|---|\n| sr-1 | 10.1.0.1 | master, data |\n| sr-2 | 10.1.0.2 | data |\n| ci-1 | 10.1.0.9 | 构建机，推送镜像 |\n\n## 1 数据节点\n\n在所有 data 节点上执行：\n\n```\n# systemctl restart search\n```\n\n## 2 镜像\n\n在 sr-1 上，推送镜像到仓库前先登录：\n\n```\n# docker login registry.local\n```\n";
    let c = plan(text);
    // Each role of a list counts: both machines hold `data`.
    assert_eq!(hosts_of(&c, text, "restart search"), set(&["sr-1", "sr-2"]));
    // A remark after the role names no group: the sentence means sr-1, never the build host.
    assert_eq!(hosts_of(&c, text, "docker login"), set(&["sr-1"]));
    let ci = c.inventory.hosts.iter().find(|h| h.name == "ci-1").unwrap();
    assert!(
        !ci.roles.iter().any(|r| r.contains("推送镜像")),
        "{:?}",
        ci.roles
    );
}

#[test]
fn the_entries_typed_into_crontab_e_are_shown_in_the_persons_step() {
    for (block, entries) in [
        (
            "# crontab -e\n0 3 * * * find /opt/pts/logs -mtime +7 -delete\n",
            &["0 3 * * * find /opt/pts/logs -mtime +7 -delete"][..],
        ),
        (
            "# crontab -e\n*/5 * * * * /opt/pts/bin/sync.sh\n\n30 2 * * 0 /opt/pts/bin/weekly.sh\n",
            &[
                "*/5 * * * * /opt/pts/bin/sync.sh",
                "30 2 * * 0 /opt/pts/bin/weekly.sh",
            ][..],
        ),
    ] {
        let text = format!(
            "{}## 2 定时任务\n\n只在 rg-1 上配置：\n\n```\n{block}```\n",
            fleet("部署组件")
        );
        let c = plan(&text);
        let step = c
            .plan
            .steps
            .iter()
            .find(|s| s.line == line_of(&text, "crontab -e"))
            .expect("a step for crontab -e");
        assert_eq!(step.kind, rbc::plan::StepKind::Manual);
        assert_eq!(step.hosts, vec!["rg-1".to_string()]);
        let rbc::plan::Action::Manual { instruction } = &step.action else {
            panic!("{:?}", step.action)
        };
        for e in entries {
            assert!(instruction.contains(e), "{instruction}");
            // Shown once, in the person's step; not also a note of its own.
            assert!(
                !c.plan
                    .steps
                    .iter()
                    .any(|s| s.line == line_of(&text, e) && s.kind == rbc::plan::StepKind::Note),
                "{e}"
            );
        }
    }
}

/// A rolling upgrade written out for the first broker only; a later chapter says to repeat it.
fn rolling(repeat: &str) -> String {
    format!(
        "# 滚动升级\n\n## 一、准备\n\nbroker 列表：kfk-01 10.7.1.1，kfk-02 10.7.1.2，kfk-03 10.7.1.3。\n\n## 二、升级 kfk-01\n\n```\n[root@kfk-01 ~]# systemctl stop kafka\n[root@kfk-01 ~]# ln -sfn /opt/kafka-3.5.1 /opt/kafka\n[root@kfk-01 ~]# systemctl start kafka\n[root@kfk-01 ~]# /opt/kafka/bin/kafka-topics.sh --bootstrap-server 10.7.1.1:9092 --describe\n```\n\n## 三、其余节点\n\n{repeat}\n"
    )
}

fn steps_on<'a>(c: &'a rbc::planner::Compiled, host: &str) -> Vec<&'a rbc::plan::Step> {
    c.plan
        .steps
        .iter()
        .filter(|s| s.hosts.iter().any(|h| h == host))
        .collect()
}

#[test]
fn prose_pairs_of_name_and_address_declare_the_machines() {
    let c = plan(&rolling(""));
    let got: Vec<(String, Option<String>)> = c
        .inventory
        .hosts
        .iter()
        .map(|h| (h.name.clone(), h.ip.clone()))
        .collect();
    for (n, ip) in [
        ("kfk-01", "10.7.1.1"),
        ("kfk-02", "10.7.1.2"),
        ("kfk-03", "10.7.1.3"),
    ] {
        assert!(got.contains(&(n.into(), Some(ip.into()))), "{got:?}");
    }
}

#[test]
fn a_repeat_of_a_numbered_chapter_runs_its_steps_on_the_hosts_named_after_it() {
    for (repeat, one_at_a_time) in [
        ("在 kfk-02、kfk-03 上依次重复第二章的步骤。", true),
        ("登录 kfk-02、kfk-03，参照第 2 章的操作逐台执行。", true),
        ("在 kfk-02、kfk-03 上重复 2 章的全部步骤。", false),
    ] {
        let text = rolling(repeat);
        let c = plan(&text);
        // The first broker keeps its own steps, automated.
        let first = steps_on(&c, "kfk-01");
        assert_eq!(first.len(), 4, "{repeat}");
        assert!(first
            .iter()
            .all(|s| s.section == "2" && s.kind != rbc::plan::StepKind::Manual));
        for host in ["kfk-02", "kfk-03"] {
            let mine = steps_on(&c, host);
            assert_eq!(mine.len(), 4, "{repeat}: {host}");
            // Here, in the chapter that says so: after the first broker's.
            assert!(mine.iter().all(|s| s.section == "3"), "{repeat}");
            let lines: Vec<usize> = mine.iter().map(|s| s.line).collect();
            assert_eq!(lines, first.iter().map(|s| s.line).collect::<Vec<_>>());
            // The check names the first broker's address: on the others it is a guess.
            let check = mine
                .iter()
                .find(|s| s.text.contains("kafka-topics"))
                .unwrap();
            assert_eq!(check.kind, rbc::plan::StepKind::Manual, "{repeat}");
            assert!(
                mine.iter()
                    .filter(|s| !s.text.contains("kafka-topics"))
                    .all(|s| s.kind != rbc::plan::StepKind::Manual),
                "{repeat}: {host}"
            );
        }
        // One broker after the other when the sentence says so.
        let third = steps_on(&c, "kfk-03");
        let waits_for_second = third[0]
            .gates
            .iter()
            .any(|g| g.host == "kfk-03" && g.after.iter().any(|a| a.host == "kfk-02"));
        assert_eq!(waits_for_second, one_at_a_time, "{repeat}");
    }
}

#[test]
fn a_repeat_that_says_something_changes_is_manual_on_the_new_hosts_only() {
    for repeat in [
        "在 kfk-02、kfk-03 上依次重复第二章的步骤（注意把命令中的 IP 换成本机 IP）。",
        "在 kfk-02、kfk-03 上重复第二章的步骤，但端口改为 9093。",
    ] {
        let text = rolling(repeat);
        let c = plan(&text);
        assert!(steps_on(&c, "kfk-01")
            .iter()
            .all(|s| s.kind != rbc::plan::StepKind::Manual));
        for host in ["kfk-02", "kfk-03"] {
            let mine = steps_on(&c, host);
            assert_eq!(mine.len(), 4, "{repeat}");
            assert!(
                mine.iter().all(|s| s.kind == rbc::plan::StepKind::Manual),
                "{repeat}: {host}"
            );
        }
        assert!(c.diagnostics.iter().any(|d| d.code == "W042"), "{repeat}");
    }
}

#[test]
fn a_repeat_rbc_cannot_resolve_is_a_persons_step_on_the_hosts_named_never_a_note() {
    for (repeat, hosts) in [
        (
            "在 kfk-02、kfk-03 上依次重复第九章的步骤。",
            &["kfk-02", "kfk-03"][..],
        ),
        ("kfk-02、kfk-03 也照此操作一遍。", &["kfk-02", "kfk-03"][..]),
        ("然后到 kfk-02 上做一遍。", &["kfk-02"][..]),
        (
            "kfk-02 和 kfk-03 按相同方法升级。",
            &["kfk-02", "kfk-03"][..],
        ),
        ("kfk-02、kfk-03 同上。", &["kfk-02", "kfk-03"][..]),
    ] {
        let text = rolling(repeat);
        let c = plan(&text);
        let line = line_of(&text, repeat);
        let step = c
            .plan
            .steps
            .iter()
            .find(|s| s.line == line)
            .expect("a step for the sentence");
        assert_eq!(step.kind, rbc::plan::StepKind::Manual, "{repeat}");
        assert_eq!(
            step.hosts,
            hosts.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
            "{repeat}"
        );
    }
}

#[test]
fn only_and_a_role_word_restrict_the_work_to_that_role() {
    for (lead, hosts) in [
        ("仅主库：", &["od-m"][..]),
        ("只在从库执行：", &["od-s"][..]),
        ("仅在主库上执行：", &["od-m"][..]),
    ] {
        let text = format!(
            "# 加字段\n\n## 1. 环境\n\n| 角色 | 主机 | IP |\n|---|---|---|\n| 主库 | od-m | 10.30.0.11 |\n| 从库 | od-s | 10.30.0.12 |\n\n## 2. 回滚\n\n{lead}\n\n```\n# mysql -uroot -p orderdb -e 'ALTER TABLE t_order DROP COLUMN channel_code'\n```\n"
        );
        let c = plan(&text);
        assert_eq!(hosts_of(&c, &text, "ALTER TABLE"), set(hosts), "{lead}");
    }
}

#[test]
fn any_one_in_a_condition_does_not_narrow_the_hosts() {
    let text = with_step(
        "部署组件",
        "在 rg-1、rg-2、rg-3 上执行，任一节点失败则整体回滚：",
    );
    let c = plan(&text);
    assert_eq!(hosts_of(&c, &text, "curl -s"), set(NODES));
}
