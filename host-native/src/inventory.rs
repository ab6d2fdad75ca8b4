//! `--inventory PATH|URL` and `--inventory-format`: planet-exporter's IP-to-hostgroup inventory,
//! read from a file or fetched over HTTP (with the clients' retry schedule), for the profiles
//! that resolve addresses through it (planet_core::inventory).

use crate::http::{describe, RequestError, Retry};
use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use planet_core::{Inventory, InventoryFormat};

/// The inventory flags, shared by `analyze` and the live commands.
#[derive(Debug, Clone, Args)]
pub struct InventoryArgs {
    /// IP-to-hostgroup inventory, planet-exporter's (a file, or an http(s) URL fetched once
    /// when the command starts): fills the hostgroup of addresses the data could not name.
    /// Required by --profile contiv-svcstats.
    #[arg(long, value_name = "PATH|URL")]
    pub inventory: Option<String>,

    /// Format of --inventory: planet-exporter's `arrayjson` (a JSON array of
    /// {"ip_address", "domain", "hostgroup"}) or `ndjson` (one such object per line); `auto`
    /// tells them apart by the first character.
    #[arg(long, value_enum, default_value = "auto", value_name = "FORMAT")]
    pub inventory_format: FormatArg,
}

/// `--inventory-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// `[` first: arrayjson, else ndjson.
    Auto,
    /// A JSON array of hosts.
    Arrayjson,
    /// One host object per line.
    Ndjson,
}

impl FormatArg {
    fn of(self, text: &str) -> InventoryFormat {
        match self {
            FormatArg::Auto => InventoryFormat::detect(text),
            FormatArg::Arrayjson => InventoryFormat::ArrayJson,
            FormatArg::Ndjson => InventoryFormat::NdJson,
        }
    }
}

fn is_url(location: &str) -> bool {
    location.starts_with("http://") || location.starts_with("https://")
}

/// A URL as it may appear in messages: without credentials or query string (either may hold
/// a secret).
pub fn shown(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => "the inventory URL".to_string(),
    }
}

/// Reads the inventory the flags name; `None` without `--inventory`.
pub async fn load(args: &InventoryArgs, retry: Retry) -> Result<Option<Inventory>> {
    match &args.inventory {
        Some(url) if is_url(url) => {
            let text = fetch(url, retry).await?;
            Ok(Some(Inventory::parse(&text, args.inventory_format.of(&text), &shown(url))?))
        }
        _ => load_file(args),
    }
}

/// How `run` reads the inventory again before each window, as planet-exporter reloads its own:
/// a host added to the inventory names its addresses from the next window on.
#[derive(Debug, Clone)]
pub struct Reload {
    /// The inventory flags.
    pub args: InventoryArgs,
    /// How a URL is retried.
    pub retry: Retry,
}

impl Reload {
    /// Replaces `current` with the inventory as it is now; one that cannot be read is reported
    /// and the one read before is kept, so that a flaky inventory server stops no window.
    pub async fn refresh(&self, current: &mut Option<Inventory>) {
        match load(&self.args, self.retry).await {
            Ok(Some(inventory)) => {
                tracing::debug!(hosts = inventory.hosts().len(), "inventory read again");
                *current = Some(inventory);
            }
            Ok(None) => {}
            Err(e) => tracing::warn!(
                error = %format!("{e:#}"),
                "the inventory could not be read again; this window uses the one read before"
            ),
        }
    }
}

/// [`load`] for the commands that run without an async runtime (`analyze`).
pub fn load_blocking(args: &InventoryArgs, retry: Retry) -> Result<Option<Inventory>> {
    match &args.inventory {
        Some(location) if is_url(location) => tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the HTTP client")?
            .block_on(load(args, retry)),
        _ => load_file(args),
    }
}

/// A file read needs no runtime.
fn load_file(args: &InventoryArgs) -> Result<Option<Inventory>> {
    let Some(location) = &args.inventory else { return Ok(None) };
    let text = std::fs::read_to_string(location).with_context(|| format!("reading inventory {location}"))?;
    Ok(Some(Inventory::parse(&text, args.inventory_format.of(&text), location)?))
}

async fn fetch(url: &str, retry: Retry) -> Result<String> {
    let client = reqwest::Client::builder()
        // planet-exporter's inventory request timeout.
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .context("building the HTTP client")?;
    let name = shown(url);
    let attempt = || async {
        let failed = |transient, message: String| RequestError { transient, message };
        let response =
            client.get(url).send().await.map_err(|e| failed(true, format!("inventory {name}: {}", describe(&e))))?;
        let status = response.status();
        if !status.is_success() {
            let transient = status.is_server_error() || status.as_u16() == 429;
            return Err(failed(transient, format!("inventory {name}: HTTP {status}")));
        }
        response.text().await.map_err(|e| failed(true, format!("inventory {name}: {}", describe(&e))))
    };
    Ok(retry.run("inventory request", attempt).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shown_url_keeps_no_credentials_or_query() {
        assert_eq!(shown("https://u:secret@inv.example/hosts?token=abc#x"), "https://inv.example/hosts");
        assert_eq!(shown("not a url"), "the inventory URL");
    }

    #[tokio::test]
    async fn run_reads_the_inventory_again_and_keeps_the_last_good_one() {
        let dir = std::env::temp_dir().join(format!("planet-bq-inventory-reload-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("hosts.ndjson");
        let host = |ip: &str, group: &str| {
            format!("{{\"ip_address\": \"{ip}\", \"domain\": \"\", \"hostgroup\": \"{group}\"}}\n")
        };
        let reload = Reload {
            args: InventoryArgs { inventory: Some(path.display().to_string()), inventory_format: FormatArg::Auto },
            retry: Retry { retries: 0, delay: std::time::Duration::from_millis(1) },
        };
        let group_of = |inventory: &Option<Inventory>, ip: &str| {
            inventory.as_ref().and_then(|i| i.resolve(ip)).map(|h| h.hostgroup.clone())
        };
        std::fs::write(&path, host("10.0.0.1", "api")).expect("write");
        let mut current = None;
        reload.refresh(&mut current).await;
        assert_eq!(group_of(&current, "10.0.0.1").as_deref(), Some("api"));
        assert_eq!(group_of(&current, "10.0.0.2"), None);
        // A host added between windows names its address from the next window on.
        std::fs::write(&path, host("10.0.0.1", "api") + &host("10.0.0.2", "db")).expect("write");
        reload.refresh(&mut current).await;
        assert_eq!(group_of(&current, "10.0.0.2").as_deref(), Some("db"));
        // An inventory broken meanwhile leaves the last good one in use.
        std::fs::write(&path, "{not json\n").expect("write");
        reload.refresh(&mut current).await;
        assert_eq!(group_of(&current, "10.0.0.2").as_deref(), Some("db"));
        std::fs::remove_dir_all(&dir).expect("clean up");
    }

    #[test]
    fn the_format_flag_forces_or_detects() {
        assert_eq!(FormatArg::Auto.of(" [ ]"), InventoryFormat::ArrayJson);
        assert_eq!(FormatArg::Auto.of("{}"), InventoryFormat::NdJson);
        assert_eq!(FormatArg::Ndjson.of("[]"), InventoryFormat::NdJson);
    }
}
