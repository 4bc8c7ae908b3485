//! The server: the HTTP router (`crate::http`) on a listener, and the
//! background work (`background`: reconciling, pools, warm shells, usage,
//! the reaper, xAPI) started with it and drained when it stops.

mod background;
mod reaper;

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
    listener: TcpListener,
    router: Router,
    shutdown: CancellationToken,
    app: Arc<App>,
    /// What the background tasks need (the proxy's and terminals' parts).
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
            state: state.clone(),
            router: router(state),
        }
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
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
        match self.app.service.reconcile().await {
            Ok(r) => tracing::info!(
                removed = r.removed.len(),
                failed = r.failed.len(),
                "reconciled the store with the engine"
            ),
            Err(e) => tracing::error!(error = %e, "reconciling at start"),
        }
        let background = Background::start(&self.state, self.state.public_url.clone(), &token);
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
        token.cancel();
        background.drain().await;
        result
    }
}
