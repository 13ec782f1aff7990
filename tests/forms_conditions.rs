//! Issue #11, what a block is, by the sentence that introduces it:
//! - a failure made on purpose (`模拟主节点故障`, `故障演练`) is a test the runbook asks for, not
//!   troubleshooting advice;
//! - a lead-in of several sentences is judged by its last one (`…能看到 RUNNING 即可。验证完后
//!   取消作业：` asks for the block; the output was the previous block's);
//! - in the rollback chapter, a condition before its first step is the rollback's premise (its
//!   block runs like any rollback step); a condition after that is a branch a person judges:
//!   manual with W046, never a silent note;
//! - a comment inside a block is read like a sentence for the lines under it, up to the next
//!   comment (`# 如果启动失败，…`, `# 可选：`, `# 也可以…`): manual with W046 at the comment.

mod common;

use common::plan::{codes_at, hosts_of, is_manual, line_of, plan, set};

const HOSTS: &str =
    "# 变更\n\n| 主机名 | IP |\n| --- | --- |\n| lb-1 | 10.80.1.11 |\n| lb-2 | 10.80.1.12 |\n\n";

#[test]
fn a_failure_made_on_purpose_is_a_test_step() {
    for lead in [
        "切换测试：在 lb-1 上停掉 keepalived，模拟主节点故障：",
        "故障演练：在 lb-1 上执行：",
        "在 lb-1 上人为制造宕机，观察 VIP 是否漂移：",
    ] {
        let text = format!("{HOSTS}## 1 测试\n\n{lead}\n\n```\nsystemctl stop keepalived\n```\n");
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "systemctl stop"),
            set(&["lb-1"]),
            "{lead}"
        );
    }
    // Advice for a real failure stays advice: nothing runs.
    for lead in [
        "如果 lb-1 上 keepalived 出现故障，可以执行：",
        "如遇到 VIP 不漂移，在 lb-1 上排查：",
    ] {
        let text = format!("{HOSTS}## 1 测试\n\n{lead}\n\n```\nsystemctl stop keepalived\n```\n");
        let c = plan(&text);
        assert!(hosts_of(&c, &text, "systemctl stop").is_empty(), "{lead}");
    }
}

#[test]
fn the_last_sentence_of_a_lead_in_says_what_the_block_is() {
    let run = |lead: &str| {
        let text = format!(
            "{HOSTS}## 1 验证\n\n在 lb-1 上执行：\n\n```\nflink list\n```\n\n{lead}\n\n```\nsudo -u flink /opt/flink/bin/flink cancel 3f2a\n```\n"
        );
        let c = plan(&text);
        hosts_of(&c, &text, "flink cancel")
    };
    for lead in [
        "flink list 里能看到作业处于 RUNNING 即可。验证完后取消作业：",
        "应能看到一个 RUNNING 的作业。确认后在同一台上取消它：",
    ] {
        assert_eq!(run(lead), set(&["lb-1"]), "{lead}");
    }
    // The output is what the last sentence shows: nothing runs.
    for lead in [
        "正常能看到类似下面的内容：",
        "作业已提交。输出如下：",
        "验证完后。应能看到：",
    ] {
        assert!(run(lead).is_empty(), "{lead}");
    }
}

fn rollback(chapter: &str) -> String {
    format!(
        "{HOSTS}## 1 升级\n\n在 lb-1、lb-2 上执行：\n\n```\nrpm -Uvh /root/nginx-1.24.rpm\n```\n\n## 2 回退\n\n{chapter}"
    )
}

#[test]
fn the_rollback_chapters_opening_condition_is_its_premise() {
    for premise in [
        "如果升级失败，在 lb-1、lb-2 上执行：",
        "若升级后 nginx -t 不通过，两台都执行：",
        // Words of trouble (`如果出现…失败`) would make it advice; it says to roll back.
        "数据迁移后如果出现文件丢失、服务大面积失败，整体回退。lb-1、lb-2 都执行：",
        "如果出现 502 报错，回滚到旧版本，在 lb-1、lb-2 上执行：",
    ] {
        let text = rollback(&format!(
            "{premise}\n\n```\nrpm -Uvh --oldpackage /root/nginx-1.20.rpm\n```\n"
        ));
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "--oldpackage"),
            set(&["lb-1", "lb-2"]),
            "{premise}"
        );
    }
}

#[test]
fn a_later_condition_in_the_rollback_is_a_branch_a_person_judges() {
    for branch in [
        "如果只是配置问题导致的失败，也可以只还原配置目录后 reload：",
        "若是证书导致的报错，lb-1 上的证书也一并还原：",
    ] {
        let text = rollback(&format!(
            "在 lb-1、lb-2 上执行：\n\n```\nrpm -Uvh --oldpackage /root/nginx-1.20.rpm\n```\n\n{branch}\n\n```\ncp -a /etc/nginx.bak/. /etc/nginx/\n```\n"
        ));
        let c = plan(&text);
        assert_eq!(hosts_of(&c, &text, "--oldpackage"), set(&["lb-1", "lb-2"]));
        assert!(hosts_of(&c, &text, "cp -a").is_empty(), "{branch}");
        assert!(is_manual(&c, &text, "cp -a"), "{branch}: not manual");
        assert!(
            codes_at(&c, &text, "cp -a").contains(&"W046".to_string()),
            "{branch}: {:?}",
            codes_at(&c, &text, "cp -a")
        );
    }
    // Troubleshooting proper inside the rollback chapter stays advice.
    let text = rollback(
        "在 lb-1、lb-2 上执行：\n\n```\nrpm -Uvh --oldpackage /root/nginx-1.20.rpm\n```\n\n如果遇到依赖报错，可以执行：\n\n```\nrpm -Uvh --nodeps --oldpackage /root/nginx-1.20.rpm\n```\n",
    );
    let c = plan(&text);
    assert!(hosts_of(&c, &text, "--nodeps").is_empty());
    assert!(!is_manual(&c, &text, "--nodeps"));
}

#[test]
fn a_last_sentence_that_only_says_where_is_where_the_work_happens() {
    for lead in [
        "仅在 lb-1 确认已停止后执行。在 lb-2 上：",
        "只在 lb-1 的连接清空后操作。登录 lb-2 执行：",
    ] {
        let text = format!("{HOSTS}## 1 切换\n\n{lead}\n\n```\nsystemctl start nginx\n```\n");
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "systemctl start"),
            set(&["lb-2"]),
            "{lead}"
        );
    }
    // A last sentence that says more than where is no place sentence: both hosts stay named.
    let text = format!(
        "{HOSTS}## 1 切换\n\n在 lb-1、lb-2 上执行。注意 lb-2 上的日志目录不同：\n\n```\nsystemctl start nginx\n```\n"
    );
    let c = plan(&text);
    assert_ne!(hosts_of(&c, &text, "systemctl start"), set(&["lb-2"]));
}

#[test]
fn a_section_for_when_something_has_failed_is_manual() {
    for title in [
        "附：主节点故障时手工切换",
        "应急处理：VIP 不漂移",
        "主机宕机时的处理",
    ] {
        let text = format!(
            "{HOSTS}## 1 升级\n\n在 lb-1 上执行：\n\n```\nsystemctl reload nginx\n```\n\n## 2 {title}\n\n仅在确认 lb-1 无法恢复后执行。在 lb-2 上：\n\n```\nsystemctl restart keepalived\n```\n"
        );
        let c = plan(&text);
        assert!(
            hosts_of(&c, &text, "restart keepalived").is_empty(),
            "{title}"
        );
        assert!(is_manual(&c, &text, "restart keepalived"), "{title}");
        assert!(
            codes_at(&c, &text, "restart keepalived").contains(&"W046".to_string()),
            "{title}"
        );
        // The run before it is untouched, and a rollback titled for a failure is its premise.
        let rb = format!("{text}\n## 3 回滚（仅在升级失败时执行）\n\n在 lb-1 上执行：\n\n```\nsystemctl restart nginx\n```\n");
        let c2 = plan(&rb);
        assert_eq!(
            hosts_of(&c2, &rb, "restart nginx"),
            set(&["lb-1"]),
            "{title}"
        );
        assert_eq!(hosts_of(&c, &text, "reload nginx"), set(&["lb-1"]));
    }
}

#[test]
fn a_last_sentence_that_is_a_condition_never_makes_the_block_run() {
    let text = format!(
        "{HOSTS}## 1 验证\n\n在 lb-1 上执行：\n\n```\nflink list\n```\n\n应能看到作业处于 RUNNING 即可。如果没有，执行：\n\n```\nsudo -u flink /opt/flink/bin/flink run -d /opt/job.jar\n```\n"
    );
    let c = plan(&text);
    assert!(hosts_of(&c, &text, "flink run -d").is_empty());
}

#[test]
fn a_rollback_chapter_opening_on_a_cause_is_a_branch_not_its_premise() {
    for opening in [
        "如果只是配置问题，在 lb-1、lb-2 上只还原配置目录：",
        "若是证书导致的报错，在 lb-1、lb-2 上执行：",
    ] {
        let text = rollback(&format!(
            "{opening}\n\n```\ncp -a /etc/nginx.bak/. /etc/nginx/\n```\n"
        ));
        let c = plan(&text);
        assert!(hosts_of(&c, &text, "cp -a").is_empty(), "{opening}");
        assert!(is_manual(&c, &text, "cp -a"), "{opening}");
        assert!(
            codes_at(&c, &text, "cp -a").contains(&"W046".to_string()),
            "{opening}"
        );
    }
}

/// A block for both hosts: `start` first, then `comment` over `then`, then `# 检查` over a look.
fn commented(prompt: &str, comment: &str, then: &str) -> String {
    format!(
        "{HOSTS}## 1 启动\n\n在 lb-1、lb-2 上执行：\n\n```\n{prompt}systemctl start nginx\n{prompt}# {comment}\n{prompt}{then}\n{prompt}# 检查\n{prompt}curl -s http://127.0.0.1/health\n```\n"
    )
    .replace("# # ", "# ")
}

#[test]
fn a_comment_that_makes_the_lines_under_it_conditional_keeps_them_manual() {
    for prompt in ["# ", "", "$ "] {
        for (comment, then) in [
            (
                "如果启动失败，清理 pid 后再启动",
                "rm -f /var/run/nginx.pid",
            ),
            ("若端口被占用，先停掉旧进程", "pkill -f old-nginx"),
            ("可选：设置开机自启", "systemctl enable nginx"),
            ("也可以用下面的命令启动", "service nginx start"),
            ("如遇到权限报错，执行", "chown -R nginx /var/log/nginx"),
            ("回滚：恢复旧配置", "cp -a /etc/nginx.bak/. /etc/nginx/"),
            (
                "if the port is taken, stop the old one",
                "pkill -f old-nginx",
            ),
            ("optional: start at boot", "systemctl enable nginx"),
        ] {
            // Under a root prompt, an English sentence has the form of a command: not read.
            if prompt == "# " && comment.is_ascii() {
                continue;
            }
            let text = commented(prompt, comment, then);
            let c = plan(&text);
            let at = format!("{prompt:?} {comment}");
            // The line before the comment and the look after the next comment run as before.
            assert_eq!(
                hosts_of(&c, &text, "systemctl start nginx"),
                set(&["lb-1", "lb-2"]),
                "{at}"
            );
            assert_eq!(
                hosts_of(&c, &text, "curl -s"),
                set(&["lb-1", "lb-2"]),
                "{at}"
            );
            // The line under the comment is a person's, said at the comment's line.
            assert!(hosts_of(&c, &text, then).is_empty(), "{at}: runs");
            assert!(is_manual(&c, &text, then), "{at}: not manual");
            let w = c
                .diagnostics
                .iter()
                .find(|d| d.code == "W046" && d.line == line_of(&text, then));
            let w = w.unwrap_or_else(|| panic!("{at}: no W046"));
            let said = format!("line {}", line_of(&text, comment));
            assert!(w.message.contains(&said), "{at}: {}", w.message);
        }
    }
}

#[test]
fn comments_that_only_say_what_the_lines_do_change_nothing() {
    for prompt in ["# ", ""] {
        for (comment, then) in [
            ("设置开机自启", "systemctl enable nginx"),
            ("清理旧的 pid 文件", "rm -f /var/run/nginx.pid"),
            ("start at boot", "systemctl enable nginx"),
        ] {
            let text = commented(prompt, comment, then);
            let c = plan(&text);
            assert_eq!(
                hosts_of(&c, &text, then),
                set(&["lb-1", "lb-2"]),
                "{prompt:?} {comment}"
            );
            assert!(!c.diagnostics.iter().any(|d| d.code == "W046"), "{comment}");
        }
    }
}
