//! The `rbc` command line: parses arguments and calls the library; nothing else.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use rbc::diagnostic::{self, Diagnostic, Severity};
use rbc::findings;
use rbc::planner::{self, Compiled};
use rbc::source::Source;

// Output never panics. std's `print!` family panics when a write fails, e.g. on a pipe closed
// early (`rbc plan | head`); these shadow them in this file. A closed stdout ends the output
// quietly and the command keeps its exit status (0 for a command that succeeded), as ripgrep
// does; any other stdout error (a full disk) is reported and exits 2. stderr errors are ignored:
// there is nowhere left to say anything.
macro_rules! print {
    ($($arg:tt)*) => { write_stdout(format_args!($($arg)*)) };
}
macro_rules! println {
    ($($arg:tt)*) => { write_stdout(format_args!("{}\n", format_args!($($arg)*))) };
}
macro_rules! eprint {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

fn write_stdout(text: std::fmt::Arguments) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match stdout.write_fmt(text).and_then(|()| stdout.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            std::process::exit(2);
        }
    }
}

#[derive(Parser)]
#[command(
    name = "rbc",
    version,
    about = "rbc, the literate runbook compiler: Markdown runbooks in, per-host offline bash bundles out"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compile the runbook into dist/: a bundle per host, the jump host's distribute.sh, the checklist.
    Compile {
        #[arg(default_value = "runbook.md")]
        runbook: PathBuf,
        /// Output folder (replaced only when the new one is complete).
        #[arg(short, long, default_value = "dist")]
        out: PathBuf,
        /// Folder holding the payloads (`rbc artifacts` lists them); they go into the bundles.
        #[arg(long)]
        artifacts: Option<PathBuf>,
        /// Only these hosts' bundles (repeatable).
        #[arg(long = "host")]
        hosts: Vec<String>,
        /// Do not lint the generated scripts with shellcheck.
        #[arg(long)]
        no_shellcheck: bool,
    },
    /// Diagnostics only: exit 0 when clean, 1 on warnings with --deny-warnings, 2 on errors.
    Check {
        #[arg(default_value = "runbook.md")]
        runbook: PathBuf,
        /// Exit 1 when there are warnings (acknowledged ones do not count).
        #[arg(long)]
        deny_warnings: bool,
        /// `human`: each finding with its source line, then a summary (stderr); `short`: one line
        /// per finding, `file:line:col: code: message`, then the totals (stdout).
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// The host inventory: name, IP, aliases, group, physical machine, where declared.
    Hosts {
        #[arg(default_value = "runbook.md")]
        runbook: PathBuf,
        /// Machine-readable output.
        #[arg(long)]
        json: bool,
        /// One line per host however long (the table fits 100 columns otherwise).
        #[arg(long)]
        wide: bool,
    },
    /// Per host, in order, every step with its kind, guard, reason, phase and gates.
    Plan {
        #[arg(default_value = "runbook.md")]
        runbook: PathBuf,
        /// Only these hosts (repeatable).
        #[arg(long = "host")]
        hosts: Vec<String>,
        /// The plan as JSON (schema in docs/plan-json.md).
        #[arg(long)]
        json: bool,
    },
    /// Run every host's bundle in a throwaway root (root on Linux): run.sh, run.sh again, rollback.sh.
    Rehearse {
        #[arg(default_value = "runbook.md")]
        runbook: PathBuf,
        /// Only these hosts (repeatable).
        #[arg(long = "host")]
        hosts: Vec<String>,
        /// A folder shaped like `/` (files copied from a staging host) laid over each starting state.
        #[arg(long)]
        fixture: Option<PathBuf>,
        /// Leave each host's changed files (the overlay's upper dir) and run logs here.
        #[arg(long)]
        keep: Option<PathBuf>,
        /// `{"hosts":[{"name","run1","run2","rollback"}]}` on stdout.
        #[arg(long)]
        json: bool,
        /// Run nothing: write the compiled dist (stand-in payloads) to DIR/dist and each host's
        /// prepared root to DIR/hosts/<host>/u (starting state, stubs, bundle in /root) with its
        /// environment in DIR/hosts/<host>/env, for hosts of one's own (bench/fleet-shipped.sh).
        #[arg(long, value_name = "DIR", conflicts_with_all = ["keep", "json"])]
        prepare: Option<PathBuf>,
    },
    /// Where every host stands: the journals gathered in DIST/runs/ by dist/ansible/*.yml, or one
    /// host's state directory (/var/lib/rbc/HOST).
    Status {
        #[arg(default_value = "dist")]
        dir: PathBuf,
    },
    /// The files operators must gather (payloads) and where each goes.
    Artifacts {
        #[arg(default_value = "runbook.md")]
        runbook: PathBuf,
        #[arg(long)]
        json: bool,
        /// One line per file however long (the table fits 100 columns otherwise).
        #[arg(long)]
        wide: bool,
    },
}

#[derive(Clone, Copy, PartialEq, clap::ValueEnum)]
enum Format {
    Human,
    Short,
}

fn color() -> bool {
    std::env::var_os("NO_COLOR").is_none() && std::io::stderr().is_terminal()
}

fn load(path: &Path) -> Result<(Source, Compiled), ExitCode> {
    match Source::load(path) {
        Ok(source) => {
            let compiled = planner::compile(&source);
            Ok((source, compiled))
        }
        Err(d) => {
            eprintln!("error[{}]: {}", d.code, d.message);
            if let Some(h) = &d.help {
                eprintln!("  = help: {h}");
            }
            Err(ExitCode::from(2))
        }
    }
}

/// Loads and plans a runbook for a command that only reads it: errors stop it (exit 2), warnings
/// are left to `rbc check`.
fn load_without_errors(path: &Path) -> Result<(Source, Compiled), ExitCode> {
    let (source, c) = load(path)?;
    if report(&source, &c, false) {
        return Err(ExitCode::from(2));
    }
    Ok((source, c))
}

/// Prints diagnostics (errors first; acknowledged findings left out); returns true when there
/// are errors.
fn report(source: &Source, c: &Compiled, show_warnings: bool) -> bool {
    let (shown, _) = findings::acknowledge(source, &c.document, &c.diagnostics);
    let shown: Vec<Diagnostic> = findings::ordered(&shown)
        .into_iter()
        .filter(|d| show_warnings || d.severity == Severity::Error)
        .collect();
    if !shown.is_empty() {
        eprint!("{}", diagnostic::render(source, &shown, color()));
    }
    diagnostic::counts(&c.diagnostics).0 > 0
}

/// `--host` names (aliases allowed) as the inventory's names; an unknown one is an error that
/// names the nearest known ones.
fn resolve_hosts(source: &Source, c: &Compiled, hosts: &[String]) -> Result<Vec<String>, ExitCode> {
    let mut out = Vec::new();
    for h in hosts {
        match c.inventory.find(h).or_else(|| c.inventory.by_ip(h)) {
            Some(i) => out.push(c.inventory.hosts[i].name.clone()),
            None => {
                let near = rbc::names::nearest(&c.inventory, h);
                eprintln!("error: unknown host `{h}`");
                if !near.is_empty() {
                    eprintln!("  = help: did you mean {}?", near.join(", "));
                }
                eprintln!("  = help: `rbc hosts {}` lists the hosts", source.path);
                return Err(ExitCode::from(2));
            }
        }
    }
    Ok(out)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Compile {
            runbook,
            out,
            artifacts,
            hosts,
            no_shellcheck,
        } => {
            let (source, c) = match load(&runbook) {
                Ok(x) => x,
                Err(code) => return code,
            };
            // The names asked for first: a slip there is the thing to fix, before any finding.
            let hosts = match resolve_hosts(&source, &c, &hosts) {
                Ok(h) => h,
                Err(code) => return code,
            };
            if report(&source, &c, true) {
                eprintln!("error: {} has errors; nothing written", source.path);
                return ExitCode::from(2);
            }
            let opts = rbc::compile::Options {
                out: out.clone(),
                artifacts,
                hosts,
                shellcheck: !no_shellcheck,
                checklist: rbc::checklist::Extra::new(&c),
            };
            match rbc::compile::compile(&c.plan, &opts) {
                Ok(r) => {
                    eprintln!("{}", r.shellcheck);
                    for n in &r.notes {
                        eprintln!("note: {n}");
                    }
                    println!("wrote {}: {} bundles ({} hosts + distribute.sh for {}), plan.json, checklist.md, checklist.html, SHA256SUMS",
                        out.display(), r.bundles.len(), r.bundles.len() - 1, r.bundles.last().map(|b| b.0.as_str()).unwrap_or(""));
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Check {
            runbook,
            deny_warnings,
            format,
        } => {
            let (source, c) = match load(&runbook) {
                Ok(x) => x,
                Err(code) => return code,
            };
            // Merged first (one message per cause), then acknowledged: the count says how many
            // findings the writer reviewed, as the writer sees them.
            let merged = findings::ordered(&c.diagnostics);
            let (shown, acknowledged) = findings::acknowledge(&source, &c.document, &merged);
            let shown = findings::ordered(&shown);
            let summary = findings::summary(
                &source,
                &shown,
                acknowledged.len(),
                c.plan.steps.len(),
                c.plan.hosts.len(),
            );
            if format == Format::Short {
                // The totals line only: editors and CI logs read one line per finding.
                let total = summary.lines().last().unwrap_or_default();
                let text = format!("{}{total}\n", findings::short(&source, &shown));
                print!("{text}");
            } else {
                if !shown.is_empty() {
                    eprint!("{}", diagnostic::render(&source, &shown, color()));
                }
                eprint!("{summary}");
            }
            let (e, w) = diagnostic::counts(&shown);
            if e > 0 {
                ExitCode::from(2)
            } else if deny_warnings && w > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Command::Hosts {
            runbook,
            json,
            wide,
        } => {
            let (_, c) = match load_without_errors(&runbook) {
                Ok(x) => x,
                Err(code) => return code,
            };
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({ "hosts": c.plan.hosts }))
                        .unwrap_or_default()
                );
            } else {
                print!("{}", rbc::report::hosts(&c.plan, wide));
            }
            ExitCode::SUCCESS
        }
        Command::Plan {
            runbook,
            hosts,
            json,
        } => {
            let (source, c) = match load_without_errors(&runbook) {
                Ok(x) => x,
                Err(code) => return code,
            };
            let hosts = match resolve_hosts(&source, &c, &hosts) {
                Ok(h) => h,
                Err(code) => return code,
            };
            if json {
                let mut plan = c.plan.clone();
                if !hosts.is_empty() {
                    plan.steps
                        .retain(|s| s.hosts.iter().any(|h| hosts.contains(h)));
                }
                println!("{}", rbc::secrets::plan_json(&plan).unwrap_or_default());
            } else {
                print!(
                    "{}",
                    rbc::secrets::redact_plan_text(&rbc::report::plan(&c.plan, &hosts), &c.plan)
                );
            }
            ExitCode::SUCCESS
        }
        Command::Rehearse {
            runbook,
            hosts,
            fixture,
            keep,
            json,
            prepare,
        } => rehearse(&runbook, &hosts, fixture, keep, json, prepare),
        Command::Artifacts {
            runbook,
            json,
            wide,
        } => {
            let (_, c) = match load_without_errors(&runbook) {
                Ok(x) => x,
                Err(code) => return code,
            };
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({ "artifacts": c.plan.artifacts })
                    )
                    .unwrap_or_default()
                );
            } else {
                print!("{}", rbc::report::artifacts(&c.plan, wide));
            }
            ExitCode::SUCCESS
        }
        Command::Status { dir } => match rbc::status::status(&dir) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        },
    }
}

fn rehearse(
    runbook: &Path,
    hosts: &[String],
    fixture: Option<PathBuf>,
    keep: Option<PathBuf>,
    json: bool,
    prepare: Option<PathBuf>,
) -> ExitCode {
    if let Err(e) = rbc::rehearse::available() {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
    let (source, c) = match load(runbook) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if report(&source, &c, false) {
        eprintln!("error: {} has errors; nothing rehearsed", source.path);
        return ExitCode::from(2);
    }
    let hosts = match resolve_hosts(&source, &c, hosts) {
        Ok(h) => h,
        Err(code) => return code,
    };
    if let Some(f) = fixture.as_ref().filter(|f| !f.is_dir()) {
        eprintln!("error: --fixture {}: not a folder", f.display());
        return ExitCode::from(2);
    }
    if let Some(dir) = prepare {
        return match rbc::rehearse::prepare_roots(&c.plan, &hosts, fixture.as_deref(), &dir) {
            Ok(done) => {
                for h in &done {
                    println!("{}", dir.join("hosts").join(h).display());
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    let opts = rbc::rehearse::Options {
        hosts,
        fixture,
        keep: keep.clone(),
        jobs: 2,
        progress: true,
    };
    match rbc::rehearse::rehearse(&c.plan, &opts) {
        Ok(reports) => {
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({ "hosts": reports }))
                        .unwrap_or_default()
                );
            } else {
                print!("{}", rbc::rehearse::render(&reports, keep.is_some()));
            }
            if reports.iter().all(|r| r.passed()) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
