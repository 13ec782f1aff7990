//! The exception of a repeat (`app-2 与 app-1 操作相同，但 server.port 改为 8082。除了 1.4 外，其余
//! 照做。`), read when every clause of it is precise: the sections it leaves out, and the words a
//! step must show to be touched by what changes (the key changed, its new and old values, the
//! words of a remark). Anything vaguer (`但 IP 要换成本机的`, `注意端口不同`) is not read: the
//! caller keeps every copied step manual.

use std::sync::LazyLock;

use regex::Regex;

use crate::lexicon;
use crate::outline::Outline;

/// What an exception says, read whole.
#[derive(Debug, Default, PartialEq)]
pub(super) struct Exception {
    /// Sections the copies leave out (`除了 1.4 …外`, `1.4 不用做`, `跳过 1.4`).
    pub skip: Vec<usize>,
    /// Words that make a copied step manual on the copies when its text shows one.
    pub terms: Vec<String>,
}

/// Says the copies do not do something (`不要在 app-2 上配置`, `无需`, `跳过`).
const LEAVE_OUT: &[&str] = &[
    "不要",
    "不用",
    "无需",
    "不需要",
    "不必",
    "跳过",
    "不做",
    "不执行",
    "不配置",
    "省略",
    "除外",
];
/// Says the rest is done as written (`其余 1.1 ~ 1.6 全部照做`).
const AS_WRITTEN: &[&str] = &[
    "照做",
    "照常",
    "都做",
    "都要做",
    "全部执行",
    "都执行",
    "不变",
];
/// Words too general to find in a step's text (`IP 改为本机 IP`): the exception is vague.
const GENERIC: &[&str] = &[
    "ip", "port", "host", "hostname", "name", "id", "path", "dir", "user", "password", "config",
    "conf", "value", "values", "key",
];

static SECTION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:第\s*)?([0-9]+(?:\.[0-9]+)*)\s*(?:节|章|小节|步)?").unwrap());
static WORD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9_][A-Za-z0-9_./:-]*").unwrap());

/// Reads the exception (`text` from its first word: `但…`, `除了…`); `None` when any clause of
/// it is not precise. `model_texts` are the texts of the steps being copied: the old value of a
/// key the exception changes (`server.port=8081`) is a word of the exception too.
pub(super) fn read(text: &str, outline: &Outline, model_texts: &[&str]) -> Option<Exception> {
    let mut ex = Exception::default();
    let clauses = text
        .split([
            '。', '；', ';', '，', ',', '！', '!', '（', '）', '(', ')', '\n',
        ])
        .map(str::trim)
        .filter(|c| !c.is_empty());
    for clause in clauses {
        let mut c = clause;
        for w in lexicon::EXCEPTION {
            c = c.strip_prefix(w).unwrap_or(c).trim_start();
        }
        if c.is_empty() {
            continue;
        }
        let changes = lexicon::REPEAT_CHANGES
            .iter()
            .filter_map(|w| c.find(w).map(|p| (p, w.len())))
            .min();
        // Section numbers: `1.4`, `第 3 节` (a bare `8082` is no section).
        let refs: Vec<String> = SECTION
            .captures_iter(c)
            .filter(|m| m[1].contains('.') || m[0].trim_end() != &m[1])
            .map(|m| m[1].to_string())
            .collect();
        let leaves_out = lexicon::contains_any(c, LEAVE_OUT) || clause.starts_with('除');
        if changes.is_none() && !refs.is_empty() && leaves_out {
            // `除了 1.4 的定时同步任务不要在 app-2 上配置外`: 1.4 is left out — if it exists.
            for r in &refs {
                ex.skip.push(outline.by_number(r)?);
            }
            continue;
        }
        if changes.is_none() && lexicon::contains_any(c, AS_WRITTEN) {
            continue; // `其余 1.1 ~ 1.6 全部照做`
        }
        let words = |s: &str| -> Vec<String> {
            WORD.find_iter(s)
                .map(|m| {
                    m.as_str()
                        .trim_end_matches(['.', ':', '/', '-'])
                        .to_string()
                })
                .filter(|w| !w.is_empty())
                .collect()
        };
        let precise = |w: &String| !GENERIC.contains(&w.to_ascii_lowercase().as_str());
        match changes {
            // `server.port 改为 8082`: what changes must be named precisely, before the verb.
            Some((p, len)) => {
                let subject = words(&c[..p]);
                if subject.is_empty() || !subject.iter().all(precise) {
                    return None;
                }
                for key in &subject {
                    ex.terms.extend(old_values(key, model_texts));
                }
                ex.terms.extend(subject);
                ex.terms
                    .extend(words(&c[p + len..]).into_iter().filter(precise));
            }
            // A remark (`8081 已被 recon-server 占用`): its precise words count as changes too.
            None => {
                let ws = words(c);
                if ws.is_empty() || !ws.iter().all(precise) {
                    return None;
                }
                ex.terms.extend(ws);
            }
        }
    }
    ex.terms.retain(|t| t.len() >= 2);
    ex.terms.sort();
    ex.terms.dedup();
    ex.skip.sort();
    ex.skip.dedup();
    (!ex.terms.is_empty() || !ex.skip.is_empty()).then_some(ex)
}

/// `server.port=8081` / `port: 8081` in the copied steps: `8081`.
fn old_values(key: &str, texts: &[&str]) -> Vec<String> {
    let Ok(re) = Regex::new(&format!(r"{}\s*[=:]\s*([^\s#;]+)", regex::escape(key))) else {
        return Vec::new();
    };
    texts
        .iter()
        .flat_map(|t| {
            re.captures_iter(t)
                .map(|c| c[1].trim_matches(['"', '\'']).to_string())
        })
        .filter(|v| v.len() >= 2)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document;
    use crate::source::Source;

    fn outline(md: &str) -> Outline {
        let src = Source::from_text("t.md", md);
        let doc = document::read(&src);
        crate::outline::build(&doc, &src, &mut Vec::new())
    }

    const MD: &str =
        "## 部署\n\n### 1. a 部署\n\n#### 1.1 用户\n\n#### 1.2 定时任务\n\n### 2. b 部署\n";

    #[test]
    fn sections_left_out_and_keys_changed() {
        let o = outline(MD);
        let ex = read(
            "但 server.port 改为 8082（8081 已被 x-server 占用）。除了 1.2 的定时任务不要在 b 上配置外，其余 1.1 ~ 1.2 全部照做。",
            &o,
            &["server.port=8081\nother=1"],
        )
        .unwrap();
        assert_eq!(ex.skip.len(), 1);
        assert_eq!(o.sections[ex.skip[0]].written, "1.2");
        assert_eq!(ex.terms, ["8081", "8082", "server.port", "x-server"]);
    }

    #[test]
    fn vague_exceptions_are_not_read() {
        let o = outline(MD);
        for text in [
            "但 IP 要换成本机的",
            "但是端口改为 8082",
            "但注意配置不同",
            "不同的是 port 改为 9000",
        ] {
            assert_eq!(read(text, &o, &[]), None, "{text}");
        }
    }

    #[test]
    fn a_left_out_section_must_exist() {
        let o = outline(MD);
        assert_eq!(read("但 7.3 不用做", &o, &[]), None);
        let ex = read("但跳过 1.1", &o, &[]).unwrap();
        assert_eq!(o.sections[ex.skip[0]].written, "1.1");
    }
}
