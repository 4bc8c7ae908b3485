//! Refreshers from the learner's side: the invitation links of the
//! refreshers due to a learner (derived from the link key, as cohort links
//! are, and kept hashed once given), and a refresher's Start: a fresh
//! sandbox of the scenario, reached through a link of its own that opens
//! onto the one exercise.

use chrono::Utc;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

use super::{Owner, Result, SandboxError, SandboxService};
use crate::sandbox::LinkToken;
use crate::scenario::Scenario;
use crate::store::{DueRefresher, IndicatorScope, InviteRecord};

/// A token derived from the link key for `what` and `ids`.
fn derived(key: &[u8; 32], what: &[u8], ids: &[Uuid]) -> LinkToken {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_slice())
        .expect("HMAC takes keys of any length");
    mac.update(what);
    for id in ids {
        mac.update(id.as_bytes());
    }
    let digest = mac.finalize().into_bytes();
    let mut bytes = [0u8; 20];
    bytes.copy_from_slice(&digest[..20]);
    LinkToken::from_bytes(&bytes)
}

impl SandboxService {
    /// The invitation token of `learner` to `refresher`.
    pub fn refresher_token(&self, refresher: Uuid, learner: Uuid) -> LinkToken {
        derived(
            &self.link_key,
            b"sandpit refresher invitation\0",
            &[refresher, learner],
        )
    }

    /// The key of help session `session`'s read-only view of the learner's
    /// tool: a host name's label, as a link's web key is.
    pub fn help_view_key(&self, session: Uuid) -> LinkToken {
        derived(&self.link_key, b"sandpit help view\0", &[session])
    }

    /// The token of the sandbox link an invitation's Start makes.
    fn refresher_link_token(&self, invite: Uuid) -> LinkToken {
        derived(&self.link_key, b"sandpit refresher link\0", &[invite])
    }

    /// The refreshers due to `learner` now, each with its invitation's
    /// token (kept, hashed, from now on).
    pub async fn due_refreshers_of(&self, learner: Uuid) -> Result<Vec<(DueRefresher, LinkToken)>> {
        let due = self
            .store
            .due_refreshers(None, IndicatorScope::default(), Some(learner), Utc::now())
            .await?;
        self.invitations(due).await
    }

    /// The learners `refresher` is due to now, each with their invitation's
    /// token (kept from now on): for the trainer's export.
    pub async fn refresher_invitations(
        &self,
        programme: Uuid,
        refresher: Uuid,
    ) -> Result<Vec<(DueRefresher, LinkToken)>> {
        let due = self
            .store
            .due_refreshers(Some(programme), IndicatorScope::default(), None, Utc::now())
            .await?
            .into_iter()
            .filter(|d| *d.refresher_id == refresher)
            .collect();
        self.invitations(due).await
    }

    async fn invitations(&self, due: Vec<DueRefresher>) -> Result<Vec<(DueRefresher, LinkToken)>> {
        let mut out = Vec::with_capacity(due.len());
        for d in due {
            let token = self.refresher_token(*d.refresher_id, *d.learner_id);
            self.store
                .keep_invite(*d.refresher_id, *d.learner_id, &token.hash())
                .await?;
            out.push((d, token));
        }
        Ok(out)
    }

    /// The invitation `token` opens, if it was given.
    pub async fn invitation(&self, token: &LinkToken) -> Result<Option<InviteRecord>> {
        Ok(self.store.invite(&token.hash()).await?)
    }

    /// Starts a refresher: a fresh sandbox of `scenario` (within the
    /// server's cap) and a link that opens onto the invitation's exercise
    /// only; the link's token. Started already: the same link.
    pub async fn start_refresher(
        &self,
        invite: &InviteRecord,
        scenario: &Scenario,
    ) -> Result<LinkToken> {
        let token = self.refresher_link_token(*invite.id);
        let hash = token.hash();
        if !self.store.start_invite(*invite.id, &hash).await? {
            return Ok(token);
        }
        let owner = Owner {
            cohort: None,
            learner: Some(invite.learner_name.clone()),
        };
        let built = async {
            let sandbox = self
                .provision_one(scenario, &owner, None, Utc::now() + scenario.time_limit)
                .await?;
            self.store
                .insert_link(
                    &hash,
                    &token.web_key().hash(),
                    scenario.id.as_str(),
                    None,
                    Some(&invite.learner_name),
                    Some(sandbox.id),
                )
                .await?;
            self.store
                .set_link_exercise(&hash, &invite.exercise_id)
                .await?;
            Ok::<_, SandboxError>(())
        }
        .await;
        if let Err(e) = built {
            // Nothing started: the next press tries again.
            self.store.unstart_invite(*invite.id).await?;
            return Err(e);
        }
        self.changed();
        Ok(token)
    }
}
