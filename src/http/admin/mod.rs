//! The admin's pages: every sandbox with what the engine says it uses,
//! filters, and teardown of one sandbox, one cohort or everything, each
//! confirmed; teardown reports kept and shown again; xAPI statements the
//! LRS refused. Admins only.

mod teardown;
mod xapi;

use std::collections::{BTreeMap, BTreeSet};

use axum::Router;
use axum::extract::{FromRequestParts, Query};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::trainer::{Trainer, when};
use super::{AppState, HttpError, i18n};
use crate::runtime::Usage;
use crate::sandbox::UsageSnapshot;
use crate::store::{AdminSandbox, SandboxState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(home))
        .route(
            "/admin/sandboxes/{id}/teardown",
            get(teardown::confirm_sandbox).post(teardown::sandbox),
        )
        .route(
            "/admin/cohorts/{id}/teardown",
            get(teardown::confirm_cohort).post(teardown::cohort),
        )
        .route(
            "/admin/teardown-all",
            get(teardown::confirm_everything).post(teardown::everything),
        )
        .route(
            "/admin/teardown-all/report",
            get(teardown::everything_report),
        )
        .route("/admin/teardowns/{id}", get(teardown::report))
        .route("/admin/xapi", get(xapi::page))
        .route("/admin/xapi/{file}", get(xapi::export))
        .route("/admin/xapi/parked/{id}/retry", post(xapi::retry_one))
        .route("/admin/xapi/retry-all", post(xapi::retry_all))
}

/// A signed-in admin; trainers get 403, anyone else the login page.
pub(super) struct Admin(pub Trainer);

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let t = Trainer::from_request_parts(parts, state).await?;
        if !t.user().is_admin() {
            let title = t.text("admin-only-title");
            let mut data = t.base(&title);
            data["heading"] = title.into();
            data["message"] = t.text("admin-only").into();
            let mut response = t.render("trainer_message", &data, StatusCode::FORBIDDEN);
            *response.status_mut() = StatusCode::FORBIDDEN;
            return Err(response);
        }
        Ok(Self(t))
    }
}

/// The list's filters, from the query string.
#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    /// A state, `live` (the default) or `all`.
    pub state: Option<String>,
    pub cohort: Option<String>,
    pub scenario: Option<String>,
}

impl Filters {
    /// Whether ended sandboxes must be read too.
    pub fn wants_ended(&self) -> bool {
        self.state
            .as_deref()
            .is_some_and(|s| s != "live" && !s.is_empty())
    }

    pub fn keeps(&self, s: &AdminSandbox) -> bool {
        let state_ok = match self.state.as_deref().unwrap_or("live") {
            "" | "live" => s.state.is_live(),
            "all" => true,
            other => s.state.as_str() == other,
        };
        let cohort_ok = self
            .cohort
            .as_deref()
            .filter(|c| !c.is_empty())
            .is_none_or(|c| s.cohort_id.as_deref() == Some(c));
        let scenario_ok = self
            .scenario
            .as_deref()
            .filter(|c| !c.is_empty())
            .is_none_or(|c| s.scenario_id == c);
        state_ok && cohort_ok && scenario_ok
    }
}

/// The sandboxes the filters keep, each running one (ready or claimed)
/// with the engine's usage as last gathered, and those figures' round
/// (None until the first one is in).
pub async fn listed(
    state: &AppState,
    filters: &Filters,
) -> Result<(Vec<(AdminSandbox, Option<Usage>)>, Option<UsageSnapshot>), HttpError> {
    let rows: Vec<AdminSandbox> = state
        .store
        .admin_sandboxes(filters.wants_ended())
        .await?
        .into_iter()
        .filter(|s| filters.keeps(s))
        .collect();
    let running: Vec<Uuid> = rows
        .iter()
        .filter(|s| matches!(s.state, SandboxState::Ready | SandboxState::Claimed))
        .map(|s| s.id)
        .collect();
    let snapshot = state.usage.read(&running);
    let rows = rows
        .into_iter()
        .map(|s| {
            let running = matches!(s.state, SandboxState::Ready | SandboxState::Claimed);
            let u = snapshot
                .as_ref()
                .filter(|_| running)
                .and_then(|snap| snap.usage.get(&s.id).copied().flatten());
            (s, u)
        })
        .collect();
    Ok((rows, snapshot))
}

/// "3 h 05 min", "12 min", "40 s".
fn age(since: DateTime<Utc>) -> String {
    let secs = (Utc::now() - since).num_seconds().max(0);
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h {:02} min", s / 3600, (s % 3600) / 60),
        s => format!("{} d {} h", s / 86_400, (s % 86_400) / 3600),
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / 1024.0 / 1024.0)
}

const DASH: &str = "—";

/// GET /admin
async fn home(Admin(t): Admin, Query(filters): Query<Filters>) -> Response {
    let result = async {
        let state = &t.state;
        let (rows, snapshot) = listed(state, &filters).await?;
        let (mut cpu, mut memory, mut measured) = (0.0, 0u64, 0);
        let mut recorded = 0u64;
        let mut by_state: BTreeMap<&str, u32> = BTreeMap::new();
        let mut cohorts: BTreeMap<String, (String, u32)> = BTreeMap::new();
        let view: Vec<Value> = rows
            .iter()
            .map(|(s, usage)| {
                *by_state.entry(s.state.as_str()).or_default() += 1;
                recorded += s.recording_bytes;
                if let Some(u) = usage {
                    cpu += u.cpu_percent.unwrap_or(0.0);
                    memory += u.memory_bytes.unwrap_or(0);
                    measured += 1;
                }
                if let (Some(id), true) = (&s.cohort_id, s.state.is_live()) {
                    let name = s.cohort_name.clone().unwrap_or_else(|| id.clone());
                    cohorts.entry(id.clone()).or_insert((name, 0)).1 += 1;
                }
                json!({
                    "id": s.id.to_string(),
                    "short": s.id.to_string()[..8].to_owned(),
                    "learner": s.learner.clone().unwrap_or_else(|| DASH.into()),
                    "cohort": s.cohort_name,
                    "cohort_url": s.cohort_id.as_ref().map(|c| format!("/trainer/cohorts/{c}")),
                    "scenario": s.scenario_id,
                    "state": s.state.as_str(),
                    "state_name": i18n::state_name(t.lang, Some(s.state.as_str())),
                    "live": s.state.is_live(),
                    "age": age(s.created_at),
                    "created_iso": s.created_at.to_rfc3339(),
                    "expires": s.expires_at.map_or_else(|| DASH.into(), |e| when(e, t.state.config.time_zone)),
                    "cpu": usage.and_then(|u| u.cpu_percent).map_or_else(|| DASH.into(), |c| format!("{c:.1} %")),
                    "memory": usage.and_then(|u| u.memory_bytes).map_or_else(|| DASH.into(), mib),
                    "recording": mib(s.recording_bytes),
                    "recording_bytes": s.recording_bytes,
                    "recording_exact": t.text_with("admin-bytes", &[("bytes", s.recording_bytes.into())]),
                    "error": s.error,
                })
            })
            .collect();
        let all_cohorts = state.store.cohorts(None).await?;
        let scenarios: BTreeSet<String> = state
            .scenarios
            .keys()
            .map(|k| k.to_string())
            .collect();
        let recent = state.store.teardown_reports(20).await?;
        let parked = state.store.parked_count().await?;
        let mut data = t.base(&t.text("admin-title"));
        data["rows"] = view.into();
        data["figures"] = match &snapshot {
            Some(s) => t.text_with(
                "admin-figures-age",
                &[
                    ("age", age(s.taken_at).into()),
                    ("every", state.usage.every().as_secs().into()),
                ],
            ),
            None => t.text("admin-figures-pending"),
        }
        .into();
        data["xapi_parked"] = (parked > 0)
            .then(|| t.text_with("admin-xapi-parked", &[("count", parked.into())]))
            .into();
        data["totals"] = json!({
            "count": rows.len(),
            "text": t.text_with("admin-totals", &[
                ("count", rows.len().into()),
                ("measured", measured.into()),
                ("cpu", format!("{cpu:.1} %").into()),
                ("memory", mib(memory).into()),
            ]),
            "states": by_state.iter().map(|(k, v)| json!({"state": k, "name": i18n::state_name(t.lang, Some(k)), "count": v})).collect::<Vec<_>>(),
            "recording_bytes": recorded,
            "recordings": t.text_with("admin-recordings-total", &[
                ("size", mib(recorded).into()),
                ("bytes", recorded.into()),
            ]),
        });
        let chosen = |v: &Option<String>, k: &str| v.as_deref() == Some(k);
        let states: Vec<Value> = ["live", "all"]
            .into_iter()
            .chain(SandboxState::ALL.iter().map(|s| s.as_str()))
            .map(|s| {
                let name = match s {
                    "live" | "all" => t.text(&format!("admin-state-{s}")),
                    s => i18n::state_name(t.lang, Some(s)),
                };
                json!({"value": s, "name": name, "selected": chosen(&filters.state, s)})
            })
            .collect();
        data["filters"] = json!({
            "states": states,
            "cohorts": all_cohorts.iter()
                .map(|c| json!({"value": c.id.to_string(), "name": c.name, "selected": chosen(&filters.cohort, &c.id.to_string())}))
                .collect::<Vec<_>>(),
            "scenarios": scenarios.iter()
                .map(|s| json!({"value": s, "selected": chosen(&filters.scenario, s)}))
                .collect::<Vec<_>>(),
        });
        data["cohorts"] = cohorts
            .into_iter()
            .map(|(id, (name, live))| json!({"id": id, "name": name, "live": live}))
            .collect();
        data["reports"] = recent
            .iter()
            .map(|r| {
                json!({
                    "url": format!("/admin/teardowns/{}", r.id),
                    "id": r.id,
                    "when": when(r.created_at, t.state.config.time_zone),
                    "what": teardown::scope_text(&t, r),
                    "removed": r.removed,
                })
            })
            .collect();
        Ok::<_, HttpError>(t.render("admin_home", &data, StatusCode::OK))
    }
    .await;
    t.respond(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_read_like_durations() {
        assert_eq!(age(Utc::now() - chrono::TimeDelta::seconds(5)), "5 s");
        assert_eq!(
            age(Utc::now() - chrono::TimeDelta::minutes(185)),
            "3 h 05 min"
        );
    }
}
