//! Whole blocks of a brace-structured configuration (nginx): what a runbook shows when it adds an
//! `upstream` and a `server` to nginx.conf, or shows a block as it must be after a change.
//!
//! Read the way the bundle's runtime reads them (`rbc_conf_blocks_*` in lib/rbc.sh): statements
//! `name args;` and blocks `header { ... }`, `#` comments and quoted strings skipped. A block is
//! known by its header (`upstream api`, `location /x`); a `server` by its `server_name` and
//! `listen` values, since a file has many `server` blocks.

/// One top-level block of a runbook's excerpt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The header as written, blank space collapsed: `upstream api.example.com`, `server`.
    pub header: String,
    /// How the runtime finds it in a file (the header; for `server`, its names and ports).
    pub name: String,
    /// 0-based lines of the excerpt where it starts and ends.
    pub first_line: usize,
    pub last_line: usize,
}

/// The top-level blocks of `text`, when `text` is nothing but whole blocks, each on lines of its
/// own (comments and blank lines between them are fine); otherwise why not.
pub fn blocks(text: &str) -> Result<Vec<Block>, String> {
    let mut out: Vec<Block> = Vec::new();
    // Open blocks: (header, first line, server names, listen values).
    let mut stack: Vec<(String, usize, Vec<String>, Vec<String>)> = Vec::new();
    let mut stmt = String::new();
    let mut stmt_line = 0;
    let mut quote: Option<char> = None;
    let mut last_closed_line: Option<usize> = None;
    for (n, line) in text.lines().enumerate() {
        let mut chars = line.char_indices().peekable();
        let mut space = true;
        while let Some((i, c)) = chars.next() {
            if let Some(q) = quote {
                stmt.push(c);
                if c == '\\' {
                    if let Some((_, e)) = chars.next() {
                        stmt.push(e);
                    }
                } else if c == q {
                    quote = None;
                }
                continue;
            }
            match c {
                // A comment starts where a word would (nginx: `a#b` is a word).
                '#' if space || stmt.is_empty() => break,
                ' ' | '\t' | '\r' => space = true,
                '{' => {
                    let header = std::mem::take(&mut stmt);
                    if stack.is_empty() {
                        if header.is_empty() {
                            return Err(format!(
                                "a block without a name at line {} of the block",
                                n + 1
                            ));
                        }
                        if last_closed_line == Some(stmt_line) {
                            return Err(format!(
                                "two blocks share line {} of the block: rbc puts blocks by whole lines",
                                stmt_line + 1
                            ));
                        }
                    }
                    let first = if header.is_empty() { n } else { stmt_line };
                    stack.push((header, first, Vec::new(), Vec::new()));
                    space = false;
                }
                '}' => {
                    let Some((header, first, names, listen)) = stack.pop() else {
                        return Err(format!(
                            "a `}}` without its `{{` at line {} of the block",
                            n + 1
                        ));
                    };
                    stmt.clear();
                    if stack.is_empty() {
                        let rest = line[i + c.len_utf8()..].trim();
                        if !rest.is_empty() && !rest.starts_with('#') {
                            return Err(format!(
                                "text after the block's `}}` at line {} of the block: rbc puts blocks by whole lines",
                                n + 1
                            ));
                        }
                        let name = block_name(&header, &names, &listen);
                        if out.iter().any(|b| b.name == name) {
                            return Err(format!("the block `{name}` is shown twice"));
                        }
                        out.push(Block {
                            header,
                            name,
                            first_line: first,
                            last_line: n,
                        });
                        last_closed_line = Some(n);
                    }
                    space = false;
                }
                ';' => {
                    let s = std::mem::take(&mut stmt);
                    match stack.last_mut() {
                        None => {
                            return Err(format!(
                                "`{s};` (line {} of the block) stands outside any block",
                                n + 1
                            ))
                        }
                        Some((header, _, names, listen)) if header == "server" => {
                            if let Some(v) = s.strip_prefix("server_name ") {
                                names.push(v.to_string());
                            } else if let Some(v) = s.strip_prefix("listen ") {
                                listen.push(v.split(' ').next().unwrap_or("").to_string());
                            }
                        }
                        Some(_) => {}
                    }
                    space = false;
                }
                _ => {
                    if stmt.is_empty() {
                        stmt_line = n;
                    } else if space {
                        stmt.push(' ');
                    }
                    if c == '"' || c == '\'' {
                        quote = Some(c);
                    }
                    stmt.push(c);
                    space = false;
                }
            }
        }
        if quote.is_some() {
            stmt.push('\n');
        }
    }
    if quote.is_some() {
        return Err("a quote that never closes".into());
    }
    if !stack.is_empty() {
        return Err("a `{` without its `}`".into());
    }
    if !stmt.is_empty() {
        return Err(format!(
            "`{stmt}` (line {} of the block) stands outside any block",
            stmt_line + 1
        ));
    }
    if out.is_empty() {
        return Err("no whole block".into());
    }
    Ok(out)
}

/// The runtime's name of a block (must match `bid` in lib/rbc.sh).
fn block_name(header: &str, names: &[String], listen: &[String]) -> String {
    if header != "server" {
        return header.to_string();
    }
    let mut s = "server".to_string();
    if !names.is_empty() {
        s.push_str(" server_name ");
        s.push_str(&names.join(" "));
    }
    if !listen.is_empty() {
        s.push_str(" listen ");
        s.push_str(&listen.join(" "));
    }
    s
}

/// nginx blocks a runbook may add to a file without saying where: they live at the `http` level
/// (a `location` needs its `server`, which the words of a runbook seldom pin down).
pub fn goes_in_http(b: &Block) -> bool {
    let word = b.header.split(' ').next().unwrap_or("");
    match word {
        "upstream" | "map" | "geo" | "split_clients" => b.header.contains(' '),
        // A server is found again by its names: one without `server_name` cannot be.
        "server" => b.name.contains(" server_name "),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_and_server_blocks_with_their_names() {
        let text = "upstream api.example.com{\n    server 10.0.0.1:8080;  # one\n}\n\nserver{\n    listen 80;\n    server_name api.example.com www.example.com;\n    location / { proxy_pass http://api.example.com ; }\n}\n";
        let b = blocks(text).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].name, "upstream api.example.com");
        assert_eq!((b[0].first_line, b[0].last_line), (0, 2));
        assert_eq!(
            b[1].name,
            "server server_name api.example.com www.example.com listen 80"
        );
        assert_eq!((b[1].first_line, b[1].last_line), (4, 8));
        assert!(b.iter().all(goes_in_http));
    }

    #[test]
    fn what_is_not_whole_blocks_is_refused_with_a_reason() {
        for (text, why) in [
            ("listen 443;\nssl on;\n", "outside any block"),
            ("server {\n listen 80;\n", "without its `}`"),
            ("}\n", "without its `{`"),
            (
                "upstream a { server x; } upstream b { server y; }\n",
                "text after",
            ),
            (
                "upstream a {\n server x;\n}\nupstream a {\n server y;\n}\n",
                "shown twice",
            ),
            ("location / {\n return 404 \"x;\n}\n", "never closes"),
            ("{\n}\n", "without a name"),
            ("", "no whole block"),
        ] {
            let e = blocks(text).unwrap_err();
            assert!(e.contains(why), "{text:?}: {e}");
        }
    }

    #[test]
    fn comments_and_quotes_do_not_count_as_braces() {
        let text =
            "server {\n    server_name a.example.com; # { not a brace\n    return 200 \"}\";\n}\n";
        let b = blocks(text).unwrap();
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].name, "server server_name a.example.com");
    }

    #[test]
    fn a_location_or_a_nameless_server_has_no_certain_place() {
        let loc = blocks("location /api {\n    proxy_pass http://x;\n}\n").unwrap();
        assert!(!goes_in_http(&loc[0]));
        let nameless = blocks("server {\n    listen 80;\n}\n").unwrap();
        assert!(!goes_in_http(&nameless[0]));
    }
}
