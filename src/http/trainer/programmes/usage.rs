//! The programme page's "used" section: week by week, the share of the
//! headcount using the real tool beside the share trained by then, as a
//! chart, and every team's week in the table.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::super::Trainer;
use crate::http::HttpError;
use crate::http::charts::{Described, PALETTE, Series, grouped_percent_bars};
use crate::programme::UsageWeek;
use crate::store::TeamRecord;

/// The section's data for the weeks of `team` (all teams when None).
pub(super) fn usage_data(
    t: &Trainer,
    weeks: &[UsageWeek],
    teams: &[TeamRecord],
    team: Option<&str>,
) -> Result<Value, HttpError> {
    let shown: Vec<&UsageWeek> = weeks
        .iter()
        .filter(|u| team.is_none_or(|t| t == u.team))
        .collect();
    // Per week, over the teams that reported it: active users and trained
    // people as shares of those teams' headcount.
    let headcount = |name: &str| {
        teams
            .iter()
            .find(|x| x.name == name)
            .map_or(0, |x| u64::try_from(x.headcount).unwrap_or(0))
    };
    let mut by_week: BTreeMap<chrono::NaiveDate, (u64, u64, u64)> = BTreeMap::new();
    for u in &shown {
        let w = by_week.entry(u.week).or_default();
        w.0 += u.active_users;
        w.1 += u.trained;
        w.2 += headcount(&u.team);
    }
    let percent = |part: u64, whole: u64| {
        if whole == 0 {
            0.0
        } else {
            part as f64 * 100.0 / whole as f64
        }
    };
    let rows: Vec<(String, Vec<f64>)> = by_week
        .iter()
        .map(|(week, (active, trained, heads))| {
            (
                week.to_string(),
                vec![percent(*active, *heads), percent(*trained, *heads)],
            )
        })
        .collect();
    let chart = if rows.is_empty() {
        None
    } else {
        let labels = [t.text("usage-active"), t.text("usage-trained")];
        let series: Vec<Series<'_>> = labels
            .iter()
            .zip(PALETTE)
            .map(|(label, colour)| Series { label, colour })
            .collect();
        let title = t.text("usage-chart-title");
        let description = t.text_with("usage-chart-description", &[("weeks", rows.len().into())]);
        Some(
            grouped_percent_bars(
                &Described {
                    id: "usage-chart",
                    title: &title,
                    description: &description,
                },
                &rows,
                &series,
            )
            .map_err(|e| HttpError::Internal(anyhow::anyhow!("drawing the usage chart: {e}")))?,
        )
    };
    Ok(json!({
        "chart": chart,
        "weeks": shown.iter().map(|u| json!({
            "team": u.team,
            "week": u.week.to_string(),
            "active_users": u.active_users,
            "active_share": format!("{:.0} %", u.active_share * 100.0),
            "trained": u.trained,
        })).collect::<Vec<_>>(),
    }))
}
