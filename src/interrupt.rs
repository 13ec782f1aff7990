//! Scratch directories that must not outlive rbc: a compile killed by SIGINT, SIGTERM or SIGHUP
//! removes the ones registered here before it exits (a panic or a normal end drops them anyway).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

static SCRATCH: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
static INSTALL: Once = Once::new();

/// A registered scratch directory; dropping it unregisters the path (the directory itself is
/// the owner's to remove, e.g. a `tempfile::TempDir`).
pub struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Ok(mut dirs) = SCRATCH.lock() {
            dirs.retain(|d| d != &self.0);
        }
    }
}

/// Removes `dir` if rbc is stopped by a signal while the returned guard lives.
pub fn scratch(dir: &Path) -> Scratch {
    install();
    if let Ok(mut dirs) = SCRATCH.lock() {
        dirs.push(dir.to_path_buf());
    }
    Scratch(dir.to_path_buf())
}

/// A thread that waits for SIGINT, SIGTERM and SIGHUP, removes the scratch directories, and
/// ends rbc the way the signal would have (exit status 128 + the signal's number).
fn install() {
    INSTALL.call_once(|| {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return;
        };
        std::thread::spawn(move || {
            if let Some(sig) = signals.forever().next() {
                // Held to the end: nothing registers or unregisters while rbc goes.
                let dirs = SCRATCH.lock().unwrap_or_else(|e| e.into_inner());
                for d in dirs.iter() {
                    // The compile goes on writing while this runs: a file it adds after the
                    // listing makes one pass fail, so go again. Once the directory is gone it
                    // stays gone: rbc creates folders inside it with `create_dirs_within`.
                    for _ in 0..100 {
                        match std::fs::remove_dir_all(d) {
                            Err(e) if e.kind() != std::io::ErrorKind::NotFound => continue,
                            _ => break,
                        }
                    }
                }
                std::process::exit(128 + sig);
            }
        });
    });
}

/// Creates `dir` and its missing parents up to `base`, which must exist: unlike
/// `create_dir_all`, it never brings back a scratch directory a signal removed meanwhile.
pub fn create_dirs_within(base: &Path, dir: &Path) -> std::io::Result<()> {
    let rel = dir.strip_prefix(base).map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("{} is not inside {}", dir.display(), base.display()),
        )
    })?;
    let mut path = base.to_path_buf();
    for part in rel.components() {
        path.push(part);
        match std::fs::create_dir(&path) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_made_inside_an_existing_base_only() {
        let t = tempfile::tempdir().unwrap();
        let base = t.path().join("scratch");
        std::fs::create_dir(&base).unwrap();
        create_dirs_within(&base, &base.join("a/b/c")).unwrap();
        assert!(base.join("a/b/c").is_dir());
        create_dirs_within(&base, &base.join("a/b/c")).unwrap();
        std::fs::remove_dir_all(&base).unwrap();
        assert!(create_dirs_within(&base, &base.join("a/b")).is_err());
        assert!(!base.exists(), "a removed base must stay removed");
        assert!(create_dirs_within(&base, t.path()).is_err());
    }
}
