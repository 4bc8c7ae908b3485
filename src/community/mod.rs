//! The learning community: what learners leave for those who come after
//! them on an exercise, so that what one discovers is not lost.
//!
//! - A learner who checked an exercise (passed it or not) rates how
//!   useful and how usable it was, 1 to 5 (once; they may change it), and
//!   may leave a tip or a question.
//! - Trainers approve or reject each tip and question of their cohorts'
//!   learners and answer questions. Approved ones are shown to every later
//!   learner of the exercise, those that helped most first; a learner
//!   votes "this helped" once per tip.
//! - Reports and exports name the team, never the learner who asked or
//!   wrote; the help indicator names the helpers (ambassadors and
//!   trainers), whose help it counts.

mod help;
mod live;
mod tips;

use std::sync::Arc;

use serde_json::Value;

use crate::scenario::Scenarios;
use crate::store::{Store, StoreError};

pub use help::{
    Board, Chosen, MAX_HELP_MESSAGE, PeerStatus, STUCK_FAILURES, STUCK_IDLE_MINUTES, Why,
};
pub use live::{LiveHelp, RESUME_WITHIN, Watcher, Watching};
pub use tips::{ExerciseTips, ExportedTip, Feedback, TipView};

use crate::export::{CsvRow, Separator, to_csv};
use crate::timezone::TimeZone;

/// Longest tip, question or answer, in characters.
pub const MAX_BODY: usize = 1000;
/// Most tips and questions one learner leaves on one exercise.
pub const MAX_TIPS: i64 = 5;

/// What is wrong with a learner's or trainer's request, said in their
/// language by the edge (see [`Mistake::message`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mistake {
    #[error("give both scores, useful and usable, from 1 to 5")]
    Scores,
    #[error("rate the exercise or write a tip or a question")]
    Empty,
    #[error("a tip, question or answer is at most {MAX_BODY} characters")]
    TooLong,
    #[error("you already left {MAX_TIPS} tips or questions on this exercise")]
    TooMany,
    #[error("check the exercise once before rating it or leaving a tip")]
    NotTried,
    #[error("`{0}` is neither a tip nor a question")]
    Kind(String),
    #[error("only approved tips can be voted for")]
    NotApproved,
    #[error("only questions are answered")]
    NotAQuestion,
    #[error("`{0}` is not approved or rejected")]
    Status(String),
    #[error("they are an ambassador of it already")]
    AlreadyAmbassador,
    #[error("give `learner` or `user`, one of them")]
    PickOne,
    #[error("`learner`: {learner} is not a learner of {of}")]
    NotALearner { learner: String, of: String },
    #[error("`user`: there is no account `{0}`")]
    NoAccount(String),
    #[error(
        "a message with a call for help is at most {} characters",
        help::MAX_HELP_MESSAGE
    )]
    MessageTooLong,
}

impl Mistake {
    /// The catalogue's key for this mistake, and its arguments.
    pub fn message(&self) -> (&'static str, Vec<(&'static str, Value)>) {
        match self {
            Self::Scores => ("tips-scores", vec![]),
            Self::Empty => ("tips-empty", vec![]),
            Self::TooLong => ("tips-too-long", vec![("max", MAX_BODY.into())]),
            Self::TooMany => ("tips-too-many", vec![("max", MAX_TIPS.into())]),
            Self::NotTried => ("tips-not-tried", vec![]),
            Self::Kind(k) => ("tips-kind", vec![("kind", k.as_str().into())]),
            Self::NotApproved => ("tips-not-approved", vec![]),
            Self::NotAQuestion => ("tips-not-a-question", vec![]),
            Self::Status(s) => ("tips-status", vec![("status", s.as_str().into())]),
            Self::AlreadyAmbassador => ("help-already-ambassador", vec![]),
            Self::PickOne | Self::NotALearner { .. } => ("ambassador-pick-one", vec![]),
            Self::NoAccount(name) => (
                "ambassador-no-account",
                vec![("name", name.as_str().into())],
            ),
            Self::MessageTooLong => (
                "help-message-too-long",
                vec![("max", help::MAX_HELP_MESSAGE.into())],
            ),
        }
    }
}

/// Why a community request was refused.
#[derive(Debug, thiserror::Error)]
pub enum CommunityError {
    #[error(transparent)]
    Invalid(#[from] Mistake),
    /// No such tip, or not one the caller may see.
    #[error("no such tip")]
    NotFound,
    /// The caller may not review or answer this tip.
    #[error("only the trainer of the learner's cohort or an admin may do this")]
    Forbidden,
    /// The learner is not in the helper's care (or has no live sandbox),
    /// or the help session is someone else's.
    #[error("this learner is not in your care")]
    NotInCare,
    /// The help session is over (or the learner's sandbox changed).
    #[error("this help session has ended")]
    Ended,
    /// The helper has this help session open in too many places.
    #[error(
        "this help session is open in {} places already",
        live::MAX_CONNECTIONS
    )]
    TooManyConnections,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The community over the store, knowing the scenarios.
#[derive(Clone)]
pub struct Community {
    store: Store,
    scenarios: Arc<Scenarios>,
    live: Arc<LiveHelp>,
}

impl Community {
    pub fn new(store: Store, scenarios: Arc<Scenarios>) -> Self {
        Self {
            store,
            scenarios,
            live: Arc::default(),
        }
    }
}

/// A line of the tips file.
struct TipLine(Vec<String>);

impl CsvRow for TipLine {
    const HEADERS: &'static [&'static str] = &[
        "created_at",
        "scenario_id",
        "exercise_id",
        "kind",
        "status",
        "team",
        "votes",
        "answers",
        "text",
        "answer_texts",
    ];

    fn cells(&self) -> Vec<String> {
        self.0.clone()
    }
}

/// A programme's tips and questions as CSV (see `crate::export`): one line
/// each, newest first, times in `zone`; answers one per line of their cell.
pub fn tips_csv(
    tips: &[ExportedTip],
    zone: TimeZone,
    separator: Separator,
) -> Result<Vec<u8>, csv::Error> {
    let rows: Vec<TipLine> = tips
        .iter()
        .map(|t| {
            let tip = &t.tip.tip;
            TipLine(vec![
                zone.rfc3339(tip.created_at),
                tip.scenario_id.clone(),
                tip.exercise_id.clone(),
                tip.kind.clone(),
                tip.status.clone(),
                t.tip.team.clone().unwrap_or_default(),
                tip.votes.to_string(),
                t.answers.len().to_string(),
                tip.body.clone(),
                t.answers
                    .iter()
                    .map(|a| format!("{}: {}", a.author, a.body))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ])
        })
        .collect();
    to_csv(&rows, separator)
}
