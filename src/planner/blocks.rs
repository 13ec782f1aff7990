use super::edits::edit_verb;
use super::hosts::{host_names, is_strong};
use super::shell::is_assignment;
use super::walk::RollbackCondition;
use super::Walker;
use crate::classify::{self, Line};
use crate::evidence::{Evidence, EvidenceKind, Target};
use crate::lexicon;
use crate::plan::{Action, Phase, StepKind};

impl<'a> Walker<'a> {
    /// Reads one fenced block: works out what every rule needs (the lead-in, the hosts, the
    /// lines and their prompts), then tries the rules of [`BLOCK_RULES`] in order until one
    /// has read it. The block uses up the annotation before it.
    pub(super) fn block(
        &mut self,
        i: usize,
        content: &str,
        first_line: usize,
        lead: Option<usize>,
    ) {
        let lead_text = self.lead_text(lead);
        // Where the block's own lines begin (its first non-blank line): content and SQL steps
        // point there, not at the fence.
        let content_line = first_line
            + content
                .lines()
                .position(|l| !l.trim().is_empty())
                .unwrap_or(0);
        let undone = self.undone_rename_hosts(content);
        // The host each line's prompt names (`[root@web-2 ~]#`), for the lines that show one
        // (`None`: a name rbc does not know).
        let line_hosts: Vec<(usize, Option<usize>)> = content
            .lines()
            .enumerate()
            .filter_map(|(n, l)| {
                let name = classify::prompt_host(l)?;
                Some((first_line + n, self.inv.find(&name)))
            })
            .collect();
        let mut prompt: Vec<usize> = Vec::new();
        for (_, h) in &line_hosts {
            if let Some(h) = h {
                if !prompt.contains(h) {
                    prompt.push(*h);
                }
            }
        }
        let block_line = self.doc.elements[i].line;
        let base = self.hosts_for_with(lead.unwrap_or(i), &lead_text, true, undone, &prompt);
        // `上面这条同样在 etcd-01 上执行`: the sentence right after the block names its hosts,
        // over weaker evidence (a title, hosts carried over); against a sentence before, no.
        let base = match self.named_after(i) {
            Some(t) if !is_strong(&base) => t,
            _ => base,
        };
        let (t, rest) = self.prompt_rules(base, &prompt, block_line);
        let lines: Vec<(usize, Line)> = content
            .lines()
            .enumerate()
            .map(|(n, l)| (first_line + n, classify::parse_line(l)))
            .collect();
        let annotation = self.annotation.clone();
        // Under an announced edit (`在/etc/x末尾追加：`), `# text` lines are the file's comments
        // unless one of them is a real command.
        let announced_edit = !lexicon::shows_existing(&lead_text)
            && (annotation.as_ref().is_some_and(|a| a.edit.is_some())
                || edit_verb(&lead_text).is_some())
            && self.edit_target(&lead_text).is_some();
        // `# start at boot` over `systemctl enable nginx`: when no `# ` line is a command rbc
        // knows and other lines are, the `#` lines are the comments of a block without prompts
        // (read as prompts, the real commands would be taken for output and never run).
        let raw: Vec<&str> = content.lines().collect();
        let root_prompt = |n: usize| raw[n - first_line].trim_start().starts_with("# ");
        let hashed_commands = lines
            .iter()
            .any(|(n, l)| matches!(l, Line::Command(c) if root_prompt(*n) && classify::looks_like_command(c)));
        let other_prompts = lines
            .iter()
            .any(|(n, l)| matches!(l, Line::Command(_) if !root_prompt(*n)));
        let bare_commands = lines
            .iter()
            .any(|(_, l)| matches!(l, Line::Plain(p) if classify::looks_like_command(p.trim())));
        let lines: Vec<(usize, Line)> = if !hashed_commands && !other_prompts && bare_commands {
            lines
                .into_iter()
                .map(|(n, l)| match l {
                    Line::Command(c) if root_prompt(n) => (n, Line::Comment(c)),
                    l => (n, l),
                })
                .collect()
        } else {
            lines
        };
        let has_commands = lines.iter().any(|(_, l)| match l {
            Line::Sql(_) => true,
            Line::Command(c) => !announced_edit || classify::looks_like_command(c),
            _ => false,
        });
        let lines: Vec<(usize, Line)> = if has_commands {
            lines
        } else {
            content
                .lines()
                .enumerate()
                .map(|(n, l)| {
                    let l = if l.trim().is_empty() {
                        Line::Blank
                    } else {
                        Line::Plain(l.to_string())
                    };
                    (first_line + n, l)
                })
                .collect()
        };
        let mut b = Block {
            i,
            content,
            first_line,
            lead,
            block_line,
            content_line,
            phase: self.phase(),
            edit_verb: annotation
                .as_ref()
                .and_then(|a| a.edit.clone())
                .or_else(|| edit_verb(&lead_text)),
            edit_file: annotation.as_ref().and_then(|a| a.file.clone()),
            lead_text,
            t,
            rest,
            lines,
            has_commands,
            unknown_prompt: line_hosts.iter().any(|(_, h)| h.is_none()),
            line_hosts,
            prompt,
        };
        let (drafts, diags) = (self.drafts.len(), self.diags.len());
        // `如果只是配置问题，在 lb-1 上只还原配置：` in the rollback chapter: a branch (decided before
        // this block's own steps count as the chapter having started).
        if self.branch.is_none() && !self.troubleshooting {
            if let Some(l) = lead {
                let text = self.doc.elements[l].text();
                if self.rollback_condition(text) == Some(RollbackCondition::Branch) {
                    self.branch = Some(self.doc.elements[l].line);
                }
            }
        }
        for (_, rule) in BLOCK_RULES {
            if rule(self, &mut b) {
                break;
            }
        }
        // A branch of the rollback (`如果是证书问题导致的失败，…也一并删除`), or a section for when
        // something has failed (`附：主库故障时手工提升备库`): the operator judges the condition,
        // so its steps are manual (W046).
        let branch = self.branch.take();
        // `…即可。如果没有，执行：`: the block runs only if something holds that a person judges.
        // (The rollback chapter's conditions are read by `rollback_condition`.)
        let conditional = lead.filter(|l| {
            let last = lexicon::last_sentence(self.doc.elements[*l].text()).trim();
            // (`Optionally:`, `If the health check fails, run:`, `也可以用下面的命令：` as well.)
            self.phase() != Phase::Rollback
                && (lexicon::starts_with_any(last, lexicon::CONDITION_STARTS)
                    || lexicon::comment_condition(last))
        });
        let conditional = conditional.map(|l| self.doc.elements[l].line);
        let condition = branch.or(conditional).or_else(|| self.contingency_title());
        self.conditional_since(drafts, condition);
        self.hostless_is_said(i, drafts, diags);
        self.annotation = None;
    }

    /// The hosts the sentence right after block `i` names for it (`上面这条同样在 etcd-01 上执行`,
    /// `以上命令在 db-2 上执行`): it opens by pointing back at the block (not `也`/`还`: as well
    /// as where else, it does not say).
    fn named_after(&self, i: usize) -> Option<Target> {
        const BACK: &[&str] = &[
            "上面这条",
            "上面这些",
            "上面的命令",
            "上面命令",
            "上面这段",
            "以上命令",
            "以上这条",
            "上述命令",
            "以上操作",
            "上述操作",
            "上面的操作",
        ];
        let e = self.doc.elements.get(i + 1)?;
        let text = match &e.kind {
            crate::document::ElementKind::Paragraph { text } => text,
            _ => return None,
        };
        let opening =
            text.trim_start_matches(|c: char| c.is_whitespace() || c == '注' || c == '：');
        // `…也要在 db-2 上执行`: there as well as elsewhere, which the sentence does not say.
        if !BACK.iter().any(|b| opening.starts_with(b))
            || text.contains('也')
            || text.contains('还')
        {
            return None;
        }
        let prose = self.without_inline_code(i + 1, text);
        let t = crate::scope::targets(&prose, self.inv, &[])?;
        (!t.hosts.is_empty()).then(|| {
            Target::new(
                t.hosts,
                EvidenceKind::Sentence,
                e.line,
                format!("the sentence after the block: {} (line {})", t.how, e.line),
            )
        })
    }

    /// A step of block `i` (drafted from `drafts` on) that is on no host and not a note, with
    /// no warning given for the block since `diags`: W031, so that nothing goes to no host
    /// silently.
    fn hostless_is_said(&mut self, i: usize, drafts: usize, diags: usize) {
        let hostless = self.drafts[drafts..]
            .iter()
            .any(|d| d.kind != StepKind::Note && d.hosts.is_empty() && d.evidence.is_empty());
        let span = self.doc.elements[i].span.clone();
        let warned = self.diags[diags..].iter().any(|d| {
            d.severity == crate::diagnostic::Severity::Warning
                && d.span
                    .as_ref()
                    .is_some_and(|s| s.start < span.end && span.start < s.end)
        });
        if hostless && !warned {
            self.warn(
                "W031",
                span,
                "rbc cannot tell which hosts this block is for; its steps are manual".into(),
                "name the hosts before the block (`在web-1上`) or add `<!-- rbc: hosts=... -->`",
            );
        }
    }

    /// The lines on `t`, then the same lines on `rest` (other hosts whose evidence is weaker,
    /// so their steps are manual), each from the shell state the block started in.
    pub(super) fn commands_and_rest(
        &mut self,
        i: usize,
        lines: &[(usize, Line)],
        t: &Target,
        rest: Option<Target>,
        phase: Phase,
        lead: &str,
    ) {
        let Some(rest) = rest else {
            self.commands(i, lines, t, phase, lead);
            return;
        };
        let before = self.shell_state();
        self.commands(i, lines, t, phase, lead);
        let after = self.shell_state();
        self.set_shell_state(before);
        self.commands(i, lines, &rest, phase, lead);
        self.set_shell_state(after);
    }

    /// A lead-in clause whose verb no command of the block does: a warning and a manual step.
    pub(super) fn missing_clauses(
        &mut self,
        i: usize,
        lead: Option<usize>,
        lead_text: &str,
        lines: &[(usize, Line)],
        t: &Target,
    ) {
        let Some(lead) = lead else { return };
        let commands: Vec<String> = lines
            .iter()
            .filter_map(|(_, l)| match l {
                Line::Command(c) | Line::Sql(c) => Some(c.to_ascii_lowercase()),
                _ => None,
            })
            .collect();
        for clause in lead_text.split(['，', ',', '；', ';', '：', ':', '。']) {
            let clause = clause.trim();
            if clause.contains("即可") {
                break; // what follows `即可` is the result, not more work
            }
            if clause.is_empty()
                || lexicon::contains_any(clause, lexicon::CLAUSE_SKIP)
                || lexicon::contains_any(clause, lexicon::UPLOAD)
            {
                continue;
            }
            let missing = lexicon::VERB_FAMILIES.iter().any(|(verbs, cmds)| {
                verbs.iter().any(|v| lexicon::has_verb(clause, v))
                    && !commands.iter().any(|c| cmds.iter().any(|w| c.contains(w)))
            });
            if missing {
                let span = self.doc.elements[lead].span.clone();
                self.warn(
                    "W027",
                    span,
                    format!("the sentence says `{clause}` but the block after it does not do that; rbc makes it a manual step"),
                    "add the command to the block, or reword the sentence",
                );
                let line = self.doc.elements[lead].line;
                let t = if t.guess().is_some() {
                    Target::nowhere("a person does it; no server named")
                } else {
                    t.clone()
                };
                let d = self.draft(
                    lead,
                    StepKind::Manual,
                    &t,
                    line,
                    clause,
                    Action::Manual {
                        instruction: clause.to_string(),
                    },
                );
                self.push(lead, d);
                let _ = i;
            }
        }
    }
}

/// The lines of a prompt-less block as commands, when every line that starts one looks like a
/// command; here-document bodies and continued lines stay as they are (commands reads them).
/// With evidence that the block is shell (`evidence`), a line may also be a command of a
/// program rbc does not list ([`classify::command_shaped`]), a loop written over several lines
/// is one command, and `NAME=value` sets a variable for the lines after it.
pub(super) fn promptless_commands(
    lines: &[(usize, Line)],
    content: &str,
    first_line: usize,
    evidence: Option<classify::ShellEvidence>,
) -> Option<Vec<(usize, Line)>> {
    let raw: Vec<&str> = content.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    let mut k = 0;
    let mut any = false;
    while k < lines.len() {
        let (n, line) = &lines[k];
        let text = raw.get(n - first_line).copied().unwrap_or("").trim();
        match line {
            Line::Blank => out.push((*n, Line::Blank)),
            Line::Comment(_) | Line::Sql(_) => out.push((*n, line.clone())),
            // `# 注释` between commands: bash reads a comment, so does rbc.
            Line::Plain(_) if text.starts_with('#') && !text.starts_with("#!") => {
                let c = text.trim_start_matches('#').trim();
                out.push((*n, Line::Comment(c.to_string())));
            }
            Line::Plain(_) | Line::Command(_) => {
                let known = classify::looks_like_command(text);
                let shaped = evidence.is_some_and(|e| {
                    classify::command_shaped(text, e)
                        || classify::shell_keyword_line(text)
                        || (e == classify::ShellEvidence::Declared && shell_variable(text))
                });
                if !(known || shaped) {
                    return None;
                }
                any |= !shell_variable(text);
                // A loop or condition over several lines: one command.
                if evidence.is_some() && classify::shell_keyword_line(text) {
                    let mut depth = compound_depth(text);
                    let mut cmd = text.to_string();
                    let start = *n;
                    let mut rest = Vec::new();
                    while depth > 0 && k + 1 < lines.len() {
                        k += 1;
                        let next = raw
                            .get(lines[k].0 - first_line)
                            .copied()
                            .unwrap_or("")
                            .trim();
                        rest.push(lines[k].0);
                        if next.is_empty() {
                            continue;
                        }
                        depth += compound_depth(next);
                        let glue = if ["do", "then", "else", "|", "&&", "||"]
                            .iter()
                            .any(|w| cmd.ends_with(w))
                        {
                            " "
                        } else {
                            "; "
                        };
                        cmd = format!("{cmd}{glue}{next}");
                    }
                    if depth != 0 {
                        return None;
                    }
                    out.push((start, Line::Command(cmd)));
                    out.extend(rest.into_iter().map(|r| (r, Line::Blank)));
                    k += 1;
                    continue;
                }
                out.push((*n, Line::Command(text.to_string())));
                let mut cmd = text.to_string();
                while cmd.ends_with('\\') && k + 1 < lines.len() {
                    k += 1;
                    cmd = raw
                        .get(lines[k].0 - first_line)
                        .copied()
                        .unwrap_or("")
                        .trim()
                        .to_string();
                    out.push((lines[k].0, Line::Plain(cmd.clone())));
                }
                if let Some(delim) = classify::heredoc_delimiter(text) {
                    while k + 1 < lines.len() {
                        k += 1;
                        let body = raw.get(lines[k].0 - first_line).copied().unwrap_or("");
                        out.push((lines[k].0, Line::Plain(body.to_string())));
                        if body.trim() == delim {
                            break;
                        }
                    }
                }
            }
        }
        k += 1;
    }
    any.then_some(out)
}

/// `ETCD_VER=v3.5.10`: a shell variable set for the lines after it (upper-case name).
fn shell_variable(line: &str) -> bool {
    let l = line.trim();
    l.split_once('=').is_some_and(|(k, v)| {
        !k.is_empty()
            && k.starts_with(|c: char| c.is_ascii_uppercase() || c == '_')
            && k.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            && !v.starts_with(char::is_whitespace)
            && !v.contains(char::is_whitespace)
    })
}

/// How many loops or conditions a line opens (`for … do`) less how many it closes (`done`).
fn compound_depth(line: &str) -> i32 {
    let mut d = 0;
    for w in line.split(|c: char| c.is_whitespace() || c == ';') {
        match w {
            "for" | "while" | "until" | "if" | "case" => d += 1,
            "done" | "fi" | "esac" => d -= 1,
            _ => {}
        }
    }
    d
}

/// One fenced block being read, with what the rules need to know about it.
pub(super) struct Block<'c> {
    i: usize,
    content: &'c str,
    first_line: usize,
    /// The sentence that leads in to the block, and its text.
    lead: Option<usize>,
    lead_text: String,
    /// The fence's line, and the block's first non-blank line.
    block_line: usize,
    content_line: usize,
    /// The block's hosts, and the hosts its prompt leaves to a person.
    t: Target,
    rest: Option<Target>,
    phase: Phase,
    /// Each line read as a command, SQL, comment or text (all text when nothing runs).
    lines: Vec<(usize, Line)>,
    has_commands: bool,
    /// Lines whose prompt names a host (`None`: a name rbc does not know), the hosts named.
    line_hosts: Vec<(usize, Option<usize>)>,
    prompt: Vec<usize>,
    unknown_prompt: bool,
    /// The edit the lead-in or an annotation announces, and the file an annotation names.
    edit_verb: Option<String>,
    edit_file: Option<String>,
}

/// A rule returns true when it has read the block.
type BlockRule = for<'a, 'c> fn(&mut Walker<'a>, &mut Block<'c>) -> bool;

/// The rules for a fenced block, in the order they are tried. To add a reading rule: write one
/// function `fn(&mut Walker, &mut Block) -> bool` below and put it in this list where it
/// belongs (earlier rules win; the last one reads what is left).
pub(super) const BLOCK_RULES: &[(&str, BlockRule)] = &[
    ("given as an example (W032)", example_rule),
    ("an alternative way, for people", alternative_rule),
    ("output shown for people", output_shown_rule),
    ("advice for when something fails", troubleshooting_rule),
    ("existing content shown for reference", excerpt_rule),
    ("an editor, then the file's content", editor_content_rule),
    ("one XML element of a file", xml_element_rule),
    ("the content of an announced edit", edit_rule),
    (
        "a snippet in a programming language, for people",
        snippet_rule,
    ),
    (
        "commands under comments naming their host",
        host_comments_rule,
    ),
    ("SQL without a prompt", promptless_sql_rule),
    ("commands without prompts", promptless_commands_rule),
    ("content rbc cannot place (W020)", unplaced_content_rule),
    ("commands under prompts", prompted_commands_rule),
];

/// `如：` before a block: rbc runs what it shows, nothing more (a warning; reading goes on).
fn example_rule(w: &mut Walker, b: &mut Block) -> bool {
    if lexicon::contains_any(&b.lead_text, lexicon::EXAMPLE)
        && !lexicon::contains_any(&b.lead_text, lexicon::TROUBLESHOOTING)
    {
        w.warn(
            "W032",
            w.content_span(b.i, None),
            "this block is given as an example (`如：`); rbc runs exactly what it shows, nothing more".into(),
            "list every case in the runbook, or mark the block `<!-- rbc: kind=manual -->`",
        );
    }
    false
}

/// `注：也可以…`: another way to do it, shown for people.
fn alternative_rule(w: &mut Walker, b: &mut Block) -> bool {
    let alternative = lexicon::starts_with_any(&b.lead_text, lexicon::NOTE_PREFIX)
        && lexicon::contains_any(&b.lead_text, lexicon::ALTERNATIVE);
    if alternative {
        let why = "an alternative way, shown for people; not executed";
        w.note(b.i, b.block_line, b.content.trim(), why);
    }
    alternative
}

/// `内容大致如下：` after a look: what it prints, shown for people.
fn output_shown_rule(w: &mut Walker, b: &mut Block) -> bool {
    let runs_something = b.content.lines().any(|l| match classify::parse_line(l) {
        Line::Command(c) => classify::looks_like_command(&c),
        Line::Sql(_) => true,
        _ => false,
    });
    // A lead-in that is only a label (`输出：`, `返回结果：`): whatever the block holds, it is
    // what the command before printed.
    let label = b
        .lead_text
        .trim()
        .trim_end_matches([':', '：', '。'])
        .trim();
    let only_label = lexicon::OUTPUT_LABELS.contains(&label);
    // The sentence that introduces the block is the lead-in's last one: `…能看到 RUNNING 即可。
    // 验证完后取消作业：` speaks of the output before it, then asks for the block.
    // (Not when the last sentence is a condition: `…即可。如果没有，执行：` is advice on the output.)
    let last = Some(lexicon::last_sentence(&b.lead_text))
        .filter(|l| !lexicon::starts_with_any(l.trim(), lexicon::CONDITION_STARTS))
        .unwrap_or(&b.lead_text);
    let shown = only_label
        || (lexicon::contains_any(last, lexicon::OUTPUT_SHOWN)
            && !lexicon::contains_any(&b.lead_text, lexicon::RUN_VERBS)
            && edit_verb(&b.lead_text).is_none()
            && !runs_something);
    if shown {
        let why = "example output shown for people; not executed";
        w.note(b.i, b.block_line, b.content.trim(), why);
    }
    shown
}

fn troubleshooting_rule(w: &mut Walker, b: &mut Block) -> bool {
    if !(w.troubleshooting || lexicon::is_troubleshooting(&b.lead_text) || w.in_faq()) {
        return false;
    }
    if !w.troubleshooting {
        if let Some(c) = w.rollback_condition(&b.lead_text) {
            if c == RollbackCondition::Branch && w.branch.is_none() {
                w.branch = Some(b.lead.map_or(b.block_line, |l| w.doc.elements[l].line));
            }
            return false;
        }
    }
    w.troubleshooting = false; // the advice covered this block only
    let why = "troubleshooting advice; not executed";
    w.note(b.i, b.block_line, b.content.trim(), why);
    true
}

/// `原配置如下：`: what a file holds now, kept to check later edits against; never run.
fn excerpt_rule(w: &mut Walker, b: &mut Block) -> bool {
    let shows_existing = lexicon::shows_existing(&b.lead_text);
    if b.has_commands || !shows_existing || b.edit_verb.as_deref() == Some("write") {
        return false;
    }
    w.excerpt = Some(b.content.to_string());
    let shown = Target {
        hosts: Vec::new(),
        evidence: vec![Evidence::new(EvidenceKind::Excerpt, b.block_line)],
        why: format!(
            "existing content shown for reference on {}; not executed",
            host_names(w.inv, &b.t.hosts)
        ),
    };
    let d = w.draft(
        b.i,
        StepKind::Note,
        &shown,
        b.block_line,
        b.content.trim(),
        Action::Note,
    );
    w.push(b.i, d);
    true
}

/// A prompt-less block whose first line opens a file in an editor (`vim /opt/zk/conf/zoo.cfg`)
/// and whose other lines are text: those lines are that file's content, read as a prompted
/// block would be (the editor rule of the command lines).
fn editor_content_rule(w: &mut Walker, b: &mut Block) -> bool {
    if b.has_commands {
        return false;
    }
    let mut rows = b.lines.iter().filter(|(_, l)| !matches!(l, Line::Blank));
    let Some((first, Line::Plain(opener))) = rows.next() else {
        return false;
    };
    let words: Vec<&str> = opener.split_whitespace().collect();
    let editor =
        matches!(words.as_slice(), ["vim" | "vi" | "nano", file] if !file.starts_with('-'));
    if !editor || rows.next().is_none() {
        return false;
    }
    let lines: Vec<(usize, Line)> = b
        .lines
        .iter()
        .map(|(n, l)| match l {
            Line::Plain(p) if n == first => (*n, Line::Command(p.trim().to_string())),
            other => (*n, other.clone()),
        })
        .collect();
    w.commands(b.i, &lines, &b.t, b.phase, &b.lead_text);
    true
}

/// One XML element (`<configuration>`…`</configuration>`) after `vim FILE` or a sentence that
/// names it or says it is replaced: the file's one such element becomes the block's. When that
/// edit is automated, the `vim FILE` line before becomes a check that FILE exists, where the
/// editor line runs (the operator learns a wrong path before the edit).
fn xml_element_rule(w: &mut Walker, b: &mut Block) -> bool {
    if b.has_commands || b.edit_verb.as_deref() == Some("write") {
        return false;
    }
    let Some(path) = b.edit_file.clone().or_else(|| w.edit_target(&b.lead_text)) else {
        return false;
    };
    let vim = w.pending_vim.clone().filter(|v| {
        v.path == path
            && w.pending_edit.as_ref() == Some(&(v.path.clone(), v.line))
            && w.drafts.get(v.draft).is_some_and(|d| {
                d.line == v.line
                    && d.kind == StepKind::Note
                    // the block right after the editor's: no other block between
                    && (d.element + 1..b.i).all(|j| {
                        !matches!(
                            w.doc.elements[j].kind,
                            crate::document::ElementKind::Code { .. }
                        )
                    })
            })
    });
    let (i, content, line) = (b.i, b.content, b.content_line);
    let automated = w.xml_edit(
        i,
        &path,
        content,
        line,
        &b.t,
        &b.lead_text,
        vim.as_ref().map(|v| &v.target),
    );
    let Some(automated) = automated else {
        return false;
    };
    w.pending_edit = None;
    w.pending_vim = None;
    if let (true, Some(v)) = (automated, vim) {
        let hosts = w.drafts.last().map(|d| d.hosts.clone()).unwrap_or_default();
        let evidence = w
            .drafts
            .last()
            .map(|d| d.evidence.clone())
            .unwrap_or_default();
        let why = w.drafts.last().map(|d| d.why.clone()).unwrap_or_default();
        let command = format!("test -f {}", crate::quote::quote(&path));
        let d = &mut w.drafts[v.draft];
        d.kind = StepKind::Check;
        d.text = command.clone();
        d.action = Action::Probe { command };
        d.hosts = hosts;
        d.evidence = evidence;
        d.why = format!("{why}; the file the next block edits must exist");
        d.cwd = Some(v.cwd);
    }
    true
}

/// Content for an edit: announced by prose (or an annotation), for a file rbc can name.
fn edit_rule(w: &mut Walker, b: &mut Block) -> bool {
    if b.has_commands {
        return false;
    }
    let path = b.edit_file.clone().or_else(|| w.edit_target(&b.lead_text));
    let (Some(verb), Some(path)) = (b.edit_verb.clone(), path) else {
        return false;
    };
    let (i, content, line) = (b.i, b.content, b.content_line);
    w.edit(i, &verb, &path, content, line, &b.t, &b.lead_text);
    true
}

/// A fence marked as a programming language (```python, ```java) that no edit announces:
/// code shown to explain, not commands for the host.
fn snippet_rule(w: &mut Walker, b: &mut Block) -> bool {
    const LANGUAGES: &[&str] = &[
        "python",
        "py",
        "java",
        "go",
        "golang",
        "javascript",
        "js",
        "typescript",
        "ts",
        "c",
        "cpp",
        "c++",
        "rust",
        "rs",
        "ruby",
        "php",
        "csharp",
        "cs",
        "kotlin",
        "scala",
        "lua",
    ];
    let crate::document::ElementKind::Code { info, .. } = &w.doc.elements[b.i].kind else {
        return false;
    };
    let lang = info
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if b.has_commands || !LANGUAGES.contains(&lang.as_str()) {
        return false;
    }
    let why = format!("a {lang} snippet shown for people; not executed");
    w.note(b.i, b.block_line, b.content.trim(), why);
    true
}

/// A prompt-less SQL block: its first line starts with a SQL keyword.
fn promptless_sql_rule(w: &mut Walker, b: &mut Block) -> bool {
    if b.has_commands {
        return false;
    }
    let plain: Vec<String> = b
        .content
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    if !plain.first().is_some_and(|l| classify::looks_like_sql(l))
        || plain.iter().any(|l| classify::is_shell_only(l))
    {
        return false;
    }
    let statements = classify::sql_statements(&plain);
    let (i, line, content) = (b.i, b.content_line, b.content);
    w.sql(i, line, None, statements, &b.t, &b.lead_text, content);
    true
}

/// A block of commands without prompts: every line starts a command, except the lines of a
/// here-document and lines continued with `\`. Content announced as an edit is never run as
/// commands, even when rbc cannot name its file (`配置环境变量：` over `export …` lines).
fn promptless_commands_rule(w: &mut Walker, b: &mut Block) -> bool {
    if b.has_commands {
        return false;
    }
    let evidence = shell_evidence(w, b);
    let Some(as_commands) = promptless_commands(&b.lines, b.content, b.first_line, evidence) else {
        return false;
    };
    // Lines that only set variables (`export JAVA_HOME=…`) are content to keep in a file,
    // not commands: with an edit announced and no file named, manual.
    let sets_variables = as_commands
        .iter()
        .any(|(_, l)| matches!(l, Line::Command(c) if is_assignment(c)));
    let announced = lexicon::contains_any(&b.lead_text, lexicon::EDIT_STRONG)
        || (b.edit_verb.is_some() && sets_variables);
    if announced {
        return false;
    }
    w.commands(b.i, &as_commands, &b.t, b.phase, &b.lead_text);
    true
}

/// The fence (```bash) or the sentence (`执行：`) says the block is shell; else one of its
/// lines is a command rbc knows; else none.
fn shell_evidence(w: &Walker, b: &Block) -> Option<classify::ShellEvidence> {
    let crate::document::ElementKind::Code { info, .. } = &w.doc.elements[b.i].kind else {
        return None;
    };
    let fence = info
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let declared = matches!(
        fence.as_str(),
        "bash" | "sh" | "shell" | "console" | "zsh" | "ksh" | "shell-session"
    ) || (lexicon::RUN_VERBS
        .iter()
        .any(|v| lexicon::has_verb(&b.lead_text, v))
        && !lexicon::contains_any(&b.lead_text, lexicon::OUTPUT_SHOWN)
        && b.edit_verb.is_none());
    let seen = b.content.lines().any(|l| {
        let t = l.trim();
        classify::looks_like_command(t) || t.starts_with("for ")
    });
    if declared {
        Some(classify::ShellEvidence::Declared)
    } else if seen {
        Some(classify::ShellEvidence::Seen)
    } else {
        None
    }
}

/// Text rbc cannot place (no prompt, no edit it can name): a person's step, with W020.
fn unplaced_content_rule(w: &mut Walker, b: &mut Block) -> bool {
    if b.has_commands {
        return false;
    }
    let reason = if b.edit_verb.is_some() {
        "says to edit a file but rbc cannot tell which file"
    } else {
        "rbc cannot tell what this block is (no command prompt, no edit announced)"
    };
    w.warn("W020", w.doc.elements[b.i].span.clone(), format!("block {reason}; it becomes a manual step"), "announce the file (`在/etc/x.conf末尾补充如下内容：`) or add `<!-- rbc: edit=append file=/path -->`");
    let t = b.t.clone();
    manual_block(w, b, &t);
    true
}

/// The whole block, with its lead-in, as one step a person does on `t`'s hosts.
fn manual_block(w: &mut Walker, b: &Block, t: &Target) {
    let (lead_text, content) = (&b.lead_text, b.content);
    let action = Action::Manual {
        instruction: format!("{lead_text}\n{content}").trim().to_string(),
    };
    let mut d = w.draft(
        b.i,
        StepKind::Manual,
        t,
        b.content_line,
        content.trim(),
        action,
    );
    d.source = format!("{lead_text}\n{content}");
    w.push(b.i, d);
}

/// Commands (and SQL) under prompts. Lines under prompts naming different hosts go to their
/// own hosts, each run of lines under one prompt after the other.
fn prompted_commands_rule(w: &mut Walker, b: &mut Block) -> bool {
    let (i, t, lines, phase) = (b.i, &b.t, &b.lines, b.phase);
    w.missing_clauses(i, b.lead, &b.lead_text, lines, t);
    let annotated = t
        .evidence
        .iter()
        .any(|e| e.kind == EvidenceKind::Annotation);
    if !((b.prompt.len() > 1 || b.unknown_prompt) && !annotated) {
        let rest = b.rest.take();
        w.commands_and_rest(i, lines, t, rest, phase, &b.lead_text);
        return true;
    }
    let strong = is_strong(t);
    let mut start = 0;
    while start < lines.len() {
        // `Some(None)`: under a prompt naming a host rbc does not know.
        let host_at = |k: usize| {
            b.line_hosts
                .iter()
                .rev()
                .find(|(l, _)| *l <= lines[k].0)
                .map(|(_, h)| *h)
        };
        let host = host_at(start);
        let mut end = start + 1;
        while end < lines.len() && host_at(end) == host {
            end += 1;
        }
        let run_target = match host {
            Some(Some(h)) => {
                let on = Target::new(
                    vec![h],
                    EvidenceKind::Prompt,
                    lines[start].0,
                    format!("the prompt shows {}", w.inv.hosts[h].name),
                );
                // Prompts of several hosts in one block decide line by line (SPEC §2.1), over
                // a sentence too; one prompt against the sentence is a doubt (`prompt_rules`).
                if strong && !t.hosts.contains(&h) && b.prompt.len() < 2 {
                    on.with(EvidenceKind::PromptDisagrees, lines[start].0, "")
                } else {
                    on
                }
            }
            Some(None) => Target::nowhere("the prompt names a host rbc does not know"),
            None => t.clone(),
        };
        // Hosts the sentence names that no prompt of the block shows: a person's step.
        let uncovered: Vec<usize> = t
            .hosts
            .iter()
            .copied()
            .filter(|h| strong && !b.prompt.contains(h))
            .collect();
        let rest = (!uncovered.is_empty() && host.is_some()).then(|| Target {
            hosts: uncovered,
            ..t.clone()
                .with(EvidenceKind::PromptShowsOther, lines[start].0, "")
        });
        w.commands_and_rest(
            i,
            &lines[start..end],
            &run_target,
            rest,
            phase,
            &b.lead_text,
        );
        start = end;
    }
    true
}

/// Words a comment that only says where the lines under it run may hold besides the host
/// (`# 在 node1 上执行`, `# master 节点`, `# k8s-node2:`).
const HOST_LABEL_WORDS: &[&str] = &[
    "以下命令",
    "下面的命令",
    "以下",
    "下面",
    "命令",
    "仅在",
    "只在",
    "仅",
    "只",
    "需要",
    "在",
    "上面",
    "上执行",
    "上操作",
    "执行",
    "操作",
    "上",
    "节点",
    "机器",
    "服务器",
    "主机",
    "的",
    "中",
];

impl<'a> Walker<'a> {
    /// The one host a comment of a block names, when the comment says nothing else: a host's
    /// name or alias, the part of one server's name after its last `-` (`node1` for
    /// `k8s-node1`), or a role or group of one server (`master`, `主节点`).
    fn comment_host(&self, comment: &str) -> Option<usize> {
        let (hosts, mut rest, all) = self.comment_hosts(comment, true)?;
        let ([host], true) = (hosts.as_slice(), all) else {
            return None;
        };
        for w in HOST_LABEL_WORDS {
            rest = rest.replace(w, " ");
        }
        let label = rest
            .chars()
            .all(|c| c.is_whitespace() || ":：()（）-—,，.。".contains(c));
        label.then_some(*host)
    }

    /// The servers a comment names (name, alias, address, the tail of one server's name, a
    /// role of one server), the comment's text without them, and whether every ASCII word of
    /// it named one. None when a role word names several servers at once, and with
    /// `label_only` as soon as an ASCII word names none (`# systemctl start x` under a prompt).
    fn comment_hosts(&self, comment: &str, label_only: bool) -> Option<(Vec<usize>, String, bool)> {
        let text = comment.trim();
        let mut rest = text.to_string();
        let mut hosts: Vec<usize> = Vec::new();
        let mut all = true;
        let server = |h: &usize| self.inv.hosts[*h].kind == crate::plan::HostKind::Server;
        let ips = if text.contains('.') {
            crate::inventory::ips_in(text)
        } else {
            Vec::new()
        };
        for ip in ips {
            if let Some(h) = self.inv.by_ip(&ip).filter(server) {
                hosts.push(h);
                rest = rest.replacen(&ip, " ", 1);
            }
        }
        for word in crate::inventory::ascii_words(&rest.clone()) {
            let lower = word.to_ascii_lowercase();
            // One map of name tails for the whole walk (a scan of every server per word made
            // a block-per-host runbook quadratic).
            let short = || {
                let tails = self.name_tails.get_or_init(|| {
                    let mut m: std::collections::HashMap<String, Option<usize>> =
                        std::collections::HashMap::new();
                    for (i, h) in self.inv.servers() {
                        if let Some((_, tail)) = h.name.to_ascii_lowercase().rsplit_once('-') {
                            m.entry(tail.to_string())
                                .and_modify(|e| *e = None)
                                .or_insert(Some(i));
                        }
                    }
                    m
                });
                tails.get(&lower).copied().flatten()
            };
            let group = || {
                let g = self.inv.group(word);
                (g.len() == 1).then(|| g[0])
            };
            match self
                .inv
                .find(word)
                .filter(server)
                .or_else(short)
                .or_else(group)
            {
                Some(host) => {
                    hosts.push(host);
                    rest = rest.replacen(word, " ", 1);
                }
                None if label_only => return None,
                None => all = false,
            }
        }
        for (word, g) in crate::scope::group_words(&rest.clone(), self.inv) {
            let [one] = g.as_slice() else { return None };
            hosts.push(*one);
            rest = rest.replacen(&word, " ", 1);
        }
        hosts.sort_unstable();
        hosts.dedup();
        Some((hosts, rest, all))
    }
}

/// A comment naming one host: the host, the comment's line and text, the lines under it.
type LabelRun = (usize, usize, String, Vec<(usize, Line)>);

/// `# k8s-node2 这台还要清理 cni` above command lines, in a block for both nodes: the comment
/// says the lines under it may be some hosts' only, and rbc cannot tell which lines. A comment
/// (not a command) that names some of the block's hosts but not all, with a command after it,
/// makes the block a person's step with W090 naming the comment — never run on the others.
fn named_in_passing(w: &mut Walker, b: &mut Block) -> bool {
    if b.t.hosts.len() < 2 {
        return false;
    }
    let mut named: Option<(usize, String, Vec<usize>)> = None;
    // Without prompts every line is text here: `#` lines are comments, the others commands.
    let bare = !b.has_commands;
    let mut heredoc: Option<String> = None;
    for (at, line) in &b.lines {
        // A here-document's text is a file's content, not comments of the block.
        if let Some(delim) = &heredoc {
            if w.source.line_text(*at).trim() == delim {
                heredoc = None;
            }
            continue;
        }
        if let Line::Command(c) | Line::Plain(c) = line {
            heredoc = classify::heredoc_delimiter(c);
        }
        let line = match line {
            Line::Plain(p) if bare && p.trim().starts_with('#') && !p.trim().starts_with("#!") => {
                Line::Comment(p.trim().trim_start_matches('#').trim().to_string())
            }
            Line::Plain(p) if bare => Line::Command(p.clone()),
            l => l.clone(),
        };
        match &line {
            Line::Comment(c) if named.is_none() => {
                let Some((hosts, _, _)) = w.comment_hosts(c, false) else {
                    continue;
                };
                if !hosts.is_empty()
                    && hosts.len() < b.t.hosts.len()
                    && hosts.iter().all(|h| b.t.hosts.contains(h))
                {
                    named = Some((*at, c.clone(), hosts));
                }
            }
            Line::Command(_) | Line::Sql(_) if named.is_some() => {
                let Some((line, comment, hosts)) = named else {
                    return false;
                };
                let names = host_names(w.inv, &hosts);
                w.warn(
                    "W090",
                    w.line_span(line),
                    format!("the comment `{comment}` (line {line}) names {names}, one of the hosts this block is for, above command lines: rbc cannot tell whether they are for {names} only; from there on the block is a manual step on each of its hosts"),
                    "put each host's lines in its own block after a sentence naming it (`在 node1 上执行：`), or give every command line a comment naming its one host",
                );
                // The block is still for its hosts: each of them stops there for a person.
                let t = Target {
                    why: format!(
                        "{}; the comment at line {line} names {names} for some lines: a person's step",
                        b.t.why
                    ),
                    ..b.t.clone()
                };
                // The lines above the comment are the block's, for all its hosts.
                let cut = b.lines.iter().position(|(n, _)| *n == line).unwrap_or(0);
                let above = if bare {
                    let evidence = shell_evidence(w, b);
                    promptless_commands(&b.lines[..cut], b.content, b.first_line, evidence)
                } else {
                    Some(b.lines[..cut].to_vec())
                };
                let runs = |l: &[(usize, Line)]| {
                    l.iter()
                        .any(|(_, l)| matches!(l, Line::Command(_) | Line::Sql(_)))
                };
                match above {
                    Some(above) if b.rest.is_none() && runs(&above) => {
                        w.commands(b.i, &above, &b.t, b.phase, &b.lead_text);
                        let rest: Vec<&str> = b.content.lines().skip(line - b.first_line).collect();
                        let rest = rest.join("\n");
                        let action = Action::Manual {
                            instruction: format!("{}\n{rest}", b.lead_text).trim().to_string(),
                        };
                        let mut d = w.draft(b.i, StepKind::Manual, &t, line, rest.trim(), action);
                        d.source = format!("{}\n{rest}", b.lead_text);
                        w.push(b.i, d);
                    }
                    _ => manual_block(w, b, &t),
                }
                return true;
            }
            _ => {}
        }
    }
    false
}

/// `# master 节点` / `hostnamectl set-hostname k8s-master` / `# node1 节点` / …: every command
/// line of the block is under a comment that names one host and says nothing else; each runs
/// on that host only. When some comment names one host but the block cannot be read so (a
/// comment names no host or several, a line is under none, the lines are not commands, the
/// sentence names other hosts), and the block's hosts are not just that one: the block is a
/// person's step with W090 — never run on hosts the comment does not name.
fn host_comments_rule(w: &mut Walker, b: &mut Block) -> bool {
    if !b.line_hosts.is_empty()
        || b.edit_verb.is_some()
        || w.annotation.as_ref().is_some_and(|a| a.hosts.is_some())
    {
        return false;
    }
    // The first comment naming one host, and what keeps the block from being read by them.
    let mut label: Option<(usize, String, usize)> = None;
    let mut obstacle: Option<String> = None;
    let mut runs: Vec<LabelRun> = Vec::new();
    let mut heredoc: Option<String> = None;
    for (n, raw) in b.content.lines().enumerate() {
        let at = b.first_line + n;
        let t = raw.trim();
        if let Some(delim) = &heredoc {
            if t == delim {
                heredoc = None;
            }
        } else if t.is_empty() {
            if let Some(run) = runs.last_mut() {
                run.3.push((at, Line::Blank));
            }
            continue;
        } else if let Some(comment) = t.strip_prefix('#') {
            match w.comment_host(comment) {
                Some(host) if !comment.starts_with('!') => {
                    label.get_or_insert((at, t.to_string(), host));
                    runs.push((host, at, t.to_string(), Vec::new()));
                }
                _ => {
                    obstacle.get_or_insert(format!("the comment at line {at} names no one host"));
                }
            }
            continue;
        } else {
            heredoc = classify::heredoc_delimiter(t);
        }
        match runs.last_mut() {
            Some(run) => run.3.push((at, Line::Plain(raw.to_string()))),
            None => {
                obstacle.get_or_insert(format!("line {at} is under no such comment"));
            }
        }
    }
    let Some((label_line, label_text, label_host)) = label else {
        return named_in_passing(w, b);
    };
    if obstacle.is_none()
        && runs
            .iter()
            .any(|r| r.3.iter().all(|(_, l)| *l == Line::Blank))
    {
        obstacle = Some("a comment has no line under it".into());
    }
    // The sentence before names the hosts: a comment naming another is a doubt.
    if obstacle.is_none() && is_strong(&b.t) {
        if let Some(r) = runs.iter().find(|r| !b.t.hosts.contains(&r.0)) {
            obstacle = Some(format!(
                "the sentence names {}, the comment at line {} names {}",
                host_names(w.inv, &b.t.hosts),
                r.1,
                w.inv.hosts[r.0].name
            ));
        }
    }
    let evidence = shell_evidence(w, b);
    let mut read = Vec::new();
    if obstacle.is_none() {
        for (host, at, comment, lines) in &runs {
            let Some(cmds) = promptless_commands(lines, b.content, b.first_line, evidence) else {
                obstacle = Some(format!("the lines under line {at} are not all commands"));
                break;
            };
            let name = &w.inv.hosts[*host].name;
            let t = Target::new(
                vec![*host],
                EvidenceKind::Prompt,
                *at,
                format!("the comment `{comment}` (line {at}) names {name}"),
            );
            read.push((t, cmds));
        }
    }
    let Some(obstacle) = obstacle else {
        for (t, cmds) in read {
            w.commands(b.i, &cmds, &t, b.phase, &b.lead_text);
        }
        return true;
    };
    // Only that host anyway: the comment agrees with the block's hosts.
    if b.t.hosts == [label_host] {
        return false;
    }
    let name = w.inv.hosts[label_host].name.clone();
    w.warn(
        "W090",
        w.doc.elements[b.i].span.clone(),
        format!("the comment `{label_text}` (line {label_line}) names {name} for the lines under it, but rbc cannot read the block that way ({obstacle}); it becomes a manual step"),
        "put each host's lines in its own block after a sentence naming it (`在 node1 上执行：`), or give every command line a comment naming its one host",
    );
    let t = Target::nowhere(format!(
        "the comment at line {label_line} names {name} for some lines; the block is a person's"
    ));
    manual_block(w, b, &t);
    true
}
