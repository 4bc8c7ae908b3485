//! The xAPI outbox: statements waiting for the LRS, each with its tries and
//! last error, and the cursor of the sweep that fills it from the records.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Context, Result, Store, now};

/// A statement about to be queued.
pub struct NewOutboxStatement<'a> {
    pub id: Uuid,
    pub cohort_id: Uuid,
    pub body: &'a str,
}

/// A statement due to be sent.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxRow {
    pub id: String,
    pub body: String,
    pub tries: i64,
}

/// How far the sweep has got.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCursor {
    /// The highest attempt id turned into statements.
    pub attempt: i64,
    /// The latest claim time seen.
    pub claim: Option<DateTime<Utc>>,
}

/// A claim of a cohort sandbox by a learner.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimRecord {
    pub cohort_id: String,
    pub learner_id: String,
    pub claimed_at: DateTime<Utc>,
}

/// What the outbox holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxStatus {
    /// Waiting for the LRS: neither accepted nor parked.
    pub pending: u64,
    /// Accepted.
    pub sent: u64,
    /// Pending after at least one failed try.
    pub failing: u64,
    /// Refused by the LRS and set aside until an admin retries them.
    pub parked: u64,
    /// When the oldest pending statement was queued.
    pub oldest_pending: Option<DateTime<Utc>>,
    /// The most recent failure's reason, among pending statements.
    pub last_error: Option<String>,
}

const CURSOR_ATTEMPT: &str = "attempt";
const CURSOR_CLAIM: &str = "claim";

impl Store {
    /// When each learner of a cohort first claimed a sandbox.
    pub async fn first_claims(&self, cohort: Uuid) -> Result<HashMap<Uuid, DateTime<Utc>>> {
        let rows: Vec<(String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT learner_id, claimed_at FROM sandboxes
             WHERE cohort_id = ? AND learner_id IS NOT NULL AND claimed_at IS NOT NULL",
        )
        .bind(cohort.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading the claims of cohort {cohort}"))?;
        let mut first: HashMap<Uuid, DateTime<Utc>> = HashMap::new();
        for (learner, at) in rows {
            if let Ok(id) = Uuid::parse_str(&learner) {
                first
                    .entry(id)
                    .and_modify(|t| *t = (*t).min(at))
                    .or_insert(at);
            }
        }
        Ok(first)
    }

    /// Attempts made after `after` (by id), with their sandbox's cohort.
    pub async fn attempts_after(&self, after: i64) -> Result<Vec<(i64, Option<String>)>> {
        sqlx::query_as(
            "SELECT a.id, s.cohort_id FROM attempts a JOIN sandboxes s ON s.id = a.sandbox_id
             WHERE a.id > ? ORDER BY a.id",
        )
        .bind(after)
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing attempts after {after}"))
    }

    /// Claims of cohort sandboxes by learners at or after `since` (all when None).
    pub async fn claims_since(&self, since: Option<DateTime<Utc>>) -> Result<Vec<ClaimRecord>> {
        // Stored times are RFC 3339 text in UTC, which sorts as time does;
        // the second of margin covers fractional digits of varying length,
        // and parsed times are compared exactly below.
        let floor = since.map(|s| s - chrono::TimeDelta::seconds(1));
        let rows: Vec<ClaimRecord> = sqlx::query_as(
            "SELECT cohort_id, learner_id, claimed_at FROM sandboxes
             WHERE cohort_id IS NOT NULL AND learner_id IS NOT NULL AND claimed_at IS NOT NULL
               AND (?1 IS NULL OR claimed_at >= ?1)",
        )
        .bind(floor)
        .fetch_all(&self.pool)
        .await
        .context(|| "listing recent claims".into())?;
        Ok(rows
            .into_iter()
            .filter(|c| since.is_none_or(|s| c.claimed_at >= s))
            .collect())
    }

    /// Which of `ids` the outbox holds already.
    pub async fn outbox_has(&self, ids: &[Uuid]) -> Result<HashSet<Uuid>> {
        let mut found = HashSet::new();
        for chunk in ids.chunks(200) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = format!("SELECT id FROM xapi_outbox WHERE id IN ({marks})");
            let mut query = sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql));
            for id in chunk {
                query = query.bind(id.to_string());
            }
            let rows = query
                .fetch_all(&self.pool)
                .await
                .context(|| "looking statements up in the outbox".into())?;
            found.extend(rows.iter().filter_map(|s| Uuid::parse_str(s).ok()));
        }
        Ok(found)
    }

    /// Where the sweep stopped.
    pub async fn outbox_cursor(&self) -> Result<OutboxCursor> {
        let rows: Vec<(String, String)> = sqlx::query_as("SELECT name, value FROM xapi_cursor")
            .fetch_all(&self.pool)
            .await
            .context(|| "reading the xAPI cursor".into())?;
        let mut cursor = OutboxCursor::default();
        for (name, value) in rows {
            match name.as_str() {
                CURSOR_ATTEMPT => cursor.attempt = value.parse().unwrap_or(0),
                CURSOR_CLAIM => {
                    cursor.claim = DateTime::parse_from_rfc3339(&value)
                        .ok()
                        .map(|t| t.with_timezone(&Utc));
                }
                _ => {}
            }
        }
        Ok(cursor)
    }

    /// Queues statements (those already queued are left as they are) and
    /// moves the cursor, in one transaction: a crash loses nothing.
    pub async fn enqueue_statements(
        &self,
        statements: &[NewOutboxStatement<'_>],
        cursor: OutboxCursor,
    ) -> Result<u64> {
        let what = || "queueing xAPI statements".to_owned();
        let mut tx = self.pool.begin().await.context(what)?;
        let at = now();
        let mut added = 0;
        for s in statements {
            added += sqlx::query(
                "INSERT OR IGNORE INTO xapi_outbox (id, cohort_id, body, created_at, next_try_at)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(s.id.to_string())
            .bind(s.cohort_id.to_string())
            .bind(s.body)
            .bind(at)
            .bind(at.timestamp_millis())
            .execute(&mut *tx)
            .await
            .context(what)?
            .rows_affected();
        }
        let mut values = vec![(CURSOR_ATTEMPT, cursor.attempt.to_string())];
        if let Some(claim) = cursor.claim {
            values.push((CURSOR_CLAIM, claim.to_rfc3339()));
        }
        for (name, value) in values {
            sqlx::query(
                "INSERT INTO xapi_cursor (name, value) VALUES (?, ?)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            )
            .bind(name)
            .bind(value)
            .execute(&mut *tx)
            .await
            .context(what)?;
        }
        tx.commit().await.context(what)?;
        Ok(added)
    }

    /// Up to `limit` unsent statements whose next try is due, oldest first.
    pub async fn due_statements(&self, at: DateTime<Utc>, limit: u32) -> Result<Vec<OutboxRow>> {
        sqlx::query_as(
            "SELECT id, body, tries FROM xapi_outbox
             WHERE sent_at IS NULL AND parked_at IS NULL AND next_try_at <= ?
             ORDER BY rowid LIMIT ?",
        )
        .bind(at.timestamp_millis())
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .context(|| "listing xAPI statements due".into())
    }

    /// Notes that the LRS accepted these statements.
    pub async fn mark_statements_sent(&self, ids: &[&str]) -> Result<()> {
        let what = || "marking xAPI statements sent".to_owned();
        let mut tx = self.pool.begin().await.context(what)?;
        let at = now();
        for id in ids {
            sqlx::query(
                "UPDATE xapi_outbox SET sent_at = ?, tries = tries + 1, last_error = NULL
                 WHERE id = ? AND sent_at IS NULL",
            )
            .bind(at)
            .bind(*id)
            .execute(&mut *tx)
            .await
            .context(what)?;
        }
        tx.commit().await.context(what)
    }

    /// Notes a failed try of each statement, with when to try it again.
    pub async fn mark_statements_failed(
        &self,
        failures: &[(&str, DateTime<Utc>)],
        error: &str,
    ) -> Result<()> {
        let what = || "noting failed xAPI sends".to_owned();
        let mut tx = self.pool.begin().await.context(what)?;
        for (id, next) in failures {
            sqlx::query(
                "UPDATE xapi_outbox SET tries = tries + 1, next_try_at = ?, last_error = ?
                 WHERE id = ? AND sent_at IS NULL AND parked_at IS NULL",
            )
            .bind(next.timestamp_millis())
            .bind(error)
            .bind(*id)
            .execute(&mut *tx)
            .await
            .context(what)?;
        }
        tx.commit().await.context(what)
    }

    /// When the next unsent statement is due, if any is waiting.
    pub async fn next_statement_due(&self) -> Result<Option<DateTime<Utc>>> {
        let ms: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(next_try_at) FROM xapi_outbox WHERE sent_at IS NULL AND parked_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await
        .context(|| "reading when the next xAPI send is due".into())?;
        Ok(ms.and_then(DateTime::from_timestamp_millis))
    }

    /// How many statements wait for the LRS, and when the oldest of them was
    /// queued; read through the index of waiting ones, for every scrape.
    pub async fn outbox_queue(&self) -> Result<(u64, Option<DateTime<Utc>>)> {
        let (count, oldest): (i64, Option<String>) = sqlx::query_as(
            "SELECT COUNT(*), MIN(created_at) FROM xapi_outbox
             WHERE sent_at IS NULL AND parked_at IS NULL",
        )
        .fetch_one(&self.pool)
        .await
        .context(|| "reading the xAPI queue".into())?;
        Ok((u64::try_from(count).unwrap_or(0), parse_time(oldest)))
    }

    /// Counts of the outbox's statements, and the latest failure.
    pub async fn outbox_status(&self) -> Result<OutboxStatus> {
        // Stored times are RFC 3339 text in UTC, which sorts as time does:
        // MIN is the oldest.
        let (pending, sent, failing, parked, oldest): (i64, i64, i64, i64, Option<String>) =
            sqlx::query_as(
                "SELECT COALESCE(SUM(sent_at IS NULL AND parked_at IS NULL), 0),
                        COALESCE(SUM(sent_at IS NOT NULL), 0),
                        COALESCE(SUM(sent_at IS NULL AND parked_at IS NULL AND tries > 0), 0),
                        COALESCE(SUM(parked_at IS NOT NULL AND sent_at IS NULL), 0),
                        MIN(CASE WHEN sent_at IS NULL AND parked_at IS NULL THEN created_at END)
                 FROM xapi_outbox",
            )
            .fetch_one(&self.pool)
            .await
            .context(|| "counting xAPI statements".into())?;
        let last_error: Option<String> = sqlx::query_scalar(
            "SELECT last_error FROM xapi_outbox
             WHERE sent_at IS NULL AND parked_at IS NULL AND last_error IS NOT NULL
             ORDER BY next_try_at DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await
        .context(|| "reading the last xAPI error".into())?;
        Ok(OutboxStatus {
            pending: pending.max(0) as u64,
            sent: sent.max(0) as u64,
            failing: failing.max(0) as u64,
            parked: parked.max(0) as u64,
            oldest_pending: parse_time(oldest),
            last_error,
        })
    }

    /// The ids of every statement in the outbox, and whether each was sent.
    pub async fn outbox_ids(&self) -> Result<Vec<(String, bool)>> {
        sqlx::query_as("SELECT id, sent_at IS NOT NULL FROM xapi_outbox ORDER BY rowid")
            .fetch_all(&self.pool)
            .await
            .context(|| "listing the xAPI outbox".into())
    }
}

/// A time stored as RFC 3339 text in UTC (whose text order is time order,
/// fractions of a second included: MIN is the oldest).
fn parse_time(text: Option<String>) -> Option<DateTime<Utc>> {
    let at = DateTime::parse_from_rfc3339(&text?).ok()?;
    Some(at.with_timezone(&Utc))
}
