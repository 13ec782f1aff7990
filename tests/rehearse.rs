//! `rbc rehearse`: bundles run for real in throwaway roots (needs root and unshare; skipped
//! otherwise, a failure in CI). A small runbook in another house style, the shipped runbook's
//! hosts, the JSON schema, the host filter, the error without root, and runs killed mid-way.

mod common;
use common::rbc;
use common::sandbox;

/// Another house style: ATX headings, hosts as headings with `- IP地址：`, `$ sudo` prompts, an
/// excerpt of the existing config (`找到原内容`) then the new line, a rollback chapter.
const REPORT: &str = r#"# 报表服务 v3.1 升级手册

## 1 服务器

### 1.1 rpt-1

- IP地址：10.20.0.11

### 1.2 rpt-2

- IP地址：10.20.0.12

## 2 升级步骤

### 2.1 上传程序包

将report-3.1.tar.gz上传到rpt-1和rpt-2的/data目录下。

### 2.2 备份并部署

分别登录rpt-1、rpt-2，执行：

```
$ sudo mv /data/report /data/report_bak
$ cd /data
$ sudo tar xzf report-3.1.tar.gz
$ sudo mkdir -p /data/report/logs
$ sudo chmod +x /data/report/bin/start.sh
```

### 2.3 修改端口

在rpt-1、rpt-2上编辑配置文件：

```
$ sudo vi /data/report/conf/app.properties
```

找到原内容：

```
server.port=8080
log.level=INFO
```

将其修改为：

```
server.port=9090
```

### 2.4 防火墙与主机名

登录rpt-1、rpt-2，在/etc/sysconfig/iptables中增加如下内容：

```
-A INPUT -m state --state NEW -m tcp -p tcp --dport 9090 -j ACCEPT
```

```
$ sudo service iptables restart
```

在/etc/hosts末尾追加：

```
10.20.0.11 rpt-1
10.20.0.12 rpt-2
```

### 2.5 启动

分别登录rpt-1、rpt-2启动服务：

```
$ cd /data/report
$ nohup ./bin/start.sh &
$ tail -f /data/report/logs/report.log
```

## 3 回滚

```
$ sudo mv /data/report_bak /data/report
```
"#;

fn json(out: &str) -> serde_json::Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}):\n{out}"))
}

fn passed(h: &serde_json::Value) -> bool {
    h["run1"]["exit"] == 0
        && h["run2"]["exit"] == 0
        && h["run2"]["changed"] == 0
        && h["run2"]["identical"] == true
        // 7: rolled back as far as rbc can, the rest listed for a person (a package installed)
        && (h["rollback"]["exit"] == 0 || h["rollback"]["exit"] == 7)
        && h["rollback"]["differences"]
            .as_array()
            .is_some_and(|d| d.is_empty())
}

#[test]
fn a_runbook_in_another_style_converges_reruns_clean_and_rolls_back() {
    if !sandbox::available() {
        return;
    }
    let out = rbc()
        .file("runbook.md", REPORT)
        .args(&["rehearse", "--json"])
        .run();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let v = json(&out.stdout);
    // Exactly the documented schema.
    let top: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(top, ["hosts"]);
    let hosts = v["hosts"].as_array().unwrap();
    let names: Vec<&str> = hosts.iter().map(|h| h["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["rpt-1", "rpt-2"]);
    for h in hosts {
        let keys: Vec<&String> = h.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["name", "rollback", "run1", "run2"], "{h}");
        let keys = |k: &str| -> Vec<String> { h[k].as_object().unwrap().keys().cloned().collect() };
        assert_eq!(keys("run1"), ["changed", "exit"]);
        assert_eq!(keys("run2"), ["changed", "exit", "identical"]);
        assert_eq!(keys("rollback"), ["differences", "exit"]);
        assert!(passed(h), "{h}");
        assert!(h["run1"]["changed"].as_u64().unwrap() >= 8, "{h}");
    }
}

#[test]
fn host_filter_keep_and_the_first_runs_diff() {
    if !sandbox::available() {
        return;
    }
    // A user's file laid over the starting state (--fixture): it is in the folder the run
    // renames away, so the first run moves it.
    let r = rbc()
        .file("runbook.md", REPORT)
        .file("staging/data/report/README", "the old release\n");
    let keep = r.path("kept");
    let r = r.args(&[
        "rehearse",
        "--host",
        "rpt-2",
        "--keep",
        "kept",
        "--fixture",
        "staging",
    ]);
    let out = r.run();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("== rpt-2 ==  PASS"), "{}", out.stdout);
    assert!(!out.stdout.contains("rpt-1 =="), "{}", out.stdout);
    for line in [
        "+ /data/report/conf/app.properties",
        "+ /data/report_bak",
        "~ /etc/sysconfig/iptables",
        "~ /etc/hosts",
        "+ /data/report_bak/README",
        "- /data/report/README",
    ] {
        assert!(out.stdout.contains(line), "{line}:\n{}", out.stdout);
    }
    // The upper layer holds what the runs changed; the logs sit beside it.
    assert!(keep.join("rpt-2/upper/etc/sysconfig/iptables").is_file());
    let run1 = std::fs::read_to_string(keep.join("rpt-2/run1.log")).unwrap();
    assert!(
        run1.contains("server.port=8080 -> server.port=9090"),
        "the excerpt is the file's starting content:\n{run1}"
    );
    assert!(!keep.join("rpt-1").exists());

    let unknown = rbc()
        .file("runbook.md", REPORT)
        .args(&["rehearse", "--host", "nope"])
        .run();
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("unknown host `nope`"),
        "{}",
        unknown.stderr
    );
}

/// `--prepare DIR` runs nothing: the dist compiled with stand-in payloads (the Ansible project
/// too) and each host's root as an upper layer with its environment, for hosts of one's own
/// (bench/fleet-shipped.sh starts sshd hosts on them).
#[test]
fn prepare_writes_the_dist_and_each_hosts_root_without_running() {
    if !sandbox::available() {
        return;
    }
    let r = rbc()
        .file("runbook.md", REPORT)
        .file("staging/data/report/README", "the old release\n");
    let prep = r.path("prep");
    // The builder owns the folder: kept until the end of the test.
    let r = r.args(&["rehearse", "--prepare", "prep", "--fixture", "staging"]);
    let out = r.run();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(out.stdout.lines().count(), 2, "{}", out.stdout);
    assert!(prep.join("dist/ansible/site.yml").is_file());
    // The bundle carries the stand-in payload.
    let list = std::process::Command::new("tar")
        .arg("tzf")
        .arg(prep.join("dist/hosts/rpt-1.tar.gz"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&list.stdout).contains("report-3.1.tar.gz"),
        "{}",
        String::from_utf8_lossy(&list.stdout)
    );
    for host in ["rpt-1", "rpt-2"] {
        let h = prep.join("hosts").join(host);
        let u = h.join("u");
        use std::os::unix::fs::PermissionsExt;
        let stub = std::fs::metadata(u.join("opt/rbc-stubs/service")).unwrap();
        assert!(stub.permissions().mode() & 0o111 != 0);
        // The starting state: a stock RHEL 6 firewall file the bundle edits.
        let fw = std::fs::read_to_string(u.join("etc/sysconfig/iptables"));
        assert!(
            fw.as_deref()
                .unwrap_or("")
                .contains("system-config-firewall"),
            "{fw:?}"
        );
        assert!(u.join("data/report/README").is_file(), "the fixture");
        assert!(u.join(format!("root/{host}.tar.gz")).is_file());
        // Nothing ran: no journal anywhere.
        assert!(!u.join("var/lib/rbc").exists());
        let env = std::fs::read_to_string(h.join("env")).unwrap();
        assert!(env.starts_with("PATH=/opt/rbc-stubs:"), "{env}");
        assert!(!env.contains("RBC_MANUAL_DONE"), "{env}");
        let watched = std::fs::read_to_string(h.join("watched")).unwrap();
        assert!(watched.lines().any(|l| l == "/etc/hosts"), "{watched}");
    }
    let both = rbc()
        .file("runbook.md", REPORT)
        .args(&["rehearse", "--prepare", "p", "--json"])
        .run();
    assert_eq!(both.code, 2, "{}", both.stderr);
}

#[test]
fn without_root_or_unshare_it_says_so() {
    let as_root = std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"));
    let exe = env!("CARGO_BIN_EXE_rbc");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("runbook.md"), REPORT).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    // Not root: as nobody when this runs as root (setpriv), else as we are.
    let mut cmd = if as_root {
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", exe]);
        c
    } else {
        std::process::Command::new(exe)
    };
    let out = cmd
        .args(["rehearse", "runbook.md"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("needs root on Linux, and this is not root"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
    if !as_root {
        return;
    }
    // Root, but no unshare on PATH.
    let out = std::process::Command::new(exe)
        .args(["rehearse", "runbook.md"])
        .current_dir(dir.path())
        .env("PATH", dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("needs util-linux `unshare`"), "{err}");
}

#[test]
fn shipped_hosts_pass_a_doubted_step_is_named_and_a_fixture_lies_over_the_start() {
    if !sandbox::available() {
        return;
    }
    let out = rbc()
        .file("runbook.md", common::shipped_runbook())
        .args(&[
            "rehearse",
            "--json",
            "--host",
            "rabbit-mq-1",
            "--host",
            "rabbit2",
            "--host",
            "mail-sms-1",
            "--host",
            "nginx-1",
            "--host",
            "mysql-1",
        ])
        .run();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let v = json(&out.stdout);
    let hosts = v["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 5);
    for h in hosts {
        assert!(passed(h), "{h}");
    }
    assert_eq!(hosts[1]["name"], "rabbit-mq-2", "an alias names its host");

    // api-1 starts /home/apache-tomcat-7.0.64/bin/startup.sh after unpacking 7.0.67 (L001):
    // rbc does not run that as written, the step is manual. The host passes, and the report
    // names the step an operator must do the runbook's way.
    let out = rbc()
        .file("runbook.md", common::shipped_runbook())
        .args(&["rehearse", "--host", "api-1"])
        .run();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let t = &out.stdout;
    assert!(t.contains("== api-1 ==  PASS"), "{t}");
    assert!(
        t.contains(
            "1 of them manual because of a finding of `rbc check`: 5.4-1 (L001 at line 805)"
        ),
        "{t}"
    );

    // A user's fixture lies over the starting state: a staging host's iptables file that
    // iptables-restore refuses stops the firewall step, and the rollback leaves it as it was.
    let r = rbc().file("runbook.md", common::shipped_runbook());
    std::fs::create_dir_all(r.path("staging/etc/sysconfig")).unwrap();
    std::fs::write(
        r.path("staging/etc/sysconfig/iptables"),
        "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 --no-such-option -j ACCEPT\n-A INPUT -j REJECT\nCOMMIT\n",
    )
    .unwrap();
    let out = r
        .args(&["rehearse", "--host", "nginx-1", "--fixture", "staging"])
        .run();
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    let t = &out.stdout;
    assert!(t.contains("== nginx-1 ==  FAIL"), "{t}");
    assert!(t.contains("2.5 Nginx配置: open tcp/443 ... failed"), "{t}");
    assert!(t.contains("rollback:  exit 0, 0 difference(s)"), "{t}");
}

/// A run killed (the whole process group, as a lost ssh session or a power cut) at a random
/// point after a random `--until` section, then run again, ends where an uninterrupted run ends.
#[test]
fn a_run_killed_at_a_random_step_and_rerun_reaches_the_same_end_state() {
    if !sandbox::available() {
        return;
    }
    use rbc::rehearse::{diff, prepare, Do};
    let shipped = common::shipped_runbook();
    for (text, host, seeds) in [
        (REPORT, "rpt-1", [11u64, 23, 37, 41, 59]),
        (shipped.as_str(), "rabbit-mq-2", [5, 8, 13, 21, 34]),
    ] {
        let source = rbc::source::Source::from_text("runbook.md", text);
        let plan = rbc::planner::compile(&source).plan;
        let prepared = prepare(&plan, &[host.to_string()]).unwrap();
        let st = &prepared.states[host];
        // Every run step's section, in run order: step i + 1 of the progress lines.
        let steps: Vec<String> = plan
            .steps_for(host, rbc::plan::Phase::Run)
            .filter(|s| s.kind != rbc::plan::StepKind::Note)
            .map(|s| s.section.clone())
            .collect();
        let sections: Vec<String> = {
            let mut v = steps.clone();
            v.dedup();
            v
        };
        let skip = |p: &str| {
            p.ends_with("/nohup.out") || st.logs.iter().any(|l| p.starts_with(l.as_str()))
        };
        let end_of = |runs: Vec<String>| {
            let root = prepared.root(&plan, host, None).unwrap();
            let mut todo = vec![Do::Sh {
                name: "setup".into(),
                script: format!("cd /root && tar xzf {host}.tar.gz"),
            }];
            for (i, r) in runs.into_iter().enumerate() {
                todo.push(Do::Sh {
                    name: format!("run{i}"),
                    script: format!("cd /root/{host} || exit 2\n{r}"),
                });
            }
            todo.push(Do::Tree { name: "end".into() });
            let s = root
                .session(&prepared.env(host), &st.watched, &todo)
                .unwrap();
            (s.trees["end"].clone(), s.runs)
        };
        let (whole, runs) = end_of(vec!["./run.sh --force-host --yes".into()]);
        assert_eq!(runs["run0"].0, 0, "{}", runs["run0"].1);
        for seed in seeds {
            let mut x = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let mut next = |n: u64| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 33) % n
            };
            // Any section but the last: the killed run has work left to do. It is killed as
            // step K (a random one of those left, not the last) prints its progress line, plus a
            // few random milliseconds: inside that step or the next, never after the end.
            let after = |until: &str| -> Vec<usize> {
                steps
                    .iter()
                    .enumerate()
                    .skip_while(|(_, sec)| *sec != until)
                    .skip_while(|(_, sec)| *sec == until)
                    .map(|(i, _)| i + 1)
                    .collect()
            };
            let candidates: Vec<&String> = sections.iter().filter(|s| after(s).len() > 1).collect();
            let until = candidates[next(candidates.len() as u64) as usize];
            let left = after(until);
            let k = left[next(left.len() as u64 - 1) as usize];
            let ms = next(20);
            let (parts, runs) = end_of(vec![
                format!("./run.sh --force-host --yes --until {until}"),
                format!(
                    "setsid ./run.sh --force-host --yes >/tmp/killed.out 2>&1 & pid=$!\n\
                     i=0; while ! grep -q '\\[{k}/' /tmp/killed.out && [ $i -lt 3000 ]; do sleep 0.01; i=$((i + 1)); done\n\
                     sleep 0.{ms:03}; kill -9 -- -$pid; wait $pid; cat /tmp/killed.out; exit 0"
                ),
                "./run.sh --force-host --yes".into(),
            ]);
            let killed = &runs["run1"].1;
            assert!(
                killed.contains(&format!("[{k}/")) && !killed.contains("RECAP"),
                "{host} seed {seed}: the run was not killed at step {k}:\n{killed}"
            );
            assert_eq!(
                runs["run2"].0, 0,
                "{host} seed {seed} (--until {until}, killed at step {k}): the run after the kill:\n{}",
                runs["run2"].1
            );
            eprintln!(
                "{host} seed {seed}: --until {until}, killed at step {k} (+{ms} ms): {:?}",
                killed.lines().rev().find(|l| l.contains('['))
            );
            let d = diff(&whole, &parts, skip);
            assert!(
                d.is_empty(),
                "{host} seed {seed} (--until {until}, killed at step {k}): {d:?}"
            );
        }
    }
}

/// Another house style with nginx work: a host table with roles, `[root@web-1 ~]#` prompts, the
/// existing upstream shown, then whole blocks to add in http and a block as it must be after the
/// change. rbc puts them by name, the rehearsal checks them with the real `nginx -t`, and a bare
/// `location` (no certain place) stays manual.
const WEB: &str = r#"# 商城前端 2.0 上线手册

## 一、服务器

| 主机名 | IP | 角色 |
| --- | --- | --- |
| web-1 | 10.30.0.11 | 前端代理 |
| web-2 | 10.30.0.12 | 前端代理 |

## 二、Nginx配置

登录web-1、web-2，编辑配置文件：

```
[root@web-1 ~]# vi /etc/nginx/nginx.conf
```

原配置如下：

```
upstream shop_backend {
    ip_hash;
    server 10.30.0.21:8080;
}

server {
    listen 80;
    server_name shop.example.com;
    access_log /var/log/nginx/shop/access.log main;
    location / {
        proxy_pass http://shop_backend;
    }
}
```

将 upstream shop_backend 修改为：

```
upstream shop_backend {
    server 10.30.0.21:8080;
    server 10.30.0.22:8080;
}
```

在 http 段中添加如下配置：

```
upstream pay_backend {
    server 10.30.0.31:9000;
}

server {
    listen 8443 ssl;
    server_name pay.example.com;
    ssl_certificate /etc/nginx/ssl/pay.crt;
    ssl_certificate_key /etc/nginx/ssl/pay.key;
    location / {
        proxy_pass http://pay_backend;
    }
}
```

在 shop.example.com 的 server 段中增加：

```
location /static/ {
    root /data/www;
}
```

```
[root@web-1 ~]# service nginx reload
```
"#;

#[test]
fn nginx_blocks_are_put_by_name_and_pass_the_real_nginx_t() {
    let c = rbc::planner::compile(&rbc::source::Source::from_text("runbook.md", WEB));
    let ops: Vec<(String, &str)> = c
        .plan
        .steps
        .iter()
        .filter(|s| s.kind != rbc::plan::StepKind::Note)
        .map(|s| {
            (
                s.summary.clone(),
                if s.kind == rbc::plan::StepKind::Manual {
                    "manual"
                } else {
                    "auto"
                },
            )
        })
        .collect();
    assert!(
        ops.contains(&(
            "change `upstream shop_backend` in /etc/nginx/nginx.conf".into(),
            "auto"
        )),
        "{ops:#?}"
    );
    assert!(ops.contains(&("add `upstream pay_backend`, `server server_name pay.example.com listen 8443` in /etc/nginx/nginx.conf".into(), "auto")), "{ops:#?}");
    let location = c
        .plan
        .steps
        .iter()
        .find(|s| s.source.contains("location /static/"))
        .unwrap();
    assert_eq!(location.kind, rbc::plan::StepKind::Manual, "{location:#?}");
    assert!(
        c.diagnostics.iter().any(|d| d.code == "W021"
            && d.message
                .contains("`location /static/` has no certain place")),
        "{:#?}",
        c.diagnostics
    );

    if !sandbox::available() {
        return;
    }
    let r = rbc().file("runbook.md", WEB);
    let keep = r.path("kept");
    let r = r.args(&["rehearse", "--host", "web-2", "--keep", "kept"]);
    let out = r.run();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.contains("~ /etc/nginx/nginx.conf"),
        "{}",
        out.stdout
    );
    let run1 = std::fs::read_to_string(keep.join("web-2/run1.log")).unwrap();
    assert!(run1.contains("replaced `upstream shop_backend`"), "{run1}");
    assert!(
        run1.contains("added `server server_name pay.example.com listen 8443` to the http block"),
        "{run1}"
    );
    // CI installs nginx (scripts/test.sh): then the real `nginx -t` accepted both edits.
    if std::path::Path::new("/usr/sbin/nginx").exists() {
        assert_eq!(run1.matches("(nginx -t: ok)").count(), 2, "{run1}");
    } else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must have nginx for this test"
        );
    }
}

/// A rollback chapter that restores from the writer's own backup copy and moves the new version
/// aside before moving the old one back: rollback.sh's undo of the run leaves the paths the chapter
/// names to it (the backup is not removed first, the rename is not reversed twice), and the host
/// ends as it started; what the chapter moved aside is left on purpose.
#[test]
fn the_rollback_chapter_handles_its_own_paths() {
    if !sandbox::available() {
        return;
    }
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/probes/rollback_chapter.md"
    ))
    .unwrap();
    let r = rbc().file("runbook.md", text);
    let r = r.args(&["rehearse", "--keep", "kept"]);
    let out = r.run();
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("left on purpose (backups, the rollback chapter's uploads): /opt/app.failed"),
        "{}",
        out.stdout
    );
    let log = std::fs::read_to_string(r.path("kept/lb-1/rollback.log")).unwrap();
    for line in [
        "/etc/haproxy/haproxy.cfg.20240612: left to the runbook's rollback chapter",
        "/opt/app.bak -> /opt/app: left to the runbook's rollback chapter",
        "3 回滚: move /opt/app.bak → /opt/app ... changed",
    ] {
        assert!(log.contains(line), "{line}:\n{log}");
    }
}
