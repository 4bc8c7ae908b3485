//! The statements a cohort's records stand for. They are derived, never
//! stored as the truth: the same records always give the same statements,
//! with the same ids, so re-deriving and re-sending are harmless.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{
    Account, Activity, ActivityDefinition, ActivityType, Agent, AgentType, Context,
    ContextActivities, Ifi, Statement, StatementResult, VerbKind, iso8601_duration, language_map,
    text_map,
};
use crate::export::CohortRecords;
use crate::lang::Lang;
use crate::scenario::Scenario;
use crate::store::{CohortAttempt, Learner, Store, StoreError};

/// The namespace Sandpit's statement ids are made in (UUID v5).
const NAMESPACE: Uuid = Uuid::from_u128(0x0d44_9e37_b5a9_4ac5_a743_86cd_df55_280b);

/// ADL's activity types for a scenario and for one of its exercises.
const COURSE: &str = "http://adlnet.gov/expapi/activities/course";
const PERFORMANCE: &str = "http://adlnet.gov/expapi/activities/performance";

/// Sandpit's own activity type for a change programme (ADL's vocabulary has
/// none), and its context extensions; all under the server's public URL.
const PROGRAMME_TYPE: &str = "/xapi/activity-types/programme";
const TEAM_EXTENSION: &str = "/xapi/extensions/team";
const PHASE_EXTENSION: &str = "/xapi/extensions/phase";

/// The id of the statement of `kind` about `record`: the same every time.
pub fn statement_id(kind: VerbKind, record: &str) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("{}/{record}", kind.as_str()).as_bytes())
}

/// The record whose arrival made a statement true.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trigger {
    /// A learner's first claim of a sandbox.
    Claim(Uuid),
    /// An attempt (by its id).
    Attempt(i64),
}

/// A statement and what caused it.
#[derive(Debug, Clone)]
pub struct Derived {
    pub statement: Statement,
    pub trigger: Trigger,
}

/// Every statement of a cohort, read from the store, in time order.
pub async fn cohort_statements(
    store: &Store,
    cohort: crate::store::Cohort,
    scenario: Option<&Scenario>,
    public_url: &str,
) -> Result<Vec<Derived>, StoreError> {
    let records = CohortRecords::load(store, cohort).await?;
    Ok(derive(&records, scenario, public_url))
}

/// Every statement the records stand for, in time order:
/// - `launched` when a learner's link first claimed a sandbox;
/// - `attempted` at a learner's first check of an exercise;
/// - `passed` / `failed` for every check with that outcome (an `error` is
///   not the learner's doing), lasting from the previous check (or the
///   claim);
/// - `completed` when every exercise of the scenario is passed, lasting from
///   the claim to the last first pass.
///
/// When the cohort serves a programme, every statement's context groups it
/// under the programme and names the cohort's phase; a learner's team is
/// named whenever they have one.
pub fn derive(
    records: &CohortRecords,
    scenario: Option<&Scenario>,
    public_url: &str,
) -> Vec<Derived> {
    let build = Builder {
        records,
        scenario,
        public_url: public_url.trim_end_matches('/'),
    };
    let mut by_learner: HashMap<Uuid, Vec<&CohortAttempt>> = HashMap::new();
    for a in &records.attempts {
        if let Some(l) = records.learner_of(a) {
            by_learner.entry(*l.id).or_default().push(a);
        }
    }
    let mut out = Vec::new();
    for learner in &records.learners {
        let claimed = records.first_claims.get(&learner.id).copied();
        if let Some(at) = claimed {
            out.push(Derived {
                statement: build.statement(
                    learner,
                    VerbKind::Launched,
                    &learner.id.to_string(),
                    build.scenario_activity(true),
                    None,
                    None,
                    at,
                ),
                trigger: Trigger::Claim(*learner.id),
            });
        }
        let mut previous = claimed;
        let mut seen = HashSet::new();
        let mut passed = HashSet::new();
        let mut completed = false;
        for a in by_learner
            .get(&learner.id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            let exercise = a.exercise_id.as_str();
            let trigger = Trigger::Attempt(a.id);
            if seen.insert(exercise) {
                out.push(Derived {
                    statement: build.statement(
                        learner,
                        VerbKind::Attempted,
                        &format!("{}/{exercise}", learner.id),
                        build.exercise_activity(exercise),
                        Some(build.parent()),
                        None,
                        a.created_at,
                    ),
                    trigger,
                });
            }
            let duration = previous.map(|p| iso8601_duration(a.created_at - p));
            let verdict = match a.outcome.as_str() {
                "passed" => Some((VerbKind::Passed, true)),
                "failed" => Some((VerbKind::Failed, false)),
                _ => None,
            };
            if let Some((kind, success)) = verdict {
                out.push(Derived {
                    statement: build.statement(
                        learner,
                        kind,
                        &format!("{}/{}", a.sandbox_id, a.id),
                        build.exercise_activity(exercise),
                        Some(build.parent()),
                        Some(StatementResult {
                            success: Some(success),
                            completion: Some(success),
                            duration,
                        }),
                        a.created_at,
                    ),
                    trigger,
                });
            }
            previous = Some(a.created_at);
            if a.completion {
                passed.insert(exercise);
            }
            let all = scenario.is_some_and(|s| {
                !s.exercises.is_empty()
                    && s.exercises.iter().all(|e| passed.contains(e.id.as_str()))
            });
            if all && !completed {
                completed = true;
                out.push(Derived {
                    statement: build.statement(
                        learner,
                        VerbKind::Completed,
                        &learner.id.to_string(),
                        build.scenario_activity(true),
                        None,
                        Some(StatementResult {
                            success: Some(true),
                            completion: Some(true),
                            duration: claimed.map(|c| iso8601_duration(a.created_at - c)),
                        }),
                        a.created_at,
                    ),
                    trigger,
                });
            }
        }
    }
    // Stable: a learner's statements at the same instant keep their order.
    out.sort_by_key(|d| d.statement.timestamp);
    out
}

struct Builder<'a> {
    records: &'a CohortRecords,
    scenario: Option<&'a Scenario>,
    public_url: &'a str,
}

impl Builder<'_> {
    fn scenario_id(&self) -> &str {
        &self.records.cohort.scenario_id
    }

    fn scenario_activity(&self, described: bool) -> Activity {
        let id = format!("{}/xapi/scenarios/{}", self.public_url, self.scenario_id());
        let definition = described.then(|| ActivityDefinition {
            name: self.scenario.map_or_else(
                || language_map("en", self.scenario_id()),
                |s| text_map(&s.title),
            ),
            description: self.scenario.map(|s| text_map(&s.summary)),
            kind: COURSE.to_owned(),
        });
        Activity {
            object_type: ActivityType::Activity,
            id,
            definition,
        }
    }

    fn exercise_activity(&self, exercise: &str) -> Activity {
        let found = self
            .scenario
            .and_then(|s| s.exercises.iter().find(|e| e.id.as_str() == exercise));
        let name = match found {
            Some(e) => text_map(&e.title),
            None => language_map("en", exercise),
        };
        Activity {
            object_type: ActivityType::Activity,
            id: format!(
                "{}/xapi/scenarios/{}/exercises/{exercise}",
                self.public_url,
                self.scenario_id()
            ),
            definition: Some(ActivityDefinition {
                name,
                description: None,
                kind: PERFORMANCE.to_owned(),
            }),
        }
    }

    fn parent(&self) -> ContextActivities {
        ContextActivities {
            parent: Some(vec![self.scenario_activity(false)]),
            grouping: None,
        }
    }

    /// The programme the cohort serves, as an activity.
    fn programme_activity(&self) -> Option<Activity> {
        let programme = self.records.programme.as_ref()?;
        // A programme has one name, the same in every language.
        let name = Lang::ALL
            .iter()
            .map(|lang| (lang.code().to_owned(), programme.programme.clone()))
            .collect();
        Some(Activity {
            object_type: ActivityType::Activity,
            id: format!("{}/programmes/{}", self.public_url, programme.programme_id),
            definition: Some(ActivityDefinition {
                name,
                description: None,
                kind: format!("{}{PROGRAMME_TYPE}", self.public_url),
            }),
        })
    }

    /// The context's extensions: the learner's team, the cohort's phase.
    fn extensions(&self, learner: &Learner) -> Option<BTreeMap<String, serde_json::Value>> {
        let named = [
            (TEAM_EXTENSION, self.records.team_of(learner)),
            (PHASE_EXTENSION, self.records.phase()),
        ];
        let extensions: BTreeMap<_, _> = named
            .into_iter()
            .filter_map(|(iri, value)| {
                let value = serde_json::Value::String(value?.to_owned());
                Some((format!("{}{iri}", self.public_url), value))
            })
            .collect();
        (!extensions.is_empty()).then_some(extensions)
    }

    fn actor(&self, learner: &Learner) -> Agent {
        let ifi = match learner.email.as_deref().map(str::trim) {
            Some(email) if !email.is_empty() => Ifi::Mbox(format!("mailto:{email}")),
            _ => Ifi::Account(Account {
                home_page: self.public_url.to_owned(),
                name: learner.id.to_string(),
            }),
        };
        Agent {
            object_type: AgentType::Agent,
            name: Some(learner.name.clone()),
            ifi,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn statement(
        &self,
        learner: &Learner,
        kind: VerbKind,
        record: &str,
        object: Activity,
        context_activities: Option<ContextActivities>,
        result: Option<StatementResult>,
        at: DateTime<Utc>,
    ) -> Statement {
        let mut activities = context_activities.unwrap_or_default();
        activities.grouping = self.programme_activity().map(|p| vec![p]);
        let context_activities =
            (activities.parent.is_some() || activities.grouping.is_some()).then_some(activities);
        Statement {
            id: statement_id(kind, record),
            actor: self.actor(learner),
            verb: kind.verb(),
            object,
            result,
            context: Some(Context {
                registration: *self.records.cohort.id,
                context_activities,
                platform: "Sandpit".to_owned(),
                language: None,
                extensions: self.extensions(learner),
            }),
            timestamp: at,
        }
    }
}
