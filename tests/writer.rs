//! The writer's loop: `rbc check` run after every edit — quiet when reviewed, loud when new.
//! Acknowledgements (`allow=`), errors first, the summary, `--format short`, did-you-mean for
//! `--host`, and things left open (a fence, an annotation comment).

mod common;
use common::rbc;

use rbc::document::{self, ElementKind};
use rbc::source::Source;

/// Two warnings of two codes: W024 (`yum install` on offline hosts) and W026 (a `//` comment).
const WARNED: &str = "1 部署\n\n登录web-1 (10.0.0.1)，执行：\n\n```\n# yum install -y xz\n```\n\n\
登录web-1，查看：\n\n```\n# ls /opt //看一下\n```\n";

#[test]
fn an_acknowledged_finding_is_counted_not_shown() {
    let r = rbc().file("r.md", WARNED).args(&["check", "r.md"]).run();
    assert!(r.stderr.contains("warning[W024]"), "{}", r.stderr);
    assert!(r.stderr.contains("warning[W026]"), "{}", r.stderr);
    // The writer reviews the yum line and acknowledges it before its block.
    let acked = WARNED.replace("```\n# yum", "<!-- rbc: allow=W024 -->\n```\n# yum");
    let r = rbc().file("r.md", &acked).args(&["check", "r.md"]).run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("warning[W024]"), "{}", r.stderr);
    assert!(r.stderr.contains("warning[W026]"), "{}", r.stderr);
    assert!(
        r.stderr.contains("0 errors, 1 warning, 1 acknowledged"),
        "{}",
        r.stderr
    );
    // --deny-warnings: the W026 left still fails; acknowledged, it passes.
    let r = rbc()
        .file("r.md", &acked)
        .args(&["check", "r.md", "--deny-warnings"])
        .run();
    assert_eq!(r.code, 1, "{}", r.stderr);
    let both = acked.replace("```\n# ls", "```bash rbc: allow=W026\n# ls");
    let r = rbc()
        .file("r.md", &both)
        .args(&["check", "r.md", "--deny-warnings"])
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("2 acknowledged"), "{}", r.stderr);
    // One annotation, several codes; and it covers only the element after it.
    let one = WARNED.replace("```\n# yum", "<!-- rbc: allow=W024,W026 -->\n```\n# yum");
    let r = rbc().file("r.md", &one).args(&["check", "r.md"]).run();
    assert!(r.stderr.contains("warning[W026]"), "{}", r.stderr);
    assert!(!r.stderr.contains("warning[W024]"), "{}", r.stderr);
}

#[test]
fn acknowledgements_that_are_stale_or_of_errors_are_reported() {
    // Nothing to acknowledge after it: W080 (so stale annotations do not pile up).
    let stale = WARNED.replace(
        "登录web-1，查看",
        "<!-- rbc: allow=W030 -->\n登录web-1，查看",
    );
    let r = rbc().file("r.md", &stale).args(&["check", "r.md"]).run();
    assert!(r.stderr.contains("warning[W080]"), "{}", r.stderr);
    assert!(
        r.stderr.contains("`allow=W030` acknowledges nothing"),
        "{}",
        r.stderr
    );
    // An error cannot be acknowledged.
    let err = "<!-- rbc: allow=E020 -->\n\n1 部署\n\n登录web-1 (10.0.0.1)\n\n```\n# ls\n```\n";
    let r = rbc().file("r.md", err).args(&["check", "r.md"]).run();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("error[E021]"), "{}", r.stderr);
    assert!(r.stderr.contains("cannot be acknowledged"), "{}", r.stderr);
}

#[test]
fn errors_come_first_then_warnings_then_the_summary() {
    // A warning (line 6) before an error (line 9) in the file.
    let text = format!("{WARNED}\n<!-- rbc: colour=red -->\n\n```\n# ls\n```\n");
    let r = rbc().file("r.md", &text).args(&["check", "r.md"]).run();
    assert_eq!(r.code, 2);
    let e = r.stderr.find("error[E020]").expect("the error");
    let w = r.stderr.find("warning[W024]").expect("the warning");
    let s = r.stderr.find("summary:").expect("the summary");
    assert!(e < w && w < s, "{}", r.stderr);
    let tail: Vec<&str> = r.stderr[s..].lines().collect();
    assert_eq!(
        tail[1].split_whitespace().collect::<Vec<_>>()[..2],
        ["E020", "1"]
    );
    assert!(tail[1].contains("bad annotation"), "{}", r.stderr);
    assert!(tail
        .iter()
        .any(|l| l.contains("W026") && l.contains("comment")));
    assert!(
        tail.last()
            .unwrap()
            .starts_with("r.md: 1 error, 2 warnings;"),
        "{}",
        r.stderr
    );
}

#[test]
fn short_format_is_one_line_per_finding() {
    let r = rbc()
        .file("r.md", WARNED)
        .args(&["check", "r.md", "--format", "short"])
        .run();
    assert_eq!(r.code, 0);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.stdout);
    assert!(
        lines[0].starts_with("r.md:6:1: W024: `yum install -y xz`"),
        "{}",
        r.stdout
    );
    assert!(lines[1].starts_with("r.md:12:"), "{}", r.stdout);
    assert!(lines[1].contains(": W026: "), "{}", r.stdout);
    assert!(
        lines[2].starts_with("r.md: 0 errors, 2 warnings"),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("┌─"),
        "no source excerpts in short format"
    );
}

const TWO_HOSTS: &str = "1 部署\n\n登录api-1 (10.0.0.1)\n\n```\n# ls\n```\n\n\
登录rabbit-mq-2 (10.0.0.2)\n\n```\n# df -h\n```\n\n```\n# yum install -y xz\n```\n";

#[test]
fn an_unknown_host_gets_the_nearest_names() {
    for (asked, meant) in [
        ("api1", "api-1"),
        ("rabit-mq-2", "rabbit-mq-2"),
        ("API-1", "api-1"),
    ] {
        let r = rbc()
            .file("r.md", TWO_HOSTS)
            .args(&["plan", "r.md", "--host", asked])
            .run();
        if asked == "API-1" {
            // Names are not case-sensitive: this one is found.
            assert_eq!(r.code, 0, "{}", r.stderr);
            continue;
        }
        assert_eq!(r.code, 2, "{}", r.stderr);
        assert!(
            r.stderr.contains(&format!("did you mean {meant}")),
            "{asked}: {}",
            r.stderr
        );
    }
    let r = rbc()
        .file("r.md", TWO_HOSTS)
        .args(&["plan", "r.md", "--host", "zzz"])
        .run();
    assert_eq!(r.code, 2);
    assert!(!r.stderr.contains("did you mean"), "{}", r.stderr);
    // compile: the name is checked before the runbook's warnings are printed.
    let r = rbc()
        .file("r.md", TWO_HOSTS)
        .args(&["compile", "r.md", "--host", "api1", "--no-shellcheck"])
        .run();
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("error: unknown host `api1`"),
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains("W024"), "{}", r.stderr);
}

#[test]
fn distribute_refuses_an_unknown_host() {
    let jumped = format!("0 主机\n\n跳板机 jump-1 (10.0.0.9)\n\n{TWO_HOSTS}");
    let b = rbc()
        .file("r.md", &jumped)
        .args(&["compile", "r.md", "--no-shellcheck"]);
    let c = b.run();
    assert_eq!(c.code, 0, "{}", c.stderr);
    let jump = c
        .stdout
        .split("distribute.sh for ")
        .nth(1)
        .and_then(|t| t.split(')').next())
        .expect("the jump host")
        .to_string();
    let dist = b.path("dist");
    let st = std::process::Command::new("tar")
        .args(["xzf", &format!("hosts/{jump}.tar.gz")])
        .current_dir(&dist)
        .status()
        .unwrap();
    assert!(st.success());
    let run = |host: &str| {
        std::process::Command::new("bash")
            .args([
                &format!("{jump}/distribute.sh"),
                "--dry-run",
                "--host",
                host,
            ])
            .current_dir(&dist)
            .output()
            .unwrap()
    };
    let bad = run("api1");
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("unknown host 'api1'") && err.contains("api-1"),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&bad.stdout).contains("would: scp"));
    let good = run("api-1");
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    let out = String::from_utf8_lossy(&good.stdout);
    assert_eq!(out.matches("would: scp").count(), 1, "{out}");
}

#[test]
fn a_fence_left_open_is_a_warning_at_its_opening_line() {
    let text = "1 部署\n\n登录web-1 (10.0.0.1)\n\n```\n# ls\n```\n\n2 验证\n\n登录web-1，执行：\n\n```bash\n# df -h\n\n3 完成\n";
    // The first block is closed; the second (line 13) is open to the end of the file.
    let r = rbc().file("r.md", text).args(&["check", "r.md"]).run();
    assert!(r.stderr.contains("warning[W081]"), "{}", r.stderr);
    assert!(r.stderr.contains("r.md:13:1"), "{}", r.stderr);
    assert_eq!(r.stderr.matches("warning[W081]").count(), 1, "{}", r.stderr);
    // Closed, no warning; a longer fence closes with a longer line.
    let closed = format!("{text}```\n");
    let r = rbc().file("r.md", &closed).args(&["check", "r.md"]).run();
    assert!(!r.stderr.contains("W081"), "{}", r.stderr);
    let tildes = "1 部署\n\n登录web-1 (10.0.0.1)\n\n~~~~\n# ls\n~~~\n";
    let r = rbc().file("r.md", tildes).args(&["check", "r.md"]).run();
    assert!(r.stderr.contains("r.md:5:1"), "{}", r.stderr);
    assert!(r.stderr.contains("a line of ~~~~ "), "{}", r.stderr);
}

#[test]
fn an_annotation_comment_left_open_is_an_error() {
    let text = "1 部署\n\n登录web-1 (10.0.0.1)\n\n<!-- rbc: kind=manual\n\n```\n# ls\n```\n\n2 验证\n\n```\n# df -h\n```\n";
    let r = rbc().file("r.md", text).args(&["check", "r.md"]).run();
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("error[E080]"), "{}", r.stderr);
    assert!(r.stderr.contains("r.md:5:1"), "{}", r.stderr);
    // One error, not one per word of the rest of the file.
    assert!(r.stderr.contains("r.md: 1 error,"), "{}", r.stderr);
    let plain = text.replace("<!-- rbc: kind=manual", "<!-- 待确认");
    let r = rbc().file("r.md", &plain).args(&["check", "r.md"]).run();
    assert!(r.stderr.contains("warning[W082]"), "{}", r.stderr);
}

/// Lines (1-based, first..=last) of each element of a runbook, innermost last.
fn elements(text: &str) -> Vec<(usize, usize, bool)> {
    let source = Source::from_text("r.md", text);
    document::read(&source)
        .elements
        .iter()
        .map(|e| {
            let body = text[e.span.clone()].trim_end();
            let last = source.line_of(e.span.start + body.len().max(1) - 1);
            let code = matches!(e.kind, ElementKind::Code { .. });
            (e.line, last.max(e.line), code)
        })
        .collect()
}

/// The shipped runbook with every finding acknowledged where it is: an `allow=` comment before
/// the element that holds the finding's line, indented as that element is.
fn acknowledged_copy(text: &str, findings: &[(usize, String)]) -> String {
    let els = elements(text);
    let mut at: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
    for (line, code) in findings {
        // The smallest element holding the line.
        let e = els
            .iter()
            .filter(|(first, last, _)| first <= line && line <= last)
            .min_by_key(|(first, last, _)| last - first)
            .unwrap_or_else(|| panic!("no element holds line {line}"));
        let codes = at.entry(e.0).or_default();
        if !codes.contains(code) {
            codes.push(code.clone());
        }
    }
    let mut out = String::new();
    for (n, line) in text.lines().enumerate() {
        if let Some(codes) = at.get(&(n + 1)) {
            let indent: String = line.chars().take_while(|c| *c == ' ').collect();
            out.push_str(&format!(
                "{indent}<!-- rbc: allow={} -->\n",
                codes.join(",")
            ));
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[test]
fn the_shipped_runbook_ends_with_the_summary_and_once_reviewed_says_only_that() {
    let shipped = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/runbook.md"))
        .expect("runbook.md");
    let r = rbc()
        .file("runbook.md", &shipped)
        .args(&["check", "runbook.md"])
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let s = r.stderr.find("\nsummary:\n").expect("a summary");
    let summary: Vec<&str> = r.stderr[s + 1..].lines().collect();
    let last = summary.last().unwrap();
    assert!(last.starts_with("runbook.md: 0 errors, "), "{last}");
    let warnings: usize = last["runbook.md: 0 errors, ".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let per_code: usize = summary[1..summary.len() - 1]
        .iter()
        .map(|l| {
            l.split_whitespace()
                .nth(1)
                .unwrap()
                .parse::<usize>()
                .unwrap()
        })
        .sum();
    assert_eq!(
        per_code, warnings,
        "the per-code counts add up to the total"
    );

    let short = rbc()
        .file("runbook.md", &shipped)
        .args(&["check", "runbook.md", "--format", "short"])
        .run();
    let findings: Vec<(usize, String)> = short
        .stdout
        .lines()
        .filter_map(|l| {
            let mut parts = l.splitn(5, ':');
            let (_, line, _, code) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
            Some((line.parse().ok()?, code.trim().to_string()))
        })
        .collect();
    assert_eq!(findings.len(), warnings, "{}", short.stdout);
    let copy = acknowledged_copy(&shipped, &findings);
    let r = rbc()
        .file("runbook.md", &copy)
        .args(&["check", "runbook.md", "--deny-warnings"])
        .run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "only the summary line:\n{}", r.stderr);
    assert!(
        lines[0].starts_with(&format!(
            "runbook.md: 0 errors, 0 warnings, {warnings} acknowledged;"
        )),
        "{}",
        r.stderr
    );
}

fn shipped() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/runbook.md")).unwrap()
}

fn display_width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

#[test]
fn tables_fit_100_columns_measured_by_display_width() {
    // The shipped runbook's specs (CJK keys, long paths) were 167 columns wide.
    let r = rbc().file("runbook.md", shipped()).args(&["hosts"]).run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    for l in r.stdout.lines() {
        assert!(display_width(l) <= 100, "{} columns: {l}", display_width(l));
    }
    // Folded, not cut: every spec is there whole.
    assert!(
        r.stdout
            .contains("数据文件=/var/lib/libvirt/images/api-1.img"),
        "{}",
        r.stdout
    );
    // --wide: one line per host.
    let w = rbc()
        .file("runbook.md", shipped())
        .args(&["hosts", "--wide"])
        .run();
    assert!(w.stdout.lines().any(|l| display_width(l) > 100));
    let rows = |t: &str| t.lines().filter(|l| !l.starts_with(' ')).count();
    assert_eq!(rows(&w.stdout), rows(&r.stdout));
    assert!(w.stdout.lines().count() < r.stdout.lines().count());

    // CJK cells: the next column starts at the same display column on every row.
    let text = "0 主机\n\n| 主机 | IP | 角色 |\n| --- | --- | --- |\n| web-1 | 10.0.0.1 | 应用服务器 |\n\n\
                1 部署\n\n登录web-1，执行：\n\n```\n# ls\n```\n";
    let r = rbc().file("runbook.md", text).args(&["hosts"]).run();
    assert_eq!(r.code, 0, "{}", r.stderr);
    let starts: Vec<usize> = r
        .stdout
        .lines()
        .take_while(|l| !l.is_empty())
        .map(|l| {
            let at = l.find("LINE").or_else(|| {
                // the LINE column of a data row: the first cell that is a number after the 5th
                l.split_whitespace().nth(5).and_then(|c| l.find(c))
            });
            display_width(&l[..at.unwrap()])
        })
        .collect();
    assert!(starts.windows(2).all(|w| w[0] == w[1]), "{}", r.stdout);
    let a = rbc()
        .file("runbook.md", shipped())
        .args(&["artifacts"])
        .run();
    for l in a.stdout.lines() {
        assert!(display_width(l) <= 100, "{} columns: {l}", display_width(l));
    }
}

/// `--format short` as (line, code, the source line's text).
fn located(text: &str) -> Vec<(usize, String, String)> {
    let r = rbc()
        .file("r.md", text)
        .args(&["check", "r.md", "--format", "short"])
        .run();
    let lines: Vec<&str> = text.lines().collect();
    r.stdout
        .lines()
        .filter_map(|l| {
            let mut p = l.splitn(5, ':');
            let (_, line, _, code) = (p.next()?, p.next()?, p.next()?, p.next()?);
            let line: usize = line.parse().ok()?;
            Some((line, code.trim().to_string(), lines[line - 1].to_string()))
        })
        .collect()
}

#[test]
fn findings_about_a_block_point_at_its_content_not_the_fence() {
    let sql = "1 部署\n\n登录db-1 (10.0.0.1)，执行：\n\n```\n\nupdate t set a=1 where id=2;\n```\n";
    let found = located(sql);
    let w023 = found.iter().find(|f| f.1 == "W023").expect("W023");
    assert_eq!(w023.0, 7, "{found:?}");
    let example =
        "1 部署\n\n登录web-1 (10.0.0.1)，恢复备份目录，如：\n\n```\n# cp -r /a.bak /a\n```\n";
    let found = located(example);
    let w032 = found.iter().find(|f| f.1 == "W032").expect("W032");
    assert_eq!(w032.2, "# cp -r /a.bak /a", "{found:?}");
    // The shipped runbook: none of these point at a fence any more; W037 at the credential.
    for (line, code, text) in located(&shipped()) {
        if ["W021", "W022", "W023", "W032", "W037"].contains(&code.as_str()) {
            let t = text.trim_start();
            assert!(
                !t.starts_with("```") && !t.starts_with("~~~"),
                "{code} at line {line}: {text}"
            );
            if code == "W037" {
                // The password in the config, or the command that shows the cluster's cookie.
                assert!(
                    text.contains("pass") || text.contains("cookie"),
                    "{code} at line {line}: {text}"
                );
            }
        }
    }
    // E022 at the annotation, on the name it does not know.
    let ann = "1 部署\n\n登录web-1 (10.0.0.1)\n\n<!-- rbc: hosts=web-9 -->\n```\n# ls\n```\n";
    let r = rbc()
        .file("r.md", ann)
        .args(&["check", "r.md", "--format", "short"])
        .run();
    assert!(r.stdout.contains("r.md:5:17: E022:"), "{}", r.stdout);
}

#[test]
fn findings_of_one_cause_on_one_line_are_one_message() {
    // Two relative paths on one line: one L006 finding that names both.
    let text =
        "1 部署\n\n登录web-1 (10.0.0.1)，执行：\n\n```\n# cp usr/local/a.conf etc/a.conf\n```\n";
    let r = rbc()
        .file("r.md", text)
        .args(&["check", "r.md", "--format", "short"])
        .run();
    let l006: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| l.contains(": L006: "))
        .collect();
    assert_eq!(l006.len(), 1, "{}", r.stdout);
    assert!(
        l006[0].contains("usr/local/a.conf") && l006[0].contains("etc/a.conf"),
        "{}",
        r.stdout
    );
}
