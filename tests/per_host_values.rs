//! Issue #11 item 18: a value the text marks as "this host's own name / IP" (`# 改为当前主机名`,
//! `# 填本机主机名`, `# 改为当前主机 IP`) gives each host its own value; anything else that
//! differs per host stays manual (W043). Small runbooks of our own, several phrasings, negatives,
//! and the generated edit run by real bash in a throwaway root.

mod common;

use common::rbc;
use common::sandbox::{self, Sandbox};
use rbc::plan::{Action, Step, StepKind};
use rbc::planner::{compile, Compiled};
use rbc::source::Source;

fn plan(text: &str) -> Compiled {
    compile(&Source::from_text("runbook.md", text))
}

const HOSTS: &str = "# 缓存集群部署\n\n| 主机 | IP |\n|---|---|\n| kv-a | 10.8.4.11 |\n| kv-b | 10.8.4.12 |\n| kv-c | 10.8.4.13 |\n\n## 1 准备\n\n";

/// The steps made from the line `first` of the text.
fn steps_at<'a>(c: &'a Compiled, text: &str, first: &str) -> Vec<&'a Step> {
    let line = text.lines().position(|l| l == first).expect("line") + 1;
    c.plan.steps.iter().filter(|s| s.line == line).collect()
}

fn what(a: &Action) -> String {
    match a {
        Action::Run { command } => command.clone(),
        Action::WriteFile { content, .. } | Action::AppendBlock { content, .. } => content.clone(),
        other => format!("{other:?}"),
    }
}

#[test]
fn a_hostname_marked_as_this_hosts_own_is_set_per_host() {
    let cases = [
        (
            "三台都执行：",
            "hostnamectl set-hostname kv-a    # 改为当前主机名",
        ),
        (
            "在 kv-a、kv-b、kv-c 上执行：",
            "hostnamectl set-hostname kv-a  # 填本机主机名",
        ),
        (
            "三台分别设置主机名：",
            "hostnamectl set-hostname kv-b\t# 改成本机主机名",
        ),
    ];
    for (lead, line) in cases {
        let text = format!("{HOSTS}{lead}\n\n```\n{line}\n```\n");
        let c = plan(&text);
        let steps = steps_at(&c, &text, line);
        assert_eq!(steps.len(), 3, "{lead}: {steps:#?}");
        for s in steps {
            assert_eq!(s.kind, StepKind::Once, "{lead}: {s:#?}");
            assert_eq!(s.hosts.len(), 1);
            let host = &s.hosts[0];
            assert_eq!(
                what(&s.action),
                format!("hostnamectl set-hostname {host}"),
                "{lead}"
            );
        }
        assert!(
            c.diagnostics.iter().any(|d| d.code == "N015"),
            "{lead}: the split is said"
        );
    }
}

const CONF: &str = "bind 127.0.0.1 10.8.4.11    # 改为当前主机 IP\nport 6379\nname kv-a                   # 改为当前主机名\nreplicas 10.8.4.11,10.8.4.12,10.8.4.13\nmembers kv-a,kv-b,kv-c";

#[test]
fn a_file_with_marked_lines_gets_each_hosts_name_and_ip_there_only() {
    let leads = [
        "三台都新建 /etc/kv/kv.conf，写入如下内容。带注释的两行每台不一样：",
        "在 kv-a、kv-b、kv-c 上创建 /etc/kv/kv.conf：",
        "三台都新建 /etc/kv/kv.conf，bind 和 name 每台不同：",
    ];
    for lead in leads {
        let text = format!("{HOSTS}{lead}\n\n```\n{CONF}\n```\n");
        let c = plan(&text);
        let steps = steps_at(&c, &text, CONF.lines().next().unwrap());
        assert_eq!(steps.len(), 3, "{lead}: {steps:#?}");
        for s in steps {
            assert_eq!(s.kind, StepKind::Converge, "{lead}: {s:#?}");
            let (host, ip) = match s.hosts[0].as_str() {
                "kv-a" => ("kv-a", "10.8.4.11"),
                "kv-b" => ("kv-b", "10.8.4.12"),
                _ => ("kv-c", "10.8.4.13"),
            };
            let content = what(&s.action);
            assert_eq!(
                content,
                format!("bind 127.0.0.1 {ip}\nport 6379\nname {host}\nreplicas 10.8.4.11,10.8.4.12,10.8.4.13\nmembers kv-a,kv-b,kv-c\n"),
                "{lead}: the unmarked lists stay as written, the comments go"
            );
        }
    }
}

#[test]
fn a_per_host_value_rbc_cannot_fill_stays_manual() {
    let cases = [
        // the comment does not say the value is the host's own
        ("三台都执行：", "echo 'id=1' > /etc/kv/myid    # 每台不同"),
        ("三台都执行：", "echo 'id=1' > /etc/kv/myid    # 按实际修改"),
        // marked, but the line shows no host's name
        (
            "三台都执行：",
            "hostnamectl set-hostname cache01    # 改为当前主机名",
        ),
        // an example: other values may differ too
        (
            "三台都执行，以 kv-a 为例：",
            "hostnamectl set-hostname kv-a    # 改为当前主机名",
        ),
    ];
    for (lead, line) in cases {
        let text = format!("{HOSTS}{lead}\n\n```\n{line}\n```\n");
        let c = plan(&text);
        let steps = steps_at(&c, &text, line);
        assert!(!steps.is_empty(), "{lead}");
        for s in steps {
            assert_eq!(s.kind, StepKind::Manual, "{line}: {s:#?}");
        }
    }
    // a key the sentence says differs per host is not a marked one
    let text =
        format!("{HOSTS}三台都新建 /etc/kv/kv.conf，注意 port 每台不同：\n\n```\n{CONF}\n```\n");
    let c = plan(&text);
    for s in steps_at(&c, &text, CONF.lines().next().unwrap()) {
        assert_eq!(s.kind, StepKind::Manual, "{s:#?}");
    }
    // a sentence after the block gives another host's value
    let text = format!(
        "{HOSTS}三台都新建 /etc/kv/kv.conf：\n\n```\n{CONF}\n```\n\nkv-c 上 port 改为 6380。\n"
    );
    let c = plan(&text);
    for s in steps_at(&c, &text, CONF.lines().next().unwrap()) {
        assert_eq!(s.kind, StepKind::Manual, "{s:#?}");
    }
}

#[test]
fn a_host_repeating_anothers_steps_never_takes_its_own_value() {
    // kv-a and kv-b get their own names; kv-c "the same as kv-a" would get kv-a's: manual there.
    let line = "hostnamectl set-hostname kv-a    # 改为当前主机名";
    let text = format!(
        "{HOSTS}### 1.1 kv-a 和 kv-b\n\n在 kv-a、kv-b 上执行：\n\n```\n{line}\n```\n\n### 1.2 kv-c\n\nkv-c 与 kv-a 操作相同。\n"
    );
    let c = plan(&text);
    let steps = steps_at(&c, &text, line);
    assert!(
        steps.iter().any(|s| s.hosts.iter().any(|h| h == "kv-c")),
        "kv-c repeats the step: {steps:#?}"
    );
    for s in steps {
        if s.hosts.iter().any(|h| h == "kv-c") {
            assert_eq!(s.kind, StepKind::Manual, "{s:#?}");
        }
        if what(&s.action).contains("set-hostname kv-a") {
            assert!(
                s.kind == StepKind::Manual || s.hosts == vec!["kv-a".to_string()],
                "{s:#?}"
            );
        }
    }
}

#[test]
fn the_generated_per_host_file_is_written_once_and_rolls_back() {
    if !sandbox::available() {
        return;
    }
    let text = format!(
        "{HOSTS}三台都新建 /etc/kv/kv.conf，写入如下内容。带注释的两行每台不一样：\n\n```\n{CONF}\n```\n"
    );
    // compile runs shellcheck on every generated script: a finding fails it
    let r = rbc().file("runbook.md", &text).args(&["compile"]);
    let out = r.run();
    assert_eq!(out.code, 0, "compile failed:\n{}", out.stderr);
    let sb = Sandbox::new();
    sb.write(
        "/root/kv-b.tar.gz",
        std::fs::read(r.path("dist/hosts/kv-b.tar.gz")).unwrap(),
    );
    let before = "bind 127.0.0.1\nport 6379\n";
    sb.write("/etc/kv/kv.conf", before);
    let first = sb.run(
        "cd /root && tar xzf kv-b.tar.gz && cd kv-b && ./run.sh --force-host --yes && cat /etc/kv/kv.conf",
    );
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    assert!(
        first.stdout.ends_with("bind 127.0.0.1 10.8.4.12\nport 6379\nname kv-b\nreplicas 10.8.4.11,10.8.4.12,10.8.4.13\nmembers kv-a,kv-b,kv-c\n"),
        "{}",
        first.stdout
    );
    let second = sb.run("cd /root/kv-b && ./run.sh --force-host --yes");
    assert_eq!(second.code, 0, "{}\n{}", second.stdout, second.stderr);
    assert!(second.stdout.contains("changed=0"), "{}", second.stdout);
    let back = sb.run("cd /root/kv-b && ./rollback.sh --force-host --yes && cat /etc/kv/kv.conf");
    assert_eq!(back.code, 0, "{}\n{}", back.stdout, back.stderr);
    assert!(back.stdout.ends_with(before), "{}", back.stdout);
    let restored = std::fs::read_to_string(sb.upper("/etc/kv/kv.conf")).unwrap();
    assert_eq!(restored, before, "byte-identical after rollback");
}

#[test]
fn a_non_local_address_in_the_sentence_is_no_per_host_value() {
    let line = "net.ipv4.ip_nonlocal_bind = 1";
    let lead = "VIP 需要内核允许监听非本机地址，三台都追加到 `/etc/sysctl.d/90-vip.conf`：";
    let text = format!("{HOSTS}{lead}\n\n```\n{line}\n```\n");
    let c = plan(&text);
    let steps = steps_at(&c, &text, line);
    assert_eq!(steps.len(), 1, "{steps:#?}");
    assert_eq!(steps[0].kind, StepKind::Converge, "{:#?}", steps[0]);
    assert_eq!(steps[0].hosts.len(), 3);
    // the same sentence saying the address is this host's own value stays manual
    let lead = "VIP 需要监听本机地址，三台都追加到 `/etc/sysctl.d/90-vip.conf`：";
    let text = format!("{HOSTS}{lead}\n\n```\n{line}\n```\n");
    let c = plan(&text);
    for s in steps_at(&c, &text, line) {
        assert_eq!(s.kind, StepKind::Manual, "{s:#?}");
    }
}

/// `依次为 kv-a、kv-b、kv-c` before a block that shows the first value: each host gets its own
/// (N020), in the order of the step's hosts; anything less certain stays manual.
#[test]
fn values_given_in_order_go_to_each_host_in_order() {
    let cases = [
        (
            "三台分别设置主机名，依次为 kv-a、kv-b、kv-c：",
            "hostnamectl set-hostname kv-a",
            ["kv-a", "kv-b", "kv-c"],
        ),
        (
            "三台都执行，节点编号分别为 1、2、3：",
            "echo 1 > /etc/kv/myid",
            ["1", "2", "3"],
        ),
        (
            "在 kv-a、kv-b、kv-c 上写入优先级，依次是 `150`, `100`, `50`：",
            "echo 'priority 150' >> /etc/kv/ha.conf",
            ["150", "100", "50"],
        ),
    ];
    for (lead, line, values) in cases {
        let text = format!("{HOSTS}{lead}\n\n```\n{line}\n```\n");
        let c = plan(&text);
        let steps = steps_at(&c, &text, line);
        assert_eq!(steps.len(), 3, "{lead}: {steps:#?}");
        for (host, value) in ["kv-a", "kv-b", "kv-c"].iter().zip(values) {
            let s = steps
                .iter()
                .find(|s| s.hosts == [host.to_string()])
                .unwrap_or_else(|| panic!("{lead}: no step on {host}"));
            assert_ne!(s.kind, StepKind::Manual, "{lead}: {host}");
            let own = what(&s.action);
            assert!(own.contains(value), "{lead}: {host}: {own}");
            if value != values[0] {
                assert!(!own.contains(values[0]), "{lead}: {host}: {own}");
            }
        }
        assert!(c.diagnostics.iter().any(|d| d.code == "N020"), "{lead}");
    }
    // The first value twice in the block, values fewer than the hosts, or the same value twice:
    // rbc cannot tell which to change — manual.
    let cases = [
        (
            "三台都执行，节点编号分别为 1、2、3：",
            "echo 1 > /etc/kv/myid && echo 1",
        ),
        ("三台都执行，节点编号分别为 1、2：", "echo 1 > /etc/kv/myid"),
        (
            "三台都执行，节点编号分别为 1、1、2：",
            "echo 1 > /etc/kv/myid",
        ),
    ];
    for (lead, line) in cases {
        let text = format!("{HOSTS}{lead}\n\n```\n{line}\n```\n");
        let c = plan(&text);
        assert!(
            !c.diagnostics.iter().any(|d| d.code == "N020"),
            "{lead} {line}"
        );
        let automated: Vec<&Step> = steps_at(&c, &text, line)
            .into_iter()
            .filter(|s| s.kind != StepKind::Manual)
            .collect();
        assert!(
            automated
                .iter()
                .all(|s| !what(&s.action).contains("echo 1 >") || s.hosts == ["kv-a".to_string()]),
            "{lead} {line}: {automated:#?}"
        );
    }
}

/// A whole file given for one host (`下面是 kv-a 的`, `以 kv-a 为例`) and the other hosts' values
/// by key, in the lead-in or the sentence after the block: each host gets its own file (N021);
/// a host with no values, a key on no line, or a value rbc cannot place keeps it manual.
#[test]
fn other_hosts_values_given_by_key_make_each_hosts_own_file() {
    const FILE: &str = "node.id=1\nstate MASTER\nlisten=tcp://10.8.4.11:7000\ncluster=kv-prod";
    let cases = [
        format!(
            "{HOSTS}三台都把 /etc/kv/kv.conf 替换为下面的内容。下面是 kv-a 的，kv-b 上把 node.id 改为 2，state 改为 BACKUP，listen 改为 10.8.4.12；kv-c 上 node.id 改为 3，state 改为 BACKUP，listen 改为 10.8.4.13：\n\n```\n{FILE}\n```\n"
        ),
        format!(
            "{HOSTS}三台都把 /etc/kv/kv.conf 替换为如下内容（以 kv-a 为例）：\n\n```\n{FILE}\n```\n\n注意：kv-b 上 node.id 改为 2，state 改为 BACKUP，listen 改为 10.8.4.12；kv-c 上 node.id 改为 3，state 改为 `BACKUP`，listen 改为 10.8.4.13。\n"
        ),
    ];
    for text in &cases {
        let c = plan(text);
        let steps = steps_at(&c, text, "node.id=1");
        let of = |host: &str| {
            steps
                .iter()
                .find(|s| s.hosts == [host.to_string()])
                .map(|s| (s.kind, what(&s.action)))
                .unwrap_or_else(|| panic!("no step on {host}: {steps:#?}"))
        };
        let (kind, a) = of("kv-a");
        assert_ne!(kind, StepKind::Manual);
        assert_eq!(a.trim(), FILE);
        let (kind, b) = of("kv-b");
        assert_ne!(kind, StepKind::Manual);
        assert_eq!(
            b.trim(),
            "node.id=2\nstate BACKUP\nlisten=tcp://10.8.4.12:7000\ncluster=kv-prod"
        );
        let (_, c3) = of("kv-c");
        assert!(
            c3.contains("node.id=3") && c3.contains("tcp://10.8.4.13:7000"),
            "{c3}"
        );
        assert!(c.diagnostics.iter().any(|d| d.code == "N021"));
    }
    // kv-c given nothing; a key on no line; an address where the old value holds two: manual.
    for lead in [
        "三台都把 /etc/kv/kv.conf 替换为下面的内容。下面是 kv-a 的，kv-b 上把 node.id 改为 2：",
        "三台都把 /etc/kv/kv.conf 替换为下面的内容。下面是 kv-a 的，kv-b 上把 port 改为 2，kv-c 上把 port 改为 3：",
        "三台都把 /etc/kv/kv.conf 替换为下面的内容。下面是 kv-a 的，kv-b 上把 peers 改为 10.8.4.12，kv-c 上把 peers 改为 10.8.4.13：",
    ] {
        let text = format!("{HOSTS}{lead}\n\n```\n{FILE}\npeers=10.8.4.11,10.8.4.12\n```\n");
        let c = plan(&text);
        for s in steps_at(&c, &text, "node.id=1") {
            assert_eq!(s.kind, StepKind::Manual, "{lead}: {s:#?}");
        }
        assert!(!c.diagnostics.iter().any(|d| d.code == "N021"), "{lead}");
    }
}
