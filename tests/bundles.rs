//! Compiled bundles run for real: real bash in a throwaway root (tests/common/sandbox.rs), stub
//! commands only for what Debian lacks (rpm, yum, service, rabbitmqctl ...).

mod common;
use common::rbc;
use common::sandbox::{self, Sandbox};

/// A small runbook in another house style: ATX headings, a host table, `[root@h ~]#` prompts.
const WEB: &str = r#"# 订单服务 v2.3 上线手册

## 1. 主机

| 主机名 | IP | 角色 |
|---|---|---|
| web-1 | 10.8.0.11 | web |
| web-2 | 10.8.0.12 | web |

## 2. 安装

### 2.1 上传程序

将order-2.3.tar.gz和jre-8u202.rpm上传到web-1和web-2的/opt目录下。

### 2.2 安装JRE

分别登录web-1和web-2：

```
[root@web-1 ~]# cd /opt
[root@web-1 opt]# rpm -ivh jre-8u202.rpm
```

在/etc/profile文件末尾追加：

```
export JAVA_HOME=/usr/java/jre1.8.0_202
```

### 2.3 防火墙

在web-1和web-2上：

```
$ sudo vi /etc/sysconfig/iptables
```

增加如下内容：

```
-A INPUT -m state --state NEW -m tcp -p tcp --dport 8443 -j ACCEPT
```

```
$ sudo service iptables restart
```

### 2.4 部署

分别登录web-1和web-2：

```
[root@web-1 ~]# mv /opt/order /opt/order_bak
[root@web-1 ~]# cd /opt
[root@web-1 opt]# tar zxvf order-2.3.tar.gz
[root@web-1 opt]# mkdir -p /opt/order/logs
[root@web-1 opt]# chmod +x /opt/order/bin/start.sh
[root@web-1 opt]# sed -i 's/^port=.*/port=8443/' /opt/order/conf/app.conf
[root@web-1 opt]# cp /opt/order/conf/app.conf /etc/order.conf
```

修改配置文件：

```
# vi /opt/order/conf/app.conf
```

写入如下内容：

```
port=8443
mode=prod
```

在/etc/hosts中增加：

```
10.8.0.11 web-1
10.8.0.12 web-2
```

## 3. 启动

```
[root@web-1 ~]# cd /opt/order
[root@web-1 order]# nohup sh bin/start.sh &
[root@web-1 order]# tail -f /opt/order/logs/app.log
```

## 4. 回滚

### 4.1 恢复程序

```
[root@web-1 ~]# mv /opt/order_bak /opt/order
```
"#;

const IPTABLES: &str = "# Firewall configuration written by system-config-firewall\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT\n-A INPUT -p icmp -j ACCEPT\n-A INPUT -i lo -j ACCEPT\n-A INPUT -m state --state NEW -m tcp -p tcp --dport 22 -j ACCEPT\n-A INPUT -j REJECT --reject-with icmp-host-prohibited\n-A FORWARD -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n";

fn order_tarball(dir: &std::path::Path) {
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("order/bin")).unwrap();
    std::fs::create_dir_all(src.join("order/conf")).unwrap();
    std::fs::write(
        src.join("order/bin/start.sh"),
        "#!/bin/sh\nexec sleep 600\n",
    )
    .unwrap();
    std::fs::write(src.join("order/conf/app.conf"), "port=8080\n").unwrap();
    let st = std::process::Command::new("tar")
        .arg("czf")
        .arg(dir.join("order-2.3.tar.gz"))
        .arg("-C")
        .arg(&src)
        .arg("order")
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::write(dir.join("jre-8u202.rpm"), b"not really an rpm").unwrap();
}

fn compiled_bundle(md: &str, host: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let r = rbc().file("runbook.md", md);
    std::fs::create_dir_all(r.path("payloads")).unwrap();
    order_tarball(&r.path("payloads"));
    let r = r.args(&["compile", "--artifacts", "payloads"]);
    let out = r.run();
    assert_eq!(out.code, 0, "compile failed:\n{}", out.stderr);
    let tarball = r.path(&format!("dist/hosts/{host}.tar.gz"));
    assert!(tarball.exists());
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(&tarball, dir.path().join(format!("{host}.tar.gz"))).unwrap();
    let path = dir.path().join(format!("{host}.tar.gz"));
    drop(r);
    (dir, path)
}

fn recap(out: &str) -> &str {
    out.lines()
        .rev()
        .find(|l| l.starts_with("RECAP"))
        .unwrap_or("")
}

fn sandbox_with(host: &str, tarball: &std::path::Path) -> Sandbox {
    let sb = Sandbox::new();
    sb.write(
        &format!("/root/{host}.tar.gz"),
        std::fs::read(tarball).unwrap(),
    );
    sb.write("/etc/sysconfig/iptables", IPTABLES);
    sb.write("/etc/profile", "# /etc/profile\nexport PATH\n");
    sb.write("/etc/hosts", "127.0.0.1 localhost\n");
    sb.write("/opt/order/bin/start.sh", "#!/bin/sh\nexec sleep 600\n");
    sb.write("/opt/order/conf/app.conf", "port=8080\n");
    sb
}

const WATCHED: &str = "/opt /etc/profile /etc/hosts /etc/sysconfig/iptables /etc/order.conf";

#[test]
fn a_bundle_converges_then_changes_nothing_then_rolls_back_byte_for_byte() {
    if !sandbox::available() {
        return;
    }
    let (_keep, tarball) = compiled_bundle(WEB, "web-1");
    let sb = sandbox_with("web-1", &tarball);
    let before = sb.tree(WATCHED);
    let first =
        sb.run("cd /root && tar xzf web-1.tar.gz && cd web-1 && ./run.sh --force-host --yes");
    assert_eq!(
        first.code, 0,
        "first run:\n{}\n{}",
        first.stdout, first.stderr
    );
    let r1 = recap(&first.stdout).to_string();
    assert!(
        r1.contains("failed=0") && !r1.contains("changed=0"),
        "{r1}\n{}",
        first.stdout
    );
    let profile = sb.run("cat /etc/profile; cat /etc/sysconfig/iptables; cat /opt/order/conf/app.conf; cat /etc/hosts; ls /var/lib/rbc-stub/rpm");
    assert!(profile
        .stdout
        .contains("export JAVA_HOME=/usr/java/jre1.8.0_202"));
    let ipt = profile.stdout.find("--dport 8443").expect("rule added");
    let reject = profile.stdout.find("-A INPUT -j REJECT").unwrap();
    assert!(
        ipt < reject,
        "the rule goes before the REJECT:\n{}",
        profile.stdout
    );
    assert!(profile.stdout.contains("port=8443\nmode=prod"));
    assert!(profile.stdout.contains("10.8.0.12 web-2"));
    assert!(profile.stdout.contains("jre"));
    let copied = sb.run("cat /etc/order.conf");
    assert_eq!(copied.stdout, "port=8443\n", "sed -i ran, then cp");
    let after_first = sb.tree(WATCHED);

    let second = sb.run("cd /root/web-1 && ./run.sh --force-host --yes");
    assert_eq!(second.code, 0, "{}\n{}", second.stdout, second.stderr);
    assert!(
        recap(&second.stdout).contains("changed=0"),
        "second run changed something:\n{}",
        second.stdout
    );
    assert_eq!(
        sb.tree(WATCHED),
        after_first,
        "the second run changed files"
    );

    // The JRE rpm stays installed (rbc has no undo for a package): exit 7, said in words.
    let rollback = sb.run("cd /root/web-1 && ./rollback.sh --force-host --yes");
    assert_eq!(
        rollback.code, 7,
        "rollback:\n{}\n{}",
        rollback.stdout, rollback.stderr
    );
    assert!(
        rollback
            .stdout
            .contains("still in place (rbc has no undo for it): install jre-8u202.rpm"),
        "{}",
        rollback.stdout
    );
    assert_eq!(
        sb.tree(WATCHED),
        before,
        "rollback did not restore every file:\n{}",
        rollback.stdout
    );
    let again = sb.run("cd /root/web-1 && ./rollback.sh --force-host --yes");
    assert_eq!(again.code, 7, "still left: {}", again.stdout);
    assert_eq!(sb.tree(WATCHED), before);
}

#[test]
fn a_partial_run_then_a_full_run_reaches_the_same_end_state() {
    if !sandbox::available() {
        return;
    }
    let (_keep, tarball) = compiled_bundle(WEB, "web-1");
    let whole = sandbox_with("web-1", &tarball);
    let full =
        whole.run("cd /root && tar xzf web-1.tar.gz && cd web-1 && ./run.sh --force-host --yes");
    assert_eq!(full.code, 0, "{}", full.stdout);
    let parts = sandbox_with("web-1", &tarball);
    let p1 = parts.run(
        "cd /root && tar xzf web-1.tar.gz && cd web-1 && ./run.sh --force-host --yes --until 2.4",
    );
    assert_eq!(p1.code, 0, "{}", p1.stdout);
    // Killed in the middle of a step: the next run resumes.
    let p2 = parts.run("cd /root/web-1 && (./run.sh --force-host --yes --from 2.4-1 & pid=$!; sleep 0.3; kill -9 $pid; wait $pid); ./run.sh --force-host --yes");
    assert!(recap(&p2.stdout).contains("failed=0"), "{}", p2.stdout);
    assert_eq!(parts.tree(WATCHED), whole.tree(WATCHED));
}

#[test]
fn a_tampered_bundle_refuses_to_run() {
    if !sandbox::available() {
        return;
    }
    let (_keep, tarball) = compiled_bundle(WEB, "web-2");
    let sb = sandbox_with("web-2", &tarball);
    let out = sb.run("cd /root && tar xzf web-2.tar.gz && echo '# evil' >> web-2/steps/0003.sh && cd web-2 && ./run.sh --force-host --yes");
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    let untouched = sb.run("grep -c JAVA_HOME /etc/profile || true");
    assert_eq!(untouched.stdout.trim(), "0");
}

#[test]
#[ignore = "debug helper: prints a run"]
fn show_a_run() {
    let (_keep, tarball) = compiled_bundle(WEB, "web-1");
    let sb = sandbox_with("web-1", &tarball);
    let first = sb.run("cd /root && tar xzf web-1.tar.gz && cd web-1 && ./run.sh --force-host --yes; ./run.sh --force-host --yes; ./rollback.sh --force-host --yes");
    println!("{}\n{}", first.stdout, first.stderr);
}
