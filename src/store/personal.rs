//! A learner's personal data, for their rights of access (GDPR article 15:
//! everything kept about them, as JSON) and erasure (article 17: all of it
//! deleted, in one transaction).
//!
//! What is theirs: their roster line; their links, sandboxes and what was
//! recorded in them (checks, completions, recordings); their tallies; their
//! ratings, tips, questions, votes and answers (and others' votes and
//! answers on their tips); their pulse answers; their calls for help and
//! the help sessions they received or gave; their ambassador roles; their
//! refresher invitations (and the refresher sandboxes those started); and
//! the xAPI statements about them not yet sent.

use serde_json::{Map, Value};
use sqlx::{Column, Row, TypeInfo, ValueRef};
use uuid::Uuid;

use super::{Context, Result, Store};

/// The sandboxes that are theirs: `?1` the learner.
const SANDBOXES: &str = "(SELECT id FROM sandboxes WHERE learner_id = ?1
     UNION SELECT k.sandbox_id FROM refresher_invites i JOIN links k ON k.token_hash = i.link_hash
           WHERE i.learner_id = ?1 AND k.sandbox_id IS NOT NULL)";

/// Each table's rows that are theirs, by a condition on `?1` (the
/// learner's id) and `?2` (their e-mail address, for xAPI statements).
fn parts() -> Vec<(&'static str, String)> {
    let tips = "(SELECT id FROM tips WHERE learner_id = ?1)";
    vec![
        ("learners", "id = ?1".into()),
        ("links", format!("learner_id = ?1 OR sandbox_id IN {SANDBOXES}")),
        ("sandboxes", format!("id IN {SANDBOXES}")),
        ("attempts", format!("sandbox_id IN {SANDBOXES}")),
        ("completions", format!("sandbox_id IN {SANDBOXES}")),
        ("recordings", format!("sandbox_id IN {SANDBOXES}")),
        ("learner_exercises", "learner_id = ?1".into()),
        ("learner_failures", "learner_id = ?1".into()),
        ("exercise_ratings", "learner_id = ?1".into()),
        ("tips", "learner_id = ?1".into()),
        ("tip_votes", format!("learner_id = ?1 OR tip_id IN {tips}")),
        ("tip_answers", format!("learner_id = ?1 OR tip_id IN {tips}")),
        ("pulse_answers", "learner_id = ?1".into()),
        ("help_requests", "learner_id = ?1".into()),
        ("help_sessions", "learner_id = ?1 OR helper_learner_id = ?1".into()),
        ("ambassadors", "learner_id = ?1".into()),
        ("refresher_invites", "learner_id = ?1".into()),
        (
            "xapi_outbox",
            "sent_at IS NULL AND (instr(body, ?1) > 0 OR (?2 IS NOT NULL AND instr(body, 'mailto:' || ?2) > 0))"
                .into(),
        ),
    ]
}

/// The order rows go in an erasure: what refers to a row before it.
const ERASE_ORDER: [&str; 18] = [
    "tip_votes",
    "tip_answers",
    "tips",
    "exercise_ratings",
    "pulse_answers",
    "help_sessions",
    "help_requests",
    "ambassadors",
    "learner_failures",
    "learner_exercises",
    "xapi_outbox",
    "completions",
    "attempts",
    "recordings",
    "refresher_invites",
    "links",
    "sandboxes",
    "learners",
];

/// A row as JSON, whatever its columns.
fn row_json(row: &sqlx::sqlite::SqliteRow) -> Value {
    let mut out = Map::new();
    for (i, column) in row.columns().iter().enumerate() {
        let value = match row.try_get_raw(i) {
            Ok(raw) if raw.is_null() => Value::Null,
            Ok(raw) => match raw.type_info().name() {
                "INTEGER" => row.try_get::<i64, _>(i).map_or(Value::Null, Value::from),
                "REAL" => row.try_get::<f64, _>(i).map_or(Value::Null, Value::from),
                "BLOB" => Value::from(format!(
                    "({} bytes)",
                    row.try_get::<Vec<u8>, _>(i).map_or(0, |b| b.len())
                )),
                _ => row.try_get::<String, _>(i).map_or(Value::Null, Value::from),
            },
            Err(_) => Value::Null,
        };
        out.insert(column.name().to_owned(), value);
    }
    Value::Object(out)
}

impl Store {
    /// The learner's e-mail address, if they exist (None: no such learner).
    async fn learner_email(&self, learner: Uuid) -> Result<Option<Option<String>>> {
        sqlx::query_scalar("SELECT email FROM learners WHERE id = ?")
            .bind(learner.to_string())
            .fetch_optional(&self.pool)
            .await
            .context(|| format!("reading learner {learner}"))
    }

    /// Everything kept about `learner`, table by table; None when there is
    /// no such learner.
    pub async fn personal_data(&self, learner: Uuid) -> Result<Option<Map<String, Value>>> {
        let Some(email) = self.learner_email(learner).await? else {
            return Ok(None);
        };
        let mut out = Map::new();
        for (table, condition) in parts() {
            // Table names and conditions are the fixed ones above.
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT * FROM {table} WHERE {condition}"
            )))
            .bind(learner.to_string())
            .bind(email.as_deref())
            .fetch_all(&self.pool)
            .await
            .context(|| format!("reading {table} for learner {learner}"))?;
            out.insert(
                table.to_owned(),
                Value::Array(rows.iter().map(row_json).collect()),
            );
        }
        Ok(Some(out))
    }

    /// The sandboxes that are `learner`'s and still live.
    pub async fn live_sandboxes_of_learner(&self, learner: Uuid) -> Result<Vec<String>> {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM sandboxes WHERE id IN {SANDBOXES}
               AND state IN ('provisioning', 'ready', 'claimed')"
        )))
        .bind(learner.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing learner {learner}'s live sandboxes"))
    }

    /// Deletes everything kept about `learner`, in one transaction: how
    /// many rows went from each table, and the sandboxes whose recordings
    /// (files) are to go too. None when there is no such learner.
    pub async fn erase_learner(
        &self,
        learner: Uuid,
    ) -> Result<Option<(Vec<(&'static str, u64)>, Vec<Uuid>)>> {
        let what = || format!("erasing learner {learner}");
        let mut tx = self.pool.begin().await.context(what)?;
        let email: Option<Option<String>> =
            sqlx::query_scalar("SELECT email FROM learners WHERE id = ?")
                .bind(learner.to_string())
                .fetch_optional(&mut *tx)
                .await
                .context(what)?;
        let Some(email) = email else {
            return Ok(None);
        };
        let sandboxes: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM sandboxes WHERE id IN {SANDBOXES}"
        )))
        .bind(learner.to_string())
        .fetch_all(&mut *tx)
        .await
        .context(what)?;
        // The sandboxes are listed now: the conditions on them are read
        // before their rows go.
        let ids = serde_json::to_string(&sandboxes).unwrap_or_default();
        let conditions = parts();
        let mut counts = Vec::new();
        for table in ERASE_ORDER {
            let condition = &conditions
                .iter()
                .find(|(t, _)| *t == table)
                .expect("every table erased has its condition")
                .1;
            let condition = condition.replace(
                &format!("IN {SANDBOXES}"),
                "IN (SELECT value FROM json_each(?3))",
            );
            // Table names and conditions are the fixed ones above.
            let done = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM {table} WHERE {condition}"
            )))
            .bind(learner.to_string())
            .bind(email.as_deref())
            .bind(&ids)
            .execute(&mut *tx)
            .await
            .context(|| format!("erasing learner {learner}'s {table}"))?;
            counts.push((table, done.rows_affected()));
        }
        tx.commit().await.context(what)?;
        let sandboxes = sandboxes
            .iter()
            .filter_map(|s| Uuid::parse_str(s).ok())
            .collect();
        Ok(Some((counts, sandboxes)))
    }
}
