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
                    let _ = std::fs::remove_dir_all(d);
                }
                std::process::exit(128 + sig);
            }
        });
    });
}
