//! The registry of diagnostic codes: every code rbc can print, once, with what it means.
//! README's Diagnostics table documents each one (tests/codes.rs holds the two together, and
//! holds every code the source uses to this list). To add a code: add a line here and a row
//! there.

/// A diagnostic code and its meaning in a few words (for summaries and `--explain`-style help).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Code {
    pub code: &'static str,
    pub meaning: &'static str,
}

const fn c(code: &'static str, meaning: &'static str) -> Code {
    Code { code, meaning }
}

/// Every code, in the order of README's table.
pub const CODES: &[Code] = &[
    c("E001", "runbook missing"),
    c("E002", "runbook empty"),
    c("E003", "runbook not text"),
    c("N001", "read as GB18030/UTF-16, not UTF-8"),
    c("W001", "section number does not follow the previous one"),
    c("E010", "one host with two IPs"),
    c("W010", "one IP with two names"),
    c("W011", "an IP never given a name"),
    c("E020", "bad annotation"),
    c("E021", "bad annotation value"),
    c("E022", "annotation in the wrong place"),
    c("W020", "a block rbc cannot classify (manual)"),
    c("W021", "an edit whose position is not certain (manual)"),
    c("W022", "SQL without a database"),
    c("W023", "SQL without a client line"),
    c("W024", "a command rbc doubts"),
    c("W025", "a destructive command (confirmation first)"),
    c("W026", "a `//` comment inside a command (left out)"),
    c(
        "W027",
        "the sentence asks for work its block does not do (manual)",
    ),
    c(
        "W028",
        "a here-document that never reaches its delimiter (manual)",
    ),
    c("E030", "unknown host name close to a known one"),
    c("E031", "machines named but no server declared"),
    c("N002", "a machine named without an IP"),
    c("W030", "hosts carried over from another section (manual)"),
    c("W031", "no host at all (manual)"),
    c("W032", "a block given as an example"),
    c("W033", "no host named; the servers are one group (manual)"),
    c("W042", "a repeat with an exception (manual)"),
    c("W043", "a value that differs per host (manual)"),
    c(
        "N015",
        "a value marked as each host's own name/IP, given per host",
    ),
    c("N020", "values given per host in order, each host its own"),
    c(
        "N021",
        "other hosts' values given by key, each host its own",
    ),
    c("W044", "a prompt that disagrees with the sentence"),
    c(
        "W045",
        "a command in the text that rbc does not run (a note)",
    ),
    c(
        "W046",
        "work under a condition a person judges (manual)",
    ),
    c("W035", "steps repeated on the hosts named"),
    c("W036", "an instruction done by a known recipe"),
    c("W037", "a credential written in the runbook"),
    c("W038", "a prompt directory rbc cannot place (manual)"),
    c("W040", "a file name glued to prose"),
    c(
        "W090",
        "a comment in a block names one host but the block cannot be split by such comments (manual)",
    ),
    c("W080", "an `allow=` that acknowledges nothing"),
    c("W081", "a fence never closed"),
    c("W082", "an HTML comment never closed"),
    c(
        "W096",
        "an XML element's content and its `vim FILE` line are for different hosts (manual)",
    ),
    c("E080", "an annotation comment never closed"),
    c("W050", "a table rbc does not understand"),
    c(
        "W051",
        "an unquoted here-document whose text bash would expand (manual)",
    ),
    c(
        "W052",
        "added text holding a line that reads like rbc's block marker (manual)",
    ),
    c("E050", "runbook not a regular file, or over 16 MiB"),
    c("E051", "a host name no machine can have"),
    c("E052", "a host-table cell that is not a list of host names"),
    c(
        "E053",
        "a look-alike letter, invisible character or foreign digit",
    ),
    c("E054", "an IPv4 address with a number over 255"),
    c("W053", "an address in full-width digits, read as ASCII"),
    c("L001", "a path one slip away from one that exists"),
    c("L002", "a file used that was never uploaded"),
    c("L003", "a backup restored under another name"),
    c("L004", "`-p` glued to the next option"),
    c("L005", "an extension written twice"),
    c("L006", "a relative path meant to be absolute"),
    c("L007", "one machine spelled two ways"),
    c("L009", "a `mv` onto a directory that exists"),
];

/// The registry entry of a code.
pub fn lookup(code: &str) -> Option<&'static Code> {
    CODES.iter().find(|c| c.code == code)
}
