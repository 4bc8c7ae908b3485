//! The programme page's trend section: cohort after cohort, the share who
//! completed and the first-try pass rate as a chart, every figure in its
//! table.

use serde_json::{Value, json};

use super::super::Trainer;
use crate::http::HttpError;
use crate::http::charts::{Described, PALETTE, Series, grouped_percent_bars};
use crate::programme::Trend;
use crate::timezone::TimeZone;

/// The section's data; start times in the programme's zone.
pub(super) fn trend_data(t: &Trainer, trend: &Trend, zone: &TimeZone) -> Result<Value, HttpError> {
    let rows: Vec<(String, Vec<f64>)> = trend
        .cohorts
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                vec![
                    c.completed_share * 100.0,
                    c.first_try_rate.unwrap_or(0.0) * 100.0,
                ],
            )
        })
        .collect();
    let labels = [t.text("trend-completed"), t.text("trend-first-try")];
    let series: Vec<Series<'_>> = labels
        .iter()
        .zip(PALETTE)
        .map(|(label, colour)| Series { label, colour })
        .collect();
    let chart = if rows.is_empty() {
        None
    } else {
        let title = t.text("trend-chart-title");
        let description = t.text_with("trend-chart-description", &[("cohorts", rows.len().into())]);
        Some(
            grouped_percent_bars(
                &Described {
                    id: "trend-chart",
                    title: &title,
                    description: &description,
                },
                &rows,
                &series,
            )
            .map_err(|e| HttpError::Internal(anyhow::anyhow!("drawing the trend chart: {e}")))?,
        )
    };
    let minutes = |s: i64| format!("{}:{:02}", s / 60, s % 60);
    let percent = |r: f64| format!("{:.0} %", r * 100.0);
    Ok(json!({
        "chart": chart,
        "cohorts": trend.cohorts.iter().map(|c| json!({
            "name": c.name,
            "scenario": c.scenario,
            "phase": c.phase.as_ref().map(|p| t.text(&format!("phase-{p}"))),
            "starts": zone.display(c.starts_at),
            "starts_at": zone.rfc3339(c.starts_at),
            "learners": c.learners,
            "started": c.started,
            "completed": c.completed,
            "completed_share": percent(c.completed_share),
            "first_try": c.first_try_rate.map(percent),
            "median_time": c.median_seconds_to_pass.map(minutes),
            "median_attempts": c.median_attempts_to_pass.map(|a| t.decimal(a)),
        })).collect::<Vec<_>>(),
    }))
}
