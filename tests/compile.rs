//! `rbc compile` as operators meet it: dist/ layout, sums, byte-identical output, scripts that
//! bash 4.1 and shellcheck accept, and distribute.sh against fake scp/ssh.

mod common;
use common::rbc;

fn compiled() -> common::Rbc {
    let r = rbc()
        .file("runbook.md", common::shipped_runbook())
        .args(&["compile"]);
    let out = r.run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    r
}

fn read_tree(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((
                    p.strip_prefix(dir).unwrap().display().to_string(),
                    std::fs::read(&p).unwrap(),
                ));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn dist_has_every_bundle_and_its_sums_verify() {
    let r = compiled();
    let dist = r.path("dist");
    for f in ["SHA256SUMS", "plan.json", "checklist.md", "checklist.html"] {
        assert!(dist.join(f).is_file(), "dist/{f} missing");
    }
    let bundles: Vec<String> = std::fs::read_dir(dist.join("hosts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tar.gz"))
        .collect();
    assert_eq!(bundles.len(), 20, "19 servers + the jump host: {bundles:?}");
    // And each as one self-extracting file (SPEC §4).
    for b in &bundles {
        let run = dist.join("hosts").join(b.replace(".tar.gz", ".run"));
        assert!(run.is_file(), "{} missing", run.display());
    }
    assert!(bundles.contains(&"eayuncld-4.tar.gz".to_string()));
    let check = std::process::Command::new("sha256sum")
        .args(["-c", "--quiet", "SHA256SUMS"])
        .current_dir(&dist)
        .status()
        .unwrap();
    assert!(check.success());
    // One bundle: a single top folder with the runtime, the steps and its own sums that verify.
    let x = tempfile::tempdir().unwrap();
    let st = std::process::Command::new("tar")
        .arg("xzf")
        .arg(dist.join("hosts/rabbit-mq-2.tar.gz"))
        .current_dir(x.path())
        .status()
        .unwrap();
    assert!(st.success());
    let top: Vec<String> = std::fs::read_dir(x.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(top, ["rabbit-mq-2"]);
    let b = x.path().join("rabbit-mq-2");
    for f in [
        "run.sh",
        "rollback.sh",
        "SHA256SUMS",
        "README.txt",
        "bundle.sh",
        "lib/rbc.sh",
        "steps/0001.sh",
    ] {
        assert!(b.join(f).is_file(), "{f} missing");
    }
    let check = std::process::Command::new("sha256sum")
        .args(["-c", "--quiet", "SHA256SUMS"])
        .current_dir(&b)
        .status()
        .unwrap();
    assert!(check.success());
    let readme = std::fs::read_to_string(b.join("README.txt")).unwrap();
    assert!(readme.contains("中文") && readme.contains("English") && readme.contains("./run.sh"));
}

#[test]
fn two_compiles_are_byte_identical() {
    let a = compiled();
    let b = compiled();
    let ta = read_tree(&a.path("dist"));
    let tb = read_tree(&b.path("dist"));
    assert_eq!(ta.len(), tb.len());
    for ((na, ba), (nb, bb)) in ta.iter().zip(tb.iter()) {
        assert_eq!(na, nb);
        assert!(ba == bb, "{na} differs between two compiles");
    }
}

#[test]
fn generated_scripts_parse_pass_shellcheck_and_use_nothing_newer_than_bash_4_1() {
    let r = compiled();
    let x = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(r.path("dist/hosts")).unwrap() {
        let path = e.unwrap().path();
        if !path.to_string_lossy().ends_with(".tar.gz") {
            continue; // the .run files hold the same bundles
        }
        let st = std::process::Command::new("tar")
            .arg("xzf")
            .arg(path)
            .current_dir(x.path())
            .status()
            .unwrap();
        assert!(st.success());
    }
    let mut scripts = Vec::new();
    let mut stack = vec![x.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "sh") {
                scripts.push(p);
            }
        }
    }
    assert!(scripts.len() > 300, "{} scripts", scripts.len());
    let forbidden = [
        ("declare -n", "namerefs are bash 4.3"),
        ("local -n", "namerefs are bash 4.3"),
        ("@Q}", "${v@Q} is bash 4.4"),
        ("[[ -v", "[[ -v ]] is bash 4.2"),
        ("mapfile -d", "mapfile -d is bash 4.4"),
        ("readarray -d", "readarray -d is bash 4.4"),
        ("wait -n", "wait -n is bash 4.3"),
        (
            "--ignore-missing",
            "sha256sum --ignore-missing is coreutils 8.25",
        ),
        ("realpath", "realpath is coreutils 8.15"),
        ("timeout -k", "timeout -k is not in coreutils 8.4"),
        ("[-1]", "negative subscripts are bash 4.3"),
        ("${!a[-", "negative subscripts are bash 4.3"),
    ];
    for s in &scripts {
        let text = std::fs::read_to_string(s).unwrap();
        for (needle, why) in forbidden {
            for (n, line) in text.lines().enumerate() {
                let code = line.split(" #").next().unwrap_or(line);
                assert!(
                    line.trim_start().starts_with('#') || !code.contains(needle),
                    "{}:{}: {why}: {line}",
                    s.display(),
                    n + 1
                );
            }
        }
        let st = std::process::Command::new("bash")
            .arg("-n")
            .arg(s)
            .status()
            .unwrap();
        assert!(st.success(), "bash -n {}", s.display());
    }
    // Identical files (the runtime in every bundle) are linted once.
    let mut seen = std::collections::BTreeMap::new();
    for s in &scripts {
        seen.entry(std::fs::read(s).unwrap())
            .or_insert_with(|| s.clone());
    }
    let distinct: Vec<&std::path::PathBuf> = seen.values().collect();
    if let Ok(sc) = which("shellcheck") {
        let out = std::process::Command::new(sc)
            .args(["-s", "bash", "-e", "SC1091", "-f", "gcc"])
            .args(&distinct)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "shellcheck:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    } else {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI must have shellcheck"
        );
        eprintln!("shellcheck not installed: skipped");
    }
}

fn which(p: &str) -> Result<std::path::PathBuf, ()> {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(p))
        .find(|p| p.is_file())
        .ok_or(())
}

#[test]
fn compile_reports_shellcheck_and_writes_nothing_on_errors() {
    let r = rbc()
        .file("runbook.md", common::shipped_runbook())
        .args(&["compile"]);
    let out = r.run();
    if which("shellcheck").is_ok() {
        assert!(
            out.stderr.contains("shellcheck:") && out.stderr.contains("no findings"),
            "{}",
            out.stderr
        );
    } else {
        assert!(out.stderr.contains("shellcheck: not installed, skipped"));
    }
    let bad = rbc()
        .file("runbook.md", "<!-- rbc: nope=1 -->\n\n```\n# ls\n```\n")
        .args(&["compile"]);
    let out = bad.run();
    assert_eq!(out.code, 2);
    assert!(!bad.path("dist").exists(), "nothing half-written");
    let missing = rbc()
        .file(
            "runbook.md",
            "1 上传\n\n将app.jar上传到web-1 (10.0.0.1) 的/opt下。\n",
        )
        .file("payloads/other.txt", "x")
        .args(&["compile", "--artifacts", "payloads"]);
    let out = missing.run();
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("app.jar"), "{}", out.stderr);
    assert!(!missing.path("dist").exists());
}

#[test]
fn distribute_copies_each_bundle_and_checks_it_with_fake_scp_and_ssh() {
    let r = compiled();
    let dist = r.path("dist");
    let st = std::process::Command::new("tar")
        .arg("xzf")
        .arg("hosts/eayuncld-4.tar.gz")
        .current_dir(&dist)
        .status()
        .unwrap();
    assert!(st.success());
    // Fake scp/ssh: "hosts" are folders under remote/<ip>; ssh runs the command locally there.
    let fake = tempfile::tempdir().unwrap();
    let remote = fake.path().join("remote");
    std::fs::write(
        fake.path().join("scp"),
        format!("#!/bin/bash\nf=\"${{@: -2:1}}\"; t=\"${{@: -1}}\"; host=${{t#*@}}; host=${{host%%:*}}; d={}/$host/root; mkdir -p \"$d\"; cp \"$f\" \"$d/\"\n", remote.display()),
    )
    .unwrap();
    std::fs::write(
        fake.path().join("ssh"),
        format!("#!/bin/bash\nhost=${{1#*@}}; shift; cd {}/$host && eval \"${{*//\\/root\\//root/}}\"\n", remote.display()),
    )
    .unwrap();
    for f in ["scp", "ssh"] {
        let st = std::process::Command::new("chmod")
            .arg("+x")
            .arg(fake.path().join(f))
            .status()
            .unwrap();
        assert!(st.success());
    }
    let path = format!(
        "{}:{}",
        fake.path().display(),
        std::env::var("PATH").unwrap()
    );
    let dry = std::process::Command::new("bash")
        .arg("eayuncld-4/distribute.sh")
        .arg("--dry-run")
        .current_dir(&dist)
        .env("PATH", &path)
        .output()
        .unwrap();
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    let dry_out = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry_out.contains("would: scp") && dry_out.contains("root@25.0.3.52"),
        "{dry_out}"
    );
    assert!(!remote.exists(), "--dry-run copied something");
    let run = std::process::Command::new("bash")
        .arg("eayuncld-4/distribute.sh")
        .current_dir(&dist)
        .env("PATH", &path)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{out}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(out.matches("   ok: ").count(), 19, "{out}");
    assert!(remote.join("25.0.3.15/root/mysql-1.tar.gz").is_file());
    // A damaged dist/ is refused before anything is copied.
    std::fs::write(dist.join("hosts/api-1.tar.gz"), b"damaged").unwrap();
    let bad = std::process::Command::new("bash")
        .arg("eayuncld-4/distribute.sh")
        .current_dir(&dist)
        .env("PATH", &path)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn every_fixture_runbook_compiles_and_its_scripts_pass_the_lint() {
    // Runbooks in other house styles must never make compile fail on its own generated bash.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut checked = 0;
    for dir in ["styles", "styles2", "more_styles", "lint"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_none_or(|x| x != "md") {
                continue;
            }
            let r = rbc()
                .file("runbook.md", std::fs::read(&path).unwrap())
                .args(&["compile"]);
            let out = r.run();
            assert_eq!(out.code, 0, "{}: {}", path.display(), out.stderr);
            assert!(r.path("dist/SHA256SUMS").is_file());
            checked += 1;
        }
    }
    assert!(checked >= 30, "{checked} fixtures");
}

/// Payload sums are cached between compiles, but a payload rewritten in place with its old size
/// and mtime (`touch -r`) is hashed again, and the cache keeps one line per payload that still
/// exists.
#[test]
fn the_payload_sum_cache_never_serves_a_changed_file_and_drops_gone_ones() {
    let runbook = "1 上传\n\n将app.jar上传到web-1 (10.0.0.1) 的/opt下。\n";
    let r = rbc()
        .file("runbook.md", runbook)
        .file("a/app.jar", "version 1\n")
        .file("b/app.jar", "version 9\n");
    let cache = r.path("cache/rbc/payload-sums");
    let bundle_sums = |r: &common::Rbc| -> String {
        let out = std::process::Command::new("tar")
            .args(["-xzOf", "dist/hosts/web-1.tar.gz", "web-1/SHA256SUMS"])
            .current_dir(r.path(""))
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let sha = |text: &str| {
        use sha2::Digest;
        format!("{:x}", sha2::Sha256::digest(text.as_bytes()))
    };
    let compile = |dir: &str| rbc_in(&r, &["compile", "--no-shellcheck", "--artifacts", dir]);
    assert_eq!(compile("a"), 0);
    assert!(
        bundle_sums(&r).contains(&format!("{}  payloads/app.jar", sha("version 1\n"))),
        "{}",
        bundle_sums(&r)
    );
    let lines = std::fs::read_to_string(&cache).unwrap();
    assert_eq!(lines.lines().count(), 1, "{lines}");
    assert!(lines.trim_end().ends_with("/a/app.jar"), "{lines}");

    // Same size, same mtime, new content: not served from the cache.
    std::fs::copy(r.path("a/app.jar"), r.path("stamp")).unwrap();
    std::fs::write(r.path("a/app.jar"), "version 2\n").unwrap();
    let touch = std::process::Command::new("touch")
        .args(["-r", "stamp", "a/app.jar"])
        .current_dir(r.path(""))
        .status()
        .unwrap();
    assert!(touch.success());
    assert_eq!(compile("a"), 0);
    assert!(
        bundle_sums(&r).contains(&format!("{}  payloads/app.jar", sha("version 2\n"))),
        "{}",
        bundle_sums(&r)
    );

    // Another folder, the first one gone: the cache forgets it.
    std::fs::remove_dir_all(r.path("a")).unwrap();
    assert_eq!(compile("b"), 0);
    let lines = std::fs::read_to_string(&cache).unwrap();
    assert_eq!(lines.lines().count(), 1, "{lines}");
    assert!(lines.trim_end().ends_with("/b/app.jar"), "{lines}");
}

/// Runs rbc with `args` in `r`'s folder and environment; its exit code.
fn rbc_in(r: &common::Rbc, args: &[&str]) -> i32 {
    std::process::Command::new(env!("CARGO_BIN_EXE_rbc"))
        .args(args)
        .current_dir(r.path(""))
        .env("XDG_CACHE_HOME", "cache")
        .status()
        .unwrap()
        .code()
        .unwrap_or(-1)
}

// #12 item 18: the lint runs on each template's shape once and on the words taken out of the
// scripts once (rbc::script_lint); what it finds is still told against the script, the step and
// the runbook line it comes from. Scripts in the form of the generated ones, written here.

fn step_script(n: usize, body: &str) -> String {
    format!(
        "# shellcheck shell=bash disable=SC2329,SC2016\n# (SC2329: the runner calls these functions; SC2016: values from the runbook are quoted literally.)\n# rbc step 3.{n}-1 (converge): move /srv/web{n}/conf\n# plan.md line {}; on this host because: login\n# shellcheck source=/dev/null\n. \"$RBC_BUNDLE_DIR\"/lib/steps.sh\n{body}",
        100 + n
    )
}

fn many_steps(odd: Option<(usize, &str)>) -> Vec<(String, String, String)> {
    (1..=300)
        .map(|n| {
            let host = format!("web-{}", n % 7 + 1);
            let body = match odd {
                Some((k, body)) if k == n => body.to_string(),
                _ => format!(
                    "rbc_check() {{\n\trbc_renamed /srv/web{n}/conf /srv/web{n}/conf.{n}\n}}\nrbc_apply() {{\n\tif [ -e /srv/web{n}/conf ]; then\n\t\trbc_rename /srv/web{n}/conf /srv/web{n}/conf.{n}\n\tfi\n}}\n"
                ),
            };
            (host, format!("steps/{n:04}.sh"), step_script(n, &body))
        })
        .collect()
}

fn lint(scripts: &[(String, String, String)]) -> Result<String, String> {
    let v: Vec<(&str, &str, &str)> = scripts
        .iter()
        .map(|(h, p, t)| (h.as_str(), p.as_str(), t.as_str()))
        .collect();
    rbc::compile::lint_scripts(&v, true)
}

#[test]
fn the_lint_of_many_alike_scripts_finds_what_one_step_holds_and_names_that_step() {
    if which("shellcheck").is_err() {
        eprintln!("shellcheck not installed: skipped");
        return;
    }
    // 300 scripts of one template, other values: clean, and linted as one shape.
    let ok = lint(&many_steps(None)).expect("clean");
    assert!(ok.contains("300 scripts, linted as 1 distinct"), "{ok}");
    // Step 137's value holds a finding (a `~` in quotes does not expand: SC2088).
    let odd = "rbc_check() {\n\trbc_renamed '~/web137/conf' /srv/web137/conf.137\n}\n";
    let err = lint(&many_steps(Some((137, odd)))).expect_err("finding");
    assert!(err.contains("SC2088"), "{err}");
    assert!(err.contains("web-5/steps/0137.sh:8:"), "{err}");
    assert!(
        err.contains("step 3.137-1 (converge), plan.md line 237"),
        "{err}"
    );
    // A command of one step that does not parse: bash -n names that script.
    let broken = "rbc_apply() {\n\tif [ -e /srv/x ]; then\n\t\trbc_rename /srv/x /srv/y\n}\n";
    let err = lint(&many_steps(Some((42, broken)))).expect_err("parse error");
    assert!(
        err.contains("bash -n") && err.contains("web-1/steps/0042.sh"),
        "{err}"
    );
    assert!(err.contains("plan.md line 142"), "{err}");
}

#[test]
fn a_template_line_shellcheck_rejects_is_found_in_every_rendering_of_it() {
    if which("shellcheck").is_err() {
        eprintln!("shellcheck not installed: skipped");
        return;
    }
    // The fixed part of a template with a finding (an unquoted expansion), rendered 300 times:
    // reported once, on the first script, with how many more share it.
    let scripts: Vec<(String, String, String)> = many_steps(None)
        .into_iter()
        .map(|(h, p, t)| {
            (
                h,
                p,
                t.replace("\tfi\n", "\tfi\n\techo $RBC_STEP_DIR/done\n"),
            )
        })
        .collect();
    let err = lint(&scripts).expect_err("template finding");
    assert!(err.contains("SC2086"), "{err}");
    assert!(err.contains("the same in 299 more script(s)"), "{err}");
    assert_eq!(err.matches("SC2086").count(), 1, "{err}");
    // A table of bundle.sh (one element a step) with a literal shellcheck rejects: found in the
    // words taken out, and told against that bundle.sh.
    let bundle = |host: &str, extra: &str| {
        format!("# shellcheck shell=bash disable=SC2034\nRBC_HOST={host}\nRBC_STEP_ID=( 1.1-1 1.2-1{extra} )\nRBC_STEP_TITLE=( '升级 {host}' 'x y' )\n")
    };
    let tables = vec![
        (
            "web-1".to_string(),
            "bundle.sh".to_string(),
            bundle("web-1", ""),
        ),
        (
            "web-2".to_string(),
            "bundle.sh".to_string(),
            bundle("web-2", " '~/web-2'"),
        ),
    ];
    let err = lint(&tables).expect_err("finding in a table");
    assert!(
        err.contains("SC2088") && err.contains("web-2/bundle.sh:"),
        "{err}"
    );
    let ok = lint(&tables[..1]).expect("clean");
    assert!(ok.contains("1 scripts"), "{ok}");
}

#[test]
fn a_word_in_a_later_words_file_is_told_against_its_own_script() {
    if which("shellcheck").is_err() {
        eprintln!("shellcheck not installed: skipped");
        return;
    }
    // 2,000 bundle.sh tables with a title of their own: the words taken out fill more than one
    // words file (they are linted on every core); the element shellcheck rejects sorts last,
    // into the last file, and is still told against the bundle.sh it comes from.
    let bundle = |n: usize, extra: &str| {
        format!("# shellcheck shell=bash disable=SC2034\nRBC_HOST=web-{n}\nRBC_STEP_ID=( 1.1-1 1.2-1{extra} )\nRBC_STEP_TITLE=( 'a web-{n}' 'x y' )\n")
    };
    let tables: Vec<(String, String, String)> = (1..=2000)
        .map(|n| {
            let extra = if n == 1990 { " '~/web-1990'" } else { "" };
            (
                format!("web-{n}"),
                "bundle.sh".to_string(),
                bundle(n, extra),
            )
        })
        .collect();
    let err = lint(&tables).expect_err("finding in a table");
    assert!(
        err.contains("SC2088") && err.contains("web-1990/bundle.sh:"),
        "{err}"
    );
    assert_eq!(err.matches("SC2088").count(), 1, "{err}");
    let ok = lint(&tables[..1989]).expect("clean");
    assert!(ok.contains("1989 scripts"), "{ok}");
}
