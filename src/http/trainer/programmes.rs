//! A change lead's and trainer's programme pages: the programmes they may
//! see, and one programme's indicators on one page — its phases (planned
//! and actual), its reach per team, proficiency, struggle points,
//! confidence, real use and trend across cohorts, as charts and tables, with
//! the figures to download. The charts are SVG drawn on the server
//! (`crate::http::charts`); the page prints on its own (print stylesheet).

mod trend;
mod usage;

use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Response;
use futures_util::{TryFutureExt, try_join};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::Trainer;
use crate::http::HttpError;
use crate::http::charts::{Described, PALETTE, Scale, Series, grouped_bars, grouped_percent_bars};
use crate::programme::{
    Confidence, DEFAULT_IDLE_HOURS, HelpGiven, PHASES, Proficiency, Ratings, Reach, ReachStatus,
    Struggle, phase_name,
};

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
                    "demo": p.demo,
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

/// The page's filters: one team, one phase (empty: all).
#[derive(Debug, Default, Deserialize)]
pub(super) struct PageFilter {
    #[serde(default)]
    team: Option<String>,
    #[serde(default)]
    phase: Option<String>,
}

/// GET /trainer/programmes/{id}?team=&phase=
pub(super) async fn page(
    t: Trainer,
    Path(id): Path<String>,
    Query(f): Query<PageFilter>,
) -> Response {
    let result = async {
        let id = Uuid::parse_str(&id).map_err(|_| HttpError::NotFound)?;
        let programmes = &t.state.programmes;
        let programme = programmes.visible(t.user(), id).await?;
        let today = programme.time_zone.today();
        let filter = programmes
            .filter(&programme, f.team.as_deref(), f.phase.as_deref())
            .await?;
        // The store answers several reads at once, each on a connection
        // of its own: first what the indicators are drawn from, then what
        // each adds. Reach and use come from the same facts (read once
        // when both count every cohort); proficiency, struggle and trend
        // from the same rows.
        let phase = filter.scope().phase;
        let (facts, rows, confidence, teams, phases) = try_join!(
            programmes.people_facts(&programme, phase),
            programmes.learner_rows(&programme, &filter),
            programmes.confidence(&programme),
            async { Ok(t.state.store.teams(id).await?) },
            async { Ok(t.state.store.programme_phases(id).await?) },
        )?;
        let reach = programmes.reach_of(today, &filter, &facts);
        let (proficiency, struggle, trend, usage, ratings, tips, help) = try_join!(
            programmes
                .proficiency_of(&programme, &filter, &rows)
                .map_err(HttpError::from),
            programmes
                .struggle_of(
                    &programme,
                    &filter,
                    DEFAULT_IDLE_HOURS,
                    chrono::Utc::now(),
                    &rows,
                )
                .map_err(HttpError::from),
            programmes
                .trend_of(&programme, &filter, &rows)
                .map_err(HttpError::from),
            async {
                match phase {
                    None => programmes.usage_of(&facts).await,
                    Some(_) => programmes.usage_weeks(&programme).await,
                }
                .map_err(HttpError::from)
            },
            programmes
                .ratings(&programme, &filter)
                .map_err(HttpError::from),
            t.state
                .community
                .programme_tips(id, filter.scope())
                .map_err(HttpError::from),
            programmes
                .help_given(&programme, &filter)
                .map_err(HttpError::from),
        )?;
        let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
        let mut data = t.base(&programme.name);
        data["heading"] = programme.name.clone().into();
        data["summary"] = programme.summary.clone().into();
        data["demo"] = programme.demo.into();
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
        data["proficiency"] = proficiency_data(&t, &proficiency)?;
        data["struggle"] = struggle_data(&struggle);
        data["confidence"] = confidence_data(&t, &confidence)?;
        data["ratings"] = ratings_data(&t, &ratings)?;
        data["help"] = help_data(&t, &help)?;
        data["refreshers"] = refreshers_data(&t, &programme, &filter).await?;
        data["ambassadors"] = ambassadors_data(&t, &programme, &teams).await?;
        data["community"] = community_data(&t, &tips, &programme.time_zone);
        data["trend"] = trend::trend_data(&t, &trend, &programme.time_zone)?;
        let team = filter.team_name();
        let phase = filter.phase_name();
        data["filter"] = json!({
            "action": format!("/trainer/programmes/{id}"),
            "teams": teams.iter().map(|x| json!({
                "name": x.name,
                "selected": team.as_deref() == Some(x.name.as_str()),
            })).collect::<Vec<_>>(),
            "phases": PHASES.iter().map(|p| json!({
                "value": phase_name(*p),
                "name": t.text(&format!("phase-{}", phase_name(*p))),
                "selected": phase.as_deref() == Some(phase_name(*p)),
            })).collect::<Vec<_>>(),
            "active": team.is_some() || phase.is_some(),
        });
        data["usage"] = usage::usage_data(&t, &usage, &teams, team.as_deref())?;
        // The same figures to download, narrowed the same way.
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        if let Some(team) = &team {
            query.append_pair("team", team);
        }
        if let Some(phase) = &phase {
            query.append_pair("phase", phase);
        }
        let query = query.finish();
        let api = format!("/api/v1/programmes/{id}/indicators");
        let link = |what: &str, csv: bool| {
            let mut q = query.clone();
            if csv {
                if !q.is_empty() {
                    q.push('&');
                }
                q.push_str("format=csv");
            }
            if q.is_empty() {
                format!("{api}/{what}")
            } else {
                format!("{api}/{what}?{q}")
            }
        };
        data["downloads"] = json!([
            {"href": link("reach", true), "label": t.text("download-reach-csv")},
            {"href": link("reach", false), "label": t.text("download-reach-json")},
            {"href": link("proficiency", true), "label": t.text("download-proficiency-csv")},
            {"href": link("proficiency", false), "label": t.text("download-proficiency-json")},
            {"href": link("struggle", true), "label": t.text("download-struggle-csv")},
            {"href": link("struggle", false), "label": t.text("download-struggle-json")},
            {"href": link("ratings", true), "label": t.text("download-ratings-csv")},
            {"href": link("ratings", false), "label": t.text("download-ratings-json")},
            {"href": link("retention", true), "label": t.text("download-retention-csv")},
            {"href": link("retention", false), "label": t.text("download-retention-json")},
            {"href": link("help", true), "label": t.text("download-help-csv")},
            {"href": link("help", false), "label": t.text("download-help-json")},
            {"href": format!("/api/v1/programmes/{id}/tips?{}", if query.is_empty() { "format=csv".to_owned() } else { format!("{query}&format=csv") }), "label": t.text("download-tips-csv")},
            {"href": link("trend", true), "label": t.text("download-trend-csv")},
            {"href": link("trend", false), "label": t.text("download-trend-json")},
            {"href": format!("{api}/confidence?format=csv"), "label": t.text("download-confidence-csv")},
            {"href": format!("{api}/confidence"), "label": t.text("download-confidence-json")},
            {"href": format!("{api}/usage?format=csv"), "label": t.text("download-usage-csv")},
            {"href": format!("{api}/usage"), "label": t.text("download-usage-json")},
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

/// Proficiency: per exercise, the first-try pass rate as a chart, and every
/// figure in the table.
fn proficiency_data(t: &Trainer, p: &Proficiency) -> Result<Value, HttpError> {
    let rows: Vec<(String, Vec<f64>)> = p
        .exercises
        .iter()
        .filter(|e| e.attempted > 0)
        .map(|e| {
            (
                e.title.clone(),
                vec![e.first_try_rate.unwrap_or(0.0) * 100.0],
            )
        })
        .collect();
    let label = t.text("proficiency-first-try");
    let chart = if rows.is_empty() {
        None
    } else {
        let title = t.text("proficiency-chart-title");
        let description = t.text_with(
            "proficiency-chart-description",
            &[("exercises", rows.len().into())],
        );
        Some(
            grouped_percent_bars(
                &Described {
                    id: "proficiency-chart",
                    title: &title,
                    description: &description,
                },
                &rows,
                &[Series {
                    label: &label,
                    colour: PALETTE[0],
                }],
            )
            .map_err(|e| {
                HttpError::Internal(anyhow::anyhow!("drawing the proficiency chart: {e}"))
            })?,
        )
    };
    let minutes = |s: i64| format!("{}:{:02}", s / 60, s % 60);
    Ok(json!({
        "chart": chart,
        "exercises": p.exercises.iter().map(|e| json!({
            "title": e.title,
            "scenario": e.scenario,
            "attempted": e.attempted,
            "passed": e.passed,
            "first_try": e.first_try_rate.map(|r| format!("{:.0} %", r * 100.0)),
            "median_time": e.median_seconds_to_pass.map(minutes),
            "median_attempts": e.median_attempts_to_pass.map(|a| t.decimal(a)),
        })).collect::<Vec<_>>(),
    }))
}

/// How many recent tips and questions the page lists.
const RECENT_TIPS: usize = 10;

/// The community's recent activity: the newest tips and questions of the
/// programme's learners (in the filter), with their review, votes and
/// answers; never their author.
fn community_data(
    t: &Trainer,
    tips: &[crate::community::ExportedTip],
    zone: &crate::timezone::TimeZone,
) -> Value {
    json!({
        "count": tips.len(),
        "recent": tips.iter().take(RECENT_TIPS).map(|x| {
            let tip = &x.tip.tip;
            json!({
                "question": tip.kind == "question",
                "exercise": t.state.scenarios.exercise_title(&tip.scenario_id, &tip.exercise_id, t.lang),
                "status": t.text(&format!("tips-status-{}", tip.status)),
                "team": x.tip.team,
                "votes": tip.votes,
                "answers": x.answers.len(),
                "body": tip.body,
                "when": zone.display(tip.created_at),
            })
        }).collect::<Vec<_>>(),
    })
}

/// Useful, usable: each rated exercise's two means, as bars on the 1–5
/// scale, and every exercise's line in the table.
fn ratings_data(t: &Trainer, r: &Ratings) -> Result<Value, HttpError> {
    let rows: Vec<(String, Vec<f64>)> = r
        .exercises
        .iter()
        .filter_map(|e| Some((e.title.clone(), vec![e.useful?, e.usable?])))
        .collect();
    let (useful, usable) = (t.text("ratings-useful"), t.text("ratings-usable"));
    let chart = if rows.is_empty() {
        None
    } else {
        let title = t.text("ratings-chart-title");
        let description = t.text_with(
            "ratings-chart-description",
            &[("exercises", rows.len().into())],
        );
        Some(
            grouped_bars(
                &Described {
                    id: "ratings-chart",
                    title: &title,
                    description: &description,
                },
                &rows,
                &[
                    Series {
                        label: &useful,
                        colour: PALETTE[0],
                    },
                    Series {
                        label: &usable,
                        colour: PALETTE[1],
                    },
                ],
                &Scale::SCORE,
            )
            .map_err(|e| HttpError::Internal(anyhow::anyhow!("drawing the ratings chart: {e}")))?,
        )
    };
    Ok(json!({
        "chart": chart,
        "min_group": r.min_group,
        "exercises": r.exercises.iter().map(|e| json!({
            "title": e.title,
            "ratings": e.ratings,
            "useful": e.useful.map(|m| t.decimal(m)),
            "usable": e.usable.map(|m| t.decimal(m)),
        })).collect::<Vec<_>>(),
    }))
}

/// Help between peers: each helper's sessions and the sessions that
/// unblocked their learner, as bars, and the figures in the table.
fn help_data(t: &Trainer, h: &HelpGiven) -> Result<Value, HttpError> {
    let rows: Vec<(String, Vec<f64>)> = h
        .helpers
        .iter()
        .map(|x| (x.name.clone(), vec![x.sessions as f64, x.unblocked as f64]))
        .collect();
    let (sessions, unblocked) = (t.text("help-sessions"), t.text("help-unblocked"));
    let chart = if rows.is_empty() {
        None
    } else {
        let most = h
            .helpers
            .iter()
            .map(|x| x.sessions)
            .max()
            .unwrap_or(1)
            .max(1);
        let scale = Scale {
            max: most as f64,
            ticks: usize::try_from(most).unwrap_or(5).min(5) + 1,
            label: |x| format!("{x:.0}"),
        };
        let title = t.text("help-chart-title");
        let description = t.text_with("help-chart-description", &[("helpers", rows.len().into())]);
        Some(
            grouped_bars(
                &Described {
                    id: "help-chart",
                    title: &title,
                    description: &description,
                },
                &rows,
                &[
                    Series {
                        label: &sessions,
                        colour: PALETTE[0],
                    },
                    Series {
                        label: &unblocked,
                        colour: PALETTE[2],
                    },
                ],
                &scale,
            )
            .map_err(|e| HttpError::Internal(anyhow::anyhow!("drawing the help chart: {e}")))?,
        )
    };
    Ok(json!({
        "chart": chart,
        "calls": h.calls,
        "answered": h.calls_answered,
        "answered_percent": h.answered_percent.map(|p| t.decimal(p)),
        "sessions": h.sessions,
        "unblocked": h.unblocked,
        "median": h.median_minutes_to_unblock.map(|m| t.decimal(m)),
        "helpers": h.helpers.iter().map(|x| json!({
            "name": x.name,
            "kind": t.text(if x.kind == "account" { "help-kind-account" } else { "help-kind-ambassador" }),
            "sessions": x.sessions,
            "learners": x.learners,
            "minutes": t.decimal(x.minutes),
            "unblocked": x.unblocked,
        })).collect::<Vec<_>>(),
    }))
}

/// Where people struggle: the exercises in rank order, with their most
/// common failing outputs.
fn struggle_data(s: &Struggle) -> Value {
    json!({
        "idle_hours": s.idle_hours,
        "exercises": s.exercises.iter().filter(|e| e.attempted > 0).map(|e| json!({
            "rank": e.rank,
            "title": e.title,
            "attempted": e.attempted,
            "failed_checks": e.failed_checks,
            "abandoned": e.abandoned,
            "outputs": e.failing_outputs.iter().map(|o| json!({"output": o.output, "count": o.count})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// Confidence: each question's mean (of all its answers, when there are
/// enough to show it) as a chart; its answers in all and per team in its
/// table; groups under the threshold show their count only.
fn confidence_data(t: &Trainer, c: &Confidence) -> Result<Value, HttpError> {
    let average = |a: Option<f64>| match a {
        Some(a) => format!("{a:.2}"),
        None => t.text("confidence-hidden"),
    };
    let text_of = |q: &crate::programme::QuestionConfidence| match t.lang {
        "fr" => q.text_fr.clone().or_else(|| q.text_en.clone()),
        _ => q.text_en.clone().or_else(|| q.text_fr.clone()),
    };
    let rows: Vec<(String, Vec<f64>)> = c
        .questions
        .iter()
        .filter_map(|q| {
            let average = q.all.average?;
            let text = text_of(q).unwrap_or_default();
            let short: String = text.chars().take(28).collect();
            let short = if short.len() < text.len() {
                format!("{}…", short.trim_end())
            } else {
                short
            };
            Some((
                format!(
                    "{} · {short}",
                    t.text(&format!("pulse-moment-{}", q.moment))
                ),
                vec![average],
            ))
        })
        .collect();
    let chart = if rows.is_empty() {
        None
    } else {
        let title = t.text("confidence-chart-title");
        let description = t.text_with(
            "confidence-chart-description",
            &[("questions", rows.len().into())],
        );
        let label = t.text("confidence-average");
        Some(
            grouped_bars(
                &Described {
                    id: "confidence-chart",
                    title: &title,
                    description: &description,
                },
                &rows,
                &[Series {
                    label: &label,
                    colour: PALETTE[2],
                }],
                &Scale::SCORE,
            )
            .map_err(|e| {
                HttpError::Internal(anyhow::anyhow!("drawing the confidence chart: {e}"))
            })?,
        )
    };
    Ok(json!({
        "chart": chart,
        "min_group": c.min_group,
        "questions": c.questions.iter().map(|q| {
            let text = text_of(q);
            json!({
                "text": text,
                "phase": t.text(&format!("phase-{}", q.phase)),
                "moment": t.text(&format!("pulse-moment-{}", q.moment)),
                "answers": q.all.answers,
                "average": average(q.all.average),
                "teams": q.teams.iter().map(|(name, s)| json!({
                    "name": name,
                    "answers": s.answers,
                    "average": average(s.average),
                })).collect::<Vec<_>>(),
                "comments": q.comments,
            })
        }).collect::<Vec<_>>(),
    }))
}

/// The teams' ambassadors, and for whoever may name them (the lead, an
/// admin) the form: a team, and one of the programme's learners or an
/// account.
async fn ambassadors_data(
    t: &Trainer,
    programme: &crate::store::ProgrammeRecord,
    teams: &[crate::store::TeamRecord],
) -> Result<Value, HttpError> {
    let store = &t.state.store;
    let id = *programme.id;
    let list = store.team_ambassadors(id).await?;
    let manages = t.user().is_admin() || *programme.lead_id == t.user().id;
    let learners = if manages {
        store.programme_learners(id).await?
    } else {
        Vec::new()
    };
    Ok(json!({
        "manages": manages,
        "add_url": format!("/trainer/programmes/{id}/ambassadors"),
        "teams": teams.iter().map(|team| {
            let theirs: Vec<Value> = list
                .iter()
                .filter(|a| a.team_id.as_deref() == Some(team.id.to_string().as_str()))
                .map(|a| json!({
                    "name": a.name,
                    "account": a.user_id.is_some(),
                    "remove_url": format!("/trainer/ambassadors/{}/remove", a.id),
                }))
                .collect();
            json!({"name": team.name, "ambassadors": theirs})
        }).collect::<Vec<_>>(),
        "learners": learners.iter().map(|(id, name, cohort)| json!({"id": id, "name": format!("{name} ({cohort})")})).collect::<Vec<_>>(),
    }))
}

/// The refreshers (the anchor phase): each with how many it is due to and
/// who took it, the export of its invitation links and, for the lead, a
/// form to schedule one; and retention per team.
async fn refreshers_data(
    t: &Trainer,
    programme: &crate::store::ProgrammeRecord,
    filter: &crate::programme::IndicatorFilter,
) -> Result<Value, HttpError> {
    let programmes = &t.state.programmes;
    let id = *programme.id;
    let (list, retention, scenarios) = try_join!(
        programmes.refreshers(programme).map_err(HttpError::from),
        programmes
            .retention(programme, filter)
            .map_err(HttpError::from),
        async { Ok(t.state.store.programme_scenarios(id).await?) },
    )?;
    let manages = t.user().is_admin() || *programme.lead_id == t.user().id;
    let title = |s: &str, e: &str| t.state.scenarios.exercise_title(s, e, t.lang);
    let exercises: Vec<Value> = scenarios
        .iter()
        .filter_map(|(s, _)| t.state.scenarios.find(s))
        .flat_map(|s| {
            s.exercises.iter().map(move |e| {
                json!({
                    "value": format!("{}/{}", s.id, e.id),
                    "name": format!("{} — {}", s.title.get(t.lang), e.title.get(t.lang)),
                })
            })
        })
        .collect();
    let pct = |p: Option<f64>| p.map(|p| t.decimal(p));
    let row = |r: &crate::programme::TeamRetention, name: String| {
        json!({
            "team": name,
            "due": r.due,
            "taken": r.taken,
            "passed": r.passed_first_try,
            "percent": pct(r.retention_percent),
        })
    };
    Ok(json!({
        "manages": manages,
        "add_url": format!("/trainer/programmes/{id}/refreshers"),
        "exercises": exercises,
        "max_weeks": crate::programme::MAX_WEEKS,
        "list": list.iter().map(|r| json!({
            "exercise": title(&r.scenario_id, &r.exercise_id),
            "weeks": r.after_days / 7,
            "links": manages.then(|| format!("/api/v1/programmes/{id}/refreshers/{}/links?format=csv", r.id)),
        })).collect::<Vec<_>>(),
        "retention": {
            "teams": retention.teams.iter().map(|r| row(r, r.team.clone().unwrap_or_else(|| t.text("retention-no-team")))).collect::<Vec<_>>(),
            "total": row(&retention.total, t.text("retention-total")),
        },
    }))
}
