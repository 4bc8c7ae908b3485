//! Learner links: create one (with its sandbox), open one, and say why one
//! no longer opens.

use chrono::Utc;

use super::{Owner, Result, SandboxService};
use crate::sandbox::LinkToken;
use crate::scenario::Scenario;
use crate::store::{EndReason, LinkRecord, SandboxRecord, SandboxState};

/// Why a learner's link no longer leads to a sandbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkEnd {
    /// Its time limit (or its cohort's end) came.
    Expired,
    /// It was closed because nobody used it for the idle time.
    Idle,
    /// A trainer or an admin tore it (or its cohort) down.
    TornDown,
    /// The cohort ended before the learner started a sandbox.
    CohortOver,
}

impl From<EndReason> for LinkEnd {
    fn from(reason: EndReason) -> Self {
        match reason {
            EndReason::Expired => Self::Expired,
            EndReason::Idle => Self::Idle,
        }
    }
}

/// A link whose sandbox has ended: what the learner's page says instead.
#[derive(Debug, Clone)]
pub struct EndedLink {
    pub link: LinkRecord,
    /// None when the learner never started one.
    pub sandbox: Option<SandboxRecord>,
    pub end: LinkEnd,
}

impl SandboxService {
    /// Provisions a sandbox for a learner and returns the link's token. The
    /// token is shown once: the store keeps only its hash.
    pub async fn create_link(
        &self,
        scenario: &Scenario,
        owner: &Owner,
    ) -> Result<(LinkToken, SandboxRecord)> {
        let sandbox = self.provision(scenario, owner).await?;
        let token = LinkToken::generate();
        self.store
            .insert_link(
                &token.hash(),
                &token.web_key().hash(),
                scenario.id.as_str(),
                owner.cohort.as_deref(),
                owner.learner.as_deref(),
                Some(sandbox.id),
            )
            .await?;
        Ok((token, sandbox))
    }

    /// The link and its live sandbox; None when the token is unknown, revoked
    /// or its sandbox is gone (callers answer all of these the same way).
    /// Opening a ready sandbox's link claims it.
    pub async fn open_link(
        &self,
        token: &LinkToken,
    ) -> Result<Option<(LinkRecord, SandboxRecord)>> {
        let link = self.store.link(&token.hash()).await?;
        self.open(link).await
    }

    /// A cohort link not bound to a sandbox yet, whose cohort still runs:
    /// the learner page asks them to start it rather than claiming on a
    /// mere GET, which mail scanners and chat previews also send.
    pub async fn awaiting_start(&self, token: &LinkToken) -> Result<Option<LinkRecord>> {
        let Some(link) = self.store.link(&token.hash()).await? else {
            return Ok(None);
        };
        let Some(cohort) = link
            .cohort_id
            .as_deref()
            .and_then(|c| uuid::Uuid::parse_str(c).ok())
        else {
            return Ok(None);
        };
        if link.sandbox_id.is_some() {
            return Ok(None);
        }
        let running = self
            .store
            .cohort(cohort)
            .await?
            .is_some_and(|c| !c.is_over());
        Ok(running.then_some(link))
    }

    /// Like [`open_link`](Self::open_link), for a link's web key (the
    /// capability a proxied host name carries).
    pub async fn open_web_key(
        &self,
        key: &LinkToken,
    ) -> Result<Option<(LinkRecord, SandboxRecord)>> {
        let link = self.store.link_by_web_key(&key.hash()).await?;
        self.open(link).await
    }

    /// The link when its sandbox has ended (expired, culled for idleness,
    /// torn down) or its cohort ended before it was started, with why; None
    /// for unknown and revoked links, live sandboxes, failed ones still in
    /// their time (they get a reset), and links reset onto a new sandbox.
    pub async fn ended_link(&self, token: &LinkToken) -> Result<Option<EndedLink>> {
        let Some(link) = self.store.link(&token.hash()).await? else {
            return Ok(None);
        };
        let Some(id) = link.sandbox() else {
            let Some(cohort) = link
                .cohort_id
                .as_deref()
                .and_then(|c| uuid::Uuid::parse_str(c).ok())
            else {
                return Ok(None);
            };
            let over = self
                .store
                .cohort(cohort)
                .await?
                .is_some_and(|c| c.is_over());
            return Ok(over.then_some(EndedLink {
                link,
                sandbox: None,
                end: LinkEnd::CohortOver,
            }));
        };
        let sandbox = self.store.sandbox(id).await?;
        let past = sandbox.expires_at.is_some_and(|at| at <= Utc::now());
        let recorded =
            || async { Ok::<_, super::SandboxError>(self.store.lifecycle(id).await?.ended_reason) };
        let end = match sandbox.state {
            SandboxState::Expired => recorded().await?.map_or(LinkEnd::Expired, LinkEnd::from),
            // Removed after it had ended on its own, or removed by hand.
            SandboxState::Destroyed => match recorded().await? {
                Some(reason) => reason.into(),
                None if past => LinkEnd::Expired,
                None => LinkEnd::TornDown,
            },
            // Past its time, whether or not the reaper has been round yet.
            _ if past => LinkEnd::Expired,
            _ => return Ok(None),
        };
        Ok(Some(EndedLink {
            link,
            sandbox: Some(sandbox),
            end,
        }))
    }

    async fn open(&self, link: Option<LinkRecord>) -> Result<Option<(LinkRecord, SandboxRecord)>> {
        let Some(mut link) = link else {
            return Ok(None);
        };
        if link.sandbox_id.is_none() && link.cohort_id.is_some() {
            // Binding may build a sandbox: it runs as a task of its own, so
            // a learner who closes the tab (a dropped request) cannot leave
            // a sandbox half-made.
            let service = self.clone();
            let bound = self
                .life
                .tasks
                .spawn(async move { service.bind_cohort_link(link).await })
                .await
                .map_err(|e| super::SandboxError::Provision {
                    sandbox: uuid::Uuid::nil(),
                    message: format!("binding a link: {e}"),
                })??;
            match bound {
                Some(bound) => link = bound,
                None => return Ok(None),
            }
        }
        let Some(id) = link.sandbox() else {
            return Ok(None);
        };
        let mut sandbox = self.store.sandbox(id).await?;
        // Past its time limit a sandbox is over, whether or not the reaper
        // has removed it yet.
        if sandbox
            .expires_at
            .is_some_and(|at| at <= chrono::Utc::now())
        {
            return Ok(None);
        }
        if sandbox.state == SandboxState::Ready {
            // Two first opens may race: the loser finds it claimed already.
            let _ = self.store.mark_claimed(id, link.learner.as_deref()).await;
            sandbox = self.store.sandbox(id).await?;
        }
        Ok(matches!(sandbox.state, SandboxState::Claimed).then_some((link, sandbox)))
    }
}
