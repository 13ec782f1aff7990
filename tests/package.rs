//! Bundles are checked with the real tools the hosts use: `tar xzf`, `gzip -t`, `sha256sum`.

use rbc::package::{
    hash_files, sha256_file, sha256sums, write_all, write_bundle, write_bundles, write_tar_gz,
    Bundle, Entry, EntrySource, SelfExtracting,
};
use std::fs;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().expect("command runs");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{cmd:?} warned: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn random_file(path: &Path, len: u64) {
    let mut bytes = Vec::new();
    fs::File::open("/dev/urandom")
        .unwrap()
        .take(len)
        .read_to_end(&mut bytes)
        .unwrap();
    fs::write(path, bytes).unwrap();
}

fn bytes(path: &str, mode: u32, content: &[u8]) -> Entry {
    Entry {
        path: path.into(),
        mode,
        source: EntrySource::Bytes(content.to_vec()),
    }
}

fn file(path: &str, mode: u32, source: &Path) -> Entry {
    Entry {
        path: path.into(),
        mode,
        source: EntrySource::File(source.to_path_buf()),
    }
}

/// A bundle like the compiler writes: scripts, a secret, payloads (one incompressible, one
/// text, one mixed), a Chinese file name and a name longer than tar's 100-byte field.
struct Fixture {
    dir: tempfile::TempDir,
    payloads: Vec<PathBuf>,
}

const LONG: &str = "api-1/files/opt/app/conf/一个很长很长的目录名字/another-rather-long-directory-name/settings.properties";

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let rpm = dir.path().join("app-1.0.rpm");
        random_file(&rpm, 3 * 1024 * 1024 + 17);
        let sql = dir.path().join("schema.sql");
        fs::write(&sql, "INSERT INTO t VALUES (1, '中文');\n".repeat(40_000)).unwrap();
        let mixed = dir.path().join("mixed.jar");
        let mut content = "Manifest-Version: 1.0\n".repeat(60_000).into_bytes();
        content.extend(fs::read(&rpm).unwrap());
        fs::write(&mixed, content).unwrap();
        Fixture {
            dir,
            payloads: vec![rpm, sql, mixed],
        }
    }

    fn entries(&self) -> Vec<Entry> {
        vec![
            bytes(
                "api-1/run.sh",
                0o755,
                b"#!/bin/bash\necho '\xe5\xae\x89\xe8\xa3\x85'\n",
            ),
            file("api-1/payload/app-1.0.rpm", 0o644, &self.payloads[0]),
            bytes("api-1/README.txt", 0o644, "说明\n".as_bytes()),
            file("api-1/payload/schema.sql", 0o644, &self.payloads[1]),
            bytes("api-1/files/root/.my.cnf", 0o600, b"[client]\npassword=x\n"),
            file("api-1/payload/mixed.jar", 0o644, &self.payloads[2]),
            bytes(LONG, 0o644, b"k=v\n"),
            bytes("api-1/空文件", 0o644, b""),
        ]
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

#[test]
fn same_entries_give_identical_bytes() {
    let fx = Fixture::new();
    let (a, b) = (fx.path("a.tar.gz"), fx.path("b.tar.gz"));
    let sha_a = write_tar_gz(&a, fx.entries()).unwrap();
    let sha_b = write_tar_gz(&b, fx.entries()).unwrap();
    assert_eq!(sha_a, sha_b);
    assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
}

#[test]
fn real_tar_extracts_exact_files_and_modes() {
    let fx = Fixture::new();
    let bundle = fx.path("api-1.tar.gz");
    let sha = write_tar_gz(&bundle, fx.entries()).unwrap();

    run(Command::new("gzip").arg("-t").arg(&bundle));
    let sum = run(Command::new("sha256sum").arg(&bundle));
    assert_eq!(sum.split_whitespace().next(), Some(sha.as_str()));
    assert_eq!(sha256_file(&bundle).unwrap(), sha);
    assert_eq!(
        fs::metadata(&bundle).unwrap().permissions().mode() & 0o777,
        0o644
    );

    let root = fx.path("x");
    fs::create_dir(&root).unwrap();
    run(Command::new("tar")
        .arg("-xzpf")
        .arg(&bundle)
        .arg("-C")
        .arg(&root));
    for entry in fx.entries() {
        let got = root.join(&entry.path);
        let want = match &entry.source {
            EntrySource::Bytes(b) => b.clone(),
            EntrySource::File(p) => fs::read(p).unwrap(),
        };
        assert!(fs::read(&got).unwrap() == want, "{} differs", entry.path);
        let mode = fs::metadata(&got).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, entry.mode, "{}", entry.path);
    }
    let payload_dir = fs::metadata(root.join("api-1/payload")).unwrap();
    assert_eq!(payload_dir.permissions().mode() & 0o7777, 0o755);
}

#[test]
fn listing_is_sorted_under_one_top_folder_owned_by_root() {
    let fx = Fixture::new();
    let bundle = fx.path("api-1.tar.gz");
    write_tar_gz(&bundle, fx.entries()).unwrap();
    let names: Vec<String> = run(Command::new("tar").arg("-tzf").arg(&bundle))
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(names[0], "api-1/");
    assert!(names.iter().all(|n| n.starts_with("api-1/")), "{names:?}");
    assert!(names.contains(&LONG.to_owned()));
    assert!(names.contains(&"api-1/payload/".to_owned()));
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| {
        let key = |s: &str| {
            s.trim_end_matches('/')
                .split('/')
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        key(a).cmp(&key(b))
    });
    assert_eq!(names, sorted);

    let verbose = run(Command::new("tar")
        .args(["--numeric-owner", "--utc", "-tvzf"])
        .arg(&bundle));
    for line in verbose.lines() {
        assert!(line.contains(" 0/0 "), "{line}");
        assert!(line.contains("2000-01-01 00:00"), "{line}");
    }
}

#[test]
fn payloads_are_stored_and_text_is_compressed() {
    let fx = Fixture::new();
    let bundle = fx.path("api-1.tar.gz");
    write_tar_gz(&bundle, fx.entries()).unwrap();
    let payload_bytes: u64 = fx
        .payloads
        .iter()
        .map(|p| fs::metadata(p).unwrap().len())
        .sum();
    let random_bytes = 2 * (3 * 1024 * 1024 + 17);
    let size = fs::metadata(&bundle).unwrap().len();
    assert!(
        size < payload_bytes - (payload_bytes - random_bytes) / 2,
        "text is not compressed: {size}"
    );
    assert!(
        size < random_bytes + random_bytes / 100 + 64 * 1024,
        "stored data grew: {size}"
    );
}

#[test]
fn a_large_random_file_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.tar.gz");
    random_file(&big, 50 * 1024 * 1024 + 3);
    let bundle = dir.path().join("h.tar.gz");
    let sha = write_tar_gz(&bundle, vec![file("h/payload/big.tar.gz", 0o644, &big)]).unwrap();
    run(Command::new("gzip").arg("-t").arg(&bundle));
    let sum = run(Command::new("sha256sum").arg(&bundle));
    assert_eq!(sum.split_whitespace().next(), Some(sha.as_str()));
    run(Command::new("tar")
        .arg("-xzf")
        .arg(&bundle)
        .arg("-C")
        .arg(dir.path()));
    // cmp, not sha256_file: this test binary is unoptimised and 50 MB is worth sparing it.
    run(Command::new("cmp")
        .arg(&big)
        .arg(dir.path().join("h/payload/big.tar.gz")));
}

#[test]
fn an_error_leaves_no_file_behind() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("h.tar.gz");
    let entries = vec![
        bytes("h/run.sh", 0o755, b"true\n"),
        file(
            "h/payload/missing.rpm",
            0o644,
            &dir.path().join("missing.rpm"),
        ),
    ];
    let err = write_tar_gz(&bundle, entries).unwrap_err();
    assert!(err.to_string().contains("missing.rpm"), "{err}");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);

    // An existing bundle survives a failed rewrite untouched.
    fs::write(&bundle, b"previous").unwrap();
    let again = vec![file("h/x", 0o644, &dir.path().join("missing.rpm"))];
    assert!(write_tar_gz(&bundle, again).is_err());
    assert_eq!(fs::read(&bundle).unwrap(), b"previous");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn an_empty_bundle_is_a_valid_archive() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("empty.tar.gz");
    write_tar_gz(&bundle, Vec::new()).unwrap();
    run(Command::new("gzip").arg("-t").arg(&bundle));
    assert_eq!(run(Command::new("tar").arg("-tzf").arg(&bundle)), "");
}

#[test]
fn sums_check_with_sha256sum() {
    let fx = Fixture::new();
    let names = ["app-1.0.rpm", "schema.sql", "mixed.jar"];
    let mut paths = fx.payloads.clone();
    paths.push(fx.payloads[0].clone());
    let hexes = hash_files(&paths).unwrap();
    assert_eq!(hexes[3], hexes[0]);
    let lines: Vec<(String, String)> = names
        .iter()
        .zip(&hexes)
        .map(|(n, h)| (h.clone(), n.to_string()))
        .collect();
    fs::write(fx.path("SHA256SUMS"), sha256sums(&lines)).unwrap();
    run(Command::new("sha256sum")
        .args(["-c", "--quiet", "SHA256SUMS"])
        .current_dir(fx.dir.path()));
}

#[test]
fn a_missing_output_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("hosts/h.tar.gz");
    let err = write_tar_gz(&bundle, vec![bytes("h/run.sh", 0o755, b"true\n")]).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn write_bundles_returns_each_bundles_sha_in_order() {
    let fx = Fixture::new();
    let hosts = ["api-1", "api-2", "web-1", "db-1", "jump"];
    let bundles = hosts.iter().map(|host| {
        let entries = vec![
            bytes(&format!("{host}/run.sh"), 0o755, host.as_bytes()),
            file(&format!("{host}/payload/app.rpm"), 0o644, &fx.payloads[0]),
        ];
        Ok((fx.path(&format!("{host}.tar.gz")), entries))
    });
    let shas = write_bundles(bundles).unwrap();
    assert_eq!(shas.len(), hosts.len());
    for (host, sha) in hosts.iter().zip(&shas) {
        assert_eq!(
            &sha256_file(&fx.path(&format!("{host}.tar.gz"))).unwrap(),
            sha
        );
    }
}

#[test]
fn write_bundles_stops_on_an_error() {
    let fx = Fixture::new();
    let items: Vec<std::io::Result<(PathBuf, Vec<Entry>)>> = vec![
        Ok((fx.path("a.tar.gz"), vec![bytes("a/run.sh", 0o755, b"a")])),
        Err(std::io::Error::other("payload digest failed")),
        Ok((fx.path("b.tar.gz"), vec![bytes("b/run.sh", 0o755, b"b")])),
    ];
    let err = write_bundles(items.into_iter()).unwrap_err();
    assert_eq!(err.to_string(), "payload digest failed");
}

fn with_sfx(dir: &Path, host: &str, entries: Vec<Entry>) -> Bundle {
    Bundle {
        out: dir.join(format!("{host}.tar.gz")),
        sfx: Some(SelfExtracting {
            out: dir.join(format!("{host}.run")),
            host: host.into(),
        }),
        entries,
    }
}

#[test]
fn the_self_extracting_file_is_written_in_the_same_pass_and_checks_itself() {
    let fx = Fixture::new();
    let entries = vec![
        bytes("api-1/run.sh", 0o755, b"#!/bin/bash\necho hi\n"),
        file("api-1/payload/app-1.0.rpm", 0o644, &fx.payloads[0]),
        file("api-1/payload/mixed.jar", 0o644, &fx.payloads[2]),
    ];
    let written = write_bundle(with_sfx(fx.dir.path(), "api-1", entries)).unwrap();
    let gz = fx.path("api-1.tar.gz");
    let sfx_path = fx.path("api-1.run");
    assert_eq!(written.sha256, sha256_file(&gz).unwrap());
    let sfx = written.sfx.expect("the .run was asked for");
    assert_eq!(sfx.sha256, sha256_file(&sfx_path).unwrap());
    // Header, then the .tar.gz byte for byte, then the line with the sum of all before it.
    let body = fs::read(&gz).unwrap();
    let whole = fs::read(&sfx_path).unwrap();
    let trailer = format!("\n# sha256 {}\n", sfx.inner);
    assert!(whole.ends_with(trailer.as_bytes()));
    let before = &whole[..whole.len() - trailer.len()];
    assert!(before.ends_with(&body));
    assert!(before.starts_with(b"#!/bin/bash\n"));
    assert_eq!(
        fs::metadata(&sfx_path).unwrap().permissions().mode() & 0o777,
        0o755
    );
    assert_eq!(
        fs::metadata(&gz).unwrap().permissions().mode() & 0o777,
        0o644
    );
    let check = run(Command::new("bash").arg(&sfx_path).arg("--check"));
    assert!(check.contains(&sfx.inner), "{check}");
    let target = fx.path("unpacked");
    run(Command::new("bash")
        .arg(&sfx_path)
        .arg("--target")
        .arg(&target));
    assert_eq!(
        fs::read(target.join("api-1/payload/app-1.0.rpm")).unwrap(),
        fs::read(&fx.payloads[0]).unwrap()
    );
    // Byte-identical on a second write.
    let again = vec![
        bytes("api-1/run.sh", 0o755, b"#!/bin/bash\necho hi\n"),
        file("api-1/payload/app-1.0.rpm", 0o644, &fx.payloads[0]),
        file("api-1/payload/mixed.jar", 0o644, &fx.payloads[2]),
    ];
    let second = write_bundle(with_sfx(fx.dir.path(), "api-1", again)).unwrap();
    assert_eq!(second.sfx.unwrap().sha256, sfx.sha256);
    assert_eq!(fs::read(&sfx_path).unwrap(), whole);
}

#[test]
fn a_failed_bundle_leaves_neither_file_behind_and_write_all_keeps_order() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.rpm");
    let err = write_bundle(with_sfx(
        dir.path(),
        "h",
        vec![file("h/payload/missing.rpm", 0o644, &missing)],
    ))
    .unwrap_err();
    assert!(err.to_string().contains("missing.rpm"), "{err}");
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);

    let hosts = ["a", "b", "c"];
    let written = write_all(hosts.iter().map(|h| {
        Ok(with_sfx(
            dir.path(),
            h,
            vec![bytes(&format!("{h}/run.sh"), 0o755, h.as_bytes())],
        ))
    }))
    .unwrap();
    for (h, w) in hosts.iter().zip(&written) {
        let run_file = dir.path().join(format!("{h}.run"));
        assert_eq!(
            w.sha256,
            sha256_file(&dir.path().join(format!("{h}.tar.gz"))).unwrap()
        );
        assert_eq!(
            w.sfx.as_ref().unwrap().sha256,
            sha256_file(&run_file).unwrap()
        );
    }
}
