//! Issue #11 "what a block is": a block that is one XML element (`<configuration>` …
//! `</configuration>`) after `vim FILE`, or announced by a sentence that names the element or
//! says it is replaced, replaces the file's one such element; the `vim FILE` line becomes a
//! check that the file exists. Small runbooks of our own in several phrasings, negatives that
//! stay manual, and the generated edit run by real bash in a throwaway root.

mod common;

use std::collections::BTreeSet;

use common::plan::{automated, plan, set};
use common::rbc;
use common::sandbox::{self, Sandbox};
use rbc::plan::{Action, StepKind};
use rbc::planner::Compiled;

const HEAD: &str = "# Hadoop 配置\n\n| 主机 | IP |\n|---|---|\n| hd1 | 10.9.0.11 |\n| hd2 | 10.9.0.12 |\n\n## 1 配置\n\n";

const CORE: &str = "<configuration>\n  <property>\n    <name>fs.defaultFS</name>\n    <value>hdfs://hd1:8020</value>\n  </property>\n</configuration>";

/// `[root@hd1 conf]# vim FILE` in its own block (after a `cd`), then `lead` and a block.
fn after_vim(file: &str, lead: &str, content: &str) -> String {
    format!(
        "{HEAD}```\n[root@hd1 ~]# cd /opt/hd/conf\n```\n\n```\n[root@hd1 conf]# vim {file}\n```\n\n{lead}```xml\n{content}\n```\n"
    )
}

/// The 1-based line of the text's first line that is `exact` (trimmed), else that starts with
/// it, else that holds it.
fn line_of(text: &str, exact: &str) -> usize {
    text.lines()
        .position(|l| l.trim() == exact)
        .or_else(|| text.lines().position(|l| l.trim().starts_with(exact)))
        .or_else(|| text.lines().position(|l| l.contains(exact)))
        .unwrap_or_else(|| panic!("{exact:?} not in the runbook"))
        + 1
}

fn hosts_of(c: &Compiled, text: &str, exact: &str) -> BTreeSet<String> {
    let line = line_of(text, exact);
    c.plan
        .steps
        .iter()
        .filter(|s| s.line == line && automated(s.kind))
        .flat_map(|s| s.hosts.iter().cloned())
        .collect()
}

fn is_manual(c: &Compiled, text: &str, exact: &str) -> bool {
    let line = line_of(text, exact);
    c.plan
        .steps
        .iter()
        .any(|s| s.line == line && s.kind == StepKind::Manual)
}

fn codes_at(c: &Compiled, text: &str, exact: &str) -> Vec<String> {
    let line = line_of(text, exact);
    c.diagnostics
        .iter()
        .filter(|d| d.line == line)
        .map(|d| d.code.to_string())
        .collect()
}

/// The XML element edit planned at the line `needle`: (path, element, fill, content).
fn xml_at(c: &Compiled, text: &str, needle: &str) -> Option<(String, String, bool, String)> {
    let line = line_of(text, needle);
    c.plan.steps.iter().find_map(|s| match &s.action {
        Action::XmlElement {
            path,
            element,
            fill,
            content,
        } if s.line == line && s.kind == StepKind::Converge => {
            Some((path.clone(), element.clone(), *fill, content.clone()))
        }
        _ => None,
    })
}

fn kind_at(c: &Compiled, text: &str, needle: &str) -> Vec<StepKind> {
    let line = line_of(text, needle);
    c.plan
        .steps
        .iter()
        .filter(|s| s.line == line)
        .map(|s| s.kind)
        .collect()
}

#[test]
fn an_element_after_vim_replaces_the_files_element_and_the_vim_line_checks_the_file() {
    for lead in [
        "`<configuration>` 中的内容改为：\n\n",
        "",
        "configuration 节点替换为：\n\n",
        "在 <configuration> 标签内添加/修改为：\n\n",
        "修改为：\n\n",
    ] {
        let text = after_vim("core-site.xml", lead, CORE);
        let c = plan(&text);
        let (path, element, fill, content) = xml_at(&c, &text, "<configuration>")
            .unwrap_or_else(|| panic!("{lead:?}: no XML edit: {:#?}", c.plan.steps));
        assert_eq!(path, "/opt/hd/conf/core-site.xml", "{lead:?}");
        assert_eq!(element, "configuration");
        assert!(!fill, "{lead:?}");
        assert_eq!(content, format!("{CORE}\n"));
        assert_eq!(hosts_of(&c, &text, "<configuration>"), set(&["hd1"]));
        // The vim line: a check on the same host that the file exists, where the prompt is.
        assert_eq!(
            kind_at(&c, &text, "vim core-site.xml"),
            vec![StepKind::Check],
            "{lead:?}"
        );
        assert_eq!(hosts_of(&c, &text, "vim core-site.xml"), set(&["hd1"]));
        let check = c
            .plan
            .steps
            .iter()
            .find(|s| s.line == line_of(&text, "vim core-site.xml"))
            .unwrap();
        assert!(
            matches!(&check.action, Action::Probe { command } if command == "test -f /opt/hd/conf/core-site.xml"),
            "{:?}",
            check.action
        );
        assert_eq!(check.cwd.as_deref(), Some("/opt/hd/conf"));
    }
}

#[test]
fn other_files_elements_with_attributes_and_comments() {
    // hbase/hive style: a header and comments before the element, a comment inside it.
    let hive = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<?xml-stylesheet type=\"text/xsl\" href=\"configuration.xsl\"?>\n<!--\n  Licensed under the Apache License.\n-->\n<configuration>\n  <!-- 元数据库 -->\n  <property>\n    <name>hive.metastore.uris</name>\n    <value>thrift://hd1:9083</value>\n  </property>\n</configuration>";
    let text = after_vim("hive-site.xml", "", hive);
    let c = plan(&text);
    let (path, element, _, content) = xml_at(&c, &text, "<?xml version").expect("hive-site edit");
    assert_eq!(path, "/opt/hd/conf/hive-site.xml");
    assert_eq!(element, "configuration");
    assert!(
        content.starts_with("<configuration>\n  <!-- 元数据库 -->\n"),
        "{content}"
    );
    assert!(
        !content.contains("Apache"),
        "the header is not part of the element"
    );

    // An element with attributes, its file named by the sentence (no vim).
    let server = "<Server port=\"8005\" shutdown=\"SHUTDOWN\">\n  <Service name=\"Catalina\">\n    <Connector port=\"8080\" protocol=\"HTTP/1.1\"/>\n  </Service>\n</Server>";
    let text = format!("{HEAD}在 hd2 上把 /opt/tomcat/conf/server.xml 的 `<Server>` 节点替换为：\n\n```xml\n{server}\n```\n");
    let c = plan(&text);
    let (path, element, fill, _) = xml_at(&c, &text, "<Server port").expect("server.xml edit");
    assert_eq!(
        (path.as_str(), element.as_str(), fill),
        ("/opt/tomcat/conf/server.xml", "Server", false)
    );
    assert_eq!(hosts_of(&c, &text, "<Server port"), set(&["hd2"]));

    // `在 <configuration> 标签内添加`: filled only while the element holds nothing yet.
    let text = format!("{HEAD}在 hd1 上编辑 /opt/hbase/conf/hbase-site.xml，在 <configuration> 标签内添加：\n\n```xml\n{CORE}\n```\n");
    let c = plan(&text);
    let (path, _, fill, _) = xml_at(&c, &text, "<configuration>").expect("hbase-site edit");
    assert_eq!(path, "/opt/hbase/conf/hbase-site.xml");
    assert!(fill, "an addition fills, never replaces what is there");
}

#[test]
fn vim_in_the_same_block_as_the_element() {
    // Under a prompt, and without one.
    for block in [
        format!("[root@hd1 ~]# vim /opt/hd/conf/yarn-site.xml\n{CORE}"),
        format!("vim /opt/hd/conf/yarn-site.xml\n{CORE}"),
    ] {
        let text = format!("{HEAD}在 hd1 上执行：\n\n```\n{block}\n```\n");
        let c = plan(&text);
        let (path, element, fill, content) = xml_at(&c, &text, "vim /opt/hd/conf/yarn-site.xml")
            .unwrap_or_else(|| panic!("no XML edit: {:#?}", c.plan.steps));
        assert_eq!(
            (path.as_str(), element.as_str(), fill),
            ("/opt/hd/conf/yarn-site.xml", "configuration", false)
        );
        assert_eq!(content, format!("{CORE}\n"));
        assert_eq!(
            hosts_of(&c, &text, "vim /opt/hd/conf/yarn-site.xml"),
            set(&["hd1"])
        );
    }
}

#[test]
fn what_is_not_one_announced_element_stays_manual_and_the_vim_line_a_note() {
    let props = "<property>\n  <name>a</name>\n  <value>1</value>\n</property>\n<property>\n  <name>b</name>\n  <value>2</value>\n</property>";
    let one_prop = "<property>\n  <name>a</name>\n  <value>1</value>\n</property>";
    let cases: Vec<(&str, &str, &str)> = vec![
        // properties added, not an element replaced
        ("添加以下 property：\n\n", props, "<property>"),
        ("添加以下 property：\n\n", one_prop, "<property>"),
        // content added without naming the element it goes in
        ("添加如下内容：\n\n", CORE, "<configuration>"),
        // the sentence names another element than the block's
        ("`<property>` 改为：\n\n", CORE, "<configuration>"),
        // one host's content as an example
        (
            "以 hd1 为例，`<configuration>` 改为：\n\n",
            CORE,
            "<configuration>",
        ),
        // one host's content as an example, without an edit word
        ("以 hd1 为例：\n\n", CORE, "<configuration>"),
        // tags not alone on their lines
        (
            "",
            "<configuration><property><name>a</name><value>1</value></property>\n</configuration>",
            "<configuration>",
        ),
        // not the block right after the editor's: another block was its content
        (
            "添加如下内容：\n\n```xml\n<property>\n</property>\n```\n\n",
            CORE,
            "<configuration>",
        ),
        // something after the element
        (
            "",
            "<configuration>\n</configuration>\n<configuration>\n</configuration>",
            "<configuration>",
        ),
    ];
    for (lead, content, needle) in cases {
        let text = after_vim("core-site.xml", lead, content);
        let c = plan(&text);
        assert!(xml_at(&c, &text, needle).is_none(), "{lead:?} {content:?}");
        assert!(
            hosts_of(&c, &text, needle).is_empty(),
            "{lead:?} {content:?}: automated {:?}",
            hosts_of(&c, &text, needle)
        );
        assert!(is_manual(&c, &text, needle), "{lead:?} {content:?}");
        assert_eq!(
            kind_at(&c, &text, "vim core-site.xml"),
            vec![StepKind::Note],
            "{lead:?}"
        );
    }
}

#[test]
fn the_vim_line_and_the_content_on_different_hosts_is_manual_with_w096() {
    let text = after_vim(
        "core-site.xml",
        "在 hd2 上，`<configuration>` 中的内容改为：\n\n",
        CORE,
    );
    let c = plan(&text);
    assert!(xml_at(&c, &text, "<configuration>").is_none());
    assert!(is_manual(&c, &text, "<configuration>"));
    assert!(hosts_of(&c, &text, "<configuration>").is_empty());
    assert!(
        codes_at(&c, &text, "<configuration>").contains(&"W096".to_string()),
        "{:?}",
        c.diagnostics
    );
    assert_eq!(
        kind_at(&c, &text, "vim core-site.xml"),
        vec![StepKind::Note]
    );

    // No host named for the content nor on the vim line (every server would be a guess), or
    // the content marked manual: the edit is manual and the vim line stays a note.
    for text in [
        format!("{HEAD}```\nvim /opt/hd/conf/core-site.xml\n```\n\n```xml\n{CORE}\n```\n"),
        format!("{HEAD}```\n[root@hd1 ~]# vim /opt/hd/conf/core-site.xml\n```\n\n<!-- rbc: kind=manual -->\n```xml\n{CORE}\n```\n"),
    ] {
        let c = plan(&text);
        assert!(hosts_of(&c, &text, "<configuration>").is_empty(), "{text}");
        assert!(is_manual(&c, &text, "<configuration>"), "{text}");
        assert_eq!(
            kind_at(&c, &text, "vim /opt/hd/conf/core-site.xml"),
            vec![StepKind::Note],
            "{text}"
        );
    }
}

/// The runbook run for real: replace, a second run that changes nothing, rollback byte for
/// byte; refusals (no element, two elements, tags not alone, a missing file, a fill into an
/// element that holds something) stop the run with the file untouched.
#[test]
fn the_generated_edit_replaces_once_refuses_what_is_uncertain_and_rolls_back() {
    if !sandbox::available() {
        return;
    }
    let text = format!(
        "{}在 hd1 上编辑 /opt/hbase/conf/hbase-site.xml，在 <configuration> 标签内添加：\n\n```xml\n<configuration>\n  <property>\n    <name>hbase.rootdir</name>\n    <value>hdfs://hd1:8020/hbase</value>\n  </property>\n</configuration>\n```\n",
        after_vim("core-site.xml", "`<configuration>` 中的内容改为：\n\n", CORE)
    );
    let r = rbc().file("runbook.md", &text).args(&["compile"]);
    let out = r.run();
    assert_eq!(out.code, 0, "compile failed:\n{}", out.stderr);
    let tarball = std::fs::read(r.path("dist/hosts/hd1.tar.gz")).unwrap();
    let core = "/opt/hd/conf/core-site.xml";
    let hbase = "/opt/hbase/conf/hbase-site.xml";
    let fresh = "<?xml version=\"1.0\"?>\n<!-- site-specific overrides -->\n<configuration>\n\n</configuration>\n";
    let sandbox_with = |core_text: Option<&str>, hbase_text: &str| {
        let sb = Sandbox::new();
        sb.write("/root/hd1.tar.gz", &tarball);
        if let Some(t) = core_text {
            sb.write(core, t);
        }
        sb.write(hbase, hbase_text);
        sb
    };
    let run = "cd /root && tar xzf hd1.tar.gz && cd hd1 && ./run.sh --force-host --yes";

    let sb = sandbox_with(Some(fresh), fresh);
    let first = sb.run(&format!("{run} && cat {core} {hbase}"));
    assert_eq!(first.code, 0, "{}\n{}", first.stdout, first.stderr);
    let want_core = format!("<?xml version=\"1.0\"?>\n<!-- site-specific overrides -->\n{CORE}\n");
    assert!(
        first.stdout.contains(&format!("{want_core}<?xml")),
        "{}",
        first.stdout
    );
    assert!(first
        .stdout
        .contains("<value>hdfs://hd1:8020/hbase</value>\n  </property>\n</configuration>\n"));
    let second = sb.run("cd /root/hd1 && ./run.sh --force-host --yes");
    assert_eq!(second.code, 0, "{}\n{}", second.stdout, second.stderr);
    assert!(second.stdout.contains("changed=0"), "{}", second.stdout);
    let back = sb.run("cd /root/hd1 && ./rollback.sh --force-host --yes");
    assert_eq!(back.code, 0, "{}\n{}", back.stdout, back.stderr);
    for p in [core, hbase] {
        assert_eq!(
            std::fs::read_to_string(sb.upper(p)).unwrap(),
            fresh,
            "{p} byte-identical after rollback"
        );
    }

    // An element that holds only comments is empty: filled (as Hadoop ships hbase-site.xml).
    let commented = "<configuration>\n  <!-- Put site-specific property overrides in this file.\n  -->\n</configuration>\n";
    let sb = sandbox_with(Some(fresh), commented);
    let out = sb.run(&format!("{run} && cat {hbase}"));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stdout.ends_with("<configuration>\n  <property>\n    <name>hbase.rootdir</name>\n    <value>hdfs://hd1:8020/hbase</value>\n  </property>\n</configuration>\n"),
        "{}",
        out.stdout
    );

    let two = "<configuration>\n</configuration>\n<configuration>\n</configuration>\n";
    let glued = "<configuration><property><name>x</name></property>\n</configuration>\n";
    let none = "<?xml version=\"1.0\"?>\n<config>\n</config>\n";
    let held = "<configuration>\n  <property><name>other</name><value>1</value></property>\n</configuration>\n";
    for (core_text, hbase_text, why) in [
        (Some(none), fresh, "has no <configuration> element"),
        (Some(two), fresh, "has 2 <configuration> elements"),
        (Some(glued), fresh, "beside other text"),
        (None, fresh, "test -f /opt/hd/conf/core-site.xml"),
        (Some(fresh), held, "already holds other content"),
    ] {
        let sb = sandbox_with(core_text, hbase_text);
        let out = sb.run(run);
        assert_ne!(out.code, 0, "{why}: {}", out.stdout);
        let said = format!("{}{}", out.stdout, out.stderr);
        assert!(said.contains(why), "{why}:\n{said}");
        if let Some(t) = core_text {
            if hbase_text == fresh {
                assert_eq!(std::fs::read_to_string(sb.upper(core)).unwrap(), t, "{why}");
            }
        }
        assert_eq!(
            std::fs::read_to_string(sb.upper(hbase)).unwrap(),
            hbase_text,
            "{why}"
        );
    }
}
