//! Quoting is proven against real bash: whatever the string, the quoted word evaluates to it.

use proptest::prelude::*;
use rbc::quote::{quote, quote_array};
use std::process::Command;

/// Runs `script` with `bash -c` in the given locale and returns stdout, failing on a non-zero exit.
fn bash(script: &str, locale: &str) -> Vec<u8> {
    let output = Command::new("bash")
        .arg("-c")
        .arg(script)
        .env("LC_ALL", locale)
        .output()
        .expect("bash runs");
    assert!(
        output.status.success(),
        "bash failed on {script:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// One bash run checks the uses of a quoted word: argument, assignment, array element, `local`
/// value, `case` pattern.
/// Outputs are NUL-separated (a bash string never holds NUL, so the split is exact).
fn bash_evaluations(s: &str, locale: &str) -> Vec<Vec<u8>> {
    let q = quote(s);
    let array = quote_array(&[s.to_owned(), "-x".to_owned(), s.to_owned()]);
    let script = format!(
        "printf '%s\\0' {q}\n\
         v={q}; printf '%s\\0' \"$v\"\n\
         a={array}; printf '%s\\0' \"${{a[@]}}\"\n\
         f() {{ local l={q}; printf '%s\\0' \"$l\"; }}; f\n\
         case {q} in {q}) printf 'matched\\0' ;; esac"
    );
    let out = bash(&script, locale);
    let mut parts: Vec<Vec<u8>> = out.split(|&b| b == 0).map(<[u8]>::to_vec).collect();
    assert_eq!(parts.pop(), Some(Vec::new()), "output ends with NUL");
    parts
}

fn expected(s: &str) -> Vec<Vec<u8>> {
    let s = s.replace('\0', "").into_bytes();
    vec![
        s.clone(),
        s.clone(),
        s.clone(),
        b"-x".to_vec(),
        s.clone(),
        s,
        b"matched".to_vec(),
    ]
}

fn awkward_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::sample::select(
            "'\"$`\n\\!*?[]{}~#;&|<>() \t\r^%=,:@-".chars().collect::<Vec<_>>()
        ),
        2 => proptest::char::range('\u{4e00}', '\u{9fff}'), // CJK
        1 => proptest::char::range('\u{0}', '\u{1f}'),      // control characters, NUL included
        1 => proptest::sample::select(vec!['\u{7f}', '\u{a0}', '\u{3000}', '\u{feff}', '\u{1f600}']),
        2 => proptest::char::range('a', 'z'),
        1 => any::<char>(),
    ]
}

fn awkward_string() -> impl Strategy<Value = String> {
    proptest::collection::vec(awkward_char(), 0..24).prop_map(|chars| chars.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn quoted_word_evaluates_to_the_string_in_utf8_locale(s in awkward_string()) {
        prop_assert_eq!(bash_evaluations(&s, "C.UTF-8"), expected(&s));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn quoted_word_evaluates_to_the_string_in_c_locale(s in awkward_string()) {
        prop_assert_eq!(bash_evaluations(&s, "C"), expected(&s));
    }
}

#[test]
fn obvious_cases_round_trip() {
    let cases = [
        "",
        " ",
        "'",
        "''",
        "\"",
        "$HOME",
        "${x:-y}",
        "$(id)",
        "`id`",
        "a\nb\n",
        "\n",
        "!",
        "!!",
        "*",
        "?",
        "[a]",
        "{a,b}",
        "~",
        "~root",
        "#comment",
        "-rf",
        "--",
        "a=b",
        "^x",
        "\\",
        "tab\there",
        "分别登录 api-1 执行 “重启” 命令",
        "mysql -uroot -p'P@ss w0rd$'",
    ];
    for s in cases {
        assert_eq!(bash_evaluations(s, "C.UTF-8"), expected(s), "{s:?}");
    }
}

#[test]
fn quoted_words_survive_a_script_file() {
    // Generated scripts are files, not `bash -c` arguments: check that path as well.
    let values = ["it's", "a\nb", "$(reboot)", "安装 Tomcat", "", "-n"];
    let mut script = String::new();
    for v in values {
        script.push_str(&format!("printf '%s\\0' {}\n", quote(v)));
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("quoted.sh");
    std::fs::write(&path, script).unwrap();
    let out = Command::new("bash").arg(&path).output().unwrap();
    assert!(out.status.success());
    let expected: Vec<u8> = values
        .iter()
        .flat_map(|v| [v.as_bytes(), b"\0"].concat())
        .collect();
    assert_eq!(out.stdout, expected);
}

#[test]
fn array_literal_shape() {
    let items = vec!["a".to_owned(), "b c".to_owned()];
    assert_eq!(quote_array(&items), "( a 'b c' )");
}
