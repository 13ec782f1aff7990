//! Issue #11, which hosts (items 9–12 and the `node[1-3]` part of 4): section titles and
//! sentences that say which hosts by a count, by the last parts of addresses, by role words.
//! Each rule on small runbooks of our own, in several phrasings, with phrasings that must stay
//! manual: an automated step never runs on a host the text does not mean.

mod common;
use common::plan::{hosts_of, is_manual, plan, set};

/// Three cache nodes, a jump host, and (in `TWO_GROUPS`) two web servers.
const THREE: &str = "# 缓存集群部署\n\n所有操作先登录堡垒机 jump-a（10.7.0.9）。\n\n| 主机名 | IP |\n|---|---|\n| cache-01 | 10.7.1.11 |\n| cache-02 | 10.7.1.12 |\n| cache-03 | 10.7.1.13 |\n\n";
const TWO_GROUPS: &str = "# 门户升级（三节点缓存 + 两台 web）\n\n| 主机名 | IP |\n|---|---|\n| cache-01 | 10.7.1.11 |\n| cache-02 | 10.7.1.12 |\n| cache-03 | 10.7.1.13 |\n| web-01 | 10.7.2.21 |\n| web-02 | 10.7.2.22 |\n\n";

// ---- item 9: a section title that counts the machines of its steps ----

#[test]
fn a_title_that_counts_the_machines_names_the_group_of_that_size() {
    for title in [
        "## 二、基础环境（三台都要做）",
        "## 2 安装依赖（三台）",
        "## 第 2 步：安装依赖（3 台均执行）",
        "## 二、三台机器都要做的准备",
        "## 2. 所有节点安装依赖",
    ] {
        let text = format!("{THREE}{title}\n\n1. 安装依赖：\n\n```\n# yum install -y nc\n# mkdir -p /data/cache\n```\n");
        let c = plan(&text);
        let want = set(&["cache-01", "cache-02", "cache-03"]);
        assert_eq!(hosts_of(&c, &text, "mkdir -p /data/cache"), want, "{title}");
    }
    // With two groups, the count picks the one of that size.
    let text = format!("{TWO_GROUPS}## 3 部署（两台都执行）\n\n```\n# mkdir -p /data/www\n```\n\n## 4 缓存（三台都执行）\n\n```\n# mkdir -p /data/cache\n```\n");
    let c = plan(&text);
    assert_eq!(
        hosts_of(&c, &text, "mkdir -p /data/www"),
        set(&["web-01", "web-02"])
    );
    assert_eq!(
        hosts_of(&c, &text, "mkdir -p /data/cache"),
        set(&["cache-01", "cache-02", "cache-03"])
    );
}

#[test]
fn a_title_count_yields_to_a_sentence_of_its_section() {
    let text = format!("{THREE}## 二、配置（三台都要做）\n\n只在 cache-02 上执行：\n\n```\n# mkdir -p /data/only-two\n```\n");
    let c = plan(&text);
    assert_eq!(
        hosts_of(&c, &text, "mkdir -p /data/only-two"),
        set(&["cache-02"])
    );
}

#[test]
fn a_count_that_fits_nothing_or_only_describes_the_subject_stays_manual() {
    // Two of three, and no group of two: which two is not said.
    let text = format!("{THREE}## 二、准备（两台都执行）\n\n```\n# mkdir -p /data/two\n```\n");
    let c = plan(&text);
    assert!(hosts_of(&c, &text, "mkdir -p /data/two").is_empty());
    assert!(is_manual(&c, &text, "mkdir -p /data/two"));
    // `三节点` in the document's title says what is built, not where a section runs.
    let text = format!("{TWO_GROUPS}## 5 清理\n\n```\n# mkdir -p /data/unsaid\n```\n");
    let c = plan(&text);
    assert!(hosts_of(&c, &text, "mkdir -p /data/unsaid").is_empty());
    assert!(is_manual(&c, &text, "mkdir -p /data/unsaid"));
}

// ---- item 4: machines called by the last part of their address ----

const OCTETS: &str = "# 扩容\n\n| 主机名 | IP |\n|---|---|\n| zn1 | 10.4.8.31 |\n| zn2 | 10.4.8.32 |\n| zn3 | 10.4.8.33 |\n| zn4 | 10.4.8.34 |\n| zn5 | 10.4.8.35 |\n\n下文用 IP 末位指代机器。\n\n";

#[test]
fn a_title_naming_last_octets_names_those_servers() {
    for (title, want) in [
        ("### 3.1 基础环境（34、35）", &["zn4", "zn5"][..]),
        ("### 3.1 基础环境（34,35）", &["zn4", "zn5"][..]),
        (
            "## 四、修改配置（31 ~ 35 全部）",
            &["zn1", "zn2", "zn3", "zn4", "zn5"][..],
        ),
        ("## 四、修改配置（32-34）", &["zn2", "zn3", "zn4"][..]),
        ("### 3.2 拷贝目录（在 31 上执行）", &["zn1"][..]),
    ] {
        let text = format!("{OCTETS}{title}\n\n```\n# mkdir -p /data/zk\n```\n");
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "mkdir -p /data/zk"),
            set(want),
            "{title}"
        );
    }
    // Numbers that end no server's address, or a range past the last one: nothing.
    for title in [
        "### 3.1 调整参数（60、70）",
        "## 四、修改配置（31 ~ 36）",
        "## 四、升级到 3.5（约 20-30 分钟）",
    ] {
        let text = format!("{OCTETS}{title}\n\n```\n# mkdir -p /data/zk\n```\n");
        let c = plan(&text);
        assert!(
            hosts_of(&c, &text, "mkdir -p /data/zk").is_empty(),
            "{title}"
        );
    }
}

#[test]
fn an_order_of_last_octets_names_those_servers() {
    let text = format!("{OCTETS}## 5 重启\n\n按 31 → 33 → 32 的顺序逐台重启：\n\n```\n# systemctl restart zk\n```\n");
    let c = plan(&text);
    assert_eq!(
        hosts_of(&c, &text, "systemctl restart zk"),
        set(&["zn1", "zn2", "zn3"])
    );
}

#[test]
fn a_comment_giving_each_host_its_value_makes_the_line_manual() {
    for comment in ["# 34 上写 4，35 上写 5", "# zn4 写 4, zn5 写 5"] {
        let text = format!(
            "{OCTETS}### 3.3 myid（34、35）\n\n```\n# echo 4 > /data/zk/myid      {comment}\n# mkdir -p /data/zk/logs\n```\n"
        );
        let c = plan(&text);
        assert!(hosts_of(&c, &text, "echo 4").is_empty(), "{comment}");
        assert!(is_manual(&c, &text, "echo 4"), "{comment}");
        assert_eq!(
            hosts_of(&c, &text, "mkdir -p /data/zk/logs"),
            set(&["zn4", "zn5"])
        );
    }
}

// ---- item 12: role words for the two sides of a replicated service ----

#[test]
fn role_words_name_the_hosts_whose_name_role_or_remark_says_so() {
    let inventories = [
        // Names that say the side.
        "# 主从\n\n- db-master（10.5.0.1）\n- db-slave（10.5.0.2）\n\n",
        "# 流复制\n\n两台：pgsql-primary（10.5.0.1），pgsql-standby（10.5.0.2）。\n\n",
        // A role column in English.
        "# 副本集\n\n| 主机名 | IP | 角色 |\n|---|---|---|\n| mg-1 | 10.5.0.1 | PRIMARY |\n| mg-2 | 10.5.0.2 | SECONDARY |\n\n",
        // A remark after the address.
        "# 主备\n\n本次两台：ka-1（10.5.0.1，主），ka-2（10.5.0.2，备）。\n\n",
    ];
    let cases = [
        ("主库上建一个测试库：", true),
        ("再做一次写入测试，在主库：", true),
        ("主节点写入一条：", true),
        ("然后去从库查：", false),
        ("备库上确认处于恢复模式：", false),
        ("2. 在所有从节点执行：", false),
    ];
    for inv in inventories {
        let c = plan(inv);
        let names: Vec<String> = c.inventory.hosts.iter().map(|h| h.name.clone()).collect();
        let (first, second) = (names[0].as_str(), names[1].as_str());
        for (lead, primary) in cases {
            let text = format!("{inv}## 5 验证\n\n{lead}\n\n```\n# mkdir -p /data/probe\n```\n");
            let c = plan(&text);
            let want = if primary { first } else { second };
            assert_eq!(
                hosts_of(&c, &text, "mkdir -p /data/probe"),
                set(&[want]),
                "{inv}{lead}"
            );
        }
    }
}

#[test]
fn role_words_that_fit_no_host_or_both_stay_manual() {
    // Nothing says which host is the primary.
    let text = "# 主从\n\n- db-a（10.5.0.1）\n- db-b（10.5.0.2）\n\n## 5 验证\n\n先看一下：\n\n```\n# mkdir -p /data/before\n```\n\n主库上建一个测试库：\n\n```\n# mkdir -p /data/probe\n```\n";
    let c = plan(text);
    assert!(hosts_of(&c, text, "mkdir -p /data/probe").is_empty());
    assert!(is_manual(&c, text, "mkdir -p /data/probe"));
    // One host is called both: the words name nothing.
    let text = "# 主从\n\n- db-master（10.5.0.1，备）\n- db-two（10.5.0.2）\n\n## 5 验证\n\n主库上建一个测试库：\n\n```\n# mkdir -p /data/probe\n```\n";
    let c = plan(text);
    assert!(hosts_of(&c, text, "mkdir -p /data/probe").is_empty());
    // What belongs to the primary is not where the work happens.
    let text = "# 主从\n\n- db-master（10.5.0.1）\n- db-slave（10.5.0.2）\n\n## 5 验证\n\n主库的 binlog 位置记下来，然后执行：\n\n```\n# mkdir -p /data/probe\n```\n";
    let c = plan(text);
    assert!(!hosts_of(&c, text, "mkdir -p /data/probe").contains("db-master"));
}

#[test]
fn subsections_numbered_from_one_again_take_their_chapter_s_count() {
    // `## 一、准备（三台都执行）` then `### 1. …`, `### 2. …`: parts of that chapter.
    for (chapter, sub1, sub2) in [
        (
            "## 一、准备（三台都执行）",
            "### 1. 写 hosts",
            "### 2. 用户与目录",
        ),
        (
            "## 二、基础环境（3 台均执行）",
            "### 1 关闭 swap",
            "### 2 建目录",
        ),
        ("## 第一步 所有节点都要做", "### 1、内核参数", "### 2、目录"),
    ] {
        let text = format!("{THREE}{chapter}\n\n{sub1}\n\n```\n# mkdir -p /data/s1\n```\n\n{sub2}\n\n```\n# mkdir -p /data/s2\n```\n\n## 三、启动\n\n### 1. 首台\n\n```\n# mkdir -p /data/s3\n```\n");
        let c = plan(&text);
        let want = set(&["cache-01", "cache-02", "cache-03"]);
        assert_eq!(hosts_of(&c, &text, "mkdir -p /data/s1"), want, "{chapter}");
        assert_eq!(hosts_of(&c, &text, "mkdir -p /data/s2"), want, "{chapter}");
        // The next chapter's subsection does not inherit the count.
        assert!(
            hosts_of(&c, &text, "mkdir -p /data/s3").is_empty(),
            "{chapter}"
        );
    }
    // A chapter that says one host: its restarted subsections stay on that host only.
    let text = format!("{THREE}## 二、初始化（只在 cache-01 上执行）\n\n### 1. 建目录\n\n```\n# mkdir -p /data/one\n```\n\n### 2. 再建\n\n```\n# mkdir -p /data/two\n```\n");
    let c = plan(&text);
    assert_eq!(
        hosts_of(&c, &text, "mkdir -p /data/one"),
        set(&["cache-01"])
    );
    assert_eq!(
        hosts_of(&c, &text, "mkdir -p /data/two"),
        set(&["cache-01"])
    );
}
