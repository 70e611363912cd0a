//! Proves the browser harness end to end: a real headless Chromium loads a Chinese page from a
//! local server, a form is filled and submitted, and full-page screenshots are taken at desktop
//! and phone sizes. Fails (never skips) when chromium or chromedriver is missing.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use zhuanban_testkit::{Browser, DESKTOP, PHONE};

const PAGE: &str = r#"<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>转办测试页</title>
<style>
  body { font-family: sans-serif; margin: 24px; }
  input, button { font-size: 18px; padding: 6px 10px; }
  li { padding: 6px 0; border-bottom: 1px solid #ddd; }
  footer { margin-top: 24px; color: #a00; }
</style>
</head>
<body>
<h1 id="title">转办事项登记</h1>
<p>请填写事项名称，然后点击“提交”。</p>
<form method="get" action="/">
  <label for="q">事项名称</label>
  <input id="q" name="q" autocomplete="off">
  <button id="go" type="submit">提交</button>
</form>
<ol>
  <li>道路维修：市政工程处负责，序时进度百分之四十。</li>
  <li>路灯更换：城市管理局负责，已完成。</li>
  <li>垃圾分类宣传：街道办事处负责，进度滞后。</li>
  <li>老旧小区改造：住房和城乡建设局负责。</li>
  <li>河道清淤：水务局负责，汛期前完成。</li>
  <li>学校周边交通整治：公安交警大队负责。</li>
  <li>农贸市场提升：商务局负责，正在招标。</li>
  <li>公园绿化补植：园林绿化中心负责。</li>
  <li>社区养老服务站：民政局负责，选址中。</li>
  <li>停车场建设：发展和改革委员会牵头。</li>
  <li>供水管网改造：自来水公司负责。</li>
  <li>背街小巷整治：各街道负责，按月督办。</li>
  <li>公共厕所新建：环境卫生管理处负责。</li>
  <li>消防通道清理：消防救援大队负责。</li>
  <li>便民服务中心：政务服务管理局负责。</li>
  <li>雨污分流工程：水务局负责，三季度开工。</li>
  <li>文化广场提升：文化广电旅游局负责。</li>
  <li>公交站台改造：交通运输局负责。</li>
</ol>
<footer id="end">页面底部：截图应当包含这一行。</footer>
</body>
</html>
"#;

/// Serves `PAGE` for every request on a fresh loopback port; returns the base URL.
async fn serve_page() -> Result<(String, tokio::task::JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}/", listener.local_addr()?);
    let server = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                // Read the request head; the body (there is none for GET) is ignored.
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{PAGE}",
                    PAGE.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
    Ok((base, server))
}

/// Width and height from a PNG's IHDR chunk.
fn png_size(path: &Path) -> Result<(u32, u32)> {
    let bytes = std::fs::read(path)?;
    ensure!(
        bytes.len() > 24 && bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        "{} is not a PNG",
        path.display()
    );
    let be =
        |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    Ok((be(16), be(20)))
}

#[tokio::test]
async fn chromium_renders_chinese_and_submits_a_form() -> Result<()> {
    let (base, server) = serve_page().await?;
    let browser = Browser::start().await?;
    let outcome = drive(&browser, &base).await;
    browser.close().await;
    server.abort();
    outcome
}

async fn drive(browser: &Browser, base: &str) -> Result<()> {
    browser.goto(base).await?;
    browser.wait_for("#title", Duration::from_secs(10)).await?;
    assert_eq!(browser.text_of("#title").await?, "转办事项登记");
    assert_eq!(browser.client.title().await?, "转办测试页");

    browser.fill("#q", "市政道路维修").await?;
    browser.click("#go").await?;
    let deadline = Instant::now() + Duration::from_secs(10);
    let url = loop {
        let url = browser.client.current_url().await?;
        if url.query().is_some() || Instant::now() > deadline {
            break url;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let q: Vec<_> = url
        .query_pairs()
        .filter(|(k, _)| k == "q")
        .map(|(_, v)| v.into_owned())
        .collect();
    assert_eq!(q, ["市政道路维修"], "submitted URL was {url}");
    browser.wait_for("#end", Duration::from_secs(10)).await?;

    let desktop = browser.screenshot("testkit-desktop").await?;
    let (w, h) = png_size(&desktop).context("desktop screenshot")?;
    assert_eq!(w, DESKTOP.width, "desktop screenshot width");
    ensure!(h > 0, "desktop screenshot is empty");

    browser.set_size(PHONE.width, PHONE.height).await?;
    let inner_width = browser
        .client
        .execute("return window.innerWidth;", vec![])
        .await?;
    assert_eq!(inner_width, PHONE.width, "phone viewport width");
    let phone = browser.screenshot("testkit-phone").await?;
    let (w, h) = png_size(&phone).context("phone screenshot")?;
    assert_eq!(w, PHONE.width, "phone screenshot width");
    // The list wraps on a phone, so the page is taller than the viewport: a full-page
    // screenshot must show all of it, not just the first screen.
    assert!(
        h > PHONE.height,
        "phone screenshot is {h}px tall: not a full-page capture"
    );
    eprintln!("screenshots: {} {}", desktop.display(), phone.display());
    Ok(())
}
