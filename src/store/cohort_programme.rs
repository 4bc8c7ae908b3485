//! The programme a cohort serves, as its exports and xAPI statements name
//! it: the programme, the cohort's phase in it, and the team of each
//! learner matched to one of its people. Read in one query per cohort.

use std::collections::HashMap;

use uuid::Uuid;

use super::{Context, DbUuid, Result, Store};

/// A cohort's programme, its phase, and its learners' teams.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CohortProgramme {
    pub programme_id: Uuid,
    pub programme: String,
    /// The programme is `sandpit demo`'s, made up: nothing of it goes to an LRS.
    pub demo: bool,
    /// The phase the cohort serves (prepare, engage, realise or anchor).
    pub phase: Option<String>,
    /// The team of each learner matched to a person, by learner id.
    pub teams: HashMap<Uuid, String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    #[sqlx(try_from = "String")]
    programme_id: DbUuid,
    programme: String,
    demo: bool,
    phase: Option<String>,
    learner_id: Option<String>,
    team: Option<String>,
}

impl Store {
    /// The programme `cohort` serves, if any, with its learners' teams.
    pub async fn cohort_programme(&self, cohort: Uuid) -> Result<Option<CohortProgramme>> {
        // One row per matched learner, or a single row (no learner) when
        // none is matched yet; no row when the cohort serves no programme.
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT p.id AS programme_id, p.name AS programme, p.demo, c.phase,
                    l.id AS learner_id, t.name AS team
             FROM cohorts c JOIN programmes p ON p.id = c.programme_id
             LEFT JOIN learners l ON l.cohort_id = c.id AND l.person_id IS NOT NULL
             LEFT JOIN people pe ON pe.id = l.person_id
             LEFT JOIN teams t ON t.id = pe.team_id
             WHERE c.id = ?",
        )
        .bind(cohort.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading the programme of cohort {cohort}"))?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let mut found = CohortProgramme {
            programme_id: *first.programme_id,
            programme: first.programme.clone(),
            demo: first.demo,
            phase: first.phase.clone(),
            teams: HashMap::new(),
        };
        for row in rows {
            let learner = row.learner_id.and_then(|l| Uuid::parse_str(&l).ok());
            if let (Some(learner), Some(team)) = (learner, row.team) {
                found.teams.insert(learner, team);
            }
        }
        Ok(Some(found))
    }
}
