//! A bundle's bytes on their way to disk: written in big chunks by the packing thread while a
//! second thread computes their sha256, so the checksum costs no re-read and little wall time.

use super::digest::hex;
use sha2::{Digest, Sha256};
use std::io::{self, Write};
use std::mem;
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::{self, JoinHandle};

/// Bytes handed to the disk and the hashing thread at a time.
pub(super) const CHUNK: usize = 1 << 20;
/// Chunks alive at once (being filled, written, or hashed): bounds memory to a few MiB.
const CHUNKS: usize = 4;

/// Buffered output whose every byte is also fed, in order, to a sha256 on another thread.
pub(super) struct HashedOutput<W: Write> {
    sink: W,
    chunk: Vec<u8>,
    filled: usize,
    allocated: usize,
    to_hasher: SyncSender<(Vec<u8>, usize)>,
    from_hasher: Receiver<Vec<u8>>,
    hasher: JoinHandle<Sha256>,
}

impl<W: Write> HashedOutput<W> {
    pub(super) fn new(sink: W) -> Self {
        let (to_hasher, hasher_input) = mpsc::sync_channel::<(Vec<u8>, usize)>(CHUNKS);
        let (hasher_output, from_hasher) = mpsc::sync_channel::<Vec<u8>>(CHUNKS);
        let hasher = thread::spawn(move || {
            let mut sha = Sha256::new();
            for (chunk, len) in hasher_input {
                sha.update(&chunk[..len]);
                // The packing thread may have stopped on an error; then nobody wants it back.
                let _ = hasher_output.send(chunk);
            }
            sha
        });
        HashedOutput {
            sink,
            chunk: vec![0; CHUNK],
            filled: 0,
            allocated: 1,
            to_hasher,
            from_hasher,
            hasher,
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

    /// Flushes what is left and returns the sink with the lowercase hex sha256 of all bytes.
    pub(super) fn finish(mut self) -> io::Result<(W, String)> {
        self.flush_chunk()?;
        let HashedOutput {
            sink,
            to_hasher,
            hasher,
            ..
        } = self;
        drop(to_hasher);
        let sha = hasher
            .join()
            .map_err(|_| io::Error::other("the sha256 thread panicked"))?;
        Ok((sink, hex(&sha.finalize())))
    }

    fn flush_chunk(&mut self) -> io::Result<()> {
        if self.filled == 0 {
            return Ok(());
        }
        self.sink.write_all(&self.chunk[..self.filled])?;
        let next = self.free_chunk()?;
        let full = mem::replace(&mut self.chunk, next);
        self.to_hasher
            .send((full, mem::take(&mut self.filled)))
            .map_err(|_| io::Error::other("the sha256 thread stopped"))
    }

    fn free_chunk(&mut self) -> io::Result<Vec<u8>> {
        if let Ok(chunk) = self.from_hasher.try_recv() {
            return Ok(chunk);
        }
        if self.allocated < CHUNKS {
            self.allocated += 1;
            return Ok(vec![0; CHUNK]);
        }
        self.from_hasher
            .recv()
            .map_err(|_| io::Error::other("the sha256 thread stopped"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_matches_a_plain_sha256_across_chunk_boundaries() {
        let data: Vec<u8> = (0..(CHUNK * 9 + 123))
            .map(|i| (i * 7 % 251) as u8)
            .collect();
        let mut out = HashedOutput::new(Vec::new());
        for piece in data.chunks(CHUNK / 3 + 5) {
            out.write_all(piece).unwrap();
        }
        let (written, sha) = out.finish().unwrap();
        assert_eq!(written, data);
        assert_eq!(sha, hex(&Sha256::digest(&data)));
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
