//! Records made straight in the store, for export and xAPI tests that need
//! claims and attempts but no container: a trainer with an API token, a
//! cohort, a claimed sandbox record per learner, attempts.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use sandpit::app::App;
use sandpit::sandbox::CohortRequest;
use sandpit::sandbox::roster::RosterEntry;
use sandpit::store::{
    CheckRecord, Claim, Cohort, Learner, NewAttempt, NewSandbox, Outcome, Role, User,
};
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::common::server::{localhost, spawn_app};

/// A trainer (or admin) and an API token of theirs.
pub async fn account(app: &App, name: &str, role: Role) -> (User, String) {
    let (user, _password) = app.auth.create_user(name, role).await.unwrap();
    let (token, _) = app.auth.create_token(&user, "tests").await.unwrap();
    (user, token)
}

/// A roster line: name, email, team.
pub fn entry(name: &str, email: Option<&str>, team: Option<&str>) -> RosterEntry {
    RosterEntry {
        name: name.to_owned(),
        email: email.map(str::to_owned),
        team: team.map(str::to_owned),
    }
}

/// A cohort of `owner` on `scenario`, and its learners. It starts tomorrow,
/// so the server's pool tending does not launch it on its own.
pub async fn cohort(
    app: &App,
    owner: &User,
    scenario: &str,
    name: &str,
    roster: Vec<RosterEntry>,
) -> (Cohort, Vec<Learner>) {
    let scenario = app.scenario(scenario).unwrap().clone();
    let cohort = app
        .service
        .create_cohort(
            owner,
            &scenario,
            CohortRequest {
                name: name.to_owned(),
                starts_at: Utc::now() + chrono::TimeDelta::days(1),
                ends_at: Utc::now() + chrono::TimeDelta::days(2),
                roster,
                spare: 0,
                max_sandboxes: None,
                time_zone: sandpit::timezone::TimeZone::PARIS,
            },
        )
        .await
        .unwrap();
    let learners = app.store.learners(*cohort.id).await.unwrap();
    (cohort, learners)
}

/// What opening a learner's link records: a ready sandbox of the cohort
/// claimed for them. No engine object is made; [`retire`] marks it gone.
pub async fn claim(app: &App, cohort: &Cohort, learner: &Learner) -> Uuid {
    let id = Uuid::new_v4();
    let expires_at = Utc::now() + chrono::TimeDelta::hours(1);
    app.store
        .insert_sandbox(NewSandbox {
            id,
            scenario_id: &cohort.scenario_id,
            cohort_id: Some(&cohort.id.to_string()),
            learner: None,
            expires_at: Some(expires_at),
        })
        .await
        .unwrap();
    app.store.mark_ready(id).await.unwrap();
    let token_hash = app.service.learner_token(*learner.id).hash();
    let claimed = app
        .store
        .claim(Claim {
            token_hash: &token_hash,
            cohort: *cohort.id,
            learner_id: Some(*learner.id),
            learner_name: Some(&learner.name),
            expires_at,
            sandbox: Some(id),
        })
        .await
        .unwrap();
    assert_eq!(claimed, Some(id), "the learner's link claims the sandbox");
    id
}

/// Records a check as the service does after running it.
pub async fn attempt(
    app: &App,
    sandbox: Uuid,
    exercise: &str,
    outcome: Outcome,
    output: &str,
    detail: &str,
) -> CheckRecord {
    app.store
        .record_attempt(NewAttempt {
            sandbox_id: sandbox,
            learner: None,
            exercise_id: exercise,
            outcome,
            output,
            detail,
            duration: Duration::from_millis(120),
        })
        .await
        .unwrap()
}

/// Marks sandbox records made by [`claim`] destroyed.
pub async fn retire(app: &App, sandboxes: &[Uuid]) {
    for id in sandboxes {
        app.store.mark_destroyed(*id).await.unwrap();
    }
}

/// A Sandpit server on a data directory the test keeps, so it can be
/// stopped and started again on the same records.
pub struct Running {
    pub app: Arc<App>,
    stop: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    pub async fn start(app: App) -> Self {
        let spawned = spawn_app(Arc::new(app), localhost).await;
        Self {
            app: spawned.app,
            stop: spawned.stop,
            task: spawned.task,
        }
    }

    /// Stops serving and waits until the server (and its xAPI sender) has
    /// finished; the app stays usable for the test.
    pub async fn stop(self) -> Arc<App> {
        let _ = self.stop.send(());
        self.task.await.unwrap();
        self.app
    }
}

/// Opens Sandpit on `data` with the test fixtures and an LRS at `endpoint`.
pub async fn open(data: &Path, endpoint: Option<&str>) -> App {
    let mut config = crate::common::test_config(data, crate::common::fixture_scenarios());
    config.xapi_endpoint = endpoint.map(str::to_owned);
    config.xapi_username = Some("sandpit".into());
    config.xapi_password = Some(sandpit::config::Secret("s3cret".into()));
    let app = App::open(config).await.unwrap();
    crate::common::ensure_images(&app).await;
    app
}

/// Waits until `done` holds, polling; panics with `what` after `limit`.
pub async fn eventually<F, Fut>(limit: Duration, what: &str, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = std::time::Instant::now();
    loop {
        if done().await {
            return;
        }
        assert!(start.elapsed() < limit, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The e-mail address the programme helpers give `name`.
pub fn email_of(name: &str) -> String {
    format!("{}@ville.fr", name.replace(' ', ".").to_lowercase())
}

/// A programme "Adopting the wiki" of `lead`, in Paris time, with
/// `scenarios` in the realisation phase and `teams` (business teams, each
/// with its people, matched by [`email_of`]).
pub async fn programme(
    app: &App,
    lead: &User,
    scenarios: &[&str],
    teams: &[(&str, &[&str])],
) -> Uuid {
    use sandpit::programme::{CreateProgramme, PersonRow, ProgrammeScenario, TeamKind, TeamRow};
    let programmes = &app.programmes;
    let programme = programmes
        .create(
            lead,
            CreateProgramme {
                name: "Adopting the wiki".into(),
                summary: String::new(),
                time_zone: Some("Europe/Paris".into()),
                phases: vec![],
                scenarios: scenarios
                    .iter()
                    .map(|s| ProgrammeScenario {
                        scenario: (*s).into(),
                        phase: "realise".into(),
                    })
                    .collect(),
            },
        )
        .await
        .unwrap();
    let id = *programme.id;
    let rows: Vec<TeamRow> = teams
        .iter()
        .map(|(name, people)| TeamRow {
            name: (*name).into(),
            kind: TeamKind::Business,
            site: None,
            headcount: people.len() as u32 + 1,
            maturity: 3,
        })
        .collect();
    programmes.import_teams(lead, id, &rows).await.unwrap();
    let people: Vec<PersonRow> = teams
        .iter()
        .flat_map(|(team, people)| {
            people.iter().map(move |n| PersonRow {
                name: (*n).into(),
                email: Some(email_of(n)),
                team: (*team).into(),
            })
        })
        .collect();
    programmes.import_people(lead, id, &people).await.unwrap();
    id
}
