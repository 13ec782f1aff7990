//! Unicode look-alikes in names and addresses (issue #12 item 11): what reads as `web-1` or
//! `10.0.0.1` must be those ASCII characters, or rbc says so before anything is planned.
//!
//! - An address written with full-width digits or dots (`１０.０.０.１`, an input method's slip) is
//!   read as ASCII, with W053 at the place.
//! - An address with digits of another script (Arabic-Indic `١٠`), a word that mixes ASCII letters
//!   with a Cyrillic or Greek letter drawn like a Latin one (`wеb-1`), and an invisible character
//!   inside a name (`web\u{200b}-1`) are errors (E053): rbc could only guess which machine is meant.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::diagnostic::Diagnostic;
use crate::source::Source;

/// An IPv4 address written with any script's decimal digits and ASCII or full-width dots.
static ANY_DIGIT_ADDRESS: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\d{1,3}(?:[.．]\d{1,3}){3}").unwrap());

/// Where the text was changed by [`normalise_addresses`]: the span in the new text and what was
/// written there.
pub struct Normalised {
    pub span: Range<usize>,
    pub written: String,
}

fn full_width(c: char) -> Option<char> {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32),
        '．' => Some('.'),
        _ => None,
    }
}

/// Addresses written with full-width digits or dots, made ASCII; the spans are in the new text.
/// Only a whole address changes: full-width digits anywhere else are the writer's text.
pub fn normalise_addresses(text: &str) -> (String, Vec<Normalised>) {
    if !text.chars().any(|c| full_width(c).is_some()) {
        return (text.to_string(), Vec::new());
    }
    let mut out = String::with_capacity(text.len());
    let mut changed = Vec::new();
    let mut last = 0;
    for m in ANY_DIGIT_ADDRESS.find_iter(text) {
        let s = m.as_str();
        let only_ascii_or_full_width = s
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || full_width(c).is_some());
        if s.is_ascii() || !only_ascii_or_full_width {
            continue;
        }
        out.push_str(&text[last..m.start()]);
        let start = out.len();
        out.extend(s.chars().map(|c| full_width(c).unwrap_or(c)));
        changed.push(Normalised {
            span: start..out.len(),
            written: s.to_string(),
        });
        last = m.end();
    }
    out.push_str(&text[last..]);
    (out, changed)
}

/// W053 for each address [`normalise_addresses`] changed.
pub fn normalised_warnings(source: &Source, changed: &[Normalised]) -> Vec<Diagnostic> {
    changed
        .iter()
        .map(|n| {
            let ascii = &source.text[n.span.clone()];
            Diagnostic::warning(
                "W053",
                format!(
                    "the address `{}` is written with full-width characters; rbc reads it as {ascii}",
                    n.written
                ),
            )
            .at(source, n.span.clone())
            .help(format!("type the address in ASCII: {ascii}"))
        })
        .collect()
}

/// A Cyrillic or Greek letter drawn like a Latin one, and the Latin letter it looks like.
fn latin_lookalike(c: char) -> Option<char> {
    Some(match c {
        // Cyrillic
        'а' => 'a',
        'в' => 'b',
        'е' | 'ё' => 'e',
        'к' => 'k',
        'м' => 'm',
        'н' => 'h',
        'о' => 'o',
        'р' => 'p',
        'с' => 'c',
        'т' => 't',
        'у' => 'y',
        'х' => 'x',
        'і' => 'i',
        'ј' => 'j',
        'ѕ' => 's',
        'һ' => 'h',
        'ԁ' => 'd',
        'ԛ' => 'q',
        'ԝ' => 'w',
        'ӏ' => 'l',
        'А' => 'A',
        'В' => 'B',
        'Е' | 'Ё' => 'E',
        'К' => 'K',
        'М' => 'M',
        'Н' => 'H',
        'О' => 'O',
        'Р' => 'P',
        'С' => 'C',
        'Т' => 'T',
        'У' => 'Y',
        'Х' => 'X',
        'І' => 'I',
        'Ј' => 'J',
        'Ѕ' => 'S',
        // Greek
        'α' => 'a',
        'ο' => 'o',
        'ν' => 'v',
        'ι' => 'i',
        'κ' => 'k',
        'ρ' => 'p',
        'τ' => 't',
        'υ' => 'u',
        'χ' => 'x',
        'Α' => 'A',
        'Β' => 'B',
        'Ε' => 'E',
        'Ζ' => 'Z',
        'Η' => 'H',
        'Ι' => 'I',
        'Κ' => 'K',
        'Μ' => 'M',
        'Ν' => 'N',
        'Ο' => 'O',
        'Ρ' => 'P',
        'Τ' => 'T',
        'Υ' => 'Y',
        'Χ' => 'X',
        _ => return None,
    })
}

/// Characters that take no room on the page.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{00ad}'
    )
}

/// A character [`errors`] reports inside a word (a look-alike letter, an invisible character).
pub fn suspicious(c: char) -> bool {
    latin_lookalike(c).is_some() || invisible(c)
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')
}

fn script(c: char) -> &'static str {
    if ('\u{0370}'..='\u{03ff}').contains(&c) {
        "Greek"
    } else {
        "Cyrillic"
    }
}

/// E053 for a word (its characters, and where it ends) that mixes scripts or hides a character.
fn word_error(source: &Source, word: &[(usize, char)], end: usize) -> Option<Diagnostic> {
    let text = &source.text;
    let span = word[0].0..end;
    let ascii_letter = word.iter().any(|(_, c)| c.is_ascii_alphabetic());
    if let Some((_, c)) = word
        .iter()
        .find(|(_, c)| latin_lookalike(*c).is_some())
        .filter(|_| ascii_letter)
    {
        let looks = latin_lookalike(*c).unwrap_or('?');
        return Some(
            Diagnostic::error(
                "E053",
                format!(
                    "`{}` mixes ASCII letters with `{c}` (U+{:04X}, a {} letter that looks like `{looks}`)",
                    &text[span.clone()],
                    *c as u32,
                    script(*c)
                ),
            )
            .at(source, span)
            .help(format!("type the name in ASCII: `{looks}` instead of `{c}`")),
        );
    }
    let k = (1..word.len().saturating_sub(1))
        .find(|&k| invisible(word[k].1) && name_char(word[k - 1].1) && name_char(word[k + 1].1))?;
    let shown: String = word
        .iter()
        .map(|(_, c)| *c)
        .filter(|c| !invisible(*c))
        .collect();
    Some(
        Diagnostic::error(
            "E053",
            format!(
                "`{shown}` holds an invisible character (U+{:04X}) between `{}` and `{}`",
                word[k].1 as u32,
                word[k - 1].1,
                word[k + 1].1
            ),
        )
        .at(source, span)
        .help(format!(
            "delete the character and type the name again: `{shown}`"
        )),
    )
}

/// E053 for every word that mixes ASCII letters with a look-alike letter, every invisible
/// character between two name characters, and every address with digits of another script.
pub fn errors(source: &Source) -> Vec<Diagnostic> {
    let text = &source.text;
    let mut out = Vec::new();
    // Words: runs of ASCII name characters, look-alike letters and invisible characters.
    let in_word = |c: char| name_char(c) || latin_lookalike(c).is_some() || invisible(c);
    let mut word: Vec<(usize, char)> = Vec::new();
    for (at, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if in_word(c) {
            word.push((at, c));
            continue;
        }
        if !word.is_empty() {
            if let Some(d) = word_error(source, &word, at) {
                out.push(d);
            }
            word.clear();
        }
    }
    // (Only a text with a digit of another script can hold one: the pattern, with every
    // script's digits, is costly to build.)
    let other_digits = text.chars().any(|c| !c.is_ascii() && c.is_numeric());
    let found = other_digits.then(|| ANY_DIGIT_ADDRESS.find_iter(text));
    for m in found.into_iter().flatten() {
        if let Some(c) = m
            .as_str()
            .chars()
            .find(|c| c.is_numeric() && !c.is_ascii_digit() && full_width(*c).is_none())
        {
            out.push(
                Diagnostic::error(
                    "E053",
                    format!(
                        "the address `{}` has `{c}` (U+{:04X}), a digit of another script",
                        m.as_str(),
                        c as u32
                    ),
                )
                .at(source, m.range())
                .help("write the address with ASCII digits 0-9"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(text: &str) -> Vec<&'static str> {
        let s = Source::from_text("t.md", text);
        s.notes.iter().map(|d| d.code).collect()
    }

    #[test]
    fn full_width_addresses_become_ascii_with_a_warning() {
        let s = Source::from_text("t.md", "| web-1 | １０.８．０.１１ |\n第１步\n");
        assert!(s.text.contains("| web-1 | 10.8.0.11 |"), "{}", s.text);
        assert!(s.text.contains("第１步"), "only addresses change");
        assert_eq!(s.notes.len(), 1);
        assert_eq!(s.notes[0].code, "W053");
        assert_eq!(s.notes[0].line, 1);
    }

    #[test]
    fn look_alike_letters_hidden_characters_and_foreign_digits_are_errors() {
        assert_eq!(codes("登录 wеb-1 执行"), ["E053"]);
        assert_eq!(codes("登录 web\u{200b}-1 执行"), ["E053"]);
        assert_eq!(codes("IP ١٠.8.0.11"), ["E053"]);
        assert_eq!(codes("ΑPI-1"), ["E053"]);
        // Russian words, Greek units, a space between Chinese words: the writer's text.
        assert!(codes("сервер 100μs 登录\u{200b}服务器 web-1\u{200b}").is_empty());
    }
}
