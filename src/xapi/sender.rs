//! The background sender: sweeps new records into the outbox and POSTs due
//! statements to the LRS in batches. A statement is marked sent once the LRS
//! accepts it; one it refuses (400, 409, 413, 422) is isolated by halving
//! the batch and parked with the answer, so the rest go on; a failed try
//! (refused connection, timeout, 5xx) is retried with exponential backoff
//! per statement, and the outbox is in the store, so a restart resumes
//! where the last run stopped.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::LrsSettings;
use super::lrs::{Answer, Lrs, Refusal, Stored};
use super::sweep;
use crate::sandbox::SandboxService;
use crate::scenario::Scenarios;
use crate::store::{OutboxRow, Store, StoreError};

/// Statements per POST.
const BATCH: u32 = 50;
/// The first retry's delay; each failure doubles it, up to the cap.
const BACKOFF_FIRST: Duration = Duration::from_secs(1);
const BACKOFF_CAP: Duration = Duration::from_secs(300);
/// How often the sender looks for new records when nothing wakes it.
const POLL: Duration = Duration::from_secs(2);

/// When a statement that failed `tries` times before is tried again.
fn next_try(tries: i64, now: DateTime<Utc>) -> DateTime<Utc> {
    let doublings = u32::try_from(tries.clamp(0, 16)).unwrap_or(16);
    let delay = BACKOFF_FIRST
        .saturating_mul(2u32.saturating_pow(doublings))
        .min(BACKOFF_CAP);
    now + chrono::TimeDelta::from_std(delay).unwrap_or(chrono::TimeDelta::seconds(300))
}

/// What one round of sending did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    /// Accepted by the LRS (or found there already).
    pub sent: usize,
    /// Not sent this time, for a reason that is not theirs; tried again.
    pub failed: usize,
    /// Refused by the LRS and parked.
    pub refused: usize,
}

/// Sends every statement that is due, a batch at a time. After a failure
/// that is not about the statements (the LRS is unreachable or answers
/// 5xx), nothing more is tried until the failed batch's next try.
pub async fn send_due(store: &Store, lrs: &Lrs) -> Result<SendReport, StoreError> {
    let mut report = SendReport::default();
    loop {
        let now = Utc::now();
        if lrs.paused_until().is_some_and(|until| until > now) {
            return Ok(report);
        }
        let due = store.due_statements(now, BATCH).await?;
        if due.is_empty() {
            return Ok(report);
        }
        let rows: Vec<&OutboxRow> = due.iter().collect();
        if !deliver(store, lrs, &rows, &mut report).await? || due.len() < BATCH as usize {
            return Ok(report);
        }
    }
}

/// POSTs a batch. A refused batch is split in halves, and those again,
/// until each refused statement is alone: xAPI makes an LRS store none of a
/// batch it refuses, so every statement of an accepted part arrives once.
/// False when the LRS failed and sending must wait.
async fn deliver(
    store: &Store,
    lrs: &Lrs,
    rows: &[&OutboxRow],
    report: &mut SendReport,
) -> Result<bool, StoreError> {
    let mut parts: Vec<&[&OutboxRow]> = vec![rows];
    while let Some(part) = parts.pop() {
        match lrs.post(part).await {
            Answer::Accepted => settle_sent(store, part, report).await?,
            Answer::Refused(_) if part.len() > 1 => {
                let (first, second) = part.split_at(part.len() / 2);
                // Oldest first: the first half is popped next.
                parts.push(second);
                parts.push(first);
            }
            Answer::Refused(refusal) => {
                if !settle_refused(store, lrs, part[0], refusal, report).await? {
                    return Ok(false);
                }
            }
            Answer::Failed(e) => {
                let until = settle_failed(store, part, &e, report).await?;
                lrs.pause(until);
                return Ok(false);
            }
        }
    }
    Ok(true)
}

/// One statement the LRS refused. A 409 says the LRS holds a statement
/// with that id: when it is this very statement (sent before a crash that
/// came before it was marked sent), it counts as sent; otherwise, and for
/// every other refusal, it is parked with the LRS's answer. False when the
/// LRS could not be asked and sending must wait.
async fn settle_refused(
    store: &Store,
    lrs: &Lrs,
    row: &OutboxRow,
    mut refusal: Refusal,
    report: &mut SendReport,
) -> Result<bool, StoreError> {
    if refusal.status == 409 {
        match lrs.stored(&row.id).await {
            Stored::Statement(theirs) if same_statement(&row.body, &theirs) => {
                settle_sent(store, &[row], report).await?;
                return Ok(true);
            }
            Stored::Statement(_) => {
                refusal.answer.push_str(CONFLICT_NOTE);
            }
            Stored::Nothing => {}
            // Waiting would not make it answer: park, saying so.
            Stored::Unknown(e) => {
                refusal.answer.push_str(&format!("\n({e})"));
            }
            Stored::Failed(e) => {
                let until = settle_failed(store, &[row], &e, report).await?;
                lrs.pause(until);
                return Ok(false);
            }
        }
    }
    store
        .park_statement(&row.id, refusal.status, &refusal.answer)
        .await?;
    report.refused += 1;
    tracing::warn!(
        statement = %row.id,
        status = refusal.status,
        answer = %refusal.answer,
        "the LRS refused an xAPI statement; it is parked"
    );
    Ok(true)
}

/// Added to a 409's answer when the LRS holds other content under the id.
const CONFLICT_NOTE: &str = "\n(The LRS holds a different statement under this id.)";

/// Whether the LRS's copy is the statement sent: the LRS adds `stored`,
/// `authority` and `version`, and may write the id and the timestamp in
/// another form (xAPI's rules for comparing statements).
fn same_statement(ours: &str, theirs: &serde_json::Value) -> bool {
    fn normal(v: &serde_json::Value) -> Option<serde_json::Value> {
        let mut v = v.as_object()?.clone();
        for added in ["stored", "authority", "version"] {
            v.remove(added);
        }
        let id = v.get("id")?.as_str()?.to_ascii_lowercase();
        v.insert("id".into(), id.into());
        if let Some(t) = v.get("timestamp").and_then(|t| t.as_str()) {
            let at = chrono::DateTime::parse_from_rfc3339(t).ok()?;
            v.insert("timestamp".into(), at.timestamp_micros().into());
        }
        Some(serde_json::Value::Object(v))
    }
    let Ok(ours) = serde_json::from_str::<serde_json::Value>(ours) else {
        return false;
    };
    matches!((normal(&ours), normal(theirs)), (Some(a), Some(b)) if a == b)
}

async fn settle_sent(
    store: &Store,
    rows: &[&OutboxRow],
    report: &mut SendReport,
) -> Result<(), StoreError> {
    let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
    store.mark_statements_sent(&ids).await?;
    report.sent += rows.len();
    Ok(())
}

/// Notes the failure with each row's next try; returns the earliest.
async fn settle_failed(
    store: &Store,
    rows: &[&OutboxRow],
    error: &str,
    report: &mut SendReport,
) -> Result<DateTime<Utc>, StoreError> {
    let now = Utc::now();
    let next: Vec<(&str, DateTime<Utc>)> = rows
        .iter()
        .map(|r| (r.id.as_str(), next_try(r.tries, now)))
        .collect();
    store.mark_statements_failed(&next, error).await?;
    report.failed += rows.len();
    tracing::debug!(statements = rows.len(), error, "xAPI send failed");
    Ok(next.iter().map(|(_, t)| *t).min().unwrap_or(now))
}

/// What the sender turns into statements and sends: the records of the
/// store, of these scenarios, through this service's changes.
pub struct SenderSources {
    pub service: SandboxService,
    pub store: Store,
    pub scenarios: Arc<Scenarios>,
    /// Where learners reach Sandpit: statements' activity ids start with it.
    pub public_url: String,
}

/// Sends due statements to the LRS of `settings` until the server shuts
/// down.
pub async fn run_sender(
    settings: LrsSettings,
    sources: SenderSources,
    shutdown: CancellationToken,
) {
    let SenderSources {
        service,
        store,
        scenarios,
        public_url,
    } = sources;
    tracing::info!(lrs = %settings.statements_url, "sending xAPI statements");
    let lrs = match Lrs::new(settings) {
        Ok(lrs) => lrs,
        Err(e) => {
            tracing::error!(
                "not sending xAPI statements: reading the system's CA certificates: {e}"
            );
            return;
        }
    };
    let mut changes = service.changes();
    let metrics = service.metrics().clone();
    let mut failing = false;
    loop {
        if let Err(e) = sweep(&store, &scenarios, &public_url).await {
            tracing::error!(error = %e, "turning records into xAPI statements");
        }
        let round = send_due(&store, &lrs).await;
        if let Ok(r) = &round {
            metrics.count_xapi(r.sent, r.refused);
        }
        match round {
            Ok(r) if r.failed > 0 && !failing => {
                failing = true;
                tracing::warn!(
                    failed = r.failed,
                    "xAPI statements could not be sent; they wait in the outbox"
                );
            }
            Ok(r) if r.failed == 0 && r.sent > 0 && failing => {
                failing = false;
                tracing::info!(sent = r.sent, "the LRS accepts xAPI statements again");
            }
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "sending xAPI statements"),
        }
        let due = store.next_statement_due().await.ok().flatten();
        let wait = match due.max(lrs.paused_until()) {
            Some(at) => (at - Utc::now()).to_std().unwrap_or_default().min(POLL),
            None => POLL,
        };
        tokio::select! {
            () = shutdown.cancelled() => return,
            changed = changes.changed() => {
                if changed.is_err() {
                    // The service is gone: only the clock wakes us now.
                    tokio::time::sleep(POLL).await;
                }
            }
            () = tokio::time::sleep(wait) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_from_a_second_to_five_minutes() {
        let now = Utc::now();
        let delay = |tries| (next_try(tries, now) - now).num_seconds();
        assert_eq!(
            [0, 1, 2, 3, 8, 9, 40].map(delay),
            [1, 2, 4, 8, 256, 300, 300]
        );
    }

    #[test]
    fn the_lrss_copy_of_a_statement_counts_as_the_same_despite_what_an_lrs_adds() {
        let ours = r#"{"id":"6690e6c9-3ef0-4ed3-8b37-7f3964730bee","actor":{"mbox":"mailto:a@x.org"},"verb":{"id":"urn:v"},"timestamp":"2024-05-01T10:00:00.000Z"}"#;
        let theirs = serde_json::json!({
            "id": "6690E6C9-3EF0-4ED3-8B37-7F3964730BEE",
            "actor": {"mbox": "mailto:a@x.org"},
            "verb": {"id": "urn:v"},
            "timestamp": "2024-05-01T12:00:00+02:00",
            "stored": "2024-05-01T10:00:01.000Z",
            "authority": {"mbox": "mailto:lrs@x.org"},
            "version": "1.0.3"
        });
        assert!(same_statement(ours, &theirs));
        let mut other = theirs.clone();
        other["verb"]["id"] = "urn:w".into();
        assert!(!same_statement(ours, &other));
        let mut later = theirs;
        later["timestamp"] = "2024-05-01T10:00:00.001Z".into();
        assert!(!same_statement(ours, &later));
        assert!(!same_statement("not json", &serde_json::json!({})));
    }
}
