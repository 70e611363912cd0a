//! The accept loop: how many connections, from whom, and for how long.
//!
//! A connection costs the server a file descriptor and a task whether or not it ever sends a
//! request, so a client that opens thousands of connections and trickles a header byte now and
//! then ("slowloris") could exhaust the descriptors and lock everyone out. Here:
//!
//! - **Caps.** At most [`Limits::max_connections`] connections in all and
//!   [`Limits::max_per_address`] from one address (the TCP peer's address: a proxy in front
//!   would make every client one address, see `docs/SECURITY.md`). A connection over a cap is
//!   closed as soon as it is accepted, before anything is read. The total is also kept below
//!   the process's descriptor limit, with room for the database and files.
//! - **Header timeout.** A request's head must arrive within [`Limits::header_timeout`]
//!   (hyper's `header_read_timeout`).
//! - **Body timeout.** While a handler reads a request body, a pause of more than
//!   [`Limits::body_timeout`] between two pieces ends the request.
//! - **Idle timeout.** A connection that has answered and waits for its next request (or was
//!   opened and never used) is closed after [`Limits::idle_timeout`] without a byte. A handler
//!   that takes long is not idle: the clock runs only once the last byte went out. hyper starts
//!   its header clock as soon as a connection waits for a request head, so a kept-alive
//!   connection closes after the shorter of the two (10 s with the defaults); the idle timeout
//!   matters when the header timeout is set longer.

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;
use tokio::time::{Instant, Sleep};
use tower_service::Service as _;

/// Connection limits (the `serve` flags of the same names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Connections open at once, in all.
    pub max_connections: usize,
    /// Connections open at once from one address.
    pub max_per_address: usize,
    /// Time for a request's head to arrive.
    pub header_timeout: Duration,
    /// The longest pause while a request body is read.
    pub body_timeout: Duration,
    /// The longest wait for the next request on an open connection.
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 4096,
            max_per_address: 256,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
        }
    }
}

impl Limits {
    /// Checks the values; the message names the flag.
    pub fn validate(&self) -> Result<(), String> {
        if self.max_connections == 0 {
            return Err("--max-connections：至少为 1".into());
        }
        if self.max_per_address == 0 {
            return Err("--max-connections-per-address：至少为 1".into());
        }
        for (flag, d) in [
            ("--header-timeout", self.header_timeout),
            ("--body-timeout", self.body_timeout),
            ("--idle-timeout", self.idle_timeout),
        ] {
            if d.is_zero() || d > Duration::from_secs(3600) {
                return Err(format!("{flag}：应在 1～3600 秒之间"));
            }
        }
        Ok(())
    }
}

/// Raises the soft limit on open files to the hard limit and returns the soft limit now in
/// force (connections are capped below it).
pub fn raise_fd_limit() -> u64 {
    use rustix::process::{Resource, getrlimit, setrlimit};
    let mut l = getrlimit(Resource::Nofile);
    if let Some(max) = l.maximum
        && l.current.is_some_and(|c| c < max)
    {
        l.current = Some(max);
        let _ = setrlimit(Resource::Nofile, l);
    }
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

/// Open connections, in all and per address.
#[derive(Debug, Default)]
struct Counts {
    total: AtomicUsize,
    per_address: Mutex<HashMap<IpAddr, usize>>,
}

/// One admitted connection; leaving the counts when dropped.
#[derive(Debug)]
struct Slot {
    counts: Arc<Counts>,
    ip: IpAddr,
}

impl Counts {
    fn admit(self: &Arc<Self>, ip: IpAddr, limits: &Limits) -> Option<Slot> {
        let mut per = self.per_address.lock().unwrap_or_else(|e| e.into_inner());
        if self.total.load(Ordering::Relaxed) >= limits.max_connections {
            return None;
        }
        let n = per.entry(ip).or_insert(0);
        if *n >= limits.max_per_address {
            return None;
        }
        *n += 1;
        self.total.fetch_add(1, Ordering::Relaxed);
        Some(Slot {
            counts: self.clone(),
            ip,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut per = self
            .counts
            .per_address
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if let Some(n) = per.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                per.remove(&self.ip);
            }
        }
        self.counts.total.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves `app` on `listener` under `limits` until the process ends.
pub async fn serve(listener: TcpListener, app: Router, limits: Limits) -> io::Result<()> {
    let fds = raise_fd_limit();
    let mut limits = limits;
    // Room for the database, its journal, evidence files and the listener.
    let room = usize::try_from(fds.saturating_sub(128)).unwrap_or(usize::MAX);
    limits.max_connections = limits.max_connections.min(room.max(1));
    let counts = Arc::new(Counts::default());
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(s) => s,
            Err(e) => {
                // Out of descriptors or a connection reset before it was accepted: wait a
                // moment rather than spin.
                tracing::warn!("accept: {e}");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        let Some(slot) = counts.admit(peer.ip(), &limits) else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let http = http.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let body_timeout = limits.body_timeout;
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let mut req = req.map(|b| Body::new(TimedBody::new(b, body_timeout)));
                req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
                let mut app = app.clone();
                async move { app.call(req).await }
            });
            let io = TokioIo::new(Idle::new(stream, limits.idle_timeout));
            let _ = http.serve_connection(io, service).await;
        });
    }
}

/// A connection's byte stream that ends with `TimedOut` when it has been idle too long: a
/// read waits while the last thing that happened was a write (the answer went out) or
/// nothing at all.
struct Idle<T> {
    io: T,
    idle: Duration,
    sleep: Pin<Box<Sleep>>,
    armed: bool,
    wrote_last: bool,
}

impl<T> Idle<T> {
    fn new(io: T, idle: Duration) -> Self {
        Idle {
            io,
            idle,
            sleep: Box::pin(tokio::time::sleep(idle)),
            armed: false,
            wrote_last: true,
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Idle<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.io).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    self.wrote_last = false;
                }
                self.armed = false;
                Poll::Ready(r)
            }
            Poll::Pending => {
                if self.wrote_last {
                    if !self.armed {
                        let at = Instant::now() + self.idle;
                        self.sleep.as_mut().reset(at);
                        self.armed = true;
                    }
                    if self.sleep.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "idle connection",
                        )));
                    }
                }
                Poll::Pending
            }
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Idle<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write(cx, buf);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.wrote_last = true;
            self.armed = false;
        }
        r
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let r = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if matches!(r, Poll::Ready(Ok(n)) if n > 0) {
            self.wrote_last = true;
            self.armed = false;
        }
        r
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }
}

/// A request body that fails when no piece of it arrives for `timeout`.
struct TimedBody {
    inner: Incoming,
    timeout: Duration,
    sleep: Pin<Box<Sleep>>,
}

impl TimedBody {
    fn new(inner: Incoming, timeout: Duration) -> Self {
        TimedBody {
            inner,
            timeout,
            sleep: Box::pin(tokio::time::sleep(timeout)),
        }
    }
}

/// The body did not arrive in time.
#[derive(Debug)]
struct BodyTimeout;

impl std::fmt::Display for BodyTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("request body timed out")
    }
}

impl std::error::Error for BodyTimeout {}

impl http_body::Body for TimedBody {
    type Data = bytes::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        match Pin::new(&mut self.inner).poll_frame(cx) {
            Poll::Ready(r) => {
                let at = Instant::now() + self.timeout;
                self.sleep.as_mut().reset(at);
                Poll::Ready(r.map(|f| f.map_err(Into::into)))
            }
            Poll::Pending => {
                if self.sleep.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Some(Err(Box::new(BodyTimeout))));
                }
                Poll::Pending
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}
