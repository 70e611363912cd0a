//! The command line's standard output: every line the commands print goes through
//! [`outln!`] and [`out!`] (`cargo xtask tidy` keeps `println!` and `print!` out of the other
//! files).
//!
//! Rust ignores SIGPIPE, so `println!` to a pipe whose reader has gone
//! (`zhuanban status … | head -1`) panics with "failed printing to stdout: Broken pipe". The
//! workspace forbids `unsafe`, so the signal is not reset; instead a write that finds the
//! reader gone ends the program at once, quietly and with status 0: the reader took what it
//! wanted, as `head` does, and a shell pipeline should not report a failure for it (a
//! program killed by SIGPIPE would exit with 141, which `set -o pipefail` scripts count as
//! a failure). What the command had already done stays done, as when SIGPIPE ends a
//! program. Any other error writing the output (a full disk, a closed descriptor) is told on
//! standard error and ends the program with status 2, like other unusable input or output.

use std::io::{ErrorKind, Write as _};

/// Writes `args` to standard output and flushes it; see the module's documentation for what
/// happens when that fails.
pub fn write(args: std::fmt::Arguments<'_>) {
    let mut stdout = std::io::stdout().lock();
    let written = stdout.write_fmt(args).and_then(|()| stdout.flush());
    settle(written)
}

/// Streams a large output (a plan read as JSON, tens of megabytes for a big file) through a
/// buffer straight to standard output, without building it in memory first; a failed write is
/// handled as in [`write`].
pub fn stream(f: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>) {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let written = f(&mut out).and_then(|()| out.flush());
    settle(written)
}

fn settle(written: std::io::Result<()>) {
    match written {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::BrokenPipe => std::process::exit(0),
        Err(e) => {
            eprintln!("zhuanban: 无法写入标准输出：{e}");
            std::process::exit(2)
        }
    }
}

/// `println!` through [`write`].
macro_rules! outln {
    () => {
        $crate::output::write(format_args!("\n"))
    };
    ($($arg:tt)*) => {
        $crate::output::write(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// `print!` through [`write`].
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write(format_args!($($arg)*))
    };
}

pub(crate) use {out, outln};
