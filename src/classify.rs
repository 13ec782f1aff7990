//! What a block line or a command *is*: prompts (`# `, `$ `, `[root@h ~]# `, `sudo`, `mysql> `),
//! comments, output, and the typed action of one shell command (with its idempotent meaning).

use std::sync::LazyLock;

use regex::Regex;

use crate::lexicon;
use crate::plan::Action;

/// One line of a code block, by its prompt.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    Blank,
    /// A shell command (prompt and `sudo` removed).
    Command(String),
    /// A statement typed at a database prompt (`mysql> …`).
    Sql(String),
    /// `# 查看…`: a comment in the writer's language, not a command.
    Comment(String),
    /// No prompt: content, output, or a command in a prompt-less style.
    Plain(String),
}

static BRACKET_PROMPT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^\s*\[[^\]\s]+@[^\]]+\]\s*[#$]\s?(.*)$").unwrap());
/// `ops@pg-2:~$ cmd`, `root@web-1:/opt# cmd`, `h3:~# cmd`: the prompt of a shell whose title
/// shows the host and the directory after a colon (user optional; the directory `~` or a path).
static COLON_PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:([A-Za-z_][A-Za-z0-9_.-]*)@)?([A-Za-z][A-Za-z0-9_.-]*):(~[^\s#$]*|/(?:[^/\s#$][^\s#$]*)?)\s*([#$])(?:\s+(.*))?$").unwrap()
});
static SQL_PROMPT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(?:mysql|mariadb|MariaDB \[[^\]]*\]|MySQL \[[^\]]*\]|SQL|postgres=#|[a-z]+=#)>?\s?(.*)$").unwrap()
});
/// `<PID>`: at most 31 characters inside (the limit checked in code: crate::rx).
static PLACEHOLDER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"<[A-Za-z_\p{Han}]([^<>\s]*)>").unwrap());
static PATH: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?:^|[^A-Za-z0-9_.])(/[A-Za-z0-9_.][A-Za-z0-9_./-]*)").unwrap());

/// A mysql client line split into the client without its database and the database:
/// `mysql -u root -p orders` → (`mysql -u root -p`, `orders`); `-D db` / `--database=db` too.
/// Options that take a separate value (`-u root`, `-h host`) are not mistaken for the database.
pub fn mysql_client_and_db<S: AsRef<str>>(words: &[S]) -> (String, Option<String>) {
    const WITH_VALUE: &[&str] = &[
        "-u",
        "-h",
        "-P",
        "-S",
        "-e",
        "--user",
        "--host",
        "--port",
        "--socket",
        "--default-character-set",
        "--defaults-file",
        "--defaults-extra-file",
    ];
    let mut keep: Vec<&str> = Vec::new();
    let mut db = None;
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_ref();
        if i > 0 && (w == "-D" || w == "--database") {
            db = words.get(i + 1).map(|v| v.as_ref().to_string());
            i += 2;
            continue;
        }
        if let Some(d) = w.strip_prefix("--database=") {
            db = Some(d.to_string());
            i += 1;
            continue;
        }
        if i > 0 && WITH_VALUE.contains(&w) {
            keep.push(w);
            if let Some(v) = words.get(i + 1) {
                keep.push(v.as_ref());
            }
            i += 2;
            continue;
        }
        if i > 0 && !w.starts_with('-') && db.is_none() {
            db = Some(w.to_string());
            i += 1;
            continue;
        }
        keep.push(w);
        i += 1;
    }
    (keep.join(" "), db)
}

/// The client whose prompt a block's lines show, when it is not mysql: `127.0.0.1:6379>` and
/// `redis>` are redis-cli, `dbname=#` / `dbname=>` psql, `mongo>` / `>` mongo.
pub fn prompt_client(content: &str) -> Option<&'static str> {
    static REDIS: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*(?:(?:[0-9]{1,3}\.){3}[0-9]{1,3}:[0-9]+>|redis[^ >]*>)").unwrap()
    });
    static PSQL: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\s*[A-Za-z_][A-Za-z0-9_]*=[#>]").unwrap());
    content.lines().find_map(|l| {
        if REDIS.is_match(l) {
            Some("redis-cli")
        } else if PSQL.is_match(l) {
            Some("psql")
        } else if l.trim_start().starts_with("mongo>") {
            Some("mongo")
        } else {
            None
        }
    })
}

pub fn parse_line(raw: &str) -> Line {
    let line = raw.trim_end();
    if line.trim().is_empty() {
        return Line::Blank;
    }
    if let Some(c) = BRACKET_PROMPT.captures(line) {
        return Line::Command(strip_sudo(c[1].trim()).to_string());
    }
    if let Some(c) = COLON_PROMPT.captures(line) {
        let rest = c.get(5).map_or("", |m| m.as_str()).trim();
        if rest.is_empty() {
            return Line::Blank;
        }
        return Line::Command(strip_sudo(rest).to_string());
    }
    let t = line.trim_start();
    // Other interactive clients: `postgres=# …`, `member=> …`, `127.0.0.1:6379> …`.
    static SESSION_PROMPT: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r"^\s*(?:[A-Za-z_][A-Za-z0-9_]*=[#>]|(?:[0-9]{1,3}\.){3}[0-9]{1,3}:[0-9]+>|redis[^ >]*>|mongo>|[A-Za-z0-9_-]+:(?:PRIMARY|SECONDARY|ARBITER|OTHER|RECOVERING|STARTUP2?)>)\s?(.*)$").unwrap()
    });
    if let Some(c) = SESSION_PROMPT.captures(line) {
        return Line::Sql(c[1].trim().to_string());
    }
    if t.starts_with("mysql>")
        || t.starts_with("mariadb>")
        || t.starts_with("MariaDB [")
        || t.starts_with("MySQL [")
        || t.starts_with("SQL>")
    {
        if let Some(c) = SQL_PROMPT.captures(line) {
            return Line::Sql(c[1].trim().to_string());
        }
    }
    for prompt in ["# ", "$ "] {
        if let Some(rest) = t.strip_prefix(prompt) {
            let rest = rest.trim();
            if rest.is_empty() {
                return Line::Blank;
            }
            if rest.starts_with(lexicon::is_cjk) || labels_in_words(rest) {
                return Line::Comment(rest.to_string());
            }
            // `$ # 如果失败…`: a comment typed at the prompt.
            if let Some(c) = rest.strip_prefix('#').filter(|c| !c.starts_with('!')) {
                return Line::Comment(c.trim().to_string());
            }
            return Line::Command(strip_sudo(rest).to_string());
        }
    }
    if t == "#" || t == "$" {
        return Line::Blank;
    }
    Line::Plain(line.to_string())
}

/// `# master 节点`, `# node1节点上执行`, `# k8s-node2: 这台…`, `# 10.0.0.12 上执行`: one plain word
/// (no command rbc knows, no path or assignment) or an address, perhaps with a colon, followed
/// right away by words in the writer's language is a comment that names something, not a
/// command.
fn labels_in_words(rest: &str) -> bool {
    let Some(cjk) = rest.find(lexicon::is_cjk) else {
        return false;
    };
    let word = rest[..cjk].trim();
    let word = word.strip_suffix(':').unwrap_or(word).trim_end();
    let address = crate::inventory::ips_in(word).first().map(String::as_str) == Some(word);
    !word.is_empty()
        && !word.contains(char::is_whitespace)
        && (address
            || word
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
                && !looks_like_command(word))
}

/// The host a `[root@web-1 ~]#` (or `ops@web-1:~$`, `web-1:~#`) prompt shows. A machine's
/// default name (`localhost`) says nothing about which machine it is: no host.
pub fn prompt_host(raw: &str) -> Option<String> {
    static HOST: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^\s*\[[^\]\s@]+@([^\]\s]+)[^\]]*\]\s*[#$]").unwrap());
    let name = HOST
        .captures(raw)
        .map(|c| c[1].to_string())
        .or_else(|| COLON_PROMPT.captures(raw).map(|c| c[2].to_string()))?;
    (!generic_host_name(&name)).then_some(name)
}

/// The user and directory of a `user@host:dir$` prompt; without a user, `#` is root's.
pub fn colon_prompt(raw: &str) -> Option<(Option<String>, String)> {
    let c = COLON_PROMPT.captures(raw)?;
    let user = c
        .get(1)
        .map(|m| m.as_str().to_string())
        .or_else(|| (&c[4] == "#").then(|| "root".to_string()));
    Some((user, c[3].to_string()))
}

/// A name a machine has before anyone names it (`localhost`, `localhost.localdomain`): it
/// shows no host.
pub fn generic_host_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("localhost")
}

/// The delimiter of a here-document in a command (`cat > f <<EOF`, `<<'EOF'`, `<<-EOF`).
pub fn heredoc_delimiter(cmd: &str) -> Option<String> {
    static HEREDOC: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#"(?:^|[^<])<<-?\s*\\?['"]?([A-Za-z_][A-Za-z0-9_]*)['"]?"#).unwrap()
    });
    HEREDOC.captures(cmd).map(|c| c[1].to_string())
}

/// The here-document's delimiter is unquoted (`<<EOF`, not `<<'EOF'`, `<<"EOF"`, `<<\EOF`):
/// bash expands `$…`, `` `…` `` and `\` in its text.
pub fn heredoc_expands(cmd: &str) -> bool {
    static QUOTED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"<<-?\s*['"\\]"#).unwrap());
    heredoc_delimiter(cmd).is_some() && !QUOTED.is_match(cmd)
}

/// Text that bash changes in an unquoted here-document: a parameter, a command substitution,
/// arithmetic, or a backslash escape.
pub fn expands_in_heredoc(body: &str) -> bool {
    static EXPANSION: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r#"\$[A-Za-z_{(0-9@*#?$!-]|`|\\[$`\\\n]"#).unwrap());
    EXPANSION.is_match(body) || body.lines().any(|l| l.ends_with('\\'))
}

/// A here-document delimiter that no line of `body` can end early: `base`, or `base_N` for the
/// first N no line equals (bash ends a here-document at the first line equal to its delimiter,
/// after leading tabs for `<<-`; lines are compared trimmed, which covers both).
pub fn unique_delimiter(base: &str, body: &str) -> String {
    let lines: std::collections::HashSet<&str> = body.lines().map(str::trim).collect();
    let mut delim = base.to_string();
    let mut n = 0u32;
    while lines.contains(delim.as_str()) {
        n += 1;
        delim = format!("{base}_{n}");
    }
    delim
}

/// `cat > FILE <<EOF` writes FILE; `cat >> FILE <<EOF` appends (true); `tee [-a] FILE <<EOF` too.
pub fn heredoc_target(cmd: &str) -> Option<(String, bool)> {
    let words = words(cmd);
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.first().copied() {
        Some("cat") => {
            let i = words.iter().position(|w| w.starts_with('>'))?;
            let append = words[i].starts_with(">>");
            let inline = words[i].trim_start_matches('>');
            let path = if inline.is_empty() {
                words.get(i + 1)?.to_string()
            } else {
                inline.to_string()
            };
            (!path.starts_with('<') && !path.is_empty() && !cmd.contains('|'))
                .then_some((path, append))
        }
        Some("tee") => {
            let append = words.contains(&"-a");
            let path = words
                .iter()
                .skip(1)
                .find(|w| !w.starts_with('-') && !w.starts_with('<'))?;
            (!cmd.contains('>')).then(|| (path.to_string(), append))
        }
        _ => None,
    }
}

/// `sudo cmd` runs as root, as the bundle does: `sudo` goes. `sudo -u user cmd` keeps its user.
fn strip_sudo(cmd: &str) -> &str {
    let mut c = cmd;
    while let Some(rest) = c.strip_prefix("sudo ") {
        let mut r = rest.trim_start();
        while let Some(x) = r.strip_prefix("-E ").or_else(|| r.strip_prefix("-H ")) {
            r = x.trim_start();
        }
        if r.starts_with('-') {
            return c; // `sudo -u grafana …`, `sudo -i`: kept whole
        }
        c = r;
    }
    c
}

/// `sudo -i`, `sudo su -`, `su -`, `su root`: opens a root shell; the bundle already runs as root.
pub fn is_root_shell(cmd: &str) -> bool {
    let words: Vec<&str> = cmd.split_whitespace().collect();
    matches!(
        words.as_slice(),
        ["sudo", "-i"]
            | ["sudo", "-s"]
            | ["sudo", "su"]
            | ["sudo", "su", "-"]
            | ["su"]
            | ["su", "-"]
            | ["su", "root"]
            | ["su", "-", "root"]
            | ["sudo", "su", "-", "root"]
    )
}

/// `su - deploy`, `ssh app-2`: opens a shell (as another user, or on another machine) in which
/// the lines after it are typed — until `exit`. Not a root shell (the bundle runs as root).
pub fn opens_session(cmd: &str) -> bool {
    if is_root_shell(cmd) {
        return false;
    }
    let w = words(cmd);
    let w: Vec<&str> = w
        .iter()
        .map(String::as_str)
        .skip_while(|x| *x == "sudo")
        .collect();
    let Some((prog, args)) = w.split_first() else {
        return false;
    };
    let operands = args.iter().filter(|a| !a.starts_with('-')).count();
    match basename(prog) {
        "su" => !args
            .iter()
            .any(|a| *a == "-c" || a.starts_with("--command")),
        "ssh" => operands == 1,
        _ => false,
    }
}

/// A `//` comment after a command (`drop database x; //删掉…`): returns the command and the comment.
pub fn split_slash_comment(cmd: &str) -> (String, Option<String>) {
    let bytes = cmd.as_bytes();
    let mut quote: Option<u8> = None;
    for i in 0..bytes.len() {
        let b = bytes[i];
        match quote {
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'\'' || b == b'"' => quote = Some(b),
            None if b == b'/'
                && bytes.get(i + 1) == Some(&b'/')
                && i > 0
                && bytes[i - 1].is_ascii_whitespace() =>
            {
                return (
                    cmd[..i].trim_end().to_string(),
                    Some(cmd[i + 2..].trim().to_string()),
                );
            }
            None => {}
        }
    }
    (cmd.to_string(), None)
}

/// A `<PID>`-style placeholder that the operator must fill in.
pub fn placeholder(cmd: &str) -> Option<String> {
    crate::rx::captures(&PLACEHOLDER, cmd, |c| crate::rx::within(c.get(1), 0, 30))
        .next()
        .and_then(|c| c.get(0))
        .map(|m| m.as_str().to_string())
}

/// Absolute paths mentioned in a text.
/// A quoted path (`"/opt/My App/app.conf"`, `“…”`, `「…」`, `'…'`, `` `…` ``) is one path,
/// spaces and all.
pub fn paths_in(text: &str) -> Vec<String> {
    static QUOTED_PATH: LazyLock<Regex> = LazyLock::new(|| {
        Regex::new(r#""(/[^"\n]*)"|'(/[^'\n]*)'|“(/[^”\n]*)”|「(/[^」\n]*)」|`(/[^`\n]*)`"#)
            .unwrap()
    });
    // Quoted text with a space: never cut at the space. It is a path when what follows the
    // space goes on as one (`/opt/My App/app.conf`, `/opt/My App.conf`); a quoted command
    // (`"/opt/app/bin/start.sh restart"`) or a bare `"/opt/My App"` gives no path.
    let quoted: Vec<(std::ops::Range<usize>, Option<String>)> = QUOTED_PATH
        .captures_iter(text)
        .filter_map(|c| {
            let p = c.iter().skip(1).flatten().next()?.as_str();
            let (first, rest) = p.split_once(' ')?;
            let first_has_ext = first.rsplit('/').next().is_some_and(|b| b.contains('.'));
            let path = (rest.contains('/') || (rest.contains('.') && !first_has_ext))
                && !rest.split(' ').any(|w| w.starts_with('-'));
            Some((c.get(0).unwrap().range(), path.then(|| p.to_string())))
        })
        .collect();
    let mut out: Vec<(usize, String)> = quoted
        .iter()
        .filter_map(|(r, p)| Some((r.start, p.clone()?)))
        .collect();
    out.extend(
        PATH.captures_iter(text)
            .filter(|c| {
                let at = c.get(1).unwrap().start();
                !quoted.iter().any(|(r, _)| r.contains(&at))
            })
            .map(|c| {
                (
                    c.get(1).unwrap().start(),
                    c[1].trim_end_matches(['.', '。']).to_string(),
                )
            })
            .filter(|(_, p)| p.len() > 1),
    );
    out.sort_by_key(|(at, _)| *at);
    out.into_iter().map(|(_, p)| p).collect()
}

/// Resolves `arg` against the working directory.
pub fn resolve(cwd: &str, arg: &str) -> String {
    let joined = if arg.starts_with('/') {
        arg.to_string()
    } else {
        let arg = arg.strip_prefix("./").unwrap_or(arg);
        if arg == "~" || arg.starts_with("~/") {
            format!("/root{}", &arg[1..])
        } else if cwd.ends_with('/') {
            format!("{cwd}{arg}")
        } else {
            format!("{cwd}/{arg}")
        }
    };
    normalise(&joined)
}

/// `..` and `.` taken out of an absolute path the way `cd -L` reads them (`/opt/../../etc/a` is
/// `/etc/a`; above `/` is `/`), so a path never names two places in rbc's plan (SPEC §5.1). A path
/// holding an expansion is left as written (bash decides what it is). The runtime resolves a `..`
/// that reaches it through links (lib/rbc.sh, rbc__abs).
pub fn normalise(path: &str) -> String {
    if !path.starts_with('/') || has_expansion(path) {
        return path.to_string();
    }
    if !path.split('/').any(|c| c == ".." || c == ".") {
        return path.to_string();
    }
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    let trailing = if path.ends_with('/') && !parts.is_empty() {
        "/"
    } else {
        ""
    };
    format!("/{}{trailing}", parts.join("/"))
}

fn basename(p: &str) -> &str {
    p.trim_end_matches('/').rsplit('/').next().unwrap_or(p)
}

/// The result of reading one command.
#[derive(Debug, Clone, PartialEq)]
pub struct Classified {
    pub action: Action,
    /// Set when rbc is not sure; the planner turns it into a warning (and usually a manual step).
    pub doubt: Option<String>,
    /// The command destroys data: confirm before running, even when rbc knows how.
    pub destructive: bool,
}

impl Classified {
    fn sure(action: Action) -> Self {
        Classified {
            action,
            doubt: None,
            destructive: false,
        }
    }
}

/// `yum install -y name`, on a host with no network, needs a local repository.
pub const OFFLINE_YUM: &str =
    "installs a package by name; the hosts have no network, so a local repository must provide it";

/// `-f`, `-F`, `--follow`: tail waits for more, forever.
fn follows(arg: &str) -> bool {
    arg == "-F"
        || arg.starts_with("--follow")
        || (arg.starts_with('-')
            && !arg.starts_with("--")
            && arg.contains('f')
            && !arg.starts_with("-n"))
}

fn probe_of(command: String) -> Classified {
    Classified::sure(Action::Probe { command })
}

/// The file a command's output goes to with `>` (not `>>`, not `2>`): `gzip > /b/x.gz`.
fn redirect_target(stage: &str) -> Option<String> {
    let (before, after) = stage.rsplit_once('>')?;
    if before.ends_with('>') || before.ends_with('2') || before.ends_with('&') {
        return None;
    }
    let target = words(after).into_iter().next()?;
    (!target.is_empty() && !target.starts_with('&')).then_some(target)
}

/// Programs that wait for a person at a terminal: a bundle must not run them.
fn interactive(prog: &str, args: &[&str], operands: &[&str]) -> Option<&'static str> {
    match prog {
        "crontab" if args.contains(&"-e") => {
            Some("opens an editor on the crontab; make the change by hand")
        }
        "su" if !args
            .iter()
            .any(|a| *a == "-c" || a.starts_with("--command")) =>
        {
            Some("opens a shell as another user; run the commands that follow in it by hand")
        }
        "ssh" if operands.len() <= 1 => Some("opens a login shell on another machine"),
        // A copy between machines runs where the file is, which the sentence often does not say
        // (`拷贝到kafka-02` names the receiver), and asks for a password.
        "scp" | "rsync" | "sftp"
            if operands
                .iter()
                .any(|o| o.contains(':') && !o.contains("://") && !o.starts_with('/')) =>
        {
            Some("copies between machines: run it on the machine that has the file (it may ask for a password)")
        }
        "top" if args.iter().any(|a| a.starts_with("-b")) => None,
        "passwd" | "visudo" | "top" | "htop" | "telnet" | "nano" | "emacs" => {
            Some("waits for a person at the terminal")
        }
        // With a file and no terminal, more and less just print it.
        "less" | "more" if operands.is_empty() => Some("waits for a person at the terminal"),
        "watch" => Some("runs until a person stops it"),
        // A client given nothing to do opens its own prompt and waits for a person.
        _ if client_without_input(prog, args) => {
            Some("opens the client's prompt and waits for a person; type what the runbook shows there by hand")
        }
        _ => None,
    }
}

/// A database or cluster client started with no statement, script or input: `redis-cli`,
/// `mysql -uroot -p`, `psql`, `mongo`, `zkCli.sh -server h:2181`, `hbase shell`.
fn client_without_input(prog: &str, args: &[&str]) -> bool {
    // Options of each client that take a value (`-h HOST`), and those that give it work.
    let (valued, work): (&[&str], &[&str]) = match prog {
        "redis-cli" => (
            &["-h", "-p", "-a", "-n", "-s", "-u", "--user", "--pass"],
            &[
                "--eval",
                "-r",
                "--rdb",
                "--bigkeys",
                "--stat",
                "--scan",
                "--latency",
            ],
        ),
        "mysql" | "mariadb" => (
            &[
                "-u",
                "-h",
                "-P",
                "-S",
                "-D",
                "--user",
                "--host",
                "--port",
                "--socket",
                "--database",
            ],
            &["-e", "--execute", "-V", "--version", "--help"],
        ),
        "psql" => (
            &[
                "-U",
                "-h",
                "-p",
                "-d",
                "--username",
                "--host",
                "--port",
                "--dbname",
            ],
            &[
                "-c",
                "--command",
                "-f",
                "--file",
                "-l",
                "--list",
                "-V",
                "--version",
            ],
        ),
        "mongo" | "mongosh" => (
            &[
                "--host",
                "--port",
                "-u",
                "-p",
                "--username",
                "--password",
                "--authenticationDatabase",
            ],
            &["--eval", "--version"],
        ),
        "zkCli.sh" | "zkcli.sh" => (&["-server", "-timeout"], &[]),
        "sqlplus" => (&[], &[]),
        "hbase" | "beeline" | "spark-shell" | "spark-sql" | "hive" => {
            (&["-u", "-n", "-p"], &["-e", "-f", "--version"])
        }
        _ => return false,
    };
    if args
        .iter()
        .any(|a| matches!(*a, "<" | "|" | "<<" | "<<<") || a.starts_with('<'))
    {
        return false;
    }
    if args.iter().any(|a| {
        work.iter()
            .any(|w| a == w || (a.starts_with(w) && w.len() == 2 && !valued.contains(w)))
    }) {
        return false;
    }
    // Short switches written together, the one that gives work last: `psql -Atc "select 1"`,
    // `mysql -sNe "show databases"`. Only switches that take no value may come before it.
    let (switches, last): (&str, &[char]) = match prog {
        "psql" => ("AtqxXaeEnsSwW1", &['c', 'f']),
        "mysql" | "mariadb" => ("NsBrvtEnq", &['e']),
        _ => ("", &[]),
    };
    if !switches.is_empty()
        && args.iter().any(|a| {
            let Some(cluster) = a.strip_prefix('-').filter(|c| !c.starts_with('-')) else {
                return false;
            };
            let mut cs: Vec<char> = cluster.chars().collect();
            cs.len() >= 2
                && cs.pop().is_some_and(|c| last.contains(&c))
                && cs.iter().all(|c| switches.contains(*c))
        })
    {
        return false;
    }
    // What is left once options and their values are taken away: a command, a script, a file.
    let mut rest = Vec::new();
    let mut k = 0;
    while k < args.len() {
        let a = args[k];
        if valued.contains(&a) {
            k += 2;
            continue;
        }
        if !a.starts_with('-') {
            rest.push(a);
        }
        k += 1;
    }
    match prog {
        // `mysql dbname` only chooses the database; `sqlplus user/pass` only logs in.
        "mysql" | "mariadb" => rest.len() <= 1,
        "sqlplus" => !rest.iter().any(|r| r.starts_with('@')),
        "hbase" => rest == ["shell"],
        "psql" | "mongo" | "mongosh" => {
            rest.iter()
                .all(|r| !r.ends_with(".sql") && !r.ends_with(".js"))
                && rest.len() <= 1
        }
        _ => rest.is_empty(),
    }
}

/// The words of a command as bash splits them (quotes, backslashes): `vim "/opt/My App/a.conf"`
/// is two words, `vim /tmp/notes\ x` too. Unbalanced quotes: split on whitespace.
pub fn words(cmd: &str) -> Vec<String> {
    shlex::split(cmd).unwrap_or_else(|| cmd.split_whitespace().map(str::to_string).collect())
}

/// A word whose value only bash knows: a parameter or a command substitution (`$(date +%F)`).
pub fn has_expansion(word: &str) -> bool {
    word.contains(['$', '`'])
}

/// The paths an action acts on.
fn action_paths(a: &Action) -> Vec<&str> {
    match a {
        Action::RpmInstall { file } => vec![file],
        Action::AppendBlock { path, .. }
        | Action::PrependBlock { path, .. }
        | Action::EnsureLines { path, .. }
        | Action::FirewallRules { path, .. }
        | Action::ReplaceLine { path, .. }
        | Action::IniSet { path, .. }
        | Action::ConfBlocks { path, .. }
        | Action::XmlElement { path, .. }
        | Action::WriteFile { path, .. }
        | Action::WriteValue { path, .. }
        | Action::CronEntry { path, .. }
        | Action::Mkdir { path }
        | Action::Chmod { path, .. }
        | Action::TailLog { path } => vec![path],
        Action::Extract { archive, dir } => vec![archive, dir],
        Action::Rename { from, to } => vec![from, to],
        Action::Dump { output, .. } => vec![output],
        Action::Payload { file, dir } => vec![file, dir],
        _ => Vec::new(),
    }
}

/// Every path an action acts on, normalised (`..`, `.`): wherever the planner took it from (a
/// command, a sentence, a table), the plan names one place one way.
pub fn normalise_paths(a: &mut Action) {
    let n = |p: &mut String| *p = normalise(p);
    match a {
        Action::RpmInstall { file } => n(file),
        Action::AppendBlock { path, .. }
        | Action::PrependBlock { path, .. }
        | Action::EnsureLines { path, .. }
        | Action::FirewallRules { path, .. }
        | Action::ReplaceLine { path, .. }
        | Action::IniSet { path, .. }
        | Action::ConfBlocks { path, .. }
        | Action::XmlElement { path, .. }
        | Action::WriteFile { path, .. }
        | Action::WriteValue { path, .. }
        | Action::CronEntry { path, .. }
        | Action::Mkdir { path }
        | Action::Chmod { path, .. }
        | Action::TailLog { path } => n(path),
        Action::Extract { archive, dir } => {
            n(archive);
            n(dir);
        }
        Action::Rename { from, to } => {
            n(from);
            n(to);
        }
        Action::Dump { output, .. } => n(output),
        Action::Payload { file, dir } => {
            n(file);
            n(dir);
        }
        _ => {}
    }
}

/// Reads one shell command (prompt already removed) run from `cwd`. A path rbc would act on that
/// holds an expansion (`> /opt/shop_$(date +%F).sql`) is never taken literally: the command runs
/// as written, where bash evaluates it, with a doubt.
pub fn command(cmd: &str, cwd: &str) -> Classified {
    let c = command_as_written(cmd, cwd);
    if action_paths(&c.action).iter().any(|p| has_expansion(p)) {
        return Classified {
            action: Action::Run {
                command: cmd.trim().to_string(),
            },
            doubt: Some(
                "a path in it holds an expansion (`$…`) only bash evaluates: rbc runs the command as written, once".into(),
            ),
            destructive: c.destructive,
        };
    }
    c
}

fn command_as_written(cmd: &str, cwd: &str) -> Classified {
    let cmd = cmd.trim();
    let words = words(cmd);
    let Some(first) = words.first() else {
        return Classified::sure(Action::Note);
    };
    let prog = basename(first);
    let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
    let flags: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| a.starts_with('-'))
        .collect();
    let operands: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| !a.starts_with('-'))
        .collect();
    let run = || {
        Classified::sure(Action::Run {
            command: cmd.to_string(),
        })
    };
    let probe = || {
        Classified::sure(Action::Probe {
            command: cmd.to_string(),
        })
    };

    if cmd.contains(" | ") || cmd.contains('|') && !cmd.contains("||") {
        let stages: Vec<&str> = cmd.split('|').map(str::trim).collect();
        let head = stages[0];
        let head_words: Vec<&str> = head.split_whitespace().collect();
        let head_prog = head_words.first().copied().map(basename).unwrap_or("");
        let head_args = head_words.get(1..).unwrap_or(&[]);
        let last = stages.last().copied().unwrap_or("");
        let last_words: Vec<&str> = last.split_whitespace().collect();
        let last_prog = last_words.first().copied().map(basename).unwrap_or("");
        // `mysqldump … | gzip > F`: a backup, kept by the rollback, never overwritten.
        if lexicon::DUMPERS.contains(&head_prog) {
            if let Some(output) = redirect_target(last) {
                return Classified::sure(Action::Dump {
                    command: cmd.to_string(),
                    output: resolve(cwd, &output),
                });
            }
        }
        // `gunzip < F | mysql db`, `zcat F | psql db`: a restore replaces data.
        if lexicon::DB_CLIENTS.contains(&last_prog)
            && (head.contains('<') || lexicon::DECOMPRESSORS.contains(&head_prog))
        {
            return Classified {
                action: Action::Run {
                    command: cmd.to_string(),
                },
                doubt: None,
                destructive: true,
            };
        }
        // `tail -f LOG | grep X` never ends: a bounded look at the end of the log instead.
        if head_prog == "tail" && head_args.iter().any(|a| follows(a)) {
            let bounded: Vec<&str> = head_words.iter().copied().filter(|a| !follows(a)).collect();
            let mut head = bounded.join(" ");
            if !head_args
                .iter()
                .any(|a| a.starts_with("-n") || a.starts_with("--lines"))
            {
                head = head.replacen("tail", "tail -n 200", 1);
            }
            let rest = &stages[1..];
            return probe_of(format!("{head} | {}", rest.join(" | ")));
        }
        // `crontab -l | sed … | crontab -` installs a new crontab.
        if last_prog == "crontab" {
            return run();
        }
        // `echo 'line' | sudo tee -a FILE`: the same as `echo 'line' >> FILE` (a line in a file,
        // idempotently), `tee FILE` as `> FILE`.
        if let [head, tail] = stages.as_slice() {
            let t: Vec<&str> = tail
                .split_whitespace()
                .skip_while(|w| *w == "sudo")
                .collect();
            if head_prog == "echo" && t.first().map(|p| basename(p)) == Some("tee") {
                let (flags, files): (Vec<&str>, Vec<&str>) =
                    t[1..].iter().partition(|a| a.starts_with('-'));
                if let ([file], true) = (files.as_slice(), flags.iter().all(|f| *f == "-a")) {
                    let to = if flags.is_empty() { ">" } else { ">>" };
                    let c = command_as_written(&format!("{head} {to} {file}"), cwd);
                    if matches!(
                        c.action,
                        Action::EnsureLines { .. } | Action::WriteFile { .. }
                    ) {
                        return c;
                    }
                }
            }
        }
        // `echo X | sudo tee -a F`, `… | xargs rm`, `… | sh`: a later stage that writes or runs.
        let writes = stages.iter().skip(1).any(|st| {
            let w: Vec<&str> = st
                .split_whitespace()
                .skip_while(|w| *w == "sudo" || w.starts_with('-') && *w != "-")
                .collect();
            let prog = w.first().copied().map(basename).unwrap_or("");
            match prog {
                "tee" => w[1..]
                    .iter()
                    .any(|a| !a.starts_with('-') && *a != "/dev/null"),
                "dd" | "xargs" | "sh" | "bash" | "sponge" | "patch" | "cpio" | "tar" => true,
                _ => false,
            }
        });
        if (is_read_only(head_prog, head_args) || head_prog == "ps")
            && !writes_a_file(cmd)
            && !writes
        {
            return probe();
        }
        return run();
    }
    // `echo 'line' >> FILE` / `echo 'text' > FILE`: a line in a file, idempotently.
    if prog == "echo" && !cmd.contains(['|', ';', '&', '`', '$']) {
        let redirect = words.iter().position(|w| w.starts_with('>'));
        if let Some(r) = redirect {
            let append = words[r].starts_with(">>");
            let inline = words[r].trim_start_matches('>');
            let path = if inline.is_empty() {
                words.get(r + 1).cloned()
            } else {
                Some(inline.to_string())
            };
            let text: Vec<&str> = words[1..r]
                .iter()
                .map(String::as_str)
                .filter(|w| *w != "-e")
                .collect();
            if let (Some(path), false) = (
                path,
                text.is_empty() || words[1..r].iter().any(|w| w == "-n"),
            ) {
                if words.len() == r + if inline.is_empty() { 2 } else { 1 } {
                    let line = text.join(" ");
                    let path = resolve(cwd, &path);
                    return Classified::sure(if append {
                        Action::EnsureLines {
                            path,
                            lines: vec![line],
                        }
                    } else {
                        Action::WriteFile {
                            path,
                            content: format!("{line}\n"),
                        }
                    });
                }
            }
        }
    }
    if lexicon::contains_any(&cmd.to_ascii_lowercase(), lexicon::DESTRUCTIVE) {
        return Classified {
            action: Action::Run {
                command: cmd.to_string(),
            },
            doubt: None,
            destructive: true,
        };
    }
    if let Some(why) = interactive(prog, &args, &operands) {
        return Classified {
            action: Action::Manual {
                instruction: format!("`{cmd}` {why}"),
            },
            doubt: Some(format!("`{cmd}` {why}")),
            destructive: false,
        };
    }
    // `kill -9 12034`: a process id copied from the writer's screen is some other process here.
    if prog == "kill"
        && operands
            .iter()
            .any(|o| o.chars().all(|c| c.is_ascii_digit()))
    {
        return Classified {
            action: Action::Manual {
                instruction: format!("find the process and run `{cmd}` with its id on this host"),
            },
            doubt: Some(format!(
                "`{cmd}` names a process id from the writer's screen; on the host it is another process"
            )),
            destructive: false,
        };
    }
    if let Some(ph) = placeholder(cmd) {
        return Classified {
            action: Action::Manual {
                instruction: format!("run `{cmd}` with {ph} filled in"),
            },
            doubt: Some(format!(
                "`{ph}` is a placeholder for the operator to fill in"
            )),
            destructive: false,
        };
    }
    match prog {
        "rpm"
            if flags.iter().any(|f| {
                f.starts_with("-i")
                    || f.starts_with("-U")
                    || f.starts_with("--install")
                    || f.starts_with("--upgrade")
            }) =>
        {
            if let Some(file) = operands.iter().find(|o| o.ends_with(".rpm")) {
                return Classified::sure(Action::RpmInstall {
                    file: resolve(cwd, file),
                });
            }
            run()
        }
        "rpm" if flags.iter().any(|f| f.starts_with("-q")) => probe(),
        "yum" | "dnf"
            if operands
                .first()
                .is_some_and(|o| *o == "install" || *o == "localinstall") =>
        {
            let pkgs: Vec<&str> = operands[1..].to_vec();
            if pkgs.is_empty() {
                return run();
            }
            if pkgs.len() == 1 && pkgs[0].ends_with(".rpm") {
                return Classified::sure(Action::RpmInstall {
                    file: resolve(cwd, pkgs[0]),
                });
            }
            Classified {
                action: Action::PackageInstall {
                    packages: pkgs.iter().map(|s| s.to_string()).collect(),
                },
                doubt: Some(OFFLINE_YUM.to_string()),
                destructive: false,
            }
        }
        "tar" => {
            let letters: String = args
                .first()
                .map(|a| a.trim_start_matches('-').to_string())
                .unwrap_or_default();
            let all_flags = args
                .iter()
                .filter(|a| a.starts_with('-'))
                .map(|a| a.trim_start_matches('-'))
                .collect::<String>();
            let extract = letters.contains('x') && !letters.contains('/')
                || all_flags.contains('x')
                || args.contains(&"--extract");
            if !extract {
                return run();
            }
            // The archive follows `f` (bundled `zxvf FILE` or `-f FILE`); `-C DIR` sets the target.
            let mut archive = None;
            let mut dir = cwd.to_string();
            let mut i = 0;
            while i < args.len() {
                let a = args[i];
                if a == "-C" || a == "--directory" {
                    if let Some(d) = args.get(i + 1) {
                        dir = resolve(cwd, d);
                    }
                    i += 2;
                    continue;
                }
                if archive.is_none() && (a.ends_with('f') && (i == 0 || a.starts_with('-'))) {
                    archive = args.get(i + 1).copied();
                    i += 2;
                    continue;
                }
                i += 1;
            }
            let archive = archive.or_else(|| {
                operands
                    .iter()
                    .find(|o| o.contains(".tar") || o.ends_with(".tgz"))
                    .copied()
            });
            match archive {
                Some(a) => Classified::sure(Action::Extract {
                    archive: resolve(cwd, a),
                    dir,
                }),
                None => run(),
            }
        }
        "mv" if flags.is_empty() && operands.len() == 2 => {
            let from = resolve(cwd, operands[0]);
            let to = if operands[1].ends_with('/') {
                format!(
                    "{}/{}",
                    resolve(cwd, operands[1]).trim_end_matches('/'),
                    basename(&from)
                )
            } else {
                resolve(cwd, operands[1])
            };
            Classified::sure(Action::Rename { from, to })
        }
        "mkdir" if operands.len() == 1 => Classified::sure(Action::Mkdir {
            path: resolve(cwd, operands[0]),
        }),
        "chmod"
            if operands.len() == 2
                || (operands.len() == 1
                    && flags.len() == 1
                    && flags[0].len() > 1
                    && !flags[0].starts_with("-R")) =>
        {
            let (mode, path) = if operands.len() == 2 {
                (operands[0], operands[1])
            } else {
                (flags[0], operands[0])
            };
            Classified::sure(Action::Chmod {
                mode: mode.to_string(),
                path: resolve(cwd, path),
            })
        }
        "service" if operands.len() >= 2 => service(operands[0], operands[1], cmd),
        "systemctl" if operands.len() >= 2 => {
            service(operands[1].trim_end_matches(".service"), operands[0], cmd)
        }
        _ if first.starts_with("/etc/init.d/") && operands.len() == 1 => {
            service(prog, operands[0], cmd)
        }
        "tail" if flags.iter().any(|f| f.contains('f') || f.contains('F')) => match operands.last()
        {
            Some(p) => Classified::sure(Action::TailLog {
                path: resolve(cwd, p),
            }),
            None => probe(),
        },
        "nohup" => {
            // Drop `&` and redirections (`> /dev/null`, `2>&1`, `>>log`): what is left is the program.
            let mut inner: Vec<&str> = Vec::new();
            let mut skip_next = false;
            for a in args.iter().copied() {
                if skip_next {
                    skip_next = false;
                    continue;
                }
                if a == "&" || a.contains(">&") {
                    continue;
                }
                if matches!(a, ">" | ">>" | "2>" | "2>>" | "<" | "1>" | "&>") {
                    skip_next = true;
                    continue;
                }
                if a.starts_with('>')
                    || a.starts_with("2>")
                    || a.starts_with("1>")
                    || a.starts_with('<')
                    || a.starts_with("&>")
                {
                    continue;
                }
                inner.push(a);
            }
            let inner_cmd = cmd
                .trim_start()
                .strip_prefix("nohup")
                .unwrap_or(cmd)
                .trim()
                .trim_end_matches('&')
                .trim()
                .to_string();
            let script = inner
                .iter()
                .rev()
                .find(|a| !a.starts_with('-') && !a.starts_with('>') && !a.starts_with('2'))
                .copied()
                .unwrap_or("");
            let pattern = if script.starts_with('/') {
                app_root(script)
            } else {
                cwd.to_string()
            };
            Classified::sure(Action::StartDetached {
                command: inner_cmd,
                dir: Some(cwd.to_string()),
                pattern,
            })
        }
        _ if prog.ends_with("startup.sh")
            || prog == "start.sh"
            || prog.ends_with("start.sh") && first.contains("/bin/") =>
        {
            let path = resolve(cwd, first);
            Classified::sure(Action::StartDetached {
                command: cmd.to_string(),
                dir: None,
                pattern: app_root(&path),
            })
        }
        "kill" | "pkill" | "killall" => run(),
        // A plain `curl URL` only looks; one that sends data changes something.
        "curl" | "wget"
            if !args.iter().enumerate().any(|(i, a)| {
                matches!(
                    *a,
                    "-X" | "-d" | "--data" | "-F" | "-T" | "--upload-file" | "-O"
                ) || a.starts_with("--data")
                    || (*a == "-o" && args.get(i + 1) != Some(&"/dev/null"))
            }) =>
        {
            probe()
        }
        "source" | "." if operands.len() == 1 => Classified::sure(Action::Note),
        // Leaving a session a person opened (`ssh app-2` … `exit`): nothing to run.
        "exit" | "logout" if operands.is_empty() => Classified::sure(Action::Note),
        "mysqldump" | "pg_dump" | "pg_dumpall" | "mongodump" => {
            let file_opt = args.iter().enumerate().find_map(|(i, a)| {
                if (prog != "mongodump" && *a == "-f")
                    || *a == "--file"
                    || *a == "--out"
                    || *a == "-r" && prog == "mysqldump"
                {
                    args.get(i + 1).map(|s| s.to_string())
                } else {
                    a.strip_prefix("--file=")
                        .or_else(|| a.strip_prefix("--result-file="))
                        .map(str::to_string)
                }
            });
            match redirect_target(cmd).or(file_opt) {
                Some(out) => Classified {
                    action: Action::Dump {
                        command: cmd.to_string(),
                        output: resolve(cwd, &out),
                    },
                    doubt: None,
                    destructive: false,
                },
                None => run(),
            }
        }
        "reboot" | "shutdown" | "init" | "poweroff" | "halt" => Classified {
            action: Action::Manual {
                instruction: format!("reboot the host (`{cmd}`); run ./run.sh again afterwards"),
            },
            doubt: None,
            destructive: false,
        },
        "rm" if flags.iter().any(|f| f.contains('r')) => Classified {
            action: Action::Run {
                command: cmd.to_string(),
            },
            doubt: None,
            destructive: true,
        },
        _ => {
            if let Some((_, pattern)) = lexicon::DAEMONS.iter().find(|(d, _)| *d == prog) {
                let starts = prog != "nginx" || args.iter().all(|a| *a != "-s" && *a != "-t");
                if starts && !args.contains(&"stop") {
                    return Classified::sure(Action::StartDetached {
                        command: cmd.to_string(),
                        dir: None,
                        pattern: pattern.to_string(),
                    });
                }
            }
            if is_read_only(prog, &args) && !writes_a_file(cmd) {
                return probe();
            }
            run()
        }
    }
}

/// The directory an application lives in, from its start script: `/opt/app/bin/startup.sh` → `/opt/app`.
fn app_root(script: &str) -> String {
    let dir = script.rsplit_once('/').map(|(d, _)| d).unwrap_or(script);
    let dir = dir.strip_suffix("/bin").unwrap_or(dir);
    if dir.is_empty() {
        "/".into()
    } else {
        dir.to_string()
    }
}

fn service(name: &str, action: &str, cmd: &str) -> Classified {
    match action {
        "status" => Classified::sure(Action::Probe {
            command: cmd.to_string(),
        }),
        "restart" | "reload" => Classified::sure(Action::ServiceRestart {
            name: name.to_string(),
            action: action.to_string(),
            watch: Vec::new(),
        }),
        "start" | "stop" => Classified::sure(Action::Service {
            name: name.to_string(),
            action: action.to_string(),
        }),
        _ => Classified::sure(Action::Run {
            command: cmd.to_string(),
        }),
    }
}

/// Files a command writes, as far as its words show (redirections, `sed -i`, `cp`/`install`
/// targets, `tee`, `ln -s` links), resolved against `cwd`; for backups before it runs.
pub fn files_written(cmd: &str, cwd: &str) -> Vec<String> {
    let words =
        shlex::split(cmd).unwrap_or_else(|| cmd.split_whitespace().map(str::to_string).collect());
    let mut out: Vec<String> = Vec::new();
    let mut push = |p: &str| {
        if !p.is_empty()
            && p != "/dev/null"
            && !p.starts_with('&')
            && !p.contains(['$', '`', '*', '?'])
        {
            let abs = resolve(cwd, p);
            if !out.contains(&abs) {
                out.push(abs);
            }
        }
    };
    for (i, w) in words.iter().enumerate() {
        if let Some(rest) = w.strip_prefix(">>").or_else(|| w.strip_prefix('>')) {
            if rest.is_empty() {
                if let Some(next) = words.get(i + 1) {
                    push(next);
                }
            } else {
                push(rest);
            }
        }
    }
    let Some(prog) = words.first().map(|w| basename(w)) else {
        return out;
    };
    let operands: Vec<&str> = words[1..]
        .iter()
        .map(String::as_str)
        .take_while(|w| !w.starts_with('>') && *w != "|" && *w != "&&" && *w != ";")
        .filter(|w| !w.starts_with('-'))
        .collect();
    match prog {
        "sed"
            if words
                .iter()
                .any(|w| w.starts_with("-i") || w == "--in-place") =>
        {
            // The script is the first operand unless given with -e; the rest are files.
            let has_e = words.iter().any(|w| w == "-e" || w == "--expression");
            for f in operands.iter().skip(if has_e { 0 } else { 1 }) {
                if has_e
                    && words
                        .iter()
                        .position(|w| w == f)
                        .is_some_and(|p| p > 0 && words[p - 1] == "-e")
                {
                    continue;
                }
                push(f);
            }
        }
        "cp" | "install" | "ln" if operands.len() >= 2 => {
            let dst = operands[operands.len() - 1];
            if dst.ends_with('/') {
                for src in &operands[..operands.len() - 1] {
                    push(&format!("{}/{}", dst.trim_end_matches('/'), basename(src)));
                }
            } else {
                push(dst);
            }
        }
        "tee" => operands.iter().for_each(|f| push(f)),
        _ => {}
    }
    out
}

/// A `>`/`>>` redirection into a file (not `2>&1`, not `/dev/null`).
fn writes_a_file(cmd: &str) -> bool {
    let mut rest = cmd;
    while let Some(p) = rest.find('>') {
        let after = rest[p..].trim_start_matches('>').trim_start();
        if !after.starts_with('&') && !after.starts_with("/dev/null") {
            return true;
        }
        rest = &rest[p + 1..];
    }
    false
}

fn is_read_only(prog: &str, args: &[&str]) -> bool {
    // `find … -delete`, `find … -exec rm -rf {} +`: a look that changes things.
    if prog == "find"
        && args
            .iter()
            .any(|a| ["-delete", "-exec", "-execdir", "-ok", "-okdir", "-fprint"].contains(a))
    {
        return false;
    }
    if lexicon::READ_ONLY.contains(&prog) {
        return true;
    }
    lexicon::READ_ONLY_SUB
        .iter()
        .any(|(p, subs)| *p == prog && args.iter().any(|a| subs.contains(a)))
}

/// True when a prompt-less line starts like a shell command (for blocks written without `# `).
pub fn looks_like_command(line: &str) -> bool {
    let first = line.split_whitespace().next().unwrap_or("");
    const KNOWN: &[&str] = &[
        "cd",
        "ls",
        "mv",
        "cp",
        "rm",
        "tar",
        "rpm",
        "yum",
        "service",
        "systemctl",
        "chmod",
        "chown",
        "mkdir",
        "vim",
        "vi",
        "cat",
        "more",
        "tail",
        "ps",
        "kill",
        "mysql",
        "mysqldump",
        "nohup",
        "sh",
        "bash",
        "source",
        "export",
        "echo",
        "sed",
        "grep",
        "ln",
        "unzip",
        "iptables",
        "chkconfig",
        "crontab",
        "rabbitmqctl",
        "rabbitmq-server",
        "su",
        "sudo",
        "java",
        "curl",
        "wget",
        "scp",
        "ssh",
        "touch",
        "useradd",
        "passwd",
        "mount",
        "nginx",
        "sysctl",
        "firewall-cmd",
        "docker",
        "kubectl",
        "psql",
        "pg_dump",
        "pg_restore",
        "redis-cli",
        "make",
        "zip",
        "rsync",
        "groupadd",
        "usermod",
        "tee",
        "awk",
        "find",
        "xargs",
        "pkill",
        "netstat",
        "ss",
        "lsof",
        "df",
        "du",
        "free",
        "date",
        "hostname",
        "ip",
        "ping",
        "telnet",
        "openssl",
        "keytool",
        "jps",
        "jstack",
        "sleep",
        "umount",
        "dnf",
        "apt-get",
        "pip",
        "python",
        "python3",
        "mongo",
        "supervisorctl",
        "setenforce",
        "getenforce",
        "ntpdate",
        "timedatectl",
        "hostnamectl",
        "modprobe",
        "swapoff",
        "ulimit",
        "uname",
        "env",
        // Administration programs of common cluster and system software (users, time, storage,
        // Kubernetes, monitoring agents): a line starting with one is a command, never text.
        "userdel",
        "groupdel",
        "chronyc",
        "gluster",
        "kubeadm",
        "etcdctl",
        "crictl",
        "helm",
        "journalctl",
        "exportfs",
        "showmount",
        "zabbix_agentd",
        "zabbix_agent2",
        "zabbix_get",
    ];
    KNOWN.contains(&first)
        || (first.starts_with('/')
            && !first.contains(['{', '<'])
            && line.split_whitespace().count() <= 6
            && !first.ends_with('/'))
        || first.starts_with("./")
}

/// How sure rbc is that a prompt-less block is shell: `Declared` when the fence says so
/// (```bash) or the sentence before it says to run it (`执行：`), `Seen` when one of its lines
/// is a command rbc knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ShellEvidence {
    Seen,
    Declared,
}

/// A prompt-less line that reads as a command of a program rbc does not list (`etcdctl
/// member list`, `pvcreate /dev/vdb`, `gluster volume create v replica 3 \`). With the block
/// only `Seen` as shell, the line must also show something only a command line has (an
/// option, an absolute path, a pipe or chain, a continuation). Never a line of output or
/// configuration (`etcd Version: 3.5`, `key = value`, `drwxr-xr-x …`, `root 2381 …`).
pub fn command_shaped(line: &str, evidence: ShellEvidence) -> bool {
    let l = line.trim();
    if looks_like_command(l) {
        return true;
    }
    let words: Vec<&str> = l.split_whitespace().collect();
    let Some(first) = words.first().copied() else {
        return false;
    };
    static PERMISSIONS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"^[-dlcbps][rwxsStT-]{9}[.+@]?$").unwrap());
    let output_or_config = words
        .iter()
        .take(3)
        .any(|w| w.ends_with(':') || *w == "=" || *w == "->" || *w == "=>" || *w == ":")
        || first.contains('=')
        || PERMISSIONS.is_match(first)
        || words
            .get(1)
            .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()));
    if output_or_config {
        return false;
    }
    let path = first.starts_with('/') || first.starts_with("./") || first.starts_with("~/");
    let program = first.len() > 1
        && first.starts_with(|c: char| c.is_ascii_lowercase())
        && first
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '+' | '-'))
        && !first.ends_with('.');
    if !(program || path) {
        return false;
    }
    if evidence == ShellEvidence::Declared {
        return true;
    }
    words.iter().skip(1).any(|w| {
        (w.starts_with('-') && w.len() > 1 && *w != "->")
            || w.starts_with('/')
            || w.starts_with("./")
    }) || l.ends_with('\\')
        || [" | ", " && ", " || ", "$(", " > ", " >> "]
            .iter()
            .any(|op| l.contains(op))
}

/// A line of shell grammar: a loop or condition, its `do`/`then`/`done`/`fi`.
pub fn shell_keyword_line(line: &str) -> bool {
    let first = line.split_whitespace().next().unwrap_or("");
    matches!(
        first.trim_end_matches(';'),
        "for" | "while" | "until" | "if" | "then" | "do" | "done" | "fi" | "else" | "elif"
    )
}

/// SQL keywords a prompt-less SQL block starts with.
pub fn looks_like_sql(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let first = words.next().unwrap_or("").to_ascii_lowercase();
    // `source env.sh` is the shell's; only `source x.sql` is the client's.
    if first == "source" {
        return words.next().is_some_and(|f| {
            f.trim_end_matches(';')
                .to_ascii_lowercase()
                .ends_with(".sql")
        });
    }
    matches!(
        first.as_str(),
        "select"
            | "insert"
            | "update"
            | "delete"
            | "show"
            | "use"
            | "create"
            | "drop"
            | "alter"
            | "desc"
            | "describe"
            | "explain"
            | "grant"
            | "truncate"
    )
}

/// A line only a shell reads: a loop or condition keyword, a command substitution, a chain.
/// A block holding one is shell, never SQL.
pub fn is_shell_only(line: &str) -> bool {
    let l = line.trim();
    let first = l.split_whitespace().next().unwrap_or("");
    matches!(
        first,
        "for"
            | "while"
            | "until"
            | "if"
            | "then"
            | "else"
            | "elif"
            | "fi"
            | "do"
            | "done"
            | "case"
            | "esac"
            | "echo"
            | "export"
            | "cd"
    ) || l.contains("$(")
        || l.contains(" && ")
        || l.contains("; do")
        || l.contains("; then")
}

/// Splits typed SQL into statements (`;` outside quotes); `use db` and `source f` end at the line.
pub fn sql_statements(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in lines {
        let l = line.trim();
        if l.is_empty() {
            continue;
        }
        let lower = l.to_ascii_lowercase();
        if cur.is_empty()
            && (lower.starts_with("use ")
                || lower.starts_with("source ")
                || lower == "exit"
                || lower == "quit"
                || lower.starts_with("\\"))
        {
            out.push(l.trim_end_matches(';').to_string());
            continue;
        }
        let mut quote: Option<char> = None;
        for c in l.chars() {
            match quote {
                Some(q) if c == q => {
                    quote = None;
                    cur.push(c);
                }
                Some(_) => cur.push(c),
                None if c == '\'' || c == '"' => {
                    quote = Some(c);
                    cur.push(c);
                }
                None if c == ';' => {
                    let s = cur.trim().to_string();
                    if !s.is_empty() {
                        out.push(s);
                    }
                    cur.clear();
                }
                None => cur.push(c),
            }
        }
        cur.push('\n');
    }
    let s = cur.trim().to_string();
    if !s.is_empty() {
        out.push(s);
    }
    out
}

pub fn sql_is_read_only(stmt: &str) -> bool {
    let l = stmt.trim_start().to_ascii_lowercase();
    ["select", "show", "desc", "describe", "explain", "use "]
        .iter()
        .any(|k| l.starts_with(k))
}

pub fn sql_is_destructive(stmt: &str) -> bool {
    let l = stmt.trim_start().to_ascii_lowercase();
    l.starts_with("drop ")
        || l.starts_with("truncate ")
        || (l.starts_with("delete ") && !l.contains(" where "))
}

pub fn sql_is_count(stmt: &str) -> bool {
    let l = stmt.trim_start().to_ascii_lowercase();
    l.starts_with("select count(")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalised() {
        for (cwd, arg, want) in [
            ("/", "/opt/../../etc/a.conf", "/etc/a.conf"),
            ("/", "/opt/../../../../../../../etc/a.conf", "/etc/a.conf"),
            ("/opt/app", "../conf/./x.conf", "/opt/conf/x.conf"),
            ("/opt", "./a/", "/opt/a/"),
            ("/", "/opt/$(date +%F)/../x", "/opt/$(date +%F)/../x"),
            ("/", "/etc/hosts", "/etc/hosts"),
        ] {
            assert_eq!(resolve(cwd, arg), want, "{cwd} {arg}");
        }
    }

    #[test]
    fn prompts() {
        assert_eq!(
            parse_line("# rpm -ivh a.rpm"),
            Line::Command("rpm -ivh a.rpm".into())
        );
        assert_eq!(
            parse_line("$ sudo service nginx start"),
            Line::Command("service nginx start".into())
        );
        assert_eq!(
            parse_line("[root@web-1 ~]# tar xf a.tar"),
            Line::Command("tar xf a.tar".into())
        );
        assert_eq!(parse_line("mysql> use db"), Line::Sql("use db".into()));
        assert_eq!(
            parse_line("MariaDB [(none)]> show databases;"),
            Line::Sql("show databases;".into())
        );
        assert_eq!(
            parse_line("# 查看表结构"),
            Line::Comment("查看表结构".into())
        );
        assert_eq!(parse_line("GHFTDTX"), Line::Plain("GHFTDTX".into()));
        assert_eq!(parse_line("#ip_hash;"), Line::Plain("#ip_hash;".into()));
    }

    #[test]
    fn commands_to_actions() {
        let a = |c: &str| command(c, "/home").action;
        assert_eq!(
            a("rpm -ivh jdk.rpm"),
            Action::RpmInstall {
                file: "/home/jdk.rpm".into()
            }
        );
        assert_eq!(
            a("yum install -y erlang.rpm"),
            Action::RpmInstall {
                file: "/home/erlang.rpm".into()
            }
        );
        assert_eq!(
            a("tar zxvf app.tar.gz"),
            Action::Extract {
                archive: "/home/app.tar.gz".into(),
                dir: "/home".into()
            }
        );
        assert_eq!(
            a("tar -xvf a.tar.xz -C /opt"),
            Action::Extract {
                archive: "/home/a.tar.xz".into(),
                dir: "/opt".into()
            }
        );
        assert_eq!(
            a("mv /home/a/s.sh /home/b/"),
            Action::Rename {
                from: "/home/a/s.sh".into(),
                to: "/home/b/s.sh".into()
            }
        );
        assert_eq!(
            a("service iptables restart"),
            Action::ServiceRestart {
                name: "iptables".into(),
                action: "restart".into(),
                watch: vec![]
            }
        );
        assert_eq!(
            a("systemctl stop nginx"),
            Action::Service {
                name: "nginx".into(),
                action: "stop".into()
            }
        );
        assert!(matches!(a("ps -ef | grep java"), Action::Probe { .. }));
        assert!(matches!(a("kill -9 <PID>"), Action::Manual { .. }));
        assert_eq!(
            a("tail -f /var/log/x.log"),
            Action::TailLog {
                path: "/var/log/x.log".into()
            }
        );
        assert!(
            matches!(a("nohup sh startup.sh &"), Action::StartDetached { ref pattern, .. } if pattern == "/home")
        );
        assert!(
            matches!(a("/opt/tomcat/bin/startup.sh"), Action::StartDetached { ref pattern, .. } if pattern == "/opt/tomcat")
        );
        assert!(
            matches!(a("mysqldump -uroot -p db > /home/b.sql"), Action::Dump { ref output, .. } if output == "/home/b.sql")
        );
        assert!(matches!(
            a("rabbitmqctl cluster_status"),
            Action::Probe { .. }
        ));
        assert!(matches!(
            a("rabbitmqctl join_cluster rabbit@a"),
            Action::Run { .. }
        ));
        assert!(command("rm -rf /data", "/").destructive);
        assert!(command("yum install -y xz", "/").doubt.is_some());
        assert_eq!(
            a("echo 'export A=1' >> /etc/profile"),
            Action::EnsureLines {
                path: "/etc/profile".into(),
                lines: vec!["export A=1".into()]
            }
        );
        assert_eq!(
            a("echo on > flag"),
            Action::WriteFile {
                path: "/home/flag".into(),
                content: "on\n".into()
            }
        );
        assert!(
            matches!(a("echo $PATH >> /tmp/x"), Action::Run { .. }),
            "a variable is left to the shell"
        );
    }

    #[test]
    fn files_a_command_writes() {
        assert_eq!(
            files_written("sed -i 's/a/b/' conf/app.conf", "/opt/app"),
            ["/opt/app/conf/app.conf"]
        );
        assert_eq!(
            files_written("sed -i -e 's/a/b/' -e 's/c/d/' /etc/x /etc/y", "/"),
            ["/etc/x", "/etc/y"]
        );
        assert_eq!(
            files_written("cp /tmp/a.jar /opt/app/", "/"),
            ["/opt/app/a.jar"]
        );
        assert_eq!(files_written("cp -f a.jar b.jar", "/opt"), ["/opt/b.jar"]);
        assert_eq!(files_written("date > /tmp/now 2>&1", "/"), ["/tmp/now"]);
        assert_eq!(
            files_written("echo $X >> ~/.bashrc", "/"),
            ["/root/.bashrc"]
        );
        assert!(files_written("ls -l > /dev/null", "/").is_empty());
        assert!(files_written("rm -rf /opt/old", "/").is_empty());
    }

    #[test]
    fn slash_comments_and_sql() {
        assert_eq!(
            split_slash_comment("drop database x; //删掉"),
            ("drop database x;".into(), Some("删掉".into()))
        );
        assert_eq!(split_slash_comment("curl http://a/b").1, None);
        let s = sql_statements(&[
            "use db".into(),
            "select count(*) from a".into(),
            "where x = ';';".into(),
            "source /r.sql".into(),
        ]);
        assert_eq!(
            s,
            vec![
                "use db",
                "select count(*) from a\nwhere x = ';'",
                "source /r.sql"
            ]
        );
    }
}
