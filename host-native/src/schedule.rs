//! Cron schedules, catch-up after downtime, and the scheduler loop of `planet-bq run`.
//!
//! The loop is written against a [`Clock`] and a [`Runner`] so that it is tested with a fake
//! clock and a fake job; the service plugs in the system clock and the real pipeline.
//! Schedules are evaluated in UTC.

use crate::job::{window_end, Job, JobWindow, WindowLengths};
use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use planet_core::{Duration, Timestamp};
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::str::FromStr;
use tokio::sync::watch;

/// Longest run of ticks looked at when catching up (ten years of hourly ticks), so that a
/// schedule firing every second over a long downtime cannot spin for ever.
const MAX_TICKS_SCANNED: usize = 100_000;

/// A job's cron schedule (6 fields, seconds first, as the original's robfig/cron with seconds)
/// and its time offset.
#[derive(Debug, Clone)]
pub struct JobSchedule {
    /// The job.
    pub job: Job,
    /// The parsed cron expression.
    pub cron: cron::Schedule,
    /// Added to the tick before flooring to the hour (`--cron-job-time-offset`).
    pub offset: Duration,
}

fn to_datetime(t: Timestamp) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_nanos(t.0)
}

fn from_datetime(t: DateTime<Utc>) -> Timestamp {
    Timestamp(t.timestamp_nanos_opt().unwrap_or(i64::MAX))
}

impl JobSchedule {
    /// Parses a 6-field cron expression (`sec min hour day-of-month month day-of-week`).
    pub fn parse(job: Job, expression: &str, offset: Duration) -> Result<JobSchedule> {
        let fields = expression.split_whitespace().count();
        if fields != 6 {
            bail!(
                "invalid cron schedule {expression:?} for the {job} job: expected 6 fields \
                 (seconds minutes hours day-of-month month day-of-week), found {fields}"
            );
        }
        let cron = cron::Schedule::from_str(expression)
            .with_context(|| format!("invalid cron schedule {expression:?} for the {job} job"))?;
        Ok(JobSchedule { job, cron, offset })
    }

    /// The first tick strictly after `t`.
    pub fn next_tick_after(&self, t: Timestamp) -> Option<Timestamp> {
        self.cron.after(&to_datetime(t)).next().map(from_datetime)
    }

    /// Ticks in `[from, to)`, at most `limit`.
    pub fn ticks_between(&self, from: Timestamp, to: Timestamp, limit: usize) -> Vec<Timestamp> {
        self.cron
            .after(&to_datetime(Timestamp(from.0.saturating_sub(1))))
            .map(from_datetime)
            .take_while(|t| *t < to)
            .take(limit)
            .collect()
    }

    /// The window ends of the ticks in `[from, to)`, in order and without repeats (a
    /// schedule firing several times an hour produces the same window several times).
    pub fn window_ends_between(&self, from: Timestamp, to: Timestamp) -> Vec<Timestamp> {
        let mut ends: Vec<Timestamp> = Vec::new();
        for tick in self.ticks_between(from, to, MAX_TICKS_SCANNED) {
            let end = window_end(tick, self.offset);
            if ends.last() != Some(&end) {
                ends.push(end);
            }
        }
        ends
    }

    /// Windows the schedule produced up to `now` after the last completed one (ending at
    /// `last_end`): the latest `max` of them, and how many older ones were left out.
    pub fn missed(&self, last_end: Timestamp, now: Timestamp, max: usize) -> (Vec<Timestamp>, usize) {
        // A tick t gives an end after last_end exactly when t + offset >= last_end + 1h.
        let first = Timestamp(last_end.0.saturating_add(planet_core::time::HOUR).saturating_sub(self.offset.0));
        let mut ends: Vec<Timestamp> = self
            .window_ends_between(first, Timestamp(now.0.saturating_add(1)))
            .into_iter()
            .filter(|end| *end > last_end)
            .collect();
        let dropped = ends.len().saturating_sub(max);
        ends.drain(..dropped);
        (ends, dropped)
    }
}

/// Where the time comes from.
pub trait Clock {
    /// The current time.
    fn now(&self) -> Timestamp;
    /// Resolves at `t` (at once if `t` is past).
    fn sleep_until(&self, t: Timestamp) -> impl Future<Output = ()> + Send;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

/// The current system time.
pub fn system_now() -> Timestamp {
    from_datetime(Utc::now())
}

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        system_now()
    }

    async fn sleep_until(&self, t: Timestamp) {
        let wait = t.0.saturating_sub(system_now().0);
        if wait > 0 {
            tokio::time::sleep(std::time::Duration::from_nanos(wait as u64)).await;
        }
    }
}

/// What the scheduler runs: one window of one job, to completion (with its own timeout).
pub trait Runner {
    /// Processes one window.
    fn run(&mut self, window: JobWindow) -> impl Future<Output = Result<()>> + Send;
}

/// Per-job bookkeeping of the loop.
#[derive(Debug)]
struct JobQueue {
    schedule: JobSchedule,
    next_tick: Option<Timestamp>,
    /// Window ends due and not yet completed, oldest first.
    pending: VecDeque<Timestamp>,
    /// The newest window end ever queued, so a tick never queues a window twice.
    newest_queued: Option<Timestamp>,
    /// A window failed: retry the queue at the next tick, not in a tight loop.
    wait_for_tick: bool,
}

/// The scheduler of `planet-bq run`: jobs run one at a time, never overlapping.
#[derive(Debug)]
pub struct Scheduler {
    /// Schedules of the jobs to run.
    pub schedules: Vec<JobSchedule>,
    /// Window lengths.
    pub lengths: WindowLengths,
    /// Most windows kept waiting per job (catch-up after downtime and failed windows).
    pub max_pending: usize,
}

impl Scheduler {
    /// Runs until `shutdown` turns true. Catches up on windows missed since `last_completed`
    /// (bounded by `max_pending`); a window that fails stays queued and is retried at the
    /// job's next tick. On shutdown, a running window finishes first (the runner bounds it
    /// with its timeout); nothing new starts.
    pub async fn run(
        &self,
        clock: &impl Clock,
        runner: &mut impl Runner,
        last_completed: &BTreeMap<Job, Timestamp>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<()> {
        let now = clock.now();
        let mut queues: Vec<JobQueue> = Vec::new();
        for schedule in &self.schedules {
            let mut pending = VecDeque::new();
            if let Some(&last) = last_completed.get(&schedule.job) {
                let (missed, dropped) = schedule.missed(last, now, self.max_pending);
                if dropped > 0 {
                    tracing::warn!(
                        job = %schedule.job,
                        dropped,
                        "more windows were missed than --catch-up-max-windows allows; the oldest are left out (use `planet-bq backfill` for them)"
                    );
                }
                if !missed.is_empty() {
                    tracing::info!(job = %schedule.job, windows = missed.len(), "catching up on windows missed while down");
                }
                pending.extend(missed);
            }
            let newest_queued = pending.back().copied().or(last_completed.get(&schedule.job).copied());
            queues.push(JobQueue {
                next_tick: schedule.next_tick_after(now),
                schedule: schedule.clone(),
                pending,
                newest_queued,
                wait_for_tick: false,
            });
        }
        loop {
            // Run what is due, oldest window first across jobs.
            loop {
                if *shutdown.borrow() {
                    return Ok(());
                }
                let next = queues
                    .iter()
                    .enumerate()
                    .filter(|(_, q)| !q.wait_for_tick)
                    .filter_map(|(i, q)| q.pending.front().map(|end| (*end, q.schedule.job, i)))
                    .min();
                let Some((end, job, i)) = next else { break };
                let window = self.lengths.window(job, end);
                match runner.run(window).await {
                    Ok(()) => {
                        queues[i].pending.pop_front();
                    }
                    Err(e) => {
                        tracing::error!(job = %job, window_end = %end, error = %format!("{e:#}"), "window failed; retrying at the next tick");
                        queues[i].wait_for_tick = true;
                    }
                }
            }
            let Some(wake) = queues.iter().filter_map(|q| q.next_tick).min() else {
                tracing::warn!("no job has a future tick; stopping");
                return Ok(());
            };
            tokio::select! {
                biased;
                _ = shutdown.changed() => return Ok(()),
                () = clock.sleep_until(wake) => {}
            }
            let now = clock.now();
            for q in &mut queues {
                let Some(tick) = q.next_tick else { continue };
                if tick > now {
                    continue;
                }
                // Every tick up to now, even if a long job made us miss some.
                let ends = q.schedule.window_ends_between(tick, Timestamp(now.0.saturating_add(1)));
                for end in ends {
                    if q.newest_queued.is_none_or(|n| end > n) {
                        q.pending.push_back(end);
                        q.newest_queued = Some(end);
                    }
                }
                while q.pending.len() > self.max_pending {
                    if let Some(old) = q.pending.pop_front() {
                        tracing::warn!(job = %q.schedule.job, window_end = %old, "too many windows waiting; giving up the oldest (use `planet-bq backfill` for it)");
                    }
                }
                q.wait_for_tick = false;
                q.next_tick = q.schedule.next_tick_after(now);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    fn ts(text: &str) -> Timestamp {
        text.parse().expect("valid timestamp")
    }

    fn traffic() -> JobSchedule {
        JobSchedule::parse(Job::Traffic, "30 0 * * * *", Duration(0)).expect("valid")
    }

    fn dependency() -> JobSchedule {
        JobSchedule::parse(Job::Dependency, "30 0 11 * * *", Duration(0)).expect("valid")
    }

    /// Time jumps to each wake-up; past `stop_at`, shutdown is signalled instead.
    struct FakeClock {
        now: Mutex<Timestamp>,
        stop_at: Timestamp,
        stop: watch::Sender<bool>,
    }

    impl Clock for FakeClock {
        fn now(&self) -> Timestamp {
            *self.now.lock().expect("clock lock")
        }

        async fn sleep_until(&self, t: Timestamp) {
            if t > self.stop_at {
                let _ = self.stop.send(true);
                std::future::pending::<()>().await;
            }
            let mut now = self.now.lock().expect("clock lock");
            *now = (*now).max(t);
        }
    }

    #[derive(Default)]
    struct FakeRunner {
        ran: Vec<(Job, String, String)>,
        /// Windows (job, end) that fail this many more times.
        failures: BTreeMap<(Job, Timestamp), u32>,
        running: bool,
    }

    impl Runner for FakeRunner {
        async fn run(&mut self, window: JobWindow) -> Result<()> {
            assert!(!self.running, "two jobs overlapped");
            self.running = true;
            tokio::task::yield_now().await;
            self.running = false;
            if let Some(n) = self.failures.get_mut(&(window.job, window.end)) {
                if *n > 0 {
                    *n -= 1;
                    self.ran.push((window.job, window.end.to_rfc3339(), "failed".into()));
                    bail!("injected failure");
                }
            }
            self.ran.push((window.job, window.end.to_rfc3339(), window.start.to_rfc3339()));
            Ok(())
        }
    }

    async fn run_scheduler(
        schedules: Vec<JobSchedule>,
        start: &str,
        stop: &str,
        last: &[(Job, &str)],
        runner: &mut FakeRunner,
        max_pending: usize,
    ) {
        let (tx, rx) = watch::channel(false);
        let clock = FakeClock { now: Mutex::new(ts(start)), stop_at: ts(stop), stop: tx };
        let scheduler = Scheduler { schedules, lengths: WindowLengths::default(), max_pending };
        let last: BTreeMap<Job, Timestamp> = last.iter().map(|(j, t)| (*j, ts(t))).collect();
        scheduler.run(&clock, runner, &last, rx).await.expect("scheduler runs");
    }

    fn ends(runner: &FakeRunner, job: Job) -> Vec<&str> {
        runner.ran.iter().filter(|r| r.0 == job && r.2 != "failed").map(|r| r.1.as_str()).collect()
    }

    #[test]
    fn six_field_schedules_are_required() {
        assert!(JobSchedule::parse(Job::Traffic, "0 * * * *", Duration(0)).is_err());
        assert!(JobSchedule::parse(Job::Traffic, "30 0 * * * *", Duration(0)).is_ok());
    }

    #[test]
    fn backfill_range_of_a_day_gives_24_hourly_windows() {
        let ends = traffic().window_ends_between(ts("2026-11-22T00:00:00Z"), ts("2026-11-23T00:00:00Z"));
        assert_eq!(ends.len(), 24);
        assert_eq!(ends[0], ts("2026-11-22T00:00:00Z"));
        assert_eq!(ends[23], ts("2026-11-22T23:00:00Z"));
    }

    #[test]
    fn a_schedule_firing_twice_an_hour_gives_each_window_once() {
        let s = JobSchedule::parse(Job::Traffic, "0 */30 * * * *", Duration(0)).expect("valid");
        let ends = s.window_ends_between(ts("2026-11-22T00:00:00Z"), ts("2026-11-22T03:00:00Z"));
        assert_eq!(ends, [ts("2026-11-22T00:00:00Z"), ts("2026-11-22T01:00:00Z"), ts("2026-11-22T02:00:00Z")]);
    }

    #[test]
    fn missed_windows_are_those_after_the_last_completed_up_to_now() {
        let (ends, dropped) = traffic().missed(ts("2026-11-22T10:00:00Z"), ts("2026-11-22T13:20:00Z"), 10);
        assert_eq!(ends, [ts("2026-11-22T11:00:00Z"), ts("2026-11-22T12:00:00Z"), ts("2026-11-22T13:00:00Z")]);
        assert_eq!(dropped, 0);
        let (ends, dropped) = traffic().missed(ts("2026-11-22T10:00:00Z"), ts("2026-11-22T13:20:00Z"), 2);
        assert_eq!(ends, [ts("2026-11-22T12:00:00Z"), ts("2026-11-22T13:00:00Z")]);
        assert_eq!(dropped, 1);
    }

    #[test]
    fn missed_windows_respect_the_time_offset() {
        let s = JobSchedule::parse(Job::Traffic, "30 0 * * * *", "-1h5m".parse().expect("valid")).expect("valid");
        // Ticks 12:00:30 and 13:00:30 give ends 10:00 and 11:00.
        let (ends, _) = s.missed(ts("2026-11-22T09:00:00Z"), ts("2026-11-22T13:20:00Z"), 10);
        assert_eq!(ends.last(), Some(&ts("2026-11-22T11:00:00Z")));
        assert_eq!(ends.first(), Some(&ts("2026-11-22T10:00:00Z")));
    }

    #[test]
    fn a_tick_exactly_now_counts_as_missed() {
        let (ends, _) = traffic().missed(ts("2026-11-22T12:00:00Z"), ts("2026-11-22T13:00:30Z"), 10);
        assert_eq!(ends, [ts("2026-11-22T13:00:00Z")]);
    }

    #[tokio::test]
    async fn run_catches_up_then_follows_the_schedule() {
        let mut runner = FakeRunner::default();
        run_scheduler(
            vec![traffic()],
            "2026-11-22T13:20:00Z",
            "2026-11-22T15:30:00Z",
            &[(Job::Traffic, "2026-11-22T11:00:00Z")],
            &mut runner,
            48,
        )
        .await;
        assert_eq!(
            ends(&runner, Job::Traffic),
            ["2026-11-22T12:00:00Z", "2026-11-22T13:00:00Z", "2026-11-22T14:00:00Z", "2026-11-22T15:00:00Z"]
        );
        assert_eq!(runner.ran[0].2, "2026-11-22T11:00:00Z", "traffic window is the hour before its end");
    }

    #[tokio::test]
    async fn without_state_run_waits_for_the_first_tick() {
        let mut runner = FakeRunner::default();
        run_scheduler(vec![traffic()], "2026-11-22T13:20:00Z", "2026-11-22T14:30:00Z", &[], &mut runner, 48).await;
        assert_eq!(ends(&runner, Job::Traffic), ["2026-11-22T14:00:00Z"]);
    }

    #[tokio::test]
    async fn a_failed_window_is_retried_at_the_next_tick_before_the_new_one() {
        let mut runner = FakeRunner::default();
        runner.failures.insert((Job::Traffic, ts("2026-11-22T14:00:00Z")), 1);
        run_scheduler(
            vec![traffic()],
            "2026-11-22T13:20:00Z",
            "2026-11-22T15:30:00Z",
            &[(Job::Traffic, "2026-11-22T13:00:00Z")],
            &mut runner,
            48,
        )
        .await;
        let log: Vec<(&str, &str)> = runner.ran.iter().map(|r| (r.1.as_str(), r.2.as_str())).collect();
        assert_eq!(
            log,
            [
                ("2026-11-22T14:00:00Z", "failed"),
                ("2026-11-22T14:00:00Z", "2026-11-22T13:00:00Z"),
                ("2026-11-22T15:00:00Z", "2026-11-22T14:00:00Z")
            ]
        );
    }

    #[tokio::test]
    async fn both_jobs_run_in_window_order_without_overlapping() {
        let mut runner = FakeRunner::default();
        run_scheduler(
            vec![traffic(), dependency()],
            "2026-11-22T10:59:00Z",
            "2026-11-22T12:30:00Z",
            &[(Job::Dependency, "2026-11-21T11:00:00Z")],
            &mut runner,
            48,
        )
        .await;
        let order: Vec<(Job, &str)> = runner.ran.iter().map(|r| (r.0, r.1.as_str())).collect();
        assert_eq!(
            order,
            [
                (Job::Traffic, "2026-11-22T11:00:00Z"),
                (Job::Dependency, "2026-11-22T11:00:00Z"),
                (Job::Traffic, "2026-11-22T12:00:00Z")
            ]
        );
        let dep = runner.ran.iter().find(|r| r.0 == Job::Dependency).expect("dependency ran");
        assert_eq!(dep.2, "2026-11-15T11:00:00Z", "dependency window is the 7 days before its end");
    }

    #[tokio::test]
    async fn shutdown_before_start_runs_nothing() {
        let (tx, rx) = watch::channel(false);
        tx.send(true).expect("receiver alive");
        let clock =
            FakeClock { now: Mutex::new(ts("2026-11-22T13:20:00Z")), stop_at: ts("2026-11-23T00:00:00Z"), stop: tx };
        let scheduler = Scheduler { schedules: vec![traffic()], lengths: WindowLengths::default(), max_pending: 48 };
        let last = BTreeMap::from([(Job::Traffic, ts("2026-11-22T10:00:00Z"))]);
        let mut runner = FakeRunner::default();
        scheduler.run(&clock, &mut runner, &last, rx).await.expect("scheduler runs");
        assert!(runner.ran.is_empty());
    }
}
