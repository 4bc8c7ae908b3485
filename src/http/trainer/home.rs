//! The list of a trainer's cohorts (every cohort, for an admin): current
//! ones by default, archived ones on `?archived=1`; each with its pool's
//! counts, its learners' progress and how many are stuck now.

use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;

use super::{Trainer, status_key, when};
use crate::http::HttpError;
use crate::sandbox::StuckRule;
use crate::store::CohortListing;

#[derive(Debug, Default, Deserialize)]
pub(super) struct ListQuery {
    /// `1` (or `true`) lists the archived cohorts instead.
    #[serde(default)]
    archived: Option<String>,
}

/// GET /trainer
pub(super) async fn page(t: Trainer, Query(q): Query<ListQuery>) -> Response {
    let archived = matches!(q.archived.as_deref(), Some("1" | "true" | "yes"));
    let result = async {
        let user = t.user();
        let owner = (!user.is_admin()).then_some(user.id);
        let store = &t.state.store;
        let service = &t.state.service;
        let rule = StuckRule::from_config(&t.state.config);
        let listing = if archived {
            CohortListing::Archived
        } else {
            CohortListing::Current
        };
        let mut rows = Vec::new();
        for c in store.cohorts_listed(owner, listing).await? {
            let counts = store.state_counts(Some(*c.id)).await?;
            let scenario = t.state.scenarios.named(&c.scenario_id).ok();
            let summary = service
                .cohort_summary(&c, scenario, counts.claimed, rule)
                .await?;
            rows.push(json!({
                "id": c.id.to_string(),
                "url": format!("/trainer/cohorts/{}", c.id),
                "name": c.name,
                "scenario": scenario.map_or_else(|| c.scenario_id.clone(), |s| s.title.get(t.lang).to_owned()),
                "owner": c.owner_name,
                "starts": when(c.starts_at, c.time_zone),
                "starts_iso": c.starts_at.to_rfc3339(),
                "ends": when(c.ends_at, c.time_zone),
                "ends_iso": c.ends_at.to_rfc3339(),
                "learners": c.learners,
                "status": t.text(status_key(&c)),
                "counts": counts,
                "summary": summary,
                "progress": t.text_with("list-progress", &[
                    ("passed", summary.steps_passed.into()),
                    ("total", summary.steps_total.into()),
                    ("percent", summary.percent.into()),
                ]),
                "progress_detail": t.text_with("list-progress-detail", &[
                    ("finished", summary.finished.into()),
                    ("learners", c.learners.into()),
                ]),
            }));
        }
        let other = if archived {
            None
        } else {
            Some(store.archived_cohorts(owner).await?)
        };
        let title = if archived {
            t.text("trainer-archived-title")
        } else {
            t.text("trainer-title")
        };
        let mut data = t.base(&title);
        data["heading"] = title.into();
        data["cohorts"] = rows.into();
        data["admin"] = user.is_admin().into();
        data["archived"] = archived.into();
        data["archived_link"] = other
            .filter(|n| *n > 0)
            .map(|n| t.text_with("trainer-show-archived", &[("count", n.into())]))
            .into();
        Ok::<_, HttpError>(t.render("trainer_home", &data, StatusCode::OK))
    }
    .await;
    t.respond(result)
}
