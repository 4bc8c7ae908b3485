//! Listening before Sandpit is ready. `sandpit serve` binds its address
//! first and answers at once: while it connects to the engine, builds the
//! images its scenarios need (minutes on a fresh machine) and reconciles,
//! `/healthz` says it is alive, `/readyz` answers 503 with what it is doing
//! ("building images: 2/3"), the API answers 503 in JSON and every page says
//! the same in the visitor's language and reloads itself. Once ready, the
//! same listener hands every request to Sandpit's router.

use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use tower::ServiceExt;

use crate::http::i18n;
use crate::sync::Locked;

/// What a starting server is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Opening the store, reaching the engine, loading scenarios.
    Connecting,
    /// Building the images scenarios need: `done` of `total` are there;
    /// `current` is the latest step reported.
    Images {
        done: usize,
        total: usize,
        current: String,
    },
    /// Proving sandboxes cannot reach the host's services.
    HostGuard,
    /// Comparing the store with the engine after a stop.
    Reconciling,
}

impl Stage {
    /// In English, for `/readyz` and logs.
    pub fn describe(&self) -> String {
        match self {
            Self::Connecting => "connecting to the engine and opening the store".into(),
            Self::Images { done, total, .. } => format!("building images: {done}/{total}"),
            Self::HostGuard => "checking that sandboxes cannot reach this host".into(),
            Self::Reconciling => "reconciling the store with the engine".into(),
        }
    }

    /// In `lang`, for pages.
    fn say(&self, lang: &str) -> String {
        match self {
            Self::Connecting => i18n::text(lang, "starting-connecting"),
            Self::Images { done, total, .. } => i18n::text_with(
                lang,
                "starting-images",
                &[("done", json!(done)), ("total", json!(total))],
            ),
            Self::HostGuard => i18n::text(lang, "starting-host-guard"),
            Self::Reconciling => i18n::text(lang, "starting-reconciling"),
        }
    }
}

/// The listener's router until Sandpit is ready, then Sandpit's own.
#[derive(Clone)]
pub struct Gate {
    inner: Arc<Inner>,
}

struct Inner {
    stage: Mutex<Stage>,
    ready: OnceLock<Router>,
}

impl Default for Gate {
    fn default() -> Self {
        Self::new()
    }
}

impl Gate {
    pub fn new() -> Self {
        Self {
            inner: Arc::new(Inner {
                stage: Mutex::new(Stage::Connecting),
                ready: OnceLock::new(),
            }),
        }
    }

    /// Says what the server is doing now.
    pub fn set(&self, stage: Stage) {
        tracing::info!("starting: {}", stage.describe());
        *self.inner.stage.locked() = stage;
    }

    /// What the server is doing now.
    pub fn stage(&self) -> Stage {
        self.inner.stage.locked().clone()
    }

    /// Hands every request from now on to `router`. Only the first call
    /// counts.
    pub fn open(&self, router: Router) {
        let _ = self.inner.ready.set(router);
    }

    /// The router to serve on the listener.
    pub fn router(&self) -> Router {
        Router::new().fallback(through).with_state(self.clone())
    }

    /// A progress callback for the image builds of `total` images: an
    /// image that is up to date or built counts as done.
    pub fn image_progress(&self, total: usize) -> impl Fn(&str, &str) + Sync + use<> {
        let gate = self.clone();
        let done = Mutex::new(std::collections::BTreeSet::new());
        move |image: &str, message: &str| {
            tracing::info!(image, "{message}");
            let mut done = done.locked();
            if message == "up to date" || message == "built" {
                done.insert(image.to_owned());
            }
            *gate.inner.stage.locked() = Stage::Images {
                done: done.len(),
                total: total.max(done.len()),
                current: format!("{image}: {message}"),
            };
        }
    }
}

async fn through(State(gate): State<Gate>, req: Request) -> Response {
    if let Some(router) = gate.inner.ready.get() {
        return match router.clone().oneshot(req).await {
            Ok(response) => response,
            Err(never) => match never {},
        };
    }
    starting(&gate.stage(), &req)
}

/// How long a visitor is told to wait before trying again.
const RETRY_SECONDS: u64 = 5;

fn starting(stage: &Stage, req: &Request) -> Response {
    let path = req.uri().path();
    let described = stage.describe();
    let mut response = match path {
        // Alive: the process answers.
        "/healthz" => (
            StatusCode::OK,
            axum::Json(json!({
                "status": "starting",
                "version": env!("CARGO_PKG_VERSION"),
                "schema": crate::store::Store::schema(),
                "starting": described,
            })),
        )
            .into_response(),
        "/readyz" => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({ "status": "starting", "starting": described })),
        )
            .into_response(),
        _ if path.starts_with("/api/") || path == "/metrics" => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({ "error": format!("Sandpit is starting: {described}") })),
        )
            .into_response(),
        _ => {
            let query = req.uri().query().unwrap_or_default();
            let asked = url::form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == "lang")
                .map(|(_, v)| v.into_owned());
            let lang = i18n::negotiate(asked.as_deref(), req.headers());
            (StatusCode::SERVICE_UNAVAILABLE, page(lang, stage)).into_response()
        }
    };
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_SECONDS));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
    );
    response
}

/// A page that says what is happening and reloads itself.
fn page(lang: &str, stage: &Stage) -> axum::response::Html<String> {
    let title = escape(&i18n::text(lang, "starting-title"));
    let doing = escape(&stage.say(lang));
    let wait = escape(&i18n::text(lang, "starting-wait"));
    let detail = match stage {
        Stage::Images { current, .. } if !current.is_empty() => {
            format!("<p><code>{}</code></p>", escape(current))
        }
        _ => String::new(),
    };
    axum::response::Html(format!(
        "<!doctype html>\n<html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"refresh\" content=\"{RETRY_SECONDS}\">\
         <title>{title}</title></head>\
         <body><main><h1>{title}</h1><p role=\"status\">{doing}</p>{detail}<p>{wait}</p></main></body></html>\n"
    ))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    async fn get(gate: &Gate, uri: &str, lang: &str) -> (StatusCode, String) {
        let req = axum::http::Request::get(uri)
            .header(header::ACCEPT_LANGUAGE, lang)
            .body(Body::empty())
            .unwrap();
        let response = gate.router().oneshot(req).await.unwrap();
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn a_starting_server_says_what_it_does_then_hands_over() {
        let gate = Gate::new();
        let progress = gate.image_progress(3);
        progress("base", "up to date");
        progress("shell", "built");
        progress("wiki", "step 2/9");
        let (status, body) = get(&gate, "/readyz", "en").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["starting"], "building images: 2/3");
        let (status, body) = get(&gate, "/healthz", "en").await;
        assert_eq!(status, StatusCode::OK);
        assert!(body.contains("\"status\":\"starting\""), "{body}");
        let (status, body) = get(&gate, "/trainer", "fr").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains("lang=\"fr\""), "{body}");
        assert!(body.contains("2 sur 3 prêtes"), "{body}");
        assert!(body.contains("wiki: step 2/9"), "{body}");
        let (status, body) = get(&gate, "/api/v1/cohorts", "en").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains("building images: 2/3"), "{body}");

        gate.open(Router::new().route("/readyz", axum::routing::get(|| async { "ready" })));
        let (status, body) = get(&gate, "/readyz", "en").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "ready"));
    }
}
