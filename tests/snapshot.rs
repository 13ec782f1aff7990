//! Snapshots of what users read for the shipped runbook, reviewed line by line when accepted.

mod common;

use rbc::planner;
use rbc::source::Source;

#[test]
fn plan_of_the_shipped_runbook() {
    let c = planner::compile(&Source::from_text("runbook.md", &common::shipped_runbook()));
    insta::assert_snapshot!("plan", rbc::report::plan(&c.plan, &[]));
}

#[test]
fn hosts_and_check_of_the_shipped_runbook() {
    let source = Source::from_text("runbook.md", &common::shipped_runbook());
    let c = planner::compile(&source);
    insta::assert_snapshot!("hosts", rbc::report::hosts(&c.plan, false));
    insta::assert_snapshot!(
        "check",
        rbc::diagnostic::render(&source, &c.diagnostics, false)
    );
}
