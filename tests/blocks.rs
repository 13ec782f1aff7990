//! What a block is (issue 11, "What a block is"): the block rules, each on small runbooks of our
//! own in several phrasings. Each test says what the operator would expect on the host.

use rbc::plan::{Action, Step, StepKind};
use rbc::planner::{compile, Compiled};
use rbc::source::Source;

/// A runbook with two hosts, then `body` (its lines start at line 10).
fn plan(body: &str) -> Compiled {
    let text =
        format!("# 变更\n\n## 1 主机\n\n- app1：10.9.0.1\n- app2：10.9.0.2\n\n## 2 操作\n\n{body}");
    compile(&Source::from_text("runbook.md", &text))
}

fn automated(s: &Step) -> bool {
    matches!(
        s.kind,
        StepKind::Converge | StepKind::Once | StepKind::Check
    )
}

/// The steps whose text contains `needle`.
fn steps<'c>(c: &'c Compiled, needle: &str) -> Vec<&'c Step> {
    c.plan
        .steps
        .iter()
        .filter(|s| s.text.contains(needle) || s.summary.contains(needle))
        .collect()
}

fn fence(lines: &str) -> String {
    format!("```\n{lines}\n```\n")
}

#[test]
fn a_shell_block_starting_with_source_is_never_sql() {
    for block in [
        "source /opt/app/env.sh\nls /data/app",
        "source ~/.bash_profile\nfor f in /data/*; do echo $f; done",
        "source /etc/profile\nexport PATH=$PATH:/opt/bin && echo ok",
    ] {
        let c = plan(&format!("登录 app1，执行：\n\n{}", fence(block)));
        assert!(
            !c.plan
                .steps
                .iter()
                .any(|s| matches!(s.action, Action::Sql { .. })),
            "{block}: {:#?}",
            c.plan.steps
        );
    }
    // At a mysql prompt, `source x.sql` is the client's: one SQL step on app1.
    let c = plan(&format!(
        "登录 app1，执行：\n\n{}",
        fence("# mysql -uroot -p shop\nmysql> source /root/patch.sql;")
    ));
    let sql = steps(&c, "patch.sql");
    assert!(
        sql.iter()
            .any(|s| matches!(s.action, Action::Sql { .. }) && s.hosts == ["app1"]),
        "{sql:#?}"
    );
}

#[test]
fn a_config_typed_after_vim_in_the_same_block_is_that_files_content() {
    for (lead, block) in [
        (
            "登录 app1，在配置文件末尾添加：",
            "vim /opt/app/conf/app.cfg\nretry=3\ntimeout=30",
        ),
        (
            "在 app1 上追加以下配置：",
            "vi /opt/app/conf/app.cfg\n\nretry=3\ntimeout=30",
        ),
    ] {
        let c = plan(&format!("{lead}\n\n{}", fence(block)));
        let edit = c
            .plan
            .steps
            .iter()
            .find(|s| s.action.edited_file() == Some("/opt/app/conf/app.cfg"))
            .unwrap_or_else(|| panic!("{block}: no edit of app.cfg: {:#?}", c.plan.steps));
        assert!(automated(edit), "{edit:#?}");
        assert_eq!(edit.hosts, ["app1"]);
        match &edit.action {
            Action::AppendBlock { content, .. } => {
                assert_eq!(content, "retry=3\ntimeout=30\n")
            }
            other => panic!("{other:?}"),
        }
        // The content is never run as commands.
        assert!(steps(&c, "retry=3").iter().all(|s| s.id == edit.id));
    }
    // `修改` does not say which line is replaced: a person's step, never a guess.
    let c = plan(&format!(
        "在 app1 上修改配置：\n\n{}",
        fence("vim /opt/app/conf/app.cfg\nretry=5")
    ));
    assert!(
        c.plan.steps.iter().all(|s| !automated(s)),
        "{:#?}",
        c.plan.steps
    );
}

#[test]
fn an_interactive_client_with_nothing_to_do_is_a_persons_step() {
    for cmd in [
        "redis-cli",
        "redis-cli -h 10.9.0.1 -p 6379",
        "mysql -uroot -p",
        "psql -U postgres",
        "mongo --port 27017",
        "zkCli.sh -server 10.9.0.1:2181",
        "watch -n1 date",
        "top",
    ] {
        let c = plan(&format!(
            "登录 app1，执行：\n\n{}",
            fence(&format!("# {cmd}"))
        ));
        let s = steps(&c, cmd.split_whitespace().next().unwrap());
        assert!(
            !s.is_empty()
                && s.iter()
                    .all(|s| s.kind == StepKind::Manual && s.hosts == ["app1"]),
            "{cmd}: {s:#?}"
        );
    }
    // Given their work, they run.
    for cmd in [
        "redis-cli -h 10.9.0.1 info replication",
        "mysql -uroot -e \"show databases\"",
        "psql -U postgres -c 'select 1'",
        "mongo --quiet --eval 'rs.status()'",
        "mysql -uroot shop < /root/patch.sql",
        "mysql -V",
    ] {
        let c = plan(&format!(
            "登录 app1，执行：\n\n{}",
            fence(&format!("# {cmd}"))
        ));
        assert!(
            c.plan
                .steps
                .iter()
                .any(|s| automated(s) && s.hosts == ["app1"]),
            "{cmd}: {:#?}",
            c.plan.steps
        );
    }
}

#[test]
fn the_mongo_shells_prompts_are_its_input() {
    let block = "[root@app1 ~]# mongo --port 27017\n> rs.initiate({\n...   _id: \"rs0\"\n... })";
    let c = plan(&format!("登录 app1：\n\n{}", fence(block)));
    let run: Vec<&Step> = c.plan.steps.iter().filter(|s| automated(s)).collect();
    assert_eq!(run.len(), 1, "{:#?}", c.plan.steps);
    match &run[0].action {
        Action::Run { command } => {
            assert!(command.starts_with("mongo --port 27017 <<"), "{command}");
            assert!(
                command.contains("rs.initiate({\n_id: \"rs0\"\n})"),
                "{command}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_command_written_as_the_tail_of_a_sentence_is_a_step() {
    for (text, host) in [
        ("登录 app1，执行 systemctl stop nginx", "app1"),
        ("然后在 app2 上执行 systemctl stop nginx。", "app2"),
        ("在 app1 上运行：systemctl stop nginx 即可。", "app1"),
    ] {
        let c = plan(&format!("{text}\n"));
        let s = steps(&c, "nginx");
        assert!(
            s.iter().any(|s| automated(s) && s.hosts == [host]),
            "{text}: {s:#?}"
        );
    }
    // Not the tail of the sentence, or under a condition: never run.
    for text in [
        "在 app1 上执行 rm -rf /data/app 前请先备份。",
        "如果启动失败，在 app1 上执行 systemctl restart nginx",
        "在 app1 上执行 systemctl stop nginx 并观察日志",
    ] {
        let c = plan(&format!("{text}\n"));
        assert!(
            c.plan.steps.iter().all(|s| !automated(s)),
            "{text}: {:#?}",
            c.plan.steps
        );
    }
}

#[test]
fn code_in_a_programming_language_is_shown_not_run() {
    for lang in ["python", "java", "go"] {
        let c = plan(&format!(
            "在 app1 上，新版本的调用方式如下：\n\n```{lang}\nclient.connect(\"10.9.0.1\")\n```\n"
        ));
        let s = steps(&c, "client.connect");
        assert!(
            !s.is_empty() && s.iter().all(|s| s.kind == StepKind::Note),
            "{lang}: {s:#?}"
        );
    }
}

#[test]
fn a_block_after_an_output_label_is_output() {
    for label in ["输出：", "返回结果：", "结果："] {
        let c = plan(&format!(
            "登录 app1，执行：\n\n{}\n{label}\n\n{}",
            fence("# mysql -V"),
            fence("mysql  Ver 14.14 Distrib 5.7.44, for Linux (x86_64)")
        ));
        assert!(
            steps(&c, "Distrib")
                .iter()
                .all(|s| s.kind == StepKind::Note),
            "{label}: {:#?}",
            c.plan.steps
        );
        assert!(steps(&c, "mysql -V").iter().any(|s| automated(s)));
    }
}

#[test]
fn a_block_without_prompts_keeps_its_comments_as_comments_and_runs_its_commands() {
    for (comment, lead) in [
        ("# 关闭防火墙", "登录 app1，执行："),
        ("#关闭防火墙", "登录 app1："),
        ("# stop the firewall for good", "登录 app1，执行："),
        ("## firewall", "登录 app1："),
    ] {
        let body = format!(
            "{lead}\n\n{}",
            fence(&format!(
                "{comment}\nsystemctl stop firewalld\nsystemctl disable firewalld"
            ))
        );
        let c = plan(&body);
        for cmd in ["systemctl stop firewalld", "systemctl disable firewalld"] {
            let s = steps(&c, cmd);
            assert!(
                s.iter().any(|s| automated(s) && s.hosts == ["app1"]),
                "{comment} / {cmd}: {:#?}",
                c.plan.steps
            );
        }
        // The comment itself never runs.
        let text = comment.trim_start_matches('#').trim();
        assert!(
            !c.plan
                .steps
                .iter()
                .any(|s| automated(s) && (s.text.trim() == text || s.text.starts_with('#'))),
            "{comment}: {:#?}",
            c.plan.steps
        );
    }
}

#[test]
fn find_that_deletes_is_a_change_not_a_look() {
    for cmd in [
        "find /opt/app/releases -mindepth 1 -maxdepth 1 ! -name logs -exec rm -rf {} +",
        "find /data/tmp -name '*.tmp' -mtime +7 -delete",
    ] {
        let c = plan(&format!("登录 app1，执行：\n\n{}", fence(cmd)));
        let s = steps(&c, "find ");
        assert!(
            !s.is_empty() && s.iter().all(|s| s.kind != StepKind::Check),
            "{cmd}: {s:#?}"
        );
    }
    // A find that only lists is a look.
    let c = plan(&format!(
        "登录 app1，执行：\n\n{}",
        fence("find /opt/app -name '*.jar'")
    ));
    assert!(steps(&c, "find ").iter().any(|s| s.kind == StepKind::Check));
}

#[test]
fn a_sentence_naming_what_a_command_should_show_runs_nothing() {
    // `logs` is what `ls` should show, not a program to run.
    let c = plan("登录 app1。执行完 `ls` 应该只剩 `logs`。\n");
    assert!(
        !c.plan
            .steps
            .iter()
            .any(|s| automated(s) && (s.text.trim() == "logs" || s.text.trim() == "ls")),
        "{:#?}",
        c.plan.steps
    );
    // A sentence naming directories and files runs nothing (`运行用户` is no verb to run).
    let c = plan("登录 app1。安装目录 `/opt/settle`，运行用户 deploy，新包已放在 `/data/pkg/settle-3.3.0.tar.gz`。\n");
    assert!(!c.plan.steps.iter().any(automated), "{:#?}", c.plan.steps);
    // Commands given inline still run: a known program, or one given with arguments or a path.
    let c = plan("登录 app1，执行 `systemctl restart app` 和 `./bin/ctl reload`。\n");
    for cmd in ["systemctl restart app", "./bin/ctl reload"] {
        assert!(
            steps(&c, cmd)
                .iter()
                .any(|s| automated(s) && s.hosts == ["app1"]),
            "{cmd}: {:#?}",
            c.plan.steps
        );
    }
}

#[test]
fn echo_into_tee_is_a_line_in_a_file_and_never_a_look() {
    // `| sudo tee -a F` appends: as `echo … >> F`, once however often the bundle runs.
    let c = plan(&format!(
        "登录 app1，执行：\n\n{}",
        fence("echo '/dev/vdb /data xfs defaults 0 0' | sudo tee -a /etc/fstab\necho 'deb http://mirror/x jammy main' | sudo tee /etc/apt/sources.list.d/x.list")
    ));
    let fstab = steps(&c, "/etc/fstab");
    assert!(
        fstab
            .iter()
            .any(|s| matches!(&s.action, Action::EnsureLines { path, .. } if path == "/etc/fstab")),
        "{fstab:#?}"
    );
    let list = steps(&c, "x.list");
    assert!(
        list.iter().any(
            |s| matches!(&s.action, Action::WriteFile { path, .. } if path.ends_with("x.list"))
        ),
        "{list:#?}"
    );
    // Other writing stages make a pipeline a change, not a look.
    for cmd in [
        "cat /tmp/hosts.txt | xargs -n1 rm -f",
        "grep -l old /etc/app/*.conf | xargs sed -i s/old/new/",
        "echo 3 | sudo tee /proc/sys/vm/drop_caches >/dev/null",
    ] {
        let c = plan(&format!("登录 app1，执行：\n\n{}", fence(cmd)));
        assert!(
            c.plan.steps.iter().all(|s| s.kind != StepKind::Check),
            "{cmd}: {:#?}",
            c.plan.steps
        );
    }
}

#[test]
fn leaving_a_session_runs_nothing() {
    let c = plan(&format!(
        "登录 app1，执行：\n\n{}",
        fence("$ systemctl restart app\n$ exit")
    ));
    assert!(
        !c.plan
            .steps
            .iter()
            .any(|s| automated(s) && s.text.trim() == "exit"),
        "{:#?}",
        c.plan.steps
    );
    assert!(steps(&c, "restart app").iter().any(|s| automated(s)));
}

#[test]
fn a_lead_in_that_makes_the_block_optional_or_conditional_keeps_it_manual() {
    for lead in [
        "Optionally, on app1:",
        "If the health check fails on app1, run:",
        "在 app1 上，也可以用下面的命令代替：",
        "可选：在 app1 上清理旧包：",
    ] {
        let c = plan(&format!(
            "{lead}\n\n{}",
            fence("yum remove -y java-11-openjdk")
        ));
        let s = steps(&c, "yum remove");
        assert!(!s.is_empty(), "{lead}: dropped");
        assert!(!s.iter().any(|s| automated(s)), "{lead}: {s:#?}");
    }
    // A plain lead-in runs.
    let c = plan(&format!(
        "在 app1 上执行：\n\n{}",
        fence("yum remove -y java-11-openjdk")
    ));
    assert!(steps(&c, "yum remove").iter().any(|s| automated(s)));
}
