//! Ambassadors and calls for help. A trainer marks learners (or accounts)
//! as ambassadors of their cohorts; a change lead, of their programme's
//! teams. A learner asks for help on an exercise, with a message if they
//! like; their ambassadors' board lists the calls, then the peers who look
//! stuck (several failed checks on their current step, or idle on it),
//! each with their current step and their last failed check's output.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::{Community, CommunityError, Mistake};
use crate::store::{AmbassadorRecord, Care, Helper, PeerExercise, StoreError, User};

/// Longest message with a call for help, in characters.
pub const MAX_HELP_MESSAGE: usize = 500;
/// Failed checks on their current step after which a peer looks stuck.
pub const STUCK_FAILURES: i64 = 3;
/// Minutes without using their sandbox after which a peer looks stuck.
pub const STUCK_IDLE_MINUTES: i64 = 10;

/// Why a peer is on an ambassador's board.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Why {
    /// They asked for help.
    Asked,
    /// Their checks of their current step keep failing.
    Failing,
    /// They have not used their sandbox for a while.
    Idle,
}

/// A peer on an ambassador's board.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeerStatus {
    pub learner: Uuid,
    pub name: String,
    pub cohort: String,
    pub scenario: String,
    pub sandbox: Uuid,
    pub why: Why,
    /// The exercise they asked about, else the first they have not passed.
    pub exercise: Option<String>,
    pub message: Option<String>,
    pub asked_at: Option<DateTime<Utc>>,
    /// Failed checks of that exercise.
    pub failed_checks: i64,
    pub last_failed_output: Option<String>,
    /// Minutes since they last used their sandbox.
    pub idle_minutes: Option<i64>,
}

/// What an ambassador (or a trainer) sees: the calls for help first, then
/// the peers who look stuck.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Board {
    /// The cohorts and teams in their care, by name.
    pub care: Vec<String>,
    pub peers: Vec<PeerStatus>,
}

/// Who a trainer picked as an ambassador: one of the learners `care`
/// reaches (their id, as typed), or an account (its name); empty is none.
#[derive(Debug, Clone, Copy)]
pub struct Chosen<'a> {
    pub learner: &'a str,
    pub user: &'a str,
}

impl Community {
    /// The ambassador `chosen` names for `care`: a learner of the cohort
    /// (or of the team's programme's cohorts), or an account; exactly one.
    pub async fn chosen_helper(
        &self,
        chosen: Chosen<'_>,
        care: Care,
    ) -> Result<Helper, CommunityError> {
        let (learner, user) = (chosen.learner.trim(), chosen.user.trim());
        match (learner.is_empty(), user.is_empty()) {
            (false, true) => {
                let (within, of) = match care {
                    Care::Cohort(c) => (Some(c), format!("cohort {c}")),
                    Care::Team(t) => (
                        self.store.team_programme(t).await?.map(|(p, _)| p),
                        "the programme's cohorts".to_owned(),
                    ),
                };
                let of_it = match (Uuid::parse_str(learner), care) {
                    (Ok(l), Care::Cohort(_)) => {
                        self.store.cohort_of_learner(l).await?.map(|c| (l, c))
                    }
                    (Ok(l), Care::Team(_)) => {
                        self.store.programme_of_learner(l).await?.map(|p| (l, p))
                    }
                    (Err(_), _) => None,
                };
                match of_it {
                    Some((l, it)) if Some(it) == within => Ok(Helper::Learner(l)),
                    _ => Err(Mistake::NotALearner {
                        learner: learner.to_owned(),
                        of,
                    }
                    .into()),
                }
            }
            (true, false) => match self.store.user_by_name(user).await? {
                Some(u) => Ok(Helper::User(u.id)),
                None => Err(Mistake::NoAccount(user.to_owned()).into()),
            },
            _ => Err(Mistake::PickOne.into()),
        }
    }

    /// Makes a learner or an account an ambassador of a cohort (for its
    /// owner or an admin) or of a team (for its programme's lead or an
    /// admin).
    pub async fn add_ambassador(
        &self,
        by: &User,
        helper: Helper,
        care: Care,
    ) -> Result<Uuid, CommunityError> {
        self.may_care(by, care).await?;
        match helper {
            Helper::Learner(l) => {
                self.store
                    .cohort_of_learner(l)
                    .await?
                    .ok_or(CommunityError::NotFound)?;
            }
            Helper::User(u) => {
                self.store.user(u).await?.ok_or(CommunityError::NotFound)?;
            }
        }
        self.store
            .add_ambassador(helper, care, by.id)
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(_) => Mistake::AlreadyAmbassador.into(),
                e => e.into(),
            })
    }

    /// Ends an ambassador's role, for whoever could have given it.
    pub async fn remove_ambassador(&self, by: &User, id: Uuid) -> Result<(), CommunityError> {
        let a = self
            .store
            .ambassador(id)
            .await?
            .ok_or(CommunityError::NotFound)?;
        self.may_care(by, care_of(&a).ok_or(CommunityError::NotFound)?)
            .await?;
        self.store.remove_ambassador(id).await?;
        Ok(())
    }

    /// The ambassadors of a cohort `by` may see.
    pub async fn cohort_ambassadors(
        &self,
        by: &User,
        cohort: Uuid,
    ) -> Result<Vec<AmbassadorRecord>, CommunityError> {
        self.may_care(by, Care::Cohort(cohort)).await?;
        Ok(self.store.cohort_ambassadors(cohort).await?)
    }

    /// Opens `learner`'s call for help on an exercise of `scenario`.
    pub async fn ask_help(
        &self,
        learner: Uuid,
        sandbox: Uuid,
        scenario: &str,
        exercise: &str,
        message: Option<&str>,
    ) -> Result<Uuid, CommunityError> {
        let known = self
            .scenarios
            .find(scenario)
            .is_some_and(|s| s.exercises.iter().any(|e| e.id.as_str() == exercise));
        if !known {
            return Err(CommunityError::NotFound);
        }
        let message = message.map(str::trim).filter(|m| !m.is_empty());
        if message.is_some_and(|m| m.chars().count() > MAX_HELP_MESSAGE) {
            return Err(Mistake::MessageTooLong.into());
        }
        Ok(self
            .store
            .ask_help(learner, sandbox, exercise, message)
            .await?)
    }

    /// Whether `helper` is an ambassador of anything.
    pub async fn is_ambassador(&self, helper: Helper) -> Result<bool, CommunityError> {
        Ok(!self.store.roles_of(helper).await?.is_empty())
    }

    /// Closes `learner`'s call for help.
    pub async fn close_help(&self, learner: Uuid) -> Result<bool, CommunityError> {
        Ok(self.store.close_help(learner).await?)
    }

    /// `learner`'s open call for help: the exercise it is about.
    pub async fn open_help(&self, learner: Uuid) -> Result<Option<String>, CommunityError> {
        Ok(self.store.open_help(learner).await?.map(|(_, e)| e))
    }

    /// The board of `helper`: the peers of the cohorts and teams in their
    /// care (for an account, also the cohorts it owns; every cohort for an
    /// admin) who asked for help or look stuck, as of `now`.
    pub async fn board(
        &self,
        helper: Helper,
        account: Option<&User>,
        now: DateTime<Utc>,
    ) -> Result<Board, CommunityError> {
        let (mut care, cohorts, teams) = self.scope(helper, account).await?;
        let peers = self.store.peers(&cohorts, &teams).await?;
        let exercises = self.store.peer_exercises(&cohorts, &teams).await?;
        let mut tried: HashMap<(Uuid, &str), &PeerExercise> = HashMap::new();
        for e in &exercises {
            tried.insert((*e.learner_id, e.exercise_id.as_str()), e);
        }
        let mut out = Vec::new();
        for p in peers {
            // Theirs is a peer, not the helper themself.
            if helper == Helper::Learner(*p.learner_id) {
                continue;
            }
            let current = p.request_exercise.clone().or_else(|| {
                self.scenarios.find(&p.scenario_id).and_then(|s| {
                    s.exercises
                        .iter()
                        .find(|e| {
                            !tried
                                .get(&(*p.learner_id, e.id.as_str()))
                                .is_some_and(|t| t.passed)
                        })
                        .map(|e| e.id.as_str().to_owned())
                })
            });
            let on_it = current
                .as_deref()
                .and_then(|e| tried.get(&(*p.learner_id, e)).copied());
            let failed = on_it.map_or(0, |t| t.attempts - i64::from(t.passed));
            let last_used = [
                p.last_activity_at,
                p.claimed_at,
                on_it.map(|t| t.last_attempt_at),
            ]
            .into_iter()
            .flatten()
            .max();
            let idle = last_used.map(|t| (now - t).num_minutes().max(0));
            let why = if p.request_id.is_some() {
                Why::Asked
            } else if current.is_some() && failed >= STUCK_FAILURES {
                Why::Failing
            } else if current.is_some() && idle.is_some_and(|m| m >= STUCK_IDLE_MINUTES) {
                Why::Idle
            } else {
                continue;
            };
            out.push(PeerStatus {
                learner: *p.learner_id,
                name: p.name,
                cohort: p.cohort_name,
                scenario: p.scenario_id,
                sandbox: *p.sandbox_id,
                why,
                exercise: current,
                message: p.request_message,
                asked_at: p.requested_at,
                failed_checks: failed,
                last_failed_output: on_it.and_then(|t| t.last_failed_output.clone()),
                idle_minutes: idle,
            });
        }
        // Calls for help first (oldest first), then the others by name.
        out.sort_by(|a, b| {
            (a.why != Why::Asked, a.asked_at, &a.name).cmp(&(
                b.why != Why::Asked,
                b.asked_at,
                &b.name,
            ))
        });
        care.sort();
        care.dedup();
        Ok(Board { care, peers: out })
    }

    /// Whether `by` may give or take ambassador roles of `care`.
    async fn may_care(&self, by: &User, care: Care) -> Result<(), CommunityError> {
        if by.is_admin() {
            return Ok(());
        }
        let owner = match care {
            Care::Cohort(c) => {
                self.store
                    .cohort(c)
                    .await?
                    .ok_or(CommunityError::NotFound)?
                    .owner_id
                    .0
            }
            Care::Team(t) => {
                self.store
                    .team_programme(t)
                    .await?
                    .ok_or(CommunityError::NotFound)?
                    .1
            }
        };
        if owner == by.id {
            Ok(())
        } else {
            Err(CommunityError::NotFound)
        }
    }
}

fn care_of(a: &AmbassadorRecord) -> Option<Care> {
    match (a.cohort_id.as_deref(), a.team_id.as_deref()) {
        (Some(c), _) => c.parse().ok().map(Care::Cohort),
        (_, Some(t)) => t.parse().ok().map(Care::Team),
        _ => None,
    }
}
