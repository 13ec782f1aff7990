use std::sync::LazyLock;

use regex::Regex;

use super::Walker;
use crate::classify::{self};
use crate::evidence::Target;
use crate::lexicon;
use crate::plan::{Action, StepKind};

impl<'a> Walker<'a> {
    /// The file an edit is for: a pending `vim FILE`, or a path in the lead-in.
    pub(super) fn edit_target(&self, lead: &str) -> Option<String> {
        let in_lead = classify::paths_in(lead)
            .into_iter()
            .find(|p| !p.ends_with('/'));
        match (&self.pending_edit, in_lead) {
            (_, Some(p)) if p.contains('.') || p.starts_with("/etc/") => Some(p),
            (Some((p, _)), _) => Some(p.clone()),
            (None, Some(p)) => Some(p),
            (None, None) => None,
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn edit(
        &mut self,
        i: usize,
        verb: &str,
        path: &str,
        content: &str,
        line: usize,
        t: &Target,
        lead: &str,
    ) {
        self.credential_warning(i, path, content);
        let lines: Vec<String> = content
            .lines()
            .map(|l| l.trim_end().to_string())
            .filter(|l| !l.trim().is_empty())
            .collect();
        let nested = content.contains('{') && content.contains('}')
            || self
                .excerpt
                .as_deref()
                .is_some_and(|e| e.contains('{') && e.contains('}'));
        let name = path.rsplit('/').next().unwrap_or(path);
        let mut doubt: Option<String> = None;
        // Whole nginx blocks: put by name (replace), or in `http` when they belong there (add).
        let blocks = (verb != "write" && path.contains("nginx")).then(|| {
            crate::confblocks::blocks(content).and_then(|bs| {
                match bs
                    .iter()
                    .find(|b| verb != "replace" && !crate::confblocks::goes_in_http(b))
                {
                    Some(b) => Err(format!("`{}` has no certain place in the file", b.name)),
                    None => Ok(bs),
                }
            })
        });
        let mut typed = match &blocks {
            Some(Ok(bs)) => Some(Action::ConfBlocks {
                path: path.to_string(),
                content: ensure_newline(content.trim_matches('\n')),
                blocks: bs.iter().map(|b| b.name.clone()).collect(),
                replace: verb == "replace",
            }),
            _ => None,
        };
        let action = match verb {
            "write" => Action::WriteFile {
                path: path.to_string(),
                content: ensure_newline(content.trim_start_matches('\n')),
            },
            _ if path.contains("iptables")
                && lines.iter().all(|l| {
                    l.trim_start().starts_with("-A ") || l.trim_start().starts_with("-I ")
                }) =>
            {
                Action::FirewallRules {
                    path: path.to_string(),
                    rules: lines.iter().map(|l| l.trim().to_string()).collect(),
                }
            }
            _ if typed.is_some() => typed.take().unwrap_or(Action::Note),
            _ if nested && verb != "write" => {
                doubt = Some(match &blocks {
                    Some(Err(why)) => format!(
                        "where inside the nested configuration of {name} this goes is not certain: {why}"
                    ),
                    _ => format!(
                        "where inside the nested configuration of {name} this goes is not certain"
                    ),
                });
                Action::Manual {
                    instruction: format!("{lead}\n{}", content.trim()),
                }
            }
            "replace" => match self.replaced_line(&lines) {
                Some((old, new)) => Action::ReplaceLine {
                    path: path.to_string(),
                    old,
                    new,
                },
                None => {
                    doubt = Some(format!(
                        "rbc cannot tell which line of {name} this replaces"
                    ));
                    Action::Manual {
                        instruction: format!("{lead}\n{}", content.trim()),
                    }
                }
            },
            _ if path == "/etc/hosts" => Action::EnsureLines {
                path: path.to_string(),
                lines,
            },
            // `编辑 /etc/my.cnf，在 [mysqld] 段下加入：` + `key = value` lines: keys of that
            // section of an ini-style file, set in place.
            _ if verb != "write" && ini_keys(path, lead, &lines).is_some() => {
                let (section, keys) = ini_keys(path, lead, &lines).unwrap_or_default();
                Action::IniSet {
                    path: path.to_string(),
                    section,
                    lines: keys,
                }
            }
            // `在 backend order_back 段中增加`, `在[mysqld]下添加`: inside a part of the file,
            // not at its end; where that part ends rbc does not know.
            _ if in_a_part(lead) => {
                doubt = Some(format!(
                    "the runbook puts this inside a part of {name} (`{}`), not at its end",
                    lead.trim()
                ));
                Action::Manual {
                    instruction: format!("{lead}\n{}", content.trim()),
                }
            }
            // Lines added to an XML file: they belong inside some element, never after its
            // root's closing tag; which element and where rbc cannot tell.
            _ if name.ends_with(".xml") => {
                doubt = Some(format!(
                    "where inside the XML of {name} this goes is not certain"
                ));
                Action::Manual {
                    instruction: format!("{lead}\n{}", content.trim()),
                }
            }
            "add" if name.ends_with(".sh") => Action::PrependBlock {
                path: path.to_string(),
                content: ensure_newline(content.trim()),
            },
            _ => Action::AppendBlock {
                path: path.to_string(),
                content: ensure_newline(content.trim_matches('\n')),
            },
        };
        let kind = if matches!(action, Action::Manual { .. }) {
            StepKind::Manual
        } else {
            StepKind::Converge
        };
        if let Some(d) = &doubt {
            let help = if blocks.is_some() {
                "show whole blocks: an `upstream NAME {…}` or a `server {…}` with its server_name to add, or the block as it must be after the change; or mark the block `<!-- rbc: kind=manual -->`"
            } else {
                "make the edit precise (whole lines to add, or `修改A为B` with one line each), or mark the block `<!-- rbc: kind=manual -->`"
            };
            // The line the doubt quotes (`listen 443;`), else the first line of the content.
            let quoted = d.split('`').nth(1);
            self.warn(
                "W021",
                self.content_span(i, quoted),
                format!("edit of {path}: {d}; it becomes a manual step"),
                help,
            );
        }
        let kind = if t.known() { kind } else { StepKind::Manual };
        let text = format!("{} {path}", edit_word(verb));
        let mut d = self.draft(i, kind, t, line, &text, action);
        d.source = format!("{lead}\n{content}");
        self.push(i, d);
    }

    /// W037 for content that writes a credential the runbook shows.
    fn credential_warning(&mut self, i: usize, path: &str, content: &str) {
        if let Some(found) = crate::secrets::key(content) {
            self.warn(
                "W037",
                self.content_span(i, Some(found.as_str())),
                format!("a credential is written in the runbook (`{found}`): {path} is installed mode 0600 whatever the edit, the bundle's copy is 0600; plan.json, the checklist, logs and the terminal show `{found}` with `***`"),
                "keep runbooks free of passwords; use a value the operator gives on the host",
            );
        }
    }

    /// Content that is one XML element (`<configuration>`…`</configuration>`), after `vim FILE`
    /// (`vim`: where that line runs) or announced by a sentence that names the element or says
    /// it is replaced: the file's one such element becomes the block's ([`Action::XmlElement`]).
    /// `None` when the content or the sentence is not that (the other edit rules read it), else
    /// whether the edit is automated. The content's hosts and the editor line's must agree
    /// (W096); the editor line decides when no sentence names the content's hosts.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn xml_edit(
        &mut self,
        i: usize,
        path: &str,
        content: &str,
        line: usize,
        t: &Target,
        lead: &str,
        vim: Option<&Target>,
    ) -> Option<bool> {
        let (tag, element) = xml_element(content)?;
        let fill = xml_announced(lead, &tag, vim.is_some())?;
        self.credential_warning(i, path, content);
        let mut target = t.clone();
        let mut disagree = false;
        // The editor line's prompt decides over weaker evidence for the content (a group, a
        // default, hosts carried over); a sentence that names other hosts is a doubt.
        if let Some(v) = vim.filter(|v| v.known() && v.guess().is_none()) {
            if !super::hosts::is_strong(t) {
                target = v.clone();
            } else if v.hosts != t.hosts {
                disagree = true;
            }
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        let action = if disagree {
            let on = |hs: &[usize]| {
                hs.iter()
                    .map(|h| self.inv.hosts[*h].name.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            self.warn(
                "W096",
                self.content_span(i, None),
                format!(
                    "the file {name} is opened on {} but its `<{tag}>` content is for {}; it becomes a manual step",
                    on(&vim.map(|v| v.hosts.clone()).unwrap_or_default()),
                    on(&t.hosts)
                ),
                "say where the edit is made once: a prompt on the editor line, or a sentence before the content",
            );
            Action::Manual {
                instruction: format!("{lead}\n{}", content.trim()),
            }
        } else {
            Action::XmlElement {
                path: path.to_string(),
                element: tag.clone(),
                content: element,
                fill,
            }
        };
        let automated = !disagree && target.known();
        let kind = if automated {
            StepKind::Converge
        } else {
            StepKind::Manual
        };
        let text = format!(
            "{} <{tag}> of {path}",
            if fill { "fill" } else { "replace" }
        );
        let mut d = self.draft(i, kind, &target, line, &text, action);
        d.source = format!("{lead}\n{content}");
        self.push(i, d);
        // Automated unless an annotation made it manual or its hosts are a guess (the doubt
        // pass makes it manual later).
        Some(
            target.guess().is_none()
                && self
                    .drafts
                    .last()
                    .is_some_and(|d| d.kind == StepKind::Converge),
        )
    }

    /// For a one-line replacement: the line of the shown excerpt with the same key.
    pub(super) fn replaced_line(&self, new_lines: &[String]) -> Option<(String, String)> {
        if new_lines.len() != 1 {
            return None;
        }
        let new = new_lines[0].trim().to_string();
        let excerpt = self.excerpt.as_ref()?;
        let key = line_key(&new)?;
        let candidates: Vec<&str> = excerpt
            .lines()
            .map(str::trim)
            .filter(|l| line_key(l).as_deref() == Some(key.as_str()) && *l != new)
            .collect();
        match candidates.as_slice() {
            [one] => Some((one.to_string(), new)),
            _ => None,
        }
    }
}

/// A lead-in that places content inside a named part of a file: `backend x 段中`, `server部分`,
/// `[mysqld]下`, `section`.
pub(super) fn in_a_part(lead: &str) -> bool {
    static BRACKET: LazyLock<Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"\[[A-Za-z0-9_.:-]+\]\s*(?:下|中|里|段|部分|节)").unwrap()
    });
    lexicon::contains_any(lead, lexicon::FILE_PARTS) || BRACKET.is_match(lead)
}

static INI_SECTION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\[([A-Za-z0-9_.:-]+)\]\s*(?:段|部分|节|section|下|中|里|内)").unwrap()
});

/// The section an edit's lead-in names (`在 [mysqld] 段下`, `的 [nfsd] 部分`): exactly one.
fn ini_section(lead: &str) -> Option<String> {
    let mut found = INI_SECTION.captures_iter(lead).map(|c| c[1].to_string());
    let first = found.next()?;
    found.all(|s| s == first).then_some(first)
}

/// The section and `key = value` lines of an edit that sets keys inside one named section of an
/// ini-style file: the lead-in names the section and asks for nothing the content does not show
/// (no line to delete or comment out); every line is `key = value`, `key=value` or a bare `key`,
/// each key once (a first line naming the same section is the section's own header). Anything
/// else (another section, comments, nested or XML content) stays as it was: manual.
pub(super) fn ini_keys(path: &str, lead: &str, lines: &[String]) -> Option<(String, Vec<String>)> {
    static KEY: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^([A-Za-z_][A-Za-z0-9_.\-]*)\s*(?:=.*)?$").unwrap());
    const OTHER_WORK: &[&str] = &[
        "删除", "删掉", "去掉", "注释", "替换", "每台", "各自", "分别",
    ];
    let section = ini_section(lead)?;
    let name = path.rsplit('/').next().unwrap_or(path);
    if path.contains("nginx")
        || [".xml", ".yml", ".yaml", ".json", ".sh"]
            .iter()
            .any(|e| name.ends_with(e))
        || lexicon::contains_any(lead, OTHER_WORK)
    {
        return None;
    }
    let mut body: Vec<String> = lines.iter().map(|l| l.trim().to_string()).collect();
    if body.first().is_some_and(|l| {
        l.trim_start_matches('[').trim_end_matches(']').trim() == section && l.starts_with('[')
    }) {
        body.remove(0);
    }
    let mut keys = std::collections::BTreeSet::new();
    let norm = |k: &str| {
        if name.ends_with(".cnf") {
            k.replace('-', "_")
        } else {
            k.to_string()
        }
    };
    for l in &body {
        let k = KEY.captures(l)?;
        if !keys.insert(norm(&k[1])) {
            return None;
        }
    }
    (!body.is_empty()).then_some((section, body))
}

pub(super) fn edit_verb(lead: &str) -> Option<String> {
    if lexicon::contains_any(lead, lexicon::EDIT_WRITE)
        || new_file(lead)
        || whole_file_replaced(lead)
    {
        Some("write".into())
    } else if lexicon::contains_any(lead, lexicon::EDIT_APPEND) {
        Some("append".into())
    } else if lexicon::contains_any(lead, lexicon::EDIT_REPLACE) {
        Some("replace".into())
    } else if lexicon::contains_any(lead, lexicon::EDIT_ADD) || ini_section(lead).is_some() {
        // `同样编辑 /etc/my.cnf 的 [mysqld] 段：`, `在 [nfsd] 段下设置：`: keys for that section.
        Some("add".into())
    } else {
        None
    }
}

/// `/etc/chrony.conf 替换为下面内容`, `把 /etc/x.conf 的内容改为如下内容`: the file itself (its path
/// right before the verb, at most `的内容` between) becomes the content that follows, whole.
/// A part of the file between them (`中的 server 行改为如下内容`) is not the whole file.
fn whole_file_replaced(lead: &str) -> bool {
    static WHOLE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"/[A-Za-z0-9_./-]*[A-Za-z0-9_-]\s*(?:的全部内容|的内容|内容)?\s*(?:都|均|也|统一)?\s*(?:替换|修改|改)(?:为|成)\s*(?:下面|以下|如下|下列)的?(?:内容|配置)")
            .unwrap()
    });
    static VERB: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?:替换|修改|改)(?:为|成)").unwrap());
    // Content given for one host as an example, or other changes asked in the same sentence
    // (`ha-n2 上把 state 改为 BACKUP`): not the same whole file everywhere.
    // The sentence that names the file (`…替换为下面的内容。下面是 ha-n1 的，ha-n2 上把 state 改为
    // BACKUP`): the whole file, given for one host when the rest says so — then the step is
    // split per host (perhost.rs) or stays manual (`for_one_host`).
    let core = lead.split(['。', '（', '(']).next().unwrap_or(lead);
    WHOLE.is_match(core)
        && VERB.find_iter(core).count() == 1
        && (!lexicon::contains_any(lead, lexicon::CONTENT_PER_HOST) || for_one_host(lead))
}

/// Words saying a whole file is given for one host (`下面是 ha-n1 的`, `以 kafka-01 为例`) and
/// another host changes some of it: the content as written is that host's only.
pub(super) fn for_one_host(lead: &str) -> bool {
    lexicon::contains_any(lead, &["为例", "下面是", "以下是", "如下是"])
}

/// `新建 /etc/systemd/system/x.service：`, `三台都创建 /etc/x/check.sh：`: a new file, whole. Only
/// for a path that names a file (a name with an extension, or under /etc), never a directory.
fn new_file(lead: &str) -> bool {
    lexicon::contains_any(lead, lexicon::EDIT_NEW_FILE)
        && !lexicon::contains_any(lead, &["目录", "文件夹", "用户"])
        && classify::paths_in(lead).iter().any(|p| {
            !p.ends_with('/')
                && (p.rsplit('/').next().is_some_and(|n| n.contains('.')) || p.starts_with("/etc/"))
        })
}

pub(super) fn edit_word(verb: &str) -> &'static str {
    match verb {
        "write" => "write",
        "append" => "append to",
        "replace" => "replace a line in",
        _ => "add to",
    }
}

pub(super) fn ensure_newline(s: &str) -> String {
    if s.ends_with('\n') {
        s.to_string()
    } else {
        format!("{s}\n")
    }
}

/// What identifies a config line: an XML tag (`<Context`), `KEY=`, or `key value`'s key.
pub(super) fn line_key(line: &str) -> Option<String> {
    let l = line.trim();
    if let Some(rest) = l.strip_prefix('<') {
        let tag: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == ':' || *c == '_')
            .collect();
        return (!tag.is_empty()).then(|| format!("<{tag}"));
    }
    if let Some((k, _)) = l.split_once('=') {
        if !k.contains(' ') {
            return Some(format!("{k}="));
        }
    }
    l.split_whitespace().next().map(str::to_string)
}

/// Content that is one XML element: optional `<?xml …?>`, `<!DOCTYPE …>` and comment lines, then
/// `<TAG …>` alone on its line, the element's lines, and `</TAG>` alone on the last line, with no
/// other line naming TAG. The tag and the element's lines (from its open tag, trailing blanks
/// trimmed, newline-terminated).
pub(super) fn xml_element(content: &str) -> Option<(String, String)> {
    static OPEN: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"^<([A-Za-z_][A-Za-z0-9_.:-]*)(?:[ \t][^<>]*)?>$"#).unwrap());
    let lines: Vec<&str> = content.lines().map(str::trim_end).collect();
    let mut k = 0;
    let mut in_comment = false;
    while k < lines.len() {
        let t = lines[k].trim();
        if in_comment {
            in_comment = !t.contains("-->");
        } else if t.starts_with("<!--") {
            match t.find("-->") {
                Some(_) if t.ends_with("-->") => {}
                Some(_) => return None,
                None => in_comment = true,
            }
        } else if !(t.is_empty()
            || (t.starts_with("<?") && t.ends_with("?>"))
            || (t.starts_with("<!DOCTYPE") && t.ends_with('>')))
        {
            break;
        }
        k += 1;
    }
    let open = lines.get(k)?.trim();
    let tag = OPEN.captures(open)?.get(1)?.as_str().to_string();
    if open.ends_with("/>") {
        return None;
    }
    let last = lines.iter().rposition(|l| !l.trim().is_empty())?;
    if last <= k || lines[last].trim() != format!("</{tag}>") {
        return None;
    }
    let names = |t: &str| {
        [format!("<{tag}"), format!("</{tag}")].iter().any(|p| {
            t.match_indices(p.as_str()).any(|(at, _)| {
                matches!(
                    t[at + p.len()..].chars().next(),
                    None | Some('>' | '/' | ' ' | '\t')
                )
            })
        })
    };
    if lines[k + 1..last].iter().any(|l| names(l)) {
        return None;
    }
    let element: String = lines[k..=last].iter().map(|l| format!("{l}\n")).collect();
    Some((tag, element))
}

/// Whether a lead-in announces the file's one element `tag` as the content that follows, and
/// how: `Some(false)` replaced (`<configuration> 中的内容改为：`, `configuration 节点替换为`, a
/// replace word, or no sentence after `vim FILE`), `Some(true)` filled (`在 <configuration>
/// 标签内添加`: only into an element that holds nothing yet). `None`: another element named,
/// content added without naming the element (`添加以下 property`), per-host content, or a
/// sentence that says neither.
pub(super) fn xml_announced(lead: &str, tag: &str, vim: bool) -> Option<bool> {
    static TAG: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"</?([A-Za-z_][A-Za-z0-9_.:-]*)").unwrap());
    const REPLACE: &[&str] = &[
        "替换为",
        "替换成",
        "修改为",
        "修改成",
        "改为",
        "改成",
        "覆盖为",
    ];
    const ADD: &[&str] = &["添加", "增加", "加入", "追加", "补充", "新增", "插入"];
    let lead = lead.trim();
    let replace = lexicon::contains_any(lead, REPLACE);
    let add = lexicon::contains_any(lead, ADD);
    if TAG.captures_iter(lead).any(|c| &c[1] != tag)
        || lexicon::contains_any(lead, lexicon::CONTENT_PER_HOST)
    {
        return None;
    }
    // After `vim FILE`, a sentence that says nothing of the content (`在 hd1 上执行：`) is none.
    if lead.is_empty() || (!replace && !add && edit_verb(lead).is_none()) {
        return vim.then_some(false);
    }
    let named = lead.contains(&format!("<{tag}>"))
        || lead.contains(&format!("<{tag} "))
        || Regex::new(&format!(
            r"(?:^|[^A-Za-z0-9_.:-]){}\s*(?:节点|标签|元素|段|中|内|里|部分)",
            regex::escape(tag)
        ))
        .is_ok_and(|r| r.is_match(lead));
    match (replace, add) {
        (true, _) if named || vim || !add => Some(false),
        (false, true) if named => Some(true),
        _ => None,
    }
}
