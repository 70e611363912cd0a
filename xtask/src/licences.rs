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

    #[test]
    fn every_dependency_has_an_accepted_licence() {
        // The crates built for this machine (all of them are downloaded by the build).
        let rustc = Command::new("rustc")
            .arg("-vV")
            .output()
            .expect("rustc runs");
        let host = String::from_utf8_lossy(&rustc.stdout)
            .lines()
            .find_map(|l| l.strip_prefix("host: ").map(str::to_string))
            .expect("rustc names its host");
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args([
                "metadata",
                "--format-version",
                "1",
                "--offline",
                "--filter-platform",
                &host,
            ])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("cargo metadata runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        // A tiny scan of the JSON: each package object has "name", "version" and "license".
        let mut bad = Vec::new();
        let mut count = 0;
        for chunk in text.split("{\"name\":\"").skip(1) {
            let name = chunk.split('"').next().unwrap_or("");
            let Some(lic_pos) = chunk.find("\"license\":") else {
                continue;
            };
            let rest = &chunk[lic_pos + "\"license\":".len()..];
            // Only top-level package objects carry "license" before their "license_file".
            if !chunk[..lic_pos].contains("\"version\":") {
                continue;
            }
            count += 1;
            let licence = if rest.starts_with("null") {
                None
            } else {
                rest.strip_prefix('"').and_then(|r| r.split('"').next())
            };
            match licence {
                Some(l) if acceptable(l) => {}
                Some(l) => bad.push(format!("{name}: {l}")),
                None => {
                    if !["zhuanban", "zhuanban-plan", "xtask"].contains(&name) {
                        bad.push(format!("{name}: no licence"));
                    }
                }
            }
        }
        assert!(count > 50, "scanned only {count} packages");
        assert!(
            bad.is_empty(),
            "crates with licences outside the accepted set:\n{}",
            bad.join("\n")
        );
    }
}
