//! Credentials written in a runbook (SPEC §5.1): found wherever they are (a config line, a client
//! option, an SQL grant, a command's shown output), warned about once (W037), and never shown: what
//! people read (plan.json, the checklist, a manual step's text, logs, the terminal) has the key and
//! `***`. Only what runs keeps the value: a step's action, and the bundle's files (content files
//! holding one are mode 0600).

use std::ops::Range;
use std::sync::{LazyLock, OnceLock};

use regex::Regex;

use crate::diagnostic::Diagnostic;
use crate::plan::{Action, Plan};
use crate::source::Source;

/// A credential in a text: what names it, and where its value is.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub key: String,
    pub value: Range<usize>,
}

/// `password=…`, `db.password: …`, `{default_pass, <<"…">>}`, `token = "…"`, `--password=…`:
/// a value of at least 4 characters (checked in code: crate::rx).
static KEY_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?i)(?-u:\b)([a-z_]*(?:pass(?:word|wd)?|secret|token)[a-z_]*)(?-u:\b)["']?\s*[:=,]\s*(?:<<)?["']?([^\s"'<>{}(),;]+)"#).unwrap()
});
/// A MySQL-family client on the line: its `-pSECRET` is a password.
static MYSQL_CLIENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"(?:^|[\s/;|&(`'"])(?:mysql|mysqldump|mysqladmin|mysqlimport|mysqlcheck|mysqlshow|mariadb|mariadb-dump)(?:\s|$)"#).unwrap()
});
static GLUED_P: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?:^|\s)-p(?:'([^']+)'|"([^"]+)"|([^\s'"-][^\s]*))"#).unwrap());
/// `identified by 'SECRET'`, `IDENTIFIED WITH mysql_native_password BY "…"`, `by password '…'`.
static IDENTIFIED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r#"(?i)(?-u:\b)identified\s+(?:with\s+\S+\s+)?by\s+(?:password\s+)?(?:'([^']*)'|"([^"]*)")"#,
    )
    .unwrap()
});
/// A value as the shell reads it: `'…'`, `"…"` or a bare word (one of the three groups).
macro_rules! word {
    () => {
        r#"(?:'([^']+)'|"([^"]+)"|([^\s'"|;&]+))"#
    };
}

/// The same, not an option (`-p --authenticationDatabase admin` asks for the password).
macro_rules! value {
    () => {
        r#"(?:'([^']+)'|"([^"]+)"|([^\s'"|;&-][^\s'"|;&]*))"#
    };
}

/// Commands and directives that take a credential as an argument, each with the name rbc shows
/// for it and a word the line must hold (ASCII, any case) before the pattern is tried (the value
/// is the first group that matched).
/// Each pattern is compiled the first time a line holds its word (most runbooks hold none).
const COMMAND_FORMS: [(&str, &str, &str); 22] = [
    // `redis-cli -a x`, `redis-cli --pass x`
    (
        "-a",
        "redis-cli",
        r#"(?-u:\b)redis-cli(?-u:\b).*?\s(?:-a|--pass)\s+(?:'([^']+)'|"([^"]+)"|([^\s'"]+))"#,
    ),
    // `sshpass -p 'x' ssh …`, `sshpass -px …`
    (
        "sshpass password",
        "sshpass",
        concat!(r"(?-u:\b)sshpass\s+(?:-[a-oq-zA-Z]\S*\s+)*-p\s*", word!()),
    ),
    // `rabbitmqctl add_user admin x`, `change_password admin x`
    (
        "rabbitmqctl add_user",
        "rabbitmqctl",
        concat!(
            r#"(?-u:\b)rabbitmqctl(?-u:\b).*?\s(?:add_user|change_password)\s+(?:'[^']*'|"[^"]*"|\S+)\s+"#,
            word!()
        ),
    ),
    // `curl -u elastic:x`, `--user admin:x`
    (
        "curl -u",
        "curl",
        r#"(?-u:\b)curl(?-u:\b).*?\s(?:-u\s*|--user[\s=]+)(?:'[^':]*:([^']+)'|"[^":]*:([^"]+)"|[^\s'":]*:([^\s'"]+))"#,
    ),
    // Redis: `requirepass x` (a directive, or after `config set`), `masterauth x`, `AUTH x`
    (
        "requirepass",
        "requirepass",
        concat!(r#"(?i)(?:^|[\s'"])requirepass\s+"#, word!()),
    ),
    (
        "masterauth",
        "masterauth",
        concat!(r#"(?i)(?:^|[\s'"])masterauth\s+"#, word!()),
    ),
    (
        "AUTH",
        "auth",
        concat!(r"(?i)(?:^\s*|>\s*)auth\s+", word!(), r"\s*$"),
    ),
    // Redis Sentinel: `sentinel auth-pass mymaster x`
    (
        "sentinel auth-pass",
        "auth-pass",
        concat!(r"(?i)(?-u:\b)sentinel\s+auth-pass\s+\S+\s+", value!()),
    ),
    // MinIO's client: `mc alias set prod URL ACCESS x`, `mc config host add prod URL ACCESS x`
    (
        "mc alias set",
        "mc ",
        concat!(
            r"(?-u:\b)mc\s+(?:alias\s+set|config\s+host\s+add)\s+\S+\s+\S+\s+\S+\s+",
            value!()
        ),
    ),
    // `MYSQL_PWD=x mysql …`, `export MYSQL_PWD=x`
    (
        "MYSQL_PWD",
        "mysql_pwd",
        concat!(r"(?-u:\b)MYSQL_PWD=", word!()),
    ),
    // `mysqladmin -uroot password 'x'`
    (
        "mysqladmin password",
        "mysqladmin",
        concat!(r"(?-u:\b)mysqladmin(?-u:\b).*?\spassword\s+", word!()),
    ),
    // PostgreSQL: `CREATE ROLE r WITH LOGIN PASSWORD 'x'`, `ALTER USER u PASSWORD 'x'`
    (
        "SQL password",
        "password",
        r#"(?i)(?-u:\b)(?:encrypted\s+)?password\s+'([^']+)'"#,
    ),
    // `SET PASSWORD FOR 'u'@'%' = PASSWORD('x')`, `set password = 'x'`
    (
        "set password",
        "password",
        r#"(?i)(?-u:\b)set\s+password(?-u:\b)[^=;]*=\s*(?:password\s*\(\s*)?(?:'([^']+)'|"([^"]+)")"#,
    ),
    // `htpasswd -bc /etc/nginx/.htpasswd admin x`, `htpasswd -nb admin x`
    (
        "htpasswd -b",
        "htpasswd",
        concat!(
            r"(?-u:\b)htpasswd\s+-[a-zA-Z]*b[a-zA-Z]*\s+(?:\S+\s+)?\S+\s+",
            word!(),
            r"\s*$"
        ),
    ),
    // `echo 'x' | passwd --stdin root`
    (
        "passwd --stdin",
        "--stdin",
        concat!(
            r"(?-u:\b)echo\s+(?:-n\s+)?",
            word!(),
            r"\s*\|\s*(?:sudo\s+)?passwd(?-u:\b).*--stdin"
        ),
    ),
    // `echo 'root:x' | chpasswd`
    (
        "chpasswd",
        "chpasswd",
        r#"(?-u:\b)echo\s+(?:-n\s+)?(?:'[^':]+:([^']+)'|"[^":]+:([^"]+)"|[^\s'":|]+:([^\s'"|]+))\s*\|\s*(?:sudo\s+)?chpasswd(?-u:\b)"#,
    ),
    // `mongodb://admin:x@10.0.0.1:27017`, `amqp://app:x@mq1`, `redis://:x@h`
    (
        "URL password",
        "://",
        r#"(?i)(?-u:\b)[a-z][a-z0-9+.-]*://[^\s/:@'"]*:([^\s/@'"]+)@"#,
    ),
    // `--password x` (`--password=x` is a key and a value)
    (
        "--password",
        "--pass",
        concat!(r"(?:^|\s)--pass(?:word|wd)?\s+", value!()),
    ),
    // MongoDB: `db.createUser({ user: "root", pwd: "x", … })`
    ("pwd", "pwd", r#"(?-u:\b)pwd\s*:\s*(?:"([^"]+)"|'([^']+)')"#),
    // Java's keytool: `-storepass x`, `-keypass x`, `-srcstorepass x`, `-deststorepass x`
    (
        "keytool -storepass",
        "storepass",
        concat!(r"(?:^|\s)-(?:src|dest)?(?:store|key)pass\s+", value!()),
    ),
    // `echo 'host:5432:*:user:x' >> ~/.pgpass`: the last of five fields
    (
        ".pgpass",
        "pgpass",
        r#"(?-u:\b)echo\s+(?:-\S+\s+)*(?:'(?:[^':\n]*:){4}([^'\n]+)'|"(?:[^":\n]*:){4}([^"\n]+)"|(?:[^\s'":]*:){4}([^\s'"]+))\s*>>?\s*\S*\.pgpass"#,
    ),
    // `mongo -u admin -p x`, `mongosh … -p x`
    (
        "mongo -p",
        "mongo",
        concat!(r"(?-u:\b)mongo(?:sh)?(?-u:\b).*?\s-p\s+", value!()),
    ),
];
static COMMAND_FORM_RES: [OnceLock<Regex>; COMMAND_FORMS.len()] =
    [const { OnceLock::new() }; COMMAND_FORMS.len()];

/// XML: an element named for a credential (`<password>…</password>`, `<db.secret>…`), and a
/// Hadoop-style property whose name names one (`<name>…ConnectionPassword</name>` then
/// `<value>…</value>`, on one line or several, a `<description>` between them or not).
static XML_ELEMENT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)<([a-z0-9_.:-]*(?:pass(?:word|wd)?|secret|token)[a-z0-9_.:-]*)(?:\s[^<>]*)?>([^<]*)</([a-z0-9_.:-]+)\s*>").unwrap()
});
static XML_PROPERTY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)<name>\s*([^<]*?(?:pass(?:word|wd)?|secret|token)[^<]*?)\s*</name>(?:\s*<description>[^<]*</description>)?\s*<value>([^<]*)</value>").unwrap()
});
/// A command that shows a secret file (`more /root/.erlang.cookie`): the lines after it, up to
/// the next prompt or blank line, are its content.
static SHOWS_SECRET_FILE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(?-u:\b)(?:cat|more|less|head|tail)\s+(?:-\S+\s+)*(\S*(?:cookie|\.key|\.pem|passw\S*|secret\S*|token\S*))\s*$").unwrap()
});
static PRIVATE_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----\n(.*?)\n?-----END [A-Z ]*PRIVATE KEY-----")
        .unwrap()
});

/// A value that stands for one the operator gives (`$DB_PASS`, `<password>`, `{{ pw }}`) or was
/// already hidden (`***`).
fn placeholder(value: &str) -> bool {
    value.starts_with(['$', '*'])
        || value.starts_with("{{")
        || (value.starts_with('<') && value.ends_with('>'))
        || (value.starts_with('{') && value.ends_with('}'))
}

fn first_group(c: &regex::Captures) -> Option<Range<usize>> {
    c.iter().skip(1).flatten().next().map(|m| m.range())
}

/// Words one of which every pattern below needs (lowercased), so that a text holding none of them
/// holds no credential. Checked first: `find` runs on every string of a plan (plan.json, the
/// checklist), nearly all of which hold none, and the patterns cost far more than this.
const TRIGGERS: [&str; 19] = [
    "pass",
    "mc ",
    "pwd",
    "://",
    "mongo",
    "auth",
    "add_user",
    "curl",
    "mysql_pwd",
    "secret",
    "token",
    "identified",
    "private key",
    "cookie",
    ".key",
    ".pem",
    "mysql",
    "mariadb",
    "redis-cli",
];

/// Whether `text` holds `word` (ASCII, lowercase), in any case.
fn contains_ignore_ascii_case(text: &str, word: &str) -> bool {
    text.as_bytes()
        .windows(word.len())
        .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
}

fn may_hold_a_credential(text: &str) -> bool {
    // `(?i)` also folds the Kelvin sign to `k` and the long s to `s`, which lowercasing does not
    // (ſ): with either in the text, let the patterns decide.
    if text.contains(['\u{212A}', '\u{17F}']) {
        return true;
    }
    // One pass, no copy (this runs on every string of a plan): the words are ASCII, and no other
    // character lowercases to ASCII letters but `İ` (to `i` and a combining dot, which no word
    // holds after an `i`), so comparing ASCII letters without case finds what
    // `text.to_lowercase().contains(word)` finds.
    // The words by their first letter (lowercase), so that each byte is compared with the one
    // or two words that start with it.
    static BY_FIRST: LazyLock<Vec<Vec<&'static str>>> = LazyLock::new(|| {
        let mut by = vec![Vec::new(); 256];
        for t in TRIGGERS {
            by[usize::from(t.as_bytes()[0])].push(t);
        }
        by
    });
    let b = text.as_bytes();
    b.iter().enumerate().any(|(i, c)| {
        BY_FIRST[usize::from(c.to_ascii_lowercase())]
            .iter()
            .any(|t| {
                b.get(i..i + t.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(t.as_bytes()))
            })
    })
}

/// Every credential in `text`, in order.
pub fn find(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    if !may_hold_a_credential(text) {
        return out;
    }
    // Each pattern only where its words are (a pattern is built the first time it is needed,
    // and most texts need few). With a character `(?i)` folds to ASCII (the Kelvin sign, the
    // long s) every pattern decides.
    let lower = text.to_ascii_lowercase();
    let folds = text.contains(['\u{212A}', '\u{17F}']);
    let has = |word: &str| folds || lower.contains(word);
    if has("pass") || has("secret") || has("token") {
        let values = crate::rx::captures(&KEY_VALUE, text, |c| {
            crate::rx::within(c.get(2), 4, usize::MAX)
        });
        for c in values {
            let v = c.get(2).unwrap();
            if !v.as_str().starts_with('$') && !v.as_str().starts_with("***") {
                out.push(Found {
                    key: c[1].to_string(),
                    value: v.range(),
                });
            }
        }
    }
    if has("identified") {
        for c in IDENTIFIED.captures_iter(text) {
            if let Some(v) = first_group(&c).filter(|r| !r.is_empty()) {
                out.push(Found {
                    key: "identified by".into(),
                    value: v,
                });
            }
        }
    }
    if text.contains("</") {
        let xml = XML_ELEMENT
            .captures_iter(text)
            .filter(|c| c[1] == c[3])
            .chain(XML_PROPERTY.captures_iter(text));
        for c in xml {
            let v = c.get(2).unwrap();
            let lead = v.as_str().len() - v.as_str().trim_start().len();
            let value = v.as_str().trim();
            if !value.is_empty() && !value.starts_with('$') && !value.starts_with("***") {
                out.push(Found {
                    key: c[1].to_string(),
                    value: v.start() + lead..v.start() + lead + value.len(),
                });
            }
        }
    }
    if text.contains("PRIVATE KEY-----") {
        for c in PRIVATE_KEY.captures_iter(text) {
            out.push(Found {
                key: "private key".into(),
                value: c.get(1).unwrap().range(),
            });
        }
    }
    // Line by line, only the patterns whose words the text holds (most texts hold none).
    let forms: Vec<usize> = (0..COMMAND_FORMS.len())
        .filter(|&i| has(COMMAND_FORMS[i].1))
        .collect();
    let shows = ["cookie", ".key", ".pem", "passw", "secret", "token"]
        .iter()
        .any(|w| has(w));
    let mysql = text.contains("mysql") || text.contains("mariadb");
    if forms.is_empty() && !shows && !mysql {
        out.sort_by_key(|f| f.value.start);
        return out;
    }
    let mut at = 0;
    let mut shown: Option<String> = None;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let trimmed = body.trim();
        if let Some(name) = &shown {
            // (A fence ends the shown content too: in a checklist or a page the block closes
            // there, and what follows is the document's own text.)
            let prompt = trimmed.is_empty()
                || trimmed.starts_with("```")
                || trimmed.starts_with("~~~")
                || trimmed.starts_with(['#', '$', '['])
                || trimmed.contains("]#")
                || trimmed.contains("]$");
            if prompt {
                shown = None;
            } else {
                let lead = body.len() - body.trim_start().len();
                out.push(Found {
                    key: name.clone(),
                    value: at + lead..at + lead + trimmed.len(),
                });
            }
        }
        if shown.is_none() && shows {
            if let Some(c) = SHOWS_SECRET_FILE.captures(body) {
                shown = Some(c[1].rsplit('/').next().unwrap_or(&c[1]).to_string());
            }
        }
        if mysql && MYSQL_CLIENT.is_match(body) {
            for c in GLUED_P.captures_iter(body) {
                if let Some(v) = first_group(&c) {
                    if !body[v.clone()].starts_with("***") {
                        out.push(Found {
                            key: "-p".into(),
                            value: at + v.start..at + v.end,
                        });
                    }
                }
            }
        }
        for &i in &forms {
            let (key, needle, pattern) = COMMAND_FORMS[i];
            if !folds && !contains_ignore_ascii_case(body, needle) {
                continue;
            }
            let re = COMMAND_FORM_RES[i].get_or_init(|| Regex::new(pattern).unwrap());
            for c in re.captures_iter(body) {
                if let Some(v) = first_group(&c) {
                    if !placeholder(&body[v.clone()]) {
                        out.push(Found {
                            key: key.to_string(),
                            value: at + v.start..at + v.end,
                        });
                    }
                }
            }
        }
        at += line.len();
    }
    out.sort_by_key(|f| f.value.start);
    out
}

/// The key of the first credential in `text`, if any (never its value).
pub fn key(text: &str) -> Option<String> {
    find(text).into_iter().next().map(|f| f.key)
}

/// `text` with every credential's value replaced by `***`.
pub fn redact(text: &str) -> String {
    let found = find(text);
    if found.is_empty() {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in found {
        if f.value.start < at {
            continue; // overlapping finds: the first one covers it
        }
        out.push_str(&text[at..f.value.start]);
        out.push_str("***");
        at = f.value.end;
    }
    out.push_str(&text[at..]);
    out
}

/// `text` with every credential's value replaced by as many `*` as it has bytes: for showing
/// source lines where byte offsets must not move.
pub fn mask(text: &str) -> std::borrow::Cow<'_, str> {
    let found = find(text);
    if found.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for f in found {
        out.replace_range(f.value.clone(), &"*".repeat(f.value.len()));
    }
    std::borrow::Cow::Owned(out)
}

/// Every string in a JSON value, redacted.
pub fn redact_json(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::String(s) if !find(s).is_empty() => *s = redact(s),
        serde_json::Value::Array(a) => a.iter_mut().for_each(redact_json),
        serde_json::Value::Object(o) => o.values_mut().for_each(redact_json),
        _ => {}
    }
}

/// A plan as pretty JSON, with every credential shown as `***`.
pub fn plan_json(plan: &Plan) -> Result<String, String> {
    let mut v = serde_json::to_value(plan).map_err(|e| e.to_string())?;
    redact_json(&mut v);
    hide_json(&mut v, &plan.hidden);
    serde_json::to_string_pretty(&v).map_err(|e| e.to_string())
}

/// `text` with every credential of the plan shown as `***`: what [`redact`] finds, and the
/// values the runbook marks as credentials elsewhere ([`Plan::hidden`]).
pub fn redact_plan_text(text: &str, plan: &Plan) -> String {
    let mut out = redact(text);
    hide_values(&mut out, &plan.hidden);
    out
}

/// Each of `values` in `text` replaced by `***`.
fn hide_values(text: &mut String, values: &[String]) {
    for v in values {
        if text.contains(v.as_str()) {
            *text = text.replace(v.as_str(), "***");
        }
    }
}

fn hide_json(v: &mut serde_json::Value, values: &[String]) {
    match v {
        serde_json::Value::String(s) => hide_values(s, values),
        serde_json::Value::Array(a) => a.iter_mut().for_each(|x| hide_json(x, values)),
        serde_json::Value::Object(o) => o.values_mut().for_each(|x| hide_json(x, values)),
        _ => {}
    }
}

/// What an action runs or installs, where a credential would be.
fn action_text(a: &Action) -> Option<String> {
    Some(match a {
        Action::Run { command } | Action::Probe { command } | Action::Dump { command, .. } => {
            command.clone()
        }
        Action::StartDetached { command, .. } => command.clone(),
        Action::AppendBlock { content, .. }
        | Action::PrependBlock { content, .. }
        | Action::WriteFile { content, .. }
        | Action::ConfBlocks { content, .. }
        | Action::XmlElement { content, .. } => content.clone(),
        Action::EnsureLines { lines, .. } | Action::IniSet { lines, .. } => lines.join("\n"),
        Action::ReplaceLine { new, .. } => new.clone(),
        Action::Sql { statements, .. } => statements.join("\n"),
        _ => return None,
    })
}

/// After planning: a W037 for each step whose action holds a credential (unless the edit already
/// said so at that place), and every text people read made free of credentials.
pub fn enforce(plan: &mut Plan, source: &Source, diagnostics: &mut Vec<Diagnostic>) {
    let warned: Vec<usize> = diagnostics
        .iter()
        .filter(|d| d.code == "W037")
        .map(|d| d.line)
        .collect();
    let mut said: Vec<usize> = Vec::new();
    // Every credential value the runbook holds: a line of shown output (a cookie) can become a
    // step of its own, away from what made it a credential.
    let mut values: Vec<String> = find(&source.text)
        .into_iter()
        .map(|f| source.text[f.value].to_string())
        .filter(|v| v.chars().count() >= 4)
        .collect();
    values.sort();
    values.dedup();
    // In place: a text with nothing to hide (nearly every one) is left as it is, not copied.
    let hide = |text: &mut String| {
        if !find(text).is_empty() {
            *text = redact(text);
        }
        hide_values(text, &values);
    };
    for step in &mut plan.steps {
        let in_action = action_text(&step.action).and_then(|t| key(&t));
        let shown = key(&step.source).or_else(|| key(&step.text));
        if let Some(k) = in_action.clone().or(shown) {
            // An edit's own W037 points into its block: at the credential's line, or a line or
            // so before the step's line.
            let extent = [
                step.source.lines().count(),
                step.text.lines().count(),
                action_text(&step.action).map_or(0, |t| t.lines().count()),
            ]
            .into_iter()
            .max()
            .unwrap_or(0);
            let near = warned
                .iter()
                .any(|&l| l + 1 >= step.line && l <= step.line + extent + 1)
                || said.contains(&step.line);
            if !near {
                // A password file (`.pgpass`) is 0600 by its name, whatever its lines show.
                let by_name = step
                    .action
                    .edited_file()
                    .is_some_and(crate::lexicon::is_secret_name);
                let what = match (&step.action, in_action.is_some() || by_name) {
                    (a, true) if a.edited_file().is_some() => format!(
                        "{} is installed mode 0600 and the bundle's copy of the content is 0600; plan.json, the checklist, logs and the terminal show `{k}` with `***`",
                        a.edited_file().unwrap_or("")
                    ),
                    (_, true) => format!(
                        "the step runs it as written (the bundle's step script holds it); plan.json, the checklist, logs and the terminal show `{k}` with `***`"
                    ),
                    (_, false) => format!(
                        "the runbook shows it; plan.json, the checklist, logs and the terminal show `{k}` with `***`"
                    ),
                };
                let start = source.line_start(step.line);
                let end = start + source.line_text(step.line).len();
                diagnostics.push(
                    Diagnostic::warning(
                        "W037",
                        format!("a credential is written in the runbook (`{k}`): {what}"),
                    )
                    .at(source, start..end)
                    .help("keep runbooks free of passwords; use a value the operator gives on the host (an option file, `RBC_VALUE_…`)"),
                );
                said.push(step.line);
            }
        }
        hide(&mut step.text);
        hide(&mut step.summary);
        hide(&mut step.source);
        hide(&mut step.guard);
        hide(&mut step.section_title);
        hide(&mut step.why);
        if let Some(f) = &mut step.finding {
            hide(f);
        }
        if let Action::Manual { instruction } = &mut step.action {
            hide(instruction);
        }
    }
    plan.hidden = values;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quick_check_finds_what_lowercasing_finds() {
        let texts = [
            "mkdir -p /opt/app",
            "DB_PASSWORD=x",
            "x Secret y",
            "TOKEN",
            "Identified By",
            "-----BEGIN RSA PRIVATE KEY-----",
            "more /root/.erlang.COOKIE",
            "server.KEY",
            "a.Pem",
            "MySQL -uroot",
            "MariaDB",
            "Redis-Cli -a x",
            "İDENTIFIED",
            "pas",
            "ok",
            "",
            "服务器 pass",
            "passé",
        ];
        for t in TRIGGERS {
            let up = t.to_uppercase();
            for text in [
                t.to_string(),
                up.clone(),
                format!("前{up}后"),
                format!("{t}。"),
            ] {
                assert!(may_hold_a_credential(&text), "{text}");
            }
        }
        for text in texts {
            let lower = text.to_lowercase();
            let want = TRIGGERS.iter().any(|t| lower.contains(t));
            assert_eq!(may_hold_a_credential(text), want, "{text}");
        }
    }

    #[test]
    fn the_names_shown_for_credentials_are_no_credentials() {
        // W037 names the key in its message, which is then redacted: a name must not read as a
        // credential itself.
        let keys = COMMAND_FORMS.iter().map(|(k, _, _)| *k);
        for (_, _, pattern) in COMMAND_FORMS {
            assert!(Regex::new(pattern).is_ok(), "{pattern}");
        }
        for key in keys.chain(["-p", "-a", "identified by", "private key"]) {
            let message = format!("a credential is written in the runbook (`{key}`): the runbook shows it; plan.json, the checklist, logs and the terminal show `{key}` with `***`");
            assert_eq!(redact(&message), message, "{key}");
        }
    }

    #[test]
    fn finds_and_hides_credentials() {
        for (text, want) in [
            ("db.password=S3cret!x", "db.password=***"),
            (
                "{default_pass, <<\"Tq7.mw2041\">>},",
                "{default_pass, <<\"***\">>},",
            ),
            ("mysql -uroot -pS3cretPw shop", "mysql -uroot -p*** shop"),
            (
                "mysqldump -uroot -p'a b c' shop > /b.sql",
                "mysqldump -uroot -p'***' shop > /b.sql",
            ),
            (
                "grant all on x.* to 'u'@'%' identified by 'Pw0rd!';",
                "grant all on x.* to 'u'@'%' identified by '***';",
            ),
            (
                "echo 'app.password=hunter22' >> /etc/app.conf",
                "echo 'app.password=***' >> /etc/app.conf",
            ),
            (
                "redis-cli -h 10.0.0.1 -a S3cret ping",
                "redis-cli -h 10.0.0.1 -a *** ping",
            ),
            (
                "# more /root/.erlang.cookie\nQZMWPLRTYBNVCXKJHGDS\n",
                "# more /root/.erlang.cookie\n***\n",
            ),
            // In a page: the fence ends what the file showed; the page's own text stays.
            (
                "```text\nmore /root/.erlang.cookie\nQZMWPLRTYBNVCXKJHGDS\n```\n  - 预期 Expected: kept\n",
                "```text\nmore /root/.erlang.cookie\n***\n```\n  - 预期 Expected: kept\n",
            ),
            // Commands and directives that take one as an argument.
            (
                "sshpass -p 'Ssh#1' ssh-copy-id root@10.0.0.2",
                "sshpass -p '***' ssh-copy-id root@10.0.0.2",
            ),
            ("sshpass -pSsh2x ssh n2", "sshpass -p*** ssh n2"),
            (
                "rabbitmqctl add_user admin Rmq99x",
                "rabbitmqctl add_user admin ***",
            ),
            (
                "rabbitmqctl -n rabbit@mq1 change_password admin \"Rmq 77\"",
                "rabbitmqctl -n rabbit@mq1 change_password admin \"***\"",
            ),
            (
                "curl -s -u elastic:Es55x http://10.0.0.1:9200/",
                "curl -s -u elastic:*** http://10.0.0.1:9200/",
            ),
            (
                "curl --user 'admin:Gf 1' http://h/api",
                "curl --user 'admin:***' http://h/api",
            ),
            (
                "redis-cli config set requirepass Rds33x",
                "redis-cli config set requirepass ***",
            ),
            ("masterauth Rds44x", "masterauth ***"),
            ("127.0.0.1:6379> AUTH Rds55x", "127.0.0.1:6379> AUTH ***"),
            (
                "export MYSQL_PWD='My88 x'",
                "export MYSQL_PWD='***'",
            ),
            (
                "mysqladmin -uroot password 'Adm1n#'",
                "mysqladmin -uroot password '***'",
            ),
            (
                "SET PASSWORD FOR 'app'@'%' = PASSWORD('Sp66x');",
                "SET PASSWORD FOR 'app'@'%' = PASSWORD('***');",
            ),
            (
                "htpasswd -bc /etc/nginx/.htpasswd admin Ht44x",
                "htpasswd -bc /etc/nginx/.htpasswd admin ***",
            ),
            ("htpasswd -nb admin Ht45x", "htpasswd -nb admin ***"),
            (
                "keytool -importkeystore -srcstorepass Ks11x -deststorepass Ks22x -keypass Ks33x",
                "keytool -importkeystore -srcstorepass *** -deststorepass *** -keypass ***",
            ),
            (
                "psql -c \"CREATE ROLE rep WITH REPLICATION LOGIN PASSWORD 'Rp#1x';\"",
                "psql -c \"CREATE ROLE rep WITH REPLICATION LOGIN PASSWORD '***';\"",
            ),
            (
                "sentinel auth-pass mymaster Sn#77x",
                "sentinel auth-pass mymaster ***",
            ),
            (
                "mc alias set prod http://10.0.0.5:9000 osadmin 'Mn 88x'",
                "mc alias set prod http://10.0.0.5:9000 osadmin '***'",
            ),
            (
                "echo '10.0.0.9:5432:*:backup:Pg#55x' >> /root/.pgpass",
                "echo '10.0.0.9:5432:*:backup:***' >> /root/.pgpass",
            ),
            (
                "openssl pkcs12 -export -passout pass:Os44x -out a.p12",
                "openssl pkcs12 -export -passout pass:*** -out a.p12",
            ),
            (
                "mongosh mongodb://admin:Mg77x@10.0.0.1:27017/admin",
                "mongosh mongodb://admin:***@10.0.0.1:27017/admin",
            ),
            ("amqp://app:Mq66x@mq1:5672/", "amqp://app:***@mq1:5672/"),
            (
                "db.createUser({user: 'ops', pwd: 'Op#7x', roles: []})",
                "db.createUser({user: 'ops', pwd: '***', roles: []})",
            ),
            ("redis://:Rd88x@10.0.0.2:6379/0", "redis://:***@10.0.0.2:6379/0"),
            (
                "clickhouse-client --user default --password 'Ch55 x'",
                "clickhouse-client --user default --password '***'",
            ),
            (
                "mongo -u admin -p Mg99x --authenticationDatabase admin",
                "mongo -u admin -p *** --authenticationDatabase admin",
            ),
            (
                "echo 'Root#2026' | passwd --stdin root",
                "echo '***' | passwd --stdin root",
            ),
            (
                "echo \"root:Root#2027\" | chpasswd",
                "echo \"root:***\" | chpasswd",
            ),
            // XML: an element named for it, a property whose name names it (one line or more).
            (
                "<user>app</user>\n<password> Qz9!app </password>",
                "<user>app</user>\n<password> *** </password>",
            ),
            (
                "<db.secret id=\"a\">k3y</db.secret>",
                "<db.secret id=\"a\">***</db.secret>",
            ),
            (
                "<property>\n  <name>javax.jdo.option.ConnectionPassword</name>\n  <value>Hv#2026</value>\n</property>",
                "<property>\n  <name>javax.jdo.option.ConnectionPassword</name>\n  <value>***</value>\n</property>",
            ),
            (
                "<property><name>ssl.keystore.password</name><description>store</description><value>ks-pw</value></property>",
                "<property><name>ssl.keystore.password</name><description>store</description><value>***</value></property>",
            ),
        ] {
            assert_eq!(redact(text), want, "{text}");
            assert!(key(text).is_some(), "{text}");
        }
        for text in [
            "mkdir -p /opt/app",
            "cp -pr a b",
            "mysql -uroot -p shop",
            "password=$DB_PASS",
            "ssh -p22 host",
            "# cat /etc/hosts\n10.0.0.1 web-1\n",
            "<password>${DB_PASS}</password>",
            "curl -u admin http://10.0.0.1/",
            "sshpass -f /root/.pw ssh n2",
            "passwd root",
            "echo $PW | passwd --stdin root",
            "rabbitmqctl add_user admin $RMQ_PASS",
            "auth required pam_unix.so",
            "htpasswd -c /etc/nginx/.htpasswd admin",
            "rabbitmqctl list_users",
            "curl http://10.0.0.1:8080/api@v2",
            "git clone ssh://git@gitlab:22/ops/app.git",
            "wget https://mirrors.example.com/a.tar.gz",
            "mongo -u admin -p --authenticationDatabase admin",
            "mysqldump --password --all-databases",
            "export OLDPWD=/root; echo $PWD",
            "mc alias list",
            "mc alias set prod http://10.0.0.5:9000 $ACCESS $SECRET",
            "db.createUser({user: 'ops', pwd: passwordPrompt(), roles: []})",
            "mongo 10.0.0.1:27017/dev -u <xx> -p <xx> -quiet",
            "sshpass -p {{ ssh_pass }} ssh n2",
            "<password></password>",
            "<password>a</passwd>",
            "<property><name>javax.jdo.option.ConnectionUserName</name><value>hive</value></property>",
        ] {
            assert_eq!(redact(text), text);
            assert!(key(text).is_none(), "{text}");
        }
    }
}
