//! Issue #11: a second machine that repeats the first one's chapter with an exception
//! (`web-2 与 web-1 操作相同，但 server.port 改为 8082。除了 1.3 外，其余照做。`). When rbc reads
//! the whole exception — sections left out, keys changed (and so their old values) — the model's
//! steps stay automated, the copies run on the second machine except where the exception reaches:
//! a left-out section is not copied, a step that shows what changes is manual there. An exception
//! rbc cannot read precisely (`但 IP 要换成本机的`) keeps every copy manual, as before.

mod common;

use common::plan::{hosts_of, line_of, manual_on, plan, set};

/// Two application servers; chapter 1 sets up `web-1`, chapter 2 says what `web-2` repeats.
fn runbook(repeat: &str) -> String {
    format!(
        "# 订单服务部署\n\n## 0 机器\n\n| 主机名 | IP |\n| --- | --- |\n| web-1 | 10.70.1.11 |\n| web-2 | 10.70.1.12 |\n\n\
## 1 web-1 部署\n\n### 1.1 用户和目录\n\n```bash\nuseradd -m order\nmkdir -p /data/order/conf\nhostnamectl set-hostname web-1\n```\n\n\
### 1.2 配置\n\n在 /data/order/conf/app.properties 末尾追加：\n\n```properties\nserver.port=8081\nlisten.addr=10.70.1.11\n```\n\n\
启动并检查：\n\n```bash\nsystemctl restart order\ncurl -s http://127.0.0.1:8081/health\n```\n\n\
### 1.3 定时任务\n\n```bash\necho '*/5 * * * * root /data/order/bin/sync.sh' > /etc/cron.d/order-sync\n```\n\n\
## 2 web-2 部署\n\n{repeat}\n\n```bash\ncurl -s http://127.0.0.1:8082/health\n```\n"
    )
}

#[test]
fn the_copies_run_on_the_second_machine_except_where_the_exception_reaches() {
    for repeat in [
        "web-2 与 web-1 操作相同，但 server.port 改为 8082。除了 1.3 的定时任务不要在 web-2 上配置外，其余 1.1 ~ 1.2 全部照做。",
        "web-2 和 web-1 一样，不同的是 `server.port` 改为 8082；1.3 节 web-2 上不用做。",
        "web-2 的部署与 web-1 相同，但是跳过 1.3，server.port 换成 8082。",
    ] {
        let text = runbook(repeat);
        let c = plan(&text);
        // What the exception does not touch runs on both, automated.
        for line in ["useradd -m order", "mkdir -p /data/order/conf", "systemctl restart order"] {
            assert_eq!(hosts_of(&c, &text, line), set(&["web-1", "web-2"]), "{repeat}: {line}");
        }
        // The left-out section stays on the model only: not copied, not even as a manual step.
        assert_eq!(hosts_of(&c, &text, "order-sync"), set(&["web-1"]), "{repeat}");
        assert!(manual_on(&c, &text, "order-sync").is_empty(), "{repeat}");
        // The key changed and its old value (8081, in the health check): manual on web-2 only.
        for line in ["server.port=8081", "127.0.0.1:8081"] {
            assert_eq!(hosts_of(&c, &text, line), set(&["web-1"]), "{repeat}: {line}");
            assert_eq!(manual_on(&c, &text, line), set(&["web-2"]), "{repeat}: {line}");
        }
        // The warning says what was repeated, left out and made manual.
        let w = c
            .diagnostics
            .iter()
            .find(|d| d.code == "W035")
            .unwrap_or_else(|| panic!("{repeat}: no W035"));
        assert!(w.message.contains("leaves out section 1.3"), "{}", w.message);
        assert!(w.message.contains("manual there"), "{}", w.message);
    }
}

#[test]
fn a_step_showing_the_model_machines_own_address_is_manual_on_the_copy() {
    let text = runbook("web-2 与 web-1 操作相同，但 server.port 改为 8082，1.3 无需执行。");
    let c = plan(&text);
    assert_eq!(hosts_of(&c, &text, "set-hostname web-1"), set(&["web-1"]));
    assert_eq!(manual_on(&c, &text, "set-hostname web-1"), set(&["web-2"]));
    // `listen.addr=10.70.1.11` is in the same edit as server.port: manual on web-2 either way;
    // the model keeps it.
    assert_eq!(hosts_of(&c, &text, "server.port=8081"), set(&["web-1"]));
    assert_eq!(manual_on(&c, &text, "server.port=8081"), set(&["web-2"]));
    let why = c
        .plan
        .steps
        .iter()
        .find(|s| s.line == line_of(&text, "server.port=8081") && s.hosts == ["web-2"])
        .map(|s| s.why.clone())
        .unwrap_or_default();
    assert!(why.contains("server.port"), "{why}");
}

#[test]
fn an_exception_rbc_cannot_read_whole_keeps_every_copy_manual() {
    for repeat in [
        "web-2 与 web-1 操作相同，但 IP 要换成本机的。",
        "web-2 与 web-1 操作相同，但是端口改为 8082。",
        "web-2 与 web-1 操作相同，但 7.4 不用做。",
        "web-2 与 web-1 操作相同，只是注意配置不同，但别忘了检查。",
    ] {
        let text = runbook(repeat);
        let c = plan(&text);
        for line in ["useradd -m order", "server.port=8081", "order-sync"] {
            assert!(
                !hosts_of(&c, &text, line).contains("web-2"),
                "{repeat}: {line} automated on web-2"
            );
            assert!(
                manual_on(&c, &text, line).contains("web-2"),
                "{repeat}: {line} not manual on web-2"
            );
        }
    }
}

#[test]
fn a_repeat_without_exception_still_runs_everything_on_both() {
    let text = runbook("web-2 与 web-1 操作相同。");
    let c = plan(&text);
    for line in ["useradd -m order", "order-sync"] {
        assert_eq!(
            hosts_of(&c, &text, line),
            set(&["web-1", "web-2"]),
            "{line}"
        );
    }
}
