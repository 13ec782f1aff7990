//! Issue #11, which hosts (items 8, 10, 12, 18, 19 and the ranges of item 4): each rule compiled
//! from small runbooks of our own, in several phrasings. What a test checks is where the
//! automated steps run — never on a host the text does not mean — and that a guess stays manual.

use std::collections::BTreeSet;

use rbc::plan::StepKind;
use rbc::planner::{compile, Compiled};
use rbc::source::Source;

fn plan(text: &str) -> Compiled {
    compile(&Source::from_text("runbook.md", text))
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in the runbook"))
        + 1
}

fn automated(kind: StepKind) -> bool {
    matches!(kind, StepKind::Converge | StepKind::Once | StepKind::Check)
}

/// The hosts that run an automated step from the runbook line holding `needle`.
fn hosts_of(c: &Compiled, text: &str, needle: &str) -> BTreeSet<String> {
    let line = line_of(text, needle);
    c.plan
        .steps
        .iter()
        .filter(|s| s.line == line && automated(s.kind))
        .flat_map(|s| s.hosts.iter().cloned())
        .collect()
}

/// The hosts that have a manual step from the line holding `needle`.
fn manual_on(c: &Compiled, text: &str, needle: &str) -> BTreeSet<String> {
    let line = line_of(text, needle);
    c.plan
        .steps
        .iter()
        .filter(|s| s.line == line && s.kind == StepKind::Manual)
        .flat_map(|s| s.hosts.iter().cloned())
        .collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| s.to_string()).collect()
}

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
