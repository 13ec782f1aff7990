use super::{Draft, Explicit, Walker};
use crate::classify::{self, Line};
use crate::diagnostic::Diagnostic;
use crate::document::ElementKind;
use crate::evidence::{EvidenceKind, Target};
use crate::inventory::{self, Inventory};
use crate::lexicon;
use crate::outline::Outline;
use crate::plan::{Action, Phase, StepKind};
use crate::scope;

impl<'a> Walker<'a> {
    /// A sentence that says where by a count (`两台都执行`) or a place rbc cannot resolve
    /// (`在数据库服务器上`): what it says holds for the blocks after it, in place of the hosts
    /// an earlier sentence named.
    pub(super) fn count_scope(&mut self, prose: &str, line: usize) {
        let unresolved_place = scope::place_phrase(prose)
            .is_some_and(|x| scope::stated_count(x).is_none())
            || scope::octet_list(prose).is_some_and(|l| {
                l.iter()
                    .any(|n| scope::by_last_octet(self.inv, n).is_none())
            });
        let counted = scope::stated_count(prose)
            .filter(|_| !unresolved_place)
            .map(|c| {
                let titled = self.title_group_hosts();
                self.resolve_count(prose, c, &titled, self.section, line, "the sentence")
                    .ok()
                    .map(|(hosts, why)| {
                        let why = why.unwrap_or_else(|| {
                            format!("counted: {}", host_names(self.inv, &hosts))
                        });
                        (hosts, why)
                    })
            });
        match counted {
            Some(Some((hosts, why))) => {
                // `两台命令相同，逐台执行`: one host at a time.
                if hosts.len() > 1 && lexicon::contains_any(prose, lexicon::ONE_AT_A_TIME) {
                    self.serial_scopes.push((self.section, line, hosts.clone()));
                }
                self.explicit_stale = false;
                self.explicit = Some(Explicit {
                    hosts,
                    kind: EvidenceKind::Sentence,
                    why,
                    line,
                    section: self.section,
                });
            }
            Some(None) => {
                self.explicit_stale = true;
                self.stale_count_line = Some(line);
            }
            None if unresolved_place => {
                self.explicit_stale = true;
                self.stale_count_line = None;
            }
            None => {}
        }
    }

    /// A count of machines (`两台都执行`, `（两台）`) that no title group, no one group of that
    /// size and not all the servers fit: the set named nearby with exactly that many members —
    /// the group the same text names (`回退 NameServer，两台…`), the hosts of the table row it
    /// points at (`R2 在三台上都执行`), the hosts the same section named last (`section`), or for
    /// `全部 5 台` the one host table of that many servers. The nearest of these with another
    /// size, or none, keeps it manual: the error says why and which sets would fit.
    /// The hosts a count of machines means (`两台都执行`, `（两台）`): the title's group of that
    /// size or all the servers when they are that many, else the set named nearby ([`Self::count_nearby`]), else the one group of that size
    /// or all the servers. Ok: the hosts and, for a set named nearby, why; Err: why not.
    pub(super) fn resolve_count(
        &self,
        text: &str,
        count: scope::Count,
        titled: &[usize],
        section: Option<usize>,
        line: usize,
        what: &str,
    ) -> Result<(Vec<usize>, Option<String>), String> {
        // `除 node3 外的所有节点执行`: the machines counted, less those taken out.
        match scope::excluded(text, self.inv) {
            None => self.resolve_count_of(text, count, titled, section, line, what),
            Some(Err(why)) => Err(why),
            Some(Ok(ex)) => {
                // `除 10.30.8.23 外，另外两台`: the count is of the machines left — of the
                // title's group, else of all the servers.
                if let scope::Count::Exactly(n) = count {
                    let all: Vec<usize> = self.inv.servers().map(|(h, _)| h).collect();
                    for set in [titled, all.as_slice()] {
                        let left: Vec<usize> = set
                            .iter()
                            .copied()
                            .filter(|h| !ex.hosts.contains(h))
                            .collect();
                        if !set.is_empty() && left.len() == n && left.len() < set.len() {
                            let how = format!("counted: {}", host_names(self.inv, set));
                            return ex
                                .apply(set.to_vec(), &how, self.inv)
                                .map(|(h, w)| (h, Some(w)));
                        }
                    }
                }
                let (hosts, why) =
                    self.resolve_count_of(&ex.rest, count, titled, section, line, what)?;
                let how =
                    why.unwrap_or_else(|| format!("counted: {}", host_names(self.inv, &hosts)));
                ex.apply(hosts, &how, self.inv).map(|(h, w)| (h, Some(w)))
            }
        }
    }

    fn resolve_count_of(
        &self,
        text: &str,
        count: scope::Count,
        titled: &[usize],
        section: Option<usize>,
        line: usize,
        what: &str,
    ) -> Result<(Vec<usize>, Option<String>), String> {
        // The title's group, or every server when they are that many (`三台上都要` after a
        // sentence on one of three servers): never narrowed by a smaller set nearby.
        let servers = self.inv.servers().count();
        if matches!(count, scope::Count::Exactly(n) if n == titled.len() || (titled.is_empty() && n == servers))
        {
            if let Some(h) = scope::counted_hosts(count, self.inv, titled) {
                return Ok((h, None));
            }
        }
        if let Some(r) = self.count_nearby(text, count, section, line, what) {
            return r.map(|(h, w)| (h, Some(w)));
        }
        scope::counted_hosts(count, self.inv, titled)
            .filter(|h| !h.is_empty())
            .map(|h| (h, None))
            .ok_or_else(|| self.count_candidates(count, what))
    }

    pub(super) fn count_nearby(
        &self,
        text: &str,
        count: scope::Count,
        section: Option<usize>,
        line: usize,
        what: &str,
    ) -> Option<Result<(Vec<usize>, String), String>> {
        let scope::Count::Exactly(n) = count else {
            return None;
        };
        let names = |h: &[usize]| host_names(self.inv, h);
        let differs = |set: &str, hosts: &[usize]| {
            format!(
                "{what} counts {n} machines, but {set} names {} ({}): rbc does not guess which",
                hosts.len(),
                names(hosts)
            )
        };
        // `回退 NameServer，两台命令相同`: the group the text names.
        let groups = scope::group_words(text, self.inv);
        if !groups.is_empty() {
            let mut union: Vec<usize> = Vec::new();
            for (_, g) in &groups {
                for h in g {
                    if !union.contains(h) {
                        union.push(*h);
                    }
                }
            }
            let words = groups
                .iter()
                .map(|(w, _)| format!("`{w}`"))
                .collect::<Vec<_>>()
                .join(", ");
            return Some(if union.len() == n {
                Ok((
                    union.clone(),
                    format!("counted {n}: {words} is {}", names(&union)),
                ))
            } else {
                Err(differs(&words, &union))
            });
        }
        // `R2 在三台上都执行：`: the row of the step the text opens with.
        if let Some((hosts, row_line, id)) = self.row_pointed_at(text) {
            let set = format!("the row of {id} (line {row_line})");
            return Some(if hosts.len() == n {
                Ok((
                    hosts.clone(),
                    format!("counted {n}: {set} names {}", names(&hosts)),
                ))
            } else {
                Err(differs(&set, &hosts))
            });
        }
        // `全部 5 台`: the one table of hosts that lists that many servers.
        if lexicon::contains_any(text, &["全部", "所有", "全体"]) {
            let tables: Vec<(Vec<usize>, usize)> = self
                .doc
                .elements
                .iter()
                .filter_map(|e| {
                    let ElementKind::Table { rows } = &e.kind else {
                        return None;
                    };
                    let last = e.line + rows.len();
                    let hosts: Vec<usize> = self
                        .inv
                        .servers()
                        .filter(|(_, h)| h.line > e.line && h.line <= last)
                        .map(|(i, _)| i)
                        .collect();
                    (!hosts.is_empty()).then_some((hosts, e.line))
                })
                .collect();
            if let [(hosts, at)] = tables.as_slice() {
                let set = format!("the host table (line {at})");
                return Some(if hosts.len() == n {
                    Ok((
                        hosts.clone(),
                        format!("counted {n}: {set} lists {}", names(hosts)),
                    ))
                } else {
                    Err(differs(&set, hosts))
                });
            }
        }
        // `lb-01、lb-02 执行：…` then `两台都重启：`: the hosts the section named last.
        if let Some(e) = self
            .explicit
            .as_ref()
            .filter(|e| section.is_some() && e.section == section)
        {
            // What this very sentence resolved to when it was read.
            if e.line == line {
                return Some(Ok((e.hosts.clone(), e.why.clone())));
            }
            if self.explicit_stale && self.stale_count_line != Some(line) {
                return Some(Err(format!(
                    "{what} counts {n} machines, and the last sentence naming where said it in words rbc cannot resolve"
                )));
            }
            let set = format!("the text at line {}", e.line);
            return Some(if e.hosts.len() == n {
                Ok((
                    e.hosts.clone(),
                    format!("counted {n}: {set} named {}", names(&e.hosts)),
                ))
            } else {
                Err(differs(&set, &e.hosts))
            });
        }
        None
    }

    /// Why a count stays manual: which sets of that size there are (the operator picks, rbc
    /// does not).
    fn count_candidates(&self, count: scope::Count, what: &str) -> String {
        let scope::Count::Exactly(n) = count else {
            return format!("{what} counts machines but does not say which");
        };
        let mut sets: Vec<Vec<usize>> = Vec::new();
        for (i, h) in self.inv.servers() {
            let mut keys: Vec<&str> = vec![inventory::stem(&h.name)];
            keys.extend(h.group_keys.iter().map(String::as_str));
            for k in keys {
                let g = self.inv.group(k);
                if g.len() == n && g.contains(&i) && !sets.contains(&g) {
                    sets.push(g);
                }
            }
        }
        if sets.is_empty() {
            format!("{what} counts {n} machines but does not say which, and no {n} hosts are named nearby")
        } else {
            format!(
                "{what} counts {n} machines but does not say which: {}",
                sets.iter()
                    .map(|g| host_names(self.inv, g))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        }
    }

    /// The group the section's title (or an enclosing one) names.
    pub(super) fn title_group_hosts(&self) -> Vec<usize> {
        let mut s = self.section;
        while let Some(x) = s {
            if let Some(t) = scope::title_group(&self.outline.sections[x].title, self.inv) {
                return t.hosts;
            }
            if scope::unknown_side(&self.outline.sections[x].title, self.inv).is_some() {
                return Vec::new();
            }
            s = self.outline.sections[x].parent;
        }
        Vec::new()
    }

    /// The title's group, else the hosts the last sentence named.
    pub(super) fn current_group(&self) -> Vec<usize> {
        let titled = self.title_group_hosts();
        if !titled.is_empty() {
            return titled;
        }
        self.explicit
            .as_ref()
            .map(|e| e.hosts.clone())
            .unwrap_or_default()
    }

    /// The last document-wide default before element `i` (`如无特别说明，以下操作均在所有节点执行`,
    /// `以下命令在每台机器上执行`): its hosts and line.
    pub(super) fn document_default(&self, i: usize) -> Option<(Vec<usize>, usize)> {
        self.doc.elements[..i].iter().rev().find_map(|e| {
            let text = match &e.kind {
                ElementKind::Paragraph { text } | ElementKind::ListItem { text, .. } => text,
                _ => return None,
            };
            if !lexicon::contains_any(text, lexicon::DOCUMENT_DEFAULT) {
                return None;
            }
            let hosts = match scope::targets(text, self.inv, &[]) {
                Some(t) => t.hosts,
                None => scope::counted_hosts(scope::stated_count(text)?, self.inv, &[])?,
            };
            (!hosts.is_empty()).then_some((hosts, e.line))
        })
    }

    /// Hosts for something at element `i` whose own text (sentence or lead-in) is `text`.
    pub(super) fn hosts_for(&mut self, i: usize, text: &str) -> Target {
        self.hosts_for_carry(i, text, true)
    }

    /// A rollback block of `mv B A` that undoes a forward `mv A B`: the hosts of that rename.
    pub(super) fn undone_rename_hosts(&self, content: &str) -> Option<Target> {
        if self.phase() != Phase::Rollback {
            return None;
        }
        let mut found: Option<Target> = None;
        for line in content.lines() {
            let Line::Command(cmd) = classify::parse_line(line) else {
                continue;
            };
            let Action::Rename { from, to } = classify::command(&cmd, &self.cwd).action else {
                return None;
            };
            let forward = self.drafts.iter().find(|f| {
                f.phase == Phase::Run && matches!(&f.action, Action::Rename { from: ff, to: ft } if *ff == to && *ft == from)
            })?;
            found = Some(Target::new(
                forward.hosts.clone(),
                EvidenceKind::UndoneRename,
                forward.line,
                format!("undoes the rename at line {}, on its hosts", forward.line),
            ));
        }
        found
    }

    /// Sentences for people (manual steps) do not inherit hosts across sections: they go on no host.
    pub(super) fn hosts_for_carry(&mut self, i: usize, text: &str, allow_carry: bool) -> Target {
        self.hosts_for_with(i, text, allow_carry, None, &[])
    }

    /// The last login sentence or host list, as a target.
    pub(super) fn explicit_target(e: &Explicit, why: String) -> Target {
        Target::new(e.hosts.clone(), e.kind, e.line, why)
    }

    pub(super) fn hosts_for_with(
        &mut self,
        i: usize,
        text: &str,
        allow_carry: bool,
        before_carry: Option<Target>,
        prompt: &[usize],
    ) -> Target {
        let line = self.doc.elements[i].line;
        if let Some(a) = &self.annotation {
            if let Some(names) = a.hosts.clone() {
                return self.annotated_hosts(i, &names);
            }
        }
        // The last item of a bullet list of hosts stands for the whole list.
        if self.last_host_item == Some(i) {
            if let Some(e) = &self.explicit {
                return Self::explicit_target(e, format!("{} (line {})", e.why, e.line));
            }
        }
        let group = self.current_group();
        // Addresses and names inside inline code (`curl 10.0.0.2:80`) are what a command
        // talks to, not where it runs.
        let prose = self.without_inline_code(i, text);
        let text = prose.as_str();
        // `仅在主库确认不可恢复后执行。在 pg-standby 上：`: a last sentence that only says where
        // to work is where the work happens.
        let last = lexicon::last_sentence(text);
        let text = if last.len() < text.len() && scope::says_where_last(last, self.inv) {
            last
        } else {
            text
        };
        // A machine-like name rbc does not know where work happens (`登录node7`): never the
        // hosts of another sentence.
        let sibling = || {
            inventory::ascii_words(text)
                .into_iter()
                .find(|w| crate::names::sibling_of_known(self.inv, w))
                .map(str::to_string)
        };
        if let Some(unknown) = crate::names::place_names(text)
            .into_iter()
            .find(|n| {
                self.inv.find(n).is_none()
                    && self.inv.group(n).is_empty()
                    && scope::by_last_octet(self.inv, n).is_none()
            })
            .or_else(sibling)
        {
            return Target::nowhere(format!("names `{unknown}`, which is no host rbc knows"));
        }
        // `仍在跳板机上执行`, `在跳板机 jump-1 上核对`: the work happens on the jump host, where
        // rbc runs no step — never on the servers the rest of the sentence names.
        if let Some(jump) = scope::jump_place(text, self.inv) {
            return Target::nowhere(format!(
                "runs on the jump host (`{jump}`), where rbc runs no step: the operator runs it there by hand"
            ));
        }
        if let Some(t) = scope::targets(text, self.inv, &group) {
            return Target::new(
                t.hosts,
                EvidenceKind::Sentence,
                line,
                format!("{} (line {line})", t.how),
            );
        }
        // `在数据库服务器上确认`: the sentence says where, in words rbc cannot resolve — never
        // the hosts of another sentence.
        if let Some(x) = scope::place_phrase(text) {
            if scope::stated_count(x).is_none() {
                return Target::nowhere(format!(
                    "says where (`在{x}上`), but rbc does not know which host that is"
                ));
            }
        }
        // `三台都要修改`, `所有节点执行`: a count of machines, never the hosts of another sentence.
        if let Some(count) = scope::stated_count(text) {
            // The group a count refers to is the one a section title names, never the hosts of
            // an earlier sentence (that would be a carry).
            let titled = self.title_group_hosts();
            return match self.resolve_count(
                text,
                count,
                &titled,
                self.section,
                line,
                "the sentence",
            ) {
                Ok((hosts, why)) => {
                    let why =
                        why.unwrap_or_else(|| format!("counted: {}", host_names(self.inv, &hosts)));
                    Target::new(
                        hosts,
                        EvidenceKind::Sentence,
                        line,
                        format!("{why} (line {line})"),
                    )
                }
                Err(why) => Target::nowhere(why),
            };
        }
        // Before any section, the last login sentence holds.
        if let (None, Some(e)) = (self.section, &self.explicit) {
            if e.section.is_none() {
                return Self::explicit_target(e, format!("{} (line {})", e.why, e.line));
            }
        }
        // The section itself or an ancestor: its own login sentence, else its title's group.
        let mut s = self.section;
        while let Some(x) = s {
            if let Some(e) = &self.explicit {
                if e.section == Some(x) {
                    let t = Self::explicit_target(e, format!("{} (line {})", e.why, e.line));
                    return if self.explicit_stale {
                        t.with(
                            EvidenceKind::CarriedOver,
                            e.line,
                            "past a sentence naming other machines",
                        )
                    } else {
                        t
                    };
                }
            }
            // `| 1 | 前台挂维护页 | 见 4.1 | web-01 |`: the row of an operation table that
            // points at the section.
            if let Some(t) = self.row_for_section(x) {
                return t;
            }
            if let Some(t) = scope::title_group(&self.outline.sections[x].title, self.inv) {
                let id = &self.outline.sections[x].id;
                return Target::new(
                    t.hosts,
                    EvidenceKind::SectionTitle,
                    self.outline.sections[x].line,
                    format!("{} ({id})", t.how),
                );
            }
            // `3.2 旧客户端` under `3 客户端配置`: machines rbc cannot tell, not the chapter's.
            if let Some(side) = scope::unknown_side(&self.outline.sections[x].title, self.inv) {
                let id = &self.outline.sections[x].id;
                return Target::nowhere(format!(
                    "the section title ({id}) names a kind of {side} no host's role says"
                ));
            }
            // `二、安装（三台都执行）`: the title counts the machines of its steps — the group an
            // enclosing title names, else the one group (or all servers) of that size.
            if let Some(count) = scope::title_count(&self.outline.sections[x].title) {
                let id = &self.outline.sections[x].id;
                let mut enclosing = Vec::new();
                let mut p = self.outline.sections[x].parent;
                while let (Some(y), true) = (p, enclosing.is_empty()) {
                    if let Some(t) = scope::title_group(&self.outline.sections[y].title, self.inv) {
                        enclosing = t.hosts;
                    }
                    p = self.outline.sections[y].parent;
                }
                let title = &self.outline.sections[x].title;
                let what = format!("the section title ({id})");
                return match self.resolve_count(title, count, &enclosing, None, line, &what) {
                    Ok((hosts, why)) => {
                        let why = match why {
                            Some(w) => format!("section title: {w} ({id})"),
                            None => format!(
                                "section title counts {} ({id})",
                                host_names(self.inv, &hosts)
                            ),
                        };
                        Target::new(
                            hosts,
                            EvidenceKind::SectionTitle,
                            self.outline.sections[x].line,
                            why,
                        )
                    }
                    Err(why) => Target::nowhere(why),
                };
            }
            s = self.outline.sections[x].parent;
        }
        if let Some(t) = before_carry {
            return t;
        }
        // `如无特别说明，以下操作均在所有节点执行`: the document's default, until a section says
        // otherwise (a one-off `只需要在 X 上执行` held for its own section, above).
        if allow_carry {
            if let Some((hosts, at)) = self.document_default(i) {
                let names = host_names(self.inv, &hosts);
                return Target::new(
                    hosts,
                    EvidenceKind::DocumentDefault,
                    at,
                    format!("the document's default: {names} (line {at})"),
                );
            }
        }
        // A runbook with one server and no other machine named: nothing else to choose from.
        if let (Some(only), true) = (self.only_server, allow_carry) {
            if prompt.iter().all(|p| *p == only) {
                return Target::new(
                    vec![only],
                    EvidenceKind::OnlyServer,
                    line,
                    "the runbook's only server",
                );
            }
        }
        let chapter = self.section.map(|s| self.outline.chapter(s));
        let prompt_names = host_names(self.inv, prompt);
        if let Some(e) = self.explicit.clone().filter(|_| allow_carry) {
            let same_chapter =
                e.section.map(|s| self.outline.chapter(s)) == chapter && chapter.is_some();
            // (A prompt naming one of them decides its host; `prompt_rules` splits the rest.)
            if same_chapter {
                return Self::explicit_target(
                    &e,
                    format!("carried over from {} (line {})", e.why, e.line),
                )
                .with(EvidenceKind::CarriedOver, e.line, "");
            }
        }
        // The last hosts named are every server of the runbook: still another chapter's words.
        if let Some(e) = self.explicit.clone().filter(|_| allow_carry) {
            let servers: Vec<usize> = self.inv.servers().map(|(i, _)| i).collect();
            if !servers.is_empty() && servers.iter().all(|h| e.hosts.contains(h)) {
                return Self::explicit_target(
                    &e,
                    format!(
                        "carried over from {} (line {}); they are all the runbook's servers",
                        e.why, e.line
                    ),
                )
                .with(EvidenceKind::CarriedOver, e.line, "");
            }
        }
        // The prompt names the host (`[root@web-1 ~]#`): that host, never its group.
        if !prompt.is_empty() {
            return Target::new(
                prompt.to_vec(),
                EvidenceKind::Prompt,
                line,
                format!("the prompt shows {prompt_names}"),
            );
        }
        // A runbook whose servers are all one group: they are the only candidates, but nothing
        // here says so.
        let servers: Vec<usize> = self.inv.servers().map(|(i, _)| i).collect();
        let one_group = servers.len() > 1
            && servers.iter().all(|h| {
                self.inv.hosts[*h].group_keys.first()
                    == self.inv.hosts[servers[0]].group_keys.first()
            });
        if one_group && allow_carry {
            return Target::new(
                servers,
                EvidenceKind::OnlyGroup,
                line,
                "every server (the runbook has one group)",
            );
        }
        Target::nowhere("no host named")
    }

    /// `text` with the inline code of element `i` blanked out.
    pub(super) fn without_inline_code(&self, i: usize, text: &str) -> String {
        let mut out = text.to_string();
        for c in &self.doc.elements[i].codes {
            if c.trim().is_empty() {
                continue;
            }
            out = out.replace(c.as_str(), &" ".repeat(c.len()));
        }
        out
    }

    pub(super) fn annotated_hosts(&mut self, i: usize, names: &[String]) -> Target {
        let mut hosts = Vec::new();
        for n in names {
            match n.as_str() {
                "all" => hosts.extend(self.inv.servers().map(|(i, _)| i)),
                "none" => {}
                _ => match self.inv.find(n).or_else(|| self.inv.by_ip(n)) {
                    Some(h) => hosts.push(h),
                    None => self.diags.push(
                        Diagnostic::error("E022", format!("annotation names unknown host `{n}`"))
                            .at(self.source, self.annotation_span(i, n))
                            .help("use a host name, alias or IP that `rbc hosts` lists"),
                    ),
                },
            }
        }
        hosts.dedup();
        let line = self.doc.elements[i].line;
        Target::new(hosts, EvidenceKind::Annotation, line, "annotation")
    }

    /// The line where the text says a value of this step differs per host, if it does: in the
    /// step's own lines (a comment on the command, a line of the content) or, for one command
    /// line, a comment on the line of the block it came from.
    pub(super) fn per_host_value(&self, d: &Draft) -> Option<usize> {
        // One host's step carries that host's value; only a step on several can be wrong.
        if d.kind == StepKind::Note
            || d.hosts.len() < 2
            || self.annotation.as_ref().is_some_and(|a| a.hosts.is_some())
        {
            return None;
        }
        // The sentence before the block (`…分钟数按主机错开…，下面以 api01 为例：`).
        if let Some(lead) = self.lead_in(d.element) {
            let e = &self.doc.elements[lead];
            // `监听非本机地址` (a non-local address) names no value of this host.
            if lexicon::contains_any(&e.text().replace("非本机", ""), lexicon::PER_HOST_VALUE) {
                return Some(e.line);
            }
        }
        let content = match &d.action {
            Action::AppendBlock { content, .. }
            | Action::PrependBlock { content, .. }
            | Action::WriteFile { content, .. }
            | Action::ConfBlocks { content, .. }
            | Action::XmlElement { content, .. } => content.as_str(),
            Action::Run { .. }
            | Action::Probe { .. }
            | Action::ReadValue { .. }
            | Action::RpmInstall { .. }
            | Action::PackageInstall { .. }
            | Action::EnsureLines { .. }
            | Action::FirewallRules { .. }
            | Action::ReplaceLine { .. }
            | Action::IniSet { .. }
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
            | Action::TailLog { .. }
            | Action::Sql { .. }
            | Action::Dump { .. }
            | Action::Payload { .. }
            | Action::Manual { .. }
            | Action::Note => "",
        };
        if lexicon::contains_any(&d.text, lexicon::PER_HOST_VALUE)
            || lexicon::contains_any(content, lexicon::PER_HOST_VALUE)
            || lexicon::contains_any(self.source.line_text(d.line), lexicon::PER_HOST_VALUE)
        {
            return Some(d.line);
        }
        // A comment on the line that names two of the step's hosts (`# 34 上写 4，35 上写 5`,
        // `# zk-02 改为 2`): the value is given per host.
        let source_line = self.source.line_text(d.line);
        if let Some((_, comment)) = source_line.trim_start().split_once(" #") {
            let named = d
                .hosts
                .iter()
                .filter(|h| {
                    comment
                        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
                        .filter(|w| !w.is_empty())
                        .any(|w| {
                            self.inv.find(w) == Some(**h)
                                || scope::by_last_octet(self.inv, w) == Some(**h)
                        })
                })
                .count();
            if named >= 2 {
                return Some(d.line);
            }
        }
        // The sentence after the block (`其中 NODE_ROLE 在 bat02 上改为 standby`).
        if let Some(next) = self.doc.elements.get(d.element + 1) {
            let text = next.text();
            let changes =
                lexicon::contains_any(text, &["改为", "改成", "换成", "修改为", "替换为"]);
            let names_one = d.hosts.iter().any(|h| {
                inventory::ascii_words(text)
                    .into_iter()
                    .any(|w| self.inv.find(w) == Some(*h))
            });
            if matches!(
                next.kind,
                ElementKind::Paragraph { .. } | ElementKind::ListItem { .. }
            ) && changes
                && (names_one || lexicon::contains_any(text, lexicon::PER_HOST_VALUE))
            {
                return Some(next.line);
            }
        }
        // The content's own lines, when the edit came from a block after the step's line.
        let element = &self.doc.elements[d.element];
        if let ElementKind::Code {
            first_line,
            content: block,
            ..
        } = &element.kind
        {
            if !content.is_empty() {
                for (n, l) in block.lines().enumerate() {
                    if lexicon::contains_any(l, lexicon::PER_HOST_VALUE) {
                        return Some(first_line + n);
                    }
                }
            }
        }
        None
    }

    /// A prompt that names the host is stronger than a section title or a carried-over guess;
    /// a sentence (or annotation, table row, host list) is stronger than a prompt, but a prompt
    /// naming a host the sentence does not is a doubt. Returns the target and, when the prompt
    /// narrowed weaker evidence to its host, the other hosts that evidence gave (manual there).
    pub(super) fn prompt_rules(
        &self,
        base: Target,
        prompt: &[usize],
        line: usize,
    ) -> (Target, Option<Target>) {
        let [one] = prompt else {
            return (base, None);
        };
        if is_strong(&base) {
            if base.hosts.contains(one) {
                return (base, None);
            }
            let why = format!("the prompt shows {}", self.inv.hosts[*one].name);
            return (base.with(EvidenceKind::PromptDisagrees, line, &why), None);
        }
        if base.evidence.iter().any(|e| e.kind == EvidenceKind::Prompt) {
            return (base, None);
        }
        let name = &self.inv.hosts[*one].name;
        let on = Target::new(
            vec![*one],
            EvidenceKind::Prompt,
            line,
            format!("the prompt shows {name}"),
        );
        let others: Vec<usize> = base.hosts.iter().copied().filter(|h| h != one).collect();
        let rest = (base.hosts.contains(one) && !others.is_empty()).then(|| {
            let why = format!("; the prompt shows only {name}");
            Target {
                hosts: others,
                ..base.with(EvidenceKind::PromptShowsOther, line, &why)
            }
        });
        (on, rest)
    }

    /// The prose after `vim FILE` says to copy the file's content from another host: the value's
    /// name (from the file name) and that host.
    pub(super) fn value_from_other_host(
        &self,
        i: usize,
        path: &str,
        hosts: &[usize],
    ) -> Option<(String, String)> {
        let following = self.following_prose(i);
        if !lexicon::contains_any(&following, lexicon::COPY_FROM) {
            return None;
        }
        let source = inventory::ascii_words(&following)
            .into_iter()
            .filter_map(|w| self.inv.find(w))
            .find(|h| {
                !hosts.contains(h) && self.inv.hosts[*h].kind == crate::plan::HostKind::Server
            })?;
        let value = super::values::value_name(path);
        (!value.is_empty()).then(|| (value, self.inv.hosts[source].name.clone()))
    }
}

/// Evidence that names the hosts outright (an annotation, a sentence, a host list, a table row)
/// and is no guess: stronger than a prompt.
pub(super) fn is_strong(t: &Target) -> bool {
    t.guess().is_none()
        && t.evidence.iter().any(|e| {
            matches!(
                e.kind,
                EvidenceKind::Annotation
                    | EvidenceKind::Sentence
                    | EvidenceKind::HostList
                    | EvidenceKind::TableRow
            )
        })
}

pub(super) fn host_sections(outline: &Outline, inv: &Inventory) -> Vec<bool> {
    let mut out: Vec<bool> = outline
        .sections
        .iter()
        .map(|s| inv.find(s.title.trim()).is_some())
        .collect();
    for (i, s) in outline.sections.iter().enumerate() {
        if out[i] {
            if let Some(p) = s.parent {
                out[p] = true;
            }
        }
    }
    out
}

pub(super) fn host_names(inv: &Inventory, hosts: &[usize]) -> String {
    hosts
        .iter()
        .map(|h| inv.hosts[*h].name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
