//! sha256 of files on disk, streamed: one file, or a set of payloads hashed once each on two
//! threads. Bundles list these in their `SHA256SUMS` so the host verifies before it runs.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;

const READ_SIZE: usize = 1 << 20;
/// Hashing threads: the machines rbc runs on have two cores or more, and one core hashes at
/// roughly the speed a disk or the page cache delivers.
const THREADS: usize = 2;

pub(super) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[usize::from(b >> 4)] as char);
        s.push(DIGITS[usize::from(b & 15)] as char);
    }
    s
}

/// The lowercase hex sha256 of a file, read in 1 MiB pieces (never held whole in memory).
pub fn sha256_file(path: &Path) -> io::Result<String> {
    sha256_file_with(path, &mut vec![0; READ_SIZE])
}

fn sha256_file_with(path: &Path, buf: &mut [u8]) -> io::Result<String> {
    let with_path = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let mut file = File::open(path).map_err(with_path)?;
    let mut sha = Sha256::new();
    loop {
        match file.read(buf) {
            Ok(0) => break,
            Ok(n) => sha.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(with_path(e)),
        }
    }
    Ok(hex(&sha.finalize()))
}

/// The sha256 of each file in `paths`, in the same order. A file named more than once (a payload
/// bound for several hosts) is read once; files are shared out between two threads, largest
/// first. Fails on the first file that cannot be read, naming it.
pub fn hash_files(paths: &[PathBuf]) -> io::Result<Vec<String>> {
    // One job per distinct file; `slot_of[i]` says which job answers `paths[i]`.
    let mut job_of: HashMap<PathBuf, usize> = HashMap::new();
    let mut jobs: Vec<&Path> = Vec::new();
    let mut slot_of = Vec::with_capacity(paths.len());
    for path in paths {
        let key = path.canonicalize().unwrap_or_else(|_| path.clone());
        let job = *job_of.entry(key).or_insert_with(|| {
            jobs.push(path);
            jobs.len() - 1
        });
        slot_of.push(job);
    }

    let mut order: Vec<usize> = (0..jobs.len()).collect();
    let size = |p: &Path| p.metadata().map(|m| m.len()).unwrap_or(0);
    order.sort_by_key(|&j| std::cmp::Reverse(size(jobs[j])));

    let next = AtomicUsize::new(0);
    let digests: Mutex<Vec<Option<io::Result<String>>>> =
        Mutex::new((0..jobs.len()).map(|_| None).collect());
    thread::scope(|scope| {
        for _ in 0..THREADS.min(jobs.len()) {
            scope.spawn(|| {
                let mut buf = vec![0; READ_SIZE];
                while let Some(&job) = order.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let digest = sha256_file_with(jobs[job], &mut buf);
                    let failed = digest.is_err();
                    digests.lock().expect("no thread panics holding it")[job] = Some(digest);
                    if failed {
                        // Stop handing out work; the error is reported below.
                        next.store(order.len(), Ordering::Relaxed);
                    }
                }
            });
        }
    });

    let mut by_job = Vec::with_capacity(jobs.len());
    for digest in digests.into_inner().expect("no thread panicked") {
        match digest {
            Some(Ok(hex)) => by_job.push(hex),
            Some(Err(e)) => return Err(e),
            None => by_job.push(String::new()), // skipped after an error, never returned
        }
    }
    Ok(slot_of.into_iter().map(|job| by_job[job].clone()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lowercase_and_padded() {
        assert_eq!(hex(&[0, 0x0f, 0xa0, 0xff]), "000fa0ff");
    }

    #[test]
    fn hash_files_keeps_order_and_reads_duplicates_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.rpm");
        let b = dir.path().join("b.jar");
        std::fs::write(&a, b"a").unwrap();
        std::fs::write(&b, vec![7u8; 3 * READ_SIZE + 1]).unwrap();
        let paths = vec![b.clone(), a.clone(), b.clone(), dir.path().join("./a.rpm")];
        let got = hash_files(&paths).unwrap();
        assert_eq!(got[0], sha256_file(&b).unwrap());
        assert_eq!(
            got[1],
            "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"
        );
        assert_eq!(got[2], got[0]);
        assert_eq!(got[3], got[1]);
        assert!(hash_files(&[]).unwrap().is_empty());
    }

    #[test]
    fn a_missing_file_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.rpm");
        let err = hash_files(&[missing]).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(err.to_string().contains("missing.rpm"), "{err}");
    }
}
