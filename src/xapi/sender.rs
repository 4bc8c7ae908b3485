//! The background sender: sweeps new records into the outbox and POSTs due
//! statements to the LRS in batches. A statement is marked sent once the LRS
//! accepts it; a failed try (refused connection, timeout, 5xx) is retried
//! with exponential backoff per statement, and the outbox is in the store,
//! so a restart resumes where the last run stopped.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio_util::sync::CancellationToken;

use super::lrs::{Answer, Lrs, LrsSettings};
use super::sweep;
use crate::app::App;
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
    pub sent: usize,
    pub failed: usize,
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
        match lrs.post(&rows).await {
            Answer::Accepted => settle_sent(store, &rows, &mut report).await?,
            Answer::Conflict | Answer::Refused(_) if rows.len() > 1 => {
                // One statement spoils a batch: send them one at a time.
                for row in rows {
                    match lrs.post(&[row]).await {
                        Answer::Accepted | Answer::Conflict => {
                            settle_sent(store, &[row], &mut report).await?;
                        }
                        Answer::Refused(e) => {
                            settle_failed(store, &[row], &e, &mut report).await?;
                        }
                        Answer::Failed(e) => {
                            let until = settle_failed(store, &[row], &e, &mut report).await?;
                            lrs.pause(until);
                            return Ok(report);
                        }
                    }
                }
            }
            // A lone statement the LRS has already.
            Answer::Conflict => settle_sent(store, &rows, &mut report).await?,
            Answer::Refused(e) => {
                settle_failed(store, &rows, &e, &mut report).await?;
            }
            Answer::Failed(e) => {
                let until = settle_failed(store, &rows, &e, &mut report).await?;
                lrs.pause(until);
                return Ok(report);
            }
        }
        if due.len() < BATCH as usize {
            return Ok(report);
        }
    }
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

/// Sends due statements until the server shuts down.
pub async fn run_sender(app: Arc<App>, public_url: String, shutdown: CancellationToken) {
    let settings = match LrsSettings::from_config(&app.config) {
        Ok(Some(s)) => s,
        Ok(None) => return,
        Err(e) => {
            tracing::error!("not sending xAPI statements: {e}");
            return;
        }
    };
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
    let mut changes = app.service.changes();
    let mut failing = false;
    loop {
        if let Err(e) = sweep(&app.store, &app.scenarios, &public_url).await {
            tracing::error!(error = %e, "turning records into xAPI statements");
        }
        match send_due(&app.store, &lrs).await {
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
        let due = app.store.next_statement_due().await.ok().flatten();
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
}
