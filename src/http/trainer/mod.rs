//! The trainer's pages: their cohorts, a form to create one, a cohort's
//! links, launch, live progress and teardown, and one learner's attempts.
//! Trainers see their own cohorts; admins see all; others' look unknown.

mod actions;
mod cohort;
mod help;
mod home;
mod learner;
mod live;
mod new_cohort;
mod programmes;
mod tips;
mod watch;

use axum::Router;
use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use uuid::Uuid;

use super::auth::PageSession;
use super::i18n::Message;
use super::pages::{LangQuery, base};
use super::{AppState, HttpError, cookies, i18n};
use crate::scenario::Scenario;
use crate::store::{Cohort, User};
use crate::timezone::TimeZone;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/trainer", get(home::page))
        .route("/trainer/programmes", get(programmes::list))
        .route("/trainer/tips", get(tips::page))
        .route("/trainer/help", get(help::page))
        .route("/trainer/help/watch", post(watch::start))
        .route("/trainer/watch/{id}", get(watch::page))
        .route("/trainer/watch/{id}/terminal", get(watch::terminal))
        .route("/trainer/tips/{id}/review", post(tips::review))
        .route("/trainer/tips/{id}/answer", post(tips::answer))
        .route("/trainer/programmes/{id}", get(programmes::page))
        .route(
            "/trainer/cohorts/new",
            get(new_cohort::form).post(new_cohort::create),
        )
        .route("/trainer/cohorts/{id}", get(cohort::page))
        .route("/trainer/cohorts/{id}/links.csv", get(cohort::links_csv))
        .route("/trainer/cohorts/{id}/launch", post(actions::launch))
        .route("/trainer/cohorts/{id}/teardown", post(actions::teardown))
        .route(
            "/trainer/cohorts/{id}/teardowns/{report}",
            get(actions::teardown_report),
        )
        .route("/trainer/cohorts/{id}/archive", post(actions::archive))
        .route(
            "/trainer/cohorts/{id}/ambassadors",
            post(actions::add_ambassador),
        )
        .route(
            "/trainer/programmes/{id}/ambassadors",
            post(actions::add_team_ambassador),
        )
        .route(
            "/trainer/programmes/{id}/refreshers",
            post(actions::add_refresher),
        )
        .route(
            "/trainer/ambassadors/{id}/remove",
            post(actions::remove_ambassador),
        )
        .route("/trainer/cohorts/{id}/restore", post(actions::restore))
        .route("/trainer/cohorts/{id}/events", get(live::events))
        .route(
            "/trainer/cohorts/{id}/learners/{learner}",
            get(learner::page),
        )
        .route(
            "/trainer/cohorts/{id}/learners/{learner}/replays/{recording}",
            get(learner::replay_page),
        )
        .route(
            "/trainer/cohorts/{id}/learners/{learner}/replays/{recording}/frames",
            get(learner::replay_frames),
        )
        .route(
            "/trainer/cohorts/{id}/learners/{learner}/replays/{recording}/cast",
            get(learner::replay_cast),
        )
        .route(
            "/trainer/watch/{id}/replays/{recording}",
            get(watch::replay_page),
        )
        .route(
            "/trainer/watch/{id}/replays/{recording}/frames",
            get(watch::replay_frames),
        )
}

/// A signed-in trainer or admin on one of these pages, in their language.
pub(super) struct Trainer {
    pub state: AppState,
    pub session: PageSession,
    pub lang: &'static str,
    /// Set when `?lang=` chose the language: the choice is remembered.
    chosen_lang: Option<&'static str>,
}

impl FromRequestParts<AppState> for Trainer {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let session = PageSession::from_request_parts(parts, state).await?;
        Ok(Self::with_session(session, parts, state))
    }
}

impl Trainer {
    /// The page's user, language and state, for a session already checked.
    pub fn with_session(session: PageSession, parts: &Parts, state: &AppState) -> Self {
        let query = Query::<LangQuery>::try_from_uri(&parts.uri)
            .map(|q| q.0)
            .unwrap_or_default();
        let lang = i18n::negotiate(query.lang.as_deref(), &parts.headers);
        let chosen_lang = query
            .lang
            .as_deref()
            .and_then(|l| i18n::LANGUAGES.iter().copied().find(|k| *k == l));
        Self {
            state: state.clone(),
            session,
            lang,
            chosen_lang,
        }
    }

    pub fn user(&self) -> &User {
        self.session.user()
    }

    /// A message from the catalogue.
    pub fn text(&self, key: &str) -> String {
        i18n::text(self.lang, key)
    }

    /// A decimal as the page's language writes it: `1,5` in French, `1.5`
    /// in English; a whole number without decimals.
    pub fn decimal(&self, value: f64) -> String {
        let text = value.to_string();
        match self.lang {
            "fr" => text.replace('.', ","),
            _ => text,
        }
    }

    /// A message from the catalogue with arguments.
    pub fn text_with(&self, key: &str, args: &[(&'static str, Value)]) -> String {
        text_with(self.lang, key, args)
    }

    /// The layout's data, with the signed-in header.
    pub fn base(&self, title: &str) -> Value {
        let mut data = base(self.lang, title);
        let user = self.user();
        data["user"] = json!({
            "name": user.name,
            "admin": user.is_admin(),
            "csrf": self.session.0.csrf_token,
        });
        data["csrf"] = self.session.0.csrf_token.clone().into();
        data
    }

    /// Renders a page. Trainer pages hold learners' links: never cached.
    pub fn render(&self, template: &str, data: &Value, status: StatusCode) -> Response {
        let mut response = self.state.pages.render(template, data);
        if response.status() == StatusCode::OK {
            *response.status_mut() = status;
        }
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        match self.chosen_lang {
            Some(l) => (cookies::remember_language(l), response).into_response(),
            None => response,
        }
    }

    /// A handler's result as a page: errors get a page of their own.
    pub fn respond(&self, result: Result<Response, HttpError>) -> Response {
        result.unwrap_or_else(|e| self.error_page(e))
    }

    pub fn error_page(&self, e: HttpError) -> Response {
        let status = e.status();
        let message = match &e {
            HttpError::NotFound => self.text("trainer-not-found"),
            HttpError::Forbidden(_) => self.text("form-expired"),
            other => other.message_in(self.lang),
        };
        let title = if status == StatusCode::NOT_FOUND {
            self.text("not-found-title")
        } else {
            self.text("trainer-problem-title")
        };
        let mut data = self.base(&title);
        data["heading"] = title.into();
        data["message"] = message.into();
        let mut response = self.render("trainer_message", &data, status);
        *response.status_mut() = status;
        if let Some(secs) = e.retry_after() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, secs.into());
        }
        response
    }

    /// A cohort the user may manage, and its scenario. Unknown ids, bad ids
    /// and others' cohorts are all "not found".
    pub async fn cohort(&self, id: &str) -> Result<(Cohort, &Scenario), HttpError> {
        let id = Uuid::parse_str(id).map_err(|_| HttpError::NotFound)?;
        let cohort = self.state.service.cohort_for(self.user(), id).await?;
        let scenario = self
            .state
            .scenarios
            .named(&cohort.scenario_id)
            .map_err(|_| {
                HttpError::Conflict(
                    Message::new("error-scenario-missing")
                        .with("scenario", cohort.scenario_id.as_str()),
                )
            })?;
        Ok((cohort, scenario))
    }
}

pub(super) use crate::http::i18n::text_with;

/// A time as trainers read it on these pages: in `zone` (a cohort's, or
/// the server's on pages of no one cohort), with the zone's abbreviation.
pub(super) fn when(t: DateTime<Utc>, zone: TimeZone) -> String {
    zone.display(t)
}

/// Where a cohort is in its life, as a catalogue key.
pub(super) fn status_key(cohort: &Cohort) -> &'static str {
    if cohort.torn_down_at.is_some() {
        "cohort-status-torn-down"
    } else if cohort.ends_at <= Utc::now() {
        "cohort-status-ended"
    } else if cohort.launched_at.is_some() {
        "cohort-status-launched"
    } else {
        "cohort-status-scheduled"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_with_arguments_are_found_in_both_languages() {
        let en = text_with(
            "en",
            "launch-partial",
            &[
                ("started", 5.into()),
                ("refused", 5.into()),
                ("reason", "a cap".into()),
            ],
        );
        assert_eq!(en, "5 started, 5 refused: a cap");
        let fr = text_with(
            "fr",
            "launch-partial",
            &[
                ("started", 1.into()),
                ("refused", 2.into()),
                ("reason", "x".into()),
            ],
        );
        assert_eq!(fr, "Lancés : 1, refusés : 2 (x)");
        assert_eq!(text_with("fr", "no-such-key", &[]), "no-such-key");
    }

    #[test]
    fn every_roster_mistake_reads_in_both_languages_with_what_was_typed() {
        use crate::sandbox::roster::{parse_roster, seats};
        let mistakes = [
            "Ada, ada\n",
            "Ada, .ada@example.org\n",
            "Ada, ada@intranet\n",
            "Ada, ada@-x.org\n",
            "Ada, ada@x.c0\n",
            "Ada, ada@corp.local\n",
            "a@x.org\nA@x.org\n",
            "Ada\u{7}\n",
            "Ada, a@x.org, T\u{7}\n",
            "team,group\nAda\n",
            "\n",
        ];
        let mut errors: Vec<_> = mistakes
            .iter()
            .flat_map(|m| parse_roster(m).unwrap_err().0)
            .collect();
        errors.push(seats(0).unwrap_err());
        errors.extend(parse_roster(&"x\n".repeat(1001)).unwrap_err().0);
        for e in &errors {
            let (key, args) = e.message();
            for lang in ["en", "fr"] {
                let text = text_with(lang, key, &args);
                assert_ne!(text, key, "{key} is missing in {lang}");
                assert!(!text.contains("{$"), "{lang} {key}: {text}");
                for (_, v) in &args {
                    if let Value::String(typed) = v {
                        assert!(text.contains(typed.as_str()), "{lang} {key}: {text}");
                    }
                }
            }
        }
        let e = parse_roster("Ada, ada@corp.local\n").unwrap_err();
        let (key, args) = e.0[0].message();
        assert_eq!(
            text_with("fr", key, &args),
            "« ada@corp.local » : « .local » est réservé aux réseaux locaux ou de test, ce n’est pas un vrai domaine ; un LRS le refuse."
        );
        assert_eq!(
            text_with(
                "fr",
                "roster-line",
                &[("line", 1.into()), ("detail", "x".into())]
            ),
            "ligne 1 : x"
        );
    }
}
