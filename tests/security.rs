//! The adversarial review of issue #12 as tests (SPEC §5.1): a runbook's text, a path or a
//! neighbour on the host must never make a bundle do more than the runbook shows. Runtime cases
//! run the compiled bundle for real (real bash, throwaway root: tests/common/sandbox.rs).

mod common;
use common::rbc;
use common::sandbox::{self, Sandbox};

const HOSTS: &str = "# 安全 上线\n\n## 1. 主机\n\n| 主机名 | IP |\n|---|---|\n| web-1 | 10.8.0.11 |\n\n## 2. 操作\n\n";

/// A runbook: the host table, then `body` as chapter 2's text.
fn runbook(body: &str) -> String {
    format!("{HOSTS}{body}")
}

struct Compiled {
    dir: tempfile::TempDir,
    out: common::Run,
}

impl Compiled {
    fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name)).unwrap_or_default()
    }
    /// Every step script of web-1's bundle, concatenated.
    fn steps(&self) -> String {
        let dir = self.dir.path().join("x");
        std::fs::create_dir_all(&dir).unwrap();
        let st = std::process::Command::new("tar")
            .arg("xzf")
            .arg(self.dir.path().join("dist/hosts/web-1.tar.gz"))
            .arg("-C")
            .arg(&dir)
            .status()
            .unwrap();
        assert!(st.success());
        let mut out = String::new();
        let mut names: Vec<_> = std::fs::read_dir(dir.join("web-1/steps"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        for p in names {
            out.push_str(&std::fs::read_to_string(p).unwrap());
        }
        out
    }
}

fn compile(md: &str) -> Compiled {
    let r = rbc().file("runbook.md", md).args(&["compile"]);
    let out = r.run();
    Compiled { dir: r.dir, out }
}

fn compiled(md: &str) -> Compiled {
    let c = compile(md);
    assert_eq!(c.out.code, 0, "compile failed:\n{}", c.out.stderr);
    c
}

/// web-1's bundle unpacked in /root of a fresh sandbox.
fn sandbox(c: &Compiled) -> Sandbox {
    let sb = Sandbox::new();
    sb.write(
        "/root/web-1.tar.gz",
        std::fs::read(c.dir.path().join("dist/hosts/web-1.tar.gz")).unwrap(),
    );
    sb.write("/etc/profile", "# /etc/profile\n");
    sb
}

const RUN: &str = "cd /root && tar xzf web-1.tar.gz && cd web-1 && ./run.sh --force-host --yes";

// ---------------------------------------------------------------------------------------------
// 1. Client input never reaches bash

#[test]
fn a_line_typed_at_a_client_prompt_cannot_end_the_here_document() {
    let opens = regex::Regex::new(r"<<'\\''([A-Za-z0-9_]+)'\\''").unwrap();
    for (client, prompt) in [
        ("redis-cli", "127.0.0.1:6379>"),
        ("mongo", "mongo>"),
        ("psql -U postgres", "postgres=#"),
    ] {
        let md = runbook(&format!(
            "### 2.1 设置\n\n在web-1上：\n\n```\n[root@web-1 ~]# {client}\n{prompt} SET release v2\n{prompt} RBC_INPUT\n{prompt} touch /tmp/pwned\n```\n"
        ));
        let c = compiled(&md);
        let steps = c.steps();
        // Every here-document's delimiter appears exactly twice: where it opens, where it ends.
        let mut seen = 0;
        for d in opens.captures_iter(&steps) {
            seen += 1;
            let ends = steps
                .lines()
                .filter(|l| l.trim().trim_end_matches('\'') == &d[1])
                .count();
            assert_eq!(
                ends, 1,
                "{client}: delimiter {} ends early:\n{steps}",
                &d[1]
            );
        }
        assert!(seen > 0, "{client}: no here-document:\n{steps}");
        if !sandbox::available() {
            continue;
        }
        let sb = sandbox(&c);
        let out = sb.run(&format!("{RUN}; ls /tmp/pwned 2>&1"));
        assert!(
            out.stdout.contains("No such file"),
            "{client}: input reached the shell:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 14. An unquoted here-document whose text bash would expand

#[test]
fn an_unquoted_here_document_with_an_expansion_is_manual_and_warned() {
    let md = runbook(
        "### 2.1 写配置\n\n在web-1上：\n\n```\n[root@web-1 ~]# cat > /etc/app.conf <<EOF\nbuilt=$(date +%F)\nhome=$HOME\nEOF\n```\n",
    );
    let c = compiled(&md);
    assert!(c.out.stderr.contains("W051"), "{}", c.out.stderr);
    let plan = c.read("dist/plan.json");
    assert!(plan.contains("\"kind\": \"manual\""), "{plan}");
    // Quoted, the text is literal: written as it stands, no warning.
    let md = md.replace("<<EOF", "<<'EOF'");
    let c = compiled(&md);
    assert!(!c.out.stderr.contains("W051"), "{}", c.out.stderr);
    assert!(!c.read("dist/plan.json").contains("\"kind\": \"manual\""));
    // Unquoted but nothing to expand: no warning either.
    let md = runbook(
        "### 2.1 写配置\n\n在web-1上：\n\n```\n[root@web-1 ~]# cat > /etc/app.conf <<EOF\nport=8080\nEOF\n```\n",
    );
    let c = compiled(&md);
    assert!(!c.out.stderr.contains("W051"), "{}", c.out.stderr);
}

// ---------------------------------------------------------------------------------------------
// 2, 7. Paths split the way bash splits them; a path with an expansion is bash's to evaluate

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/security")
            .join(name),
    )
    .unwrap()
}

#[test]
fn paths_with_quotes_and_backslashes_name_the_file_bash_would_open() {
    let c = compiled(&fixture("paths.md"));
    let plan: serde_json::Value = serde_json::from_str(&c.read("dist/plan.json")).unwrap();
    let paths: Vec<String> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["action"]["path"].as_str().map(str::to_string))
        .collect();
    for want in [
        "/tmp/notes /etc/cron.d/x",
        "/opt/My App/app.conf",
        "/opt/My App/h.conf",
        "/opt/My App/g.conf",
        "/opt/My App/p.conf",
    ] {
        assert!(paths.iter().any(|p| p == want), "{want} not in {paths:?}");
    }
    assert!(
        !paths.iter().any(|p| p == "/etc/cron.d/x" || p == "/opt/My"),
        "{paths:?}"
    );
    // The dump's file name is bash's: run as written, once, with a warning.
    assert!(c.out.stderr.contains("W024"), "{}", c.out.stderr);
    assert!(!c
        .read("dist/plan.json")
        .contains("\"output\": \"/opt/shop_$(date"));
    if !sandbox::available() {
        return;
    }
    let sb = sandbox(&c);
    let out = sb.run(&format!(
        "mkdir -p '/tmp/notes /etc/cron.d'; {RUN} >/dev/null; test -e /etc/cron.d/x && echo CRON-WRITTEN; cat '/tmp/notes /etc/cron.d/x' '/opt/My App/app.conf' '/opt/My App/h.conf' '/opt/My App/g.conf' '/opt/My App/p.conf'; ls /opt/shop_$(date +%F).sql"
    ));
    assert!(
        !out.stdout.contains("CRON-WRITTEN"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    for want in [
        "touch /tmp/pwned",
        "port=8080",
        "a=1",
        "g=1",
        "p=1",
        "/opt/shop_",
    ] {
        assert!(
            out.stdout.contains(want),
            "{want}:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Secrets: 0600 whatever edit installs them, never shown

const SECRETS: [&str; 5] = [
    "S3cretPw1",
    "EchoPw55",
    "TopSecret9",
    "GrantPw77",
    "ManualPw3",
];

#[test]
fn credentials_are_warned_hidden_and_installed_0600() {
    let c = compiled(&fixture("secrets.md"));
    let warned = c.out.stderr.matches("W037").count();
    assert!(warned >= 4, "{}", c.out.stderr);
    for shown in ["dist/plan.json", "dist/checklist.md", "dist/checklist.html"] {
        let text = c.read(shown);
        for s in SECRETS {
            assert!(!text.contains(s), "{s} in {shown}");
        }
        assert!(text.contains("***"), "{shown}");
    }
    for s in SECRETS {
        assert!(!c.out.stderr.contains(s), "{s} in the diagnostics");
    }
    // The Ansible layout: a manual step's pause shows its instruction and block (2.3 holds one).
    let ansible = c.dir.path().join("dist/ansible");
    let mut files = vec![ansible.clone()];
    let mut seen = 0;
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        seen += 1;
        for s in SECRETS {
            assert!(!text.contains(s), "{s} in {}", p.display());
        }
    }
    assert!(seen >= 3, "no dist/ansible files");
    let site = c.read("dist/ansible/site.yml");
    assert!(
        site.contains("-p***"),
        "the manual pause shows the step, key kept:\n{site}"
    );
    let short = rbc()
        .file("runbook.md", fixture("secrets.md"))
        .args(&["check", "--format", "short", "runbook.md"])
        .run();
    assert!(short.stdout.contains("W037"), "{}", short.stdout);
    for s in SECRETS {
        assert!(
            !short.stdout.contains(s) && !short.stderr.contains(s),
            "{s} in `rbc check --format short`"
        );
    }
    let plan = rbc()
        .file("runbook.md", fixture("secrets.md"))
        .args(&["plan", "runbook.md"])
        .run();
    for s in SECRETS {
        assert!(!plan.stdout.contains(s), "{s} in `rbc plan`");
    }
    if !sandbox::available() {
        return;
    }
    let sb = sandbox(&c);
    let out = sb.run(&format!(
        "{RUN}; echo; stat -c '%a %n' /etc/app.conf /etc/app2.conf; cat /var/lib/rbc/web-1/logs/*"
    ));
    assert!(
        out.stdout.contains("600 /etc/app.conf"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    assert!(out.stdout.contains("600 /etc/app2.conf"), "{}", out.stdout);
    for s in SECRETS {
        assert!(
            !out.stdout.contains(s) && !out.stderr.contains(s),
            "{s} shown on the terminal or in the log:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }
    // The second run changes nothing, the mode stays.
    let again = sb.run("cd /root/web-1 && ./run.sh --force-host --yes; stat -c '%a' /etc/app.conf");
    assert!(again.stdout.contains("changed=0"), "{}", again.stdout);
}

/// What people read of a compile, by name: plan.json, the checklists, dist/ansible and the
/// diagnostics.
fn shown_texts(c: &Compiled) -> Vec<(String, String)> {
    let mut shown: Vec<(String, String)> =
        ["dist/plan.json", "dist/checklist.md", "dist/checklist.html"]
            .iter()
            .map(|f| (f.to_string(), c.read(f)))
            .collect();
    shown.extend(ansible_texts(c));
    shown.push(("the diagnostics".into(), c.out.stderr.clone()));
    shown
}

/// Files under dist/ansible, read.
fn ansible_texts(c: &Compiled) -> Vec<(String, String)> {
    let mut files = vec![c.dir.path().join("dist/ansible")];
    let mut out = Vec::new();
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            out.push((p.display().to_string(), text));
        }
    }
    out
}

#[test]
fn xml_credentials_are_warned_hidden_and_installed_0600() {
    // A Hadoop-style property (name and value on lines of their own) and an element named for
    // the credential: both are credentials, whatever the markup around them.
    let md = runbook(
        "在 web-1 上把 /opt/hive/conf/hive-site.xml 写成：\n\n```\n<configuration>\n  <property>\n    <name>javax.jdo.option.ConnectionUserName</name>\n    <value>hive</value>\n  </property>\n  <property>\n    <name>javax.jdo.option.ConnectionPassword</name>\n    <value>HvMeta#26</value>\n  </property>\n</configuration>\n```\n\n在 web-1 上把 /opt/app/db.xml 写成：\n\n```\n<datasource>\n  <username>app</username>\n  <password>Qz9appdb</password>\n</datasource>\n```\n",
    );
    let secrets = ["HvMeta#26", "Qz9appdb"];
    let c = compiled(&md);
    let line_of = |needle: &str| md.lines().position(|l| l.contains(needle)).unwrap() + 1;
    for (key, line) in [
        (
            "javax.jdo.option.ConnectionPassword",
            line_of("ConnectionPassword"),
        ),
        ("password", line_of("<password>")),
    ] {
        assert!(
            c.out.stderr.contains(&format!("(`{key}`)"))
                && c.out.stderr.contains(&format!("runbook.md:{line}:")),
            "W037 for {key} at line {line}:\n{}",
            c.out.stderr
        );
    }
    let shown = shown_texts(&c);
    for (name, text) in &shown {
        for s in secrets {
            assert!(!text.contains(s), "{s} in {name}");
        }
    }
    assert!(c.read("dist/plan.json").contains("<value>***</value>"));
    if !sandbox::available() {
        return;
    }
    let sb = sandbox(&c);
    // The files were there before, readable by all.
    sb.write("/opt/hive/conf/hive-site.xml", "<configuration/>\n");
    sb.write("/opt/app/db.xml", "<datasource/>\n");
    let out = sb.run(&format!(
        "chmod 644 /opt/hive/conf/hive-site.xml /opt/app/db.xml; {RUN} 2>&1 | tail -5; stat -c '%a %n' /opt/hive/conf/hive-site.xml /opt/app/db.xml; grep -c -e 'HvMeta#26' -e 'Qz9appdb' /opt/hive/conf/hive-site.xml /opt/app/db.xml"
    ));
    for f in ["/opt/hive/conf/hive-site.xml", "/opt/app/db.xml"] {
        assert!(
            out.stdout.contains(&format!("600 {f}")),
            "{f}: {}",
            out.stdout
        );
        // What runs keeps the value: the installed file holds it.
        assert!(
            out.stdout.contains(&format!("{f}:1")),
            "{f}: {}",
            out.stdout
        );
    }
}

#[test]
fn credentials_given_to_commands_are_shown_nowhere_and_kept_where_they_run() {
    // Each a form in which ops documents pass a password on a command line.
    let cases = [
        (
            "sshpass -p 'SshPw#26' ssh-copy-id root@10.8.0.12",
            "SshPw#26",
        ),
        ("rabbitmqctl add_user admin RmqPw99x", "RmqPw99x"),
        (
            "curl -u elastic:EsPw5566 http://10.8.0.11:9200/",
            "EsPw5566",
        ),
        ("redis-cli config set requirepass RdsPw3344", "RdsPw3344"),
        (
            "echo 'masterauth RdsPw1122' >> /etc/redis.conf",
            "RdsPw1122",
        ),
        ("MYSQL_PWD=MyPw8899 mysql -uroot -e 'select 1'", "MyPw8899"),
        (
            "htpasswd -bc /etc/nginx/.htpasswd admin HtPw4455",
            "HtPw4455",
        ),
        ("echo 'RootPw#77' | passwd --stdin app", "RootPw#77"),
        (
            "mongosh mongodb://admin:MgUrl#44@10.8.0.11:27017/admin --eval 'db.stats()'",
            "MgUrl#44",
        ),
        (
            "clickhouse-client --user default --password ChPw3322 -q 'select 1'",
            "ChPw3322",
        ),
    ];
    let block: Vec<&str> = cases.iter().map(|(line, _)| *line).collect();
    let md = runbook(&format!(
        "在 web-1 上执行：\n\n```\n# {}\n```\n",
        block.join("\n# ")
    ));
    let c = compiled(&md);
    assert!(c.out.stderr.contains("W037"), "{}", c.out.stderr);
    let mut shown = shown_texts(&c);
    let plan = rbc()
        .file("runbook.md", &md)
        .args(&["plan", "runbook.md"])
        .run();
    shown.push(("`rbc plan`".into(), plan.stdout));
    for (name, text) in &shown {
        for (line, secret) in cases {
            assert!(!text.contains(secret), "{secret} ({line}) in {name}");
        }
    }
    // What runs keeps the value: web-1's bundle (a step script, or a content file the step
    // installs) holds every one.
    c.steps();
    let mut files = vec![c.dir.path().join("x/web-1")];
    let mut bundle = String::new();
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            bundle.push_str(&std::fs::read_to_string(&p).unwrap_or_default());
        }
    }
    for (line, secret) in cases {
        assert!(bundle.contains(secret), "{line}: not in web-1's bundle");
    }
}

#[test]
fn a_password_file_line_is_hidden_everywhere_and_the_file_is_0600() {
    // `.pgpass`: nothing in the line says it is a password but its place; PostgreSQL refuses the
    // file when others can read it.
    let md = runbook(
        "在 web-1 上执行：\n\n```\n# echo '10.8.0.20:5432:*:backup:PgLine#5511' >> /root/.pgpass\n```\n",
    );
    let c = compiled(&md);
    assert!(
        c.out
            .stderr
            .contains("(`.pgpass`): /root/.pgpass is installed mode 0600"),
        "{}",
        c.out.stderr
    );
    let plan = rbc()
        .file("runbook.md", &md)
        .args(&["plan", "runbook.md"])
        .run();
    let mut shown = shown_texts(&c);
    shown.push(("`rbc plan`".into(), plan.stdout));
    for (name, text) in &shown {
        assert!(!text.contains("PgLine#5511"), "in {name}");
    }
    if !sandbox::available() {
        return;
    }
    let sb = sandbox(&c);
    let out = sb.run(&format!(
        "{RUN} >/dev/null 2>&1; {RUN} 2>&1 | grep -o 'changed=[0-9]*'; stat -c '%a' /root/.pgpass; grep -c 'backup:PgLine#5511' /root/.pgpass"
    ));
    // Run twice: the line once, the file 0600.
    assert_eq!(out.stdout.trim(), "changed=0\n600\n1", "{}", out.stderr);
}

#[test]
fn the_shipped_runbook_shows_no_credential() {
    let c = compiled(&common::shipped_runbook());
    for shown in [
        "dist/plan.json",
        "dist/checklist.md",
        "dist/checklist.html",
        "dist/ansible/site.yml",
        "dist/ansible/rollback.yml",
        "dist/ansible/README.md",
    ] {
        let text = c.read(shown);
        // The RabbitMQ password and the example Erlang cookie.
        for s in ["E4yun.cn789", "GHFTDTXKOBDFRLLZGXFK"] {
            assert!(!text.contains(s), "{s} in {shown}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 6. Symbolic links and folders another user could redirect

/// Compiles `md` with the payloads given (name, content).
fn compiled_with(md: &str, payloads: &[(&str, &str)]) -> Compiled {
    let mut r = rbc().file("runbook.md", md);
    for (name, content) in payloads {
        r = r.file(&format!("payloads/{name}"), content);
    }
    let r = r.args(&["compile", "--artifacts", "payloads"]);
    let out = r.run();
    assert_eq!(out.code, 0, "compile failed:\n{}", out.stderr);
    Compiled { dir: r.dir, out }
}

#[test]
fn a_state_directory_another_user_could_redirect_is_refused() {
    if !sandbox::available() {
        return;
    }
    let c = compiled(&runbook(
        "### 2.1 配置\n\n在web-1上，在/etc/app.conf末尾补充：\n\n```\nlimit=10\n```\n",
    ));
    for (setup, env, why) in [
        (
            "mkdir -p /home/evil/state /var/lib/rbc && chown -R 1000 /home/evil && ln -s /home/evil/state /var/lib/rbc/web-1",
            "",
            "is a symbolic link rbc did not create",
        ),
        (
            "mkdir -p /var/lib/rbc/web-1 && chown 1000 /var/lib/rbc/web-1",
            "",
            "belongs to uid 1000",
        ),
        (
            "mkdir -p /srv/shared && chmod 0777 /srv/shared",
            "RBC_STATE_DIR=/srv/shared/web-1",
            "/srv/shared is writable by others",
        ),
    ] {
        let sb = sandbox(&c);
        let out = sb.run(&format!(
            "{setup} && cd /root && tar xzf web-1.tar.gz && cd web-1 && {env} ./run.sh --force-host --yes; echo \"exit=$?\"; \
             ls -A /home/evil/state /srv/shared/web-1 2>/dev/null; [ -e /etc/app.conf ] && echo APPLIED; true"
        ));
        let all = format!("{}\n{}", out.stdout, out.stderr);
        assert!(all.contains(why), "{setup}: {all}");
        assert!(!all.contains("exit=0"), "{setup}: {all}");
        assert!(!all.contains("APPLIED"), "{setup}: a step ran: {all}");
        assert!(!all.contains("journal"), "{setup}: state written: {all}");
    }
    // /tmp (sticky, writable by all) above a state directory of root's is fine.
    let sb = sandbox(&c);
    let out = sb.run(&format!("RBC_STATE_DIR=/tmp/rbc-state {RUN}"));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
}

#[test]
fn a_symlink_planted_at_a_scratch_name_beside_a_payload_redirects_nothing() {
    if !sandbox::available() {
        return;
    }
    let c = compiled_with(
        &runbook("### 2.1 上传\n\n将app.jar上传到web-1的/home/app目录下。\n"),
        &[("app.jar", "the new jar\n")],
    );
    let sb = sandbox(&c);
    sb.write("/etc/victim", "root's file\n");
    let out = sb.run(&format!(
        "mkdir -p /home/app && chown 1000 /home/app && ln -s /etc/victim /home/app/app.jar.rbc-tmp && \
         ln -s /etc/victim /home/app/app.jar.tmp; {RUN}; echo \"exit=$?\"; cat /etc/victim /home/app/app.jar"
    ));
    assert!(
        out.stdout.contains("exit=0"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    assert!(
        out.stdout.contains("root's file\nthe new jar\n"),
        "/etc/victim changed or the payload is not in place:\n{}\n{}",
        out.stdout,
        out.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// 9. Nothing of the bundle runs before its checksums hold

#[test]
fn a_tampered_library_never_runs_before_the_checksums_are_verified() {
    if !sandbox::available() {
        return;
    }
    let c = compiled(&runbook(
        "### 2.1 配置\n\n在web-1上，在/etc/app.conf末尾补充：\n\n```\nlimit=10\n```\n",
    ));
    for (tamper, what) in [
        ("sed -i '1a touch /tampered' lib/rbc.sh", "changed library"),
        (
            "sed -i '1a touch /tampered' lib/rbc.sh && sed -i '/  lib\\/rbc.sh$/d' SHA256SUMS",
            "library changed and its line taken out of SHA256SUMS",
        ),
        (
            "sed -i '1a touch /tampered' lib/rbc.sh && rm SHA256SUMS",
            "no SHA256SUMS",
        ),
    ] {
        for runner in [
            "./run.sh --force-host --yes",
            "./rollback.sh --force-host --yes",
        ] {
            let sb = sandbox(&c);
            let out = sb.run(&format!(
                "cd /root && tar xzf web-1.tar.gz && cd web-1 && {tamper} && {runner}; echo \"exit=$?\"; [ -e /tampered ] && echo RAN; [ -e /var/lib/rbc ] && echo STATE; true"
            ));
            let all = format!("{}\n{}", out.stdout, out.stderr);
            assert!(all.contains("exit=2"), "{what}, {runner}: {all}");
            assert!(
                !all.contains("RAN"),
                "{what}: the tampered library ran: {all}"
            );
            assert!(!all.contains("STATE"), "{what}: state written: {all}");
            assert!(all.contains("nothing was done"), "{what}: {all}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 5. `compile -o PATH` replaces only a dist rbc wrote

#[test]
fn compile_replaces_only_a_dist_it_wrote() {
    let md =
        runbook("### 2.1 配置\n\n在web-1上，在/etc/app.conf末尾补充：\n\n```\nlimit=10\n```\n");
    let r = rbc()
        .file("runbook.md", &md)
        .file("notes/plan.txt", "my notes\n")
        .file("empty/.keep", "");
    std::fs::remove_file(r.path("empty/.keep")).unwrap();
    let run = |args: &[&str]| {
        let mut a = vec!["compile", "runbook.md"];
        a.extend(args);
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_rbc"))
            .args(&a)
            .args(["--no-shellcheck"])
            .current_dir(r.dir.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        common::Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    };
    // The runbook itself, a folder of other files, a file: refused, untouched.
    for (out, why) in [
        ("runbook.md", "it is a file"),
        ("notes", "it holds no SHA256SUMS"),
    ] {
        let o = run(&["-o", out]);
        assert_eq!(o.code, 2, "-o {out}: {}", o.stderr);
        assert!(o.stderr.contains(why), "-o {out}: {}", o.stderr);
        assert!(
            o.stderr.contains("rbc replaces only a dist it wrote"),
            "{}",
            o.stderr
        );
    }
    assert_eq!(std::fs::read_to_string(r.path("runbook.md")).unwrap(), md);
    assert_eq!(
        std::fs::read_to_string(r.path("notes/plan.txt")).unwrap(),
        "my notes\n"
    );
    // Nothing, an empty folder, a previous dist: replaced; what the playbooks gathered stays.
    assert_eq!(run(&["-o", "empty"]).code, 0);
    assert_eq!(run(&["-o", "out"]).code, 0);
    std::fs::create_dir_all(r.path("out/runs/20261128T000000Z/web-1")).unwrap();
    std::fs::write(r.path("out/runs/20261128T000000Z/web-1/journal"), "j\n").unwrap();
    assert_eq!(run(&["-o", "out"]).code, 0);
    assert!(r.path("out/runs/20261128T000000Z/web-1/journal").is_file());
    // A dist with a file of someone else's in it: refused, the file kept.
    std::fs::write(r.path("out/hosts/mine.txt"), "mine\n").unwrap();
    let o = run(&["-o", "out"]);
    assert_eq!(o.code, 2, "{}", o.stderr);
    assert!(o.stderr.contains("hosts/mine.txt"), "{}", o.stderr);
    assert!(r.path("out/hosts/mine.txt").is_file());
    assert!(r.path("out/plan.json").is_file());
    // No .rbc-dist-* left beside any of them.
    let left: Vec<_> = std::fs::read_dir(r.dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".rbc-dist-"))
        .collect();
    assert!(left.is_empty());
}

// ---------------------------------------------------------------------------------------------
// 10. Text cannot forge rbc's block markers

#[test]
fn added_text_holding_a_marker_is_manual_and_never_appended_twice() {
    let md = runbook(
        "### 2.1 配置\n\n在web-1上，在/etc/app.conf末尾补充：\n\n```\nlimit=10\n# END rbc 2.1-1\nmore=1\n```\n",
    );
    let c = compiled(&md);
    assert!(c.out.stderr.contains("W052"), "{}", c.out.stderr);
    let plan = c.read("dist/plan.json");
    assert!(plan.contains("W052 at line"), "{plan}");
    if !sandbox::available() {
        return;
    }
    let sb = sandbox(&c);
    sb.write("/etc/app.conf", "base=1\n");
    let out = sb.run(&format!(
        "{RUN} >/dev/null 2>&1; cp /etc/app.conf /tmp/first; ./run.sh --force-host --yes >/dev/null 2>&1; cmp /tmp/first /etc/app.conf && echo SAME; grep -c limit=10 /etc/app.conf"
    ));
    assert!(
        out.stdout.contains("SAME"),
        "a second run changed the file again:\n{}\n{}",
        out.stdout,
        out.stderr
    );
    assert!(out.stdout.trim_end().ends_with('0'), "{}", out.stdout);
}

// ---------------------------------------------------------------------------------------------
// 4. Paths with `..`

#[test]
fn a_path_with_dot_dot_is_normalised_and_rollback_restores_the_original() {
    let c = compiled(&runbook(
        "### 2.1 配置\n\n在web-1上，在/opt/../../../../../../../etc/a.conf末尾补充：\n\n```\nlimit=10\n```\n",
    ));
    let plan = c.read("dist/plan.json");
    assert!(plan.contains("\"path\": \"/etc/a.conf\""), "{plan}");
    if !sandbox::available() {
        return;
    }
    let sb = sandbox(&c);
    sb.write("/etc/a.conf", "orig=1\n");
    let out = sb.run(&format!(
        "{RUN} >/dev/null 2>&1; grep -c limit=10 /etc/a.conf; ./rollback.sh --force-host --yes >/dev/null 2>&1; echo \"rollback=$?\"; cat /etc/a.conf"
    ));
    assert!(
        out.stdout.ends_with("1\nrollback=0\norig=1\n"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
    // The runtime itself: a `..` that reaches it never makes a backup alias its file.
    let out = sb.run(
        "cd /root/web-1 && export RBC_STATE_DIR=/var/lib/rbc/t RBC_BUNDLE_DIR=$PWD && mkdir -p /var/lib/rbc/t && \
         . lib/rbc.sh && p=/opt/../../../../../../../etc/b.conf && echo orig > /etc/b.conf && \
         rbc_backup $p && echo changed > /etc/b.conf && rbc_restore $p; cat /etc/b.conf",
    );
    assert!(
        out.stdout.ends_with("\norig\n") && out.stdout.contains("restored /etc/b.conf"),
        "{}\n{}",
        out.stdout,
        out.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// 13. An operator's value never goes raw into a root cron line

#[test]
fn an_operator_value_that_is_no_host_name_never_reaches_the_cron_line() {
    if !sandbox::available() {
        return;
    }
    let c = compiled(&runbook(
        "### 2.1 时间\n\n在所有服务器上添加时间同步crontab。\n",
    ));
    let sb = sandbox(&c);
    sb.write("/usr/sbin/ntpdate", "#!/bin/sh\nexit 0\n");
    sb.chmod("/usr/sbin/ntpdate", 0o755);
    let out = sb.run(&format!(
        "export RBC_VALUE_NTP_SERVER='x; touch /y'; {RUN}; echo \"exit=$?\"; [ -e /y ] && echo RAN; cat /etc/cron.d/* 2>/dev/null | grep -c touch"
    ));
    let all = format!("{}\n{}", out.stdout, out.stderr);
    assert!(!all.contains("exit=0"), "{all}");
    assert!(!all.contains("RAN"), "{all}");
    assert!(
        out.stdout.trim_end().ends_with('0'),
        "in a cron file: {all}"
    );
    assert!(all.contains("is not a host name or address"), "{all}");
    // A host name or an address is taken.
    let sb = sandbox(&c);
    sb.write("/usr/sbin/ntpdate", "#!/bin/sh\nexit 0\n");
    sb.chmod("/usr/sbin/ntpdate", 0o755);
    let out = sb.run(&format!(
        "export RBC_VALUE_NTP_SERVER=ntp-1.example.com; {RUN}"
    ));
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
}

// ---------------------------------------------------------------------------------------------
// 17. Inputs: only a regular file of a sane size; names a machine can have; a killed compile
// leaves nothing behind

#[test]
fn a_fifo_a_device_or_a_huge_file_is_refused_without_reading_it() {
    let r = rbc().file("big.md", "");
    let fifo = r.path("fifo.md");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    // Larger than the cap, as a sparse file: nothing is read to find out.
    std::fs::File::create(r.path("big.md"))
        .unwrap()
        .set_len(rbc::source::MAX_RUNBOOK_BYTES + 1)
        .unwrap();
    for (path, says) in [
        ("fifo.md", "is a FIFO"),
        ("/dev/zero", "is a device"),
        (".", "is a directory"),
        ("big.md", "is larger than 16 MiB"),
    ] {
        // A FIFO with no writer would block an open() forever: the child is killed after 20 s.
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rbc"))
            .args(["check", path])
            .current_dir(r.dir.path())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let start = std::time::Instant::now();
        while child.try_wait().unwrap().is_none() {
            if start.elapsed() > std::time::Duration::from_secs(20) {
                let _ = child.kill();
                panic!("rbc check {path} hangs");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path}: {err}");
        assert!(
            err.contains("error[E050]") && err.contains(says),
            "{path}: {err}"
        );
    }
}

#[test]
fn a_host_name_no_machine_can_have_is_an_error_at_check_time() {
    let long = format!("h{}", "a".repeat(100_000));
    let md = runbook("### 2.1 配置\n\n登录web-1，执行：\n\n```\n# touch /opt/a\n```\n").replace(
        "| web-1 | 10.8.0.11 |",
        &format!("| web-1 | 10.8.0.11 |\n| {long} | 10.8.0.12 |"),
    );
    let r = rbc().file("runbook.md", &md);
    let check = r.run_args(&["check", "runbook.md"]);
    assert_eq!(check.code, 2, "{}", check.stderr);
    assert!(check.stderr.contains("error[E051]"), "{}", check.stderr);
    assert!(check.stderr.contains("runbook.md:8:3"), "{}", check.stderr);
    assert!(
        check.stderr.contains("is 100001 characters long"),
        "{}",
        check.stderr
    );
    let compile = r.run_args(&["compile", "runbook.md", "--no-shellcheck"]);
    assert_eq!(compile.code, 2, "{}", compile.stderr);
    assert!(compile.stderr.contains("error[E051]"), "{}", compile.stderr);
    assert!(!compile.stderr.contains("os error"), "{}", compile.stderr);
    assert!(!r.path("dist").exists());
}

#[test]
fn a_compile_killed_by_sigterm_or_sigint_leaves_no_scratch_directory() {
    let md = rbc::synthetic::runbook(3000, 8);
    // Stopped at several moments: the compile writes on while the signal's cleanup runs, and a
    // folder it makes then must not bring the scratch directory back (it did, now and then).
    for (signal, pause) in [
        ("TERM", 0),
        ("INT", 0),
        ("TERM", 60),
        ("INT", 150),
        ("TERM", 150),
    ] {
        let r = rbc().file("runbook.md", &md);
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rbc"))
            .args(["compile", "runbook.md"])
            .current_dir(r.dir.path())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let scratch = || -> Vec<String> {
            std::fs::read_dir(r.dir.path())
                .unwrap()
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".rbc-dist-"))
                .collect()
        };
        // Wait until the compile writes in its scratch directory, then stop it.
        let start = std::time::Instant::now();
        while scratch().is_empty() {
            assert!(
                child.try_wait().unwrap().is_none(),
                "compile ended before it was killed"
            );
            assert!(start.elapsed() < std::time::Duration::from_secs(60));
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        std::thread::sleep(std::time::Duration::from_millis(pause));
        assert!(
            child.try_wait().unwrap().is_none(),
            "compile ended before it was killed: make the runbook larger"
        );
        let st = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &child.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        let status = child.wait().unwrap();
        assert!(!status.success(), "SIG{signal}: {status:?}");
        assert_eq!(
            scratch(),
            Vec::<String>::new(),
            "SIG{signal} left scratch behind"
        );
        assert!(!r.path("dist").exists());
    }
}

// ---------------------------------------------------------------------------------------------
// 16. A host-table cell that is not a list of host names

#[test]
fn a_host_cell_holding_a_command_declares_nothing_and_is_an_error() {
    for (cell, bad) in [
        ("web-1;touch /x", "`/x`"),
        ("web-1 $(id)", "`$(id)`"),
        ("`web-1;reboot`", "`"),
        ("web-1、rm -rf", "`-rf`"),
        ("web-1 `id`>x", "`"),
    ] {
        let md = runbook("### 2.1 配置\n\n登录web-1，执行：\n\n```\n# touch /opt/a\n```\n")
            .replace("| web-1 |", &format!("| {cell} |"));
        let r = rbc().file("runbook.md", &md);
        let check = r.run_args(&["check", "runbook.md"]);
        assert_eq!(check.code, 2, "{cell}: {}", check.stderr);
        assert!(
            check.stderr.contains("error[E052]"),
            "{cell}: {}",
            check.stderr
        );
        assert!(
            check.stderr.contains("runbook.md:7:"),
            "{cell}: {}",
            check.stderr
        );
        assert!(check.stderr.contains(bad), "{cell}: {}", check.stderr);
        let hosts = r.run_args(&["hosts", "runbook.md"]);
        for word in ["touch", "reboot", "rm", "id"] {
            assert!(
                !hosts
                    .stdout
                    .lines()
                    .any(|l| l.starts_with(&format!("{word} "))),
                "{cell}: {}",
                hosts.stdout
            );
        }
    }
    // Names in the ways writers list them (code spans too) are still hosts.
    for cell in [
        "web-1、web-2",
        "web-1, web-2",
        "`web-1` `web-2`",
        "web-1；web-2",
    ] {
        let md = runbook("### 2.1 配置\n\n登录web-1，执行：\n\n```\n# touch /opt/a\n```\n")
            .replace("| web-1 |", &format!("| {cell} |"));
        let r = rbc().file("runbook.md", &md);
        let hosts = r.run_args(&["hosts", "runbook.md"]);
        assert_eq!(hosts.code, 0, "{cell}: {}", hosts.stderr);
        assert!(hosts.stdout.contains("web-2"), "{cell}: {}", hosts.stdout);
    }
}

// ---------------------------------------------------------------------------------------------
// 11. Unicode look-alikes in names and addresses

#[test]
fn look_alike_names_and_addresses_are_refused_or_read_as_ascii_with_a_warning() {
    let body = "### 2.1 配置\n\n登录web-1，执行：\n\n```\n# touch /opt/a\n```\n";
    // Errors: rbc will not guess which machine is meant.
    for (name, ip, says) in [
        (
            "wеb-1",
            "10.8.0.11",
            "U+0435, a Cyrillic letter that looks like `e`",
        ),
        ("web\u{200b}-1", "10.8.0.11", "invisible character (U+200B)"),
        ("web-1", "١٠.8.0.11", "a digit of another script"),
        ("web-1", "10.8.0.300", "300 is over 255"),
    ] {
        let md = runbook(body).replace("| web-1 | 10.8.0.11 |", &format!("| {name} | {ip} |"));
        let r = rbc().file("runbook.md", &md);
        let check = r.run_args(&["check", "runbook.md"]);
        assert_eq!(check.code, 2, "{name} {ip}: {}", check.stderr);
        assert!(check.stderr.contains(says), "{name} {ip}: {}", check.stderr);
        assert!(check.stderr.contains("runbook.md:7:"), "{}", check.stderr);
        let compile = r.run_args(&["compile", "runbook.md", "--no-shellcheck"]);
        assert_eq!(compile.code, 2, "{}", compile.stderr);
    }
    // Full-width digits (an input method's slip): read as the ASCII address, with W053.
    let md = runbook(body).replace("10.8.0.11", "１０.８．０.１１");
    let r = rbc().file("runbook.md", &md);
    let check = r.run_args(&["check", "runbook.md"]);
    assert_eq!(check.code, 0, "{}", check.stderr);
    assert!(check.stderr.contains("warning[W053]"), "{}", check.stderr);
    assert!(
        check.stderr.contains("rbc reads it as 10.8.0.11"),
        "{}",
        check.stderr
    );
    let hosts = r.run_args(&["hosts", "runbook.md"]);
    assert!(hosts.stdout.contains("10.8.0.11"), "{}", hosts.stdout);
}

// ---------------------------------------------------------------------------------------------
// 15. A file name holding a line break

#[test]
fn a_bundle_file_whose_name_holds_a_line_break_is_refused_before_the_library_runs() {
    if !sandbox::available() {
        return;
    }
    let c = compiled(&runbook(
        "### 2.1 配置\n\n在web-1上，在/etc/app.conf末尾补充：\n\n```\nlimit=10\n```\n",
    ));
    // `run.sh<LF>rollback.sh` reads, one name a line, as two files SHA256SUMS lists; a step's
    // name with a line break likewise. Either passed the "every file listed" check before.
    for (name, what) in [
        ("run.sh$'\\n'rollback.sh", "two listed names"),
        (
            "steps/$(ls steps | head -n 1)$'\\n'run.sh",
            "a step's name and a listed name",
        ),
    ] {
        for runner in [
            "./run.sh --force-host --yes",
            "./rollback.sh --force-host --yes",
        ] {
            let sb = sandbox(&c);
            let out = sb.run(&format!(
                "cd /root && tar xzf web-1.tar.gz && cd web-1 && printf 'touch /planted\\n' >{name} && {runner}; echo \"exit=$?\"; [ -e /var/lib/rbc ] && echo STATE; [ -e /etc/app.conf ] && echo CHANGED; true"
            ));
            let all = format!("{}\n{}", out.stdout, out.stderr);
            assert!(all.contains("exit=2"), "{what}, {runner}: {all}");
            assert!(
                all.contains("holds a line break"),
                "{what}, {runner}: {all}"
            );
            assert!(all.contains("nothing was done"), "{what}, {runner}: {all}");
            assert!(!all.contains("STATE"), "{what}: state written: {all}");
            assert!(!all.contains("CHANGED"), "{what}: the run went on: {all}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 12. A file rbc cannot write now blocks the rollback only if it needs restoring

#[test]
fn a_read_only_file_already_as_it_was_does_not_block_the_rollback() {
    if !sandbox::available() {
        return;
    }
    let c = compiled(&runbook(
        "### 2.1 配置\n\n在web-1上，在/srv/ro/app.conf末尾补充：\n\n```\nlimit=10\n```\n",
    ));
    // The folder becomes read-only between the run and the rollback (a read-only bind mount,
    // as root cannot be stopped by a mode).
    let read_only = "mount --bind /srv/ro /srv/ro && mount -o remount,ro,bind /srv/ro";
    for (put_back, want_exit, says) in [
        // Someone already put the file back as it was: nothing to write, the rollback finishes.
        (
            "cp -p /root/orig.conf /srv/ro/app.conf",
            "exit=0",
            "/srv/ro/app.conf: as it was before the run; nothing to restore",
        ),
        // Still changed: rbc cannot restore it and says which file.
        ("true", "exit=1", "cannot restore /srv/ro/app.conf"),
    ] {
        let sb = sandbox(&c);
        sb.write("/srv/ro/app.conf", "a=1\n");
        sb.write("/root/orig.conf", "a=1\n");
        let out = sb.run(&format!(
            "{RUN} >/dev/null 2>&1 || exit 9; grep -q limit=10 /srv/ro/app.conf || exit 8; {put_back} && {read_only} && ./rollback.sh --force-host --yes; echo \"exit=$?\"; cat /srv/ro/app.conf"
        ));
        let all = format!("{}\n{}", out.stdout, out.stderr);
        assert!(all.contains(want_exit), "{put_back}: {all}");
        assert!(all.contains(says), "{put_back}: {all}");
    }
}

// ---------------------------------------------------------------------------------------------
// 8. `kill -9` of run.sh: the step it was running is never run twice, nor beside itself

/// Starts run.sh, kills it with SIGKILL once its step has started (`/root/started`), runs it
/// again and prints that run's exit (`second=`) and how often the step ran (`count=`).
const KILL_MID_STEP_THEN_RUN_AGAIN: &str = "cd /root && tar xzf web-1.tar.gz && cd web-1 && { ./run.sh --force-host --yes >/dev/null 2>&1 & pid=$!; }; \
     n=0; while [ ! -e /root/started ] && [ $n -lt 300 ]; do sleep 0.1; n=$((n+1)); done; \
     kill -9 $pid; wait $pid 2>/dev/null; \
     ./run.sh --force-host --yes; echo \"second=$?\"; echo \"count=$(wc -l </root/count)\";";
const JOURNAL: &str = "cut -f3- /var/lib/rbc/*/journal";

#[test]
fn a_run_after_run_sh_was_killed_waits_for_its_step_and_never_runs_it_twice() {
    if !sandbox::available() {
        return;
    }
    let c = compiled(&runbook(
        "### 2.1 导出\n\n登录web-1，执行：\n\n```\n# sh -c 'touch /root/started; sleep 3; echo x >> /root/count'\n```\n",
    ));
    let sb = sandbox(&c);
    let out = sb.run(&format!(
        "{KILL_MID_STEP_THEN_RUN_AGAIN} ./run.sh --force-host --yes >/dev/null 2>&1; echo \"third=$?\"; echo \"count=$(wc -l </root/count)\"; {JOURNAL}"
    ));
    let all = format!("{}\n{}", out.stdout, out.stderr);
    // The second run waited for the orphaned step instead of running it beside it ...
    assert!(all.contains("is still running as pid"), "{all}");
    assert!(all.contains("has ended after"), "{all}");
    // ... and took its outcome from it: finished, so done, and never run a second time.
    assert!(all.contains("second=0"), "{all}");
    assert!(all.contains("third=0"), "{all}");
    assert!(
        all.contains("count=1") && !all.contains("count=2"),
        "the step ran twice: {all}"
    );
    assert!(
        all.contains("changed\tfinished after the run that started it was killed"),
        "{all}"
    );
}

#[test]
fn a_step_that_failed_after_its_run_was_killed_is_journaled_failed_and_run_again() {
    if !sandbox::available() {
        return;
    }
    let c = compiled(&runbook(
        "### 2.1 导出\n\n登录web-1，执行：\n\n```\n# sh -c 'echo x >> /root/count; touch /root/started; sleep 2; [ $(wc -l </root/count) -ge 2 ]'\n```\n",
    ));
    let sb = sandbox(&c);
    let out = sb.run(&format!("{KILL_MID_STEP_THEN_RUN_AGAIN} {JOURNAL}"));
    let all = format!("{}\n{}", out.stdout, out.stderr);
    assert!(
        all.contains("failed\tapply exit 1, after the run that started it was killed"),
        "{all}"
    );
    // Not done: the next run runs it again (once more, after the first ended), and it passes.
    assert!(all.contains("second=0"), "{all}");
    assert!(all.contains("count=2"), "{all}");
}
