//! Rendering: the plan into the files of each host's bundle. Bash text comes only from the
//! templates in `templates/` (embedded) and `quote::quote`; nothing here assembles shell by hand.

use std::collections::BTreeMap;
use std::path::PathBuf;

use minijinja::{context, Environment, Value};

use crate::classify;
use crate::plan::{Action, Phase, Plan, PlanHost, Step, StepKind};
use crate::quote;

/// One file of a bundle, relative to the bundle's top folder.
pub struct BundleFile {
    pub path: String,
    pub mode: u32,
    pub content: Content,
}

pub enum Content {
    Text(String),
    /// A payload streamed from disk when the bundle is written, with its sum (hashed once).
    Payload {
        path: PathBuf,
        sha256: String,
    },
}

/// A payload the operators gathered (`--artifacts DIR`), summed once.
#[derive(Clone)]
pub struct PayloadInfo {
    pub path: PathBuf,
    pub sha256: String,
    pub size: u64,
}

/// Payload file name → where it is and its sum.
pub type Payloads = BTreeMap<String, PayloadInfo>;

/// What a gate waits for, in words an operator can check: each step by id, host and what it
/// does (a step with no host is the operator's own, done by a person off the servers); a long
/// list becomes "every step before this one on the N other hosts", with the last one named.
pub(crate) fn gate_text(plan: &Plan, gate: &crate::plan::Gate) -> String {
    let describe = |r: &crate::plan::GateRef| {
        let what = plan
            .steps
            .iter()
            .find(|s| s.id == r.step)
            .map(|s| s.summary.clone())
            .unwrap_or_default();
        if r.host.is_empty() {
            format!(
                "{} (the operator's own step, done by a person): {what}",
                r.step
            )
        } else {
            format!("{} on {}: {what}", r.step, r.host)
        }
    };
    if gate.after.len() <= 4 {
        return gate
            .after
            .iter()
            .map(describe)
            .collect::<Vec<_>>()
            .join("; ");
    }
    let mut hosts: Vec<&str> = Vec::new();
    for r in &gate.after {
        if !r.host.is_empty() && !hosts.contains(&r.host.as_str()) {
            hosts.push(&r.host);
        }
    }
    let operator = gate.after.iter().any(|r| r.host.is_empty());
    let range = gate
        .summary
        .split_once(" on ")
        .map_or(gate.summary.as_str(), |(r, _)| r);
    let order = |r: &&crate::plan::GateRef| plan.steps.iter().position(|s| s.id == r.step);
    let last = gate.after.iter().max_by_key(order);
    format!(
        "every step of sections {range} on the {} other hosts{}; the last of them: {}",
        hosts.len(),
        if operator {
            " and the operator's own steps"
        } else {
            ""
        },
        last.map(describe).unwrap_or_default()
    )
}

/// The states a converge step's check looks at, as words that two steps share when both change
/// the same thing (the mode of a file, a service, a folder's name).
fn state_keys(action: &Action) -> Vec<String> {
    match action {
        Action::Chmod { path, .. } => vec![format!("mode {path}")],
        Action::Service { name, .. } | Action::ServiceRestart { name, .. } => {
            vec![format!("service {name}")]
        }
        Action::StopProcesses { pattern, .. } | Action::StartDetached { pattern, .. } => {
            vec![format!("processes {pattern}")]
        }
        Action::Rename { from, to } => vec![format!("path {from}"), format!("path {to}")],
        Action::Mkdir { path } => vec![format!("path {path}")],
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
        | Action::TailLog { .. }
        | Action::Sql { .. }
        | Action::Dump { .. }
        | Action::Payload { .. }
        | Action::Manual { .. }
        | Action::Note => Vec::new(),
    }
}

/// The static runtime shipped in every bundle (see docs/bundle.md).
pub const RUNTIME: &[(&str, &str, u32)] = &[
    ("run.sh", include_str!("../templates/runtime/run.sh"), 0o755),
    (
        "rollback.sh",
        include_str!("../templates/runtime/rollback.sh"),
        0o755,
    ),
    (
        "lib/rbc.sh",
        include_str!("../templates/runtime/lib/rbc.sh"),
        0o644,
    ),
    (
        "lib/steps.sh",
        include_str!("../templates/lib/steps.sh"),
        0o644,
    ),
];

const STEP_TEMPLATES: &[(&str, &str)] = &[
    ("_header", include_str!("../templates/steps/_header.sh.j2")),
    ("run", include_str!("../templates/steps/run.sh.j2")),
    ("probe", include_str!("../templates/steps/probe.sh.j2")),
    (
        "rpm_install",
        include_str!("../templates/steps/rpm_install.sh.j2"),
    ),
    (
        "package_install",
        include_str!("../templates/steps/package_install.sh.j2"),
    ),
    (
        "append_block",
        include_str!("../templates/steps/append_block.sh.j2"),
    ),
    (
        "prepend_block",
        include_str!("../templates/steps/prepend_block.sh.j2"),
    ),
    (
        "ensure_lines",
        include_str!("../templates/steps/ensure_lines.sh.j2"),
    ),
    (
        "firewall_rules",
        include_str!("../templates/steps/firewall_rules.sh.j2"),
    ),
    ("ini_set", include_str!("../templates/steps/ini_set.sh.j2")),
    (
        "replace_line",
        include_str!("../templates/steps/replace_line.sh.j2"),
    ),
    (
        "conf_blocks",
        include_str!("../templates/steps/conf_blocks.sh.j2"),
    ),
    (
        "xml_element",
        include_str!("../templates/steps/xml_element.sh.j2"),
    ),
    (
        "write_file",
        include_str!("../templates/steps/write_file.sh.j2"),
    ),
    ("extract", include_str!("../templates/steps/extract.sh.j2")),
    ("rename", include_str!("../templates/steps/rename.sh.j2")),
    ("mkdir", include_str!("../templates/steps/mkdir.sh.j2")),
    ("chmod", include_str!("../templates/steps/chmod.sh.j2")),
    (
        "stop_processes",
        include_str!("../templates/steps/stop_processes.sh.j2"),
    ),
    (
        "start_detached",
        include_str!("../templates/steps/start_detached.sh.j2"),
    ),
    ("service", include_str!("../templates/steps/service.sh.j2")),
    (
        "service_restart",
        include_str!("../templates/steps/service_restart.sh.j2"),
    ),
    (
        "tail_log",
        include_str!("../templates/steps/tail_log.sh.j2"),
    ),
    ("sql", include_str!("../templates/steps/sql.sh.j2")),
    ("dump", include_str!("../templates/steps/dump.sh.j2")),
    ("payload", include_str!("../templates/steps/payload.sh.j2")),
    (
        "write_value",
        include_str!("../templates/steps/write_value.sh.j2"),
    ),
    (
        "read_value",
        include_str!("../templates/steps/read_value.sh.j2"),
    ),
    (
        "cron_entry",
        include_str!("../templates/steps/cron_entry.sh.j2"),
    ),
    ("manual", include_str!("../templates/steps/manual.sh.j2")),
    ("bundle", include_str!("../templates/bundle.sh.j2")),
    ("readme", include_str!("../templates/README.txt.j2")),
    ("distribute", include_str!("../templates/distribute.sh.j2")),
];

/// An edit (append, lines, a replaced line, blocks) whose text holds a credential, or of a key,
/// cookie or password file: the file ends mode 0600.
pub fn is_secret_edit(path: &str, text: &str) -> bool {
    crate::secrets::key(text).is_some() || crate::lexicon::is_secret_name(path)
}

/// Files holding secrets are installed mode 0600 (the planner warns about the literal: W037).
pub fn is_secret(path: &str, content: &str) -> bool {
    crate::lexicon::is_secret_file(path, content)
}

pub struct Renderer {
    env: Environment<'static>,
}

fn comment(s: String) -> String {
    s.replace(['\n', '\r'], " ")
}

impl Default for Renderer {
    fn default() -> Self {
        Self::new()
    }
}

impl Renderer {
    pub fn new() -> Self {
        let mut env = Environment::new();
        env.set_keep_trailing_newline(true);
        env.add_filter("q", |s: String| quote::quote(&s));
        env.add_filter("comment", comment);
        for (name, source) in STEP_TEMPLATES {
            // The templates are part of the binary: a broken one is a bug caught by every test.
            env.add_template(name, source)
                .expect("embedded template parses");
        }
        Renderer { env }
    }

    fn render(&self, name: &str, ctx: Value) -> Result<String, String> {
        self.env
            .get_template(name)
            .and_then(|t| t.render(ctx))
            .map_err(|e| format!("template {name}: {e}"))
    }

    /// Steps of a host in one phase that a bundle runs (notes stay in the checklist).
    pub fn bundle_steps<'a>(plan: &'a Plan, host: &'a str, phase: Phase) -> Vec<&'a Step> {
        plan.steps_for(host, phase)
            .filter(|s| s.kind != StepKind::Note)
            .collect()
    }

    /// Every file of one server's bundle except SHA256SUMS.
    pub fn host_bundle(
        &self,
        plan: &Plan,
        host: &PlanHost,
        payloads: Option<&Payloads>,
    ) -> Result<Vec<BundleFile>, String> {
        let mut files = Vec::new();
        for (path, text, mode) in RUNTIME {
            files.push(BundleFile {
                path: path.to_string(),
                mode: *mode,
                content: Content::Text(text.to_string()),
            });
        }
        let mut carried: BTreeMap<String, PayloadInfo> = BTreeMap::new();
        let mut tables = Vec::new();
        for (phase, dir) in [(Phase::Run, "steps"), (Phase::Rollback, "rollback")] {
            let steps = Self::bundle_steps(plan, &host.name, phase);
            for (n, step) in steps.iter().enumerate() {
                let stem = format!("{dir}/{:04}", n + 1);
                let (script, extra) =
                    self.step_script(plan, host, step, &stem, payloads, &mut carried)?;
                files.push(BundleFile {
                    path: format!("{stem}.sh"),
                    mode: 0o644,
                    content: Content::Text(script),
                });
                files.extend(extra);
            }
            tables.push(steps);
        }
        for (name, info) in carried {
            files.push(BundleFile {
                path: format!("payloads/{name}"),
                mode: 0o644,
                content: Content::Payload {
                    path: info.path,
                    sha256: info.sha256,
                },
            });
        }
        let table = |steps: &[&Step], host: &str| -> Value {
            let gate: Vec<String> = steps
                .iter()
                .map(|s| {
                    s.gates
                        .iter()
                        .find(|g| g.host == host)
                        .map(|g| gate_text(plan, g))
                        .unwrap_or_default()
                })
                .collect();
            // A converge step whose state a later step of this host changes on purpose (`chmod +w`
            // then `chmod -w`): the runner says so instead of offering to apply it again.
            let later: Vec<String> = steps
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mine = state_keys(&s.action);
                    steps[i + 1..]
                        .iter()
                        .rev()
                        .find(|t| state_keys(&t.action).iter().any(|k| mine.contains(k)))
                        .map(|t| format!("{}\t{}", t.id, comment(t.summary.clone())))
                        .unwrap_or_default()
                })
                .collect();
            context! {
                count => steps.len(),
                later => quote::quote_array(&later),
                id => quote::quote_array(&steps.iter().map(|s| s.id.clone()).collect::<Vec<_>>()),
                kind => quote::quote_array(&steps.iter().map(|s| kind_word(effective_kind(s)).to_string()).collect::<Vec<_>>()),
                section => quote::quote_array(&steps.iter().map(|s| s.section.clone()).collect::<Vec<_>>()),
                title => quote::quote_array(&steps.iter().map(|s| s.section_title.clone()).collect::<Vec<_>>()),
                summary => quote::quote_array(&steps.iter().map(|s| comment(s.summary.clone())).collect::<Vec<_>>()),
                gate => quote::quote_array(&gate),
            }
        };
        let names: Vec<String> = std::iter::once(host.name.clone())
            .chain(host.aliases.iter().cloned())
            .collect();
        let bundle = self.render(
            "bundle",
            context! {
                runbook => plan.runbook.clone(),
                host => quote::quote(&host.name),
                names => quote::quote(&names.join(" ")),
                ips => quote::quote(host.ip.as_deref().unwrap_or("")),
                run => table(&tables[0], &host.name),
                rb => table(&tables[1], &host.name),
                stretch => quote::quote_array(&crate::fleet::host_steps(plan, &host.name).iter().map(|s| s.stretch.to_string()).collect::<Vec<_>>()),
                rb_stretch => quote::quote_array(&crate::fleet::host_rollback_steps(plan, &host.name).iter().map(|s| s.stretch.to_string()).collect::<Vec<_>>()),
                chapter_paths => quote::quote(&chapter_paths(&tables[1]).join("\n")),
            },
        )?;
        files.push(BundleFile {
            path: "bundle.sh".into(),
            mode: 0o644,
            content: Content::Text(bundle),
        });
        let readme = self.render(
            "readme",
            context! { host => host.name.clone(), ip => host.ip.clone().unwrap_or_default(), runbook => plan.runbook.clone(),
                       run_steps => tables[0].len(), rollback_steps => tables[1].len() },
        )?;
        files.push(BundleFile {
            path: "README.txt".into(),
            mode: 0o644,
            content: Content::Text(readme),
        });
        Ok(files)
    }

    fn step_script(
        &self,
        plan: &Plan,
        host: &PlanHost,
        step: &Step,
        stem: &str,
        payloads: Option<&Payloads>,
        carried: &mut BTreeMap<String, PayloadInfo>,
    ) -> Result<(String, Vec<BundleFile>), String> {
        let header = self.render(
            "_header",
            context! { s => step, runbook => plan.runbook.clone() },
        )?;
        let mut extra = Vec::new();
        let data_file = |ext: &str| format!("files/{}.{ext}", stem.replace('/', "-"));
        let cwd = step.cwd.clone().unwrap_or_else(|| "/root".into());
        let mut ctx = BTreeMap::<&str, Value>::new();
        ctx.insert("s", Value::from_serialize(step));
        ctx.insert("a", Value::from_serialize(&step.action));
        ctx.insert("cwd", Value::from(cwd.clone()));
        ctx.insert("kind", Value::from(kind_word(effective_kind(step))));
        let mut put = |ext: &str, content: String, mode: u32| -> String {
            let f = data_file(ext);
            extra.push(BundleFile {
                path: f.clone(),
                mode,
                content: Content::Text(content),
            });
            f
        };
        // A step the runbook asks a person to do, or that rbc turned manual: show it, with its source.
        let template = if step.kind == StepKind::Manual {
            let instruction = match &step.action {
                Action::Manual { instruction }
                    if !step.source.is_empty() && !step.source.contains(instruction.as_str()) =>
                {
                    format!(
                        "{instruction}\n\n--- runbook, line {} ---\n{}\n",
                        step.line, step.source
                    )
                }
                Action::Manual { instruction } if step.source.is_empty() => {
                    format!("{instruction}\n")
                }
                // A command rbc keeps for a person (destructive, or its host unknown): said plainly.
                _ => format!(
                    "{}\n{}\n\n--- runbook, line {} ---\n{}\n",
                    crate::plan::BY_HAND,
                    step.summary,
                    step.line,
                    step.source
                ),
            };
            let f = put("txt", instruction, 0o644);
            ctx.insert("file", Value::from(f));
            "manual"
        } else {
            // An edit that puts a credential in a file: the file is 0600 whatever the edit, and
            // so is the bundle's copy of the content (SPEC §5.1).
            let secret = match &step.action {
                Action::AppendBlock { path, content }
                | Action::PrependBlock { path, content }
                | Action::ConfBlocks { path, content, .. }
                | Action::XmlElement { path, content, .. } => is_secret_edit(path, content),
                Action::EnsureLines { path, lines } | Action::IniSet { path, lines, .. } => {
                    is_secret_edit(path, &lines.join("\n"))
                }
                Action::ReplaceLine { path, new, .. } => is_secret_edit(path, new),
                _ => false,
            };
            ctx.insert("secret", Value::from(secret));
            let data_mode = if secret { 0o600 } else { 0o644 };
            match &step.action {
                Action::AppendBlock { content, .. } | Action::PrependBlock { content, .. } => {
                    let f = put("block", content.clone(), data_mode);
                    ctx.insert("file", Value::from(f));
                }
                Action::ConfBlocks {
                    content, replace, ..
                } => {
                    let f = put("conf", content.clone(), data_mode);
                    ctx.insert("file", Value::from(f));
                    let mode = if *replace { "replace" } else { "add" };
                    ctx.insert("mode", Value::from(mode));
                }
                Action::XmlElement { content, fill, .. } => {
                    let f = put("xml", content.clone(), data_mode);
                    ctx.insert("file", Value::from(f));
                    ctx.insert("mode", Value::from(if *fill { "fill" } else { "replace" }));
                }
                Action::EnsureLines { lines, .. } | Action::IniSet { lines, .. } => {
                    let f = put("lines", lines.join("\n") + "\n", data_mode);
                    ctx.insert("file", Value::from(f));
                }
                Action::FirewallRules { rules, .. } => {
                    let f = put("rules", rules.join("\n") + "\n", 0o644);
                    ctx.insert("file", Value::from(f));
                }
                Action::WriteFile { path, content } => {
                    let secret = is_secret(path, content);
                    let f = put(
                        "content",
                        content.clone(),
                        if secret { 0o600 } else { 0o644 },
                    );
                    ctx.insert("file", Value::from(f));
                    ctx.insert("mode", Value::from(if secret { "0600" } else { "" }));
                }
                Action::Sql {
                    statements,
                    database,
                    ..
                } => {
                    let body: String = statements
                        .iter()
                        .map(|s| format!("{};\n", s.trim_end_matches(';')))
                        .collect();
                    let f = put("sql", body, 0o644);
                    ctx.insert("file", Value::from(f));
                    ctx.insert("db", Value::from(database.clone().unwrap_or_default()));
                }
                Action::ServiceRestart { name, .. } => {
                    ctx.insert("tag", Value::from(format!("restart-{name}")));
                }
                Action::StopProcesses { pattern, .. } => {
                    let one = crate::lexicon::GENERIC_PROGRAMS.contains(&pattern.trim());
                    ctx.insert("one", Value::from(one));
                }
                // A look that ends in grep: finding no line is an answer, not a failure.
                Action::Probe { command } => {
                    let last = command.rsplit('|').next().unwrap_or("").trim_start();
                    let prog = last.split_whitespace().next().unwrap_or("");
                    let grep = command.contains('|') && matches!(prog, "grep" | "egrep" | "fgrep");
                    ctx.insert("grep", Value::from(grep));
                }
                // The rollback chapter's `mv OLD NEW` finds NEW there again when a step of the run
                // made it (a new version unpacked, by hand or not): the step that did, so that
                // rollback.sh moves the run's own folder aside (or says how to).
                Action::Rename { to, .. } if step.phase == Phase::Rollback => {
                    if let Some(owner) = maker_of(plan, &host.name, to) {
                        ctx.insert("owner", Value::from(owner.id.clone()));
                    }
                }
                // Files a command writes are backed up first, so rollback.sh can put them back.
                Action::Run { command } => {
                    ctx.insert(
                        "touched",
                        Value::from(classify::files_written(command, &cwd)),
                    );
                }
                Action::StartDetached {
                    command,
                    dir,
                    pattern,
                } => {
                    let in_dir = dir.as_deref() == Some(pattern.as_str());
                    ctx.insert("in_dir", Value::from(in_dir));
                    // rollback.sh stops what the run started, the runbook's own way when it has one.
                    if let Some((stop, stop_dir)) = stop_idiom(plan, &step.action, &cwd) {
                        ctx.insert("stop", Value::from(stop));
                        ctx.insert("stop_dir", Value::from(stop_dir));
                    }
                    ctx.insert("login_command", Value::from(format!("set +eu; [ -r /etc/profile ] && . /etc/profile >/dev/null 2>&1; {command}")));
                }
                Action::Payload { file, dir } => {
                    let target = format!("{}/{file}", dir.trim_end_matches('/'));
                    let (sha, size) = match payloads.and_then(|p| p.get(file)) {
                        Some(info) => {
                            carried.insert(file.clone(), info.clone());
                            (info.sha256.clone(), info.size.to_string())
                        }
                        None => ("-".to_string(), "-".to_string()),
                    };
                    ctx.insert("target", Value::from(target));
                    ctx.insert("sha", Value::from(sha));
                    ctx.insert("size", Value::from(size));
                }
                _ => {}
            }
            match (effective_kind(step), &step.action) {
                // A command asked to be a check only looks; a look asked to run once runs.
                (StepKind::Check, Action::Run { .. }) => "probe",
                (StepKind::Once, Action::Probe { .. }) => "run",
                (_, action) => op_name(action),
            }
        };
        let _ = host;
        let mut body = self.render(template, Value::from_serialize(&ctx))?;
        // A step that only edits files (each edit made on a copy and committed by the runtime):
        // `run.sh --dry-run --diff` runs its rbc_apply with nothing written, to show the diff.
        if matches!(
            template,
            "append_block"
                | "prepend_block"
                | "ensure_lines"
                | "firewall_rules"
                | "replace_line"
                | "ini_set"
                | "conf_blocks"
                | "xml_element"
                | "write_file"
                | "chmod"
        ) {
            body.push_str(
                "# run.sh --dry-run --diff: the edit on a copy, shown as a diff; nothing is written.\nrbc_diff() {\n\trbc_apply\n}\n",
            );
        }
        let script = format!(
            "{header}# shellcheck source=/dev/null\n. \"$RBC_BUNDLE_DIR\"/lib/steps.sh\n{body}"
        );
        Ok((script, extra))
    }

    /// The jump host's bundle: distribute.sh copies every host's bundle to it and checks the copy.
    pub fn jump_bundle(
        &self,
        plan: &Plan,
        jump: &str,
        bundles: &[(String, String, String)],
    ) -> Result<Vec<BundleFile>, String> {
        let names: Vec<String> = bundles.iter().map(|b| b.0.clone()).collect();
        let ips: Vec<String> = bundles.iter().map(|b| b.1.clone()).collect();
        let sums: Vec<String> = bundles.iter().map(|b| b.2.clone()).collect();
        let script = self.render(
            "distribute",
            context! {
                runbook => plan.runbook.clone(),
                jump => quote::quote(jump),
                names => quote::quote_array(&names),
                ips => quote::quote_array(&ips),
                sums => quote::quote_array(&sums),
            },
        )?;
        let readme = self.render("readme", context! { host => jump.to_string(), jump => true, runbook => plan.runbook.clone(), hosts => names })?;
        Ok(vec![
            BundleFile {
                path: "distribute.sh".into(),
                mode: 0o755,
                content: Content::Text(script),
            },
            BundleFile {
                path: "README.txt".into(),
                mode: 0o644,
                content: Content::Text(readme),
            },
        ])
    }
}

/// The kind the runtime runs a step as: converge needs a check, so actions without one run once.
pub fn effective_kind(step: &Step) -> StepKind {
    match (step.kind, &step.action) {
        (
            StepKind::Converge,
            Action::Run { .. }
            | Action::Dump { .. }
            | Action::Probe { .. }
            | Action::ReadValue { .. }
            | Action::TailLog { .. },
        ) => StepKind::Once,
        (StepKind::Converge, Action::ServiceRestart { watch, .. }) if watch.is_empty() => {
            StepKind::Once
        }
        (StepKind::Converge, Action::Sql { .. }) => StepKind::Once,
        (StepKind::Check, Action::Dump { .. }) => StepKind::Once,
        (kind, _) => kind,
    }
}

fn kind_word(k: StepKind) -> &'static str {
    match k {
        StepKind::Converge => "converge",
        StepKind::Once => "once",
        StepKind::Check => "check",
        StepKind::Manual => "manual",
        StepKind::Note => "note",
    }
}

/// The paths the rollback chapter's steps read or move away (absolute, as their working
/// directory resolves them): the source of a `mv`, what a command copies or reads, an archive.
/// rollback.sh's undo of the run leaves these to the chapter: the writer's backup it restores
/// from is not removed first, a rename it reverses is not reversed twice. What the chapter only
/// writes or renames into (`mv /srv/app_bak /srv/app` after a new /srv/app was unpacked) is not
/// in the list: the undo clears it, so the chapter's rename finds its place free.
pub fn chapter_paths(steps: &[&Step]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in steps {
        let cwd = s.cwd.as_deref().unwrap_or("/root");
        let mut add = |p: &str| {
            let p = classify::resolve(cwd, p).trim_end_matches('/').to_string();
            if p.starts_with('/') && p.len() > 1 && !p.contains('\n') && !out.contains(&p) {
                out.push(p);
            }
        };
        match &s.action {
            Action::Rename { from, .. } => add(from),
            Action::Extract { archive, .. } | Action::ReadValue { path: archive, .. } => {
                add(archive)
            }
            Action::Run { command } | Action::Probe { command } => {
                let written: Vec<String> = classify::files_written(command, cwd);
                for w in shlex::split(command).unwrap_or_default().iter().skip(1) {
                    if w.starts_with('-') || w.contains("://") || !w.contains('/') {
                        continue;
                    }
                    let p = classify::resolve(cwd, w);
                    if !written
                        .iter()
                        .any(|x| x.trim_end_matches('/') == p.trim_end_matches('/'))
                    {
                        add(w);
                    }
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
    out.sort();
    out
}

/// The program a command line runs: its first word after `nohup`, `sh`/`bash`, `env` and
/// variable assignments.
fn program_of(command: &str) -> Option<String> {
    let words = shlex::split(command)
        .unwrap_or_else(|| command.split_whitespace().map(str::to_string).collect());
    words
        .into_iter()
        .find(|w| {
            let wrapper = matches!(
                w.as_str(),
                "nohup" | "sh" | "bash" | "env" | "exec" | "setsid"
            );
            let assignment = w.contains('=') && !w.starts_with('/');
            !wrapper && !assignment && !w.starts_with('-')
        })
        .map(|w| w.trim_end_matches('&').to_string())
        .filter(|w| !w.is_empty())
}

/// The name a family of programs shares: `rabbitmq` for `rabbitmq-server` and `rabbitmqctl`,
/// `redis` for `redis-server` and `redis-cli`. None for a name too short or too common to say
/// which application it is (`java`, `sh`).
fn program_stem(program: &str) -> Option<String> {
    let base = program.rsplit('/').next().unwrap_or(program);
    let base = base.strip_suffix(".sh").unwrap_or(base);
    let first = base.split(['-', '_', '.']).next().unwrap_or(base);
    let stem = first.strip_suffix("ctl").unwrap_or(first);
    let stem = if stem.len() > 4 {
        stem.strip_suffix('d').unwrap_or(stem)
    } else {
        stem
    };
    (stem.len() >= 3 && !crate::lexicon::GENERIC_PROGRAMS.contains(&stem)).then(|| stem.to_string())
}

/// The runbook's own way to stop what a start step starts, anywhere in the runbook (any host,
/// the run or the rollback chapter): a command of the same program family whose argument is
/// `stop` or `shutdown` (`rabbitmqctl stop` for `rabbitmq-server -detached`, `nginx -s stop`,
/// `redis-cli shutdown`), or the `shutdown.sh`/`stop.sh` beside the `startup.sh` it runs.
/// Returns the command and the folder to run it from.
pub fn stop_idiom(plan: &Plan, start: &Action, cwd: &str) -> Option<(String, String)> {
    let Action::StartDetached {
        command,
        dir,
        pattern,
    } = start
    else {
        return None;
    };
    let start_dir = dir.clone().unwrap_or_else(|| cwd.to_string());
    let start_prog = program_of(command)?;
    let start_path = classify::resolve(&start_dir, &start_prog);
    // The application's folder: the pattern when it is a path, else the start script's folder.
    let app_root = |path: &str| -> String {
        let d = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
        d.strip_suffix("/bin").unwrap_or(d).to_string()
    };
    let root = if pattern.starts_with('/') {
        pattern.trim_end_matches('/').to_string()
    } else {
        app_root(&start_path)
    };
    let stem = program_stem(&start_prog);
    plan.steps.iter().find_map(|s| {
        let Action::Run { command: stop } = &s.action else {
            return None;
        };
        let scwd = s.cwd.clone().unwrap_or_else(|| start_dir.clone());
        let prog = program_of(stop)?;
        let base = prog.rsplit('/').next().unwrap_or(&prog);
        let script =
            base.ends_with(".sh") && (base.starts_with("shutdown") || base.starts_with("stop"));
        if script && root.len() > 1 && app_root(&classify::resolve(&scwd, &prog)) == root {
            return Some((stop.clone(), scwd));
        }
        let words: Vec<&str> = stop.split_whitespace().collect();
        let stops = words
            .iter()
            .skip(1)
            .any(|w| matches!(*w, "stop" | "shutdown" | "--shutdown"));
        let start_base = start_prog.rsplit('/').next().unwrap_or(&start_prog);
        let interpreter = matches!(
            start_base,
            "java" | "python" | "python2" | "python3" | "node" | "ruby" | "perl" | "php"
        );
        let family =
            (stem.is_some() && program_stem(&prog) == stem) || (base == start_base && !interpreter);
        (stops && family).then(|| (stop.clone(), scwd))
    })
}

/// The last step of run.sh on `host` that makes the folder `path`: an archive unpacked into its
/// parent that holds it, a `mkdir`, or a rename to it (done by rbc or, for a manual step, by hand).
fn maker_of<'a>(plan: &'a Plan, host: &'a str, path: &str) -> Option<&'a Step> {
    let path = path.trim_end_matches('/');
    plan.steps_for(host, Phase::Run)
        .filter(|s| s.kind != StepKind::Note)
        .filter(|s| {
            let cwd = s.cwd.as_deref().unwrap_or("/root");
            // A command rbc made manual (a lint finding) is still what the person does by hand.
            let by_hand;
            let action = match &s.action {
                Action::Manual { .. } if !s.text.contains('\n') && !s.text.is_empty() => {
                    by_hand = classify::command(&s.text, cwd).action;
                    &by_hand
                }
                a => a,
            };
            match action {
                Action::Extract { archive, dir } => {
                    let base = archive.rsplit('/').next().unwrap_or(archive);
                    crate::lint::unpacked_dir(base).is_some_and(|top| {
                        format!(
                            "{}/{top}",
                            classify::resolve(cwd, dir).trim_end_matches('/')
                        ) == path
                    })
                }
                Action::Mkdir { path: p } | Action::Rename { to: p, .. } => {
                    classify::resolve(cwd, p).trim_end_matches('/') == path
                }
                _ => false,
            }
        })
        .last()
}

/// The template of an action: its serde tag.
fn op_name(action: &Action) -> &'static str {
    match action {
        Action::Run { .. } => "run",
        Action::Probe { .. } => "probe",
        Action::ReadValue { .. } => "read_value",
        Action::RpmInstall { .. } => "rpm_install",
        Action::PackageInstall { .. } => "package_install",
        Action::AppendBlock { .. } => "append_block",
        Action::PrependBlock { .. } => "prepend_block",
        Action::EnsureLines { .. } => "ensure_lines",
        Action::FirewallRules { .. } => "firewall_rules",
        Action::ReplaceLine { .. } => "replace_line",
        Action::IniSet { .. } => "ini_set",
        Action::ConfBlocks { .. } => "conf_blocks",
        Action::XmlElement { .. } => "xml_element",
        Action::WriteFile { .. } => "write_file",
        Action::Extract { .. } => "extract",
        Action::Rename { .. } => "rename",
        Action::Mkdir { .. } => "mkdir",
        Action::Chmod { .. } => "chmod",
        Action::StopProcesses { .. } => "stop_processes",
        Action::StartDetached { .. } => "start_detached",
        Action::Service { .. } => "service",
        Action::ServiceRestart { .. } => "service_restart",
        Action::TailLog { .. } => "tail_log",
        Action::Sql { .. } => "sql",
        Action::Dump { .. } => "dump",
        Action::Payload { .. } => "payload",
        Action::WriteValue { .. } => "write_value",
        Action::CronEntry { .. } => "cron_entry",
        Action::Manual { .. } | Action::Note => "manual",
    }
}
