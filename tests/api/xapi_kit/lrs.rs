//! A small LRS for the tests: records what is POSTed, checks xAPI's
//! headers and Sandpit's credentials, and can answer 503, refuse known
//! ids with 409 (as a strict LRS does), poisoned ones with 400, chosen
//! actors with 422, batches over a size with 413, or not run at all yet.
//! Like an LRS must, it stores nothing of a batch it refuses, and it
//! answers `GET statements?statementId=` with what it stores.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use serde_json::Value;

#[derive(Default)]
pub struct LrsLog {
    /// Answer 503 instead of storing.
    pub unavailable: bool,
    /// Every statement accepted, in arrival order.
    pub statements: Vec<Value>,
    /// POSTs answered 503.
    pub refused: u32,
    /// Requests with a wrong version header or credentials.
    pub malformed: u32,
    /// Ids of every statement POSTed while available, accepted or not.
    pub posted: Vec<String>,
    /// What is stored, by id: a batch with one of these ids is refused
    /// with 409, as a strict LRS does.
    pub known: BTreeMap<String, Value>,
    /// Ids whose statements are refused with 400.
    pub poison: BTreeSet<String>,
    /// Actor emails (`mailto:` included) refused with 422.
    pub refuse_actors: BTreeSet<String>,
    /// Batches larger than this are refused with 413.
    pub max_batch: Option<usize>,
    /// POSTs received while available, and how many were answered 409.
    pub posts: u32,
    /// How many statements each of those POSTs carried.
    pub sizes: Vec<usize>,
    pub conflicts: u32,
    /// Statements read back with GET.
    pub reads: u32,
    /// Answer 403 to reads, as an LRS does to credentials that may only
    /// write.
    pub reads_forbidden: bool,
}

#[derive(Clone)]
pub struct TestLrs {
    pub log: Arc<Mutex<LrsLog>>,
}

impl TestLrs {
    /// A free port nobody listens on (yet).
    pub fn reserve() -> SocketAddr {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
    }

    pub fn endpoint(addr: SocketAddr) -> String {
        format!("http://{addr}/xapi/")
    }

    pub async fn start(addr: SocketAddr, unavailable: bool) -> Self {
        let lrs = Self {
            log: Arc::new(Mutex::new(LrsLog {
                unavailable,
                ..LrsLog::default()
            })),
        };
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let router = axum::Router::new()
            .route("/xapi/statements", post(receive).get(read))
            .with_state(lrs.clone());
        tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        lrs
    }

    pub fn set_unavailable(&self, unavailable: bool) {
        self.log.lock().unwrap().unavailable = unavailable;
    }

    pub fn statements(&self) -> Vec<Value> {
        self.log.lock().unwrap().statements.clone()
    }

    pub fn refused(&self) -> u32 {
        self.log.lock().unwrap().refused
    }

    /// How many times each statement id was POSTed (while available).
    pub fn arrivals(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for id in &self.log.lock().unwrap().posted {
            *counts.entry(id.clone()).or_default() += 1;
        }
        counts
    }
}

async fn receive(
    State(lrs): State<TestLrs>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> (StatusCode, axum::Json<Value>) {
    let mut log = lrs.log.lock().unwrap();
    let basic = format!("Basic {}", data_encoding::BASE64.encode(b"sandpit:s3cret"));
    if headers
        .get("x-experience-api-version")
        .is_none_or(|v| v != "1.0.3")
        || headers.get("authorization").is_none_or(|v| *v != *basic)
        || headers
            .get("content-type")
            .is_none_or(|v| v != "application/json")
    {
        log.malformed += 1;
        return (StatusCode::BAD_REQUEST, axum::Json(Value::Null));
    }
    if log.unavailable {
        log.refused += 1;
        return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(Value::Null));
    }
    let batch: Vec<Value> = serde_json::from_slice(&body).unwrap();
    let ids: Vec<String> = batch
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();
    log.posted.extend(ids.iter().cloned());
    log.posts += 1;
    log.sizes.push(batch.len());
    if let Some(max) = log.max_batch
        && batch.len() > max
    {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            axum::Json(serde_json::json!({"error": format!("at most {max} statements")})),
        );
    }
    if ids.iter().any(|id| log.poison.contains(id)) {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({"error": "bad statement"})),
        );
    }
    if let Some(mbox) = batch
        .iter()
        .filter_map(|s| s["actor"]["mbox"].as_str())
        .find(|m| log.refuse_actors.contains(*m))
    {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            axum::Json(serde_json::json!({
                "errorId": "c4d3e1f0",
                "warnings": [format!("actor.mbox: {mbox} is not a valid email address")]
            })),
        );
    }
    if ids.iter().any(|id| log.known.contains_key(id)) {
        log.conflicts += 1;
        return (StatusCode::CONFLICT, axum::Json(Value::Null));
    }
    for (id, statement) in ids.iter().zip(&batch) {
        log.known.insert(id.clone(), statement.clone());
    }
    log.statements.extend(batch);
    (StatusCode::OK, axum::Json(serde_json::json!(ids)))
}

/// `GET statements?statementId=`: the stored statement, with what an LRS
/// adds to it.
async fn read(
    State(lrs): State<TestLrs>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> (StatusCode, axum::Json<Value>) {
    let mut log = lrs.log.lock().unwrap();
    let basic = format!("Basic {}", data_encoding::BASE64.encode(b"sandpit:s3cret"));
    if headers
        .get("x-experience-api-version")
        .is_none_or(|v| v != "1.0.3")
        || headers.get("authorization").is_none_or(|v| *v != *basic)
    {
        log.malformed += 1;
        return (StatusCode::BAD_REQUEST, axum::Json(Value::Null));
    }
    log.reads += 1;
    if log.reads_forbidden {
        return (
            StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({"error": "this key may only write statements"})),
        );
    }
    let stored = query
        .get("statementId")
        .and_then(|id| log.known.get(id))
        .cloned();
    match stored {
        Some(mut s) => {
            s["stored"] = "2024-05-01T10:00:00.000Z".into();
            s["authority"] =
                serde_json::json!({"objectType": "Agent", "mbox": "mailto:lrs@example.org"});
            s["version"] = "1.0.3".into();
            (StatusCode::OK, axum::Json(s))
        }
        None => (StatusCode::NOT_FOUND, axum::Json(Value::Null)),
    }
}
