//! `rbc compile`: renders every bundle, lints the scripts, packages the tarballs and writes
//! `dist/` atomically (a temporary folder beside it, renamed into place only when complete).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

use crate::checklist;
use crate::package::{self, Entry, EntrySource};
use crate::plan::{Action, HostKind, Phase, Plan};
use crate::render::{BundleFile, Content, PayloadInfo, Payloads, Renderer};

pub struct Options {
    pub out: PathBuf,
    /// Where the operators gathered the payloads (`--artifacts DIR`).
    pub artifacts: Option<PathBuf>,
    /// Only these hosts' bundles (empty: all).
    pub hosts: Vec<String>,
    /// Lint every generated script with shellcheck when it is installed.
    pub shellcheck: bool,
    /// Section titles and lint findings for the checklist.
    pub checklist: checklist::Extra,
}

#[derive(Debug)]
pub struct Report {
    /// (host, sha256 of its .tar.gz)
    pub bundles: Vec<(String, String)>,
    /// What happened to the shellcheck pass, for the user.
    pub shellcheck: String,
    /// Things the user should know (not errors).
    pub notes: Vec<String>,
}

fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

/// Name of the distribution bundle: the jump host's, or `jump-host` when the runbook names none.
pub fn jump_name(plan: &Plan) -> String {
    plan.hosts
        .iter()
        .find(|h| h.kind == HostKind::Jump)
        .map(|h| h.name.clone())
        .unwrap_or_else(|| "jump-host".into())
}

/// Finds and sums the payloads the plan needs in `dir`; every missing one is named in the error.
/// With `hosts`, only the payloads those hosts receive.
pub fn gather_payloads(plan: &Plan, dir: &Path, hosts: &[String]) -> Result<Payloads, String> {
    let mut names: Vec<&str> = plan
        .artifacts
        .iter()
        .filter(|a| hosts.is_empty() || a.hosts.iter().any(|h| hosts.contains(h)))
        .map(|a| a.file.as_str())
        .collect();
    names.sort();
    names.dedup();
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !dir.join(n).is_file())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "{} payload(s) not found in {}: {}\n  = help: `rbc artifacts` lists the files to gather; put them in that folder",
            missing.len(),
            dir.display(),
            missing.join(", ")
        ));
    }
    let paths: Vec<PathBuf> = names.iter().map(|n| dir.join(n)).collect();
    // A payload whose file is unchanged since an earlier compile (same device, inode, size,
    // mtime and ctime) keeps its sum: recompiles while the runbook is edited do not read gigabytes again.
    let cache = SumCache::load();
    let keys: Vec<Option<String>> = paths.iter().map(|p| file_key(p)).collect();
    let todo: Vec<PathBuf> = paths
        .iter()
        .zip(&keys)
        .filter(|(_, k)| k.as_ref().and_then(|k| cache.get(k)).is_none())
        .map(|(p, _)| p.clone())
        .collect();
    let sums = package::hash_files(&todo).map_err(|e| format!("cannot read payloads: {e}"))?;
    let mut fresh: BTreeMap<PathBuf, String> = todo.into_iter().zip(sums).collect();
    let mut out = Payloads::new();
    let mut learned = Vec::new();
    for ((name, path), key) in names.iter().zip(paths).zip(keys) {
        let size = std::fs::metadata(&path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .len();
        let sha = match key.as_ref().and_then(|k| cache.get(k)) {
            Some(sha) => sha.to_string(),
            None => {
                let sha = fresh.remove(&path).unwrap_or_default();
                if let Some(k) = key {
                    learned.push((k, sha.clone(), path.clone()));
                }
                sha
            }
        };
        out.insert(
            name.to_string(),
            PayloadInfo {
                path,
                sha256: sha,
                size,
            },
        );
    }
    cache.save(learned);
    Ok(out)
}

/// `dev:ino:size:mtime:ctime` of a file, the key of the sum cache. The ctime changes with every
/// write and no tool can set it back, so a file rewritten in place with its old size and mtime
/// (`cp -p`, `touch -r`) is hashed again.
fn file_key(path: &Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = std::fs::metadata(path).ok()?;
    Some(format!(
        "{}:{}:{}:{}.{}:{}.{}",
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec()
    ))
}

/// Sums of payload files by `file_key`, in `$XDG_CACHE_HOME/rbc/payload-sums` (or
/// `~/.cache/rbc/…`), a `KEY SHA256 PATH` line each. Best effort: an unreadable or unwritable
/// cache only costs time. Saving drops the lines whose file is gone or has changed, so the cache
/// holds one line per payload file that still exists.
struct SumCache {
    path: Option<PathBuf>,
    /// key → (sha256, the file's path when it was learned)
    sums: BTreeMap<String, (String, String)>,
}

impl SumCache {
    fn load() -> SumCache {
        let dir = std::env::var_os("XDG_CACHE_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
        let path = dir.map(|d| d.join("rbc").join("payload-sums"));
        let sums = path
            .as_ref()
            .and_then(|p| std::fs::read_to_string(p).ok())
            .map(|t| {
                t.lines()
                    .filter_map(|l| {
                        let mut parts = l.splitn(3, ' ');
                        Some((parts.next()?, parts.next()?, parts.next()?))
                    })
                    .filter(|(_, sha, _)| {
                        sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit())
                    })
                    .map(|(k, sha, p)| (k.to_string(), (sha.to_string(), p.to_string())))
                    .collect()
            })
            .unwrap_or_default();
        SumCache { path, sums }
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.sums.get(key).map(|(sha, _)| sha.as_str())
    }

    /// Adds `(key, sha256, path)` lines and writes the cache without the stale ones.
    fn save(mut self, learned: Vec<(String, String, PathBuf)>) {
        let Some(path) = self.path.take() else { return };
        if learned.is_empty() {
            return;
        }
        for (key, sha, file) in learned {
            let file = std::path::absolute(&file).unwrap_or(file);
            self.sums
                .insert(key, (sha, file.to_string_lossy().into_owned()));
        }
        let text: String = self
            .sums
            .iter()
            .filter(|(k, (_, p))| {
                !p.contains('\n') && file_key(Path::new(p)).as_deref() == Some(k.as_str())
            })
            .map(|(k, (s, p))| format!("{k} {s} {p}\n"))
            .collect();
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
            if let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) {
                use std::io::Write;
                if tmp.write_all(text.as_bytes()).is_ok() {
                    let _ = tmp.persist(&path);
                }
            }
        }
    }
}

/// Says what a payload step checks in this compilation: with `--artifacts` the bundle carries the
/// file with its size and sha256; without, the step can only see that a file of that name is there.
fn payload_checks(plan: &Plan, payloads: Option<&Payloads>) -> Plan {
    let mut plan = plan.clone();
    for step in &mut plan.steps {
        if let Action::Payload { file, .. } = &step.action {
            step.guard = match payloads.and_then(|p| p.get(file)) {
                Some(info) => format!(
                    "present with the size ({} bytes) and sha256 of the copy in the bundle",
                    info.size
                ),
                None => "present only: compiled without --artifacts, so neither its size nor its checksum is known".into(),
            };
        }
    }
    plan
}

/// `-o PATH` replaces only what rbc wrote there before (SPEC §5.1): nothing, an empty folder, or a
/// dist: a folder (not a link) holding SHA256SUMS and plan.json in which every file is listed in
/// SHA256SUMS, apart from `runs/` (what the playbooks gathered, moved into the new dist).
pub fn replaceable(out: &Path) -> Result<(), String> {
    let refuse = |why: String| {
        Err(format!(
            "-o {}: {why}; rbc replaces only a dist it wrote (a folder with SHA256SUMS and plan.json, every file listed there)\n  help: choose another -o, or move it away yourself",
            out.display()
        ))
    };
    let meta = match std::fs::symlink_metadata(out) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return refuse(format!("cannot look at it: {e}")),
    };
    if meta.file_type().is_symlink() {
        return refuse("it is a symbolic link".into());
    }
    if !meta.is_dir() {
        return refuse("it is a file, not a dist".into());
    }
    let mut entries = match std::fs::read_dir(out) {
        Ok(r) => r.peekable(),
        Err(e) => return refuse(format!("cannot read it: {e}")),
    };
    if entries.peek().is_none() {
        return Ok(());
    }
    let sums = match std::fs::symlink_metadata(out.join("SHA256SUMS")) {
        Ok(m) if m.is_file() && m.len() <= 64 << 20 => {
            std::fs::read_to_string(out.join("SHA256SUMS")).unwrap_or_default()
        }
        _ => return refuse("it holds no SHA256SUMS of rbc's".into()),
    };
    let mut listed = std::collections::HashSet::new();
    for line in sums.lines() {
        match line.split_once("  ") {
            Some((sha, name)) if sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()) => {
                listed.insert(name.to_string());
            }
            _ => return refuse("its SHA256SUMS is not one rbc wrote".into()),
        }
    }
    if !listed.contains("plan.json") {
        return refuse("it holds no plan.json".into());
    }
    let mut todo = vec![out.to_path_buf()];
    while let Some(dir) = todo.pop() {
        let rd =
            std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
        for e in rd {
            let e = e.map_err(|e| e.to_string())?;
            let path = e.path();
            let rel = path
                .strip_prefix(out)
                .unwrap_or(&path)
                .to_string_lossy()
                .into_owned();
            if rel == "SHA256SUMS" || rel == "runs" {
                continue;
            }
            let ft = e.file_type().map_err(|e| e.to_string())?;
            if ft.is_dir() {
                todo.push(path);
            } else if !ft.is_file() || !listed.contains(&rel) {
                return refuse(format!("{rel} in it is not a file rbc wrote"));
            }
        }
    }
    Ok(())
}

pub fn compile(plan: &Plan, opts: &Options) -> Result<Report, String> {
    replaceable(&opts.out)?;
    let payloads = match &opts.artifacts {
        Some(dir) => Some(gather_payloads(plan, dir, &opts.hosts)?),
        None => None,
    };
    let plan = &payload_checks(plan, payloads.as_ref());
    let parent = match opts.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)
        .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(".rbc-dist-")
        .tempdir_in(&parent)
        .map_err(|e| format!("cannot write in {}: {e}", parent.display()))?;
    // A compile stopped by Ctrl-C or `kill` leaves no `.rbc-dist-*` behind.
    let _scratch = crate::interrupt::scratch(tmp.path());
    let stage = tmp.path().join("stage");
    let dist = tmp.path().join("dist");
    crate::interrupt::create_dirs_within(tmp.path(), &dist.join("hosts"))
        .map_err(|e| e.to_string())?;

    let renderer = Renderer::new();
    let mut rendered: Vec<(String, Vec<BundleFile>)> = Vec::new();
    for host in plan.hosts.iter().filter(|h| h.kind == HostKind::Server) {
        if !opts.hosts.is_empty() && !opts.hosts.contains(&host.name) {
            continue;
        }
        let has_steps = [Phase::Run, Phase::Rollback]
            .iter()
            .any(|p| !Renderer::bundle_steps(plan, &host.name, *p).is_empty());
        if !has_steps {
            continue;
        }
        rendered.push((
            host.name.clone(),
            renderer.host_bundle(plan, host, payloads.as_ref())?,
        ));
    }

    let jump = jump_name(plan);
    // distribute.sh is linted with the host bundles (its sums are only known after packaging, and
    // they do not change what it does).
    let placeholder: Vec<(String, String, String)> = rendered
        .iter()
        .map(|(h, _)| (h.clone(), String::new(), "0".repeat(64)))
        .collect();
    let to_lint: Vec<(String, Vec<BundleFile>)> = vec![(
        jump.clone(),
        renderer.jump_bundle(plan, &jump, &placeholder)?,
    )];
    let (scripts, distinct) = stage_scripts(&stage, rendered.iter().chain(to_lint.iter()))?;

    // The lint (bash -n, shellcheck) runs beside the packaging; dist/ moves into place only if
    // both succeed.
    let hosts: Vec<String> = rendered.iter().map(|(h, _)| h.clone()).collect();
    let jobs: Vec<package::Bundle> = rendered
        .into_iter()
        .map(|(host, files)| bundle_entries(&dist, &host, files))
        .collect();
    let (shellcheck, shas) = std::thread::scope(|scope| {
        let lint = scope.spawn(|| check_scripts(&scripts, distinct, opts.shellcheck));
        let shas = package::write_all(jobs.into_iter().map(Ok))
            .map_err(|e| format!("cannot write a bundle: {e}"));
        let lint = lint
            .join()
            .unwrap_or_else(|_| Err("the script lint stopped unexpectedly".into()));
        (lint, shas)
    });
    let shellcheck = shellcheck?;
    let written: Vec<(String, package::Written)> = hosts.into_iter().zip(shas?).collect();
    let mut bundles: Vec<(String, String)> = written
        .iter()
        .map(|(h, w)| (h.clone(), w.sha256.clone()))
        .collect();
    let targets: Vec<(String, String, String)> = bundles
        .iter()
        .map(|(h, sha)| {
            (
                h.clone(),
                plan.host(h).and_then(|x| x.ip.clone()).unwrap_or_default(),
                sha.clone(),
            )
        })
        .collect();
    let jump_files = renderer.jump_bundle(plan, &jump, &targets)?;
    let jump_bundle = bundle_entries(&dist, &jump, jump_files);
    let out = jump_bundle.out.clone();
    let jump_written = package::write_bundle(jump_bundle)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    let jump_sha = jump_written.sha256.clone();

    let mut sums: BTreeMap<String, String> = BTreeMap::new();
    for (h, sha) in bundles
        .iter()
        .chain(std::iter::once(&(jump.clone(), jump_sha.clone())))
    {
        sums.insert(format!("hosts/{h}.tar.gz"), sha.clone());
    }
    let servers: Vec<String> = bundles.iter().map(|(h, _)| h.clone()).collect();
    let mut runs: Vec<(String, package::SfxSums)> = written
        .into_iter()
        .chain(std::iter::once((jump.clone(), jump_written)))
        .filter_map(|(h, w)| w.sfx.map(|sfx| (h, sfx)))
        .collect();
    runs.dedup_by(|later, earlier| {
        // A name written twice (the jump host also a server) holds what was written last.
        later.0 == earlier.0 && {
            std::mem::swap(later, earlier);
            true
        }
    });
    for (path, sha) in crate::ansible::write_fleet(&dist, plan, &servers, &runs)? {
        sums.insert(path, sha);
    }
    let plan_json = crate::secrets::plan_json(plan)? + "\n";
    let mut bundle_sums: Vec<(String, String)> = bundles.clone();
    bundle_sums.push((jump.clone(), jump_sha.clone()));
    let texts = [
        ("plan.json", plan_json),
        (
            "checklist.md",
            crate::secrets::redact_plan_text(
                &checklist::markdown(plan, &bundle_sums, &opts.checklist)?,
                plan,
            ),
        ),
        (
            "checklist.html",
            crate::secrets::redact_plan_text(
                &checklist::html(plan, &bundle_sums, &opts.checklist)?,
                plan,
            ),
        ),
    ];
    for (name, text) in &texts {
        std::fs::write(dist.join(name), text).map_err(|e| format!("cannot write {name}: {e}"))?;
        sums.insert(name.to_string(), sha256_hex(text.as_bytes()));
    }
    let lines: Vec<(String, String)> = sums.into_iter().map(|(name, sha)| (sha, name)).collect();
    std::fs::write(dist.join("SHA256SUMS"), package::sha256sums(&lines))
        .map_err(|e| e.to_string())?;

    // Into place: the old dist/ goes only once the new one is complete.
    let old = tmp.path().join("old");
    replaceable(&opts.out)?;
    if std::fs::symlink_metadata(&opts.out).is_ok() {
        std::fs::rename(&opts.out, &old)
            .map_err(|e| format!("cannot replace {}: {e}", opts.out.display()))?;
    }
    if let Err(e) = std::fs::rename(&dist, &opts.out) {
        if old.exists() {
            let _ = std::fs::rename(&old, &opts.out);
        }
        return Err(format!("cannot write {}: {e}", opts.out.display()));
    }
    // What the playbooks gathered into the old dist stays.
    if old.join("runs").is_dir() {
        let _ = std::fs::rename(old.join("runs"), opts.out.join("runs"));
    }
    bundles.push((jump, jump_sha));
    let mut notes = Vec::new();
    if payloads.is_none() && !plan.artifacts.is_empty() {
        notes.push(format!(
            "no --artifacts: the {} payload(s) are not in the bundles; each bundle checks on its host that they were copied where the runbook puts them",
            plan.artifacts.len()
        ));
    }
    Ok(Report {
        bundles,
        shellcheck,
        notes,
    })
}

/// The entries of one bundle `<host>/…` with its SHA256SUMS, and where it goes.
/// A host's bundle: `hosts/<host>.tar.gz` and, in the same pass, `hosts/<host>.run`.
fn bundle_entries(dist: &Path, host: &str, files: Vec<BundleFile>) -> package::Bundle {
    let mut entries = Vec::new();
    let mut sums = Vec::new();
    for f in files {
        match f.content {
            Content::Text(text) => {
                sums.push((sha256_hex(text.as_bytes()), f.path.clone()));
                entries.push(Entry {
                    path: format!("{host}/{}", f.path),
                    mode: f.mode,
                    source: EntrySource::Bytes(text.into_bytes()),
                });
            }
            Content::Payload { path, sha256 } => {
                sums.push((sha256, f.path.clone()));
                entries.push(Entry {
                    path: format!("{host}/{}", f.path),
                    mode: f.mode,
                    source: EntrySource::File(path),
                });
            }
        }
    }
    let text = package::sha256sums(&sums);
    entries.push(Entry {
        path: format!("{host}/SHA256SUMS"),
        mode: 0o644,
        source: EntrySource::Bytes(text.into_bytes()),
    });
    package::Bundle {
        out: dist.join("hosts").join(format!("{host}.tar.gz")),
        sfx: Some(package::SelfExtracting {
            out: dist.join("hosts").join(format!("{host}.run")),
            host: host.to_string(),
        }),
        entries,
    }
}

/// A file the lint reads: a script's shape (or the helper words) and what it stands for.
struct Staged {
    path: PathBuf,
    /// Who a finding on line N is about: one script (and how many share its shape), or, in the
    /// helper words' file, the script of each line's word.
    about: Standing,
}

enum Standing {
    Scripts(crate::script_lint::Origin, usize),
    Words(crate::script_lint::WordsFile),
}

impl Staged {
    /// The lint's output told against the generated scripts instead of the staged file.
    fn retell(&self, output: &str) -> String {
        use crate::script_lint::retell;
        let file = self.path.to_string_lossy();
        output
            .lines()
            .map(|l| match &self.about {
                Standing::Scripts(origin, alike) => retell(l, &file, origin, *alike),
                Standing::Words(words) => {
                    // `FILE:LINE:COLUMN: …` (shellcheck) or `FILE: line LINE: …` (bash -n)
                    let numbers: Vec<usize> = l
                        .strip_prefix(file.as_ref())
                        .unwrap_or("")
                        .split(':')
                        .skip(1)
                        .take(2)
                        .map_while(|n| n.trim().trim_start_matches("line ").parse().ok())
                        .collect();
                    let origin = match numbers[..] {
                        [line, column] => words.origin(line, column),
                        [line] => words.origin(line, 1),
                        _ => None,
                    };
                    match origin {
                        Some(origin) => retell(l, &file, origin, 1),
                        None => l.to_string(),
                    }
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Writes what the lint reads into `stage`: each distinct shape of the generated scripts once
/// (`script_lint`: a template's fixed part, with the runbook's values that cannot matter to the
/// lint taken out), and the distinct words taken out, once each. Returns the files and how many
/// scripts they stand for.
fn stage_scripts<'a>(
    stage: &Path,
    rendered: impl Iterator<Item = &'a (String, Vec<BundleFile>)>,
) -> Result<(Vec<Staged>, usize), String> {
    let mut scripts = Vec::new();
    for (host, files) in rendered {
        for f in files {
            if let Content::Text(text) = &f.content {
                // The static runtime is the same in every bundle and checked by rbc's own tests.
                let static_runtime = crate::render::RUNTIME
                    .iter()
                    .any(|(_, t, _)| *t == text.as_str());
                if f.path.ends_with(".sh") && !static_runtime {
                    scripts.push((host.as_str(), f.path.as_str(), text.as_str()));
                }
            }
        }
    }
    stage_texts(stage, &scripts)
}

/// `bash -n` and shellcheck (when `use_shellcheck` and installed) on generated scripts, each
/// `(host, path in its bundle, text)`, as `rbc compile` lints its own: each distinct shape once
/// and the words taken out of them once (`script_lint`). Ok: what was linted; Err: the findings,
/// each told against the script, step and runbook line it comes from.
pub fn lint_scripts(
    scripts: &[(&str, &str, &str)],
    use_shellcheck: bool,
) -> Result<String, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (staged, n) = stage_texts(dir.path(), scripts)?;
    check_scripts(&staged, n, use_shellcheck)
}

fn stage_texts(
    stage: &Path,
    scripts: &[(&str, &str, &str)],
) -> Result<(Vec<Staged>, usize), String> {
    let mut shapes = crate::script_lint::Shapes::default();
    // Not `create_dir_all`: a compile stopped by a signal must not bring back its scratch folder.
    match std::fs::create_dir(stage) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e.to_string()),
        _ => {}
    }
    for (host, path, text) in scripts {
        shapes.add(crate::script_lint::Origin::new(host, path, text), text);
    }
    let mut staged = Vec::new();
    for (shape, (origin, alike)) in &shapes.shapes {
        let key = sha256_hex(shape.as_bytes());
        let path = stage.join(format!("{}-{}", &key[..12], origin.file.replace('/', "_")));
        std::fs::write(&path, shape).map_err(|e| e.to_string())?;
        staged.push(Staged {
            path,
            about: Standing::Scripts(origin.clone(), *alike),
        });
    }
    for (k, words) in shapes.words_files().into_iter().enumerate() {
        let path = stage.join(format!("words-{k}.sh"));
        std::fs::write(&path, &words.text).map_err(|e| e.to_string())?;
        staged.push(Staged {
            path,
            about: Standing::Words(words),
        });
    }
    Ok((staged, shapes.scripts))
}

/// `bash -n` and shellcheck on the staged files. Both run on every core (the files split in
/// batches taken in turn); what is reported is the first failure in the files' order, as one
/// process after the other would report it.
fn check_scripts(
    staged: &[Staged],
    scripts: usize,
    use_shellcheck: bool,
) -> Result<String, String> {
    let singles: Vec<&[Staged]> = staged.chunks(1).collect();
    in_parallel(&singles, |chunk| {
        let f = &chunk[0];
        let out = Command::new("bash")
            .arg("-n")
            .arg(&f.path)
            .output()
            .map_err(|e| format!("cannot run bash -n: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "a generated script does not parse (bash -n):\n{}",
                f.retell(&String::from_utf8_lossy(&out.stderr))
            ));
        }
        Ok(())
    })?;
    if !use_shellcheck {
        return Ok("shellcheck: skipped (--no-shellcheck)".into());
    }
    let Some(shellcheck) = which("shellcheck") else {
        return Ok("shellcheck: not installed, skipped (apt-get install shellcheck)".into());
    };
    let batches = by_size(staged);
    in_parallel(&batches, |chunk| {
        let out = Command::new(&shellcheck)
            .args(["-s", "bash", "-f", "gcc", "-e", "SC1091"])
            .args(chunk.iter().map(|s| &s.path))
            .output()
            .map_err(|e| format!("cannot run shellcheck: {e}"))?;
        if !out.status.success() {
            let mut told = String::from_utf8_lossy(&out.stdout).into_owned();
            for s in chunk.iter() {
                told = s.retell(&told);
            }
            return Err(format!(
                "shellcheck finds problems in generated scripts:\n{told}\n  = help: this is a bug in rbc's templates; --no-shellcheck skips the lint",
            ));
        }
        Ok(())
    })?;
    Ok(format!(
        "shellcheck: {scripts} scripts, linted as {} distinct shapes and the words taken out of them, no findings",
        staged
            .iter()
            .filter(|s| matches!(s.about, Standing::Scripts(..)))
            .count()
    ))
}

/// The staged files in runs of about the same size, in order, for shellcheck (whose time
/// follows the bytes): a few runs a core, so that the cores finish close together, and at most
/// 25 files to a run.
fn by_size(staged: &[Staged]) -> Vec<&[Staged]> {
    let size = |s: &Staged| std::fs::metadata(&s.path).map_or(0, |m| m.len());
    let sizes: Vec<u64> = staged.iter().map(size).collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as u64;
    let budget = (sizes.iter().sum::<u64>() / (cores * 4)).max(1);
    let mut batches = Vec::new();
    let (mut start, mut bytes) = (0, 0);
    for (i, n) in sizes.iter().enumerate() {
        if i > start && (bytes + n > budget || i - start == 25) {
            batches.push(&staged[start..i]);
            (start, bytes) = (i, 0);
        }
        bytes += n;
    }
    if start < staged.len() {
        batches.push(&staged[start..]);
    }
    batches
}

/// `check` on every batch, one thread per core taking the next batch; the first error in the
/// batches' order (later batches are not started once one has failed).
fn in_parallel<T: Sync>(
    batches: &[T],
    check: impl Fn(&T) -> Result<(), String> + Sync,
) -> Result<(), String> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::Mutex;
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(batches.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let errors: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= batches.len() || failed.load(Ordering::SeqCst) {
                    break;
                }
                if let Err(e) = check(&batches[i]) {
                    failed.store(true, Ordering::SeqCst);
                    errors
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((i, e));
                }
            });
        }
    });
    let mut errors = errors.into_inner().unwrap_or_else(|p| p.into_inner());
    errors.sort_by_key(|(i, _)| *i);
    match errors.into_iter().next() {
        Some((_, e)) => Err(e),
        None => Ok(()),
    }
}

fn which(prog: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(prog))
            .find(|p| p.is_file())
    })
}
