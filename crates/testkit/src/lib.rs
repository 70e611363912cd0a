//! Dev-only helpers for zhuanban's browser tests, and a throwaway PostgreSQL cluster
//! ([`pg::PgCluster`]) for the PostgreSQL store's tests.
//!
//! [`Browser::start`] runs Debian's `chromedriver` (package `chromium-driver`) on a free loopback
//! port and opens a headless Debian `chromium` session through it with [`fantoccini`]. Nothing is
//! ever downloaded: when a package is missing, `start` fails with an error naming it (`cargo
//! xtask test` installs them). A browser test never skips itself.
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use zhuanban_testkit::{Browser, PHONE};
//!
//! let browser = Browser::start().await?;
//! browser.goto("http://127.0.0.1:8080/").await?;
//! assert_eq!(browser.text_of("h1").await?, "转办事项");
//! browser.set_size(PHONE.width, PHONE.height).await?;
//! let png = browser.screenshot("home-phone").await?;
//! println!("look at {}", png.display());
//! browser.close().await;
//! # Ok(())
//! # }
//! ```

pub mod bombs;
pub mod pg;

use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine as _;
use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A browser window size in CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// Width in CSS pixels.
    pub width: u32,
    /// Height in CSS pixels.
    pub height: u32,
}

/// A phone held upright.
pub const PHONE: Size = Size {
    width: 390,
    height: 844,
};

/// A desktop window; the size every session starts with.
pub const DESKTOP: Size = Size {
    width: 1366,
    height: 900,
};

/// How long `start` waits for chromedriver to answer, and then for the session to open.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A headless Chromium driven over WebDriver by a chromedriver that this value owns.
///
/// Dropping it kills chromedriver and the browser it started (their whole process group) and
/// removes the browser's fresh profile directory; [`Browser::close`] first ends the WebDriver
/// session cleanly.
#[derive(Debug)]
pub struct Browser {
    /// The WebDriver client, for anything the helpers below do not cover.
    pub client: Client,
    _driver: Driver,
}

/// The chromedriver process and the browser profile; cleaned up on drop.
#[derive(Debug)]
struct Driver {
    child: Child,
    profile: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The group id is chromedriver's pid (`process_group(0)`); a negative pid names the
        // group, which holds chromedriver and every Chromium process it started.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Browser {
    /// Starts chromedriver on a free loopback port and opens a headless Chromium session.
    ///
    /// Fails, naming the Debian package to install, when `chromium` or `chromedriver` is missing.
    pub async fn start() -> Result<Browser> {
        let chromedriver = find_on_path("chromedriver").ok_or_else(|| {
            anyhow!(
                "`chromedriver` is not on PATH: install the Debian package `chromium-driver` \
                 (`cargo xtask test` installs it)"
            )
        })?;
        let chromium = find_on_path("chromium").ok_or_else(|| {
            anyhow!(
                "`chromium` is not on PATH: install the Debian package `chromium` \
                 (`cargo xtask test` installs it)"
            )
        })?;

        let profile = fresh_temp_dir()?;
        let log_path = profile.with_extension("chromedriver.log");
        let spawned = free_port().and_then(|port| {
            let log = std::fs::File::create(&log_path)
                .with_context(|| format!("could not create {}", log_path.display()))?;
            let child = Command::new(&chromedriver)
                .arg(format!("--port={port}"))
                .stdin(Stdio::null())
                .stdout(log.try_clone()?)
                .stderr(log)
                // Its own process group, so that dropping `Driver` kills chromedriver and every
                // browser process it started at once, even when the session was never closed.
                .process_group(0)
                .spawn()
                .with_context(|| format!("could not start {}", chromedriver.display()))?;
            Ok((port, child))
        });
        let (port, child) = match spawned {
            Ok(spawned) => spawned,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&profile);
                let _ = std::fs::remove_file(&log_path);
                return Err(e);
            }
        };
        // From here on, dropping `driver` cleans up whatever happens.
        let mut driver = Driver { child, profile };
        let connected = connect(&mut driver, port, &chromium).await;
        let log = std::fs::read_to_string(&log_path).unwrap_or_default();
        let _ = std::fs::remove_file(&log_path);
        let client = connected.with_context(|| format!("chromedriver's log:\n{log}"))?;
        Ok(Browser {
            client,
            _driver: driver,
        })
    }

    /// Resizes the browser window (in CSS pixels); see [`PHONE`] and [`DESKTOP`].
    pub async fn set_size(&self, width: u32, height: u32) -> Result<()> {
        self.client
            .set_window_size(width, height)
            .await
            .with_context(|| format!("could not resize the window to {width}×{height}"))
    }

    /// Saves a full-page PNG of the current page to `<workspace>/target/screenshots/NAME.png`
    /// (`$CARGO_TARGET_DIR/screenshots/NAME.png` when that is set) and returns its path.
    ///
    /// Uses Chromium's DevTools `Page.captureScreenshot` beyond the viewport; where that fails,
    /// grows the window to the page's height for a plain WebDriver screenshot.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            bail!("screenshot name {name:?} must be a plain file name without extension");
        }
        let png = match self.full_page_png_cdp().await {
            Ok(png) => png,
            Err(cdp_error) => self.full_page_png_resized().await.with_context(|| {
                format!("screenshot {name:?} failed (DevTools capture failed first: {cdp_error:#})")
            })?,
        };
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("could not create {}", dir.display()))?;
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, png)
            .with_context(|| format!("could not write {}", path.display()))?;
        Ok(path)
    }

    async fn full_page_png_cdp(&self) -> Result<Vec<u8>> {
        let size = self
            .client
            .execute(
                "const d = document.documentElement, b = document.body;
                 return [Math.max(d.scrollWidth, window.innerWidth),
                         Math.max(d.scrollHeight, b ? b.scrollHeight : 0, window.innerHeight)];",
                vec![],
            )
            .await?;
        let (width, height) = (
            size[0].as_f64().unwrap_or(0.0),
            size[1].as_f64().unwrap_or(0.0),
        );
        if width < 1.0 || height < 1.0 {
            bail!("the page reported no size: {size}");
        }
        let shot = self
            .cdp(
                "Page.captureScreenshot",
                json!({
                    "format": "png",
                    "captureBeyondViewport": true,
                    "clip": { "x": 0, "y": 0, "width": width, "height": height, "scale": 1 },
                }),
            )
            .await?;
        let data = shot["data"]
            .as_str()
            .ok_or_else(|| anyhow!("Page.captureScreenshot returned no data: {shot}"))?;
        base64::engine::general_purpose::STANDARD
            .decode(data)
            .context("Page.captureScreenshot returned invalid base64")
    }

    async fn full_page_png_resized(&self) -> Result<Vec<u8>> {
        let (width, height) = self.client.get_window_size().await?;
        let inner = self
            .client
            .execute("return window.innerHeight;", vec![])
            .await?
            .as_u64()
            .unwrap_or(height);
        let page = self
            .client
            .execute(
                "return Math.max(document.documentElement.scrollHeight, \
                 document.body ? document.body.scrollHeight : 0);",
                vec![],
            )
            .await?
            .as_u64()
            .unwrap_or(inner);
        // The window's frame, if any, takes `height - inner` pixels on top of the page.
        let tall = u32::try_from(page + height.saturating_sub(inner))?;
        let (width, height) = (u32::try_from(width)?, u32::try_from(height)?);
        self.set_size(width, tall).await?;
        let png = self.client.screenshot().await;
        self.set_size(width, height).await?;
        Ok(png?)
    }

    /// Runs a Chrome DevTools Protocol command through chromedriver's `goog/cdp/execute` and
    /// returns its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value> {
        self.client
            .issue_cmd(CdpExecute {
                cmd: cmd.to_string(),
                params,
            })
            .await
            .with_context(|| format!("DevTools command {cmd} failed"))
    }

    /// Opens `url` and waits for it to load.
    pub async fn goto(&self, url: &str) -> Result<()> {
        self.client
            .goto(url)
            .await
            .with_context(|| format!("could not open {url}"))
    }

    /// Waits up to `timeout` for an element matching the CSS selector `css` to exist.
    pub async fn wait_for(&self, css: &str, timeout: Duration) -> Result<()> {
        self.client
            .wait()
            .at_most(timeout)
            .for_element(Locator::Css(css))
            .await
            .with_context(|| format!("no element matched {css:?} within {timeout:?}"))?;
        Ok(())
    }

    /// Clears the field matching `css` and types `text` into it.
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let field = self.find(css).await?;
        field
            .clear()
            .await
            .with_context(|| format!("could not clear {css:?}"))?;
        field
            .send_keys(text)
            .await
            .with_context(|| format!("could not type into {css:?}"))
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) -> Result<()> {
        self.find(css)
            .await?
            .click()
            .await
            .with_context(|| format!("could not click {css:?}"))
    }

    /// The rendered text of the element matching `css`.
    pub async fn text_of(&self, css: &str) -> Result<String> {
        self.find(css)
            .await?
            .text()
            .await
            .with_context(|| format!("could not read the text of {css:?}"))
    }

    async fn find(&self, css: &str) -> Result<Element> {
        self.client
            .find(Locator::Css(css))
            .await
            .with_context(|| format!("no element matches {css:?}"))
    }

    /// Ends the WebDriver session (Chromium quits), then stops chromedriver.
    pub async fn close(self) {
        let _ = tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
        // Dropping the driver kills whatever is left and removes the profile.
    }
}

/// Waits for chromedriver to answer, then opens the headless Chromium session.
async fn connect(driver: &mut Driver, port: u16, chromium: &Path) -> Result<Client> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Some(status) = driver.child.try_wait()? {
            bail!("chromedriver exited at start with {status}");
        }
        if driver_ready(port).await {
            break;
        }
        if Instant::now() > deadline {
            bail!("chromedriver did not answer on port {port} within {START_TIMEOUT:?}");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let args = [
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        // Overlay-like scrollbars: a capture beyond the viewport has no scrollbar, so a page
        // measured with one (15 px narrower, more lines wrapped) would leave a blank band.
        "--hide-scrollbars".into(),
        // The network is closed: keep Chromium from trying to reach anything by itself.
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        format!("--user-data-dir={}", driver.profile.display()),
        "--lang=zh-CN".into(),
        format!("--window-size={},{}", DESKTOP.width, DESKTOP.height),
    ];
    let Value::Object(capabilities) = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": chromium, "args": args },
    }) else {
        unreachable!("capabilities are a JSON object")
    };
    tokio::time::timeout(
        START_TIMEOUT,
        ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}/")),
    )
    .await
    .map_err(|_| anyhow!("Chromium did not open a session within {START_TIMEOUT:?}"))?
    .context("could not open a headless Chromium session through chromedriver")
}

/// chromedriver's `POST /session/{id}/goog/cdp/execute`.
#[derive(Debug)]
struct CdpExecute {
    cmd: String,
    params: Value,
}

impl WebDriverCompatibleCommand for CdpExecute {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Whether chromedriver answers `GET /status` with `ready: true`.
async fn driver_ready(port: u16) -> bool {
    let ask = async {
        let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        stream
            .write_all(b"GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .await?;
        // chromedriver keeps the connection open after answering: read until the answer says
        // it is ready, or ends.
        let mut answer = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return std::io::Result::Ok(false);
            }
            answer.extend_from_slice(&buf[..n]);
            let text = String::from_utf8_lossy(&answer).replace([' ', '\n'], "");
            if text.contains("\"ready\":true") {
                return Ok(true);
            }
        }
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(2), ask).await,
        Ok(Ok(true))
    )
}

fn find_on_path(command: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(command))
        .find(|candidate| candidate.is_file())
}

/// A loopback port that was free a moment ago.
fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
        .context("could not bind a loopback port for chromedriver")?;
    Ok(listener.local_addr()?.port())
}

/// A new, empty directory for one browser profile.
fn fresh_temp_dir() -> Result<PathBuf> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let dir = std::env::temp_dir().join(format!(
        "zhuanban-testkit-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
    ));
    std::fs::create_dir(&dir).with_context(|| format!("could not create {}", dir.display()))?;
    Ok(dir)
}

/// `<workspace>/target/screenshots`, or `$CARGO_TARGET_DIR/screenshots` when that is set.
fn screenshot_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"))
        .join("screenshots")
}
