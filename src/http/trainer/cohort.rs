//! A cohort's page: its status, the learners' links (copy all, CSV), the
//! launch button with the pool's live progress, the progress grid, the
//! exports, teardown and archiving (their forms are in `actions.rs`).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::actions::{Notice, clear_notice, take_notice};
use super::{Trainer, live, status_key, when};
use crate::export::{Separator, csv_writer, neutralise};
use crate::http::export::{CsvQuery, separator};
use crate::http::{AppState, HttpError};
use crate::sandbox::{LearnerLink, StuckRule};
use crate::scenario::Scenario;
use crate::store::Cohort;

/// The exports another part of Sandpit serves; the page links to them.
const EXPORTS: &[(&str, &str)] = &[
    ("attempts.csv", "export-attempts-csv"),
    ("attempts.json", "export-attempts-json"),
    ("completions.csv", "export-completions-csv"),
    ("completions.json", "export-completions-json"),
    ("xapi.json", "export-xapi"),
];

/// GET /trainer/cohorts/{id}, with the outcome of the action that led
/// here, once.
pub(super) async fn page(t: Trainer, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let (notice, flashed) = take_notice(&t.state, &headers, &id);
    let result = render_page(&t, &id, notice).await;
    let response = t.respond(result);
    if flashed {
        (clear_notice(&t.state), response).into_response()
    } else {
        response
    }
}

fn link_url(state: &AppState, link: &LearnerLink) -> String {
    format!("{}/s/{}", state.public_url, link.token.as_str())
}

async fn render_page(t: &Trainer, id: &str, notice: Option<Notice>) -> Result<Response, HttpError> {
    let (cohort, scenario) = t.cohort(id).await?;
    let service = &t.state.service;
    let links = service.learner_links(*cohort.id).await?;
    let rule = StuckRule::from_config(&t.state.config);
    let progress = service.cohort_progress(&cohort, scenario, rule).await?;
    let rows: Vec<Value> = links
        .iter()
        .map(|l| {
            json!({
                "position": l.learner.position,
                "name": l.learner.name,
                "email": l.learner.email,
                "team": l.learner.team,
                "link": link_url(&t.state, l),
            })
        })
        .collect();
    let all_links = links
        .iter()
        .map(|l| {
            let mut line = l.learner.name.clone();
            if let Some(e) = &l.learner.email {
                line.push('\t');
                line.push_str(e);
            }
            line.push('\t');
            line.push_str(&link_url(&t.state, l));
            line
        })
        .collect::<Vec<_>>()
        .join("\n");
    let cid = cohort.id.to_string();
    let mut data = t.base(&cohort.name);
    data["cohort"] = cohort_view(t, &cohort, scenario);
    data["links"] = rows.into();
    data["all_links"] = all_links.into();
    data["live"] = live::snapshot(t.lang, &cohort, scenario, &progress);
    data["events_url"] = format!("/trainer/cohorts/{cid}/events?lang={}", t.lang).into();
    data["exports"] = exports(t, &cid).into();
    let ambassadors = t
        .state
        .community
        .cohort_ambassadors(t.user(), *cohort.id)
        .await?;
    data["ambassadors"] = json!({
        "list": ambassadors.iter().map(|a| json!({
            "name": a.name,
            "account": a.user_id.is_some(),
            "remove_url": format!("/trainer/ambassadors/{}/remove", a.id),
        })).collect::<Vec<_>>(),
        "add_url": format!("/trainer/cohorts/{cid}/ambassadors"),
        "learners": links.iter()
            .filter(|l| !ambassadors.iter().any(|a| a.learner_id.as_deref() == Some(&l.learner.id.to_string())))
            .map(|l| json!({"id": l.learner.id.to_string(), "name": l.learner.name}))
            .collect::<Vec<_>>(),
    });
    data["links_csv"] = format!(
        "/trainer/cohorts/{cid}/links.csv?sep={}",
        Separator::for_lang(t.lang).query()
    )
    .into();
    data["notice"] = notice.map_or(
        Value::Null,
        |n| json!({"kind": n.kind, "text": n.text, "until_prepared": n.until_prepared}),
    );
    Ok(t.render("trainer_cohort", &data, StatusCode::OK))
}

/// The export links: CSV files with the separator spreadsheets in the
/// page's language expect, and the other one offered beside it.
fn exports(t: &Trainer, cohort: &str) -> Vec<Value> {
    let chosen = Separator::for_lang(t.lang);
    let other = match chosen {
        Separator::Semicolon => Separator::Comma,
        Separator::Comma => Separator::Semicolon,
    };
    let symbol = |s: Separator| match s {
        Separator::Semicolon => ";",
        Separator::Comma => ",",
    };
    EXPORTS
        .iter()
        .map(|(file, key)| {
            let url = format!("/api/v1/cohorts/{cohort}/export/{file}");
            if file.ends_with(".csv") {
                json!({
                    "url": format!("{url}?sep={}", chosen.query()),
                    "label": t.text(key),
                    "file": file,
                    "separated": t.text_with("export-separated", &[("sep", symbol(chosen).into())]),
                    "other_url": format!("{url}?sep={}", other.query()),
                    "other_label": t.text_with("export-other-separator", &[("sep", symbol(other).into())]),
                })
            } else {
                json!({"url": url, "label": t.text(key), "file": file})
            }
        })
        .collect()
}

fn cohort_view(t: &Trainer, cohort: &Cohort, scenario: &Scenario) -> Value {
    let over = cohort.is_over();
    json!({
        "id": cohort.id.to_string(),
        "name": cohort.name,
        "scenario": scenario.title.get(t.lang),
        "owner": cohort.owner_name,
        "starts": when(cohort.starts_at, cohort.time_zone),
        "starts_iso": cohort.starts_at.to_rfc3339(),
        "ends": when(cohort.ends_at, cohort.time_zone),
        "time_zone": cohort.time_zone.name(),
        "ends_iso": cohort.ends_at.to_rfc3339(),
        "learners": cohort.learners,
        "spare": cohort.spare,
        "cap": cohort.max_sandboxes,
        "status": t.text(status_key(cohort)),
        "launched": cohort.launched_at.is_some(),
        "torn_down": cohort.torn_down_at.is_some(),
        "archived": cohort.archived_at.is_some(),
        "archived_at": cohort.archived_at.map(|a| when(a, cohort.time_zone)),
        "over": over,
        "can_launch": !over,
        "csv_name": csv_file_name(&cohort.name),
    })
}

/// A download name from a cohort's name: letters, digits and dashes.
fn csv_file_name(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let slug = if slug.is_empty() {
        "cohort".to_owned()
    } else {
        slug.chars().take(60).collect()
    };
    format!("{slug}-links.csv")
}

/// GET /trainer/cohorts/{id}/links.csv[?sep=comma]: name, email, team, link.
pub(super) async fn links_csv(
    t: Trainer,
    Path(id): Path<String>,
    query: Result<Query<CsvQuery>, QueryRejection>,
) -> Response {
    let result = async {
        let separator = separator(query)?;
        let (cohort, _) = t.cohort(&id).await?;
        let links = t.state.service.learner_links(*cohort.id).await?;
        let mut out = csv_writer(separator);
        let write = |out: &mut csv::Writer<Vec<u8>>, row: [&str; 4]| {
            out.write_record(row)
                .map_err(|e| HttpError::Internal(anyhow::anyhow!("writing links.csv: {e}")))
        };
        write(&mut out, ["name", "email", "team", "link"])?;
        for l in &links {
            let url = link_url(&t.state, l);
            write(
                &mut out,
                // Names come from rosters pasted from elsewhere: a cell a
                // spreadsheet would run as a formula could leak the links.
                [
                    &neutralise(&l.learner.name),
                    &neutralise(l.learner.email.as_deref().unwrap_or_default()),
                    &neutralise(l.learner.team.as_deref().unwrap_or_default()),
                    &url,
                ],
            )?;
        }
        let body = out
            .into_inner()
            .map_err(|e| HttpError::Internal(anyhow::anyhow!("writing links.csv: {e}")))?;
        let disposition = format!("attachment; filename=\"{}\"", csv_file_name(&cohort.name));
        let mut response = body.into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        headers.insert(
            header::CONTENT_DISPOSITION,
            HeaderValue::from_str(&disposition).unwrap_or(HeaderValue::from_static("attachment")),
        );
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        Ok::<_, HttpError>(response)
    }
    .await;
    t.respond(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_names_are_tame() {
        assert_eq!(csv_file_name("Git day — Lyon"), "git-day-lyon-links.csv");
        assert_eq!(csv_file_name("\"; rm -rf"), "rm-rf-links.csv");
        assert_eq!(csv_file_name("ééé"), "cohort-links.csv");
    }
}
