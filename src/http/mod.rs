//! The HTTP edge: one router per role, pages rendered with handlebars from
//! embedded templates, static files and translations embedded too. It
//! maps requests to the domain; the server that serves it and runs the
//! background work is `crate::server`.

mod account;
pub(crate) mod admin;
pub mod api;
mod assets;
pub mod auth;
pub mod charts;
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
mod pages;
mod proxy;
mod replay;
pub(crate) mod scenario_assets;
mod trainer;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use tokio_util::sync::CancellationToken;

pub use edge::Site;
pub use error::HttpError;
pub use pages::Pages;
pub use proxy::{Activity, Proxy, tools_only};

use crate::app::App;
use crate::auth::Auth;
use crate::community::Community;
use crate::config::Config;
use crate::programme::Programmes;
use crate::sandbox::SandboxService;
use crate::scenario::Scenarios;
use crate::store::Store;

/// What handlers can reach, each part on its own: a handler takes the
/// parts it needs (`State<Store>`, `State<SandboxService>`, …, through
/// `FromRef`), or the whole state when it needs many.
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Sandboxes, links, cohorts: the domain.
    pub service: SandboxService,
    /// Change programmes and their indicators.
    pub programmes: Programmes,
    /// Ratings, tips and questions.
    pub community: Community,
    pub store: Store,
    pub auth: Arc<Auth>,
    pub config: Arc<Config>,
    pub scenarios: Arc<Scenarios>,
    pub pages: Arc<Pages>,
    /// The base URL learners reach Sandpit at, without a trailing slash.
    pub public_url: String,
    /// Where tools are served by path on an origin of their own, without a
    /// trailing slash (see `Config::tools_listen`); none when they are
    /// served by name under the sandbox domain.
    pub tools_url: Option<String>,
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
    /// The state of a Sandpit at `public_url`, its tools served by path at
    /// `tools_url` when given (see `Config::tools_listen`).
    pub fn new(
        app: Arc<App>,
        public_url: String,
        tools_url: Option<String>,
    ) -> anyhow::Result<Self> {
        let terminals = Arc::new(app.terminal_hub());
        let site = Arc::new(Site::with_tools(
            &public_url,
            tools_url.as_deref(),
            &app.config,
        )?);
        let cookies = Arc::new(cookies::Cookies::new(&public_url, &app.secret));
        let usage = Arc::new(crate::sandbox::UsageFigures::new(
            app.runtime.clone(),
            app.store.clone(),
            std::time::Duration::from_secs(app.config.usage_refresh_seconds),
        ));
        let proxy = Arc::new(Proxy::new(site.origin()));
        Ok(Self {
            usage,
            terminals,
            service: app.service.clone(),
            programmes: app.programmes.clone(),
            community: app.community.clone(),
            store: app.store.clone(),
            auth: app.auth.clone(),
            config: app.config.clone(),
            scenarios: app.scenarios.clone(),
            pages: Arc::new(Pages::new()?),
            cookies,
            public_url,
            tools_url,
            site,
            shutdown: CancellationToken::new(),
            proxy,
        })
    }
}

/// Every route Sandpit serves.
pub fn router(state: AppState) -> Router {
    let app = Router::new()
        .route("/", get(home::index))
        .route(
            "/healthz",
            get(|| async {
                axum::Json(serde_json::json!({
                    "status": "ok",
                    "version": env!("CARGO_PKG_VERSION"),
                    "schema": crate::store::Store::schema(),
                }))
            }),
        )
        .merge(assets::routes())
        .merge(scenario_assets::routes())
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
