use std::sync::LazyLock;

use regex::Regex;

use super::{Walker, HOME};
use crate::classify::{self};
use crate::evidence::Target;
use crate::plan::Action;

impl<'a> Walker<'a> {
    /// Checks the directory a `[user@host dir]#` prompt shows against where rbc runs the line:
    /// `~` is the user's home, a full path is taken as it is, a name is the last part of the
    /// working directory, or of the one directory of that name the section has used. When rbc
    /// cannot tell which directory it is, it says so and the line is manual (false).
    pub(super) fn prompt_directory(&mut self, line: usize, raw: &str) -> bool {
        static PROMPT_DIR: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"^\s*\[([^\]@\s]+)@[^\]\s]+\s+([^\]]+?)\s*\]\s*[#$]").unwrap()
        });
        let text = self.source.line_text(line);
        let (user, dir) = match PROMPT_DIR.captures(text) {
            Some(c) => (Some(c[1].to_string()), c[2].trim().to_string()),
            None => match classify::colon_prompt(text) {
                Some((user, dir)) => (user, dir),
                None => return true,
            },
        };
        // `$` without a user: whose home `~` is, rbc cannot tell.
        let home = match user.as_deref() {
            Some("root") => Some(HOME.to_string()),
            Some(u) => Some(format!("/home/{u}")),
            None => None,
        };
        let want = match dir.as_str() {
            "~" | "" if home.is_none() && uses_relative_paths(raw) => {
                self.warn(
                    "W038",
                    self.line_span(line),
                    "the prompt shows the home directory `~` of a user it does not name; the line becomes a manual step".into(),
                    "write a `cd` to the full directory before the line, or show the user in the prompt",
                );
                return false;
            }
            "~" | "" if home.is_none() => None,
            "~" => home,
            d if d.starts_with('/') => Some(d.trim_end_matches('/').to_string())
                .filter(|d| !d.is_empty())
                .or(Some("/".into())),
            d if d.starts_with("~/") => match &home {
                Some(home) => Some(format!("{home}/{}", &d[2..])),
                None => {
                    self.warn(
                        "W038",
                        self.line_span(line),
                        format!("the prompt shows the directory `{d}` of a user it does not name; the line becomes a manual step"),
                        "write a `cd` to the full directory before the line, or show the user in the prompt",
                    );
                    return false;
                }
            },
            d if self.cwd.rsplit('/').next() == Some(d) => None,
            d => {
                // The one directory of that name this line or the section's steps have used,
                // made or entered (or a folder of such a path).
                // When the section's chapter has none, the one directory of that name the
                // runbook's earlier steps have used (`ln -s … /opt/module/conf` in an earlier
                // chapter, then `[root@h1 conf]#`): still exactly one, or W038.
                let chapter = self.section.map(|s| self.outline.chapter(s));
                let mut seen = self.directories_named(d, raw, Some(chapter));
                if seen.is_empty() {
                    seen = self.directories_named(d, raw, None);
                }
                match seen.as_slice() {
                    [one] => Some(one.clone()),
                    // Where the line runs matters only for the paths it names relative to it.
                    _ if !uses_relative_paths(raw) => None,
                    _ => {
                        let cwd = self.cwd.clone();
                        self.warn(
                            "W038",
                            self.line_span(line),
                            format!("the prompt shows the directory `{d}`, but rbc cannot tell which one it is (it would run this line in {cwd}); the line becomes a manual step"),
                            "write a `cd` to the full directory before the line, or show the full path in the prompt",
                        );
                        return false;
                    }
                }
            }
        };
        if let Some(w) = want {
            self.cwd = w;
        }
        true
    }

    /// The directories named `d` (or folders of paths) that `raw` and the earlier steps name,
    /// those of one chapter only when `chapter` is given.
    fn directories_named(&self, d: &str, raw: &str, chapter: Option<Option<usize>>) -> Vec<String> {
        let mut cands: Vec<String> = classify::paths_in(raw);
        for dr in
            self.drafts.iter().rev().filter(|x| {
                chapter.map_or(true, |c| x.section.map(|s| self.outline.chapter(s)) == c)
            })
        {
            cands.extend(dr.cwd.clone());
            if chapter.is_none() {
                // Across chapters: only directories a step made or entered.
                cands.extend(made_directory(&dr.action));
                continue;
            }
            cands.extend(dr.action.paths());
            if let Action::Run { command } = &dr.action {
                cands.extend(classify::paths_in(command));
            }
        }
        let mut seen: Vec<String> = Vec::new();
        for p in cands {
            let mut p = p.trim_end_matches('/').to_string();
            while !p.is_empty() {
                if p.rsplit('/').next() == Some(d) && !seen.contains(&p) {
                    seen.push(p.clone());
                }
                p.truncate(p.rfind('/').unwrap_or(0));
            }
        }
        seen
    }

    pub(super) fn shell_state(&self) -> ShellState {
        ShellState {
            cwd: self.cwd.clone(),
            pending_cd: self.pending_cd.clone(),
            pending_edit: self.pending_edit.clone(),
            sql_session: self.sql_session.clone(),
            pending_upload: self.pending_upload.clone(),
        }
    }

    pub(super) fn set_shell_state(&mut self, s: ShellState) {
        self.cwd = s.cwd;
        self.pending_cd = s.pending_cd;
        self.pending_edit = s.pending_edit;
        self.sql_session = s.sql_session;
        self.pending_upload = s.pending_upload;
    }
}

/// Where the walker is in the shell the runbook's lines run in (saved and restored when the
/// same lines are read again for other hosts).
pub(super) struct ShellState {
    cwd: String,
    pending_cd: Option<String>,
    pending_edit: Option<(String, usize)>,
    sql_session: Option<(String, Option<String>)>,
    pending_upload: Option<(String, Target, usize)>,
}

/// `export A=1`, `A=1`: a line that sets a variable, which only lasts when written to a file.
pub(super) fn is_assignment(line: &str) -> bool {
    let l = line.trim();
    let l = l.strip_prefix("export ").unwrap_or(l).trim_start();
    l.split_once('=').is_some_and(|(k, _)| {
        !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// A command line that names a file relative to where it runs: `../sbin/nginx -t`,
/// `unzip -o ../shop.war`, `mv order-api-1.5.0 order-api`, `vi nginx.conf`.
pub(super) fn uses_relative_paths(cmd: &str) -> bool {
    const FILE_COMMANDS: &[&str] = &[
        "cp",
        "mv",
        "rm",
        "tar",
        "unzip",
        "zip",
        "chmod",
        "chown",
        "ln",
        "vi",
        "vim",
        "cat",
        "ls",
        "sed",
        "mkdir",
        "touch",
        "sh",
        "bash",
        "source",
        ".",
        "tail",
        "head",
        "less",
        "more",
        "gunzip",
        "gzip",
        "rsync",
        "install",
        "java",
        "diff",
        "md5sum",
        "sha256sum",
    ];
    let words = shlex::split(cmd).unwrap_or_default();
    let Some(prog) = words.first() else {
        return false;
    };
    if prog.starts_with("./") || prog.starts_with("../") {
        return true;
    }
    // Unpacking writes into the working directory unless told where.
    let extracts = match prog.as_str() {
        "tar" => {
            words
                .get(1)
                .is_some_and(|f| f.trim_start_matches('-').contains('x'))
                && !words
                    .iter()
                    .any(|w| w == "-C" || w.starts_with("--directory"))
        }
        "unzip" => !words.iter().any(|w| w == "-d"),
        _ => false,
    };
    if extracts {
        return true;
    }
    let relative = |w: &String| {
        if w.starts_with(['/', '-', '$', '~', '\'', '"']) || w.contains("://") || w.contains('=') {
            return false;
        }
        if !w.chars().any(|c| c.is_ascii_alphanumeric()) {
            return false;
        }
        // `tar zxvf`: flags without a dash; `sed 's/a/b/'`; `chmod 755` / `chown app:app`.
        let flags = prog == "tar" && w.len() <= 6 && w.chars().all(|c| c.is_ascii_alphabetic());
        let script = prog == "sed" && w.starts_with('s');
        let mode = matches!(prog.as_str(), "chmod" | "chown") && !w.contains(['/', '.']);
        !flags && !script && !mode
    };
    FILE_COMMANDS.contains(&prog.as_str()) && words[1..].iter().any(relative)
}

/// The directory of a `cd` that ends a command chain (`mkdir app && cd app`, `x; cd /opt`).
pub(super) fn chained_cd(cmd: &str) -> Option<String> {
    let last = cmd.rsplit(['&', ';']).next()?.trim();
    if cmd.trim() == last || cmd.contains('|') {
        return None;
    }
    let words = classify::words(last);
    (words.first().map(String::as_str) == Some("cd"))
        .then(|| words.get(1).cloned().unwrap_or_else(|| "~".to_string()))
}

/// The directory a step makes: `mkdir -p DIR…`, the link `ln -s TARGET DIR`, an archive's
/// destination.
fn made_directory(action: &Action) -> Vec<String> {
    match action {
        Action::Mkdir { path } => vec![path.clone()],
        Action::Extract { dir, .. } => vec![dir.clone()],
        Action::Run { command } => {
            let words: Vec<&str> = command.split_whitespace().collect();
            match words.as_slice() {
                ["mkdir", rest @ ..] => rest
                    .iter()
                    .filter(|w| w.starts_with('/'))
                    .map(|w| w.to_string())
                    .collect(),
                ["ln", opts, _, link] if opts.starts_with('-') && opts.contains('s') => link
                    .starts_with('/')
                    .then(|| link.to_string())
                    .into_iter()
                    .collect(),
                _ => Vec::new(),
            }
        }
        _ => Vec::new(),
    }
}
