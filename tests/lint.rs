//! `rbc check` finds the writers' mistakes (L001–L009): each rule on a small runbook of its own
//! (`tests/lint/*.md`), quiet where a runbook is fine, and exactly these findings on the shipped one.

mod common;

use common::rbc;
use rbc::diagnostic::{Diagnostic, Severity};
use rbc::planner;
use rbc::source::Source;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/lint/{name}.md", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The lint findings of a runbook: (code, line, the text the caret points at), in order.
fn findings_in(name: &str, text: &str) -> Vec<(&'static str, usize, String)> {
    let source = Source::from_text(name, text);
    let c = planner::compile(&source);
    let lints: Vec<&Diagnostic> = c
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with('L'))
        .collect();
    for d in &lints {
        assert_eq!(d.severity, Severity::Warning, "{d:?}");
        assert!(d.help.as_ref().is_some_and(|h| !h.is_empty()), "{d:?}");
        assert!(!d.message.contains('\n'), "one-line message: {d:?}");
    }
    let mut out: Vec<_> = lints
        .iter()
        .map(|d| {
            let span = d.span.clone().expect("a lint finding points at its text");
            (d.code, d.line, source.text[span].to_string())
        })
        .collect();
    out.sort();
    out
}

fn findings(name: &str) -> Vec<(&'static str, usize, String)> {
    findings_in(name, &fixture(name))
}

/// 1-based line of the fixture's first line containing `needle`.
fn line(name: &str, needle: &str) -> usize {
    fixture(name)
        .lines()
        .position(|l| l.contains(needle))
        .map(|i| i + 1)
        .unwrap_or_else(|| panic!("`{needle}` is not in {name}.md"))
}

fn expect(name: &str, wanted: &[(&'static str, &str, &str)]) {
    let mut wanted: Vec<_> = wanted
        .iter()
        .map(|(code, needle, caret)| (*code, line(name, needle), caret.to_string()))
        .collect();
    wanted.sort();
    assert_eq!(findings(name), wanted, "{name}.md");
}

#[test]
fn l001_a_path_one_version_or_one_slip_away_from_one_that_exists() {
    expect(
        "near_path",
        &[
            (
                "L001",
                "9.4.13/bin/jetty.sh",
                "/opt/jetty-distribution-9.4.13/bin/jetty.sh",
            ),
            ("L001", "ls /opt/relaeses", "/opt/relaeses"),
        ],
    );
    // `/data/app2` beside `/data/app1` is a series, and `/opt/jettylog` is another directory.
}

#[test]
fn l002_a_file_unpacked_installed_or_run_that_was_never_uploaded() {
    expect(
        "not_uploaded",
        &[
            ("L002", "rpm -ivh", "jdk-8u201-linux-x64.rpm"),
            ("L002", "admin.tar.gz -C", "admin.tar.gz"),
            ("L002", "deploy-shop.sh", "/data/deploy/deploy-shop.sh"),
        ],
    );
}

#[test]
fn l003_a_backup_restored_under_another_name() {
    expect(
        "backup_names",
        &[
            ("L003", "create database ordres", "ordres"),
            ("L003", "ordres < /backup", "ordres"),
            ("L003", "ordres < /backup", "/backup/order_0412.sql"),
        ],
    );
}

#[test]
fn l004_a_password_option_glued_to_the_next_option() {
    expect(
        "glued_password",
        &[
            ("L004", "-p-h127", "-p-h127.0.0.1"),
            ("L004", "-p-e", "-p-e"),
        ],
    );
}

#[test]
fn l005_an_extension_written_twice() {
    expect(
        "doubled_extension",
        &[
            ("L005", "install.sh.sh", "/opt/scripts/install.sh.sh"),
            ("L005", "patch_v2.SQL.sql", "/tmp/patch_v2.SQL.sql"),
        ],
    );
    let source = Source::from_text("d.md", &fixture("doubled_extension"));
    let c = planner::compile(&source);
    let patch = c
        .diagnostics
        .iter()
        .find(|d| d.code == "L005" && d.message.contains("patch"))
        .unwrap();
    assert!(
        patch
            .help
            .as_deref()
            .unwrap()
            .contains("write `/tmp/patch_v2.sql`"),
        "the help names the single-extension file: {patch:?}"
    );
}

#[test]
fn l006_a_relative_path_that_was_meant_to_be_absolute() {
    expect(
        "relative_path",
        &[
            ("L006", "PATH=$PATH:opt", "opt/maven/bin"),
            ("L006", "./etc/nginx", "./etc/nginx/nginx.conf"),
            ("L006", "home/deploy.sh", "home/deploy.sh"),
        ],
    );
    // `bin/startup.sh` and `etc/app.conf` inside /opt/tomcat, `usr/local` after `cd /`: fine.
}

#[test]
fn l007_one_machine_spelled_two_ways() {
    expect("host_spelling", &[("L007", "hv-bejing-2", "hv-bejing-2")]);
}

#[test]
fn l009_a_rename_onto_a_directory_that_exists_nests_instead() {
    let nested = line("nested_mv", "# mv /srv/cache /srv/cache.old") + 1;
    let mut wanted = vec![
        ("L009", nested, "/srv/cache.old".to_string()),
        (
            "L009",
            line("nested_mv", "# mv /srv/shop_bak /srv/shop"),
            "/srv/shop".to_string(),
        ),
    ];
    wanted.sort();
    assert_eq!(findings("nested_mv"), wanted);
    // Moving a file or a directory *into* an existing directory (`… /srv/shop/`) is what was meant.
}

#[test]
fn a_runbook_without_these_mistakes_gets_no_lint_finding() {
    assert_eq!(findings("clean"), vec![]);
}

#[test]
fn house_style_runbooks_get_no_lint_finding() {
    let dir = format!("{}/tests/styles", env!("CARGO_MANIFEST_DIR"));
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            let text = std::fs::read_to_string(&path).unwrap();
            let name = path.display().to_string();
            assert_eq!(findings_in(&name, &text), vec![], "{name}");
        }
    }
}

/// Every finding below was checked by reading `runbook.md` at that line.
#[test]
fn the_shipped_runbook_yields_exactly_its_real_mistakes() {
    let found = findings_in("runbook.md", &common::shipped_runbook());
    let s = |t: &str| t.to_string();
    let tomcat64 = s("/home/apache-tomcat-7.0.64/bin/startup.sh");
    let mut wanted = vec![
        // 物理机 `eayuncld-2` beside `eayuncloud-1`/`eayuncloud-2`
        ("L007", 69, s("eayuncld-2")),
        // CLASSPATH=.:usr/java/... (2.2.1 and 2.3.1)
        ("L006", 115, s("usr/java/jdk1.7.0_80/lib")),
        ("L006", 236, s("usr/java/jdk1.7.0_80/lib")),
        // Tomcat 7.0.67 is unpacked; 5.4, 5.5 and 5.6 start 7.0.64
        ("L001", 805, tomcat64.clone()),
        ("L001", 830, tomcat64.clone()),
        ("L001", 857, tomcat64),
        // the upload table has eayun-ecsc.tar / eayun-ecmc.tar
        ("L002", 829, s("ecsc.tar")),
        ("L002", 856, s("ecmc.tar")),
        (
            "L005",
            936,
            s("/root/updateSQL_usercenter_updateOldData.sql.sql"),
        ),
        // rollback: `mysql -uroot -p--default-character-set=utf8`
        ("L004", 959, s("-p--default-character-set=utf8")),
        ("L004", 973, s("-p--default-character-set=utf8")),
        // dumped as eayunccloud to /home/eayunccloud_20170305.sql (line 627), restored as eayuncld
        ("L003", 965, s("eayuncld")),
        ("L003", 967, s("eayuncld")),
        ("L003", 967, s("/home/eayuncld_20170305.sql")),
        ("L003", 974, s("eayuncld")),
        ("L003", 975, s("/home/eayuncld_20170305.sql")),
        ("L006", 986, s("./home/rollbackMongoDB.sh")),
        // /home/ecsc is the new version unpacked at line 829
        ("L009", 994, s("/home/ecsc")),
    ];
    wanted.sort();
    assert_eq!(found, wanted);
}

#[test]
fn rbc_check_shows_a_lint_finding_compiler_style() {
    let r = rbc()
        .file("r.md", fixture("glued_password"))
        .args(&["check", "r.md"])
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("warning[L004]"), "{}", r.stderr);
    assert!(r.stderr.contains("r.md:10:22"), "{}", r.stderr);
    assert!(
        r.stderr.contains("help: put a space after `-p`"),
        "{}",
        r.stderr
    );
    let r = rbc()
        .file("r.md", fixture("glued_password"))
        .args(&["check", "r.md", "--deny-warnings"])
        .run();
    assert_eq!(r.code, 1);
}

/// The steps a finding puts in doubt are manual: rbc never runs a command as written when its
/// check says it unpacks a file nobody uploaded, installs another version, or runs a relative
/// path. A step that writes content keeps its edit; the rest of the block stays automatic.
#[test]
fn a_doubted_command_becomes_a_manual_step_that_names_its_finding() {
    use rbc::plan::{Action, StepKind};
    let kinds = |name: &str| {
        let source = Source::from_text(name, &fixture(name));
        let c = planner::compile(&source);
        (c.plan, c.diagnostics)
    };
    let (plan, diags) = kinds("not_uploaded");
    let by_text = |t: &str| {
        plan.steps
            .iter()
            .find(|s| s.text.contains(t))
            .unwrap_or_else(|| panic!("no step `{t}`: {:#?}", plan.steps))
    };
    for (doubted, code) in [
        ("admin.tar.gz -C", "L002"),
        ("jdk-8u201", "L002"),
        ("deploy-shop.sh", "L002"),
    ] {
        let s = by_text(doubted);
        assert_eq!(s.kind, StepKind::Manual, "{s:#?}");
        let Action::Manual { instruction } = &s.action else {
            panic!("{s:#?}")
        };
        assert!(
            instruction.starts_with(&format!("rbc will not run this as written ({code}")),
            "{instruction}"
        );
        let d = diags
            .iter()
            .find(|d| d.code == code && d.line == s.line)
            .unwrap();
        assert!(
            d.help
                .as_ref()
                .unwrap()
                .contains(&format!("step {} on app-1 is a manual step", s.id)),
            "{d:?}"
        );
    }
    let fine = by_text("shop-web.tar.gz -C");
    assert_eq!(fine.kind, StepKind::Converge, "{fine:#?}");
    assert!(matches!(fine.action, Action::Extract { .. }));

    let (plan, _) = kinds("relative_path");
    let profile = plan
        .steps
        .iter()
        .find(|s| matches!(&s.action, Action::AppendBlock { path, .. } if path == "/etc/profile"))
        .expect("the profile block is still an edit");
    assert_eq!(profile.kind, StepKind::Converge);
    for doubted in ["./etc/nginx/nginx.conf", "home/deploy.sh"] {
        let s = plan
            .steps
            .iter()
            .find(|s| s.text.contains(doubted))
            .unwrap();
        assert_eq!(s.kind, StepKind::Manual, "{s:#?}");
        assert!(
            s.why
                .ends_with(&format!("manual because of L006 at line {}", s.line)),
            "{s:#?}"
        );
    }
    let start = plan
        .steps
        .iter()
        .find(|s| s.text.contains("bin/startup.sh"))
        .unwrap();
    assert_ne!(start.kind, StepKind::Manual, "{start:#?}");
}
