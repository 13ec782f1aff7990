//! One gzip member whose deflate stream mixes compressed runs (tar headers, scripts, text) with
//! stored blocks (payloads that are already compressed), so packing a payload costs about a copy.
//!
//! Deflate (RFC 1951) lets any block be "stored": a byte-aligned header and up to 65535 raw
//! bytes. A compressed run is ended with a sync flush, which leaves the stream byte-aligned, and
//! the next run starts with a fresh compressor so that no back-reference reaches across the stored
//! bytes. Any gzip reader (gzip 1.3.12 and tar 1.23 on CentOS 6 included) sees a plain stream.

use super::output::HashedOutput;
use flate2::{Compress, Compression, Crc, FlushCompress, Status};
use std::io::{self, Read, Write};

/// The largest stored block deflate allows.
pub(super) const MAX_STORED: usize = 65535;
/// Output room asked for before each compressor call, so every call makes progress.
const MIN_ROOM: usize = 256;

/// Fixed gzip header: no name, no mtime, no flags, OS "Unix", so output depends on content only.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
/// A final, empty stored block: ends a deflate stream that closes on a stored run.
const FINAL_EMPTY_STORED: [u8; 5] = [1, 0, 0, 0xff, 0xff];

pub(super) struct GzipWriter<W: Write> {
    out: HashedOutput<W>,
    crc: Crc,
    /// Uncompressed bytes so far, for the trailer's ISIZE.
    len: u64,
    /// The open compressed run, if any; `None` means the stream is byte-aligned between blocks.
    run: Option<Compress>,
}

impl<W: Write> GzipWriter<W> {
    pub(super) fn new(mut out: HashedOutput<W>) -> io::Result<Self> {
        out.write_all(&GZIP_HEADER)?;
        Ok(GzipWriter {
            out,
            crc: Crc::new(),
            len: 0,
            run: None,
        })
    }

    /// Compresses `data` at the default level, continuing the open compressed run.
    pub(super) fn deflate(&mut self, mut data: &[u8]) -> io::Result<()> {
        self.crc.update(data);
        self.len += data.len() as u64;
        let run = self
            .run
            .get_or_insert_with(|| Compress::new(Compression::default(), false));
        while !data.is_empty() {
            let room = self.out.spare(MIN_ROOM)?;
            let (in_before, out_before) = (run.total_in(), run.total_out());
            run.compress(data, room, FlushCompress::None)
                .map_err(io::Error::other)?;
            self.out.commit((run.total_out() - out_before) as usize);
            data = &data[(run.total_in() - in_before) as usize..];
        }
        Ok(())
    }

    /// Copies exactly `len` bytes of `source` as stored blocks. Fails with `UnexpectedEof` if the
    /// source ends early.
    pub(super) fn store(&mut self, source: &mut impl Read, mut len: u64) -> io::Result<()> {
        self.end_run(FlushCompress::Sync)?;
        while len > 0 {
            let n = len.min(MAX_STORED as u64) as usize;
            let block = &mut self.out.spare(5 + n)?[..5 + n];
            let n16 = n as u16;
            block[0] = 0; // BFINAL 0, BTYPE 00 (stored), padding to the byte boundary
            block[1..3].copy_from_slice(&n16.to_le_bytes());
            block[3..5].copy_from_slice(&(!n16).to_le_bytes());
            source.read_exact(&mut block[5..])?;
            self.crc.update(&block[5..]);
            self.len += n as u64;
            self.out.commit(5 + n);
            len -= n as u64;
        }
        Ok(())
    }

    /// Ends the deflate stream, writes the gzip trailer, and returns the sink and the sha256 of
    /// every byte written.
    #[cfg(test)]
    pub(super) fn finish(self) -> io::Result<(W, String)> {
        self.close()?.finish()
    }

    /// Ends the deflate stream and writes the gzip trailer; returns the output, to be finished.
    pub(super) fn close(mut self) -> io::Result<HashedOutput<W>> {
        if self.run.is_some() {
            self.end_run(FlushCompress::Finish)?;
        } else {
            self.out.write_all(&FINAL_EMPTY_STORED)?;
        }
        self.out.write_all(&self.crc.sum().to_le_bytes())?;
        // ISIZE is the uncompressed length modulo 2^32 (RFC 1952).
        self.out.write_all(&(self.len as u32).to_le_bytes())?;
        Ok(self.out)
    }

    /// Closes the open compressed run, if any: `Sync` leaves the stream byte-aligned for stored
    /// blocks, `Finish` marks the last block final.
    fn end_run(&mut self, flush: FlushCompress) -> io::Result<()> {
        let Some(mut run) = self.run.take() else {
            return Ok(());
        };
        loop {
            let room = self.out.spare(MIN_ROOM)?;
            let room_len = room.len();
            let out_before = run.total_out();
            let status = run.compress(&[], room, flush).map_err(io::Error::other)?;
            let produced = (run.total_out() - out_before) as usize;
            self.out.commit(produced);
            let done = match flush {
                FlushCompress::Finish => status == Status::StreamEnd,
                _ => produced < room_len,
            };
            if done {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::read::GzDecoder;

    fn gzip(build: impl FnOnce(&mut GzipWriter<Vec<u8>>)) -> Vec<u8> {
        let mut gz = GzipWriter::new(HashedOutput::new(Vec::new())).unwrap();
        build(&mut gz);
        gz.finish().unwrap().0
    }

    fn gunzip(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        GzDecoder::new(data).read_to_end(&mut out).unwrap();
        out
    }

    #[test]
    fn mixed_runs_decode_to_the_concatenation() {
        let text = "安装 Tomcat\n".repeat(5000).into_bytes();
        let blob: Vec<u8> = (0..200_000u32)
            .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
            .collect();
        let gz = gzip(|gz| {
            gz.deflate(&text).unwrap();
            gz.store(&mut &blob[..], blob.len() as u64).unwrap();
            gz.deflate(&text).unwrap();
            gz.store(&mut &blob[..10], 10).unwrap();
        });
        assert_eq!(gunzip(&gz), [&text[..], &blob, &text, &blob[..10]].concat());
    }

    #[test]
    fn stream_may_end_on_a_stored_run_or_be_empty() {
        assert_eq!(
            gunzip(&gzip(|gz| gz.store(&mut &b"abc"[..], 3).unwrap())),
            b"abc"
        );
        assert_eq!(gunzip(&gzip(|_| {})), b"");
    }

    #[test]
    fn short_source_is_an_error() {
        let mut gz = GzipWriter::new(HashedOutput::new(Vec::new())).unwrap();
        let err = gz.store(&mut &b"abc"[..], 4).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::UnexpectedEof);
    }
}
