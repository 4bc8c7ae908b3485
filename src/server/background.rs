//! The background work of a running server, started and drained in one
//! place: reconciling with the engine (on its events and periodically),
//! tending warm pools, keeping their shells warm, refreshing the usage
//! figures, ending expired and idle sandboxes, sending xAPI statements.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::app::App;
use crate::http::AppState;

/// How often warm pools are checked: cohorts due to start are launched,
/// pools that lost sandboxes are topped up.
const POOL_TENDING: Duration = Duration::from_secs(5);

/// How long a stop waits for each task that must finish what it is doing.
const TASK_GRACE: Duration = Duration::from_secs(10);

/// How long a stop waits for sandboxes being provisioned.
const PROVISION_GRACE: Duration = Duration::from_secs(30);

/// The tasks running until `stop` is cancelled; those whose end a stop
/// waits for are kept.
pub struct Background {
    app: Arc<App>,
    /// The xAPI sender: a POST in flight finishes (and is marked) before
    /// the store closes, so a restart does not send it again.
    xapi: JoinHandle<()>,
    usage: JoinHandle<()>,
}

impl Background {
    /// Starts every background task of `app`'s server (whose handlers
    /// reach `state`), stopped by `stop`;
    /// `public_url` names the activities in xAPI statements.
    pub fn start(
        app: &Arc<App>,
        state: &AppState,
        public_url: String,
        stop: &CancellationToken,
    ) -> Self {
        let app = app.clone();
        let reconcile_every = Duration::from_secs(app.config.reconcile_interval_seconds);
        let service = app.service.clone();
        let token = stop.clone();
        tokio::spawn(async move { service.watch_engine(token).await });
        let service = app.service.clone();
        let token = stop.clone();
        tokio::spawn(async move { service.reconcile_every(reconcile_every, token).await });
        tokio::spawn(tend_pools(app.clone(), stop.clone()));
        tokio::spawn(crate::terminal::keep_warm(
            app.service.clone(),
            state.terminals.clone(),
            stop.clone(),
        ));
        let usage = tokio::spawn(state.usage.clone().run(stop.clone()));
        tokio::spawn(super::reaper::run_reaper(state.clone()));
        let xapi = match crate::xapi::LrsSettings::from_config(&app.config) {
            Ok(Some(settings)) => {
                let sources = crate::xapi::SenderSources {
                    service: app.service.clone(),
                    store: app.store.clone(),
                    scenarios: app.scenarios.clone(),
                    public_url,
                };
                tokio::spawn(crate::xapi::run_sender(settings, sources, stop.clone()))
            }
            Ok(None) => tokio::spawn(async {}),
            Err(e) => {
                tracing::error!("not sending xAPI statements: {e}");
                tokio::spawn(async {})
            }
        };
        Self { app, xapi, usage }
    }

    /// After the stop was cancelled: waits for the tasks that finish their
    /// work, and for sandboxes being provisioned (ready or failed,
    /// recorded); the ones running are left running for the next start.
    pub async fn drain(self) {
        if tokio::time::timeout(TASK_GRACE, self.xapi).await.is_err() {
            tracing::warn!("the xAPI sender did not stop in time");
        }
        if tokio::time::timeout(TASK_GRACE, self.usage).await.is_err() {
            tracing::warn!("the usage figures' refresher did not stop in time");
        }
        if !self.app.service.finish_tasks(PROVISION_GRACE).await {
            tracing::warn!(
                "provisioning still in flight after {} s; the next start reconciles it",
                PROVISION_GRACE.as_secs()
            );
        }
    }
}

/// Keeps cohorts' warm pools, until `stop`.
async fn tend_pools(app: Arc<App>, stop: CancellationToken) {
    let lead = chrono::TimeDelta::minutes(i64::from(app.config.launch_lead_minutes));
    let mut tick = tokio::time::interval(POOL_TENDING);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = tick.tick() => {}
        }
        if let Err(e) = app.service.tend_pools(lead, &app.scenarios).await {
            tracing::error!(error = %e, "tending warm pools");
        }
    }
}
