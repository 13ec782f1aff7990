//! The bundle runtime (templates/runtime) run by real bash: small bundles built by hand in a
//! temp dir act on a fake root under it; only what Debian lacks (hostname, ip, iptables-restore)
//! is stubbed on PATH.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn runtime_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/runtime")
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/runtime")
        .join(name)
}

const RUNTIME_FILES: [&str; 3] = ["run.sh", "rollback.sh", "lib/rbc.sh"];

// ---------------------------------------------------------------------------------------------
// Building bundles

#[derive(Clone)]
struct Step {
    id: String,
    kind: &'static str,
    section: String,
    title: String,
    summary: String,
    gate: String,
    script: String,
}

/// A step; its section is the id up to the last `-`.
fn step(id: &str, kind: &'static str, script: &str) -> Step {
    Step {
        id: id.to_string(),
        kind,
        section: id.rsplit_once('-').map_or(id, |(s, _)| s).to_string(),
        title: format!("步骤{id}"),
        summary: format!("summary of {id}"),
        gate: String::new(),
        script: script.to_string(),
    }
}

impl Step {
    fn gate(mut self, gate: &str) -> Self {
        self.gate = gate.to_string();
        self
    }
    fn titled(mut self, title: &str, summary: &str) -> Self {
        self.title = title.to_string();
        self.summary = summary.to_string();
        self
    }
}

struct Spec {
    host: String,
    ips: String,
    steps: Vec<Step>,
    rollback: Vec<Step>,
    files: Vec<(String, Vec<u8>)>,
}

fn spec(steps: Vec<Step>) -> Spec {
    Spec {
        host: "web-1".to_string(),
        ips: "25.0.3.19".to_string(),
        steps,
        rollback: Vec::new(),
        files: Vec::new(),
    }
}

impl Spec {
    fn file(mut self, path: &str, content: &str) -> Self {
        self.files
            .push((path.to_string(), content.as_bytes().to_vec()));
        self
    }
    fn rollback(mut self, steps: Vec<Step>) -> Self {
        self.rollback = steps;
        self
    }
}

/// Single-quoted for bash.
fn sq(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

fn bash_array(name: &str, values: impl Iterator<Item = String>) -> String {
    let items: Vec<String> = values.map(|v| sq(&v)).collect();
    format!("{name}=( {} )\n", items.join(" "))
}

fn table(prefix: &str, steps: &[Step]) -> String {
    let mut s = format!("RBC_{prefix}_COUNT={}\n", steps.len());
    s += &bash_array(
        &format!("RBC_{prefix}_ID"),
        steps.iter().map(|x| x.id.clone()),
    );
    s += &bash_array(
        &format!("RBC_{prefix}_KIND"),
        steps.iter().map(|x| x.kind.to_string()),
    );
    s += &bash_array(
        &format!("RBC_{prefix}_SECTION"),
        steps.iter().map(|x| x.section.clone()),
    );
    s += &bash_array(
        &format!("RBC_{prefix}_TITLE"),
        steps.iter().map(|x| x.title.clone()),
    );
    s += &bash_array(
        &format!("RBC_{prefix}_SUMMARY"),
        steps.iter().map(|x| x.summary.clone()),
    );
    s += &bash_array(
        &format!("RBC_{prefix}_GATE"),
        steps.iter().map(|x| x.gate.clone()),
    );
    s
}

fn write(path: &Path, bytes: &[u8]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, bytes).unwrap();
}

fn chmod(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// A temp dir holding a fake root (`root/`), a bundle (`b/<host>/`), the state directory and
/// stub commands. `@ROOT@` and `@TOP@` in step scripts and files stand for those folders.
struct Sandbox {
    _tmp: tempfile::TempDir,
    top: PathBuf,
    root: PathBuf,
    bundle: PathBuf,
    state: PathBuf,
    stub: PathBuf,
}

struct Outcome {
    code: i32,
    out: String,
    err: String,
}

impl Outcome {
    fn expect(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "exit code {} instead of {code}\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.out, self.err
        );
        self
    }
    fn has(&self, text: &str) -> bool {
        self.out.contains(text) || self.err.contains(text)
    }
    fn shows(self, text: &str) -> Self {
        assert!(
            self.has(text),
            "output lacks {text:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.out,
            self.err
        );
        self
    }
    fn lacks(self, text: &str) -> Self {
        assert!(
            !self.has(text),
            "output has {text:?}\n--- stdout\n{}\n--- stderr\n{}",
            self.out,
            self.err
        );
        self
    }
    /// The value of `key=` in the recap line.
    fn recap(&self, key: &str) -> u32 {
        let line = self
            .out
            .lines()
            .rev()
            .find(|l| l.starts_with("RECAP"))
            .unwrap_or_else(|| panic!("no RECAP line in\n{}", self.out));
        let pat = format!(" {key}=");
        let rest = &line[line
            .find(&pat)
            .unwrap_or_else(|| panic!("no {key} in {line}"))
            + pat.len()..];
        rest.split(' ').next().unwrap().parse().unwrap()
    }
}

impl Sandbox {
    fn new(spec: &Spec) -> Sandbox {
        let tmp = tempfile::tempdir().unwrap();
        let top = tmp.path().to_path_buf();
        let root = top.join("root");
        let bundle = top.join("b").join(&spec.host);
        let state = top.join("state");
        let stub = top.join("stub");
        fs::create_dir_all(&root).unwrap();
        let sb = Sandbox {
            _tmp: tmp,
            top,
            root,
            bundle,
            state,
            stub,
        };
        for f in RUNTIME_FILES {
            let dest = sb.bundle.join(f);
            write(&dest, &fs::read(runtime_dir().join(f)).unwrap());
            chmod(
                &dest,
                if f.ends_with("lib/rbc.sh") {
                    0o644
                } else {
                    0o755
                },
            );
        }
        let mut bundle_sh = format!(
            "RBC_HOST={}; RBC_HOST_NAMES={}; RBC_HOST_IPS={}\n",
            sq(&spec.host),
            sq(&spec.host),
            sq(&spec.ips)
        );
        bundle_sh += &table("STEP", &spec.steps);
        bundle_sh += &table("RB", &spec.rollback);
        write(&sb.bundle.join("bundle.sh"), bundle_sh.as_bytes());
        for (dir, steps) in [("steps", &spec.steps), ("rollback", &spec.rollback)] {
            for (i, s) in steps.iter().enumerate() {
                let path = sb.bundle.join(format!("{dir}/{:04}.sh", i + 1));
                write(&path, sb.fill(&s.script).as_bytes());
            }
        }
        for (path, bytes) in &spec.files {
            let text = String::from_utf8(bytes.clone()).unwrap();
            write(&sb.bundle.join(path), sb.fill(&text).as_bytes());
        }
        write(&sb.bundle.join("README.txt"), b"test bundle\n");
        sb.seal();
        // Stubs for what Debian lacks or what tells the host apart.
        write(
            &sb.stub.join("hostname"),
            b"#!/bin/sh\ncat \"$(dirname \"$0\")/hostname.txt\"\n",
        );
        write(
            &sb.stub.join("ip"),
            b"#!/bin/sh\ncat \"$(dirname \"$0\")/ip.txt\"\n",
        );
        chmod(&sb.stub.join("hostname"), 0o755);
        chmod(&sb.stub.join("ip"), 0o755);
        fs::copy(
            fixture("iptables-restore"),
            sb.stub.join("iptables-restore"),
        )
        .unwrap();
        chmod(&sb.stub.join("iptables-restore"), 0o755);
        sb.set_host(&format!("{}.example.com", spec.host), "10.9.9.9");
        sb
    }

    fn fill(&self, text: &str) -> String {
        text.replace("@ROOT@", self.root.to_str().unwrap())
            .replace("@TOP@", self.top.to_str().unwrap())
    }

    /// Write SHA256SUMS for every file of the bundle, with sha256sum.
    fn seal(&self) {
        let _ = fs::remove_file(self.bundle.join("SHA256SUMS"));
        let out = Command::new("bash")
            .arg("-c")
            .arg("find . -type f ! -name SHA256SUMS | sed 's|^\\./||' | LC_ALL=C sort | xargs sha256sum")
            .current_dir(&self.bundle)
            .output()
            .unwrap();
        assert!(out.status.success());
        fs::write(self.bundle.join("SHA256SUMS"), out.stdout).unwrap();
    }

    /// What the stubbed `hostname` and `ip -o addr` report.
    fn set_host(&self, hostname: &str, ip: &str) {
        write(
            &self.stub.join("hostname.txt"),
            format!("{hostname}\n").as_bytes(),
        );
        write(
            &self.stub.join("ip.txt"),
            format!(
                "1: lo    inet 127.0.0.1/8 scope host lo\n2: eth0    inet {ip}/24 brd 25.0.3.255 scope global eth0\n"
            )
            .as_bytes(),
        );
    }

    /// The environment every runner gets: stubs first on PATH, state and temp in the sandbox.
    fn env_vars(&self) -> Vec<(&'static str, String)> {
        vec![
            (
                "PATH",
                format!(
                    "{}:{}",
                    self.stub.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            ),
            ("RBC_STATE_DIR", self.state.display().to_string()),
            ("RBC_START_WAIT", "1".to_string()),
            ("RBC_STOP_GRACE", "1".to_string()),
            ("TMPDIR", self.top.display().to_string()),
            // The hosts run bash 4.1: have a newer bash behave like it where it can.
            ("BASH_COMPAT", "41".to_string()),
        ]
    }

    fn command(&self, script: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new("bash");
        cmd.arg(self.bundle.join(script))
            .args(args)
            .current_dir(&self.top)
            .envs(self.env_vars())
            .env_remove("RBC_MANUAL_DONE")
            .stdin(Stdio::null());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd
    }

    fn run_env(&self, script: &str, args: &[&str], env: &[(&str, &str)]) -> Outcome {
        let out = self.command(script, args, env).output().unwrap();
        Outcome {
            code: out.status.code().unwrap_or(-1),
            out: String::from_utf8_lossy(&out.stdout).into_owned(),
            err: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn run(&self, args: &[&str]) -> Outcome {
        self.run_env("run.sh", args, &[])
    }

    fn rollback(&self, args: &[&str]) -> Outcome {
        self.run_env("rollback.sh", args, &[])
    }

    /// run.sh in the background, in its own process group.
    fn spawn(&self, args: &[&str]) -> Child {
        let mut cmd = self.command("run.sh", args, &[]);
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        cmd.spawn().unwrap()
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn journal(&self) -> String {
        fs::read_to_string(self.state.join("journal")).unwrap_or_default()
    }

    fn wait_for(&self, rel_top: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.top.join(rel_top).exists() {
            assert!(Instant::now() < deadline, "{rel_top} never appeared");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Comparing trees byte for byte

#[derive(Debug, PartialEq, Eq)]
enum Entry {
    File {
        mode: u32,
        uid: u32,
        gid: u32,
        bytes: Vec<u8>,
    },
    Dir {
        mode: u32,
        uid: u32,
        gid: u32,
    },
    Link(PathBuf),
}

fn snapshot(root: &Path) -> BTreeMap<String, Entry> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Entry>) {
        let mut names: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        for path in names {
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            let meta = fs::symlink_metadata(&path).unwrap();
            let mode = meta.mode() & 0o7777;
            if meta.file_type().is_symlink() {
                out.insert(rel, Entry::Link(fs::read_link(&path).unwrap()));
            } else if meta.is_dir() {
                out.insert(
                    rel,
                    Entry::Dir {
                        mode,
                        uid: meta.uid(),
                        gid: meta.gid(),
                    },
                );
                walk(root, &path, out);
            } else {
                out.insert(
                    rel,
                    Entry::File {
                        mode,
                        uid: meta.uid(),
                        gid: meta.gid(),
                        bytes: fs::read(&path).unwrap(),
                    },
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

fn assert_same_tree(before: &BTreeMap<String, Entry>, after: &BTreeMap<String, Entry>) {
    let mut diffs = Vec::new();
    for (k, v) in before {
        match after.get(k) {
            None => diffs.push(format!("missing now: {k}")),
            Some(w) if w != v => diffs.push(format!("differs: {k}\n  was {v:?}\n  now {w:?}")),
            _ => {}
        }
    }
    for k in after.keys() {
        if !before.contains_key(k) {
            diffs.push(format!("new: {k}"));
        }
    }
    assert!(diffs.is_empty(), "trees differ:\n{}", diffs.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// The standard bundle: one of each edit and filesystem primitive, as a compiler would emit them.

const PROFILE: &str = "# /etc/profile\n\npathmunge () {\n    :\n}\nexport PATH USER LOGNAME\n";
const HOSTS: &str = "127.0.0.1   localhost localhost.localdomain\n::1         localhost"; // no final newline
const MY_CNF: &str = "[mysqld]\ndatadir=/var/lib/mysql\n  max_connections=100\n";
const INIT: &str = "#!/bin/bash\n# chkconfig: 345 80 20\necho app\n";

fn standard_root(sb: &Sandbox) {
    write(&sb.path("etc/profile"), PROFILE.as_bytes());
    write(&sb.path("etc/hosts"), HOSTS.as_bytes());
    write(
        &sb.path("etc/sysconfig/iptables"),
        &fs::read(fixture("iptables.rhel6")).unwrap(),
    );
    chmod(&sb.path("etc/sysconfig/iptables"), 0o600);
    write(&sb.path("etc/my.cnf"), MY_CNF.as_bytes());
    chmod(&sb.path("etc/my.cnf"), 0o640);
    std::os::unix::fs::chown(sb.path("etc/my.cnf"), Some(1234), Some(4321)).unwrap();
    write(&sb.path("etc/init.d/app"), INIT.as_bytes());
    chmod(&sb.path("etc/init.d/app"), 0o755);
    write(&sb.path("usr/local/bin/tool"), b"#!/bin/sh\necho tool\n");
    chmod(&sb.path("usr/local/bin/tool"), 0o644);
    fs::create_dir_all(sb.path("etc/app")).unwrap();
    write(
        &sb.path("home/mail/startup.sh"),
        b"java -Xmx2g -jar mail.jar\n",
    );
    chmod(&sb.path("home/mail/startup.sh"), 0o755);
    write(&sb.path("home/mail/lib/mail-1.1.0.jar"), b"old jar");
    fs::create_dir_all(sb.path("home/maillog")).unwrap();
    fs::create_dir_all(sb.path("opt")).unwrap();
    std::os::unix::fs::symlink("/etc/alternatives/java", sb.path("opt/java")).unwrap();
}

fn mail_tarball(sb: &Sandbox) {
    let src = sb.top.join("tarsrc");
    write(&src.join("mail/lib/mail-1.4.0.jar"), b"new jar");
    write(&src.join("mail/conf/app.properties"), b"port=8080\n");
    let dest = sb.bundle.join("payloads/mail.tar.gz");
    fs::create_dir_all(dest.parent().unwrap()).unwrap();
    let status = Command::new("tar")
        .arg("-czf")
        .arg(&dest)
        .arg("-C")
        .arg(&src)
        .arg("mail")
        .status()
        .unwrap();
    assert!(status.success());
    sb.seal();
}

fn converge(check: &str, apply: &str, undo: &str) -> String {
    format!("rbc_check() {{ {check}; }}\nrbc_apply() {{ {apply}; }}\nrbc_undo() {{ {undo}; }}\n")
}

fn standard_steps() -> Vec<Step> {
    let r = "\"@ROOT@";
    vec![
        step(
            "2.1-1",
            "converge",
            &converge(
                &format!("rbc_block_present {r}/etc/profile\" jdk files/profile.txt"),
                &format!("rbc_block_append {r}/etc/profile\" jdk files/profile.txt"),
                &format!("rbc_restore {r}/etc/profile\""),
            ),
        )
        .titled("安装JDK", "JAVA_HOME in /etc/profile"),
        step(
            "2.1-2",
            "converge",
            &converge(
                &format!("rbc_lines_present {r}/etc/hosts\" files/hosts.txt"),
                &format!("rbc_lines_add {r}/etc/hosts\" files/hosts.txt"),
                &format!("rbc_restore {r}/etc/hosts\""),
            ),
        ),
        step(
            "2.2-1",
            "converge",
            &converge(
                &format!("rbc_iptables_present {r}/etc/sysconfig/iptables\" files/iptables.txt"),
                &format!("rbc_iptables_add {r}/etc/sysconfig/iptables\" files/iptables.txt"),
                &format!("rbc_restore {r}/etc/sysconfig/iptables\""),
            ),
        )
        .titled("安装Tomcat", "open tcp/8080"),
        step(
            "2.2-2",
            "converge",
            &converge(
                &format!("rbc_dir_present {r}/home/maillog/archive/2017\""),
                &format!("rbc_mkdir {r}/home/maillog/archive/2017\" 750"),
                &format!("rbc_mkdir_undo {r}/home/maillog/archive/2017\""),
            ),
        ),
        step(
            "2.3-1",
            "converge",
            &converge(
                &format!("rbc_renamed {r}/home/mail\" {r}/home/mail_20170305\""),
                &format!("rbc_rename {r}/home/mail\" {r}/home/mail_20170305\""),
                &format!("rbc_rename_undo {r}/home/mail\" {r}/home/mail_20170305\""),
            ),
        ),
        step(
            "2.3-2",
            "converge",
            &converge(
                &format!("rbc_extracted \"$RBC_BUNDLE_DIR/payloads/mail.tar.gz\" {r}/home\""),
                &format!("cd {r}/home\" && rbc_extract \"$RBC_BUNDLE_DIR/payloads/mail.tar.gz\" ."),
                &format!("rbc_extract_undo \"$RBC_BUNDLE_DIR/payloads/mail.tar.gz\" {r}/home\""),
            ),
        ),
        step(
            "2.3-3",
            "converge",
            &converge(
                &format!("rbc_renamed {r}/home/mail_20170305/startup.sh\" {r}/home/mail/startup.sh\""),
                &format!("rbc_rename {r}/home/mail_20170305/startup.sh\" {r}/home/mail/startup.sh\""),
                &format!("rbc_rename_undo {r}/home/mail_20170305/startup.sh\" {r}/home/mail/startup.sh\""),
            ),
        ),
        step(
            "2.4-1",
            "converge",
            &converge(
                &format!("rbc_line_replaced {r}/etc/my.cnf\" 'max_connections=100' 'max_connections=1000'"),
                &format!("rbc_replace_line {r}/etc/my.cnf\" 'max_connections=100' 'max_connections=1000'"),
                &format!("rbc_restore {r}/etc/my.cnf\""),
            ),
        ),
        step(
            "2.4-2",
            "converge",
            &converge(
                &format!("rbc_file_matches {r}/etc/app/secret.key\" files/secret.key 0600"),
                &format!("rbc_write_file {r}/etc/app/secret.key\" files/secret.key 0600"),
                &format!("rbc_restore {r}/etc/app/secret.key\""),
            ),
        ),
        step(
            "2.4-3",
            "converge",
            &converge(
                &format!("rbc_mode_is {r}/usr/local/bin/tool\" +x"),
                &format!("rbc_chmod {r}/usr/local/bin/tool\" +x"),
                &format!("rbc_restore {r}/usr/local/bin/tool\""),
            ),
        ),
        step(
            "2.4-4",
            "converge",
            &converge(
                &format!("rbc_block_present {r}/etc/init.d/app\" env files/init.txt"),
                &format!("rbc_block_prepend {r}/etc/init.d/app\" env files/init.txt"),
                &format!("rbc_restore {r}/etc/init.d/app\""),
            ),
        ),
        step(
            "2.5-1",
            "once",
            "rbc_apply() {\n\techo ran >>\"@TOP@/once-counter\"\n}\n",
        ),
        step(
            "2.5-2",
            "check",
            "rbc_check() {\n\tgrep JAVA_HOME \"@ROOT@/etc/profile\"\n}\n",
        ),
    ]
}

fn standard_spec() -> Spec {
    spec(standard_steps())
        .file(
            "files/profile.txt",
            "export JAVA_HOME=/usr/java/jdk1.7.0_80\nexport PATH=$JAVA_HOME/bin:$PATH\n",
        )
        .file(
            "files/hosts.txt",
            "25.0.3.19   rabbit1\n25.0.3.20 rabbit2\n127.0.0.1 localhost localhost.localdomain\n",
        )
        .file(
            "files/iptables.txt",
            "-A INPUT -m state --state NEW -m tcp -p tcp --dport 8080 -j ACCEPT\n-A INPUT -m state --state NEW -m tcp -p tcp --dport 5672 -j ACCEPT\n",
        )
        .file("files/secret.key", "-----BEGIN KEY-----\nc2VjcmV0\n-----END KEY-----\n")
        .file("files/init.txt", "export LANG=zh_CN.UTF-8\n")
        .rollback(vec![step(
            "6.1-1",
            "once",
            "rbc_apply() {\n\techo rollback >>\"@TOP@/rollback-counter\"\n}\n",
        )])
}

fn standard_sandbox() -> Sandbox {
    let sb = Sandbox::new(&standard_spec());
    standard_root(&sb);
    mail_tarball(&sb);
    sb
}

fn lines_of(path: &Path) -> usize {
    fs::read_to_string(path).map_or(0, |s| s.lines().count())
}

fn mode_of(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

// ---------------------------------------------------------------------------------------------
// run.sh

#[test]
fn first_run_converges_and_a_second_run_changes_nothing() {
    let sb = standard_sandbox();
    let first = sb
        .run(&[])
        .expect(0)
        .shows("checksums: OK")
        .shows("[3/13] 2.2 安装Tomcat: open tcp/8080 ... changed")
        .shows("Done: all 13 steps on web-1 finished");
    assert_eq!(first.recap("changed"), 12);
    assert_eq!(first.recap("ok"), 1);
    assert_eq!(first.recap("failed"), 0);

    let profile = sb.read("etc/profile");
    assert!(profile.starts_with(PROFILE));
    assert!(profile.ends_with(
        "# BEGIN rbc jdk\nexport JAVA_HOME=/usr/java/jdk1.7.0_80\nexport PATH=$JAVA_HOME/bin:$PATH\n# END rbc jdk\n"
    ));
    assert_eq!(
        sb.read("etc/hosts"),
        format!("{HOSTS}\n25.0.3.19   rabbit1\n25.0.3.20 rabbit2\n")
    );
    assert_eq!(
        sb.read("etc/sysconfig/iptables"),
        fs::read_to_string(fixture("iptables.rhel6.expected")).unwrap()
    );
    assert_eq!(mode_of(&sb.path("etc/sysconfig/iptables")), 0o600);
    assert!(
        sb.stub.join("iptables-restore.calls").exists(),
        "iptables-restore --test was not run"
    );
    assert_eq!(mode_of(&sb.path("home/maillog/archive/2017")), 0o750);
    assert!(!sb.path("home/mail_20170305/startup.sh").exists());
    assert_eq!(
        sb.read("home/mail/startup.sh"),
        "java -Xmx2g -jar mail.jar\n"
    );
    assert_eq!(sb.read("home/mail/lib/mail-1.4.0.jar"), "new jar");
    assert_eq!(sb.read("home/mail_20170305/lib/mail-1.1.0.jar"), "old jar");
    assert_eq!(
        sb.read("etc/my.cnf"),
        "[mysqld]\ndatadir=/var/lib/mysql\n  max_connections=1000\n"
    );
    let cnf = fs::metadata(sb.path("etc/my.cnf")).unwrap();
    assert_eq!(
        (cnf.mode() & 0o7777, cnf.uid(), cnf.gid()),
        (0o640, 1234, 4321)
    );
    assert_eq!(mode_of(&sb.path("etc/app/secret.key")), 0o600);
    assert_eq!(mode_of(&sb.path("usr/local/bin/tool")), 0o755);
    assert_eq!(
        sb.read("etc/init.d/app"),
        "#!/bin/bash\n# BEGIN rbc env\nexport LANG=zh_CN.UTF-8\n# END rbc env\n# chkconfig: 345 80 20\necho app\n"
    );
    assert_eq!(lines_of(&sb.top.join("once-counter")), 1);
    assert!(sb.state.join("logs/last.log").exists());
    assert!(
        !sb.bundle.join("journal").exists(),
        "state must live outside the bundle"
    );

    let after_first = snapshot(&sb.root);
    let second = sb
        .run(&[])
        .expect(0)
        .shows("No changes: all 13 steps on web-1 were already done");
    assert_eq!(second.recap("changed"), 0);
    assert_eq!(second.recap("failed"), 0);
    assert_same_tree(&after_first, &snapshot(&sb.root));
    assert_eq!(lines_of(&sb.top.join("once-counter")), 1);
}

#[test]
fn a_changed_file_fails_the_checksum_before_anything_runs() {
    let sb = standard_sandbox();
    let before = snapshot(&sb.root);
    fs::write(sb.bundle.join("files/profile.txt"), "export EVIL=1\n").unwrap();
    sb.run(&[])
        .expect(2)
        .shows("files/profile.txt: FAILED")
        .shows("nothing was done");
    assert_same_tree(&before, &snapshot(&sb.root));
    assert!(!sb.state.exists(), "the state directory was touched");

    // A file slipped into the bundle is refused as well.
    let sb = standard_sandbox();
    write(&sb.bundle.join("steps/0099.sh"), b"rbc_apply() { :; }\n");
    sb.run(&[])
        .expect(2)
        .shows("not in SHA256SUMS: steps/0099.sh");
    sb.rollback(&[]).expect(2);
    assert!(!sb.state.exists());
}

#[test]
fn the_wrong_host_is_refused_unless_forced() {
    let sb = standard_sandbox();
    let before = snapshot(&sb.root);
    sb.set_host("db-9.example.com", "10.1.1.1");
    sb.run(&[])
        .expect(5)
        .shows("wrong host")
        .shows("--force-host");
    sb.rollback(&[]).expect(5);
    assert_same_tree(&before, &snapshot(&sb.root));
    assert!(!sb.state.exists());

    // Recognised by one of its addresses.
    sb.set_host("localhost.localdomain", "25.0.3.19");
    sb.run(&["--dry-run"])
        .expect(0)
        .shows("host: web-1 (address 25.0.3.19)");

    // Recognised by its short name.
    sb.set_host("WEB-1", "10.1.1.1");
    sb.run(&["--dry-run"])
        .expect(0)
        .shows("host: web-1 (hostname web-1)");

    sb.set_host("db-9", "10.1.1.1");
    sb.run(&["--force-host"])
        .expect(0)
        .shows("going on because of --force-host");
}

/// A bundle whose second step blocks until `@TOP@/release` exists.
fn blocking_spec() -> Spec {
    spec(vec![
        step(
            "1.1-1",
            "converge",
            &converge(
                "rbc_block_present \"@ROOT@/etc/profile\" a files/a.txt",
                "rbc_block_append \"@ROOT@/etc/profile\" a files/a.txt",
                "rbc_restore \"@ROOT@/etc/profile\"",
            ),
        ),
        step(
            "1.2-1",
            "once",
            "rbc_apply() {\n\ttouch \"@TOP@/started\"\n\tn=0\n\twhile [ ! -e \"@TOP@/release\" ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done\n\techo once >>\"@TOP@/once-counter\"\n}\n",
        ),
        step(
            "1.3-1",
            "converge",
            &converge(
                "rbc_file_matches \"@ROOT@/etc/b.conf\" files/b.txt",
                "rbc_write_file \"@ROOT@/etc/b.conf\" files/b.txt",
                "rbc_restore \"@ROOT@/etc/b.conf\"",
            ),
        ),
    ])
    .file("files/a.txt", "A=1\n")
    .file("files/b.txt", "B=2\n")
}

fn blocking_sandbox() -> Sandbox {
    let sb = Sandbox::new(&blocking_spec());
    write(&sb.path("etc/profile"), PROFILE.as_bytes());
    sb
}

#[test]
fn a_second_run_while_the_first_holds_the_lock_exits_6() {
    let sb = blocking_sandbox();
    let mut first = sb.spawn(&[]);
    sb.wait_for("started");
    sb.run(&[]).expect(6).shows("locked");
    sb.rollback(&[]).expect(6);
    fs::write(sb.top.join("release"), "").unwrap();
    assert!(first.wait().unwrap().success());
    assert!(!sb.state.join("lock").exists(), "lock left behind");
    sb.run(&[]).expect(0);
}

#[test]
fn a_stale_lock_of_a_dead_run_is_taken_over() {
    let sb = blocking_sandbox();
    fs::write(sb.top.join("release"), "").unwrap();
    let mut dead = Command::new("true").spawn().unwrap();
    let pid = dead.id();
    dead.wait().unwrap();
    let boot = fs::read_to_string("/proc/sys/kernel/random/boot_id").unwrap_or_else(|_| "-".into());
    write(
        &sb.state.join("lock/owner"),
        format!(
            "{pid}\n{}\n2017-03-05 02:00:00 +0800\nrun.sh root\n",
            boot.trim()
        )
        .as_bytes(),
    );
    sb.run(&[])
        .expect(0)
        .shows(&format!("taking over a stale lock of pid {pid}"));
}

#[test]
fn a_failed_step_stops_the_run_and_the_next_run_resumes_there() {
    let sb = Sandbox::new(
        &spec(vec![
            step(
                "1.1-1",
                "converge",
                &converge(
                    "rbc_block_present \"@ROOT@/etc/profile\" a files/a.txt",
                    "rbc_block_append \"@ROOT@/etc/profile\" a files/a.txt",
                    "rbc_restore \"@ROOT@/etc/profile\"",
                ),
            ),
            step("1.1-2", "once", "rbc_apply() {\n\techo once >>\"@TOP@/once-counter\"\n}\n"),
            step(
                "1.2-1",
                "once",
                "rbc_apply() {\n\techo trying >>\"@TOP@/attempts\"\n\ttest -e \"@TOP@/fixed\"\n\techo fixed >>\"@TOP@/attempts\"\n}\n",
            ),
            step(
                "1.3-1",
                "converge",
                &converge(
                    "rbc_file_matches \"@ROOT@/etc/b.conf\" files/b.txt",
                    "rbc_write_file \"@ROOT@/etc/b.conf\" files/b.txt",
                    "rbc_restore \"@ROOT@/etc/b.conf\"",
                ),
            ),
        ])
        .file("files/a.txt", "A=1\n")
        .file("files/b.txt", "B=2\n"),
    );
    write(&sb.path("etc/profile"), PROFILE.as_bytes());
    let failed = sb
        .run(&[])
        .expect(1)
        .shows("[3/4] 1.2 步骤1.2-1: summary of 1.2-1 ... failed")
        .shows("command failed (exit 1): test -e")
        .shows("resumes at the failed step");
    assert_eq!(failed.recap("changed"), 2);
    assert_eq!(failed.recap("failed"), 1);
    assert!(!sb.path("etc/b.conf").exists(), "ran past the failure");
    assert_eq!(sb.read("../attempts"), "trying\n");

    // Still broken: fails again at the same place.
    sb.run(&[]).expect(1);

    fs::write(sb.top.join("fixed"), "").unwrap();
    let resumed = sb.run(&[]).expect(0);
    assert_eq!(resumed.recap("changed"), 2);
    assert_eq!(resumed.recap("ok"), 1);
    assert_eq!(resumed.recap("skipped"), 1);
    assert_eq!(sb.read("etc/b.conf"), "B=2\n");
    assert_eq!(lines_of(&sb.top.join("once-counter")), 1);
    assert_eq!(sb.read("../attempts"), "trying\ntrying\ntrying\nfixed\n");
}

#[test]
fn a_run_killed_mid_step_reaches_the_same_end_state_when_run_again() {
    // Reference: the same bundle, never interrupted.
    let reference = blocking_sandbox();
    fs::write(reference.top.join("release"), "").unwrap();
    reference.run(&[]).expect(0);

    let sb = blocking_sandbox();
    let mut child = sb.spawn(&[]);
    sb.wait_for("started");
    let status = Command::new("kill")
        .args(["-KILL", "--", &format!("-{}", child.id())])
        .status()
        .unwrap();
    assert!(status.success());
    child.wait().unwrap();
    assert!(
        sb.state.join("lock").exists(),
        "SIGKILL leaves the lock behind"
    );
    assert!(sb.journal().contains("\t1.2-1\tapply\t"));

    fs::write(sb.top.join("release"), "").unwrap();
    sb.run(&[])
        .expect(0)
        .shows("taking over a stale lock")
        .shows("did not finish; it runs again");
    assert_same_tree(&snapshot(&reference.root), &snapshot(&sb.root));
    assert_eq!(lines_of(&sb.top.join("once-counter")), 1);
    sb.run(&[]).expect(0).shows("No changes");
}

#[test]
fn a_process_left_holding_the_step_output_does_not_keep_the_run_waiting() {
    // Like an init script that starts a daemon without redirecting its output.
    let sb = Sandbox::new(&spec(vec![
        step(
            "1.1-1",
            "once",
            "rbc_apply() {\n\tsleep 120 &\n\techo $! >\"@TOP@/leak.pid\"\n\techo daemon started\n}\n",
        ),
        step("1.2-1", "once", "rbc_apply() {\n\techo next step\n}\n"),
    ]));
    let started = Instant::now();
    let out = sb.run(&[]);
    let pid = fs::read_to_string(sb.top.join("leak.pid")).unwrap();
    let _ = Command::new("kill").arg(pid.trim()).status();
    out.expect(0).shows("| daemon started").shows("| next step");
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "the run waited for the background process"
    );
}

#[test]
fn a_prompt_without_a_newline_shows_while_the_step_waits_on_it() {
    let sb = Sandbox::new(&spec(vec![step(
        "1.1-1",
        "once",
        "rbc_apply() {\n\tprintf 'Enter password: '\n\tn=0\n\twhile [ ! -e \"@TOP@/go\" ] && [ $n -lt 600 ]; do sleep 0.1; n=$((n + 1)); done\n\techo accepted\n}\n",
    )]));
    let mut child = sb
        .command("run.sh", &[], &[])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::Read;
        let mut buf = [0u8; 256];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !String::from_utf8_lossy(&seen).contains("    | Enter password: ") {
        assert!(
            Instant::now() < deadline,
            "the prompt never showed: {}",
            String::from_utf8_lossy(&seen)
        );
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(100)) {
            seen.extend(chunk);
        }
    }
    fs::write(sb.top.join("go"), "").unwrap();
    assert!(child.wait().unwrap().success());
    while let Ok(chunk) = rx.recv_timeout(Duration::from_secs(5)) {
        seen.extend(chunk);
    }
    assert!(String::from_utf8_lossy(&seen).contains("    | Enter password: accepted\n"));
}

#[test]
fn a_manual_step_without_a_terminal_exits_3_until_it_is_confirmed() {
    let sb = Sandbox::new(
        &spec(vec![
            step("1.1-1", "once", "rbc_apply() {\n\techo one >>\"@TOP@/log\"\n}\n"),
            step(
                "1.2-1",
                "manual",
                "rbc_instruction() {\n\tcat <<'RBC_EOF'\n登录管理控制台，点击“发布”。\n```\n# reboot\n```\nRBC_EOF\n}\n",
            )
            .titled("重启操作系统", "reboot the host"),
            step("1.3-1", "once", "rbc_apply() {\n\techo three >>\"@TOP@/log\"\n}\n"),
        ]),
    );
    for _ in 0..2 {
        sb.run(&[])
            .expect(3)
            .shows("登录管理控制台，点击“发布”。")
            .shows("# reboot")
            .shows("RBC_MANUAL_DONE=1")
            .shows("[2/3] 1.2 重启操作系统: reboot the host ... waiting (manual)");
        assert_eq!(fs::read_to_string(sb.top.join("log")).unwrap(), "one\n");
    }
    let done = sb
        .run_env("run.sh", &[], &[("RBC_MANUAL_DONE", "1")])
        .expect(0);
    assert_eq!(done.recap("manual"), 1);
    assert_eq!(
        fs::read_to_string(sb.top.join("log")).unwrap(),
        "one\nthree\n"
    );
    assert!(sb
        .journal()
        .contains("\t1.2-1\tconfirmed\tRBC_MANUAL_DONE=1"));
    sb.run(&["--list"]).expect(0).shows("confirmed");
    // Confirmed once: not asked again.
    sb.run(&[]).expect(0).shows("No changes");
}

#[test]
fn a_gate_stops_with_4_and_yes_carries_on() {
    let gate = "3.1–3.5 on ecsc-1, ecsc-2";
    let sb = Sandbox::new(&spec(vec![
        step(
            "3.6-1",
            "once",
            "rbc_apply() {\n\techo a >>\"@TOP@/log\"\n}\n",
        ),
        step(
            "4.1-1",
            "once",
            "rbc_apply() {\n\techo b >>\"@TOP@/log\"\n}\n",
        )
        .gate(gate),
        step(
            "4.1-2",
            "once",
            "rbc_apply() {\n\techo c >>\"@TOP@/log\"\n}\n",
        ),
    ]));
    for _ in 0..2 {
        sb.run(&[])
            .expect(4)
            .shows(&format!("等待: {gate}; then run ./run.sh again"))
            .shows(&format!("Waiting for: {gate}"));
        assert_eq!(fs::read_to_string(sb.top.join("log")).unwrap(), "a\n");
    }
    sb.run(&["--dry-run"]).expect(0).shows("would wait here");
    sb.run(&["--yes"])
        .expect(0)
        .shows("taken as finished (--yes)");
    assert_eq!(fs::read_to_string(sb.top.join("log")).unwrap(), "a\nb\nc\n");
    assert!(sb.journal().contains("\tgate\t4.1-1\tconfirmed\t--yes"));
    sb.run(&[]).expect(0).shows("No changes");
}

/// run.sh on a pseudo-terminal (util-linux `script`), typing `input`.
fn run_on_terminal(sb: &Sandbox, input: &str) -> Option<Outcome> {
    let have = Command::new("sh")
        .arg("-c")
        .arg("command -v script")
        .output()
        .unwrap()
        .status
        .success();
    if !have {
        eprintln!("`script` not found: skipped the terminal test");
        return None;
    }
    let inner = format!("bash {}", sb.bundle.join("run.sh").display());
    let mut cmd = Command::new("script");
    cmd.args(["-q", "-e", "-c", &inner, "/dev/null"])
        .current_dir(&sb.top)
        .envs(sb.env_vars())
        .env_remove("RBC_MANUAL_DONE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    Some(Outcome {
        code: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

#[test]
fn on_a_terminal_gates_and_manual_steps_wait_for_a_yes() {
    let sb = Sandbox::new(&spec(vec![
        step(
            "3.6-1",
            "once",
            "rbc_apply() {\n\techo a >>\"@TOP@/log\"\n}\n",
        ),
        step(
            "4.1-1",
            "once",
            "rbc_apply() {\n\techo b >>\"@TOP@/log\"\n}\n",
        )
        .gate("3.1–3.5 on ecsc-1"),
        step(
            "4.2-1",
            "manual",
            "rbc_instruction() {\n\techo 'reboot the host'\n}\n",
        ),
        step(
            "4.3-1",
            "once",
            "rbc_apply() {\n\techo c >>\"@TOP@/log\"\n}\n",
        ),
    ]));
    let Some(no) = run_on_terminal(&sb, "n\n") else {
        return;
    };
    no.expect(4).shows("Is it finished?");
    assert_eq!(fs::read_to_string(sb.top.join("log")).unwrap(), "a\n");
    run_on_terminal(&sb, "y\nn\n")
        .unwrap()
        .expect(3)
        .shows("reboot the host")
        .shows("Done?");
    run_on_terminal(&sb, "y\n")
        .unwrap()
        .expect(0)
        .lacks("Is it finished?");
    assert_eq!(fs::read_to_string(sb.top.join("log")).unwrap(), "a\nb\nc\n");
    let journal = sb.journal();
    assert!(
        journal.contains("\tgate\t4.1-1\tconfirmed\tterminal /dev/"),
        "{journal}"
    );
    assert!(
        journal.contains("\trun\t4.2-1\tconfirmed\tterminal /dev/"),
        "{journal}"
    );
}

#[test]
fn dry_run_changes_nothing() {
    let sb = standard_sandbox();
    let before = snapshot(&sb.root);
    let dry = sb
        .run(&["--dry-run"])
        .expect(0)
        .shows("[1/13] 2.1 安装JDK: JAVA_HOME in /etc/profile ... would change")
        .shows("[12/13] 2.5 步骤2.5-1: summary of 2.5-1 ... would run")
        .shows("would check")
        .shows("Dry run: nothing was changed");
    assert_eq!(dry.recap("changed"), 0);
    // A dry run looks at the host as it is: the tarball's top folder `mail` (still the old one)
    // and the moved startup.sh already look in place, so those two steps say ok.
    assert_eq!(dry.recap("would-change"), 11, "{}", dry.out);
    assert_eq!(dry.recap("ok"), 2, "{}", dry.out);
    assert_same_tree(&before, &snapshot(&sb.root));
    assert!(!sb.state.exists(), "dry run created the state directory");
    assert!(!sb.top.join("once-counter").exists());

    // After a real run, a dry run sees nothing to do.
    sb.run(&[]).expect(0);
    let after = snapshot(&sb.root);
    let dry = sb.run(&["--dry-run"]).expect(0);
    assert_eq!(dry.recap("would-change"), 0);
    assert_same_tree(&after, &snapshot(&sb.root));
    sb.rollback(&["--dry-run"]).expect(0).shows("would undo");
    assert_same_tree(&after, &snapshot(&sb.root));
}

#[test]
fn list_shows_every_step_with_its_journal_status() {
    let sb = standard_sandbox();
    sb.run(&["--list"])
        .expect(0)
        .shows("[3/13] 2.2-1")
        .shows("安装Tomcat: open tcp/8080")
        .shows("pending")
        .lacks("changed 20");
    assert!(!sb.state.exists(), "--list created the state directory");
    // Operators type `sh run.sh` too: it runs itself with bash.
    let out = Command::new("sh")
        .arg(sb.bundle.join("run.sh"))
        .arg("--list")
        .envs(sb.env_vars())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("[3/13] 2.2-1"));
    sb.run(&["--until", "2.1"]).expect(0);
    let list = sb.run(&["--list"]).expect(0);
    assert!(list.out.contains("changed 20"), "{}", list.out);
    assert!(list.out.contains("pending"), "{}", list.out);
}

#[test]
fn only_from_and_until_pick_the_steps() {
    let once = |id: &str| {
        step(
            id,
            "once",
            &format!("rbc_apply() {{\n\techo {id} >>\"@TOP@/log\"\n}}\n"),
        )
    };
    let sb = Sandbox::new(&spec(vec![
        once("2.1-1"),
        once("2.2-1"),
        once("2.2.1-1"),
        once("2.3-1"),
        once("9.1-1"),
        once("10.1-1"),
    ]));
    let log = || fs::read_to_string(sb.top.join("log")).unwrap_or_default();

    sb.run(&["--only", "2.2.1-1"]).expect(0);
    assert_eq!(log(), "2.2.1-1\n");
    sb.run(&["--only=#1"]).expect(0);
    assert_eq!(log(), "2.2.1-1\n2.1-1\n");
    // A done once step named again is only redone with --yes.
    sb.run(&["--only", "2.1-1"])
        .expect(0)
        .shows("--yes to do it again");
    assert_eq!(log(), "2.2.1-1\n2.1-1\n");

    sb.run(&["--until", "2.2"])
        .expect(0)
        .shows("Stopped before step 4/6")
        .shows("--until");
    assert_eq!(log(), "2.2.1-1\n2.1-1\n2.2-1\n");

    // Sections compare as numbers: 10 comes after 9.
    sb.run(&["--from", "9.1-1", "--until", "9"]).expect(0);
    assert_eq!(log(), "2.2.1-1\n2.1-1\n2.2-1\n9.1-1\n");

    sb.run(&[]).expect(0);
    assert_eq!(log(), "2.2.1-1\n2.1-1\n2.2-1\n9.1-1\n2.3-1\n10.1-1\n");

    sb.run(&["--only", "7.7-7"]).expect(2).shows("no such step");
    sb.run(&["--bogus"]).expect(2).shows("unknown option");
    sb.run(&["--only", "2.1-1", "--from", "2.2-1"]).expect(2);
    sb.run(&["--help"])
        .expect(0)
        .shows("Exit codes")
        .shows("RBC_MANUAL_DONE");
}

#[test]
fn a_converge_step_superseded_by_a_later_step_is_not_applied_again() {
    // The runbook renames /home/mail away and a later tarball re-creates it: on a second run the
    // rename's check no longer holds, and the runner must not try to rename again.
    let sb = standard_sandbox();
    sb.run(&[]).expect(0);
    let out = sb
        .run(&[])
        .expect(0)
        .shows("no longer holds, changed by a later step? --only 2.3-1 applies it again");
    assert_eq!(out.recap("changed"), 0);
}

// ---------------------------------------------------------------------------------------------
// rollback.sh

#[test]
fn rollback_restores_every_file_byte_for_byte_and_a_second_rollback_changes_nothing() {
    let sb = standard_sandbox();
    let pristine = snapshot(&sb.root);
    sb.run(&[]).expect(0);
    let after_run = snapshot(&sb.root);

    // 2.5-1 has no undo: rollback.sh does all else and lists it for a person (exit 7).
    let rb = sb
        .rollback(&[])
        .expect(7)
        .shows("Undo: 12 step(s) changed something, newest first")
        .shows("[undo 1/12] 2.5 步骤2.5-1: summary of 2.5-1 ... kept")
        .shows("[undo 2/12] 2.4 步骤2.4-4: summary of 2.4-4 ...")
        .shows("no automatic undo")
        .shows("Left for a person on web-1")
        .shows("  - done by a command rbc cannot undo: summary of 2.5-1")
        .shows("./rollback.sh --handled records it");
    assert_eq!(rb.recap("undone"), 11);
    assert_eq!(rb.recap("kept"), 1);
    assert_eq!(rb.recap("changed"), 1, "the rollback chapter ran");
    assert_same_tree(&pristine, &snapshot(&sb.root));
    assert_eq!(lines_of(&sb.top.join("rollback-counter")), 1);

    // Nothing more to undo; what is left is still listed, as listed earlier, and stays exit 7.
    let again = sb
        .rollback(&[])
        .expect(7)
        .shows("no change by run.sh left to undo")
        .shows("Still left for a person on web-1 (listed by an earlier rollback")
        .shows("summary of 2.5-1");
    assert_eq!(again.recap("undone"), 0);
    assert_eq!(again.recap("changed"), 0);
    assert_same_tree(&pristine, &snapshot(&sb.root));
    assert_eq!(lines_of(&sb.top.join("rollback-counter")), 1);

    // The person says it is handled: recorded, exit 0; the next rollback has nothing left.
    sb.rollback(&["--handled"])
        .expect(0)
        .shows("Recorded: a person")
        .shows("Rollback finished on web-1");
    sb.rollback(&[]).expect(0).lacks("summary of 2.5-1");
    sb.run(&["--handled"])
        .expect(2)
        .shows("run.sh takes no --handled");
    assert_same_tree(&pristine, &snapshot(&sb.root));

    // After a rollback, run.sh starts over and reaches the same state; a new rollback runs the
    // rollback chapter again.
    let rerun = sb.run(&[]).expect(0);
    assert_eq!(rerun.recap("changed"), 12);
    assert_same_tree(&after_run, &snapshot(&sb.root));
    // `--handled` on the rollback that lists them first records nothing: nobody handled them yet.
    sb.rollback(&["--handled"])
        .expect(7)
        .shows("--handled records what an earlier rollback listed");
    assert_same_tree(&pristine, &snapshot(&sb.root));
    assert_eq!(lines_of(&sb.top.join("rollback-counter")), 2);
    sb.rollback(&[]).expect(7).shows("Still left for a person");
}

#[test]
fn rollback_after_a_partial_run_undoes_what_was_done() {
    let sb = standard_sandbox();
    let pristine = snapshot(&sb.root);
    sb.run(&["--until", "2.3"]).expect(0);
    assert!(sb.path("home/mail_20170305").exists());
    let rb = sb.rollback(&[]).expect(0);
    assert_eq!(rb.recap("undone"), 7);
    assert_same_tree(&pristine, &snapshot(&sb.root));
}

#[test]
fn rollback_after_a_failed_apply_restores_what_it_half_did() {
    let sb = Sandbox::new(
        &spec(vec![step(
            "1.1-1",
            "converge",
            &converge(
                "rbc_file_matches \"@ROOT@/etc/b.conf\" files/b.txt",
                "rbc_write_file \"@ROOT@/etc/b.conf\" files/b.txt; false",
                "rbc_restore \"@ROOT@/etc/b.conf\"",
            ),
        )])
        .file("files/b.txt", "B=2\n"),
    );
    write(&sb.path("etc/b.conf"), b"B=1\n");
    let pristine = snapshot(&sb.root);
    sb.run(&[]).expect(1);
    assert_eq!(sb.read("etc/b.conf"), "B=2\n");
    sb.rollback(&[]).expect(0);
    assert_same_tree(&pristine, &snapshot(&sb.root));
}

#[test]
fn rename_refuses_to_nest_into_an_existing_directory() {
    let sb = Sandbox::new(&spec(vec![step(
        "1.1-1",
        "converge",
        &converge(
            "rbc_renamed \"@ROOT@/home/web\" \"@ROOT@/home/web_old\"",
            "rbc_rename \"@ROOT@/home/web\" \"@ROOT@/home/web_old\"",
            "rbc_rename_undo \"@ROOT@/home/web\" \"@ROOT@/home/web_old\"",
        ),
    )]));
    write(&sb.path("home/web/index.html"), b"new");
    write(&sb.path("home/web_old/index.html"), b"old");
    let before = snapshot(&sb.root);
    sb.run(&[])
        .expect(1)
        .shows("refusing to rename")
        .shows("already exists");
    assert_same_tree(&before, &snapshot(&sb.root));
}

// ---------------------------------------------------------------------------------------------
// Primitives on their own: lib/rbc.sh sourced by bash with a state directory.

fn lib(sb: &Sandbox, script: &str) -> Outcome {
    let full = format!(
        ". \"{}\"\nnot() {{ if \"$@\"; then echo \"unexpectedly true: $*\" >&2; return 1; fi; }}\nset -e\n{}",
        runtime_dir().join("lib/rbc.sh").display(),
        sb.fill(script)
    );
    let out = Command::new("bash")
        .arg("-c")
        .arg(full)
        .current_dir(&sb.top)
        // The stubs come first: a real iptables-restore --test needs netfilter rights.
        .envs(sb.env_vars())
        .env("RBC_BUNDLE_DIR", &sb.bundle)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Outcome {
        code: out.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&out.stdout).into_owned(),
        err: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn blocks_are_replaced_in_place_and_take_the_comment_of_the_file() {
    let sb = Sandbox::new(
        &spec(vec![])
            .file("files/v1.txt", "[rabbitmq_management].\n")
            .file("files/v2.txt", "[rabbitmq_management,rabbitmq_tracing].")
            .file("files/sh.txt", "ulimit -n 65535\n"),
    );
    write(&sb.path("etc/rabbitmq/enabled_plugins"), b"% plugins\n");
    write(&sb.path("bin/start.sh"), b"#!/bin/sh"); // one line, no newline
    lib(
        &sb,
        r#"
        p="@ROOT@/etc/rabbitmq/enabled_plugins"
        rbc_block_append "$p" plugins files/v1.txt %
        rbc_block_present "$p" plugins files/v1.txt %
        not rbc_block_present "$p" plugins files/v2.txt %
        rbc_block_append "$p" plugins files/v2.txt %
        rbc_block_present "$p" plugins files/v2.txt %
        rbc_block_prepend "@ROOT@/bin/start.sh" limits files/sh.txt
        rbc_block_remove "$p" plugins %
        not rbc_block_present "$p" plugins "" %
        "#,
    )
    .expect(0)
    .shows("replaced block 'plugins'");
    assert_eq!(
        sb.read("bin/start.sh"),
        "#!/bin/sh\n# BEGIN rbc limits\nulimit -n 65535\n# END rbc limits\n"
    );
    assert_eq!(sb.read("etc/rabbitmq/enabled_plugins"), "% plugins\n");
    // The backup is of the original, taken once.
    lib(&sb, "rbc_restore \"@ROOT@/bin/start.sh\"").expect(0);
    assert_eq!(sb.read("bin/start.sh"), "#!/bin/sh");
}

#[test]
fn iptables_rules_go_before_the_reject_line_or_before_commit() {
    let sb = Sandbox::new(&spec(vec![]).file(
        "files/r.txt",
        "-A INPUT -m state --state NEW -m tcp -p tcp --dport 8080 -j ACCEPT\n",
    ));
    write(
        &sb.path("a"),
        b"*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n",
    );
    lib(
        &sb,
        "rbc_iptables_add \"@ROOT@/a\" files/r.txt\nrbc_iptables_add \"@ROOT@/a\" files/r.txt",
    )
    .expect(0)
    .shows("rules already in");
    assert_eq!(
        sb.read("a"),
        "*nat\n:PREROUTING ACCEPT [0:0]\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -i lo -j ACCEPT\n-A INPUT -m state --state NEW -m tcp -p tcp --dport 8080 -j ACCEPT\nCOMMIT\n"
    );
    lib(&sb, "rbc_iptables_remove \"@ROOT@/a\" files/r.txt\nnot rbc_iptables_present \"@ROOT@/a\" files/r.txt").expect(0);

    // A file iptables-restore --test rejects is not installed.
    let before = sb.read("a");
    write(
        &sb.bundle.join("files/bad.txt"),
        b"-A INPUT -j ACCEPT\n*mangle\n",
    );
    lib(&sb, "rbc_iptables_add \"@ROOT@/a\" files/bad.txt")
        .expect(1)
        .shows("iptables-restore --test rejects");
    assert_eq!(sb.read("a"), before);
}

#[test]
fn processes_are_found_stopped_and_started_without_matching_rbc_itself() {
    let sb = Sandbox::new(&spec(vec![]));
    // The pid ends with a letter: `rbcdaemon476` must not match another run's `rbcdaemon4764`.
    let tag = format!("rbcdaemon{}z", std::process::id());
    fs::create_dir_all(sb.path("opt/app")).unwrap();
    // The runner's own command line (which holds the sandbox path) must never match.
    let top = sb.top.display().to_string();
    lib(
        &sb,
        &format!("# self-{tag}\nnot rbc_proc_running '{top}'\nnot rbc_proc_running 'self-{tag}'"),
    )
    .expect(0);

    let start =
        format!("rbc_start_detached '{tag}' \"@ROOT@/opt/app\" bash -c 'exec -a {tag} sleep 300'");
    let out = lib(
        &sb,
        &format!("RBC_START_WAIT=1\n{start}\nrbc_proc_running '{tag}'"),
    )
    .expect(0)
    .shows("running:");
    assert!(out.out.contains(&tag));
    // Already running: not started twice.
    lib(
        &sb,
        &format!("{start}\n[ \"$(rbc_proc_list '{tag}' | wc -l)\" -eq 1 ]"),
    )
    .expect(0)
    .shows("already running");
    lib(
        &sb,
        &format!("rbc_stop_procs '{tag}' TERM 10\nnot rbc_proc_running '{tag}'"),
    )
    .expect(0)
    .shows("sending SIGTERM")
    .shows("stopped");
    lib(&sb, &format!("rbc_stop_procs '{tag}' -9"))
        .expect(0)
        .shows("no process matches");
    // One that ignores TERM: the stop fails after the wait; KILL (by number) ends it.
    let stubborn = format!(
        "RBC_START_WAIT=1 rbc_start_detached '{tag}' \"@ROOT@/opt/app\" bash -c 'trap \"\" TERM; exec -a {tag} sleep 300'"
    );
    lib(&sb, &format!("{stubborn}\nrbc_stop_procs '{tag}' TERM 1"))
        .expect(1)
        .shows("still running after 1s");
    lib(
        &sb,
        &format!("rbc_stop_procs '{tag}' -9 5\nnot rbc_proc_running '{tag}'"),
    )
    .expect(0)
    .shows("sending SIG9");
    // What rbc itself started and did not detach is never a match (a duration of its own, so
    // that another program's `sleep 300` on this machine is not taken for it).
    let mine = format!("sleep 3{}", std::process::id() % 100_000);
    lib(
        &sb,
        &format!("{mine} &\nchild=$!\nnot rbc_proc_running '{mine}$'\nkill $child"),
    )
    .expect(0);
    // A command that dies at once is reported.
    lib(
        &sb,
        &format!("RBC_START_WAIT=1 rbc_start_detached '{tag}x' \"@ROOT@/opt/app\" bash -c 'echo boom; exit 3'"),
    )
    .expect(1)
    .shows("is not running")
    .shows("boom");
}

#[test]
fn tail_is_a_bounded_look_that_can_wait_for_a_pattern() {
    let sb = Sandbox::new(&spec(vec![]));
    write(&sb.path("log/app.log"), b"starting\n");
    let started = Instant::now();
    lib(
        &sb,
        "( sleep 1; echo 'Server startup in 1234 ms' >>\"@ROOT@/log/app.log\" ) &\nrbc_tail \"@ROOT@/log/app.log\" 20 'Server startup in' 30",
    )
    .expect(0)
    .shows("Server startup in 1234 ms");
    assert!(started.elapsed() < Duration::from_secs(20));
    let started = Instant::now();
    lib(&sb, "rbc_tail \"@ROOT@/log/app.log\" 20 'never there' 1")
        .expect(1)
        .shows("did not show");
    assert!(started.elapsed() < Duration::from_secs(10));
    lib(&sb, "rbc_tail \"@ROOT@/log/app.log\" 1")
        .expect(0)
        .shows("Server startup");
    lib(&sb, "RBC_TAIL_WAIT=0 rbc_tail \"@ROOT@/log/none.log\"").expect(1);
}

#[test]
fn changed_since_tells_whether_a_file_changed_after_the_mark() {
    let sb = Sandbox::new(&spec(vec![]));
    write(&sb.path("etc/app.conf"), b"a=1\n");
    lib(
        &sb,
        r#"
        f="@ROOT@/etc/app.conf"
        rbc_changed_since "$f" tomcat
        rbc_mark "$f" tomcat
        not rbc_changed_since "$f" tomcat
        echo b=2 >>"$f"
        rbc_changed_since "$f" tomcat
        rbc_changed_since "$f" other-tag
        rbc_mark "$f" tomcat
        not rbc_changed_since "$f" tomcat
        "#,
    )
    .expect(0);
}

#[test]
fn backups_keep_the_first_version_and_restore_removes_new_files() {
    let sb = Sandbox::new(&spec(vec![]).file("files/x.txt", "new\n"));
    write(&sb.path("etc/x"), b"original\n");
    chmod(&sb.path("etc/x"), 0o604);
    lib(
        &sb,
        r#"
        rbc_write_file "@ROOT@/etc/x" files/x.txt
        echo later >"@ROOT@/etc/x"
        rbc_backup "@ROOT@/etc/x"
        rbc_write_file "@ROOT@/etc/new" files/x.txt 0600
        rbc_restore "@ROOT@/etc/x"
        rbc_restore "@ROOT@/etc/new"
        rbc_restore "@ROOT@/etc/x"
        "#,
    )
    .expect(0)
    .shows("no backup, nothing to restore");
    assert_eq!(sb.read("etc/x"), "original\n");
    assert_eq!(mode_of(&sb.path("etc/x")), 0o604);
    assert!(!sb.path("etc/new").exists());
}

// ---------------------------------------------------------------------------------------------
// The runtime's own source: bash 4.1 / coreutils 8.4 only, bash -n and shellcheck clean.

/// Things bash 4.1, coreutils 8.4 or tar 1.23 do not have (or behave differently with).
const FORBIDDEN: [(&str, &str); 30] = [
    ("declare -n", "namerefs are bash 4.3"),
    ("local -n", "namerefs are bash 4.3"),
    ("typeset -n", "namerefs are bash 4.3"),
    ("declare -g", "declare -g is bash 4.2"),
    ("typeset -g", "declare -g is bash 4.2"),
    ("[[ -v", "-v is bash 4.2"),
    ("[ -v ", "-v is bash 4.2"),
    ("test -v", "-v is bash 4.2"),
    ("mapfile -d", "mapfile -d is bash 4.4"),
    ("readarray -d", "readarray -d is bash 4.4"),
    ("wait -n", "wait -n is bash 4.3"),
    ("wait -f", "wait -f is bash 5.0"),
    ("%(", "printf %(...)T is bash 4.2"),
    ("lastpipe", "lastpipe is bash 4.2"),
    ("inherit_errexit", "inherit_errexit is bash 4.4"),
    ("EPOCHSECONDS", "bash 5.0"),
    ("EPOCHREALTIME", "bash 5.0"),
    ("BASH_ARGV0", "bash 5.0"),
    ("SRANDOM", "bash 5.1"),
    (
        "--ignore-missing",
        "sha256sum --ignore-missing is coreutils 8.25",
    ),
    ("realpath", "realpath is coreutils 8.15"),
    ("timeout -k", "timeout -k is coreutils 8.x"),
    ("ln -r", "ln -r is coreutils 8.16"),
    ("--relative", "ln --relative is coreutils 8.16"),
    ("numfmt", "numfmt is coreutils 8.21"),
    ("--output", "df --output is coreutils 8.21"),
    ("--inodes", "du --inodes is coreutils 8.22"),
    ("--xattrs", "tar --xattrs is tar 1.27"),
    ("--tag", "sha256sum --tag is coreutils 8.16"),
    ("--parallel", "sort --parallel is coreutils 8.6"),
];

/// Code of a bash file without its comment lines.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim_start().starts_with('#'))
}

/// `${name[-1]}`, `${name:0:-1}` and `${name@Q}`-style expansions.
fn newer_expansions(line: &str) -> Vec<&'static str> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(pos) = rest.find("${") {
        rest = &rest[pos + 2..];
        let body: String = rest.chars().take_while(|&c| c != '}').collect();
        let name_len = body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '!' || c == '#'))
            .unwrap_or(body.len());
        let after = &body[name_len..];
        if after.starts_with("[-") {
            found.push("negative array subscripts are bash 4.3");
        }
        if after.len() == 2 && after.starts_with('@') {
            found.push("${var@op} is bash 4.4");
        }
        if let Some(range) = after.strip_prefix(':') {
            let mut parts = range.splitn(2, ':');
            let offset = parts.next().unwrap_or("");
            if let Some(len) = parts.next() {
                if !offset.is_empty()
                    && offset
                        .trim()
                        .chars()
                        .all(|c| c.is_ascii_digit() || c == '$' || c.is_ascii_alphabetic())
                    && len.trim_start().starts_with('-')
                {
                    found.push("a negative substring length is bash 4.2");
                }
            }
        }
    }
    found
}

#[test]
fn the_runtime_uses_nothing_newer_than_bash_4_1_and_coreutils_8_4() {
    let mut problems = Vec::new();
    for f in RUNTIME_FILES {
        let text = fs::read_to_string(runtime_dir().join(f)).unwrap();
        for (n, line) in code_lines(&text) {
            for (needle, why) in FORBIDDEN {
                if line.contains(needle) {
                    problems.push(format!("{f}:{n}: {why}: {}", line.trim()));
                }
            }
            for why in newer_expansions(line) {
                problems.push(format!("{f}:{n}: {why}: {}", line.trim()));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The scanner itself finds what it should.
    assert!(!newer_expansions("echo ${a[-1]}").is_empty());
    assert!(!newer_expansions("echo ${a:0:-1}").is_empty());
    assert!(!newer_expansions("echo ${a@Q}").is_empty());
    assert!(newer_expansions("echo ${a:-x} ${a#*:} ${#a[@]} ${a:1:2}").is_empty());
}

#[test]
fn the_runtime_passes_bash_n_and_shellcheck() {
    for f in RUNTIME_FILES {
        let out = Command::new("bash")
            .arg("-n")
            .arg(runtime_dir().join(f))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "bash -n {f}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let have = Command::new("sh")
        .arg("-c")
        .arg("command -v shellcheck")
        .output()
        .unwrap()
        .status
        .success();
    if !have {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "shellcheck is required on CI"
        );
        eprintln!("shellcheck not found: skipped the shellcheck of templates/runtime");
        return;
    }
    let out = Command::new("shellcheck")
        .args(["-s", "bash", "-x"])
        .args(RUNTIME_FILES)
        .current_dir(runtime_dir())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "shellcheck:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A stand-in `nginx` first on PATH: `nginx -t [-c FILE]` fails when the file (or, without -c,
/// the one in FAKE_NGINX_CONF) holds `no_such_directive`, as the real one would.
fn fake_nginx(sb: &Sandbox) {
    write(
        &sb.stub.join("nginx"),
        b"#!/bin/sh\nconf=${FAKE_NGINX_CONF:-/nonexistent}\nwhile [ $# -gt 0 ]; do case $1 in -c) conf=$2; shift ;; esac; shift; done\nif grep -q no_such_directive \"$conf\"; then echo \"nginx: [emerg] unknown directive \\\"no_such_directive\\\" in $conf\" >&2; exit 1; fi\necho \"nginx: configuration file $conf test is successful\" >&2\n",
    );
    chmod(&sb.stub.join("nginx"), 0o755);
}

const NGINX_CONF: &str = "events {\n    worker_connections 1024;\n}\nhttp {\n    include mime.types;\n    upstream app.example.com {\n        ip_hash; # sticky\n        server 10.0.0.1:8080;\n    }\n    server {\n        listen 80;\n        server_name www.example.com;\n        location / { proxy_pass http://app.example.com; }\n    }\n}\n";

/// Whole nginx blocks: a missing one goes in before http's closing brace, indented; a second run
/// finds it there (comments and blank space do not count); a changed block replaces the one of
/// the same name; what does not match the file stops with the file untouched. Run with gawk and
/// with mawk (CentOS has gawk 3.1.7; a Debian rehearsal may have either).
#[test]
fn nginx_blocks_are_added_in_http_or_replaced_by_name_and_checked_with_nginx_t() {
    let awks: Vec<&str> = ["gawk", "mawk"]
        .into_iter()
        .filter(|a| {
            Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {a}"))
                .status()
                .is_ok_and(|s| s.success())
        })
        .collect();
    assert!(!awks.is_empty());
    for awk in awks {
        let sb = Sandbox::new(
            &spec(vec![])
                .file("files/add.conf", "upstream api.example.com{\n    server 10.0.0.7:8080;\n}\n\nserver{\n    listen 80;\n    server_name api.example.com;\n\n    location /{\n        proxy_pass http://api.example.com ;\n    }\n}\n")
                .file("files/up.conf", "upstream app.example.com {\n  server 10.0.0.1:8080;\n  server 10.0.0.2:8080;\n}\n")
                .file("files/same.conf", "upstream app.example.com {\n    ip_hash;\n    server 10.0.0.1:8080;  # the same, other comments\n}\n")
                .file("files/bad.conf", "server {\n    listen 81;\n    server_name bad.example.com;\n    no_such_directive on;\n}\n")
                .file("files/other.conf", "server {\n    listen 80;\n    server_name www.example.com;\n    return 404;\n}\n"),
        );
        fake_nginx(&sb);
        // `awk` is the one under test.
        let shim = sb.top.join(format!("awk-{awk}"));
        fs::create_dir_all(&shim).unwrap();
        std::os::unix::fs::symlink(
            String::from_utf8(
                Command::new("sh")
                    .arg("-c")
                    .arg(format!("command -v {awk}"))
                    .output()
                    .unwrap()
                    .stdout,
            )
            .unwrap()
            .trim(),
            shim.join("awk"),
        )
        .unwrap();
        let with_awk = |s: &str| format!("PATH=\"{}:$PATH\"\n{s}", shim.display());
        write(&sb.path("etc/nginx/nginx.conf"), NGINX_CONF.as_bytes());
        let conf = "\"@ROOT@/etc/nginx/nginx.conf\"";

        lib(&sb, &with_awk(&format!("not rbc_conf_blocks_present {conf} files/add.conf add\nrbc_conf_blocks_put {conf} files/add.conf add\nrbc_conf_blocks_present {conf} files/add.conf add\nrbc_conf_blocks_put {conf} files/add.conf add")))
            .expect(0)
            .shows("added `upstream api.example.com` to the http block")
            .shows("(nginx -t: ok)")
            .shows("`server server_name api.example.com listen 80` is already in");
        let added = sb.read("etc/nginx/nginx.conf");
        assert_eq!(
            added,
            NGINX_CONF.replace(
                "    }\n}\n",
                "    }\n\n    upstream api.example.com{\n        server 10.0.0.7:8080;\n    }\n\n    server{\n        listen 80;\n        server_name api.example.com;\n\n        location /{\n            proxy_pass http://api.example.com ;\n        }\n    }\n}\n"
            ),
            "{awk}"
        );

        // The same block with other comments and spacing is already there: nothing changes.
        lib(&sb, &with_awk(&format!("rbc_conf_blocks_present {conf} files/same.conf replace\nrbc_conf_blocks_put {conf} files/same.conf replace"))).expect(0).shows("is already in");
        assert_eq!(sb.read("etc/nginx/nginx.conf"), added);

        // Replaced by name, in place, with the old block's indentation.
        lib(&sb, &with_awk(&format!("rbc_conf_blocks_put {conf} files/up.conf replace\nrbc_conf_blocks_present {conf} files/up.conf replace")))
            .expect(0)
            .shows("replaced `upstream app.example.com`");
        let replaced = sb.read("etc/nginx/nginx.conf");
        assert!(replaced.contains("    include mime.types;\n    upstream app.example.com {\n      server 10.0.0.1:8080;\n      server 10.0.0.2:8080;\n    }\n    server {\n"), "{awk}: {replaced}");

        // What does not match the file stops the step and leaves the file as it is.
        for (file, mode, why) in [
            ("files/other.conf", "add", "already has a block `server server_name www.example.com listen 80` with other content (line 10)"),
            ("files/bad.conf", "replace", "has no block `server server_name bad.example.com listen 81` to change"),
            ("files/bad.conf", "add", "nginx -t rejects"),
        ] {
            lib(&sb, &with_awk(&format!("rbc_conf_blocks_put {conf} {file} {mode}")))
                .expect(1)
                .shows(why);
            assert_eq!(sb.read("etc/nginx/nginx.conf"), replaced, "{awk} {file} {mode}");
        }
        // Two blocks of the same name: rbc cannot tell which one is meant.
        write(
            &sb.path("etc/nginx/two.conf"),
            b"upstream app.example.com { server a; }\nupstream app.example.com { server b; }\n",
        );
        lib(
            &sb,
            &with_awk("rbc_conf_blocks_put \"@ROOT@/etc/nginx/two.conf\" files/up.conf replace"),
        )
        .expect(1)
        .shows("has 2 blocks `upstream app.example.com`");
        // A block that shares a line with other text is not cut apart.
        write(
            &sb.path("etc/nginx/one.conf"),
            b"upstream app.example.com { server a; } upstream x { server b; }\n",
        );
        lib(
            &sb,
            &with_awk("rbc_conf_blocks_put \"@ROOT@/etc/nginx/one.conf\" files/up.conf replace"),
        )
        .expect(1)
        .shows("shares a line with other text");
        // An included file without http: a missing block goes at its end; nginx -t tests the
        // main file (here FAKE_NGINX_CONF).
        write(&sb.path("etc/nginx/conf.d/api.conf"), b"# api\n");
        lib(&sb, &with_awk("FAKE_NGINX_CONF=\"@ROOT@/etc/nginx/nginx.conf\"\nexport FAKE_NGINX_CONF\nrbc_conf_blocks_put \"@ROOT@/etc/nginx/conf.d/api.conf\" files/add.conf add"))
            .expect(0)
            .shows("at the end of");
        assert!(sb
            .read("etc/nginx/conf.d/api.conf")
            .starts_with("# api\n\nupstream api.example.com{\n    server 10.0.0.7:8080;\n}\n"));
        // Rollback: the backup is of the original file.
        lib(&sb, "rbc_restore \"@ROOT@/etc/nginx/nginx.conf\"").expect(0);
        assert_eq!(sb.read("etc/nginx/nginx.conf"), NGINX_CONF);
    }
}

/// `ps -ef | grep java` + `kill -9 <PID>`: a common program is stopped only when one process
/// matches (several: the operator picks this application's), and SIGKILL waits a grace period
/// for a process that ends on its own after its shutdown script.
#[test]
fn a_common_program_is_stopped_only_when_it_is_the_only_match() {
    let sb = Sandbox::new(&spec(vec![]));
    let tag = format!("rbccommon{}z", std::process::id());
    fs::create_dir_all(sb.path("opt/a")).unwrap();
    fs::create_dir_all(sb.path("opt/b")).unwrap();
    let start = |dir: &str| {
        format!("RBC_START_WAIT=1 rbc_start_detached '{tag} {dir}' \"@ROOT@/opt/{dir}\" bash -c 'exec -a \"{tag} {dir}\" sleep 299'")
    };
    lib(&sb, &format!("{}\n{}", start("a"), start("b"))).expect(0);
    lib(&sb, &format!("rbc_stop_procs '{tag}' -9 5 one"))
        .expect(1)
        .shows("2 processes match")
        .shows("stop this application's process by hand");
    lib(&sb, &format!("rbc_stop_procs '{tag} b' -9 5\nrbc_stop_procs '{tag}' -9 5 one\nnot rbc_proc_running '{tag}'"))
        .expect(0)
        .shows("sending SIG9");
    // A process that ends during the grace period is not killed.
    lib(
        &sb,
        &format!(
            "{}\n(sleep 0.3; pkill -f '^{tag} a') &\nrbc_stop_procs '{tag}' KILL 5 one",
            start("a")
        ),
    )
    .expect(0)
    .shows("ended on their own");
}
