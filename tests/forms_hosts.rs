//! Issue #11, which hosts (items 8, 10, 12, 18, 19 and the ranges of item 4): each rule compiled
//! from small runbooks of our own, in several phrasings. What a test checks is where the
//! automated steps run — never on a host the text does not mean — and that a guess stays manual.

mod common;
use common::plan::{automated, hosts_of, is_manual, line_of, manual_on, plan, set, whys_of};

use rbc::planner::Compiled;

fn codes(c: &Compiled) -> Vec<&str> {
    c.diagnostics.iter().map(|d| d.code).collect()
}

const HOSTS: &str = "# 部署\n\n| 主机名 | IP | 角色 |\n|---|---|---|\n| db-1 | 10.9.0.1 | 主库 |\n| db-2 | 10.9.0.2 | 从库 |\n| db-3 | 10.9.0.3 | 从库 |\n\n";

// ---- item 8: a prompt that names a host decides the host of its line ----

#[test]
fn prompts_of_several_hosts_in_one_block_decide_line_by_line() {
    // Over a sentence naming other hosts, a section title, a carried-over login, a count.
    let leads = [
        "## 1 检查\n\n在 db-2、db-3 上也建好目录，然后逐台核对：\n\n",
        "## 1 db-1\n\n",
        "## 1 检查\n\n三台都执行：\n\n",
        "## 1 检查\n\n逐台确认：\n\n",
    ];
    for lead in leads {
        let text = format!("{HOSTS}{lead}```\n[root@db-1 ~]# systemctl start redis\n[root@db-2 ~]# systemctl start nginx\n[root@db-3 conf]# md5sum /etc/hosts\n```\n");
        let c = plan(&text);
        assert_eq!(hosts_of(&c, &text, "start redis"), set(&["db-1"]), "{lead}");
        assert_eq!(hosts_of(&c, &text, "start nginx"), set(&["db-2"]), "{lead}");
        assert_eq!(hosts_of(&c, &text, "md5sum"), set(&["db-3"]), "{lead}");
    }
}

#[test]
fn the_prompt_forms_with_a_colon_name_the_host() {
    for prompt in [
        "ops@db-2:~$ ",
        "root@db-2:/opt# ",
        "db-2:~# ",
        "db-2:/tmp# ",
    ] {
        let text = format!("{HOSTS}## 1 检查\n\n```\n{prompt}systemctl restart chronyd\n```\n");
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "restart chronyd"),
            set(&["db-2"]),
            "{prompt}"
        );
    }
    // Two hosts' prompts of that form in one block: each line to its own host.
    let text = format!(
        "{HOSTS}## 1 检查\n\n```\nops@db-1:~$ sudo systemctl stop redis\nops@db-3:~$ sudo systemctl stop nginx\n```\n"
    );
    let c = plan(&text);
    assert_eq!(hosts_of(&c, &text, "stop redis"), set(&["db-1"]));
    assert_eq!(hosts_of(&c, &text, "stop nginx"), set(&["db-3"]));
}

#[test]
fn a_colon_prompt_is_no_prompt_in_other_text() {
    // A URL, a key-value line, a redis prompt: none of them names a host.
    for line in [
        "http://db-2/#",
        "PATH=/usr/bin:/bin$",
        "127.0.0.1:6379> get k",
    ] {
        assert_eq!(rbc::classify::prompt_host(line), None, "{line}");
    }
}

#[test]
fn a_default_machine_name_in_the_prompt_is_no_evidence() {
    for prompt in [
        "[root@localhost ~]# ",
        "[root@localhost.localdomain ~]# ",
        "root@localhost:~# ",
    ] {
        let text = format!("{HOSTS}## 1 主机名\n\n登录 db-2：\n\n```\n{prompt}hostnamectl set-hostname db-2\n```\n");
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "set-hostname"),
            set(&["db-2"]),
            "{prompt}"
        );
        assert!(
            c.plan
                .hosts
                .iter()
                .all(|h| !h.name.starts_with("localhost")),
            "{prompt}"
        );
    }
    // With nothing else naming a host, the line is a person's step, never on every server.
    let text = format!(
        "{HOSTS}## 1 主机名\n\n```\n[root@localhost ~]# hostnamectl set-hostname db-2\n```\n"
    );
    let c = plan(&text);
    assert!(hosts_of(&c, &text, "set-hostname").is_empty());
}

#[test]
fn a_prompt_naming_one_host_is_never_widened_to_its_group() {
    for lead in ["## 1 从库\n\n", "## 1 配置\n\n"] {
        let text = format!("{HOSTS}{lead}```\n[root@db-2 ~]# systemctl restart mysqld\n```\n");
        let c = plan(&text);
        let on = hosts_of(&c, &text, "restart mysqld");
        assert!(!on.contains("db-3"), "{lead}: {on:?}");
        assert!(!on.contains("db-1"), "{lead}: {on:?}");
    }
    // A sentence that names every one of them says more than the one prompt it shows as an
    // example: the sentence's hosts.
    let text = format!("{HOSTS}## 1 配置\n\n在所有从库上执行：\n\n```\n[root@db-2 ~]# systemctl restart mysqld\n```\n");
    let c = plan(&text);
    assert_eq!(
        hosts_of(&c, &text, "restart mysqld"),
        set(&["db-2", "db-3"])
    );
}

#[test]
fn one_prompt_against_the_sentence_is_a_doubt() {
    // The sentence says db-1, the only prompt shows db-3: manual, with a warning naming it.
    let text = format!("{HOSTS}## 1 检查\n\n在 db-1 上执行：\n\n```\n[root@db-3 ~]# systemctl restart mysqld\n```\n");
    let c = plan(&text);
    assert!(hosts_of(&c, &text, "restart mysqld").is_empty());
    assert!(codes(&c).contains(&"W044"), "{:?}", codes(&c));
}

// ---- item 19: relative paths under a prompt's directory ----

#[test]
fn a_colon_prompt_directory_is_where_the_line_runs() {
    let text = format!("{HOSTS}## 1 解压\n\n```\nops@db-2:~$ tar xzf pkg.tar.gz\n```\n");
    let c = plan(&text);
    let line = line_of(&text, "tar xzf");
    let step = c
        .plan
        .steps
        .iter()
        .find(|s| s.line == line && automated(s.kind))
        .expect("an automated step");
    assert_eq!(step.hosts, vec!["db-2".to_string()]);
    let shown = format!("{:?} {:?}", step.cwd, step.action);
    assert!(shown.contains("/home/ops"), "{shown}");
    assert!(!shown.contains("/root"), "{shown}");
    // `~` of a user the prompt does not name, with a relative path: manual, never in /root.
    let text = format!("{HOSTS}## 1 解压\n\n```\ndb-2:~$ tar xzf pkg.tar.gz\n```\n");
    let c = plan(&text);
    assert!(hosts_of(&c, &text, "tar xzf").is_empty());
    assert_eq!(manual_on(&c, &text, "tar xzf"), set(&["db-2"]));
    assert!(codes(&c).contains(&"W038"), "{:?}", codes(&c));
}

// ---- what a prompt-less block is: commands of programs rbc does not list ----

#[test]
fn a_shell_block_of_unlisted_programs_runs() {
    // The fence says shell, or the sentence says to run it, or a line is a command rbc knows
    // and the others show what only command lines have (options, paths, pipes).
    let cases = [
        ("在 db-2 上执行：\n\n```\n", "etcdctl member list\n"),
        ("在 db-2 上：\n\n```bash\n", "consul members\n"),
        (
            "在 db-2 上：\n\n```\n",
            "systemctl enable --now glusterd\ngluster peer probe -h\n",
        ),
        (
            "db-2 上建卷：\n\n```\n",
            "pvcreate /dev/vdb\nmkdir -p /data/brick\n",
        ),
        (
            "在 db-2 上执行：\n\n```\n",
            "for h in db-1 db-3; do\n  ssh-copy-id root@$h\ndone\npvcreate /dev/vdb\n",
        ),
    ];
    for (lead, body) in cases {
        let text = format!("{HOSTS}## 1 安装\n\n{lead}{body}```\n");
        let c = plan(&text);
        let first = body.lines().next().unwrap();
        assert_eq!(hosts_of(&c, &text, first), set(&["db-2"]), "{lead}{body}");
    }
}

#[test]
fn output_and_configuration_without_prompts_are_never_run() {
    let cases = [
        // Output after a run, with nothing saying it is shell.
        "```\netcd Version: 3.5.10\nGit SHA: 1b2c3d\n```\n",
        "```\nlrwxrwxrwx 1 root root 22 Mar  2 2023 /opt/kafka -> /opt/kafka_2.13\n```\n",
        "```\nroot      23817      1  0 10:42 ?  00:00:00 /opt/redis/bin/redis-server *:6379\n```\n",
        // A known command followed by what it printed.
        "```\njava -version\nopenjdk version \"11.0.2\" 2019-01-15\n```\n",
        // Configuration lines.
        "```\nlisten_addresses = '*'\nmax_wal_senders = 10\n```\n",
        "```\nServer=10.66.0.20\nHostname=db-2\n```\n",
    ];
    for block in cases {
        let text = format!("{HOSTS}## 1 检查\n\n在 db-2 上：\n\n{block}");
        let c = plan(&text);
        let first = block.lines().nth(1).unwrap();
        assert!(
            hosts_of(&c, &text, first).is_empty(),
            "{block} ran: {:?}",
            c.plan
                .steps
                .iter()
                .filter(|s| automated(s.kind))
                .map(|s| &s.text)
                .collect::<Vec<_>>()
        );
    }
}

#[test]
fn a_new_file_announced_by_its_name_is_written_whole() {
    for lead in [
        "在 db-2 上新建 /etc/systemd/system/app.service：",
        "db-2 上创建 /etc/app/check.sh：",
        "在 db-2 上把 /etc/app/app.conf 写成：",
        "编辑 db-2 的 /etc/app/app.conf，整个文件替换为：",
    ] {
        let text = format!("{HOSTS}## 1 配置\n\n{lead}\n\n```\n[Unit]\nDescription=app\n```\n");
        let c = plan(&text);
        let line = line_of(&text, "[Unit]");
        let step = c
            .plan
            .steps
            .iter()
            .find(|s| s.line == line && automated(s.kind))
            .unwrap_or_else(|| panic!("{lead}: no automated step"));
        assert_eq!(step.hosts, vec!["db-2".to_string()], "{lead}");
        assert!(
            matches!(step.action, rbc::plan::Action::WriteFile { .. }),
            "{lead}: {:?}",
            step.action
        );
    }
    // A directory is never written as a file.
    let text = format!(
        "{HOSTS}## 1 配置\n\n在 db-2 上创建目录 /data/app：\n\n```\n[Unit]\nDescription=app\n```\n"
    );
    let c = plan(&text);
    assert!(hosts_of(&c, &text, "[Unit]").is_empty());
}

#[test]
fn a_file_written_whole_on_several_hosts_with_one_hosts_values_is_manual() {
    // `以 db-2 为例`: the content is one host's; on the others it would be wrong.
    let text = format!("{HOSTS}## 1 配置\n\n在所有从库上把 /etc/app/app.conf 整个替换为如下内容（以 db-2 为例）：\n\n```\nnode.id=2\nnode.host=10.9.0.2\n```\n");
    let c = plan(&text);
    assert!(hosts_of(&c, &text, "node.id").is_empty());
}

// ---- which hosts a sentence means ----

#[test]
fn a_restriction_in_the_sentence_wins_over_other_hosts_it_names() {
    for lead in [
        "start.sh 会从 db-1 通过 ssh 到 db-2、db-3 上拉起进程，所以只有 db-1 需要免密：",
        "db-2、db-3 上不需要做，只在 db-1 上执行：",
    ] {
        let text = format!("{HOSTS}## 1 免密\n\n{lead}\n\n```\nchmod 700 /root/.ssh\n```\n");
        let c = plan(&text);
        let on = hosts_of(&c, &text, "chmod 700");
        assert!(on.is_empty() || on == set(&["db-1"]), "{lead}: {on:?}");
        assert!(
            !on.contains("db-2") && !on.contains("db-3"),
            "{lead}: {on:?}"
        );
    }
    // A list after the word: all of it.
    let text = format!(
        "{HOSTS}## 1 回退\n\n只需要在 db-2、db-3 上停掉服务：\n\n```\n# systemctl stop app\n```\n"
    );
    let c = plan(&text);
    assert_eq!(
        hosts_of(&c, &text, "systemctl stop app"),
        set(&["db-2", "db-3"])
    );
}

#[test]
fn a_host_things_are_sent_on_to_is_not_where_the_work_happens() {
    let text = format!("{HOSTS}## 1 分发\n\n把文件上传到 db-1 的 /data/pkg 目录后，校验并转发到 db-2：\n\n```\nls -l /data/pkg\n```\n");
    let c = plan(&text);
    assert_eq!(hosts_of(&c, &text, "ls -l /data/pkg"), set(&["db-1"]));
}

// ---- a sentence that takes hosts out: `除 node3 外`, `node1 除外`, `（不包括 node1）` ----

const THREE: &str = "# 部署\n\n| 主机名 | IP | 角色 |\n|---|---|---|\n| kn-1 | 10.7.0.11 | master |\n| kn-2 | 10.7.0.12 | worker |\n| kn-3 | 10.7.0.13 | worker |\n\n## 3 操作\n\n";

#[test]
fn a_sentence_that_takes_hosts_out_runs_on_the_others_only() {
    for (lead, want) in [
        ("除 kn-3 外的所有节点执行：", &["kn-1", "kn-2"][..]),
        ("除了 kn-3，其他节点都执行：", &["kn-1", "kn-2"]),
        ("在除 kn-1 之外的节点上执行：", &["kn-2", "kn-3"]),
        ("kn-1 除外，其余节点执行：", &["kn-2", "kn-3"]),
        ("所有节点执行（master 除外）：", &["kn-2", "kn-3"]),
        ("除 master 外，所有节点执行：", &["kn-2", "kn-3"]),
        ("在所有节点（不包括 kn-1）上执行：", &["kn-2", "kn-3"]),
        ("除 10.7.0.11 外所有节点执行：", &["kn-2", "kn-3"]),
        ("除了 kn-1、kn-2 两台，其他节点执行：", &["kn-3"]),
        ("Run this on all nodes except kn-1:", &["kn-2", "kn-3"]),
        // Without `除`, with a count of the machines left, with a remark on the one left out.
        ("master 以外的两台节点执行：", &["kn-2", "kn-3"]),
        ("除 10.7.0.11 外，另外两台执行：", &["kn-2", "kn-3"]),
        (
            "除 kn-1 外的节点执行（kn-1 上的包留着备用）：",
            &["kn-2", "kn-3"],
        ),
    ] {
        let text = format!("{THREE}{lead}\n\n```\nsystemctl restart kubelet\n```\n");
        let c = plan(&text);
        assert_eq!(hosts_of(&c, &text, "restart kubelet"), set(want), "{lead}");
        let why = whys_of(&c, &text, "restart kubelet").join(" ");
        assert!(why.contains("except"), "{lead}: {why}");
    }
}

#[test]
fn an_exclusion_rbc_cannot_resolve_never_runs_on_the_hosts_it_leaves_out() {
    for lead in [
        "除数据库服务器外，所有节点执行：",
        "除 Redis 节点外的所有节点执行：",
    ] {
        let text = format!("{THREE}{lead}\n\n```\nsystemctl restart kubelet\n```\n");
        let c = plan(&text);
        assert!(hosts_of(&c, &text, "restart kubelet").is_empty(), "{lead}");
        assert!(is_manual(&c, &text, "restart kubelet"), "{lead}");
    }
    // Words that take out something else than hosts change nothing.
    let text = format!(
        "{THREE}除了日志目录外都要清理，在 kn-2 上执行：\n\n```\nsystemctl restart kubelet\n```\n"
    );
    let c = plan(&text);
    assert_eq!(hosts_of(&c, &text, "restart kubelet"), set(&["kn-2"]));
}

#[test]
fn last_numbers_of_addresses_in_a_list_name_every_one_of_them() {
    for lead in [
        "依次在 .11/.12/.13 上启动：",
        "在 .11、.12 和 .13 上执行：",
        "在 11/12/13 上执行：",
    ] {
        let text = format!("{THREE}{lead}\n\n```\nsystemctl start zookeeper\n```\n");
        let c = plan(&text);
        assert_eq!(
            hosts_of(&c, &text, "start zookeeper"),
            set(&["kn-1", "kn-2", "kn-3"]),
            "{lead}"
        );
    }
}

// ---- `同样在另外两台执行` after a block: the others repeat it ----

const APPS: &str = "# 变更\n\n| 主机 | IP |\n|---|---|\n| ops-ctl | 10.9.0.9 |\n| app-1 | 10.9.0.1 |\n| app-2 | 10.9.0.2 |\n| app-3 | 10.9.0.3 |\n\n## 2 操作\n\n在 app-1 上执行：\n\n```\nsystemctl restart x\n```\n\n";

#[test]
fn a_repeat_on_the_others_runs_on_the_rest_of_the_model_hosts_family() {
    for said in [
        "同样在另外两台执行。",
        "其余两台同理。",
        "另外两台也要做，命令一样。",
        "上面的命令在另外两台上也执行一遍。",
        "Do the same on the remaining nodes.",
    ] {
        let text = format!("{APPS}{said}\n");
        let c = plan(&text);
        // Never on ops-ctl, which is no app server; nor skipped on app-2/app-3.
        assert_eq!(
            hosts_of(&c, &text, "restart x"),
            set(&["app-1", "app-2", "app-3"]),
            "{said}"
        );
    }
    // A count that does not fit the others keeps them a person's.
    let text = format!("{APPS}同样在另外四台执行。\n");
    let c = plan(&text);
    assert_eq!(hosts_of(&c, &text, "restart x"), set(&["app-1"]));
}

#[test]
fn the_last_sentence_of_a_lead_in_that_says_where_decides() {
    let text = format!(
        "{APPS}同样在 app-2 上执行。最后在 ops-ctl 上统一重启一次：\n\n```\nfor h in app-1 app-2 app-3; do ssh $h \"systemctl restart sidecar\"; done\n```\n"
    );
    let c = plan(&text);
    assert_eq!(hosts_of(&c, &text, "for h in"), set(&["ops-ctl"]));
}

#[test]
fn lines_typed_in_a_shell_opened_as_another_user_or_host_are_a_persons() {
    let text = format!(
        "{APPS}在 app-1 上执行：\n\n```\n$ systemctl stop app\n$ su - deploy\n$ cd /opt/app && ./bin/upgrade.sh\n$ exit\n$ systemctl start app\n$ ssh app-2\n$ systemctl restart nginx\n$ exit\n```\n"
    );
    let c = plan(&text);
    // Before and after the session: the bundle's.
    assert_eq!(hosts_of(&c, &text, "systemctl stop app"), set(&["app-1"]));
    assert_eq!(hosts_of(&c, &text, "systemctl start app"), set(&["app-1"]));
    // In it: never run as root on app-1.
    for line in ["./bin/upgrade.sh", "restart nginx"] {
        assert!(hosts_of(&c, &text, line).is_empty(), "{line}");
        assert!(is_manual(&c, &text, line), "{line}");
    }
    assert!(c.diagnostics.iter().any(|d| d.code == "W024"
        && d.message.contains("su - deploy")
        && d.message.contains("upgrade.sh")));
}
