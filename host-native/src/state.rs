//! The state file: the last completed window per job, windows left incomplete, and the
//! progress of a backfill, so that restarts catch up and backfills resume.
//!
//! It is a small JSON document written to a temporary name and renamed, so a crash never
//! leaves half of it. An exclusive lock on `<state>.lock` keeps two planet-bq processes from
//! working on the same state (and so the same tables) at once.

use crate::job::Job;
use crate::output::write_atomically;
use anyhow::{bail, Context, Result};
use planet_core::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

/// The whole state file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// Per job, keyed by its name (`traffic`, `dependency`).
    #[serde(default)]
    pub jobs: BTreeMap<String, JobState>,
}

/// What is known of one job.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobState {
    /// End of the newest window completed (its rows all written).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_completed: Option<Timestamp>,
    /// When that window completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_completed_at: Option<Timestamp>,
    /// Windows started and not completed (a failure, a timeout, or the process killed):
    /// window end to what is known.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub incomplete: BTreeMap<Timestamp, Incomplete>,
    /// The backfill in progress or last done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill: Option<Backfill>,
}

/// A window that did not complete.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incomplete {
    /// When the attempt started.
    pub started_at: Timestamp,
    /// Why it failed; absent while running or when the process was killed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Progress of `planet-bq backfill`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backfill {
    /// Range asked for.
    pub from: Timestamp,
    /// Range asked for (exclusive).
    pub to: Timestamp,
    /// End of the last window of the range completed, in order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_through: Option<Timestamp>,
}

impl State {
    /// The state of a job (default when never run).
    pub fn job(&self, job: Job) -> JobState {
        self.jobs.get(job.name()).cloned().unwrap_or_default()
    }

    /// The state of a job, to change.
    pub fn job_mut(&mut self, job: Job) -> &mut JobState {
        self.jobs.entry(job.name().to_string()).or_default()
    }

    /// Last completed window end per job.
    pub fn last_completed(&self) -> BTreeMap<Job, Timestamp> {
        Job::ALL.iter().filter_map(|&j| self.job(j).last_completed.map(|t| (j, t))).collect()
    }
}

/// The state file on disk, locked for this process.
#[derive(Debug)]
pub struct StateStore {
    path: PathBuf,
    /// Held for the life of the store: the OS releases it when the process dies.
    _lock: File,
    state: State,
}

impl StateStore {
    /// Opens (or starts) the state at `path`, taking its lock.
    pub fn open(path: &Path) -> Result<StateStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating the state directory {}", dir.display()))?;
        }
        let lock_path = lock_path(path);
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("opening the state lock {}", lock_path.display()))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => bail!(
                "another planet-bq process holds the state lock {} (jobs never overlap: wait for it, or use another --state-file)",
                lock_path.display()
            ),
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(e).with_context(|| format!("locking {}", lock_path.display()))
            }
        }
        let state = match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .with_context(|| format!("the state file {} is not valid (fix or remove it)", path.display()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State::default(),
            Err(e) => return Err(e).with_context(|| format!("reading the state file {}", path.display())),
        };
        Ok(StateStore { path: path.to_path_buf(), _lock: lock, state })
    }

    /// The current state.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// Changes the state and writes it out at once.
    pub fn update(&mut self, change: impl FnOnce(&mut State)) -> Result<()> {
        change(&mut self.state);
        let mut text = serde_json::to_string_pretty(&self.state).context("encoding the state")?;
        text.push('\n');
        write_atomically(&self.path, text.as_bytes())
            .with_context(|| format!("writing the state file {}", self.path.display()))
    }

    /// Where the state lives.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

fn lock_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".lock");
    path.with_file_name(name)
}

/// The default state file: `$STATE_DIRECTORY` (systemd's StateDirectory=), else
/// `$XDG_STATE_HOME/planet-bq`, else `~/.local/state/planet-bq`, else the working directory.
pub fn default_path() -> PathBuf {
    let dir = std::env::var_os("STATE_DIRECTORY")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_STATE_HOME").map(|d| PathBuf::from(d).join("planet-bq")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state/planet-bq")))
        .unwrap_or_else(|| PathBuf::from("."));
    dir.join("planet-bq-state.json")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().expect("valid timestamp")
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("planet-bq-state-test-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn state_survives_a_reopen() {
        let dir = temp_dir("reopen");
        let path = dir.join("state.json");
        {
            let mut store = StateStore::open(&path).expect("opens");
            store
                .update(|s| {
                    let j = s.job_mut(Job::Traffic);
                    j.last_completed = Some(ts("2026-11-22T13:00:00Z"));
                    j.incomplete.insert(
                        ts("2026-11-22T14:00:00Z"),
                        Incomplete { started_at: ts("2026-11-22T14:00:30Z"), error: None },
                    );
                })
                .expect("writes");
        }
        let store = StateStore::open(&path).expect("reopens");
        assert_eq!(store.state().last_completed().get(&Job::Traffic), Some(&ts("2026-11-22T13:00:00Z")));
        assert_eq!(store.state().job(Job::Traffic).incomplete.len(), 1);
        assert_eq!(store.state().job(Job::Dependency), JobState::default());
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_second_process_cannot_take_the_same_state() {
        let dir = temp_dir("lock");
        let path = dir.join("state.json");
        let _first = StateStore::open(&path).expect("opens");
        let second = StateStore::open(&path).expect_err("locked");
        assert!(format!("{second:#}").contains("another planet-bq process"), "{second:#}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_corrupt_state_file_is_a_clear_error() {
        let dir = temp_dir("corrupt");
        let path = dir.join("state.json");
        std::fs::write(&path, "{not json").expect("writes");
        let err = StateStore::open(&path).expect_err("corrupt");
        assert!(format!("{err:#}").contains("is not valid"), "{err:#}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
