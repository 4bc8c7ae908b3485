//! The twins hold: real values of each domain type validate against the
//! document's schemas made strict.

use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::sandbox::{
    Cell, CellState, CohortProgress, CohortSummary, ExerciseColumn, LearnerProgress, PoolStatus,
    Reservation, ResourceHours, TeardownAll, TeardownFailure, TeardownReport,
};

/// The document's schemas, made strict: every property required and
/// none other allowed, so that a field the twin lacks, or one it has
/// and the real type does not, fails.
fn strict(v: &mut Value) {
    match v {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = map.get("properties") {
                let all: Vec<Value> = props.keys().map(|k| json!(k)).collect();
                map.insert("required".into(), Value::Array(all));
                map.insert("unevaluatedProperties".into(), json!(false));
            }
            map.values_mut().for_each(strict);
        }
        Value::Array(items) => items.iter_mut().for_each(strict),
        _ => {}
    }
}

fn holds<T: Serialize + utoipa::ToSchema>(value: &T) {
    let doc = serde_json::to_value(crate::http::api::openapi::document("http://x")).unwrap();
    let mut components = doc["components"].clone();
    strict(&mut components);
    let schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": format!("#/components/schemas/{}", T::name()),
        "components": components,
    });
    let validator = jsonschema::validator_for(&schema).unwrap();
    let instance = serde_json::to_value(value).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{}: {errors:#?}\n{instance:#}",
        T::name()
    );
}

fn pool() -> PoolStatus {
    PoolStatus {
        counts: Default::default(),
        unclaimed_learners: 2,
        target: 3,
        failing: Some("no image".into()),
        launched: true,
    }
}

#[test]
fn the_domain_types_serialise_as_their_schemas_say() {
    let now = chrono::Utc::now();
    holds(&CohortSummary::default());
    holds(&pool());
    holds(&Reservation {
        started: 1,
        refused: 2,
        refusal: Some(crate::sandbox::Refusal::TornDown),
    });
    let failure = TeardownFailure {
        sandbox: Uuid::nil(),
        error: "gone".into(),
    };
    holds(&TeardownReport {
        removed: 1,
        failed: vec![failure.clone()],
        resources: ResourceHours::default(),
        report_id: Some(4),
    });
    holds(&TeardownAll {
        removed: 0,
        failed: vec![failure],
        reports: vec![1, 2],
    });
    let learner = LearnerProgress {
        id: Uuid::nil(),
        position: 1,
        name: "Ada".into(),
        email: None,
        team: Some("A".into()),
        sandbox_state: Some("claimed".into()),
        cells: vec![Cell {
            state: CellState::NotStarted,
            attempts: 0,
            passed_at: Some(now),
        }],
        current_step: None,
        completed: 0,
        finished: false,
        last_activity: Some(now),
        stuck: true,
        stuck_reason: Some("idle".into()),
    };
    holds(&CohortProgress {
        cohort: Uuid::nil(),
        exercises: vec![ExerciseColumn {
            id: "one".into(),
            title: "One".into(),
        }],
        learners: vec![learner],
        pool: pool(),
    });
    holds(&crate::store::CohortAttempt {
        id: 1,
        learner_id: None,
        sandbox_id: "s".into(),
        exercise_id: "one".into(),
        outcome: "passed".into(),
        output: "ok".into(),
        detail: String::new(),
        duration_ms: 12,
        created_at: now,
        completion: true,
    });
    holds(&crate::runtime::Usage {
        cpu_percent: Some(1.5),
        memory_bytes: Some(1),
        memory_limit_bytes: None,
    });
    holds(&crate::sandbox::roster::RosterEntry {
        name: "Ada".into(),
        email: Some("ada@example.org".into()),
        team: None,
    });
}

#[test]
fn the_export_rows_serialise_as_their_schemas_say() {
    holds(&crate::export::AttemptRow {
        cohort_id: Uuid::nil(),
        cohort_name: "Ops".into(),
        programme: Some("New wiki".into()),
        phase: Some("realise".into()),
        learner_id: Some(Uuid::nil()),
        learner_name: None,
        learner_email: None,
        team: None,
        exercise_id: "one".into(),
        exercise_title: "One".into(),
        outcome: "failed".into(),
        output: "no".into(),
        detail: String::new(),
        duration_ms: 3,
        created_at: "2030-01-01T10:00:00.000+01:00".into(),
        is_completion: false,
    });
    holds(&crate::export::CompletionRow {
        cohort_id: Uuid::nil(),
        cohort_name: "Ops".into(),
        programme: Some("New wiki".into()),
        phase: Some("realise".into()),
        learner_id: None,
        learner_name: Some("Ada".into()),
        learner_email: None,
        team: None,
        exercise_id: "one".into(),
        exercise_title: "One".into(),
        completed_at: "2030-01-01T10:00:00.000+01:00".into(),
        attempts_before_pass: 2,
        claimed_at: None,
        seconds_from_claim_to_pass: Some(60),
    });
}

#[test]
fn a_field_the_twin_lacks_is_caught() {
    // The strict check itself: an extra field fails.
    #[derive(Serialize)]
    struct StateCounts {
        provisioning: u64,
        ready: u64,
        claimed: u64,
        failed: u64,
        expired: u64,
        destroyed: u64,
        lost: u64,
    }
    impl utoipa::PartialSchema for StateCounts {
        fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
            <crate::store::StateCounts as utoipa::PartialSchema>::schema()
        }
    }
    impl utoipa::ToSchema for StateCounts {}
    let grown = StateCounts {
        provisioning: 0,
        ready: 0,
        claimed: 0,
        failed: 0,
        expired: 0,
        destroyed: 0,
        lost: 1,
    };
    let caught = std::panic::catch_unwind(|| holds(&grown));
    assert!(caught.is_err(), "an unknown field passed");
}
