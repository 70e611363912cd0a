//! Bounded reading of an uploaded or imported OOXML package (a zip file): the defence against
//! zip and spreadsheet bombs.
//!
//! A package is opened with [`Limits`] and refused before anything is parsed when it has too
//! many entries, when the sizes its headers declare add up to too much, or when an entry
//! declares a compression ratio no office file has. Every part is then read through a
//! [`Counted`] reader that counts the bytes actually inflated (whatever the headers claim)
//! against the same limits, and a deadline: a lying header or a slow part stops the read, it
//! never grows memory beyond the part being parsed. The messages are Chinese and name the
//! limit; the caller prefixes the file's name.
//!
//! The deadline is measured with [`Instant`] (a monotonic timer, not the calendar), so the
//! crate stays deterministic in what it produces.

use std::cell::RefCell;
use std::io::{self, Cursor, Read};
use std::rc::Rc;
use std::time::{Duration, Instant};

use zip::ZipArchive;

/// What one read of a package may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Entries in the zip's directory.
    pub max_entries: usize,
    /// Bytes of all parts together once unpacked (declared and counted).
    pub max_unpacked: u64,
    /// Unpacked bytes per packed byte of one entry (declared and counted); entries that unpack
    /// to less than [`RATIO_FREE`] are not held to it.
    pub max_ratio: u64,
    /// Wall time for the whole read.
    pub max_time: Duration,
}

/// Entries smaller than this unpacked are not held to the ratio (tiny parts compress well).
pub const RATIO_FREE: u64 = 1 << 20;

/// A refusal by the limits, in Chinese ("解压后超过 64 MB").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitError(pub String);

impl std::fmt::Display for LimitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn mib(n: u64) -> String {
    format!("{} MB", n >> 20)
}

/// Why a package could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    /// Not a zip file at all.
    NotZip,
    /// A limit refused it.
    Limit(LimitError),
}

/// An open package with its budget.
pub struct Package<'a> {
    zip: ZipArchive<Cursor<&'a [u8]>>,
    budget: Rc<RefCell<Budget>>,
}

impl std::fmt::Debug for Package<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Package")
            .field("entries", &self.zip.len())
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Budget {
    limits: Limits,
    started: Instant,
    /// Bytes unpacked so far, all parts.
    total: u64,
    /// The first limit that tripped, so that an I/O error from deep inside a parser can be
    /// told apart from a damaged file.
    tripped: Option<LimitError>,
}

impl Budget {
    fn trip(&mut self, e: LimitError) -> io::Error {
        let err = io::Error::other(e.0.clone());
        self.tripped.get_or_insert(e);
        err
    }

    fn too_slow(&mut self) -> Option<io::Error> {
        (self.started.elapsed() > self.limits.max_time).then(|| {
            let secs = self.limits.max_time.as_secs_f64();
            self.trip(LimitError(format!(
                "读取超时（超过 {secs} 秒）：文件内容过多或结构异常"
            )))
        })
    }
}

impl<'a> Package<'a> {
    /// Opens the zip and checks its directory against the limits before any part is unpacked.
    pub fn open(bytes: &'a [u8], limits: Limits) -> Result<Self, OpenError> {
        let started = Instant::now();
        let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| OpenError::NotZip)?;
        if zip.len() > limits.max_entries {
            return Err(OpenError::Limit(LimitError(format!(
                "压缩包内文件过多（{} 个，上限 {} 个）",
                zip.len(),
                limits.max_entries
            ))));
        }
        let mut declared = 0u64;
        for i in 0..zip.len() {
            let Ok(entry) = zip.by_index_raw(i) else {
                return Err(OpenError::NotZip);
            };
            let size = entry.size();
            let packed = entry.compressed_size().max(1);
            declared = declared.saturating_add(size);
            if size > RATIO_FREE && size / packed > limits.max_ratio {
                return Err(OpenError::Limit(LimitError(format!(
                    "压缩比异常（“{}”由 {} 字节解压为 {} 字节，上限 {} 倍），疑似压缩炸弹",
                    entry.name().unwrap_or_default(),
                    packed,
                    size,
                    limits.max_ratio
                ))));
            }
        }
        if declared > limits.max_unpacked {
            return Err(OpenError::Limit(LimitError(format!(
                "解压后过大（声明 {} 字节，上限 {}）",
                declared,
                mib(limits.max_unpacked)
            ))));
        }
        Ok(Package {
            zip,
            budget: Rc::new(RefCell::new(Budget {
                limits,
                started,
                total: 0,
                tripped: None,
            })),
        })
    }

    /// The number of parts.
    pub fn len(&self) -> usize {
        self.zip.len()
    }

    /// Whether the package has no parts.
    pub fn is_empty(&self) -> bool {
        self.zip.is_empty()
    }

    /// Whether the package holds a part of this name.
    pub fn has(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// A part's whole content, counted against the budget; `None` when there is no such part.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, PartError> {
        let Some(mut r) = self.reader(name)? else {
            return Ok(None);
        };
        let mut out = Vec::new();
        let res = r.read_to_end(&mut out);
        drop(r);
        match res {
            Ok(_) => Ok(Some(out)),
            Err(e) => Err(self.error(e.to_string())),
        }
    }

    /// A streaming reader of a part, counted against the budget.
    pub fn reader(&mut self, name: &str) -> Result<Option<Counted<'_>>, PartError> {
        if let Some(e) = self.budget.borrow_mut().too_slow() {
            return Err(PartError::Limit(LimitError(e.to_string())));
        }
        let Some(i) = self.zip.index_for_name(name) else {
            return Ok(None);
        };
        self.reader_at(i).map(Some)
    }

    /// A streaming reader of the `i`th part, counted against the budget.
    pub fn reader_at(&mut self, i: usize) -> Result<Counted<'_>, PartError> {
        if let Some(e) = self.budget.borrow_mut().too_slow() {
            return Err(PartError::Limit(LimitError(e.to_string())));
        }
        let entry = self
            .zip
            .by_index(i)
            .map_err(|e| PartError::Damaged(e.to_string()))?;
        let packed = entry.compressed_size().max(1);
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        Ok(Counted {
            name,
            inner: Box::new(entry),
            packed,
            read: 0,
            budget: Rc::clone(&self.budget),
        })
    }

    /// The limit that stopped a read, if one did; else the error as a damaged file. Call it
    /// with a parser's error message after a failed read.
    pub fn error(&self, message: String) -> PartError {
        match &self.budget.borrow().tripped {
            Some(e) => PartError::Limit(e.clone()),
            None => PartError::Damaged(message),
        }
    }

    /// Checks the deadline (for long loops over what was read).
    pub fn check_time(&self) -> Result<(), PartError> {
        match self.budget.borrow_mut().too_slow() {
            Some(e) => Err(PartError::Limit(LimitError(e.to_string()))),
            None => Ok(()),
        }
    }
}

/// Why reading a part failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartError {
    /// A limit stopped it.
    Limit(LimitError),
    /// The part is not what it should be (the reason, for logs).
    Damaged(String),
}

/// A part being unpacked, counting its bytes.
pub struct Counted<'z> {
    name: String,
    inner: Box<dyn Read + 'z>,
    packed: u64,
    read: u64,
    budget: Rc<RefCell<Budget>>,
}

impl std::fmt::Debug for Counted<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Counted")
            .field("name", &self.name)
            .field("read", &self.read)
            .finish_non_exhaustive()
    }
}

impl Read for Counted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut b = self.budget.borrow_mut();
        if let Some(e) = &b.tripped {
            return Err(io::Error::other(e.0.clone()));
        }
        if let Some(e) = b.too_slow() {
            return Err(e);
        }
        // Never ask for more than one byte past what the budget allows.
        let room = b.limits.max_unpacked.saturating_sub(b.total) + 1;
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        drop(b);
        let n = self.inner.read(&mut buf[..want])?;
        let mut b = self.budget.borrow_mut();
        self.read += n as u64;
        b.total += n as u64;
        if b.total > b.limits.max_unpacked {
            let limit = b.limits.max_unpacked;
            return Err(b.trip(LimitError(format!("解压后过大（超过 {}）", mib(limit)))));
        }
        if self.read > RATIO_FREE && self.read / self.packed > b.limits.max_ratio {
            let (name, packed, ratio) = (self.name.clone(), self.packed, b.limits.max_ratio);
            return Err(b.trip(LimitError(format!(
                "压缩比异常（“{name}”由 {packed} 字节解压出超过 {} 字节，上限 {ratio} 倍），疑似压缩炸弹",
                self.read
            ))));
        }
        Ok(n)
    }
}
