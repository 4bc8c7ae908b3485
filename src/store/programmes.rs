//! Change programmes: their phases, scenarios and impact study (teams,
//! impacts, people), the cohorts serving them, the real tool's use per team,
//! and the rows the reach indicator is counted from.

use chrono::{DateTime, NaiveDate, Utc};
use uuid::Uuid;

use super::packed::unpack;
use super::{Context, DbUuid, Result, Store, StoreError, now};
use crate::timezone::TimeZone;

/// A programme as stored.
#[derive(Debug, Clone, serde::Serialize, sqlx::FromRow)]
pub struct ProgrammeRecord {
    #[sqlx(try_from = "String")]
    pub id: DbUuid,
    pub name: String,
    pub summary: String,
    #[sqlx(try_from = "String")]
    pub lead_id: DbUuid,
    /// The lead's account name.
    pub lead_name: String,
    #[sqlx(try_from = "String")]
    pub time_zone: TimeZone,
    /// The phase it is in now.
    pub phase: String,
    pub created_at: DateTime<Utc>,
    /// Loaded by `sandpit demo`: made-up records, to be removed.
    pub demo: bool,
}

/// A phase's planned and actual dates.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct PhaseDates {
    pub phase: String,
    pub planned_start: Option<NaiveDate>,
    pub planned_end: Option<NaiveDate>,
    pub actual_start: Option<NaiveDate>,
    pub actual_end: Option<NaiveDate>,
}

/// What creating a programme takes.
pub struct NewProgramme<'a> {
    pub name: &'a str,
    pub summary: &'a str,
    pub lead: Uuid,
    pub time_zone: TimeZone,
    /// The planned dates of each phase given.
    pub phases: &'a [PhaseDates],
    /// The scenarios serving it, each with its phase.
    pub scenarios: &'a [(String, String)],
    /// Made up by `sandpit demo` (there is at most one such programme).
    pub demo: bool,
}

/// A team of a programme's impact study.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct TeamRecord {
    #[sqlx(try_from = "String")]
    pub id: DbUuid,
    pub name: String,
    pub kind: String,
    pub site: Option<String>,
    pub headcount: i64,
    pub maturity: i64,
    /// How many people of it are known by name.
    pub people: i64,
}

/// A team as imported.
pub struct NewTeam<'a> {
    pub name: &'a str,
    pub kind: &'a str,
    pub site: Option<&'a str>,
    pub headcount: u32,
    pub maturity: u8,
}

/// A person as imported: their team by name.
pub struct NewPerson<'a> {
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub team: &'a str,
}

/// What an import changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportCounts {
    pub added: u64,
    pub updated: u64,
}

/// One scenario's impact on one team.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct ImpactRecord {
    #[sqlx(try_from = "String")]
    pub team_id: DbUuid,
    pub scenario_id: String,
    pub impact: String,
    pub required: bool,
    pub due_on: Option<NaiveDate>,
}

/// A person, and how far they went in the programme's cohorts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonProgress {
    pub id: DbUuid,
    pub team_id: DbUuid,
    /// On the roster of one of the programme's cohorts.
    pub invited: bool,
    /// Opened their sandbox in one of them.
    pub started: bool,
}

/// How many exercises of a scenario a person completed (in any of their
/// sandboxes of the programme's cohorts), and when the last of them was
/// first passed: when they had done them all, if they have.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PersonScenario {
    #[sqlx(try_from = "String")]
    pub person_id: DbUuid,
    pub scenario_id: String,
    pub completed: i64,
    pub last: DateTime<Utc>,
}

/// Active users of the real tool in a team, one week.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, sqlx::FromRow)]
pub struct UsageRecord {
    #[sqlx(try_from = "String")]
    pub team_id: DbUuid,
    pub week: NaiveDate,
    pub active_users: i64,
}

const PROGRAMME_SELECT: &str = "SELECT p.id, p.name, p.summary, p.lead_id, u.name AS lead_name,
        p.time_zone, p.phase, p.created_at, p.demo
     FROM programmes p JOIN users u ON u.id = p.lead_id";

/// A unique index's violation as "there is already …", else the SQL error.
fn unique_or(
    what: impl Fn() -> String,
    taken: impl FnOnce() -> String,
) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Duplicate(taken()),
        _ => StoreError::Sql {
            context: what(),
            source: e,
        },
    }
}

impl Store {
    /// Stores a programme in its first phase, with its phases' planned
    /// dates and its scenarios, all or nothing.
    pub async fn insert_programme(&self, new: NewProgramme<'_>) -> Result<ProgrammeRecord> {
        let id = Uuid::new_v4();
        let what = || format!("creating programme {}", new.name);
        let mut tx = self.pool.begin().await.context(what)?;
        sqlx::query(
            "INSERT INTO programmes (id, name, summary, lead_id, time_zone, created_at, demo)
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(id.to_string())
        .bind(new.name)
        .bind(new.summary)
        .bind(new.lead.to_string())
        .bind(new.time_zone.name())
        .bind(now())
        .bind(new.demo)
        .execute(&mut *tx)
        .await
        .map_err(unique_or(what, || {
            if new.demo {
                "a demo programme".to_owned()
            } else {
                format!("a programme named `{}`", new.name)
            }
        }))?;
        for p in new.phases {
            sqlx::query(
                "INSERT INTO programme_phases (programme_id, phase, planned_start, planned_end)
                 VALUES (?, ?, ?, ?)",
            )
            .bind(id.to_string())
            .bind(&p.phase)
            .bind(p.planned_start)
            .bind(p.planned_end)
            .execute(&mut *tx)
            .await
            .context(what)?;
        }
        for (scenario, phase) in new.scenarios {
            sqlx::query(
                "INSERT INTO programme_scenarios (programme_id, scenario_id, phase) VALUES (?, ?, ?)",
            )
            .bind(id.to_string())
            .bind(scenario)
            .bind(phase)
            .execute(&mut *tx)
            .await
            .map_err(unique_or(what, || format!("scenario `{scenario}` twice in the programme")))?;
        }
        tx.commit().await.context(what)?;
        self.programme(id)
            .await?
            .ok_or(StoreError::UnknownProgramme(id))
    }

    pub async fn programme(&self, id: Uuid) -> Result<Option<ProgrammeRecord>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{PROGRAMME_SELECT} WHERE p.id = ?"
        )))
        .bind(id.to_string())
        .fetch_optional(&self.pool)
        .await
        .context(|| format!("reading programme {id}"))
    }

    /// The programme `sandpit demo` loaded, if one is loaded.
    pub async fn demo_programme(&self) -> Result<Option<ProgrammeRecord>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{PROGRAMME_SELECT} WHERE p.demo = 1"
        )))
        .fetch_optional(&self.pool)
        .await
        .context(|| "looking for the demo programme".into())
    }

    /// Every programme, by name.
    pub async fn programmes(&self) -> Result<Vec<ProgrammeRecord>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{PROGRAMME_SELECT} ORDER BY p.name COLLATE NOCASE"
        )))
        .fetch_all(&self.pool)
        .await
        .context(|| "listing programmes".into())
    }

    /// The cohorts serving a programme, by start.
    pub async fn cohorts_of_programme(&self, id: Uuid) -> Result<Vec<super::Cohort>> {
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{} WHERE c.programme_id = ? ORDER BY c.starts_at, c.name",
            super::cohorts::COHORT_SELECT
        )))
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing programme {id}'s cohorts"))
    }

    /// A programme's phases with their dates, in Kotter's order.
    pub async fn programme_phases(&self, id: Uuid) -> Result<Vec<PhaseDates>> {
        sqlx::query_as(
            "SELECT phase, planned_start, planned_end, actual_start, actual_end
             FROM programme_phases WHERE programme_id = ?
             ORDER BY CASE phase WHEN 'prepare' THEN 1 WHEN 'engage' THEN 2
                                 WHEN 'realise' THEN 3 ELSE 4 END",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading programme {id}'s phases"))
    }

    /// A programme's scenarios with their phases.
    pub async fn programme_scenarios(&self, id: Uuid) -> Result<Vec<(String, String)>> {
        sqlx::query_as(
            "SELECT scenario_id, phase FROM programme_scenarios WHERE programme_id = ? ORDER BY scenario_id",
        )
        .bind(id.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading programme {id}'s scenarios"))
    }

    /// Moves a programme into `phase` on `today`: the phase it leaves ends
    /// then, the one it enters starts then (each kept if already set).
    pub async fn enter_phase(&self, id: Uuid, phase: &str, today: NaiveDate) -> Result<()> {
        let what = || format!("moving programme {id} into {phase}");
        let mut tx = self.pool.begin().await.context(what)?;
        let current: Option<(String,)> =
            sqlx::query_as("SELECT phase FROM programmes WHERE id = ?")
                .bind(id.to_string())
                .fetch_optional(&mut *tx)
                .await
                .context(what)?;
        let Some((current,)) = current else {
            return Err(StoreError::UnknownProgramme(id));
        };
        for (p, column) in [(current.as_str(), "actual_end"), (phase, "actual_start")] {
            if p == phase && column == "actual_end" {
                continue;
            }
            // `column` is one of two names written here, never input.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO programme_phases (programme_id, phase, {column}) VALUES (?1, ?2, ?3)
                 ON CONFLICT (programme_id, phase) DO UPDATE SET {column} = COALESCE({column}, ?3)"
            )))
            .bind(id.to_string())
            .bind(p)
            .bind(today)
            .execute(&mut *tx)
            .await
            .context(what)?;
        }
        sqlx::query("UPDATE programmes SET phase = ? WHERE id = ?")
            .bind(phase)
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .context(what)?;
        tx.commit().await.context(what)
    }

    /// Adds the teams not there yet and updates those that are (by name,
    /// letter case aside), all or nothing.
    pub async fn import_teams(
        &self,
        programme: Uuid,
        teams: &[NewTeam<'_>],
    ) -> Result<ImportCounts> {
        let what = || format!("importing teams into programme {programme}");
        let mut tx = self.pool.begin().await.context(what)?;
        let mut counts = ImportCounts::default();
        for t in teams {
            let updated = sqlx::query(
                "UPDATE teams SET name = ?, kind = ?, site = ?, headcount = ?, maturity = ?
                 WHERE programme_id = ? AND name = ? COLLATE NOCASE",
            )
            .bind(t.name)
            .bind(t.kind)
            .bind(t.site)
            .bind(i64::from(t.headcount))
            .bind(i64::from(t.maturity))
            .bind(programme.to_string())
            .bind(t.name)
            .execute(&mut *tx)
            .await
            .context(what)?
            .rows_affected();
            if updated > 0 {
                counts.updated += 1;
                continue;
            }
            sqlx::query(
                "INSERT INTO teams (id, programme_id, name, kind, site, headcount, maturity, created_at)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(Uuid::new_v4().to_string())
            .bind(programme.to_string())
            .bind(t.name)
            .bind(t.kind)
            .bind(t.site)
            .bind(i64::from(t.headcount))
            .bind(i64::from(t.maturity))
            .bind(now())
            .execute(&mut *tx)
            .await
            .context(what)?;
            counts.added += 1;
        }
        tx.commit().await.context(what)?;
        Ok(counts)
    }

    /// A programme's teams, by name.
    pub async fn teams(&self, programme: Uuid) -> Result<Vec<TeamRecord>> {
        sqlx::query_as(
            "SELECT t.id, t.name, t.kind, t.site, t.headcount, t.maturity,
                    (SELECT COUNT(*) FROM people p WHERE p.team_id = t.id) AS people
             FROM teams t WHERE t.programme_id = ? ORDER BY t.name COLLATE NOCASE",
        )
        .bind(programme.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("listing programme {programme}'s teams"))
    }

    /// Replaces a team's impacts with `impacts`, all or nothing.
    pub async fn set_impacts(&self, team: Uuid, impacts: &[ImpactRecord]) -> Result<()> {
        let what = || format!("setting team {team}'s impacts");
        let mut tx = self.pool.begin().await.context(what)?;
        sqlx::query("DELETE FROM team_impacts WHERE team_id = ?")
            .bind(team.to_string())
            .execute(&mut *tx)
            .await
            .context(what)?;
        for i in impacts {
            sqlx::query(
                "INSERT INTO team_impacts (team_id, scenario_id, impact, required, due_on)
                 VALUES (?, ?, ?, ?, ?)",
            )
            .bind(team.to_string())
            .bind(&i.scenario_id)
            .bind(&i.impact)
            .bind(i.required)
            .bind(i.due_on)
            .execute(&mut *tx)
            .await
            .map_err(unique_or(what, || {
                format!("scenario `{}` twice for the team", i.scenario_id)
            }))?;
        }
        tx.commit().await.context(what)
    }

    /// Every impact of a programme's teams.
    pub async fn impacts(&self, programme: Uuid) -> Result<Vec<ImpactRecord>> {
        sqlx::query_as(
            "SELECT i.team_id, i.scenario_id, i.impact, i.required, i.due_on
             FROM team_impacts i JOIN teams t ON t.id = i.team_id
             WHERE t.programme_id = ? ORDER BY t.name COLLATE NOCASE, i.scenario_id",
        )
        .bind(programme.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading programme {programme}'s impacts"))
    }

    /// Adds people, or updates those known by their e-mail address (their
    /// name and team), all or nothing; then matches the programme's
    /// cohorts' learners to them.
    pub async fn import_people(
        &self,
        programme: Uuid,
        people: &[NewPerson<'_>],
    ) -> Result<ImportCounts> {
        let what = || format!("importing people into programme {programme}");
        let mut tx = self.pool.begin().await.context(what)?;
        let mut counts = ImportCounts::default();
        for p in people {
            let team: Option<(String,)> = sqlx::query_as(
                "SELECT id FROM teams WHERE programme_id = ? AND name = ? COLLATE NOCASE",
            )
            .bind(programme.to_string())
            .bind(p.team)
            .fetch_optional(&mut *tx)
            .await
            .context(what)?;
            let Some((team,)) = team else {
                return Err(StoreError::UnknownTeam(p.team.to_owned()));
            };
            if let Some(email) = p.email {
                let updated = sqlx::query(
                    "UPDATE people SET name = ?, team_id = ?
                     WHERE programme_id = ? AND email = ? COLLATE NOCASE",
                )
                .bind(p.name)
                .bind(&team)
                .bind(programme.to_string())
                .bind(email)
                .execute(&mut *tx)
                .await
                .context(what)?
                .rows_affected();
                if updated > 0 {
                    counts.updated += 1;
                    continue;
                }
            }
            sqlx::query(
                "INSERT INTO people (id, programme_id, team_id, name, email, created_at)
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(Uuid::new_v4().to_string())
            .bind(programme.to_string())
            .bind(&team)
            .bind(p.name)
            .bind(p.email)
            .bind(now())
            .execute(&mut *tx)
            .await
            .context(what)?;
            counts.added += 1;
        }
        match_learners(&mut tx, programme).await.context(what)?;
        tx.commit().await.context(what)?;
        Ok(counts)
    }

    /// Puts a cohort in a programme's phase, and matches its learners to
    /// the programme's people.
    pub async fn attach_cohort(&self, cohort: Uuid, programme: Uuid, phase: &str) -> Result<()> {
        let what = || format!("putting cohort {cohort} in programme {programme}");
        let mut tx = self.pool.begin().await.context(what)?;
        let changed = sqlx::query("UPDATE cohorts SET programme_id = ?, phase = ? WHERE id = ?")
            .bind(programme.to_string())
            .bind(phase)
            .bind(cohort.to_string())
            .execute(&mut *tx)
            .await
            .context(what)?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::UnknownCohort(cohort));
        }
        match_learners(&mut tx, programme).await.context(what)?;
        tx.commit().await.context(what)
    }

    /// The programme's people and how far each went, in its cohorts of
    /// `phase` (all of them when None).
    pub async fn person_progress(
        &self,
        programme: Uuid,
        phase: Option<&str>,
    ) -> Result<Vec<PersonProgress>> {
        // Thousands of people: packed (see `packed`).
        let people: String = sqlx::query_scalar(
            "SELECT json_group_array(json_array(p.id, p.team_id,
                EXISTS (SELECT 1 FROM learners l JOIN cohorts c ON c.id = l.cohort_id
                        WHERE l.person_id = p.id AND c.programme_id = ?1
                          AND (?2 IS NULL OR c.phase = ?2)),
                EXISTS (SELECT 1 FROM learners l JOIN cohorts c ON c.id = l.cohort_id
                        JOIN sandboxes s ON s.learner_id = l.id
                        WHERE l.person_id = p.id AND c.programme_id = ?1
                          AND (?2 IS NULL OR c.phase = ?2)
                          AND s.claimed_at IS NOT NULL)))
             FROM people p WHERE p.programme_id = ?1",
        )
        .bind(programme.to_string())
        .bind(phase)
        .fetch_one(&self.pool)
        .await
        .context(|| format!("reading programme {programme}'s people"))?;
        let people: Vec<(Uuid, Uuid, u8, u8)> = unpack(&people, || {
            format!("reading programme {programme}'s people")
        })?;
        Ok(people
            .into_iter()
            .map(|(id, team_id, invited, started)| PersonProgress {
                id: DbUuid(id),
                team_id: DbUuid(team_id),
                invited: invited == 1,
                started: started == 1,
            })
            .collect())
    }

    /// Per person and scenario, the exercises they completed in the
    /// programme's cohorts of `phase` (all of them when None).
    pub async fn person_scenarios(
        &self,
        programme: Uuid,
        phase: Option<&str>,
    ) -> Result<Vec<PersonScenario>> {
        sqlx::query_as(
            "SELECT l.person_id, c.scenario_id, COUNT(DISTINCT le.exercise_id) AS completed,
                    MAX(le.passed_at) AS last
             FROM cohorts c
             JOIN learners l ON l.cohort_id = c.id
             JOIN learner_exercises le ON le.learner_id = l.id
             WHERE c.programme_id = ?1 AND l.person_id IS NOT NULL
               AND le.pass_number IS NOT NULL
               AND (?2 IS NULL OR c.phase = ?2)
             GROUP BY l.person_id, c.scenario_id",
        )
        .bind(programme.to_string())
        .bind(phase)
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading programme {programme}'s completions"))
    }

    /// Records active users of the real tool per team and week (a week
    /// given again replaces its figure), all or nothing.
    pub async fn record_usage(&self, usage: &[UsageRecord]) -> Result<()> {
        let what = || "recording the tool's use".to_owned();
        let mut tx = self.pool.begin().await.context(what)?;
        for u in usage {
            sqlx::query(
                "INSERT INTO team_usage (team_id, week, active_users, recorded_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (team_id, week) DO UPDATE SET active_users = ?3, recorded_at = ?4",
            )
            .bind(u.team_id.to_string())
            .bind(u.week)
            .bind(u.active_users)
            .bind(now())
            .execute(&mut *tx)
            .await
            .context(what)?;
        }
        tx.commit().await.context(what)
    }

    /// A programme's recorded use of the real tool, by team and week.
    pub async fn usage(&self, programme: Uuid) -> Result<Vec<UsageRecord>> {
        sqlx::query_as(
            "SELECT u.team_id, u.week, u.active_users FROM team_usage u
             JOIN teams t ON t.id = u.team_id WHERE t.programme_id = ?
             ORDER BY t.name COLLATE NOCASE, u.week",
        )
        .bind(programme.to_string())
        .fetch_all(&self.pool)
        .await
        .context(|| format!("reading programme {programme}'s use of the tool"))
    }
}

/// Matches the learners of a programme's cohorts to its people: by e-mail
/// address; else, when the roster named one of its teams, as a new person
/// of that team.
async fn match_learners(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    programme: Uuid,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE learners SET person_id = (
             SELECT p.id FROM people p
             WHERE p.programme_id = ?1 AND p.email = learners.email COLLATE NOCASE)
         WHERE person_id IS NULL AND email IS NOT NULL
           AND cohort_id IN (SELECT id FROM cohorts WHERE programme_id = ?1)",
    )
    .bind(programme.to_string())
    .execute(&mut **tx)
    .await?;
    let unmatched: Vec<(String, String, Option<String>, String)> = sqlx::query_as(
        "SELECT l.id, l.name, l.email, t.id FROM learners l
         JOIN cohorts c ON c.id = l.cohort_id
         JOIN teams t ON t.programme_id = c.programme_id AND t.name = l.team COLLATE NOCASE
         WHERE c.programme_id = ? AND l.person_id IS NULL",
    )
    .bind(programme.to_string())
    .fetch_all(&mut **tx)
    .await?;
    for (learner, name, email, team) in unmatched {
        // The same person on two rosters: made once, matched twice.
        let known: Option<(String,)> = match &email {
            Some(email) => {
                sqlx::query_as(
                    "SELECT id FROM people WHERE programme_id = ? AND email = ? COLLATE NOCASE",
                )
                .bind(programme.to_string())
                .bind(email)
                .fetch_optional(&mut **tx)
                .await?
            }
            None => None,
        };
        if let Some((person,)) = known {
            sqlx::query("UPDATE learners SET person_id = ? WHERE id = ?")
                .bind(&person)
                .bind(&learner)
                .execute(&mut **tx)
                .await?;
            continue;
        }
        let person = Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO people (id, programme_id, team_id, name, email, created_at)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(&person)
        .bind(programme.to_string())
        .bind(&team)
        .bind(&name)
        .bind(&email)
        .bind(now())
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE learners SET person_id = ? WHERE id = ?")
            .bind(&person)
            .bind(&learner)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}
