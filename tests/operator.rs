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
    let calls = sb.run("cat /var/lib/rbc-stub/sql 2>/dev/null");
    assert!(
        !calls.stdout.contains("sql.sql"),
        "the client was run with the doubled name:\n{}",
        calls.stdout
    );
}
