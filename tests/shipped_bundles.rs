//! The shipped runbook's own bundles, run for real in a throwaway root: the RabbitMQ nodes (the
//! cluster chapter with its per-node differences, the operator-supplied cookie, the reboot).

mod common;
use common::rbc;
use common::sandbox::{self, Sandbox};

const IPTABLES: &str = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT\n-A INPUT -i lo -j ACCEPT\n-A INPUT -m state --state NEW -m tcp -p tcp --dport 22 -j ACCEPT\n-A INPUT -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n";

/// Every payload the runbook names: tarballs hold a top folder named after the archive (the
/// RabbitMQ one as the real tarball does: rabbitmq_server-VERSION), the rest are opaque bytes.
fn payloads(dir: &std::path::Path) {
    let out = rbc()
        .file("runbook.md", common::shipped_runbook())
        .args(&["artifacts", "--json"])
        .run();
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    for a in v["artifacts"].as_array().unwrap() {
        let name = a["file"].as_str().unwrap();
        let path = dir.join(name);
        if name.starts_with("rabbitmq-server-generic-unix-") && name.ends_with(".tar.xz") {
            let version = name
                .trim_start_matches("rabbitmq-server-generic-unix-")
                .trim_end_matches(".tar.xz");
            let src = tempfile::tempdir().unwrap();
            let top = format!("rabbitmq_server-{version}");
            std::fs::create_dir_all(src.path().join(&top).join("etc/rabbitmq")).unwrap();
            std::fs::create_dir_all(src.path().join(&top).join("sbin")).unwrap();
            std::fs::write(
                src.path().join(&top).join("sbin/rabbitmq-server"),
                "#!/bin/sh\n",
            )
            .unwrap();
            let st = std::process::Command::new("tar")
                .arg("cJf")
                .arg(&path)
                .arg("-C")
                .arg(src.path())
                .arg(&top)
                .status()
                .unwrap();
            assert!(st.success());
        } else {
            std::fs::write(&path, format!("payload {name}\n")).unwrap();
        }
    }
}

fn bundle(host: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let r = rbc().file("runbook.md", common::shipped_runbook());
    payloads(&r.path("payloads"));
    let r = r.args(&["compile", "--artifacts", "payloads", "--no-shellcheck"]);
    let out = r.run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let keep = tempfile::tempdir().unwrap();
    let to = keep.path().join(format!("{host}.tar.gz"));
    std::fs::copy(r.path(&format!("dist/hosts/{host}.tar.gz")), &to).unwrap();
    (keep, to)
}

fn rabbit_host(host: &str, tarball: &std::path::Path) -> Sandbox {
    let sb = Sandbox::new();
    sb.write(
        &format!("/root/{host}.tar.gz"),
        std::fs::read(tarball).unwrap(),
    );
    sb.write("/etc/sysconfig/iptables", IPTABLES);
    sb.write("/etc/profile", "# /etc/profile\n");
    sb.write("/etc/hosts", "127.0.0.1 localhost\n");
    sb.write("/usr/sbin/ntpdate", "#!/bin/sh\nexit 0\n");
    sb.chmod("/usr/sbin/ntpdate", 0o755);
    sb
}

const ENV: &str = "RBC_VALUE_ERLANG_COOKIE=FROMRABBIT1COOKIE RBC_VALUE_NTP_SERVER=10.0.0.123";
const WATCHED: &str =
    "/home /root/.erlang.cookie /etc/profile /etc/hosts /etc/sysconfig/iptables /etc/cron.d";

fn recap(out: &str) -> String {
    out.lines()
        .rev()
        .find(|l| l.starts_with("RECAP"))
        .unwrap_or("")
        .to_string()
}

#[test]
fn rabbit_nodes_converge_rerun_clean_and_roll_back() {
    if !sandbox::available() {
        return;
    }
    for host in ["rabbit-mq-1", "rabbit-mq-2"] {
        let (_keep, tarball) = bundle(host);
        let sb = rabbit_host(host, &tarball);
        let before = sb.tree(WATCHED);
        let run = format!(
            "cd /root && tar xzf {host}.tar.gz && cd {host} && {ENV} ./run.sh --force-host --yes"
        );
        let first = sb.run(&run);
        assert_eq!(
            first.code, 0,
            "{host} first run:\n{}\n{}",
            first.stdout, first.stderr
        );
        assert!(
            recap(&first.stdout).contains("failed=0"),
            "{}",
            first.stdout
        );
        let calls = sb.run("cat /var/lib/rbc-stub/calls; echo ---; cat /root/.erlang.cookie; echo; cat /etc/cron.d/rbc-time-sync; cat /home/rabbitmq_server-3.6.3/etc/rabbitmq/enabled_plugins; stat -c %a /home/rabbitmq_server-3.6.3/etc/rabbitmq/rabbitmq.config");
        let c = &calls.stdout;
        assert!(c.contains("rabbitmq-server -detached"), "{c}");
        assert!(
            c.contains("10.0.0.123"),
            "the NTP server the operator gave: {c}"
        );
        assert!(c.contains("[rabbitmq_management,rabbitmq_tracing]."), "{c}");
        assert!(
            c.trim_end().ends_with("600"),
            "rabbitmq.config holds a password: mode 0600: {c}"
        );
        assert!(
            !c.contains("GHFTDTXKOBDFRLLZGXFK"),
            "the runbook's example cookie is never used"
        );
        if host == "rabbit-mq-1" {
            assert!(
                c.contains("set_policy") && !c.contains("join_cluster"),
                "{c}"
            );
        } else {
            assert!(
                c.contains("join_cluster rabbit@rabbit1") && !c.contains("set_policy"),
                "{c}"
            );
            assert!(
                c.contains("FROMRABBIT1COOKIE"),
                "the cookie the operator gave: {c}"
            );
        }
        let after = sb.tree(WATCHED);
        let second = sb.run(&format!(
            "cd /root/{host} && {ENV} ./run.sh --force-host --yes"
        ));
        assert_eq!(second.code, 0, "{}", second.stdout);
        assert!(
            recap(&second.stdout).contains("changed=0"),
            "{host} second run:\n{}",
            second.stdout
        );
        assert_eq!(
            sb.tree(WATCHED),
            after,
            "{host}: the second run changed files"
        );
        let rollback = sb.run(&format!(
            "cd /root/{host} && ./rollback.sh --force-host --yes"
        ));
        // Erlang stays installed (rbc has no undo for a package): exit 7 and the list, in words.
        assert_eq!(rollback.code, 7, "{}\n{}", rollback.stdout, rollback.stderr);
        assert!(
            rollback.stdout.contains(
                "still in place (rbc has no undo for it): install erlang-18.3-1.el6.x86_64.rpm"
            ),
            "{}",
            rollback.stdout
        );
        let restored = sb.tree("/home /etc/profile /etc/hosts /etc/sysconfig/iptables /etc/cron.d");
        let original: String = before
            .lines()
            .filter(|l| !l.starts_with("/root/.erlang.cookie"))
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(
            restored, original,
            "{host}: rollback left differences:\n{}",
            rollback.stdout
        );
    }
}
