//! Page rendering: embedded handlebars templates with the `t` helper for
//! translations, and the pages that belong to no role.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use handlebars::Handlebars;
use rust_embed::RustEmbed;
use serde::Deserialize;
use serde_json::{Value, json};

use super::AppState;
use super::i18n;

#[derive(RustEmbed)]
#[folder = "templates/"]
struct Templates;

/// The template registry.
pub struct Pages {
    hb: Handlebars<'static>,
}

impl Pages {
    pub fn new() -> anyhow::Result<Self> {
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_embed_templates_with_extension::<Templates>(".hbs")?;
        hb.register_helper(
            "t",
            Box::new(fluent_templates::FluentLoader::new(&*i18n::LOCALES)),
        );
        Ok(Self { hb })
    }

    /// Renders `template` with `data`, which must carry `lang`.
    pub fn render(&self, template: &str, data: &Value) -> Response {
        match self.hb.render(template, data) {
            Ok(html) => Html(html).into_response(),
            Err(e) => {
                tracing::error!(template, error = %e, "rendering a page");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side.",
                )
                    .into_response()
            }
        }
    }
}

/// `?lang=` on any page.
#[derive(Debug, Deserialize, Default)]
pub struct LangQuery {
    pub lang: Option<String>,
}

/// Data every page's layout needs.
pub fn base(lang: &str, title: &str) -> Value {
    json!({
        "lang": lang,
        "title": title,
        "languages": i18n::LANGUAGES.iter().map(|l| json!({"code": l, "current": *l == lang})).collect::<Vec<_>>(),
    })
}

pub async fn index(
    State(state): State<AppState>,
    Query(q): Query<LangQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = i18n::negotiate(q.lang.as_deref(), &headers);
    let mut data = base(lang, "Sandpit");
    data["scenarios"] = state
        .app
        .scenarios
        .values()
        .map(|s| json!({"title": s.title, "summary": s.summary, "exercises": s.exercises.len()}))
        .collect();
    state.pages.render("index", &data)
}

/// The one 404 page: unknown paths, unknown tokens and expired links all
/// look the same.
pub async fn not_found(State(state): State<AppState>, headers: HeaderMap) -> Response {
    not_found_page(&state, &headers)
}

pub fn not_found_page(state: &AppState, headers: &HeaderMap) -> Response {
    let lang = i18n::negotiate(None, headers);
    let data = base(lang, &i18n::text(lang, "not-found-title"));
    let mut response = state.pages.render("not_found", &data);
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}
