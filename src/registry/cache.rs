//! The on-disk response cache (`--offline-cache DIR`): one file per URL holding the body as
//! the registry sent it (decompressed) and its validators (`ETag`, `Last-Modified`), so a rerun
//! asks `If-None-Match` / `If-Modified-Since` and a `304` costs no download.
//!
//! File layout: `<16 hex digits of FNV-1a(url)>.pack` = body bytes, then a JSON trailer
//! ([`Meta`]), then the trailer's length as 8 little-endian bytes. The trailer is written last
//! because the body's length and checksum are only known once it has streamed through.
//!
//! The directory may be restored by CI from an earlier run, or be damaged: every entry is
//! checked before use (URL, body length, checksum, computed while the body is read) and a bad
//! one is treated as absent. Entries are written to a temporary file and renamed into place,
//! so readers never see a half-written one.

use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

/// Trailers larger than this are not believed (validators are short).
const MAX_TRAILER: u64 = 64 * 1024;
/// Temporary files older than this are leftovers of a killed run.
const STALE_TMP: Duration = Duration::from_secs(3600);
const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meta {
    pub version: u32,
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub len: u64,
    /// FNV-1a 64 of the body: catches damage, not tampering (whoever can write the cache can
    /// rewrite the trailer too).
    pub checksum: u64,
}

#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// Opens (creating if needed) the cache directory and removes stale temporary files.
    pub fn open(dir: &Path) -> io::Result<Cache> {
        std::fs::create_dir_all(dir)?;
        if let Ok(entries) = std::fs::read_dir(dir) {
            for entry in entries.flatten() {
                let path = entry.path();
                let stale = entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .ok()
                    .and_then(|t| SystemTime::now().duration_since(t).ok())
                    .is_some_and(|age| age > STALE_TMP);
                if stale && path.extension().is_some_and(|e| e == "tmp") {
                    let _ = std::fs::remove_file(path);
                }
            }
        }
        Ok(Cache { dir: dir.to_owned() })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn path_for(&self, url: &str) -> PathBuf {
        self.dir.join(format!("{:016x}.pack", fnv1a(FNV_OFFSET, url.as_bytes())))
    }

    /// The validators of the entry for `url`, if there is a plausible one.
    pub fn lookup(&self, url: &str) -> Option<Meta> {
        let mut file = File::open(self.path_for(url)).ok()?;
        let (meta, _) = read_trailer(&mut file, url).ok()?;
        Some(meta)
    }

    /// The stored body for `url`, as a reader that fails with [`io::ErrorKind::InvalidData`]
    /// at its end if the bytes do not match the trailer.
    pub fn open_body(&self, url: &str) -> io::Result<(Meta, CachedBody)> {
        let mut file = File::open(self.path_for(url))?;
        let (meta, body_len) = read_trailer(&mut file, url)?;
        file.seek(SeekFrom::Start(0))?;
        let body = CachedBody {
            inner: BufReader::with_capacity(64 * 1024, file).take(body_len),
            hash: FNV_OFFSET,
            seen: 0,
            expect_len: meta.len,
            expect_hash: meta.checksum,
        };
        Ok((meta, body))
    }

    pub fn remove(&self, url: &str) {
        let _ = std::fs::remove_file(self.path_for(url));
    }

    /// Starts a new entry for `url`; nothing is visible until [`CacheWriter::commit`].
    pub fn writer(
        &self,
        url: &str,
        etag: Option<String>,
        last_modified: Option<String>,
    ) -> io::Result<CacheWriter> {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let final_path = self.path_for(url);
        let tmp_path = final_path.with_extension(format!(
            "{}.{}.tmp",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let file = File::create(&tmp_path)?;
        Ok(CacheWriter {
            file: Some(io::BufWriter::with_capacity(64 * 1024, file)),
            tmp_path,
            final_path,
            meta: Meta {
                version: VERSION,
                url: url.to_owned(),
                etag,
                last_modified,
                len: 0,
                checksum: FNV_OFFSET,
            },
        })
    }
}

fn read_trailer(file: &mut File, url: &str) -> io::Result<(Meta, u64)> {
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("cache entry: {what}"));
    let total = file.metadata()?.len();
    if total < 8 {
        return Err(bad("too short"));
    }
    file.seek(SeekFrom::Start(total - 8))?;
    let mut len_bytes = [0u8; 8];
    file.read_exact(&mut len_bytes)?;
    let trailer_len = u64::from_le_bytes(len_bytes);
    if trailer_len > MAX_TRAILER || trailer_len > total - 8 {
        return Err(bad("bad trailer length"));
    }
    let body_len = total - 8 - trailer_len;
    file.seek(SeekFrom::Start(body_len))?;
    let mut trailer = vec![0u8; trailer_len as usize];
    file.read_exact(&mut trailer)?;
    let meta: Meta = serde_json::from_slice(&trailer).map_err(|_| bad("bad trailer"))?;
    if meta.version != VERSION || meta.url != url || meta.len != body_len {
        return Err(bad("does not match"));
    }
    Ok((meta, body_len))
}

/// A stored body being read back; checks length and checksum when it reaches the end.
pub struct CachedBody {
    inner: io::Take<BufReader<File>>,
    hash: u64,
    seen: u64,
    expect_len: u64,
    expect_hash: u64,
}

impl Read for CachedBody {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let read = buf.get(..n).unwrap_or_default();
        self.hash = fnv1a(self.hash, read);
        self.seen += n as u64;
        if n == 0 && !buf.is_empty() && (self.seen != self.expect_len || self.hash != self.expect_hash) {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "cache entry is damaged"));
        }
        Ok(n)
    }
}

/// A cache entry being written; dropped without [`CacheWriter::commit`], it leaves nothing.
pub struct CacheWriter {
    file: Option<io::BufWriter<File>>,
    tmp_path: PathBuf,
    final_path: PathBuf,
    meta: Meta,
}

impl CacheWriter {
    pub fn write_chunk(&mut self, chunk: &[u8]) -> io::Result<()> {
        let file = self.file.as_mut().ok_or_else(|| io::Error::other("cache entry already closed"))?;
        file.write_all(chunk)?;
        self.meta.checksum = fnv1a(self.meta.checksum, chunk);
        self.meta.len += chunk.len() as u64;
        Ok(())
    }

    /// Appends the trailer and renames the entry into place.
    pub fn commit(mut self) -> io::Result<()> {
        let mut file = self.file.take().ok_or_else(|| io::Error::other("cache entry already closed"))?;
        let trailer = serde_json::to_vec(&self.meta).map_err(io::Error::other)?;
        file.write_all(&trailer)?;
        file.write_all(&(trailer.len() as u64).to_le_bytes())?;
        file.into_inner().map_err(|e| e.into_error())?;
        std::fs::rename(&self.tmp_path, &self.final_path)
    }
}

impl Drop for CacheWriter {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp_path);
        }
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a, 64-bit: stable across builds (unlike std's hasher), so a cache written by one
/// lockgate version is found by the next.
fn fnv1a(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(cache: &Cache, url: &str) -> io::Result<Vec<u8>> {
        let (_, mut body) = cache.open_body(url)?;
        let mut out = Vec::new();
        body.read_to_end(&mut out)?;
        Ok(out)
    }

    #[test]
    fn round_trip_and_damage() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let url = "https://registry.example/left-pad";
        assert_eq!(cache.lookup(url), None);
        let mut w = cache.writer(url, Some("\"abc\"".into()), None).unwrap();
        w.write_chunk(b"{\"name\":").unwrap();
        w.write_chunk(b"\"left-pad\"}").unwrap();
        w.commit().unwrap();
        let meta = cache.lookup(url).unwrap();
        assert_eq!(meta.etag.as_deref(), Some("\"abc\""));
        assert_eq!(meta.len, 19);
        assert_eq!(read_all(&cache, url).unwrap(), b"{\"name\":\"left-pad\"}");
        // Only the one entry, no temporary file left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // Another URL never reads this entry, even under the same file name.
        assert!(cache.open_body("https://registry.example/other").is_err());

        // A flipped body byte: the trailer still parses, the checksum catches it at the end.
        let path = cache.path_for(url);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[3] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        assert!(cache.lookup(url).is_some());
        assert_eq!(read_all(&cache, url).unwrap_err().kind(), io::ErrorKind::InvalidData);
        // Truncated and garbage files read as absent.
        std::fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert_eq!(cache.lookup(url), None);
        std::fs::write(&path, b"\xff\xff\xff\xff\xff\xff\xff\xff").unwrap();
        assert_eq!(cache.lookup(url), None);
        std::fs::write(&path, b"").unwrap();
        assert_eq!(cache.lookup(url), None);
    }

    #[test]
    fn abandoned_writer_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let mut w = cache.writer("https://r/x", None, None).unwrap();
        w.write_chunk(b"partial").unwrap();
        drop(w);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
