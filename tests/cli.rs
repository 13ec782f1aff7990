//! The command line as users meet it: exit codes, messages, formats.

mod common;
use common::rbc;

const SMALL: &str =
    "1 部署\n\n登录web-1 (10.0.0.1)，执行：\n\n```\n# cd /opt\n# tar xf app.tar\n```\n";

#[test]
fn help_and_version() {
    let r = rbc().args(&["--help"]).run();
    assert_eq!(r.code, 0);
    for cmd in ["check", "hosts", "plan", "artifacts"] {
        assert!(r.stdout.contains(cmd), "{cmd} missing from --help");
    }
    let r = rbc().args(&["--version"]).run();
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("rbc "));
    let r = rbc().args(&["plan", "--help"]).run();
    assert!(r.stdout.contains("--json") && r.stdout.contains("--host"));
}

#[test]
fn check_exit_codes() {
    let clean = rbc().file("runbook.md", SMALL).args(&["check"]).run();
    assert_eq!(clean.code, 0, "{}", clean.stderr);
    let warned = "1 部署\n\n登录web-1 (10.0.0.1)\n\n```\n# yum install -y xz\n```\n";
    let r = rbc().file("r.md", warned).args(&["check", "r.md"]).run();
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("warning[W024]"), "{}", r.stderr);
    let r = rbc()
        .file("r.md", warned)
        .args(&["check", "r.md", "--deny-warnings"])
        .run();
    assert_eq!(r.code, 1);
    let bad = "<!-- rbc: colour=red -->\n\n```\n# ls\n```\n";
    let r = rbc().file("r.md", bad).args(&["check", "r.md"]).run();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("error[E020]"));
    assert!(
        r.stderr.contains("r.md:1:1"),
        "file:line:col in {}",
        r.stderr
    );
    assert!(r.stderr.contains("known keys"));
}

#[test]
fn diagnostics_show_the_source_line_and_caret() {
    let text = "1 部署\n\n登录web-1 (10.0.0.1)\n\n```\n# kill -9 <PID>\n```\n";
    let r = rbc().file("r.md", text).args(&["check", "r.md"]).run();
    assert!(r.stderr.contains("r.md:6:1"), "{}", r.stderr);
    assert!(r.stderr.contains("# kill -9 <PID>"));
    assert!(r.stderr.contains("^^^"));
}

#[test]
fn bad_files_are_refused_clearly() {
    let r = rbc().args(&["check", "nope.md"]).run();
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("cannot read runbook `nope.md`: no such file"),
        "{}",
        r.stderr
    );
    let r = rbc().file("e.md", "\n \n").args(&["plan", "e.md"]).run();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is empty"));
    let r = rbc()
        .file("b.md", b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe")
        .args(&["hosts", "b.md"])
        .run();
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("not text") || r.stderr.contains("binary"),
        "{}",
        r.stderr
    );
    assert!(r.stdout.is_empty());
}

#[test]
fn gbk_runbook_is_read_with_a_note() {
    let (bytes, _, _) = encoding_rs::GBK.encode(SMALL);
    let r = rbc()
        .file("g.md", bytes.as_ref())
        .args(&["check", "g.md"])
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("GB18030"), "{}", r.stderr);
    let plan = rbc()
        .file("g.md", bytes.as_ref())
        .args(&["plan", "g.md"])
        .run();
    assert!(plan.stdout.contains("web-1"));
}

#[test]
fn crlf_and_bom_give_the_same_plan() {
    let crlf = format!("\u{feff}{}", SMALL.replace('\n', "\r\n"));
    let a = rbc()
        .file("a.md", SMALL)
        .args(&["plan", "--json", "a.md"])
        .run();
    let b = rbc()
        .file("a.md", crlf)
        .args(&["plan", "--json", "a.md"])
        .run();
    assert_eq!(a.code, 0);
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn plan_json_schema() {
    let r = rbc()
        .file("runbook.md", SMALL)
        .args(&["plan", "--json"])
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let host = &v["hosts"][0];
    assert_eq!(host["name"], "web-1");
    assert_eq!(host["ip"], "10.0.0.1");
    assert!(host["aliases"].is_array());
    assert_eq!(host["kind"], "server");
    let step = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "converge")
        .expect("a converge step");
    for key in [
        "id", "section", "kind", "hosts", "line", "text", "why", "phase", "gates", "guard",
        "summary",
    ] {
        assert!(!step[key].is_null(), "step has no `{key}`");
    }
    assert_eq!(step["section"], "1");
    assert_eq!(step["line"], 7);
    assert_eq!(step["text"], "tar xf app.tar");
    assert_eq!(step["hosts"], serde_json::json!(["web-1"]));
}

#[test]
fn plan_for_one_host_and_unknown_host() {
    let text = "1 部署\n\n登录web-1 (10.0.0.1)\n\n```\n# ls\n```\n\n登录db-1 (10.0.0.2)\n\n```\n# df -h\n```\n";
    let r = rbc()
        .file("runbook.md", text)
        .args(&["plan", "--host", "db-1"])
        .run();
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("db-1") && !r.stdout.contains("== web-1"));
    let r = rbc()
        .file("runbook.md", text)
        .args(&["plan", "--host", "nosuch"])
        .run();
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown host `nosuch`"));
}

#[test]
fn hosts_and_artifacts_listings() {
    let text = "1 上传\n\n将app.jar上传到web-1 (10.0.0.1) 的/opt下。\n";
    let r = rbc().file("runbook.md", text).args(&["hosts"]).run();
    assert!(
        r.stdout.contains("web-1") && r.stdout.contains("10.0.0.1"),
        "{}",
        r.stdout
    );
    let r = rbc().file("runbook.md", text).args(&["artifacts"]).run();
    assert!(
        r.stdout.contains("app.jar") && r.stdout.contains("/opt") && r.stdout.contains("web-1"),
        "{}",
        r.stdout
    );
}

/// Runs the real binary with its stdout (or, with `stderr`, its stderr) on a pipe whose reader
/// is gone before rbc starts, so every write fails with EPIPE; returns (exit status, stderr).
fn with_closed_pipe(dir: &std::path::Path, args: &[&str], stderr: bool) -> (i32, String) {
    // The reader closes its end, then says so; only then does rbc start. The status goes out on
    // fd 3, rbc's stderr to a file (or, when stderr is what is tested, stdout to /dev/null).
    let redirect = if stderr {
        "2>&1 >/dev/null"
    } else {
        "2>\"$RBC_ERR\""
    };
    let script = format!(
        "exec 3>&1\n\
         {{ n=0; while [ ! -e \"$RBC_CLOSED\" ] && [ $n -lt 3000 ]; do sleep 0.01; n=$((n + 1)); done\n\
            \"$RBC\" \"$@\" {redirect}; echo $? >&3; }} | {{ exec <&-; : >\"$RBC_CLOSED\"; }}\n"
    );
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg("bash")
        .args(args)
        .env("RBC", env!("CARGO_BIN_EXE_rbc"))
        .env(
            "RBC_CLOSED",
            dir.join(format!("closed-{}", args.join("_").replace('/', "_"))),
        )
        .env("RBC_ERR", dir.join("err"))
        .current_dir(dir)
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    let err = std::fs::read_to_string(dir.join("err")).unwrap_or_default();
    let _ = std::fs::remove_file(dir.join("err"));
    (status, err)
}

#[test]
fn a_pipe_closed_early_ends_the_output_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let shipped = concat!(env!("CARGO_MANIFEST_DIR"), "/runbook.md");
    std::fs::copy(shipped, dir.path().join("runbook.md")).unwrap();
    for args in [
        &["plan"][..],
        &["plan", "--json"],
        &["hosts"],
        &["hosts", "--json"],
        &["artifacts"],
        &["artifacts", "--json"],
        &["check", "--format", "short"],
        &["--help"],
        &["plan", "--help"],
        &["compile", "--no-shellcheck", "-o", "dist"],
        &["status", "dist"],
    ] {
        let (code, err) = with_closed_pipe(dir.path(), args, false);
        assert_eq!(code, 0, "rbc {args:?} on a closed pipe: {err}");
        assert!(!err.contains("panicked"), "rbc {args:?}: {err}");
        assert!(!err.contains("Broken pipe"), "rbc {args:?}: {err}");
    }
    // The exit status is kept: a runbook with errors still exits 2.
    std::fs::write(
        dir.path().join("bad.md"),
        "<!-- rbc: colour=red -->\n\n```\n# ls\n```\n",
    )
    .unwrap();
    let (code, err) = with_closed_pipe(dir.path(), &["plan", "bad.md"], false);
    assert_eq!(code, 2, "{err}");
    // A closed stderr (`rbc check 2>&1 | head`) neither.
    for args in [
        &["check"][..],
        &["plan", "bad.md"],
        &["plan", "--host", "nope"],
    ] {
        let (code, _) = with_closed_pipe(dir.path(), args, true);
        assert!(
            code == 0 || code == 2,
            "rbc {args:?} with stderr closed: {code}"
        );
    }
}
