//! Which hosts a sentence points at: names, aliases, IPs, `两台Nginx`, `所有服务器`, with the
//! target/source distinction (`将rabbit1上的…覆盖到rabbit2` targets rabbit2), and `X与Y相同`.

use std::sync::LazyLock;

use regex::Regex;

use crate::inventory::{self, Inventory};
use crate::lexicon;

static TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9][A-Za-z0-9_.-]*[A-Za-z0-9]|[A-Za-z0-9]").unwrap());

#[derive(Debug, Clone, PartialEq)]
struct Mention {
    hosts: Vec<usize>,
    start: usize,
    end: usize,
    /// Preceded by a target word (`登录`, `在`, `到`) or joined to one that is.
    marked: bool,
    /// Named by a group word (`Nginx`), not a host name: counts only when marked or counted.
    group_word: bool,
    counted: bool,
    /// `X 上不跑…`: named as where the work does not happen.
    negated: bool,
    /// A role word of a replicated service (`主库`, `从节点`).
    role_word: bool,
}

/// The hosts a sentence targets, and how it said so.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    pub hosts: Vec<usize>,
    pub how: String,
}

fn ends_with_any(text: &str, words: &[&str]) -> bool {
    let t = text.trim_end();
    words.iter().any(|w| t.ends_with(w.trim_end()))
}

fn only_connectors(text: &str) -> bool {
    let mut t = text.trim();
    // `name (IP) 和 name (IP)`: parentheses, IPs and connectors only.
    loop {
        let before = t;
        for c in lexicon::CONNECTORS
            .iter()
            .chain(["（", "）", "(", ")", "的"].iter())
        {
            t = t.trim_start_matches(c).trim_start();
        }
        if t == before {
            break;
        }
    }
    t.is_empty()
}

/// The one server whose IPv4 address ends in the number `tok` (`31` for 192.168.8.31).
pub fn by_last_octet(inv: &Inventory, tok: &str) -> Option<usize> {
    if tok.is_empty() || tok.len() > 3 || !tok.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let n: u32 = tok.parse().ok()?;
    if n == 0 || n > 254 {
        return None;
    }
    inv.ending_in(&n.to_string())
}

/// `新主库`, `新的备库` after a switchover: a side of a replicated service that is no longer the
/// one the host table gave — the word names no host (a prompt or a name decides).
fn new_side(before: &str, word: &str) -> bool {
    (before.ends_with('新') || before.ends_with("新的"))
        && lexicon::ROLE_KINDS
            .iter()
            .any(|(words, values)| words.contains(&word) || values.contains(&word))
}

fn mentions(text: &str, inv: &Inventory, current_group: &[usize]) -> Vec<Mention> {
    let mut out = all_mentions(text, inv, current_group);
    out.retain(|m| !m.negated && (!m.group_word || m.marked || m.counted));
    out
}

/// Every mention, with the group words named in passing (neither marked nor counted).
fn all_mentions(text: &str, inv: &Inventory, current_group: &[usize]) -> Vec<Mention> {
    let mut out: Vec<Mention> = Vec::new();
    for m in TOKEN.find_iter(text) {
        let tok = m.as_str().trim_end_matches(['.', '-']);
        let mut hosts = Vec::new();
        let mut group_word = false;
        if let Some(i) = inv.find(tok) {
            if inv.hosts[i].kind == crate::plan::HostKind::Server {
                hosts.push(i);
            }
        } else if let Some(i) = inv.by_ip(tok) {
            if inv.hosts[i].kind == crate::plan::HostKind::Server {
                hosts.push(i);
            }
        } else if let Some(i) = by_last_octet(inv, tok) {
            // `在 31 上`: the one server whose address ends in .31; counts only where a
            // sentence says so (`在…上`), like a group word.
            hosts.push(i);
            group_word = true;
        } else if tok.chars().any(|c| c.is_ascii_alphabetic()) {
            let g = inv.group(tok);
            if !g.is_empty() {
                hosts = g;
                group_word = true;
            }
        }
        if hosts.is_empty() {
            continue;
        }
        let end = m.start() + tok.len();
        // A bare group word after a count: `两台Nginx`.
        let before = &text[..m.start()];
        let counted = ends_with_any(before, lexicon::COUNTED);
        out.push(Mention {
            hosts,
            start: m.start(),
            end,
            marked: false,
            group_word,
            counted,
            negated: false,
            role_word: false,
        });
    }
    // Roles written in Chinese (`业务节点`, `应用服务器`, from a role column or `（角色）`): a group
    // word, by the role or its stem without 服务器/节点/机器 (`所有应用服务器` for role `应用`).
    if text.chars().any(lexicon::is_cjk) {
        for (phrases, hosts) in inv.role_phrases() {
            let Some((pos, len)) = phrases
                .iter()
                .find_map(|p| text.find(p.as_str()).map(|pos| (pos, p.len())))
            else {
                continue;
            };
            if out.iter().any(|m| m.start < pos + len && m.end > pos) {
                continue;
            }
            let before = &text[..pos];
            if new_side(before, &text[pos..pos + len]) {
                continue;
            }
            out.push(Mention {
                hosts: hosts.clone(),
                start: pos,
                end: pos + len,
                marked: false,
                group_word: true,
                counted: ends_with_any(before, lexicon::COUNTED)
                    || lexicon::ALL_GROUP.iter().any(|w| before.ends_with(w)),
                negated: false,
                // `主节点` for role `主`: a role word of a replicated service.
                role_word: lexicon::ROLE_KINDS
                    .iter()
                    .any(|(words, _)| words.contains(&&text[pos..pos + len]))
                    || lexicon::contains_any(&text[pos..pos + len], lexicon::ROLE_SIDES),
            });
        }
    }
    // `主库上执行`, `去从库查`, `所有从节点`: the hosts whose role, remark or name says which side
    // of a replicated service they are.
    if text.chars().any(lexicon::is_cjk) {
        for (words, hosts) in inv.role_kinds(role_kind_hosts).iter() {
            let Some((pos, len)) = words
                .iter()
                .find_map(|w| text.find(w).map(|pos| (pos, w.len())))
            else {
                continue;
            };
            if out.iter().any(|m| m.start < pos + len && m.end > pos) {
                continue;
            }
            let before = &text[..pos];
            if new_side(before, &text[pos..pos + len]) {
                continue;
            }
            out.push(Mention {
                hosts: hosts.clone(),
                start: pos,
                end: pos + len,
                marked: false,
                group_word: true,
                counted: ends_with_any(before, lexicon::COUNTED)
                    || lexicon::ALL_GROUP.iter().any(|w| before.ends_with(w)),
                negated: false,
                role_word: true,
            });
        }
    }
    // `服务端配置`, `在只读客户端上`, `各客户端`: the side of a client/server service that a
    // role says (`NFS 服务端`, `NFS 客户端（只读）`).
    if text.chars().any(lexicon::is_cjk) {
        for (start, end, hosts) in side_mentions(text, inv) {
            if out.iter().any(|m| m.start < end && m.end > start) {
                continue;
            }
            let before = &text[..start];
            out.push(Mention {
                hosts,
                start,
                end,
                marked: false,
                group_word: true,
                counted: ends_with_any(before, lexicon::COUNTED)
                    || lexicon::ALL_GROUP.iter().any(|w| before.ends_with(w)),
                negated: false,
                role_word: true,
            });
        }
    }
    // `三台节点` / `两台服务器` with no group word: the current group.
    static COUNTED_NOUNS: LazyLock<Vec<String>> = LazyLock::new(|| {
        lexicon::COUNTED
            .iter()
            .flat_map(|c| lexicon::GROUP_NOUNS.iter().map(move |n| format!("{c}{n}")))
            .collect()
    });
    // (A phrase ends with its noun: the phrases of a noun the text lacks are not looked for.)
    let nouns: Vec<bool> = lexicon::GROUP_NOUNS
        .iter()
        .map(|n| !current_group.is_empty() && text.contains(n))
        .collect();
    if nouns.contains(&true) {
        for (k, phrase) in COUNTED_NOUNS.iter().enumerate() {
            if !nouns[k % nouns.len()] {
                continue;
            }
            if let Some(pos) = text.find(phrase.as_str()) {
                // `三台节点` means three: not a current group of another size.
                let fits = match stated_count(phrase) {
                    Some(Count::Exactly(n)) => n == current_group.len(),
                    _ => true,
                };
                if fits
                    && !current_group.is_empty()
                    && !out
                        .iter()
                        .any(|m| m.start < pos + phrase.len() && m.end > pos)
                {
                    out.push(Mention {
                        hosts: current_group.to_vec(),
                        start: pos,
                        end: pos + phrase.len(),
                        marked: false,
                        group_word: false,
                        counted: true,
                        negated: false,
                        role_word: false,
                    });
                }
            }
        }
    }
    out.sort_by_key(|m| m.start);
    expand_ranges(text, inv, &mut out);
    // Mark targets: a target word right before, or joined by connectors to a marked mention.
    let mut prev_end = 0;
    let mut prev_marked = false;
    let mut prev_hosts: Vec<usize> = Vec::new();
    for m in out.iter_mut() {
        let gap = &text[prev_end.min(m.start)..m.start];
        let gap_trim = gap.trim_end_matches(['（', '(', ' ']);
        // `登录任意一个 nacos 节点`: the marker is before the "any one".
        let gap_trim = lexicon::ANY_ONE
            .iter()
            .find_map(|w| gap_trim.strip_suffix(w))
            .map_or(gap_trim, |g| g.trim_end());
        let not_marker = ends_with_any(gap_trim, lexicon::NOT_MARKERS);
        let after_marker = !not_marker
            && (ends_with_any(gap_trim, lexicon::TARGET_MARKERS)
                || ends_with_any(gap, lexicon::TARGET_MARKERS));
        // `登录 mongo-01 的 mongo shell`: a group word after `的` is what belongs to the host.
        let possessive = m.group_word && gap.trim_end().ends_with('的');
        // `web-1 (10.0.0.1)`: the same host again; not across `的` (`lb-01 的实际地址 10.1.3.11`
        // is what belongs to the host).
        let joined = prev_marked
            && !possessive
            && (only_connectors(gap) || (prev_hosts == m.hosts && !gap.contains('的')));
        m.marked = after_marker || joined || (m.counted && gap.contains('在'));
        prev_end = m.end;
        prev_marked = m.marked;
        prev_hosts = m.hosts.clone();
    }
    // `主节点写入一条：`: a role word that opens the sentence is who does the work.
    for m in out.iter_mut() {
        let lead = text[..m.start].trim_start_matches(|c: char| {
            c.is_whitespace() || c.is_ascii_digit() || "、.)）(（".contains(c)
        });
        // `然后去从库查：`: where the reader goes is where the work happens.
        let goes = text[..m.start].trim_end().ends_with('去');
        // `仅主库：`, `只在从库执行`: the role the work is restricted to.
        let only = ["仅", "只", "仅在", "只在", "仅需", "只需"].contains(&lead.trim_end());
        if m.role_word
            && (lead.is_empty() || goes || only)
            && !text[m.end..].trim_start().starts_with('的')
        {
            m.marked = true;
        }
    }
    // `web服务器上恢复` / `db-1上执行`: a mention followed by `上` is where the work happens.
    // Not `将X上的…` / `从X上…`: there X is where something comes from.
    for m in out.iter_mut() {
        let after = &text[m.end..];
        let before = text[..m.start].trim_end();
        let source = lexicon::SOURCE_MARKERS.iter().any(|w| before.ends_with(w))
            || after
                .find("上的")
                .is_some_and(|p| p < after.find(['，', ',', '。', '；']).unwrap_or(after.len()));
        if !source && lexicon::starts_with_any(after, lexicon::LOCATIVE_AFTER) {
            m.marked = true;
            // `master 上不跑 TaskManager`, `db-1 上无需执行`: where the work does not happen.
            let rest = lexicon::LOCATIVE_AFTER
                .iter()
                .filter_map(|w| after.trim_start().strip_prefix(w))
                .min_by_key(|r| r.len())
                .unwrap_or(after);
            if lexicon::starts_with_any(rest.trim_start(), lexicon::NEGATED_PLACE) {
                m.marked = false;
                m.negated = true;
            }
        }
    }
    // `数据库 134、135 单独处理`: a list of last octets, each the one server with that address,
    // says which machines (a list of two or more is not a number in passing).
    if let Some(nums) = octet_list(text) {
        let all = nums.iter().all(|n| by_last_octet(inv, n).is_some()) && inv.servers_addressed();
        if all {
            for m in out.iter_mut() {
                if nums.contains(&&text[m.start..m.end]) {
                    m.marked = true;
                }
            }
        }
    }
    // `解析到 lb-01 的实际地址`: what belongs to a host is not where the work happens
    // (`上传到web-1的/opt下` still is: a folder follows).
    for m in out.iter_mut() {
        if let Some(rest) = text[m.end..].trim_start().strip_prefix('的') {
            // `按 31 → 33 → 32 的顺序重启`: the order of the hosts is the hosts.
            if !rest.trim_start().starts_with('/')
                && !lexicon::starts_with_any(rest, &["上", "服务器上", "机器上", "主机上"])
                && !lexicon::starts_with_any(rest.trim_start(), &["顺序", "次序", "先后顺序"])
            {
                m.marked = false;
            }
        }
    }
    // `bill-1、bill-2上执行`: the locative covers the whole list before it.
    for i in (1..out.len()).rev() {
        if out[i].marked && !out[i - 1].marked {
            let gap = &text[out[i - 1].end.min(out[i].start)..out[i].start];
            if only_connectors(gap) && !gap.is_empty() {
                out[i - 1].marked = true;
            }
        }
    }
    out
}

/// For each kind of [`lexicon::ROLE_KINDS`] that some server is (and no server is of two
/// kinds): its words, and its servers.
fn role_kind_hosts(inv: &Inventory) -> inventory::RoleKinds {
    let is = |h: &inventory::Host, markers: &[&str]| {
        let ascii = |text: &str| {
            text.split(|c: char| !c.is_ascii_alphabetic())
                .any(|w| markers.iter().any(|m| m.eq_ignore_ascii_case(w)))
        };
        ascii(&h.name)
            || h.roles.iter().any(|r| {
                ascii(r)
                    || markers.iter().any(|m| {
                        lexicon::has_cjk(m) && (r == m || (m.chars().count() >= 2 && r.contains(m)))
                    })
            })
    };
    let kinds: Vec<(&'static [&'static str], Vec<usize>)> = lexicon::ROLE_KINDS
        .iter()
        .map(|(words, markers)| {
            let hosts = inv
                .servers()
                .filter(|(_, h)| is(h, markers))
                .map(|(i, _)| i)
                .collect();
            (*words, hosts)
        })
        .collect();
    let both = kinds.iter().enumerate().any(|(a, (_, ha))| {
        kinds[a + 1..]
            .iter()
            .any(|(_, hb)| hb.iter().any(|h| ha.contains(h)))
    });
    if both {
        return Vec::new();
    }
    kinds.into_iter().filter(|(_, h)| !h.is_empty()).collect()
}

/// The role of a server written as one side of a client/server service (`NFS 服务端`,
/// `共享客户端（只读）`): the side word and the other runs of Chinese in the role (`共享`, `只读`).
fn role_side(role: &str) -> Option<(&'static str, Vec<String>)> {
    let side = lexicon::ROLE_SIDES.iter().find(|w| role.contains(**w))?;
    let runs = role
        .replacen(side, " ", 1)
        .split(|c: char| !lexicon::is_cjk(c) || "（）".contains(c))
        .filter(|r| !r.is_empty())
        .map(str::to_string)
        .collect();
    Some((side, runs))
}

/// Where a text names one side of a client/server service by its role (`服务端配置`,
/// `在只读客户端上`, `客户端（读写）`, `全部客户端`): each mention's span and the servers whose
/// role is that side — narrowed to those whose role also says the word written right before
/// the side word or in parentheses after it. A word no such role has (`旧客户端`) names
/// nothing: the text means machines rbc cannot tell.
fn side_mentions(text: &str, inv: &Inventory) -> Vec<(usize, usize, Vec<usize>)> {
    let mut out = Vec::new();
    for side in lexicon::ROLE_SIDES {
        // Only a text that holds the side word looks at the servers (cost linear in hosts).
        if !text.contains(side) {
            continue;
        }
        let sided: Vec<(usize, Vec<String>)> = inv
            .servers()
            .filter_map(|(i, h)| {
                let (s, runs) = h.roles.iter().find_map(|r| role_side(r))?;
                (s == *side).then_some((i, runs))
            })
            .collect();
        if sided.is_empty() {
            continue;
        }
        for (pos, _) in text.match_indices(side) {
            let end = pos + side.len();
            let before = &text[..pos];
            let after = &text[end..];
            // `只读客户端` or `客户端（只读）`: the longest word of a role written there.
            let written = sided
                .iter()
                .flat_map(|(_, runs)| runs.iter())
                .filter(|q| {
                    before.ends_with(q.as_str())
                        || ["（", "("]
                            .iter()
                            .any(|o| after.starts_with(&format!("{o}{q}")))
                })
                .max_by_key(|q| q.len());
            let (start, hosts): (usize, Vec<usize>) = match written {
                Some(q) => {
                    let start = if before.ends_with(q.as_str()) {
                        pos - q.len()
                    } else {
                        pos
                    };
                    let hosts = sided
                        .iter()
                        .filter(|(_, runs)| runs.contains(q))
                        .map(|(i, _)| *i)
                        .collect();
                    (start, hosts)
                }
                None => {
                    // Another word right before the side word qualifies it in a way no role
                    // says: nothing. Counting, `所有`/`各` and place words leave it open.
                    // A Latin word before it must be the role's own (`NFS 客户端`, not
                    // `Windows 客户端`).
                    let latin = before
                        .trim_end()
                        .rsplit(|c: char| !c.is_ascii_alphanumeric())
                        .next()
                        .unwrap_or("");
                    let open = if latin.chars().any(|c| c.is_ascii_alphabetic()) {
                        inv.servers().any(|(_, h)| {
                            h.roles.iter().any(|r| {
                                r.contains(side)
                                    && r.to_ascii_lowercase().contains(&latin.to_ascii_lowercase())
                            })
                        })
                    } else {
                        !before.chars().last().is_some_and(lexicon::is_cjk)
                            || lexicon::ALL_GROUP.iter().any(|w| before.ends_with(w))
                            || lexicon::SIDE_OPENERS.iter().any(|w| before.ends_with(w))
                    };
                    if !open {
                        continue;
                    }
                    (pos, sided.iter().map(|(i, _)| *i).collect())
                }
            };
            out.push((start, end, hosts));
        }
    }
    out
}

/// A host name as a prefix and its trailing number: `app-12` → (`app-`, 12).
fn numbered(name: &str) -> Option<(&str, u32)> {
    let digits = name.len() - name.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits == 0 || digits == name.len() || digits > 4 {
        return None;
    }
    let (prefix, num) = name.split_at(name.len() - digits);
    Some((prefix, num.parse().ok()?))
}

/// The servers named `prefix` + a number in `numbers`, in inventory order.
fn numbered_hosts(inv: &Inventory, prefix: &str, keep: impl Fn(u32) -> bool) -> Vec<usize> {
    inv.servers()
        .filter(|(_, h)| {
            numbered(&h.name).is_some_and(|(p, n)| p.eq_ignore_ascii_case(prefix) && keep(n))
        })
        .map(|(i, _)| i)
        .collect()
}

/// Ranges and short lists of numbered hosts: `app-1~app-3`, `app-1～3`, `app-1至app-3`,
/// `app-1到app-3` name every host between; `app-1/2/3` and `app-1、2、3` name each number.
/// The mentions are merged into one that names them all.
fn expand_ranges(text: &str, inv: &Inventory, out: &mut Vec<Mention>) {
    const RANGE: &[&str] = &["~", "～", "至", "到", "—", "–", "-"];
    let single = |m: &Mention| (m.hosts.len() == 1 && !m.group_word).then(|| m.hosts[0]);
    let mut i = 0;
    while i < out.len() {
        let Some(first) = single(&out[i]) else {
            i += 1;
            continue;
        };
        let Some((prefix, from)) = numbered(&inv.hosts[first].name) else {
            i += 1;
            continue;
        };
        let rest_all = &text[out[i].end..];
        let rest = rest_all.trim_start();
        let pad = rest_all.len() - rest.len();
        // `app-1~app-3` (two mentions) or `app-1~3` (a bare number after the range word).
        let mut range_end: Option<(u32, usize, bool)> = None;
        for w in RANGE {
            let Some(after) = rest.strip_prefix(w) else {
                continue;
            };
            let after_trim = after.trim_start();
            let skipped = pad + rest.len() - after_trim.len();
            if let Some(next) = out.get(i + 1) {
                if next.start == out[i].end + skipped {
                    if let Some(last) = single(next) {
                        if let Some((p, to)) = numbered(&inv.hosts[last].name) {
                            if p.eq_ignore_ascii_case(prefix) && to > from {
                                range_end = Some((to, next.end, true));
                            }
                        }
                    }
                }
            }
            if range_end.is_none() {
                let digits: String = after_trim
                    .chars()
                    .take_while(|c| c.is_ascii_digit())
                    .collect();
                if let Ok(to) = digits.parse::<u32>() {
                    if to > from && *w != "-" {
                        range_end = Some((to, out[i].end + skipped + digits.len(), false));
                    }
                }
            }
            if range_end.is_some() {
                break;
            }
        }
        if let Some((to, end, two)) = range_end {
            let hosts = numbered_hosts(inv, prefix, |n| (from..=to).contains(&n));
            if hosts.len() > 1 {
                out[i].hosts = hosts;
                out[i].end = end;
                if two {
                    out.remove(i + 1);
                }
            }
            i += 1;
            continue;
        }
        // `app-1/2/3`, `app-1、2、3`: bare numbers joined to the name.
        let mut nums = vec![from];
        let mut end = out[i].end;
        loop {
            let tail = &text[end..];
            let Some(sep) = ["/", "、", ","].iter().find(|s| tail.starts_with(**s)) else {
                break;
            };
            let digits: String = tail[sep.len()..]
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            let next_char = tail[sep.len() + digits.len()..].chars().next();
            if digits.is_empty() || next_char.is_some_and(|c| c.is_ascii_alphanumeric() || c == '.')
            {
                break;
            }
            let Ok(n) = digits.parse::<u32>() else { break };
            nums.push(n);
            end += sep.len() + digits.len();
        }
        if nums.len() > 1 {
            let hosts = numbered_hosts(inv, prefix, |n| nums.contains(&n));
            if hosts.len() > 1 {
                out[i].hosts = hosts;
                out[i].end = end;
            }
        }
        i += 1;
    }
}

/// The hosts a sentence targets, if it names any. A sentence that takes hosts out
/// (`除了 node3，其他节点都执行`) targets the hosts the rest of it names — or, when it speaks of
/// the others (`其他`, `所有`, `之外的节点`), every server or the one group it names — less those.
pub fn targets(text: &str, inv: &Inventory, current_group: &[usize]) -> Option<Targets> {
    match excluded(text, inv) {
        None => named_targets(text, inv, current_group),
        Some(Err(_)) => None,
        Some(Ok(ex)) => {
            let others = || {
                ex.others
                    .then(|| match group_words(&ex.rest, inv).as_slice() {
                        [(word, hosts)] => Targets {
                            hosts: hosts.clone(),
                            how: format!("the {word} group"),
                        },
                        _ => Targets {
                            hosts: inv.servers().map(|(h, _)| h).collect(),
                            how: "every server".into(),
                        },
                    })
            };
            // `除 web-1 外的节点执行（web-1 上的包留着）`: a remark naming only hosts taken out
            // leaves the others.
            let applied = |t: Targets| ex.apply(t.hosts, &t.how, inv).ok();
            let (hosts, how) = match named_targets(&ex.rest, inv, current_group) {
                Some(t) => applied(t).or_else(|| others().and_then(applied))?,
                None => others().and_then(applied)?,
            };
            Some(Targets { hosts, how })
        }
    }
}

/// What an exclusion in a sentence takes out (see [`excluded`]).
pub struct Excluded {
    pub hosts: Vec<usize>,
    /// The words of the exclusion, as written (`除 node3 外`).
    pub phrase: String,
    /// The sentence with the exclusion blanked out (same byte offsets).
    pub rest: String,
    /// The sentence speaks of the other machines (`其他节点`, `所有`, `之外的节点`).
    pub others: bool,
}

impl Excluded {
    /// `hosts` less the ones taken out, and why; Err when none is left.
    pub fn apply(
        &self,
        hosts: Vec<usize>,
        how: &str,
        inv: &Inventory,
    ) -> Result<(Vec<usize>, String), String> {
        let left: Vec<usize> = hosts
            .into_iter()
            .filter(|h| !self.hosts.contains(h))
            .collect();
        if left.is_empty() {
            return Err(format!("says `{}`, and no host is left", self.phrase));
        }
        let names: Vec<&str> = self
            .hosts
            .iter()
            .map(|h| inv.hosts[*h].name.as_str())
            .collect();
        Ok((
            left,
            format!("{how}, except {} (`{}`)", names.join(", "), self.phrase),
        ))
    }
}

/// The hosts a sentence takes out of where the work happens (`除 node3 外`, `node1 除外`,
/// `（不包括 node1）`, `except node1`). None without such words, or when they name no host and
/// no place (`除了 1.4 外`: a section); Err when they name a place rbc cannot resolve
/// (`除数据库服务器外`): the sentence then names no hosts rbc may trust.
pub fn excluded(text: &str, inv: &Inventory) -> Option<Result<Excluded, String>> {
    let (range, named) = exclusion(text)?;
    let phrase = text[range.clone()]
        .trim_matches(|c: char| c.is_whitespace() || "，。；,;：:（(".contains(c))
        .to_string();
    // The words taken out, less the hosts they name and the words around names
    // (`node1、node2 两台`, `master 节点`): anything else makes them a clause, not a place.
    let mut hosts: Vec<usize> = Vec::new();
    let mut left = named.to_string();
    for m in all_mentions(named, inv, &[]) {
        for h in &m.hosts {
            if !hosts.contains(h) {
                hosts.push(*h);
            }
        }
        left.replace_range(m.start..m.end, &" ".repeat(m.end - m.start));
    }
    for w in lexicon::GROUP_NOUNS.iter().chain(EXCLUSION_FILLERS) {
        left = left.replace(w, " ");
    }
    let clean = left
        .chars()
        .all(|c| c.is_whitespace() || "、,，/&".contains(c) || c.is_ascii_digit());
    // `除了 1.4 的定时任务不要在 app-2 上配置外`: a clause about steps, not hosts taken out.
    let clause = lexicon::contains_any(named, EXCLUSION_CLAUSE);
    if hosts.is_empty() || !clean {
        let place = lexicon::contains_any(named, lexicon::GROUP_NOUNS)
            || !hosts.is_empty()
            || !crate::names::place_names(named).is_empty()
            || inventory::ascii_words(named)
                .iter()
                .any(|w| crate::names::sibling_of_known(inv, w));
        return (place && !clause).then(|| {
            Err(format!(
                "says `{phrase}`, but rbc cannot tell which hosts that leaves out"
            ))
        });
    }
    let mut rest = text.to_string();
    rest.replace_range(range.clone(), &" ".repeat(range.len()));
    let after = text[range.end..].trim_start().trim_start_matches('的');
    let others = lexicon::contains_any(&rest, lexicon::OTHERS)
        || lexicon::starts_with_any(after, lexicon::GROUP_NOUNS);
    Some(Ok(Excluded {
        hosts,
        phrase,
        rest,
        others,
    }))
}

fn named_targets(text: &str, inv: &Inventory, current_group: &[usize]) -> Option<Targets> {
    if lexicon::contains_any(text, lexicon::ALL_SERVERS) {
        let all: Vec<usize> = inv.servers().map(|(i, _)| i).collect();
        return Some(Targets {
            hosts: all,
            how: "every server (所有服务器)".into(),
        });
    }
    let ms = mentions(text, inv, current_group);
    if ms.is_empty() {
        return None;
    }
    let marked: Vec<&Mention> = ms.iter().filter(|m| m.marked).collect();
    // `解析到 lb-01 的地址，然后两台都执行`: no host marked as the place and a count stated —
    // the count says where (the caller reads it), not the host mentioned in passing.
    if marked.is_empty() && stated_count(text).is_some() {
        return None;
    }
    // `在 lb-01 上停止…，使 VIP 漂移到 lb-02`: the hosts inside `在…上` are where the work
    // happens; another marked host of the sentence is where something goes.
    let locus: Vec<&Mention> = locus(text)
        .and_then(|c| c.get(0))
        .map(|l| {
            marked
                .iter()
                .copied()
                .filter(|m| m.start >= l.start() && m.end <= l.end())
                .collect()
        })
        .unwrap_or_default();
    // `…到各个 worker 上拉起…，所以只有 master 需要…`: the host the sentence restricts the
    // work to.
    // (`只需要在 34、35 上`: the whole list after the word.)
    let mut only: Vec<&Mention> = Vec::new();
    let mut prev: Option<&Mention> = None;
    for m in &ms {
        let listed = prev.is_some_and(|p| {
            only.last().is_some_and(|o| std::ptr::eq(*o, p))
                && only_connectors(&text[p.end.min(m.start)..m.start])
        });
        if listed || ends_with_any(text[..m.start].trim_end(), lexicon::ONLY_HERE) {
            only.push(m);
        }
        prev = Some(m);
    }
    let chosen: Vec<&Mention> = if !only.is_empty() {
        only
    } else if !locus.is_empty() {
        locus
    } else if marked.is_empty() {
        ms.iter().collect()
    } else {
        marked
    };
    let mut hosts: Vec<usize> = Vec::new();
    for m in &chosen {
        for h in &m.hosts {
            if !hosts.contains(h) {
                hosts.push(*h);
            }
        }
    }
    let verb = if lexicon::contains_any(text, lexicon::LOGIN) {
        "login"
    } else {
        "named"
    };
    let names: Vec<&str> = hosts.iter().map(|h| inv.hosts[*h].name.as_str()).collect();
    // `在其中一台 nacos 上执行`: one of them, but which is not said.
    if hosts.len() > 1 && lexicon::contains_any(text, lexicon::ONE_OF) {
        return None;
    }
    // `任意一台 nacos 节点上执行`: any one will do; the first, and the why says so.
    if hosts.len() > 1 && lexicon::contains_any(text, lexicon::ANY_ONE) {
        return Some(Targets {
            how: format!(
                "{verb}: any one of {} (the text leaves the choice): rbc takes the first, {}",
                names.join(", "),
                names[0]
            ),
            hosts: vec![hosts[0]],
        });
    }
    Some(Targets {
        hosts,
        how: format!("{verb}: {}", names.join(", ")),
    })
}

/// `在…上`: a place phrase of at most 60 characters (the limit checked in code: crate::rx).
static LOCUS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"在([^，。；：,;:]+?)上").unwrap());

/// The first place phrase of a text.
fn locus(text: &str) -> Option<regex::Captures<'_>> {
    crate::rx::captures(&LOCUS, text, |c| crate::rx::within(c.get(1), 1, 60)).next()
}

/// The first place phrase of a text (`在…上`) when it is the jump host, by its role word
/// (`跳板机`, `堡垒机`) or by a name the inventory gives a jump host: the words naming it.
pub fn jump_place(text: &str, inv: &Inventory) -> Option<String> {
    let place = locus(text)?.get(1)?.as_str().trim();
    let by_role = lexicon::contains_any(place, lexicon::JUMP_ROLE);
    let by_name = inventory::ascii_words(place).into_iter().any(|w| {
        inv.find(w)
            .is_some_and(|i| inv.hosts[i].kind == crate::plan::HostKind::Jump)
    });
    // A place that also names a server (`在跳板机和 app-1 上`) is not only the jump host.
    let server = mentions(place, inv, &[]).iter().any(|m| !m.group_word);
    ((by_role || by_name) && !server).then(|| place.to_string())
}

/// A text that is nothing but host names or addresses (`push-01`, `web-1 (10.0.0.1)`).
/// A sentence that only says where to work: hosts and place words (`在 pg-standby 上：`,
/// `然后登录 web-2 执行：`).
/// The last sentence of a lead-in decides where its block runs when it says where: it only
/// names a place (`在 pg-standby 上：`), or it introduces the block (ends in `：`) with a place
/// phrase naming hosts (`同样在 app-2 上执行。最后在 jump-01 上统一重启一次：`).
pub fn says_where_last(last: &str, inv: &Inventory) -> bool {
    place_sentence(last, inv)
        || (last.trim_end().ends_with(['：', ':'])
            && place_phrase(last).is_some_and(|p| named_targets(p, inv, &[]).is_some()))
}

pub fn place_sentence(text: &str, inv: &Inventory) -> bool {
    const PLACE: &[&str] = &[
        "然后",
        "接着",
        "再",
        "登录",
        "登陆",
        "切换到",
        "在",
        "到",
        "上",
        "执行",
        "操作",
        "以下",
        "命令",
        "如下",
    ];
    let Some(mut rest) = without_hosts(text, inv) else {
        return false;
    };
    for w in PLACE {
        rest = rest.replace(w, " ");
    }
    rest.chars().all(|c| !c.is_alphanumeric())
}

pub fn only_hosts(text: &str, inv: &Inventory) -> bool {
    without_hosts(text, inv).is_some_and(|rest| rest.chars().all(|c| !c.is_alphanumeric()))
}

/// The text with the names and addresses of known hosts blanked; `None` when it names none.
fn without_hosts(text: &str, inv: &Inventory) -> Option<String> {
    let mut rest = text.to_string();
    let mut found = false;
    for m in TOKEN.find_iter(text) {
        let tok = m.as_str().trim_end_matches(['.', '-']);
        if inv.find(tok).is_some() || inv.by_ip(tok).is_some() {
            rest = rest.replacen(tok, " ", 1);
            found = true;
        }
    }
    found.then_some(rest)
}

/// `注意：rabbit3节点服务的部署形式，与rabbit2相同。` → (rabbit3 hosts, rabbit2 hosts).
pub fn same_as(text: &str, inv: &Inventory) -> Option<(Vec<usize>, Vec<usize>)> {
    let ms = mentions(text, inv, &[]);
    if ms.len() < 2 {
        return None;
    }
    // The model host is the last mention: before the `相同` word, introduced by `与/和/跟/同`,
    // or after `操作同` / `步骤同` (`切换到 bill-2，操作同 bill-1`).
    let last = ms.last()?;
    let before_last = text[..last.start].trim_end();
    // `web-2 与 web-1 相同`, not `kfk-02 和 kfk-03 按相同方法升级` (both do the same thing).
    let after_last = &text[last.end..];
    let tail = lexicon::SAME_AS_TAIL
        .iter()
        .filter_map(|t| after_last.find(t))
        .min()
        .is_some_and(|p| {
            !["按", "用", "以", "照"]
                .iter()
                .any(|w| after_last[..p].contains(w))
        })
        && lexicon::SAME_AS_JOIN
            .iter()
            .any(|j| before_last.ends_with(j));
    let lead = lexicon::SAME_AS_LEAD
        .iter()
        .any(|j| before_last.ends_with(j));
    if !tail && !lead {
        return None;
    }
    let mut copies: Vec<usize> = Vec::new();
    for h in ms[..ms.len() - 1].iter().flat_map(|m| m.hosts.clone()) {
        if !last.hosts.contains(&h) && !copies.contains(&h) {
            copies.push(h);
        }
    }
    if copies.is_empty() {
        return None;
    }
    Some((copies, last.hosts.clone()))
}

/// Group words in a section title (`5.2 Schedule` → schedule-1, schedule-2).
pub fn title_group(title: &str, inv: &Inventory) -> Option<Targets> {
    // Host names in the title (`5.1 web-1`, `修改 h2、h3 的配置`, `app-1~app-3`): all of them.
    let names_host = inventory::ascii_words(title).into_iter().any(|w| {
        inv.find(w)
            .is_some_and(|i| inv.hosts[i].kind == crate::plan::HostKind::Server)
    });
    if names_host {
        let mut hosts: Vec<usize> = Vec::new();
        for m in mentions(title, inv, &[])
            .into_iter()
            .filter(|m| !m.group_word)
        {
            for h in m.hosts {
                if !hosts.contains(&h) {
                    hosts.push(h);
                }
            }
        }
        if !hosts.is_empty() {
            let names: Vec<&str> = hosts.iter().map(|h| inv.hosts[*h].name.as_str()).collect();
            return Some(Targets {
                hosts,
                how: format!("section title names {}", names.join(", ")),
            });
        }
    }
    // Last octets in the title (`3.1 基础环境（34、35）`, `四、修改配置（31 ~ 35 全部）`,
    // `（在 31 上执行）`): the servers whose addresses end in them.
    if let Some(hosts) = title_octets(title, inv) {
        let names: Vec<&str> = hosts.iter().map(|h| inv.hosts[*h].name.as_str()).collect();
        return Some(Targets {
            hosts,
            how: format!("section title names {}", names.join(", ")),
        });
    }
    for word in inventory::ascii_words(title) {
        let g = inv.group(word);
        if !g.is_empty() {
            return Some(Targets {
                hosts: g,
                how: format!("section title names group {word}"),
            });
        }
    }
    // A role written in Chinese (`### 数据库节点` for hosts whose role is `数据库`).
    let mut by_role: Vec<usize> = Vec::new();
    let mut role_word = String::new();
    for i in inv.cjk_grouped() {
        if let Some(g) = inv.hosts[i]
            .group
            .as_deref()
            .filter(|g| lexicon::has_cjk(g) && g.chars().count() >= 2 && title.contains(*g))
        {
            if role_word.is_empty() || role_word == g {
                role_word = g.to_string();
                by_role.push(i);
            }
        }
    }
    if !by_role.is_empty() {
        return Some(Targets {
            hosts: by_role,
            how: format!("section title names role {role_word}"),
        });
    }
    title_side(title, inv)
}

/// `3.2 旧客户端`: a title naming a side of a client/server service that some server's role
/// is, qualified in a way no role says. It means machines rbc cannot tell — never the group of
/// an enclosing title (`3 客户端配置`). Returns the side word.
pub fn unknown_side(title: &str, inv: &Inventory) -> Option<&'static str> {
    let side = lexicon::ROLE_SIDES.iter().copied().find(|side| {
        title.contains(side)
            && inv.servers().any(|(_, h)| {
                h.roles
                    .iter()
                    .any(|r| role_side(r).is_some_and(|(s, _)| s == *side))
            })
    })?;
    side_mentions(title, inv).is_empty().then_some(side)
}

/// `2 服务端配置`, `3.3 只读客户端`: a title naming a side of a client/server service names the
/// servers whose role is that side.
fn title_side(title: &str, inv: &Inventory) -> Option<Targets> {
    let mut hosts: Vec<usize> = Vec::new();
    let mut words: Vec<&str> = Vec::new();
    for (start, end, hs) in side_mentions(title, inv) {
        words.push(&title[start..end]);
        for h in hs {
            if !hosts.contains(&h) {
                hosts.push(h);
            }
        }
    }
    (!hosts.is_empty()).then(|| Targets {
        hosts,
        how: format!("section title names role {}", words.join("、")),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn exclusions_are_found_in_each_form_as_a_pattern_would() {
        // The forms, as the pattern they replace read them (leftmost match, words trimmed).
        let pattern = regex::Regex::new(concat!(
            r"除(?:了|去|开)?\s*([^，。；,;：:（()）]+?)\s*(?:以外|之外|外)",
            r"|除(?:了|去)\s*([^，。；,;：:（()）]+?)\s*[，,]",
            r"|(?:^|[，。；,;：:（(])\s*([^，。；,;：:（()）]+?)\s*除外",
            r"|(?:不包括|不包含|不含|排除)\s*([^，。；,;：:（()）]+)",
            r"|(?i:(?-u:\b)(?:except(?:\s+for)?|but\s+not|other\s+than|excluding|apart\s+from)\s+([^,.;:()]+))",
        ))
        .unwrap();
        for text in [
            "除 node3 外的所有节点执行：",
            "除了 node3，其他节点都执行：",
            "在除 node1 之外的节点上执行：",
            "在除了 master 以外的节点上执行：",
            "node1 除外，其余节点执行：",
            "所有节点执行（master 除外）：",
            "在所有节点（不包括 es-3）上执行：",
            "除 10.7.0.11 外所有节点执行：",
            "除了 kn-1、kn-2 两台，其他节点执行：",
            "除数据库服务器外，所有节点执行：",
            "在 node2 上执行（除了日志目录外都要清理）：",
            "Run this on all nodes except kn-1:",
            "Run on every node Except For web-2, then reload.",
            "apart from db-1 and db-2, restart the agents",
            "除开 web-1 外都执行",
            "排除 web-3 之后再执行",
            "无关的句子，没有任何排除",
            "除了上面的使用mysql来恢复备份出来的*.sql文件，还可以采用下面的方式：",
        ] {
            let want = pattern.captures(text).and_then(|c| {
                let named = (1..=5).find_map(|g| c.get(g))?.as_str().trim();
                Some((c.get(0)?.range(), named))
            });
            assert_eq!(super::exclusion(text), want, "{text}");
        }
        // `删除`, `清除`: another word, never an exclusion.
        assert_eq!(super::exclusion("删除 node3 外层目录下的文件"), None);
        assert_eq!(super::exclusion("清除了 web-1，再看"), None);
    }

    use super::*;
    use crate::source::Source;
    use crate::{document, outline};

    fn inv() -> Inventory {
        let md = "登录web-1 (10.0.0.1)、web-2 (10.0.0.2)、db-1 (10.0.0.3)、cache-1 (10.0.0.4)\n\n```\n10.0.0.3 mydb\n```\n";
        let src = Source::from_text("t.md", md);
        let doc = document::read(&src);
        let mut d = Vec::new();
        let o = outline::build(&doc, &src, &mut d);
        inventory::build(&doc, &o, &src, &mut d)
    }

    fn names(inv: &Inventory, t: Option<Targets>) -> Vec<String> {
        t.map(|t| t.hosts.iter().map(|h| inv.hosts[*h].name.clone()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn login_lists_and_source_vs_target() {
        let inv = inv();
        assert_eq!(
            names(
                &inv,
                targets(
                    "分别登录web-1 (10.0.0.1) 和web-2 (10.0.0.2)，停止服务",
                    &inv,
                    &[]
                )
            ),
            ["web-1", "web-2"]
        );
        assert_eq!(
            names(
                &inv,
                targets("将mydb上的文件内容覆盖到web-2上的该文件", &inv, &[])
            ),
            ["web-2"]
        );
        assert_eq!(
            names(&inv, targets("获取mydb服务器上的内容", &inv, &[])),
            ["db-1"]
        );
        assert_eq!(
            names(&inv, targets("在10.0.0.4上执行", &inv, &[])),
            ["cache-1"]
        );
        assert_eq!(
            names(&inv, targets("配置需要在两台Web上进行", &inv, &[])),
            ["web-1", "web-2"]
        );
        assert_eq!(
            names(&inv, targets("访问Web的地址", &inv, &[])),
            Vec::<String>::new()
        );
        assert_eq!(
            names(&inv, targets("在配置文件中找到Web部分", &inv, &[])),
            Vec::<String>::new()
        );
        assert_eq!(
            targets("请在所有的服务器上添加", &inv, &[])
                .unwrap()
                .hosts
                .len(),
            4
        );
        assert_eq!(
            names(&inv, targets("在两台节点上分别查看", &inv, &[0, 1])),
            ["web-1", "web-2"]
        );
        // A count that does not fit the current group is not that group.
        assert_eq!(
            names(&inv, targets("在三台节点上分别查看", &inv, &[0, 1])),
            Vec::<String>::new()
        );
    }

    #[test]
    fn same_as_and_titles() {
        let inv = inv();
        let (copies, model) = same_as("注意：cache-1节点的部署形式，与web-2相同。", &inv).unwrap();
        assert_eq!((copies, model), (vec![3], vec![1]));
        assert_eq!(
            names(&inv, title_group("5.2 Web", &inv)),
            ["web-1", "web-2"]
        );
        assert_eq!(
            names(&inv, title_group("安装JDK", &inv)),
            Vec::<String>::new()
        );
    }

    fn inv_of(md: &str) -> Inventory {
        let src = Source::from_text("t.md", md);
        let doc = document::read(&src);
        let mut d = Vec::new();
        let o = outline::build(&doc, &src, &mut d);
        inventory::build(&doc, &o, &src, &mut d)
    }

    #[test]
    fn a_host_named_where_work_does_not_happen_is_not_a_target() {
        let inv = inv_of("登录 m-1 (10.0.0.1)、w-1 (10.0.0.2)、w-2 (10.0.0.3)\n");
        for t in [
            "m-1 上不跑 worker，不需要建：",
            "m-1上无需执行：",
            "m-1 上默认不启动这个服务：",
        ] {
            assert!(names(&inv, targets(t, &inv, &[])).is_empty(), "{t}");
        }
        assert_eq!(names(&inv, targets("m-1 上执行：", &inv, &[])), vec!["m-1"]);
        // What belongs to a host (its address) is not where the work happens.
        assert!(names(
            &inv,
            targets(
                "域名改回解析到 m-1 的实际地址 10.0.0.1，然后两台都执行：",
                &inv,
                &[]
            )
        )
        .is_empty());
    }

    #[test]
    fn a_list_of_last_octets_names_the_machines() {
        let inv = inv_of("登录 a-1 (192.168.1.131)、db-1 (192.168.1.134)、db-2 (192.168.1.135)\n");
        assert_eq!(
            names(&inv, targets("4) 数据库 134、135 单独处理：", &inv, &[])),
            vec!["db-1", "db-2"]
        );
        // A list with a number no machine ends in says nothing.
        assert!(names(&inv, targets("重试 134、200 次", &inv, &[])).is_empty());
    }

    #[test]
    fn a_one_letter_role_is_not_a_title_group() {
        let inv = inv_of("leader：10.0.0.1（主）\nfollower：10.0.0.2（从）\n");
        assert!(title_group("1. 主机名解析", &inv).is_none());
    }
}

/// How many machines a sentence speaks of without naming them (`三台都要修改`, `所有节点执行`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Count {
    All,
    Exactly(usize),
}

/// The count of machines a sentence states, if it states one.
pub fn stated_count(text: &str) -> Option<Count> {
    static N: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?:^|[^0-9.])([两二三四五六七八九十]|[1-9][0-9]?)\s*(台|个节点|个服务器|个主机|节点)",
        )
        .unwrap()
    });
    if lexicon::contains_any(text, lexicon::ALL_MACHINES) {
        return Some(Count::All);
    }
    // Not `五台的角色` (the object), not `三台物理机` (machines that run no steps).
    let c = N.captures_iter(text).find(|c| {
        let after = &text[c.get(0).map_or(0, |m| m.end())..];
        !after.starts_with('的') && !lexicon::starts_with_any(after, lexicon::NOT_SERVERS)
    })?;
    let n = match &c[1] {
        "两" | "二" => 2,
        "三" => 3,
        "四" => 4,
        "五" => 5,
        "六" => 6,
        "七" => 7,
        "八" => 8,
        "九" => 9,
        "十" => 10,
        d => d.parse().ok()?,
    };
    Some(Count::Exactly(n))
}

/// The groups a sentence names by a group or role word (`回退 NameServer，两台…`), each with
/// its word: not a word inside a path (`/etc/nginx/…`), not a last octet, not a group named as
/// where the work does not happen.
pub fn group_words(text: &str, inv: &Inventory) -> Vec<(String, Vec<usize>)> {
    let mut out: Vec<(String, Vec<usize>)> = Vec::new();
    for m in all_mentions(text, inv, &[]) {
        let word = &text[m.start..m.end];
        let in_path = text[..m.start].ends_with(['/', '.', '_', '-', '@', '$'])
            || text[m.end..].starts_with(['/', '.', '_']);
        if !m.group_word || m.negated || in_path || word.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        if !out.iter().any(|(w, h)| w == word || *h == m.hosts) {
            out.push((word.to_string(), m.hosts));
        }
    }
    out
}

/// The count a section title states as the scope of its steps: inside parentheses
/// (`二、安装（三台都执行）`, `（三台）`, `（全部 5 台服务器）`) or with `都`/`均`
/// (`两台机器都要做的准备`). A count that describes the subject (`三节点集群部署手册`) is none.
pub fn title_count(title: &str) -> Option<Count> {
    static PAREN: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[（(]([^）)]*)[）)]").unwrap());
    if let Some(n) = PAREN.captures_iter(title).find_map(|c| stated_count(&c[1])) {
        return Some(n);
    }
    if title.contains('都')
        || title.contains('均')
        || lexicon::contains_any(title, lexicon::ALL_MACHINES)
    {
        return stated_count(title);
    }
    None
}

/// The servers a count means, when only one choice fits: the current group when its size is
/// the count, else the one group of that size, else every server when they are that many.
pub fn counted_hosts(count: Count, inv: &Inventory, current_group: &[usize]) -> Option<Vec<usize>> {
    let servers: Vec<usize> = inv.servers().map(|(i, _)| i).collect();
    match count {
        Count::All => {
            let differs = !current_group.is_empty() && current_group.len() != servers.len();
            (!differs && !servers.is_empty()).then_some(servers)
        }
        Count::Exactly(n) => {
            if current_group.len() == n {
                return Some(current_group.to_vec());
            }
            let mut groups: Vec<Vec<usize>> = Vec::new();
            for h in &servers {
                let g = inv.group(inventory::stem(&inv.hosts[*h].name));
                if g.len() == n && !groups.contains(&g) {
                    groups.push(g);
                }
            }
            match groups.as_slice() {
                [one] => Some(one.clone()),
                [] if servers.len() == n => Some(servers),
                _ => None,
            }
        }
    }
}

/// The `X` of a place phrase `在X上` (`在数据库服务器上确认`), when X could be a machine.
pub fn place_phrase(text: &str) -> Option<&str> {
    // At most 24 characters (limited in code: crate::rx).
    static PLACE: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"在\s*([^，。；：,;:\s/]+?)\s*上").unwrap());
    crate::rx::captures(&PLACE, text, |c| crate::rx::within(c.get(1), 1, 24))
        .filter_map(|c| c.get(1))
        .map(|m| m.as_str())
        .find(|x| !lexicon::contains_any(x, lexicon::NOT_PLACES))
}

/// The servers a section title names by the last parts of their addresses: a list
/// (`（34、35）`), a range (`（31 ~ 35 全部）`, every number between ending one server's address)
/// or one number in a place phrase (`（在 31 上执行）`). Only when every server has an address.
fn title_octets(title: &str, inv: &Inventory) -> Option<Vec<usize>> {
    if !inv.servers_addressed() {
        return None;
    }
    let nums: Vec<u32> = if let Some(list) = octet_list(title) {
        list.iter().filter_map(|n| n.parse().ok()).collect()
    } else if let Some((from, to)) = octet_range(title) {
        (from..=to).collect()
    } else {
        static PLACE: LazyLock<Regex> = LazyLock::new(|| {
            Regex::new(r"(?:在|登录)\s*([0-9]{1,3})\s*(?:上|节点|服务器|机器|主机)").unwrap()
        });
        vec![PLACE.captures(title)?[1].parse().ok()?]
    };
    let mut hosts = Vec::new();
    for n in nums {
        let h = by_last_octet(inv, &n.to_string())?;
        if !hosts.contains(&h) {
            hosts.push(h);
        }
    }
    (!hosts.is_empty()).then_some(hosts)
}

/// `31 ~ 35`, `31-35`, `31 到 35`: a range of bare numbers (not part of an address, a port or
/// a version), at most 32 apart.
pub fn octet_range(text: &str) -> Option<(u32, u32)> {
    static RANGE: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(
            r"(?:^|[^0-9.:/A-Za-z_-])([0-9]{1,3})\s*(?:~|～|-|–|—|至|到)\s*([0-9]{1,3})(?:$|[^0-9.:/%A-Za-z_-])",
        )
        .unwrap()
    });
    let c = RANGE.captures(text)?;
    let from: u32 = c[1].parse().ok()?;
    let to: u32 = c[2].parse().ok()?;
    (1 <= from && from < to && to <= 254 && to - from <= 32).then_some((from, to))
}

/// `134、135`, `131,132,133`, `.21/.22/.23`: two or more bare numbers that could be the last
/// parts of addresses (machines named the short way).
pub fn octet_list(text: &str) -> Option<Vec<&str>> {
    static LIST: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"(?:^|[^0-9.:/-])(\.?[0-9]{1,3}(?:\s*(?:[、,，/→]|和|及|与)\s*\.?[0-9]{1,3})+)(?:$|[^0-9.:/%-])")
            .unwrap()
    });
    let c = LIST.captures(text)?;
    let nums: Vec<&str> = c
        .get(1)?
        .as_str()
        .split(['、', ',', '，', '/', '→', '和', '及', '与'])
        .map(|n| n.trim().trim_start_matches('.'))
        .collect();
    nums.iter()
        .all(|n| n.parse::<u32>().is_ok_and(|v| (1..=254).contains(&v)))
        .then_some(nums)
}

/// `除 node3 外`, `除了 node3，`, `node1 除外`, `（不包括 node1）`, `except node1`: the part of a
/// sentence that takes hosts out of where the work happens (its byte range) and the words
/// naming them, the leftmost of these forms. A scan, not a pattern: a pattern this size costs
/// more to build than every sentence of a runbook costs to scan.
pub fn exclusion(text: &str) -> Option<(std::ops::Range<usize>, &str)> {
    let found = [
        except_around(text),
        except_after(text),
        except_before(text),
        outside_of(text),
        excluding(text),
        english_except(text),
    ];
    let (range, named) = found.into_iter().flatten().min_by_key(|(r, _)| r.start)?;
    let named = named.trim();
    (!named.is_empty() && named.chars().count() <= 60).then_some((range, named))
}

/// Punctuation that ends the words of an exclusion.
const EXCLUSION_STOPS: &str = "，。；,;：:（()）";

/// The end of the clause that starts at `from`: the first stop, or the end of the text.
fn clause_end(text: &str, from: usize) -> usize {
    text[from..]
        .find(|c: char| EXCLUSION_STOPS.contains(c))
        .map_or(text.len(), |p| from + p)
}

/// Each `除` that starts an exclusion (not the `除` of `删除`, `清除`, `去除`…), and where the
/// words after it (and after `了`/`去`/`开`) begin: (start of `除`, after the lead, had a lead).
fn except_leads(text: &str) -> impl Iterator<Item = (usize, usize, bool)> + '_ {
    text.match_indices('除').filter_map(|(at, _)| {
        let word = text[..at]
            .chars()
            .next_back()
            .is_some_and(|c| "删去清移解消剔拆免根革废".contains(c));
        if word || text[at..].starts_with("除外") {
            return None;
        }
        let after = at + '除'.len_utf8();
        let lead = ["了", "去", "开"]
            .iter()
            .find(|l| text[after..].starts_with(**l));
        Some((at, after + lead.map_or(0, |l| l.len()), lead.is_some()))
    })
}

/// `除 X 外`, `除了 X 以外`, `除 X 之外`: the first `外` of the clause after the words.
fn except_around(text: &str) -> Option<(std::ops::Range<usize>, &str)> {
    except_leads(text).find_map(|(at, from, _)| {
        let end = clause_end(text, from);
        let body = &text[from..end];
        let (p, _) = body
            .char_indices()
            .skip(1)
            .find(|(p, _)| body[*p..].starts_with('外'))?;
        let before = &body[..p];
        let named = before
            .strip_suffix('以')
            .or_else(|| before.strip_suffix('之'))
            .unwrap_or(before)
            .trim();
        (!named.is_empty()).then(|| (at..from + p + '外'.len_utf8(), named))
    })
}

/// `除了 X，其他…`: the words up to a comma.
fn except_after(text: &str) -> Option<(std::ops::Range<usize>, &str)> {
    except_leads(text).find_map(|(at, from, lead)| {
        if !lead || text[at..].starts_with("除开") {
            return None;
        }
        let end = clause_end(text, from);
        let comma = text[end..]
            .chars()
            .next()
            .filter(|c| *c == '，' || *c == ',')?;
        let named = text[from..end].trim();
        (!named.is_empty()).then(|| (at..end + comma.len_utf8(), named))
    })
}

/// `X 除外`: the clause before it, from the stop before it (or the start of the text).
fn except_before(text: &str) -> Option<(std::ops::Range<usize>, &str)> {
    text.match_indices("除外").find_map(|(at, _)| {
        let start = text[..at]
            .char_indices()
            .rev()
            .find(|(_, c)| EXCLUSION_STOPS.contains(*c))
            .map_or(0, |(p, _)| p);
        let from = if start == 0 && !text.starts_with(|c| EXCLUSION_STOPS.contains(c)) {
            0
        } else {
            start + text[start..].chars().next().map_or(0, char::len_utf8)
        };
        let named = text[from..at].trim();
        (!named.is_empty()).then(|| (start..at + "除外".len(), named))
    })
}

/// `master 以外的三台节点`, `X 之外的机器` (no `除`): the clause before the words.
fn outside_of(text: &str) -> Option<(std::ops::Range<usize>, &str)> {
    ["以外的", "之外的"]
        .iter()
        .filter_map(|w| {
            let at = text.find(w)?;
            if text[..at].ends_with(|c| "除了去开".contains(c)) || text[..at].contains('除') {
                return None;
            }
            let start = text[..at]
                .char_indices()
                .rev()
                .find(|(_, c)| EXCLUSION_STOPS.contains(*c))
                .map_or(0, |(p, c)| p + c.len_utf8());
            let named = text[start..at].trim();
            (!named.is_empty()).then(|| (start..at + w.len() - "的".len(), named))
        })
        .min_by_key(|(r, _)| r.start)
}

/// `不包括 X`, `不包含 X`, `不含 X`, `排除 X`: the words up to the next stop.
fn excluding(text: &str) -> Option<(std::ops::Range<usize>, &str)> {
    ["不包括", "不包含", "不含", "排除"]
        .iter()
        .filter_map(|w| {
            let at = text.find(w)?;
            let end = clause_end(text, at + w.len());
            let named = text[at + w.len()..end].trim();
            (!named.is_empty()).then_some((at..end, named))
        })
        .min_by_key(|(r, _)| r.start)
}

/// `except X`, `but not X`, `other than X`, `excluding X`, `apart from X` (any case, a word of
/// its own): the words up to `,` `.` `;` `:` or a parenthesis.
fn english_except(text: &str) -> Option<(std::ops::Range<usize>, &str)> {
    const WORDS: &[&str] = &[
        "except for",
        "except",
        "but not",
        "other than",
        "excluding",
        "apart from",
    ];
    let b = text.as_bytes();
    (0..b.len()).find_map(|at| {
        if !b"eboaEBOA".contains(&b[at])
            || at > 0 && (b[at - 1].is_ascii_alphanumeric() || b[at - 1] == b'_')
        {
            return None;
        }
        let w = WORDS.iter().find(|w| {
            b.get(at..at + w.len())
                .is_some_and(|x| x.eq_ignore_ascii_case(w.as_bytes()))
        })?;
        let from = at + w.len();
        if !b.get(from).is_some_and(u8::is_ascii_whitespace) {
            return None;
        }
        let end = text[from..]
            .find([',', '.', ';', ':', '(', ')'])
            .map_or(text.len(), |p| from + p);
        let named = text[from..end].trim();
        (!named.is_empty()).then_some((at..end, named))
    })
}

/// Words around host names in an exclusion (`node1、node2 两台`, `master 这台`).
const EXCLUSION_FILLERS: &[&str] = &[
    "和", "及", "以及", "与", "跟", "还有", "这", "那", "两台", "三台", "几台", "台", "个", "的",
    "号", "and", "or",
];

/// Words that make an exclusion a clause about steps, not hosts (`除了 1.4 的任务不要在 app-2 上
/// 配置外`).
const EXCLUSION_CLAUSE: &[&str] = &[
    "不", "要", "在", "上", "配置", "执行", "操作", "安装", "任务", "步骤", "之前", "之后", "已经",
];

/// Every server a text names: names, aliases, addresses, the last number of one address, and
/// group words (`master`, `worker`), wherever they stand. For the words of an exclusion.
pub fn named_servers(text: &str, inv: &Inventory) -> Vec<usize> {
    let mut hosts: Vec<usize> = Vec::new();
    for m in all_mentions(text, inv, &[]) {
        for h in m.hosts {
            if !hosts.contains(&h) {
                hosts.push(h);
            }
        }
    }
    hosts
}
