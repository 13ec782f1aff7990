//! rollback.sh tells the truth (issue #13 items 1 and 11): it stops what the run started before
//! it removes that program's files, restarts a service whose configuration it put back, says
//! "finished" only when nothing is left, and otherwise ends with exit 7 and a list in words; a
//! rollback chapter's `mv OLD NEW` that finds NEW made again says (or does) what to do. Real
//! bundles compiled from small runbooks, run by real bash in a throwaway root.

mod common;
use common::rbc;
use common::sandbox::{self, Sandbox};

/// A .tar.gz holding `files` (path, content), made with the system's tar.
fn tarball(files: &[(&str, &str)]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    for (path, content) in files {
        let p = src.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, content).unwrap();
    }
    let out = dir.path().join("out.tar.gz");
    let st = std::process::Command::new("tar")
        .arg("czf")
        .arg(&out)
        .arg("-C")
        .arg(&src)
        .arg(".")
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::read(out).unwrap()
}

/// Compiles `md` with the payloads given and returns the host's tarball bytes.
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

fn unpacked(host: &str, tarball: &[u8]) -> Sandbox {
    let sb = Sandbox::new();
    sb.write(&format!("/root/{host}.tar.gz"), tarball);
    sb.write("/etc/profile", "# /etc/profile\nexport PATH\n");
    sb.write("/etc/sysconfig/iptables", IPTABLES);
    let out = sb.run(&format!("cd /root && tar xzf {host}.tar.gz"));
    assert_eq!(out.code, 0, "{}", out.stderr);
    sb
}

fn show(out: &common::sandbox::Out) -> String {
    format!(
        "exit {}\n--- stdout\n{}--- stderr\n{}",
        out.code, out.stdout, out.stderr
    )
}

const IPTABLES: &str = "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n";

/// A daemon started by its own command, the runbook's way to stop it written elsewhere (on
/// another host), a firewall rule and its restart, and a package rbc cannot remove.
const MQ: &str = r#"# 消息服务上线

## 1. 服务器

| 主机名 | IP |
|---|---|
| mq-1 | 10.7.0.5 |
| mq-2 | 10.7.0.6 |

## 2. 部署

将mq-app.tar.gz上传到mq-1的/opt目录下，然后在mq-1上执行：

```
# cd /opt
# tar -xzf mq-app.tar.gz
# yum install -y xz
```

打开端口，在mq-1上：

```
# vi /etc/sysconfig/iptables
```

增加如下内容：

```
-A INPUT -m state --state NEW -m tcp -p tcp --dport 5672 -j ACCEPT
```

```
# service iptables restart
```

## 3. 启动

登录mq-1，启动服务：

```
# rabbitmq-server -detached
```

## 4. 检查

登录mq-2，先停掉服务：

```
# rabbitmqctl stop
```
"#;

/// Item 1: the rollback stops the server the run started (the runbook's own `rabbitmqctl stop`)
/// before removing its files, restarts the firewall once its rules are back on disk, and, with
/// a package still installed, does not say "finished": exit 7 and what is left, in words.
#[test]
fn rollback_stops_what_the_run_started_reloads_what_it_restored_and_lists_what_is_left() {
    if !sandbox::available() {
        return;
    }
    let app = tarball(&[("mq-app/conf/mq.conf", "port=5672\n")]);
    let tar = bundle(MQ, "mq-1", &[("mq-app.tar.gz", &app)]);
    let sb = unpacked("mq-1", &tar);
    let out = sb.run(
        "cd /root/mq-1 && ./run.sh --force-host --yes; echo \"run exit $?\"; \
         echo \"running: $(ps -eo args | grep -c '[r]abbitmq_server')\"; \
         ./rollback.sh --force-host --yes; echo \"rollback exit $?\"; \
         echo \"running after: $(ps -eo args | grep -c '[r]abbitmq_server')\"",
    );
    let text = show(&out);
    assert!(text.contains("run exit 0"), "{text}");
    assert!(text.contains("running: 1"), "the run started it:\n{text}");
    assert!(
        text.contains("running after: 0"),
        "the rollback left the server running:\n{text}"
    );
    assert!(
        text.contains("stopping it the runbook's way: rabbitmqctl stop"),
        "the runbook's own stop command is used:\n{text}"
    );
    let journal = sb.run("cat /var/lib/rbc/mq-1/journal");
    assert!(
        journal
            .stdout
            .contains("started: rabbitmq-server -detached (in /root; recognised by pattern"),
        "the run journals what it started:\n{}",
        journal.stdout
    );
    // The firewall: its rules are back on disk, and it was restarted after they were.
    let state = sb.run("cat /etc/sysconfig/iptables; ls /opt; cat /var/lib/rbc-stub/calls");
    assert!(state.stdout.starts_with(IPTABLES), "{}", state.stdout);
    assert!(
        !state.stdout.contains("mq-app\n"),
        "the unpacked folder is removed:\n{}",
        state.stdout
    );
    let calls: Vec<&str> = state.stdout.lines().collect();
    let stop = calls.iter().position(|l| *l == "rabbitmqctl stop");
    let restarts: Vec<usize> = calls
        .iter()
        .enumerate()
        .filter(|(_, l)| **l == "service iptables restart")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        restarts.len(),
        2,
        "restarted by the run and again by the rollback:\n{}",
        state.stdout
    );
    assert!(stop.is_some_and(|s| s < restarts[1]), "{}", state.stdout);
    assert!(
        text.contains("[after undo] service iptables restart"),
        "{text}"
    );
    // Not "finished": a package is still installed; said in words, with exit 7.
    assert!(text.contains("rollback exit 7"), "{text}");
    assert!(!text.contains("Rollback finished"), "{text}");
    let left: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.starts_with("Left for a person"))
        .skip(1)
        .take_while(|l| l.starts_with("  - "))
        .collect();
    assert_eq!(left.len(), 1, "{text}");
    assert!(
        left[0].contains("still in place") && left[0].contains("install xz"),
        "{text}"
    );
    assert!(!left[0].contains("2-"), "words, not step ids: {}", left[0]);
}

/// A program started with `nohup … &` in its folder, no stop command in the runbook: the
/// rollback stops it with SIGTERM (saying which pids) and only then removes the folder; nothing
/// else is left, so it says "finished" (exit 0). One that ignores SIGTERM stops the rollback
/// before its files go, with the pids and the command to run.
const SHOP: &str = r#"# 商城发布

## 1. 服务器

| 主机名 | IP |
|---|---|
| shop-1 | 10.6.0.9 |

## 2. 发布

上传shop.tar.gz到shop-1的/srv下。在shop-1上解压并启动：

```
[root@shop-1 ~]# cd /srv
[root@shop-1 srv]# tar zxf shop.tar.gz
[root@shop-1 srv]# cd /srv/shop
[root@shop-1 shop]# nohup sh run.sh &
```
"#;

#[test]
fn rollback_stops_a_program_in_its_folder_before_removing_the_folder() {
    if !sandbox::available() {
        return;
    }
    for (script, stops) in [
        ("exec sleep 600\n", true),
        ("trap '' TERM\nwhile :; do sleep 1; done\n", false),
    ] {
        let app = tarball(&[("shop/run.sh", script)]);
        let tar = bundle(SHOP, "shop-1", &[("shop.tar.gz", &app)]);
        let sb = unpacked("shop-1", &tar);
        let out = sb.run(
            "cd /root/shop-1 && ./run.sh --force-host --yes; echo \"run exit $?\"; \
             ./rollback.sh --force-host --yes; echo \"rollback exit $?\"; \
             ls /srv; for p in /proc/[0-9]*; do [ \"$(readlink $p/cwd)\" = /srv/shop ] && echo \"left pid ${p#/proc/}\"; done; true",
        );
        let text = show(&out);
        assert!(text.contains("run exit 0"), "{text}");
        assert!(
            text.contains("still running: sh run.sh, started by the run in /srv/shop (pids "),
            "{text}"
        );
        if stops {
            assert!(text.contains("sending SIGTERM to"), "{text}");
            assert!(text.contains("rollback exit 0"), "{text}");
            assert!(text.contains("nothing is left"), "{text}");
            assert!(!text.contains("left pid"), "{text}");
            assert!(!text.contains("\nshop\n"), "the folder is removed:\n{text}");
        } else {
            assert!(text.contains("rollback exit 1"), "{text}");
            assert!(text.contains("stop it yourself: kill -9 "), "{text}");
            assert!(
                text.contains("\nshop\n"),
                "its files are not removed while it runs:\n{text}"
            );
            assert!(!text.contains("Rollback finished"), "{text}");
        }
    }
}

/// Item 11: the rollback chapter renames the old version back (`mv OLD NEW`), but NEW was made
/// again by hand after the run. Unknown to the journal: rbc says exactly what to run first;
/// made by a step of the run (here a manual unpack the operator confirmed): rbc moves it aside.
const PORTAL_BY_HAND: &str = r#"# 门户升级

## 1. 服务器

| 主机名 | IP |
|---|---|
| portal-1 | 10.5.0.3 |

## 2. 备份

在portal-1上备份旧版本：

```
# mv /opt/portal /opt/portal_20240301
```

## 3. 回滚

在portal-1上恢复旧版本：

```
# mv /opt/portal_20240301 /opt/portal
```
"#;

const PORTAL_UNPACKED: &str = r#"# 门户升级

## 1. 服务器

| 主机名 | IP |
|---|---|
| portal-1 | 10.5.0.3 |

## 2. 部署

将portal-2.0.tar.gz上传到portal-1的/opt下。在portal-1上备份旧版本并解压新版本：

```
# mv /opt/portal /opt/portal_20240301
# cd /opt
# tar zxf portal.tar.gz
```

## 3. 回滚

在portal-1上恢复旧版本：

```
# mv /opt/portal_20240301 /opt/portal
```
"#;

#[test]
fn a_rollback_rename_onto_a_folder_made_again_says_or_does_what_to_do() {
    if !sandbox::available() {
        return;
    }
    let setup = "mkdir -p /opt/portal && echo old >/opt/portal/index.html && \
                 cd /root/portal-1 && ./run.sh --force-host --yes; echo \"run exit $?\"; \
                 mkdir -p /opt/portal && echo new >/opt/portal/index.html";
    // Not the run's own: refused, with the command that moves it aside.
    let tar = bundle(PORTAL_BY_HAND, "portal-1", &[]);
    let sb = unpacked("portal-1", &tar);
    let first = sb.run(&format!(
        "{setup}; cd /root/portal-1 && ./rollback.sh --force-host --yes; echo \"rollback exit $?\""
    ));
    let text = show(&first);
    assert!(text.contains("run exit 0"), "{text}");
    assert!(text.contains("rollback exit 1"), "{text}");
    assert!(
        text.contains("  mv /opt/portal /opt/portal_failed"),
        "says exactly what to run first:\n{text}"
    );
    // Doing what it says, then rolling back again, puts the old version back.
    let again = sb.run(
        "mv /opt/portal /opt/portal_failed && cd /root/portal-1 && ./rollback.sh --force-host --yes; \
         echo \"rollback exit $?\"; cat /opt/portal/index.html",
    );
    let text = show(&again);
    assert!(text.contains("rollback exit 0"), "{text}");
    assert!(text.contains("\nold\n"), "{text}");

    // The run's own (a manual unpack the operator confirmed): moved aside, said, and listed.
    let tar = bundle(
        PORTAL_UNPACKED,
        "portal-1",
        &[(
            "portal-2.0.tar.gz",
            &tarball(&[("portal/index.html", "new\n")]),
        )],
    );
    let sb = unpacked("portal-1", &tar);
    let out = sb.run(&format!(
        "{setup}; cd /root/portal-1 && ./rollback.sh --force-host --yes; echo \"rollback exit $?\"; \
         cat /opt/portal/index.html /opt/portal_failed/index.html"
    ));
    let text = show(&out);
    assert!(text.contains("run exit 0"), "{text}");
    assert!(
        text.contains("is the run's own") && text.contains("moved aside to /opt/portal_failed"),
        "{text}"
    );
    assert!(text.contains("\nold\nnew\n"), "{text}");
    assert!(text.contains("rollback exit 7"), "{text}");
    assert!(
        text.contains("  - the new version rbc moved aside to /opt/portal_failed"),
        "{text}"
    );
}

/// Item 7: `--diff` shows the unified diff of every file a step would change (with `--dry-run`,
/// nothing written) or changed, credentials masked.
const CONF: &str = r#"# 配置调整

## 1. 服务器

| 主机名 | IP |
|---|---|
| app-1 | 10.4.0.2 |

## 2. 配置

在app-1上，在/etc/profile文件末尾追加：

```
export APP_HOME=/opt/app
```

在app-1上修改/opt/app/conf/db.properties，写入如下内容：

```
db.url=jdbc:mysql://10.4.0.9:3306/shop
db.password=Secr3tValue9
```

```
# chmod 640 /opt/app/conf/app.xml
```
"#;

#[test]
fn diff_shows_what_each_step_would_change_and_changed_with_credentials_masked() {
    if !sandbox::available() {
        return;
    }
    let tar = bundle(CONF, "app-1", &[]);
    let sb = unpacked("app-1", &tar);
    sb.write(
        "/opt/app/conf/db.properties",
        "db.url=jdbc:mysql://10.4.0.1:3306/shop\ndb.password=OldPassw0rd\n",
    );
    sb.write("/opt/app/conf/app.xml", "<app/>\n");
    sb.chmod("/opt/app/conf/app.xml", 0o644);
    let before = sb.tree("/etc/profile /opt /var/lib/rbc");
    let dry = sb.run("cd /root/app-1 && ./run.sh --force-host --dry-run --diff");
    let text = show(&dry);
    assert_eq!(dry.code, 0, "{text}");
    assert!(
        text.contains("--- /etc/profile")
            && text.contains("+++ /etc/profile (after this step)")
            && text.contains("+export APP_HOME=/opt/app"),
        "the diff of the profile:\n{text}"
    );
    assert!(
        text.contains("mode of /opt/app/conf/app.xml: 644, after this step: chmod 640"),
        "{text}"
    );
    assert!(
        !text.contains("Secr3tValue9") && !text.contains("OldPassw0rd"),
        "a credential is shown:\n{text}"
    );
    assert!(
        text.contains("db.password=***") || text.contains("content not shown"),
        "{text}"
    );
    assert!(
        !text.contains("appended block"),
        "a dry run says it did nothing:\n{text}"
    );
    assert_eq!(
        before,
        sb.tree("/etc/profile /opt /var/lib/rbc"),
        "a dry run wrote something"
    );

    let real = sb.run("cd /root/app-1 && ./run.sh --force-host --diff");
    let text = show(&real);
    assert_eq!(real.code, 0, "{text}");
    assert!(text.contains("+export APP_HOME=/opt/app"), "{text}");
    assert!(
        !text.contains("Secr3tValue9") && !text.contains("OldPassw0rd"),
        "{text}"
    );
    let profile = sb.run("cat /etc/profile");
    assert!(profile.stdout.contains("export APP_HOME=/opt/app"));
}

/// Item 6: the destructive rollback SQL says plainly that rbc does not run it, in the same words
/// in the plan, the checklist and on the host's terminal; and rbc indeed does not run it.
const SHOP_DB: &str = r#"# 商城数据库变更

## 1. 服务器

| 主机名 | IP |
|---|---|
| db-1 | 10.3.0.4 |

## 2. 变更

登录db-1，执行：

```
# mkdir -p /data/backup
```

## 3. 回滚

登录db-1，删除新库：

```
# mysql -uroot -p
mysql> drop database shop_v2;
```
"#;

#[test]
fn destructive_rollback_sql_says_who_runs_it_the_same_everywhere() {
    if !sandbox::available() {
        return;
    }
    let by_hand = rbc::plan::BY_HAND;
    let r = rbc().file("runbook.md", SHOP_DB).args(&["compile"]);
    let out = r.run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let checklist = std::fs::read_to_string(r.path("dist/checklist.md")).unwrap();
    let at = checklist
        .find("drop database shop_v2")
        .expect("in the checklist");
    assert!(
        checklist[at..].contains(by_hand),
        "checklist:\n{}",
        &checklist[at..]
    );
    let plan = rbc()
        .file("runbook.md", SHOP_DB)
        .args(&["plan", "runbook.md"])
        .run();
    assert!(
        plan.stdout.contains(&format!("guard: {by_hand}")),
        "plan:\n{}",
        plan.stdout
    );
    let tar = std::fs::read(r.path("dist/hosts/db-1.tar.gz")).unwrap();
    let sb = unpacked("db-1", &tar);
    let out = sb.run(
        "cd /root/db-1 && ./run.sh --force-host --yes && unset RBC_MANUAL_DONE && ./rollback.sh --force-host --yes; \
         echo \"rollback exit $?\"; cat /var/lib/rbc-stub/sql 2>/dev/null",
    );
    let text = show(&out);
    assert!(
        text.contains("rollback exit 3"),
        "waits for the person:\n{text}"
    );
    assert!(text.contains(by_hand), "terminal:\n{text}");
    let calls = sb.run("cat /var/lib/rbc-stub/calls /var/lib/rbc-stub/sql 2>/dev/null");
    assert!(
        !calls.stdout.contains("drop"),
        "rbc ran the statement:\n{}",
        calls.stdout
    );
}

/// Item 9: a step whose hosts go one at a time (`依次`) is not announced as parallel, and the
/// checklist's waits name the steps (ids) as run.sh does, so two waits of one host for
/// different steps never read the same.
const SERIAL: &str = r#"# 集群扩容

## 1. 服务器

| 主机名 | IP |
|---|---|
| node-a | 10.2.0.1 |
| node-b | 10.2.0.2 |
| node-c | 10.2.0.3 |

## 2. 主节点

登录node-a，执行：

```
# mkdir -p /opt/cluster
```

## 3. 加入集群

依次在node-b、node-c上执行：

```
# mkdir -p /opt/cluster/member
```

## 4. 收尾

登录node-a，执行：

```
# mkdir -p /opt/cluster/done
```

登录node-b，执行：

```
# mkdir -p /opt/cluster/done
```
"#;

#[test]
fn the_checklist_does_not_call_one_host_at_a_time_parallel_and_waits_name_their_steps() {
    let r = rbc().file("runbook.md", SERIAL).args(&["compile"]);
    let out = r.run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let md = std::fs::read_to_string(r.path("dist/checklist.md")).unwrap();
    let html = std::fs::read_to_string(r.path("dist/checklist.html")).unwrap();
    assert!(
        md.contains("ONE HOST AT A TIME** at 3-1: node-b → node-c")
            && !md.contains("PARALLEL** at 3-1"),
        "the stretch of 3-1 is announced as parallel:\n{md}"
    );
    assert!(
        html.contains("ONE HOST AT A TIME</b> at 3-1: node-b → node-c")
            && !html.contains("PARALLEL</b> at 3-1"),
        "{html}"
    );
    assert!(
        md.contains("one at a time: node-b → node-c"),
        "the stretch table:\n{md}"
    );
    // node-b waits twice (before 3-1, before 4-2) for different steps: different words.
    let waits: Vec<&str> = md
        .lines()
        .filter(|l| l.contains("WAIT** node-b") || l.contains("WAIT** node-b,"))
        .collect();
    assert!(waits.len() >= 2, "{md}");
    assert_ne!(waits[0], waits[1], "{md}");
    assert!(
        waits
            .iter()
            .all(|w| w.contains("-1 on ") || w.contains("-2 on ")),
        "{waits:?}"
    );
}

/// A backup is the point of its step: the rollback keeps it and lists nothing for a person, so a
/// host whose only change was a dump ends with exit 0 and nothing left (it used to end with exit 7 and
/// "check whether it must be undone").
#[test]
fn a_backup_is_kept_by_the_rollback_and_not_left_for_a_person() {
    if !sandbox::available() {
        return;
    }
    let md = "# 备份\n\n## 1. 服务器\n\n| 主机名 | IP |\n|---|---|\n| db-1 | 10.7.1.5 |\n\n\
              ## 2. 备份\n\n在db-1上备份数据库：\n\n```\n# mysqldump -uroot shop > /home/shop_bak.sql\n```\n";
    let tar = bundle(md, "db-1", &[]);
    let sb = unpacked("db-1", &tar);
    let out = sb.run(
        "cd /root/db-1 && ./run.sh --force-host --yes; echo \"run exit $?\"; \
         ./rollback.sh --force-host --yes; echo \"rollback exit $?\"; ls /home",
    );
    let text = show(&out);
    assert!(text.contains("run exit 0"), "{text}");
    assert!(
        text.contains("nothing to undo: the backup stays at /home/shop_bak.sql"),
        "{text}"
    );
    assert!(text.contains("rollback exit 0"), "{text}");
    assert!(
        text.contains("nothing was left to roll back on db-1"),
        "{text}"
    );
    assert!(!text.contains("Left for a person"), "{text}");
    assert!(text.contains("shop_bak.sql"), "the backup stays:\n{text}");
}
