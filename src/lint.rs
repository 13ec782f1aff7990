//! The lint: writers' mistakes that read fine to people but break the change (codes L001–L009).
//! Reads the typed plan (what each step creates, uses, uploads, dumps) and the code as written.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::classify::{self, Line};
use crate::diagnostic::Diagnostic;
use crate::document::{Document, ElementKind};
use crate::inventory;
use crate::plan::{Action, HostKind, Phase, Plan, Step, StepKind};
use crate::source::Source;

// ---- word tables ------------------------------------------------------------------------------

/// Top-level directories: `home/x` or `./usr/x` without a leading `/` was surely meant as
/// absolute (L006). `bin`/`lib` are left out: `bin/startup.sh` inside an app directory is normal.
const TOP_DIRS: &[&str] = &["home", "usr", "etc", "opt", "var", "root", "tmp", "srv"];

/// Of those, the ones no application directory has inside it, so even a deep working
/// directory does not make them plausible as relative paths.
const NEVER_NESTED: &[&str] = &["home", "root"];

/// Database clients that read `-pSECRET` as a password glued to `-p` (L004).
const PASSWORD_CLIENTS: &[&str] = &[
    "mysql",
    "mysqldump",
    "mysqladmin",
    "mysqlimport",
    "mysqlcheck",
    "mysqlshow",
    "mariadb",
    "mariadb-dump",
];

/// Extensions made of two parts; otherwise a file's extension is its last `.part`.
const DOUBLE_EXTENSIONS: &[&str] = &[".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".sql.gz"];

/// Archive suffixes stripped to guess the directory an archive unpacks to (`app-1.2.tar.gz` → `app-1.2`).
const ARCHIVE_SUFFIXES: &[&str] = &[
    ".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst", ".tgz", ".tbz2", ".txz", ".tar", ".zip",
];

/// Programs that run the script named after them (`sh startup.sh`).
const SCRIPT_RUNNERS: &[&str] = &["sh", "bash", "source", ".", "python", "perl"];

// ---- entry point ------------------------------------------------------------------------------

/// All lint findings for a compiled runbook, in no particular order (the caller sorts).
pub fn lint(source: &Source, doc: &Document, plan: &Plan) -> Vec<Diagnostic> {
    let effects: Vec<Effects> = plan.steps.iter().map(effects).collect();
    let created = effects
        .iter()
        .flat_map(|fx| {
            fx.created
                .iter()
                .map(|(p, _)| p)
                .chain(fx.moved.iter().map(|(_, to)| to))
        })
        .cloned()
        .collect();
    let mut l = Linter {
        source,
        doc,
        plan,
        effects,
        created,
        found: BTreeMap::new(),
        claimed: HashMap::new(),
    };
    let lines = code_lines(source, doc);
    let cwd_at = plan
        .steps
        .iter()
        .filter_map(|s| s.cwd.clone().map(|c| (s.line, c)))
        .collect::<HashMap<_, _>>();
    for cl in &lines {
        l.glued_password(cl);
        l.doubled_extension(cl);
        l.relative_top_dir(cl, cwd_at.get(&cl.line).map(String::as_str));
    }
    l.doubled_artifacts();
    l.backup_names(&lines);
    l.not_uploaded();
    l.paths_and_renames();
    l.host_spellings();
    l.found.into_values().collect()
}

/// One line of a code block, with the byte offset where it starts in the source.
struct CodeLine<'s> {
    line: usize,
    start: usize,
    text: &'s str,
}

fn code_lines<'s>(source: &'s Source, doc: &Document) -> Vec<CodeLine<'s>> {
    let mut out = Vec::new();
    for e in &doc.elements {
        if let ElementKind::Code {
            content,
            first_line,
            ..
        } = &e.kind
        {
            for line in *first_line..*first_line + content.lines().count() {
                out.push(CodeLine {
                    line,
                    start: source.line_start(line),
                    text: source.line_text(line),
                });
            }
        }
    }
    out
}

struct Linter<'a> {
    source: &'a Source,
    doc: &'a Document,
    plan: &'a Plan,
    /// What each step of the plan does to paths, by step index.
    effects: Vec<Effects>,
    /// Every path some step creates (written, unpacked, made, renamed to, uploaded, dumped).
    created: BTreeSet<String>,
    /// Findings by (code, span start): one diagnostic per place and rule.
    found: BTreeMap<(usize, &'static str), Diagnostic>,
    /// Text already diagnosed by a more specific rule, by line: L001 leaves it alone.
    claimed: HashMap<usize, Vec<String>>,
}

impl Linter<'_> {
    fn report(&mut self, code: &'static str, span: Range<usize>, message: String, help: String) {
        let line = self.source.line_of(span.start);
        self.claimed
            .entry(line)
            .or_default()
            .push(self.source.text[span.clone()].to_string());
        let d = Diagnostic::warning(code, message)
            .at(self.source, span.clone())
            .help(help);
        self.found.entry((span.start, code)).or_insert(d);
    }

    fn is_claimed(&self, line: usize, path: &str) -> bool {
        self.claimed.get(&line).is_some_and(|ts| {
            ts.iter()
                .any(|t| path.contains(t.as_str()) || t.contains(basename(path)))
        })
    }

    /// The span of `needle` at or after the start of `line`, within the element there.
    fn locate(&self, line: usize, needle: &str) -> Option<Range<usize>> {
        if needle.is_empty() {
            return None;
        }
        let from = self.source.line_start(line);
        let to = self
            .doc
            .elements
            .iter()
            .find(|e| e.span.start <= from && from < e.span.end)
            .map(|e| e.span.end)
            .unwrap_or(from + self.source.line_text(line).len())
            .min(self.source.text.len());
        let window = self.source.text.get(from..to)?;
        let mut fallback = None;
        for (i, _) in window.match_indices(needle) {
            let before = window[..i].chars().next_back();
            let after = window[i + needle.len()..].chars().next();
            let bounded = !before.is_some_and(is_path_char) && !after.is_some_and(is_path_char);
            let range = from + i..from + i + needle.len();
            if bounded {
                return Some(range);
            }
            fallback.get_or_insert(range);
        }
        fallback
    }

    /// The span of a path on a line: as written, else its tail as written relative to a `cd`.
    fn locate_path(&self, line: usize, path: &str) -> Option<Range<usize>> {
        self.locate(line, path).or_else(|| {
            let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
            (0..parts.len()).find_map(|i| self.locate(line, &parts[i..].join("/")))
        })
    }

    fn line_span(&self, line: usize) -> Range<usize> {
        let start = self.source.line_start(line);
        start..start + self.source.line_text(line).len()
    }

    // ---- L004: `-p` glued to the next option ---------------------------------------------------

    fn glued_password(&mut self, cl: &CodeLine) {
        let words = words_with_offsets(cl.text);
        let mut in_client = false;
        for (at, w) in words {
            if matches!(w, "|" | ";" | "&&" | "||" | "<" | ">") {
                in_client = false;
                continue;
            }
            if PASSWORD_CLIENTS.contains(&basename(w)) {
                in_client = true;
                continue;
            }
            if in_client && w.starts_with("-p-") && w.len() > 3 {
                let option = &w[2..];
                self.report(
                    "L004",
                    cl.start + at..cl.start + at + w.len(),
                    format!("`{w}`: `{option}` is read as the password, not as an option"),
                    format!("put a space after `-p` (`-p {option}`) so that the client asks for the password"),
                );
            }
        }
    }

    // ---- L005: a doubled extension -----------------------------------------------------------

    fn doubled_extension(&mut self, cl: &CodeLine) {
        for (at, token) in path_tokens(cl.text) {
            if let Some(single) = undoubled(token) {
                self.report(
                    "L005",
                    cl.start + at..cl.start + at + token.len(),
                    format!("`{}` has its extension twice", basename(token)),
                    self.doubled_help(&single),
                );
            }
        }
    }

    fn doubled_artifacts(&mut self) {
        for a in &self.plan.artifacts {
            if let Some(single) = undoubled(&a.file) {
                let span = self
                    .locate(a.line, &a.file)
                    .unwrap_or_else(|| self.line_span(a.line));
                let help = self.doubled_help(&single);
                self.report(
                    "L005",
                    span,
                    format!("`{}` has its extension twice", a.file),
                    help,
                );
            }
        }
    }

    fn doubled_help(&self, single: &str) -> String {
        let name = basename(single);
        let uploaded = self
            .plan
            .artifacts
            .iter()
            .find(|a| a.file.eq_ignore_ascii_case(name));
        match uploaded {
            Some(a) => format!(
                "the file uploaded at line {} is `{}`; write `{}{}`",
                a.line,
                a.file,
                &single[..single.len() - name.len()],
                a.file
            ),
            None => format!("write `{single}`, unless the file is really named so"),
        }
    }

    // ---- L006: a relative path that was meant to be absolute ------------------------------------

    fn relative_top_dir(&mut self, cl: &CodeLine, cwd: Option<&str>) {
        if cwd == Some("/") {
            return;
        }
        for (at, token) in path_tokens(cl.text) {
            let (rest, dotted) = match token.strip_prefix("./") {
                Some(r) => (r, true),
                None => (token, false),
            };
            let Some((top, _)) = rest.split_once('/') else {
                continue;
            };
            if !TOP_DIRS.contains(&top) {
                continue;
            }
            let before = cl.text[..at].chars().next_back();
            let value = matches!(before, Some(':' | '='));
            let word = before.map_or(true, |c| c.is_whitespace() || c == '"' || c == '\'');
            let shallow = match cwd {
                None => true,
                Some(c) => c.trim_end_matches('/').matches('/').count() <= 1,
            };
            let meant = if dotted || value {
                true
            } else if word && cwd.is_some() {
                shallow || NEVER_NESTED.contains(&top)
            } else {
                false
            };
            if meant {
                let absolute = format!("/{rest}");
                let from = match cwd {
                    Some(c) => format!("`{c}`, the working directory there"),
                    None => "whatever directory the program runs in".to_string(),
                };
                self.report(
                    "L006",
                    cl.start + at..cl.start + at + token.len(),
                    format!("`{token}` is a relative path: it resolves against {from}, not `/`"),
                    format!("write `{absolute}`"),
                );
            }
        }
    }

    // ---- L003: a backup written under one name, restored under another -------------------------

    fn backup_names(&mut self, lines: &[CodeLine]) {
        let dumps: Vec<(usize, String, Vec<String>)> = self
            .plan
            .steps
            .iter()
            .filter_map(|s| match &s.action {
                Action::Dump { command, output } => {
                    Some((s.line, output.clone(), dumped_databases(command)))
                }
                _ => None,
            })
            .collect();
        if dumps.is_empty() {
            return;
        }
        let outputs: BTreeSet<&str> = dumps.iter().map(|(_, o, _)| o.as_str()).collect();
        let uploaded: BTreeSet<&str> = self
            .plan
            .artifacts
            .iter()
            .map(|a| a.file.as_str())
            .collect();
        let created = &self.created;
        let mut findings = Vec::new();
        for cl in lines {
            let earlier: Vec<_> = dumps.iter().filter(|(l, ..)| *l < cl.line).collect();
            if earlier.is_empty() {
                continue;
            }
            // Files: a name with the backup's extension that no step writes or uploads.
            for (at, token) in path_tokens(cl.text) {
                let name = basename(token);
                if outputs.contains(token)
                    || uploaded.contains(name)
                    || created.contains(token)
                    || undoubled(token).is_some()
                {
                    continue;
                }
                let twin = earlier.iter().find(|(_, out, _)| {
                    let (dir, out_name) = split_dir(out);
                    extension(out_name) == extension(name)
                        && name != out_name
                        && (!token.contains('/') || split_dir(token).0 == dir)
                        && typo_twin(name, out_name)
                });
                if let Some((dump_line, out, _)) = twin {
                    findings.push((
                        cl.start + at..cl.start + at + token.len(),
                        format!("`{token}` is restored here, but the backup was written to `{out}` (line {dump_line})"),
                        format!("use the backup's name: `{out}`"),
                    ));
                }
            }
            // Databases: created, used, dropped or named on the client line.
            for (at, db) in databases_named(cl.text) {
                let twin = earlier.iter().find_map(|(l, _, dbs)| {
                    dbs.iter()
                        .find(|d| !d.eq_ignore_ascii_case(db) && typo_twin(db, d))
                        .map(|d| (l, d))
                });
                if let Some((dump_line, dumped)) = twin {
                    findings.push((
                        cl.start + at..cl.start + at + db.len(),
                        format!("database `{db}` here, but the backup at line {dump_line} is of `{dumped}`"),
                        format!("name the database that was dumped: `{dumped}`"),
                    ));
                }
            }
        }
        for (span, message, help) in findings {
            self.report("L003", span, message, help);
        }
    }

    // ---- L002: unpacked or run, never uploaded, while a near-identical file was ------------------

    fn not_uploaded(&mut self) {
        let created = &self.created;
        let uploaded: BTreeSet<&str> = self
            .plan
            .artifacts
            .iter()
            .map(|a| a.file.as_str())
            .collect();
        let mut findings = Vec::new();
        for step in self.plan.steps.iter().filter(|s| s.kind != StepKind::Note) {
            for (path, verb) in consumed_files(step) {
                let name = basename(&path);
                if uploaded.contains(name) || created.contains(&path) || undoubled(name).is_some() {
                    continue;
                }
                let twin = self.plan.artifacts.iter().find(|a| {
                    (step.hosts.is_empty() || a.hosts.iter().any(|h| step.hosts.contains(h)))
                        && file_twin(name, &a.file)
                });
                let Some(a) = twin else { continue };
                let Some(span) = self.locate_path(step.line, &path) else {
                    continue;
                };
                findings.push((
                    span,
                    format!(
                        "`{name}` is {verb} here but never uploaded; the upload at line {} has `{}`",
                        a.line, a.file
                    ),
                    format!("write `{}`, or upload `{name}` with the other files", a.file),
                ));
            }
        }
        for (span, message, help) in findings {
            self.report("L002", span, message, help);
        }
    }

    // ---- L001 (a path near one that exists) and L009 (a rename that nests) ----------------------

    fn paths_and_renames(&mut self) {
        let steps: Vec<(&Step, &Effects)> = [Phase::Run, Phase::Rollback]
            .into_iter()
            .flat_map(|phase| {
                self.plan
                    .steps
                    .iter()
                    .zip(&self.effects)
                    .filter(move |(s, _)| s.phase == phase && s.kind != StepKind::Note)
            })
            .collect();
        // What any step creates anywhere (a path created later is not a typo), and per host.
        let mut created_anywhere = Tree::default();
        let mut created_on: HashMap<&str, Tree> = HashMap::new();
        for (s, fx) in &steps {
            let made = fx.created.iter().map(|(p, k)| (p, *k));
            for (p, k) in made.chain(fx.moved.iter().map(|(_, to)| (to, Kind::Unknown))) {
                created_anywhere.add(p, k, s.line);
                for h in &s.hosts {
                    created_on.entry(h.as_str()).or_default().add(p, k, s.line);
                }
            }
        }
        let mut known: HashMap<&str, Tree> = HashMap::new();
        let mut near: BTreeMap<(usize, String), (String, String, usize)> = BTreeMap::new();
        // (line, target) → (source, line the target appeared at, it was an earlier `mv`'s target)
        let mut nests: BTreeMap<(usize, String), (String, usize, bool)> = BTreeMap::new();
        let empty = Tree::default();
        for (s, fx) in &steps {
            for h in &s.hosts {
                let tree = known.entry(h.as_str()).or_default();
                let made_here = created_on.get(h.as_str()).unwrap_or(&empty);
                // The working directory a `cd` reached exists; it is where relative names live.
                if let Some(cwd) = &s.cwd {
                    tree.add(cwd, Kind::Dir, s.line);
                }
                for used in &fx.used {
                    if self.is_claimed(s.line, used) || near.contains_key(&(s.line, used.clone())) {
                        continue;
                    }
                    match near_miss(used, tree, made_here, &created_anywhere)
                        .filter(|miss| !self.expected_version(s, miss))
                    {
                        Some(miss) => {
                            near.insert((s.line, used.clone()), miss);
                        }
                        None => tree.add(used, Kind::Unknown, s.line),
                    }
                }
                for p in &fx.removed {
                    tree.remove(p);
                }
                for (p, k) in &fx.created {
                    tree.add(p, *k, s.line);
                }
                if let Some((from, to)) = &fx.moved {
                    let earlier_move = tree.moved_to.get(to).copied();
                    if tree.kind(to) == Some(Kind::Dir) || earlier_move.is_some() {
                        let since = earlier_move.unwrap_or_else(|| tree.line_of(to));
                        nests.entry((s.line, to.clone())).or_insert((
                            from.clone(),
                            since,
                            earlier_move.is_some(),
                        ));
                    }
                    tree.rename(from, to, s.line);
                }
            }
        }
        for ((line, used), (wrong, right, right_line)) in near {
            let span = self
                .locate(line, &used)
                .or_else(|| self.locate_path(line, &used))
                .unwrap_or_else(|| self.line_span(line));
            self.report(
                "L001",
                span,
                format!("no step creates `{wrong}`, but line {right_line} has `{right}`"),
                format!(
                    "write `{}` if that is the one meant",
                    used.replacen(&wrong, &right, 1)
                ),
            );
        }
        for ((line, to), (from, since, moved_before)) in nests {
            let span = self
                .locate_path(line, &to)
                .unwrap_or_else(|| self.line_span(line));
            let inside = format!("`{to}/{}`", basename(&from));
            let message = if moved_before {
                format!("`{to}` is already there (line {since} moved something to it): this `mv` puts `{from}` inside it as {inside}, or overwrites it")
            } else {
                format!("`{to}` already exists here (since line {since}): `mv` puts `{from}` inside it as {inside} instead of renaming")
            };
            let help = if moved_before {
                format!("the `mv` at line {since} already made `{to}`: drop the repeat, or use another name")
            } else {
                format!("move the existing `{to}` aside first (`mv {to} {to}_new`) or remove it, then rename")
            };
            self.report("L009", span, message, help);
        }
    }

    /// A path in another version of one the runbook makes is expected, not a slip, in an upgrade:
    /// in the rollback (it goes back to the old version), on a line that also names the new one
    /// (`cp /opt/zk-3.4.6/conf/zoo.cfg /opt/zk-3.4.14/conf/`), or when the runbook's prose names
    /// that version (`由3.4.6升级到3.4.14`: the old one is installed).
    fn expected_version(&self, s: &Step, (wrong, right, _): &(String, String, usize)) -> bool {
        let (w, r) = (basename(wrong), basename(right));
        if !digit_twin(w, r) {
            return false;
        }
        if s.phase == Phase::Rollback || s.text.contains(right.as_str()) {
            return true;
        }
        static VERSION: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"[0-9]+(?:[._][0-9]+)+").unwrap());
        let prose = || {
            self.doc
                .elements
                .iter()
                .map(|e| e.text())
                .filter(|t| !t.is_empty())
        };
        VERSION
            .find_iter(w)
            .map(|m| m.as_str())
            .filter(|v| !r.contains(v))
            .any(|v| prose().any(|t| mentions_version(t, v)))
    }

    // ---- L007: one machine spelled two ways ----------------------------------------------------

    fn host_spellings(&mut self) {
        let hosts = &self.plan.hosts;
        let text = self.source.text.to_ascii_lowercase();
        let mut findings = Vec::new();
        // Only names with the same trailing number can be twins: pairs within those buckets
        // (in the order of the hosts), not every pair of hosts.
        let mut by_number: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, h) in hosts.iter().enumerate() {
            let number = &h.name[inventory::stem(&h.name).len()..];
            by_number.entry(number).or_default().push(i);
        }
        for (i, a) in hosts.iter().enumerate() {
            let number = &a.name[inventory::stem(&a.name).len()..];
            let later = by_number[number].iter().filter(|&&j| j > i);
            for b in later.map(|&j| &hosts[j]) {
                if a.ip.is_some() && a.ip == b.ip
                    || a.aliases.iter().any(|x| x.eq_ignore_ascii_case(&b.name))
                    || b.aliases.iter().any(|x| x.eq_ignore_ascii_case(&a.name))
                    || a.kind == HostKind::Physical && b.kind == HostKind::Server
                    || a.kind == HostKind::Server && b.kind == HostKind::Physical
                {
                    continue;
                }
                let (sa, sb) = (inventory::stem(&a.name), inventory::stem(&b.name));
                let same_number = a.name[sa.len()..] == b.name[sb.len()..];
                if !same_number || !typo_twin(sa, sb) {
                    continue;
                }
                let (na, nb) = (mentions(&text, &a.name), mentions(&text, &b.name));
                let (odd, usual, usual_count) = if na < nb { (a, b, nb) } else { (b, a, na) };
                let span = self
                    .locate_ci(odd.line, &odd.name)
                    .unwrap_or_else(|| self.line_span(odd.line));
                findings.push((
                    span,
                    format!(
                        "`{}` looks like `{}` (line {}) spelled another way",
                        odd.name, usual.name, usual.line
                    ),
                    format!(
                        "spell one machine one way (`{}` is written {usual_count} times); if they are two machines, give them clearly different names",
                        usual.name
                    ),
                ));
            }
        }
        for (span, message, help) in findings {
            self.report("L007", span, message, help);
        }
    }

    /// Case-insensitive `locate` on one line (host names are stored lowercase).
    fn locate_ci(&self, line: usize, needle: &str) -> Option<Range<usize>> {
        let start = self.source.line_start(line);
        let lower = self.source.line_text(line).to_ascii_lowercase();
        lower
            .find(&needle.to_ascii_lowercase())
            .map(|i| start + i..start + i + needle.len())
    }
}

// ---- what steps do to paths -------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Dir,
    File,
    Unknown,
}

#[derive(Default)]
struct Effects {
    used: Vec<String>,
    created: Vec<(String, Kind)>,
    moved: Option<(String, String)>,
    /// `rm -r` targets: gone afterwards.
    removed: Vec<String>,
}

fn effects(step: &Step) -> Effects {
    let mut fx = Effects::default();
    let mut used: Vec<&str> = Vec::new();
    let mentioned = |text: &str| classify::paths_in(text);
    let mut mentions: Vec<String> = Vec::new();
    match &step.action {
        Action::Run { command } | Action::Probe { command } => {
            mentions = mentioned(command);
            fx.removed = removed_by(command, step.cwd.as_deref().unwrap_or("/root"));
        }
        Action::RpmInstall { file } => used.push(file),
        Action::PrependBlock { path, .. }
        | Action::EnsureLines { path, .. }
        | Action::FirewallRules { path, .. }
        | Action::ReplaceLine { path, .. }
        | Action::IniSet { path, .. }
        | Action::ConfBlocks { path, .. }
        | Action::XmlElement { path, .. }
        | Action::Chmod { path, .. }
        | Action::TailLog { path }
        | Action::ReadValue { path, .. } => used.push(path),
        Action::Extract { archive, dir } => {
            used.push(archive);
            if let Some(top) = unpacked_dir(basename(archive)) {
                fx.created.push((join(dir, top), Kind::Dir));
            }
        }
        Action::StartDetached { command, dir, .. } => {
            mentions = mentioned(command);
            used.extend(dir.as_deref());
        }
        Action::Sql { statements, .. } => {
            mentions = statements.iter().flat_map(|s| mentioned(s)).collect()
        }
        Action::Rename { from, to } => {
            used.push(from);
            fx.moved = Some((clean(from), clean(to)));
        }
        Action::AppendBlock { path, .. }
        | Action::WriteFile { path, .. }
        | Action::WriteValue { path, .. }
        | Action::CronEntry { path, .. } => fx.created.push((clean(path), Kind::File)),
        Action::Mkdir { path } => fx.created.push((clean(path), Kind::Dir)),
        Action::Dump { output, .. } => fx.created.push((clean(output), Kind::File)),
        Action::Payload { file, dir } => fx.created.push((join(dir, file), Kind::File)),
        Action::PackageInstall { .. }
        | Action::StopProcesses { .. }
        | Action::Service { .. }
        | Action::ServiceRestart { .. }
        | Action::Manual { .. }
        | Action::Note => {}
    }
    fx.used = used
        .into_iter()
        .map(clean)
        .chain(mentions.iter().map(|p| clean(p)))
        .filter(|p| p.starts_with('/') && p.len() > 1 && !p.contains(['*', '$', '<']))
        .collect();
    fx
}

/// What an `rm -r` command line removes.
fn removed_by(command: &str, cwd: &str) -> Vec<String> {
    let words: Vec<&str> = command.split_whitespace().collect();
    match words.split_first() {
        Some((&"rm", args))
            if args
                .iter()
                .any(|a| a.starts_with('-') && a.contains(['r', 'R'])) =>
        {
            args.iter()
                .filter(|a| !a.starts_with('-') && !a.contains(['*', '$']))
                .map(|a| clean(&classify::resolve(cwd, a)))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Files a step unpacks or runs, with the verb for the message.
fn consumed_files(step: &Step) -> Vec<(String, &'static str)> {
    let cwd = step.cwd.as_deref().unwrap_or("/root");
    let script = |command: &str, cwd: &str| {
        let words: Vec<String> = shlex::split(command)
            .unwrap_or_else(|| command.split_whitespace().map(str::to_string).collect());
        let words: Vec<&str> = words
            .iter()
            .map(String::as_str)
            .skip_while(|w| *w == "nohup")
            .collect();
        let file = match words.as_slice() {
            [runner, file, ..] if SCRIPT_RUNNERS.contains(runner) => Some(*file),
            [program, ..] if program.contains('/') => Some(*program),
            _ => None,
        };
        file.map(|f| (classify::resolve(cwd, f), "run"))
    };
    match &step.action {
        Action::Extract { archive, .. } => vec![(archive.clone(), "unpacked")],
        Action::RpmInstall { file } => vec![(file.clone(), "installed")],
        Action::Run { command } => script(command, cwd).into_iter().collect(),
        Action::StartDetached { command, dir, .. } => {
            script(command, dir.as_deref().unwrap_or(cwd))
                .into_iter()
                .collect()
        }
        Action::Sql { statements, .. } => statements
            .iter()
            .filter_map(|s| {
                let s = s.trim();
                let rest = s
                    .strip_prefix("source ")
                    .or_else(|| s.strip_prefix("\\. "))?;
                Some((
                    classify::resolve(cwd, rest.trim().trim_end_matches(';')),
                    "run",
                ))
            })
            .collect(),
        Action::Probe { .. }
        | Action::ReadValue { .. }
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
        | Action::Rename { .. }
        | Action::Mkdir { .. }
        | Action::Chmod { .. }
        | Action::StopProcesses { .. }
        | Action::Service { .. }
        | Action::ServiceRestart { .. }
        | Action::TailLog { .. }
        | Action::Dump { .. }
        | Action::Payload { .. }
        | Action::Manual { .. }
        | Action::Note => Vec::new(),
    }
}

/// Paths known to exist on one host at one point of the run.
#[derive(Default)]
struct Tree {
    /// Each path's kind and the line of the step it was first seen at (for messages).
    paths: HashMap<String, (Kind, usize)>,
    children: HashMap<String, BTreeSet<String>>,
    /// Targets of earlier renames that are still there, with the rename's line.
    moved_to: HashMap<String, usize>,
}

impl Tree {
    fn add(&mut self, path: &str, kind: Kind, line: usize) {
        let mut path = clean(path);
        let mut kind = kind;
        loop {
            match self.paths.get_mut(&path) {
                Some((k, _)) if kind == Kind::Dir || *k == Kind::Unknown => *k = kind,
                Some(_) => {}
                None => {
                    self.paths.insert(path.clone(), (kind, line));
                }
            }
            let Some((parent, _)) = path.rsplit_once('/') else {
                return;
            };
            if parent.is_empty() {
                return;
            }
            let parent = parent.to_string();
            let new = self
                .children
                .entry(parent.clone())
                .or_default()
                .insert(path);
            if !new && self.kind(&parent) == Some(Kind::Dir) {
                return; // the ancestors are there already
            }
            path = parent;
            kind = Kind::Dir;
        }
    }

    fn has(&self, path: &str) -> bool {
        self.paths.contains_key(path)
    }

    fn kind(&self, path: &str) -> Option<Kind> {
        self.paths.get(path).map(|(k, _)| *k)
    }

    fn siblings<'t>(&'t self, path: &str) -> impl Iterator<Item = &'t String> + 't {
        let parent = split_dir(path).0;
        self.children.get(parent).into_iter().flatten()
    }

    /// Removes `path` and everything under it; returns what was removed.
    fn remove(&mut self, path: &str) -> Vec<(String, Kind)> {
        let mut out = Vec::new();
        let mut stack = vec![path.to_string()];
        while let Some(p) = stack.pop() {
            self.moved_to.remove(&p);
            if let Some((k, _)) = self.paths.remove(&p) {
                out.push((p.clone(), k));
            }
            if let Some(kids) = self.children.remove(&p) {
                stack.extend(kids);
            }
        }
        if let Some(siblings) = self.children.get_mut(split_dir(path).0) {
            siblings.remove(path);
        }
        out
    }

    fn rename(&mut self, from: &str, to: &str, line: usize) {
        let moved = self.remove(from);
        if moved.is_empty() {
            self.add(to, Kind::Unknown, line);
        }
        for (p, k) in moved {
            self.add(&format!("{to}{}", &p[from.len()..]), k, line);
        }
        self.moved_to.insert(to.to_string(), line);
    }

    fn line_of(&self, path: &str) -> usize {
        self.paths.get(path).map_or(0, |(_, line)| *line)
    }
}

/// The first component of `used` that exists nowhere while a near-identical sibling does:
/// (the wrong prefix, the existing one).
fn near_miss(
    used: &str,
    here: &Tree,
    made_here: &Tree,
    anywhere: &Tree,
) -> Option<(String, String, usize)> {
    if anywhere.has(used) {
        return None;
    }
    let mut prefix = String::new();
    for (depth, part) in used.split('/').filter(|p| !p.is_empty()).enumerate() {
        prefix.push('/');
        prefix.push_str(part);
        if here.has(&prefix) || anywhere.has(&prefix) {
            continue;
        }
        if depth == 0 {
            // `/usr` vs `/var`: top-level directories are never typos of each other.
            continue;
        }
        let similar = |q: &&String| {
            let q = basename(q);
            digit_twin(part, q) || typo_twin(part, q)
        };
        let near = here
            .siblings(&prefix)
            .find(similar)
            .map(|q| (q, here))
            .or_else(|| {
                made_here
                    .siblings(&prefix)
                    .find(similar)
                    .map(|q| (q, made_here))
            })
            .or_else(|| {
                anywhere
                    .siblings(&prefix)
                    .find(|q| digit_twin(part, basename(q)))
                    .map(|q| (q, anywhere))
            });
        return near.map(|(q, tree)| (prefix.clone(), q.clone(), tree.line_of(q)));
    }
    None
}

// ---- names and similarity -----------------------------------------------------------------------

fn is_path_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | '-' | '~' | '+')
}

/// Path-like tokens of a line with their byte offsets.
fn path_tokens(text: &str) -> Vec<(usize, &str)> {
    static TOKEN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9_./~+-]+").unwrap());
    TOKEN
        .find_iter(text)
        .map(|m| {
            let t = m.as_str().trim_end_matches('.');
            (m.start(), t)
        })
        .filter(|(_, t)| !t.is_empty())
        .collect()
}

/// Whitespace-separated words with their byte offsets.
fn words_with_offsets(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &text[s..i]));
                start = None;
            }
            (false, None) => start = Some(i),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &text[s..]));
    }
    out
}

fn clean(path: &str) -> String {
    let p = path.trim_end_matches('/');
    if p.is_empty() {
        "/".into()
    } else if p.contains("//") {
        p.replace("//", "/")
    } else {
        p.to_string()
    }
}

fn basename(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

/// (`/home`, `x.sql`) for `/home/x.sql`; the directory is empty for a bare name.
fn split_dir(path: &str) -> (&str, &str) {
    match path.rsplit_once('/') {
        Some(("", name)) => ("/", name),
        Some((dir, name)) => (dir, name),
        None => ("", path),
    }
}

fn join(dir: &str, name: &str) -> String {
    clean(&format!("{}/{name}", dir.trim_end_matches('/')))
}

/// The directory an archive probably unpacks to: its name without the archive suffix.
pub(crate) fn unpacked_dir(archive: &str) -> Option<&str> {
    let lower = archive.to_ascii_lowercase();
    ARCHIVE_SUFFIXES
        .iter()
        .find(|s| lower.ends_with(*s))
        .map(|s| &archive[..archive.len() - s.len()])
        .filter(|d| !d.is_empty())
}

/// The extension of a file name (`.tar.gz`, `.sql`), lowercase; empty when none.
fn extension(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if let Some(e) = DOUBLE_EXTENSIONS.iter().find(|e| lower.ends_with(*e)) {
        return e.to_string();
    }
    match lower.rfind('.') {
        Some(i) if i > 0 => lower[i..].to_string(),
        _ => String::new(),
    }
}

fn without_extension(name: &str) -> &str {
    &name[..name.len() - extension(name).len()]
}

/// `x.sql.sql` → `x.sql`: the same alphabetic extension twice in a row.
fn undoubled(token: &str) -> Option<String> {
    let name = basename(token);
    let parts: Vec<&str> = name.split('.').collect();
    if parts.len() < 3 || parts[0].is_empty() {
        return None;
    }
    let (a, b) = (parts[parts.len() - 2], parts[parts.len() - 1]);
    let ext_like = |s: &str| {
        (1..=5).contains(&s.len())
            && s.chars().all(|c| c.is_ascii_alphanumeric())
            && s.chars().any(|c| c.is_ascii_alphabetic())
    };
    if ext_like(a) && a.eq_ignore_ascii_case(b) {
        Some(token[..token.len() - b.len() - 1].to_string())
    } else {
        None
    }
}

/// Another version of the same name: the same text and numbers but one, as in `tomcat-7.0.64`
/// and `tomcat-7.0.67`. A name with a single number (`app1`, `app2`) is a series, not a version.
/// `text` names version `v` on its own (not as part of a longer number: `3.4.6` is not in `3.4.61`).
fn mentions_version(text: &str, v: &str) -> bool {
    text.match_indices(v).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let mut after = text[i + v.len()..].chars();
        let digitish = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c == '.');
        // `3.4.6.` ending a sentence is the version; `3.4.61` or `3.4.6.1` is another.
        let (next, then) = (after.next(), after.next());
        let longer = next.is_some_and(|c| c.is_ascii_digit())
            || (next == Some('.') && then.is_some_and(|c| c.is_ascii_digit()));
        !digitish(before) && !longer
    })
}

fn digit_twin(a: &str, b: &str) -> bool {
    let letters = |s: &str| {
        s.chars()
            .filter(|c| !c.is_ascii_digit())
            .collect::<Vec<_>>()
    };
    if a.len().abs_diff(b.len()) > 3 || letters(a) != letters(b) {
        return false;
    }
    let (ra, rb) = (digit_runs(a), digit_runs(b));
    ra.len() >= 2
        && ra.len() == rb.len()
        && ra.iter().zip(&rb).filter(|(x, y)| x != y).count() == 1
        && a.split(|c: char| c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .eq(b
                .split(|c: char| c.is_ascii_digit())
                .filter(|s| !s.is_empty()))
}

/// The runs of digits in a name: `7.0.64` → `7`, `0`, `64`.
fn digit_runs(s: &str) -> Vec<&str> {
    s.split(|c: char| !c.is_ascii_digit())
        .filter(|r| !r.is_empty())
        .collect()
}

/// Two names that look like one name mistyped or abbreviated: the same words (split at `-_.`)
/// but one, and that one a slip (≤ 2 edits, ≥ 5 letters), a case change, or an abbreviation
/// (`eayuncld` for `eayunccloud`). Numbers must match: `db1` and `db2` are two things.
fn typo_twin(a: &str, b: &str) -> bool {
    let is_sep = |c: &char| matches!(c, '-' | '_' | '.');
    let bare = |s: &str| {
        s.chars()
            .filter(|c| !is_sep(c))
            .map(|c| c.to_ascii_lowercase())
            .collect::<String>()
    };
    if a == b {
        return false;
    }
    if bare(a) == bare(b) {
        return true; // only case or separators differ: `rabbit-mq` / `rabbitmq`
    }
    if a.chars().filter(is_sep).count() != b.chars().filter(is_sep).count() {
        return false;
    }
    let split = |s: &str| -> Vec<String> {
        s.split(['-', '_', '.'])
            .map(str::to_ascii_lowercase)
            .collect()
    };
    let (wa, wb) = (split(a), split(b));
    if wa.len() != wb.len() {
        return false;
    }
    let differing: Vec<(&String, &String)> = wa.iter().zip(&wb).filter(|(x, y)| x != y).collect();
    match differing.as_slice() {
        [(x, y)] => word_slip(x, y),
        _ => false,
    }
}

fn word_slip(x: &str, y: &str) -> bool {
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<String>();
    if digits(x) != digits(y) {
        return false;
    }
    let (short, long) = if x.len() <= y.len() { (x, y) } else { (y, x) };
    // `schedule` and `schedulelog`: one word grown into another, not a slip (`order`/`orders` is).
    let grown = long.starts_with(short) || long.ends_with(short);
    if grown && long.len() - short.len() > 1 {
        return false;
    }
    let slip = short.len() >= 5 && edit_distance(x, y) <= 2;
    let abbreviation = !grown
        && short.len() >= 4
        && short.len() * 10 >= long.len() * 6
        && short.get(..3) == long.get(..3)
        && is_subsequence(short, long);
    slip || abbreviation
}

fn is_subsequence(short: &str, long: &str) -> bool {
    let mut it = long.chars();
    short.chars().all(|c| it.any(|d| d == c))
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let up = row[j + 1];
            row[j + 1] = (diag + usize::from(ca != *cb)).min(row[j] + 1).min(up + 1);
            diag = up;
        }
    }
    row[b.len()]
}

/// Two file names for one payload: same extension, and the names are one another's part
/// (`ecsc.tar` / `eayun-ecsc.tar`), a slip, or another version.
fn file_twin(a: &str, b: &str) -> bool {
    if a == b || extension(a) != extension(b) || extension(a).is_empty() {
        return false;
    }
    let (sa, sb) = (without_extension(a), without_extension(b));
    let words = |s: &str| -> Vec<String> {
        s.split(['-', '_', '.'])
            .map(str::to_ascii_lowercase)
            .collect()
    };
    let (wa, wb) = (words(sa), words(sb));
    let (short, long) = if wa.len() <= wb.len() {
        (&wa, &wb)
    } else {
        (&wb, &wa)
    };
    let part = !short.is_empty()
        && short.len() < long.len()
        && (long.starts_with(short) || long.ends_with(short));
    part || typo_twin(sa, sb) || digit_twin(sa, sb)
}

/// Databases a `mysqldump` command line dumps.
fn dumped_databases(command: &str) -> Vec<String> {
    let before = command.split('>').next().unwrap_or(command);
    let words: Vec<&str> = before.split_whitespace().skip(1).collect();
    let all = words.iter().any(|w| matches!(*w, "--databases" | "-B"));
    let positional = client_positionals(&words);
    if all {
        positional
    } else {
        positional.into_iter().take(1).collect()
    }
}

/// Non-option words of a client command line (the values of `-u root`-style options skipped).
fn client_positionals(words: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip = false;
    for w in words {
        if skip {
            skip = false;
            continue;
        }
        if matches!(*w, "<" | ">" | "|" | ";" | "//") || w.starts_with("//") {
            break;
        }
        if matches!(
            *w,
            "-u" | "-h" | "-P" | "-S" | "--user" | "--host" | "--port"
        ) {
            skip = true;
            continue;
        }
        if !w.starts_with('-') {
            out.push(w.trim_matches('`').trim_end_matches(';').to_string());
        }
    }
    out
}

/// Database names in a code line, with offsets: `create/drop database X`, `use X`, and the
/// database argument of a client command line (`mysql -uroot -p X < file`, `-D X`).
fn databases_named(text: &str) -> Vec<(usize, &str)> {
    static SQL: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?i)(?:^|[\s>;])(?:(?:create|drop)\s+(?:database|schema)\s+(?:if\s+(?:not\s+)?exists\s+)?|use\s+)`?([A-Za-z0-9_$]+)").unwrap()
    });
    static DASH_D: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?:\s-D\s*|\s--database=)([A-Za-z0-9_$]+)").unwrap());
    let mut out: Vec<(usize, &str)> = SQL
        .captures_iter(text)
        .filter_map(|c| c.get(1))
        .map(|m| (m.start(), m.as_str()))
        .collect();
    if let Line::Command(cmd) = classify::parse_line(text) {
        let words = words_with_offsets(text);
        let client = words
            .iter()
            .position(|(_, w)| PASSWORD_CLIENTS.contains(&basename(w)) && !w.ends_with("dump"));
        if let (Some(i), true) = (client, cmd.contains(' ')) {
            let rest: Vec<&str> = words[i + 1..].iter().map(|(_, w)| *w).collect();
            let positional = client_positionals(&rest);
            for name in positional.iter().take(1) {
                if let Some((at, w)) = words[i + 1..].iter().find(|(_, w)| w == name) {
                    out.push((*at, w));
                }
            }
        }
        out.extend(
            DASH_D
                .captures_iter(text)
                .filter_map(|c| c.get(1))
                .map(|m| (m.start(), m.as_str())),
        );
    }
    out
}

/// How often a host name is written in the (lowercased) text, as a whole word.
fn mentions(lower_text: &str, name: &str) -> usize {
    let name = name.to_ascii_lowercase();
    lower_text
        .match_indices(&name)
        .filter(|(i, _)| {
            let after = lower_text[i + name.len()..].chars().next();
            let before = lower_text[..*i].chars().next_back();
            !after.is_some_and(|c| c.is_ascii_alphanumeric())
                && !before.is_some_and(|c| c.is_ascii_alphanumeric())
        })
        .count()
}

// ---- the steps these findings put in doubt become manual ----------------------------------------

/// Findings that mean a command, run as written, fails or acts on the wrong thing: an archive that
/// was never uploaded, a path one version away from the one unpacked, a backup restored under
/// another name, a path relative to wherever the shell happens to be, a file named with its
/// extension twice (`source /root/x.sql.sql`: the client finds no such file).
const DEMOTING: &[&str] = &["L001", "L002", "L003", "L005", "L006"];

/// Turns every step a [`DEMOTING`] finding puts in doubt into a manual step: the bundle shows the
/// finding and the runbook's block and waits for the operator, who does what the runbook means;
/// rbc never runs the command as written, and never guesses the fix. A step that writes content
/// (a profile block, a config file) keeps its edit: the content is the writer's, the warning says
/// what to look at. Each such finding's help names the step it made manual.
pub fn demote(plan: &mut Plan, source: &Source, findings: &mut [Diagnostic]) {
    for d in findings.iter_mut() {
        if !DEMOTING.contains(&d.code) {
            continue;
        }
        let Some(span) = d.span.clone() else { continue };
        let Some(token) = source.text.get(span) else {
            continue;
        };
        let line_text = source.line_text(d.line).trim();
        let doubted = |s: &Step| {
            s.kind != StepKind::Note
                && !writes_content(&s.action)
                // a doubled name in an upload list: the payload is gathered under the name given;
                // the command that uses it is the one in doubt
                && !(d.code == "L005" && matches!(s.action, Action::Payload { .. }))
                && (s.text.contains(token) || s.source.contains(token))
        };
        let at_line = plan
            .steps
            .iter()
            .position(|s| s.line == d.line && doubted(s));
        let within = || {
            plan.steps
                .iter()
                .enumerate()
                .filter(|(_, s)| s.line < d.line && doubted(s) && s.source.contains(line_text))
                .max_by_key(|(_, s)| s.line)
                .map(|(i, _)| i)
        };
        let Some(i) = at_line.or_else(within) else {
            continue;
        };
        let step = &mut plan.steps[i];
        let hosts = if step.hosts.is_empty() {
            String::new()
        } else {
            format!(" on {}", step.hosts.join(", "))
        };
        if step.kind != StepKind::Manual || !matches!(step.action, Action::Manual { .. }) {
            let help = on_the_host(d.help.as_deref().unwrap_or_default());
            // Only the lines in doubt: the rest of the block is not the operator's question.
            let doubted_lines: Vec<&str> =
                step.text.lines().filter(|l| l.contains(token)).collect();
            let shown = if doubted_lines.is_empty() {
                step.text.clone()
            } else {
                doubted_lines.join("\n")
            };
            step.action = Action::Manual {
                instruction: format!(
                    "rbc will not run this as written ({}, line {}): {}.\nOn this host: {}; do by hand what the runbook means, then confirm.\n\n{}",
                    d.code, d.line, d.message, help, shown
                ),
            };
            step.summary = format!("manual ({}): {}", d.code, step.summary);
            step.guard = "confirmed by the operator, journaled".into();
            step.why = format!(
                "{}; manual because of {} at line {}",
                step.why, d.code, d.line
            );
            step.finding = Some(format!("{} at line {}", d.code, d.line));
            step.kind = StepKind::Manual;
        }
        if let Some(help) = &mut d.help {
            help.push_str(&format!(
                "; until then step {}{hosts} is a manual step (rbc does not run it as written)",
                step.id
            ));
        }
    }
}

/// Steps that put content into a file: the content is the writer's, kept as written.
fn writes_content(action: &Action) -> bool {
    action.edited_file().is_some() || matches!(action, Action::CronEntry { .. })
}

/// A finding's help says how to fix the runbook (`write X`); at the host the operator does not
/// edit the runbook but does the work: the same advice, in the words of doing it.
fn on_the_host(help: &str) -> String {
    let said = help
        .replace("write `", "use `")
        .replace(
            "name the database that was dumped: ",
            "use the database that was dumped: ",
        )
        .replace(", or upload `", ", or copy `")
        .replace("` with the other files", "` to this host first")
        .replace(
            "unless the file is really named so",
            "unless the file on this host is really named so",
        );
    if said.is_empty() {
        "see the finding".into()
    } else {
        said
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn similar_names() {
        assert!(digit_twin("apache-tomcat-7.0.64", "apache-tomcat-7.0.67"));
        assert!(typo_twin("shopdb", "shopppdb"));
        assert!(typo_twin("shopcld_20240102.sql", "shopcloud_20240102.sql"));
        assert!(!typo_twin("apim", "apix"));
        assert!(!typo_twin("job", "job-worker"));
        assert!(!typo_twin("maillog", "mail"));
        assert!(!typo_twin("db1", "db2"));
        assert!(typo_twin("webapps", "webpaps"));
        assert!(typo_twin("order_0412.sql", "orders_0412.sql"));
        assert!(typo_twin("rabbit-mq", "rabbitmq"));
        assert!(!typo_twin("portallog", "portal"));
        assert!(file_twin("portal.tar", "acme-portal.tar"));
        assert!(!file_twin("portal.tar", "web-admin.tar.gz"));
        assert!(!file_twin("admin.tar", "acme-portal.tar"));
    }

    #[test]
    fn doubled_extensions() {
        assert_eq!(undoubled("/root/a.sql.sql").as_deref(), Some("/root/a.sql"));
        assert_eq!(undoubled("app-1.2.2.tar"), None);
        assert_eq!(undoubled("a.tar.gz"), None);
    }

    #[test]
    fn dumped_database_names() {
        assert_eq!(
            dumped_databases("mysqldump -uroot -p shop > /b.sql"),
            ["shop"]
        );
        assert_eq!(
            dumped_databases("mysqldump -u root -p --databases a b > /b.sql"),
            ["a", "b"]
        );
        assert_eq!(
            dumped_databases("mysqldump -uroot -p shop orders > /b.sql"),
            ["shop"]
        );
    }

    #[test]
    fn database_names_in_lines() {
        let names = |t| {
            databases_named(t)
                .into_iter()
                .map(|(_, n)| n)
                .collect::<Vec<_>>()
        };
        assert_eq!(names("mysql> create database shop2; //x"), ["shop2"]);
        assert_eq!(names("mysql> use shop;"), ["shop"]);
        assert_eq!(
            names("# mysql -uroot -p --default-character-set=utf8 shop < /b.sql"),
            ["shop"]
        );
    }
}
