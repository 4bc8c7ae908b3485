//! Change programmes: the change being led (e.g. "Adopting the new wiki"),
//! sized by an impact study of the organisation's teams and led through
//! Kotter's four phases, with the scenarios and cohorts that serve it.
//!
//! The impact study: each team (a business team or a support function, of
//! a department or site) has a headcount, a maturity level (1–5) and, per
//! scenario, an impact level (none, low, high); the scenarios its people
//! must complete carry a due date. People belong to one team; a cohort's
//! learners are matched to them.

pub mod demo;
mod downloads;
mod filter;
mod help;
pub mod import;
mod proficiency;
mod pulse;
mod ratings;
mod reach;
mod refreshers;
mod service;
mod struggle;
mod trend;
mod usage;

pub use downloads::{
    confidence_csv, help_csv, proficiency_csv, ratings_csv, reach_csv, retention_csv, struggle_csv,
    trend_csv, usage_csv,
};
pub use filter::{IndicatorFilter, ProgrammeExercise};
pub use help::{HelpGiven, HelperFigures, UNBLOCKED_WITHIN};
pub use proficiency::{ExerciseProficiency, Proficiency};
pub use pulse::{Confidence, MIN_GROUP, QuestionConfidence, Scores, parse_moment};
pub use ratings::{ExerciseRating, Ratings};
pub use reach::{PeopleFacts, Reach, ReachStatus, TeamReach};
pub use refreshers::{MAX_WEEKS, NewRefresher, Retention, TeamRetention};
pub use service::{
    CreateProgramme, PHASES, PlannedPhase, ProgrammeError, ProgrammeScenario, Programmes,
    SetImpact, TeamUsage, monday_of, parse_phase, phase_name,
};
pub use struggle::{
    DEFAULT_IDLE_HOURS, ExerciseStruggle, FailingOutput, MAX_IDLE_HOURS, OUTPUT_CHARS, Struggle,
    TOP_OUTPUTS,
};
pub use trend::{CohortTrend, Trend};
pub use usage::UsageWeek;

use serde::{Deserialize, Serialize};

pub use crate::scenario::Phase;

/// What a team is to the organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TeamKind {
    /// A business team: the tool changes its daily work.
    Business,
    /// A support function (IT, HR, finance…): it backs the business teams.
    Support,
}

impl TeamKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Business => "business",
            Self::Support => "support",
        }
    }
}

/// How much a scenario's tool changes a team's work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Impact {
    None,
    Low,
    High,
}

impl Impact {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Low => "low",
            Self::High => "high",
        }
    }
}

/// A team as an impact study lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamRow {
    /// Unique within a programme, letter case aside.
    pub name: String,
    pub kind: TeamKind,
    /// The department or site it belongs to, if the study names one.
    pub site: Option<String>,
    /// How many people the team has, trained or not.
    pub headcount: u32,
    /// How ready the team is for the change, from 1 (not at all) to 5.
    pub maturity: u8,
}

/// A person of a team, as an impact study lists them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRow {
    pub name: String,
    /// Unique within a programme when given; how a cohort's learners are
    /// matched to people.
    pub email: Option<String>,
    /// The team's name, as in the teams of the programme.
    pub team: String,
}
