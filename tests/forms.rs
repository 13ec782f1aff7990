//! Issue #11: machines and defaults in the forms real documents use. Each form is compiled from
//! small runbooks of our own, in several phrasings; what a test checks is where the automated
//! steps run (never on a host the text does not mean).

use std::collections::BTreeSet;

use rbc::plan::{HostKind, StepKind};
use rbc::planner::{compile, Compiled};
use rbc::source::Source;

fn plan(text: &str) -> Compiled {
    compile(&Source::from_text("runbook.md", text))
}

/// The hosts that run an automated step from the runbook line holding `needle`.
fn hosts_of(c: &Compiled, text: &str, needle: &str) -> BTreeSet<String> {
    let line = text
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in the runbook"))
        + 1;
    c.plan
        .steps
        .iter()
        .filter(|s| s.line == line)
        .filter(|s| {
            matches!(
                s.kind,
                StepKind::Converge | StepKind::Once | StepKind::Check
            )
        })
        .flat_map(|s| s.hosts.iter().cloned())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn ip(c: &Compiled, name: &str) -> Option<String> {
    c.plan
        .hosts
        .iter()
        .find(|h| h.name == name)
        .and_then(|h| h.ip.clone())
}

#[test]
fn machines_listed_only_in_code_blocks() {
    let listings = [
        "```\ncat >> /etc/hosts <<EOF\n10.5.0.11 kv-01\n10.5.0.12 kv-02\nEOF\n```\n",
        "```\n[root@kv-01 ~]# cat /etc/hosts\n127.0.0.1 localhost\n10.5.0.11 kv-01\n10.5.0.12 kv-02\n```\n",
        "```shell\nkv-01:10.5.0.11（主）\nkv-02:10.5.0.12（从）\n```\n",
        "机器：\n\nkv-01：10.5.0.11（主）\nkv-02：10.5.0.12（从）\n",
    ];
    for listing in listings {
        let text = format!("# 安装\n\n{listing}\n## 1 安装\n\n在 kv-02 上执行：\n\n```\nyum install -y etcd\n```\n");
        let c = plan(&text);
        assert_eq!(ip(&c, "kv-02").as_deref(), Some("10.5.0.12"), "{listing}");
        assert_eq!(
            hosts_of(&c, &text, "yum install"),
            set(&["kv-02"]),
            "{listing}"
        );
    }
}

#[test]
fn roles_of_a_matrix_name_groups() {
    let matrices = [
        "| 主机名 | IP | Master | Worker |\n|---|---|---|---|\n| sp-01 | 10.6.0.1 | ✓ | |\n| sp-02 | 10.6.0.2 | | ✓ |\n| sp-03 | 10.6.0.3 | | ✓ |\n",
        "```\n+-------+----------+--------+--------+\n| 主机  | IP       | Master | Worker |\n+-------+----------+--------+--------+\n| sp-01 | 10.6.0.1 |   *    |        |\n| sp-02 | 10.6.0.2 |        |   *    |\n| sp-03 | 10.6.0.3 |        |   *    |\n+-------+----------+--------+--------+\n```\n",
        "| 组件 | sp-01 | sp-02 | sp-03 |\n|---|---|---|---|\n| Master | Y | | |\n| Worker | | Y | Y |\n\n```\n10.6.0.1 sp-01\n10.6.0.2 sp-02\n10.6.0.3 sp-03\n```\n",
    ];
    for m in matrices {
        let text = format!("# 部署\n\n{m}\n## 1 启动\n\n在所有 Worker 上执行：\n\n```\n/opt/spark/sbin/start-worker.sh\n```\n");
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "start-worker"),
            set(&["sp-02", "sp-03"]),
            "{m}"
        );
    }
}

#[test]
fn last_octets_and_ranges_complete_addresses() {
    let text = "# 变更\n\n机器都在 10.66.8.x 段。\n\n| 末位 | 主机名 |\n|---|---|\n| 21 | pay-a1 |\n| 41 | pay-d1 |\n| 42 | pay-d2 |\n\n## 1 数据库\n\n41、42 两台还要执行：\n\n```\nmkdir -p /etc/zabbix/conf.d\n```\n";
    let c = plan(text);
    assert_eq!(ip(&c, "pay-d2").as_deref(), Some("10.66.8.42"));
    assert_eq!(hosts_of(&c, text, "mkdir"), set(&["pay-d1", "pay-d2"]));
    for ranges in [
        "- 网关：gw-01 ~ gw-03（10.60.1.11 ~ 13，依次对应）\n",
        "| 项目 | 内容 |\n|---|---|\n| 网关 | gw-01～gw-03（10.60.1.11～10.60.1.13） |\n",
    ] {
        let text = format!("# 升级\n\n{ranges}\n## 1 升级\n\n在 gw-01 ~ gw-03 上执行：\n\n```\nrpm -Uvh /root/x.rpm\n```\n");
        let c = plan(&text);
        assert_eq!(ip(&c, "gw-03").as_deref(), Some("10.60.1.13"), "{ranges}");
        assert_eq!(
            hosts_of(&c, &text, "rpm -Uvh"),
            set(&["gw-01", "gw-02", "gw-03"]),
            "{ranges}"
        );
    }
}

#[test]
fn a_remark_after_the_address_and_the_jump_host_by_its_role_word() {
    for jump in [
        "中转机 relay-1（10.31.0.9）",
        "堡垒机 relay-1 (10.31.0.9)",
        "跳板机relay-1（10.31.0.9）",
    ] {
        let text = format!("# 上线\n\n- 应用：app-1（10.31.2.11，主）、app-2（10.31.2.12，备）\n- 文件先传到{jump}\n\n## 1 停备机\n\n登录 app-2 执行：\n\n```\nsh /opt/app/bin/stop.sh\n```\n");
        let c = plan(&text);
        assert_eq!(ip(&c, "app-1").as_deref(), Some("10.31.2.11"), "{jump}");
        assert!(
            c.plan
                .hosts
                .iter()
                .any(|h| h.name == "relay-1" && h.kind == HostKind::Jump),
            "{jump}"
        );
        assert_eq!(hosts_of(&c, &text, "stop.sh"), set(&["app-2"]), "{jump}");
    }
}

#[test]
fn admonition_content_is_read_as_written() {
    let text = "# 部署\n\n!!! info \"机器\"\n    | 主机名 | IP |\n    |---|---|\n    | nc-a | 10.9.3.21 |\n    | nc-b | 10.9.3.22 |\n\n## 安装\n\n!!! tip \"本节步骤在 nc-a、nc-b 上都要执行\"\n\n    1. 解压：\n\n        ```bash\n        tar -xzf /tmp/nacos.tar.gz -C /opt\n        ```\n\n??? note \"可选\"\n    如果想换成主机名，也可以：\n\n    ```bash\n    sed -i 's/a/b/' /opt/nacos/conf/cluster.conf\n    ```\n";
    let c = plan(text);
    assert_eq!(ip(&c, "nc-b").as_deref(), Some("10.9.3.22"));
    assert_eq!(hosts_of(&c, text, "tar -xzf"), set(&["nc-a", "nc-b"]));
    assert!(
        hosts_of(&c, text, "sed -i").is_empty(),
        "an optional tip never runs"
    );
}

#[test]
fn a_document_wide_default_holds_until_a_section_says_otherwise() {
    for default in [
        "> 如无特别说明，以下操作均在所有节点执行。",
        "如无特殊说明，以下操作在所有节点上执行。",
        "以下命令在每台机器上执行，除非另有说明。",
    ] {
        let text = format!("# 集群\n\n- m-1 (10.1.0.1)\n- w-1 (10.1.0.2)\n- w-2 (10.1.0.3)\n\n{default}\n\n## 1 基础\n\n```\nyum install -y java-11-openjdk\n```\n\n## 2 免密（只需要在 m-1 上执行）\n\n只需要在 m-1 上执行：\n\n```\nmkdir -p /opt/keys\n```\n\n## 3 解压\n\n```\ntar -xzf /tmp/app.tgz -C /opt\n```\n");
        let c = plan(&text);
        let all = set(&["m-1", "w-1", "w-2"]);
        assert_eq!(hosts_of(&c, &text, "yum install"), all, "{default}");
        assert_eq!(
            hosts_of(&c, &text, "mkdir -p /opt/keys"),
            set(&["m-1"]),
            "{default}"
        );
        assert_eq!(
            hosts_of(&c, &text, "tar -xzf"),
            all,
            "the one-off ends with its section: {default}"
        );
    }
    // Without a default, a section that names no host is a guess (manual), as before.
    let text = "# 集群\n\n- m-1 (10.1.0.1)\n- w-1 (10.1.0.2)\n\n## 1 免密\n\n只需要在 m-1 上执行：\n\n```\nssh-keygen -t ed25519\n```\n\n## 2 解压\n\n```\ntar -xzf /tmp/app.tgz -C /opt\n```\n";
    let c = plan(text);
    assert!(hosts_of(&c, text, "tar -xzf").is_empty());
}

#[test]
fn a_host_named_where_the_work_does_not_happen_is_not_where_it_runs() {
    let text = "# 部署\n\n- master (10.2.0.1)\n- worker1 (10.2.0.2)\n- worker2 (10.2.0.3)\n\n## 7 临时目录（只在 worker1、worker2 上执行）\n\nio.tmp.dirs 给 worker 用，master 上不跑 worker，不需要建：\n\n```\nmkdir -p /data/tmp\n```\n";
    let c = plan(text);
    assert!(!hosts_of(&c, text, "mkdir").contains("master"));
}
