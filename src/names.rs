//! Host names the text uses where work happens (a prompt, `登录X`, `在X、Y上`) that no declaration
//! gave: a writer's slip one or two edits from a known name (an error with `did you mean`), or a
//! machine named without an IP (registered, so its steps have a host and its bundle checks the name).

use std::sync::LazyLock;

use regex::Regex;

use crate::diagnostic::Diagnostic;
use crate::document::{Document, ElementKind};
use crate::inventory::Inventory;
use crate::lexicon;
use crate::plan::HostKind;
use crate::source::Source;

const NAME: &str = r"[A-Za-z][A-Za-z0-9_-]*[A-Za-z0-9]";

/// Lists of names in the places a sentence says work happens.
static PLACES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    let list = format!(r"({NAME}(?:\s*(?:、|,|，|/|和|及|与|~|～|至)\s*{NAME})*)");
    let octets = r"([0-9]{1,3}(?:\s*(?:、|,|，|/|和)\s*[0-9]{1,3})*)";
    [
        format!(r"(?:登录|登陆|切换到|ssh\s+(?:[A-Za-z0-9_.-]+@)?)(?:到)?\s*{list}"),
        // `在 130 上`, `130 上另外…`: machines by the last part of their address.
        format!(r"在\s*{octets}\s*(?:节点|服务器|主机|机器)?\s*上"),
        format!(r"(?:^|[，。；：\s]){octets}\s*(?:节点|服务器|主机|机器)?\s*上"),
        format!(r"在\s*{list}\s*(?:节点|服务器|主机|机器)?\s*(?:上|本机|本地)"),
        format!(r"{list}\s*(?:节点|服务器|主机|机器)?\s*上(?:执行|操作|运行|进行|做)"),
    ]
    .iter()
    .map(|r| Regex::new(r).unwrap())
    .collect()
});

static SEPARATORS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\s*(?:、|,|，|/|和|及|与)\s*").unwrap());
static RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^([A-Za-z][A-Za-z0-9_-]*?)([0-9]+)\s*(?:~|～|至)\s*([A-Za-z][A-Za-z0-9_-]*?)?([0-9]+)$",
    )
    .unwrap()
});

/// The names a sentence puts in a place where work happens (`登录rabbt2`, `在 node1、node2 上`,
/// `登录 web-01 ~ web-06`, every name of the range).
pub fn place_names(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for re in PLACES.iter() {
        for c in re.captures_iter(text) {
            // `ssh root@10.0.0.1`: the user, not a machine.
            if text[c.get(0).map_or(0, |m| m.end())..].starts_with('@') {
                continue;
            }
            for n in SEPARATORS.split(&c[1]) {
                for n in expand_range(n.trim()) {
                    // `登录 mysql 执行`: a client program, not a machine.
                    let program = lexicon::CLIENT_PROGRAMS
                        .iter()
                        .any(|p| p.eq_ignore_ascii_case(&n));
                    if !n.is_empty() && !program && !out.contains(&n) {
                        out.push(n);
                    }
                }
            }
        }
    }
    out
}

/// `web-01 ~ web-06` → web-01 … web-06 (the width of the numbers kept); anything else as it is.
fn expand_range(item: &str) -> Vec<String> {
    let Some(c) = RANGE.captures(item) else {
        return vec![item.to_string()];
    };
    let stem = &c[1];
    let same_stem = c.get(3).map_or(true, |m| m.as_str() == stem);
    let (Ok(from), Ok(to)) = (c[2].parse::<u32>(), c[4].parse::<u32>()) else {
        return vec![item.to_string()];
    };
    if !same_stem || to <= from || to - from > 64 {
        return vec![item.to_string()];
    }
    let width = c[2].len();
    (from..=to).map(|n| format!("{stem}{n:0width$}")).collect()
}

/// Machine-like names (`web-03`) the text puts where work happens (prompts, `在…上`) that the
/// inventory does not have: while there are any, rbc cannot say it knows every server.
pub fn unknown_machines(doc: &Document, inv: &Inventory) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |n: String| {
        if host_like(&n) && inv.find(&n).is_none() && !out.contains(&n) {
            out.push(n);
        }
    };
    for element in &doc.elements {
        match &element.kind {
            ElementKind::Code { content, .. } => {
                content
                    .lines()
                    .filter_map(crate::classify::prompt_host)
                    .for_each(&mut add);
            }
            ElementKind::Paragraph { text }
            | ElementKind::ListItem { text, .. }
            | ElementKind::Heading { text, .. } => place_names(text).into_iter().for_each(&mut add),
            _ => {}
        }
    }
    out
}

/// `redis-c` beside a known `redis-a`, `kafka-04` beside `kafka-01`: a name of the same family
/// (the same stem, and a last part of the same shape: a number of the same width, or one letter).
pub fn sibling_of_known(inv: &Inventory, word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    if inv.find(&lower).is_some() || lower.contains('.') {
        return false;
    }
    let (stem, tail) = family_split(&lower);
    if stem.len() < 2 || tail.is_empty() {
        return false;
    }
    let sibling = |h: &crate::inventory::Host| {
        let (kstem, ktail) = family_split(&h.name);
        kstem == stem && same_shape(tail, ktail)
    };
    match inv.family(stem) {
        Some(family) => family.iter().any(|&i| sibling(&inv.hosts[i])),
        None => inv.servers().any(|(_, h)| sibling(h)),
    }
}

/// `redis-a` → (`redis-`, `a`); `kafka-04` → (`kafka-`, `04`); `node3` → (`node`, `3`).
pub(crate) fn family_split(name: &str) -> (&str, &str) {
    let (stem, number) = split_number(name);
    if !number.is_empty() {
        return (stem, number);
    }
    match name.rsplit_once(['-', '_']) {
        Some((s, t)) if t.len() == 1 => (&name[..s.len() + 1], t),
        _ => (name, ""),
    }
}

fn same_shape(a: &str, b: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    let letter = |s: &str| s.len() == 1 && s.chars().all(|c| c.is_ascii_alphabetic());
    (digits(a) && digits(b) && a.len() == b.len()) || (letter(a) && letter(b))
}

/// A runbook whose text names several machines (prompts, `在 a、b 上`, addresses in its prose)
/// while no server was found: an error, never a dist with only a jump bundle.
pub fn none_found(doc: &Document, inv: &Inventory, source: &Source) -> Option<Diagnostic> {
    if inv.servers().next().is_some() {
        return None;
    }
    let mut named: Vec<(String, usize)> = Vec::new();
    for element in &doc.elements {
        let (words, line): (Vec<String>, usize) = match &element.kind {
            ElementKind::Code {
                content,
                first_line,
                ..
            } => (
                content
                    .lines()
                    .filter_map(crate::classify::prompt_host)
                    .collect(),
                *first_line,
            ),
            ElementKind::Paragraph { text }
            | ElementKind::ListItem { text, .. }
            | ElementKind::Heading { text, .. } => {
                let mut w: Vec<String> = place_names(text)
                    .into_iter()
                    .filter(|n| host_like(n))
                    .collect();
                w.extend(crate::inventory::ips_in(text));
                (w, element.line)
            }
            _ => continue,
        };
        for w in words {
            if !w.starts_with("localhost") && !named.iter().any(|(n, _)| *n == w) {
                named.push((w, line));
            }
        }
    }
    if named.len() < 2 {
        return None;
    }
    let list: Vec<&str> = named.iter().take(6).map(|(n, _)| n.as_str()).collect();
    let line = named[0].1;
    let start = source.line_start(line);
    Some(
        Diagnostic::error(
            "E031",
            format!(
                "the runbook names machines ({}{}) but rbc found no server in it",
                list.join(", "),
                if named.len() > 6 { ", …" } else { "" }
            ),
        )
        .at(source, start..start + source.line_text(line).len())
        .help("declare the servers once: a table `主机名 | IP | 角色`, `name (IP)` in a sentence, or `- name：IP` items"),
    )
}

/// A name that looks like a machine's: letters, then a number at the end (`node2`, `kafka-03`).
pub fn host_like(name: &str) -> bool {
    let (stem, number) = split_number(name);
    !number.is_empty()
        && stem.chars().filter(|c| c.is_ascii_alphabetic()).count() >= 2
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `kafka-03` → (`kafka-`, `03`).
pub(crate) fn split_number(name: &str) -> (&str, &str) {
    let stem = name.trim_end_matches(|c: char| c.is_ascii_digit());
    (stem, &name[stem.len()..])
}

/// The known host `name` is a slip of: the same trailing number and a stem one or two edits
/// away (`rabbt2` for `rabbit2`). A different number is another machine (`node4`, not `node1`).
pub fn slip_of(inv: &Inventory, name: &str) -> Option<(usize, String)> {
    let lower = name.to_ascii_lowercase();
    let (stem, number) = split_number(&lower);
    // Without a number (`redis-a`, `redis-b`) names in a family differ by a letter: no slip.
    if stem.len() < 3 || number.is_empty() {
        return None;
    }
    let mut best: Option<(usize, usize, String)> = None;
    let mut consider = |i: usize, known: &str| {
        let (kstem, knumber) = split_number(known);
        if knumber != number || kstem == stem {
            return;
        }
        let d = strsim::levenshtein(stem, kstem);
        let limit = if kstem.len() >= 6 { 2 } else { 1 };
        if d <= limit && best.as_ref().map_or(true, |b| d < b.0) {
            best = Some((d, i, known.to_string()));
        }
    };
    match inv.numbered(number) {
        Some(candidates) => candidates.iter().for_each(|(i, k)| consider(*i, k)),
        None => {
            for (i, h) in inv.hosts.iter().enumerate() {
                for known in std::iter::once(&h.name).chain(h.aliases.iter()) {
                    consider(i, &known.to_ascii_lowercase());
                }
            }
        }
    }
    best.map(|(_, i, known)| (i, known))
}

/// `unknown host rabbt2 — did you mean rabbit2 (rabbit-mq-2)?`
pub fn slip_error(inv: &Inventory, name: &str, host: usize, known: &str) -> Diagnostic {
    let full = &inv.hosts[host].name;
    let also = if full != known {
        format!(" ({full})")
    } else {
        String::new()
    };
    Diagnostic::error(
        "E030",
        format!("unknown host `{name}` — did you mean `{known}`{also}?"),
    )
}

/// Registers the machines that prompts and place sentences name but no declaration gave, and
/// reports the names that are slips of known ones. A sentence's name counts when it is one of a
/// family (another name with its stem is known or named too); a prompt's name always does.
pub fn register(doc: &Document, inv: &mut Inventory, source: &Source, diags: &mut Vec<Diagnostic>) {
    // (name, line, span, from a prompt)
    let mut seen: Vec<(String, usize, std::ops::Range<usize>, bool)> = Vec::new();
    for element in &doc.elements {
        match &element.kind {
            ElementKind::Code {
                content,
                first_line,
                ..
            } => {
                for (n, l) in content.lines().enumerate() {
                    if let Some(name) = crate::classify::prompt_host(l) {
                        let line = first_line + n;
                        let start = source.line_start(line);
                        seen.push((name, line, start..start + l.len(), true));
                    }
                }
            }
            ElementKind::Paragraph { text }
            | ElementKind::ListItem { text, .. }
            | ElementKind::Heading { text, .. } => {
                for name in place_names(text) {
                    seen.push((name, element.line, element.span.clone(), false));
                }
            }
            _ => {}
        }
    }
    // How many names (found, or already hosts) have each stem: one lookup per name read.
    let mut stems: std::collections::HashMap<String, usize> = Default::default();
    for n in seen
        .iter()
        .map(|(n, ..)| n.as_str())
        .chain(inv.hosts.iter().map(|h| h.name.as_str()))
        .filter(|n| host_like(n))
    {
        *stems
            .entry(split_number(&n.to_ascii_lowercase()).0.to_string())
            .or_default() += 1;
    }
    // Siblings of the hosts known so far, named in sentences (`在所有节点执行（redis-a、redis-b、
    // redis-c）` once redis-a and redis-b are known from prompts): machines of the same family.
    let known_now: Vec<(String, usize, std::ops::Range<usize>)> = doc
        .elements
        .iter()
        .filter_map(|e| match &e.kind {
            ElementKind::Paragraph { text }
            | ElementKind::ListItem { text, .. }
            | ElementKind::Heading { text, .. } => Some((text, e)),
            _ => None,
        })
        .flat_map(|(text, e)| {
            crate::inventory::ascii_words(text)
                .into_iter()
                .map(move |w| (w.to_string(), e.line, e.span.clone()))
        })
        .collect();
    let mut reported: Vec<String> = Vec::new();
    let prompts_first: Vec<_> = seen.iter().filter(|x| x.3).cloned().collect();
    let rest: Vec<_> = seen.into_iter().filter(|x| !x.3).collect();
    let mut seen = prompts_first;
    seen.extend(rest);
    let places = seen.len();
    seen.extend(
        known_now
            .into_iter()
            .map(|(w, line, span)| (w, line, span, false)),
    );
    for (k, (name, line, span, prompt)) in seen.into_iter().enumerate() {
        // Any other word of a sentence counts only as a sibling of a known host.
        if k >= places && !sibling_of_known(inv, &name) {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        if inv.find(&lower).is_some() || reported.contains(&lower) {
            continue;
        }
        if lower.starts_with("localhost") || lower.contains('.') {
            continue;
        }
        if let Some((host, known)) = slip_of(inv, &lower) {
            reported.push(lower.clone());
            diags.push(
                slip_error(inv, &name, host, &known)
                    .at(source, span)
                    .help(format!("write the host's name as `rbc hosts` lists it (`{known}`); rbc does not guess which host is meant")),
            );
            continue;
        }
        let stem = split_number(&lower).0;
        let family = (host_like(&lower) && stems.get(stem).is_some_and(|&n| n > 1))
            || sibling_of_known(inv, &lower);
        if !(prompt || family) {
            continue;
        }
        let i = inv.hosts.len();
        inv.declare(
            &lower,
            None,
            HostKind::Server,
            line,
            source,
            span.clone(),
            diags,
        );
        if inv.hosts.len() > i {
            diags.push(
                Diagnostic::note(
                    "N002",
                    format!("`{lower}` is named here without an IP: rbc takes it as a machine; its bundle checks the host name only"),
                )
                .at(source, span)
                .help("give its address once, e.g. `node2 (10.0.0.12)`, or list it in a host table"),
            );
        }
    }
}

/// The known names (names and aliases) nearest to `word`, nearest first, at most three: for a
/// name given on the command line (`--host api1` → `api-1`). Case, `-`, `_` and `.` are ignored;
/// a name that contains the other counts as one edit away.
pub fn nearest(inv: &Inventory, word: &str) -> Vec<String> {
    let norm = |s: &str| -> String {
        s.to_lowercase()
            .chars()
            .filter(|c| !matches!(c, '-' | '_' | '.'))
            .collect()
    };
    let w = norm(word);
    if w.is_empty() {
        return Vec::new();
    }
    let mut scored: Vec<(usize, String)> = Vec::new();
    for h in &inv.hosts {
        for known in std::iter::once(&h.name).chain(h.aliases.iter()) {
            let k = norm(known);
            let d = if k == w {
                0
            } else if (k.contains(&w) || w.contains(&k)) && k.len().min(w.len()) >= 3 {
                1
            } else {
                strsim::levenshtein(&w, &k)
            };
            let limit = (k.chars().count().max(w.chars().count()) / 3).max(1);
            let name = if known == &h.name {
                h.name.clone()
            } else {
                format!("{} ({})", known, h.name)
            };
            if d <= limit && !scored.iter().any(|s| s.1 == name) {
                scored.push((d, name));
            }
        }
    }
    scored.sort();
    // The same name but for case or separators: that one only.
    if scored.first().is_some_and(|s| s.0 == 0) {
        scored.retain(|s| s.0 == 0);
    }
    scored.into_iter().take(3).map(|s| s.1).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn place_names_in_sentences() {
        assert_eq!(place_names("登录rabbt2服务器上, 先启动"), vec!["rabbt2"]);
        assert_eq!(
            place_names("在 node1、node2、node3 上执行"),
            vec!["node1", "node2", "node3"]
        );
        assert_eq!(place_names("hadoop2上执行 start-yarn.sh"), vec!["hadoop2"]);
        assert!(place_names("在/etc/hosts中增加").is_empty());
        assert!(place_names("ssh root@10.12.0.1 后执行").is_empty());
        assert_eq!(place_names("ssh root@node2 后执行"), vec!["node2"]);
        assert_eq!(
            place_names("登录 web-01 ~ web-03，确认端口"),
            vec!["web-01", "web-02", "web-03"]
        );
    }

    #[test]
    fn host_like_names() {
        assert!(host_like("node2"));
        assert!(host_like("kafka-03"));
        assert!(!host_like("jdk"));
        assert!(!host_like("v2"));
        assert!(!host_like("jdk1.8"));
    }
}
