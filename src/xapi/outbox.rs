//! The sweep that fills the outbox: records newer than a durable cursor
//! (attempts by id, claims by time) are turned into statements and queued,
//! in the same transaction that moves the cursor. Statement ids are derived
//! from the records, so a sweep that runs twice queues nothing twice, and a
//! crash before the commit only means the next sweep does the work.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::TimeDelta;
use uuid::Uuid;

use super::{Trigger, VerbKind, cohort_statements, statement_id};
use crate::scenario::{Scenario, ScenarioId};
use crate::store::{NewOutboxStatement, Store, StoreError};

/// How far before the cursor claims are looked at again: a claim's time is
/// taken just before its transaction commits, so a claim committed a moment
/// after a later-stamped one must still be found. Those already queued are
/// recognised by their statement id and cost nothing more.
const CLAIM_OVERLAP: TimeDelta = TimeDelta::seconds(60);

/// Queues the statements of every record the cursor has not passed yet;
/// returns how many were queued.
pub async fn sweep(
    store: &Store,
    scenarios: &BTreeMap<ScenarioId, Scenario>,
    public_url: &str,
) -> Result<u64, StoreError> {
    let cursor = store.outbox_cursor().await?;
    let attempts = store.attempts_after(cursor.attempt).await?;
    let claims = store
        .claims_since(cursor.claim.map(|c| c - CLAIM_OVERLAP))
        .await?;
    let mut next = cursor;
    next.attempt = attempts
        .iter()
        .map(|(id, _)| *id)
        .fold(cursor.attempt, i64::max);
    next.claim = claims.iter().map(|c| c.claimed_at).max().max(cursor.claim);

    let launches: Vec<(Uuid, Uuid, Uuid)> = claims
        .iter()
        .filter_map(|c| {
            let learner = Uuid::parse_str(&c.learner_id).ok()?;
            let cohort = Uuid::parse_str(&c.cohort_id).ok()?;
            Some((
                statement_id(VerbKind::Launched, &learner.to_string()),
                learner,
                cohort,
            ))
        })
        .collect();
    let ids: Vec<Uuid> = launches.iter().map(|(id, ..)| *id).collect();
    let queued = store.outbox_has(&ids).await?;
    let new_launches: HashSet<Uuid> = launches
        .iter()
        .filter(|(id, ..)| !queued.contains(id))
        .map(|(_, learner, _)| *learner)
        .collect();
    let new_attempts: HashSet<i64> = attempts
        .iter()
        .filter(|(_, cohort)| cohort.is_some())
        .map(|(id, _)| *id)
        .collect();
    let mut cohorts: BTreeSet<Uuid> = attempts
        .iter()
        .filter_map(|(_, c)| Uuid::parse_str(c.as_deref()?).ok())
        .collect();
    cohorts.extend(
        launches
            .iter()
            .filter(|(_, learner, _)| new_launches.contains(learner))
            .map(|(.., cohort)| *cohort),
    );
    if cohorts.is_empty() && next == cursor {
        return Ok(0);
    }

    let mut bodies: Vec<(Uuid, Uuid, String)> = Vec::new();
    for cohort_id in cohorts {
        let Some(cohort) = store.cohort(cohort_id).await? else {
            continue;
        };
        // `sandpit demo`'s made-up records never reach an LRS.
        if store
            .cohort_programme(cohort_id)
            .await?
            .is_some_and(|p| p.demo)
        {
            continue;
        }
        let scenario = ScenarioId::parse(&cohort.scenario_id)
            .ok()
            .and_then(|id| scenarios.get(&id));
        for d in cohort_statements(store, cohort, scenario, public_url).await? {
            let wanted = match d.trigger {
                Trigger::Claim(learner) => new_launches.contains(&learner),
                Trigger::Attempt(id) => new_attempts.contains(&id),
            };
            if !wanted {
                continue;
            }
            match serde_json::to_string(&d.statement) {
                Ok(body) => bodies.push((d.statement.id, cohort_id, body)),
                Err(e) => {
                    tracing::error!(statement = %d.statement.id, error = %e, "serialising an xAPI statement")
                }
            }
        }
    }
    let new: Vec<NewOutboxStatement> = bodies
        .iter()
        .map(|(id, cohort_id, body)| NewOutboxStatement {
            id: *id,
            cohort_id: *cohort_id,
            body,
        })
        .collect();
    store.enqueue_statements(&new, next).await
}
