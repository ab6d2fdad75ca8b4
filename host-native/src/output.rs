//! Local files written so that a reader never sees half of one, nor half of a set; and
//! standard output written so that a closed pipe ends the command quietly.

use crate::temp_files::{publish, TempFile};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes to a temporary name beside the target, syncs, then renames over it.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    write_all_or_none(&[(path, bytes)])
}

/// Writes every file or none: all are written and synced under temporary names first, then
/// renamed into place; when a rename fails, the files already renamed get their previous
/// content back (or are removed if they did not exist). Temporary files never stay behind: not
/// on an error, not on SIGINT/SIGTERM (see [`crate::temp_files`]).
pub fn write_all_or_none(files: &[(&Path, &[u8])]) -> Result<()> {
    let mut temps = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        let mut temp = TempFile::create(temp_name(path, "tmp"))?;
        let written = temp.file().write_all(bytes).and_then(|()| temp.file().sync_all());
        written.with_context(|| format!("writing {}", temp.path().display()))?;
        temps.push(temp);
    }
    let targets: Vec<&Path> = files.iter().map(|(path, _)| *path).collect();
    publish(temps, |temps| rename_all(temps, &targets))?;
    for dir in targets.iter().filter_map(|p| p.parent()) {
        // The renames reach the disk with their directory; a failure here loses no data.
        let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

fn temp_name(path: &Path, kind: &str) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    dir.join(format!(".{name}.{kind}-{}", std::process::id()))
}

/// Renames each temporary file onto its target, undoing the earlier renames when one fails.
fn rename_all(temps: &[PathBuf], targets: &[&Path]) -> Result<()> {
    // (target, a copy of what it held before, if anything)
    let mut done: Vec<(&Path, Option<PathBuf>)> = Vec::new();
    let last = targets.len().saturating_sub(1);
    let mut failure = None;
    for (i, (temp, target)) in temps.iter().zip(targets).enumerate() {
        // The last rename needs no way back: nothing after it can fail.
        let backup = if i < last && target.is_file() {
            let backup = temp_name(target, "old");
            let kept = std::fs::hard_link(target, &backup).or_else(|_| std::fs::copy(target, &backup).map(|_| ()));
            if let Err(e) = kept {
                let _ = std::fs::remove_file(&backup);
                failure = Some(anyhow::Error::new(e).context(format!("keeping a copy of {}", target.display())));
                break;
            }
            Some(backup)
        } else {
            None
        };
        if let Err(e) = std::fs::rename(temp, target) {
            if let Some(backup) = backup {
                let _ = std::fs::remove_file(backup);
            }
            failure =
                Some(anyhow::Error::new(e).context(format!("renaming {} to {}", temp.display(), target.display())));
            break;
        }
        done.push((target, backup));
    }
    match failure {
        None => {
            for backup in done.into_iter().filter_map(|(_, b)| b) {
                let _ = std::fs::remove_file(backup);
            }
            Ok(())
        }
        Some(error) => {
            for (target, backup) in done.into_iter().rev() {
                let _ = match backup {
                    Some(backup) => std::fs::rename(backup, target),
                    None => std::fs::remove_file(target),
                };
            }
            let names: Vec<String> = targets.iter().map(|t| t.display().to_string()).collect();
            Err(error.context(format!("nothing written: {} left as they were", names.join(" and "))))
        }
    }
}

/// Standard output was closed by its reader (`| head`): the command stops and exits 0, as
/// Unix tools do, instead of reporting an error.
#[derive(Debug)]
pub struct StdoutClosed;

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// Writes `text` to standard output and flushes it. A closed pipe gives [`StdoutClosed`];
/// any other failure (a full disk) is an error.
pub fn print(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(StdoutClosed.into()),
        Err(e) => Err(anyhow::Error::new(e).context("writing to standard output")),
    }
}

/// Whether an error means only that standard output was closed.
pub fn is_stdout_closed(error: &anyhow::Error) -> bool {
    error.chain().any(|e| e.is::<StdoutClosed>())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("planet-bq-output-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        dir
    }

    #[test]
    fn a_failed_second_rename_gives_the_first_file_its_old_content_back() {
        let dir = scratch("rollback");
        let (a, b) = (dir.join("traffic.ndjson"), dir.join("dependency.ndjson"));
        std::fs::write(&a, "old traffic\n").expect("old file");
        std::fs::create_dir(&b).expect("a directory where the second file goes");
        let error = write_all_or_none(&[(&a, b"new traffic\n"), (&b, b"new dependency\n")]).expect_err("fails");
        assert!(format!("{error:#}").contains("nothing written"), "{error:#}");
        assert_eq!(std::fs::read_to_string(&a).expect("kept"), "old traffic\n");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into())
            .collect();
        names.sort();
        assert_eq!(names, ["dependency.ndjson", "traffic.ndjson"], "no temporary file or copy left");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_failed_second_rename_removes_a_first_file_that_did_not_exist() {
        let dir = scratch("rollback-new");
        let (a, b) = (dir.join("traffic.ndjson"), dir.join("dependency.ndjson"));
        std::fs::create_dir(&b).expect("a directory where the second file goes");
        assert!(write_all_or_none(&[(&a, b"new traffic\n"), (&b, b"new dependency\n")]).is_err());
        assert!(!a.exists());
        assert_eq!(std::fs::read_dir(&dir).expect("dir").count(), 1, "only the directory");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
