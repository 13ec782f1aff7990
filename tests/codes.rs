//! Diagnostic codes come from one registry (src/codes.rs), and README's Diagnostics table
//! documents exactly those codes: a code added in one place and not the others fails here.

use std::collections::BTreeSet;

use rbc::codes::CODES;

fn code_like(word: &str) -> bool {
    let b = word.as_bytes();
    b.len() == 4 && b"EWNL".contains(&b[0]) && b[1..].iter().all(u8::is_ascii_digit)
}

/// Codes in the README's Diagnostics table, except rows that say they are not used.
fn readme_codes() -> BTreeSet<String> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = readme
        .split("\n## Diagnostics")
        .nth(1)
        .expect("README has a Diagnostics section");
    let table = table.split("\n## ").next().unwrap();
    let mut codes = BTreeSet::new();
    for row in table.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        if cells.len() < 3 || cells[2].starts_with("(not used") {
            continue;
        }
        for word in cells[1].split(|c: char| !c.is_ascii_alphanumeric()) {
            if code_like(word) {
                codes.insert(word.to_string());
            }
        }
    }
    codes
}

/// Every `"W012"`-like string literal in src/.
fn source_codes() -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    let mut dirs = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                for piece in text.split('"') {
                    if code_like(piece) {
                        codes.insert(piece.to_string());
                    }
                }
            }
        }
    }
    codes
}

#[test]
fn registry_has_each_code_once() {
    let mut seen = BTreeSet::new();
    for c in CODES {
        assert!(code_like(c.code), "{} is not a code", c.code);
        assert!(seen.insert(c.code), "{} is registered twice", c.code);
        assert!(!c.meaning.is_empty(), "{} has no meaning", c.code);
    }
}

#[test]
fn readme_documents_exactly_the_registered_codes() {
    let registered: BTreeSet<String> = CODES.iter().map(|c| c.code.to_string()).collect();
    let documented = readme_codes();
    let undocumented: Vec<_> = registered.difference(&documented).collect();
    let unregistered: Vec<_> = documented.difference(&registered).collect();
    assert!(
        undocumented.is_empty(),
        "registered in src/codes.rs but not in README's Diagnostics table: {undocumented:?}"
    );
    assert!(
        unregistered.is_empty(),
        "in README's Diagnostics table but not registered in src/codes.rs: {unregistered:?}"
    );
}

#[test]
fn every_code_the_source_uses_is_registered() {
    let registered: BTreeSet<String> = CODES.iter().map(|c| c.code.to_string()).collect();
    let used = source_codes();
    let missing: Vec<_> = used.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "codes used in src/ but not registered in src/codes.rs (add a line there and a README row): {missing:?}"
    );
}
