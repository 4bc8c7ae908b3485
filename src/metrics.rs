//! Sandpit's metrics in Prometheus form: counters and histograms the service
//! moves as it works, and gauges filled from the store when scraped.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::store::StateCounts;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabel {
    pub state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabel {
    pub outcome: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CohortLabel {
    /// The cohort's id; empty for sandboxes of no cohort.
    pub cohort: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabel {
    /// The kind of route (learner, terminal, proxy, trainer, admin, api, …),
    /// never the path itself: paths hold learners' tokens.
    pub route: String,
    pub status: String,
}

fn check_histogram() -> Histogram {
    // 10 ms to about 40 s.
    Histogram::new(exponential_buckets(0.01, 2.0, 13))
}

/// Every metric Sandpit exports.
pub struct Metrics {
    registry: Registry,
    /// Time from a sandbox's intent to ready (or failed).
    pub provision_seconds: Histogram,
    pub provision_failures: Counter,
    pub check_seconds: Family<OutcomeLabel, Histogram, fn() -> Histogram>,
    /// Pool sandboxes bound to a learner's link.
    pub claims: Counter,
    pub http_requests: Family<HttpLabel, Counter>,
    /// Bytes written to terminal recordings.
    pub recording_bytes: Counter,
    /// Recordings stopped at their link's budget.
    pub recordings_cut: Counter,
    /// Checks' records deleted past `attempt_retention_days`.
    pub attempts_purged: Counter,
    /// Sandboxes whose recordings were deleted past `recording_retention_days`.
    pub recordings_purged: Counter,
    sandboxes: Family<StateLabel, Gauge>,
    pool_ready: Family<CohortLabel, Gauge>,
    terminals: Gauge,
    /// xAPI statements the LRS accepted.
    pub xapi_delivered: Counter,
    /// xAPI statements the LRS refused (and that were parked).
    pub xapi_refused: Counter,
    xapi_queued: Gauge,
    xapi_oldest_age: Gauge<f64, std::sync::atomic::AtomicU64>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("sandpit");
        let provision_seconds = Histogram::new(exponential_buckets(0.1, 2.0, 12));
        let provision_failures = Counter::default();
        let check_seconds =
            Family::<OutcomeLabel, Histogram, fn() -> Histogram>::new_with_constructor(
                check_histogram,
            );
        let claims = Counter::default();
        let http_requests = Family::<HttpLabel, Counter>::default();
        let sandboxes = Family::<StateLabel, Gauge>::default();
        let pool_ready = Family::<CohortLabel, Gauge>::default();
        let terminals = Gauge::default();
        let xapi_delivered = Counter::default();
        let xapi_refused = Counter::default();
        let xapi_queued = Gauge::default();
        let xapi_oldest_age = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register(
            "xapi_statements_queued",
            "xAPI statements waiting for the LRS (parked ones not included)",
            xapi_queued.clone(),
        );
        registry.register(
            "xapi_statements_delivered",
            "xAPI statements the LRS accepted",
            xapi_delivered.clone(),
        );
        registry.register(
            "xapi_statements_refused",
            "xAPI statements the LRS refused (400, 409, 413, 422), parked for an admin",
            xapi_refused.clone(),
        );
        registry.register(
            "xapi_outbox_oldest_age_seconds",
            "Age of the oldest xAPI statement waiting for the LRS; 0 when none waits",
            xapi_oldest_age.clone(),
        );
        let recording_bytes = Counter::default();
        let recordings_cut = Counter::default();
        registry.register(
            "sandboxes",
            "Sandboxes in the store, by state",
            sandboxes.clone(),
        );
        registry.register(
            "pool_ready",
            "Ready (unclaimed) sandboxes, by cohort",
            pool_ready.clone(),
        );
        registry.register(
            "provision_duration_seconds",
            "Time to provision a sandbox, from intent to ready or failed",
            provision_seconds.clone(),
        );
        registry.register(
            "provision_failures",
            "Provisionings that failed",
            provision_failures.clone(),
        );
        registry.register(
            "check_duration_seconds",
            "Time a Check took, by outcome",
            check_seconds.clone(),
        );
        registry.register(
            "claims",
            "Warm sandboxes claimed by a learner's link",
            claims.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests answered, by route kind and status",
            http_requests.clone(),
        );
        registry.register(
            "terminals_live",
            "Terminals (shells) open now",
            terminals.clone(),
        );
        registry.register(
            "terminal_recording_bytes",
            "Bytes written to terminal recordings",
            recording_bytes.clone(),
        );
        registry.register(
            "terminal_recordings_cut",
            "Terminal recordings stopped at their link's recording budget",
            recordings_cut.clone(),
        );
        let attempts_purged = Counter::default();
        let recordings_purged = Counter::default();
        registry.register(
            "attempts_purged",
            "Checks' records deleted past attempt_retention_days",
            attempts_purged.clone(),
        );
        registry.register(
            "recordings_purged",
            "Sandboxes whose terminal recordings were deleted past recording_retention_days",
            recordings_purged.clone(),
        );
        Self {
            registry,
            attempts_purged,
            recordings_purged,
            recording_bytes,
            recordings_cut,
            provision_seconds,
            provision_failures,
            check_seconds,
            claims,
            http_requests,
            sandboxes,
            pool_ready,
            terminals,
            xapi_delivered,
            xapi_refused,
            xapi_queued,
            xapi_oldest_age,
        }
    }

    /// Counts what a round of the xAPI sender did.
    pub fn count_xapi(&self, delivered: usize, refused: usize) {
        self.xapi_delivered
            .inc_by(u64::try_from(delivered).unwrap_or(u64::MAX));
        self.xapi_refused
            .inc_by(u64::try_from(refused).unwrap_or(u64::MAX));
    }

    /// Sets the outbox's gauges from what the store says now (call before
    /// [`Metrics::render`]).
    pub fn set_xapi_outbox(&self, queued: u64, oldest: Option<chrono::DateTime<chrono::Utc>>) {
        self.xapi_queued
            .set(i64::try_from(queued).unwrap_or(i64::MAX));
        let age = oldest.map_or(0.0, |t| {
            ((chrono::Utc::now() - t).num_milliseconds().max(0) as f64) / 1000.0
        });
        self.xapi_oldest_age.set(age);
    }

    pub fn observe_provision(&self, took: Duration, ok: bool) {
        self.provision_seconds.observe(took.as_secs_f64());
        if !ok {
            self.provision_failures.inc();
        }
    }

    pub fn observe_check(&self, outcome: &str, took: Duration) {
        self.check_seconds
            .get_or_create(&OutcomeLabel {
                outcome: outcome.to_owned(),
            })
            .observe(took.as_secs_f64());
    }

    pub fn count_request(&self, route: &str, status: u16) {
        self.http_requests
            .get_or_create(&HttpLabel {
                route: route.to_owned(),
                status: status.to_string(),
            })
            .inc();
    }

    /// The text exposition, with the gauges set from what the store and
    /// the terminal hub say now.
    pub fn render(
        &self,
        counts: &StateCounts,
        ready_per_cohort: &[(String, i64)],
        terminals: usize,
    ) -> String {
        for (state, n) in [
            ("provisioning", counts.provisioning),
            ("ready", counts.ready),
            ("claimed", counts.claimed),
            ("failed", counts.failed),
            ("expired", counts.expired),
            ("destroyed", counts.destroyed),
        ] {
            self.sandboxes
                .get_or_create(&StateLabel {
                    state: state.to_owned(),
                })
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
        // Cohorts whose pools emptied drop out rather than linger at 0.
        self.pool_ready.clear();
        for (cohort, n) in ready_per_cohort {
            self.pool_ready
                .get_or_create(&CohortLabel {
                    cohort: cohort.clone(),
                })
                .set(*n);
        }
        self.terminals
            .set(i64::try_from(terminals).unwrap_or(i64::MAX));
        let mut out = String::new();
        // Writing to a String does not fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_names_every_metric_with_its_type() {
        let m = Metrics::new();
        m.claims.inc();
        m.observe_check("passed", Duration::from_millis(30));
        m.observe_provision(Duration::from_secs(1), false);
        m.count_request("learner", 200);
        m.count_xapi(49, 1);
        m.set_xapi_outbox(3, Some(chrono::Utc::now() - chrono::TimeDelta::seconds(90)));
        m.recording_bytes.inc_by(1234);
        let text = m.render(&StateCounts::default(), &[("c1".into(), 2)], 1);
        for name in [
            "# TYPE sandpit_sandboxes gauge",
            "# TYPE sandpit_claims counter",
            "sandpit_claims_total 1",
            "sandpit_provision_failures_total 1",
            "sandpit_check_duration_seconds_count{outcome=\"passed\"} 1",
            "sandpit_pool_ready{cohort=\"c1\"} 2",
            "sandpit_terminals_live 1",
            "# TYPE sandpit_terminal_recording_bytes counter",
            "sandpit_terminal_recording_bytes_total 1234",
            "sandpit_terminal_recordings_cut_total 0",
            "sandpit_attempts_purged_total 0",
            "sandpit_recordings_purged_total 0",
            "sandpit_http_requests_total{route=\"learner\",status=\"200\"} 1",
            "# TYPE sandpit_xapi_statements_queued gauge",
            "sandpit_xapi_statements_queued 3",
            "sandpit_xapi_statements_delivered_total 49",
            "sandpit_xapi_statements_refused_total 1",
            "# TYPE sandpit_xapi_outbox_oldest_age_seconds gauge",
            "sandpit_xapi_outbox_oldest_age_seconds 90.",
        ] {
            assert!(text.contains(name), "{name} missing from\n{text}");
        }
    }
}
