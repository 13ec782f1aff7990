//! Packaging: per-host `.tar.gz` bundles that are byte-identical for the same input, written
//! atomically and streamed (payloads are never held in memory), plus the sha256 lists around them.
//!
//! The tar stream is GNU format with fixed owners, modes and mtimes, in sorted order with every
//! parent directory present. Its gzip is one member in which text is deflated and payloads that
//! are already compressed (rpm, tar.gz, jar) are stored, so a 1 GB payload costs about a copy
//! (see `gzip`), and the bundle's sha256 is computed on a second thread as it is written.

mod digest;
mod gzip;
mod output;

pub use digest::{hash_files, sha256_file, PayloadDigests};

use digest::hex;
use gzip::{GzipWriter, MAX_STORED};
use output::HashedOutput;
use sha2::{Digest, Sha256};
use std::collections::btree_map::{BTreeMap, Entry as Slot};
use std::fs::{File, Permissions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::thread;

/// Where an archive entry's bytes come from.
pub enum EntrySource {
    /// Generated content (scripts, README, checksums), compressed in the bundle.
    Bytes(Vec<u8>),
    /// A file on disk (a payload), streamed when the bundle is written.
    File(PathBuf),
}

/// One regular file in a bundle. Its parent directories are implied.
pub struct Entry {
    /// Path inside the archive, `/`-separated and relative, e.g. `api-1/run.sh`.
    pub path: String,
    /// Permission bits (`0o755`, `0o600`, ...); file-type bits are ignored.
    pub mode: u32,
    pub source: EntrySource,
}

/// Modification time of every entry: 2000-01-01T00:00:00Z. A constant keeps bundles identical
/// across runs; not 0, which GNU tar reports as an "implausibly old time stamp".
pub const ENTRY_MTIME: u64 = 946_684_800;
/// Bundles written at once by [`write_bundles`]: one per core of a two-core machine.
const BUNDLE_WRITERS: usize = 2;
/// Permission bits of the directories the archive implies.
const DIR_MODE: u32 = 0o755;
/// GNU tar pads an archive to whole 10 KiB records; so do we, for readers that expect it.
const RECORD: u64 = 10_240;
/// Files smaller than this are always deflated: scripts and configs, where sampling is moot.
const SAMPLE_FROM: u64 = 64 * 1024;
/// A file is judged compressible or not in windows of this many bytes (16 stored blocks).
const WINDOW: u64 = 16 * MAX_STORED as u64;
/// Bytes sampled at the start of each window to judge it.
const SAMPLE: usize = 4096;

/// A bundle to write: the `.tar.gz`, and optionally the same bundle as a self-extracting file.
pub struct Bundle {
    /// The `.tar.gz` to write.
    pub out: PathBuf,
    /// Also write the bundle as `dist/hosts/<host>.run` ([`crate::sfx`]), in the same pass.
    pub sfx: Option<SelfExtracting>,
    pub entries: Vec<Entry>,
}

/// Where the self-extracting form goes, and the host it unpacks (its one top folder).
pub struct SelfExtracting {
    pub out: PathBuf,
    pub host: String,
}

/// What [`write_bundle`] wrote: lowercase hex sha256s.
#[derive(Debug, Clone)]
pub struct Written {
    /// Of the `.tar.gz`.
    pub sha256: String,
    pub sfx: Option<SfxSums>,
}

/// The sums of a self-extracting file.
#[derive(Debug, Clone)]
pub struct SfxSums {
    /// Of the whole file (for `dist/SHA256SUMS`).
    pub sha256: String,
    /// Of everything before its last line: the sum the header checks, written in that line.
    pub inner: String,
}

/// Writes a gzip'd GNU tar of `entries` to `out` and returns the lowercase hex sha256 of the file.
/// See [`write_bundle`].
pub fn write_tar_gz(out: &Path, entries: Vec<Entry>) -> io::Result<String> {
    write_bundle(Bundle {
        out: out.to_path_buf(),
        sfx: None,
        entries,
    })
    .map(|w| w.sha256)
}

/// Writes a gzip'd GNU tar of the bundle's entries to its `out` (and, when asked, the same gzip
/// stream after a header as its self-extracting file) and returns their sha256s.
///
/// Entries are sorted by path component, each parent directory is emitted (mode 0755), owners are
/// `root:root` (0/0), every mtime is [`ENTRY_MTIME`], and the gzip header carries no name and no
/// time: the same entries give the same bytes on every run and machine. Duplicate paths, paths
/// that are absolute or hold `.`, `..` or empty components, and a file that is also a directory
/// are refused with `InvalidInput`.
///
/// One pass: the gzip stream is written to both files as it is made, and each file's sha256 is
/// computed on its own thread as it is written (the self-extracting file's header is fixed
/// before the stream starts, so nothing is read back).
///
/// Each file is written to a temporary file beside it and renamed over it only when complete, so
/// an error (a missing or changing source file, a full disk) leaves both as they were. The rename
/// is not preceded by an fsync: a power cut can still lose a fresh bundle.
pub fn write_bundle(bundle: Bundle) -> io::Result<Written> {
    let Bundle { out, sfx, entries } = bundle;
    let tree = Tree::from_entries(entries)?;
    let temp = temp_beside(&out)?;
    let sfx_temp = match &sfx {
        Some(s) => Some((temp_beside(&s.out)?, crate::sfx::header(&s.host))),
        None => None,
    };
    let mut outputs = vec![(temp.as_file(), Sha256::new())];
    if let Some((file, header)) = &sfx_temp {
        let mut sink = file.as_file();
        sink.write_all(header.as_bytes())?;
        let mut sha = Sha256::new();
        sha.update(header.as_bytes());
        outputs.push((sink, sha));
    }

    let mut tar = TarWriter {
        gz: GzipWriter::new(HashedOutput::tee(outputs))?,
        written: 0,
    };
    for (components, node) in tree.nodes {
        let path = components.join("/");
        match node {
            Node::Dir => tar.directory(&path)?,
            Node::File { mode, source } => tar.file(&path, mode, source)?,
        }
    }
    let mut sums = tar.finish()?.finish_all()?;
    let sha256 = match sums.first() {
        Some((_, sha)) => hex(&sha.clone().finalize()),
        None => return Err(io::Error::other("no output")),
    };
    let sfx_sums = match sums.get_mut(1) {
        Some((sink, sha)) => {
            let inner = hex(&sha.clone().finalize());
            let trailer = crate::sfx::trailer(&inner);
            sink.write_all(trailer.as_bytes())?;
            sha.update(trailer.as_bytes());
            Some(SfxSums {
                sha256: hex(&sha.clone().finalize()),
                inner,
            })
        }
        None => None,
    };
    drop(sums);
    if let (Some(sfx), Some((file, _))) = (sfx, sfx_temp) {
        file.as_file()
            .set_permissions(Permissions::from_mode(0o755))?;
        file.persist(&sfx.out).map_err(|e| e.error)?;
    }

    temp.as_file()
        .set_permissions(Permissions::from_mode(0o644))?;
    temp.persist(&out).map_err(|e| e.error)?;
    Ok(Written {
        sha256,
        sfx: sfx_sums,
    })
}

fn temp_beside(out: &Path) -> io::Result<tempfile::NamedTempFile> {
    let dir = match out.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let name = out.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{}: not a file name", out.display()),
        )
    })?;
    tempfile::Builder::new()
        .prefix(&format!(".{}.", name.to_string_lossy()))
        .suffix(".tmp")
        .tempfile_in(dir)
}

/// Writes several bundles with [`write_tar_gz`], two at a time, and returns their sha256s in
/// the order given (see [`write_all`]).
pub fn write_bundles<I>(bundles: I) -> io::Result<Vec<String>>
where
    I: Iterator<Item = io::Result<(PathBuf, Vec<Entry>)>> + Send,
{
    let bundles = bundles.map(|b| {
        b.map(|(out, entries)| Bundle {
            out,
            sfx: None,
            entries,
        })
    });
    Ok(write_all(bundles)?.into_iter().map(|w| w.sha256).collect())
}

/// Writes several bundles with [`write_bundle`], two at a time, and returns what each wrote in
/// the order given. Each bundle is drawn from `bundles` only when a writer is free, so building
/// one may wait (e.g. on [`PayloadDigests::get`]) while another bundle is written.
///
/// Why two at a time: a bundle's sha256 is one sequential computation, so one bundle keeps one
/// core busy hashing; two keep both. On the first error no further bundle is started; bundles
/// already written stay (each is complete, being renamed into place only when done).
pub fn write_all<I>(bundles: I) -> io::Result<Vec<Written>>
where
    I: Iterator<Item = io::Result<Bundle>> + Send,
{
    struct Queue<I> {
        bundles: I,
        drawn: usize,
        failed: bool,
    }
    let queue = Mutex::new(Queue {
        bundles,
        drawn: 0,
        failed: false,
    });
    let written: Mutex<Vec<(usize, io::Result<Written>)>> = Mutex::new(Vec::new());
    thread::scope(|scope| {
        for _ in 0..BUNDLE_WRITERS {
            scope.spawn(|| loop {
                let (index, next) = {
                    let mut queue = queue.lock().expect("no writer panics holding it");
                    if queue.failed {
                        return;
                    }
                    let Some(next) = queue.bundles.next() else {
                        return;
                    };
                    queue.drawn += 1;
                    (queue.drawn - 1, next)
                };
                let result = next.and_then(write_bundle);
                if result.is_err() {
                    queue.lock().expect("no writer panics holding it").failed = true;
                }
                written
                    .lock()
                    .expect("no writer panics holding it")
                    .push((index, result));
            });
        }
    });
    let mut written = written.into_inner().expect("no writer panicked");
    written.sort_by_key(|(index, _)| *index);
    written.into_iter().map(|(_, result)| result).collect()
}

/// A `SHA256SUMS` file as `sha256sum -c` reads it: `<hex>  <name>` lines, sorted by name.
/// Names are written as given; the compiler's names (hosts, payload files) hold no newline.
pub fn sha256sums(lines: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = lines.iter().collect();
    sorted.sort_by(|a, b| a.1.cmp(&b.1));
    sorted
        .iter()
        .map(|(hex, name)| format!("{hex}  {name}\n"))
        .collect()
}

/// The archive's contents, keyed by path components so that a directory comes right before its
/// contents: `h/`, `h/payload/`, `h/payload/a.rpm`, `h/run.sh`, then `h.txt`.
struct Tree {
    nodes: BTreeMap<Vec<String>, Node>,
}

enum Node {
    Dir,
    File { mode: u32, source: EntrySource },
}

impl Tree {
    fn from_entries(entries: Vec<Entry>) -> io::Result<Tree> {
        let mut nodes = BTreeMap::new();
        for entry in entries {
            let components = archive_components(&entry.path)?;
            for depth in 1..components.len() {
                let parent = components[..depth].to_vec();
                if let Some(Node::File { .. }) = nodes.get(&parent) {
                    return Err(invalid(&entry.path, "its parent is also a file"));
                }
                nodes.entry(parent).or_insert(Node::Dir);
            }
            match nodes.entry(components) {
                Slot::Occupied(_) => {
                    return Err(invalid(&entry.path, "named twice, or also a directory"))
                }
                Slot::Vacant(slot) => {
                    slot.insert(Node::File {
                        mode: entry.mode & 0o7777,
                        source: entry.source,
                    });
                }
            }
        }
        Ok(Tree { nodes })
    }
}

fn archive_components(path: &str) -> io::Result<Vec<String>> {
    if path.is_empty() || path.starts_with('/') || path.contains('\0') {
        return Err(invalid(path, "must be a relative path"));
    }
    let components: Vec<String> = path.split('/').map(str::to_owned).collect();
    if components
        .iter()
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err(invalid(path, "must not hold empty, `.` or `..` components"));
    }
    Ok(components)
}

fn invalid(path: &str, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("archive entry {path:?}: {why}"),
    )
}

/// The tar layer: headers and padding are deflated; file contents are deflated or stored.
struct TarWriter<W: Write> {
    gz: GzipWriter<W>,
    /// Uncompressed tar bytes so far, for padding.
    written: u64,
}

impl<W: Write> TarWriter<W> {
    fn directory(&mut self, path: &str) -> io::Result<()> {
        self.header(&format!("{path}/"), tar::EntryType::Directory, DIR_MODE, 0)
    }

    fn file(&mut self, path: &str, mode: u32, source: EntrySource) -> io::Result<()> {
        match source {
            EntrySource::Bytes(bytes) => {
                self.header(path, tar::EntryType::Regular, mode, bytes.len() as u64)?;
                self.deflate(&bytes)?;
            }
            EntrySource::File(source) => {
                let with_path =
                    |e: io::Error| io::Error::new(e.kind(), format!("{}: {e}", source.display()));
                let mut file = File::open(&source).map_err(with_path)?;
                let meta = file.metadata().map_err(with_path)?;
                if !meta.is_file() {
                    return Err(with_path(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "not a regular file",
                    )));
                }
                self.header(path, tar::EntryType::Regular, mode, meta.len())?;
                self.copy_file(&mut file, meta.len()).map_err(|e| {
                    if e.kind() == io::ErrorKind::UnexpectedEof {
                        with_path(io::Error::new(e.kind(), "file shrank while being packed"))
                    } else {
                        with_path(e)
                    }
                })?;
            }
        }
        self.pad_to(512)
    }

    /// Streams `len` bytes of `file`: small files are deflated; larger ones window by window,
    /// stored where a sample of the window looks already compressed.
    fn copy_file(&mut self, file: &mut File, len: u64) -> io::Result<()> {
        let mut buf = vec![0; SAMPLE.max(64 * 1024)];
        if len < SAMPLE_FROM {
            self.deflate_from(file, len, &mut buf)?;
        } else {
            let mut offset = 0;
            while offset < len {
                let window = WINDOW.min(len - offset);
                let sample = &mut buf[..SAMPLE.min(window as usize)];
                file.read_exact_at(sample, offset)?;
                if looks_compressed(sample) {
                    self.gz.store(file, window)?;
                    self.written += window;
                } else {
                    self.deflate_from(file, window, &mut buf)?;
                }
                offset += window;
            }
        }
        if file.read(&mut [0])? != 0 {
            return Err(io::Error::other("file grew while being packed"));
        }
        Ok(())
    }

    fn deflate_from(&mut self, file: &mut File, mut len: u64, buf: &mut [u8]) -> io::Result<()> {
        while len > 0 {
            let n = len.min(buf.len() as u64) as usize;
            let piece = &mut buf[..n];
            file.read_exact(piece)?;
            self.deflate(piece)?;
            len -= piece.len() as u64;
        }
        Ok(())
    }

    fn deflate(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.written += bytes.len() as u64;
        self.gz.deflate(bytes)
    }

    /// A GNU header (with a `././@LongLink` entry first when the name exceeds 100 bytes).
    fn header(&mut self, path: &str, kind: tar::EntryType, mode: u32, size: u64) -> io::Result<()> {
        let name = path.as_bytes();
        if name.len() > 100 {
            let mut long = name.to_vec();
            long.push(0);
            let link = gnu_header(
                b"././@LongLink",
                tar::EntryType::GNULongName,
                0o644,
                long.len() as u64,
            );
            self.deflate(link.as_bytes())?;
            self.deflate(&long)?;
            self.pad_to(512)?;
        }
        let header = gnu_header(&name[..name.len().min(100)], kind, mode, size);
        self.deflate(header.as_bytes())
    }

    fn pad_to(&mut self, multiple: u64) -> io::Result<()> {
        let pad = (multiple - self.written % multiple) % multiple;
        self.deflate(&vec![0; pad as usize])
    }

    /// The end-of-archive marker (two zero blocks), padding to a whole record, the gzip trailer.
    fn finish(mut self) -> io::Result<HashedOutput<W>> {
        self.deflate(&[0; 1024])?;
        self.pad_to(RECORD)?;
        self.gz.close()
    }
}

fn gnu_header(name: &[u8], kind: tar::EntryType, mode: u32, size: u64) -> tar::Header {
    let mut header = tar::Header::new_gnu();
    header.as_old_mut().name[..name.len()].copy_from_slice(name);
    header.set_entry_type(kind);
    header.set_mode(mode);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(ENTRY_MTIME);
    header.set_size(size);
    if let Some(gnu) = header.as_gnu_mut() {
        gnu.uname[..4].copy_from_slice(b"root");
        gnu.gname[..4].copy_from_slice(b"root");
    }
    header.set_cksum();
    header
}

/// Whether bytes look already compressed (or encrypted), judged from their byte histogram: the
/// sum of squared byte counts is near `n²/256` for such data and several times larger for text,
/// code and binaries that deflate shrinks. Integer-only, so the verdict (and the bundle's bytes)
/// cannot differ between machines.
fn looks_compressed(sample: &[u8]) -> bool {
    let mut counts = [0u64; 256];
    for &b in sample {
        counts[usize::from(b)] += 1;
    }
    let collisions: u64 = counts.iter().map(|c| c * c).sum();
    let n = sample.len() as u64;
    // Collision entropy above log2(160) ≈ 7.3 bits per byte; uniform random data gives ~7.9.
    collisions * 160 < n * n
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str) -> Entry {
        Entry {
            path: path.into(),
            mode: 0o644,
            source: EntrySource::Bytes(Vec::new()),
        }
    }

    fn listing(entries: Vec<Entry>) -> Vec<String> {
        let tree = Tree::from_entries(entries).unwrap();
        tree.nodes
            .iter()
            .map(|(c, n)| match n {
                Node::Dir => format!("{}/", c.join("/")),
                Node::File { .. } => c.join("/"),
            })
            .collect()
    }

    #[test]
    fn directories_are_implied_and_come_before_their_contents() {
        let got = listing(vec![
            entry("h/z.txt"),
            entry("h/payload/b.rpm"),
            entry("h.txt"),
            entry("h/a-b"),
        ]);
        assert_eq!(
            got,
            [
                "h/",
                "h/a-b",
                "h/payload/",
                "h/payload/b.rpm",
                "h/z.txt",
                "h.txt"
            ]
        );
    }

    #[test]
    fn bad_paths_are_refused() {
        for bad in ["", "/etc/passwd", "a//b", "a/./b", "a/../b", "a/", "a\0b"] {
            let err = Tree::from_entries(vec![entry(bad)]).err().expect(bad);
            assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
        }
        assert!(Tree::from_entries(vec![entry("a/b"), entry("a/b")]).is_err());
        assert!(Tree::from_entries(vec![entry("a/b"), entry("a")]).is_err());
        assert!(Tree::from_entries(vec![entry("a"), entry("a/b")]).is_err());
    }

    #[test]
    fn compressed_data_is_told_from_text() {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let random: Vec<u8> = (0..SAMPLE)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        assert!(looks_compressed(&random));
        let text = "分别登录 api-1 执行 systemctl restart tomcat\n".repeat(100);
        assert!(!looks_compressed(&text.as_bytes()[..SAMPLE]));
        assert!(!looks_compressed(&[0; SAMPLE]));
        let hexdump: Vec<u8> = random
            .iter()
            .flat_map(|b| format!("{b:02x}").into_bytes())
            .collect();
        assert!(!looks_compressed(&hexdump[..SAMPLE]));
    }

    #[test]
    fn sha256sums_are_sorted_by_name() {
        let lines = vec![
            ("bb".to_owned(), "run.sh".to_owned()),
            ("aa".to_owned(), "payload/a.rpm".to_owned()),
        ];
        assert_eq!(sha256sums(&lines), "aa  payload/a.rpm\nbb  run.sh\n");
    }
}
