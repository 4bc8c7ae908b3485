//! Page rendering: embedded handlebars templates with the `t` helper for
//! translations, the data every page's layout needs, and the one 404 page.
//! It knows nothing of the application state: handlers hand it their data.

use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use handlebars::Handlebars;
use rust_embed::RustEmbed;
use serde::Deserialize;
use serde_json::{Value, json};

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
        hb.register_helper("t", Box::new(Translate));
        Ok(Self { hb })
    }

    /// Renders `template` with `data`, which must carry `lang`.
    pub fn render(&self, template: &str, data: &Value) -> Response {
        match self.hb.render(template, data) {
            // Every page's security headers come from `edge::page_headers`.
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

    /// The one 404 page: unknown paths, unknown tokens and expired links
    /// all look the same.
    pub fn not_found(&self, headers: &HeaderMap) -> Response {
        let lang = i18n::negotiate(None, headers);
        let data = base(lang, &i18n::text(lang, "not-found-title"));
        let mut response = self.render("not_found", &data);
        *response.status_mut() = StatusCode::NOT_FOUND;
        response
    }
}

/// `{{t "key" name=value}}`: a message from the catalogue in the page's
/// `lang`, HTML-escaped like any other `{{ }}` (arguments may come from
/// scenarios, which are not trusted to write HTML).
struct Translate;

impl handlebars::HelperDef for Translate {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &handlebars::Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        ctx: &'rc handlebars::Context,
        _: &mut handlebars::RenderContext<'reg, 'rc>,
        out: &mut dyn handlebars::Output,
    ) -> handlebars::HelperResult {
        use fluent_templates::Loader;
        let key = h
            .param(0)
            .and_then(|p| p.value().as_str())
            .ok_or(handlebars::RenderErrorReason::ParamNotFoundForIndex("t", 0))?;
        let lang: fluent_templates::LanguageIdentifier = ctx
            .data()
            .get("lang")
            .and_then(Value::as_str)
            .and_then(|l| l.parse().ok())
            .unwrap_or_else(|| fluent_templates::langid!("en"));
        let args: std::collections::HashMap<
            std::borrow::Cow<'static, str>,
            fluent_bundle::FluentValue,
        > = h
            .hash()
            .iter()
            .map(|(name, value)| {
                let value = match value.value() {
                    Value::Number(n) => {
                        fluent_bundle::FluentValue::from(n.as_f64().unwrap_or_default())
                    }
                    Value::String(s) => fluent_bundle::FluentValue::from(s.clone()),
                    other => fluent_bundle::FluentValue::from(other.to_string()),
                };
                (std::borrow::Cow::Owned((*name).to_owned()), value)
            })
            .collect();
        let text = i18n::LOCALES.lookup_with_args(&lang, key, &args);
        out.write(&handlebars::html_escape(&text))?;
        Ok(())
    }
}

/// `?lang=` on any page.
#[derive(Debug, Deserialize, Default)]
pub struct LangQuery {
    pub lang: Option<String>,
}

/// Data every page's layout needs. The browser's title is `title ·
/// Sandpit`, or `Sandpit` alone for a page with no title of its own.
pub fn base(lang: &str, title: &str) -> Value {
    let title = title.trim();
    let page_title = if title.is_empty() || title == "Sandpit" {
        "Sandpit".to_owned()
    } else {
        format!("{title} · Sandpit")
    };
    json!({
        "lang": lang,
        "title": title,
        "page_title": page_title,
        "languages": i18n::LANGUAGES.iter().map(|l| json!({"code": l, "current": *l == lang})).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translation_arguments_from_scenarios_are_escaped() {
        let mut pages = Pages::new().unwrap();
        pages
            .hb
            .register_template_string("probe", r#"{{t "open-in-new-tab" title=title}}"#)
            .unwrap();
        let html = pages
            .hb
            .render(
                "probe",
                &json!({"lang": "en", "title": "<img src=x onerror=alert(1)>"}),
            )
            .unwrap();
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;img"), "{html}");
        let fr = pages
            .hb
            .render("probe", &json!({"lang": "fr", "title": "Wiki"}))
            .unwrap();
        assert_eq!(fr, "Ouvrir Wiki dans un nouvel onglet");
    }
}
