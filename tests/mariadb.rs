//! The shipped runbook's SQL check (3.1, six counts that must be 0 before services stop) against a
//! real MariaDB server on loopback, run by the mysql-1 bundle in the sandbox with the real client.

mod common;
use common::rbc;
use common::sandbox::{self, Sandbox};
use std::process::{Command, Stdio};

struct Server {
    dir: tempfile::TempDir,
    port: u16,
    child: std::process::Child,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn have(prog: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {prog}"))
        .stdout(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn start() -> Option<Server> {
    if !have("mariadbd") || !have("mariadb-install-db") {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI must have mariadb-server (scripts/test.sh installs it)"
        );
        eprintln!("skipping: no MariaDB server (apt-get install mariadb-server)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let st = Command::new("mariadb-install-db")
        .args(["--user=root", "--auth-root-authentication-method=normal"])
        .arg(format!("--datadir={}", data.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(st.success(), "mariadb-install-db");
    let port = 33000 + (std::process::id() % 2000) as u16;
    let child = Command::new("mariadbd")
        .args([
            "--no-defaults",
            "--user=root",
            "--bind-address=127.0.0.1",
            "--skip-grant-tables",
        ])
        .arg(format!("--datadir={}", data.display()))
        .arg(format!("--socket={}", dir.path().join("sock").display()))
        .arg(format!("--port={port}"))
        .arg(format!("--log-error={}", dir.path().join("err").display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server { dir, port, child };
    for _ in 0..60 {
        if sql(&server, "select 1").is_ok() {
            return Some(server);
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
    panic!(
        "MariaDB did not start: {}",
        std::fs::read_to_string(server.dir.path().join("err")).unwrap_or_default()
    );
}

fn sql(server: &Server, statements: &str) -> Result<String, String> {
    let out = Command::new("mysql")
        .args(["--no-defaults", "-h127.0.0.1", "-uroot", "-N", "-B"])
        .arg(format!("-P{}", server.port))
        .args(["-e", statements])
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

const SCHEMA: &str = "create database eayunccloud; use eayunccloud;
create table cloud_vm (vm_id int, is_deleted char(1), vm_status varchar(32), charge_state varchar(8));
create table cloud_volume (vol_id int, vol_status varchar(32), is_deleted char(1));
create table cloud_disksnapshot (snap_id int, snap_status varchar(32));
create table cloud_image (image_id int, image_status varchar(32));
create table cloud_ldpool (pool_status varchar(32));
create table cloud_ldmember (member_status varchar(32));
insert into cloud_vm values (1, '0', 'ACTIVE', '1'), (2, '1', 'BUILDING', '1');
insert into cloud_volume values (1, 'IN-USE', '0');
insert into cloud_image values (1, 'ACTIVE');";

fn check_step(server: &Server, bundle: &std::path::Path) -> common::sandbox::Out {
    let sb = Sandbox::new();
    sb.remove("/opt/rbc-stubs/mysql"); // the real client, please
    sb.write("/root/mysql-1.tar.gz", std::fs::read(bundle).unwrap());
    sb.write(
        "/root/client.cnf",
        format!(
            "[client]\nhost=127.0.0.1\nport={}\nuser=root\n",
            server.port
        ),
    );
    sb.run("cd /root && tar xzf mysql-1.tar.gz && cd mysql-1 && RBC_MYSQL_CNF=/root/client.cnf ./run.sh --force-host --yes --only 3.1-1")
}

#[test]
fn the_sql_check_passes_on_an_idle_platform_and_stops_the_run_while_a_vm_is_building() {
    if !sandbox::available() {
        return;
    }
    let Some(server) = start() else { return };
    sql(&server, SCHEMA).unwrap();
    let r = rbc().file("runbook.md", common::shipped_runbook()).args(&[
        "compile",
        "--host",
        "mysql-1",
        "--no-shellcheck",
    ]);
    let out = r.run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let bundle = r.path("dist/hosts/mysql-1.tar.gz");

    let idle = check_step(&server, &bundle);
    assert_eq!(
        idle.code, 0,
        "idle platform:\n{}\n{}",
        idle.stdout, idle.stderr
    );
    assert!(
        idle.stdout.contains("3.1-1") || idle.stdout.contains("SQL check"),
        "{}",
        idle.stdout
    );

    sql(
        &server,
        "insert into eayunccloud.cloud_vm values (3, '0', 'BUILDING', '0')",
    )
    .unwrap();
    let busy = check_step(&server, &bundle);
    assert_eq!(
        busy.code, 1,
        "a VM is being created: the check must stop the run:\n{}\n{}",
        busy.stdout, busy.stderr
    );
    assert!(busy.stdout.contains("a count is not 0"), "{}", busy.stdout);
}
