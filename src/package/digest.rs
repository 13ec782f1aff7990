//! sha256 of files on disk, streamed: one file, or a set of payloads hashed once each on two
//! background threads. Bundles list these in their `SHA256SUMS` so the host verifies before it runs.

use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::{self, JoinHandle};

const READ_SIZE: usize = 1 << 20;
/// Hashing threads: one core hashes (sha-ni) about as fast as the page cache delivers, and
/// packing needs the other.
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
    sha256_file_with(path, &mut vec![0; READ_SIZE], &AtomicBool::new(false))
}

fn sha256_file_with(path: &Path, buf: &mut [u8], cancelled: &AtomicBool) -> io::Result<String> {
    let with_path = |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", path.display()));
    let mut file = File::open(path).map_err(with_path)?;
    let mut sha = Sha256::new();
    loop {
        if cancelled.load(Ordering::Relaxed) {
            return Err(io::Error::new(io::ErrorKind::Interrupted, "cancelled"));
        }
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
/// first. Fails on a file that cannot be read, naming it.
pub fn hash_files(paths: &[PathBuf]) -> io::Result<Vec<String>> {
    let mut largest_first = paths.to_vec();
    let size = |p: &PathBuf| p.metadata().map(|m| m.len()).unwrap_or(0);
    largest_first.sort_by_key(|p| std::cmp::Reverse(size(p)));
    let digests = PayloadDigests::start(&largest_first);
    paths.iter().map(|p| digests.get(p)).collect()
}

/// Payload sha256s computed by two background threads in the order given, each distinct file
/// once, so that packing the first host's bundle can start as soon as its own payloads are
/// hashed while the rest are hashed alongside. Dropping it stops the threads.
///
/// ```no_run
/// # use rbc::package::PayloadDigests;
/// # use std::path::{Path, PathBuf};
/// let payloads = vec![PathBuf::from("app.rpm"), PathBuf::from("web.tar.gz")];
/// let digests = PayloadDigests::start(&payloads); // in the order hosts will need them
/// let app = digests.get(Path::new("app.rpm"))?;   // waits until that one is hashed
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct PayloadDigests {
    shared: Arc<Shared>,
    job_of: HashMap<PathBuf, usize>,
    workers: Vec<JoinHandle<()>>,
}

struct Shared {
    jobs: Vec<PathBuf>,
    next: AtomicUsize,
    cancelled: AtomicBool,
    /// Per job: `None` until hashed.
    results: Mutex<Vec<Option<Outcome>>>,
    done: Condvar,
}

/// A digest, or the error as kind and message (an `io::Error` cannot be cloned to every caller).
type Outcome = Result<String, (io::ErrorKind, String)>;

impl PayloadDigests {
    /// Starts hashing `paths` (in this order, duplicates once) and returns at once.
    pub fn start(paths: &[PathBuf]) -> PayloadDigests {
        let mut job_of = HashMap::new();
        let mut job_of_file: HashMap<PathBuf, usize> = HashMap::new();
        let mut jobs = Vec::new();
        for path in paths {
            let file = same_file_key(path);
            let job = *job_of_file.entry(file).or_insert_with(|| {
                jobs.push(path.clone());
                jobs.len() - 1
            });
            job_of.insert(path.clone(), job);
        }
        let shared = Arc::new(Shared {
            results: Mutex::new(vec![None; jobs.len()]),
            jobs,
            next: AtomicUsize::new(0),
            cancelled: AtomicBool::new(false),
            done: Condvar::new(),
        });
        let workers = (0..THREADS.min(shared.jobs.len()))
            .map(|_| {
                let shared = Arc::clone(&shared);
                thread::spawn(move || shared.work())
            })
            .collect();
        PayloadDigests {
            shared,
            job_of,
            workers,
        }
    }

    /// The sha256 of `path` (one of those given to `start`), waiting until it is computed.
    pub fn get(&self, path: &Path) -> io::Result<String> {
        let job = match self.job_of.get(path) {
            Some(&job) => job,
            None => {
                *self
                    .job_of
                    .iter()
                    .find(|(known, _)| same_file_key(known) == same_file_key(path))
                    .ok_or_else(|| {
                        io::Error::new(
                            io::ErrorKind::InvalidInput,
                            format!("{}: not among the payloads being hashed", path.display()),
                        )
                    })?
                    .1
            }
        };
        let mut results = self
            .shared
            .results
            .lock()
            .expect("no worker panics holding it");
        loop {
            match &results[job] {
                Some(Ok(hex)) => return Ok(hex.clone()),
                Some(Err((kind, message))) => return Err(io::Error::new(*kind, message.clone())),
                None => results = self.shared.done.wait(results).expect("no worker panicked"),
            }
        }
    }
}

impl Shared {
    fn work(&self) {
        let mut buf = vec![0; READ_SIZE];
        loop {
            let job = self.next.fetch_add(1, Ordering::Relaxed);
            let Some(path) = self.jobs.get(job) else {
                return;
            };
            let digest = sha256_file_with(path, &mut buf, &self.cancelled);
            if self.cancelled.load(Ordering::Relaxed) {
                return;
            }
            let digest = digest.map_err(|e| (e.kind(), e.to_string()));
            self.results.lock().expect("no worker panics holding it")[job] = Some(digest);
            self.done.notify_all();
        }
    }
}

impl Drop for PayloadDigests {
    fn drop(&mut self) {
        self.shared.cancelled.store(true, Ordering::Relaxed);
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// Two names for one file (`./a.rpm`, `a.rpm`) share a key; a missing file keys by its name
/// and fails when hashed.
fn same_file_key(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
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

    #[test]
    fn payload_digests_answer_by_any_name_and_refuse_strangers() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.rpm");
        std::fs::write(&a, b"a").unwrap();
        let digests = PayloadDigests::start(&[a.clone(), dir.path().join("gone.rpm")]);
        let want = "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb";
        assert_eq!(digests.get(&a).unwrap(), want);
        assert_eq!(digests.get(&dir.path().join(".//a.rpm")).unwrap(), want);
        let gone = digests.get(&dir.path().join("gone.rpm")).unwrap_err();
        assert_eq!(gone.kind(), io::ErrorKind::NotFound);
        let stranger = digests.get(&dir.path().join("b.rpm")).unwrap_err();
        assert_eq!(stranger.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn dropping_payload_digests_early_stops_the_threads() {
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.bin");
        std::fs::write(&big, vec![1u8; 8 * READ_SIZE]).unwrap();
        drop(PayloadDigests::start(&[big.clone(), big]));
    }
}
