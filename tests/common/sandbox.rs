//! A throwaway root for running real bundles with real bash: a private mount namespace with an
//! overlay of `/` (changes land in a temp upper dir), a private PID namespace (everything a run
//! started dies with it), and a chroot. Needs root and util-linux `unshare`; `available()` says.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

pub struct Out {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Root and unshare present. In CI (CI=true) a missing sandbox is a failure, not a skip.
pub fn available() -> bool {
    let ok = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
        && Command::new("unshare")
            .args(["-m", "-p", "-f", "true"])
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
    if !ok && std::env::var("CI").as_deref() == Ok("true") {
        panic!("sandbox tests need root and unshare in CI");
    }
    if !ok {
        eprintln!("skipping: sandbox needs root and unshare");
    }
    ok
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::Builder::new()
            .prefix("rbc-sandbox-")
            .tempdir_in("/tmp")
            .expect("temp dir");
        for d in ["upper", "work", "merged"] {
            std::fs::create_dir_all(dir.path().join(d)).unwrap();
        }
        let sb = Sandbox { dir };
        // The recording stubs `rbc rehearse` uses (templates/stubs/, embedded in the binary).
        for (name, text) in rbc::rehearse::STUBS {
            let to = format!("{}/{name}", rbc::rehearse::STUB_DIR);
            sb.write(&to, text);
            sb.chmod(&to, 0o755);
        }
        sb
    }

    /// The file as the sandbox sees it before any mount (the overlay's upper layer).
    pub fn upper(&self, path: &str) -> PathBuf {
        self.dir
            .path()
            .join("upper")
            .join(path.trim_start_matches('/'))
    }

    pub fn write(&self, path: &str, content: impl AsRef<[u8]>) {
        let p = self.upper(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }

    /// Hides a file of the lower layers (or one written before) from the sandbox.
    pub fn remove(&self, path: &str) {
        let p = self.upper(path);
        if p.exists() {
            std::fs::remove_file(&p).unwrap();
        }
        if std::path::Path::new(path).exists() {
            // In the lower layer (the real /): an overlay whiteout, a character device 0/0.
            let st = Command::new("mknod")
                .arg(&p)
                .args(["c", "0", "0"])
                .status()
                .unwrap();
            assert!(st.success(), "mknod whiteout {}", p.display());
        }
    }

    pub fn chmod(&self, path: &str, mode: u32) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(self.upper(path), std::fs::Permissions::from_mode(mode)).unwrap();
    }

    /// Runs `script` with bash inside the sandbox root, stubs first on PATH.
    pub fn run(&self, script: &str) -> Out {
        let d = self.dir.path();
        let inner = format!(
            "set -e; mount -t overlay overlay -o lowerdir=/,upperdir={u},workdir={w} {m}; \
             mount -t proc proc {m}/proc; mount --bind /dev {m}/dev; mount -t tmpfs tmpfs {m}/tmp; \
             set +e; chroot {m} /usr/bin/env -i PATH=/opt/rbc-stubs:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
             RBC_MANUAL_DONE=1 RBC_START_WAIT=1 RBC_STOP_WAIT=2 bash -c \"$0\"; exit $?",
            u = d.join("upper").display(),
            w = d.join("work").display(),
            m = d.join("merged").display(),
        );
        let out = Command::new("unshare")
            .args([
                "-m",
                "-p",
                "-f",
                "--propagation",
                "private",
                "bash",
                "-c",
                &inner,
                script,
            ])
            .output()
            .expect("run unshare");
        Out {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// sha256 of every regular file under the given roots (inside the sandbox), one line each.
    pub fn tree(&self, roots: &str) -> String {
        let out = self.run(&format!(
            "for r in {roots}; do [ -e \"$r\" ] && find \"$r\" -xdev \\( -type f -o -type d -o -type l \\) -printf '%p %m %u ' -exec sh -c 'if [ -f \"$1\" ]; then sha256sum <\"$1\" | cut -c1-16; else echo; fi' _ {{}} \\; ; done | sort"
        ));
        assert_eq!(out.code, 0, "tree: {}", out.stderr);
        out.stdout
    }
}
