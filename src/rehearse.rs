//! `rbc rehearse`: every host's bundle run for real, on the machine rbc is called on, in a
//! throwaway root: a private mount namespace with an overlay of `/` (changes land in a temporary
//! upper directory), a chroot, and private PID, UTS and network namespaces (the host's name and
//! address; every daemon a run starts dies with the rehearsal). Needs root on Linux.
//!
//! The host's starting state comes from the plan itself ([`starting_state`]): what the steps use
//! but do not create, stock files the edits modify, the runbook's own excerpts of existing files,
//! stand-ins for the programs the steps start, and stand-in payloads (tarballs with the top folder
//! the later steps expect). Recording stubs ([`STUBS`]) stand in for what the machine lacks (rpm,
//! yum, service, rabbitmqctl ...). Each host then runs `run.sh`, `run.sh` again and
//! `rollback.sh`; the files the plan touches are compared between the runs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde::Serialize;

use crate::plan::{Action, EvidenceKind, HostKind, Phase, Plan, Step, StepKind};
use crate::quote::quote;

/// Recording stubs for what a Debian machine lacks, put first on PATH inside the root.
pub const STUBS: &[(&str, &str)] = &[
    ("chkconfig", include_str!("../templates/stubs/chkconfig")),
    ("haproxy", include_str!("../templates/stubs/haproxy")),
    ("nc", include_str!("../templates/stubs/nc")),
    ("ntpdate", include_str!("../templates/stubs/ntpdate")),
    ("pg_dump", include_str!("../templates/stubs/pg_dump")),
    ("pg_dumpall", include_str!("../templates/stubs/pg_dumpall")),
    ("psql", include_str!("../templates/stubs/psql")),
    ("redis-cli", include_str!("../templates/stubs/redis-cli")),
    ("sudo", include_str!("../templates/stubs/sudo")),
    ("erl", include_str!("../templates/stubs/erl")),
    ("keepalived", include_str!("../templates/stubs/keepalived")),
    ("mongo", include_str!("../templates/stubs/mongo")),
    ("mysql", include_str!("../templates/stubs/mysql")),
    ("mysqldump", include_str!("../templates/stubs/mysqldump")),
    (
        "rabbitmq-server",
        include_str!("../templates/stubs/rabbitmq-server"),
    ),
    (
        "rabbitmqctl",
        include_str!("../templates/stubs/rabbitmqctl"),
    ),
    ("rpm", include_str!("../templates/stubs/rpm")),
    ("service", include_str!("../templates/stubs/service")),
    ("yum", include_str!("../templates/stubs/yum")),
];

/// Where the stubs live inside the root (first on PATH).
pub const STUB_DIR: &str = "/opt/rbc-stubs";

/// PATH inside the root.
pub const PATH: &str =
    "/opt/rbc-stubs:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The value given for every operator value (`RBC_VALUE_<NAME>`) in a rehearsal.
pub const VALUE: &str = "rehearsal";

/// A stock RHEL 6 `/etc/sysconfig/iptables` (system-config-firewall's default).
pub const RHEL6_IPTABLES: &str = "# Firewall configuration written by system-config-firewall\n# Manual customization of this file is not recommended.\n*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A INPUT -m state --state ESTABLISHED,RELATED -j ACCEPT\n-A INPUT -p icmp -j ACCEPT\n-A INPUT -i lo -j ACCEPT\n-A INPUT -m state --state NEW -m tcp -p tcp --dport 22 -j ACCEPT\n-A INPUT -j REJECT --reject-with icmp-host-prohibited\n-A FORWARD -j REJECT --reject-with icmp-host-prohibited\nCOMMIT\n";

/// A RHEL 6 (EPEL) nginx.conf, without `user nginx;` (the machine rehearsing may have no such
/// user) and with `@BLOCKS@` where the runbook's excerpts of the http level go.
const RHEL6_NGINX: &str = "worker_processes  1;\n\nerror_log  /var/log/nginx/error.log;\n\nevents {\n    worker_connections  1024;\n}\n\nhttp {\n    include       /etc/nginx/mime.types;\n    default_type  application/octet-stream;\n\n    log_format  main  '$remote_addr - $remote_user [$time_local] \"$request\" '\n                      '$status $body_bytes_sent \"$http_referer\" '\n                      '\"$http_user_agent\" \"$http_x_forwarded_for\"';\n\n    access_log  /var/log/nginx/access.log  main;\n    sendfile        on;\n    keepalive_timeout  65;\n\n@BLOCKS@    include /etc/nginx/conf.d/*.conf;\n}\n";

const RHEL6_HOSTS: &str = "127.0.0.1   localhost localhost.localdomain localhost4 localhost4.localdomain4\n::1         localhost localhost.localdomain localhost6 localhost6.localdomain6\n";

const RHEL6_PROFILE: &str = "# /etc/profile\n\n# System wide environment and startup programs, for login setup\n# Functions and aliases go in /etc/bashrc\n\nHOSTNAME=`/bin/hostname 2>/dev/null`\nHISTSIZE=1000\nexport PATH USER LOGNAME MAIL HOSTNAME HISTSIZE HISTCONTROL\n";

/// Stock content of the files a RHEL 6 host always has; always laid, whatever this machine holds.
fn stock(path: &str) -> Option<&'static str> {
    match path {
        "/etc/sysconfig/iptables" => Some(RHEL6_IPTABLES),
        "/etc/hosts" => Some(RHEL6_HOSTS),
        "/etc/profile" => Some(RHEL6_PROFILE),
        _ => None,
    }
}

/// Paths never looked at: the rbc state (journal, logs, backups), temporary and kernel files.
const NOT_WATCHED: &[&str] = &["/tmp", "/proc", "/sys", "/dev", "/run", "/var/lib/rbc"];

// --- Availability ------------------------------------------------------------------------------

/// Root on Linux, util-linux `unshare`, namespaces and an overlay of `/` allowed here; otherwise
/// a message that says what is missing.
pub fn available() -> Result<(), String> {
    const WHY: &str = "rbc rehearse runs each bundle in a throwaway root (a private mount namespace with an overlay of /, a chroot, private PID, UTS and network namespaces)";
    if !cfg!(target_os = "linux") {
        return Err(format!("{WHY}: that needs Linux"));
    }
    if effective_uid() != Some(0) {
        return Err(format!(
            "{WHY}: that needs root on Linux, and this is not root\n  = help: run it as root (sudo rbc rehearse ...)"
        ));
    }
    let probe = Command::new("unshare")
        .args([
            "-m",
            "-p",
            "-f",
            "-u",
            "-n",
            "--propagation",
            "private",
            "true",
        ])
        .output();
    match probe {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(format!(
                "{WHY}: that needs util-linux `unshare`, which is not on PATH\n  = help: apt-get install util-linux"
            ))
        }
        Err(e) => return Err(format!("{WHY}: cannot run unshare: {e}")),
        Ok(o) if !o.status.success() => {
            return Err(format!(
                "{WHY}: namespaces are not allowed here (unshare -m -p -u -n: {})\n  = help: a container needs CAP_SYS_ADMIN (docker run --privileged)",
                String::from_utf8_lossy(&o.stderr).trim()
            ))
        }
        Ok(_) => {}
    }
    let dir = tempfile::Builder::new()
        .prefix("rbc-rehearse-probe-")
        .tempdir_in("/tmp")
        .map_err(|e| format!("{WHY}: cannot write in /tmp: {e}"))?;
    for d in ["u", "w", "m"] {
        std::fs::create_dir(dir.path().join(d)).map_err(|e| e.to_string())?;
    }
    let d = dir.path().display();
    let out = Command::new("unshare")
        .args(["-m", "--propagation", "private", "sh", "-c"])
        .arg(format!(
            "mount -t overlay overlay -o lowerdir=/,upperdir={d}/u,workdir={d}/w {d}/m"
        ))
        .output()
        .map_err(|e| format!("{WHY}: cannot run unshare: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{WHY}: an overlay of / cannot be mounted here: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(())
}

fn effective_uid() -> Option<u32> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(2)?.parse().ok()
}

// --- The starting state ------------------------------------------------------------------------

/// Something laid into the root (or into a stand-in archive) before the first run.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Dir {
        /// 0: a guess (a renamed path with no extension); 2: known (something lives inside).
        strength: u8,
    },
    File {
        content: String,
        mode: u32,
        /// 0 a guess, 1 stock, 2 the runbook's excerpt, 3 a stand-in for a started program.
        strength: u8,
        /// A file already on this machine will do (when it holds `line`, if given).
        keep: bool,
        line: Option<String>,
    },
}

impl Item {
    fn strength(&self) -> u8 {
        match self {
            Item::Dir { strength } | Item::File { strength, .. } => *strength,
        }
    }
    fn file(content: impl Into<String>, strength: u8) -> Item {
        Item::File {
            content: content.into(),
            mode: 0o644,
            strength,
            keep: true,
            line: None,
        }
    }
}

/// A stand-in payload archive: its top folders and what the later steps expect inside.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Archive {
    pub tops: BTreeSet<String>,
    /// Paths relative to the archive root (`top/sub/file`).
    pub items: BTreeMap<String, Item>,
}

/// One host's starting state, built from the plan.
#[derive(Debug, Clone, Default)]
pub struct StartingState {
    pub host: String,
    /// Laid into the root before the first run (absolute paths).
    pub files: BTreeMap<String, Item>,
    /// Stand-in payload archives this host unpacks, by payload file name.
    pub archives: BTreeMap<String, Archive>,
    /// Compared between the runs: every path the plan names (recursively).
    pub watched: BTreeSet<String>,
    /// Never compared: logs the programs write.
    pub logs: BTreeSet<String>,
    /// Left by a rollback on purpose: database dumps (backups), the rollback chapter's uploads.
    pub kept: BTreeSet<String>,
    /// Operator values the plan asks for (`RBC_VALUE_<NAME>`).
    pub values: BTreeSet<String>,
    /// Paths the rollback chapter names (rollback.sh leaves them to it).
    pub chapter: BTreeSet<String>,
    /// What the plan itself gets wrong, seen while building the state (no stand-in is made).
    pub findings: Vec<Finding>,
}

/// A slip in the runbook seen while building a starting state: `path` is what is missing.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub path: String,
    pub text: String,
}

/// Where a path's content comes from at some point of the plan.
#[derive(Debug, Clone, PartialEq)]
enum Origin {
    /// Was there before the first step (at this path).
    Start(String),
    /// Unpacked from a stand-in archive (payload name, path inside).
    Archive(String, String),
    /// Made by a step.
    Made,
    /// Moved away by a step.
    Gone,
}

#[derive(Default)]
struct Model {
    entries: BTreeMap<String, Origin>,
}

fn parent(p: &str) -> Option<&str> {
    let p = p.trim_end_matches('/');
    match p.rfind('/') {
        Some(0) if p.len() > 1 => Some("/"),
        Some(0) | None => None,
        Some(i) => Some(&p[..i]),
    }
}

fn under(p: &str, dir: &str) -> bool {
    dir == "/" && p.starts_with('/') && p != "/"
        || p.len() > dir.len() && p.starts_with(dir) && p.as_bytes()[dir.len()] == b'/'
}

fn join(dir: &str, name: &str) -> String {
    if name.starts_with('/') {
        return name.to_string();
    }
    format!("{}/{}", dir.trim_end_matches('/'), name)
}

/// `path` made absolute against `cwd`, with `.` and `..` resolved.
fn abs(cwd: &str, path: &str) -> String {
    let full = if path.starts_with('/') {
        path.to_string()
    } else {
        join(cwd, path)
    };
    let mut parts: Vec<&str> = Vec::new();
    for c in full.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

impl Model {
    fn resolve(&self, p: &str) -> Origin {
        let mut cur = p;
        loop {
            if let Some(o) = self.entries.get(cur) {
                let rest = &p[cur.len()..];
                return match o {
                    Origin::Start(s) => Origin::Start(format!("{s}{rest}")),
                    Origin::Archive(a, r) => Origin::Archive(a.clone(), format!("{r}{rest}")),
                    o => o.clone(),
                };
            }
            match parent(cur) {
                Some(up) => cur = up,
                None => return Origin::Start(p.to_string()),
            }
        }
    }

    fn subtree(&self, p: &str) -> Vec<String> {
        self.entries
            .keys()
            .filter(|k| under(k, p))
            .cloned()
            .collect()
    }

    fn set(&mut self, p: &str, o: Origin) {
        for k in self.subtree(p) {
            self.entries.remove(&k);
        }
        self.entries.insert(p.to_string(), o);
    }

    fn rename(&mut self, from: &str, to: &str) {
        let o = self.resolve(from);
        let moved: Vec<(String, Origin)> = self
            .subtree(from)
            .into_iter()
            .map(|k| {
                let o = self.entries[&k].clone();
                (format!("{to}{}", &k[from.len()..]), o)
            })
            .collect();
        self.set(from, Origin::Gone);
        self.set(to, o);
        self.entries.extend(moved);
    }
}

/// The archive's name without its compression suffix, when it is one rbc unpacks.
pub fn archive_stem(name: &str) -> Option<&str> {
    [
        ".tar.gz", ".tgz", ".tar.xz", ".txz", ".tar.bz2", ".tbz2", ".tbz", ".tar",
    ]
    .iter()
    .find_map(|s| name.strip_suffix(s))
    .filter(|s| !s.is_empty())
}

/// `apache-tomcat-7.0.67` → (`apache-tomcat`, `7.0.67`); no version: (name, "").
fn name_version(s: &str) -> (String, &str) {
    let b = s.as_bytes();
    for i in 1..b.len().saturating_sub(1) {
        if (b[i] == b'-' || b[i] == b'_')
            && (b[i + 1].is_ascii_digit()
                || (b[i + 1] == b'v' && b.get(i + 2).is_some_and(|c| c.is_ascii_digit())))
        {
            return (normal(&s[..i]), &s[i + 1..]);
        }
    }
    (normal(s), "")
}

fn normal(s: &str) -> String {
    s.to_ascii_lowercase().replace('_', "-")
}

/// The folder `y` is what archive `stem` unpacks: the same name; or the same version and first
/// word (`rabbitmq_server-3.6.3` from `rabbitmq-server-generic-unix-3.6.3`); or the name without
/// the version (`order` from `order-2.3`).
fn unpacks_to(y: &str, stem: &str) -> bool {
    if y == stem {
        return true;
    }
    let (yn, yv) = name_version(y);
    let (sn, sv) = name_version(stem);
    let first = |n: &str| n.split('-').next().unwrap_or("").to_string();
    (!yv.is_empty() && yv == sv && first(&yn) == first(&sn)) || (yv.is_empty() && yn == sn)
}

/// `y` is another version of what archive `stem` unpacks (`apache-tomcat-7.0.64` when the host
/// unpacks `apache-tomcat-7.0.67`).
fn other_version(y: &str, stem: &str) -> bool {
    let (yn, yv) = name_version(y);
    let (sn, sv) = name_version(stem);
    !yv.is_empty() && !sv.is_empty() && yv != sv && yn == sn
}

/// How a path is used by a step: needed (must exist before), made, or only named.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Use {
    RenameFrom,
    Other,
}

/// Every path a step names, absolute, with how.
fn paths_of(s: &Step) -> Vec<(String, Use)> {
    let cwd = s.cwd.as_deref().unwrap_or("/root");
    let a = |p: &str| abs(cwd, p);
    if let Some(path) = s.action.edited_file() {
        return vec![(a(path), Use::Other)];
    }
    match &s.action {
        Action::Rename { from, to } => vec![(a(from), Use::RenameFrom), (a(to), Use::Other)],
        Action::Mkdir { path }
        | Action::Chmod { path, .. }
        | Action::CronEntry { path, .. }
        | Action::TailLog { path } => vec![(a(path), Use::Other)],
        Action::Dump { output, .. } => vec![(a(output), Use::Other)],
        Action::Payload { file, dir } => vec![(join(&a(dir), file), Use::Other)],
        Action::StartDetached { command, dir, .. } => {
            let wd = a(dir.as_deref().unwrap_or(cwd));
            let mut v = vec![(wd.clone(), Use::Other)];
            if let Some(script) = started_script(command, &wd) {
                v.push((script, Use::Other));
            }
            v
        }
        Action::Run { .. }
        | Action::Probe { .. }
        | Action::ReadValue { .. }
        | Action::RpmInstall { .. }
        | Action::PackageInstall { .. }
        | Action::AppendBlock { .. }
        | Action::PrependBlock { .. }
        | Action::EnsureLines { .. }
        | Action::FirewallRules { .. }
        | Action::ReplaceLine { .. }
        | Action::IniSet { .. }
        | Action::ConfBlocks { .. }
        | Action::XmlElement { .. }
        | Action::WriteFile { .. }
        | Action::WriteValue { .. }
        | Action::Extract { .. }
        | Action::StopProcesses { .. }
        | Action::Service { .. }
        | Action::ServiceRestart { .. }
        | Action::Sql { .. }
        | Action::Manual { .. }
        | Action::Note => Vec::new(),
    }
}

/// The program file a start command runs, when it names one: `sh startup.sh` in DIR →
/// DIR/startup.sh; `/home/x/bin/startup.sh` itself; `rabbitmq-server -detached` none (PATH).
fn started_script(command: &str, dir: &str) -> Option<String> {
    let words = shlex::split(command)?;
    let mut it = words.iter().skip_while(|w| {
        *w == "nohup" || *w == "setsid" || (w.contains('=') && !w.starts_with('-'))
    });
    let first = it.next()?;
    let prog = first.rsplit('/').next().unwrap_or(first);
    let script = if ["sh", "bash"].contains(&prog) {
        it.find(|w| !w.starts_with('-'))?
    } else {
        first
    };
    if script.contains('/') || ["sh", "bash"].contains(&prog) {
        Some(abs(dir, script))
    } else {
        None
    }
}

/// Top folders of the archive unpacked by `steps[i]` (an Extract), from what later steps use.
fn archive_tops(steps: &[&Step], i: usize) -> BTreeSet<String> {
    let Action::Extract { archive, dir } = &steps[i].action else {
        return BTreeSet::new();
    };
    let cwd = steps[i].cwd.as_deref().unwrap_or("/root");
    let dir = abs(cwd, dir);
    let name = archive.rsplit('/').next().unwrap_or(archive);
    let stem = archive_stem(name).unwrap_or(name).to_string();
    let child = |p: &str| -> Option<String> {
        under(p, &dir).then(|| {
            p[dir.len()..]
                .trim_start_matches('/')
                .split('/')
                .next()
                .unwrap_or("")
                .to_string()
        })
    };
    // Folders of `dir` the earlier steps use: still there (true) or renamed away (false). One
    // still there is the host's own, not the archive's (`/home/web-ecmc` before web-ecmc.tar.gz).
    let mut before: BTreeMap<String, bool> = BTreeMap::new();
    for s in &steps[..i] {
        for (p, how) in paths_of(s) {
            if let Some(y) = child(&p) {
                let away = how == Use::RenameFrom && p == join(&dir, &y);
                before.insert(y, !away);
            }
        }
    }
    let mut named = BTreeSet::new();
    let mut moved_out: Option<String> = None;
    let mut made: BTreeSet<String> = BTreeSet::new();
    let mut same_dir_again = false;
    for s in &steps[i + 1..] {
        if let Action::Extract { dir: d2, .. } = &s.action {
            if abs(s.cwd.as_deref().unwrap_or("/root"), d2) == dir {
                same_dir_again = true;
            }
        }
        for (p, how) in paths_of(s) {
            let Some(y) = child(&p) else { continue };
            if y.is_empty() || made.contains(&y) {
                continue;
            }
            let present = before.get(&y) == Some(&true);
            if unpacks_to(&y, &stem) && !present {
                named.insert(y.clone());
            } else if how == Use::RenameFrom
                && p == join(&dir, &y)
                && !same_dir_again
                && moved_out.is_none()
                && !before.contains_key(&y)
            {
                // `tar xzf web-ecmc.tar.gz; mv /home/dist /home/web-ecmc/`: dist came from it.
                moved_out = Some(y.clone());
            }
        }
        match &s.action {
            Action::Mkdir { .. } | Action::Rename { .. } | Action::Payload { .. } => {
                for (p, how) in paths_of(s) {
                    if how != Use::RenameFrom {
                        if let Some(y) = child(&p) {
                            if !named.contains(&y) {
                                made.insert(y);
                            }
                        }
                    }
                }
            }
            Action::Run { .. }
            | Action::Probe { .. }
            | Action::ReadValue { .. }
            | Action::RpmInstall { .. }
            | Action::PackageInstall { .. }
            | Action::AppendBlock { .. }
            | Action::PrependBlock { .. }
            | Action::EnsureLines { .. }
            | Action::FirewallRules { .. }
            | Action::ReplaceLine { .. }
            | Action::IniSet { .. }
            | Action::ConfBlocks { .. }
            | Action::XmlElement { .. }
            | Action::WriteFile { .. }
            | Action::WriteValue { .. }
            | Action::CronEntry { .. }
            | Action::Extract { .. }
            | Action::Chmod { .. }
            | Action::StopProcesses { .. }
            | Action::StartDetached { .. }
            | Action::Service { .. }
            | Action::ServiceRestart { .. }
            | Action::TailLog { .. }
            | Action::Sql { .. }
            | Action::Dump { .. }
            | Action::Manual { .. }
            | Action::Note => {}
        }
    }
    if named.is_empty() {
        named.insert(moved_out.unwrap_or(stem));
    }
    named
}

fn add_item(map: &mut BTreeMap<String, Item>, path: &str, item: Item) {
    // What holds something is a folder.
    let mut up = parent(path);
    while let Some(p) = up {
        if let Some(existing) = map.get(p) {
            if existing.strength() < 3 && !matches!(existing, Item::Dir { strength: 2 }) {
                map.insert(p.to_string(), Item::Dir { strength: 2 });
            }
        }
        up = parent(p);
    }
    let has_children = map.keys().any(|k| under(k, path));
    let item = if has_children {
        Item::Dir { strength: 2 }
    } else {
        item
    };
    match map.get(path) {
        Some(old) if old.strength() >= item.strength() => {}
        _ => {
            map.insert(path.to_string(), item);
        }
    }
}

/// A guess at what a path the steps use is: a file when its name has a file extension.
fn guess(path: &str) -> Item {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let filelike = [
        "sh",
        "xml",
        "conf",
        "cfg",
        "ini",
        "properties",
        "jar",
        "war",
        "txt",
        "js",
        "json",
        "yml",
        "yaml",
        "py",
        "pl",
        "sql",
        "cookie",
        "key",
        "crt",
        "pem",
        "log",
        "out",
        "tar",
        "gz",
        "tgz",
        "zip",
        "rpm",
        "html",
        "jsp",
        "php",
        "lua",
        "so",
    ];
    if filelike.contains(&ext) || name.starts_with('.') {
        Item::file(placeholder_text(path), 0)
    } else {
        Item::Dir { strength: 0 }
    }
}

fn placeholder_text(path: &str) -> String {
    if path.ends_with(".sh") {
        "#!/bin/sh\n".into()
    } else {
        String::new()
    }
}

/// A stand-in for a program a step starts: it stays up like a daemon, in `dir`, and its command
/// line matches `pattern` (what the runtime looks for).
fn standin_program(path: &str, dir: &str, pattern: &str, step: &str) -> (String, String) {
    let literal = pattern
        .split('|')
        .next()
        .unwrap_or("")
        .replace(".*", " ")
        .replace("\\.", ".")
        .chars()
        .filter(|c| !"^$\\()[]{}?+*".contains(*c))
        .collect::<String>();
    let mut argv0 = path.to_string();
    let re = regex::Regex::new(pattern).ok();
    let matches = |s: &str| match &re {
        Some(r) => r.is_match(&format!("{s} 3600")),
        None => true,
    };
    if !matches(&argv0) && !literal.trim().is_empty() {
        argv0 = format!("{} {path}", literal.trim());
    }
    let note = if matches(&argv0) {
        String::new()
    } else {
        format!("the stand-in for {path} cannot show `{pattern}` in its command line")
    };
    let text = format!(
        "#!/bin/sh\n# rbc rehearse: a stand-in for {path} (started by step {step}): it stays up like the real program.\ncase \" $* \" in *\" -t \"* | *\" -v \"* | *\" -V \"* | *\" -version \"* | *\" --version \"*) exit 0 ;; esac\ncd {} 2>/dev/null\nexec bash -c 'exec -a \"$0\" sleep 3600' {}\n",
        quote(dir),
        quote(&argv0)
    );
    (text, note)
}

/// What nginx configuration text needs on the host for `nginx -t` to pass: the folders of its logs
/// (`(dir, None)`) and its certificates and keys (`(dir, Some((path, PEM)))`, a self-signed pair
/// made once with openssl; none when openssl is missing).
fn nginx_needs(conf: &str) -> Vec<(String, Option<(String, String)>)> {
    let mut out = Vec::new();
    for stmt in conf.split([';', '{', '}', '\n']) {
        let words: Vec<&str> = stmt.split_whitespace().collect();
        let (Some(key), Some(arg)) = (words.first(), words.get(1)) else {
            continue;
        };
        if !arg.starts_with('/') {
            continue;
        }
        let dir = parent(arg).unwrap_or("/").to_string();
        match *key {
            "access_log" | "error_log" => out.push((dir, None)),
            "ssl_certificate" | "ssl_certificate_key" => {
                let certificate = *key == "ssl_certificate";
                let pem = self_signed().map(|(c, k)| if certificate { c } else { k });
                out.push((dir, pem.map(|p| (arg.to_string(), p))));
            }
            _ => {}
        }
    }
    out
}

/// A self-signed certificate and its key (PEM), made once per rbc process.
fn self_signed() -> Option<(String, String)> {
    static PAIR: std::sync::OnceLock<Option<(String, String)>> = std::sync::OnceLock::new();
    PAIR.get_or_init(|| {
        let dir = tempfile::tempdir().ok()?;
        let (cert, key) = (dir.path().join("c.pem"), dir.path().join("k.pem"));
        let ok = Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
            ])
            .args(["-subj", "/CN=rbc-rehearsal"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .ok()?
            .status
            .success();
        if !ok {
            return None;
        }
        Some((
            std::fs::read_to_string(cert).ok()?,
            std::fs::read_to_string(key).ok()?,
        ))
    })
    .clone()
}

/// Files a simple command reads that must exist before it: the sources of `cp`, the files
/// `sed -i` edits in place (absolute, resolved against `cwd`).
fn command_inputs(command: &str, cwd: &str) -> Vec<String> {
    if command.contains(['|', ';', '&', '>', '<', '`', '$']) {
        return Vec::new();
    }
    let words = shlex::split(command).unwrap_or_default();
    let prog = words.first().map(|w| w.rsplit('/').next().unwrap_or(w));
    let operands: Vec<&str> = words
        .iter()
        .skip(1)
        .map(String::as_str)
        .filter(|w| !w.starts_with('-'))
        .collect();
    let out: Vec<&str> = match prog {
        Some("cp") if operands.len() >= 2 => operands[..operands.len() - 1].to_vec(),
        Some("sed") if words.iter().any(|w| w.starts_with("-i")) && operands.len() >= 2 => {
            operands[1..].to_vec()
        }
        _ => Vec::new(),
    };
    out.into_iter()
        .filter(|p| !p.contains('*'))
        .map(|p| abs(cwd, p))
        .collect()
}

/// Builds `host`'s starting state from the plan: see the module documentation.
/// Two steps in the same chapter (an excerpt of a file and the edit that uses it).
fn same_chapter(a: &Step, b: &Step) -> bool {
    a.section.split('.').next() == b.section.split('.').next()
}

pub fn starting_state(plan: &Plan, host: &str) -> StartingState {
    let run: Vec<&Step> = plan.steps_for(host, Phase::Run).collect();
    let rollback: Vec<&Step> = plan.steps_for(host, Phase::Rollback).collect();
    let mut st = StartingState {
        host: host.to_string(),
        ..Default::default()
    };
    // Everything this host unpacks where: a path in another version of it is the runbook's slip.
    let unpacked: Vec<(String, String, String)> = run
        .iter()
        .chain(rollback.iter())
        .filter_map(|s| match &s.action {
            Action::Extract { archive, dir } => {
                let cwd = s.cwd.as_deref().unwrap_or("/root");
                let name = archive.rsplit('/').next().unwrap_or(archive);
                Some((
                    abs(cwd, dir),
                    archive_stem(name).unwrap_or(name).to_string(),
                    name.to_string(),
                ))
            }
            _ => None,
        })
        .collect();
    let slip = |p: &str| -> Option<String> {
        unpacked.iter().find_map(|(dir, stem, name)| {
            let y = under(p, dir).then(|| {
                p[dir.len()..]
                    .trim_start_matches('/')
                    .split('/')
                    .next()
                    .unwrap_or("")
            })?;
            other_version(y, stem)
                .then(|| format!("{} but this host unpacks {name} into {dir}", join(dir, y)))
        })
    };
    let excerpts: Vec<&Step> = plan
        .steps
        .iter()
        .filter(|s| s.evidence.iter().any(|e| e.kind == EvidenceKind::Excerpt))
        .collect();

    // A RHEL 6 login profile keeps PATH (this machine's may reset it and hide the stubs).
    add_item(
        &mut st.files,
        "/etc/profile",
        Item::File {
            content: RHEL6_PROFILE.into(),
            mode: 0o644,
            strength: 1,
            keep: false,
            line: None,
        },
    );
    let mut m = Model::default();
    let mut payloads: BTreeSet<String> = BTreeSet::new();
    for (i, s) in run.iter().enumerate() {
        let cwd = s.cwd.as_deref().unwrap_or("/root");
        let need = |st: &mut StartingState, m: &Model, p: &str, item: Item| {
            if let Some(why) = slip(p) {
                st.findings.push(Finding {
                    path: p.to_string(),
                    text: format!(
                        "{} ({} line {}) uses {why}: another version? No stand-in is made for it.",
                        s.id, plan.runbook, s.line
                    ),
                });
                return;
            }
            match m.resolve(p) {
                Origin::Start(at) => add_item(&mut st.files, &at, item),
                Origin::Archive(a, rel) => {
                    add_item(&mut st.archives.entry(a).or_default().items, &rel, item)
                }
                Origin::Made | Origin::Gone => {}
            }
        };
        let dir_item = Item::Dir { strength: 2 };
        match &s.action {
            Action::Payload { file, dir } => {
                let p = join(&abs(cwd, dir), file);
                m.set(&p, Origin::Made);
                payloads.insert(p);
            }
            Action::Extract { archive, dir } => {
                let dir = abs(cwd, dir);
                let archive = abs(cwd, archive);
                let name = archive.rsplit('/').next().unwrap_or(&archive).to_string();
                need(&mut st, &m, &dir, dir_item.clone());
                let tops = archive_tops(&run, i);
                let payload = payloads.contains(&archive);
                if payload {
                    st.archives
                        .entry(name.clone())
                        .or_default()
                        .tops
                        .extend(tops.iter().cloned());
                } else {
                    let mine: BTreeSet<&str> = run
                        .iter()
                        .filter_map(|s| match &s.action {
                            Action::Payload { file, .. } => Some(file.as_str()),
                            _ => None,
                        })
                        .collect();
                    let mine: Vec<&str> = mine.into_iter().collect();
                    st.findings.push(Finding {
                        path: archive.clone(),
                        text: format!(
                            "{} ({} line {}) unpacks {archive}, which is not a payload of this host{}: the run stops there.",
                            s.id,
                            plan.runbook,
                            s.line,
                            if mine.is_empty() { String::new() } else { format!(" (its payloads: {})", mine.join(", ")) }
                        ),
                    });
                }
                for y in &tops {
                    let p = join(&dir, y);
                    st.watched.insert(p.clone());
                    m.set(
                        &p,
                        if payload {
                            Origin::Archive(name.clone(), y.clone())
                        } else {
                            Origin::Made
                        },
                    );
                }
            }
            Action::Rename { from, to } => {
                let (from, to) = (abs(cwd, from), abs(cwd, to));
                need(&mut st, &m, &from, guess(&from));
                if let Some(up) = parent(&to) {
                    need(&mut st, &m, up, dir_item.clone());
                }
                m.rename(&from, &to);
            }
            Action::Mkdir { path } => {
                let p = abs(cwd, path);
                if matches!(m.resolve(&p), Origin::Start(_) | Origin::Gone) {
                    m.set(&p, Origin::Made);
                }
            }
            Action::Chmod { path, .. } => {
                let p = abs(cwd, path);
                need(&mut st, &m, &p, Item::file(placeholder_text(&p), 0));
            }
            Action::AppendBlock { path, .. }
            | Action::PrependBlock { path, .. }
            | Action::EnsureLines { path, .. }
            | Action::FirewallRules { path, .. } => {
                let p = abs(cwd, path);
                let item = match stock(&p) {
                    Some(text) => Item::File {
                        content: text.into(),
                        mode: 0o644,
                        strength: 1,
                        keep: false,
                        line: None,
                    },
                    None if matches!(s.action, Action::FirewallRules { .. }) => Item::File {
                        content: RHEL6_IPTABLES.into(),
                        mode: 0o600,
                        strength: 1,
                        keep: true,
                        line: None,
                    },
                    None => Item::file(placeholder_text(&p), 0),
                };
                need(&mut st, &m, &p, item);
            }
            Action::ConfBlocks {
                path,
                content,
                replace,
                ..
            } => {
                let p = abs(cwd, path);
                // The runbook's excerpts of this file's http level, and a replaced block the
                // excerpts lack as the runbook shows it (so there is one to replace).
                let mut shown: Vec<String> = excerpts
                    .iter()
                    .filter(|e| {
                        e.line < s.line
                            && same_chapter(e, s)
                            && crate::confblocks::blocks(&e.text).is_ok()
                    })
                    .map(|e| e.text.trim_end().to_string())
                    .collect();
                if *replace {
                    let known: Vec<String> = shown
                        .iter()
                        .filter_map(|t| crate::confblocks::blocks(t).ok())
                        .flatten()
                        .map(|b| b.name)
                        .collect();
                    if let Ok(bs) = crate::confblocks::blocks(content) {
                        let lines: Vec<&str> = content.lines().collect();
                        for b in bs.iter().filter(|b| !known.contains(&b.name)) {
                            shown.push(lines[b.first_line..=b.last_line].join("\n"));
                        }
                    }
                }
                let indented: String = shown
                    .iter()
                    .flat_map(|t| t.lines().chain(std::iter::once("")))
                    .map(|l| {
                        if l.trim().is_empty() {
                            "\n".to_string()
                        } else {
                            format!("    {l}\n")
                        }
                    })
                    .collect();
                let conf = format!("{content}\n{}", shown.join("\n"));
                for (dir, file) in nginx_needs(&conf) {
                    need(&mut st, &m, &dir, Item::Dir { strength: 2 });
                    if let Some((path, pem)) = file {
                        let mut item = Item::file(pem, 2);
                        if let Item::File { mode, .. } = &mut item {
                            *mode = 0o600;
                        }
                        need(&mut st, &m, &path, item);
                    }
                }
                need(
                    &mut st,
                    &m,
                    &p,
                    Item::File {
                        content: RHEL6_NGINX.replace("@BLOCKS@", &indented),
                        mode: 0o644,
                        strength: 2,
                        keep: false,
                        line: None,
                    },
                );
            }
            // The file as a fresh install ships it: the one element, empty.
            Action::XmlElement { path, element, .. } => {
                let p = abs(cwd, path);
                need(
                    &mut st,
                    &m,
                    &p,
                    Item::File {
                        content: format!("<?xml version=\"1.0\"?>\n<{element}>\n</{element}>\n"),
                        mode: 0o644,
                        strength: 1,
                        keep: false,
                        line: None,
                    },
                );
            }
            Action::ReplaceLine { path, old, .. } => {
                let p = abs(cwd, path);
                let shows_old = |e: &&&Step| {
                    same_chapter(e, s) && e.text.lines().any(|l| l.trim() == old.trim())
                };
                let excerpt = excerpts
                    .iter()
                    .rev()
                    .filter(|e| e.line < s.line)
                    .find(shows_old)
                    .or_else(|| excerpts.iter().find(shows_old));
                let (content, strength) = match excerpt {
                    Some(e) => (format!("{}\n", e.text.trim_end()), 2),
                    None => (format!("{}{}\n", stock(&p).unwrap_or(""), old.trim()), 1),
                };
                need(
                    &mut st,
                    &m,
                    &p,
                    Item::File {
                        content,
                        mode: 0o644,
                        strength,
                        keep: true,
                        line: Some(old.trim().to_string()),
                    },
                );
            }
            Action::WriteFile { path, .. } | Action::WriteValue { path, .. } => {
                let p = abs(cwd, path);
                if let Some(up) = parent(&p) {
                    need(&mut st, &m, up, dir_item.clone());
                }
                if let Action::WriteValue { value, .. } = &s.action {
                    st.values.insert(value.clone());
                }
                if matches!(m.resolve(&p), Origin::Start(_) | Origin::Gone) {
                    m.set(&p, Origin::Made);
                }
            }
            Action::CronEntry { path, line, value } => {
                st.values.insert(value.clone());
                if let Some(prog) = line
                    .split_whitespace()
                    .nth(6)
                    .filter(|w| w.starts_with('/'))
                {
                    let mut item = Item::file(
                        format!("#!/bin/sh\n# rbc rehearse: a stand-in for {prog}\nexit 0\n"),
                        3,
                    );
                    if let Item::File { mode, .. } = &mut item {
                        *mode = 0o755;
                    }
                    need(&mut st, &m, prog, item);
                }
                m.set(&abs(cwd, path), Origin::Made);
            }
            Action::StartDetached {
                command,
                dir,
                pattern,
            } => {
                let wd = abs(cwd, dir.as_deref().unwrap_or(cwd));
                need(&mut st, &m, &wd, dir_item.clone());
                if let Some(script) = started_script(command, &wd) {
                    let (text, note) = standin_program(&script, &wd, pattern, &s.id);
                    if !note.is_empty() {
                        st.findings.push(Finding {
                            path: script.clone(),
                            text: note,
                        });
                    }
                    need(
                        &mut st,
                        &m,
                        &script,
                        Item::File {
                            content: text,
                            mode: 0o755,
                            strength: 3,
                            keep: true,
                            line: None,
                        },
                    );
                }
            }
            Action::Dump { output, .. } => {
                let p = abs(cwd, output);
                if let Some(up) = parent(&p) {
                    need(&mut st, &m, up, dir_item.clone());
                }
                m.set(&p, Origin::Made);
                st.kept.insert(p);
            }
            Action::TailLog { path } => {
                st.logs.insert(abs(cwd, path));
            }
            // `cp -p A A.bak`, `sed -i … F`: what a command copies or edits in place was there.
            Action::Run { command } => {
                for p in command_inputs(command, cwd) {
                    need(&mut st, &m, &p, guess(&p));
                }
                for p in crate::classify::files_written(command, cwd) {
                    m.set(&p, Origin::Made);
                }
            }
            _ => {}
        }
    }
    // What the chapter reads or moves away, and what it writes or moves into place: a new path
    // among them after the rollback is the runbook's own doing.
    let chapter_steps: Vec<&Step> = rollback.to_vec();
    st.chapter
        .extend(crate::render::chapter_paths(&chapter_steps));
    for s in &rollback {
        let cwd = s.cwd.as_deref().unwrap_or("/root");
        match &s.action {
            Action::Rename { to, .. } => {
                st.chapter.insert(abs(cwd, to));
            }
            Action::Run { command } => {
                st.chapter
                    .extend(crate::classify::files_written(command, cwd));
            }
            Action::Probe { .. }
            | Action::ReadValue { .. }
            | Action::RpmInstall { .. }
            | Action::PackageInstall { .. }
            | Action::AppendBlock { .. }
            | Action::PrependBlock { .. }
            | Action::EnsureLines { .. }
            | Action::FirewallRules { .. }
            | Action::ReplaceLine { .. }
            | Action::IniSet { .. }
            | Action::ConfBlocks { .. }
            | Action::XmlElement { .. }
            | Action::WriteFile { .. }
            | Action::WriteValue { .. }
            | Action::CronEntry { .. }
            | Action::Extract { .. }
            | Action::Mkdir { .. }
            | Action::Chmod { .. }
            | Action::StopProcesses { .. }
            | Action::StartDetached { .. }
            | Action::Service { .. }
            | Action::ServiceRestart { .. }
            | Action::TailLog { .. }
            | Action::Sql { .. }
            | Action::Dump { .. }
            | Action::Payload { .. }
            | Action::Manual { .. }
            | Action::Note => {}
        }
    }
    for s in &rollback {
        let cwd = s.cwd.as_deref().unwrap_or("/root");
        match &s.action {
            Action::Payload { file, dir } => {
                st.kept.insert(join(&abs(cwd, dir), file));
            }
            Action::Dump { output, .. } => {
                st.kept.insert(abs(cwd, output));
            }
            Action::TailLog { path } => {
                st.logs.insert(abs(cwd, path));
            }
            Action::WriteValue { value, .. } | Action::CronEntry { value, .. } => {
                st.values.insert(value.clone());
            }
            Action::Run { .. }
            | Action::Probe { .. }
            | Action::ReadValue { .. }
            | Action::RpmInstall { .. }
            | Action::PackageInstall { .. }
            | Action::AppendBlock { .. }
            | Action::PrependBlock { .. }
            | Action::EnsureLines { .. }
            | Action::FirewallRules { .. }
            | Action::ReplaceLine { .. }
            | Action::IniSet { .. }
            | Action::ConfBlocks { .. }
            | Action::XmlElement { .. }
            | Action::WriteFile { .. }
            | Action::Extract { .. }
            | Action::Rename { .. }
            | Action::Mkdir { .. }
            | Action::Chmod { .. }
            | Action::StopProcesses { .. }
            | Action::StartDetached { .. }
            | Action::Service { .. }
            | Action::ServiceRestart { .. }
            | Action::Sql { .. }
            | Action::Manual { .. }
            | Action::Note => {}
        }
    }
    for s in run.iter().chain(rollback.iter()) {
        for (p, _) in paths_of(s) {
            let started = matches!(s.action, Action::StartDetached { .. });
            if !started && !matches!(s.action, Action::TailLog { .. }) {
                st.watched.insert(p);
            }
        }
    }
    st.watched
        .retain(|p| !NOT_WATCHED.iter().any(|n| p == n || under(p, n)));
    let all: Vec<String> = st.watched.iter().cloned().collect();
    st.watched
        .retain(|p| !all.iter().any(|q| q != p && under(p, q)) && p != "/");
    st
}

// --- Stand-in payloads -------------------------------------------------------------------------

/// Writes a stand-in for every payload of the plan into `dir`: archives with the top folders and
/// files the hosts' steps expect (`states`), scripts that succeed, SQL and JS comments, bytes.
pub fn standin_payloads(plan: &Plan, states: &[StartingState], dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut names: Vec<&str> = plan.artifacts.iter().map(|a| a.file.as_str()).collect();
    names.sort();
    names.dedup();
    for name in names {
        let path = dir.join(name);
        if let Some(stem) = archive_stem(name) {
            let mut archive = Archive::default();
            for st in states {
                if let Some(a) = st.archives.get(name) {
                    archive.tops.extend(a.tops.iter().cloned());
                    for (k, v) in &a.items {
                        add_item(&mut archive.items, k, v.clone());
                    }
                }
            }
            if archive.tops.is_empty() {
                archive.tops.insert(stem.to_string());
            }
            let src = tempfile::tempdir().map_err(|e| e.to_string())?;
            for top in &archive.tops {
                std::fs::create_dir_all(src.path().join(top)).map_err(|e| e.to_string())?;
            }
            for (rel, item) in &archive.items {
                lay_item(src.path(), rel, item, false)?;
            }
            let out = Command::new("tar")
                .arg("-caf")
                .arg(&path)
                .arg("-C")
                .arg(src.path())
                .args(&archive.tops)
                .output()
                .map_err(|e| format!("cannot run tar: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "cannot make a stand-in for {name}: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        } else {
            let text = if name.ends_with(".sh") {
                format!("#!/bin/sh\n# rbc rehearse: a stand-in for {name}\nexit 0\n")
            } else if name.ends_with(".sql") {
                format!("-- rbc rehearse: a stand-in for {name}\n")
            } else if name.ends_with(".js") {
                format!("// rbc rehearse: a stand-in for {name}\n")
            } else {
                format!("rbc rehearse: a stand-in for {name}\n")
            };
            std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(())
}

/// Lays `item` at `root/rel`. With `machine`, a path this machine already has the right way is
/// left to it (the overlay shows it), and new folders copy the machine's mode and owner.
fn lay_item(root: &Path, rel: &str, item: &Item, machine: bool) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let rel = rel.trim_start_matches('/');
    let on_machine = Path::new("/").join(rel);
    let at = root.join(rel);
    if machine {
        match item {
            Item::Dir { .. } if on_machine.is_dir() => return Ok(()),
            Item::File {
                keep: true, line, ..
            } if on_machine.is_file() => {
                let fine = match line {
                    None => true,
                    Some(l) => std::fs::read_to_string(&on_machine)
                        .map(|t| t.lines().any(|x| x.trim() == l))
                        .unwrap_or(false),
                };
                if fine {
                    return Ok(());
                }
            }
            _ => {}
        }
    }
    let parent_rel = Path::new(rel).parent().unwrap_or(Path::new(""));
    make_dirs(root, parent_rel, machine)?;
    let err = |e: std::io::Error| format!("{}: {e}", at.display());
    match item {
        Item::Dir { .. } => {
            make_dirs(root, Path::new(rel), machine)?;
        }
        Item::File { content, mode, .. } => {
            if at.is_dir() {
                return Ok(());
            }
            std::fs::write(&at, content).map_err(err)?;
            std::fs::set_permissions(&at, std::fs::Permissions::from_mode(*mode)).map_err(err)?;
        }
    }
    Ok(())
}

/// `root/rel` and its parents, each with the mode and owner the machine's own folder has.
fn make_dirs(root: &Path, rel: &Path, machine: bool) -> Result<(), String> {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let mut cur = PathBuf::new();
    for c in rel.components() {
        cur.push(c);
        let at = root.join(&cur);
        if at.is_dir() {
            continue;
        }
        std::fs::create_dir(&at).map_err(|e| format!("{}: {e}", at.display()))?;
        let mine = Path::new("/").join(&cur);
        match std::fs::metadata(&mine) {
            Ok(md) if machine && md.is_dir() => {
                let _ = std::fs::set_permissions(&at, std::fs::Permissions::from_mode(md.mode()));
                let _ = std::os::unix::fs::chown(&at, Some(md.uid()), Some(md.gid()));
            }
            _ => {
                let _ = std::fs::set_permissions(&at, std::fs::Permissions::from_mode(0o755));
            }
        }
    }
    Ok(())
}

// --- The throwaway root ------------------------------------------------------------------------

/// One host's throwaway root: the overlay's upper layer (what differs from this machine's `/`),
/// its work dir, the mount point, and the outputs of a session.
pub struct Root {
    pub dir: tempfile::TempDir,
    pub host: String,
    pub ip: Option<String>,
}

/// What a session does, in order: a script run in the root with bash, or a snapshot of the
/// watched files.
#[derive(Debug, Clone)]
pub enum Do {
    Sh { name: String, script: String },
    Tree { name: String },
}

/// One file, folder or link as a snapshot sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `f`, `d`, `l` ...
    pub kind: char,
    pub mode: String,
    /// `uid:gid`
    pub owner: String,
    /// sha256 of a file; the target of a link.
    pub content: String,
}

pub type Tree = BTreeMap<String, Entry>;

#[derive(Debug, Default)]
pub struct Session {
    /// Exit code and output of each script.
    pub runs: BTreeMap<String, (i32, String)>,
    pub trees: BTreeMap<String, Tree>,
}

impl Root {
    /// An empty root for `host` with the stubs in place.
    pub fn new(host: &str, ip: Option<&str>) -> Result<Root, String> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("rbc-rehearse-{host}-"))
            .tempdir_in("/tmp")
            .map_err(|e| format!("cannot make a temporary folder in /tmp: {e}"))?;
        for d in ["upper", "work", "merged", "out"] {
            std::fs::create_dir_all(dir.path().join(d)).map_err(|e| e.to_string())?;
        }
        let root = Root {
            dir,
            host: host.to_string(),
            ip: ip.map(str::to_string),
        };
        for (name, text) in STUBS {
            root.put(&format!("{STUB_DIR}/{name}"), text.as_bytes(), 0o755)?;
        }
        Ok(root)
    }

    /// The overlay's upper layer: the root's changes to this machine's `/`.
    pub fn upper(&self) -> PathBuf {
        self.dir.path().join("upper")
    }

    /// Writes a file into the root (its upper layer) before the session.
    pub fn put(&self, path: &str, bytes: &[u8], mode: u32) -> Result<(), String> {
        use std::os::unix::fs::PermissionsExt;
        let rel = path.trim_start_matches('/');
        make_dirs(
            &self.upper(),
            Path::new(rel).parent().unwrap_or(Path::new("")),
            true,
        )?;
        let at = self.upper().join(rel);
        std::fs::write(&at, bytes).map_err(|e| format!("{}: {e}", at.display()))?;
        std::fs::set_permissions(&at, std::fs::Permissions::from_mode(mode))
            .map_err(|e| format!("{}: {e}", at.display()))
    }

    /// Lays the host's starting state (files only; archives are payloads).
    pub fn lay(&self, st: &StartingState) -> Result<(), String> {
        for (path, item) in &st.files {
            lay_item(&self.upper(), path, item, true)?;
        }
        Ok(())
    }

    /// Copies a user's files (a folder shaped like `/`) on top of the starting state.
    pub fn lay_fixture(&self, dir: &Path) -> Result<(), String> {
        let out = Command::new("cp")
            .arg("-a")
            .arg(format!("{}/.", dir.display()))
            .arg(self.upper())
            .output()
            .map_err(|e| format!("cannot run cp: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "cannot copy the fixture {}: {}",
                dir.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        Ok(())
    }

    /// Mounts the root and does `todo` in it, all in one set of namespaces (daemons a script
    /// starts keep running until the session ends). `env` is the scripts' environment besides
    /// PATH, HOME and LANG; `watched` the paths the snapshots look at.
    pub fn session(
        &self,
        env: &[(String, String)],
        watched: &BTreeSet<String>,
        todo: &[Do],
    ) -> Result<Session, String> {
        let d = self.dir.path();
        let out = d.join("out");
        let watched_text: String = watched.iter().map(|p| format!("{p}\n")).collect();
        std::fs::write(out.join("watched"), watched_text).map_err(|e| e.to_string())?;
        let mut envs = vec![
            format!("PATH={PATH}"),
            "HOME=/root".into(),
            "LANG=C.UTF-8".into(),
            "USER=root".into(),
            "LOGNAME=root".into(),
        ];
        envs.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
        let mut script = format!(
            r#"set -e
m={m} u={u} w={w} o={o}
mount -t overlay overlay -o "lowerdir=/,upperdir=$u,workdir=$w" "$m"
mount -t proc proc "$m/proc"
mount --bind /dev "$m/dev"
mount -t tmpfs tmpfs "$m/tmp"
set +e
hostname {host} 2>/dev/null
ip link set lo up >/dev/null 2>&1
ip={ip}
if [ -n "$ip" ]; then
	{{ ip link add eth0 type dummy || ip link add eth0 type bridge; }} >/dev/null 2>&1 &&
		ip addr add "$ip/24" dev eth0 >/dev/null 2>&1 && ip link set eth0 up >/dev/null 2>&1
fi
envs=( {envs} )
inroot() {{ # NAME SCRIPT
	chroot "$m" /usr/bin/env -i "${{envs[@]}}" timeout 1800 bash -c "$2" >"$o/$1.out" 2>&1 </dev/null
	echo $? >"$o/$1.code"
}}
tree() {{ # NAME
	(
		cd "$m" || exit 1
		while IFS= read -r p; do
			if [ -e ".$p" ] || [ -L ".$p" ]; then find ".$p" -xdev -printf '%y\t%m\t%U:%G\t%l\t%p\0'; fi
		done <"$o/watched" >"$o/$1.meta"
		while IFS= read -r p; do
			if [ -e ".$p" ]; then find ".$p" -xdev -type f -print0 | xargs -0 -r sha256sum -z --; fi
		done <"$o/watched" >"$o/$1.sums"
	)
}}
"#,
            m = quote(&d.join("merged").display().to_string()),
            u = quote(&d.join("upper").display().to_string()),
            w = quote(&d.join("work").display().to_string()),
            o = quote(&out.display().to_string()),
            host = quote(&self.host),
            ip = quote(self.ip.as_deref().unwrap_or("")),
            envs = envs.iter().map(|e| quote(e)).collect::<Vec<_>>().join(" "),
        );
        for t in todo {
            match t {
                Do::Sh { name, script: s } => {
                    script.push_str(&format!("inroot {} {}\n", quote(name), quote(s)))
                }
                Do::Tree { name } => script.push_str(&format!("tree {}\n", quote(name))),
            }
        }
        let run = Command::new("unshare")
            .args([
                "-m",
                "-p",
                "-f",
                "-u",
                "-n",
                "--propagation",
                "private",
                "bash",
                "-c",
                &script,
            ])
            .output()
            .map_err(|e| format!("cannot run unshare: {e}"))?;
        if !run.status.success() {
            return Err(format!(
                "the throwaway root for {} could not be set up: {}",
                self.host,
                String::from_utf8_lossy(&run.stderr).trim()
            ));
        }
        let mut session = Session::default();
        for t in todo {
            match t {
                Do::Sh { name, .. } => {
                    let code = std::fs::read_to_string(out.join(format!("{name}.code")))
                        .ok()
                        .and_then(|c| c.trim().parse().ok())
                        .unwrap_or(-1);
                    let text = std::fs::read(out.join(format!("{name}.out")))
                        .map(|b| String::from_utf8_lossy(&b).into_owned())
                        .unwrap_or_default();
                    session.runs.insert(name.clone(), (code, text));
                }
                Do::Tree { name } => {
                    let meta = std::fs::read(out.join(format!("{name}.meta"))).unwrap_or_default();
                    let sums = std::fs::read(out.join(format!("{name}.sums"))).unwrap_or_default();
                    session.trees.insert(name.clone(), parse_tree(&meta, &sums));
                }
            }
        }
        Ok(session)
    }
}

fn parse_tree(meta: &[u8], sums: &[u8]) -> Tree {
    let mut hashes: BTreeMap<String, String> = BTreeMap::new();
    for rec in sums.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let rec = String::from_utf8_lossy(rec);
        if let Some((sha, path)) = rec.split_once("  ") {
            hashes.insert(path.trim_start_matches('.').to_string(), sha.to_string());
        }
    }
    let mut tree = Tree::new();
    for rec in meta.split(|b| *b == 0).filter(|r| !r.is_empty()) {
        let rec = String::from_utf8_lossy(rec);
        let mut f = rec.splitn(5, '\t');
        let (Some(kind), Some(mode), Some(owner), Some(link), Some(path)) =
            (f.next(), f.next(), f.next(), f.next(), f.next())
        else {
            continue;
        };
        let path = path.trim_start_matches('.').to_string();
        let kind = kind.chars().next().unwrap_or('?');
        let content = match kind {
            'f' => hashes.get(&path).cloned().unwrap_or_default(),
            'l' => link.to_string(),
            _ => String::new(),
        };
        tree.insert(
            path,
            Entry {
                kind,
                mode: mode.to_string(),
                owner: owner.to_string(),
                content,
            },
        );
    }
    tree
}

// --- Comparing -------------------------------------------------------------------------------

/// What changed from `a` to `b`: added, changed, removed paths.
#[derive(Debug, Default, Clone, PartialEq, Serialize)]
pub struct Diff {
    pub added: Vec<String>,
    pub changed: Vec<String>,
    pub removed: Vec<String>,
}

impl Diff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
    pub fn paths(&self) -> Vec<String> {
        let mut all: Vec<String> = self
            .added
            .iter()
            .chain(&self.changed)
            .chain(&self.removed)
            .cloned()
            .collect();
        all.sort();
        all
    }
}

/// Compares two snapshots, leaving out the paths `skip` says.
pub fn diff(a: &Tree, b: &Tree, skip: impl Fn(&str) -> bool) -> Diff {
    let mut d = Diff::default();
    for (p, e) in a {
        if skip(p) {
            continue;
        }
        match b.get(p) {
            None => d.removed.push(p.clone()),
            Some(f) if f != e => d.changed.push(p.clone()),
            _ => {}
        }
    }
    for p in b.keys() {
        if !skip(p) && !a.contains_key(p) {
            d.added.push(p.clone());
        }
    }
    d
}

// --- The rehearsal -----------------------------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct Run1 {
    pub exit: i32,
    pub changed: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Run2 {
    pub exit: i32,
    pub changed: Option<u32>,
    pub identical: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rollback {
    pub exit: i32,
    pub differences: Vec<String>,
}

/// One host's rehearsal. Serialized, exactly `{name, run1, run2, rollback}`.
#[derive(Debug, Clone, Serialize)]
pub struct HostReport {
    pub name: String,
    pub run1: Run1,
    pub run2: Run2,
    pub rollback: Rollback,
    /// What the first run did to the watched files.
    #[serde(skip)]
    pub first_run: Diff,
    /// What the second run changed in them (must be nothing).
    #[serde(skip)]
    pub second_run: Diff,
    /// Left by the rollback on purpose (database dumps, the rollback chapter's uploads).
    #[serde(skip)]
    pub kept_on_purpose: Vec<String>,
    #[serde(skip)]
    pub findings: Vec<String>,
    /// Manual steps the rehearsal took as done (run and rollback); `(id, why rbc made it
    /// manual)` when a lint finding did (an operator must do those by hand, the runbook's way).
    #[serde(skip)]
    pub by_hand: Vec<(String, Option<String>)>,
    /// Outputs of run1, run2, rollback.
    #[serde(skip)]
    pub outputs: BTreeMap<String, String>,
    /// Where the root was kept (`--keep`).
    #[serde(skip)]
    pub kept: Option<PathBuf>,
}

impl HostReport {
    pub fn passed(&self) -> bool {
        self.run1.exit == 0
            && self.run2.exit == 0
            && self.run2.changed == Some(0)
            && self.run2.identical
            && (self.rollback.exit == 0 || self.rollback.exit == EXIT_LEFT)
            && self.rollback.differences.is_empty()
    }
}

/// rollback.sh's exit when it did all it can and lists what is left for a person (a package
/// it installed, a command it cannot undo, a manual step): the files are back, so a rehearsal
/// passes, and the report shows the list.
pub const EXIT_LEFT: i32 = 7;

/// The `  - ` lines rollback.sh lists as left for a person.
pub fn left_for_a_person(output: &str) -> Vec<String> {
    let mut lines = output
        .lines()
        .skip_while(|l| !l.starts_with("Left for a person"));
    lines.next();
    lines
        .take_while(|l| l.starts_with("  - "))
        .map(|l| l.trim_start_matches("  - ").to_string())
        .collect()
}

/// `changed=N` from the runtime's `RECAP host: ok=.. changed=N ...` line.
pub fn recap_changed(output: &str) -> Option<u32> {
    let line = output.lines().rev().find(|l| l.starts_with("RECAP"))?;
    line.split_whitespace()
        .find_map(|w| w.strip_prefix("changed="))
        .and_then(|n| n.parse().ok())
}

pub struct Options {
    /// Only these hosts (empty: every server with steps).
    pub hosts: Vec<String>,
    /// A folder shaped like `/` laid over each host's starting state.
    pub fixture: Option<PathBuf>,
    /// Leave each host's root (upper layer) and outputs here.
    pub keep: Option<PathBuf>,
    /// Hosts rehearsed at once.
    pub jobs: usize,
    /// One line on stderr as each host finishes.
    pub progress: bool,
}

/// The plan compiled into bundles with stand-in payloads, and every host's starting state.
pub struct Prepared {
    pub dir: tempfile::TempDir,
    pub hosts: Vec<String>,
    pub states: BTreeMap<String, StartingState>,
}

/// The servers of the plan that get a bundle (those with steps), optionally only `only`.
pub fn hosts_of(plan: &Plan, only: &[String]) -> Vec<String> {
    plan.hosts
        .iter()
        .filter(|h| h.kind == HostKind::Server)
        .filter(|h| only.is_empty() || only.contains(&h.name))
        .filter(|h| plan.steps.iter().any(|s| s.hosts.contains(&h.name)))
        .map(|h| h.name.clone())
        .collect()
}

/// Builds the starting states and stand-in payloads, and compiles the bundles (`rbc compile`
/// into a temporary folder, without the shellcheck pass).
pub fn prepare(plan: &Plan, hosts: &[String]) -> Result<Prepared, String> {
    let dir = tempfile::Builder::new()
        .prefix("rbc-rehearse-")
        .tempdir()
        .map_err(|e| format!("cannot make a temporary folder: {e}"))?;
    let states: BTreeMap<String, StartingState> = hosts_of(plan, &[])
        .iter()
        .map(|h| (h.clone(), starting_state(plan, h)))
        .collect();
    let all: Vec<StartingState> = states.values().cloned().collect();
    let payloads = dir.path().join("payloads");
    standin_payloads(plan, &all, &payloads)?;
    let opts = crate::compile::Options {
        out: dir.path().join("dist"),
        artifacts: Some(payloads),
        hosts: hosts.to_vec(),
        shellcheck: false,
        checklist: crate::checklist::Extra::default(),
    };
    crate::compile::compile(plan, &opts)?;
    Ok(Prepared {
        dir,
        hosts: hosts.to_vec(),
        states,
    })
}

impl Prepared {
    pub fn bundle(&self, host: &str) -> PathBuf {
        self.dir
            .path()
            .join("dist/hosts")
            .join(format!("{host}.tar.gz"))
    }

    /// The environment of every script: manual steps done, every operator value given.
    pub fn env(&self, host: &str) -> Vec<(String, String)> {
        let mut env = vec![
            ("RBC_MANUAL_DONE".to_string(), "1".to_string()),
            ("RBC_START_WAIT".into(), "1".into()),
            ("RBC_STOP_WAIT".into(), "5".into()),
            ("RBC_STOP_GRACE".into(), "1".into()),
        ];
        if let Some(st) = self.states.get(host) {
            for v in &st.values {
                env.push((format!("RBC_VALUE_{v}"), VALUE.into()));
            }
        }
        env
    }

    /// A root for `host` with its starting state, the user's fixture on top, and the bundle in
    /// /root (not yet unpacked).
    pub fn root(&self, plan: &Plan, host: &str, fixture: Option<&Path>) -> Result<Root, String> {
        let st = self
            .states
            .get(host)
            .ok_or_else(|| format!("{host} has no bundle"))?;
        let ip = plan.host(host).and_then(|h| h.ip.clone());
        let root = Root::new(host, ip.as_deref())?;
        root.lay(st)?;
        if let Some(f) = fixture {
            root.lay_fixture(f)?;
        }
        let bundle = std::fs::read(self.bundle(host))
            .map_err(|e| format!("{}: {e}", self.bundle(host).display()))?;
        root.put(&format!("/root/{host}.tar.gz"), &bundle, 0o644)?;
        Ok(root)
    }

    /// Rehearses one host: run.sh, run.sh again, rollback.sh, with snapshots between.
    pub fn rehearse_host(
        &self,
        plan: &Plan,
        host: &str,
        fixture: Option<&Path>,
        keep: Option<&Path>,
    ) -> Result<HostReport, String> {
        let st = &self.states[host];
        let root = self.root(plan, host, fixture)?;
        let q = quote(host);
        let sh = |name: &str, script: String| Do::Sh {
            name: name.into(),
            script,
        };
        let tree = |name: &str| Do::Tree { name: name.into() };
        let todo = [
            sh("setup", format!("cd /root && tar xzf {q}.tar.gz")),
            tree("start"),
            sh(
                "run1",
                format!("cd /root/{q} && ./run.sh --force-host --yes"),
            ),
            tree("after1"),
            sh(
                "run2",
                format!("cd /root/{q} && ./run.sh --force-host --yes"),
            ),
            tree("after2"),
            sh(
                "rollback",
                format!("cd /root/{q} && ./rollback.sh --force-host --yes"),
            ),
            tree("end"),
        ];
        let s = root.session(&self.env(host), &st.watched, &todo)?;
        let (setup_code, setup_out) = &s.runs["setup"];
        if *setup_code != 0 {
            return Err(format!("{host}: the bundle does not unpack: {setup_out}"));
        }
        let is_log = |p: &str| {
            p.rsplit('/').next() == Some("nohup.out")
                || st.logs.iter().any(|l| p == l || under(p, l))
        };
        let is_kept = |p: &str| st.kept.iter().any(|k| p == k || under(p, k));
        let t = |n: &str| s.trees.get(n).cloned().unwrap_or_default();
        let first_run = diff(&t("start"), &t("after1"), is_log);
        let second_run = diff(&t("after1"), &t("after2"), is_log);
        let mut back = diff(&t("start"), &t("end"), |p| is_log(p) || is_kept(p));
        let mut kept_on_purpose =
            diff(&t("start"), &t("end"), |p| is_log(p) || !is_kept(p)).paths();
        // New paths the rollback chapter names (the writer's backup it restores from, the new
        // version it moves aside): left by the runbook's own rollback, on purpose.
        let owned = |p: &str| st.chapter.iter().any(|c| p == c || under(p, c));
        let (chapter_new, rest): (Vec<String>, Vec<String>) =
            back.added.drain(..).partition(|p| owned(p));
        back.added = rest;
        kept_on_purpose.extend(chapter_new);
        kept_on_purpose.sort();
        let out = |n: &str| s.runs.get(n).cloned().unwrap_or((-1, String::new()));
        let (c1, o1) = out("run1");
        let (c2, o2) = out("run2");
        let (c3, o3) = out("rollback");
        let mut report = HostReport {
            name: host.to_string(),
            run1: Run1 {
                exit: c1,
                changed: recap_changed(&o1),
            },
            run2: Run2 {
                exit: c2,
                changed: recap_changed(&o2),
                identical: second_run.is_empty(),
            },
            rollback: Rollback {
                exit: c3,
                differences: back.paths(),
            },
            first_run,
            second_run,
            kept_on_purpose,
            // A file the user's fixture provides is no longer missing.
            findings: st
                .findings
                .iter()
                .filter(|f| {
                    !fixture.is_some_and(|d| d.join(f.path.trim_start_matches('/')).exists())
                })
                .map(|f| f.text.clone())
                .collect(),
            by_hand: plan
                .steps_for(host, Phase::Run)
                .chain(plan.steps_for(host, Phase::Rollback))
                .filter(|s| s.kind == StepKind::Manual)
                .map(|s| (s.id.clone(), s.finding.clone()))
                .collect(),
            outputs: [("run1", o1), ("run2", o2), ("rollback", o3)]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            kept: None,
        };
        if let Some(keep) = keep {
            let to = keep.join(host);
            let _ = std::fs::remove_dir_all(&to);
            std::fs::create_dir_all(&to).map_err(|e| format!("{}: {e}", to.display()))?;
            let cp = Command::new("cp")
                .arg("-a")
                .arg(root.upper())
                .arg(to.join("upper"))
                .output()
                .map_err(|e| format!("cannot run cp: {e}"))?;
            if !cp.status.success() {
                return Err(format!(
                    "cannot keep {host}'s root in {}: {}",
                    to.display(),
                    String::from_utf8_lossy(&cp.stderr).trim()
                ));
            }
            for (name, text) in &report.outputs {
                std::fs::write(to.join(format!("{name}.log")), text)
                    .map_err(|e| format!("{}: {e}", to.display()))?;
            }
            report.kept = Some(to);
        }
        Ok(report)
    }
}

/// Prepares without running (`rbc rehearse --prepare DIR`), for throwaway hosts of one's own
/// (bench/fleet-shipped.sh): the bundles compiled with stand-in payloads in `DIR/dist` (with
/// `ansible/` and `hosts/<host>.run`), and per host `DIR/hosts/<host>/u`, the upper layer of an
/// overlay of `/` that `rehearse` would start from (starting state, stubs in [`STUB_DIR`], the
/// user's fixture, the bundle in /root), `DIR/hosts/<host>/env` (`NAME=VALUE` a line: PATH with
/// the stubs first and every operator value, but manual steps not taken as done: whoever runs
/// the bundles answers them) and `DIR/hosts/<host>/watched` (the paths the rehearsal compares).
/// Returns the hosts prepared.
pub fn prepare_roots(
    plan: &Plan,
    only: &[String],
    fixture: Option<&Path>,
    dir: &Path,
) -> Result<Vec<String>, String> {
    let hosts = hosts_of(plan, only);
    if hosts.is_empty() {
        return Err("no host has steps to prepare".into());
    }
    let prepared = prepare(plan, &hosts)?;
    let copy = |from: &Path, to: &Path| -> Result<(), String> {
        let _ = std::fs::remove_dir_all(to);
        if let Some(p) = to.parent() {
            std::fs::create_dir_all(p).map_err(|e| format!("{}: {e}", p.display()))?;
        }
        let out = Command::new("cp")
            .arg("-a")
            .arg(from)
            .arg(to)
            .output()
            .map_err(|e| format!("cannot run cp: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!(
                "cannot copy {} to {}: {}",
                from.display(),
                to.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    };
    copy(&prepared.dir.path().join("dist"), &dir.join("dist"))?;
    for host in &hosts {
        let root = prepared.root(plan, host, fixture)?;
        let to = dir.join("hosts").join(host);
        copy(&root.upper(), &to.join("u"))?;
        let mut env = format!("PATH={PATH}\n");
        for (k, v) in prepared.env(host) {
            if k != "RBC_MANUAL_DONE" {
                env.push_str(&format!("{k}={v}\n"));
            }
        }
        std::fs::write(to.join("env"), env).map_err(|e| format!("{}: {e}", to.display()))?;
        let watched: String = prepared.states[host]
            .watched
            .iter()
            .map(|p| format!("{p}\n"))
            .collect();
        std::fs::write(to.join("watched"), watched)
            .map_err(|e| format!("{}: {e}", to.display()))?;
    }
    Ok(hosts)
}

/// Rehearses every host (or those in `opts.hosts`), `opts.jobs` at a time, in plan order.
pub fn rehearse(plan: &Plan, opts: &Options) -> Result<Vec<HostReport>, String> {
    available()?;
    let hosts = hosts_of(plan, &opts.hosts);
    if hosts.is_empty() {
        return Err("no host has steps to rehearse".into());
    }
    let prepared = prepare(plan, &hosts)?;
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<BTreeMap<usize, Result<HostReport, String>>> = Default::default();
    std::thread::scope(|scope| {
        for _ in 0..opts.jobs.clamp(1, hosts.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(host) = hosts.get(i) else { break };
                let started = std::time::Instant::now();
                let r = prepared.rehearse_host(
                    plan,
                    host,
                    opts.fixture.as_deref(),
                    opts.keep.as_deref(),
                );
                if opts.progress {
                    // Never panics on a closed stderr (`rbc rehearse 2>&1 | head`).
                    use std::io::Write as _;
                    let _ = writeln!(
                        std::io::stderr(),
                        "rehearsed {host} in {:.0}s: {}",
                        started.elapsed().as_secs_f64(),
                        match &r {
                            Ok(r) if r.passed() => "pass",
                            Ok(_) => "FAIL",
                            Err(_) => "could not rehearse",
                        }
                    );
                }
                if let Ok(mut m) = results.lock() {
                    m.insert(i, r);
                }
            });
        }
    });
    results
        .into_inner()
        .map_err(|_| "a rehearsal stopped unexpectedly".to_string())?
        .into_values()
        .collect()
}

/// The last lines of a run's output that say why it stopped.
pub fn why_stopped(output: &str) -> Vec<String> {
    let lines: Vec<&str> = output.lines().collect();
    let at = lines
        .iter()
        .rposition(|l| l.starts_with('[') && (l.ends_with(" failed") || l.contains("... failed")));
    let Some(at) = at else {
        return lines[lines.len().saturating_sub(6)..]
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.to_string())
            .collect();
    };
    // The line that says it failed, after the step's own output (`    | ...`) just above it.
    let mut from = at;
    while from > 0 && at - from < 4 && lines[from - 1].starts_with("    |") {
        from -= 1;
    }
    lines[from..=at].iter().map(|l| l.to_string()).collect()
}

/// The text report: per host, the three runs, the findings, why a run stopped; with `keep`,
/// the first run's changes.
pub fn render(reports: &[HostReport], show_diff: bool) -> String {
    let mut s = String::new();
    let exit_word = |c: i32| {
        if c == 0 {
            "exit 0".to_string()
        } else {
            format!("exit {c}")
        }
    };
    let changed = |c: Option<u32>| c.map(|n| n.to_string()).unwrap_or_else(|| "?".into());
    for r in reports {
        s.push_str(&format!(
            "== {} ==  {}\n",
            r.name,
            if r.passed() { "PASS" } else { "FAIL" }
        ));
        for f in &r.findings {
            s.push_str(&format!("  finding: {f}\n"));
        }
        s.push_str(&format!(
            "  run 1:     {}, {} step(s) changed\n",
            exit_word(r.run1.exit),
            changed(r.run1.changed)
        ));
        if r.run1.exit != 0 {
            for l in why_stopped(&r.outputs["run1"]) {
                s.push_str(&format!("      {l}\n"));
            }
        }
        s.push_str(&format!(
            "  run 2:     {}, {} step(s) changed, files {}\n",
            exit_word(r.run2.exit),
            changed(r.run2.changed),
            if r.run2.identical {
                "identical".to_string()
            } else {
                format!("changed: {}", r.second_run.paths().join(", "))
            }
        ));
        if r.run2.exit != 0 && r.run1.exit == 0 {
            for l in why_stopped(&r.outputs["run2"]) {
                s.push_str(&format!("      {l}\n"));
            }
        }
        s.push_str(&format!(
            "  rollback:  {}, {} difference(s) from the starting state{}\n",
            exit_word(r.rollback.exit),
            r.rollback.differences.len(),
            if r.rollback.differences.is_empty() {
                String::new()
            } else {
                format!(": {}", r.rollback.differences.join(", "))
            }
        ));
        let flagged: Vec<String> = r
            .by_hand
            .iter()
            .filter_map(|(id, f)| f.as_ref().map(|f| format!("{id} ({f})")))
            .collect();
        if !r.by_hand.is_empty() {
            s.push_str(&format!(
                "  by hand:   {} manual step(s), taken as done here{}\n",
                r.by_hand.len(),
                if flagged.is_empty() {
                    String::new()
                } else {
                    format!(
                        "; {} of them manual because of a finding of `rbc check`: {}",
                        flagged.len(),
                        flagged.join(", ")
                    )
                }
            ));
        }
        if !r.kept_on_purpose.is_empty() {
            s.push_str(&format!(
                "             left on purpose (backups, the rollback chapter's uploads): {}\n",
                r.kept_on_purpose.join(", ")
            ));
        }
        if r.rollback.exit == EXIT_LEFT {
            let left = left_for_a_person(&r.outputs["rollback"]);
            s.push_str(&format!(
                "             left for a person by rollback.sh ({}): {}\n",
                left.len(),
                left.join("; ")
            ));
        } else if r.rollback.exit != 0 {
            for l in why_stopped(&r.outputs["rollback"]) {
                s.push_str(&format!("      {l}\n"));
            }
        }
        if show_diff {
            s.push_str("  the first run's changes:\n");
            for (sign, list) in [
                ("+", &r.first_run.added),
                ("~", &r.first_run.changed),
                ("-", &r.first_run.removed),
            ] {
                for p in list {
                    s.push_str(&format!("    {sign} {p}\n"));
                }
            }
            if r.first_run.is_empty() {
                s.push_str("    (none)\n");
            }
        }
        if let Some(k) = &r.kept {
            s.push_str(&format!("  kept: {}\n", k.display()));
        }
    }
    let failed: Vec<&str> = reports
        .iter()
        .filter(|r| !r.passed())
        .map(|r| r.name.as_str())
        .collect();
    s.push_str(&format!(
        "\n{} of {} host(s) pass{}\n",
        reports.len() - failed.len(),
        reports.len(),
        if failed.is_empty() {
            String::new()
        } else {
            format!("; failing: {}", failed.join(", "))
        }
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_folders_by_name_and_version() {
        assert!(unpacks_to(
            "rabbitmq_server-3.6.3",
            "rabbitmq-server-generic-unix-3.6.3"
        ));
        assert!(unpacks_to("order", "order-2.3"));
        assert!(unpacks_to("mail", "mail"));
        assert!(!unpacks_to("apache-tomcat-7.0.64", "apache-tomcat-7.0.67"));
        assert!(other_version(
            "apache-tomcat-7.0.64",
            "apache-tomcat-7.0.67"
        ));
        assert!(!other_version("mail_20240102", "mail"));
        assert!(!unpacks_to("mail_20240102", "mail"));
        assert!(!unpacks_to("dist", "web-front"));
    }

    #[test]
    fn started_scripts() {
        assert_eq!(
            started_script("sh startup.sh", "/home/mail").as_deref(),
            Some("/home/mail/startup.sh")
        );
        assert_eq!(
            started_script("/home/t/bin/startup.sh", "/root").as_deref(),
            Some("/home/t/bin/startup.sh")
        );
        assert_eq!(started_script("rabbitmq-server -detached", "/root"), None);
        assert_eq!(
            started_script("nohup ./bin/start.sh", "/opt/app").as_deref(),
            Some("/opt/app/bin/start.sh")
        );
    }

    #[test]
    fn renames_carry_origins() {
        let mut m = Model::default();
        m.rename("/home/mail", "/home/mail_1");
        m.set(
            "/home/mail",
            Origin::Archive("mail.tar".into(), "mail".into()),
        );
        assert_eq!(
            m.resolve("/home/mail_1/startup.sh"),
            Origin::Start("/home/mail/startup.sh".into())
        );
        assert_eq!(
            m.resolve("/home/mail/x"),
            Origin::Archive("mail.tar".into(), "mail/x".into())
        );
        assert_eq!(m.resolve("/etc/hosts"), Origin::Start("/etc/hosts".into()));
    }

    #[test]
    fn recap() {
        assert_eq!(
            recap_changed("x\nRECAP a: ok=3 changed=2 skipped=0 manual=0 failed=0\nall done\n"),
            Some(2)
        );
        assert_eq!(recap_changed("nothing"), None);
    }
}
