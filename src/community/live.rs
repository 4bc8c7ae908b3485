//! Live help: an ambassador (or a trainer) watches a peer's terminal, read
//! only, and types in it only while the peer lets them.
//!
//! - A helper starts a help session on a peer in their care (a learner of
//!   a cohort or team they are an ambassador of; for an account, also of
//!   the cohorts it owns, every cohort for an admin) whose sandbox is live.
//! - Each of the helper's connections to the peer's terminal holds a
//!   [`Watching`]; the last one to close ends the session, and a helper
//!   back within [`RESUME_WITHIN`] takes it up again.
//! - The peer sees who watches, and grants or revokes typing: the grant is
//!   kept in the store and in a [`watch`] channel every connection of the
//!   session reads on each keystroke, so a revocation stops the very next
//!   one.
//! - Every session is kept: who helped whom, when, how long, on which
//!   exercise, and the call for help it answered (see the indicators).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::Utc;
use serde::Serialize;
use tokio::sync::watch;
use uuid::Uuid;

use super::{Community, CommunityError};
use crate::store::{HelpSessionRecord, Helper, NewHelpSession, User};
use crate::sync::Locked;

/// A helper whose connection dropped and who comes back within this long
/// goes on with the same session.
pub const RESUME_WITHIN: chrono::TimeDelta = chrono::TimeDelta::minutes(2);
/// Connections one help session may have at once (a helper's tabs): the
/// learner's own terminal keeps room among the terminal's viewers.
pub const MAX_CONNECTIONS: usize = 3;

/// The live side of open help sessions: who is connected, and whether they
/// may type.
#[derive(Default)]
pub struct LiveHelp {
    sessions: Mutex<HashMap<Uuid, Live>>,
}

/// One open session, shared by its helper's connections.
struct Live {
    typing: watch::Sender<bool>,
    connections: usize,
}

/// A helper's connection to a peer's terminal: says whether they may type
/// now. Dropping it closes the connection's share of the session; the last
/// one ends the session.
pub struct Watching {
    pub session: HelpSessionRecord,
    typing: watch::Receiver<bool>,
    live: Arc<LiveHelp>,
    /// Who watches, to ask again whether they still may.
    community: Community,
    helper: Helper,
    account: Option<User>,
}

impl Watching {
    /// Whether the peer lets the helper type, this instant.
    pub fn may_type(&self) -> bool {
        *self.typing.borrow()
    }

    /// Resolves when the grant changes (or the session is forgotten).
    pub async fn changed(&mut self) -> bool {
        self.typing.changed().await.is_ok()
    }

    /// The helper is still there: the session's last sign of life moves
    /// on, if the helper still may watch (their role, the peer's care and
    /// sandbox are asked again); false when they may not any more.
    pub async fn seen(&self) -> bool {
        let id = *self.session.id;
        match self
            .community
            .help_session(self.helper, self.account.as_ref(), id)
            .await
        {
            Ok(_) => {}
            Err(CommunityError::Store(e)) => {
                tracing::debug!(error = %e, "asking whether a helper still may watch");
            }
            Err(_) => return false,
        }
        let since = Utc::now() - RESUME_WITHIN;
        if let Err(e) = self.community.store.resume_help_session(id, since).await {
            tracing::debug!(error = %e, "noting a help session alive");
        }
        true
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let id = *self.session.id;
        let last = {
            let mut sessions = self.live.sessions.locked();
            let last = sessions.get_mut(&id).is_none_or(|live| {
                live.connections = live.connections.saturating_sub(1);
                live.connections == 0
            });
            if last {
                sessions.remove(&id);
            }
            last
        };
        if last {
            let store = self.community.store.clone();
            tokio::spawn(async move {
                if let Err(e) = store.end_help_session(id).await {
                    tracing::warn!(session = %id, error = %e, "ending a help session");
                }
            });
        }
    }
}

/// Someone watching a learner's terminal, as the learner's page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Watcher {
    pub session: Uuid,
    pub name: String,
    /// Whether the learner lets them type.
    pub typing: bool,
    /// Whether they are connected now.
    pub connected: bool,
}

impl Community {
    /// The cohorts and teams in `helper`'s care, by id, and their names:
    /// their ambassador roles and, for an account, the cohorts it owns
    /// (every cohort for an admin).
    pub(super) async fn scope(
        &self,
        helper: Helper,
        account: Option<&User>,
    ) -> Result<(Vec<String>, Vec<Uuid>, Vec<Uuid>), CommunityError> {
        let roles = self.store.roles_of(helper).await?;
        let mut care: Vec<String> = roles.iter().map(|r| r.care_name.clone()).collect();
        let mut cohorts: Vec<Uuid> = roles
            .iter()
            .filter_map(|r| r.cohort_id.as_deref()?.parse().ok())
            .collect();
        let teams: Vec<Uuid> = roles
            .iter()
            .filter_map(|r| r.team_id.as_deref()?.parse().ok())
            .collect();
        if let Some(user) = account {
            let owned = self
                .store
                .cohorts((!user.is_admin()).then_some(user.id))
                .await?;
            for c in owned {
                if !cohorts.contains(&c.id) {
                    cohorts.push(*c.id);
                    care.push(c.name.clone());
                }
            }
        }
        Ok((care, cohorts, teams))
    }

    /// Starts (or goes back to) `helper`'s help session on `learner`, who
    /// must be in their care with a live sandbox: the session's id.
    pub async fn start_help(
        &self,
        helper: Helper,
        account: Option<&User>,
        learner: Uuid,
    ) -> Result<Uuid, CommunityError> {
        if helper == Helper::Learner(learner) {
            return Err(CommunityError::NotInCare);
        }
        let (_, cohorts, teams) = self.scope(helper, account).await?;
        let peer = self
            .store
            .peer(&cohorts, &teams, learner)
            .await?
            .ok_or(CommunityError::NotInCare)?;
        let open = self.store.open_help_sessions(learner).await?;
        for mine in open.iter().filter(|s| s.helper() == Some(helper)) {
            if mine.sandbox_id == peer.sandbox_id {
                return Ok(*mine.id);
            }
            // Their sandbox changed (a reset): that session is over.
            self.store.end_help_session(*mine.id).await?;
        }
        let exercise = match peer.request_exercise.clone() {
            Some(e) => Some(e),
            None => self.current_exercise(learner, &peer.scenario_id).await?,
        };
        Ok(self
            .store
            .start_help_session(NewHelpSession {
                learner,
                sandbox: *peer.sandbox_id,
                helper,
                request: peer.request_id.as_deref(),
                exercise: exercise.as_deref(),
            })
            .await?)
    }

    /// The first exercise of `scenario` that `learner` has not passed.
    async fn current_exercise(
        &self,
        learner: Uuid,
        scenario: &str,
    ) -> Result<Option<String>, CommunityError> {
        let passed = self.store.passed_exercises(learner).await?;
        Ok(self.scenarios.find(scenario).and_then(|s| {
            s.exercises
                .iter()
                .find(|e| !passed.iter().any(|p| p == e.id.as_str()))
                .map(|e| e.id.as_str().to_owned())
        }))
    }

    /// `helper`'s help session `id`, if it is theirs, open (or ended a
    /// moment ago) and its learner still in their care with a live sandbox.
    pub async fn help_session(
        &self,
        helper: Helper,
        account: Option<&User>,
        id: Uuid,
    ) -> Result<HelpSessionRecord, CommunityError> {
        let session = self
            .store
            .help_session(id)
            .await?
            .ok_or(CommunityError::NotFound)?;
        if session.helper() != Some(helper) {
            return Err(CommunityError::NotInCare);
        }
        if session
            .ended_at
            .is_some_and(|t| t < Utc::now() - RESUME_WITHIN)
        {
            return Err(CommunityError::Ended);
        }
        let (_, cohorts, teams) = self.scope(helper, account).await?;
        let peer = self
            .store
            .peer(&cohorts, &teams, *session.learner_id)
            .await?;
        match peer {
            Some(p) if p.sandbox_id == session.sandbox_id => Ok(session),
            Some(_) => Err(CommunityError::Ended),
            None => Err(CommunityError::NotInCare),
        }
    }

    /// A connection of `helper` to the terminal of their session `id`
    /// (checked as [`Self::help_session`]); the session is open while it
    /// lasts.
    pub async fn watch(
        &self,
        helper: Helper,
        account: Option<&User>,
        id: Uuid,
    ) -> Result<Watching, CommunityError> {
        self.help_session(helper, account, id).await?;
        if !self
            .store
            .resume_help_session(id, Utc::now() - RESUME_WITHIN)
            .await?
        {
            return Err(CommunityError::Ended);
        }
        // The grant as kept: a resumed session starts read-only.
        let session = self
            .store
            .help_session(id)
            .await?
            .ok_or(CommunityError::NotFound)?;
        let typing = {
            let mut sessions = self.live.sessions.locked();
            // A helper back after every connection closed starts read only
            // (whatever an end still being written says).
            let fresh = !sessions.contains_key(&id);
            let live = sessions.entry(id).or_insert_with(|| Live {
                typing: watch::Sender::new(false),
                connections: 0,
            });
            if live.connections >= MAX_CONNECTIONS {
                return Err(CommunityError::TooManyConnections);
            }
            live.connections += 1;
            (fresh, live.typing.subscribe())
        };
        let (fresh, typing) = typing;
        if fresh && session.typing {
            self.store.reset_help_typing(id).await?;
        }
        Ok(Watching {
            session,
            typing,
            live: self.live.clone(),
            community: self.clone(),
            helper,
            account: account.cloned(),
        })
    }

    /// `learner` lets the helper of their session `id` type, or stops
    /// them: at once, for every connection of that helper.
    pub async fn let_type(
        &self,
        learner: Uuid,
        id: Uuid,
        allow: bool,
    ) -> Result<(), CommunityError> {
        let theirs = self
            .store
            .help_session(id)
            .await?
            .is_some_and(|s| *s.learner_id == learner && s.ended_at.is_none());
        if !theirs {
            return Err(CommunityError::NotFound);
        }
        // Revoking takes effect before the store is written: no keystroke
        // gets through in between.
        if !allow {
            self.send_grant(id, false);
        }
        if !self.store.set_help_typing(id, learner, allow).await? {
            return Err(CommunityError::NotFound);
        }
        if allow {
            self.send_grant(id, true);
        }
        Ok(())
    }

    fn send_grant(&self, id: Uuid, allow: bool) {
        if let Some(live) = self.live.sessions.locked().get(&id) {
            live.typing.send_replace(allow);
        }
    }

    /// Who watches `learner`'s terminal (open help sessions), oldest first.
    pub async fn watchers(&self, learner: Uuid) -> Result<Vec<Watcher>, CommunityError> {
        let open = self.store.open_help_sessions(learner).await?;
        let sessions = self.live.sessions.locked();
        // Those connected now; a session started but never opened watches
        // nothing.
        Ok(open
            .into_iter()
            .filter(|s| sessions.contains_key(&s.id) || s.typing)
            .map(|s| Watcher {
                session: *s.id,
                connected: sessions.contains_key(&s.id),
                name: s.helper_name,
                typing: s.typing,
            })
            .collect())
    }

    /// Keeps the hash of the key to session `id`'s read-only view of the
    /// learner's tool (see `SandboxService::help_view_key`).
    pub async fn set_view_key(&self, id: Uuid, hash: &str) -> Result<(), CommunityError> {
        Ok(self.store.set_help_view_key(id, hash).await?)
    }

    /// The sandbox a view key shows, read only, while its session is open
    /// and the sandbox live.
    pub async fn viewed_sandbox(&self, hash: &str) -> Result<Option<Uuid>, CommunityError> {
        Ok(self.store.viewed_sandbox(hash).await?)
    }

    /// `ended` when the sandbox has ended, `failed` when it stopped
    /// working; None while it is live (what a helper's terminal says when
    /// its shell exits).
    pub async fn sandbox_gone(&self, sandbox: Uuid) -> Option<&'static str> {
        use crate::store::SandboxState as S;
        match self.store.sandbox(sandbox).await.map(|s| s.state) {
            Ok(S::Failed) => Some("failed"),
            Ok(S::Expired | S::Destroyed) => Some("ended"),
            _ => None,
        }
    }

    /// Ends the help sessions a stopped server left open (at start-up,
    /// when no helper can be connected): how many.
    pub async fn end_stale_help(&self) -> Result<u64, CommunityError> {
        Ok(self.store.end_stale_help_sessions().await?)
    }
}
