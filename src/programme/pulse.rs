//! Pulse questions and the confidence indicator. A change lead sets short
//! questions per phase ("I understand why we change", "I feel able to use
//! the new tool"), asked of the learners of the phase's cohorts on their
//! page before their first exercise or after their last, answered at most
//! once from 1 to 5 with an optional comment.
//!
//! Confidence reports the answers per question, in all and per team, never
//! by person: a team with fewer than [`MIN_GROUP`] answers to a question
//! shows its count and no score, and a question's comments are shown only
//! once it has that many answers in all (without their teams).

use std::collections::BTreeMap;

use serde::Serialize;
use uuid::Uuid;

use super::service::{Programmes, phase_name};
use super::{ProgrammeError, parse_phase};
use crate::store::{ProgrammeRecord, PulseComment, PulseQuestion, StoreError, User};

/// Below this many answers, a group's scores are not shown.
pub const MIN_GROUP: usize = 5;

/// The longest question and comment, in characters.
const MAX_QUESTION: usize = 300;
const MAX_COMMENT: usize = 500;

/// When a question is asked.
pub fn parse_moment(moment: &str) -> Result<&'static str, ProgrammeError> {
    match moment.trim() {
        "before" => Ok("before"),
        "after" => Ok("after"),
        other => Err(ProgrammeError::Invalid(format!(
            "`{other}` is not a moment (before or after)"
        ))),
    }
}

/// A group's answers to a question: how many, and their mean when there are
/// enough to show it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scores {
    pub answers: usize,
    /// The mean score, to two decimals; none below [`MIN_GROUP`] answers.
    pub average: Option<f64>,
}

/// One question's answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionConfidence {
    pub id: Uuid,
    pub phase: String,
    pub moment: String,
    pub text_en: Option<String>,
    pub text_fr: Option<String>,
    pub all: Scores,
    /// Per team, by name; answers of learners in no team are in `all` only.
    pub teams: BTreeMap<String, Scores>,
    /// The comments, when the question has enough answers in all.
    pub comments: Vec<String>,
}

/// Every question's answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Confidence {
    pub min_group: usize,
    pub questions: Vec<QuestionConfidence>,
}

/// A text trimmed, or none when blank.
fn clean(text: Option<&str>) -> Option<&str> {
    text.map(str::trim).filter(|t| !t.is_empty())
}

/// Answers to the questions `due`, checked: every one of them scored 1 to
/// 5, comments trimmed and short, no answer to a question not asked.
pub(super) fn checked_answers(
    due: &[PulseQuestion],
    answers: &BTreeMap<Uuid, (u8, Option<String>)>,
) -> Result<Vec<(Uuid, u8, Option<String>)>, ProgrammeError> {
    if due.is_empty() {
        return Err(ProgrammeError::Invalid(
            "there is no question to answer now (answered already?)".into(),
        ));
    }
    let mut rows = Vec::new();
    for q in due {
        let Some((score, comment)) = answers.get(&q.id) else {
            return Err(ProgrammeError::Invalid(
                "every question needs a score from 1 to 5".into(),
            ));
        };
        if !(1..=5).contains(score) {
            return Err(ProgrammeError::Invalid(format!(
                "a score is from 1 to 5, not {score}"
            )));
        }
        let comment = comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned);
        if comment
            .as_ref()
            .is_some_and(|c| c.chars().count() > MAX_COMMENT)
        {
            return Err(ProgrammeError::Invalid(format!(
                "a comment is at most {MAX_COMMENT} characters"
            )));
        }
        rows.push((*q.id, *score, comment));
    }
    if answers.keys().any(|k| !due.iter().any(|q| *q.id == *k)) {
        return Err(ProgrammeError::Invalid(
            "an answer is to a question not asked now".into(),
        ));
    }
    Ok(rows)
}

/// Answers counted and their scores added up.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    answers: usize,
    total: i64,
}

impl Tally {
    fn add(self, answers: i64, total: i64) -> Self {
        Self {
            answers: self.answers + usize::try_from(answers).unwrap_or(0),
            total: self.total + total,
        }
    }

    /// The average is shown from [`MIN_GROUP`] answers on.
    fn scores(self) -> Scores {
        let average = (self.answers >= MIN_GROUP).then(|| {
            let mean = self.total as f64 / self.answers as f64;
            (mean * 100.0).round() / 100.0
        });
        Scores {
            answers: self.answers,
            average,
        }
    }
}

impl Programmes {
    /// Adds a question to a phase, asked `before` or `after`; in English,
    /// French or both.
    pub async fn add_pulse(
        &self,
        user: &User,
        id: Uuid,
        phase: &str,
        moment: &str,
        text_en: Option<&str>,
        text_fr: Option<&str>,
    ) -> Result<PulseQuestion, ProgrammeError> {
        self.managed(user, id).await?;
        let phase = phase_name(parse_phase(phase)?);
        let moment = parse_moment(moment)?;
        let (en, fr) = (clean(text_en), clean(text_fr));
        if en.is_none() && fr.is_none() {
            return Err(ProgrammeError::Invalid(
                "a question needs its text in English (`text_en`) or French (`text_fr`)".into(),
            ));
        }
        for t in [en, fr].into_iter().flatten() {
            if t.chars().count() > MAX_QUESTION {
                return Err(ProgrammeError::Invalid(format!(
                    "a question is at most {MAX_QUESTION} characters"
                )));
            }
        }
        Ok(self
            .store()
            .add_pulse_question(id, phase, moment, en, fr)
            .await?)
    }

    /// The questions a learner is still to answer at `moment`.
    pub async fn pulse_due(
        &self,
        learner: Uuid,
        moment: &str,
    ) -> Result<Vec<PulseQuestion>, ProgrammeError> {
        Ok(self
            .store()
            .pulse_due(learner, parse_moment(moment)?)
            .await?)
    }

    /// A learner's answers to every question due at `moment`, all at once:
    /// each scored 1 to 5, comments optional and short.
    pub async fn answer_pulse(
        &self,
        learner: Uuid,
        moment: &str,
        answers: &BTreeMap<Uuid, (u8, Option<String>)>,
    ) -> Result<(), ProgrammeError> {
        let due = self.pulse_due(learner, moment).await?;
        let rows = checked_answers(&due, answers)?;
        self.store()
            .answer_pulse(learner, &rows)
            .await
            .map_err(|e| match e {
                StoreError::Duplicate(_) => {
                    ProgrammeError::Invalid("these questions were answered already".into())
                }
                e => e.into(),
            })
    }

    /// The confidence indicator of a programme.
    pub async fn confidence(
        &self,
        programme: &ProgrammeRecord,
    ) -> Result<Confidence, ProgrammeError> {
        let id = *programme.id;
        let questions = self.store().pulse_questions(id).await?;
        let scores_of = self.store().pulse_scores(id).await?;
        let mut comments_of = self.store().pulse_comments(id).await?;
        let mut out = Vec::new();
        for q in questions {
            let mine: Vec<_> = scores_of.iter().filter(|s| s.question_id == q.id).collect();
            let all = mine
                .iter()
                .fold(Tally::default(), |t, s| t.add(s.answers, s.total));
            let mut by_team: BTreeMap<String, Tally> = BTreeMap::new();
            for s in &mine {
                if let Some(team) = &s.team {
                    let t = by_team.entry(team.clone()).or_default();
                    *t = t.add(s.answers, s.total);
                }
            }
            // In the order of their text (the store's), never in the order given.
            let (theirs, others): (Vec<PulseComment>, _) =
                comments_of.into_iter().partition(|c| c.question_id == q.id);
            comments_of = others;
            let comments = if all.answers >= MIN_GROUP {
                theirs.into_iter().map(|c| c.comment).collect()
            } else {
                Vec::new()
            };
            out.push(QuestionConfidence {
                id: *q.id,
                phase: q.phase,
                moment: q.moment,
                text_en: q.text_en,
                text_fr: q.text_fr,
                all: all.scores(),
                teams: by_team
                    .into_iter()
                    .map(|(team, t)| (team, t.scores()))
                    .collect(),
                comments,
            });
        }
        Ok(Confidence {
            min_group: MIN_GROUP,
            questions: out,
        })
    }
}
