//! Issue #11, what a block is: configuration content whose place the sentence names. Each form
//! is compiled from small runbooks of our own, in several phrasings, with negatives; the edits
//! rbc generates are run by real bash in a throwaway root.

mod common;

use common::rbc;
use common::sandbox::{self, Sandbox};
use rbc::plan::{Action, StepKind};
use rbc::planner::{compile, Compiled};
use rbc::source::Source;

fn plan(text: &str) -> Compiled {
    compile(&Source::from_text("runbook.md", text))
}

const HOSTS: &str = "# 数据库参数调整\n\n| 主机 | IP |\n|---|---|\n| db-a | 10.9.1.1 |\n| db-b | 10.9.1.2 |\n\n## 1 参数\n\n";

fn runbook(lead: &str, content: &str) -> String {
    format!("{HOSTS}{lead}\n\n```\n{content}\n```\n\n## 2 重启\n\n在 db-a 上执行：\n\n```\nsystemctl restart mysqld\n```\n")
}

/// The step made from the content's first line: its kind, hosts and action.
fn content_step(c: &Compiled, text: &str, first: &str) -> (StepKind, Vec<String>, Action) {
    let line = text.lines().position(|l| l == first).expect("content line") + 1;
    let s = c
        .plan
        .steps
        .iter()
        .find(|s| s.line == line)
        .unwrap_or_else(|| panic!("no step on line {line}: {:#?}", c.plan.steps));
    (s.kind, s.hosts.clone(), s.action.clone())
}

const KEYS: &str = "server-id = 101\nlog-bin = /data/mysql/binlog/mysql-bin\nskip-name-resolve";

#[test]
fn keys_for_a_named_section_of_a_named_file_are_set_in_that_section() {
    let leads = [
        "在 db-a 上编辑 /etc/my.cnf，在 [mysqld] 段下加入：",
        "在 db-a 上同样编辑 /etc/my.cnf 的 [mysqld] 段：",
        "登录 db-a，修改 /etc/my.cnf，在[mysqld]下添加以下参数：",
        "在 db-a 上修改 /etc/my.cnf 中 [mysqld] 部分，设置：",
    ];
    for lead in leads {
        let text = runbook(lead, KEYS);
        let c = plan(&text);
        let (kind, hosts, action) = content_step(&c, &text, "server-id = 101");
        assert_eq!(kind, StepKind::Converge, "{lead}: {action:?}");
        assert_eq!(hosts, vec!["db-a".to_string()], "{lead}");
        match action {
            Action::IniSet {
                path,
                section,
                lines,
            } => {
                assert_eq!(path, "/etc/my.cnf", "{lead}");
                assert_eq!(section, "mysqld", "{lead}");
                assert_eq!(lines.len(), 3, "{lead}: {lines:?}");
            }
            other => panic!("{lead}: not a section edit: {other:?}"),
        }
    }
    // The section's own header as the content's first line is not a key.
    let text = runbook(
        "在 db-b 上修改 /etc/nfs.conf，在 [nfsd] 段下设置：",
        "[nfsd]\nvers3=n\nthreads=16",
    );
    let c = plan(&text);
    let (kind, hosts, action) = content_step(&c, &text, "[nfsd]");
    assert_eq!(kind, StepKind::Converge, "{action:?}");
    assert_eq!(hosts, vec!["db-b".to_string()]);
    assert!(
        matches!(&action, Action::IniSet { section, lines, .. } if section == "nfsd" && lines == &["vers3=n", "threads=16"]),
        "{action:?}"
    );
}

#[test]
fn a_section_edit_whose_place_or_whole_work_is_not_shown_stays_manual() {
    let cases = [
        // no section named: where in the file these go is not said
        ("在 db-a 上编辑 /etc/my.cnf，加入：", KEYS, false),
        // the sentence also asks to delete lines the content does not show
        (
            "在 db-a 上修改 /etc/my.cnf，删除 query_cache_size 一行，并在 [mysqld] 下追加：",
            KEYS,
            true,
        ),
        // another section inside the content
        (
            "在 db-a 上编辑 /etc/my.cnf，在 [mysqld] 段下加入：",
            "server-id = 101\n[client]\nport = 3306",
            true,
        ),
        // a value per host
        (
            "在 db-a、db-b 上编辑 /etc/my.cnf，在 [mysqld] 段下加入（server-id 每台不同）：",
            KEYS,
            true,
        ),
        // comments and not `key = value`
        (
            "在 db-a 上编辑 /etc/my.cnf，在 [mysqld] 段下加入：",
            "# binlog\nserver-id 101",
            true,
        ),
    ];
    for (lead, content, manual) in cases {
        let text = runbook(lead, content);
        let c = plan(&text);
        let first = content.lines().next().unwrap();
        let (kind, _, action) = content_step(&c, &text, first);
        assert!(
            !matches!(action, Action::IniSet { .. }),
            "{lead}: {action:?}"
        );
        if manual {
            assert_eq!(kind, StepKind::Manual, "{lead}: {action:?}");
        }
    }
}

const BEFORE: &str = "[client]\nport = 3306\n\n[mysqld]\ndatadir=/var/lib/mysql\nserver_id=1\n\n# the safe wrapper\n[mysqld_safe]\nlog-error=/var/log/mysqld.log\n";
const AFTER: &str = "[client]\nport = 3306\n\n[mysqld]\ndatadir=/var/lib/mysql\nserver-id = 101\nlog-bin = /data/mysql/binlog/mysql-bin\nskip-name-resolve\n\n# the safe wrapper\n[mysqld_safe]\nlog-error=/var/log/mysqld.log\n";
const NFS_AFTER: &str = "# nfs.conf\n[general]\npipefs-directory=/var/lib/nfs/rpc_pipefs\n\n[nfsd]\nvers3=n\nthreads=16\n";

#[test]
fn the_generated_section_edit_sets_keys_once_and_rolls_back() {
    if !sandbox::available() {
        return;
    }
    let text = format!(
        "{HOSTS}在 db-a 上编辑 /etc/my.cnf，在 [mysqld] 段下加入：\n\n```\n{KEYS}\n```\n\n在 db-a 上修改 /etc/nfs.conf，在 [nfsd] 段下设置：\n\n```\n[nfsd]\nvers3=n\nthreads=16\n```\n"
    );
    // compile runs shellcheck on every generated script: a finding fails it
    let r = rbc().file("runbook.md", &text).args(&["compile"]);
    let out = r.run();
    assert_eq!(out.code, 0, "compile failed:\n{}", out.stderr);
    let sb = Sandbox::new();
    sb.write(
        "/root/db-a.tar.gz",
        std::fs::read(r.path("dist/hosts/db-a.tar.gz")).unwrap(),
    );
    sb.write("/etc/my.cnf", BEFORE);
    sb.write(
        "/etc/nfs.conf",
        "# nfs.conf\n[general]\npipefs-directory=/var/lib/nfs/rpc_pipefs\n",
    );
    let first = sb.run(
        "cd /root && tar xzf db-a.tar.gz && cd db-a && ./run.sh --force-host --yes && cat /etc/my.cnf && echo ==== && cat /etc/nfs.conf",
    );
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    let (cnf, nfs) = first.stdout.rsplit_once("====\n").unwrap();
    assert!(cnf.ends_with(AFTER), "my.cnf:\n{cnf}");
    assert_eq!(nfs, NFS_AFTER, "a missing section is added");
    // `server_id=1` was replaced (mysqld reads - and _ alike), not left beside the new key
    assert!(!cnf.contains("server_id=1"));

    let second =
        sb.run("cd /root/db-a && ./run.sh --force-host --yes && md5sum /etc/my.cnf /etc/nfs.conf");
    assert_eq!(second.code, 0, "{}\n{}", second.stdout, second.stderr);
    assert!(second.stdout.contains("changed=0"), "{}", second.stdout);

    let back = sb.run("cd /root/db-a && ./rollback.sh --force-host --yes && cat /etc/my.cnf && echo ==== && cat /etc/nfs.conf");
    assert_eq!(back.code, 0, "{}\n{}", back.stdout, back.stderr);
    let (cnf, nfs) = back.stdout.rsplit_once("====\n").unwrap();
    assert!(cnf.ends_with(BEFORE), "rolled back my.cnf:\n{cnf}");
    assert_eq!(
        nfs,
        "# nfs.conf\n[general]\npipefs-directory=/var/lib/nfs/rpc_pipefs\n"
    );
}

/// Item 15: a client given its statement in a cluster of switches (`psql -Atc "…"`,
/// `mysql -sNe "…"`) runs it and exits; a client given nothing to do still waits for a person.
#[test]
fn clients_given_work_in_a_cluster_of_switches_are_not_interactive() {
    let head = "# 检查\n\n| 主机 | IP |\n|---|---|\n| pg-1 | 10.9.2.1 |\n\n## 1 检查\n\n在 pg-1 上执行：\n\n```\n";
    let cases = [
        ("psql -Atc \"select pg_is_in_recovery();\"", true),
        ("psql -tAc 'select 1'", true),
        ("psql -qAtf /tmp/check.sql", true),
        ("mysql -sNe \"show databases\"", true),
        ("mysql -BNe 'select 1'", true),
        // nothing to do: the client's prompt
        ("psql -At", false),
        ("psql -U postgres", false),
        // a password glued to -p is not a statement
        ("mysql -uroot -pexample", false),
    ];
    for (cmd, automated) in cases {
        let text = format!("{head}{cmd}\n```\n");
        let c = plan(&text);
        let line = text.lines().position(|l| l == cmd).unwrap() + 1;
        let s = c
            .plan
            .steps
            .iter()
            .find(|s| s.line == line)
            .unwrap_or_else(|| panic!("{cmd}: no step"));
        assert_eq!(
            s.kind != StepKind::Manual,
            automated,
            "{cmd}: {:?} {:?}",
            s.kind,
            s.action
        );
        if automated {
            assert_eq!(s.hosts, vec!["pg-1".to_string()], "{cmd}");
        }
    }
}
