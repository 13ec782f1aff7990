use super::edits::edit_verb;
use super::shell::chained_cd;
use super::{Walker, HOME};
use crate::classify::{self, Line};
use crate::document::ElementKind;
use crate::evidence::Target;
use crate::plan::{Action, Phase, StepKind};

impl<'a> Walker<'a> {
    /// Reads a run of lines (a block's, or a sentence's inline commands) on `t`: blank lines,
    /// comments and text are notes, SQL lines go to the session they belong to, and each
    /// command line (with its continuation lines) is read by the first rule of
    /// [`COMMAND_RULES`] that takes it.
    pub(super) fn commands(
        &mut self,
        i: usize,
        lines: &[(usize, Line)],
        t: &Target,
        phase: Phase,
        lead: &str,
    ) {
        let sure = t.known();
        let block_source = match &self.doc.elements[i].kind {
            ElementKind::Code { content, .. } => content.clone(),
            _ => self.doc.elements[i].text().to_string(),
        };
        let mut k = 0;
        // `# 如果启动失败，…` above lines: they run only when a person judges so (W046), up to
        // the next comment.
        let mut condition: Option<usize> = None;
        // `su - deploy` / `ssh app-2`, then lines typed in that shell: a person's, until `exit`.
        let mut session: Option<(usize, String)> = None;
        while k < lines.len() {
            let (line, l) = &lines[k];
            let line = *line;
            let before = self.drafts.len();
            match l {
                Line::Blank => {}
                Line::Comment(c) => {
                    condition = self.comment_condition(c).then_some(line);
                    self.note(i, line, c, "a comment in the block; not executed");
                }
                Line::Plain(p) => {
                    let why = "output or text in the block; not executed";
                    self.note(i, line, p.trim(), why);
                }
                Line::Sql(_) => {
                    // Statements typed into an open session (from an earlier block).
                    let (stmts, next) = self.collect_sql(i, lines, k);
                    let statements = classify::sql_statements(&stmts);
                    self.sql(i, line, None, statements, t, lead, &block_source);
                    self.conditional_since(before, condition);
                    k = next;
                    continue;
                }
                Line::Command(raw) => {
                    // `mkdir app && cd app` on the line before: this one runs in app.
                    if let Some(dir) = self.pending_cd.take() {
                        self.cwd = dir;
                    }
                    // The prompt's directory (`[root@web-1 conf]#`) says where this line runs.
                    let sure = self.prompt_directory(line, raw) && sure;
                    let mut cmd = self.strip_comment(raw, line);
                    // `cmd \` continued on the next lines: one command.
                    while cmd.ends_with('\\') && k + 1 < lines.len() {
                        k += 1;
                        let next = self.source.line_text(lines[k].0).trim();
                        let next = next.strip_prefix("> ").unwrap_or(next);
                        cmd = format!("{} {}", cmd.trim_end_matches('\\').trim_end(), next.trim());
                    }
                    let c = CommandLine {
                        i,
                        lines,
                        k,
                        line,
                        t,
                        phase,
                        lead,
                        block_source: &block_source,
                        sure,
                        // Split the way bash does: `vim "/opt/My App/a.conf"` names one file.
                        words: classify::words(&cmd),
                        cmd,
                    };
                    // A prompt that shows who and where (`[root@app-1 ~]#`) says it, session
                    // or not: the transcript shows the shell the line was typed in.
                    let shown = classify::prompt_host(self.source.line_text(line)).is_some();
                    let leaves = matches!(c.cmd.trim(), "exit" | "logout") || shown;
                    let opens = classify::opens_session(&c.cmd).then(|| (line, c.cmd.clone()));
                    k = COMMAND_RULES
                        .iter()
                        .find_map(|(_, rule)| rule(self, &c))
                        .unwrap_or(k + 1);
                    self.conditional_since(before, condition);
                    if leaves {
                        session = None;
                    } else if let Some((at, shell)) = &session {
                        self.typed_in_session(before, *at, shell);
                    }
                    if opens.is_some() {
                        session = opens;
                    }
                    continue;
                }
            }
            k += 1;
        }
        if !sure {
            self.warn(
                "W031",
                self.doc.elements[i].span.clone(),
                "rbc cannot tell which hosts this block runs on; its steps are manual".into(),
                "name the hosts before the block (`登录web-1`) or add `<!-- rbc: hosts=... -->`",
            );
        }
    }

    /// The steps drafted since `before` are typed in the shell `shell` opened at line `at`
    /// (`su - deploy`, `ssh app-2`): as another user or on another machine, never run by the
    /// bundle as root here — a person's steps, said once per line (W024).
    fn typed_in_session(&mut self, before: usize, at: usize, shell: &str) {
        for k in before..self.drafts.len() {
            let d = &mut self.drafts[k];
            if d.kind == StepKind::Note || d.kind == StepKind::Manual {
                continue;
            }
            let line = d.line;
            let text = d.text.clone();
            d.kind = StepKind::Manual;
            d.action = crate::plan::Action::Manual {
                instruction: format!("in the shell `{shell}` opened at line {at}: {text}"),
            };
            self.warn(
                "W024",
                self.line_span(line),
                format!("`{text}` is typed in the shell `{shell}` opened at line {at} (another user or machine): rbc does not run it as root here; a manual step"),
                "run the commands in that shell by hand, or write them with `su - USER -c '…'` / for the host they are for",
            );
        }
    }

    /// Whether a comment in a block makes the lines under it a person's decision. In the
    /// rollback chapter, the chapter's own premise (`# 如果升级失败，执行：` before its first
    /// step) is no condition: the whole chapter runs only then.
    fn comment_condition(&self, comment: &str) -> bool {
        if self.phase() == Phase::Rollback
            && self.rollback_condition(comment) == Some(super::walk::RollbackCondition::Premise)
        {
            return false;
        }
        crate::lexicon::comment_condition(comment)
    }

    /// The steps drafted since `before` run under the condition said at line `at`: manual, W046.
    pub(super) fn conditional_since(&mut self, before: usize, at: Option<usize>) {
        let Some(at) = at else { return };
        for d in self.drafts[before..].iter_mut() {
            if d.kind != StepKind::Note {
                d.evidence.push(crate::evidence::Evidence::new(
                    crate::evidence::EvidenceKind::Conditional,
                    at,
                ));
            }
        }
    }

    /// Removes a `//` comment from a command, with a warning (the shell would choke on it).
    pub(super) fn strip_comment(&mut self, cmd: &str, line: usize) -> String {
        let (c, comment) = classify::split_slash_comment(cmd);
        if let Some(comment) = comment {
            self.warn(
                "W026",
                self.line_span(line),
                format!("`//{comment}` is a comment, not part of the command; rbc leaves it out"),
                "write comments outside the command block, or after `#` in shell",
            );
        }
        c
    }

    // ---- after the walk --------------------------------------------------------------------
}

pub(super) fn is_destructive_cmd(cmd: &str) -> bool {
    let l = cmd.to_ascii_lowercase();
    l.contains("drop database")
        || l.starts_with("rm -rf")
        || l.contains(" < ") && l.starts_with("mysql")
}

/// `ps -ef | grep java` followed by `kill -9 <PID>`: (pattern, signal, lines used).
pub(super) fn stop_idiom(lines: &[(usize, Line)]) -> Option<(String, String, usize)> {
    let Line::Command(first) = &lines.first()?.1 else {
        return None;
    };
    let (ps, grep) = first.split_once('|')?;
    if !ps.trim().starts_with("ps") {
        return None;
    }
    let pattern = grep
        .trim()
        .strip_prefix("grep")?
        .trim()
        .trim_matches(['"', '\''])
        .to_string();
    if pattern.is_empty() || pattern.contains(' ') && !pattern.starts_with('-') {
        return None;
    }
    let mut used = 1;
    for (_, l) in &lines[1..] {
        used += 1;
        match l {
            Line::Blank => continue,
            Line::Command(c) if c.starts_with("kill") && classify::placeholder(c).is_some() => {
                let signal = c
                    .split_whitespace()
                    .find(|w| w.starts_with('-'))
                    .map(|w| w.trim_start_matches('-').to_string())
                    .unwrap_or_else(|| "15".into());
                return Some((pattern, signal, used));
            }
            _ => return None,
        }
    }
    None
}

/// `text` without what is inside quotes (`echo "升级完成"` is still a command).
pub(super) fn unquoted(text: &str) -> String {
    let mut out = String::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None => out.push(c),
        }
    }
    out
}

/// One command line being read (continuation lines joined), with where it is.
pub(super) struct CommandLine<'l> {
    i: usize,
    lines: &'l [(usize, Line)],
    /// Its index in `lines` (the last line when it was continued) and its source line.
    k: usize,
    line: usize,
    t: &'l Target,
    phase: Phase,
    lead: &'l str,
    block_source: &'l str,
    /// rbc knows the hosts and the directory: the line may run.
    sure: bool,
    cmd: String,
    words: Vec<String>,
}

impl CommandLine<'_> {
    fn prog(&self) -> &str {
        self.words.first().map(String::as_str).unwrap_or("")
    }

    /// Converge when rbc is sure of the hosts and directory, else a person's step.
    fn converge_or_manual(&self) -> StepKind {
        if self.sure {
            StepKind::Converge
        } else {
            StepKind::Manual
        }
    }
}

/// A rule returns the index of the next line to read when it has read this one.
type CommandRule = for<'a, 'l> fn(&mut Walker<'a>, &CommandLine<'l>) -> Option<usize>;

/// The rules for a command line, in the order they are tried. To add a reading rule: write one
/// function `fn(&mut Walker, &CommandLine) -> Option<usize>` below and put it in this list
/// where it belongs (earlier rules win; the last one reads any command).
pub(super) const COMMAND_RULES: &[(&str, CommandRule)] = &[
    ("a here-document is the command's input", heredoc_rule),
    ("`… && cd DIR`: where the next lines run", chained_cd_rule),
    ("a root shell", root_shell_rule),
    ("`cd DIR`", cd_rule),
    ("an editor: the edit that follows", editor_rule),
    (
        "a client followed by its prompt's lines",
        client_session_rule,
    ),
    ("`mysql` and its statements", mysql_rule),
    ("find and stop processes", stop_idiom_rule),
    ("any other command", command_rule),
];

/// `cat > FILE <<EOF` … `EOF`: the lines up to the delimiter are the command's input.
fn heredoc_rule(w: &mut Walker, c: &CommandLine) -> Option<usize> {
    let cmd = &c.cmd;
    let delim = classify::heredoc_delimiter(cmd)?;
    let mut body = Vec::new();
    let mut j = c.k + 1;
    let mut closed = false;
    while j < c.lines.len() {
        let text = w.source.line_text(c.lines[j].0);
        if text.trim() == delim {
            closed = true;
            break;
        }
        body.push(text.to_string());
        j += 1;
    }
    if !closed {
        w.warn(
            "W028",
            w.line_span(c.line),
            format!("`{cmd}`: the here-document never ends with `{delim}`"),
            "close it with a line holding only the delimiter",
        );
    }
    // The command as written, with its here-document.
    let written = format!(
        "{cmd}\n{}{}",
        body.iter().map(|l| format!("{l}\n")).collect::<String>(),
        if closed { delim.as_str() } else { "" }
    );
    let content = if body.is_empty() {
        String::new()
    } else {
        body.join("\n") + "\n"
    };
    let action = match classify::heredoc_target(cmd) {
        Some((path, false)) => Action::WriteFile {
            path: classify::resolve(&w.cwd, &path),
            content,
        },
        Some((path, true)) => Action::AppendBlock {
            path: classify::resolve(&w.cwd, &path),
            content,
        },
        None => Action::Run {
            command: format!("{cmd}\n{content}{delim}"),
        },
    };
    // `<<EOF` with `$(…)` in its text: bash would expand it; rbc does not guess what it gives,
    // the operator runs it.
    let expands = match &action {
        Action::WriteFile { content, .. } | Action::AppendBlock { content, .. } => {
            classify::heredoc_expands(cmd) && classify::expands_in_heredoc(content)
        }
        _ => false,
    };
    if expands {
        w.warn(
            "W051",
            w.line_span(c.line),
            format!("`{cmd}`: bash expands `$`, `` ` `` and `\\` in this here-document's text"),
            "quote the delimiter (`<<'EOF'`) if the text is meant literally; until then the step is manual",
        );
    }
    let kind = if !closed || !c.sure || expands {
        StepKind::Manual
    } else {
        action.kind()
    };
    let mut d = w.draft(c.i, kind, c.t, c.line, written.trim_end(), action);
    d.cwd = Some(w.cwd.clone());
    d.source = c.block_source.to_string();
    w.push(c.i, d);
    Some(j + 1)
}

/// `… && cd DIR` / `…; cd DIR`: the lines after run in DIR (the line itself is read on).
fn chained_cd_rule(w: &mut Walker, c: &CommandLine) -> Option<usize> {
    if c.words.len() > 2 {
        if let Some(dir) = chained_cd(&c.cmd) {
            let to = classify::resolve(&w.cwd, &dir);
            let to = to.trim_end_matches('/');
            w.pending_cd = Some(if to.is_empty() {
                "/".into()
            } else {
                to.to_string()
            });
        }
    }
    None
}

fn root_shell_rule(w: &mut Walker, c: &CommandLine) -> Option<usize> {
    if !classify::is_root_shell(&c.cmd) {
        return None;
    }
    let why = "opens a root shell; the bundle already runs as root";
    w.note(c.i, c.line, &c.cmd, why);
    Some(c.k + 1)
}

/// `cd DIR`: later commands of the section run there.
fn cd_rule(w: &mut Walker, c: &CommandLine) -> Option<usize> {
    if c.prog() != "cd" || c.words.len() > 2 {
        return None;
    }
    w.cwd = c
        .words
        .get(1)
        .map(|d| classify::resolve(&w.cwd, d))
        .unwrap_or_else(|| HOME.to_string());
    w.cwd = w.cwd.trim_end_matches('/').to_string();
    if w.cwd.is_empty() {
        w.cwd = "/".into();
    }
    let only_cd = c.lines[c.k + 1..].iter().all(|(_, l)| {
        matches!(l, Line::Blank | Line::Command(_))
            && !matches!(l, Line::Command(x) if !x.trim_start().starts_with("cd "))
    });
    if only_cd {
        let why = format!(
            "sets the directory ({}) for the commands that follow",
            w.cwd
        );
        w.note(c.i, c.line, &c.cmd, why);
    }
    Some(c.k + 1)
}

/// `vim FILE`: the content that follows (here or in the next block) is the edit.
fn editor_rule(w: &mut Walker, c: &CommandLine) -> Option<usize> {
    if !matches!(c.prog(), "vim" | "vi" | "nano" | "emacs")
        || c.words.len() < 2
        || classify::has_expansion(&c.words[c.words.len() - 1])
    {
        return None;
    }
    let (i, line, t, lead, cmd) = (c.i, c.line, c.t, c.lead, &c.cmd);
    let path = classify::resolve(&w.cwd, &c.words[c.words.len() - 1]);
    w.pending_edit = Some((path.clone(), line));
    let mut body = Vec::new();
    let mut j = c.k + 1;
    while j < c.lines.len() && matches!(c.lines[j].1, Line::Plain(_) | Line::Blank) {
        if let Line::Plain(p) = &c.lines[j].1 {
            body.push(p.clone());
        }
        j += 1;
    }
    if !body.is_empty() {
        let content = body.join("\n");
        // The file's one XML element, typed after the editor in the same block.
        if w.xml_edit(i, &path, &content, line, t, lead, Some(t))
            .is_none()
        {
            let verb = edit_verb(lead).unwrap_or_else(|| "add".to_string());
            w.edit(i, &verb, &path, &content, line, t, lead);
        }
        w.pending_edit = None;
        return Some(j);
    }
    if w.next_block_is_content(i) {
        let why = format!("opens {path}; the edit is the next block");
        w.note(i, line, cmd, why);
        w.pending_vim = Some(super::PendingVim {
            draft: w.drafts.len() - 1,
            path: path.clone(),
            line,
            target: t.clone(),
            cwd: w.cwd.clone(),
        });
    } else if let Some((value, from)) = w.value_from_other_host(i, &path, &t.hosts) {
        // `将rabbit1上获取的X文件内容覆盖到rabbit2上的该文件`: the content is a value the
        // operator reads on another host and gives once; never the runbook's example.
        let action = Action::WriteValue {
            path: path.clone(),
            value,
            from,
        };
        let mut d = w.draft(i, c.converge_or_manual(), t, line, cmd, action);
        d.source = format!("{lead}\n{}\n{}", c.block_source, w.following_prose(i));
        w.push(i, d);
    } else {
        // Nothing says what to write: a person edits, following the prose.
        let following = w.following_prose(i);
        let instruction = format!(
            "edit {path}: {}",
            if following.is_empty() {
                lead.to_string()
            } else {
                following.clone()
            }
        );
        let action = Action::Manual { instruction };
        let mut d = w.draft(i, StepKind::Manual, t, line, cmd, action);
        d.source = format!("{lead}\n{}\n{following}", c.block_source);
        w.push(i, d);
    }
    Some(c.k + 1)
}

/// Another client (`psql`, `redis-cli`) followed by its prompt's lines: the client runs once
/// with those lines as its input, never left waiting at a prompt.
fn client_session_rule(w: &mut Walker, c: &CommandLine) -> Option<usize> {
    if matches!(c.prog(), "mysql" | "mariadb") {
        return None;
    }
    // The mongo shell's own prompts: `> ` before a statement and `... ` before its next lines
    // (read as the client's input only right after a mongo client line).
    let mongo = matches!(c.prog(), "mongo" | "mongosh");
    let lines: Vec<(usize, Line)> = c
        .lines
        .iter()
        .enumerate()
        .map(|(n, (at, l))| match l {
            Line::Plain(p) if mongo && n > c.k => {
                let t = p.trim_start();
                match t.strip_prefix("> ").or_else(|| t.strip_prefix("...")) {
                    Some(rest) => (*at, Line::Sql(rest.trim().to_string())),
                    None => (*at, l.clone()),
                }
            }
            _ => (*at, l.clone()),
        })
        .collect();
    if !matches!(lines.get(c.k + 1).map(|l| &l.1), Some(Line::Sql(_))) {
        return None;
    }
    let (stmts, j) = w.collect_sql(c.i, &lines, c.k + 1);
    let source = c.block_source.to_string();
    w.client_session(c.i, c.line, &c.cmd, &stmts, c.t, source);
    Some(j)
}

/// `mysql -p` followed by `mysql>` lines: one SQL step.
fn mysql_rule(w: &mut Walker, c: &CommandLine) -> Option<usize> {
    let client_only = !c.cmd.contains('<') && !c.cmd.contains(" -e");
    if !matches!(c.prog(), "mysql" | "mariadb") || !client_only {
        return None;
    }
    let (stmts, j) = w.collect_sql(c.i, c.lines, c.k + 1);
    // `mysql -uroot -p` with nothing typed after it, here or in the next block: a client left
    // at its prompt (the next rule makes it a person's step).
    if stmts.is_empty() && !w.next_block_is_sql(c.i) {
        return None;
    }
    // The database named on the client line is given once, by rbc_sql.
    let words: Vec<&str> = c.words.iter().map(String::as_str).collect();
    let (client, db) = classify::mysql_client_and_db(&words);
    w.sql_session = Some((client.clone(), db));
    let statements = classify::sql_statements(&stmts);
    let (i, line, t, lead) = (c.i, c.line, c.t, c.lead);
    w.sql(i, line, Some(client), statements, t, lead, c.block_source);
    Some(j)
}

/// `ps -ef | grep X` + `kill -N <PID>`: find and stop the processes.
fn stop_idiom_rule(w: &mut Walker, c: &CommandLine) -> Option<usize> {
    let (pattern, signal, used) = stop_idiom(&c.lines[c.k..])?;
    let text = format!(
        "{}; {}",
        c.cmd,
        match &c.lines[c.k + used - 1].1 {
            Line::Command(x) => x.clone(),
            _ => String::new(),
        }
    );
    let action = Action::StopProcesses { pattern, signal };
    let mut d = w.draft(c.i, c.converge_or_manual(), c.t, c.line, &text, action);
    d.source = c.block_source.to_string();
    d.cwd = Some(w.cwd.clone());
    w.push(c.i, d);
    Some(c.k + used)
}

/// Any other command: typed by what it does (classify), manual when it destroys data or rbc
/// is not sure where it runs.
fn command_rule(w: &mut Walker, c: &CommandLine) -> Option<usize> {
    let (i, line, t, cmd) = (c.i, c.line, c.t, &c.cmd);
    let read = classify::command(cmd, &w.cwd);
    let mut action = read.action;
    // An upload sentence that named no file: the archive this line unpacks is the payload.
    if let Some((dir, up_hosts, up_line)) = w.pending_upload.clone() {
        if let Action::Extract { archive, .. } | Action::RpmInstall { file: archive } = &action {
            if let Some((adir, file)) = archive.rsplit_once('/') {
                if adir == dir {
                    let why_up = format!("upload sentence (line {up_line}) names no file; {file} is the one unpacked here");
                    let up = if up_hosts.hosts.is_empty() {
                        t.clone()
                    } else {
                        up_hosts
                    };
                    let up = Target { why: why_up, ..up };
                    w.payload(i, file, &dir, &up, up_line);
                    w.pending_upload = None;
                }
            }
        }
    }
    let mut kind = action.kind();
    if let Some(doubt) = &read.doubt {
        let (message, help) = if matches!(action, Action::Manual { .. }) {
            (
                doubt.clone(),
                "the bundle shows it and waits for the operator: a manual step",
            )
        } else {
            (
                format!("`{cmd}`: {doubt}"),
                "check the command; rbc keeps it as written",
            )
        };
        w.warn("W024", w.line_span(line), message, help);
    }
    if matches!(action, Action::Manual { .. }) {
        kind = StepKind::Manual;
    }
    if read.destructive
        || (c.phase == Phase::Rollback
            && matches!(action, Action::Run { .. })
            && is_destructive_cmd(cmd))
    {
        kind = StepKind::Manual;
        w.warn(
            "W025",
            w.line_span(line),
            format!("`{cmd}` destroys data: rbc does not run it, the operator runs it by hand and confirms"),
            "this is intended for rollback or cleanup; keep it manual",
        );
    }
    if !c.sure && kind != StepKind::Note {
        if kind != StepKind::Manual {
            action = Action::Manual {
                instruction: format!("run `{cmd}` on the right host"),
            };
        }
        kind = StepKind::Manual;
    }
    // `crontab -e` then the entries typed into it: the person's step shows them, and they are
    // not read again as text of the block.
    let mut next = c.k + 1;
    if c.prog() == "crontab" && c.words.iter().any(|a| a == "-e") {
        let mut typed = Vec::new();
        while next < c.lines.len() && matches!(c.lines[next].1, Line::Plain(_) | Line::Blank) {
            if let Line::Plain(p) = &c.lines[next].1 {
                typed.push(p.trim().to_string());
            }
            next += 1;
        }
        if let (false, Action::Manual { instruction }) = (typed.is_empty(), &mut action) {
            *instruction = format!("{instruction}; the entries to add:\n{}", typed.join("\n"));
        } else {
            next = c.k + 1;
        }
    }
    let nowhere = Target::nowhere(t.why.clone());
    let on = if kind == StepKind::Note { &nowhere } else { t };
    let mut d = w.draft(i, kind, on, line, cmd, action);
    d.cwd = Some(w.cwd.clone());
    d.source = c.block_source.to_string();
    w.push(i, d);
    Some(next)
}
