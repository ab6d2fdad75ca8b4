//! Temporary files that must not outlive an error or a signal.
//!
//! Every temporary file is registered here while it exists. Dropping its [`TempFile`] removes it
//! (every error path), and SIGINT/SIGTERM remove all of them before the process exits. Renaming
//! temporary files into place happens under the registry's lock ([`publish`]), so a signal waits
//! for a set of renames to finish or roll back and never leaves half of a set published.

use anyhow::{bail, Context, Result};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

struct Live {
    paths: Vec<PathBuf>,
    /// Set once a signal is handled: no new temporary file may appear after the cleanup.
    exiting: bool,
}

static LIVE: Mutex<Live> = Mutex::new(Live { paths: Vec::new(), exiting: false });

fn live() -> MutexGuard<'static, Live> {
    // A panic while holding the lock leaves the list as valid as it was.
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A registered temporary file, removed when dropped unless [`publish`] renamed it.
#[derive(Debug)]
pub struct TempFile {
    path: PathBuf,
    file: File,
}

impl TempFile {
    /// Creates (or truncates) `path` and registers it.
    pub fn create(path: PathBuf) -> Result<TempFile> {
        let mut live = live();
        if live.exiting {
            bail!("stopping on a signal: {} not created", path.display());
        }
        let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
        live.paths.push(path.clone());
        Ok(TempFile { path, file })
    }

    /// The open file.
    pub fn file(&mut self) -> &mut File {
        &mut self.file
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let mut live = live();
        if let Some(i) = live.paths.iter().position(|p| *p == self.path) {
            live.paths.swap_remove(i);
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Runs `rename` (which moves the temporary files into place, or undoes what it did and fails)
/// with signals held off, then removes whatever temporary file is left.
pub fn publish(temps: Vec<TempFile>, rename: impl FnOnce(&[PathBuf]) -> Result<()>) -> Result<()> {
    let paths: Vec<PathBuf> = temps.iter().map(|t| t.path.clone()).collect();
    let result = {
        let mut live = live();
        let result = rename(&paths);
        for path in &paths {
            live.paths.retain(|p| p != path);
            // After a successful rename there is nothing left at the temporary name.
            if path.exists() {
                let _ = std::fs::remove_file(path);
            }
        }
        result
    };
    drop(temps);
    result
}

/// Removes every registered temporary file and exits with `code`, holding the lock so that
/// no other thread creates or publishes one in between.
pub fn remove_all_and_exit(code: i32) -> ! {
    let mut live = live();
    live.exiting = true;
    let removed = live.paths.len();
    for path in live.paths.drain(..) {
        let _ = std::fs::remove_file(path);
    }
    if removed > 0 {
        eprintln!("interrupted: removed {removed} temporary file(s)");
    }
    std::process::exit(code)
}

/// On SIGINT or SIGTERM, removes every temporary file and exits with 130 or 143, as a shell
/// reports a process killed by those signals. For commands that have no handler of their own.
pub fn remove_on_signal() -> Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the signal handler")?;
        // A signal its parent ignores (SIGINT for a background job of a script) stays ignored.
        let handled = |sig: libc::c_int| {
            // SAFETY: a query of the current action only (no new action is installed).
            let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
            let queried = unsafe { libc::sigaction(sig, std::ptr::null(), &mut old) } == 0;
            !(queried && old.sa_sigaction == libc::SIG_IGN)
        };
        // Registered here, before any file is written; delivered once the thread polls them.
        let (mut interrupt, mut terminate) = {
            let _entered = runtime.enter();
            let interrupt = match handled(libc::SIGINT) {
                true => Some(signal(SignalKind::interrupt()).context("handling SIGINT")?),
                false => None,
            };
            let terminate = match handled(libc::SIGTERM) {
                true => Some(signal(SignalKind::terminate()).context("handling SIGTERM")?),
                false => None,
            };
            (interrupt, terminate)
        };
        std::thread::Builder::new()
            .name("signal-cleanup".into())
            .spawn(move || {
                let code = runtime.block_on(async {
                    tokio::select! {
                        Some(_) = async { interrupt.as_mut()?.recv().await } => 130,
                        Some(_) = async { terminate.as_mut()?.recv().await } => 143,
                        else => std::future::pending().await,
                    }
                });
                remove_all_and_exit(code)
            })
            .context("starting the signal handler")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dropped_temp_file_is_removed_and_a_published_one_stays_under_its_new_name() {
        let dir = std::env::temp_dir().join(format!("planet-bq-temp-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let dropped = TempFile::create(dir.join("a.tmp")).expect("created");
        assert!(dir.join("a.tmp").exists());
        drop(dropped);
        assert!(!dir.join("a.tmp").exists(), "removed on drop");

        let kept = TempFile::create(dir.join("b.tmp")).expect("created");
        let target = dir.join("b");
        publish(vec![kept], |paths| Ok(std::fs::rename(&paths[0], &target)?)).expect("published");
        assert!(target.exists() && !dir.join("b.tmp").exists());

        let failed = TempFile::create(dir.join("c.tmp")).expect("created");
        assert!(publish(vec![failed], |_| bail!("refused")).is_err());
        assert!(!dir.join("c.tmp").exists(), "removed when publishing fails");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
