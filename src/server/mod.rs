//! The server: the HTTP router (`crate::http`) on a listener, and the
//! background work (`background`: reconciling, pools, warm shells, usage,
//! the reaper, xAPI) started with it and drained when it stops.

mod background;
pub mod preflight;
mod reaper;
pub mod starting;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::http::{AppState, router};
use background::Background;

/// How long a graceful shutdown waits for requests still in flight.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// A bound server: its address is known before it runs (port 0 in tests).
pub struct Server {
    listening: Listening,
    router: Router,
    shutdown: CancellationToken,
    app: Arc<App>,
    /// What the background tasks need (the proxy's and terminals' parts).
    state: AppState,
    /// The tools' own listener, when `tools_listen` is set.
    tools: Option<TcpListener>,
}

/// Binds `tools_listen` when set, and says at which URL browsers reach it.
async fn bind_tools(
    config: &crate::config::Config,
) -> anyhow::Result<Option<(TcpListener, String)>> {
    let Some(listen) = config.tools_listen else {
        return Ok(None);
    };
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| anyhow::anyhow!("tools_listen: listening on {listen}: {e}"))?;
    let bound = listener.local_addr()?;
    let url = match &config.tools_url {
        Some(url) => url.clone(),
        None if bound.ip().is_unspecified() => anyhow::bail!(
            "tools_url: tools listen on {bound}, which is no address a browser can reach; set tools_url"
        ),
        None => format!("http://{bound}"),
    };
    Ok(Some((listener, url)))
}

/// How a server takes requests.
enum Listening {
    /// A listener nothing answers on yet: [`Server::run`] serves it.
    Bound(TcpListener),
    /// A listener already answering that Sandpit is starting.
    Early(Early),
}

/// A listener that answers from the first second, saying Sandpit is
/// starting (see [`starting`]), until [`Server::run`] opens its gate.
pub struct Early {
    addr: SocketAddr,
    gate: starting::Gate,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Early {
    /// Binds `listen` and answers on it at once.
    pub async fn bind(listen: SocketAddr) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|e| anyhow::anyhow!("listening on {listen}: {e}"))?;
        let addr = listener.local_addr()?;
        let gate = starting::Gate::new();
        let stop = CancellationToken::new();
        let stopped = stop.clone();
        let task = tokio::spawn(
            axum::serve(
                listener,
                gate.router()
                    .into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async move { stopped.cancelled().await })
            .into_future(),
        );
        Ok(Self {
            addr,
            gate,
            stop,
            task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where to say what the server is doing.
    pub fn gate(&self) -> &starting::Gate {
        &self.gate
    }

    /// Stops answering (a start that failed).
    pub async fn close(self) {
        self.stop.cancel();
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, self.task).await;
    }
}

impl Server {
    /// Binds `app`'s listening address (port 0 picks a free one); the
    /// public URL is the configured one, else [`public_url`].
    pub async fn bind_app(app: Arc<App>) -> anyhow::Result<Self> {
        let configured = app.config.public_url.clone();
        Self::bind_app_at(app, |bound| configured.unwrap_or_else(|| public_url(bound))).await
    }

    /// Binds `app`'s listening address, with the public URL `url_for(the
    /// bound address)`: tests pick the name they reach the server by.
    pub async fn bind_app_at(
        app: Arc<App>,
        url_for: impl FnOnce(SocketAddr) -> String,
    ) -> anyhow::Result<Self> {
        let listen = app.config.listen;
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|e| anyhow::anyhow!("listening on {listen}: {e}"))?;
        let (tools, tools_url) = bind_tools(&app.config).await?.unzip();
        let state = AppState::new(app.clone(), url_for(listener.local_addr()?), tools_url)?;
        Ok(Self {
            listening: Listening::Bound(listener),
            shutdown: state.shutdown.clone(),
            app,
            state: state.clone(),
            router: router(state),
            tools,
        })
    }

    /// Sandpit on `app`, served on `early`'s listener once [`Server::run`]
    /// has reconciled; `public_url` is where learners reach it.
    pub async fn on_early(app: Arc<App>, early: Early, public_url: String) -> anyhow::Result<Self> {
        let (tools, tools_url) = bind_tools(&app.config).await?.unzip();
        let state = AppState::new(app.clone(), public_url, tools_url)?;
        Ok(Self {
            listening: Listening::Early(early),
            shutdown: state.shutdown.clone(),
            app,
            state: state.clone(),
            router: router(state),
            tools,
        })
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.addr().port()
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        match &self.listening {
            // A bound listener always has one.
            Listening::Bound(listener) => listener
                .local_addr()
                .unwrap_or_else(|_| self.app.config.listen),
            Listening::Early(early) => early.addr,
        }
    }

    /// The base URL learners reach the server at, without a trailing slash.
    pub fn url(&self) -> &str {
        &self.state.public_url
    }

    /// Where tools are served by path on their own origin, when
    /// `tools_listen` is set.
    pub fn tools_url(&self) -> Option<&str> {
        self.state.tools_url.as_deref()
    }

    /// What the handlers reach: tests drive the domain through it.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn app(&self) -> &Arc<App> {
        &self.app
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes requests in flight and
    /// drains the background work.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run(shutdown_signal()).await
    }

    /// Serves until `shutdown` completes, then lets in-flight requests
    /// finish and drains the background work.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let token = self.shutdown;
        // Before serving: what a crash or a stop left behind is repaired
        // first, so no link leads to a sandbox that is gone.
        if let Listening::Early(early) = &self.listening {
            early.gate.set(starting::Stage::Reconciling);
        }
        match self.app.service.reconcile().await {
            Ok(r) => tracing::info!(
                removed = r.removed.len(),
                failed = r.failed.len(),
                "reconciled the store with the engine"
            ),
            Err(e) => tracing::error!(error = %e, "reconciling at start"),
        }
        // No helper is connected yet: sessions left open end when last seen.
        match self.app.community.end_stale_help().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(ended = n, "ended the help sessions a stop left open"),
            Err(e) => tracing::error!(error = %e, "ending the help sessions left open"),
        }
        let background = Background::start(
            &self.app,
            &self.state,
            self.state.public_url.clone(),
            &token,
        );
        let tools = self.tools.map(|listener| {
            let stopped = token.clone();
            tokio::spawn(
                axum::serve(
                    listener,
                    crate::http::tools_only(self.state.clone())
                        .into_make_service_with_connect_info::<SocketAddr>(),
                )
                .with_graceful_shutdown(async move { stopped.cancelled().await })
                .into_future(),
            )
        });
        let signal = {
            let token = token.clone();
            async move {
                shutdown.await;
                token.cancel();
            }
        };
        let serve = async move {
            match self.listening {
                Listening::Bound(listener) => {
                    axum::serve(
                        listener,
                        self.router
                            .into_make_service_with_connect_info::<SocketAddr>(),
                    )
                    .with_graceful_shutdown(signal)
                    .await
                }
                Listening::Early(early) => {
                    early.gate.open(self.router);
                    tracing::info!("ready");
                    signal.await;
                    early.stop.cancel();
                    early
                        .task
                        .await
                        .unwrap_or_else(|e| Err(std::io::Error::other(e)))
                }
            }
        };
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
        token.cancel();
        // The tools' listener stopped on the same signal, and its tunnels
        // with the same token: what still runs past the grace is cut.
        if let Some(mut tools) = tools
            && tokio::time::timeout(Duration::from_secs(1), &mut tools)
                .await
                .is_err()
        {
            tools.abort();
        }
        background.drain().await;
        result
    }
}

/// The base URL learners use when none is configured. On loopback it is
/// `http://sandpit.localhost:<port>` (browsers resolve `*.localhost` to
/// loopback): then a proxied tool at `<port>-<key>.sandpit.localhost` (the
/// default `sandbox_domain`) is on the same site, though another origin,
/// and its cookies work inside the learner page's frame.
pub fn public_url(bound: SocketAddr) -> String {
    if bound.ip().is_loopback() {
        format!("http://sandpit.localhost:{}", bound.port())
    } else {
        format!("http://{bound}")
    }
}

/// Completes on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
