//! No input makes rbc panic: arbitrary bytes, runbook-shaped noise, and the shipped runbook cut
//! and shuffled. (Speed is measured by `cargo bench --bench plan`, not here.)

mod common;

use proptest::prelude::*;
use rbc::planner;
use rbc::source::Source;

const FRAGMENTS: &[&str] = &[
    "1 部署\n",
    "2.1 API\n",
    "## 3. 回滚\n",
    "# 标题\n",
    "\n",
    "```\n",
    "```bash rbc: kind=check\n",
    "# cd /home\n",
    "# tar xvf a.tar\n",
    "# vim /etc/profile\n",
    "在文件末尾补充如下内容：\n",
    "mysql> use db\n",
    "mysql> select count(*) from t;\n",
    "分别登录web-1 (10.0.0.1) 和web-2（10.0.0.2）\n",
    "- IP: 10.0.0.3\n",
    "| 主机 | IP |\n|---|---|\n| a-1 | 1.1.1.1 |\n",
    "文件\t目标服务器\t目标目录\na.tar\tweb-1\t/opt\n",
    "注：如果遇到问题，可以执行：\n",
    "<!-- rbc: hosts=web-1 -->\n",
    "<!-- rbc: bogus -->\n",
    "# kill -9 <PID>\n",
    "写入[a,b].\n",
    "与web-1相同。\n",
    "所有服务器\n",
    "两台Web（10.0.0.5、10.0.0.6）\n",
    "将x.rpm上传到/home下\n",
    "# mv /a /b/\n",
    "# ps -ef | grep java\n",
    "[root@h ~]# ls\n",
    "$ sudo service x restart\n",
    "1.1.1.1.1 x\n",
    "999.999.999.999\n",
    "（",
    "）",
    "：",
    "\u{feff}",
    "\r\n",
    "\t",
    "- ",
    "> 引用\n",
    "* * *\n",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        if let Ok(source) = Source::from_bytes("fuzz.md", &bytes) {
            let c = planner::compile(&source);
            let _ = rbc::report::plan(&c.plan, &[]);
            let _ = rbc::diagnostic::render(&source, &c.diagnostics, false);
        }
    }

    #[test]
    fn runbook_shaped_noise_never_panics(picks in proptest::collection::vec(0..FRAGMENTS.len(), 0..120)) {
        let text: String = picks.iter().map(|i| FRAGMENTS[*i]).collect();
        let source = Source::from_text("noise.md", &text);
        let c = planner::compile(&source);
        let _ = rbc::report::plan(&c.plan, &[]);
        let _ = rbc::diagnostic::render(&source, &c.diagnostics, false);
        for (_, fate) in &c.fates {
            prop_assert!(!matches!(fate, planner::Fate::Steps(v) if v.is_empty()));
        }
    }

    #[test]
    fn the_shipped_runbook_cut_anywhere_never_panics(cut in 0usize..30_000, drop in 0usize..1100, dup in 0usize..1100) {
        let text = common::shipped_runbook();
        let mut lines: Vec<&str> = text.lines().collect();
        if drop < lines.len() { lines.remove(drop); }
        if dup < lines.len() { let l = lines[dup]; lines.insert(dup, l); }
        let joined = lines.join("\n");
        let bytes = joined.as_bytes();
        let cut = cut.min(bytes.len());
        if let Ok(source) = Source::from_bytes("cut.md", &bytes[..cut]) {
            let c = planner::compile(&source);
            let _ = rbc::diagnostic::render(&source, &c.diagnostics, false);
        }
    }
}

#[test]
fn a_ten_thousand_step_runbook_plans_every_step() {
    let text = rbc::synthetic::runbook(10_000, 40);
    let c = planner::compile(&Source::from_text("big.md", &text));
    assert!(c.plan.steps.len() >= 10_000);
    assert!(c
        .plan
        .steps
        .iter()
        .filter(|s| s.kind != rbc::plan::StepKind::Note)
        .all(|s| !s.hosts.is_empty()));
}

/// #12 item 18: 50,000 login lines to machines no table declares never finished planning (every
/// name was looked up by scanning every host known so far). Each line is its own host and step.
#[test]
fn fifty_thousand_login_lines_plan_in_linear_time() {
    let text = rbc::synthetic::logins(50_000);
    let t = std::time::Instant::now();
    let c = planner::compile(&Source::from_text("logins.md", &text));
    let took = t.elapsed();
    assert_eq!(c.inventory.hosts.len(), 50_000);
    let last = c.plan.steps.iter().rev().find(|s| !s.hosts.is_empty());
    assert_eq!(
        last.map(|s| s.hosts.clone()),
        Some(vec!["node-50000".to_string()])
    );
    // About 6 s on a loaded 2-core machine; quadratic lookups took hours.
    assert!(took.as_secs() < 60, "50,000 login lines took {took:?}");
}

/// #12 item 18: one step on each of 4,000 declared hosts took 27 s (host lookups scanned the
/// inventory per word, L007 compared every pair of hosts).
#[test]
fn four_thousand_hosts_plan_in_seconds() {
    let text = rbc::synthetic::fleet(4_000);
    let t = std::time::Instant::now();
    let c = planner::compile(&Source::from_text("fleet.md", &text));
    let took = t.elapsed();
    assert_eq!(c.inventory.hosts.len(), 4_000);
    for n in [1, 2_000, 4_000] {
        let name = format!("app-{n}");
        assert!(
            c.plan.steps.iter().any(|s| s.hosts == [name.clone()]),
            "no step on {name}"
        );
    }
    assert!(took.as_secs() < 15, "4,000 hosts took {took:?}");
}

/// #12 item 18: a fleet numbered past 999 (`1.1000 web-1000`) declares its hosts by their
/// headings like the first 999. A section number's later part had at most 3 digits, so from the
/// thousandth host on the headings were plain text, the hosts came in from the login lines (N002,
/// without their addresses) and each got a host check.
#[test]
fn four_digit_section_numbers_declare_their_hosts() {
    let mut md = String::from("1 主机清单\n\n");
    for n in 1..=1003 {
        md += &format!(
            "1.{n} web-{n}\n\n- IP: 172.16.{}.{}\n\n",
            n / 200,
            n % 200 + 1
        );
    }
    md += "2 发布\n\n2.1 重新加载\n\n登录web-1002，执行：\n\n```\n# service nginx reload\n```\n\n";
    // Not sections: a 4-digit part that does not follow the section before it.
    md += "2.2 核对\n\n2.5000 次请求以内不算压测。\n\n2.1999 db-1999\n\n";
    let c = planner::compile(&Source::from_text("fleet.md", &md));
    let ids: Vec<&str> = c.outline.sections.iter().map(|s| s.id.as_str()).collect();
    assert!(
        ids.contains(&"1.1000") && ids.contains(&"1.1003"),
        "{ids:?}"
    );
    assert!(
        !ids.contains(&"2.5000") && !ids.contains(&"2.1999"),
        "{ids:?}"
    );
    let n002: Vec<_> = c.diagnostics.iter().filter(|d| d.code == "N002").collect();
    assert!(n002.is_empty(), "{n002:?}");
    let host = c.inventory.hosts.iter().find(|h| h.name == "web-1002");
    assert_eq!(
        host.and_then(|h| h.ip.as_deref()),
        Some("172.16.5.3"),
        "web-1002 is declared by its heading, with its address"
    );
    // One step on web-1002: the reload (no host check for a host the runbook did not declare).
    let on: Vec<_> = c
        .plan
        .steps
        .iter()
        .filter(|s| s.hosts == ["web-1002".to_string()])
        .map(|s| s.summary.clone())
        .collect();
    assert_eq!(on.len(), 1, "{on:?}");
    assert!(!c
        .inventory
        .hosts
        .iter()
        .any(|h| h.name == "db-1999" && h.ip.is_some()));
}
