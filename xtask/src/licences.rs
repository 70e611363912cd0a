//! The licence check: every crate in the dependency graph must be available under a licence
//! that a government deployment can accept (permissive ones; no GPL/AGPL/LGPL-only crates).
//! Runs as a test inside `cargo xtask test`.

/// Licences any crate may use.
pub const ALLOWED: &[&str] = &[
    "MIT",
    "MIT-0",
    "Apache-2.0",
    "Apache-2.0 WITH LLVM-exception",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "CC0-1.0",
    "Unlicense",
    "BSL-1.0",
    "0BSD",
];

/// Whether an SPDX expression (or the older "MIT/Apache-2.0" form) allows use under the
/// accepted licences: every AND part must offer at least one accepted alternative.
pub fn acceptable(expr: &str) -> bool {
    let cleaned = expr.replace(['(', ')'], " ").replace('/', " OR ");
    cleaned.split(" AND ").all(|part| {
        part.split(" OR ")
            .map(str::trim)
            .any(|alt| ALLOWED.contains(&alt))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn expressions() {
        assert!(acceptable("MIT OR Apache-2.0"));
        assert!(acceptable("MIT/Apache-2.0"));
        assert!(acceptable("(MIT OR Apache-2.0) AND Unicode-3.0"));
        assert!(acceptable("MIT OR Apache-2.0 OR LGPL-2.1-or-later"));
        assert!(!acceptable("GPL-3.0"));
        assert!(!acceptable("GPL-2.0-or-later OR LGPL-2.1"));
        assert!(!acceptable("MIT AND GPL-3.0"));
    }

    /// Everything the `zhuanban` binary is built from (normal dependencies: what a deployment
    /// runs). Test-only crates (the WebDriver client of the browser tests, say) are not shipped
    /// and are not checked.
    #[test]
    fn every_shipped_dependency_has_an_accepted_licence() {
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args([
                "tree",
                "--package",
                "zhuanban",
                "--edges",
                "normal",
                "--prefix",
                "none",
                "--format",
                "{p}|{l}",
                "--offline",
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo tree runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let mut bad = Vec::new();
        let mut seen = std::collections::BTreeSet::new();
        for line in text.lines() {
            let Some((package, licence)) = line.split_once('|') else {
                continue;
            };
            let package = package.trim_end_matches(" (*)").trim();
            if !seen.insert(package.to_string()) {
                continue;
            }
            let ours = package.starts_with("zhuanban");
            if licence.trim().is_empty() {
                if !ours {
                    bad.push(format!("{package}: no licence"));
                }
            } else if !acceptable(licence.trim()) {
                bad.push(format!("{package}: {licence}"));
            }
        }
        assert!(seen.len() > 100, "scanned only {} packages", seen.len());
        assert!(
            bad.is_empty(),
            "shipped crates with licences outside the accepted set:\n{}",
            bad.join("\n")
        );
    }
}
