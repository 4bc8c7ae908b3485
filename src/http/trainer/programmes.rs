//! A change lead's and trainer's programme pages: the programmes they may
//! see, and one programme's indicators on one page — its phases (planned
//! and actual), and its reach per team as a chart and its table, with the
//! figures to download. The charts are SVG drawn on the server
//! (`crate::http::charts`); the page prints on its own (print stylesheet).

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Trainer;
use crate::http::HttpError;
use crate::http::charts::{Described, PALETTE, Series, grouped_percent_bars};
use crate::programme::{Reach, ReachStatus};

/// GET /trainer/programmes
pub(super) async fn list(t: Trainer) -> Response {
    let result = async {
        let programmes = t.state.programmes.list(t.user()).await?;
        let rows: Vec<Value> = programmes
            .iter()
            .map(|p| {
                json!({
                    "url": format!("/trainer/programmes/{}", p.id),
                    "name": p.name,
                    "lead": p.lead_name,
                    "phase": t.text(&format!("phase-{}", p.phase)),
                })
            })
            .collect();
        let title = t.text("programmes-title");
        let mut data = t.base(&title);
        data["heading"] = title.into();
        data["programmes"] = rows.into();
        Ok::<_, HttpError>(t.render("programmes", &data, StatusCode::OK))
    }
    .await;
    t.respond(result)
}

/// GET /trainer/programmes/{id}
pub(super) async fn page(t: Trainer, Path(id): Path<String>) -> Response {
    let result = async {
        let id = Uuid::parse_str(&id).map_err(|_| HttpError::NotFound)?;
        let programmes = &t.state.programmes;
        let programme = programmes.visible(t.user(), id).await?;
        let today = programme.time_zone.today();
        let reach = programmes.reach(&programme, today).await?;
        let phases = t.state.store.programme_phases(id).await?;
        let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
        let mut data = t.base(&programme.name);
        data["heading"] = programme.name.clone().into();
        data["summary"] = programme.summary.clone().into();
        data["lead"] = programme.lead_name.clone().into();
        data["phase"] = t.text(&format!("phase-{}", programme.phase)).into();
        data["today"] = today.to_string().into();
        data["phases"] = phases
            .iter()
            .map(|p| {
                json!({
                    "name": t.text(&format!("phase-{}", p.phase)),
                    "current": p.phase == programme.phase,
                    "planned_start": date(p.planned_start),
                    "planned_end": date(p.planned_end),
                    "actual_start": date(p.actual_start),
                    "actual_end": date(p.actual_end),
                })
            })
            .collect::<Vec<_>>()
            .into();
        data["reach"] = reach_data(&t, &reach)?;
        let api = format!("/api/v1/programmes/{id}/indicators");
        data["downloads"] = json!([
            {"href": format!("{api}/reach"), "label": t.text("download-reach-json")},
        ]);
        Ok::<_, HttpError>(t.render("programme", &data, StatusCode::OK))
    }
    .await;
    t.respond(result)
}

/// The reach section: its chart, and its table (the chart's alternative).
fn reach_data(t: &Trainer, reach: &Reach) -> Result<Value, HttpError> {
    let percent = |part: u64, whole: u64| {
        if whole == 0 {
            0.0
        } else {
            part as f64 * 100.0 / whole as f64
        }
    };
    let rows: Vec<(String, Vec<f64>)> = reach
        .teams
        .iter()
        .map(|r| {
            (
                r.team.clone(),
                vec![
                    percent(r.invited, r.headcount),
                    percent(r.started, r.headcount),
                    percent(r.completed, r.headcount),
                ],
            )
        })
        .collect();
    let labels = [
        t.text("reach-invited"),
        t.text("reach-started"),
        t.text("reach-completed"),
    ];
    let series: Vec<Series<'_>> = labels
        .iter()
        .zip(PALETTE)
        .map(|(label, colour)| Series { label, colour })
        .collect();
    let title = t.text("reach-chart-title");
    let description = t.text_with(
        "reach-chart-description",
        &[
            ("teams", reach.teams.len().into()),
            ("completed", reach.total.completed.into()),
            ("headcount", reach.total.headcount.into()),
        ],
    );
    let chart = if reach.teams.is_empty() {
        None
    } else {
        Some(
            grouped_percent_bars(
                &Described {
                    id: "reach-chart",
                    title: &title,
                    description: &description,
                },
                &rows,
                &series,
            )
            .map_err(|e| HttpError::Internal(anyhow::anyhow!("drawing the reach chart: {e}")))?,
        )
    };
    let row = |r: &crate::programme::TeamReach| {
        json!({
            "team": r.team,
            "kind": if r.kind.is_empty() { String::new() } else { t.text(&format!("team-kind-{}", r.kind)) },
            "site": r.site,
            "maturity": r.maturity,
            "headcount": r.headcount,
            "people": r.people,
            "invited": r.invited,
            "started": r.started,
            "completed": r.completed,
            "share": format!("{:.0} %", r.completed_share * 100.0),
            "due_on": r.due_on.map(|d| d.to_string()),
            "status": t.text(&format!("reach-status-{}", r.status.as_str())),
            "status_class": r.status.as_str(),
            "late": r.status == ReachStatus::Late,
        })
    };
    Ok(json!({
        "chart": chart,
        "teams": reach.teams.iter().map(row).collect::<Vec<_>>(),
        "total": row(&reach.total),
    }))
}
