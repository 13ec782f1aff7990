//! What the operator reads at the host (issue #13): compiled bundles of small runbooks run by
//! real bash in a throwaway root (tests/common/sandbox.rs); every line run.sh and rollback.sh
//! print must be true and say what to do next.

mod common;
use common::rbc;
use common::sandbox::{self, Sandbox};

/// Compiles `md` with the payloads given (name, content) and returns the host's tarball bytes.
fn bundle(md: &str, host: &str, payloads: &[(&str, &[u8])]) -> Vec<u8> {
    let mut r = rbc().file("runbook.md", md);
    let mut args = vec!["compile"];
    if !payloads.is_empty() {
        for (name, content) in payloads {
            r = r.file(&format!("payloads/{name}"), content);
        }
        args.extend(["--artifacts", "payloads"]);
    }
    let r = r.args(&args);
    let out = r.run();
    assert_eq!(out.code, 0, "compile failed:\n{}", out.stderr);
    std::fs::read(r.path(&format!("dist/hosts/{host}.tar.gz"))).expect("tarball")
}

/// A sandbox holding the bundle unpacked in /root/<host>, and a plain /etc/profile.
fn unpacked(host: &str, tarball: &[u8]) -> Sandbox {
    let sb = Sandbox::new();
    sb.write(&format!("/root/{host}.tar.gz"), tarball);
    sb.write("/etc/profile", "# /etc/profile\nexport PATH\n");
    let out = sb.run(&format!("cd /root && tar xzf {host}.tar.gz"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    sb
}

/// A pseudo-terminal inside the sandbox (its own devpts, in its own mount namespace), for `script`.
const PTY: &str = "mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts && mount --bind /dev/pts/ptmx /dev/ptmx; ";

fn show(out: &common::sandbox::Out) -> String {
    format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        out.code, out.stdout, out.stderr
    )
}

const DB: &str = r#"# 数据修复

## 1. 主机

| 主机名 | IP |
|---|---|
| db-1 | 10.9.0.5 |

## 2. 修复数据

上传fix_orders.sql到db-1的/root下，执行：

```
# mysql -uroot -p --default-character-set=utf8
mysql> use shop
mysql> source /root/fix_orders.sql.sql
```
"#;

/// Item 4: a doubled extension (L005) makes the command that uses it manual, as L001–L003 and
/// L006 do: the client is never handed a file that does not exist.
#[test]
fn a_doubled_extension_is_a_manual_step_not_a_sql_run() {
    if !sandbox::available() {
        return;
    }
    let tar = bundle(DB, "db-1", &[("fix_orders.sql", b"update t set a=1;\n")]);
    let sb = unpacked("db-1", &tar);
    let out = sb.run("cd /root/db-1 && unset RBC_MANUAL_DONE && ./run.sh --force-host --yes");
    assert_eq!(out.code, 3, "stops at the manual step:\n{}", show(&out));
    assert!(out.stdout.contains("L005"), "{}", show(&out));
    assert!(
        out.stdout.contains("/root/fix_orders.sql"),
        "says which file is meant:\n{}",
        show(&out)
    );
    assert!(
        out.stdout
            .contains("On this host: the file uploaded at line")
            && out.stdout.contains("use `/root/fix_orders.sql`"),
        "says what to do on the host, not how to edit the runbook:\n{}",
        show(&out)
    );
    let said = out.stdout.split("--- runbook").next().unwrap_or_default();
    assert!(
        said.contains("source /root/fix_orders.sql.sql") && !said.contains("use shop"),
        "the instruction shows only the line in doubt (the runbook's block follows it):\n{}",
        show(&out)
    );
    let calls = sb.run("cat /var/lib/rbc-stub/sql 2>/dev/null");
    assert!(
        !calls.stdout.contains("sql.sql"),
        "the client was run with the doubled name:\n{}",
        calls.stdout
    );
}

const WEB: &str = r#"# 配置调整

## 1. 主机

| 主机名 | IP |
|---|---|
| web-1 | 10.8.0.11 |

## 2. 环境变量

在web-1上，在/etc/profile文件末尾追加：

```
export APP_HOME=/opt/app
```

## 3. 检查

在web-1上执行：

```
# touch /root/started
# ls /root/no-such-dir
```
"#;

/// Item 10: --list and --dry-run change nothing, so they work on any machine; a bad --only
/// is refused before the lock, the state folder and the log exist; a failure names the command.
#[test]
fn list_and_dry_run_work_anywhere_and_a_bad_only_changes_nothing() {
    if !sandbox::available() {
        return;
    }
    let tar = bundle(WEB, "web-1", &[]);
    let sb = unpacked("web-1", &tar);
    let list = sb.run("cd /root/web-1 && ./run.sh --list");
    assert_eq!(list.code, 0, "--list on another machine:\n{}", show(&list));
    assert!(
        list.stdout.contains("2-1") && list.stdout.contains("pending"),
        "{}",
        show(&list)
    );
    assert!(
        list.stdout.contains("not web-1"),
        "says whose journal it is:\n{}",
        show(&list)
    );
    let dry = sb.run("cd /root/web-1 && ./run.sh --dry-run");
    assert_eq!(dry.code, 0, "--dry-run on another machine:\n{}", show(&dry));
    assert!(dry.stdout.contains("would change"), "{}", show(&dry));
    let bad = sb.run("cd /root/web-1 && ./run.sh --force-host --only 9.9-9; echo \"state: $(ls -A /var/lib/rbc 2>&1)\"");
    assert!(
        bad.stderr.contains("--only 9.9-9: no such step"),
        "{}",
        show(&bad)
    );
    assert!(
        bad.stdout.contains("state: ls:"),
        "a state folder was made:\n{}",
        show(&bad)
    );
    assert!(
        !bad.stdout.contains("host:") && !bad.stderr.contains("not web-1"),
        "checked before the host:\n{}",
        show(&bad)
    );
    let wrong = sb.run("cd /root/web-1 && ./run.sh");
    assert_eq!(
        wrong.code,
        5,
        "a real run still refuses the wrong host:\n{}",
        show(&wrong)
    );

    let run = sb.run("cd /root/web-1 && ./run.sh --force-host --yes");
    assert_eq!(run.code, 1, "{}", show(&run));
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("ls /root/no-such-dir"),
        "names the runbook's command:\n{all}"
    );
    assert!(
        !all.contains("return 1") && !all.contains("bash -c"),
        "noise:\n{all}"
    );
}

/// Item 10: answering n to "Do it again?" is not reported as done.
#[test]
fn declining_a_redo_does_not_say_done() {
    if !sandbox::available() {
        return;
    }
    let md = WEB.replace("# ls /root/no-such-dir\n", "");
    let tar = bundle(&md, "web-1", &[]);
    let sb = unpacked("web-1", &tar);
    let first = sb.run("cd /root/web-1 && ./run.sh --force-host --yes");
    assert_eq!(first.code, 0, "{}", show(&first));
    let redo = sb.run(
        &format!("{PTY}cd /root/web-1 && printf 'n\\n' | script -q -e -c './run.sh --force-host --only 3-1' /dev/null"),
    );
    assert_eq!(redo.code, 0, "{}", show(&redo));
    assert!(redo.stdout.contains("Do it again?"), "{}", show(&redo));
    assert!(
        !redo.stdout.contains("Done"),
        "said Done after n:\n{}",
        show(&redo)
    );
    assert!(redo.stdout.contains("Nothing was done"), "{}", show(&redo));
}

const MQ: &str = r#"# 集群

## 1. 主机

| 主机名 | IP |
|---|---|
| mq-a | 10.7.0.1 |
| mq-b | 10.7.0.2 |

## 2. 同步 cookie

登录mq-b服务器，修改cookie文件：

```
# vim /var/lib/mq/.cookie
```

把mq-a上读到的.cookie内容拷贝到mq-b的该文件中，保存。
"#;

/// Item 2: a corrected value in the environment wins over the kept one; --forget drops it; the
/// bundle README says where values live.
#[test]
fn a_corrected_value_wins_and_forget_drops_the_kept_one() {
    if !sandbox::available() {
        return;
    }
    let tar = bundle(MQ, "mq-b", &[]);
    let sb = unpacked("mq-b", &tar);
    sb.write("/var/lib/mq/.cookie", "FIRSTBOOT");
    let list = sb.run("cd /root/mq-b && ./run.sh --list");
    let id = list
        .stdout
        .lines()
        .find(|l| l.contains(".cookie"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or_else(|| panic!("no cookie step:\n{}", show(&list)))
        .to_string();
    let first = sb.run("cd /root/mq-b && RBC_VALUE_COOKIE=OLDVALUE ./run.sh --force-host --yes");
    assert_eq!(first.code, 0, "{}", show(&first));
    assert_eq!(sb.run("cat /var/lib/mq/.cookie").stdout, "OLDVALUE");
    let fixed = sb.run(&format!(
        "cd /root/mq-b && RBC_VALUE_COOKIE=NEWVALUE ./run.sh --force-host --yes --only {id}"
    ));
    assert_eq!(fixed.code, 0, "{}", show(&fixed));
    assert_eq!(
        sb.run("cat /var/lib/mq/.cookie").stdout,
        "NEWVALUE",
        "{}",
        show(&fixed)
    );
    let kept = sb.run("cat /var/lib/rbc/mq-b/values/COOKIE");
    assert_eq!(kept.stdout, "NEWVALUE");

    let forget = sb.run("cd /root/mq-b && ./run.sh --force-host --forget COOKIE");
    assert_eq!(forget.code, 0, "{}", show(&forget));
    assert!(
        forget.stdout.contains(&id),
        "names the step to run again:\n{}",
        show(&forget)
    );
    assert_eq!(sb.run("ls /var/lib/rbc/mq-b/values/").stdout, "");
    let asks = sb.run(&format!(
        "cd /root/mq-b && ./run.sh --force-host --yes --only {id}"
    ));
    assert_eq!(asks.code, 1, "{}", show(&asks));
    assert!(asks.stdout.contains("RBC_VALUE_COOKIE="), "{}", show(&asks));
    let typo = sb.run("cd /root/mq-b && ./run.sh --force-host --forget COOKY");
    assert_eq!(typo.code, 2, "{}", show(&typo));
    let readme = sb.run("cat /root/mq-b/README.txt");
    assert!(
        readme.stdout.contains("values/") && readme.stdout.contains("--forget"),
        "{}",
        readme.stdout
    );
}

/// Item 2: on a terminal the question is on its own line, a secret is not echoed and is typed
/// twice (two different entries are asked again).
#[test]
fn a_secret_is_asked_on_its_own_line_twice_and_not_echoed() {
    if !sandbox::available() {
        return;
    }
    let tar = bundle(MQ, "mq-b", &[]);
    let sb = unpacked("mq-b", &tar);
    sb.write("/var/lib/mq/.cookie", "FIRSTBOOT");
    let out = sb.run(
        &format!("{PTY}cd /root/mq-b && {{ sleep 1; printf 'S3CRETA\\n'; sleep 0.3; printf 'S3CRETB\\n'; sleep 0.3; printf 'S3CRETC\\n'; sleep 0.3; printf 'S3CRETC\\n'; sleep 2; }} | script -q -e -c './run.sh --force-host --yes' /dev/null"),
    );
    assert_eq!(out.code, 0, "{}", show(&out));
    assert_eq!(sb.run("cat /var/lib/mq/.cookie").stdout, "S3CRETC");
    assert!(
        !out.stdout.contains("S3CRET"),
        "the secret was echoed:\n{}",
        show(&out)
    );
    assert!(out.stdout.contains("the two differ"), "{}", show(&out));
    assert!(
        out.stdout
            .lines()
            .any(|l| l.trim_start().starts_with("COOKIE is needed")),
        "the question is not on its own line:\n{}",
        show(&out)
    );
}

const UPLOADS: &str = r#"# 部署

## 1. 主机

| 主机名 | IP |
|---|---|
| svc-1 | 10.5.0.2 |

## 2. 上传

将svc-agent-2.1.rpm和svc-web-2.1.tar.gz上传到svc-1的/opt目录下。

## 3. 时间

在所有服务器上添加时间同步crontab。

## 4. 安装

登录svc-1：

```
# cd /opt
# rpm -ivh svc-agent-2.1.rpm
# tar xzf svc-web-2.1.tar.gz
```
"#;

/// Item 3: one preflight lists every missing payload and program before any step runs (and
/// before the NTP server is asked); the plan says what a payload check checks.
#[test]
fn one_preflight_lists_everything_missing_and_payload_checks_say_what_they_check() {
    if !sandbox::available() {
        return;
    }
    let r = rbc().file("runbook.md", UPLOADS).args(&["compile"]);
    let out = r.run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let plan = std::fs::read_to_string(r.path("dist/plan.json")).unwrap();
    assert!(
        !plan.contains("right checksum"),
        "promises a checksum it does not have"
    );
    assert!(plan.contains("present only"), "{plan}");
    let tar = std::fs::read(r.path("dist/hosts/svc-1.tar.gz")).unwrap();
    let sb = unpacked("svc-1", &tar);
    sb.remove("/usr/sbin/ntpdate");
    let out = sb.run("cd /root/svc-1 && ./run.sh --force-host --yes");
    assert_eq!(out.code, 1, "{}", show(&out));
    for what in [
        "/opt/svc-agent-2.1.rpm",
        "/opt/svc-web-2.1.tar.gz",
        "/usr/sbin/ntpdate",
    ] {
        assert!(
            out.stderr.contains(what),
            "{what} not listed:\n{}",
            show(&out)
        );
    }
    assert!(
        !out.stdout.contains("NTP_SERVER") && !out.stderr.contains("needs NTP_SERVER"),
        "{}",
        show(&out)
    );
    assert!(
        !out.stdout.contains("changed"),
        "a step ran before the preflight:\n{}",
        show(&out)
    );

    let with = rbc()
        .file("runbook.md", UPLOADS)
        .file("payloads/svc-agent-2.1.rpm", "fake!")
        .file("payloads/svc-web-2.1.tar.gz", "fake!")
        .args(&["compile", "--artifacts", "payloads"]);
    assert_eq!(with.run().code, 0);
    let plan = std::fs::read_to_string(with.path("dist/plan.json")).unwrap();
    assert!(plan.contains("sha256 of the copy in the bundle"), "{plan}");
}

const IDLE: &str = r#"# 停机前检查

## 1. 主机

| 主机名 | IP |
|---|---|
| db-2 | 10.6.0.9 |
| app-2 | 10.6.0.10 |

## 2. 确认空闲

登录db-2，用SQL确认没有进行中的任务，共3个SQL：

```
select count(*) from job_queue where state = 'RUNNING';
select count(task_id) from batch_task
where finished = 0;
select count(*) from export_req where done = 0;
```

## 3. 查看日志

登录app-2，查看日志：

```
# tail -f /srv/app/logs/app.log
```
"#;

/// Item 5: counts are labelled by table and the one not 0 is named; a look at a log that does
/// not exist yet is `skipped`, not `ok`.
#[test]
fn counts_say_which_table_and_a_missing_log_is_not_a_pass() {
    if !sandbox::available() {
        return;
    }
    let tar = bundle(IDLE, "db-2", &[]);
    let sb = unpacked("db-2", &tar);
    sb.write(
        "/opt/rbc-stubs/mysql",
        "#!/bin/bash\ncat >/dev/null\nprintf '0\\n3\\n0\\n'\n",
    );
    sb.chmod("/opt/rbc-stubs/mysql", 0o755);
    let out = sb.run("cd /root/db-2 && ./run.sh --force-host --yes");
    assert_eq!(out.code, 1, "{}", show(&out));
    assert!(out.stdout.contains("job_queue"), "{}", show(&out));
    assert!(
        out.stdout.contains("batch_task (3)"),
        "names the table whose count is not 0:\n{}",
        show(&out)
    );

    let tar = bundle(IDLE, "app-2", &[]);
    let sb = unpacked("app-2", &tar);
    let out = sb.run("cd /root/app-2 && RBC_TAIL_WAIT=1 ./run.sh --force-host --yes");
    assert_eq!(out.code, 0, "{}", show(&out));
    let line = out
        .stdout
        .lines()
        .rev()
        .find(|l| l.contains("app.log"))
        .unwrap_or("");
    assert!(
        line.contains("skipped") && line.contains("nothing to look at yet"),
        "{}",
        show(&out)
    );
    let list = sb.run("cd /root/app-2 && ./run.sh --list");
    assert!(
        list.stdout.contains("pending"),
        "looked at again next time:\n{}",
        list.stdout
    );
}

const MODES: &str = r#"# 权限

## 1. 主机

| 主机名 | IP |
|---|---|
| app-3 | 10.4.0.3 |

## 2. 改密钥

登录app-3，先打开写权限，写入后再去掉：

```
# chmod +w /srv/key/app.key
# cp /srv/key/new.key /srv/key/app.key
# chmod -w /srv/key/app.key
```
"#;

/// Item 6: a converge step that a later step undoes on purpose (`chmod +w` … `chmod -w`) is not
/// reported as "no longer holds … --only applies it again" on the next run.
#[test]
fn a_state_a_later_step_changes_on_purpose_is_not_offered_again() {
    if !sandbox::available() {
        return;
    }
    let tar = bundle(MODES, "app-3", &[]);
    let sb = unpacked("app-3", &tar);
    sb.write("/srv/key/app.key", "old\n");
    sb.chmod("/srv/key/app.key", 0o444);
    sb.write("/srv/key/new.key", "new\n");
    let first = sb.run("cd /root/app-3 && ./run.sh --force-host --yes");
    assert_eq!(first.code, 0, "{}", show(&first));
    let again = sb.run("cd /root/app-3 && ./run.sh --force-host --yes --verbose");
    assert_eq!(again.code, 0, "{}", show(&again));
    assert!(
        !again.stdout.contains("--only"),
        "offers to redo it:\n{}",
        show(&again)
    );
    assert!(
        again.stdout.contains("changed it later"),
        "{}",
        show(&again)
    );
}

/// Item 8: colour on a terminal only (never with NO_COLOR or without a terminal); a re-run folds
/// the steps done earlier into one line, --verbose prints each.
#[test]
fn colour_on_a_terminal_and_a_rerun_folds_the_steps_done_earlier() {
    if !sandbox::available() {
        return;
    }
    let tar = bundle(WEB, "web-1", &[]);
    let sb = unpacked("web-1", &tar);
    let plain = sb.run("cd /root/web-1 && ./run.sh --force-host --yes");
    assert_eq!(plain.code, 1, "{}", show(&plain));
    assert!(
        !plain.stdout.contains('\u{1b}'),
        "colour without a terminal:\n{}",
        show(&plain)
    );
    let tty = sb.run(&format!(
        "{PTY}cd /root/web-1 && TERM=xterm script -q -e -c './run.sh --force-host --yes' /dev/null </dev/null"
    ));
    assert!(
        tty.stdout.contains("\u{1b}[31mfailed"),
        "no red on a terminal:\n{}",
        show(&tty)
    );
    let no_color = sb.run(
        &format!("{PTY}cd /root/web-1 && TERM=xterm NO_COLOR=1 script -q -e -c './run.sh --force-host --yes' /dev/null </dev/null"),
    );
    assert!(
        !no_color.stdout.contains("\u{1b}["),
        "colour with NO_COLOR:\n{}",
        show(&no_color)
    );
    assert!(
        no_color.stdout.contains("steps 1–2: done earlier"),
        "{}",
        show(&no_color)
    );
    assert!(!no_color.stdout.contains("[1/3]"), "{}", show(&no_color));
    assert!(
        no_color.stdout.contains("[3/3]"),
        "the pending step has its line:\n{}",
        show(&no_color)
    );
    let verbose = sb.run("cd /root/web-1 && ./run.sh --force-host --yes --verbose");
    assert!(
        verbose.stdout.contains("[1/3]") && !verbose.stdout.contains("done earlier ("),
        "{}",
        show(&verbose)
    );
}

const TWO_GATES: &str = r#"# 集群启动

## 1. 主机

| 主机名 | IP |
|---|---|
| node-a | 10.3.0.1 |
| node-b | 10.3.0.2 |

## 2. 启动 node-a

登录node-a：

```
# touch /root/a-started
```

## 3. node-b 加入

登录node-b：

```
# touch /root/b-joined
```

## 4. node-a 检查

登录node-a：

```
# touch /root/a-checked
```

## 5. node-b 收尾

登录node-b：

```
# touch /root/b-done
```
"#;

/// Item 9: a gate names the steps it waits for by id, host and what they do, says how to check,
/// and two gates of one host print different texts.
#[test]
fn gates_name_their_steps_and_differ() {
    if !sandbox::available() {
        return;
    }
    let tar = bundle(TWO_GATES, "node-b", &[]);
    let sb = unpacked("node-b", &tar);
    let first = sb.run("cd /root/node-b && ./run.sh --force-host");
    assert_eq!(first.code, 4, "{}", show(&first));
    assert!(first.stdout.contains("2-1 on node-a: "), "{}", show(&first));
    assert!(
        first.stdout.contains("./run.sh --list"),
        "how to check:\n{}",
        show(&first)
    );
    let list = sb.run("cd /root/node-b && ./run.sh --list");
    let gates: Vec<&str> = list
        .stdout
        .lines()
        .filter(|l| l.contains("gate:"))
        .collect();
    assert_eq!(gates.len(), 2, "{}", list.stdout);
    assert_ne!(gates[0].trim(), gates[1].trim(), "{}", list.stdout);
    assert!(gates[1].contains("4-1 on node-a"), "{}", list.stdout);
}
