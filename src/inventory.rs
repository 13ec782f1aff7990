//! The host inventory: servers, physical machines and the jump host, read from declarations
//! (heading + key/value list, host tables, `name (IP)`, IP lists, /etc/hosts aliases).

use std::collections::HashMap;
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
    /// Every role the text gives the host (a role column, a role matrix, `（角色）` after an
    /// address), in order; `group` is the first.
    pub roles: Vec<String>,
    pub line: usize,
    /// Declared only by an IP so far (named later, or given a generated name).
    anonymous: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Inventory {
    pub hosts: Vec<Host>,
    /// [`Inventory::cjk_roles`] as phrases to look for, made once (read for every sentence).
    role_phrases: std::sync::OnceLock<Vec<(Vec<String>, Vec<usize>)>>,
    /// Maps from names, addresses and group keys to hosts, made once the inventory is complete
    /// (the end of [`build`]); until then lookups scan `hosts`. `hosts` is not changed after.
    index: std::sync::OnceLock<Index>,
    /// Name and address lookups while the inventory is being read (before it is sealed), kept
    /// up to date as hosts are declared, so that each declaration costs the same with 10 or
    /// 10,000 hosts before it.
    reading: Reading,
    role_kinds: std::sync::OnceLock<RoleKinds>,
    sealed: bool,
}

/// Every host that has answered to a name (or alias, lower case) or an address since it was
/// declared, in declaration order: a lookup takes the first that still does, as a scan of
/// `hosts` would. Hosts from `covered` on are not in the maps yet (a lookup scans them).
#[derive(Debug, Clone, Default)]
struct Reading {
    names: HashMap<String, Vec<usize>>,
    ips: HashMap<String, Vec<usize>>,
    covered: usize,
}

impl Reading {
    /// Host `i` answers (also) to what it has now.
    fn note(&mut self, i: usize, h: &Host) {
        fn put(map: &mut HashMap<String, Vec<usize>>, key: &str, i: usize) {
            let hs = map.entry(key.to_string()).or_default();
            if let Err(at) = hs.binary_search(&i) {
                hs.insert(at, i);
            }
        }
        if h.name.bytes().all(|b| !b.is_ascii_uppercase()) {
            put(&mut self.names, &h.name, i);
        }
        for a in &h.aliases {
            put(&mut self.names, &a.to_ascii_lowercase(), i);
        }
        if let Some(ip) = &h.ip {
            put(&mut self.ips, ip, i);
        }
    }

    /// The maps take every host declared since they were last brought up to date.
    fn catch_up(&mut self, hosts: &[Host]) {
        for (i, h) in hosts.iter().enumerate().skip(self.covered) {
            self.note(i, h);
        }
        self.covered = self.covered.max(hosts.len());
    }
}

fn answers_to(h: &Host, lower: &str) -> bool {
    h.name == lower || h.aliases.iter().any(|a| a.to_ascii_lowercase() == lower)
}

/// Words of a side of a replicated service (`主库`) and the servers on that side.
pub(crate) type RoleKinds = Vec<(&'static [&'static str], Vec<usize>)>;

/// The lookups of a complete inventory, each giving what the scan over `hosts` gives (the first
/// host in declaration order), so that reading a sentence costs the same with 10 or 10,000 hosts.
#[derive(Debug, Clone, Default)]
struct Index {
    /// Lower-case name or alias → the first host answering to it.
    names: HashMap<String, usize>,
    /// Address → the first host with it.
    ips: HashMap<String, usize>,
    /// Last number of a server's IPv4 address (`31`) → the first such server and how many there are.
    last_octets: HashMap<String, (usize, usize)>,
    /// Servers whose group is written in Chinese with two characters or more, in order.
    cjk_grouped: Vec<usize>,
    /// Trailing number of a name or alias (`2` for `rabbit2`) → (host, lower-case name), in order.
    numbered: HashMap<String, Vec<(usize, String)>>,
    /// Family stem of a server's name ([`crate::names::family_split`]) → its servers, in order.
    families: HashMap<String, Vec<usize>>,
    /// Servers without an address.
    unaddressed: usize,
    /// Group key → its servers, in order.
    groups: HashMap<String, Vec<usize>>,
    /// First part of a server's name (normalised, `redis` for `redis-master`) → its servers.
    name_heads: HashMap<String, Vec<usize>>,
}

impl Index {
    fn of(hosts: &[Host]) -> Index {
        let mut ix = Index::default();
        for (i, h) in hosts.iter().enumerate() {
            ix.add(i, h);
        }
        ix
    }

    /// Host `i`, declared after every host already in the maps.
    fn add(&mut self, i: usize, h: &Host) {
        let ix = self;
        {
            if h.name.bytes().all(|b| !b.is_ascii_uppercase()) {
                ix.names.entry(h.name.clone()).or_insert(i);
            }
            for a in &h.aliases {
                ix.names.entry(a.to_ascii_lowercase()).or_insert(i);
            }
            if let Some(ip) = &h.ip {
                ix.ips.entry(ip.clone()).or_insert(i);
            }
            for known in std::iter::once(&h.name).chain(&h.aliases) {
                let known = known.to_ascii_lowercase();
                let (_, number) = crate::names::split_number(&known);
                if !number.is_empty() {
                    let number = number.to_string();
                    ix.numbered.entry(number).or_default().push((i, known));
                }
            }
            if h.kind != HostKind::Server {
                return;
            }
            if h.ip.is_none() {
                ix.unaddressed += 1;
            }
            let (family, _) = crate::names::family_split(&h.name);
            ix.families.entry(family.to_string()).or_default().push(i);
            if let Some(ip) = h.ip.as_deref().filter(|ip| ip.matches('.').count() == 3) {
                let last = &ip[ip.rfind('.').map_or(0, |d| d + 1)..];
                ix.last_octets
                    .entry(last.to_string())
                    .and_modify(|(_, n)| *n += 1)
                    .or_insert((i, 1));
            }
            if h.group
                .as_deref()
                .is_some_and(|g| lexicon::has_cjk(g) && g.chars().count() >= 2)
            {
                ix.cjk_grouped.push(i);
            }
            for k in &h.group_keys {
                let hs = ix.groups.entry(k.clone()).or_default();
                if hs.last() != Some(&i) {
                    hs.push(i);
                }
            }
            if let Some(head) = h.name.split(['-', '_']).next().map(norm) {
                ix.name_heads.entry(head).or_default().push(i);
            }
        }
    }
}

static IP: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[0-9]{1,3}(?:\.[0-9]{1,3}){3}").unwrap());
/// `name (IP)` and `name（IP）`; a role or remark may follow the address inside the parentheses
/// (`lb-01（10.1.3.11，主）`, `lb-02 (10.1.3.12 备)`), at most 24 characters ([`name_ip`]).
static NAME_IP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([A-Za-z][A-Za-z0-9_-]*[A-Za-z0-9])\s*[（(]\s*((?:[0-9]{1,3}\.){3}[0-9]{1,3})\s*(?:[，,、;；/\s]\s*([^()（）\n]+?)\s*)?[)）]")
        .unwrap()
});
/// [`NAME_IP`]'s matches whose remark is within its limit (checked in code: crate::rx).
fn name_ip(text: &str) -> impl Iterator<Item = regex::Captures<'_>> {
    crate::rx::captures(&NAME_IP, text, |c| crate::rx::within(c.get(3), 1, 24))
}
/// `name (IP)` declarations of a text, with the remark after the address; not the first name of
/// a range (`web-01 ~ web-06（10.20.1.21 ~ 26）` is read by [`name_ip_ranges`]).
fn name_ips(text: &str) -> Vec<(&str, &str, Option<&str>)> {
    name_ip(text)
        // Not a range's first name, not an IP list (`两台Nginx（10.0.0.18、10.0.0.28）`).
        .filter(|c| {
            !c.get(3).is_some_and(|r| {
                r.as_str()
                    .trim_start()
                    .starts_with(['~', '～', '至', '-', '—'])
                    || !ips_in(r.as_str()).is_empty()
            })
        })
        .map(|c| {
            (
                c.get(1).map_or("", |m| m.as_str()),
                c.get(2).map_or("", |m| m.as_str()),
                c.get(3).map(|m| m.as_str()),
            )
        })
        .collect()
}

/// `web-01 ~ web-06（10.20.1.21 ~ 26）`: a range of names and, in order, a range of addresses
/// (the second written in full or as its last part); a remark of at most 24 characters may
/// follow (checked in code: crate::rx).
static NAME_IP_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([A-Za-z][A-Za-z0-9_-]*?)([0-9]+)\s*(?:~|～|至|-{1,2})\s*(?:([A-Za-z][A-Za-z0-9_-]*?))?([0-9]+)\s*[（(]\s*((?:[0-9]{1,3}\.){3})([0-9]{1,3})\s*(?:~|～|至|-{1,2})\s*((?:[0-9]{1,3}\.){3})?([0-9]{1,3})\s*(?:[，,、;；\s]([^()（）\n]*))?[)）]")
        .unwrap()
});
/// `web-01 ~ web-04，地址 10.2.3.11~14（顺序对应）`: the same, the addresses after `地址`/`IP`
/// instead of in parentheses.
static NAME_RANGE_ADDR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"([A-Za-z][A-Za-z0-9_-]*?)([0-9]+)\s*(?:~|～|至|-{1,2})\s*(?:([A-Za-z][A-Za-z0-9_-]*?))?([0-9]+)\s*[，,、;；]?\s*(?:IP\s*地址|地址|IP|ip)\s*[:：为是]?\s*((?:[0-9]{1,3}\.){3})([0-9]{1,3})\s*(?:~|～|至|-{1,2})\s*((?:[0-9]{1,3}\.){3})?([0-9]{1,3})(?:[^0-9.]|$)")
        .unwrap()
});
/// A last octet written with its dot (`.5（主）`), and the remark after it.
static DOT_OCTET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|[^0-9A-Za-z.])\.([0-9]{1,3})\b(?:\s*[（(]\s*([^()（）\n]{1,12}?)\s*[)）])?")
        .unwrap()
});
/// `主机名 pub-a、pub-b`: names listed after the word for them.
static NAMES_AFTER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:主机名|hostname)\s*(?:分别|依次)?\s*(?:为|是)?\s*[:：]?\s*([A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9](?:\s*[、,，/]\s*[A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9])+)").unwrap()
});
/// A network written as `172.20.5.0/24` or `192.168.10.x`: the prefix that last octets complete.
static NETWORK: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:^|[^0-9.])((?:[0-9]{1,3}\.){2}[0-9]{1,3})\.(?:0\s*/\s*24|[xX*](?:[^A-Za-z0-9]|$))",
    )
    .unwrap()
});
/// Marks of a role matrix cell: the host has the role.
const MARKS: &[&str] = &["y", "Y", "*", "✓", "✔", "√", "●", "是", "yes", "Yes", "YES"];
/// Headers of a column of last octets (the network prefix is stated elsewhere).
const LAST_OCTET: &[&str] = &["末位", "尾号", "末段", "最后一段", "最后一位", "主机位"];
/// A list item `cache-1：10.3.0.11` / `cache-1 10.3.0.11` / `cache-1: IP 10.3.0.11`.
static ITEM_NAME_IP: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9])\s*[:：]?\s*(?:IP\s*[:：]?\s*)?((?:[0-9]{1,3}\.){3}[0-9]{1,3})\s*(?:[（(,，;；]|$)").unwrap()
});
/// A list item written address first, as in /etc/hosts: `192.168.5.21 redis-m（主）`,
/// `10.3.0.11：cache-1`, the item holding nothing else but a remark in parentheses.
static ITEM_IP_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^((?:[0-9]{1,3}\.){3}[0-9]{1,3})\s*(?:[:：]\s*|\s+)([A-Za-z][A-Za-z0-9_.-]*[A-Za-z0-9])\s*(?:[（(]\s*([^()（）]{1,24}?)\s*[)）])?\s*[。；;，,]?$").unwrap()
});
/// `kfk-01 10.7.1.1，kfk-02 10.7.1.2`: pairs of a name (with a digit) and its address in one
/// sentence, separated by `，`/`、`/`；`.
static PROSE_PAIR: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"([A-Za-z][A-Za-z0-9_.-]*[0-9][A-Za-z0-9_.-]*)\s*[:：]?\s*((?:[0-9]{1,3}\.){3}[0-9]{1,3})",
    )
    .unwrap()
});
/// The pairs of [`PROSE_PAIR`] in a sentence holding two or more of them, with distinct names.
fn prose_pairs(text: &str) -> Vec<(&str, &str)> {
    // Each pair stands alone: nothing glued before the name or after the address.
    let alone = |c: &regex::Captures| {
        let (all, name) = (c.get(0).unwrap(), c.get(1).unwrap());
        let before = text[..name.start()].chars().next_back();
        let after = text[all.end()..].chars().next();
        before.map_or(true, |b| b.is_whitespace() || "，,、；;：:（(".contains(b))
            && after.map_or(true, |a| a.is_whitespace() || "，,、；;。）)".contains(a))
    };
    let pairs: Vec<(&str, &str)> = PROSE_PAIR
        .captures_iter(text)
        .filter(alone)
        .filter_map(|c| Some((c.get(1)?.as_str(), c.get(2)?.as_str())))
        .collect();
    let mut names: Vec<&str> = pairs.iter().map(|p| p.0).collect();
    names.sort();
    names.dedup();
    if pairs.len() >= 2 && names.len() == pairs.len() {
        pairs
    } else {
        Vec::new()
    }
}
/// A list item that declares a host by name and address (`cache-1：10.3.0.11`,
/// `10.3.0.11 cache-1（主）`).
pub fn is_host_item(text: &str) -> bool {
    ITEM_NAME_IP
        .captures(text.trim())
        .is_some_and(|c| !lexicon::KEY_IP.contains(&c[1].to_ascii_lowercase().as_str()))
        || ITEM_IP_NAME.is_match(text.trim())
}

/// `两台Nginx（10.0.0.18、10.0.0.28）` (at most 6 characters between the name and the list,
/// checked in code: crate::rx).
static IP_LIST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:[两二三四五六七八九十0-9]+台|各)\s*([A-Za-z][A-Za-z0-9_-]*)?([^（(\n]*)[（(]\s*((?:[0-9]{1,3}\.){3}[0-9]{1,3}(?:\s*[、,，;；]\s*(?:[0-9]{1,3}\.){3}[0-9]{1,3})+)\s*[)）]").unwrap()
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
    /// The index, once the inventory is complete.
    fn index(&self) -> Option<&Index> {
        self.sealed
            .then(|| self.index.get_or_init(|| Index::of(&self.hosts)))
    }

    /// The inventory is complete: lookups from now on use maps made once.
    fn seal(&mut self) {
        self.sealed = true;
        self.reading = Reading::default();
        self.changed();
    }

    /// A host declared while the inventory is read.
    fn push_host(&mut self, host: Host) -> usize {
        self.hosts.push(host);
        if !self.sealed {
            self.reading.catch_up(&self.hosts);
        }
        self.hosts.len() - 1
    }

    /// Host `i` was given a name, an alias or an address while the inventory is read.
    fn renamed(&mut self, i: usize) {
        if !self.sealed {
            self.reading.catch_up(&self.hosts);
            self.reading.note(i, &self.hosts[i]);
        }
    }

    pub fn find(&self, name: &str) -> Option<usize> {
        let lower = name.to_ascii_lowercase();
        if let Some(ix) = self.index() {
            return ix.names.get(&lower).copied();
        }
        let r = &self.reading;
        r.names
            .get(&lower)
            .and_then(|hs| {
                hs.iter()
                    .copied()
                    .find(|&i| answers_to(&self.hosts[i], &lower))
            })
            .or_else(|| {
                let rest = self.hosts.get(r.covered..).unwrap_or_default();
                rest.iter()
                    .position(|h| answers_to(h, &lower))
                    .map(|k| r.covered + k)
            })
    }

    pub fn by_ip(&self, ip: &str) -> Option<usize> {
        if let Some(ix) = self.index() {
            return ix.ips.get(ip).copied();
        }
        let r = &self.reading;
        let has = |h: &Host| h.ip.as_deref() == Some(ip);
        r.ips
            .get(ip)
            .and_then(|hs| hs.iter().copied().find(|&i| has(&self.hosts[i])))
            .or_else(|| {
                let rest = self.hosts.get(r.covered..).unwrap_or_default();
                rest.iter().position(has).map(|k| r.covered + k)
            })
    }

    /// Once the inventory is complete: every (host, lower-case name or alias) whose name ends in
    /// the number `number`, in order; `None` before (scan `hosts`).
    pub(crate) fn numbered(&self, number: &str) -> Option<&[(usize, String)]> {
        self.index()
            .map(|ix| ix.numbered.get(number).map_or(&[][..], |v| &v[..]))
    }

    /// Once the inventory is complete: the servers whose name's family stem is `family`, in
    /// order; `None` before (scan the servers).
    pub(crate) fn family(&self, family: &str) -> Option<&[usize]> {
        self.index()
            .map(|ix| ix.families.get(family).map_or(&[][..], |v| &v[..]))
    }

    /// The one server whose IPv4 address ends in the number `last` (`31`), if exactly one does.
    pub fn ending_in(&self, last: &str) -> Option<usize> {
        if let Some(ix) = self.index() {
            return ix
                .last_octets
                .get(last)
                .and_then(|&(i, n)| (n == 1).then_some(i));
        }
        let suffix = format!(".{last}");
        let mut found = self.servers().filter(|(_, h)| {
            h.ip.as_deref()
                .is_some_and(|ip| ip.ends_with(&suffix) && ip.matches('.').count() == 3)
        });
        let first = found.next()?.0;
        found.next().is_none().then_some(first)
    }

    /// Every server has an IP address.
    pub fn servers_addressed(&self) -> bool {
        match self.index() {
            Some(ix) => ix.unaddressed == 0,
            None => self.servers().all(|(_, h)| h.ip.is_some()),
        }
    }

    /// Servers whose group is written in Chinese with two characters or more, in order.
    pub fn cjk_grouped(&self) -> Vec<usize> {
        if let Some(ix) = self.index() {
            return ix.cjk_grouped.clone();
        }
        self.servers()
            .filter(|(_, h)| {
                h.group
                    .as_deref()
                    .is_some_and(|g| lexicon::has_cjk(g) && g.chars().count() >= 2)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// `make(self)`, made once when the inventory is complete (what [`crate::scope`] derives
    /// from every server and reads for every sentence).
    pub(crate) fn role_kinds(
        &self,
        make: fn(&Inventory) -> RoleKinds,
    ) -> std::borrow::Cow<'_, RoleKinds> {
        if self.sealed {
            std::borrow::Cow::Borrowed(self.role_kinds.get_or_init(|| make(self)))
        } else {
            std::borrow::Cow::Owned(make(self))
        }
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
        if let Some(ix) = self.index() {
            return ix
                .groups
                .get(&key)
                .or_else(|| ix.name_heads.get(&key))
                .cloned()
                .unwrap_or_default();
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
            // A new address or kind: the maps are made again when next read (rare).
            if ip.is_some_and(|ip| self.hosts[i].ip.as_deref() != Some(ip))
                || kind == HostKind::Jump && self.hosts[i].kind != HostKind::Jump
            {
                self.changed();
            }
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
            self.renamed(i);
            return i;
        }
        if let Some(ip) = ip {
            if let Some(i) = self.by_ip(ip) {
                let host = &mut self.hosts[i];
                if host.anonymous {
                    self.changed();
                    let host = &mut self.hosts[i];
                    host.name = name.clone();
                    host.anonymous = false;
                    host.group_keys.push(norm(stem(&name)));
                    host.group_keys.dedup();
                    self.renamed(i);
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
        let i = self.push_host(Host {
            name,
            ip: ip.map(str::to_string),
            aliases: Vec::new(),
            kind,
            group: None,
            group_keys,
            physical: None,
            specs: Vec::new(),
            roles: Vec::new(),
            line,
            anonymous: false,
        });
        // A host added at the end: the maps take it as they would have from the start.
        if let Some(ix) = self.index.get_mut() {
            ix.add(i, &self.hosts[i]);
        }
        self.role_kinds.take();
        i
    }

    /// A host changed in place: lookups make their maps again.
    fn changed(&mut self) {
        self.index.take();
        self.role_kinds.take();
    }

    /// Servers whose role (a table's role column, a role matrix, `（角色）` after an address) is
    /// written in Chinese, by role: `业务节点` → web-1, web-2.
    pub fn cjk_roles(&self) -> Vec<(String, Vec<usize>)> {
        let mut out: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, h) in self.servers() {
            for g in &h.roles {
                if !g.chars().any(lexicon::is_cjk) {
                    continue;
                }
                match out.iter_mut().find(|(r, _)| r == g) {
                    Some((_, hs)) => hs.push(i),
                    None => out.push((g.clone(), vec![i])),
                }
            }
        }
        out
    }

    /// A role from a role matrix or a remark: recorded as a role; its letters become a group key
    /// only when the role is written without Chinese (`DataNode`, not `NFS 客户端`, whose `nfs`
    /// would also name the server).
    fn add_role(&mut self, i: usize, role: &str) {
        let role = role.trim();
        if role.is_empty() {
            return;
        }
        if lexicon::has_cjk(role) {
            let host = &mut self.hosts[i];
            if host.group.is_none() {
                host.group = Some(role.to_string());
            }
            if !host.roles.iter().any(|r| r == role) {
                host.roles.push(role.to_string());
            }
        } else {
            self.set_group(i, role);
        }
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
        if !host.roles.iter().any(|r| r == group) {
            host.roles.push(group.to_string());
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
    let prefix = network_prefix(doc);
    for element in &doc.elements {
        match &element.kind {
            ElementKind::Table { rows } => {
                // `| 监控主机 | mon-01（10.20.0.10） |`: machines written in cells.
                for cell in rows.iter().flatten() {
                    for (name, ip, remark) in name_ips(cell) {
                        let i = inv.declare(
                            name,
                            Some(ip),
                            HostKind::Server,
                            element.line,
                            source,
                            element.span.clone(),
                            diags,
                        );
                        for role in remark.map(split_roles).unwrap_or_default() {
                            inv.add_role(i, role);
                        }
                    }
                    name_ip_ranges(
                        cell,
                        element.line,
                        source,
                        element.span.clone(),
                        &mut inv,
                        diags,
                    );
                }
                host_table(
                    rows,
                    element.line,
                    source,
                    element.span.clone(),
                    &mut inv,
                    diags,
                    prefix.as_deref(),
                );
                role_matrix_by_columns(
                    rows,
                    element.line,
                    source,
                    element.span.clone(),
                    &mut inv,
                    diags,
                );
            }
            ElementKind::Code {
                content,
                first_line,
                ..
            } => {
                listing(
                    content,
                    *first_line,
                    1,
                    source,
                    element.span.clone(),
                    &mut inv,
                    diags,
                );
                // A table drawn in ASCII art inside a fence (a role matrix, a host table).
                if let Some(rows) = ascii_table(content) {
                    host_table(
                        &rows,
                        *first_line,
                        source,
                        element.span.clone(),
                        &mut inv,
                        diags,
                        prefix.as_deref(),
                    );
                    role_matrix_by_columns(
                        &rows,
                        *first_line,
                        source,
                        element.span.clone(),
                        &mut inv,
                        diags,
                    );
                }
            }
            ElementKind::Paragraph { text }
            | ElementKind::ListItem { text, .. }
            | ElementKind::Heading { text, .. } => {
                let lists =
                    crate::rx::captures(&IP_LIST, text, |c| crate::rx::within(c.get(2), 0, 6));
                for cap in lists {
                    let group = cap.get(1).map(|m| m.as_str());
                    for ip in ips_in(&cap[3]) {
                        if inv.by_ip(&ip).is_none() {
                            let i = inv.push_host(Host {
                                name: ip.clone(),
                                ip: Some(ip.clone()),
                                aliases: Vec::new(),
                                kind: HostKind::Server,
                                group: None,
                                group_keys: Vec::new(),
                                physical: None,
                                specs: Vec::new(),
                                roles: Vec::new(),
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
                if matches!(element.kind, ElementKind::ListItem { .. }) {
                    if let Some(cap) = ITEM_IP_NAME.captures(text.trim()) {
                        let h = inv.declare(
                            &cap[2],
                            Some(&cap[1]),
                            HostKind::Server,
                            element.line,
                            source,
                            element.span.clone(),
                            diags,
                        );
                        for role in cap
                            .get(3)
                            .map(|r| split_roles(r.as_str()))
                            .unwrap_or_default()
                        {
                            inv.add_role(h, role);
                        }
                    }
                }
                for (name, ip, remark) in name_ips(text) {
                    let i = inv.declare(
                        name,
                        Some(ip),
                        HostKind::Server,
                        element.line,
                        source,
                        element.span.clone(),
                        diags,
                    );
                    for role in remark.map(split_roles).unwrap_or_default() {
                        inv.add_role(i, role);
                    }
                }
                name_ip_ranges(
                    text,
                    element.line,
                    source,
                    element.span.clone(),
                    &mut inv,
                    diags,
                );
                octets_then_names(
                    text,
                    prefix.as_deref(),
                    element.line,
                    source,
                    element.span.clone(),
                    &mut inv,
                    diags,
                );
                if matches!(element.kind, ElementKind::Paragraph { .. }) {
                    for (name, ip) in prose_pairs(text) {
                        inv.declare(
                            name,
                            Some(ip),
                            HostKind::Server,
                            element.line,
                            source,
                            element.span.clone(),
                            diags,
                        );
                    }
                    listing(
                        text,
                        element.line,
                        0,
                        source,
                        element.span.clone(),
                        &mut inv,
                        diags,
                    );
                }
                if lexicon::contains_any(text, lexicon::JUMP)
                    || lexicon::contains_any(text, lexicon::JUMP_ROLE)
                {
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
    // /etc/hosts-style lines in code blocks (`10.0.0.52 mq1`): aliases of known addresses; in a
    // listing (a block made of such lines), the machines themselves.
    for element in &doc.elements {
        if let ElementKind::Code {
            content,
            first_line,
            ..
        } = &element.kind
        {
            let is_listing = hosts_listing(content);
            for (n, line) in content.lines().enumerate() {
                let line = without_comment(line);
                let Some(cap) = ALIAS_LINE.captures(line) else {
                    continue;
                };
                let ip = &cap[1];
                let mut names = vec![cap[2].to_string()];
                names.extend(cap[3].split_whitespace().map(str::to_string));
                if let Some(i) = inv.by_ip(ip) {
                    for n in names {
                        let lower = n.to_ascii_lowercase();
                        if lower != inv.hosts[i].name
                            && !inv.hosts[i].aliases.contains(&lower)
                            && inv.find(&lower).is_none()
                        {
                            inv.hosts[i].aliases.push(lower);
                            inv.renamed(i);
                        }
                    }
                    continue;
                }
                if !is_listing || !routable(ip) {
                    continue;
                }
                let names: Vec<String> = names
                    .into_iter()
                    .filter(|n| HOSTLIKE.is_match(n) && !n.starts_with("localhost"))
                    .map(|n| n.to_ascii_lowercase())
                    .collect();
                // The name: one already known (declared without an address), else the short one.
                let Some(name) = names
                    .iter()
                    .find(|n| inv.find(n).is_some())
                    .or_else(|| names.iter().find(|n| !n.contains('.')))
                    .or(names.first())
                    .cloned()
                else {
                    continue;
                };
                let line_no = first_line + n;
                let start = source.line_start(line_no);
                let span = start..start + source.line_text(line_no).len();
                let h = inv.declare(
                    &name,
                    Some(ip),
                    HostKind::Server,
                    line_no,
                    source,
                    span,
                    diags,
                );
                for n in names {
                    if n != inv.hosts[h].name
                        && !inv.hosts[h].aliases.contains(&n)
                        && inv.find(&n).is_none()
                    {
                        inv.hosts[h].aliases.push(n);
                        inv.renamed(h);
                    }
                }
            }
        }
    }
    // Machines named where work happens (prompts, `在 node1、node2 上`) without a declaration.
    // From here on only `declare` changes the inventory (it drops the index): lookups use maps.
    inv.seal();
    crate::names::register(doc, &mut inv, source, diags);
    // Hosts only ever given by IP get a name from their group.
    let mut counters: std::collections::BTreeMap<String, usize> = Default::default();
    let mut renamed = false;
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
            renamed = true;
        }
    }
    // (The maps made since the first seal stay good unless a host was named here.)
    if renamed {
        inv.changed();
    }
    diags.extend(unusable(&inv, source));
    inv
}

/// The longest host name rbc takes (a DNS name's limit; a part between dots has at most 63).
const MAX_NAME: usize = 253;

/// Names and addresses no machine can have (E051, E054): the name becomes file names and words in
/// bash, so one that is too long or holds other characters is stopped at check time.
fn unusable(inv: &Inventory, source: &Source) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for h in &inv.hosts {
        // The declaration's line, or the next one (a table row's line is counted from its
        // delimiter row).
        let at = |needle: &str| {
            let found = (h.line..h.line + 2).find_map(|l| {
                let off = source.line_text(l).to_ascii_lowercase().find(needle)?;
                let start = source.line_start(l) + off;
                Some(start..start + needle.len())
            });
            found.unwrap_or_else(|| {
                let start = source.line_start(h.line);
                start..start + source.line_text(h.line).len()
            })
        };
        let bad_char = h
            .name
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')));
        let long_part = h.name.split('.').map(str::len).max().unwrap_or(0);
        let why = if h.name.len() > MAX_NAME {
            Some(format!(
                "is {} characters long (at most {MAX_NAME})",
                h.name.chars().count()
            ))
        } else if long_part > 63 {
            Some(format!(
                "has a part of {long_part} characters between dots (at most 63)"
            ))
        } else if let Some(c) = bad_char {
            Some(format!(
                "holds `{c}`; a host name has letters, digits, `-`, `_` and `.`"
            ))
        } else if h.name.starts_with(['-', '.']) {
            Some("starts with `-` or `.`".to_string())
        } else {
            None
        };
        if let Some(why) = why {
            let shown: String = h.name.chars().take(40).collect();
            let more = if h.name.chars().count() > 40 {
                "…"
            } else {
                ""
            };
            out.push(
                Diagnostic::error("E051", format!("host name `{shown}{more}` {why}"))
                    .at(source, at(&h.name))
                    .help("give the machine its real host name (its `hostname`), at most 63 characters between dots"),
            );
        }
        if let Some(ip) = &h.ip {
            if let Some(octet) = ip
                .split('.')
                .find(|o| o.parse::<u32>().map_or(true, |n| n > 255))
            {
                out.push(
                    Diagnostic::error(
                        "E054",
                        format!(
                            "`{ip}` of host `{}` is no IPv4 address: {octet} is over 255",
                            h.name
                        ),
                    )
                    .at(source, at(ip))
                    .help(
                        "each of the four numbers of an IPv4 address is 0-255; correct the address",
                    ),
                );
            }
        }
    }
    out
}

/// `a.b.c` when the document states one network for its machines (`172.20.5.0/24`,
/// `192.168.10.x`) in its prose: last octets (`IP 末位 121`) complete it. Two networks: none.
fn network_prefix(doc: &Document) -> Option<String> {
    let mut found: Vec<String> = Vec::new();
    for e in &doc.elements {
        let text = match &e.kind {
            ElementKind::Paragraph { text }
            | ElementKind::ListItem { text, .. }
            | ElementKind::Heading { text, .. } => text.as_str(),
            _ => continue,
        };
        for c in NETWORK.captures_iter(text) {
            if !found.contains(&c[1].to_string()) {
                found.push(c[1].to_string());
            }
        }
    }
    (found.len() == 1).then(|| found.remove(0))
}

/// A table drawn in a fence: rows `| a | b |`, borders `+----+----+` / `|---|`
/// skipped. Three or more rows of the same number of cells, and nothing else in the block.
fn ascii_table(content: &str) -> Option<Vec<Vec<String>>> {
    let mut rows: Vec<Vec<String>> = Vec::new();
    for line in content.lines() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if t.chars()
            .all(|c| matches!(c, '+' | '-' | '=' | '|' | ':' | ' '))
        {
            continue;
        }
        if !t.starts_with('|') {
            return None;
        }
        let inner = t.trim_start_matches('|').trim_end_matches('|');
        rows.push(inner.split('|').map(|c| c.trim().to_string()).collect());
    }
    let width = rows.first()?.len();
    (rows.len() >= 3 && width >= 2 && rows.iter().all(|r| r.len() == width)).then_some(rows)
}

/// A line without its `# comment` (a `#` at the start or after a space).
fn without_comment(line: &str) -> &str {
    let t = line.trim_start();
    if t.starts_with('#') {
        return "";
    }
    match line.find(" #").or_else(|| line.find("\t#")) {
        Some(p) => &line[..p],
        None => line,
    }
}

/// An address a machine can have (not loopback, not `0.0.0.0`, no part above 255).
fn routable(ip: &str) -> bool {
    let parts: Vec<u32> = ip.split('.').filter_map(|p| p.parse().ok()).collect();
    parts.len() == 4
        && parts.iter().all(|p| *p <= 255)
        && parts[0] != 127
        && parts[0] != 0
        && parts[0] < 224
}

/// A code block that lists machines as `/etc/hosts` does (`10.0.0.1  web-1  # 主`): two or more
/// such lines, and they are most of the block (a `cat >> /etc/hosts <<EOF` wrapper, comments and
/// the `EOF` line aside).
fn hosts_listing(content: &str) -> bool {
    let mut listed = 0usize;
    let mut other = 0usize;
    for line in content.lines() {
        if line.contains("/etc/hosts") {
            // `cat >> /etc/hosts <<EOF`, `[root@h1 ~]# cat /etc/hosts`: what shows the listing.
            continue;
        }
        let body = without_comment(line).trim();
        if body.is_empty() || body.chars().all(|c| c.is_ascii_uppercase()) {
            continue;
        }
        match ALIAS_LINE.captures(body) {
            Some(c) if routable(&c[1]) => listed += 1,
            Some(_) => {} // `127.0.0.1 localhost`
            None => other += 1,
        }
    }
    listed >= 2 && listed > other
}

/// `master：192.168.50.10（主，JobManager）` lines: two or more, most of the text's lines (in a
/// paragraph or a code block), each declares a machine and the roles in its parentheses.
fn listing(
    text: &str,
    first_line: usize,
    line_step: usize,
    source: &Source,
    span: std::ops::Range<usize>,
    inv: &mut Inventory,
    diags: &mut Vec<Diagnostic>,
) {
    let lines: Vec<&str> = text.lines().collect();
    let matched: Vec<(usize, regex::Captures)> = lines
        .iter()
        .enumerate()
        .filter_map(|(n, l)| ITEM_NAME_IP.captures(l.trim()).map(|c| (n, c)))
        .filter(|(_, c)| {
            !lexicon::KEY_IP.contains(&c[1].to_ascii_lowercase().as_str()) && routable(&c[2])
        })
        .collect();
    let non_blank = lines.iter().filter(|l| !l.trim().is_empty()).count();
    if matched.len() < 2 || matched.len() * 2 < non_blank {
        return;
    }
    for (n, cap) in matched {
        let line_no = first_line + n * line_step;
        let span = if line_step == 1 {
            let start = source.line_start(line_no);
            start..start + source.line_text(line_no).len()
        } else {
            span.clone()
        };
        let h = inv.declare(
            &cap[1],
            Some(&cap[2]),
            HostKind::Server,
            line_no,
            source,
            span,
            diags,
        );
        let l = lines[n].trim();
        let rest = l[cap.get(2).map_or(0, |m| m.end())..].trim_start();
        if let Some(roles) = rest
            .strip_prefix(['（', '('])
            .and_then(|r| r.split([')', '）']).next())
        {
            for role in split_roles(roles) {
                inv.add_role(h, role);
            }
        }
    }
}

/// `主，JobManager` → `主`, `JobManager`.
fn split_roles(text: &str) -> Vec<&str> {
    text.split(['，', ',', '、', '/', ';', '；'])
        .map(str::trim)
        .filter(|r| !r.is_empty() && r.chars().count() <= 16)
        .collect()
}

/// `发布机：.5（主），.6（备），主机名 pub-a、pub-b` with the network stated elsewhere
/// (`网段：10.2.3.0/24`): last octets and then as many names, paired in order; a remark after an
/// octet is that host's role. Different counts, or no network, declare nothing.
fn octets_then_names(
    text: &str,
    prefix: Option<&str>,
    line: usize,
    source: &Source,
    span: std::ops::Range<usize>,
    inv: &mut Inventory,
    diags: &mut Vec<Diagnostic>,
) {
    let (Some(prefix), Some(names)) = (prefix, NAMES_AFTER.captures(text)) else {
        return;
    };
    let names_at = names.get(0).map_or(0, |m| m.start());
    let octets: Vec<(u32, Option<String>)> = DOT_OCTET
        .captures_iter(&text[..names_at])
        .filter_map(|c| {
            let n: u32 = c[1].parse().ok()?;
            (1..=254)
                .contains(&n)
                .then(|| (n, c.get(2).map(|r| r.as_str().to_string())))
        })
        .collect();
    let names: Vec<&str> = names[1]
        .split(['、', ',', '，', '/'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    if octets.len() < 2 || octets.len() != names.len() {
        return;
    }
    for ((octet, remark), name) in octets.iter().zip(names) {
        let ip = format!("{prefix}.{octet}");
        let h = inv.declare(
            name,
            Some(&ip),
            HostKind::Server,
            line,
            source,
            span.clone(),
            diags,
        );
        for role in remark.as_deref().map(split_roles).unwrap_or_default() {
            inv.add_role(h, role);
        }
    }
}

/// `web-01 ~ web-06（10.20.1.21 ~ 26，依次对应）`: each name of the range gets the address of the
/// same rank; ranges of different lengths declare nothing.
fn name_ip_ranges(
    text: &str,
    line: usize,
    source: &Source,
    span: std::ops::Range<usize>,
    inv: &mut Inventory,
    diags: &mut Vec<Diagnostic>,
) {
    for c in crate::rx::captures(&NAME_IP_RANGE, text, |c| crate::rx::within(c.get(9), 0, 24))
        .chain(NAME_RANGE_ADDR.captures_iter(text))
    {
        let stem = &c[1];
        if c.get(3).is_some_and(|m| m.as_str() != stem) {
            continue;
        }
        if c.get(7).is_some_and(|m| m.as_str() != &c[5]) {
            continue;
        }
        let (Ok(from), Ok(to), Ok(ip_from), Ok(ip_to)) = (
            c[2].parse::<u32>(),
            c[4].parse::<u32>(),
            c[6].parse::<u32>(),
            c[8].parse::<u32>(),
        ) else {
            continue;
        };
        if to <= from
            || to - from > 64
            || ip_to < ip_from
            || ip_to - ip_from != to - from
            || ip_to > 255
        {
            continue;
        }
        let width = c[2].len();
        for k in 0..=(to - from) {
            let name = format!("{stem}{:0width$}", from + k);
            let ip = format!("{}{}", &c[5], ip_from + k);
            inv.declare(
                &name,
                Some(&ip),
                HostKind::Server,
                line,
                source,
                span.clone(),
                diags,
            );
        }
    }
}

/// A role matrix with the hosts as columns (`服务 | hadoop1 | hadoop2`, rows of roles marked
/// `✓`): the hosts are declared (their addresses come from elsewhere) and each gets the roles
/// of the rows marked in its column.
fn role_matrix_by_columns(
    rows: &[Vec<String>],
    line: usize,
    source: &Source,
    span: std::ops::Range<usize>,
    inv: &mut Inventory,
    diags: &mut Vec<Diagnostic>,
) {
    let Some(header) = rows.first() else { return };
    if header.len() < 3 || rows.len() < 2 {
        return;
    }
    let hosts: Vec<&str> = header[1..].iter().map(|h| h.trim()).collect();
    let hostlike =
        |h: &str| HOSTLIKE.is_match(h) && (crate::names::host_like(h) || inv.find(h).is_some());
    if !hosts.iter().all(|h| hostlike(h)) {
        return;
    }
    let body = &rows[1..];
    let all_marks = body.iter().all(|r| {
        r.iter()
            .skip(1)
            .all(|c| c.trim().is_empty() || MARKS.contains(&c.trim()))
    });
    if !all_marks
        || !body
            .iter()
            .any(|r| r.iter().skip(1).any(|c| !c.trim().is_empty()))
    {
        return;
    }
    let ids: Vec<usize> = hosts
        .iter()
        .map(|h| inv.declare(h, None, HostKind::Server, line, source, span.clone(), diags))
        .collect();
    for r in body {
        let role = r.first().map(|c| c.trim()).unwrap_or("");
        for (k, cell) in r.iter().skip(1).enumerate() {
            if MARKS.contains(&cell.trim()) {
                if let Some(&h) = ids.get(k) {
                    inv.add_role(h, role);
                }
            }
        }
    }
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
        let h: String = h
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        words.iter().any(|w| h == w.replace(' ', ""))
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
    prefix: Option<&str>,
) {
    let Some(header) = rows.first() else { return };
    let host_col = column(header, lexicon::TABLE_HOST);
    let ip_col = column(header, lexicon::TABLE_IP);
    let role_col = column(header, lexicon::TABLE_ROLE);
    let file_col = column(header, lexicon::TABLE_FILE);
    // `IP 末位 | 121`: the last part of the address, the network stated elsewhere.
    let octet_col = header
        .iter()
        .position(|h| LAST_OCTET.iter().any(|w| h.contains(w)));
    // Columns of marks (`✓`, `Y`): a role matrix; the header is the role.
    let mark_cols: Vec<usize> = (0..header.len())
        .filter(|c| Some(*c) != host_col && Some(*c) != ip_col && Some(*c) != role_col)
        .filter(|c| {
            let cells: Vec<&str> = rows[1..]
                .iter()
                .map(|r| r.get(*c).map_or("", |v| v.trim()))
                .collect();
            cells.iter().any(|v| MARKS.contains(v))
                && cells.iter().all(|v| v.is_empty() || MARKS.contains(v))
        })
        .collect();
    for (r, row) in rows.iter().enumerate().skip(1) {
        let row_line = line + r;
        let ip = ip_col
            .and_then(|c| row.get(c))
            .map(|v| ips_in(v))
            .and_then(|v| v.into_iter().next())
            .or_else(|| {
                let octet: u32 = octet_col.and_then(|c| row.get(c))?.trim().parse().ok()?;
                let prefix = prefix?;
                (1..=254)
                    .contains(&octet)
                    .then(|| format!("{prefix}.{octet}"))
            });
        let Some(hc) = host_col else { continue };
        let Some(cell) = row.get(hc) else { continue };
        // Header, delimiter row, then the rows: row r is on the table's line + r + 1.
        if let Some(d) = not_names(cell, hc, line + r + 1, source) {
            diags.push(d);
            continue;
        }
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
            if let Some(cell) = role_col
                .and_then(|c| row.get(c))
                .filter(|r| !r.trim().is_empty())
            {
                // `master, data, ingest`: a list of roles, the first naming the group.
                // `Harbor 服务器，数据盘挂载 /data`, `Broker（broker-a，Master）`: the role, then
                // a remark that is no role.
                let parts = split_roles(cell);
                let list = parts.len() > 1
                    && parts
                        .iter()
                        .all(|p| p.is_ascii() && !p.contains(char::is_whitespace));
                if list {
                    inv.set_group(h, parts[0]);
                    for r in &parts[1..] {
                        inv.add_role(h, r);
                    }
                } else {
                    let role = cell
                        .split(['（', '(', '，', ',', '；', ';'])
                        .next()
                        .map(str::trim)
                        .filter(|r| !r.is_empty())
                        .unwrap_or(cell.trim());
                    inv.set_group(h, role);
                }
            }
            for &c in &mark_cols {
                if row.get(c).is_some_and(|v| MARKS.contains(&v.trim())) {
                    inv.add_role(h, &header[c]);
                }
            }
        }
    }
}

/// Characters a list of host names never holds, but a shell command does.
const SHELL_CHARS: &[char] = &[
    '`', '$', '&', '|', '<', '>', '\\', '\'', '"', '*', '?', '!', '{', '}', '[', ']', '=', '/',
];

/// E052 for a host-column cell that is not a list of host names (`web-1;touch /x`, `` `id` ``,
/// `$(hostname)`): rbc declares none of its words rather than a host named `touch`.
/// `cell` is the cell's text as Markdown gives it; its raw text is looked up on `line`.
fn not_names(cell: &str, col: usize, line: usize, source: &Source) -> Option<Diagnostic> {
    let raw_line = source.line_text(line);
    let (raw, offset) = raw_cell(raw_line, col).unwrap_or((cell, 0));
    let seps = [',', '，', '、', ' ', ';', '；', '\t'];
    // A name shown as code (`` `web-1` ``) is a name; any other backtick is not.
    let code = raw.split(seps).map(str::trim).find(|w| {
        w.contains('`')
            && !w
                .strip_prefix('`')
                .and_then(|w| w.strip_suffix('`'))
                .is_some_and(|w| HOSTLIKE.is_match(w))
    });
    // A cell that declares by address (`web-1（10.0.0.1，主）`, ranges) is read by its own
    // rules; only shell characters are out of place there.
    let by_address = !ips_in(cell).is_empty();
    let bad = code.or_else(|| {
        cell.split(seps).map(str::trim).find(|w| {
            // Look-alike letters and invisible characters have their own error (E053).
            if w.is_empty() || HOSTLIKE.is_match(w) || w.contains(crate::lookalikes::suspicious) {
                return false;
            }
            w.contains(SHELL_CHARS) || (!by_address && w.chars().any(|c| c.is_ascii_alphanumeric()))
        })
    })?;
    let start = source.line_start(line) + offset;
    let span = match raw.find(bad) {
        Some(i) => start + i..start + i + bad.len(),
        None => start..start + raw.len(),
    };
    Some(
        Diagnostic::error(
            "E052",
            format!("host cell `{}` is not a list of host names: `{bad}` is not a host name", raw.trim()),
        )
        .at(source, span)
        .help("write host names only (letters, digits, `-`, `_`, `.`), separated by `、` or `,`; rbc declares no host from this cell"),
    )
}

/// The raw text of column `col` of a table row, and its byte offset in the line.
fn raw_cell(line: &str, col: usize) -> Option<(&str, usize)> {
    let bytes = line.as_bytes();
    let mut bounds = Vec::new();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'|' && (i == 0 || bytes[i - 1] != b'\\') {
            bounds.push(i);
        }
    }
    // `| a | b |` and `a | b`: cells lie between the pipes (and the line's ends when open).
    let mut cells = Vec::new();
    let mut from = 0;
    for &b in &bounds {
        cells.push((from, b));
        from = b + 1;
    }
    cells.push((from, line.len()));
    if line.trim_start().starts_with('|') {
        cells.remove(0);
    }
    if line.trim_end().ends_with('|') {
        cells.pop();
    }
    let (a, b) = *cells.get(col)?;
    Some((&line[a..b], a))
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
    for word in lexicon::JUMP.iter().chain(lexicon::JUMP_ROLE) {
        // `事先上传到 X`, `预先传到 X`: where a package waits beforehand, not a first hop.
        let beforehand = |pos: usize| {
            word.starts_with('先') && ["事", "预", "提"].iter().any(|w| text[..pos].ends_with(w))
        };
        if let Some(pos) = text.find(word).filter(|p| !beforehand(*p)) {
            let rest = &text[pos + word.len()..];
            let rest = rest.trim_start_matches([' ', '（', '(', '：', ':']);
            if let Some(m) = ASCII_WORD.find(rest) {
                if m.start() == 0 && HOSTLIKE.is_match(m.as_str()) {
                    let ip = name_ip(rest)
                        .next()
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

    fn ip_of(inv: &Inventory, name: &str) -> Option<String> {
        inv.find(name).and_then(|i| inv.hosts[i].ip.clone())
    }

    #[test]
    fn etc_hosts_listings_in_code_blocks_declare_machines() {
        // A heredoc into /etc/hosts with FQDNs and comments, then a bare listing.
        let (v, d) = inv("编辑 hosts：\n\n```bash\ncat >> /etc/hosts <<EOF\n127.0.0.1 localhost\n10.4.0.11 gw-a.corp.local gw-a   # 主\n10.4.0.12 gw-b.corp.local gw-b\nEOF\n```\n\n机器：\n\n```\n10.4.0.21  store1\n10.4.0.22  store2\n```\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(ip_of(&v, "gw-a").as_deref(), Some("10.4.0.11"));
        assert_eq!(v.find("gw-a.corp.local"), v.find("gw-a"));
        assert_eq!(ip_of(&v, "store2").as_deref(), Some("10.4.0.22"));
        assert!(v.find("localhost").is_none());
        // One address line inside a config is not a listing of machines.
        let (v, _) = inv("```\nbind 0.0.0.0\nport 6379\n10.9.9.9 replica\ndir /data\n```\n");
        assert!(v.servers().next().is_none());
        // Names declared first without an address (a role matrix) get theirs from the listing.
        let (v, _) = inv("| 服务 | h1 | h2 |\n|---|---|---|\n| NameNode | ✓ | |\n| DataNode | ✓ | ✓ |\n\n```\n192.168.3.1 h1\n192.168.3.2 h2\n```\n");
        assert_eq!(ip_of(&v, "h2").as_deref(), Some("192.168.3.2"));
        assert_eq!(v.servers().count(), 2);
    }

    #[test]
    fn name_colon_ip_lines_with_roles() {
        // In a shell block, and as the lines of one paragraph, with `:` or `：`.
        let (v, _) = inv("```shell\nmongo-a:10.12.7.41（PRIMARY，初始化节点）\nmongo-b:10.12.7.42（SECONDARY）\n```\n");
        assert_eq!(ip_of(&v, "mongo-b").as_deref(), Some("10.12.7.42"));
        assert_eq!(v.group("SECONDARY").len(), 1);
        let (v, _) = inv("机器清单：\n\nleader：192.168.5.10（主，JobManager）\nslave1：192.168.5.11（TaskManager）\nslave2：192.168.5.12（TaskManager）\n");
        assert_eq!(v.group("TaskManager").len(), 2);
        let roles: Vec<String> = v.cjk_roles().into_iter().map(|(r, _)| r).collect();
        assert_eq!(roles, vec!["主".to_string()]);
        // A single `key: IP` line in prose is not a machine.
        let (v, _) = inv("VIP：10.40.2.100\n\n说明文字。\n");
        assert!(v.servers().next().is_none());
    }

    #[test]
    fn role_matrices_rows_and_columns() {
        let (v, _) = inv("| 角色 | hd1 | hd2 | hd3 |\n|---|:-:|:-:|:-:|\n| NameNode | * | | |\n| DataNode | Y | Y | Y |\n| 备份节点 | | √ | |\n");
        assert_eq!(v.group("DataNode").len(), 3);
        assert_eq!(v.group("NameNode").len(), 1);
        assert!(v
            .cjk_roles()
            .iter()
            .any(|(r, h)| r == "备份节点" && h.len() == 1));
        let (v, _) = inv("| 主机名 | IP 地址 | NFS 服务端 | NFS 客户端 |\n|---|---|:-:|:-:|\n| share-a | 172.1.1.5 | ✓ | |\n| app-a | 172.1.1.6 | | ✓ |\n| app-b | 172.1.1.7 | | ✓ |\n");
        assert_eq!(ip_of(&v, "app-b").as_deref(), Some("172.1.1.7"));
        // Roles with Chinese words are roles, not a group `nfs` naming every machine.
        assert!(v.group("NFS").is_empty());
        assert!(v
            .cjk_roles()
            .iter()
            .any(|(r, h)| r == "NFS 客户端" && h.len() == 2));
    }

    #[test]
    fn last_octets_ranges_and_remarks() {
        let (v, _) = inv("机器都在 192.168.10.0/24 网段。\n\n| 末位 | 主机名 |\n|---|---|\n| 130 | ntp-a |\n| 131 | app-a |\n");
        assert_eq!(ip_of(&v, "app-a").as_deref(), Some("192.168.10.131"));
        let (v, _) =
            inv("网段 10.1.1.x 和 10.1.2.0/24。\n\n| 尾号 | 主机 |\n|---|---|\n| 5 | app-a |\n");
        assert_eq!(
            ip_of(&v, "app-a"),
            None,
            "two networks: the octet is not completed"
        );
        let (v, _) = inv("- 被监控：web-01 ~ web-04（10.20.1.21 ~ 24，依次对应）\n- 另一组 job-1至job-3 (10.2.0.7-10.2.0.9)\n");
        assert_eq!(ip_of(&v, "web-03").as_deref(), Some("10.20.1.23"));
        assert_eq!(ip_of(&v, "job-3").as_deref(), Some("10.2.0.9"));
        let (v, d) = inv("- 范围不对：db-1 ~ db-3（10.3.0.1 ~ 5）\n");
        assert!(v.find("db-2").is_none() && d.is_empty());
        let (v, _) = inv("负载均衡：lb-01（10.1.3.11，主）、lb-02 (10.1.3.12 备)\n");
        assert_eq!(ip_of(&v, "lb-02").as_deref(), Some("10.1.3.12"));
        assert!(v.cjk_roles().iter().any(|(r, _)| r == "备"));
    }

    #[test]
    fn ranges_after_an_address_word_and_octets_then_names() {
        for item in [
            "- Web 节点：web-01 ~ web-04，地址 10.2.3.11~14（顺序对应）\n",
            "- Web 节点 web-01 至 web-04，IP：10.2.3.11 ~ 10.2.3.14\n",
        ] {
            let (v, _) = inv(item);
            assert_eq!(ip_of(&v, "web-03").as_deref(), Some("10.2.3.13"), "{item}");
        }
        // Ranges of different lengths declare nothing.
        let (v, _) = inv("- web-01 ~ web-04，地址 10.2.3.11~16\n");
        assert!(v.find("web-02").is_none());
        for text in [
            "- 网段：10.2.3.0/24\n- 发布机：.5（主），.6（备），主机名 pub-a、pub-b\n",
            "网段 10.2.3.x。发布机 .5、.6，主机名分别为 pub-a, pub-b。\n",
        ] {
            let (v, _) = inv(text);
            assert_eq!(ip_of(&v, "pub-a").as_deref(), Some("10.2.3.5"), "{text}");
            assert_eq!(ip_of(&v, "pub-b").as_deref(), Some("10.2.3.6"), "{text}");
        }
        // No network stated, or counts that differ: no addresses made up.
        for text in [
            "- 发布机：.5（主），.6（备），主机名 pub-a、pub-b\n",
            "- 网段：10.2.3.0/24\n- 发布机：.5、.6、.7，主机名 pub-a、pub-b\n",
        ] {
            let (v, _) = inv(text);
            assert_eq!(ip_of(&v, "pub-b"), None, "{text}");
        }
    }

    #[test]
    fn jump_host_by_role_word_and_conflicts() {
        for word in ["堡垒机", "跳板机", "中转机"] {
            let (v, _) = inv(&format!(
                "统一通过{word} hop-1（10.30.0.8）登录。\n\n登录 app-1 (10.30.2.1)\n"
            ));
            assert_eq!(
                v.hosts[v.find("hop-1").unwrap()].kind,
                HostKind::Jump,
                "{word}"
            );
        }
        // One name, two addresses across listings: an error naming both.
        let (_, d) = inv("```\n10.0.0.1 app-1\n10.0.0.2 app-2\n```\n\n```\n10.0.0.1 app-1\n10.0.0.9 app-2\n```\n");
        assert!(
            d.iter()
                .any(|d| d.code == "E010" && d.message.contains("10.0.0.9")),
            "{d:?}"
        );
    }

    #[test]
    fn a_role_matrix_drawn_in_a_fence() {
        let (v, _) = inv("```\n+---------+--------------+--------+--------+\n| 主机名  | IP           | Master | Worker |\n+---------+--------------+--------+--------+\n| sp-01   | 10.7.0.11    |   *    |        |\n| sp-02   | 10.7.0.12    |        |   *    |\n| sp-03   | 10.7.0.13    |        |   *    |\n+---------+--------------+--------+--------+\n```\n");
        assert_eq!(ip_of(&v, "sp-03").as_deref(), Some("10.7.0.13"));
        assert_eq!(v.group("Worker").len(), 2);
        assert_eq!(v.group("Master").len(), 1);
        // A shell pipeline with `|` is not a table.
        let (v, _) = inv("```\nps -ef | grep java\nls | wc -l\ncat a | sort\n```\n");
        assert!(v.servers().next().is_none());
    }

    #[test]
    fn an_ip_list_in_parentheses_is_not_a_remark() {
        let (v, _) = inv("配置需要在两台Nginx（10.0.0.18、10.0.0.28）上进行。\n\n分别登录nginx-1 (10.0.0.18) 和nginx-2 (10.0.0.28)\n");
        assert!(v.find("nginx").is_none());
        assert_eq!(ip_of(&v, "nginx-1").as_deref(), Some("10.0.0.18"));
    }
}
