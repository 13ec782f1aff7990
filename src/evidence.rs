//! Why a step runs where it runs: the evidence for its hosts and content, as data, and the one
//! table (`EvidenceKind::guess`) that says which evidence is a guess (SPEC §2.2).

use serde::Serialize;

/// One kind of evidence for a step's hosts or content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceKind {
    /// `<!-- rbc: hosts=... -->` or another annotation before the block.
    Annotation,
    /// A prompt that names the host (`[root@web-2 ~]#`).
    Prompt,
    /// A sentence that names the hosts (`登录web-1`, `分别登录…`, `在X上执行`), in this section or
    /// one that encloses it.
    Sentence,
    /// A bullet list of hosts (`操作服务器：` then `- web-1`, `- web-2`).
    HostList,
    /// A row of an operation or upload table.
    TableRow,
    /// A section title naming a group (`2.2 API` → api-1, api-2).
    SectionTitle,
    /// A rollback `mv B A` runs where the forward `mv A B` ran.
    UndoneRename,
    /// `X与Y相同`, `同理`, `同上`: another host's steps, repeated.
    Repeat,
    /// The document-wide default (`如无特别说明，以下操作均在所有节点执行`) for a section that
    /// names no host.
    DocumentDefault,
    /// Hosts named in an earlier section, carried over to a section that names none.
    CarriedOver,
    /// The runbook has one server: every step runs there.
    OnlyServer,
    /// A block shows the existing content of a file (a note; edits after it use it).
    Excerpt,
    /// Nothing names a host, and the runbook's servers are all one group.
    OnlyGroup,
    /// A repeat of another host's steps with an exception (`…相同，但…不同`, `除了…`).
    RepeatWithException,
    /// The text says a value in the content differs per host (`# 改为当前主机名`).
    PerHostValue,
    /// A value marked "this host's own name / IP" (`# 改为当前主机名`), given to each host as its
    /// own: the step runs on that one host with that host's value (not a guess).
    OwnValue,
    /// A prompt names a host the sentence before the block does not.
    PromptDisagrees,
    /// The hosts came from weaker evidence (a title, carried over) and the block's prompt shows
    /// another one of them: on the others the step is a guess.
    PromptShowsOther,
    /// The section's place in the tree (and so its hosts or phase) rests on a section number
    /// that does not follow its predecessor.
    NumberingAnomaly,
    /// Work under a condition the operator judges: a branch of the rollback (`如果是证书问题导致的
    /// 失败`), a section for when something has failed (`附：主库故障时手工提升备库`).
    Conditional,
}

/// What a guess is, in words, and what the writer can do to make it certain.
pub struct Doubt {
    /// The diagnostic code of the warning the doubt pass gives.
    pub code: &'static str,
    /// The guess, completed by the line: `hosts carried over from line 12`.
    pub what: &'static str,
    pub help: &'static str,
}

impl EvidenceKind {
    /// The table: `Some` for a guess (the step becomes manual), `None` for evidence rbc trusts.
    pub fn guess(self) -> Option<Doubt> {
        use EvidenceKind::*;
        let (code, what, help) = match self {
            Annotation | Prompt | Sentence | HostList | TableRow | SectionTitle | UndoneRename
            | Repeat | OnlyServer | Excerpt | DocumentDefault | OwnValue => return None,
            CarriedOver => (
                "W030",
                "no host is named in this section; the hosts are carried over from",
                "name the hosts in a sentence (`登录web-1`, `在所有节点上执行`) or add `<!-- rbc: hosts=... -->` before the block",
            ),
            OnlyGroup => (
                "W033",
                "no host is named here; rbc would use every server because they are all one group, as of",
                "name the hosts in a sentence (`在所有节点上执行`) or add `<!-- rbc: hosts=... -->`",
            ),
            RepeatWithException => (
                "W042",
                "the steps repeat another host's with an exception, said at",
                "write the differing steps out for that host, or annotate the block with `<!-- rbc: hosts=... -->`",
            ),
            PerHostValue => (
                "W043",
                "the text says a value here differs per host, at",
                "give each host its own block (`在web-2上：`) with its value, or keep it manual",
            ),
            PromptDisagrees => (
                "W044",
                "the prompt names a host the sentence before the block does not, at",
                "make the prompt and the sentence agree, or add `<!-- rbc: hosts=... -->`",
            ),
            PromptShowsOther => (
                "W044",
                "the block's prompt shows another host than this one, at",
                "name every host in a sentence before the block (`分别登录web-1和web-2`), or give each host its own block",
            ),
            Conditional => (
                "W046",
                "the runbook does this only under a condition a person judges, said at",
                "the operator decides whether the condition holds; write it as a check rbc can run, or keep it manual",
            ),
            NumberingAnomaly => (
                "W001",
                "the section number does not follow its predecessor, so where this section belongs (and which hosts it runs on) is a guess, at",
                "fix the section number, or annotate the blocks with `<!-- rbc: hosts=... -->`",
            ),
        };
        Some(Doubt { code, what, help })
    }

    pub fn is_guess(self) -> bool {
        self.guess().is_some()
    }
}

/// One piece of evidence and the line it stands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Evidence {
    pub kind: EvidenceKind,
    pub line: usize,
}

impl Evidence {
    pub fn new(kind: EvidenceKind, line: usize) -> Self {
        Evidence { kind, line }
    }
}

/// The hosts of a step (indexes into the inventory), the evidence for them and, for people, why.
/// No evidence at all means rbc does not know where the step runs (it is manual).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Target {
    pub hosts: Vec<usize>,
    pub evidence: Vec<Evidence>,
    pub why: String,
}

impl Target {
    pub fn new(hosts: Vec<usize>, kind: EvidenceKind, line: usize, why: impl Into<String>) -> Self {
        Target {
            hosts,
            evidence: vec![Evidence::new(kind, line)],
            why: why.into(),
        }
    }

    /// On no host, for a reason (notes, a person's step, nothing named).
    pub fn nowhere(why: impl Into<String>) -> Self {
        Target {
            hosts: Vec::new(),
            evidence: Vec::new(),
            why: why.into(),
        }
    }

    /// rbc knows where the step runs (it may still be a guess).
    pub fn known(&self) -> bool {
        !self.evidence.is_empty()
    }

    /// The first piece of evidence that is a guess.
    pub fn guess(&self) -> Option<Evidence> {
        self.evidence.iter().copied().find(|e| e.kind.is_guess())
    }

    /// Adds evidence (a repeat, a per-host value) and its words.
    pub fn with(mut self, kind: EvidenceKind, line: usize, why: &str) -> Self {
        self.add(kind, line, why);
        self
    }

    pub fn add(&mut self, kind: EvidenceKind, line: usize, why: &str) {
        let e = Evidence::new(kind, line);
        if !self.evidence.contains(&e) {
            self.evidence.push(e);
        }
        if !why.is_empty() {
            if self.why.is_empty() {
                self.why = why.to_string();
            } else {
                self.why = format!("{}; {why}", self.why);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guesses_are_the_table() {
        assert!(EvidenceKind::CarriedOver.is_guess());
        assert!(EvidenceKind::PerHostValue.is_guess());
        assert!(!EvidenceKind::Prompt.is_guess());
        assert!(!EvidenceKind::Sentence.is_guess());
        let t = Target::new(vec![1], EvidenceKind::Sentence, 3, "login").with(
            EvidenceKind::CarriedOver,
            9,
            "",
        );
        assert_eq!(t.guess(), Some(Evidence::new(EvidenceKind::CarriedOver, 9)));
        assert!(!Target::nowhere("x").known());
    }
}
