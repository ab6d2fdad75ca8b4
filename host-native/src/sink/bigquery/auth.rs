//! Access tokens, shared by the REST client, load-job uploads and Storage Write calls.
//!
//! The same Application Default Credentials gcp-bigquery-client looks for: an `authorized_user`
//! file (`gcloud auth application-default login`), else a service account key
//! (`GOOGLE_APPLICATION_CREDENTIALS`) or the metadata server on Google Cloud. An emulator takes
//! any token.

use gcp_bigquery_client::auth::Authenticator;
use gcp_bigquery_client::error::BQError;
use gcp_bigquery_client::yup_oauth2;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;

/// Scope of every call: BigQuery (which covers the Storage Write API).
const SCOPE: &str = "https://www.googleapis.com/auth/bigquery";

type TokenFuture = Pin<Box<dyn Future<Output = Result<String, BQError>> + Send>>;

/// An authenticator that calls a function for each token (yup-oauth2 caches and refreshes).
#[derive(Clone)]
struct FnAuth(Arc<dyn Fn() -> TokenFuture + Send + Sync>);

#[async_trait::async_trait]
impl Authenticator for FnAuth {
    async fn access_token(&self) -> Result<String, BQError> {
        (self.0)().await
    }
}

/// An authenticator for emulators, which take any token.
#[derive(Clone, Debug)]
struct EmulatorAuth;

#[async_trait::async_trait]
impl Authenticator for EmulatorAuth {
    async fn access_token(&self) -> Result<String, BQError> {
        Ok("emulator".to_string())
    }
}

/// The emulator's authenticator.
pub(super) fn emulator() -> Arc<dyn Authenticator> {
    Arc::new(EmulatorAuth)
}

fn adc_path() -> Option<PathBuf> {
    std::env::var_os("GOOGLE_APPLICATION_CREDENTIALS").map(PathBuf::from).or_else(|| {
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config/gcloud/application_default_credentials.json"))
    })
}

fn wrap<F, Fut>(f: F) -> Arc<dyn Authenticator>
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, BQError>> + Send + 'static,
{
    Arc::new(FnAuth(Arc::new(move || Box::pin(f()) as TokenFuture)))
}

/// Application Default Credentials.
pub(super) async fn application_default() -> Result<Arc<dyn Authenticator>, BQError> {
    let scopes = [SCOPE];
    if let Some(path) = adc_path() {
        let is_user = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|v| v["type"] == "authorized_user");
        if is_user {
            let secret = yup_oauth2::read_authorized_user_secret(&path).await?;
            let auth = yup_oauth2::AuthorizedUserAuthenticator::builder(secret)
                .build()
                .await
                .map_err(BQError::InvalidAuthorizedUserAuthenticator)?;
            return Ok(wrap(move || {
                let auth = auth.clone();
                async move { auth.token(&scopes).await?.token().map(str::to_string).ok_or(BQError::NoToken) }
            }));
        }
    }
    let opts = yup_oauth2::ApplicationDefaultCredentialsFlowOpts::default();
    let auth = match yup_oauth2::ApplicationDefaultCredentialsAuthenticator::builder(opts).await {
        yup_oauth2::authenticator::ApplicationDefaultCredentialsTypes::InstanceMetadata(a) => a.build().await,
        yup_oauth2::authenticator::ApplicationDefaultCredentialsTypes::ServiceAccount(a) => a.build().await,
    }
    .map_err(BQError::InvalidApplicationDefaultCredentialsAuthenticator)?;
    Ok(wrap(move || {
        let auth = auth.clone();
        async move { auth.token(&scopes).await?.token().map(str::to_string).ok_or(BQError::NoToken) }
    }))
}
