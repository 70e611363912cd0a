//! The `zhuanban` binary, run for real, in one test binary.

pub use std::path::{Path, PathBuf};
pub use std::process::{Command, Output};

pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_zhuanban"))
}

pub fn seed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../plan/tests/data/plans/datonghu-regional-action-2024.txt")
}

pub fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("the binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

pub fn tmp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zhuanban-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

mod agreement;
mod dispatch;
mod durability;
mod ledger;
mod plan;
mod postgres;
mod probe_auth;
mod probe_data;
mod series;
mod two_servers;
