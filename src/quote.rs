//! Bash quoting: the one place where a value becomes bash text.
//! Every value the compiler inserts into a generated script goes through `quote` or `quote_array`.
//!
//! Why not `shlex::try_quote`: it mixes single- and double-quoted chunks, and bash (5.2 here,
//! and older ones with more such bugs) mangles a double-quoted `\x01` or `\x7f` followed by `\` or
//! `"` inside an array literal, `a=( "\x01\\" )` gives `\x01\x01\`; the property test in
//! `tests/quote.rs` found it. Plain single quotes are the one form bash never reinterprets: inside
//! them every byte is literal and only `'` itself needs the `'\''` dance.

use std::borrow::Cow;

/// Returns one bash word that evaluates to exactly `s`, whatever it holds: Chinese text, quotes,
/// `$`, backticks, newlines, control characters, `!`, glob characters, `=`, or nothing (`''`).
///
/// The word means the same as a command argument, an assignment or `local`/`export` value, an
/// array element and a `case` pattern, in a script file or `bash -c`. Plain words such as `api-1`
/// or `/opt/app` come back unquoted so scripts stay readable. (A leading `-` is preserved, but, as
/// with any quoting, a command still reads it as an option: put `--` before it where that matters.)
///
/// NUL cannot exist in a bash string (nor in an argument, a file name, or the environment), so
/// NULs in `s` are dropped: the word evaluates to `s` without them. Runbooks holding binary data
/// are refused long before this point, so this never loses meaningful text.
pub fn quote(s: &str) -> String {
    let s: Cow<str> = if s.contains('\0') {
        Cow::Owned(s.replace('\0', ""))
    } else {
        Cow::Borrowed(s)
    };
    if s.is_empty() {
        return "''".to_owned();
    }
    if s.bytes().all(is_plain) {
        return s.into_owned();
    }
    let mut word = String::with_capacity(s.len() + 2);
    word.push('\'');
    word.push_str(&s.replace('\'', r"'\''"));
    word.push('\'');
    word
}

/// A bash array literal, `( 'a' 'b c' )`, whose elements are exactly `items`; `()` when empty.
pub fn quote_array(items: &[String]) -> String {
    if items.is_empty() {
        return "()".to_owned();
    }
    let words: Vec<String> = items.iter().map(|item| quote(item)).collect();
    format!("( {} )", words.join(" "))
}

/// Bytes that mean themselves anywhere in a bash word (no glob, expansion, assignment or brace
/// meaning), so a word made only of them needs no quotes.
fn is_plain(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'/' | b':' | b'@' | b'+')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_words_stay_readable() {
        assert_eq!(quote("api-1"), "api-1");
        assert_eq!(quote("/opt/app/bin"), "/opt/app/bin");
        assert_eq!(quote("-rf"), "-rf");
    }

    #[test]
    fn empty_is_two_quotes() {
        assert_eq!(quote(""), "''");
        assert_eq!(quote_array(&[]), "()");
        assert_eq!(quote_array(&[String::new()]), "( '' )");
    }

    #[test]
    fn specials_are_single_quoted() {
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("$HOME"), "'$HOME'");
        assert_eq!(quote("a=b"), "'a=b'");
        assert_eq!(quote("安装"), "'安装'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("a\nb"), "'a\nb'");
    }

    #[test]
    fn nul_is_dropped_not_a_panic() {
        assert_eq!(quote("a\0b"), "ab");
        assert_eq!(quote("a \0b"), "'a b'");
        assert_eq!(quote("\0"), "''");
        assert_eq!(quote("\0\0"), "''");
    }
}
