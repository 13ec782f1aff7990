//! A bundle's bytes on their way to disk: written in big chunks by the packing thread while other
//! threads compute their sha256, so the checksum costs no re-read and little wall time.
//!
//! The same bytes can go to several files at once (the `.tar.gz` and the `.run` that holds the
//! same gzip stream after a header), each with its own sha256 on its own thread, started from a
//! state the caller gives (the `.run`'s header already hashed).

use sha2::{Digest, Sha256};
use std::collections::VecDeque;
use std::io::{self, Write};
use std::mem;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

/// Bytes handed to the disk and the hashing threads at a time.
pub(super) const CHUNK: usize = 1 << 20;
/// Chunks alive at once (being filled, written, or hashed): bounds memory to a few MiB.
const CHUNKS: usize = 4;

/// Buffered output whose every byte is written, in order, to each sink and fed to that sink's
/// sha256 on another thread.
pub(super) struct HashedOutput<W: Write> {
    sinks: Vec<W>,
    hashers: Vec<Hasher>,
    chunk: Vec<u8>,
    filled: usize,
    allocated: usize,
    /// Chunks handed to the hashers, oldest first; reusable once no hasher holds them.
    in_flight: VecDeque<Arc<Vec<u8>>>,
    /// One message per chunk a hasher is done with.
    hashed: Receiver<()>,
}

struct Hasher {
    to: SyncSender<(Arc<Vec<u8>>, usize)>,
    thread: JoinHandle<Sha256>,
}

impl<W: Write> HashedOutput<W> {
    #[cfg(test)]
    pub(super) fn new(sink: W) -> Self {
        Self::tee(vec![(sink, Sha256::new())])
    }

    /// Every byte goes to each sink; each sink's sha256 continues from the state given with it.
    pub(super) fn tee(outputs: Vec<(W, Sha256)>) -> Self {
        // Unbounded, so that a hasher never waits for the packing thread to hear it is done.
        let (done, hashed) = mpsc::channel::<()>();
        let mut sinks = Vec::with_capacity(outputs.len());
        let mut hashers = Vec::with_capacity(outputs.len());
        for (sink, mut sha) in outputs {
            let (to, input) = mpsc::sync_channel::<(Arc<Vec<u8>>, usize)>(CHUNKS);
            let done = done.clone();
            let thread = thread::spawn(move || {
                for (chunk, len) in input {
                    sha.update(&chunk[..len]);
                    drop(chunk);
                    // The packing thread may have stopped on an error; then nobody listens.
                    let _ = done.send(());
                }
                sha
            });
            sinks.push(sink);
            hashers.push(Hasher { to, thread });
        }
        HashedOutput {
            sinks,
            hashers,
            chunk: vec![0; CHUNK],
            filled: 0,
            allocated: 1,
            in_flight: VecDeque::new(),
            hashed,
        }
    }

    pub(super) fn write_all(&mut self, mut data: &[u8]) -> io::Result<()> {
        while !data.is_empty() {
            let spare = self.spare(1)?;
            let n = spare.len().min(data.len());
            spare[..n].copy_from_slice(&data[..n]);
            self.commit(n);
            data = &data[n..];
        }
        Ok(())
    }

    /// The free end of the current chunk, at least `at_least` (≤ `CHUNK`) bytes long; fill a
    /// prefix of it, then `commit` that many bytes.
    pub(super) fn spare(&mut self, at_least: usize) -> io::Result<&mut [u8]> {
        debug_assert!(at_least <= CHUNK);
        if CHUNK - self.filled < at_least {
            self.flush_chunk()?;
        }
        Ok(&mut self.chunk[self.filled..])
    }

    pub(super) fn commit(&mut self, n: usize) {
        debug_assert!(self.filled + n <= CHUNK);
        self.filled += n;
    }

    /// Flushes what is left and returns the first sink with the lowercase hex sha256 of all bytes.
    #[cfg(test)]
    pub(super) fn finish(self) -> io::Result<(W, String)> {
        use super::digest::hex;
        let (sink, sha) = self
            .finish_all()?
            .into_iter()
            .next()
            .ok_or_else(|| io::Error::other("no output"))?;
        Ok((sink, hex(&sha.finalize())))
    }

    /// Flushes what is left and returns each sink with its sha256 state (all bytes fed).
    pub(super) fn finish_all(mut self) -> io::Result<Vec<(W, Sha256)>> {
        self.flush_chunk()?;
        let HashedOutput { sinks, hashers, .. } = self;
        let mut out = Vec::with_capacity(sinks.len());
        for (sink, Hasher { to, thread }) in sinks.into_iter().zip(hashers) {
            drop(to);
            let sha = thread
                .join()
                .map_err(|_| io::Error::other("the sha256 thread panicked"))?;
            out.push((sink, sha));
        }
        Ok(out)
    }

    fn flush_chunk(&mut self) -> io::Result<()> {
        if self.filled == 0 {
            return Ok(());
        }
        for sink in &mut self.sinks {
            sink.write_all(&self.chunk[..self.filled])?;
        }
        let next = self.free_chunk()?;
        let full = Arc::new(mem::replace(&mut self.chunk, next));
        let len = mem::take(&mut self.filled);
        for hasher in &self.hashers {
            hasher
                .to
                .send((Arc::clone(&full), len))
                .map_err(|_| io::Error::other("the sha256 thread stopped"))?;
        }
        self.in_flight.push_back(full);
        Ok(())
    }

    fn free_chunk(&mut self) -> io::Result<Vec<u8>> {
        loop {
            if let Some(oldest) = self.in_flight.pop_front() {
                match Arc::try_unwrap(oldest) {
                    Ok(chunk) => return Ok(chunk),
                    Err(held) => self.in_flight.push_front(held),
                }
            }
            if self.allocated < CHUNKS {
                self.allocated += 1;
                return Ok(vec![0; CHUNK]);
            }
            self.hashed
                .recv()
                .map_err(|_| io::Error::other("the sha256 thread stopped"))?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::digest::hex;
    use super::*;

    fn data() -> Vec<u8> {
        (0..(CHUNK * 9 + 123))
            .map(|i| (i * 7 % 251) as u8)
            .collect()
    }

    #[test]
    fn hash_matches_a_plain_sha256_across_chunk_boundaries() {
        let data = data();
        let mut out = HashedOutput::new(Vec::new());
        for piece in data.chunks(CHUNK / 3 + 5) {
            out.write_all(piece).unwrap();
        }
        let (written, sha) = out.finish().unwrap();
        assert_eq!(written, data);
        assert_eq!(sha, hex(&Sha256::digest(&data)));
    }

    #[test]
    fn each_sink_gets_every_byte_and_its_own_sum_from_its_own_start() {
        let data = data();
        let mut seeded = Sha256::new();
        seeded.update(b"header\n");
        let mut out = HashedOutput::tee(vec![(Vec::new(), Sha256::new()), (Vec::new(), seeded)]);
        for piece in data.chunks(CHUNK / 2 + 7) {
            out.write_all(piece).unwrap();
        }
        let got = out.finish_all().unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].0, data);
        assert_eq!(got[1].0, data);
        assert_eq!(
            hex(&got[0].1.clone().finalize()),
            hex(&Sha256::digest(&data))
        );
        let with_header = [&b"header\n"[..], &data].concat();
        assert_eq!(
            hex(&got[1].1.clone().finalize()),
            hex(&Sha256::digest(&with_header))
        );
    }

    #[test]
    fn empty_output_hashes_to_the_empty_digest() {
        let (written, sha) = HashedOutput::new(Vec::new()).finish().unwrap();
        assert!(written.is_empty());
        assert_eq!(
            sha,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
