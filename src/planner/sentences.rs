use super::edits::edit_verb;
use super::hosts::host_names;
use std::sync::LazyLock;

use regex::Regex;

use super::walk::RollbackCondition;
use super::{Draft, Explicit, Fate, SameAs, Walker};
use crate::classify::{self, Line};
use crate::document::ElementKind;
use crate::evidence::{Evidence, EvidenceKind, Target};
use crate::inventory::{self};
use crate::lexicon;
use crate::plan::{Action, Artifact, StepKind};
use crate::scope;

impl<'a> Walker<'a> {
    /// Reads one sentence or list item: the rules of [`SENTENCE_RULES`] in order, until one
    /// has read it. The dispatcher owns the shared bookkeeping: an annotation is for the next
    /// element only, so it is cleared once a rule has read the sentence (a lead-in keeps it for
    /// the block after it).
    pub(super) fn sentence(&mut self, i: usize, text: &str, lead_of_block: bool) {
        let mut s = Sentence {
            i,
            text,
            line: self.doc.elements[i].line,
            // Where work happens is said in prose: names and addresses inside inline code
            // (`curl 10.0.0.2:80`) are what a command talks to.
            prose: self.without_inline_code(i, text),
            lead_of_block,
            repeats: false,
            uploaded: false,
        };
        for (_, rule) in SENTENCE_RULES {
            match rule(self, &mut s) {
                Read::Next => {}
                Read::Done => {
                    self.annotation = None;
                    return;
                }
                Read::LeadIn => return,
            }
        }
    }

    /// `在/etc/profile末尾追加一行 `export A=1``: an edit whose content is the sentence's inline code.
    pub(super) fn try_inline_code_edit(&mut self, i: usize, text: &str) -> Option<()> {
        let codes = self.doc.elements[i].codes.clone();
        if codes.is_empty() {
            return None;
        }
        let verb = edit_verb(text).filter(|v| v != "replace")?;
        let path = classify::paths_in(text)
            .into_iter()
            .find(|p| !codes.iter().any(|c| c.contains(p.as_str())))?;
        let content: Vec<&str> = codes
            .iter()
            .map(String::as_str)
            .filter(|c| *c != path)
            .collect();
        if content.is_empty() {
            return None;
        }
        let t = self.hosts_for(i, text);
        let line = self.doc.elements[i].line;
        self.edit(i, &verb, &path, &content.join("\n"), line, &t, text);
        Some(())
    }

    /// `获取证书…放到/etc/x，然后编辑配置文件：` — the clause before `然后` is its own manual step.
    pub(super) fn first_clause_step(&mut self, i: usize, text: &str) -> bool {
        let Some(pos) = lexicon::THEN.iter().filter_map(|w| text.find(w)).min() else {
            return false;
        };
        let first = &text[..pos];
        if first.trim().is_empty()
            || !lexicon::contains_any(first, lexicon::ACTION_VERBS)
            || lexicon::contains_any(first, lexicon::UPLOAD)
            || lexicon::contains_any(first, lexicon::LOGIN)
        {
            return false;
        }
        let t = self.hosts_for_carry(i, text, false);
        let line = self.doc.elements[i].line;
        let d = self.draft(
            i,
            StepKind::Manual,
            &t,
            line,
            first.trim(),
            Action::Manual {
                instruction: first.trim().to_string(),
            },
        );
        self.push(i, d);
        true
    }

    pub(super) fn previous_paragraph_is(&self, i: usize, words: &[&str]) -> bool {
        self.doc.elements[..i]
            .iter()
            .rev()
            .find(|e| {
                matches!(
                    e.kind,
                    ElementKind::Paragraph { .. }
                        | ElementKind::Heading { .. }
                        | ElementKind::Code { .. }
                )
            })
            .is_some_and(|e| lexicon::contains_any(e.text(), words))
    }

    /// `将FILE和FILE上传到HOST的/DIR下`: payload steps and artifacts. Returns true when it was one.
    pub(super) fn upload(&mut self, i: usize, text: &str) -> bool {
        if !lexicon::contains_any(text, lexicon::UPLOAD)
            || lexicon::contains_any(text, lexicon::JUMP)
        {
            return false;
        }
        // `将A上传到web-1的/opt下；将B上传到db-1的/tmp下。`: each clause its own upload.
        let clauses: Vec<&str> = text
            .split(['；', ';', '。', '\n'])
            .filter(|c| lexicon::contains_any(c, lexicon::UPLOAD))
            .collect();
        if clauses.len() > 1 {
            let mut any = false;
            for clause in clauses {
                let files = self.file_names(i, clause);
                if files.is_empty() {
                    continue;
                }
                let dir = classify::paths_in(clause)
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| self.cwd.clone());
                let t = self.hosts_for(i, clause);
                let offset = text
                    .find(clause)
                    .map_or(0, |p| text[..p].matches('\n').count());
                let line = self.doc.elements[i].line + offset;
                for f in files {
                    self.payload(i, &f, &dir, &t, line);
                }
                any = true;
            }
            if any {
                return true;
            }
        }
        let files = self.file_names(i, text);
        let dir = classify::paths_in(text).into_iter().next();
        let t = self.hosts_for(i, text);
        if files.is_empty() {
            // `将Tomcat安装包上传到/home下`: the next block says which file.
            self.pending_upload = Some((
                dir.unwrap_or_else(|| self.cwd.clone()),
                t,
                self.doc.elements[i].line,
            ));
            return false;
        }
        let dir = dir.unwrap_or_else(|| self.cwd.clone());
        let line = self.doc.elements[i].line;
        for f in files {
            self.payload(i, &f, &dir, &t, line);
        }
        true
    }

    pub(super) fn payload(&mut self, i: usize, file: &str, dir: &str, t: &Target, line: usize) {
        let names: Vec<String> = t
            .hosts
            .iter()
            .map(|h| self.inv.hosts[*h].name.clone())
            .collect();
        match self
            .artifacts
            .iter_mut()
            .find(|a| a.file == file && a.dir == dir)
        {
            Some(a) => {
                for n in &names {
                    if !a.hosts.contains(n) {
                        a.hosts.push(n.clone());
                    }
                }
            }
            None => self.artifacts.push(Artifact {
                file: file.to_string(),
                hosts: names,
                dir: dir.to_string(),
                line,
            }),
        }
        let text = format!("{file} → {dir}");
        // `安装包已上传到 /root 下。` naming no host: the file goes nowhere unless a person says
        // where; never silently.
        if t.hosts.is_empty() {
            self.warn(
                "W031",
                self.doc.elements[i].span.clone(),
                format!("rbc cannot tell which hosts get `{file}` (in {dir}); the upload is a manual step"),
                "name the hosts in the sentence (`已上传到 web-1、web-2 的 /root 下`)",
            );
            let action = Action::Manual {
                instruction: format!("put {file} in {dir} on the hosts that need it"),
            };
            let d = self.draft(i, StepKind::Manual, t, line, &text, action);
            self.push(i, d);
            return;
        }
        let action = Action::Payload {
            file: file.to_string(),
            dir: dir.to_string(),
        };
        let d = self.draft(i, StepKind::Converge, t, line, &text, action);
        self.push(i, d);
    }

    /// File names in an upload sentence (`jdk-7u80-linux-x64.rpm`), not hosts or addresses.
    pub(super) fn file_names(&mut self, i: usize, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || "._-".contains(c))) {
            let w = word.trim_matches(['.', '-']);
            let Some((_, ext)) = w.rsplit_once('.') else {
                continue;
            };
            if ext.is_empty()
                || ext.len() > 6
                || !ext.chars().all(|c| c.is_ascii_alphanumeric())
                || ext.chars().all(|c| c.is_ascii_digit())
            {
                continue;
            }
            if !inventory::ips_in(w).is_empty() || self.inv.find(w).is_some() || w.contains("..") {
                continue;
            }
            // `处理SQLupdate.sql`: an upper-case word glued to the file name by Chinese prose.
            let upper = w.chars().take_while(|c| c.is_ascii_uppercase()).count();
            let name = if upper >= 2 && w[upper..].starts_with(|c: char| c.is_ascii_lowercase()) {
                let fixed = &w[upper..];
                self.warn(
                    "W040",
                    self.doc.elements[i].span.clone(),
                    format!("read the file name `{w}` as `{fixed}`: `{}` looks like part of the sentence", &w[..upper]),
                    "put a space between the prose and the file name",
                );
                fixed.to_string()
            } else {
                w.to_string()
            };
            if !out.contains(&name) {
                out.push(name);
            }
        }
        out
    }

    // ---- tables ----------------------------------------------------------------------------
}

/// `写入[a,b].`: content after a write verb, when it is not prose.
pub(super) fn inline_content(text: &str) -> Option<String> {
    for verb in ["写入", "内容为", "输入"] {
        if let Some(rest) = text.trim().strip_prefix(verb) {
            let rest = rest.trim_start_matches(['：', ':']).trim();
            if !rest.is_empty() && !lexicon::has_cjk(rest) {
                return Some(rest.to_string());
            }
        }
    }
    None
}

/// One sentence or list item being read, and what earlier rules found in it.
pub(super) struct Sentence<'t> {
    i: usize,
    text: &'t str,
    line: usize,
    /// The text without its inline code.
    prose: String,
    /// A code block follows: the sentence is its lead-in.
    lead_of_block: bool,
    /// It says other hosts repeat earlier steps (`X与Y相同`, `同上`).
    repeats: bool,
    /// It names an upload (a payload step was made).
    uploaded: bool,
}

/// What a rule did with the sentence.
pub(super) enum Read {
    /// Not this rule's: try the next one.
    Next,
    /// Read: stop here (the annotation, if any, is used up).
    Done,
    /// Read as the lead-in of the block after it (the annotation stays for that block).
    LeadIn,
}

type SentenceRule = for<'a, 't> fn(&mut Walker<'a>, &mut Sentence<'t>) -> Read;

/// The rules for a sentence or list item, in the order they are tried. To add a reading rule:
/// write one function `fn(&mut Walker, &mut Sentence) -> Read` below and put it in this list
/// where it belongs (earlier rules win).
pub(super) const SENTENCE_RULES: &[(&str, SentenceRule)] = &[
    (
        "a repeat of a numbered section on other hosts",
        section_repeat_rule,
    ),
    ("where work happens: repeats and host names", scope_rule),
    ("advice for when something fails", advice_rule),
    ("an upload names the payload", upload_rule),
    ("the lead-in of the block after it", lead_in_rule),
    ("inside troubleshooting advice", troubleshooting_rule),
    (
        "content given inline for a pending edit",
        inline_content_rule,
    ),
    ("an upload sentence is read", uploaded_rule),
    ("a repeat of earlier steps", repeat_rule),
    ("a recipe with no command (time sync)", cron_recipe_rule),
    (
        "an edit whose content is inline code",
        inline_code_edit_rule,
    ),
    ("commands given inline", inline_commands_rule),
    ("a command written in the prose", prose_command_rule),
    ("a person's step, or a note", manual_or_note_rule),
];

/// `在 kfk-02、kfk-03 上依次重复第二章的步骤`: the steps of the section the sentence names, done
/// again on the hosts it names, here (after what came before), one host at a time when it says
/// so. The steps on the hosts they were written for stay as they are. A repeat that also says
/// something changes (`注意把 IP 换成本机 IP`, `但…`), or a step that names the host it was
/// written for (its IP or name), is a guess on the new hosts: manual there.
fn section_repeat_rule(w: &mut Walker, s: &mut Sentence) -> Read {
    static REF: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:重复|参照|参考|按照|按|同)\s*(?:执行\s*)?(?:第\s*)?([0-9]+(?:\.[0-9]+)*|[一二三四五六七八九十]{1,3})\s*(?:章|节|小节|部分)?\s*(?:中的|的)?\s*(?:全部|所有)?\s*(?:步骤|操作|流程)").unwrap()
    });
    if w.troubleshooting {
        return Read::Next;
    }
    let prose = s.prose.clone();
    let Some(cap) = REF.captures(&prose) else {
        return Read::Next;
    };
    let id = match cap[1].parse::<u32>() {
        Ok(_) => cap[1].to_string(),
        Err(_) if cap[1].contains('.') => cap[1].to_string(),
        Err(_) => match chinese_number(&cap[1]) {
            Some(n) => n.to_string(),
            None => return Read::Next,
        },
    };
    let Some(model_section) = w.outline.by_number(&id) else {
        return Read::Next;
    };
    let group = w.current_group();
    let Some(t) = scope::targets(&prose, w.inv, &group) else {
        return Read::Next;
    };
    let phase = w.phase();
    let within = |d: &Draft| {
        d.section
            .is_some_and(|x| w.outline.lineage(x).contains(&model_section))
    };
    let models: Vec<Draft> = w
        .drafts
        .iter()
        .filter(|d| {
            within(d) && d.kind != StepKind::Note && !d.hosts.is_empty() && d.phase == phase
        })
        .cloned()
        .collect();
    let model_hosts: Vec<usize> = {
        let mut h: Vec<usize> = models.iter().flat_map(|d| d.hosts.clone()).collect();
        h.sort();
        h.dedup();
        h
    };
    let copies: Vec<usize> = t
        .hosts
        .iter()
        .copied()
        .filter(|h| !model_hosts.contains(h))
        .collect();
    if models.is_empty() || copies.is_empty() {
        return Read::Next;
    }
    let (i, line) = (s.i, s.line);
    let changes = lexicon::contains_any(&prose, lexicon::EXCEPTION)
        || lexicon::contains_any(&prose, lexicon::REPEAT_CHANGES);
    let names = host_names(w.inv, &copies);
    let model_names = host_names(w.inv, &model_hosts);
    w.warn(
        "W035",
        w.doc.elements[i].span.clone(),
        format!(
            "rbc repeats the {} step(s) of section {id} (done on {model_names}) on {names}, here{}",
            models.len(),
            if changes {
                "; the sentence says something changes, so they are manual there"
            } else {
                ""
            }
        ),
        "check the plan (`rbc plan --host ...`); write the steps out if they differ",
    );
    // What names a model host in a step's text: its address, its name.
    let own: Vec<String> = model_hosts
        .iter()
        .flat_map(|h| {
            let host = &w.inv.hosts[*h];
            std::iter::once(host.name.clone()).chain(host.ip.clone())
        })
        .collect();
    for m in models {
        let mut d = m.clone();
        d.section = w.section;
        d.hosts = copies.clone();
        d.element = i;
        d.unit = i;
        // `依次重复…`: one host after the other.
        d.serial = (copies.len() > 1 && lexicon::contains_any(s.text, lexicon::ONE_AT_A_TIME))
            .then(|| (line, copies.clone()));
        d.why = format!("{names} repeat section {id} (line {line}); written for {model_names}");
        let kind = if changes {
            EvidenceKind::RepeatWithException
        } else {
            EvidenceKind::Repeat
        };
        d.evidence = vec![Evidence::new(kind, line)];
        if own.iter().any(|o| names_value(&m, o)) {
            d.evidence
                .push(Evidence::new(EvidenceKind::PerHostValue, line));
        }
        w.drafts.push(d);
    }
    let why = "repeats the steps of another section on more hosts (see their `why`)";
    w.note(i, line, s.text, why);
    Read::Done
}

/// `同样在另外两台执行。`, `另外三台也要做，命令一样。`, `Do the same on the remaining nodes.`: a
/// sentence of its own (not a lead-in ending in `：`) that repeats the work just done.
fn repeat_on_others(text: &str) -> bool {
    const SAME: &[&str] = &[
        "同样在",
        "同样执行",
        "也要做",
        "命令一样",
        "也执行一遍",
        "也要执行",
        "照做一遍",
    ];
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    !t.ends_with(['：', ':'])
        && (lexicon::contains_any(t, SAME)
            || [
                "do the same",
                "same on the",
                "repeat on the",
                "repeat this on",
            ]
            .iter()
            .any(|w| lower.contains(w)))
}

/// The others a repeat means (`另外两台`, `其余节点`, `the remaining nodes`): the servers of the
/// group (all of them when none) less `model`; None when the sentence says no such thing, or
/// counts another number of machines.
fn others_than(
    w: &Walker,
    prose: &str,
    model: &[usize],
    group: &[usize],
) -> Option<scope::Targets> {
    const OTHERS: &[&str] = &["另外", "其余", "其他", "其它", "剩下", "剩余"];
    let lower = prose.to_ascii_lowercase();
    let said = lexicon::contains_any(prose, OTHERS)
        || [
            "remaining",
            "other nodes",
            "other hosts",
            "the rest",
            "other servers",
        ]
        .iter()
        .any(|x| lower.contains(x));
    if !said || model.is_empty() {
        return None;
    }
    // The others of the current group, else of the model's family (`app-2`, `app-3` for
    // `app-1`), else — when a count says how many — of all the servers.
    let stem = |h: usize| {
        w.inv.hosts[h]
            .name
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .trim_end_matches(['-', '_', '.'])
            .to_ascii_lowercase()
    };
    let stems: Vec<String> = model.iter().map(|h| stem(*h)).collect();
    let family: Vec<usize> = w
        .inv
        .servers()
        .map(|(h, _)| h)
        .filter(|h| !stems[0].is_empty() && stems.contains(&stem(*h)))
        .collect();
    let counted = matches!(scope::stated_count(prose), Some(scope::Count::Exactly(_)));
    let all: Vec<usize> = if counted {
        w.inv.servers().map(|(h, _)| h).collect()
    } else {
        Vec::new()
    };
    let fits = |hosts: &[usize]| match scope::stated_count(prose) {
        Some(scope::Count::Exactly(n)) => hosts.len() == n,
        _ => !hosts.is_empty(),
    };
    let hosts = [group, family.as_slice(), all.as_slice()]
        .into_iter()
        .map(|pool| {
            pool.iter()
                .copied()
                .filter(|h| !model.contains(h))
                .collect::<Vec<usize>>()
        })
        .find(|hosts| fits(hosts))?;
    Some(scope::Targets {
        how: format!("the others: {}", host_names(w.inv, &hosts)),
        hosts,
    })
}

/// Whether a step's command or content names `value` (a host's name or IP) — not in a prompt.
fn names_value(d: &Draft, value: &str) -> bool {
    let shown = match &d.action {
        Action::Run { command } | Action::Probe { command } => command.clone(),
        _ => d.text.clone(),
    };
    shown.contains(value)
}

/// `二` → 2, `十二` → 12, `二十` → 20.
fn chinese_number(text: &str) -> Option<u32> {
    let digit = |c: char| {
        "零一二三四五六七八九"
            .chars()
            .position(|d| d == c)
            .map(|p| p as u32)
    };
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [d] => digit(*d),
        ['十', o] => Some(10 + digit(*o)?),
        [t, '十'] => Some(digit(*t)? * 10),
        [t, '十', o] => Some(digit(*t)? * 10 + digit(*o)?),
        _ => None,
    }
}

/// Scope: `X与Y相同` copies Y's steps; other host mentions set the scope that follows; a list
/// item that only names hosts is read here.
fn scope_rule(w: &mut Walker, s: &mut Sentence) -> Read {
    let (i, text, line) = (s.i, s.text, s.line);
    let element = &w.doc.elements[i];
    let prose = s.prose.as_str();
    // What a repeat says before its exception (`…相同，但…`): the hosts; after it: a doubt.
    let exception_at = lexicon::EXCEPTION
        .iter()
        .filter_map(|x| prose.find(x))
        .min();
    let (core, exception) = match exception_at {
        Some(p) => (&prose[..p], !prose[p..].trim().is_empty()),
        None => (prose, false),
    };
    // The exception as written (inline code kept: `server.port` may be one).
    let exception_text = lexicon::EXCEPTION
        .iter()
        .filter_map(|x| text.find(x))
        .min()
        .map(|p| text[p..].to_string())
        .unwrap_or_default();
    if let Some((copies, model)) = scope::same_as(core, w.inv) {
        w.same_as.push(SameAs {
            section: w.section,
            copies,
            model,
            upto: w.drafts.len(),
            line,
            exception,
            exception_text: exception_text.clone(),
            element: i,
        });
        s.repeats = true;
    } else if (lexicon::contains_any(text, lexicon::SAME_AGAIN) || repeat_on_others(text))
        && !w.troubleshooting
    {
        // `mq-3上的操作同理`: the named hosts repeat what the section did so far on the last hosts.
        let group = w.current_group();
        // The model: the last hosts with steps in this section, else in the one before it
        // under the same parent (`5.1 web-1` … `5.2 web-2: 同上`).
        let parent = w.section.and_then(|x| w.outline.sections[x].parent);
        let model: Vec<usize> = w
            .drafts
            .iter()
            .rev()
            .filter(|d| d.kind != StepKind::Note && !d.hosts.is_empty())
            .find(|d| {
                d.section == w.section
                    || d.section
                        .is_some_and(|x| parent.is_some() && w.outline.sections[x].parent == parent)
            })
            .map(|d| d.hosts.clone())
            .unwrap_or_default();
        // The hosts named, else those of the section's title (`### 5.2 web-2` + `同上。`), else
        // the others (`同样在另外两台执行`, `Do the same on the remaining nodes`): the servers
        // less the model's — as many as a count says, when it says one.
        let named = scope::targets(prose, w.inv, &group)
            .or_else(|| {
                w.section
                    .and_then(|x| scope::title_group(&w.outline.sections[x].title, w.inv))
            })
            .or_else(|| others_than(w, prose, &model, &group));
        if let Some(t) = named {
            let copies: Vec<usize> = t
                .hosts
                .iter()
                .copied()
                .filter(|h| !model.contains(h))
                .collect();
            if !model.is_empty() && !copies.is_empty() {
                w.warn(
                    "W035",
                    element.span.clone(),
                    format!(
                        "`{}`: rbc repeats the steps done on {} for {}, one host after the other",
                        lexicon::SAME_AGAIN
                            .iter()
                            .find(|x| text.contains(**x))
                            .unwrap_or(&"同理"),
                        host_names(w.inv, &model),
                        host_names(w.inv, &copies)
                    ),
                    "check the plan (`rbc plan --host ...`); write the steps out if they differ",
                );
                w.same_as.push(SameAs {
                    section: w.section,
                    copies,
                    model,
                    upto: w.drafts.len(),
                    line,
                    exception,
                    exception_text: exception_text.clone(),
                    element: i,
                });
                s.repeats = true;
            }
        }
    } else if !w.troubleshooting {
        let group = w.current_group();
        // `仅在主库确认不可恢复后执行。在 pg-standby 上：`: a last sentence that only says where
        // to work is where the work happens.
        let last = lexicon::last_sentence(prose);
        let prose = if last.len() < prose.len() && scope::says_where_last(last, w.inv) {
            last
        } else {
            prose
        };
        // `loan-api01 上的结果应为：` describes output, it does not say where to work.
        let found = scope::targets(prose, w.inv, &group)
            .filter(|_| !lexicon::contains_any(prose, lexicon::OUTPUT_SHOWN));
        if found.is_none() {
            w.count_scope(prose, line);
        }
        if let Some(t) = found {
            if t.hosts.len() > 1 && lexicon::contains_any(text, lexicon::ONE_AT_A_TIME) {
                w.serial_scopes.push((w.section, line, t.hosts.clone()));
            }
            // `操作服务器：` then `- web-1` / `- web-2`: a list of hosts, item by item.
            let host_item = matches!(element.kind, ElementKind::ListItem { .. })
                && scope::only_hosts(text, w.inv);
            let continues = host_item && w.last_host_item.is_some_and(|p| p + 1 == i);
            match (&mut w.explicit, continues) {
                (Some(e), true) => {
                    for h in t.hosts {
                        if !e.hosts.contains(&h) {
                            e.hosts.push(h);
                        }
                    }
                    e.why = format!("listed: {}", host_names(w.inv, &e.hosts));
                    e.kind = EvidenceKind::HostList;
                }
                _ => {
                    w.explicit_stale = false;
                    w.explicit = Some(Explicit {
                        hosts: t.hosts,
                        kind: if host_item {
                            EvidenceKind::HostList
                        } else {
                            EvidenceKind::Sentence
                        },
                        why: t.how,
                        line,
                        section: w.section,
                    });
                }
            }
            if host_item {
                w.last_host_item = Some(i);
                w.note(i, line, text, "names a host for the steps that follow");
                return Read::Done;
            }
        }
    }
    Read::Next
}

/// Advice for when something fails (`注：如果遇到…，可以执行：`): it and the block it
/// introduces never run; the steps after it do.
fn advice_rule(w: &mut Walker, s: &mut Sentence) -> Read {
    let text = s.text;
    let advice = lexicon::is_advice_note(text)
        || (lexicon::is_troubleshooting(text)
            && lexicon::starts_with_any(text, &["如果", "如遇", "若", "万一"]));
    if !advice {
        return Read::Next;
    }
    if let Some(c) = w.rollback_condition(text) {
        if c == RollbackCondition::Branch && s.lead_of_block {
            w.branch = Some(s.line);
        }
        return Read::Next;
    }
    if s.lead_of_block {
        w.troubleshooting = true;
        w.fates[s.i] = Fate::LeadIn;
    } else {
        w.note(s.i, s.line, text, "troubleshooting advice; not executed");
    }
    Read::Done
}

/// `上传 X 到 /opt`: a payload step (the sentence may still lead in a block).
fn upload_rule(w: &mut Walker, s: &mut Sentence) -> Read {
    s.uploaded = w.upload(s.i, s.text);
    Read::Next
}

/// A sentence before a block is its lead-in (its first clause may be a step of its own).
fn lead_in_rule(w: &mut Walker, s: &mut Sentence) -> Read {
    if !s.lead_of_block {
        return Read::Next;
    }
    if !s.uploaded && !w.first_clause_step(s.i, s.text) {
        w.fates[s.i] = Fate::LeadIn;
    }
    Read::LeadIn
}

fn troubleshooting_rule(w: &mut Walker, s: &mut Sentence) -> Read {
    if !w.troubleshooting {
        return Read::Next;
    }
    w.note(s.i, s.line, s.text, "troubleshooting advice; not executed");
    Read::Done
}

/// Content given inline: `写入[rabbitmq_management,rabbitmq_tracing].`
fn inline_content_rule(w: &mut Walker, s: &mut Sentence) -> Read {
    let Some((path, _)) = w.pending_edit.clone() else {
        return Read::Next;
    };
    let Some(content) = inline_content(s.text) else {
        return Read::Next;
    };
    let t = w.hosts_for(s.i, s.text);
    let action = Action::WriteFile {
        path,
        content: format!("{content}\n"),
    };
    let mut d = w.draft(s.i, StepKind::Converge, &t, s.line, s.text, action);
    d.source = s.text.to_string();
    w.push(s.i, d);
    w.pending_edit = None;
    Read::Done
}

fn uploaded_rule(_: &mut Walker, s: &mut Sentence) -> Read {
    if s.uploaded {
        Read::Done
    } else {
        Read::Next
    }
}

fn repeat_rule(w: &mut Walker, s: &mut Sentence) -> Read {
    if !s.repeats {
        return Read::Next;
    }
    w.note(
        s.i,
        s.line,
        s.text,
        "repeats earlier steps on more hosts (see their `why`)",
    );
    Read::Done
}

/// A task the runbook names without a command (`每 5 分钟同步一次时间`): rbc's recipe, said.
fn cron_recipe_rule(w: &mut Walker, s: &mut Sentence) -> Read {
    let (i, text) = (s.i, s.text);
    let Some((_, path, line_tpl, value)) = lexicon::CRON_RECIPES
        .iter()
        .find(|r| r.0.iter().all(|x| text.contains(x)))
    else {
        return Read::Next;
    };
    let t = w.hosts_for_carry(i, text, false);
    if !t.known() || t.hosts.is_empty() {
        return Read::Next;
    }
    w.warn(
        "W036",
        w.doc.elements[i].span.clone(),
        format!("the runbook gives no command; rbc adds `{line_tpl}` to {path}, with {value} asked once on each host"),
        "write the crontab line in the runbook to use your own",
    );
    let action = Action::CronEntry {
        path: path.to_string(),
        line: line_tpl.to_string(),
        value: value.to_string(),
    };
    let d = w.draft(i, StepKind::Converge, &t, s.line, text, action);
    w.push(i, d);
    Read::Done
}

fn inline_code_edit_rule(w: &mut Walker, s: &mut Sentence) -> Read {
    if w.try_inline_code_edit(s.i, s.text).is_some() {
        Read::Done
    } else {
        Read::Next
    }
}

/// `执行 `systemctl restart nginx``: commands given inline in a sentence.
fn inline_commands_rule(w: &mut Walker, s: &mut Sentence) -> Read {
    let (i, text) = (s.i, s.text);
    let codes = w.doc.elements[i].codes.clone();
    // A program rbc does not know counts with arguments or as a path (`./deploy.sh`,
    // `bin/ctl start`); a bare word (`执行完 `ls` 应该只剩 `logs``) is a name, not a command.
    let command_like = |c: &str| {
        classify::looks_like_command(c)
            || (!lexicon::has_cjk(c)
                && (c.contains(char::is_whitespace) || c.contains('/') || c.ends_with(".sh"))
                && c.split_whitespace().next().is_some_and(|x| {
                    x.chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || "-_./".contains(ch))
                }))
    };
    // `安装目录 `/opt/settle``, `包在 `/data/pkg/x.tar.gz``: a bare path names a place or a file;
    // a program given by its path runs from a bin directory or is a script.
    let bare_path = |c: &str| {
        let c = c.trim();
        (c.starts_with('/') || c.starts_with("~/"))
            && !c.contains(char::is_whitespace)
            && !(c.ends_with(".sh") || c.contains("/bin/") || c.contains("/sbin/"))
    };
    let inline = (lexicon::contains_any(text, lexicon::RUN_VERBS) || labelled_codes(text, &codes))
        && !codes.iter().any(|c| bare_path(c))
        && codes
            .first()
            .is_some_and(|c| classify::looks_like_command(c.trim()))
        && codes.iter().all(|c| command_like(c.trim()));
    if !inline {
        return Read::Next;
    }
    let t = w.hosts_for(i, text);
    let lines: Vec<(usize, Line)> = codes
        .iter()
        .map(|c| (s.line, Line::Command(c.trim().to_string())))
        .collect();
    let phase = w.phase();
    w.commands(i, &lines, &t, phase, text);
    Read::Done
}

/// `三台 nacos 停服务：`sh bin/shutdown.sh``: a label, a colon, then only inline code (joined
/// by `、`/`和`/`然后`) and closing punctuation — the code is how to do what the label says. Not
/// a note (`注意：`), an example (`如：`) or a condition (`如果…：`).
fn labelled_codes(text: &str, codes: &[String]) -> bool {
    let Some(first) = codes.first().map(|c| c.trim()) else {
        return false;
    };
    if first.is_empty()
        || lexicon::starts_with_any(text, lexicon::NOTE_PREFIX)
        || lexicon::contains_any(text, lexicon::EXAMPLE)
        || lexicon::contains_any(text, lexicon::CONDITIONS)
        || lexicon::contains_any(text, lexicon::INFORMATIONAL)
    {
        return false;
    }
    let Some(at) = text.find(first) else {
        return false;
    };
    let label = text[..at].trim_end();
    if !(label.ends_with('：') || label.ends_with(':')) || label.chars().count() < 2 {
        return false;
    }
    // What follows the label: the codes, in order, with only connectors between them.
    let mut rest = &text[at..];
    for c in codes {
        let c = c.trim();
        let Some(p) = rest.find(c) else { return false };
        let gap = rest[..p].trim();
        if !gap.is_empty() && !["、", "，", ",", "；", ";", "和", "然后", "再"].contains(&gap)
        {
            return false;
        }
        rest = &rest[p + c.len()..];
    }
    let tail = rest
        .trim()
        .trim_end_matches(['。', '；', ';', '.', '！'])
        .trim();
    tail.strip_suffix("即可").unwrap_or(tail).trim().is_empty()
}

/// `然后在 app2 上执行 systemctl stop app。`: a command written as the tail of the sentence,
/// without code marks. Only when nothing but punctuation (or `即可`) follows it and the
/// sentence states no condition; otherwise the sentence stays a person's step.
fn prose_command_rule(w: &mut Walker, s: &mut Sentence) -> Read {
    let (i, text) = (s.i, s.text);
    if !w.doc.elements[i].codes.is_empty() || lexicon::contains_any(text, lexicon::CONDITIONS) {
        return Read::Next;
    }
    let Some(cmd) = prose_command(text) else {
        return Read::Next;
    };
    let t = w.hosts_for(i, text);
    let lines = [(s.line, Line::Command(cmd))];
    let phase = w.phase();
    w.commands(i, &lines, &t, phase, text);
    Read::Done
}

/// The command after the sentence's last run verb, when it is the sentence's tail.
fn prose_command(text: &str) -> Option<String> {
    let (at, verb) = lexicon::RUN_VERBS
        .iter()
        .filter_map(|v| text.rfind(v).map(|p| (p, *v)))
        .max_by_key(|(p, _)| *p)?;
    let tail = text[at + verb.len()..].trim_start_matches([' ', '：', ':', '\u{3000}']);
    let ends = ['。', '；', '！', ';', '.', '，', ','];
    let tail = tail.trim_end().trim_end_matches(ends).trim_end();
    let tail = tail.strip_suffix("即可").unwrap_or(tail).trim_end();
    let tail = tail.trim_end_matches(ends).trim_end();
    if tail.is_empty() || !tail.is_ascii() || tail.contains('`') {
        return None;
    }
    classify::looks_like_command(tail).then(|| tail.to_string())
}

/// What is left: a step a person does (in a browser, a reboot, an action with no command), a
/// sentence that only says where the steps run, or context for people.
fn manual_or_note_rule(w: &mut Walker, s: &mut Sentence) -> Read {
    let (i, text, line) = (s.i, s.text, s.line);
    let section_title = w
        .section
        .map(|x| w.outline.sections[x].title.clone())
        .unwrap_or_default();
    let is_item = matches!(w.doc.elements[i].kind, ElementKind::ListItem { .. });
    let prev_gui = is_item && w.previous_paragraph_is(i, lexicon::GUI);
    // A repeat that no rule could resolve (`kfk-02 按相同方法升级`) is still work to do — unless
    // the steps follow it, written out (`sms服务同理——` then its blocks).
    let repeat_left = (lexicon::contains_any(text, lexicon::SAME_AGAIN)
        || lexicon::contains_any(text, lexicon::SAME_WAY))
        && !w.block_follows_in_section(i);
    let acts = lexicon::contains_any(text, lexicon::ACTION_VERBS)
        || repeat_left
        || (is_item
            && (w.previous_paragraph_is(i, lexicon::ACTION_VERBS)
                || lexicon::contains_any(&section_title, lexicon::ACTION_VERBS)));
    let note_like = lexicon::starts_with_any(text, lexicon::NOTE_PREFIX)
        || lexicon::contains_any(text, lexicon::INFORMATIONAL)
        || (lexicon::contains_any(text, lexicon::SAME_AGAIN) && !repeat_left);
    let names_hosts = scope::targets(text, w.inv, &w.current_group()).is_some();
    let scope_only = names_hosts
        && (lexicon::contains_any(text, lexicon::SCOPE_ONLY)
            || lexicon::contains_any(text, lexicon::LOGIN)
                && !lexicon::contains_any(text, &["点击", "执行", "使用", "检查"]));
    let manual = || Action::Manual {
        instruction: text.to_string(),
    };
    let (kind, action, target) = if lexicon::contains_any(text, lexicon::GUI) || prev_gui {
        (
            StepKind::Manual,
            manual(),
            Target::nowhere("done by a person in a browser, on no server"),
        )
    } else if lexicon::contains_any(text, lexicon::REBOOT) {
        (StepKind::Manual, manual(), w.hosts_for(i, text))
    } else if scope_only {
        (
            StepKind::Note,
            Action::Note,
            Target::nowhere("says which hosts the following steps run on"),
        )
    } else if acts && !note_like {
        let t = w.hosts_for_carry(i, text, false);
        let t = if t.known() {
            t
        } else {
            Target::nowhere("a person does it; no server named")
        };
        (StepKind::Manual, manual(), t)
    } else {
        (
            StepKind::Note,
            Action::Note,
            Target::nowhere("context for people; not executed"),
        )
    };
    // `三台停服务，参考 `sh shutdown.sh``: a command in the text that rbc does not run is
    // never a silent note.
    if kind == StepKind::Note {
        let codes = &w.doc.elements[i].codes;
        // Not what a program prints (`应输出 `nginx version: …``, `日志会报 `…``), nor a lone
        // path (`接口 `/member/list``).
        let shown = |c: &str| {
            text.find(c).is_some_and(|p| {
                let before = text[..p].trim_end();
                [
                    "输出",
                    "显示",
                    "报",
                    "提示",
                    "返回",
                    "打印",
                    "看到",
                    "内容为",
                ]
                .iter()
                .any(|w| before.ends_with(w))
            })
        };
        let command = |c: &&String| {
            let c = c.trim();
            classify::looks_like_command(c)
                && !shown(c)
                && (!c.starts_with('/') || c.contains(char::is_whitespace))
        };
        if let Some(c) = codes.iter().find(command) {
            w.warn(
                "W045",
                w.doc.elements[i].span.clone(),
                format!("the text shows a command (`{}`) that rbc does not run: it is a note for people", c.trim()),
                "if the operator runs it, put it in a fenced block under a sentence that says where (`在 X 上执行：`)",
            );
        }
    }
    let d = w.draft(i, kind, &target, line, text, action);
    w.push(i, d);
    Read::Done
}
