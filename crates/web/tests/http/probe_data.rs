//! What a probe of the desk broke, over HTTP: spreadsheet bombs uploaded to 监测数据, the
//! evidence size limit, free-text limits and control characters, numbers, the offline
//! template upload, download names and the frozen bulletin.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use zhuanban_testkit::bombs::{dense_xlsx, sparse_xlsx};

use crate::TestApp;

/// This process's peak resident memory (VmHWM) in KiB: the server runs in the test's own
/// process (one process per test under nextest).
fn peak_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spreadsheet_bombs_uploaded_to_monitoring_data_are_refused_quickly_and_small() {
    let app = TestApp::start().await;
    let (c, csrf) = app.login("office").await;
    let url = app.url(&format!("/series?_csrf={csrf}"));
    for (name, bytes, reason) in [
        ("稀疏.xlsx", sparse_xlsx(), "单元格 XFD1048576 超出范围"),
        ("重复.xlsx", dense_xlsx(1_900_000), "压缩比异常"),
    ] {
        let before = peak_kib();
        let started = Instant::now();
        let res = c
            .post(&url)
            .multipart(
                Form::new()
                    .text("site", "大通湖")
                    .text("kind", "water")
                    .part("file", Part::bytes(bytes).file_name(name)),
            )
            .send()
            .await
            .unwrap();
        let took = started.elapsed();
        let status = res.status();
        let body = res.text().await.unwrap();
        let grew = peak_kib().saturating_sub(before);
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(
            body.contains(&format!("{name}：超出导入限制")) && body.contains(reason),
            "{name}: {body}"
        );
        assert!(
            took < Duration::from_secs(1),
            "{name}: answered after {took:?}"
        );
        assert!(grew < 200 * 1024, "{name}: the server grew by {grew} KiB");
    }
    assert_eq!(app.count("observations").await, 0);
}
