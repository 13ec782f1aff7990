//! The host inventory: servers, physical machines and the jump host, read from declarations
//! (heading + key/value list, host tables, `name (IP)`, IP lists, /etc/hosts aliases).

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnostic::Diagnostic;
use crate::document::{Document, ElementKind};
use crate::lexicon;
use crate::outline::Outline;
use crate::plan::HostKind;
use crate::source::Source;

#[derive(Debug, Clone, PartialEq)]
pub struct Host {
    pub name: String,
    pub ip: Option<String>,
    pub aliases: Vec<String>,
    pub kind: HostKind,
    pub group: Option<String>,
    /// Normalised group keys the host answers to (`rabbitmq`, `api`).
    pub group_keys: Vec<String>,
    pub physical: Option<String>,
    pub specs: Vec<(String, String)>,
    pub line: usize,
    /// Declared only by an IP so far (named later, or given a generated name).
    anonymous: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub hosts: Vec<Host>,
    /// [`Inventory::cjk_roles`] as phrases to look for, made once (read for every sentence).
    role_phrases: std::sync::OnceLock<Vec<(Vec<String>, Vec<usize>)>>,
}

static IP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}").unwrap());
/// `name (IP)` and `name（IP）`.
static NAME_IP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"([A-Za-z][A-Za-z0-9_-]*[A-Za-z0-9])\s*[（(]\s*((?:[0-9]{1,3}\.){3}[0-9]{1,3})\s*[)）]",
    )
    .unwrap()
});
/// A list item `cache-1：10.3.0.11` / `cache-1 10.3.0.11` / `cache-1: IP 10.3.0.11`.
static ITEM_NAME_IP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9])\s*[:：]?\s*(?:IP\s*[:：]?\s*)?((?:[0-9]{1,3}\.){3}[0-9]{1,3})\s*(?:[（(,，;；]|$)").unwrap()
});
/// A list item that declares a host by name and address (`cache-1：10.3.0.11`).
pub fn is_host_item(text: &str) -> bool {
    ITEM_NAME_IP
        .captures(text.trim())
        .is_some_and(|c| !lexicon::KEY_IP.contains(&c[1].to_ascii_lowercase().as_str()))
}

/// `两台Nginx（10.0.0.18、10.0.0.28）`.
static IP_LIST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:[两二三四五六七八九十0-9]+台|各)\s*([A-Za-z][A-Za-z0-9_-]*)?[^（(\n]{0,6}[（(]\s*((?:[0-9]{1,3}\.){3}[0-9]{1,3}(?:\s*[、,，;；]\s*(?:[0-9]{1,3}\.){3}[0-9]{1,3})+)\s*[)）]").unwrap()
});
static HOSTLIKE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9]$").unwrap());
static ALIAS_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*((?:[0-9]{1,3}\.){3}[0-9]{1,3})\s+([A-Za-z][A-Za-z0-9_.-]*)((?:\s+[A-Za-z][A-Za-z0-9_.-]*)*)\s*$").unwrap()
});
static ASCII_WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z][A-Za-z0-9_-]*[A-Za-z0-9]|[A-Za-z]").unwrap());

/// Lowercase alphanumerics only: `RabbitMQ` and `rabbit-mq` both give `rabbitmq`.
pub fn norm(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// `api-1` → `api`; `mq-node-3` → `mq-node`; `db-master` stays.
pub fn stem(name: &str) -> &str {
    let t = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let t = t.trim_end_matches(['-', '_']);
    if t.is_empty() || t.len() == name.len() {
        name
    } else {
        t
    }
}

/// The ASCII words of a text (group names inside Chinese titles: `RabbitMQ机器` → `RabbitMQ`).
pub fn ascii_words(text: &str) -> Vec<&str> {
    ASCII_WORD.find_iter(text).map(|m| m.as_str()).collect()
}

/// IPv4 addresses in a text, not parts of longer dotted numbers (`1.2.3.4.5`).
pub fn ips_in(text: &str) -> Vec<String> {
    ip_spans(text)
        .into_iter()
        .map(|r| text[r].to_string())
        .collect()
}

pub fn ip_spans(text: &str) -> Vec<std::ops::Range<usize>> {
    let bytes = text.as_bytes();
    IP.find_iter(text)
        .filter(|m| {
            let before = m.start().checked_sub(1).map(|i| bytes[i]);
            let after = bytes.get(m.end()).copied();
            let after2 = bytes.get(m.end() + 1).copied();
            let digit = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_digit());
            let longer_before = digit(before) || before == Some(b'.');
            let longer_after = digit(after) || (after == Some(b'.') && digit(after2));
            !longer_before && !longer_after
        })
        .map(|m| m.range())
        .collect()
}

fn key_value(text: &str) -> Option<(String, String)> {
    let idx = text.find([':', '：'])?;
    let key = text[..idx].trim();
    let sep = text[idx..].chars().next()?.len_utf8();
    let value = text[idx + sep..].trim();
    if key.is_empty() || value.is_empty() || key.chars().count() > 12 {
        return None;
    }
    Some((key.to_string(), value.to_string()))
}

impl Inventory {
    pub fn find(&self, name: &str) -> Option<usize> {
        let lower = name.to_ascii_lowercase();
        self.hosts.iter().position(|h| {
            h.name == lower || h.aliases.iter().any(|a| a.to_ascii_lowercase() == lower)
        })
    }

    pub fn by_ip(&self, ip: &str) -> Option<usize> {
        self.hosts.iter().position(|h| h.ip.as_deref() == Some(ip))
    }

    pub fn servers(&self) -> impl Iterator<Item = (usize, &Host)> {
        self.hosts
            .iter()
            .enumerate()
            .filter(|(_, h)| h.kind == HostKind::Server)
    }

    /// Servers whose group answers to `word` exactly (`Job` is not `job-worker`).
    pub fn group(&self, word: &str) -> Vec<usize> {
        let key = norm(word);
        if key.is_empty() {
            return Vec::new();
        }
        let exact: Vec<usize> = self
            .servers()
            .filter(|(_, h)| h.group_keys.contains(&key))
            .map(|(i, _)| i)
            .collect();
        if !exact.is_empty() {
            return exact;
        }
        // `Redis` → `redis-master`: the first part of a name, when no group matches exactly.
        self.servers()
            .filter(|(_, h)| {
                h.name.split(['-', '_']).next().map(norm).as_deref() == Some(key.as_str())
            })
            .map(|(i, _)| i)
            .collect()
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) fn declare(
        &mut self,
        name: &str,
        ip: Option<&str>,
        kind: HostKind,
        line: usize,
        source: &Source,
        span: std::ops::Range<usize>,
        diags: &mut Vec<Diagnostic>,
    ) -> usize {
        let name = name.to_ascii_lowercase();
        if let Some(i) = self.find(&name) {
            let host = &mut self.hosts[i];
            if let Some(ip) = ip {
                match &host.ip {
                    None => host.ip = Some(ip.to_string()),
                    Some(old) if old != ip => diags.push(
                        Diagnostic::error("E010", format!("host `{}` is declared with two addresses: {old} (line {}) and {ip}", host.name, host.line))
                            .at(source, span)
                            .help("one of the addresses is wrong; correct it so that each host has one IP"),
                    ),
                    _ => {}
                }
            }
            if kind == HostKind::Jump {
                host.kind = HostKind::Jump;
            } else if kind == HostKind::Server && host.kind == HostKind::Physical {
                // A physical machine that also runs steps stays physical; nothing to do.
            }
            return i;
        }
        if let Some(ip) = ip {
            if let Some(i) = self.by_ip(ip) {
                let host = &mut self.hosts[i];
                if host.anonymous {
                    host.name = name.clone();
                    host.anonymous = false;
                    host.group_keys.push(norm(stem(&name)));
                    host.group_keys.dedup();
                    return i;
                }
                diags.push(
                    Diagnostic::warning("W010", format!("{ip} is declared as `{}` (line {}) and as `{name}`", host.name, host.line))
                        .at(source, span)
                        .help("if both names are the same machine, keep one name; rbc treats them as two hosts"),
                );
            }
        }
        let group_keys = if kind == HostKind::Server {
            vec![norm(stem(&name))]
        } else {
            Vec::new()
        };
        self.hosts.push(Host {
            name,
            ip: ip.map(str::to_string),
            aliases: Vec::new(),
            kind,
            group: None,
            group_keys,
            physical: None,
            specs: Vec::new(),
            line,
            anonymous: false,
        });
        self.hosts.len() - 1
    }

    /// Servers whose role (a table's role column, `（角色）` after an address) is written in
    /// Chinese, by role: `业务节点` → web-1, web-2.
    pub fn cjk_roles(&self) -> Vec<(String, Vec<usize>)> {
        let mut out: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, h) in self.servers() {
            let Some(g) = h.group.as_deref() else {
                continue;
            };
            if !g.chars().any(lexicon::is_cjk) {
                continue;
            }
            match out.iter_mut().find(|(r, _)| r == g) {
                Some((_, hs)) => hs.push(i),
                None => out.push((g.to_string(), vec![i])),
            }
        }
        out
    }

    /// For each Chinese role, the phrases that name it in a sentence (the role, and its stem with
    /// 服务器/节点/机器/服务: `所有应用服务器` for role `应用`), longest first, and its servers.
    pub fn role_phrases(&self) -> &[(Vec<String>, Vec<usize>)] {
        self.role_phrases.get_or_init(|| {
            self.cjk_roles()
                .into_iter()
                .map(|(role, hosts)| {
                    let stem = role
                        .trim_end_matches("服务器")
                        .trim_end_matches("节点")
                        .trim_end_matches("机器")
                        .trim_end_matches("服务")
                        .trim()
                        .to_string();
                    let mut phrases: Vec<String> = ["", "服务器", "节点", "机器", "服务"]
                        .iter()
                        .map(|noun| format!("{stem}{noun}"))
                        .chain(std::iter::once(role))
                        .filter(|p| p.chars().count() >= 2)
                        .collect();
                    phrases.sort_by_key(|p| std::cmp::Reverse(p.len()));
                    phrases.dedup();
                    (phrases, hosts)
                })
                .collect()
        })
    }

    fn set_group(&mut self, i: usize, group: &str) {
        let host = &mut self.hosts[i];
        if host.group.is_none() {
            host.group = Some(group.to_string());
        }
        let key = norm(group);
        if !key.is_empty() && !host.group_keys.contains(&key) {
            host.group_keys.push(key);
        }
    }
}

/// Reads every host declaration of the runbook.
pub fn build(
    doc: &Document,
    outline: &Outline,
    source: &Source,
    diags: &mut Vec<Diagnostic>,
) -> Inventory {
    let mut inv = Inventory::default();
    declared_by_sections(doc, outline, source, &mut inv, diags);
    for element in &doc.elements {
        match &element.kind {
            ElementKind::Table { rows } => host_table(
                rows,
                element.line,
                source,
                element.span.clone(),
                &mut inv,
                diags,
            ),
            ElementKind::Paragraph { text }
            | ElementKind::ListItem { text, .. }
            | ElementKind::Heading { text, .. } => {
                for cap in IP_LIST.captures_iter(text) {
                    let group = cap.get(1).map(|m| m.as_str());
                    for ip in ips_in(&cap[2]) {
                        if inv.by_ip(&ip).is_none() {
                            let i = inv.hosts.len();
                            inv.hosts.push(Host {
                                name: ip.clone(),
                                ip: Some(ip.clone()),
                                aliases: Vec::new(),
                                kind: HostKind::Server,
                                group: None,
                                group_keys: Vec::new(),
                                physical: None,
                                specs: Vec::new(),
                                line: element.line,
                                anonymous: true,
                            });
                            if let Some(g) = group {
                                inv.set_group(i, g);
                            }
                        }
                    }
                }
                if matches!(element.kind, ElementKind::ListItem { .. }) {
                    if let Some(cap) = ITEM_NAME_IP.captures(text.trim()) {
                        if !lexicon::KEY_IP.contains(&cap[1].to_ascii_lowercase().as_str()) {
                            let h = inv.declare(
                                &cap[1],
                                Some(&cap[2]),
                                HostKind::Server,
                                element.line,
                                source,
                                element.span.clone(),
                                diags,
                            );
                            // `- web-1：10.0.0.1（业务节点）`: the role in parentheses.
                            let rest =
                                text.trim()[cap.get(2).map_or(0, |m| m.end())..].trim_start();
                            if let Some(role) = rest
                                .strip_prefix(['（', '('])
                                .and_then(|r| r.split([')', '）']).next())
                                .map(str::trim)
                                .filter(|r| !r.is_empty())
                            {
                                inv.set_group(h, role);
                            }
                        }
                    }
                }
                for cap in NAME_IP.captures_iter(text) {
                    let i = inv.declare(
                        &cap[1],
                        Some(&cap[2]),
                        HostKind::Server,
                        element.line,
                        source,
                        element.span.clone(),
                        diags,
                    );
                    let _ = i;
                }
                if lexicon::contains_any(text, lexicon::JUMP) {
                    jump_host(
                        text,
                        element.line,
                        source,
                        element.span.clone(),
                        &mut inv,
                        diags,
                    );
                }
            }
            _ => {}
        }
    }
    // Aliases from /etc/hosts-style lines in code blocks: `10.0.0.52 mq1`.
    for element in &doc.elements {
        if let ElementKind::Code { content, .. } = &element.kind {
            for line in content.lines() {
                if let Some(cap) = ALIAS_LINE.captures(line) {
                    if let Some(i) = inv.by_ip(&cap[1]) {
                        let mut names = vec![cap[2].to_string()];
                        names.extend(cap[3].split_whitespace().map(str::to_string));
                        for n in names {
                            let lower = n.to_ascii_lowercase();
                            if lower != inv.hosts[i].name
                                && !inv.hosts[i].aliases.contains(&lower)
                                && inv.find(&lower).is_none()
                            {
                                inv.hosts[i].aliases.push(lower);
                            }
                        }
                    }
                }
            }
        }
    }
    // Machines named where work happens (prompts, `在 node1、node2 上`) without a declaration.
    crate::names::register(doc, &mut inv, source, diags);
    // Hosts only ever given by IP get a name from their group.
    let mut counters: std::collections::BTreeMap<String, usize> = Default::default();
    for i in 0..inv.hosts.len() {
        if inv.hosts[i].anonymous {
            let base = inv.hosts[i]
                .group
                .clone()
                .map(|g| g.to_ascii_lowercase())
                .unwrap_or_else(|| "host".into());
            let n = counters.entry(base.clone()).or_insert(0);
            *n += 1;
            let name = format!("{base}-{n}");
            let ip = inv.hosts[i].ip.clone().unwrap_or_default();
            diags.push(
                Diagnostic::warning(
                    "W011",
                    format!("{ip} is never given a host name; rbc calls it `{name}`"),
                )
                .at(
                    source,
                    source.line_start(inv.hosts[i].line)..source.line_start(inv.hosts[i].line),
                )
                .help("write the name next to the address, e.g. `web-1 (10.0.0.1)`"),
            );
            inv.hosts[i].name = name;
            inv.hosts[i].anonymous = false;
        }
    }
    inv
}

/// `1.1.1 API-1` followed by `- IP: …`, `- 物理机: …`; group specs from the parent's `公共…` list.
fn declared_by_sections(
    doc: &Document,
    outline: &Outline,
    source: &Source,
    inv: &mut Inventory,
    diags: &mut Vec<Diagnostic>,
) {
    for (si, section) in outline.sections.iter().enumerate() {
        let items: Vec<(String, String, usize, std::ops::Range<usize>)> = doc
            .elements
            .iter()
            .enumerate()
            .skip(section.element + 1)
            .take_while(|(i, _)| !outline.is_heading[*i])
            .filter_map(|(_, e)| match &e.kind {
                ElementKind::ListItem { text, .. } => {
                    key_value(text).map(|(k, v)| (k, v, e.line, e.span.clone()))
                }
                _ => None,
            })
            .collect();
        let ip = items.iter().find(|(k, v, ..)| {
            lexicon::KEY_IP.contains(&k.to_ascii_lowercase().as_str()) && !ips_in(v).is_empty()
        });
        let title = section.title.trim();
        let Some((_, ipv, ..)) = ip else { continue };
        if !HOSTLIKE.is_match(title) {
            continue;
        }
        let ipv = ips_in(ipv).remove(0);
        let span = doc.elements[section.element].span.clone();
        let h = inv.declare(
            title,
            Some(&ipv),
            HostKind::Server,
            section.line,
            source,
            span,
            diags,
        );
        // Group from the parent section's title, and its shared specs.
        if let Some(p) = section.parent {
            let parent = &outline.sections[p];
            if let Some(g) = ascii_words(&parent.title).first() {
                inv.set_group(h, g);
            }
            let shared = group_specs(doc, outline, p);
            for kv in shared {
                if !inv.hosts[h].specs.iter().any(|(k, _)| *k == kv.0) {
                    inv.hosts[h].specs.push(kv);
                }
            }
        }
        for (k, v, line, span) in &items {
            let kl = k.to_ascii_lowercase();
            if lexicon::KEY_IP.contains(&kl.as_str()) {
                continue;
            }
            if lexicon::KEY_PHYSICAL.contains(&kl.as_str()) && HOSTLIKE.is_match(v) {
                let p = inv.declare(
                    v,
                    None,
                    HostKind::Physical,
                    *line,
                    source,
                    span.clone(),
                    diags,
                );
                let pname = inv.hosts[p].name.clone();
                inv.hosts[h].physical = Some(pname);
            }
            inv.hosts[h].specs.retain(|(key, _)| key != k);
            inv.hosts[h].specs.push((k.clone(), v.clone()));
        }
        let _ = si;
    }
}

fn group_specs(doc: &Document, outline: &Outline, section: usize) -> Vec<(String, String)> {
    let start = outline.sections[section].element + 1;
    let mut out = Vec::new();
    let mut in_specs = false;
    for (i, e) in doc.elements.iter().enumerate().skip(start) {
        if outline.is_heading[i] {
            break;
        }
        match &e.kind {
            ElementKind::Paragraph { text } => {
                in_specs = lexicon::contains_any(text, lexicon::GROUP_SPECS)
            }
            ElementKind::ListItem { text, .. } if in_specs => out.extend(key_value(text)),
            _ => {}
        }
    }
    out
}

fn column(header: &[String], words: &[&str]) -> Option<usize> {
    header.iter().position(|h| {
        let h = h.trim().to_ascii_lowercase();
        words.iter().any(|w| h == *w)
    })
}

/// A table with host and IP columns declares hosts (and roles); a file table names target hosts.
fn host_table(
    rows: &[Vec<String>],
    line: usize,
    source: &Source,
    span: std::ops::Range<usize>,
    inv: &mut Inventory,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(header) = rows.first() else { return };
    let host_col = column(header, lexicon::TABLE_HOST);
    let ip_col = column(header, lexicon::TABLE_IP);
    let role_col = column(header, lexicon::TABLE_ROLE);
    let file_col = column(header, lexicon::TABLE_FILE);
    for (r, row) in rows.iter().enumerate().skip(1) {
        let row_line = line + r;
        let ip = ip_col
            .and_then(|c| row.get(c))
            .map(|v| ips_in(v))
            .and_then(|v| v.into_iter().next());
        let Some(hc) = host_col else { continue };
        let Some(cell) = row.get(hc) else { continue };
        for name in cell
            .split([',', '，', '、', ' ', ';', '；'])
            .map(str::trim)
            .filter(|n| HOSTLIKE.is_match(n))
        {
            if file_col.is_some() && ip.is_none() {
                // A file → hosts table: the hosts are servers; their addresses come from elsewhere.
                if inv.find(name).is_none() {
                    inv.declare(
                        name,
                        None,
                        HostKind::Server,
                        row_line,
                        source,
                        span.clone(),
                        diags,
                    );
                }
                continue;
            }
            let h = inv.declare(
                name,
                ip.as_deref(),
                HostKind::Server,
                row_line,
                source,
                span.clone(),
                diags,
            );
            if let Some(role) = role_col
                .and_then(|c| row.get(c))
                .filter(|r| !r.trim().is_empty())
            {
                inv.set_group(h, role.trim());
            }
        }
    }
}

/// `先上传到bastion-1上，然后scp到…`, `跳板机（jump-1）`.
fn jump_host(
    text: &str,
    line: usize,
    source: &Source,
    span: std::ops::Range<usize>,
    inv: &mut Inventory,
    diags: &mut Vec<Diagnostic>,
) {
    for word in lexicon::JUMP {
        if let Some(pos) = text.find(word) {
            let rest = &text[pos + word.len()..];
            let rest = rest.trim_start_matches([' ', '（', '(', '：', ':']);
            if let Some(m) = ASCII_WORD.find(rest) {
                if m.start() == 0 && HOSTLIKE.is_match(m.as_str()) {
                    let ip = NAME_IP
                        .captures(rest)
                        .filter(|c| c[1].eq_ignore_ascii_case(m.as_str()))
                        .map(|c| c[2].to_string());
                    inv.declare(
                        m.as_str(),
                        ip.as_deref(),
                        HostKind::Jump,
                        line,
                        source,
                        span.clone(),
                        diags,
                    );
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{document, outline};

    fn inv(md: &str) -> (Inventory, Vec<Diagnostic>) {
        let src = Source::from_text("t.md", md);
        let doc = document::read(&src);
        let mut d = Vec::new();
        let o = outline::build(&doc, &src, &mut d);
        (build(&doc, &o, &src, &mut d), d)
    }

    #[test]
    fn heading_with_key_values_and_group_specs() {
        let (inv, d) = inv("1 机器\n\n1.1 Web机器\n\nWeb机器公共配置如下：\n\n- CPU: 2\n\n1.1.1 web-1\n\n- IP：10.1.0.5\n- 宿主机: kvm-a\n");
        assert!(d.is_empty(), "{d:?}");
        let w = &inv.hosts[inv.find("web-1").unwrap()];
        assert_eq!(w.ip.as_deref(), Some("10.1.0.5"));
        assert_eq!(w.group.as_deref(), Some("Web"));
        assert_eq!(w.physical.as_deref(), Some("kvm-a"));
        assert!(w.specs.contains(&("CPU".into(), "2".into())));
        assert_eq!(
            inv.hosts[inv.find("kvm-a").unwrap()].kind,
            HostKind::Physical
        );
    }

    #[test]
    fn inline_ip_lists_aliases_and_conflicts() {
        let (inv, d) = inv("1 部署\n\n配置需要在两台Web（10.0.0.1、10.0.0.2）上进行。\n\n登录web-a（10.0.0.1）和 db-1 (10.0.0.9)\n\n```\n10.0.0.9 dbhost\n```\n\n登录db-1 (10.0.0.8)\n");
        assert_eq!(
            inv.hosts[inv.find("web-a").unwrap()].ip.as_deref(),
            Some("10.0.0.1")
        );
        assert_eq!(inv.find("dbhost"), inv.find("db-1"));
        assert!(
            inv.find("web-1").is_some(),
            "the unnamed one is named from its group"
        );
        assert!(d.iter().any(|d| d.code == "E010"));
        assert!(d.iter().any(|d| d.code == "W011"));
    }

    #[test]
    fn markdown_host_table_with_roles_and_jump() {
        let (inv, _) = inv("| 主机名 | IP | 角色 |\n|---|---|---|\n| app-1 | 192.168.1.10 | app |\n| app-2 | 192.168.1.11 | app |\n\n将文件先上传到bastion上，然后scp到各服务器。\n");
        assert_eq!(inv.group("APP").len(), 2);
        assert_eq!(inv.hosts[inv.find("bastion").unwrap()].kind, HostKind::Jump);
    }

    #[test]
    fn groups_match_exactly() {
        let (inv, _) = inv("登录job-1 (1.1.1.1)、job-2 (1.1.1.2)、job-worker-1 (1.1.1.3)\n");
        assert_eq!(inv.group("Job").len(), 2);
        assert_eq!(inv.group("Job-Worker").len(), 1);
    }
}
