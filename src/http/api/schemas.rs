//! The OpenAPI schemas of the domain types the API returns as they are
//! (pool status, progress, teardown reports…). Those types live in layers
//! that know nothing of HTTP, so each is described here by a twin struct
//! and given `ToSchema` through it; a test serialises the real values and
//! checks them against these schemas, so the twins cannot drift.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// Gives `$real` the schema of its twin `$doc` (same name, same fields).
macro_rules! described_by {
    ($($real:ty => $doc:ty),* $(,)?) => {$(
        impl utoipa::PartialSchema for $real {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                <$doc as utoipa::PartialSchema>::schema()
            }
        }
        impl utoipa::ToSchema for $real {
            fn schemas(
                out: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>,
            ) {
                <$doc as utoipa::ToSchema>::schemas(out)
            }
        }
    )*};
}

described_by! {
    crate::sandbox::CohortSummary => twin::CohortSummary,
    crate::store::StateCounts => twin::StateCounts,
    crate::sandbox::PoolStatus => twin::PoolStatus,
    crate::sandbox::Reservation => twin::Reservation,
    crate::sandbox::TeardownFailure => twin::TeardownFailure,
    crate::sandbox::ResourceHours => twin::ResourceHours,
    crate::sandbox::TeardownReport => twin::TeardownReport,
    crate::sandbox::TeardownAll => twin::TeardownAll,
    crate::sandbox::CellState => twin::CellState,
    crate::sandbox::Cell => twin::Cell,
    crate::sandbox::ExerciseColumn => twin::ExerciseColumn,
    crate::sandbox::LearnerProgress => twin::LearnerProgress,
    crate::sandbox::CohortProgress => twin::CohortProgress,
    crate::store::CohortAttempt => twin::CohortAttempt,
    crate::runtime::Usage => twin::Usage,
    crate::sandbox::roster::RosterEntry => twin::RosterEntry,
    crate::export::AttemptRow => twin::AttemptRow,
    crate::export::CompletionRow => twin::CompletionRow,
}

/// The twins: only read by `utoipa`'s derive, never built.
#[allow(dead_code)]
mod twin {
    use super::*;
    use utoipa::ToSchema;

    /// A cohort's standing, for the lists.
    #[derive(ToSchema)]
    pub struct CohortSummary {
        /// (learner, exercise) pairs passed, as the grid's ✓ cells.
        steps_passed: u64,
        /// Learners × exercises.
        steps_total: u64,
        /// `steps_passed` of `steps_total`, in whole percent, rounded down.
        percent: u64,
        /// Learners who passed every exercise.
        finished: u64,
        /// Learners the grid marks stuck now.
        stuck: u64,
    }

    /// How many sandboxes are in each state.
    #[derive(ToSchema)]
    pub struct StateCounts {
        provisioning: u64,
        ready: u64,
        claimed: u64,
        failed: u64,
        expired: u64,
        destroyed: u64,
    }

    /// A cohort's warm pool.
    #[derive(ToSchema)]
    pub struct PoolStatus {
        counts: crate::store::StateCounts,
        /// Learners whose link is not bound to a sandbox yet.
        unclaimed_learners: u64,
        /// Ready sandboxes the pool aims to keep.
        target: u64,
        /// Set when provisioning keeps failing: the last reason.
        failing: Option<String>,
        launched: bool,
    }

    /// What a launch got.
    #[derive(ToSchema)]
    pub struct Reservation {
        /// Sandboxes being provisioned.
        started: u32,
        /// Sandboxes refused by a cap.
        refused: u32,
        /// Why some were refused, in English.
        refusal: Option<String>,
    }

    /// A sandbox that could not be removed, and why.
    #[derive(ToSchema)]
    pub struct TeardownFailure {
        sandbox: Uuid,
        error: String,
    }

    /// What sandboxes used while alive, from their scenario's resources.
    #[derive(ToSchema)]
    pub struct ResourceHours {
        /// Sandboxes counted.
        sandboxes: u32,
        /// Sum of memory (GiB) × hours alive.
        memory_gib_hours: f64,
        /// Sum of CPUs × hours alive.
        cpu_hours: f64,
    }

    /// What tearing down did.
    #[derive(ToSchema)]
    pub struct TeardownReport {
        /// Sandboxes whose engine objects were removed.
        removed: u32,
        failed: Vec<crate::sandbox::TeardownFailure>,
        resources: crate::sandbox::ResourceHours,
        /// The kept report: `/api/v1/admin/teardowns/{id}`.
        report_id: Option<i64>,
    }

    /// What tearing everything down did.
    #[derive(ToSchema)]
    pub struct TeardownAll {
        removed: u32,
        failed: Vec<crate::sandbox::TeardownFailure>,
        /// The kept reports' ids: one per cohort, and one for sandboxes of no cohort.
        reports: Vec<i64>,
    }

    #[derive(ToSchema)]
    #[schema(rename_all = "snake_case")]
    pub enum CellState {
        NotStarted,
        Attempted,
        Passed,
    }

    /// One learner's standing on one exercise.
    #[derive(ToSchema)]
    pub struct Cell {
        state: crate::sandbox::CellState,
        attempts: u32,
        passed_at: Option<DateTime<Utc>>,
    }

    /// An exercise, a column of the grid.
    #[derive(ToSchema)]
    pub struct ExerciseColumn {
        id: String,
        title: String,
    }

    /// One row of the progress grid.
    #[derive(ToSchema)]
    pub struct LearnerProgress {
        id: Uuid,
        position: i64,
        name: String,
        email: Option<String>,
        team: Option<String>,
        /// The state of the learner's sandbox; null before the link is opened.
        sandbox_state: Option<String>,
        /// One per exercise, in order.
        cells: Vec<crate::sandbox::Cell>,
        /// The first exercise not passed yet; null when all are.
        current_step: Option<String>,
        completed: u32,
        finished: bool,
        last_activity: Option<DateTime<Utc>>,
        stuck: bool,
        /// Why the learner is marked stuck.
        stuck_reason: Option<String>,
    }

    /// The progress grid: learners × exercises, with the pool's state.
    #[derive(ToSchema)]
    pub struct CohortProgress {
        cohort: Uuid,
        exercises: Vec<crate::sandbox::ExerciseColumn>,
        learners: Vec<crate::sandbox::LearnerProgress>,
        pool: crate::sandbox::PoolStatus,
    }

    /// One check of one learner, with the check's output.
    #[derive(ToSchema)]
    pub struct CohortAttempt {
        id: i64,
        learner_id: Option<String>,
        sandbox_id: String,
        exercise_id: String,
        /// `passed`, `failed` or `error`.
        outcome: String,
        /// What the check printed (the learner's feedback).
        output: String,
        /// What went wrong on the server side, for trainers.
        detail: String,
        duration_ms: i64,
        created_at: DateTime<Utc>,
        /// True for the exercise's first pass.
        completion: bool,
    }

    /// What a container used, as last gathered in the background.
    #[derive(ToSchema)]
    pub struct Usage {
        /// Percent of one CPU (200 = two CPUs busy).
        cpu_percent: Option<f64>,
        memory_bytes: Option<u64>,
        memory_limit_bytes: Option<u64>,
    }

    /// One learner of a roster.
    #[derive(ToSchema)]
    pub struct RosterEntry {
        name: String,
        #[schema(required = false)]
        email: Option<String>,
        #[schema(required = false)]
        team: Option<String>,
    }

    /// One attempt (press of Check) in an export, with whose it was.
    #[derive(ToSchema)]
    pub struct AttemptRow {
        cohort_id: Uuid,
        cohort_name: String,
        /// The programme the cohort serves, if any.
        programme: Option<String>,
        /// The programme's phase the cohort serves: `prepare`, `engage`,
        /// `realise` or `anchor`.
        phase: Option<String>,
        learner_id: Option<Uuid>,
        learner_name: Option<String>,
        learner_email: Option<String>,
        /// The team of the programme's person the learner is matched to,
        /// else the one their roster line named.
        team: Option<String>,
        exercise_id: String,
        exercise_title: String,
        /// `passed`, `failed` or `error` (the check could not run).
        outcome: String,
        /// What the learner was shown.
        output: String,
        /// The check's stderr or the engine's error, for trainers.
        detail: String,
        duration_ms: i64,
        /// RFC 3339, in the cohort's time zone.
        created_at: String,
        /// True when this attempt was the exercise's first pass.
        is_completion: bool,
    }

    /// One exercise a learner passed, in an export.
    #[derive(ToSchema)]
    pub struct CompletionRow {
        cohort_id: Uuid,
        cohort_name: String,
        /// The programme the cohort serves, if any.
        programme: Option<String>,
        /// The programme's phase the cohort serves: `prepare`, `engage`,
        /// `realise` or `anchor`.
        phase: Option<String>,
        learner_id: Option<Uuid>,
        learner_name: Option<String>,
        learner_email: Option<String>,
        /// The team of the programme's person the learner is matched to,
        /// else the one their roster line named.
        team: Option<String>,
        exercise_id: String,
        exercise_title: String,
        /// RFC 3339, in the cohort's time zone.
        completed_at: String,
        /// Checks of this exercise before the one that passed.
        attempts_before_pass: u32,
        /// When the learner's link first claimed a sandbox.
        claimed_at: Option<String>,
        /// From that claim to this pass.
        seconds_from_claim_to_pass: Option<i64>,
    }
}

#[cfg(test)]
mod tests;
