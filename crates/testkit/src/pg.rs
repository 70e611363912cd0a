//! A throwaway PostgreSQL cluster for tests.
//!
//! [`PgCluster::start`] runs `initdb` in a fresh temporary folder and starts the server on a
//! free loopback port (listening on 127.0.0.1 only, its unix socket in that folder), with trust
//! authentication for the superuser `zhuanban`. Debian's PostgreSQL (package `postgresql`) is
//! used as installed; nothing is downloaded. When it is missing, `start` fails with an error
//! naming the package (`cargo xtask test` installs it): a PostgreSQL test never skips itself.
//!
//! `initdb` and the server refuse to run as root; as root, they run as the system user
//! `postgres` (which the package creates), and the folder is handed to that user.
//!
//! ```no_run
//! # fn demo() -> anyhow::Result<()> {
//! let cluster = zhuanban_testkit::pg::PgCluster::start()?;
//! let url = cluster.new_database()?; // postgres://zhuanban@127.0.0.1:PORT/test_2
//! println!("{url}");
//! # Ok(())
//! # }
//! ```

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, Result, anyhow, bail};

/// The superuser `initdb` makes; tests connect as it, without a password.
const USER: &str = "zhuanban";

/// The tools a cluster needs, all from one installation.
const TOOLS: &[&str] = &["initdb", "pg_ctl", "createdb"];

/// A running PostgreSQL server that this value owns.
///
/// Dropping it stops the server (`pg_ctl stop -m immediate`) and removes its folder.
#[derive(Debug)]
pub struct PgCluster {
    /// The folder holding the data directory, the socket and the server log.
    dir: PathBuf,
    /// The folder of `initdb`, `pg_ctl` and `createdb`.
    bin: PathBuf,
    /// Whether the server tools run as the system user `postgres` (when we are root).
    as_postgres: bool,
    port: u16,
    /// The database [`PgCluster::url`] names.
    database: String,
    /// Whether the server was started (so Drop stops it).
    started: bool,
    next_database: AtomicU32,
    /// Server settings (`-c NAME=VALUE`) given after the defaults, which they override.
    settings: Vec<(String, String)>,
}

impl PgCluster {
    /// Makes and starts a cluster with one empty database (see [`PgCluster::url`]).
    ///
    /// Fails, naming the Debian package `postgresql`, when PostgreSQL is not installed.
    pub fn start() -> Result<PgCluster> {
        Self::start_with(&[])
    }

    /// [`PgCluster::start`] with server settings (`-c NAME=VALUE`) that override the defaults:
    /// a benchmark measuring durable commits passes `("fsync", "on")` (the default for tests is
    /// `fsync=off`, as a test cluster need not survive a power cut), and its memory settings.
    pub fn start_with(settings: &[(&str, &str)]) -> Result<PgCluster> {
        for (name, value) in settings {
            if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                || !value
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
            {
                bail!("the server setting {name}={value} is not a plain name and value");
            }
        }
        let bin = find_bin()?;
        let as_postgres = is_root();
        if as_postgres && !user_exists("postgres") {
            bail!(
                "running as root, the PostgreSQL server must run as the system user `postgres`, \
                 which does not exist: install the Debian package `postgresql` (`cargo xtask \
                 test` installs it)"
            );
        }
        let dir = super::fresh_temp_dir()?;
        let mut cluster = PgCluster {
            dir,
            bin,
            as_postgres,
            port: 0,
            database: String::new(),
            started: false,
            next_database: AtomicU32::new(1),
            settings: settings
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        };
        if as_postgres {
            check(
                Command::new("chown")
                    .arg("postgres:postgres")
                    .arg(&cluster.dir),
                "chown",
            )?;
        }
        let data = cluster.data();
        check(
            cluster
                .server_tool("initdb")
                .arg("-D")
                .arg(&data)
                .args(["-A", "trust", "-U", USER, "-E", "UTF8", "--locale=C"])
                // A test cluster need not survive a power cut.
                .arg("--no-sync"),
            "initdb",
        )?;
        // The port was free a moment ago; another process may take it before the server
        // binds it, so try a few.
        let mut last = anyhow!("not started");
        for _ in 0..5 {
            let port = free_port()?;
            match cluster.start_server(port) {
                Ok(()) => {
                    cluster.port = port;
                    cluster.started = true;
                    last = anyhow!("started");
                    break;
                }
                Err(e) => last = e,
            }
        }
        if !cluster.started {
            return Err(last);
        }
        cluster.database = cluster.create_database()?;
        Ok(cluster)
    }

    /// The URL of the database made by [`PgCluster::start`]:
    /// `postgres://zhuanban@127.0.0.1:PORT/DB`.
    pub fn url(&self) -> String {
        self.url_of(&self.database)
    }

    /// Makes a new empty database and gives its URL: one per test, so tests sharing a cluster
    /// can run in parallel.
    pub fn new_database(&self) -> Result<String> {
        let name = self.create_database()?;
        Ok(self.url_of(&name))
    }

    /// Makes a login role `name` that must give `password` (SCRAM) over TCP, where every
    /// other role is trusted, with a new database it owns, and gives the URL of that database
    /// as that role (the password in it): for tests of a wrong password. Waits until the
    /// server asks the role for its password.
    pub fn add_password_user(&self, name: &str, password: &str) -> Result<String> {
        if !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            bail!("a role name of lower-case letters please, not {name:?}");
        }
        self.psql(&format!(
            "CREATE ROLE {name} LOGIN PASSWORD '{}'",
            password.replace('\'', "''")
        ))?;
        self.psql(&format!("CREATE DATABASE {name} OWNER {name}"))?;
        // pg_hba.conf is read top down: this line before the `trust` ones.
        let hba = self.data().join("pg_hba.conf");
        let old = std::fs::read_to_string(&hba).context("reading pg_hba.conf")?;
        std::fs::write(
            &hba,
            format!("host all {name} 127.0.0.1/32 scram-sha-256\n{old}"),
        )
        .context("writing pg_hba.conf")?;
        self.psql("SELECT pg_reload_conf()")?;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let out = Command::new(self.bin.join("psql"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", name])
                .args(["-d", &self.database, "-w", "-c", "SELECT 1"])
                .env_remove("PGPASSWORD")
                .stdin(Stdio::null())
                .output()
                .context("could not run psql")?;
            if !out.status.success() {
                break;
            }
            if std::time::Instant::now() > deadline {
                bail!("the server does not ask {name} for a password after reloading pg_hba.conf");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Ok(format!(
            "postgres://{name}:{password}@127.0.0.1:{}/{name}",
            self.port
        ))
    }

    /// Runs one statement as the superuser in the cluster's first database.
    fn psql(&self, sql: &str) -> Result<Output> {
        check(
            Command::new(self.bin.join("psql"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", USER])
                .args(["-d", &self.database, "-v", "ON_ERROR_STOP=1", "-c", sql]),
            "psql",
        )
    }

    /// The server's process id (from its `postmaster.pid`); its backends are its children.
    pub fn server_pid(&self) -> Option<u32> {
        let pid = std::fs::read_to_string(self.data().join("postmaster.pid")).ok()?;
        pid.lines().next()?.trim().parse().ok()
    }

    /// The port the server listens on (127.0.0.1 only).
    pub fn port(&self) -> u16 {
        self.port
    }

    fn url_of(&self, database: &str) -> String {
        format!("postgres://{USER}@127.0.0.1:{}/{database}", self.port)
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn create_database(&self) -> Result<String> {
        let name = format!(
            "test_{}",
            self.next_database.fetch_add(1, Ordering::Relaxed)
        );
        check(
            Command::new(self.bin.join("createdb"))
                .args(["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", USER])
                .arg(&name),
            "createdb",
        )?;
        Ok(name)
    }

    fn start_server(&self, port: u16) -> Result<()> {
        let dir = self.dir.to_str().context("the temporary folder's name")?;
        if dir.contains(['\'', ' ']) {
            bail!("the temporary folder {dir} has a quote or a space in its name");
        }
        let log = self.dir.join("server.log");
        let mut options =
            format!("-p {port} -k '{dir}' -c listen_addresses=127.0.0.1 -c fsync=off");
        for (name, value) in &self.settings {
            options.push_str(&format!(" -c {name}={value}"));
        }
        let started = check(
            self.server_tool("pg_ctl")
                .args(["-w", "-t", "60", "-D"])
                .arg(self.data())
                .arg("-l")
                .arg(&log)
                .arg("-o")
                .arg(options)
                .arg("start"),
            "pg_ctl start",
        );
        started.map(drop).map_err(|e| {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            e.context(format!("the server log:\n{log}"))
        })
    }

    /// A command for `initdb` or `pg_ctl`: as the system user `postgres` when we are root,
    /// run from the cluster's folder (which that user can enter).
    fn server_tool(&self, tool: &str) -> Command {
        let path = self.bin.join(tool);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        };
        cmd.current_dir(&self.dir);
        cmd
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        if self.started {
            let _ = self
                .server_tool("pg_ctl")
                .args(["-w", "-D"])
                .arg(self.data())
                .args(["-m", "immediate", "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs a command to the end; fails with its output when it fails.
fn check(cmd: &mut Command, what: &str) -> Result<Output> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("could not run {what} ({cmd:?})"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out)
}

/// The folder holding `initdb`, `pg_ctl` and `createdb` of one installation: where the ones on
/// `PATH` really are (Debian links `initdb` into /usr/local/bin on some machines), a `PATH`
/// folder holding all three, else the newest /usr/lib/postgresql/VERSION/bin.
fn find_bin() -> Result<PathBuf> {
    find_bin_in(std::env::var_os("PATH"), Path::new("/usr/lib/postgresql"))
}

/// [`find_bin`] with a given `PATH` and Debian root.
fn find_bin_in(path: Option<OsString>, debian: &Path) -> Result<PathBuf> {
    let path: Vec<PathBuf> = path.map_or_else(Vec::new, |p| std::env::split_paths(&p).collect());
    let mut candidates = Vec::new();
    for tool in TOOLS {
        if let Some(found) = path.iter().map(|dir| dir.join(tool)).find(|c| c.is_file())
            && let Ok(real) = found.canonicalize()
            && let Some(parent) = real.parent()
        {
            candidates.push(parent.to_path_buf());
        }
    }
    candidates.extend(path);
    candidates.extend(debian_versions(debian));
    if let Some(dir) = candidates
        .iter()
        .find(|dir| TOOLS.iter().all(|tool| dir.join(tool).is_file()))
    {
        return Ok(dir.clone());
    }
    let missing: Vec<&str> = TOOLS
        .iter()
        .copied()
        .filter(|tool| !candidates.iter().any(|dir| dir.join(tool).is_file()))
        .collect();
    Err(anyhow!(
        "PostgreSQL is not installed: no folder on PATH or under {}/*/bin holds `initdb`, \
         `pg_ctl` and `createdb` together (missing everywhere: {missing:?}); install the Debian \
         package `postgresql` (`cargo xtask test` installs it)",
        debian.display()
    ))
}

/// `/usr/lib/postgresql/VERSION/bin` folders, newest version first.
fn debian_versions(root: &Path) -> Vec<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .collect();
    versions.sort_by_key(|v| std::cmp::Reverse(v.0));
    versions.into_iter().map(|(_, dir)| dir).collect()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

fn user_exists(name: &str) -> bool {
    Command::new("id")
        .arg(name)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// A loopback port that was free a moment ago.
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
        .context("could not bind a loopback port for PostgreSQL")?;
    Ok(listener.local_addr()?.port())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_postgresql_names_the_package() {
        let empty = super::super::fresh_temp_dir().unwrap();
        let e = find_bin_in(Some(empty.as_os_str().to_owned()), &empty.join("none"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("Debian package `postgresql`"), "{e}");
        assert!(e.contains("\"initdb\""), "{e}");

        // The newest of several Debian versions holding all three tools, not one without.
        for (version, tools) in [("13", TOOLS), ("15", TOOLS), ("16", &TOOLS[..1])] {
            let bin = empty.join("lib").join(version).join("bin");
            std::fs::create_dir_all(&bin).unwrap();
            for tool in tools {
                std::fs::write(bin.join(tool), "").unwrap();
            }
        }
        let found = find_bin_in(None, &empty.join("lib")).unwrap();
        assert_eq!(found, empty.join("lib/15/bin"));
        std::fs::remove_dir_all(&empty).unwrap();
    }
}
