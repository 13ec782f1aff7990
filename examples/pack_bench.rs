//! Packs per-host bundles the way `rbc compile --artifacts` will: every distinct payload hashed
//! once, on background threads in the order the hosts need them, and the bundles written two at
//! a time by `write_bundles`, each as soon as its own payloads are hashed. Used by
//! `bench/artifacts.sh`.
//!
//! Usage: pack_bench OUT_DIR HOST=PAYLOAD[,PAYLOAD...]...

use rbc::package::{sha256sums, write_bundles, Entry, EntrySource, PayloadDigests};
use std::path::{Path, PathBuf};
use std::time::Instant;

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((out, hosts)) = args.split_first() else {
        eprintln!("usage: pack_bench OUT_DIR HOST=PAYLOAD[,PAYLOAD...]...");
        std::process::exit(2);
    };
    let hosts: Vec<(&str, Vec<PathBuf>)> = hosts
        .iter()
        .map(|spec| {
            let (host, files) = spec.split_once('=').expect("HOST=PAYLOAD[,PAYLOAD...]");
            (host, files.split(',').map(PathBuf::from).collect())
        })
        .collect();
    std::fs::create_dir_all(out)?;

    let started = Instant::now();
    let all: Vec<PathBuf> = hosts.iter().flat_map(|(_, f)| f.iter().cloned()).collect();
    let digests = PayloadDigests::start(&all);
    let bundles = hosts.iter().map(|(host, files)| {
        let mut sums = Vec::new();
        let mut entries = Vec::new();
        for file in files {
            let name = file.file_name().unwrap().to_string_lossy();
            sums.push((digests.get(file)?, format!("payload/{name}")));
            entries.push(Entry {
                path: format!("{host}/payload/{name}"),
                mode: 0o644,
                source: EntrySource::File(file.clone()),
            });
        }
        // Stand-ins for the generated text: a run.sh of realistic size, README, SHA256SUMS.
        let run_sh = "run_step 7 31 '2.2.2 安装Tomcat' converge check_port_8080 open_port_8080\n"
            .repeat(300);
        for (path, mode, text) in [
            ("run.sh", 0o755, run_sh),
            ("README.txt", 0o644, format!("{host}: ./run.sh\n")),
            ("SHA256SUMS", 0o644, sha256sums(&sums)),
        ] {
            entries.push(Entry {
                path: format!("{host}/{path}"),
                mode,
                source: EntrySource::Bytes(text.into_bytes()),
            });
        }
        Ok((Path::new(out).join(format!("{host}.tar.gz")), entries))
    });
    let shas = write_bundles(bundles)?;

    let lines: Vec<(String, String)> = shas
        .into_iter()
        .zip(&hosts)
        .map(|(sha, (host, _))| (sha, format!("hosts/{host}.tar.gz")))
        .collect();
    print!("{}", sha256sums(&lines));
    eprintln!(
        "pack_bench: {} bundles in {:.2}s",
        hosts.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
