//! A value that is "this host's own name / address" (issue #11, item 18): a step on several hosts
//! whose only per-host values are lines marked `# 改为当前主机名` / `# 改为当前主机 IP` (or
//! `填本机主机名`, `本机IP`…), each showing one of the step's hosts' name or IP, is given to each
//! host with its own name or IP on those lines. Anything else the text says differs per host (a
//! value it does not say is the host's own, values listed in a sentence, a marker on a line
//! that shows no host's value) leaves the step as it was: manual (W043).

use super::{Draft, Walker};
use crate::diagnostic::Diagnostic;
use crate::evidence::{Evidence, EvidenceKind};
use crate::lexicon;
use crate::plan::{Action, StepKind};

/// Comments saying the value is this host's name.
const SELF_NAME: &[&str] = &[
    "当前主机名",
    "本机主机名",
    "本机的主机名",
    "当前节点主机名",
    "当前节点的主机名",
    "本节点主机名",
];
/// Comments saying the value is this host's address.
const SELF_IP: &[&str] = &[
    "当前主机 IP",
    "当前主机IP",
    "当前主机ip",
    "当前主机的 IP",
    "当前主机的IP",
    "当前主机地址",
    "本机 IP",
    "本机IP",
    "本机ip",
    "本机的 IP",
    "本机的IP",
    "本机地址",
    "当前节点 IP",
    "当前节点IP",
    "本节点 IP",
    "本节点IP",
];
/// A sentence after the block that changes a value (`mongo-02 上改为 …`): not a self value.
const CHANGES: &[&str] = &["改为", "改成", "换成", "修改为", "替换为"];

#[derive(Clone, Copy, PartialEq)]
enum Mark {
    Name,
    Ip,
}

/// A line's marker comment: what it asks for and where the comment starts. The comment must be
/// the line's last part (` # …` after the value) and ask for exactly one thing.
fn marker(line: &str) -> Option<(Mark, usize)> {
    let at = line.find(" #").or_else(|| line.find("\t#"))?;
    let comment = &line[at..];
    let ip = lexicon::contains_any(comment, SELF_IP);
    let name = lexicon::contains_any(comment, SELF_NAME);
    match (name, ip) {
        (true, false) => Some((Mark::Name, at)),
        (false, true) => Some((Mark::Ip, at)),
        _ => None,
    }
}

/// `word` in `text` as a whole token (host names: letters, digits, `-`, `_`; addresses: digits
/// and dots), each place it stands.
fn token_spans(text: &str, word: &str, ip: bool) -> Vec<usize> {
    let part = |c: char| {
        if ip {
            c.is_ascii_digit() || c == '.'
        } else {
            c.is_ascii_alphanumeric() || c == '-' || c == '_'
        }
    };
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(k) = text[from..].find(word) {
        let s = from + k;
        let e = s + word.len();
        let before = text[..s].chars().next_back().is_some_and(part);
        let after = text[e..].chars().next().is_some_and(part);
        if !before && !after {
            out.push(s);
        }
        from = e;
    }
    out
}

fn replace_tokens(text: &str, old: &str, new: &str, ip: bool) -> String {
    let mut out = String::new();
    let mut last = 0;
    for s in token_spans(text, old, ip) {
        out.push_str(&text[last..s]);
        out.push_str(new);
        last = s + old.len();
    }
    out.push_str(&text[last..]);
    out
}

impl<'a> Walker<'a> {
    /// The host whose values a line marked for "this host" shows, given the step's hosts: the one
    /// host whose name (or IP) stands in the value part of the line.
    fn shown_host(&self, value: &str, mark: Mark, hosts: &[usize]) -> Option<usize> {
        let found: Vec<usize> = hosts
            .iter()
            .copied()
            .filter(|h| {
                let host = &self.inv.hosts[*h];
                match mark {
                    Mark::Name => !token_spans(value, &host.name, false).is_empty(),
                    Mark::Ip => host
                        .ip
                        .as_deref()
                        .is_some_and(|ip| !token_spans(value, ip, true).is_empty()),
                }
            })
            .collect();
        match found.as_slice() {
            [one] => Some(*one),
            _ => None,
        }
    }

    /// The lines of a step's content, or of its command, where a per-host value could stand.
    fn per_host_lines(action: &Action) -> Option<Vec<String>> {
        match action {
            Action::Run { command } => Some(command.lines().map(str::to_string).collect()),
            Action::AppendBlock { content, .. }
            | Action::PrependBlock { content, .. }
            | Action::WriteFile { content, .. } => {
                Some(content.lines().map(str::to_string).collect())
            }
            Action::IniSet { lines, .. } | Action::EnsureLines { lines, .. } => Some(lines.clone()),
            _ => None,
        }
    }

    /// Splits a step on several hosts whose per-host values are all "this host's name / IP" into
    /// one step per host with its own values; `None` when anything else differs per host.
    pub(super) fn per_host_split(&mut self, d: &Draft) -> Option<Vec<Draft>> {
        if d.kind == StepKind::Note
            || d.hosts.len() < 2
            || self.annotation.as_ref().is_some_and(|a| a.hosts.is_some())
        {
            return None;
        }
        let lines = Self::per_host_lines(&d.action)?;
        // Every line that says something differs per host must be a marked self value.
        let mut marked: Vec<(usize, Mark, usize)> = Vec::new();
        for (n, l) in lines.iter().enumerate() {
            match marker(l) {
                Some((m, at)) => marked.push((n, m, at)),
                None if lexicon::contains_any(l, lexicon::PER_HOST_VALUE) => return None,
                None => {}
            }
        }
        if marked.is_empty() {
            return None;
        }
        // Every marked line shows the same host's value (the example host).
        let mut example = None;
        for (n, m, at) in &marked {
            let h = self.shown_host(&lines[*n][..*at], *m, &d.hosts)?;
            if example.is_some_and(|e| e != h) {
                return None;
            }
            example = Some(h);
        }
        let example = example?;
        if marked.iter().any(|(_, m, _)| *m == Mark::Ip)
            && d.hosts.iter().any(|h| self.inv.hosts[*h].ip.is_none())
        {
            return None;
        }
        // The sentence before the block may say which lines differ (`带注释的两行每台不一样`,
        // `只有 taskmanager.host 一项每台不同`); it must give no values of its own.
        if let Some(lead) = self.lead_in(d.element) {
            let text = self.doc.elements[lead].text();
            if lexicon::contains_any(text, &["为例", "例如", "比如"])
                || (lexicon::contains_any(text, lexicon::PER_HOST_VALUE)
                    && !crate::inventory::ips_in(text).is_empty())
            {
                return None;
            }
            if lexicon::contains_any(text, lexicon::PER_HOST_VALUE) {
                // Keys it names must be keys of marked lines.
                let key = |l: &str| -> String {
                    l.trim()
                        .split(|c: char| c == '=' || c == ':' || c.is_whitespace())
                        .next()
                        .unwrap_or("")
                        .to_string()
                };
                let marked_keys: Vec<String> =
                    marked.iter().map(|(n, _, _)| key(&lines[*n])).collect();
                let named_other = lines.iter().enumerate().any(|(n, l)| {
                    let k = key(l);
                    !k.is_empty()
                        && k.len() > 2
                        && !marked.iter().any(|(m, _, _)| *m == n)
                        && !marked_keys.contains(&k)
                        && !token_spans(text, &k, false).is_empty()
                        && d.hosts.iter().all(|h| self.inv.hosts[*h].name != k)
                });
                if named_other {
                    return None;
                }
            }
        }
        // A sentence after the block that changes a value on some host.
        if let Some(next) = self.doc.elements.get(d.element + 1) {
            if !matches!(next.kind, crate::document::ElementKind::Code { .. })
                && lexicon::contains_any(next.text(), CHANGES)
            {
                return None;
            }
        }
        let ex = self.inv.hosts[example].clone();
        let mut out = Vec::new();
        for h in &d.hosts {
            let host = &self.inv.hosts[*h];
            let own: Vec<String> = lines
                .iter()
                .enumerate()
                .map(|(n, l)| match marked.iter().find(|(m, _, _)| *m == n) {
                    Some((_, mark, at)) => {
                        let value = l[..*at].trim_end();
                        match mark {
                            Mark::Name => replace_tokens(value, &ex.name, &host.name, false),
                            Mark::Ip => replace_tokens(
                                value,
                                ex.ip.as_deref().unwrap_or_default(),
                                host.ip.as_deref().unwrap_or_default(),
                                true,
                            ),
                        }
                    }
                    None => l.clone(),
                })
                .collect();
            let action = with_own_lines(&d.action, &own)?;
            let mut one = d.clone();
            // What the runbook says, as it reads for this host: the marked values its own, the
            // marker comment kept (so the checklist shows where the value came from).
            one.source = d
                .source
                .lines()
                .map(|l| {
                    match marked
                        .iter()
                        .find(|(n, _, _)| lines[*n].trim() == l.trim() && !l.trim().is_empty())
                    {
                        Some((_, mark, _)) => match mark {
                            Mark::Name => replace_tokens(l, &ex.name, &host.name, false),
                            Mark::Ip => replace_tokens(
                                l,
                                ex.ip.as_deref().unwrap_or_default(),
                                host.ip.as_deref().unwrap_or_default(),
                                true,
                            ),
                        },
                        None => l.to_string(),
                    }
                })
                .collect::<Vec<_>>()
                .join("\n");
            one.hosts = vec![*h];
            one.evidence
                .push(Evidence::new(EvidenceKind::OwnValue, d.line));
            if let Action::Run { command } = &action {
                one.text = format!("run `{}`", command.trim());
            }
            one.action = action;
            one.why = format!(
                "{}; {}'s own {} on the marked line(s)",
                d.why,
                host.name,
                match (
                    marked.iter().any(|(_, m, _)| *m == Mark::Name),
                    marked.iter().any(|(_, m, _)| *m == Mark::Ip),
                ) {
                    (true, true) => "name and IP",
                    (true, false) => "name",
                    _ => "IP",
                }
            );
            out.push(one);
        }
        let first = marked[0].0;
        let shown = lines[first].trim();
        self.diags.push(
            Diagnostic::note(
                "N015",
                format!(
                    "`{shown}` shows {}'s value and says each host puts its own there: each of {} gets its own name/IP on the marked line(s), the comment left out",
                    ex.name,
                    d.hosts
                        .iter()
                        .map(|h| self.inv.hosts[*h].name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
            .at(self.source, self.line_span(d.line)),
        );
        Some(out)
    }

    /// `两台分别设置主机名，依次为 ha-n1、ha-n2：` over `hostnamectl set-hostname ha-n1`: the
    /// sentence before the block gives one value per host, in the order of the step's hosts, and
    /// the block shows the first; each host gets its own (N020). Only when the first value stands
    /// exactly once in the step, the values are as many as the hosts and all different.
    pub(super) fn in_order_split(&mut self, d: &Draft) -> Option<Vec<Draft>> {
        if d.kind == StepKind::Note
            || d.hosts.len() < 2
            || self.annotation.as_ref().is_some_and(|a| a.hosts.is_some())
        {
            return None;
        }
        let lead = self.lead_in(d.element)?;
        let text = self.doc.elements[lead].text().to_string();
        let values = values_in_order(&text)?;
        if values.len() != d.hosts.len() {
            return None;
        }
        let lines = Self::per_host_lines(&d.action)?;
        let joined = lines.join("\n");
        let first = &values[0];
        let ip = first.chars().all(|c| c.is_ascii_digit() || c == '.');
        if token_spans(&joined, first, ip).len() != 1
            || values[1..]
                .iter()
                .any(|v| !token_spans(&joined, v, ip).is_empty())
        {
            return None;
        }
        let mut out = Vec::new();
        for (h, v) in d.hosts.iter().zip(&values) {
            let own = replace_tokens(&joined, first, v, ip);
            let own: Vec<String> = own.lines().map(str::to_string).collect();
            let action = with_own_lines(&d.action, &own)?;
            let mut one = d.clone();
            one.source = replace_tokens(&d.source, first, v, ip);
            one.hosts = vec![*h];
            one.evidence.push(Evidence::new(
                EvidenceKind::OwnValue,
                self.doc.elements[lead].line,
            ));
            if let Action::Run { command } = &action {
                one.text = format!("run `{}`", command.trim());
            }
            one.action = action;
            one.why = format!(
                "{}; {}'s own value `{v}`, given in order at line {}",
                d.why, self.inv.hosts[*h].name, self.doc.elements[lead].line
            );
            out.push(one);
        }
        let pairs: Vec<String> = d
            .hosts
            .iter()
            .zip(&values)
            .map(|(h, v)| format!("{} `{v}`", self.inv.hosts[*h].name))
            .collect();
        self.diags.push(
            Diagnostic::note(
                "N020",
                format!(
                    "the sentence gives a value per host in order and the block shows the first (`{first}`): {}",
                    pairs.join(", ")
                ),
            )
            .at(self.source, self.line_span(d.line)),
        );
        Some(out)
    }

    /// A whole file given for one host (`下面是 ha-n1 的`, `以 kafka-01 为例`) and, in the same
    /// sentence or the one after the block, other hosts' values by key (`ha-n2 上把 state 改为
    /// BACKUP，priority 改为 90`, `NODE_ROLE 在 bat02 上改为 standby`): each host gets the content
    /// with its own values (N021). Every host but the one it was written for must be given
    /// changes, and every key must stand on exactly one line; else `None` (manual).
    pub(super) fn changes_split(&mut self, d: &Draft) -> Option<Vec<Draft>> {
        if d.kind == StepKind::Note
            || self.annotation.as_ref().is_some_and(|a| a.hosts.is_some())
            || d.evidence.iter().any(|e| e.kind == EvidenceKind::OwnValue)
        {
            return None;
        }
        let lines = Self::per_host_lines(&d.action)?;
        let lead = self.lead_in(d.element);
        let mut texts: Vec<(usize, String)> = Vec::new();
        if let Some(l) = lead {
            texts.push((
                self.doc.elements[l].line,
                self.doc.elements[l].text().to_string(),
            ));
        }
        if let Some(next) = self.doc.elements.get(d.element + 1) {
            if matches!(
                next.kind,
                crate::document::ElementKind::Paragraph { .. }
                    | crate::document::ElementKind::ListItem { .. }
            ) {
                texts.push((next.line, next.text().to_string()));
            }
        }
        let mut model: Option<usize> = None;
        let mut changes: Vec<(usize, Vec<(String, String)>)> = Vec::new();
        let mut said_at = 0;
        for (line, text) in &texts {
            let (m, c) = host_changes(text, self.inv)?;
            if m.is_some() {
                if model.is_some() && model != m {
                    return None;
                }
                model = m;
            }
            if !c.is_empty() {
                said_at = *line;
            }
            for (h, kv) in c {
                if changes.iter().any(|(x, _)| *x == h) {
                    return None;
                }
                changes.push((h, kv));
            }
        }
        if changes.is_empty() {
            return None;
        }
        // The hosts: the step's, and those the text gives values for.
        let mut hosts = d.hosts.clone();
        for (h, _) in &changes {
            if !hosts.contains(h) {
                hosts.push(*h);
            }
        }
        let unchanged: Vec<usize> = hosts
            .iter()
            .copied()
            .filter(|h| !changes.iter().any(|(x, _)| x == h))
            .collect();
        let model = match (model, unchanged.as_slice()) {
            (Some(m), [one]) if m == *one => m,
            (None, [one]) => *one,
            _ => return None,
        };
        hosts.sort_by_key(|h| self.inv.hosts[*h].line);
        // `三台都把…替换为…`: as many hosts as the sentence counts, or rbc does not know them all.
        if let Some(l) = lead {
            let counted = crate::scope::stated_count(self.doc.elements[l].text());
            if matches!(counted, Some(crate::scope::Count::Exactly(n)) if n != hosts.len()) {
                return None;
            }
        }
        let mut out = Vec::new();
        for h in &hosts {
            let own: Vec<String> = match changes.iter().find(|(x, _)| x == h) {
                None => lines.clone(),
                Some((_, kv)) => with_values(&lines, kv)?,
            };
            if matches!(d.action, Action::Run { .. }) {
                return None;
            }
            let action = with_own_lines(&d.action, &own)?;
            let mut one = d.clone();
            one.hosts = vec![*h];
            one.action = action;
            // What the runbook shows, as it reads for this host.
            if let Some((_, kv)) = changes.iter().find(|(x, _)| x == h) {
                let shown: Vec<String> = d.source.lines().map(str::to_string).collect();
                one.source =
                    with_values(&shown, kv).map_or_else(|| own.join("\n"), |l| l.join("\n"));
            }
            one.evidence
                .push(Evidence::new(EvidenceKind::OwnValue, said_at));
            let name = &self.inv.hosts[*h].name;
            one.why = match changes.iter().find(|(x, _)| x == h) {
                Some((_, kv)) => {
                    let said: Vec<String> = kv.iter().map(|(k, v)| format!("{k} {v}")).collect();
                    format!(
                        "{}; {name}'s own values ({}), line {said_at}",
                        d.why,
                        said.join(", ")
                    )
                }
                None => format!("{}; written for {name}", d.why),
            };
            out.push(one);
        }
        let said: Vec<String> = changes
            .iter()
            .map(|(h, kv)| {
                let kv: Vec<String> = kv.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!("{} {}", self.inv.hosts[*h].name, kv.join(" "))
            })
            .collect();
        self.diags.push(
            Diagnostic::note(
                "N021",
                format!(
                    "the content is {}'s; the text gives the other hosts' values by key: {}",
                    self.inv.hosts[model].name,
                    said.join("; ")
                ),
            )
            .at(self.source, self.line_span(d.line)),
        );
        Some(out)
    }
}

/// `依次为 ha-n1、ha-n2`, `分别是 1、2、3`: the values a sentence gives in order.
fn values_in_order(text: &str) -> Option<Vec<String>> {
    use std::sync::LazyLock;
    static IN_ORDER: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"(?:依次|分别)(?:设置?为|改为|写为|填为|为|是)\s*[:：]?\s*`?([A-Za-z0-9_.-]+`?(?:\s*(?:、|,|，|/|和)\s*`?[A-Za-z0-9_.-]+`?)+)")
            .unwrap()
    });
    let cap = IN_ORDER.captures(text)?;
    let values: Vec<String> = cap[1]
        .split(['、', ',', '，', '/'])
        .flat_map(|p| p.split('和'))
        .map(|v| v.trim().trim_matches('`').to_string())
        .filter(|v| !v.is_empty())
        .collect();
    let mut unique = values.clone();
    unique.sort();
    unique.dedup();
    (values.len() >= 2 && unique.len() == values.len()).then_some(values)
}

/// The host a whole file was written for (`下面是 ha-n1 的`, `以 kafka-01 为例`) and the values
/// other hosts change by key (`ha-n2 上把 state 改为 BACKUP，priority 改为 90`, `NODE_ROLE 在
/// loan-bat02 上改为 standby`). `None` when a change is said for no host, or a host is no host
/// rbc knows.
#[allow(clippy::type_complexity)]
fn host_changes(
    text: &str,
    inv: &crate::inventory::Inventory,
) -> Option<(Option<usize>, Vec<(usize, Vec<(String, String)>)>)> {
    use std::sync::LazyLock;
    static MODEL: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"(?:下面是|以下是|如下是)\s*([A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9])\s*的|以\s*([A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9])\s*为例").unwrap()
    });
    static PLACE: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"([A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9])\s*上").unwrap());
    static PAIR: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"`?([A-Za-z_][A-Za-z0-9_.-]*)`?\s*(?:的值)?\s*(?:在\s*([A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9])\s*上\s*)?(?:改为|改成|换成|修改为|设为)\s*`?([^\s，,；;。：、`（()）]+)`?").unwrap()
    });
    let mut model = None;
    if let Some(c) = MODEL.captures(text) {
        let name = c.get(1).or(c.get(2))?.as_str();
        model = Some(inv.find(name)?);
    }
    // Where each `HOST 上` stands: the changes after it are that host's.
    let places: Vec<(usize, usize)> = PLACE
        .captures_iter(text)
        .filter_map(|c| {
            let m = c.get(1)?;
            inv.find(m.as_str()).map(|h| (m.start(), h))
        })
        .collect();
    let mut out: Vec<(usize, Vec<(String, String)>)> = Vec::new();
    for c in PAIR.captures_iter(text) {
        let at = c.get(0).map_or(0, |m| m.start());
        let host = match c.get(2) {
            Some(h) => inv.find(h.as_str())?,
            None => places.iter().rev().find(|(p, _)| *p < at)?.1,
        };
        let (key, value) = (c[1].to_string(), c[3].to_string());
        match out.iter_mut().find(|(h, _)| *h == host) {
            Some((_, kv)) => kv.push((key, value)),
            None => out.push((host, vec![(key, value)])),
        }
    }
    Some((model, out))
}

/// The lines with each key's value replaced (`state MASTER` → `state BACKUP`, `a=1` → `a=2`),
/// the indentation and separator kept; `None` when a key is on no line or on several.
fn with_values(lines: &[String], kv: &[(String, String)]) -> Option<Vec<String>> {
    let mut out = lines.to_vec();
    for (key, value) in kv {
        let at: Vec<usize> = out
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                let t = l.trim_start();
                t.strip_prefix(key.as_str())
                    .is_some_and(|rest| rest.starts_with([' ', '\t', '=', ':']))
            })
            .map(|(n, _)| n)
            .collect();
        let [n] = at.as_slice() else { return None };
        let l = &out[*n];
        let indent = &l[..l.len() - l.trim_start().len()];
        let rest = &l.trim_start()[key.len()..];
        let sep: String = rest
            .chars()
            .take_while(|c| c.is_whitespace() || *c == '=' || *c == ':')
            .collect();
        let old = rest[sep.len()..].trim_end();
        out[*n] = format!("{indent}{key}{sep}{}", new_value(old, value)?);
    }
    Some(out)
}

/// The value a line gets when the text says `KEY 改为 VALUE`: the whole old value when it is one
/// plain word (`MASTER` → `BACKUP`, `1` → `2`); the one address inside it when the new value is
/// an address (`PLAINTEXT://172.18.6.21:9092` → `PLAINTEXT://172.18.6.22:9092`); `None` when
/// rbc cannot tell which part changes.
fn new_value(old: &str, value: &str) -> Option<String> {
    use std::sync::LazyLock;
    static IPV4: LazyLock<regex::Regex> =
        LazyLock::new(|| regex::Regex::new(r"(?:[0-9]{1,3}\.){3}[0-9]{1,3}").unwrap());
    let plain = |v: &str| {
        !v.is_empty()
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if IPV4.is_match(value) && IPV4.find(value).is_some_and(|m| m.as_str() == value) {
        let found: Vec<_> = IPV4.find_iter(old).collect();
        return match found.as_slice() {
            [one] => Some(format!(
                "{}{value}{}",
                &old[..one.start()],
                &old[one.end()..]
            )),
            _ => None,
        };
    }
    (plain(old) || (old.starts_with('"') && old.ends_with('"') && plain(old.trim_matches('"'))))
        .then(|| {
            if old.starts_with('"') {
                format!("\"{value}\"")
            } else {
                value.to_string()
            }
        })
}

/// The action with its lines (content, command, keys) made `own`, a trailing newline kept.
fn with_own_lines(action: &Action, own: &[String]) -> Option<Action> {
    let joined = |orig: &str| {
        let mut s = own.join("\n");
        if orig.ends_with('\n') {
            s.push('\n');
        }
        s
    };
    Some(match action {
        Action::Run { command } => Action::Run {
            command: joined(command),
        },
        Action::AppendBlock { path, content } => Action::AppendBlock {
            path: path.clone(),
            content: joined(content),
        },
        Action::PrependBlock { path, content } => Action::PrependBlock {
            path: path.clone(),
            content: joined(content),
        },
        Action::WriteFile { path, content } => Action::WriteFile {
            path: path.clone(),
            content: joined(content),
        },
        Action::IniSet { path, section, .. } => Action::IniSet {
            path: path.clone(),
            section: section.clone(),
            lines: own.to_vec(),
        },
        Action::EnsureLines { path, .. } => Action::EnsureLines {
            path: path.clone(),
            lines: own.to_vec(),
        },
        _ => return None,
    })
}
