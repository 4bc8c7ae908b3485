//! The HTTP edge: one router per role, pages rendered with handlebars from
//! embedded templates, static files and translations embedded too.

mod error;
pub mod i18n;
mod learner;
mod markdown;
mod pages;
mod proxy;
mod terminal;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use error::HttpError;
pub use pages::Pages;
pub use proxy::{Activity, Proxy};

use crate::app::App;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Static;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    pub pages: Arc<Pages>,
    /// The base URL learners reach Sandpit at, without a trailing slash.
    pub public_url: String,
    /// Cancelled when the server shuts down: long-lived connections
    /// (terminals, proxied websockets) watch it and close, so that a
    /// graceful shutdown does not wait for them forever.
    pub shutdown: CancellationToken,
    /// The reverse proxy to sandboxes' web UIs.
    pub proxy: Arc<Proxy>,
    /// Live terminals, one per sandbox, shared by their viewers.
    pub terminals: Arc<crate::terminal::TerminalHub>,
}

impl AppState {
    pub fn new(app: Arc<App>, public_url: String) -> anyhow::Result<Self> {
        let terminals = Arc::new(crate::terminal::TerminalHub::from_app(&app));
        Ok(Self {
            terminals,
            app,
            pages: Arc::new(Pages::new()?),
            public_url,
            shutdown: CancellationToken::new(),
            proxy: Arc::default(),
        })
    }
}

/// Every route Sandpit serves.
pub fn router(state: AppState) -> Router {
    let app = Router::new()
        .route("/", get(pages::index))
        .route("/healthz", get(|| async { "ok" }))
        .route("/static/{*path}", get(static_file))
        .merge(learner::routes())
        .merge(terminal::routes())
        .fallback(pages::not_found)
        .with_state(state.clone());
    proxy::in_front_of(app, state)
}

async fn static_file(Path(path): Path<String>) -> Response {
    match Static::get(&path) {
        Some(file) => {
            let mime = file.metadata.mimetype().to_owned();
            let mut response = file.data.into_owned().into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(&mime)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
            );
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            headers.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            response
        }
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

/// A bound server: its address is known before it runs (port 0 in tests).
pub struct Server {
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
}

impl Server {
    /// Serves `state` on a listener bound by the caller (who may need its
    /// address to build the state's public URL).
    pub fn new(listener: TcpListener, state: AppState) -> Self {
        Self {
            listener,
            shutdown: state.shutdown.clone(),
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
        let signal = async move {
            shutdown.await;
            token.cancel();
        };
        axum::serve(
            self.listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(signal)
        .await
    }
}
