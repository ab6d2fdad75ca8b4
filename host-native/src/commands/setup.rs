//! What the live commands share: the profile, windows, schedules and pipeline of the flags.

use crate::cli::LiveArgs;
use crate::http::Retry;
use crate::job::{Job, WindowLengths};
use crate::metrics::Metrics;
use crate::pipeline::Pipeline;
use crate::schedule::JobSchedule;
use crate::sink::{self, Sink};
use crate::source::prometheus::SourceKind;
use crate::source::{self, Source};
use crate::state::{self, StateStore};
use anyhow::{bail, Context, Result};
use planet_core::{defaults, Inventory, Options, Profile};
use std::path::Path;

/// The pipeline of the flags, over the source and the sink they choose.
pub type LivePipeline = Pipeline<Box<dyn Source>, Box<dyn Sink>>;

/// `--profile`: a JSON file when one exists at that path, else a built-in profile's name.
pub fn profile(name: &str) -> Result<Profile> {
    if Path::new(name).is_file() {
        let text = std::fs::read_to_string(name).with_context(|| format!("reading profile {name}"))?;
        Ok(Profile::from_json(&text).with_context(|| format!("in profile {name}"))?)
    } else if name.contains('/') || name.ends_with(".json") {
        // Meant as a file: "unknown profile" would hide the typo in the path.
        bail!("profile file {name}: file not found (built-in profiles: {})", planet_core::defaults::PROFILES.join(", "))
    } else {
        Ok(Profile::by_name(name)?)
    }
}

fn lengths(args: &LiveArgs) -> Result<WindowLengths> {
    if args.traffic_window.0 <= 0 || args.dependency_window.0 <= 0 {
        bail!("--traffic-window and --dependency-window must be positive");
    }
    Ok(WindowLengths { traffic: args.traffic_window, dependency: args.dependency_window })
}

/// The schedule of a job.
pub fn schedule(args: &LiveArgs, job: Job) -> Result<JobSchedule> {
    let expression = match job {
        Job::Traffic => &args.cron_job_schedule_traffic,
        Job::Dependency => &args.cron_job_schedule_dependency,
    };
    JobSchedule::parse(job, expression, args.cron_job_time_offset)
}

/// The profile of the live commands: `--source prometheus` reads planet-exporter's metrics,
/// so the default profile there is `planet-exporter`.
pub fn live_profile(args: &LiveArgs) -> Result<Profile> {
    let default = args.profile == defaults::PROFILE;
    if default && args.prometheus.source == SourceKind::Prometheus {
        return profile("planet-exporter");
    }
    profile(&args.profile)
}

/// The inventory of the flags, read (or fetched) once, and checked against the profile: a
/// profile that needs one refuses to start without it, and one that resolves no address
/// refuses an inventory it would ignore.
pub async fn inventory(args: &LiveArgs, profile: &Profile) -> Result<Option<Inventory>> {
    let retry = Retry { retries: args.retries, delay: args.retry_delay_std()? };
    let inventory = crate::inventory::load(&args.inventory, retry).await?;
    let options = Options { profile: profile.clone(), inventory, ..Options::default() };
    options.check_inventory()?;
    Ok(options.inventory)
}

/// The pipeline of the flags: every flag is checked before anything runs.
pub async fn pipeline(args: &LiveArgs, metrics: Metrics) -> Result<LivePipeline> {
    let profile = live_profile(args)?;
    let inventory = inventory(args, &profile).await?;
    let lengths = lengths(args)?;
    for job in Job::ALL {
        schedule(args, job)?;
    }
    let source = source::from_args(args)?;
    let sink = sink::from_args(args).await?;
    let state = if args.dry_run {
        None
    } else {
        let path = args.state_file.clone().unwrap_or_else(state::default_path);
        Some(StateStore::open(&path)?)
    };
    Ok(Pipeline {
        source,
        sink,
        engine: args.engine.load()?,
        profile,
        inventory,
        inventory_reload: None,
        lengths,
        timeout: std::time::Duration::from_secs(args.cron_job_timeout_second.max(1)),
        metrics,
        state,
    })
}
