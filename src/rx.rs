//! Matches with a length limit checked in code, not in the pattern.
//!
//! A bounded repeat of a large class (`[^，。；：]{1,60}?`, `[^<>\s]{0,30}`) makes the regex crate
//! build one copy of the class per repeat: about ten times the compile time of the unbounded
//! pattern, paid by every `rbc` process (it was a quarter of `rbc plan`). Such patterns are
//! written unbounded, and [`captures`] keeps the matches whose limited part is within its limit.
//! That finds exactly what the bounded pattern finds when the limited part can end in one place
//! only for a given start (its class excludes what follows it, or it is lazy and the shortest is
//! wanted): a match outside the limit means that no match starts there, so the search goes on one
//! character after its start, as the bounded pattern's search would.

use regex::{Captures, Match, Regex};

/// The matches of `re` in `text` that `keep` accepts, leftmost first.
pub fn captures<'r, 't, F>(
    re: &'r Regex,
    text: &'t str,
    keep: F,
) -> impl Iterator<Item = Captures<'t>> + 'r
where
    F: Fn(&Captures<'t>) -> bool + 'r,
    't: 'r,
{
    let mut at = 0;
    std::iter::from_fn(move || {
        while at <= text.len() {
            let c = re.captures_at(text, at)?;
            let m = c.get(0)?;
            let next_char = |i: usize| i + text[i..].chars().next().map_or(1, char::len_utf8);
            if keep(&c) {
                at = if m.end() > m.start() {
                    m.end()
                } else {
                    next_char(m.end())
                };
                return Some(c);
            }
            at = next_char(m.start());
        }
        None
    })
}

/// Whether a group's text has between `min` and `max` characters (a group that did not take
/// part passes: an optional part has no length to check).
pub fn within(m: Option<Match>, min: usize, max: usize) -> bool {
    m.map_or(true, |m| (min..=max).contains(&m.as_str().chars().count()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The unbounded pattern with the check finds what the bounded one finds.
    #[test]
    fn the_check_finds_what_the_bounded_pattern_finds() {
        let cases: [(&str, &str, usize, usize, &str); 4] = [
            (
                r"在([^，。；]{1,6}?)上",
                r"在([^，。；]+?)上",
                1,
                6,
                "在甲乙丙丁戊己庚上，在甲上，在上上；在一二三四五六七八九上在乙上",
            ),
            (
                r"<([^<>\s]{0,3})>",
                r"<([^<>\s]*)>",
                0,
                3,
                "<abcd> <ab> <> <<x>> <a b> <xyz>",
            ),
            (
                r"(?:pass|key)=([^\s;]{4,})",
                r"(?:pass|key)=([^\s;]+)",
                4,
                usize::MAX,
                "pass=abc key=abcd;pass=abcdef pass= key=ab",
            ),
            (
                r"a(?:,([^()]{0,2}))?\)",
                r"a(?:,([^()]*))?\)",
                0,
                2,
                "a) a,xy) a,xyz) a,) (a,(b))",
            ),
        ];
        for (bounded, unbounded, min, max, text) in cases {
            let b = Regex::new(bounded).unwrap();
            let u = Regex::new(unbounded).unwrap();
            let want: Vec<_> = b
                .captures_iter(text)
                .map(|c| c.get(0).unwrap().range())
                .collect();
            let got: Vec<_> = captures(&u, text, |c| within(c.get(1), min, max))
                .map(|c| c.get(0).unwrap().range())
                .collect();
            assert_eq!(got, want, "{bounded} on {text}");
            assert!(!want.is_empty());
        }
    }
}
