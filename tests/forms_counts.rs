//! Issue #11, counts of machines that name none (`两台都执行`, `R2 在三台上都执行`, `全部 5 台`):
//! the count resolves to the set named nearby with exactly that many members, and stays manual
//! (saying which sets would fit) when the nearest set has another size or two sets fit.
//! Each rule on small runbooks of our own, in several phrasings, with the cases that must stay
//! manual.

mod common;
use common::plan::{automated, codes_at, hosts_of, is_manual, manual_on, plan, set, whys_of};

// ---- a group the same sentence names ----

/// Two name servers and two brokers: `两台` alone could be either pair.
const MQ: &str = "# 补丁回退\n\n| 主机 | IP | 部署组件 |\n|---|---|---|\n| mq-ns01 | 10.8.0.11 | NameServer |\n| mq-ns02 | 10.8.0.12 | NameServer |\n| mq-bk01 | 10.8.0.21 | Broker |\n| mq-bk02 | 10.8.0.22 | Broker |\n\n## 1 回退\n\n";

#[test]
fn a_count_with_the_group_it_counts_in_the_same_sentence_is_that_group() {
    for sentence in [
        "回退 NameServer，两台命令相同，逐台执行：",
        "NameServer 两台都执行：",
        "接着处理 NameServer，两台均执行：",
    ] {
        let text = format!("{MQ}{sentence}\n\n```\n# sh /opt/mq/bin/mqshutdown namesrv\n```\n");
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "mqshutdown namesrv"),
            set(&["mq-ns01", "mq-ns02"]),
            "{sentence}"
        );
        let why = whys_of(&c, &text, "mqshutdown namesrv").join(" ");
        assert!(why.contains("NameServer"), "{sentence}: {why}");
    }
}

#[test]
fn one_at_a_time_words_keep_their_meaning_on_a_resolved_count() {
    let text = format!(
        "{MQ}回退 NameServer，两台命令相同，逐台执行：\n\n```\n# sh /opt/mq/bin/mqshutdown namesrv\n```\n"
    );
    let c = plan(&text);
    let step = c
        .plan
        .steps
        .iter()
        .find(|s| s.text.contains("mqshutdown"))
        .expect("a step");
    assert!(
        step.gates
            .iter()
            .any(|g| g.host == "mq-ns02" && g.after.iter().any(|a| a.host == "mq-ns01")),
        "mq-ns02 waits for mq-ns01: {:?}",
        step.gates
    );
}

#[test]
fn a_count_that_differs_from_the_group_the_sentence_names_stays_manual() {
    for sentence in ["回退 Broker，三台都执行：", "NameServer 三台都执行："] {
        let text = format!("{MQ}{sentence}\n\n```\n# sh /opt/mq/bin/mqshutdown namesrv\n```\n");
        let c = plan(&text);
        assert!(hosts_of(&c, &text, "mqshutdown").is_empty(), "{sentence}");
        assert!(is_manual(&c, &text, "mqshutdown"), "{sentence}");
    }
}

// ---- the table row the sentence points at ----

const ROWS: &str = "# 升级回退\n\n| 服务器名 | IP 地址 | 用途 |\n|---|---|---|\n| ig-web01 | 10.6.2.11 | 前台 |\n| ig-app01 | 10.6.2.21 | 影像服务 |\n| ig-app02 | 10.6.2.22 | 影像服务 |\n| ig-ocr01 | 10.6.2.31 | OCR |\n\n## 5 回退\n\n| 步骤 | 操作内容 | 执行服务器 |\n|---|---|---|\n| R1 | 停止服务 | ig-app01、ig-app02 |\n| R2 | 还原程序目录 | ig-app01、ig-app02、ig-ocr01 |\n\n";

#[test]
fn a_count_after_a_step_id_is_the_hosts_of_that_row() {
    for sentence in [
        "R2 在三台上都执行：",
        "R2 三台都执行：",
        "步骤 R2：三台均执行",
    ] {
        let text = format!("{ROWS}{sentence}\n\n```\n$ mv imgsys imgsys_failed\n```\n");
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "mv imgsys"),
            set(&["ig-app01", "ig-app02", "ig-ocr01"]),
            "{sentence}"
        );
    }
    let text = format!("{ROWS}R1 两台都执行：\n\n```\n$ imgctl stop\n```\n");
    let c = plan(&text);
    assert_eq!(
        hosts_of(&c, &text, "imgctl stop"),
        set(&["ig-app01", "ig-app02"])
    );
}

#[test]
fn a_count_that_differs_from_the_row_it_points_at_stays_manual() {
    for sentence in ["R2 在两台上都执行：", "R1 三台都执行："] {
        let text = format!("{ROWS}{sentence}\n\n```\n$ mv imgsys imgsys_failed\n```\n");
        let c = plan(&text);
        assert!(hosts_of(&c, &text, "mv imgsys").is_empty(), "{sentence}");
        assert!(is_manual(&c, &text, "mv imgsys"), "{sentence}");
    }
}

// ---- the hosts the same section named last ----

/// Two balancers and two backends: `两台` alone could be either pair.
const PAIRS: &str = "# 双机热备\n\n- 负载均衡：lb-01（10.1.3.11）、lb-02（10.1.3.12）\n- 后端：web-01（10.1.3.21）、web-02（10.1.3.22）\n\n## 二、安装\n\n";

#[test]
fn a_count_after_a_sentence_of_the_section_naming_that_many_is_those_hosts() {
    for (first, then) in [
        ("lb-01、lb-02 都执行：", "然后两台都执行："),
        ("在 lb-01 和 lb-02 上安装：", "两台均启动："),
        ("登录 lb-01、lb-02：", "两台都要执行："),
    ] {
        let text = format!(
            "{PAIRS}{first}\n\n```\n# yum install -y nginx\n```\n\n{then}\n\n```\n# systemctl start nginx\n```\n"
        );
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "systemctl start nginx"),
            set(&["lb-01", "lb-02"]),
            "{first} / {then}"
        );
        let why = whys_of(&c, &text, "systemctl start nginx").join(" ");
        assert!(why.contains("line"), "{why}");
    }
}

#[test]
fn a_count_whose_nearest_named_set_has_another_size_stays_manual() {
    for (first, then) in [
        ("在 lb-01 上执行：", "然后两台都执行："),
        ("lb-01、lb-02、web-01 都执行：", "两台均执行："),
    ] {
        let text = format!(
            "{PAIRS}{first}\n\n```\n# yum install -y nginx\n```\n\n{then}\n\n```\n# systemctl start nginx\n```\n"
        );
        let c = plan(&text);
        assert!(
            hosts_of(&c, &text, "systemctl start nginx").is_empty(),
            "{first} / {then}"
        );
        assert!(is_manual(&c, &text, "systemctl start nginx"));
    }
}

#[test]
fn a_count_never_reaches_the_hosts_of_another_section_and_names_the_candidates() {
    for title in ["## 三、检查脚本", "## 三、检查脚本（两台）"] {
        let text = format!(
            "{PAIRS}lb-01、lb-02 都执行：\n\n```\n# yum install -y nginx\n```\n\n{title}\n\n两台都创建脚本：\n\n```\n# touch /etc/keepalived/check.sh\n```\n"
        );
        let c = plan(&text);
        assert!(hosts_of(&c, &text, "touch /etc").is_empty(), "{title}");
        assert!(is_manual(&c, &text, "touch /etc"), "{title}");
        let why = whys_of(&c, &text, "touch /etc").join(" ");
        assert!(
            why.contains("lb-01, lb-02 or web-01, web-02"),
            "{title}: {why}"
        );
    }
}

// ---- `全部 N 台`: the host table of that many servers ----

const TABLE: &str = "# 脚本部署\n\n脚本放在文件服务器 ln-ftp（10.66.1.10）上。\n\n| 主机名 | IP | 角色 |\n|---|---|---|\n| ln-bat01 | 10.66.4.31 | 批处理服务器 |\n| ln-bat02 | 10.66.4.32 | 批处理服务器 |\n| ln-api01 | 10.66.4.41 | 接口服务器 |\n| ln-api02 | 10.66.4.42 | 接口服务器 |\n| ln-api03 | 10.66.4.43 | 接口服务器 |\n\n## 5 回退\n\n1）ln-bat01 上删除定时任务：\n\n```\n# rm -f /etc/cron.d/eod\n```\n\n";

#[test]
fn all_n_machines_is_the_host_table_of_n_servers() {
    for sentence in [
        "2）全部 5 台恢复脚本目录：",
        "所有 5 台服务器都执行：",
        "全部五台执行：",
    ] {
        let text = format!(
            "{TABLE}{sentence}\n\n```\n$ cp -a /opt/ops/bak/scripts /opt/ops/scripts\n```\n"
        );
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "cp -a /opt/ops/bak"),
            set(&["ln-bat01", "ln-bat02", "ln-api01", "ln-api02", "ln-api03"]),
            "{sentence}"
        );
    }
}

#[test]
fn all_n_machines_with_no_table_of_n_servers_stays_manual() {
    for sentence in ["全部 4 台恢复脚本目录：", "所有 3 台都执行："] {
        let text = format!(
            "{TABLE}{sentence}\n\n```\n$ cp -a /opt/ops/bak/scripts /opt/ops/scripts\n```\n"
        );
        let c = plan(&text);
        assert!(
            hosts_of(&c, &text, "cp -a /opt/ops/bak").is_empty(),
            "{sentence}"
        );
        assert!(is_manual(&c, &text, "cp -a /opt/ops/bak"), "{sentence}");
    }
}

// ---- a comment in a block that names the host of the lines under it ----

const K8S: &str = "# 集群部署（一主两从）\n\n| 角色 | 主机名 | IP |\n|---|---|---|\n| master | kc-master | 172.20.5.10 |\n| node | kc-node1 | 172.20.5.11 |\n| node | kc-node2 | 172.20.5.12 |\n\n## 1 设置主机名\n\n三台机器各自设置自己的主机名：\n\n```\n";

#[test]
fn comments_naming_one_host_each_send_their_lines_to_that_host() {
    for (m, n1, n2) in [
        ("# master 节点", "# node1 节点", "# node2 节点"),
        (
            "# 在 kc-master 上执行",
            "# 在 kc-node1 上执行",
            "# 在 kc-node2 上执行",
        ),
        ("# kc-master:", "# kc-node1:", "# kc-node2："),
        ("# 仅在 master 上操作", "# node1", "# 只在 node2 节点执行"),
        // By address.
        (
            "# 172.20.5.10",
            "# 172.20.5.11 节点",
            "# 在 172.20.5.12 上执行",
        ),
    ] {
        let text = format!(
            "{K8S}{m}\nhostnamectl set-hostname kc-master\n{n1}\nhostnamectl set-hostname kc-node1\n\n{n2}\nhostnamectl set-hostname kc-node2\necho done-node2\n```\n"
        );
        let c = plan(&text);
        for (line, host) in [
            ("set-hostname kc-master", "kc-master"),
            ("set-hostname kc-node1", "kc-node1"),
            ("set-hostname kc-node2", "kc-node2"),
            ("echo done-node2", "kc-node2"),
        ] {
            assert_eq!(hosts_of(&c, &text, line), set(&[host]), "{m} / {line}");
        }
        let why = whys_of(&c, &text, "set-hostname kc-node1").join(" ");
        assert!(why.contains("comment"), "{why}");
    }
}

#[test]
fn a_block_whose_comments_do_not_each_name_one_host_is_not_split() {
    for (label, block) in [
        (
            "a comment that names no host",
            "# 设置主机名\nhostnamectl set-hostname kc-master\n# node1 节点\nhostnamectl set-hostname kc-node1\n",
        ),
        (
            "a line under no comment",
            "hostnamectl set-hostname kc-master\n# node1 节点\nhostnamectl set-hostname kc-node1\n",
        ),
        (
            "a comment naming two hosts",
            "# master 节点\nhostnamectl set-hostname kc-master\n# node1、node2 节点\nhostnamectl set-hostname kc-node1\n",
        ),
        (
            "a role of two hosts",
            "# master 节点\nhostnamectl set-hostname kc-master\n# node 节点\nhostnamectl set-hostname kc-node1\n",
        ),
        (
            "a comment that says more than where",
            "# master 节点\nhostnamectl set-hostname kc-master\n# 把 node1 的名字改掉\nhostnamectl set-hostname kc-node1\n",
        ),
    ] {
        let text = format!("{K8S}{block}```\n");
        let c = plan(&text);
        // Neither split nor run on every host: a person's step, said with W090.
        for line in ["set-hostname kc-master", "set-hostname kc-node1"] {
            assert!(hosts_of(&c, &text, line).is_empty(), "{label}: {line}");
        }
        assert!(
            c.diagnostics.iter().any(|d| d.code == "W090"),
            "{label}: {:?}",
            c.diagnostics.iter().map(|d| d.code).collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_label_comment_over_lines_that_are_not_commands_keeps_them_off_other_hosts() {
    let text = format!("{K8S}# master 节点\n期望输出：Static hostname: kc-master\n```\n");
    let c = plan(&text);
    assert!(hosts_of(&c, &text, "Static hostname").is_empty());
}

#[test]
fn one_label_comment_agreeing_with_the_sentence_runs_there() {
    let text = "# 集群部署（一主两从）\n\n| 角色 | 主机名 | IP |\n|---|---|---|\n| master | kc-master | 172.20.5.10 |\n| node | kc-node1 | 172.20.5.11 |\n| node | kc-node2 | 172.20.5.12 |\n\n## 1 初始化\n\n在 kc-master 上执行：\n\n```\n# 在 master 上执行\nkubeadm init --config kubeadm.yaml\n```\n";
    let c = plan(text);
    assert_eq!(hosts_of(&c, text, "kubeadm init"), set(&["kc-master"]));
    assert!(codes_at(&c, text, "kubeadm init").is_empty());
}

#[test]
fn a_comment_naming_a_host_the_sentence_does_not_is_not_obeyed() {
    let text = "# 集群部署（一主两从）\n\n| 角色 | 主机名 | IP |\n|---|---|---|\n| master | kc-master | 172.20.5.10 |\n| node | kc-node1 | 172.20.5.11 |\n| node | kc-node2 | 172.20.5.12 |\n\n## 1 设置主机名\n\n在 kc-master 上执行：\n\n```\n# node1 节点\nhostnamectl set-hostname kc-node1\n```\n";
    let c = plan(text);
    assert!(hosts_of(&c, text, "set-hostname kc-node1").is_empty());
    assert!(c.plan.steps.iter().any(
        |s| s.kind == rbc::plan::StepKind::Manual && s.source.contains("set-hostname kc-node1")
    ));
    assert!(c.diagnostics.iter().any(|d| d.code == "W090"));
}

/// Two nodes, and a block for both of them whose comment names one of them above commands.
const NODES: &str = "# 集群部署（一主两从）\n\n| 角色 | 主机名 | IP |\n|---|---|---|\n| master | kc-master | 172.20.5.10 |\n| node | kc-node1 | 172.20.5.11 |\n| node | kc-node2 | 172.20.5.12 |\n\n## 2 重置节点\n\n在所有 node 节点执行：\n\n```\n";

#[test]
fn a_comment_naming_one_of_the_blocks_hosts_keeps_the_lines_under_it_manual() {
    for (label, block) in [
        (
            "a root-prompt block, the host's name with a colon",
            "# kubeadm reset -f\n# kc-node2: 这台还要清理 cni\n# systemctl restart kubelet\n",
        ),
        (
            "a root-prompt block, the name's tail",
            "# kubeadm reset -f\n# node2 上另外执行\n# systemctl restart kubelet\n",
        ),
        (
            "no prompts",
            "kubeadm reset -f\n# kc-node2 这台额外执行\nsystemctl restart kubelet\n",
        ),
        (
            "by address",
            "$ kubeadm reset -f\n$ # 172.20.5.12 还需要\n$ systemctl restart kubelet\n",
        ),
    ] {
        let text = format!("{NODES}{block}```\n");
        let c = plan(&text);
        // The line above the comment is the block's, for both nodes.
        assert_eq!(
            hosts_of(&c, &text, "kubeadm reset"),
            set(&["kc-node1", "kc-node2"]),
            "{label}"
        );
        // From the comment on: never run on kc-node1 on a guess, nor dropped — one manual
        // step at the comment's line, on each node, that holds the lines under it.
        assert!(hosts_of(&c, &text, "restart kubelet").is_empty(), "{label}");
        let comment = ["这台还要", "node2 上另外", "这台额外", "172.20.5.12 还需要"]
            .into_iter()
            .find(|n| block.contains(n))
            .unwrap();
        assert_eq!(
            manual_on(&c, &text, comment),
            set(&["kc-node1", "kc-node2"]),
            "{label}"
        );
        let manual = c
            .plan
            .steps
            .iter()
            .find(|s| s.kind == rbc::plan::StepKind::Manual);
        assert!(
            manual.is_some_and(
                |s| s.source.contains("restart kubelet") && !s.source.contains("kubeadm reset")
            ),
            "{label}"
        );
        let w = c.diagnostics.iter().find(|d| d.code == "W090");
        let w = w.unwrap_or_else(|| panic!("{label}: no W090"));
        assert!(w.message.contains("kc-node2"), "{label}: {}", w.message);
        // The comment is never a command of its own.
        assert!(!c
            .plan
            .steps
            .iter()
            .any(|s| automated(s.kind) && s.text.contains("这台")));
    }
}

#[test]
fn comments_that_leave_the_lines_for_every_host_of_the_block_change_nothing() {
    for (label, block) in [
        (
            "a host outside the block (where the work began)",
            "# kc-master 上已经完成 init\nsystemctl enable kubelet\nsystemctl restart kubelet\n",
        ),
        (
            "every host of the block",
            "# kc-node1、kc-node2 都要执行\nsystemctl enable kubelet\nsystemctl restart kubelet\n",
        ),
        (
            "after the last command (what to expect)",
            "systemctl enable kubelet\nsystemctl restart kubelet\n# kc-node1 会显示 NotReady\n",
        ),
        (
            "in the text of a here-document",
            "cat > /etc/sysconfig/kubelet <<EOF\n# kc-node2 节点的参数\nKUBELET_EXTRA_ARGS=\nEOF\nsystemctl enable kubelet\nsystemctl restart kubelet\n",
        ),
        (
            "with prompts, a host outside the block",
            "# systemctl enable kubelet\n# kc-master 上已经完成 init\n# systemctl restart kubelet\n",
        ),
    ] {
        let text = format!("{NODES}{block}```\n");
        let c = plan(&text);
        for line in ["systemctl enable kubelet", "systemctl restart kubelet"] {
            assert_eq!(
                hosts_of(&c, &text, line),
                set(&["kc-node1", "kc-node2"]),
                "{label}: {line}"
            );
        }
        assert!(!c.diagnostics.iter().any(|d| d.code == "W090"), "{label}");
    }
}

// ---- a sentence after a block that names where the block runs ----

const AFTER: &str = "# 集群检查\n\n| 主机名 | IP |\n|---|---|\n| ec-01 | 10.30.8.21 |\n| ec-02 | 10.30.8.22 |\n| ec-03 | 10.30.8.23 |\n\n## 5 验证\n\n### 5.1 状态\n\n在 ec-01 上执行：\n\n```bash\netcdctl endpoint status\n```\n\n### 5.2 写入测试\n\n```bash\netcdctl put /smoke/ok 1\n```\n\n";

#[test]
fn a_sentence_after_a_block_pointing_back_at_it_names_its_host() {
    for after in [
        "上面这条同样在 ec-01 上执行，写入的是 ec-02 的端点。",
        "上面的命令在 ec-02 上执行。",
        "以上命令请登录 ec-03 执行。",
    ] {
        let text = format!("{AFTER}{after}\n");
        let c = plan(&text);
        let want = ["ec-01", "ec-02", "ec-03"]
            .into_iter()
            .find(|h| after.contains(&format!(" {h} ")))
            .unwrap();
        assert_eq!(hosts_of(&c, &text, "etcdctl put"), set(&[want]), "{after}");
    }
}

#[test]
fn a_sentence_after_a_block_that_adds_a_host_or_does_not_point_back_is_no_host_for_it() {
    for after in [
        "上面这条也要在 ec-02 上执行。",
        "然后在 ec-02 上执行下一步。",
    ] {
        let text = format!("{AFTER}{after}\n");
        let c = plan(&text);
        assert_ne!(
            hosts_of(&c, &text, "etcdctl put"),
            set(&["ec-02"]),
            "{after}"
        );
    }
}
