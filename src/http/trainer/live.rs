//! Live progress: the pool's counts and the learners × exercises grid as
//! one JSON snapshot, rendered into the cohort page and sent again as a
//! server-sent event whenever it changes.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Trainer, status_key, text_with, when};
use crate::http::AppState;
use crate::http::cookies;
use crate::http::i18n::state_name;
use crate::sandbox::{Cell, CellState, CohortProgress, PoolStatus, StuckRule};
use crate::scenario::Scenario;
use crate::store::{Cohort, User};
use crate::timezone::TimeZone;

/// How often the snapshot is recomputed when nothing signals a change
/// (idle times and "stuck" marks move with the clock).
const TICK: Duration = Duration::from_secs(2);
/// A burst of changes (a launch) is sent as one event.
const COALESCE: Duration = Duration::from_millis(200);

/// The cohort's status, the launch button, the pool's status and the
/// grid, as the page and its script show them: everything on the page
/// that moves while it is open.
pub(super) fn snapshot(
    lang: &str,
    cohort: &Cohort,
    scenario: &Scenario,
    progress: &CohortProgress,
) -> Value {
    json!({
        "status": text_with(lang, status_key(cohort), &[]),
        "launch": launch_button(lang, cohort, &progress.pool),
        "pool": progress.pool,
        "summary": summary(lang, cohort, &progress.pool),
        "grid": grid(lang, cohort, scenario, progress),
    })
}

/// The launch button: "Launch" until launched; afterwards the pool tops
/// itself up, so it comes back only as "Try again" once provisioning
/// stopped after repeated failures. None when the cohort is over.
fn launch_button(lang: &str, cohort: &Cohort, pool: &PoolStatus) -> Value {
    let over = cohort.is_over();
    let (label, hint) = match (over, pool.launched, pool.failing.is_some()) {
        (true, _, _) => return json!({"shown": false}),
        (false, false, _) => ("launch", "launch-hint"),
        (false, true, true) => ("launch-retry", "launch-retry-hint"),
        (false, true, false) => ("launch", "launch-hint"),
    };
    json!({
        "shown": !pool.launched || pool.failing.is_some(),
        "label": text_with(lang, label, &[]),
        "hint": text_with(lang, hint, &[]),
    })
}

fn summary(lang: &str, cohort: &Cohort, pool: &PoolStatus) -> Value {
    let c = &pool.counts;
    let (value, max) = if pool.launched {
        (
            c.ready.min(pool.target) + c.claimed,
            pool.target + c.claimed,
        )
    } else {
        let learners = cohort.learners.max(0) as u64;
        (c.claimed.min(learners), learners)
    };
    let percent = (value * 100).checked_div(max).unwrap_or(0);
    let all_ready = pool.launched && c.provisioning == 0 && c.ready >= pool.target;
    let text = if cohort.torn_down_at.is_some() {
        text_with(lang, "pool-torn-down", &[])
    } else if !pool.launched {
        text_with(lang, "pool-not-launched", &[])
    } else if all_ready && pool.target > 0 {
        text_with(lang, "pool-all-ready", &[("count", pool.target.into())])
    } else if all_ready {
        text_with(lang, "pool-all-claimed", &[])
    } else {
        text_with(
            lang,
            "pool-preparing",
            &[("ready", c.ready.into()), ("target", pool.target.into())],
        )
    };
    json!({
        "text": text,
        "all_ready": all_ready,
        "value": value,
        "max": max,
        "percent": percent,
        "failing": pool.failing.as_ref().map(|reason| {
            text_with(lang, "pool-failing", &[("reason", reason.clone().into())])
        }),
    })
}

fn grid(lang: &str, cohort: &Cohort, scenario: &Scenario, progress: &CohortProgress) -> Value {
    let zone = cohort.time_zone;
    // Titles in the page's language; the progress's own are the scenario's first.
    fn title_in<'a>(scenario: &'a Scenario, lang: &str, id: &'a str) -> &'a str {
        scenario
            .exercises
            .iter()
            .find(|e| e.id.as_str() == id)
            .map_or(id, |e| e.title.get(lang))
    }
    let title = |id| title_in(scenario, lang, id);
    let columns: Vec<Value> = progress
        .exercises
        .iter()
        .map(|e| json!({"id": e.id, "title": title(&e.id)}))
        .collect();
    let titles: Vec<&str> = progress.exercises.iter().map(|e| title(&e.id)).collect();
    let learners: Vec<Value> = progress
        .learners
        .iter()
        .map(|l| {
            let sandbox = state_name(lang, l.sandbox_state.as_deref());
            let current = match &l.current_step {
                Some(step) => title(step).to_owned(),
                None => text_with(lang, "grid-finished", &[]),
            };
            json!({
                "id": l.id,
                "position": l.position,
                "name": l.name,
                "email": l.email,
                "team": l.team,
                "url": format!("/trainer/cohorts/{}/learners/{}", cohort.id, l.id),
                "sandbox": sandbox,
                "cells": l.cells.iter().zip(&titles).map(|(c, title)| cell(lang, c, title, zone)).collect::<Vec<_>>(),
                "current": current,
                "completed": l.completed,
                "last_activity": l.last_activity.map_or_else(|| "—".to_owned(), |t| when(t, zone)),
                "stuck": l.stuck,
                "stuck_reason": l.stuck_reason.as_deref().map(|r| stuck_text(lang, r)),
            })
        })
        .collect();
    json!({"exercises": columns, "learners": learners})
}

fn cell(lang: &str, c: &Cell, exercise: &str, zone: TimeZone) -> Value {
    let (text, description) = match c.state {
        CellState::NotStarted => ("·".to_owned(), text_with(lang, "grid-not-started", &[])),
        CellState::Attempted => (
            format!("✗ {}", c.attempts),
            text_with(lang, "grid-attempted", &[("count", c.attempts.into())]),
        ),
        CellState::Passed => {
            let at = c.passed_at.map(|t| when(t, zone)).unwrap_or_default();
            (
                format!(
                    "✓ {}",
                    c.passed_at.map(|t| zone.hour_minute(t)).unwrap_or_default()
                ),
                text_with(
                    lang,
                    "grid-passed",
                    &[("time", at.into()), ("count", c.attempts.into())],
                ),
            )
        }
    };
    json!({
        "state": c.state,
        "text": text,
        "description": format!("{exercise}: {description}"),
    })
}

/// The progress module's reason for a "stuck" mark, in the page's language.
fn stuck_text(lang: &str, reason: &str) -> String {
    if let Some(n) = reason
        .strip_suffix(" failed checks on this step")
        .and_then(|n| n.parse::<u32>().ok())
    {
        return text_with(lang, "stuck-failures", &[("count", n.into())]);
    }
    if let Some(m) = reason
        .strip_prefix("no check for ")
        .and_then(|r| r.strip_suffix(" min"))
        .and_then(|m| m.parse::<i64>().ok())
    {
        return text_with(lang, "stuck-idle", &[("minutes", m.into())]);
    }
    reason.to_owned()
}

/// GET /trainer/cohorts/{id}/events: the snapshot now, then again each
/// time it changes, until the server shuts down or the session ends.
pub(super) async fn events(t: Trainer, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let cohort = match t.cohort(&id).await {
        Ok((cohort, _)) => cohort,
        Err(e) => return t.error_page(e),
    };
    let feed = Feed {
        changes: t.state.service.changes(),
        state: t.state.clone(),
        lang: t.lang,
        user: t.user().clone(),
        cohort: *cohort.id,
        session: t.state.cookies.get(&headers, cookies::SESSION),
        last: None,
        first: true,
    };
    let stream = futures_util::stream::unfold(feed, |mut feed| async move {
        let data = feed.next().await?;
        let event = Event::default().event("progress").data(data);
        Some((Ok::<_, Infallible>(event), feed))
    });
    let mut response = Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

struct Feed {
    state: AppState,
    changes: tokio::sync::watch::Receiver<u64>,
    lang: &'static str,
    user: User,
    cohort: Uuid,
    session: Option<String>,
    last: Option<String>,
    first: bool,
}

impl Feed {
    /// The next snapshot that differs from the last one sent; None when the
    /// stream should end.
    async fn next(&mut self) -> Option<String> {
        loop {
            if !self.first {
                tokio::select! {
                    () = self.state.shutdown.cancelled() => return None,
                    changed = self.changes.changed() => {
                        changed.ok()?;
                        tokio::time::sleep(COALESCE).await;
                    }
                    () = tokio::time::sleep(TICK) => {}
                }
            }
            self.first = false;
            if self.state.shutdown.is_cancelled() || !self.signed_in().await {
                return None;
            }
            let json = match self.compute().await {
                Ok(json) => json,
                Err(e) => {
                    tracing::warn!(cohort = %self.cohort, error = %e, "live progress stopped");
                    return None;
                }
            };
            if self.last.as_deref() != Some(json.as_str()) {
                self.last = Some(json.clone());
                return Some(json);
            }
        }
    }

    /// Whether the session that opened the stream is still valid.
    async fn signed_in(&self) -> bool {
        match &self.session {
            Some(c) => matches!(self.state.auth.session(c).await, Ok(Some(_))),
            None => false,
        }
    }

    async fn compute(&self) -> anyhow::Result<String> {
        let service = &self.state.service;
        let cohort = service.cohort_for(&self.user, self.cohort).await?;
        let scenario = self.state.scenarios.named(&cohort.scenario_id)?;
        let rule = StuckRule::from_config(&self.state.config);
        let progress = service.cohort_progress(&cohort, scenario, rule).await?;
        Ok(snapshot(self.lang, &cohort, scenario, &progress).to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stuck_reasons_are_translated_and_unknown_ones_kept() {
        assert_eq!(
            stuck_text("en", "3 failed checks on this step"),
            "3 failed checks on this step"
        );
        assert_eq!(
            stuck_text("fr", "3 failed checks on this step"),
            "3 vérifications échouées sur cette étape"
        );
        assert_eq!(
            stuck_text("fr", "no check for 12 min"),
            "aucune vérification depuis 12 min"
        );
        assert_eq!(stuck_text("fr", "something else"), "something else");
    }
}
