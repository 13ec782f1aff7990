//! A value read on one host and written on others (`将rabbit1上获取的X文件内容覆盖到rabbit2上的该
//! 文件`): the look at the file on the reading host becomes a `ReadValue` step, which keeps the
//! content 0600 in that host's state directory (never shown), so that the fleet's playbook can
//! carry it to the hosts that write it (SPEC §7, §5.1).

use crate::classify;
use crate::plan::{Action, Phase, Plan, StepKind};

/// The name of the value a file holds: its file name in capitals, other characters `_`
/// (`/root/.erlang.cookie` → `ERLANG_COOKIE`).
pub(super) fn value_name(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect::<String>()
        .trim_matches('_')
        .to_string()
}

/// The file a look shows whole (`cat F`, `more F`, `less F`), resolved against its folder.
fn file_shown(command: &str, cwd: &str) -> Option<String> {
    let words = shlex::split(command)?;
    let [prog, path] = words.as_slice() else {
        return None;
    };
    if !matches!(prog.as_str(), "cat" | "more" | "less")
        || path.starts_with('-')
        || classify::has_expansion(path)
        || path.contains(['*', '?', '[', '~'])
    {
        return None;
    }
    Some(classify::resolve(cwd, path))
}

/// For every value written on some hosts and read on another (`WriteValue { from }`): the last
/// look before it, on that host, that shows a file of the same name becomes the step that reads
/// the value. A look made a person's step (a doubt) stays as it is: then the value is the
/// operator's to give.
pub fn link_read_values(plan: &mut Plan) {
    let mut reads: Vec<(usize, String, String)> = Vec::new();
    for (i, w) in plan.steps.iter().enumerate() {
        let Action::WriteValue { value, from, .. } = &w.action else {
            continue;
        };
        if w.phase != Phase::Run {
            continue;
        }
        let found = plan.steps[..i].iter().enumerate().rev().find_map(|(j, s)| {
            let Action::Probe { command } = &s.action else {
                return None;
            };
            if s.phase != Phase::Run
                || s.kind != StepKind::Check
                || s.finding.is_some()
                || !s.hosts.iter().any(|h| h == from)
            {
                return None;
            }
            let path = file_shown(command, s.cwd.as_deref().unwrap_or("/root"))?;
            (value_name(&path) == *value).then_some((j, path))
        });
        if let Some((j, path)) = found {
            if !reads.iter().any(|(k, ..)| *k == j) {
                reads.push((j, path, value.clone()));
            }
        }
    }
    for (j, path, value) in reads {
        let s = &mut plan.steps[j];
        s.action = Action::ReadValue { path, value };
        let (summary, guard) = s.action.describe();
        s.summary = summary;
        s.guard = guard;
    }
}
