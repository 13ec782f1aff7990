//! The compiled plan: hosts and steps in runbook order, each step typed by what it does.
//! This is the interface between reading (planner) and rendering (bash, checklist, JSON).

use serde::Serialize;

use crate::classify;

pub use crate::evidence::{Evidence, EvidenceKind};

/// What kind of machine a host is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum HostKind {
    /// A server that runs steps and gets a bundle.
    Server,
    /// A physical machine that carries virtual machines; runs no steps.
    Physical,
    /// The jump host that payloads are staged on and bundles are distributed from.
    Jump,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PlanHost {
    pub name: String,
    pub ip: Option<String>,
    pub aliases: Vec<String>,
    pub kind: HostKind,
    /// Group/role, e.g. `api` for api-1 and api-2.
    pub group: Option<String>,
    /// Physical machine this server runs on, when declared.
    pub physical: Option<String>,
    /// Key/value specs (CPU, 内存, 数据文件 ...), own and inherited from the group.
    pub specs: Vec<(String, String)>,
    /// 1-based line where the host was first declared.
    pub line: usize,
}

/// Who runs a command rbc keeps manual (a destructive one such as `drop database`, or one whose
/// host is unknown): the same words in the plan (its guard), the checklist (its expected result)
/// and on the host's terminal (the manual step's instruction).
pub const BY_HAND: &str =
    "rbc does not run this: run it yourself, then confirm (rbc 不执行此步：请人工执行，然后确认)";

/// How a step behaves on the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    /// Checks the desired state, acts only if missing, checks again after.
    Converge,
    /// Journaled; skipped on re-run.
    Once,
    /// Read-only; may assert.
    Check,
    /// A person does it; the run waits for confirmation.
    Manual,
    /// Not executed (example output, troubleshooting advice, context).
    Note,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Run,
    Rollback,
}

/// What a step does, typed so that each renderer knows its check, action and inverse.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Action {
    /// A command run as written, journaled (kind `once`).
    Run { command: String },
    /// A read-only command whose output is shown (kind `check`).
    Probe { command: String },
    /// `rpm -ivh FILE` / `yum install -y FILE.rpm`: install a local package unless installed.
    RpmInstall { file: String },
    /// `yum install -y NAME...`: install named packages unless installed.
    PackageInstall { packages: Vec<String> },
    /// Append `content` to `path` as a managed block (unique marker).
    AppendBlock { path: String, content: String },
    /// Insert `content` as a managed block near the top of `path` (after a `#!` line).
    PrependBlock { path: String, content: String },
    /// Make sure each line is present in `path` (appended when missing).
    EnsureLines { path: String, lines: Vec<String> },
    /// iptables rules: each inserted before the first REJECT of INPUT in the filter table.
    FirewallRules { path: String, rules: Vec<String> },
    /// Replace the line equal (trimmed) to `old` with `new`.
    ReplaceLine {
        path: String,
        old: String,
        new: String,
    },
    /// Keys set inside `[section]` of an ini-style file (`编辑 /etc/my.cnf，在 [mysqld] 段下加入：`):
    /// each of `lines` (`key = value` or a bare `key`) replaces the section's line of the same
    /// key, or goes at the section's end; the section is added at the end of the file if missing.
    IniSet {
        path: String,
        section: String,
        lines: Vec<String>,
    },
    /// Whole `{}` blocks of an nginx configuration (`content`, named `blocks`): with `replace`,
    /// each replaces the one block of the same name; otherwise a missing one goes in before the
    /// closing brace of `http`. `nginx -t` must accept the result.
    ConfBlocks {
        path: String,
        content: String,
        blocks: Vec<String>,
        replace: bool,
    },
    /// One XML element of `path` (`<configuration>`…`</configuration>`, its tags alone on their
    /// lines): the file's lines from its `<element …>` line to its `</element>` line become
    /// `content` (the element as the runbook shows it). The file must hold exactly one such
    /// element; with `fill`, only an element that holds nothing yet (blanks and comments) or
    /// already holds `content` (`在 <configuration> 标签内添加`).
    XmlElement {
        path: String,
        element: String,
        content: String,
        fill: bool,
    },
    /// Write the whole file.
    WriteFile { path: String, content: String },
    /// Write the whole file with a value the operator gives once (read on host `from`), e.g. a
    /// cluster cookie: asked on the terminal or taken from `RBC_VALUE_<VALUE>`, kept mode 0600.
    WriteValue {
        path: String,
        value: String,
        from: String,
    },
    /// A look at a file whose content other hosts write (`value`, a `WriteValue` with `from` this
    /// host): the content is kept mode 0600 in the state directory, never shown, for the
    /// playbook to carry to those hosts (kind `check`).
    ReadValue { path: String, value: String },
    /// A cron entry from a known recipe (`时间同步crontab`): `line` with `{VALUE}` replaced by a value
    /// the operator gives once, in its own file under /etc/cron.d.
    CronEntry {
        path: String,
        line: String,
        value: String,
    },
    /// Unpack an archive into `dir` unless already unpacked.
    Extract { archive: String, dir: String },
    /// `mv FROM TO`: rename, never nesting into an existing directory.
    Rename { from: String, to: String },
    /// `mkdir PATH`.
    Mkdir { path: String },
    /// `chmod MODE PATH`.
    Chmod { mode: String, path: String },
    /// Find processes matching `pattern`, show them, and signal them.
    StopProcesses { pattern: String, signal: String },
    /// Start a long-running program in the background unless `pattern` already runs.
    StartDetached {
        command: String,
        dir: Option<String>,
        pattern: String,
    },
    /// `service NAME ACTION`.
    Service { name: String, action: String },
    /// Restart a service only when files edited earlier on this host changed.
    ServiceRestart {
        name: String,
        /// `restart`, or `reload` (a graceful reload stays one: a restart drops connections).
        action: String,
        watch: Vec<String>,
    },
    /// A bounded look at a log file instead of `tail -f`.
    TailLog { path: String },
    /// SQL statements through a client command line (`mysql -uroot -p ...`).
    Sql {
        client: String,
        database: Option<String>,
        statements: Vec<String>,
        /// Every statement is a count that must be 0.
        expect_zero: bool,
    },
    /// A database dump that must not overwrite an existing backup.
    Dump { command: String, output: String },
    /// A payload file that must be at `dir/file` on this host.
    Payload { file: String, dir: String },
    /// A person does it.
    Manual { instruction: String },
    /// Nothing runs.
    Note,
}

/// A reference to a step on another host that a gate waits for.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GateRef {
    pub step: String,
    pub section: String,
    /// Empty for a host-less step (done by a person, off the servers).
    pub host: String,
}

/// Before running `step` on `host`, these steps (other hosts, earlier in runbook order) must be done.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Gate {
    pub host: String,
    pub after: Vec<GateRef>,
    /// One line for people: `3.1–3.5 on web-1, web-2`.
    pub summary: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Step {
    /// Stable id: `<section>-<n>`, e.g. `2.2.1-3`.
    pub id: String,
    /// Section number like `2.2.1` (empty before the first section).
    pub section: String,
    pub section_title: String,
    pub kind: StepKind,
    pub phase: Phase,
    /// Host names; empty for a step with no host.
    pub hosts: Vec<String>,
    /// 1-based line of the command or sentence it came from.
    pub line: usize,
    /// The command or instruction, as written.
    pub text: String,
    /// What it does, in a few words (`open tcp/8080`).
    pub summary: String,
    /// Why it targets these hosts.
    pub why: String,
    /// The evidence for its hosts and content, each with its line (`[{kind, line}]`).
    pub evidence: Vec<Evidence>,
    /// The `rbc check` finding that made the step manual (`L001 at line 805`), if one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finding: Option<String>,
    /// Its idempotency guard, for people.
    pub guard: String,
    /// Working directory from an earlier `cd` in the same block, when any.
    pub cwd: Option<String>,
    pub action: Action,
    /// The original block (or sentence) shown with manual steps and in the checklist.
    pub source: String,
    pub gates: Vec<Gate>,
}

/// A payload the operators must gather, and where it goes.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Artifact {
    pub file: String,
    pub hosts: Vec<String>,
    pub dir: String,
    pub line: usize,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Plan {
    pub runbook: String,
    pub title: String,
    pub hosts: Vec<PlanHost>,
    pub steps: Vec<Step>,
    pub artifacts: Vec<Artifact>,
    /// Credential values the runbook holds, found where something marks them as one (`-p '…'`,
    /// a `.pgpass` line): hidden wherever the plan is shown, even where nothing marks them (an
    /// action's line to ensure). Never serialised.
    #[serde(skip)]
    pub hidden: Vec<String>,
}

impl Action {
    /// The file whose content the action writes or edits (a block, lines, rules, a replaced
    /// line, nginx blocks, the whole file): what a restart watches and a rollback restores.
    pub fn edited_file(&self) -> Option<&str> {
        match self {
            Action::AppendBlock { path, .. }
            | Action::PrependBlock { path, .. }
            | Action::EnsureLines { path, .. }
            | Action::FirewallRules { path, .. }
            | Action::ReplaceLine { path, .. }
            | Action::IniSet { path, .. }
            | Action::ConfBlocks { path, .. }
            | Action::XmlElement { path, .. }
            | Action::WriteFile { path, .. }
            | Action::WriteValue { path, .. } => Some(path),
            Action::Run { .. }
            | Action::Probe { .. }
            | Action::ReadValue { .. }
            | Action::RpmInstall { .. }
            | Action::PackageInstall { .. }
            | Action::CronEntry { .. }
            | Action::Extract { .. }
            | Action::Rename { .. }
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
            | Action::Note => None,
        }
    }
}

impl Plan {
    pub fn host(&self, name: &str) -> Option<&PlanHost> {
        self.hosts.iter().find(|h| h.name == name)
    }

    /// Steps of one host in runbook order for a phase.
    pub fn steps_for<'a>(&'a self, host: &'a str, phase: Phase) -> impl Iterator<Item = &'a Step> {
        self.steps
            .iter()
            .filter(move |s| s.phase == phase && s.hosts.iter().any(|h| h == host))
    }
}

impl Action {
    /// The paths a typed action names (not a command's words).
    pub fn paths(&self) -> Vec<String> {
        let a = self;
        if let Some(path) = a.edited_file() {
            return vec![path.to_string()];
        }
        match a {
            Action::CronEntry { path, .. }
            | Action::Mkdir { path }
            | Action::Chmod { path, .. }
            | Action::TailLog { path }
            | Action::ReadValue { path, .. } => vec![path.clone()],
            Action::RpmInstall { file } => vec![file.clone()],
            Action::Extract { archive, dir } => vec![archive.clone(), dir.clone()],
            Action::Rename { from, to } => vec![from.clone(), to.clone()],
            Action::Dump { output, .. } => vec![output.clone()],
            Action::Payload { file, dir } => vec![format!("{}/{file}", dir.trim_end_matches('/'))],
            Action::StartDetached { dir, .. } => dir.iter().cloned().collect(),
            Action::AppendBlock { .. }
            | Action::PrependBlock { .. }
            | Action::EnsureLines { .. }
            | Action::FirewallRules { .. }
            | Action::ReplaceLine { .. }
            | Action::IniSet { .. }
            | Action::ConfBlocks { .. }
            | Action::XmlElement { .. }
            | Action::WriteFile { .. }
            | Action::WriteValue { .. }
            | Action::Run { .. }
            | Action::Probe { .. }
            | Action::PackageInstall { .. }
            | Action::StopProcesses { .. }
            | Action::Service { .. }
            | Action::ServiceRestart { .. }
            | Action::Sql { .. }
            | Action::Manual { .. }
            | Action::Note => Vec::new(),
        }
    }

    /// The kind of step an action makes (what the runner does with it).
    pub fn kind(&self) -> StepKind {
        match self {
            Action::Run { .. } | Action::Dump { .. } => StepKind::Once,
            Action::Probe { .. } | Action::TailLog { .. } | Action::ReadValue { .. } => {
                StepKind::Check
            }
            Action::Manual { .. } => StepKind::Manual,
            Action::Note => StepKind::Note,
            Action::Sql { statements, .. } => {
                if statements.iter().all(|s| classify::sql_is_read_only(s)) {
                    StepKind::Check
                } else {
                    StepKind::Once
                }
            }
            Action::RpmInstall { .. }
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
            | Action::Rename { .. }
            | Action::Mkdir { .. }
            | Action::Chmod { .. }
            | Action::StopProcesses { .. }
            | Action::StartDetached { .. }
            | Action::Service { .. }
            | Action::ServiceRestart { .. }
            | Action::Payload { .. } => StepKind::Converge,
        }
    }

    /// What a step does in a few words, and its guard.
    pub fn describe(&self) -> (String, String) {
        let action = self;
        let file = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
        match action {
            Action::Run { command } => (format!("run `{command}`"), "journaled: runs once".into()),
            Action::Probe { command } => (format!("look: `{command}`"), "read-only".into()),
            Action::RpmInstall { file: f } => (
                format!("install {}", file(f)),
                "skipped when the package is installed (rpm -q)".into(),
            ),
            Action::PackageInstall { packages } => (
                format!("install {}", packages.join(" ")),
                "skipped when installed (rpm -q)".into(),
            ),
            Action::ConfBlocks {
                path,
                blocks,
                replace,
                ..
            } => (
                format!(
                    "{} {} in {path}",
                    if *replace { "change" } else { "add" },
                    blocks
                        .iter()
                        .map(|b| format!("`{b}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "the same blocks already there (nginx -t checks the result)".into(),
            ),
            Action::XmlElement {
                path,
                element,
                fill,
                ..
            } => (
                format!(
                    "{} `<{element}>` of {path}",
                    if *fill { "fill" } else { "replace" }
                ),
                format!(
                    "the file's one `<{element}>` element already as shown{}",
                    if *fill {
                        "; refuses one that holds something else"
                    } else {
                        ""
                    }
                ),
            ),
            Action::AppendBlock { path, .. } => (
                format!("append block to {path}"),
                "managed block marker present".into(),
            ),
            Action::PrependBlock { path, .. } => (
                format!("add block near the top of {path}"),
                "managed block marker present".into(),
            ),
            Action::EnsureLines { path, lines } => (
                format!("{} line(s) in {path}", lines.len()),
                "each line present".into(),
            ),
            Action::FirewallRules { rules, .. } => {
                let ports: Vec<String> = rules
                    .iter()
                    .filter_map(|r| r.split("--dport").nth(1))
                    .filter_map(|p| p.split_whitespace().next())
                    .map(|p| format!("tcp/{p}"))
                    .collect();
                (
                    format!(
                        "open {}",
                        if ports.is_empty() {
                            "firewall rules".into()
                        } else {
                            ports.join(" ")
                        }
                    ),
                    "each rule present in the INPUT chain".into(),
                )
            }
            Action::IniSet {
                path,
                section,
                lines,
            } => (
                format!("set {} key(s) in [{section}] of {path}", lines.len()),
                "each key set as written in that section".into(),
            ),
            Action::ReplaceLine { path, .. } => (
                format!("replace a line in {path}"),
                "new line present, old line absent".into(),
            ),
            Action::WriteFile { path, .. } => (format!("write {path}"), "content identical".into()),
            Action::Extract { archive, dir } => (
                format!("unpack {} in {dir}", file(archive)),
                "skipped when its top-level entries exist".into(),
            ),
            Action::Rename { from, to } => (
                format!("move {from} → {to}"),
                "done when the source is gone and the target exists; never nests".into(),
            ),
            Action::Mkdir { path } => (format!("create {path}"), "directory exists".into()),
            Action::Chmod { mode, path } => {
                (format!("chmod {mode} {path}"), "mode already set".into())
            }
            Action::StopProcesses { pattern, signal } => (
                format!("stop processes matching `{pattern}` (signal {signal})"),
                "none running".into(),
            ),
            Action::StartDetached { pattern, .. } => (
                format!("start in background ({pattern})"),
                format!("already running (pgrep -f `{pattern}`)"),
            ),
            Action::Service { name, action } => (
                format!("service {name} {action}"),
                format!(
                    "service status says {}",
                    if action == "start" {
                        "running"
                    } else {
                        "stopped"
                    }
                ),
            ),
            Action::ServiceRestart {
                name,
                action,
                watch,
            } => (
                format!("{action} {name}"),
                if watch.is_empty() {
                    "journaled: runs once".into()
                } else {
                    format!("only when changed: {}", watch.join(", "))
                },
            ),
            Action::TailLog { path } => (
                format!("look at the end of {path}"),
                "read-only, bounded".into(),
            ),
            Action::Sql {
                statements,
                expect_zero,
                ..
            } => {
                let s = if *expect_zero {
                    format!("SQL check: {} count(s) must be 0", statements.len())
                } else if statements.iter().all(|s| classify::sql_is_read_only(s)) {
                    format!("SQL look: {} statement(s)", statements.len())
                } else {
                    format!("SQL: {} statement(s)", statements.len())
                };
                (
                    s,
                    if statements.iter().all(|s| classify::sql_is_read_only(s)) {
                        "read-only".into()
                    } else {
                        "journaled: runs once".into()
                    },
                )
            }
            Action::Dump { output, .. } => (
                format!("dump database to {output}"),
                "refuses to overwrite an existing backup".into(),
            ),
            Action::CronEntry { path, value, .. } => (
                format!("cron entry in {path} ({value} asked once)"),
                "the line is in the file".into(),
            ),
            Action::ReadValue { path, value } => (
                format!("read {value} from {path} for the hosts that write it"),
                "read-only; the value is kept 0600 in the state directory, never shown".into(),
            ),
            Action::WriteValue { path, value, from } => (
                format!("write {path} with {value} from {from}"),
                "content equals the value given once by the operator".into(),
            ),
            Action::Payload { file: f, dir } => (
                format!("payload {f} in {dir}"),
                "present (its size and sha256 are checked only when compiled with --artifacts)"
                    .into(),
            ),
            Action::Manual { instruction } => {
                let first: String = instruction
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(60)
                    .collect();
                (
                    format!("manual: {first}"),
                    "confirmed by the operator, journaled".into(),
                )
            }
            Action::Note => ("note".into(), "not executed".into()),
        }
    }
}
