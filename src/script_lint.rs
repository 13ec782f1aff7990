//! The lint of generated scripts (`bash -n`, shellcheck) at the cost of what can differ (#12
//! item 18). Every step script is one template rendered with the runbook's values: 5,000 steps
//! make 5,000 scripts that differ only in paths, names and step numbers, and shellcheck costs about
//! 9 ms a script. The lint runs on each script's *shape* instead, once per distinct shape: the
//! script with, line for line,
//!
//! - its leading comment block blanked (the step's id, summary and runbook line; directives and
//!   the `#!` line are kept), so line numbers stay those of the real script;
//! - the plain words passed to rbc's own helpers (`rbc_rename /opt/a /opt/b` → `rbc_rename x x`)
//!   written `x`: shellcheck knows nothing of those functions (lib/steps.sh is sourced from
//!   /dev/null), so it checks such a word by itself alone, and a plain word (letters, digits and
//!   `_./:@%,+-` only) has nothing to check;
//! - the digits in a plain name or path written `0` (`/opt/app49/logs` → `/opt/app0/logs`):
//!   shellcheck reads no meaning into the digits of a word that holds letters. Not where a digit
//!   can name a variable or a function (after `$ { [ (`, before `= [ ( }`, on a line that
//!   declares, reads or counts with names), nor in a script with a here-document (its end word).
//!
//! Neither changes how bash parses the script, so `bash -n` runs on the shapes too. The words
//! taken out are linted once each in a file of their own. A finding names the script it was
//! found in (`app-1/steps/0013.sh`), its step and runbook line, and how many scripts share it.

use std::collections::BTreeMap;

/// A script's shape and the words its rbc helper calls pass (see the module's comment).
pub fn shape(text: &str) -> (String, Vec<String>) {
    let here_doc = text.contains("<<");
    let mut out = String::with_capacity(text.len());
    let mut words = Vec::new();
    let mut leading = true;
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let t = line.trim();
        if leading && (t.starts_with('#') || t.is_empty()) {
            if t.starts_with("#!") || t.contains("shellcheck") {
                out.push_str(line);
            }
            continue;
        }
        leading = false;
        if here_doc {
            out.push_str(line);
            continue;
        }
        if let Some(line) = array_words(line, &mut words) {
            out.push_str(&line);
            continue;
        }
        let line = helper_words(line, &mut words);
        out.push_str(&digits(&line));
    }
    (out, words)
}

fn is_plain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_./:@%,+-".contains(c)
}

/// A word shellcheck has nothing to say about on its own: letters, digits and `_./:@%,+-`, not
/// starting with `-` or `+` (an option), optionally after the bundle's own folder.
fn is_plain_word(w: &str) -> bool {
    let w = w.strip_prefix("\"$RBC_BUNDLE_DIR\"").unwrap_or(w);
    !w.is_empty() && !w.starts_with(['-', '+']) && w.chars().all(is_plain_char)
}

/// `rbc_helper WORD WORD "$x"` → `rbc_helper x x "$x"`: the plain words right after the name of
/// one of rbc's helpers, up to the first word that is not plain.
fn helper_words(line: &str, words: &mut Vec<String>) -> String {
    let body = line.trim_start();
    let indent = &line[..line.len() - body.len()];
    let mut parts = body.split(' ');
    let Some(first) = parts.next() else {
        return line.to_string();
    };
    if !first.starts_with("rbc_") || !first.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return line.to_string();
    }
    let mut out = format!("{indent}{first}");
    let mut plain = true;
    for w in parts {
        out.push(' ');
        if plain && is_plain_word(w) {
            words.push(w.to_string());
            out.push('x');
        } else {
            plain = false;
            out.push_str(w);
        }
    }
    out
}

/// `NAME=( w1 'w 2' … )` → `NAME=( x )` when every element is a literal (plain characters and
/// single-quoted text): the tables of bundle.sh, one element a step. Shellcheck checks such an
/// element by itself alone (and not the number of them), so the elements go to the words file.
fn array_words(line: &str, words: &mut Vec<String>) -> Option<String> {
    let body = line.trim_start();
    let (name, rest) = body.split_once("=( ")?;
    let inner = rest.strip_suffix(" )")?;
    if name.is_empty()
        || name.starts_with(|c: char| c.is_ascii_digit())
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return None;
    }
    let elements = literal_words(inner)?;
    words.extend(elements.into_iter().map(str::to_string));
    Some(format!("{}{name}=( x )", &line[..line.len() - body.len()]))
}

/// `a 'b c' d'\''e'` → its words, when each is made of plain characters, single-quoted text and
/// `\'` only, one space apart.
fn literal_words(text: &str) -> Option<Vec<&str>> {
    let b = text.as_bytes();
    let mut words = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        while i < b.len() && b[i] != b' ' {
            match b[i] {
                b'\'' => {
                    i += 1;
                    while i < b.len() && b[i] != b'\'' {
                        i += 1;
                    }
                    if i == b.len() {
                        return None;
                    }
                    i += 1;
                }
                b'\\' if b.get(i + 1) == Some(&b'\'') => i += 2,
                c if c.is_ascii_alphanumeric() || b"_-./:@+".contains(&c) => i += 1,
                _ => return None,
            }
        }
        if i == start {
            return None;
        }
        words.push(&text[start..i]);
        i += 1;
    }
    Some(words)
}

/// Lines where a plain word may be a variable's or function's name.
const NAMES: &[&str] = &[
    "((",
    "let ",
    "read ",
    "local ",
    "declare ",
    "typeset ",
    "export ",
    "readonly ",
    "unset ",
    "for ",
    "select ",
    "shellcheck",
    "getopts",
    "printf -v",
];

/// The digits of each plain run that holds a letter written `0`, where that cannot rename a
/// variable or a function.
fn digits(line: &str) -> String {
    if NAMES.iter().any(|n| line.contains(n)) || !line.bytes().any(|b| b.is_ascii_digit()) {
        return line.to_string();
    }
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    let mut i = 0;
    while i < chars.len() {
        if !is_plain_char(chars[i]) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_plain_char(chars[i]) {
            i += 1;
        }
        let run = &chars[start..i];
        let before = start.checked_sub(1).map(|k| chars[k]);
        let after = chars.get(i).copied();
        let named =
            before.is_some_and(|c| "${[(".contains(c)) || after.is_some_and(|c| "=[(}".contains(c));
        let mixed =
            run.iter().any(|c| c.is_ascii_alphabetic()) && run.iter().any(|c| c.is_ascii_digit());
        if named || !mixed {
            out.extend(run);
            continue;
        }
        let mut k = 0;
        while k < run.len() {
            if run[k].is_ascii_digit() {
                out.push('0');
                while k < run.len() && run[k].is_ascii_digit() {
                    k += 1;
                }
            } else {
                out.push(run[k]);
                k += 1;
            }
        }
    }
    out
}

/// Where a script came from, for a finding: `app-1/steps/0013.sh` and, for a step, the step and
/// its runbook line (from the script's header).
#[derive(Clone, Debug)]
pub struct Origin {
    pub file: String,
    pub about: Option<String>,
}

impl Origin {
    pub fn new(host: &str, path: &str, text: &str) -> Origin {
        let mut lines = text.lines().take_while(|l| l.starts_with('#'));
        let about = lines
            .find_map(|l| l.strip_prefix("# rbc step "))
            .map(|step| {
                let step = step.split(':').next().unwrap_or(step);
                match lines.next().and_then(|l| l.strip_prefix("# ")) {
                    Some(at) => format!("step {step}, {}", at.split(';').next().unwrap_or(at)),
                    None => format!("step {step}"),
                }
            });
        Origin {
            file: format!("{host}/{path}"),
            about,
        }
    }
}

/// The distinct shapes of a compile's scripts, each with the first script that has it and how
/// many do; and the distinct words taken out, each with the first script it comes from, by the
/// first line of that script (its shellcheck directives, which the words are linted under).
#[derive(Default)]
pub struct Shapes {
    pub shapes: BTreeMap<String, (Origin, usize)>,
    pub words: BTreeMap<String, BTreeMap<String, Origin>>,
    pub scripts: usize,
}

/// A file of words to lint, and for each of its lines the words' columns and origins.
pub struct WordsFile {
    pub text: String,
    pub lines: BTreeMap<usize, Vec<(usize, Origin)>>,
}

/// Words a line in a words file.
const WORDS_A_LINE: usize = 40;
/// Lines a words file (shellcheck takes about 0.1 s for one).
const LINES_A_FILE: usize = 40;

impl Shapes {
    pub fn add(&mut self, origin: Origin, text: &str) {
        self.scripts += 1;
        let (shape, words) = shape(text);
        if !words.is_empty() {
            let first = text.lines().next().unwrap_or("");
            let header = if first.starts_with("# shellcheck") {
                first
            } else {
                "# shellcheck shell=bash"
            };
            let of = self.words.entry(header.to_string()).or_default();
            for w in words {
                of.entry(w).or_insert_with(|| origin.clone());
            }
        }
        self.shapes
            .entry(shape)
            .and_modify(|(_, n)| *n += 1)
            .or_insert((origin, 1));
    }

    /// The files that lint the words taken out, under the directive line they were under:
    /// `rbc__words W1 W2 …` lines, at most [`LINES_A_FILE`] to a file so that the files can be
    /// linted on every core (5,000 steps take out 30,000 words).
    pub fn words_files(&self) -> Vec<WordsFile> {
        let mut files = Vec::new();
        for (header, words) in &self.words {
            let all: Vec<(&String, &Origin)> = words.iter().collect();
            for part in all.chunks(WORDS_A_LINE * LINES_A_FILE) {
                let mut text =
                    format!("{header}\n# Words taken out of generated scripts, each once.\n");
                let mut lines = BTreeMap::new();
                for (k, chunk) in part.chunks(WORDS_A_LINE).enumerate() {
                    let mut line = String::from("rbc__words");
                    let mut at = Vec::new();
                    for (w, origin) in chunk {
                        line.push(' ');
                        at.push((line.chars().count() + 1, (*origin).clone()));
                        line.push_str(w);
                    }
                    text.push_str(&line);
                    text.push('\n');
                    lines.insert(k + 3, at);
                }
                files.push(WordsFile { text, lines });
            }
        }
        files
    }
}

impl WordsFile {
    /// The origin of the word at `line`, `column` (1-based, as shellcheck and bash count).
    pub fn origin(&self, line: usize, column: usize) -> Option<&Origin> {
        let at = self.lines.get(&line)?;
        at.iter()
            .rev()
            .find(|(c, _)| *c <= column)
            .or(at.first())
            .map(|(_, o)| o)
    }
}

/// A shellcheck (gcc format) or `bash -n` output line about `file` told against the script it
/// stands for: `app-1/steps/0013.sh:9:2: warning: … (step 2.4-1 (converge), runbook.md line 12;
/// and 833 scripts more of this shape)`.
pub fn retell(line: &str, file: &str, origin: &Origin, alike: usize) -> String {
    let Some(rest) = line.strip_prefix(file) else {
        return line.to_string();
    };
    let mut s = format!("{}{rest}", origin.file);
    let mut notes = Vec::new();
    if let Some(a) = &origin.about {
        notes.push(a.clone());
    }
    if alike > 1 {
        notes.push(format!(
            "the same in {} more script(s) of this template",
            alike - 1
        ));
    }
    if !notes.is_empty() {
        s.push_str(&format!("\n    ({})", notes.join("; ")));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEP: &str = "# shellcheck shell=bash disable=SC2329\n# rbc step 2.49-2 (converge): move /opt/app49/conf\n# r.md line 1418; on this host because: x\n. \"$RBC_BUNDLE_DIR\"/lib/steps.sh\nrbc_check() {\n\trbc_renamed /opt/app49/conf /opt/app49/conf_bak\n}\nrbc_apply() {\n\tif [ -e /opt/app49/x.log ]; then service app49 restart; fi\n\trbc_block_present /etc/profile 2.49-5 \"$RBC_BUNDLE_DIR\"/files/steps-0005.block\n}\n";

    #[test]
    fn two_renderings_of_one_template_have_one_shape() {
        let other = STEP.replace("49", "512").replace("1418", "20000");
        let (a, wa) = shape(STEP);
        let (b, _) = shape(&other);
        assert_eq!(a, b);
        assert_eq!(a.lines().count(), STEP.lines().count(), "lines kept");
        assert!(a.contains("\trbc_renamed x x\n"), "{a}");
        assert!(a.contains("service app0 restart"), "{a}");
        assert!(
            a.starts_with("# shellcheck shell=bash disable=SC2329\n\n\n"),
            "{a}"
        );
        assert!(wa.contains(&"/opt/app49/conf_bak".to_string()));
        let o = Origin::new("app-1", "steps/0002.sh", STEP);
        assert_eq!(
            o.about.as_deref(),
            Some("step 2.49-2 (converge), r.md line 1418")
        );
    }

    #[test]
    fn what_may_matter_to_shellcheck_is_kept() {
        for line in [
            "\tlocal f1 f2",
            "\techo \"$APP1\" ${x2} a[3]",
            "\tread -r a1 b1",
            "\tf2() { :; }",
            "\tV1=x",
            "\texit 3",
            "\tcmd 2>&1 >&2",
            "\trbc_x -f a | tr a-z A-Z",
        ] {
            let (s, _) = shape(&format!("x\n{line}\n"));
            let kept = if line.starts_with("\trbc_x") {
                "\trbc_x -f a | tr a-z A-Z"
            } else {
                line
            };
            assert_eq!(s, format!("x\n{kept}\n"), "{line}");
        }
        // A here-document's end word is left as it is.
        let h = "x\ncat <<EOF1\napp1\nEOF1\n";
        assert_eq!(shape(h).0, h);
    }
}
