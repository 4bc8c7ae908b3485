//! What the cohort page's forms do: launch, teardown, archive, restore.
//! Each answers with a redirect to a page (303), never a page of its own,
//! so that reloading shows the result again instead of posting again. The
//! outcome rides along in a short-lived cookie (a "flash"), or is a kept
//! teardown report with a page of its own.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use data_encoding::BASE64URL_NOPAD;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{Trainer, when};
use crate::community::{Chosen, CommunityError};
use crate::http::{AppState, HttpError};
use crate::sandbox::{SandboxError, TeardownFailure};
use crate::store::Care;

/// Carries an action's outcome across the redirect that follows it.
const FLASH_COOKIE: &str = "sandpit_flash";

/// What the cohort page says at its top after an action.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Notice {
    /// The cohort it is about: another cohort's page does not show it.
    pub cohort: String,
    /// `ok` or `error`.
    pub kind: String,
    pub text: String,
    /// "N sandboxes are being prepared": true only while they are, so the
    /// page's script takes it away once the live counts show none is.
    #[serde(default)]
    pub until_prepared: bool,
}

impl Notice {
    fn new(cohort: &str, ok: bool, text: String) -> Self {
        Self {
            cohort: cohort.to_owned(),
            kind: if ok { "ok" } else { "error" }.into(),
            text,
            until_prepared: false,
        }
    }
}

/// A 303 to the cohort's page, which will show `notice` once. The flash
/// is signed: only what Sandpit wrote is shown as Sandpit's word.
fn back_to_cohort(state: &AppState, notice: &Notice) -> Response {
    let value = BASE64URL_NOPAD.encode(&serde_json::to_vec(notice).unwrap_or_default());
    let jar = state.cookies.signed(FLASH_COOKIE, value, 120);
    (
        jar,
        Redirect::to(&format!("/trainer/cohorts/{}", notice.cohort)),
    )
        .into_response()
}

/// The notice waiting for cohort `id`'s page, if any; and whether a flash
/// cookie came at all (it is cleared once read).
pub(super) fn take_notice(
    state: &AppState,
    headers: &HeaderMap,
    id: &str,
) -> (Option<Notice>, bool) {
    let came = state.cookies.get(headers, FLASH_COOKIE).is_some();
    let notice = state
        .cookies
        .get_signed(headers, FLASH_COOKIE)
        .and_then(|v| BASE64URL_NOPAD.decode(v.as_bytes()).ok())
        .and_then(|b| serde_json::from_slice::<Notice>(&b).ok())
        .filter(|n| n.cohort == id);
    (notice, came)
}

/// The jar that clears the flash once shown.
pub(super) fn clear_notice(state: &AppState) -> CookieJar {
    CookieJar::new().add(state.cookies.removal(FLASH_COOKIE))
}

#[derive(Debug, Deserialize)]
pub(super) struct ActionForm {
    #[serde(default)]
    csrf: String,
    /// The teardown form's confirmation box.
    #[serde(default)]
    confirm: Option<String>,
}

/// POST /trainer/cohorts/{id}/launch: what started, or why not, is said
/// on the cohort's page.
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
        let reservation = match state.service.launch_cohort(&cohort, scenario).await {
            Ok(r) => r,
            Err(SandboxError::Invalid(_) | SandboxError::CohortOver { .. }) => {
                let text = t.text_with("launch-over", &[("name", cohort.name.clone().into())]);
                return Ok(back_to_cohort(&state, &Notice::new(&id, false, text)));
            }
            Err(e) => return Err(e.into()),
        };
        let reason = reservation
            .refusal
            .map(|r| crate::http::i18n::Message::of(r.message()).say(t.lang))
            .unwrap_or_default();
        let args = [
            ("started", reservation.started.into()),
            ("refused", reservation.refused.into()),
            ("reason", reason.into()),
        ];
        let (ok, key) = match (reservation.started, reservation.refused) {
            (0, r) if r > 0 => (false, "launch-refused"),
            (_, r) if r > 0 => (false, "launch-partial"),
            (0, _) => (true, "launch-nothing-to-do"),
            _ => (true, "launch-started"),
        };
        let mut notice = Notice::new(&id, ok, t.text_with(key, &args));
        notice.until_prepared = key == "launch-started";
        Ok::<_, HttpError>(back_to_cohort(&state, &notice))
    }
    .await;
    t.respond(result)
}

/// POST /trainer/cohorts/{id}/teardown: needs its confirmation box ticked;
/// then to the teardown's kept report.
pub(super) async fn teardown(
    t: Trainer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<ActionForm>,
) -> Response {
    let result = async {
        t.session.check_csrf(&state, &headers, &form.csrf)?;
        let (cohort, _) = t.cohort(&id).await?;
        if form.confirm.as_deref() != Some("yes") {
            let notice = Notice::new(&id, false, t.text("teardown-unconfirmed"));
            return Ok(back_to_cohort(&state, &notice));
        }
        let report = state.service.teardown_cohort(*cohort.id).await?;
        Ok::<_, HttpError>(match report.report_id {
            Some(r) => {
                Redirect::to(&format!("/trainer/cohorts/{id}/teardowns/{r}")).into_response()
            }
            // Torn down, but the report could not be kept (logged).
            None => {
                let text = t.text_with("teardown-removed", &[("count", report.removed.into())]);
                back_to_cohort(&state, &Notice::new(&id, report.failed.is_empty(), text))
            }
        })
    }
    .await;
    t.respond(result)
}

/// GET /trainer/cohorts/{id}/teardowns/{report}: a kept report of one of
/// the cohort's teardowns.
pub(super) async fn teardown_report(
    t: Trainer,
    Path((id, report)): Path<(String, String)>,
) -> Response {
    let result = async {
        let (cohort, _) = t.cohort(&id).await?;
        let report: i64 = report.parse().map_err(|_| HttpError::NotFound)?;
        let r = t
            .state
            .store
            .teardown_report(report)
            .await?
            .filter(|r| r.cohort_id.as_deref() == Some(id.as_str()))
            .ok_or(HttpError::NotFound)?;
        let failed: Vec<TeardownFailure> = serde_json::from_str(&r.failures).unwrap_or_default();
        let mut data = t.base(&t.text("teardown-title"));
        data["cohort"] = json!({"id": cohort.id.to_string(), "name": cohort.name});
        data["removed"] = r.removed.into();
        data["when"] = when(r.created_at, cohort.time_zone).into();
        data["when_iso"] = r.created_at.to_rfc3339().into();
        data["failed"] = failed
            .iter()
            .map(|f| json!({"sandbox": f.sandbox.to_string(), "error": f.error}))
            .collect();
        Ok::<_, HttpError>(t.render("trainer_teardown", &data, StatusCode::OK))
    }
    .await;
    t.respond(result)
}

/// POST /trainer/cohorts/{id}/archive: out of the list, once over.
pub(super) async fn archive(
    t: Trainer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<ActionForm>,
) -> Response {
    set_archived(t, state, id, headers, form, true).await
}

/// POST /trainer/cohorts/{id}/restore: back in the list.
pub(super) async fn restore(
    t: Trainer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<ActionForm>,
) -> Response {
    set_archived(t, state, id, headers, form, false).await
}

async fn set_archived(
    t: Trainer,
    state: AppState,
    id: String,
    headers: HeaderMap,
    form: ActionForm,
    archived: bool,
) -> Response {
    let result = async {
        t.session.check_csrf(&state, &headers, &form.csrf)?;
        let (cohort, _) = t.cohort(&id).await?;
        let name = [("name", cohort.name.clone().into())];
        let notice = match state.service.archive_cohort(&cohort, archived).await {
            Ok(_) if archived => Notice::new(&id, true, t.text_with("archive-done", &name)),
            Ok(_) => Notice::new(&id, true, t.text_with("restore-done", &name)),
            Err(SandboxError::NotOver(_)) => {
                Notice::new(&id, false, t.text_with("archive-not-over", &name))
            }
            Err(e) => return Err(e.into()),
        };
        Ok::<_, HttpError>(back_to_cohort(&state, &notice))
    }
    .await;
    t.respond(result)
}

#[derive(Debug, Deserialize)]
pub(super) struct AmbassadorForm {
    #[serde(default)]
    csrf: String,
    /// One of the cohort's learners (their id), or empty.
    #[serde(default)]
    learner: String,
    /// An account's name, or empty.
    #[serde(default)]
    user: String,
}

/// POST /trainer/cohorts/{id}/ambassadors: makes one of the cohort's
/// learners, or an account, an ambassador of it.
pub(super) async fn add_ambassador(
    t: Trainer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<AmbassadorForm>,
) -> Response {
    let result = async {
        t.session.check_csrf(&state, &headers, &form.csrf)?;
        let (cohort, _) = t.cohort(&id).await?;
        let care = Care::Cohort(*cohort.id);
        let chosen = Chosen {
            learner: &form.learner,
            user: &form.user,
        };
        let added = match state.community.chosen_helper(chosen, care).await {
            Ok(helper) => state.community.add_ambassador(t.user(), helper, care).await,
            Err(e) => Err(e),
        };
        let notice = match added {
            Ok(_) => Notice::new(&id, true, t.text("ambassador-added")),
            Err(CommunityError::Invalid(m)) => Notice::new(
                &id,
                false,
                crate::http::i18n::Message::of(m.message()).say(t.lang),
            ),
            Err(e) => return Err(e.into()),
        };
        Ok(back_to_cohort(&state, &notice))
    }
    .await;
    t.respond(result)
}

/// POST /trainer/ambassadors/{id}/remove: ends an ambassador's role.
pub(super) async fn remove_ambassador(
    t: Trainer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<ActionForm>,
) -> Response {
    let result = async {
        t.session.check_csrf(&state, &headers, &form.csrf)?;
        let id = uuid::Uuid::parse_str(&id).map_err(|_| HttpError::NotFound)?;
        let found = state
            .store
            .ambassador(id)
            .await?
            .ok_or(HttpError::NotFound)?;
        state
            .community
            .remove_ambassador(t.user(), id)
            .await
            .map_err(|e| HttpError::community_in(t.lang, e))?;
        // Back to the page it was named on: its cohort's, or its team's
        // programme's.
        if let Some(cohort) = &found.cohort_id {
            let text = t.text_with("ambassador-removed", &[("name", found.name.into())]);
            return Ok(back_to_cohort(&state, &Notice::new(cohort, true, text)));
        }
        let team = found
            .team_id
            .as_deref()
            .and_then(|t| uuid::Uuid::parse_str(t).ok())
            .ok_or(HttpError::NotFound)?;
        let (programme, _) = state
            .store
            .team_programme(team)
            .await?
            .ok_or(HttpError::NotFound)?;
        Ok(Redirect::to(&format!("/trainer/programmes/{programme}#ambassadors")).into_response())
    }
    .await;
    t.respond(result)
}

#[derive(Debug, Deserialize)]
pub(super) struct TeamAmbassadorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    learner: String,
    #[serde(default)]
    user: String,
}

/// POST /trainer/programmes/{id}/ambassadors: makes one of the
/// programme's learners, or an account, an ambassador of one of its
/// teams. A refusal is a page that says what is wrong.
pub(super) async fn add_team_ambassador(
    t: Trainer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<TeamAmbassadorForm>,
) -> Response {
    let result = async {
        let programme = managed_programme(&t, &headers, &form.csrf, &id).await?;
        let pid = *programme.id;
        let team = state
            .store
            .teams(pid)
            .await?
            .into_iter()
            .find(|x| x.name == form.team.trim())
            .ok_or_else(|| HttpError::BadRequest(t.text("ambassador-pick-team")))?;
        let chosen = Chosen {
            learner: &form.learner,
            user: &form.user,
        };
        let helper = state
            .community
            .chosen_helper(chosen, Care::Team(*team.id))
            .await
            .map_err(|e| HttpError::community_in(t.lang, e))?;
        state
            .community
            .add_ambassador(t.user(), helper, Care::Team(*team.id))
            .await
            .map_err(|e| HttpError::community_in(t.lang, e))?;
        Ok(Redirect::to(&format!("/trainer/programmes/{pid}#ambassadors")).into_response())
    }
    .await;
    t.respond(result)
}

/// The programme `id` of a form the signed-in lead (or an admin) sent,
/// its CSRF token checked.
async fn managed_programme(
    t: &Trainer,
    headers: &HeaderMap,
    csrf: &str,
    id: &str,
) -> Result<crate::store::ProgrammeRecord, HttpError> {
    t.session.check_csrf(&t.state, headers, csrf)?;
    let id = uuid::Uuid::parse_str(id).map_err(|_| HttpError::NotFound)?;
    Ok(t.state.programmes.managed(t.user(), id).await?)
}

#[derive(Debug, Deserialize)]
pub(super) struct RefresherForm {
    #[serde(default)]
    csrf: String,
    /// `scenario/exercise`.
    #[serde(default)]
    exercise: String,
    #[serde(default)]
    after_weeks: String,
}

/// POST /trainer/programmes/{id}/refreshers: schedules a refresher (the
/// programme's lead, or an admin).
pub(super) async fn add_refresher(
    t: Trainer,
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    axum::Form(form): axum::Form<RefresherForm>,
) -> Response {
    let result = async {
        let programme = managed_programme(&t, &headers, &form.csrf, &id).await?;
        let weeks: u32 = form
            .after_weeks
            .trim()
            .parse()
            .ok()
            .filter(|w| (1..=crate::programme::MAX_WEEKS).contains(w))
            .ok_or_else(|| {
                HttpError::BadRequest(t.text_with(
                    "refresher-weeks",
                    &[("max", crate::programme::MAX_WEEKS.into())],
                ))
            })?;
        let (scenario, exercise) = form
            .exercise
            .split_once('/')
            .ok_or_else(|| HttpError::BadRequest(t.text("refresher-pick-exercise")))?;
        let new = crate::programme::NewRefresher {
            scenario: scenario.to_owned(),
            exercise: exercise.to_owned(),
            after_weeks: weeks,
        };
        match state
            .programmes
            .add_refresher(t.user(), *programme.id, &new)
            .await
        {
            Ok(_) => {}
            Err(crate::programme::ProgrammeError::Exists(_)) => {
                return Err(HttpError::BadRequest(t.text("refresher-exists")));
            }
            Err(crate::programme::ProgrammeError::Invalid(_)) => {
                return Err(HttpError::BadRequest(t.text("refresher-pick-exercise")));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(
            Redirect::to(&format!("/trainer/programmes/{}#refreshers", programme.id))
                .into_response(),
        )
    }
    .await;
    t.respond(result)
}
