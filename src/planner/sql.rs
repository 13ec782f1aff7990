use super::Walker;
use crate::classify::{self, Line};
use crate::evidence::Target;
use crate::lexicon;
use crate::plan::{Action, StepKind};

impl<'a> Walker<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn sql(
        &mut self,
        i: usize,
        line: usize,
        client: Option<String>,
        statements: Vec<String>,
        t: &Target,
        lead: &str,
        content: &str,
    ) {
        // Lines at a redis-cli / psql / mongo prompt with no client line: that client, not mysql.
        if client.is_none() && self.sql_session.is_none() {
            if let Some(cmd) = classify::prompt_client(content) {
                self.client_session(i, line, cmd, &statements, t, format!("{lead}\n{content}"));
                return;
            }
        }
        let annotation = self.annotation.clone();
        let mut database = annotation
            .as_ref()
            .and_then(|a| a.db.clone())
            .or_else(|| self.sql_session.as_ref().and_then(|s| s.1.clone()));
        let mut body = Vec::new();
        let mut ended = false;
        for s in statements {
            let lower = s.to_ascii_lowercase();
            if let Some(db) = lower.strip_prefix("use ") {
                database = Some(
                    s[4..4 + db.trim().len()]
                        .trim()
                        .trim_end_matches(';')
                        .to_string(),
                );
                continue;
            }
            if lower == "exit" || lower == "quit" {
                ended = true;
                continue;
            }
            body.push(s);
        }
        // The session goes on in later blocks, with the database `use` chose, until `exit`.
        let session_client = client
            .clone()
            .or_else(|| self.sql_session.as_ref().map(|s| s.0.clone()));
        self.sql_session = match (ended, &session_client) {
            (false, Some(c)) => Some((c.clone(), database.clone())),
            _ => None,
        };
        if body.is_empty() {
            self.note(
                i,
                line,
                content.trim(),
                "opens a database session; its statements follow",
            );
            return;
        }
        // The session's client, even when this block ends it with `exit`.
        let client = session_client;
        let client_known = client.is_some();
        let client = client.unwrap_or_else(|| "mysql".to_string());
        let read_only = body.iter().all(|s| classify::sql_is_read_only(s));
        let destructive = body.iter().any(|s| classify::sql_is_destructive(s));
        let counts = body.iter().all(|s| classify::sql_is_count(s));
        let expect_zero = annotation
            .as_ref()
            .and_then(|a| a.expect_zero)
            .unwrap_or(counts && lexicon::contains_any(lead, &["检查", "确认", "check"]));
        if !client_known {
            self.warn(
                "W023",
                self.content_span(i, None),
                "SQL with no client command: rbc runs it with `mysql`".into(),
                "show the client line (`# mysql -uroot -p`) or keep the default",
            );
        }
        let kind = if destructive {
            StepKind::Manual
        } else if read_only {
            StepKind::Check
        } else {
            StepKind::Once
        };
        let kind = if t.known() { kind } else { StepKind::Manual };
        let summary_text = body
            .iter()
            .map(|s| s.replace('\n', " "))
            .collect::<Vec<_>>()
            .join("; ");
        let action = Action::Sql {
            client,
            database,
            statements: body,
            expect_zero,
        };
        let mut d = self.draft(i, kind, t, line, &summary_text, action);
        d.source = format!("{lead}\n{content}");
        self.push(i, d);
    }

    /// The `mysql>` lines from `from` on (comments become notes); returns them and the next index.
    /// A client other than mysql (`psql`, `redis-cli`, `mongo`) with the lines typed at its
    /// prompt: the client runs once with those lines as its input, never left waiting.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn client_session(
        &mut self,
        i: usize,
        line: usize,
        cmd: &str,
        stmts: &[String],
        t: &Target,
        source: String,
    ) {
        let read_only = stmts.iter().all(|s| {
            let l = s.trim_start().to_ascii_lowercase();
            classify::sql_is_read_only(&l)
                || lexicon::starts_with_any(&l, lexicon::CLIENT_READS)
                || lexicon::contains_any(&l, &[".find(", ".count(", ".stats(", "rs.status()"])
        });
        let destructive = stmts.iter().any(|s| {
            classify::sql_is_destructive(s)
                || lexicon::contains_any(&s.to_ascii_lowercase(), lexicon::DESTRUCTIVE)
                || s.to_ascii_lowercase().starts_with("del ")
        });
        // The lines typed at the prompt reach the client only: no line can equal the delimiter.
        let input = stmts.join("\n");
        let delim = classify::unique_delimiter("RBC_INPUT", &input);
        let command = format!("{cmd} <<'{delim}'\n{input}\n{delim}");
        let kind = if !t.known() || destructive {
            StepKind::Manual
        } else if read_only {
            StepKind::Check
        } else {
            StepKind::Once
        };
        if destructive {
            self.warn(
                "W025",
                self.line_span(line),
                format!("`{cmd}` session deletes data: rbc does not run it, the operator runs it by hand and confirms"),
                "this is intended for rollback or cleanup; keep it manual",
            );
        }
        let action = if read_only {
            Action::Probe {
                command: command.clone(),
            }
        } else {
            Action::Run {
                command: command.clone(),
            }
        };
        let mut d = self.draft(i, kind, t, line, &command, action);
        d.cwd = Some(self.cwd.clone());
        d.source = source;
        self.push(i, d);
    }

    pub(super) fn collect_sql(
        &mut self,
        i: usize,
        lines: &[(usize, Line)],
        from: usize,
    ) -> (Vec<String>, usize) {
        let mut stmts = Vec::new();
        let mut j = from;
        while j < lines.len() {
            match &lines[j].1 {
                Line::Sql(s) => stmts.push(self.strip_comment(s, lines[j].0)),
                Line::Blank => {}
                Line::Comment(c) => {
                    self.note(i, lines[j].0, c, "a comment in the block; not executed");
                }
                // The client's answer (`PONG`, `(integer) 1`) between two of its prompts.
                Line::Plain(out)
                    if lines[j + 1..]
                        .iter()
                        .find(|(_, l)| !matches!(l, Line::Plain(_) | Line::Blank))
                        .is_some_and(|(_, l)| matches!(l, Line::Sql(_))) =>
                {
                    self.note(
                        i,
                        lines[j].0,
                        out,
                        "example output of the client; not executed",
                    );
                }
                _ => break,
            }
            j += 1;
        }
        (stmts, j)
    }
}
