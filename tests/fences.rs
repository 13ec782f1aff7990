//! Issue #11, what a block is: bare fences of commands after a sentence with no run verb, a file
//! replaced whole by the content that follows, and a prompt's directory made in an earlier
//! chapter. Small runbooks of our own, several phrasings, negatives that must stay manual; the
//! generated edit is run by real bash in a throwaway root.

mod common;

use common::rbc;
use common::sandbox::{self, Sandbox};
use rbc::plan::{Action, Step, StepKind};
use rbc::planner::{compile, Compiled};
use rbc::source::Source;

fn plan(text: &str) -> Compiled {
    compile(&Source::from_text("runbook.md", text))
}

const HOSTS: &str = "# 节点维护\n\n| 主机 | IP |\n|---|---|\n| node-a | 10.7.1.1 |\n| node-b | 10.7.1.2 |\n\n## 1 操作\n\n";

fn runbook(lead: &str, content: &str) -> String {
    format!("{HOSTS}{lead}\n\n```\n{content}\n```\n")
}

fn steps_at<'a>(c: &'a Compiled, text: &str, first: &str) -> Vec<&'a Step> {
    let line = text.lines().position(|l| l == first).expect("line") + 1;
    c.plan.steps.iter().filter(|s| s.line == line).collect()
}

fn codes(c: &Compiled) -> Vec<&'static str> {
    c.diagnostics.iter().map(|d| d.code).collect()
}

fn automated(s: &Step) -> bool {
    !matches!(s.kind, StepKind::Manual | StepKind::Note)
}

#[test]
fn bare_commands_of_administration_programs_run_where_the_sentence_says() {
    let cases = [
        (
            "node-a、node-b 卸载 agent：",
            "systemctl disable --now agent\nuserdel agent",
            "userdel agent",
        ),
        (
            "还是在 node-a 上：",
            "gluster volume create v1 replica 2 \\\n  node-a:/b/v1 node-b:/b/v1\ngluster volume start v1",
            "gluster volume start v1",
        ),
        ("再在 node-a 上看一下同步来源：", "chronyc sources -v", "chronyc sources -v"),
        (
            "node-b 上先把镜像拉下来：",
            "kubeadm config images pull --kubernetes-version v1.28.4",
            "kubeadm config images pull --kubernetes-version v1.28.4",
        ),
        (
            "两台都启动：",
            "systemctl enable --now chronyd\nchronyc makestep",
            "chronyc makestep",
        ),
    ];
    for (lead, content, line) in cases {
        let text = runbook(lead, content);
        let c = plan(&text);
        assert!(!codes(&c).contains(&"W020"), "{lead}: {:?}", codes(&c));
        let steps = steps_at(&c, &text, line);
        assert!(!steps.is_empty(), "{lead}: no step at `{line}`");
        for s in steps {
            assert!(automated(s), "{lead}: {s:?}");
            assert!(
                matches!(&s.action, Action::Run { command } if command.starts_with(line.split(' ').next().unwrap())),
                "{lead}: {:?}",
                s.action
            );
            assert!(!s.hosts.is_empty(), "{lead}");
        }
    }
}

#[test]
fn configuration_text_after_a_sentence_without_a_file_stays_manual() {
    // Directives that look like words of a command line, with no program rbc knows, or one
    // known line among lines that are no command: a person's step (W020), never shell.
    let cases = [
        (
            "node-a 客户端配置：",
            "server 10.7.1.9 iburst\ndriftfile /var/lib/chrony/drift\nrtcsync",
        ),
        (
            "node-a 日志轮转：",
            "/var/log/app/*.log {\n    daily\n    rotate 7\n}",
        ),
        (
            "node-b 上：",
            "gluster volume start v1\nauth.allow 10.7.1.9",
        ),
    ];
    for (lead, content) in cases {
        let text = runbook(lead, content);
        let c = plan(&text);
        assert!(codes(&c).contains(&"W020"), "{lead}: {:?}", codes(&c));
        assert!(
            c.plan.steps.iter().all(|s| !automated(s)),
            "{lead}: {:#?}",
            c.plan.steps
        );
    }
}

const CHRONY: &str = "server 10.7.1.9 iburst\ndriftfile /var/lib/chrony/drift\nmakestep 1.0 3";

#[test]
fn a_file_replaced_by_the_content_below_is_written_whole() {
    let leads = [
        "node-a、node-b：/etc/chrony.conf 替换为下面内容，只指向 10.7.1.9：",
        "两台都把 /etc/chrony.conf 改为如下内容：",
        "在两台上将 /etc/chrony.conf 的内容替换为以下内容：",
        "node-a、node-b 的 /etc/chrony.conf 修改为下列配置：",
    ];
    for lead in leads {
        let text = runbook(lead, CHRONY);
        let c = plan(&text);
        let steps = steps_at(&c, &text, "server 10.7.1.9 iburst");
        assert_eq!(steps.len(), 1, "{lead}: {:#?}", c.plan.steps);
        let s = steps[0];
        assert_eq!(s.kind, StepKind::Converge, "{lead}: {s:?}");
        assert_eq!(s.hosts, vec!["node-a", "node-b"], "{lead}");
        match &s.action {
            Action::WriteFile { path, content } => {
                assert_eq!(path, "/etc/chrony.conf", "{lead}");
                assert_eq!(content, &format!("{CHRONY}\n"), "{lead}");
            }
            other => panic!("{lead}: {other:?}"),
        }
    }
}

#[test]
fn a_part_of_the_file_or_content_for_one_host_is_not_the_whole_file() {
    let leads = [
        // a part of the file between the path and the verb
        "两台都把 /etc/chrony.conf 中的 server 行改为如下内容：",
        // the content is one host's; the other changes it
        "两台都把 /etc/chrony.conf 替换为下面的内容。下面是 node-a 的，node-b 上把 makestep 改为 0.5 3：",
        // given as one host's example
        "/etc/chrony.conf 替换为如下内容（以 node-a 为例）：",
    ];
    for lead in leads {
        let text = runbook(lead, CHRONY);
        let c = plan(&text);
        for s in steps_at(&c, &text, "server 10.7.1.9 iburst") {
            // Never the same whole file written everywhere, automated.
            assert!(
                !(matches!(s.action, Action::WriteFile { .. }) && automated(s)),
                "{lead}: {s:?}"
            );
            if s.hosts.iter().any(|h| h == "node-b") {
                assert!(!automated(s), "{lead}: {s:?}");
            }
        }
    }
}

#[test]
fn the_whole_file_written_replaces_the_old_one_in_real_bash() {
    if !sandbox::available() {
        return;
    }
    let text = runbook("在 node-a 上把 /etc/chrony.conf 替换为下面内容：", CHRONY);
    let r = rbc().file("runbook.md", &text).args(&["compile"]);
    let out = r.run();
    assert_eq!(out.code, 0, "compile failed:\n{}", out.stderr);
    let sb = Sandbox::new();
    sb.write(
        "/root/node-a.tar.gz",
        std::fs::read(r.path("dist/hosts/node-a.tar.gz")).unwrap(),
    );
    let old = "pool 2.pool.ntp.org iburst\nmakestep 10 1\n";
    sb.write("/etc/chrony.conf", old);
    let first = sb.run(
        "cd /root && tar xzf node-a.tar.gz && cd node-a && ./run.sh --force-host --yes && cat /etc/chrony.conf",
    );
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    assert!(
        first.stdout.ends_with(&format!("{CHRONY}\n")),
        "{}",
        first.stdout
    );
    assert!(!first.stdout.contains("pool 2.pool"), "{}", first.stdout);
    let back =
        sb.run("cd /root/node-a && ./rollback.sh --force-host --yes && cat /etc/chrony.conf");
    assert_eq!(back.code, 0, "{}\n{}", back.stdout, back.stderr);
    assert!(back.stdout.ends_with(old), "{}", back.stdout);
}

fn chapters(made: &str) -> String {
    format!(
        "{HOSTS}在 node-a 上执行：\n\n```\n{made}\n```\n\n## 2 配置\n\n在 node-a 上：\n\n```\n[root@node-a conf]# cat > app.ini <<EOF\nport=8080\nEOF\n```\n"
    )
}

#[test]
fn a_prompt_directory_made_in_an_earlier_chapter_is_that_directory() {
    for made in [
        "ln -s /opt/app-1.2/etc /opt/app/conf",
        "mkdir -p /opt/app/conf /data/app",
    ] {
        let text = chapters(made);
        let c = plan(&text);
        assert!(!codes(&c).contains(&"W038"), "{made}: {:?}", codes(&c));
        let steps = steps_at(&c, &text, "[root@node-a conf]# cat > app.ini <<EOF");
        assert_eq!(steps.len(), 1, "{made}: {:#?}", c.plan.steps);
        assert!(automated(steps[0]), "{made}: {:?}", steps[0]);
        let s = format!("{:?}", steps[0].action);
        let at_conf =
            steps[0].cwd.as_deref() == Some("/opt/app/conf") || s.contains("/opt/app/conf/app.ini");
        assert!(at_conf, "{made}: {:?} {s}", steps[0].cwd);
    }
}

#[test]
fn two_directories_of_that_name_made_earlier_leave_the_prompt_manual() {
    let text = chapters("mkdir -p /opt/app/conf /opt/web/conf");
    let c = plan(&text);
    assert!(codes(&c).contains(&"W038"), "{:?}", codes(&c));
    let steps = steps_at(&c, &text, "[root@node-a conf]# cat > app.ini <<EOF");
    assert!(steps.iter().all(|s| !automated(s)), "{steps:#?}");
}

#[test]
fn bare_commands_after_a_sentence_without_a_run_verb_run_in_real_bash() {
    if !sandbox::available() {
        return;
    }
    let text = runbook(
        "node-a 清理旧的组：",
        "groupadd -f rbcoldgrp\ngrep -q rbcoldgrp /etc/group\ngroupdel rbcoldgrp",
    );
    let r = rbc().file("runbook.md", &text).args(&["compile"]);
    let out = r.run();
    assert_eq!(out.code, 0, "compile failed:\n{}", out.stderr);
    let sb = Sandbox::new();
    sb.write(
        "/root/node-a.tar.gz",
        std::fs::read(r.path("dist/hosts/node-a.tar.gz")).unwrap(),
    );
    let run = sb.run(
        "cd /root && tar xzf node-a.tar.gz && cd node-a && ./run.sh --force-host --yes && echo ==== && cat /etc/group",
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let (log, group) = run.stdout.rsplit_once("====\n").unwrap();
    assert!(log.contains("groupdel rbcoldgrp"), "{log}");
    assert!(!group.contains("rbcoldgrp"), "{group}");
}
