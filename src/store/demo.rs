//! Taking away the programme `sandpit demo` loaded, with every record made
//! for it, in one transaction. Its records are made by the product's own
//! writes (see `crate::programme::demo`); only their removal is its own.

use uuid::Uuid;

use super::{Context, Result, Store};

/// What removing the demo took away.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DemoRemoval {
    pub programme: String,
    pub teams: u64,
    pub people: u64,
    pub cohorts: u64,
    pub learners: u64,
    pub sandboxes: u64,
    pub attempts: u64,
    pub completions: u64,
    /// Learners' ratings of exercises.
    pub ratings: u64,
    pub pulse_questions: u64,
    pub pulse_answers: u64,
    /// Weeks of the real tool's use, per team.
    pub usage_weeks: u64,
    /// Cohorts of someone else's put in the demo programme: kept, taken out
    /// of it.
    pub detached_cohorts: u64,
    /// The demo's lead account, removed when it had nothing else.
    pub account: Option<String>,
}

/// The demo's cohorts: those of the programme its lead owns (`?1` the
/// programme, `?2` the lead).
const DEMO_COHORTS: &str = "SELECT id FROM cohorts WHERE programme_id = ?1 AND owner_id = ?2";

impl Store {
    /// Removes programme `id` (the demo) and what was made for it: its
    /// teams, impacts, people, phases, pulse questions and answers, use of
    /// the tool, and the cohorts its lead owns in it with their learners,
    /// links, sandboxes, attempts, completions and queued statements.
    /// Others' cohorts put in it stay, taken out of it. Its lead's account
    /// goes too when it leads and owns nothing else. All or nothing.
    pub async fn remove_demo(&self, id: Uuid, lead: Uuid) -> Result<DemoRemoval> {
        let what = || format!("removing the demo programme {id}");
        let mut tx = self.pool.begin().await.context(what)?;
        let (p, l) = (id.to_string(), lead.to_string());
        let name: String = sqlx::query_scalar("SELECT name FROM programmes WHERE id = ?")
            .bind(&p)
            .fetch_one(&mut *tx)
            .await
            .context(what)?;
        let mut removed = DemoRemoval {
            programme: name,
            ..DemoRemoval::default()
        };
        // Each statement: where its count goes (if counted), and the SQL,
        // with ?1 the programme and ?2 its lead. In an order foreign keys
        // allow: what points at a row goes before it.
        let sandboxes = format!("SELECT id FROM sandboxes WHERE cohort_id IN ({DEMO_COHORTS})");
        let learners = format!("SELECT id FROM learners WHERE cohort_id IN ({DEMO_COHORTS})");
        let teams = "SELECT id FROM teams WHERE programme_id = ?1";
        let steps: Vec<(Option<&mut u64>, String)> = vec![
            (
                Some(&mut removed.pulse_answers),
                format!(
                    "DELETE FROM pulse_answers WHERE question_id IN
                       (SELECT id FROM pulse_questions WHERE programme_id = ?1)
                     OR learner_id IN ({learners})"
                ),
            ),
            (
                Some(&mut removed.pulse_questions),
                "DELETE FROM pulse_questions WHERE programme_id = ?1".into(),
            ),
            (
                Some(&mut removed.usage_weeks),
                format!("DELETE FROM team_usage WHERE team_id IN ({teams})"),
            ),
            (
                Some(&mut removed.completions),
                format!("DELETE FROM completions WHERE sandbox_id IN ({sandboxes})"),
            ),
            (
                None,
                format!("DELETE FROM recordings WHERE sandbox_id IN ({sandboxes})"),
            ),
            (
                None,
                format!("DELETE FROM learner_exercises WHERE learner_id IN ({learners})"),
            ),
            // What its learners left for each other, and what was left on it.
            (
                None,
                format!(
                    "DELETE FROM tip_votes WHERE learner_id IN ({learners})
                     OR tip_id IN (SELECT id FROM tips WHERE learner_id IN ({learners}))"
                ),
            ),
            (
                None,
                format!(
                    "DELETE FROM tip_answers WHERE learner_id IN ({learners})
                     OR tip_id IN (SELECT id FROM tips WHERE learner_id IN ({learners}))"
                ),
            ),
            (
                None,
                format!("DELETE FROM tips WHERE learner_id IN ({learners})"),
            ),
            (
                None,
                format!(
                    "DELETE FROM help_sessions WHERE learner_id IN ({learners})
                     OR helper_learner_id IN ({learners})"
                ),
            ),
            (
                None,
                format!("DELETE FROM help_requests WHERE learner_id IN ({learners})"),
            ),
            (
                None,
                format!(
                    "DELETE FROM ambassadors WHERE learner_id IN ({learners})
                     OR cohort_id IN ({DEMO_COHORTS}) OR team_id IN ({teams})"
                ),
            ),
            (
                Some(&mut removed.ratings),
                format!("DELETE FROM exercise_ratings WHERE learner_id IN ({learners})"),
            ),
            (
                None,
                format!("DELETE FROM learner_failures WHERE learner_id IN ({learners})"),
            ),
            (
                None,
                "DELETE FROM check_outputs
                 WHERE id NOT IN (SELECT output_id FROM learner_failures)"
                    .into(),
            ),
            (
                Some(&mut removed.attempts),
                format!("DELETE FROM attempts WHERE sandbox_id IN ({sandboxes})"),
            ),
            (
                None,
                format!(
                    "DELETE FROM refresher_invites WHERE learner_id IN ({learners})
                     OR refresher_id IN (SELECT id FROM refreshers WHERE programme_id = ?1)"
                ),
            ),
            (
                None,
                "DELETE FROM refreshers WHERE programme_id = ?1".into(),
            ),
            (
                None,
                format!(
                    "DELETE FROM links WHERE cohort_id IN ({DEMO_COHORTS})
                     OR learner_id IN ({learners}) OR sandbox_id IN ({sandboxes})"
                ),
            ),
            (
                Some(&mut removed.sandboxes),
                format!("DELETE FROM sandboxes WHERE cohort_id IN ({DEMO_COHORTS})"),
            ),
            (
                None,
                format!("DELETE FROM xapi_outbox WHERE cohort_id IN ({DEMO_COHORTS})"),
            ),
            (
                None,
                format!("DELETE FROM teardown_reports WHERE cohort_id IN ({DEMO_COHORTS})"),
            ),
            (
                Some(&mut removed.learners),
                format!("DELETE FROM learners WHERE cohort_id IN ({DEMO_COHORTS})"),
            ),
            (
                Some(&mut removed.cohorts),
                "DELETE FROM cohorts WHERE programme_id = ?1 AND owner_id = ?2".into(),
            ),
            // Learners of other cohorts matched to the demo's people are
            // unmatched; other cohorts in the programme are taken out.
            (
                None,
                "UPDATE learners SET person_id = NULL WHERE person_id IN
                   (SELECT id FROM people WHERE programme_id = ?1)"
                    .into(),
            ),
            (
                Some(&mut removed.detached_cohorts),
                "UPDATE cohorts SET programme_id = NULL, phase = NULL WHERE programme_id = ?1"
                    .into(),
            ),
            (
                None,
                format!("DELETE FROM team_impacts WHERE team_id IN ({teams})"),
            ),
            (
                Some(&mut removed.people),
                "DELETE FROM people WHERE programme_id = ?1".into(),
            ),
            (
                Some(&mut removed.teams),
                "DELETE FROM teams WHERE programme_id = ?1".into(),
            ),
            (
                None,
                "DELETE FROM programme_scenarios WHERE programme_id = ?1".into(),
            ),
            (
                None,
                "DELETE FROM programme_phases WHERE programme_id = ?1".into(),
            ),
            (None, "DELETE FROM programmes WHERE id = ?1".into()),
        ];
        for (count, sql) in steps {
            // Every statement is one of those written above, never input.
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone())).bind(&p);
            if sql.contains("?2") {
                query = query.bind(&l);
            }
            let done = query.execute(&mut *tx).await.context(what)?;
            if let Some(count) = count {
                *count = done.rows_affected();
            }
        }
        // The lead's account, unless it still leads or owns something.
        let busy: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM cohorts WHERE owner_id = ?1)
                 OR EXISTS (SELECT 1 FROM programmes WHERE lead_id = ?1)",
        )
        .bind(&l)
        .fetch_one(&mut *tx)
        .await
        .context(what)?;
        if !busy {
            let account: Option<String> = sqlx::query_scalar("SELECT name FROM users WHERE id = ?")
                .bind(&l)
                .fetch_optional(&mut *tx)
                .await
                .context(what)?;
            for sql in [
                "DELETE FROM sessions WHERE user_id = ?",
                "DELETE FROM api_tokens WHERE user_id = ?",
                "DELETE FROM users WHERE id = ?",
            ] {
                sqlx::query(sql)
                    .bind(&l)
                    .execute(&mut *tx)
                    .await
                    .context(what)?;
            }
            removed.account = account;
        }
        tx.commit().await.context(what)?;
        Ok(removed)
    }
}
