//! Issue #11, which hosts a line means when the text names no host outright: the side of a
//! client/server service a role says (`服务端配置`, `只读客户端`), the rows of an operation table
//! that point at a section, counts written with `的`, `任意一台`. Each rule on small runbooks of
//! our own, in several phrasings, with phrasings that must stay manual: an automated step never
//! runs on a host the text does not mean.

mod common;
use common::plan::{automated, hosts_of, is_manual, line_of, plan, set};

use rbc::plan::StepKind;

// ---- server / client sides of a service (item 12) ----

/// A share server and three clients, two writing and one reading, as a ✓ matrix.
const SHARE: &str = "# 共享目录上线\n\n| 主机 | IP | 共享服务端 | 共享客户端（写） | 共享客户端（读） |\n|---|---|:---:|:---:|:---:|\n| st-a | 10.9.4.10 | ✓ | | |\n| wk-1 | 10.9.4.21 | | ✓ | |\n| wk-2 | 10.9.4.22 | | ✓ | |\n| rp-1 | 10.9.4.31 | | | ✓ |\n\n";

#[test]
fn a_title_naming_a_side_names_the_servers_whose_role_is_that_side() {
    for (server_title, clients_title, readers_title) in [
        ("## 2 服务端准备", "## 3 客户端准备", "### 3.2 读客户端"),
        (
            "## 二、共享服务端",
            "## 三、全部客户端",
            "### 3.2 客户端（读）",
        ),
        (
            "## 2. 在服务端上操作",
            "## 3. 各客户端",
            "### 3.2 读客户端的挂载",
        ),
    ] {
        let text = format!(
            "{SHARE}{server_title}\n\n```\n# mkdir -p /srv/share\n```\n\n{clients_title}\n\n### 3.1 公共\n\n```\n# mkdir -p /mnt/common\n```\n\n{readers_title}\n\n```\n# mkdir -p /mnt/share/ro\n```\n"
        );
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "mkdir -p /srv/share"),
            set(&["st-a"]),
            "{server_title}"
        );
        assert_eq!(
            hosts_of(&c, &text, "mkdir -p /mnt/common"),
            set(&["wk-1", "wk-2", "rp-1"]),
            "{clients_title}"
        );
        assert_eq!(
            hosts_of(&c, &text, "mkdir -p /mnt/share/ro"),
            set(&["rp-1"]),
            "{readers_title}"
        );
    }
}

#[test]
fn a_sentence_naming_a_side_where_the_work_happens_names_those_servers() {
    for (sentence, want) in [
        ("在写客户端上执行：", vec!["wk-1", "wk-2"]),
        ("各客户端执行：", vec!["wk-1", "wk-2", "rp-1"]),
        ("服务端停止导出：", vec!["st-a"]),
        ("然后到读客户端上检查：", vec!["rp-1"]),
    ] {
        let text = format!("{SHARE}## 5 收尾\n\n{sentence}\n\n```\n# mkdir -p /data/tmp5\n```\n");
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "mkdir -p /data/tmp5"),
            set(&want),
            "{sentence}"
        );
    }
}

#[test]
fn a_side_with_a_qualifier_no_role_has_or_no_side_role_names_nothing() {
    // `旧客户端`: a kind of client no role says; `客户端` in a runbook whose roles name no
    // side: people's machines, not servers.
    for sentence in ["在旧客户端上执行：", "在 Windows 客户端上执行："] {
        let text = format!("{SHARE}## 5 收尾\n\n{sentence}\n\n```\n# mkdir -p /data/tmp5\n```\n");
        let c = plan(&text);
        assert!(
            hosts_of(&c, &text, "mkdir -p /data/tmp5").is_empty(),
            "{sentence}"
        );
        assert!(is_manual(&c, &text, "mkdir -p /data/tmp5"), "{sentence}");
    }
    let plain = "# 上线\n\n| 主机 | IP | 角色 |\n|---|---|---|\n| ap-1 | 10.9.5.1 | 应用 |\n| db-1 | 10.9.5.2 | 数据库 |\n\n## 3 客户端配置\n\n```\n# mkdir -p /data/c3\n```\n";
    let c = plan(plain);
    assert!(hosts_of(&c, plain, "mkdir -p /data/c3").is_empty());
    assert!(is_manual(&c, plain, "mkdir -p /data/c3"));
}

#[test]
fn a_numbered_sentence_or_the_role_s_own_product_word_before_a_side_is_no_qualifier() {
    let text = format!("{SHARE}## 5 收尾\n\n5.1 客户端卸载：\n\n```\n# mkdir -p /data/tmp51\n```\n\n5.2 共享服务端清理：\n\n```\n# mkdir -p /data/tmp52\n```\n");
    let c = plan(&text);
    assert_eq!(
        hosts_of(&c, &text, "mkdir -p /data/tmp51"),
        set(&["wk-1", "wk-2", "rp-1"])
    );
    assert_eq!(hosts_of(&c, &text, "mkdir -p /data/tmp52"), set(&["st-a"]));
    let nfs = "# 上线\n\n| 主机 | IP | NFS 服务端 | NFS 客户端 |\n|---|---|:---:|:---:|\n| st-b | 10.9.6.10 | Y | |\n| cl-1 | 10.9.6.21 | | Y |\n| cl-2 | 10.9.6.22 | | Y |\n\n## 3 配置\n\n在 NFS 客户端上执行：\n\n```\n# mkdir -p /data/c3\n```\n";
    let c = plan(nfs);
    assert_eq!(
        hosts_of(&c, nfs, "mkdir -p /data/c3"),
        set(&["cl-1", "cl-2"])
    );
}

#[test]
fn output_the_text_says_to_compare_with_never_runs_on_the_side_s_servers() {
    for lead in [
        "输出应与下面一致：",
        "结果应与以下一致：",
        "返回应与下列一致：",
    ] {
        let text = format!("{SHARE}## 2 服务端配置\n\n```\n# exportfs -v\n```\n\n{lead}\n\n```\n/srv/share  10.9.4.21(rw,sync)\n```\n");
        let c = plan(&text);
        assert_eq!(hosts_of(&c, &text, "exportfs -v"), set(&["st-a"]), "{lead}");
        let line = line_of(&text, "/srv/share  10.9.4.21");
        assert!(
            c.plan
                .steps
                .iter()
                .all(|s| s.line != line || !automated(s.kind)),
            "{lead}"
        );
    }
}

// ---- an operation table whose rows point at sections ----

const OPS: &str = "# 发布\n\n| 服务器名 | IP 地址 |\n|---|---|\n| fe-1 | 10.9.7.11 |\n| ap-1 | 10.9.7.21 |\n| ap-2 | 10.9.7.22 |\n\n## 一、步骤总表\n\n";

#[test]
fn a_section_an_operation_table_row_points_at_runs_on_the_row_s_hosts() {
    for (table, title_1, title_2) in [
        (
            "| 步骤 | 操作内容 | 执行命令 | 执行服务器 |\n|---|---|---|---|\n| 1 | 挂维护页 | 见 2.1 | fe-1 |\n| 2 | 停应用 | 详见 2.2 | ap-1、ap-2 |\n",
            "### 2.1 挂维护页",
            "### 2.2 停应用",
        ),
        (
            "| 步骤 | 操作内容 | 执行命令 | 执行服务器 |\n|---|---|---|---|\n| 1 | 挂维护页 | 见 2.1 | fe-1 |\n| 2 | 停应用 | `appctl stop` | ap-1、ap-2 |\n",
            "### 2.1 第一步",
            "### 2.2 步骤 2：停应用",
        ),
        (
            "| 序号 | 操作 | 命令 | 主机 |\n|---|---|---|---|\n| 1 | 挂维护页 | 参见第 2.1 节 | fe-1 |\n| 2 | 停应用 | 见 2.2 | ap-1~ap-2 |\n",
            "### 2.1 维护页",
            "### 2.2 应用",
        ),
    ] {
        let text = format!("{OPS}{table}\n## 二、详细命令\n\n{title_1}\n\n```\n# mkdir -p /data/m1\n```\n\n{title_2}\n\n```\n# appctl stop\n# mkdir -p /data/m2\n```\n");
        let c = plan(&text);
        assert_eq!(hosts_of(&c, &text, "mkdir -p /data/m1"), set(&["fe-1"]), "{table}");
        assert_eq!(hosts_of(&c, &text, "mkdir -p /data/m2"), set(&["ap-1", "ap-2"]), "{table}");
        // The row is done by its section: its own command does not run a second time.
        let row = line_of(&text, "| 2 |");
        assert!(
            c.plan.steps.iter().all(|s| s.line != row || s.kind == StepKind::Note),
            "{table}"
        );
    }
}

#[test]
fn a_row_whose_step_title_differs_or_points_nowhere_gives_no_section_its_hosts() {
    // The title gives the step number but another description; the reference names no
    // section: the sections say nothing about where they run.
    let table = "| 步骤 | 操作内容 | 执行命令 | 执行服务器 |\n|---|---|---|---|\n| 1 | 挂维护页 | 见 9.1 | fe-1 |\n| 2 | 停应用 | `appctl stop` | ap-1、ap-2 |\n";
    let text = format!("{OPS}{table}\n## 二、详细命令\n\n### 2.1 挂维护页\n\n```\n# mkdir -p /data/m1\n```\n\n### 2.2 步骤 2：清理缓存\n\n```\n# mkdir -p /data/m2\n```\n");
    let c = plan(&text);
    assert!(hosts_of(&c, &text, "mkdir -p /data/m1").is_empty());
    assert!(hosts_of(&c, &text, "mkdir -p /data/m2").is_empty());
    assert!(is_manual(&c, &text, "mkdir -p /data/m2"));
    // The row with a command still runs it on its hosts.
    assert_eq!(hosts_of(&c, &text, "| 2 |"), set(&["ap-1", "ap-2"]));
}

// ---- a package put on a node beforehand; a place in a file ----

#[test]
fn a_package_uploaded_beforehand_to_a_node_does_not_make_it_the_jump_host() {
    for sentence in [
        "安装包事先上传到 nd1 的 /opt/pkg：",
        "安装包已预先传到 nd1 上：",
    ] {
        let text = format!("# 集群\n\n| 主机 | IP |\n|---|---|\n| nd1 | 10.9.8.1 |\n| nd2 | 10.9.8.2 |\n| nd3 | 10.9.8.3 |\n\n## 2 安装\n\n{sentence}\n\n```\n[root@nd1 pkg]# mkdir -p /opt/module\n```\n\n## 3 准备\n\n三台执行：\n\n```\n# mkdir -p /data/three\n```\n");
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "mkdir -p /opt/module"),
            set(&["nd1"]),
            "{sentence}"
        );
        assert_eq!(
            hosts_of(&c, &text, "mkdir -p /data/three"),
            set(&["nd1", "nd2", "nd3"]),
            "{sentence}"
        );
    }
    // `先上传到 X 上，然后 scp …` still names the jump host: it runs no server's steps.
    let text = "# 集群\n\n| 主机 | IP |\n|---|---|\n| nd1 | 10.9.8.1 |\n| nd2 | 10.9.8.2 |\n\n## 2 安装\n\n安装包先上传到 hop-1 上，然后 scp 到两台节点。\n\n两台执行：\n\n```\n# mkdir -p /data/two\n```\n";
    let c = plan(text);
    assert_eq!(
        hosts_of(&c, text, "mkdir -p /data/two"),
        set(&["nd1", "nd2"])
    );
}

#[test]
fn the_end_or_start_of_a_file_is_no_machine() {
    for lead in ["在末尾加上：", "在文件最后加上：", "在开头加上："] {
        let text = format!("# 集群\n\n| 主机 | IP |\n|---|---|\n| nd1 | 10.9.8.1 |\n| nd2 | 10.9.8.2 |\n\n## 2 准备\n\n两台都执行：\n\n```\n# mkdir -p /data/two\n```\n\n{lead}\n\n```\n# mkdir -p /data/after\n```\n");
        let c = plan(&text);
        let two = set(&["nd1", "nd2"]);
        assert_eq!(hosts_of(&c, &text, "mkdir -p /data/after"), two, "{lead}");
    }
}

// ---- a count inside a port number; a client program one logs in to ----

const THREE: &str = "# 集群\n\n| 主机 | IP |\n|---|---|\n| nd1 | 10.9.8.1 |\n| nd2 | 10.9.8.2 |\n| nd3 | 10.9.8.3 |\n\n## 2 准备（三台都执行）\n\n";

#[test]
fn a_port_number_before_a_word_for_node_is_no_count() {
    for lead in [
        "开放端口（4369 epmd、25672 节点间通信）：",
        "放通 7000 节点通信端口：",
        "开放 8301 节点间通信端口：",
    ] {
        let text = format!("{THREE}{lead}\n\n```\n# mkdir -p /data/ports\n```\n");
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "mkdir -p /data/ports"),
            set(&["nd1", "nd2", "nd3"]),
            "{lead}"
        );
    }
}

#[test]
fn logging_in_to_a_client_program_is_no_unknown_machine() {
    for lead in ["三台分别登录 mysql 执行：", "三台都登录 psql 执行："] {
        let text = format!("{THREE}{lead}\n\n```\n# mkdir -p /data/cli\n```\n");
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "mkdir -p /data/cli"),
            set(&["nd1", "nd2", "nd3"]),
            "{lead}"
        );
    }
    // A machine's name after 登录 is still that machine (one without an IP), not the title's
    // three.
    let text = format!("{THREE}登录 nd7 执行：\n\n```\n# mkdir -p /data/cli\n```\n");
    let c = plan(&text);
    assert_eq!(hosts_of(&c, &text, "mkdir -p /data/cli"), set(&["nd7"]));
}

#[test]
fn a_subsection_naming_a_side_no_role_has_never_takes_its_chapter_s_group() {
    // `### 3.2 旧客户端` under `## 3 客户端配置`: machines rbc cannot tell, never all the
    // clients of the chapter; a sibling naming a known side keeps its own.
    for (sub, other) in [
        ("### 3.2 旧客户端", "### 3.3 读客户端"),
        ("### 3.2 临时客户端的清理", "### 3.3 客户端（读）"),
        ("3.2 测试客户端", "3.3 读客户端"),
    ] {
        let text = format!(
            "{SHARE}## 3 客户端配置\n\n### 3.1 公共\n\n```\n# mkdir -p /mnt/c31\n```\n\n{sub}\n\n```\n# mkdir -p /mnt/c32\n```\n\n{other}\n\n```\n# mkdir -p /mnt/c33\n```\n"
        );
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "mkdir -p /mnt/c31"),
            set(&["wk-1", "wk-2", "rp-1"]),
            "{sub}"
        );
        assert!(hosts_of(&c, &text, "mkdir -p /mnt/c32").is_empty(), "{sub}");
        assert!(is_manual(&c, &text, "mkdir -p /mnt/c32"), "{sub}");
        assert_eq!(
            hosts_of(&c, &text, "mkdir -p /mnt/c33"),
            set(&["rp-1"]),
            "{other}"
        );
    }
}

// ---- the jump host as the place of the work (item 5) ----

const VIA_JUMP: &str = "# 发布\n\n所有操作先登录跳板机 jb-1（10.9.7.5），再从跳板机 ssh 到目标机器。\n\n| 角色 | 主机名 | IP |\n|---|---|---|\n| 应用 | ap-1 | 10.9.7.21 |\n| 应用 | ap-2 | 10.9.7.22 |\n\n## 3 准备\n\n";

#[test]
fn work_placed_on_the_jump_host_is_manual_and_never_on_the_servers() {
    for sentence in [
        "在跳板机 jb-1 上核对 MD5，一致才能继续：",
        "仍在跳板机上执行，把介质推到两台应用服务器：",
        "还是在堡垒机上，检查介质：",
        "在 jb-1 上执行：",
    ] {
        let text = format!("{VIA_JUMP}{sentence}\n\n```\n$ md5sum /data/rel/app.war\n```\n");
        let c = plan(&text);
        assert!(
            hosts_of(&c, &text, "md5sum /data/rel/app.war").is_empty(),
            "{sentence}"
        );
        let line = line_of(&text, "md5sum /data/rel/app.war");
        let step = c.plan.steps.iter().find(|s| s.line == line);
        let step = step.unwrap_or_else(|| panic!("no step: {sentence}"));
        assert_eq!(step.kind, StepKind::Manual, "{sentence}");
        assert!(step.hosts.is_empty(), "{sentence}: {:?}", step.hosts);
        assert!(step.why.contains("jump host"), "{sentence}: {}", step.why);
    }
    // A place that is a server, the jump host only mentioned in passing: the server's.
    let text = format!("{VIA_JUMP}在 ap-1 上执行，介质已在跳板机上备好：\n\n```\n$ md5sum /data/rel/app.war\n```\n");
    let c = plan(&text);
    assert_eq!(
        hosts_of(&c, &text, "md5sum /data/rel/app.war"),
        set(&["ap-1"])
    );
}

/// `新主库` after a switchover is the host that was the standby: the host table's primary is not
/// it, so the word names no host — the block is manual (W031) unless a prompt or a name says.
#[test]
fn a_new_primary_after_a_switchover_is_not_the_tables_primary() {
    let head = "# 切换\n\n| 主机名 | IP | 角色 |\n| --- | --- | --- |\n| pg-a | 10.90.1.11 | 主库 |\n| pg-b | 10.90.1.12 | 备库 |\n\n## 1 切换后检查\n\n";
    for sentence in ["切换完成后，在新主库上执行：", "登录新的主库执行："] {
        let text = format!("{head}{sentence}\n\n```bash\npsql -c 'select 1'\n```\n");
        let c = plan(&text);
        assert!(
            hosts_of(&c, &text, "psql -c").is_empty(),
            "{sentence}: {:?}",
            hosts_of(&c, &text, "psql -c")
        );
    }
    // The primary of the table, said plainly, is still read.
    let text = format!("{head}在主库上执行：\n\n```bash\npsql -c 'select 1'\n```\n");
    let c = plan(&text);
    assert_eq!(hosts_of(&c, &text, "psql -c"), set(&["pg-a"]));
}
