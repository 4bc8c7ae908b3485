//! The OpenAPI 3.1 document of the JSON API, served at
//! `/api/v1/openapi.json`. It is generated with `utoipa`: the paths come
//! from the handlers' `#[utoipa::path]` as `api::routes` registers them, the
//! schemas from the types they read and write; this file adds what is said
//! once for all (title, security, tags, the errors every route may answer).

use std::sync::LazyLock;

use axum::Json;
use axum::extract::State;
use axum::http::Method;
use utoipa::OpenApi;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder, ServerBuilder};

use super::ErrorBody;

/// The export routes (served by `export.rs` under one `{file}` route),
/// documented here with the rest.
pub const EXPORT_ROUTES: [&str; 5] = [
    "/api/v1/cohorts/{id}/export/attempts.csv",
    "/api/v1/cohorts/{id}/export/attempts.json",
    "/api/v1/cohorts/{id}/export/completions.csv",
    "/api/v1/cohorts/{id}/export/completions.json",
    "/api/v1/cohorts/{id}/export/xapi.json",
];

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Sandpit API",
        version = "1",
        description = "Cohorts of learners, their warm pools of sandboxes, live progress and exports. \
            Authenticate with an API token from `sandpit token create` as `Authorization: Bearer <token>`. \
            Times are RFC 3339 in UTC; ids are UUIDs. Every error is `{\"error\": \"...\"}`; \
            trainers see only their own cohorts (others' answer 404), admins see all.",
    ),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "cohorts", description = "Cohorts from creation to teardown: rosters, links, warm pools, progress"),
        (name = "exports", description = "A cohort's records as CSV, JSON and xAPI statements"),
        (name = "programmes", description = "Change programmes: impact study (teams, people, impacts), Kotter phases, cohorts serving them, the real tool's use, and change indicators (reach, proficiency, where people struggle) as JSON or CSV"),
        (name = "scenarios", description = "The scenarios this server offers"),
        (name = "programmes", description = "Change programmes: impact study (teams, people, impacts), phases, cohorts in phases, the tool's use, indicators"),
        (name = "admin", description = "Every sandbox and teardown; admins only"),
        (name = "meta", description = "This document"),
    ),
    paths(
        exports::attempts_csv,
        exports::attempts_json,
        exports::completions_csv,
        exports::completions_json,
        exports::xapi,
    ),
    components(schemas(ErrorBody)),
    modifiers(&SecuritySchemes),
)]
struct ApiDoc;

struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token (`sandpit_…`) from `sandpit token create`",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                "sandpit_session",
                "Sandpit's own pages: the login session (`__Host-sandpit_session` when the public \
                 URL is https); anything but GET must also send its CSRF token in `X-CSRF-Token`, \
                 from the public URL's origin; refused until a printed one-time password is \
                 replaced at `/account/password`",
            ))),
        );
    }
}

/// The export routes' documentation: `export.rs` serves them all from one
/// `{file}` route, so each file is described by its own item here.
#[allow(dead_code)]
mod exports {
    use crate::export::{AttemptRow, CompletionRow};
    use crate::http::api::ErrorBody;

    #[utoipa::path(get, path = "/api/v1/cohorts/{id}/export/attempts.csv", tag = "exports", operation_id = "exportAttemptsCsv",
        summary = "Every attempt, as CSV",
        description = "UTF-8 with a byte order mark; times in the cohort's time zone.",
        params(
            ("id" = uuid::Uuid, Path, description = "The cohort's id"),
            ("sep" = Option<String>, Query, description = "The cell separator: `semicolon` (the default, for spreadsheets set for French and most European languages) or `comma`"),
        ),
        responses(
            (status = 200, description = "The attempts", content_type = "text/csv", body = String),
            (status = 400, description = "`sep` is neither `semicolon` nor `comma`", body = ErrorBody),
            (status = 404, description = "Unknown, or another trainer's", body = ErrorBody),
        ))]
    fn attempts_csv() {}

    #[utoipa::path(get, path = "/api/v1/cohorts/{id}/export/attempts.json", tag = "exports", operation_id = "exportAttemptsJson",
        summary = "Every attempt, as JSON",
        params(("id" = uuid::Uuid, Path, description = "The cohort's id")),
        responses(
            (status = 200, description = "The attempts, oldest first", body = Vec<AttemptRow>),
            (status = 404, description = "Unknown, or another trainer's", body = ErrorBody),
        ))]
    fn attempts_json() {}

    #[utoipa::path(get, path = "/api/v1/cohorts/{id}/export/completions.csv", tag = "exports", operation_id = "exportCompletionsCsv",
        summary = "Every completion (first pass), as CSV",
        description = "UTF-8 with a byte order mark; times in the cohort's time zone.",
        params(
            ("id" = uuid::Uuid, Path, description = "The cohort's id"),
            ("sep" = Option<String>, Query, description = "The cell separator: `semicolon` (the default) or `comma`"),
        ),
        responses(
            (status = 200, description = "The completions", content_type = "text/csv", body = String),
            (status = 400, description = "`sep` is neither `semicolon` nor `comma`", body = ErrorBody),
            (status = 404, description = "Unknown, or another trainer's", body = ErrorBody),
        ))]
    fn completions_csv() {}

    #[utoipa::path(get, path = "/api/v1/cohorts/{id}/export/completions.json", tag = "exports", operation_id = "exportCompletionsJson",
        summary = "Every completion (first pass), as JSON",
        params(("id" = uuid::Uuid, Path, description = "The cohort's id")),
        responses(
            (status = 200, description = "The completions", body = Vec<CompletionRow>),
            (status = 404, description = "Unknown, or another trainer's", body = ErrorBody),
        ))]
    fn completions_json() {}

    #[utoipa::path(get, path = "/api/v1/cohorts/{id}/export/xapi.json", tag = "exports", operation_id = "exportXapi",
        summary = "The cohort's xAPI statements",
        description = "xAPI 1.0.3 statements (actor, verb, object, result, context with the cohort as registration, timestamp).",
        params(("id" = uuid::Uuid, Path, description = "The cohort's id")),
        responses(
            (status = 200, description = "The statements", body = Vec<Object>),
            (status = 404, description = "Unknown, or another trainer's", body = ErrorBody),
        ))]
    fn xapi() {}
}

/// An error answer whose body is [`ErrorBody`].
fn error_response(description: &str) -> RefOr<Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Error")))
                .build(),
        )
        .build()
        .into()
}

/// The document without its server, built once.
static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(|| {
    let mut doc = ApiDoc::openapi().merge_from(super::openapi());
    for item in doc.paths.paths.values_mut() {
        for op in operations_of(item) {
            // Anything may fail inside; only this document is open to all.
            let open_to_all = op.security.as_ref().is_some_and(|s| !s.is_empty());
            let responses = &mut op.responses.responses;
            if !open_to_all {
                responses.entry("401".into()).or_insert_with(|| {
                    error_response("No valid token or session (see `WWW-Authenticate`)")
                });
            }
            responses
                .entry("500".into())
                .or_insert_with(|| error_response("Something failed on the server; it is logged"));
        }
    }
    doc
});

fn operations_of(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// The document; `public_url` is the server clients reach.
pub fn document(public_url: &str) -> utoipa::openapi::OpenApi {
    let mut doc = DOCUMENT.clone();
    doc.servers = Some(vec![ServerBuilder::new().url(public_url).build()]);
    doc
}

#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", operation_id = "openapi",
    summary = "This document",
    security(()),
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object)))]
pub async fn serve(State(public_url): State<String>) -> Json<utoipa::openapi::OpenApi> {
    Json(document(&public_url))
}

/// Every (method, path) a document describes.
pub fn operations(doc: &utoipa::openapi::OpenApi) -> Vec<(Method, String)> {
    let mut out = Vec::new();
    for (path, item) in &doc.paths.paths {
        let methods = [
            (Method::GET, item.get.is_some()),
            (Method::PUT, item.put.is_some()),
            (Method::POST, item.post.is_some()),
            (Method::DELETE, item.delete.is_some()),
            (Method::OPTIONS, item.options.is_some()),
            (Method::HEAD, item.head.is_some()),
            (Method::PATCH, item.patch.is_some()),
            (Method::TRACE, item.trace.is_some()),
        ];
        out.extend(
            methods
                .into_iter()
                .filter(|(_, present)| *present)
                .map(|(m, _)| (m, path.clone())),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn json() -> Value {
        serde_json::to_value(document("https://sandpit.example.org")).unwrap()
    }

    /// Every `$ref` in `v`.
    fn refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
        match v {
            Value::Object(map) => {
                for (k, v) in map {
                    match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => out.push(r),
                        _ => refs(v, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn the_document_is_valid_openapi_3_1_and_every_ref_resolves() {
        let doc = json();
        let text = serde_json::to_string(&doc).unwrap();
        let spec = oas3::from_json(&text).expect("an OpenAPI 3.1 document");
        assert_eq!(spec.openapi, "3.1.0");
        assert_eq!(spec.info.title, "Sandpit API");
        assert_eq!(spec.servers[0].url, "https://sandpit.example.org");
        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert!(all.len() > 30, "{}", all.len());
        for r in all {
            let pointer = r.strip_prefix('#').expect("a local $ref");
            assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
        }
        // Each operation resolves against the parsed document too.
        let ops: Vec<_> = spec.operations().collect();
        assert_eq!(ops.len(), operations(&document("")).len());
    }

    #[test]
    fn every_operation_is_named_tagged_and_declares_its_path_parameters() {
        let doc = json();
        let mut ids = std::collections::BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let at = format!("{method} {path}");
                let id = op["operationId"].as_str().expect(&at);
                assert!(ids.insert(id.to_owned()), "{at}: operationId {id} twice");
                assert!(op["summary"].is_string(), "{at}: no summary");
                let tag = op["tags"][0].as_str().expect(&at);
                assert!(
                    doc["tags"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|t| t["name"] == tag),
                    "{at}: tag {tag} is not described"
                );
                let declared: Vec<&str> = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap())
                    .collect();
                let named: Vec<&str> = path
                    .split('/')
                    .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
                    .collect();
                assert_eq!(declared, named, "{at}");
                let responses = op["responses"].as_object().unwrap();
                assert!(responses.contains_key("500"), "{at}");
                let open = path == "/api/v1/openapi.json";
                assert_eq!(responses.contains_key("401"), !open, "{at}");
            }
        }
    }

    #[test]
    fn bearer_tokens_and_sessions_are_the_security_schemes() {
        let doc = json();
        let schemes = &doc["components"]["securitySchemes"];
        assert_eq!(schemes["bearer"]["type"], "http");
        assert_eq!(schemes["bearer"]["scheme"], "bearer");
        assert_eq!(schemes["session"]["in"], "cookie");
        assert_eq!(
            doc["security"],
            serde_json::json!([{ "bearer": [] }, { "session": [] }])
        );
    }
}
