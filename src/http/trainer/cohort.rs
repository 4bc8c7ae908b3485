//! A cohort's page: its status, the learners' links (copy all, CSV), the
//! launch button with the pool's live progress, the progress grid, the
//! exports, and teardown.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use data_encoding::BASE64URL_NOPAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Trainer, live, status_key, when};
use crate::export::{Separator, csv_writer, neutralise};
use crate::http::auth::{set_cookie, site_cookie};
use crate::http::export::{CsvQuery, separator};
use crate::http::i18n::Message;
use crate::http::{AppState, HttpError};
use crate::sandbox::{LearnerLink, SandboxError, StuckRule};
use crate::scenario::Scenario;
use crate::store::Cohort;

/// Carries a launch's outcome across the redirect that follows it.
const FLASH_COOKIE: &str = "sandpit_flash";

/// What a refused launch is told to wait: the pool's own retry delay.
const RETRY_AFTER_SECS: u64 = 30;

/// The exports another part of Sandpit serves; the page links to them.
const EXPORTS: &[(&str, &str)] = &[
    ("attempts.csv", "export-attempts-csv"),
    ("attempts.json", "export-attempts-json"),
    ("completions.csv", "export-completions-csv"),
    ("completions.json", "export-completions-json"),
    ("xapi.json", "export-xapi"),
];

/// What the page says at its top after an action.
#[derive(Debug, Serialize, Deserialize)]
struct Notice {
    cohort: String,
    /// `ok` or `error`.
    kind: String,
    text: String,
}

/// GET /trainer/cohorts/{id}
pub(super) async fn page(t: Trainer, Path(id): Path<String>, headers: HeaderMap) -> Response {
    let flash = site_cookie(&t.state, &headers, FLASH_COOKIE)
        .and_then(|v| BASE64URL_NOPAD.decode(v.as_bytes()).ok())
        .and_then(|b| serde_json::from_slice::<Notice>(&b).ok())
        .filter(|n| n.cohort == id);
    let result = render_page(&t, &id, flash, StatusCode::OK).await;
    let mut response = t.respond(result);
    if site_cookie(&t.state, &headers, FLASH_COOKIE).is_some() {
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&t.state, FLASH_COOKIE, "", 0),
        );
    }
    response
}

fn link_url(state: &AppState, link: &LearnerLink) -> String {
    format!("{}/s/{}", state.public_url, link.token.as_str())
}

async fn render_page(
    t: &Trainer,
    id: &str,
    notice: Option<Notice>,
    status: StatusCode,
) -> Result<Response, HttpError> {
    let (cohort, scenario) = t.cohort(id).await?;
    let service = &t.state.app.service;
    let links = service.learner_links(*cohort.id).await?;
    let rule = StuckRule::from_config(&t.state.app.config);
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
    data["links_csv"] = format!(
        "/trainer/cohorts/{cid}/links.csv?sep={}",
        Separator::for_lang(t.lang).query()
    )
    .into();
    data["notice"] = notice.map_or(Value::Null, |n| json!({"kind": n.kind, "text": n.text}));
    Ok(t.render("trainer_cohort", &data, status))
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
    let over = cohort.torn_down_at.is_some() || cohort.ends_at <= chrono::Utc::now();
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
        let links = t.state.app.service.learner_links(*cohort.id).await?;
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

#[derive(Debug, Deserialize)]
pub(super) struct ActionForm {
    #[serde(default)]
    csrf: String,
    /// The teardown form's confirmation box.
    #[serde(default)]
    confirm: Option<String>,
}

/// POST /trainer/cohorts/{id}/launch
pub(super) async fn launch(
    t: Trainer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<ActionForm>,
) -> Response {
    let result = async {
        t.session.check_csrf(&state, &headers, &form.csrf)?;
        let (cohort, scenario) = t.cohort(&id).await?;
        let reservation = match state.app.service.launch_cohort(&cohort, scenario).await {
            Ok(r) => r,
            Err(SandboxError::Invalid(message)) => {
                let notice = Notice {
                    cohort: id.clone(),
                    kind: "error".into(),
                    text: message,
                };
                return render_page(&t, &id, Some(notice), StatusCode::CONFLICT).await;
            }
            Err(e @ SandboxError::CohortOver { .. }) => {
                let notice = Notice {
                    cohort: id.clone(),
                    kind: "error".into(),
                    text: HttpError::from(e).message_in(t.lang),
                };
                return render_page(&t, &id, Some(notice), StatusCode::CONFLICT).await;
            }
            Err(e) => return Err(e.into()),
        };
        let reason = reservation
            .refusal
            .map(|r| Message::of(r.message()).say(t.lang))
            .unwrap_or_default();
        let args = [
            ("started", reservation.started.into()),
            ("refused", reservation.refused.into()),
            ("reason", reason.into()),
        ];
        if reservation.started == 0 && reservation.refused > 0 {
            // Nothing could start: the page says why, with a 429.
            let notice = Notice {
                cohort: id.clone(),
                kind: "error".into(),
                text: t.text_with("launch-refused", &args),
            };
            let mut response =
                render_page(&t, &id, Some(notice), StatusCode::TOO_MANY_REQUESTS).await?;
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, RETRY_AFTER_SECS.into());
            return Ok(response);
        }
        let (kind, key) = match (reservation.started, reservation.refused) {
            (_, r) if r > 0 => ("error", "launch-partial"),
            (0, _) => ("ok", "launch-nothing-to-do"),
            _ => ("ok", "launch-started"),
        };
        let notice = Notice {
            cohort: id.clone(),
            kind: kind.into(),
            text: t.text_with(key, &args),
        };
        let value = BASE64URL_NOPAD.encode(&serde_json::to_vec(&notice).unwrap_or_default());
        let mut response = Redirect::to(&format!("/trainer/cohorts/{id}")).into_response();
        response.headers_mut().append(
            header::SET_COOKIE,
            set_cookie(&state, FLASH_COOKIE, &value, 120),
        );
        Ok(response)
    }
    .await;
    t.respond(result)
}

/// POST /trainer/cohorts/{id}/teardown: needs its confirmation box ticked.
pub(super) async fn teardown(
    t: Trainer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<ActionForm>,
) -> Response {
    let result = async {
        t.session.check_csrf(&state, &headers, &form.csrf)?;
        let (cohort, scenario) = t.cohort(&id).await?;
        if form.confirm.as_deref() != Some("yes") {
            let notice = Notice {
                cohort: id.clone(),
                kind: "error".into(),
                text: t.text("teardown-unconfirmed"),
            };
            return render_page(&t, &id, Some(notice), StatusCode::BAD_REQUEST).await;
        }
        let report = state.app.service.teardown_cohort(*cohort.id).await?;
        let mut data = t.base(&t.text("teardown-title"));
        data["cohort"] = cohort_view(&t, &cohort, scenario);
        data["removed"] = report.removed.into();
        data["failed"] = report
            .failed
            .iter()
            .map(|f| json!({"sandbox": f.sandbox.to_string(), "error": f.error}))
            .collect();
        Ok::<_, HttpError>(t.render("trainer_teardown", &data, StatusCode::OK))
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
