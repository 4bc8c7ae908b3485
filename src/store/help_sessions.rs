//! Help sessions: an ambassador or a trainer watching a learner's terminal
//! (and typing in it while the learner lets them), kept from the first look
//! to the last.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Context, DbUuid, Helper, IndicatorScope, Result, Store, now};

/// A help session, with what the pages and the terminal need: names, the
/// learner's sandbox and link, and the scenario.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HelpSessionRecord {
    #[sqlx(try_from = "String")]
    pub id: DbUuid,
    #[sqlx(try_from = "String")]
    pub learner_id: DbUuid,
    pub learner_name: String,
    #[sqlx(try_from = "String")]
    pub sandbox_id: DbUuid,
    pub sandbox_state: String,
    pub scenario_id: String,
    /// The hash of the learner's link (their terminal's recording budget).
    pub link_hash: Option<String>,
    pub helper_learner_id: Option<String>,
    pub helper_user_id: Option<String>,
    pub helper_name: String,
    pub request_id: Option<String>,
    pub exercise_id: Option<String>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub typing: bool,
    pub grants: i64,
}

impl HelpSessionRecord {
    /// Who is helping.
    pub fn helper(&self) -> Option<Helper> {
        let parse = |s: &Option<String>| s.as_deref().and_then(|s| Uuid::parse_str(s).ok());
        parse(&self.helper_learner_id)
            .map(Helper::Learner)
            .or_else(|| parse(&self.helper_user_id).map(Helper::User))
    }
}

const SELECT: &str = "SELECT h.id, h.learner_id, l.name AS learner_name, h.sandbox_id,
        s.state AS sandbox_state, s.scenario_id,
        (SELECT k.token_hash FROM links k WHERE k.learner_id = h.learner_id
           AND k.revoked_at IS NULL ORDER BY k.created_at DESC LIMIT 1) AS link_hash,
        h.helper_learner_id, h.helper_user_id,
        COALESCE(hl.name, hu.name) AS helper_name, h.request_id, h.exercise_id,
        h.started_at, h.ended_at, h.typing <> 0 AS typing, h.grants
     FROM help_sessions h
     JOIN learners l ON l.id = h.learner_id
     JOIN sandboxes s ON s.id = h.sandbox_id
     LEFT JOIN learners hl ON hl.id = h.helper_learner_id
     LEFT JOIN users hu ON hu.id = h.helper_user_id";

/// A help session as the indicators read it: who helped (and whether an
/// account or a learner), when, until when, and when the learner passed
/// the exercise it was about, if they did.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct HelpFact {
    /// The helper: a learner's or an account's id.
    pub helper_id: String,
    pub helper_name: String,
    /// Whether the helper is an account (a trainer, or an account named
    /// ambassador) rather than a learner.
    pub account: bool,
    pub learner_id: String,
    pub started_at: DateTime<Utc>,
    /// When it ended, or was last seen if it is still open.
    pub ended_at: DateTime<Utc>,
    pub passed_at: Option<DateTime<Utc>>,
}

/// Calls for help in a programme: how many, and how many a help session
/// answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct HelpCalls {
    pub calls: i64,
    pub answered: i64,
}

/// The learners of a programme's cohorts in `scope` (`?1` the programme,
/// `?2` a team, `?3` a phase); `l` the learner, `c` their cohort.
const IN_PROGRAMME: &str = "c.programme_id = ?1
    AND (?2 IS NULL OR EXISTS (SELECT 1 FROM people p WHERE p.id = l.person_id AND p.team_id = ?2))
    AND (?3 IS NULL OR c.phase = ?3)";

/// What a help session is about when it starts.
#[derive(Debug, Clone)]
pub struct NewHelpSession<'a> {
    pub learner: Uuid,
    pub sandbox: Uuid,
    pub helper: Helper,
    /// The learner's open call for help, if any.
    pub request: Option<&'a str>,
    pub exercise: Option<&'a str>,
}

impl Store {
    /// Starts a help session: its id.
    pub async fn start_help_session(&self, new: NewHelpSession<'_>) -> Result<Uuid> {
        let id = Uuid::new_v4();
        let (learner, user) = match new.helper {
            Helper::Learner(l) => (Some(l.to_string()), None),
            Helper::User(u) => (None, Some(u.to_string())),
        };
        let at = now();
        sqlx::query(
            "INSERT INTO help_sessions (id, learner_id, sandbox_id, helper_learner_id,
                 helper_user_id, request_id, exercise_id, started_at, seen_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(new.learner.to_string())
        .bind(new.sandbox.to_string())
        .bind(learner)
        .bind(user)
        .bind(new.request)
        .bind(new.exercise)
        .bind(at)
        .bind(at)
        .execute(&self.pool)
        .await
        .context(|| "starting a help session".into())?;
        Ok(id)
    }

    /// One help session.
    pub async fn help_session(&self, id: Uuid) -> Result<Option<HelpSessionRecord>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!("{SELECT} WHERE h.id = ?")))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .context(|| format!("reading help session {id}"))
    }

    /// The help sessions open on `learner`'s sandbox, oldest first.
    pub async fn open_help_sessions(&self, learner: Uuid) -> Result<Vec<HelpSessionRecord>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{SELECT} WHERE h.learner_id = ? AND h.ended_at IS NULL ORDER BY h.started_at, h.id"
        )))
        .bind(learner.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| "listing the help sessions of a learner".into())
    }

    /// A connection of the helper opened or is still open: the session is
    /// open again if it ended at `since` or later. Whether it is open.
    pub async fn resume_help_session(&self, id: Uuid, since: DateTime<Utc>) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE help_sessions SET ended_at = NULL, seen_at = ?
             WHERE id = ? AND (ended_at IS NULL OR ended_at >= ?)",
        )
        .bind(now())
        .bind(id.to_string())
        .bind(since)
        .execute(&self.pool)
        .await
        .context(|| format!("resuming help session {id}"))?;
        Ok(done.rows_affected() == 1)
    }

    /// Ends a help session (the helper's last connection closed): typing
    /// is no longer allowed. Whether it was open.
    pub async fn end_help_session(&self, id: Uuid) -> Result<bool> {
        let at = now();
        let done = sqlx::query(
            "UPDATE help_sessions SET ended_at = ?, seen_at = ?, typing = 0
             WHERE id = ? AND ended_at IS NULL",
        )
        .bind(at)
        .bind(at)
        .bind(id.to_string())
        .execute(&self.pool)
        .await
        .context(|| format!("ending help session {id}"))?;
        Ok(done.rows_affected() == 1)
    }

    /// A session taken up again starts read only.
    pub async fn reset_help_typing(&self, id: Uuid) -> Result<()> {
        sqlx::query("UPDATE help_sessions SET typing = 0 WHERE id = ?")
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .context(|| format!("resetting typing in help session {id}"))?;
        Ok(())
    }

    /// Keeps the hash of the key to the session's read-only view of the
    /// learner's tool.
    pub async fn set_help_view_key(&self, id: Uuid, hash: &str) -> Result<()> {
        sqlx::query("UPDATE help_sessions SET view_key_hash = ? WHERE id = ?")
            .bind(hash)
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .context(|| format!("keeping the view key of help session {id}"))?;
        Ok(())
    }

    /// The sandbox an open help session's view key shows, while the
    /// learner's sandbox is live.
    pub async fn viewed_sandbox(&self, hash: &str) -> Result<Option<Uuid>> {
        let found: Option<String> = sqlx::query_scalar(
            "SELECT h.sandbox_id FROM help_sessions h JOIN sandboxes s ON s.id = h.sandbox_id
             WHERE h.view_key_hash = ? AND h.ended_at IS NULL AND s.state = 'claimed'",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await
        .context(|| "looking up a help session's view key".into())?;
        Ok(found.and_then(|s| Uuid::parse_str(&s).ok()))
    }

    /// Ends the sessions a stopped server left open, when they were last
    /// seen: how many.
    pub async fn end_stale_help_sessions(&self) -> Result<u64> {
        let done = sqlx::query(
            "UPDATE help_sessions SET ended_at = seen_at, typing = 0 WHERE ended_at IS NULL",
        )
        .execute(&self.pool)
        .await
        .context(|| "ending the help sessions left open".into())?;
        Ok(done.rows_affected())
    }

    /// `learner` lets the helper of their open session type, or not:
    /// whether the session was theirs and open.
    pub async fn set_help_typing(&self, id: Uuid, learner: Uuid, allow: bool) -> Result<bool> {
        let done = sqlx::query(
            "UPDATE help_sessions SET grants = grants + (? AND typing = 0), typing = ?
             WHERE id = ? AND learner_id = ? AND ended_at IS NULL",
        )
        .bind(allow)
        .bind(allow)
        .bind(id.to_string())
        .bind(learner.to_string())
        .execute(&self.pool)
        .await
        .context(|| format!("setting typing in help session {id}"))?;
        Ok(done.rows_affected() == 1)
    }

    /// The help sessions given to the learners of `programme` in `scope`,
    /// oldest first.
    pub async fn help_facts(
        &self,
        programme: Uuid,
        scope: IndicatorScope<'_>,
    ) -> Result<Vec<HelpFact>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT COALESCE(h.helper_learner_id, h.helper_user_id) AS helper_id,
                    COALESCE(hl.name, hu.name) AS helper_name,
                    h.helper_user_id IS NOT NULL AS account,
                    h.learner_id, h.started_at,
                    COALESCE(h.ended_at, h.seen_at) AS ended_at, le.passed_at
             FROM help_sessions h
             JOIN learners l ON l.id = h.learner_id
             JOIN cohorts c ON c.id = l.cohort_id
             LEFT JOIN learners hl ON hl.id = h.helper_learner_id
             LEFT JOIN users hu ON hu.id = h.helper_user_id
             LEFT JOIN learner_exercises le
                    ON le.learner_id = h.learner_id AND le.exercise_id = h.exercise_id
             WHERE {IN_PROGRAMME}
             ORDER BY h.started_at, h.id"
        )))
        .bind(programme.to_string())
        .bind(scope.team.map(|t| t.to_string()))
        .bind(scope.phase)
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading the help given in programme {programme}"))
    }

    /// The calls for help of the learners of `programme` in `scope`, and
    /// how many a help session answered.
    pub async fn help_calls(
        &self,
        programme: Uuid,
        scope: IndicatorScope<'_>,
    ) -> Result<HelpCalls> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) AS calls,
                    COALESCE(SUM(EXISTS (SELECT 1 FROM help_sessions h WHERE h.request_id = r.id)), 0)
                        AS answered
             FROM help_requests r
             JOIN learners l ON l.id = r.learner_id
             JOIN cohorts c ON c.id = l.cohort_id
             WHERE {IN_PROGRAMME}"
        )))
        .bind(programme.to_string())
        .bind(scope.team.map(|t| t.to_string()))
        .bind(scope.phase)
        .fetch_one(&self.pool)
        .await
        .context(|| format!("counting the calls for help in programme {programme}"))
    }
}
