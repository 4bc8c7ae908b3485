//! Pulse questions of a programme's phases, and learners' answers to them.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Context, DbUuid, Result, Store, StoreError, now};

/// A pulse question as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct PulseQuestion {
    #[sqlx(try_from = "String")]
    pub id: DbUuid,
    pub phase: String,
    /// `before` the first exercise, or `after` the last.
    pub moment: String,
    pub position: i64,
    pub text_en: Option<String>,
    pub text_fr: Option<String>,
}

/// The answers to one question from one team (or from learners in no
/// team): how many, and their scores added up. Never who answered.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PulseScores {
    #[sqlx(try_from = "String")]
    pub question_id: DbUuid,
    /// The answerers' team, when they are of the programme's people.
    pub team: Option<String>,
    pub answers: i64,
    pub total: i64,
}

/// A comment left with an answer, without its answerer or score.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PulseComment {
    #[sqlx(try_from = "String")]
    pub question_id: DbUuid,
    pub comment: String,
}

impl Store {
    /// Adds a question at the end of its phase's and moment's list.
    pub async fn add_pulse_question(
        &self,
        programme: Uuid,
        phase: &str,
        moment: &str,
        text_en: Option<&str>,
        text_fr: Option<&str>,
    ) -> Result<PulseQuestion> {
        let id = Uuid::new_v4();
        let what = || format!("adding a pulse question to programme {programme}");
        sqlx::query(
            "INSERT INTO pulse_questions (id, programme_id, phase, moment, position, text_en, text_fr, created_at)
             VALUES (?1, ?2, ?3, ?4,
                     (SELECT COALESCE(MAX(position), 0) + 1 FROM pulse_questions
                      WHERE programme_id = ?2 AND phase = ?3 AND moment = ?4),
                     ?5, ?6, ?7)",
        )
        .bind(id.to_string())
        .bind(programme.to_string())
        .bind(phase)
        .bind(moment)
        .bind(text_en)
        .bind(text_fr)
        .bind(now())
        .execute(&self.pool)
        .await
        .context(what)?;
        sqlx::query_as(
            "SELECT id, phase, moment, position, text_en, text_fr FROM pulse_questions WHERE id = ?",
        )
        .bind(id.to_string())
        .fetch_one(&self.pool)
        .await
        .context(what)
    }

    /// A programme's questions, by phase, moment and position.
    pub async fn pulse_questions(&self, programme: Uuid) -> Result<Vec<PulseQuestion>> {
        sqlx::query_as(
            "SELECT id, phase, moment, position, text_en, text_fr FROM pulse_questions
             WHERE programme_id = ?
             ORDER BY CASE phase WHEN 'prepare' THEN 1 WHEN 'engage' THEN 2
                                 WHEN 'realise' THEN 3 ELSE 4 END,
                      moment DESC, position",
        )
        .bind(programme.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading programme {programme}'s pulse questions"))
    }

    /// The questions a cohort learner is asked at `moment` (those of their
    /// cohort's programme and phase) that they have not answered yet.
    pub async fn pulse_due(&self, learner: Uuid, moment: &str) -> Result<Vec<PulseQuestion>> {
        sqlx::query_as(
            "SELECT q.id, q.phase, q.moment, q.position, q.text_en, q.text_fr
             FROM learners l JOIN cohorts c ON c.id = l.cohort_id
             JOIN pulse_questions q ON q.programme_id = c.programme_id AND q.phase = c.phase
             WHERE l.id = ?1 AND q.moment = ?2
               AND NOT EXISTS (SELECT 1 FROM pulse_answers a
                               WHERE a.question_id = q.id AND a.learner_id = l.id)
             ORDER BY q.position",
        )
        .bind(learner.to_string())
        .bind(moment)
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading learner {learner}'s pulse questions"))
    }

    /// Stores a learner's answers, all or nothing; a question answered
    /// already refuses the whole lot.
    pub async fn answer_pulse(
        &self,
        learner: Uuid,
        answers: &[(Uuid, u8, Option<String>)],
    ) -> Result<()> {
        let what = || format!("storing learner {learner}'s pulse answers");
        let mut tx = self.pool.begin().await.context(what)?;
        answer_pulse(&mut tx, learner, answers, now()).await?;
        tx.commit().await.context(what)
    }

    /// The answers to a programme's questions, counted and added up per
    /// question and team.
    pub async fn pulse_scores(&self, programme: Uuid) -> Result<Vec<PulseScores>> {
        sqlx::query_as(
            "SELECT a.question_id, t.name AS team, COUNT(*) AS answers, SUM(a.score) AS total
             FROM pulse_questions q
             JOIN pulse_answers a ON a.question_id = q.id
             JOIN learners l ON l.id = a.learner_id
             LEFT JOIN people p ON p.id = l.person_id
             LEFT JOIN teams t ON t.id = p.team_id
             WHERE q.programme_id = ?
             GROUP BY a.question_id, t.name",
        )
        .bind(programme.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading programme {programme}'s pulse answers"))
    }

    /// The comments left with the answers to a programme's questions, in
    /// the order of their text (never the order given: that could tell
    /// who wrote what).
    pub async fn pulse_comments(&self, programme: Uuid) -> Result<Vec<PulseComment>> {
        sqlx::query_as(
            "SELECT a.question_id, a.comment
             FROM pulse_questions q
             JOIN pulse_answers a ON a.question_id = q.id
             WHERE q.programme_id = ? AND a.comment IS NOT NULL
             ORDER BY a.comment",
        )
        .bind(programme.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading programme {programme}'s pulse comments"))
    }
}

/// [`Store::answer_pulse`] at `at`, inside `tx` (the caller commits).
pub(super) async fn answer_pulse(
    tx: &mut sqlx::SqliteConnection,
    learner: Uuid,
    answers: &[(Uuid, u8, Option<String>)],
    at: DateTime<Utc>,
) -> Result<()> {
    let what = || format!("storing learner {learner}'s pulse answers");
    for (question, score, comment) in answers {
        sqlx::query(
            "INSERT INTO pulse_answers (question_id, learner_id, score, comment, answered_at)
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(question.to_string())
        .bind(learner.to_string())
        .bind(i64::from(*score))
        .bind(comment)
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(|e| match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => {
                StoreError::Duplicate("an answer to this question".into())
            }
            _ => StoreError::Sql {
                context: what(),
                source: e,
            },
        })?;
    }
    Ok(())
}
