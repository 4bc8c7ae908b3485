//! The HTTP edge: one router per role, pages rendered with handlebars from
//! embedded templates, static files and translations embedded too.

mod account;
pub(crate) mod admin;
pub mod api;
mod assets;
pub mod auth;
pub mod cookies;
pub mod edge;
mod error;
mod export;
mod home;
pub mod i18n;
mod learner;
mod login;
mod markdown;
pub mod observe;
pub mod openapi;
mod pages;
mod proxy;
mod reaper;
mod trainer;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use edge::Site;
pub use error::HttpError;
pub use pages::Pages;
pub use proxy::{Activity, Proxy};

use crate::app::App;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub pages: Arc<Pages>,
    /// The base URL learners reach Sandpit at, without a trailing slash.
    pub public_url: String,
    /// Its origin, the headers of Sandpit's pages, proxies.
    pub site: Arc<Site>,
    /// Sandpit's cookies on this site: their names, attributes and key.
    pub cookies: Arc<cookies::Cookies>,
    /// Cancelled when the server shuts down: long-lived connections
    /// (terminals, proxied websockets) watch it and close, so that a
    /// graceful shutdown does not wait for them forever.
    pub shutdown: CancellationToken,
    /// The reverse proxy to sandboxes' web UIs.
    pub proxy: Arc<Proxy>,
    /// Live terminals, one per sandbox, shared by their viewers.
    pub terminals: Arc<crate::terminal::TerminalHub>,
    /// The engine's CPU and memory figures for the admin, gathered in the
    /// background.
    pub usage: Arc<crate::sandbox::UsageFigures>,
}

impl AppState {
    pub fn new(app: Arc<App>, public_url: String) -> anyhow::Result<Self> {
        let terminals = Arc::new(crate::terminal::TerminalHub::from_app(&app));
        let site = Arc::new(Site::new(&public_url, &app.config)?);
        let cookies = Arc::new(cookies::Cookies::new(&public_url, &app.secret));
        let usage = Arc::new(crate::sandbox::UsageFigures::new(
            app.runtime.clone(),
            app.store.clone(),
            std::time::Duration::from_secs(app.config.usage_refresh_seconds),
        ));
        Ok(Self {
            usage,
            terminals,
            app,
            pages: Arc::new(Pages::new()?),
            cookies,
            public_url,
            site,
            shutdown: CancellationToken::new(),
            proxy: Arc::default(),
        })
    }
}

/// Every route Sandpit serves.
pub fn router(state: AppState) -> Router {
    let app = Router::new()
        .route("/", get(home::index))
        .route("/healthz", get(|| async { "ok" }))
        .merge(assets::routes())
        .merge(login::routes())
        .merge(account::routes())
        .merge(learner::routes())
        .merge(trainer::routes())
        .merge(export::routes())
        .merge(api::routes())
        .merge(observe::routes())
        .merge(admin::routes())
        .fallback(home::not_found)
        .layer(axum::middleware::map_response_with_state(
            state.site.clone(),
            edge::page_headers,
        ))
        // gzip or brotli for clients that accept it; event streams, images
        // and tiny bodies are sent as they are.
        .layer(tower_http::compression::CompressionLayer::new())
        .with_state(state.clone());
    // The proxy is in front of the page headers: a tool's responses keep
    // their own.
    proxy::in_front_of(app, state.clone()).layer(axum::middleware::from_fn_with_state(
        state,
        observe::observe,
    ))
}

/// Refuses a learner's POST that came from another site (403).
pub(crate) fn same_site(headers: &HeaderMap, state: &AppState) -> Result<(), HttpError> {
    if same_origin(headers, &state.site) {
        Ok(())
    } else {
        Err(HttpError::Forbidden("cross-origin request refused".into()))
    }
}

/// Headers of a learner's own page: never cached (it may hold their link's
/// state). Like every page, it sends no address to anyone
/// ([`edge::page_headers`]).
pub(crate) fn private_page(response: &mut Response) {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// Whether the request asks for JSON (the page's script) rather than a
/// page (a plain form post).
pub(crate) fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json"))
}

/// Whether a browser's request came from this site (the configured public
/// URL's origin, never the request's own `Host`): the token in the path is
/// the capability, and a page on another site must not be able to use it.
pub(crate) fn same_origin(headers: &HeaderMap, site: &Site) -> bool {
    site.from_this_site(headers)
}

/// How often warm pools are checked: cohorts due to start are launched,
/// pools that lost sandboxes are topped up.
const POOL_TENDING: std::time::Duration = std::time::Duration::from_secs(5);

/// The background task that keeps cohorts' warm pools, until shutdown.
async fn tend_pools(app: Arc<App>, shutdown: CancellationToken) {
    let lead = chrono::TimeDelta::minutes(i64::from(app.config.launch_lead_minutes));
    let mut tick = tokio::time::interval(POOL_TENDING);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = app.service.tend_pools(lead, &app.scenarios).await {
            tracing::error!(error = %e, "tending warm pools");
        }
    }
}

/// How long a graceful shutdown waits for requests still in flight.
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(10);

/// How long a shutdown waits for sandboxes being provisioned.
const PROVISION_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// A bound server: its address is known before it runs (port 0 in tests).
pub struct Server {
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
    app: Arc<App>,
    public_url: String,
    /// What the reaper needs (the proxy's and terminals' parts).
    state: AppState,
}

impl Server {
    /// Serves `state` on a listener bound by the caller (who may need its
    /// address to build the state's public URL).
    pub fn new(listener: TcpListener, state: AppState) -> Self {
        Self {
            listener,
            shutdown: state.shutdown.clone(),
            app: state.app.clone(),
            public_url: state.public_url.clone(),
            state: state.clone(),
            router: router(state),
        }
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until `shutdown` completes, then lets in-flight requests finish.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let token = self.shutdown;
        // Before serving: what a crash or a stop left behind is repaired
        // first, so no link leads to a sandbox that is gone.
        match self.app.service.reconcile().await {
            Ok(r) => tracing::info!(
                removed = r.removed.len(),
                failed = r.failed.len(),
                "reconciled the store with the engine"
            ),
            Err(e) => tracing::error!(error = %e, "reconciling at start"),
        }
        let reconcile_every =
            std::time::Duration::from_secs(self.app.config.reconcile_interval_seconds);
        let service = self.app.service.clone();
        let watch_token = token.clone();
        tokio::spawn(async move { service.watch_engine(watch_token).await });
        let service = self.app.service.clone();
        let periodic_token = token.clone();
        tokio::spawn(async move {
            service
                .reconcile_every(reconcile_every, periodic_token)
                .await
        });
        tokio::spawn(tend_pools(self.app.clone(), token.clone()));
        tokio::spawn(crate::terminal::keep_warm(
            self.app.service.clone(),
            self.state.terminals.clone(),
            token.clone(),
        ));
        let usage = tokio::spawn(self.state.usage.clone().run(token.clone()));
        tokio::spawn(reaper::run_reaper(self.state));
        let xapi = tokio::spawn(crate::xapi::run_sender(
            self.app.clone(),
            self.public_url.clone(),
            token.clone(),
        ));
        let signal = {
            let token = token.clone();
            async move {
                shutdown.await;
                token.cancel();
            }
        };
        let serve = axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal);
        // Terminals and tunnels close on the signal; a response that keeps
        // streaming (a tool's event stream) gets a grace period, no more.
        let result = tokio::select! {
            result = serve => result,
            () = async {
                token.cancelled().await;
                tokio::time::sleep(SHUTDOWN_GRACE).await;
            } => {
                tracing::warn!("connections still open after {} s; closing them", SHUTDOWN_GRACE.as_secs());
                Ok(())
            }
        };
        // A POST to the LRS in flight finishes (and is marked) before the
        // store closes, so a restart does not send it again.
        token.cancel();
        if tokio::time::timeout(SHUTDOWN_GRACE, xapi).await.is_err() {
            tracing::warn!("the xAPI sender did not stop in time");
        }
        if tokio::time::timeout(SHUTDOWN_GRACE, usage).await.is_err() {
            tracing::warn!("the usage figures' refresher did not stop in time");
        }
        // Sandboxes being provisioned finish (ready or failed, recorded);
        // the ones running are left running for the next start.
        if !self.app.service.finish_tasks(PROVISION_GRACE).await {
            tracing::warn!(
                "provisioning still in flight after {} s; the next start reconciles it",
                PROVISION_GRACE.as_secs()
            );
        }
        result
    }
}
