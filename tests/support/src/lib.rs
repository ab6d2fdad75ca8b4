//! Helpers the test crates share: where the vectors are, their cases and inputs, a line diff.

use std::fs;
use std::path::{Path, PathBuf};

/// tests/vectors of the repository.
pub fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors")
}

/// tests/vectors-known-differences of the repository.
pub fn known_differences_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors-known-differences")
}

/// The case folders of a vector folder, in name order.
pub fn cases_in(root: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(root)
        .expect("tests/vectors exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// The input files of a case: names starting with `input`, in name order.
pub fn input_paths(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .expect("case folder")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("input")))
        .collect();
    files.sort();
    files
}

/// A case's inventory, if it has one: `inventory.json` (format `arrayjson`) or
/// `inventory.ndjson` (`ndjson`), with the format's name as `--inventory-format` takes it.
pub fn inventory_file(dir: &Path) -> Option<(PathBuf, &'static str)> {
    [("inventory.json", "arrayjson"), ("inventory.ndjson", "ndjson")]
        .into_iter()
        .map(|(name, format)| (dir.join(name), format))
        .find(|(path, _)| path.is_file())
}

/// The input files of a case with their bytes, named by file name.
pub fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    input_paths(dir)
        .into_iter()
        .map(|p| (p.file_name().expect("name").to_string_lossy().into_owned(), fs::read(&p).expect("input")))
        .collect()
}

/// A readable line diff: every line, marked `-` when only expected, `+` when only produced.
pub fn line_diff(expected: &str, actual: &str) -> String {
    let exp: Vec<&str> = expected.lines().collect();
    let act: Vec<&str> = actual.lines().collect();
    let mut out = String::new();
    for line in &exp {
        let mark = if act.contains(line) { ' ' } else { '-' };
        out.push_str(&format!("{mark} {line}\n"));
    }
    for line in &act {
        if !exp.contains(line) {
            out.push_str(&format!("+ {line}\n"));
        }
    }
    if exp.len() == act.len() && out.lines().all(|l| l.starts_with(' ')) {
        out.push_str("(same lines, different order or line endings)\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_diff_marks_missing_and_extra_lines() {
        assert_eq!(line_diff("a\nb\n", "a\nc\n"), "  a\n- b\n+ c\n");
    }
}
