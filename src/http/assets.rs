//! Sandpit's own static files, embedded in the binary: each sent with an
//! `ETag` (the hash of its bytes, computed at build time) and answered
//! `304 Not Modified` when the browser already holds it; and the favicon,
//! also at `/favicon.ico` for browsers that ask there. Compression is a
//! layer over every page (`tower_http`'s, in [`super::router`]).

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use rust_embed::RustEmbed;

use super::AppState;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Static;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/static/{*path}", get(file))
        .route("/favicon.ico", get(favicon))
}

async fn file(Path(path): Path<String>, headers: HeaderMap) -> Response {
    serve(&path, &headers)
}

async fn favicon(headers: HeaderMap) -> Response {
    serve("favicon.svg", &headers)
}

fn serve(path: &str, request: &HeaderMap) -> Response {
    let Some(file) = Static::get(path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // Weak: the same file is sent gzip- or brotli-encoded, or not at all.
    let etag = format!("W/\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let held = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| matches(v, &etag));
    let mut response = if held {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mime = file.metadata.mimetype().to_owned();
        let mut response = file.data.into_owned().into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_str(&mime)
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
        );
        response
    };
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, v);
    }
    // Asked again each time, answered by a 304 while unchanged: a new
    // version of Sandpit is seen at once.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// Whether `If-None-Match` names `etag`: `*`, or a list of tags compared
/// weakly (RFC 9110, 13.1.2).
fn matches(if_none_match: &str, etag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_owned();
    let ours = opaque(etag);
    if_none_match
        .split(',')
        .any(|t| t.trim() == "*" || opaque(t) == ours)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_tags_weakly_and_takes_a_star() {
        let tag = "W/\"abc\"";
        assert!(matches("W/\"abc\"", tag));
        assert!(matches("\"abc\"", tag));
        assert!(matches("\"x\", W/\"abc\"", tag));
        assert!(matches("*", tag));
        assert!(!matches("\"abcd\"", tag));
        assert!(!matches("", tag));
    }
}
