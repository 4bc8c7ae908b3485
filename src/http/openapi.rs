//! The OpenAPI 3.1 document of the JSON API, written by hand and served at
//! `/api/v1/openapi.json`. A test holds it to the routes the router serves.

use axum::Json;
use axum::extract::State;
use axum::http::Method;
use serde_json::{Value, json};

use super::AppState;

/// The export routes (served by `export.rs`), documented here with the rest.
pub const EXPORT_ROUTES: [&str; 5] = [
    "/api/v1/cohorts/{id}/export/attempts.csv",
    "/api/v1/cohorts/{id}/export/attempts.json",
    "/api/v1/cohorts/{id}/export/completions.csv",
    "/api/v1/cohorts/{id}/export/completions.json",
    "/api/v1/cohorts/{id}/export/xapi.json",
];

pub async fn serve(State(state): State<AppState>) -> Json<Value> {
    Json(document(&state.public_url))
}

/// Every (method, path) the document describes.
pub fn operations(doc: &Value) -> Vec<(Method, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in item.as_object().into_iter().flatten().map(|(m, _)| m) {
            if let Ok(m) = Method::from_bytes(method.to_ascii_uppercase().as_bytes()) {
                out.push((m, path.clone()));
            }
        }
    }
    out
}

fn r(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn nullable(ty: &str) -> Value {
    json!({ "type": [ty, "null"] })
}

fn time() -> Value {
    json!({ "type": "string", "format": "date-time" })
}

fn nullable_time() -> Value {
    json!({ "type": ["string", "null"], "format": "date-time" })
}

fn uuid() -> Value {
    json!({ "type": "string", "format": "uuid" })
}

fn array(items: Value) -> Value {
    json!({ "type": "array", "items": items })
}

/// An operation answering `status` with a JSON `schema`, and the errors named.
fn op(id: &str, summary: &str, status: u16, schema: Value, errors: &[u16]) -> Value {
    let mut responses = serde_json::Map::new();
    responses.insert(
        status.to_string(),
        json!({
            "description": summary,
            "content": { "application/json": { "schema": schema } }
        }),
    );
    for e in [401, 500].iter().chain(errors) {
        responses.insert(
            e.to_string(),
            json!({ "$ref": format!("#/components/responses/E{e}") }),
        );
    }
    json!({ "operationId": id, "summary": summary, "responses": responses })
}

fn with_params(mut op: Value, params: &[&str]) -> Value {
    op["parameters"] = params
        .iter()
        .map(|p| json!({ "$ref": format!("#/components/parameters/{p}") }))
        .collect();
    op
}

fn export(id: &str, summary: &str, media: &str, schema: Value) -> Value {
    let mut o = op(id, summary, 200, Value::Null, &[404]);
    o["responses"]["200"]["content"] = json!({ media: { "schema": schema } });
    let mut o = with_params(o, &["id"]);
    if media == "text/csv" {
        o["description"] = "UTF-8 with a byte order mark; times in the cohort's time zone".into();
        if let Some(params) = o["parameters"].as_array_mut() {
            params.push(json!({
                "name": "sep", "in": "query", "required": false,
                "description": "The cell separator: `semicolon` (the default, for spreadsheets set for French and most European languages) or `comma`",
                "schema": { "enum": ["semicolon", "comma"], "default": "semicolon" }
            }));
        }
        if let Some(responses) = o["responses"].as_object_mut() {
            responses.insert(
                "400".into(),
                json!({ "$ref": "#/components/responses/E400" }),
            );
        }
    }
    o
}

/// The document; `public_url` is the server clients reach.
pub fn document(public_url: &str) -> Value {
    let cohort_ops = |id: &str, summary: &str, status: u16, schema: Value, errors: &[u16]| {
        with_params(op(id, summary, status, schema, errors), &["id"])
    };
    let mut create = op(
        "createCohort",
        "Create a cohort: a roster (exactly one of `roster`, `roster_text`, `seats`) and a link per learner",
        201,
        r("CohortWithLearners"),
        &[400, 403, 409, 413, 415],
    );
    create["responses"]["409"]["description"] =
        "You already have a cohort of that name (letter case aside, archived ones too)".into();
    let mut list = op(
        "listCohorts",
        "Your cohorts, newest first (all of them for an admin), with their progress; archived ones only with `archived=true`",
        200,
        array(r("CohortListed")),
        &[400],
    );
    list["parameters"] = json!([{ "name": "archived", "in": "query", "required": false,
        "description": "`true`: the archived cohorts instead of the others", "schema": { "type": "boolean", "default": false } }]);
    create["requestBody"] = json!({
        "required": true,
        "content": { "application/json": { "schema": r("CreateCohort") } }
    });
    let mut launch = cohort_ops(
        "launchCohort",
        "Launch the cohort's warm pool; some sandboxes may be refused by a cap",
        202,
        r("Reservation"),
        &[403, 404, 409, 429],
    );
    launch["responses"]["429"]["description"] =
        "Nothing could start because of a capacity limit; see `Retry-After`".into();
    let csv = json!({ "type": "string" });
    let mut openapi = op(
        "openapi",
        "This document",
        200,
        json!({ "type": "object" }),
        &[],
    );
    openapi["security"] = json!([]);
    openapi["responses"]
        .as_object_mut()
        .expect("responses is an object")
        .remove("401");
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Sandpit API",
            "version": "1",
            "description": "Cohorts of learners, their warm pools of sandboxes, live progress and exports. \
                Authenticate with an API token from `sandpit token create` as `Authorization: Bearer <token>`. \
                Times are RFC 3339 in UTC; ids are UUIDs. Every error is `{\"error\": \"...\"}`; \
                trainers see only their own cohorts (others' answer 404), admins see all."
        },
        "servers": [{ "url": public_url }],
        "security": [{ "bearer": [] }, { "session": [] }],
        "paths": {
            "/api/v1/openapi.json": { "get": openapi },
            "/api/v1/scenarios": {
                "get": op("listScenarios", "The scenarios cohorts can use", 200, array(r("Scenario")), &[])
            },
            "/api/v1/cohorts": {
                "get": list,
                "post": create
            },
            "/api/v1/cohorts/{id}": {
                "get": cohort_ops("getCohort", "A cohort and its pool", 200, r("CohortWithPool"), &[404])
            },
            "/api/v1/cohorts/{id}/learners": {
                "get": cohort_ops("listLearners", "The roster with links and sandboxes", 200, array(r("Learner")), &[404])
            },
            "/api/v1/cohorts/{id}/launch": { "post": launch },
            "/api/v1/cohorts/{id}/status": {
                "get": cohort_ops("cohortStatus", "The warm pool's counts (poll this for progress)", 200, r("PoolStatus"), &[404])
            },
            "/api/v1/cohorts/{id}/progress": {
                "get": cohort_ops("cohortProgress", "The progress grid: learners × exercises", 200, r("CohortProgress"), &[404, 409])
            },
            "/api/v1/cohorts/{id}/learners/{learner}/attempts": {
                "get": with_params(
                    op("learnerAttempts", "Every attempt of one learner, with the check's output", 200, array(r("Attempt")), &[404]),
                    &["id", "learner"],
                )
            },
            "/api/v1/cohorts/{id}/teardown": {
                "post": cohort_ops("teardownCohort", "End the cohort: remove every sandbox; records stay", 200, r("TeardownReport"), &[403, 404])
            },
            "/api/v1/cohorts/{id}/archive": {
                "post": cohort_ops("archiveCohort", "Archive a cohort that is over (torn down, or ended with no sandbox left): out of the default list, records kept", 200, r("Cohort"), &[403, 404, 409])
            },
            "/api/v1/cohorts/{id}/restore": {
                "post": cohort_ops("restoreCohort", "Take a cohort out of the archive", 200, r("Cohort"), &[403, 404])
            },
            EXPORT_ROUTES[0]: { "get": export("exportAttemptsCsv", "Every attempt, as CSV", "text/csv", csv.clone()) },
            EXPORT_ROUTES[1]: { "get": export("exportAttemptsJson", "Every attempt, as JSON", "application/json", array(r("AttemptRow"))) },
            EXPORT_ROUTES[2]: { "get": export("exportCompletionsCsv", "Every completion (first pass), as CSV", "text/csv", csv) },
            EXPORT_ROUTES[3]: { "get": export("exportCompletionsJson", "Every completion (first pass), as JSON", "application/json", array(r("CompletionRow"))) },
            EXPORT_ROUTES[4]: { "get": export("exportXapi", "The cohort's xAPI statements", "application/json", array(r("XapiStatement"))) }
        },
        "components": components(),
    });
    add_admin(&mut doc);
    doc
}

fn components() -> Value {
    let error = |description: &str| {
        json!({
            "description": description,
            "content": { "application/json": { "schema": r("Error") } }
        })
    };
    json!({
        "securitySchemes": {
            "bearer": {
                "type": "http",
                "scheme": "bearer",
                "description": "An API token (`sandpit_…`) from `sandpit token create`"
            },
            "session": {
                "type": "apiKey",
                "in": "cookie",
                "name": "sandpit_session",
                "description": "Sandpit's own pages: the login session (`__Host-sandpit_session` when the public URL is https); anything but GET must also send its CSRF token in `X-CSRF-Token`, from the public URL's origin; refused until a printed one-time password is replaced at `/account/password`"
            }
        },
        "parameters": {
            "id": { "name": "id", "in": "path", "required": true, "description": "The cohort's id", "schema": uuid() },
            "learner": { "name": "learner", "in": "path", "required": true, "description": "The learner's id", "schema": uuid() }
        },
        "responses": {
            "E400": error("Bad input; the message names the field"),
            "E401": error("No valid API token or session"),
            "E403": error("A session without its CSRF token, from another origin, or whose one-time password is not replaced yet"),
            "E404": error("Unknown id, or a cohort that is not yours"),
            "E409": error("The cohort is over (or not over yet, to archive it), its scenario is no longer served, or its name is taken"),
            "E413": error("The body is larger than 1 MiB"),
            "E415": error("The body is not sent as `application/json`"),
            "E429": {
                "description": "A capacity limit is reached",
                "headers": { "Retry-After": { "description": "Seconds to wait", "schema": { "type": "integer" } } },
                "content": { "application/json": { "schema": r("Error") } }
            },
            "E500": error("Something failed on the server (the detail is in its log)")
        },
        "schemas": schemas(),
    })
}

fn schemas() -> Value {
    let object = |required: &[&str], properties: Value| json!({ "type": "object", "required": required, "properties": properties });
    json!({
        "Error": object(&["error"], json!({ "error": { "type": "string" } })),
        "Exercise": object(&["id", "title"], json!({ "id": { "type": "string" }, "title": { "type": "string" } })),
        "Scenario": object(&["id", "title", "summary", "exercises"], json!({
            "id": { "type": "string" }, "title": { "type": "string" }, "summary": { "type": "string" },
            "exercises": array(r("Exercise"))
        })),
        "RosterEntry": object(&["name"], json!({
            "name": { "type": "string", "maxLength": 200 },
            "email": { "type": ["string", "null"], "format": "email" },
            "team": nullable("string")
        })),
        "CreateCohort": {
            "type": "object",
            "additionalProperties": false,
            "required": ["name", "scenario", "starts_at", "ends_at"],
            "description": "Give exactly one of `roster`, `roster_text` and `seats`.",
            "properties": {
                "name": { "type": "string", "minLength": 1, "maxLength": 100 },
                "scenario": { "type": "string", "description": "A scenario id from /api/v1/scenarios" },
                "starts_at": time(),
                "ends_at": time(),
                "roster": array(r("RosterEntry")),
                "roster_text": { "type": "string", "description": "Pasted lines (`Name`, `email`, `Name <email>`) or CSV `name,email,team`" },
                "seats": { "type": "integer", "minimum": 1, "maximum": 1000, "description": "Anonymous seats" },
                "spare": { "type": "integer", "minimum": 0, "maximum": 50, "default": 1 },
                "max_sandboxes": { "type": "integer", "minimum": 1, "description": "This cohort's cap on live sandboxes (roster + spare when unset)" },
                "time_zone": { "type": "string", "description": "An IANA time zone name (Europe/Paris) the cohort's times are shown and exported in; the server's `time_zone` when absent" }
            }
        },
        "Cohort": object(&["id", "name", "scenario", "owner_id", "owner_name", "starts_at", "ends_at", "spare", "state", "created_at", "learner_count", "time_zone"], json!({
            "id": uuid(), "name": { "type": "string" }, "scenario": { "type": "string" },
            "owner_id": uuid(), "owner_name": { "type": "string" },
            "starts_at": time(), "ends_at": time(),
            "spare": { "type": "integer" }, "max_sandboxes": nullable("integer"),
            "state": { "enum": ["created", "launched", "ended", "torn_down"] },
            "launched_at": nullable_time(), "torn_down_at": nullable_time(),
            "archived_at": nullable_time(), "created_at": time(),
            "learner_count": { "type": "integer" },
            "time_zone": { "type": "string", "description": "The IANA time zone its times are shown and exported in" }
        })),
        "CohortSummary": object(&["steps_passed", "steps_total", "percent", "finished", "stuck"], json!({
            "steps_passed": { "type": "integer", "description": "(learner, exercise) pairs passed, as the grid's ✓ cells" },
            "steps_total": { "type": "integer", "description": "Learners × exercises" },
            "percent": { "type": "integer", "description": "steps_passed of steps_total, rounded down" },
            "finished": { "type": "integer", "description": "Learners who passed every exercise" },
            "stuck": { "type": "integer", "description": "Learners the grid marks stuck now" }
        })),
        "CohortListed": { "allOf": [r("Cohort"), object(&["progress"], json!({ "progress": r("CohortSummary") }))] },
        "Learner": object(&["id", "position", "name", "link"], json!({
            "id": uuid(), "position": { "type": "integer" }, "name": { "type": "string" },
            "email": nullable("string"), "team": nullable("string"),
            "link": { "type": "string", "format": "uri", "description": "The learner's key: `{public_url}/s/{token}`" },
            "sandbox_id": nullable("string"),
            "sandbox_state": { "type": ["string", "null"], "enum": ["provisioning", "ready", "claimed", "failed", "expired", "destroyed", null] },
            "claimed_at": nullable_time()
        })),
        "CohortWithLearners": { "allOf": [r("Cohort"), object(&["learners"], json!({ "learners": array(r("Learner")) }))] },
        "CohortWithPool": { "allOf": [r("Cohort"), object(&["pool"], json!({ "pool": r("PoolStatus") }))] },
        "StateCounts": object(&["provisioning", "ready", "claimed", "failed", "expired", "destroyed"], json!({
            "provisioning": { "type": "integer" }, "ready": { "type": "integer" }, "claimed": { "type": "integer" },
            "failed": { "type": "integer" }, "expired": { "type": "integer" }, "destroyed": { "type": "integer" }
        })),
        "PoolStatus": object(&["counts", "unclaimed_learners", "target", "launched"], json!({
            "counts": r("StateCounts"),
            "unclaimed_learners": { "type": "integer", "description": "Learners whose link is not bound yet" },
            "target": { "type": "integer", "description": "Ready sandboxes the pool aims to keep" },
            "failing": { "type": ["string", "null"], "description": "Set when provisioning keeps failing: the last reason" },
            "launched": { "type": "boolean" }
        })),
        "Reservation": object(&["started", "refused"], json!({
            "started": { "type": "integer", "description": "Sandboxes being provisioned" },
            "refused": { "type": "integer", "description": "Sandboxes refused by a cap" },
            "refusal": { "type": ["string", "null"], "description": "Why some were refused" }
        })),
        "TeardownReport": object(&["removed", "failed"], json!({
            "removed": { "type": "integer" },
            "failed": array(object(&["sandbox", "error"], json!({ "sandbox": uuid(), "error": { "type": "string" } })))
        })),
        "Cell": object(&["state", "attempts"], json!({
            "state": { "enum": ["not_started", "attempted", "passed"] },
            "attempts": { "type": "integer" }, "passed_at": nullable_time()
        })),
        "LearnerProgress": object(&["id", "position", "name", "cells", "completed", "finished", "stuck"], json!({
            "id": uuid(), "position": { "type": "integer" }, "name": { "type": "string" },
            "email": nullable("string"), "team": nullable("string"), "sandbox_state": nullable("string"),
            "cells": { "type": "array", "items": r("Cell"), "description": "One per exercise, in order" },
            "current_step": { "type": ["string", "null"], "description": "The first exercise not passed" },
            "completed": { "type": "integer" }, "finished": { "type": "boolean" },
            "last_activity": nullable_time(), "stuck": { "type": "boolean" }, "stuck_reason": nullable("string")
        })),
        "CohortProgress": object(&["cohort", "exercises", "learners", "pool"], json!({
            "cohort": uuid(), "exercises": array(r("Exercise")),
            "learners": array(r("LearnerProgress")), "pool": r("PoolStatus")
        })),
        "Attempt": object(&["id", "sandbox_id", "exercise_id", "outcome", "output", "detail", "duration_ms", "created_at", "completion"], json!({
            "id": { "type": "integer" }, "learner_id": nullable("string"), "sandbox_id": { "type": "string" },
            "exercise_id": { "type": "string" },
            "outcome": { "type": "string", "description": "`passed`, `failed` or `error`" },
            "output": { "type": "string", "description": "What the check printed (the learner's feedback)" },
            "detail": { "type": "string", "description": "What went wrong on the server side, for trainers" },
            "duration_ms": { "type": "integer" }, "created_at": time(),
            "completion": { "type": "boolean", "description": "True for the exercise's first pass" }
        })),
        "AttemptRow": object(&["cohort_id", "cohort_name", "exercise_id", "exercise_title", "outcome", "output", "detail", "duration_ms", "created_at", "is_completion"], json!({
            "cohort_id": uuid(), "cohort_name": { "type": "string" },
            "learner_id": { "type": ["string", "null"], "format": "uuid" }, "learner_name": nullable("string"),
            "learner_email": nullable("string"), "team": nullable("string"),
            "exercise_id": { "type": "string" }, "exercise_title": { "type": "string" },
            "outcome": { "type": "string", "description": "`passed`, `failed` or `error`" },
            "output": { "type": "string" }, "detail": { "type": "string" },
            "duration_ms": { "type": "integer" }, "created_at": time(),
            "is_completion": { "type": "boolean" }
        })),
        "CompletionRow": object(&["cohort_id", "cohort_name", "exercise_id", "exercise_title", "completed_at", "attempts_before_pass"], json!({
            "cohort_id": uuid(), "cohort_name": { "type": "string" },
            "learner_id": { "type": ["string", "null"], "format": "uuid" }, "learner_name": nullable("string"),
            "learner_email": nullable("string"), "team": nullable("string"),
            "exercise_id": { "type": "string" }, "exercise_title": { "type": "string" },
            "completed_at": time(),
            "attempts_before_pass": { "type": "integer", "description": "Checks of this exercise before the one that passed" },
            "claimed_at": nullable_time(),
            "seconds_from_claim_to_pass": nullable("integer")
        })),
        "XapiStatement": {
            "type": "object",
            "description": "An xAPI 1.0.3 statement (actor, verb, object, result, context with the cohort as registration, timestamp)",
            "required": ["actor", "verb", "object"],
            "properties": {
                "id": uuid(), "actor": { "type": "object" }, "verb": { "type": "object" },
                "object": { "type": "object" }, "result": { "type": "object" },
                "context": { "type": "object" }, "timestamp": time()
            }
        }
    })
}

/// The admin routes (`/api/v1/admin/…`) and their schemas.
fn add_admin(doc: &mut Value) {
    let admin_op = |id: &str, summary: &str, status: u16, schema: Value, errors: &[u16]| {
        op(id, summary, status, schema, errors)
    };
    let mut list = admin_op(
        "adminListSandboxes",
        "Every sandbox (live ones unless `state` says otherwise), newest first, with CPU and memory from the engine for running ones",
        200,
        array(r("AdminSandbox")),
        &[403],
    );
    list["parameters"] = json!([
        { "name": "state", "in": "query", "required": false, "description": "`live` (default), `all`, or one state", "schema": { "type": "string" } },
        { "name": "cohort", "in": "query", "required": false, "description": "A cohort's id", "schema": uuid() },
        { "name": "scenario", "in": "query", "required": false, "description": "A scenario's id", "schema": { "type": "string" } }
    ]);
    let sandbox_param = json!([{ "name": "id", "in": "path", "required": true, "description": "The sandbox's id", "schema": uuid() }]);
    let mut one = admin_op(
        "adminTeardownSandbox",
        "Tear one sandbox down (again is fine); the report is kept",
        200,
        r("TeardownReport"),
        &[403, 404],
    );
    one["parameters"] = sandbox_param;
    let cohort = with_params(
        admin_op(
            "adminTeardownCohort",
            "Tear a cohort down (any owner's); the report is kept",
            200,
            r("TeardownReport"),
            &[403, 404],
        ),
        &["id"],
    );
    let mut all = admin_op(
        "adminTeardownAll",
        "End every cohort and remove every sandbox; one kept report per cohort",
        200,
        r("TeardownAll"),
        &[400, 403, 415],
    );
    all["requestBody"] = json!({
        "required": true,
        "content": { "application/json": { "schema": {
            "type": "object", "required": ["confirm"], "additionalProperties": false,
            "properties": { "confirm": { "const": "everything" } }
        } } }
    });
    let mut report = admin_op(
        "adminTeardownReport",
        "A kept teardown report",
        200,
        r("KeptTeardownReport"),
        &[403, 404],
    );
    report["parameters"] = json!([{ "name": "id", "in": "path", "required": true, "description": "The report's id", "schema": { "type": "integer" } }]);
    let paths = doc["paths"].as_object_mut().expect("paths is an object");
    paths.insert("/api/v1/admin/sandboxes".into(), json!({ "get": list }));
    paths.insert(
        "/api/v1/admin/sandboxes/{id}/teardown".into(),
        json!({ "post": one }),
    );
    paths.insert(
        "/api/v1/admin/cohorts/{id}/teardown".into(),
        json!({ "post": cohort }),
    );
    paths.insert("/api/v1/admin/teardown-all".into(), json!({ "post": all }));
    paths.insert(
        "/api/v1/admin/teardowns/{id}".into(),
        json!({ "get": report }),
    );
    let object = |required: &[&str], properties: Value| json!({ "type": "object", "required": required, "properties": properties });
    let failures = array(object(
        &["sandbox", "error"],
        json!({ "sandbox": uuid(), "error": { "type": "string" } }),
    ));
    let schemas = doc["components"]["schemas"]
        .as_object_mut()
        .expect("schemas is an object");
    schemas.insert("ResourceHours".into(), object(&["sandboxes", "memory_gib_hours", "cpu_hours"], json!({
        "sandboxes": { "type": "integer", "description": "Sandboxes counted" },
        "memory_gib_hours": { "type": "number", "description": "Sum of memory (GiB) × hours alive" },
        "cpu_hours": { "type": "number", "description": "Sum of CPUs × hours alive" }
    })));
    schemas.insert("AdminSandbox".into(), object(&["id", "scenario", "state", "created_at", "age_seconds", "recording_bytes"], json!({
        "id": uuid(), "scenario": { "type": "string" },
        "cohort_id": nullable("string"), "cohort_name": nullable("string"), "learner": nullable("string"),
        "state": { "enum": ["provisioning", "ready", "claimed", "failed", "expired", "destroyed"] },
        "error": nullable("string"), "created_at": time(), "expires_at": nullable_time(),
        "age_seconds": { "type": "integer" },
        "recording_bytes": { "type": "integer", "description": "Bytes its terminal recordings hold (counted every few seconds while a shell records)" },
        "usage": { "oneOf": [{ "type": "null" }, object(&[], json!({
            "cpu_percent": { "type": ["number", "null"], "description": "Percent of one CPU" },
            "memory_bytes": nullable("integer"), "memory_limit_bytes": nullable("integer")
        }))], "description": "As last gathered in the background (every `usage_refresh_seconds` while someone looks)" },
        "usage_measured_at": nullable_time()
    })));
    schemas.insert("TeardownAll".into(), object(&["removed", "failed", "reports"], json!({
        "removed": { "type": "integer" }, "failed": failures.clone(),
        "reports": { "type": "array", "items": { "type": "integer" }, "description": "Kept reports' ids" }
    })));
    schemas.insert("KeptTeardownReport".into(), object(&["id", "scope", "created_at", "removed", "sandboxes", "memory_gib_hours", "cpu_hours", "failed"], json!({
        "id": { "type": "integer" }, "scope": { "enum": ["cohort", "sandbox", "loose"] },
        "cohort_id": nullable("string"), "cohort_name": nullable("string"), "sandbox_id": nullable("string"),
        "requested_by": nullable("string"), "created_at": time(),
        "removed": { "type": "integer" }, "sandboxes": { "type": "integer" },
        "memory_gib_hours": { "type": "number" }, "cpu_hours": { "type": "number" },
        "failed": failures
    })));
    // The cohort teardown's report now also says what was used and where it is kept.
    if let Some(props) = schemas
        .get_mut("TeardownReport")
        .and_then(|s| s["properties"].as_object_mut())
    {
        props.insert("resources".into(), r("ResourceHours"));
        props.insert("report_id".into(), json!({ "type": ["integer", "null"], "description": "The kept report: `/api/v1/admin/teardowns/{id}`" }));
    }
}
