//! Ratings, tips and questions on an exercise; trainers' review and
//! answers; votes. Every input is checked before anything is written.

use serde::Serialize;
use uuid::Uuid;

use super::{Community, CommunityError, MAX_BODY, MAX_TIPS, Mistake};
use crate::store::{
    IndicatorScope, NewTip, ProgrammeTip, Rating, ReviewedTip, TipAnswer, TipRecord, User,
};

/// What a learner sends about an exercise: a rating (both scores or
/// neither), a tip or a question, or both.
#[derive(Debug, Clone, Default)]
pub struct Feedback {
    pub useful: Option<u8>,
    pub usable: Option<u8>,
    /// `tip` (when absent) or `question`.
    pub kind: Option<String>,
    pub body: Option<String>,
}

/// A tip or question with its answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TipView {
    #[serde(flatten)]
    pub tip: TipRecord,
    pub answers: Vec<TipAnswer>,
}

/// A programme's tip or question as exported: its team, never its author,
/// and its answers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportedTip {
    #[serde(flatten)]
    pub tip: ProgrammeTip,
    pub answers: Vec<TipAnswer>,
}

/// What a learner sees of the community on an exercise.
#[derive(Debug, Clone, PartialEq)]
pub struct ExerciseTips {
    /// Approved tips and questions, those that helped most first.
    pub approved: Vec<TipView>,
    /// The learner's own, whatever their review, newest first.
    pub own: Vec<TipView>,
    /// The learner's rating, if they gave one.
    pub rating: Option<Rating>,
    /// None when the learner has not checked the exercise yet; else
    /// whether they passed it.
    pub tried: Option<bool>,
}

impl Community {
    /// What `learner` (None: a link of no roster) sees of the community on
    /// an exercise.
    pub async fn exercise_tips(
        &self,
        learner: Option<Uuid>,
        scenario: &str,
        exercise: &str,
    ) -> Result<ExerciseTips, CommunityError> {
        let approved = self
            .store
            .approved_tips(scenario, exercise, learner)
            .await?;
        let (own, rating, tried) = match learner {
            Some(l) => (
                self.store.own_tips(l, scenario, exercise).await?,
                self.store.rating(l, scenario, exercise).await?,
                self.store.tried(l, exercise).await?,
            ),
            None => (Vec::new(), None, None),
        };
        Ok(ExerciseTips {
            approved: self.with_answers(approved).await?,
            own: self.with_answers(own).await?,
            rating,
            tried,
        })
    }

    /// Keeps what `learner` says about an exercise of `scenario` they
    /// checked: the tip or question's id when there is one.
    pub async fn give_feedback(
        &self,
        learner: Uuid,
        scenario: &str,
        exercise: &str,
        lang: &str,
        f: Feedback,
    ) -> Result<Option<Uuid>, CommunityError> {
        let known = self
            .scenarios
            .find(scenario)
            .is_some_and(|s| s.exercises.iter().any(|e| e.id.as_str() == exercise));
        if !known {
            return Err(CommunityError::NotFound);
        }
        let passed = self
            .store
            .tried(learner, exercise)
            .await?
            .ok_or(Mistake::NotTried)?;
        let rating = match (f.useful, f.usable) {
            (None, None) => None,
            (Some(useful), Some(usable))
                if (1..=5).contains(&useful) && (1..=5).contains(&usable) =>
            {
                Some(Rating {
                    useful: i64::from(useful),
                    usable: i64::from(usable),
                })
            }
            _ => return Err(Mistake::Scores.into()),
        };
        let body = f.body.as_deref().map(str::trim).filter(|b| !b.is_empty());
        let kind = match f.kind.as_deref().map(str::trim) {
            None | Some("") | Some("tip") => "tip",
            Some("question") => "question",
            Some(other) => return Err(Mistake::Kind(other.to_owned()).into()),
        };
        if let Some(body) = body {
            if body.chars().count() > MAX_BODY {
                return Err(Mistake::TooLong.into());
            }
            if self.store.tips_left(learner, scenario, exercise).await? >= MAX_TIPS {
                return Err(Mistake::TooMany.into());
            }
        }
        if rating.is_none() && body.is_none() {
            return Err(Mistake::Empty.into());
        }
        if let Some(rating) = rating {
            self.store
                .rate_exercise(learner, scenario, exercise, passed, rating)
                .await?;
        }
        let Some(body) = body else {
            return Ok(None);
        };
        let id = self
            .store
            .add_tip(NewTip {
                learner,
                scenario,
                exercise,
                kind,
                body,
                lang,
            })
            .await?;
        Ok(Some(id))
    }

    /// Counts `learner`'s "this helped" for an approved tip, once: true
    /// when the vote is new.
    pub async fn vote(&self, learner: Uuid, tip: Uuid) -> Result<bool, CommunityError> {
        let found = self
            .store
            .reviewed_tip(tip)
            .await?
            .ok_or(CommunityError::NotFound)?;
        if found.tip.status != "approved" {
            return Err(Mistake::NotApproved.into());
        }
        Ok(self.store.vote_tip(tip, learner).await?)
    }

    /// The tips and questions `user` has to act on: waiting for review,
    /// or questions nobody answered; of their cohorts (every cohort for an
    /// admin), oldest first, with their answers.
    pub async fn to_review(
        &self,
        user: &User,
    ) -> Result<Vec<(ReviewedTip, Vec<TipAnswer>)>, CommunityError> {
        let owner = (!user.is_admin()).then_some(user.id);
        let tips = self.store.tips_to_review(owner).await?;
        let ids: Vec<Uuid> = tips.iter().map(|t| *t.tip.id).collect();
        let answers = self.store.tip_answers(&ids).await?;
        Ok(tips
            .into_iter()
            .map(|t| {
                let mine = answers
                    .iter()
                    .filter(|a| a.tip_id == t.tip.id)
                    .cloned()
                    .collect();
                (t, mine)
            })
            .collect())
    }

    /// Approves or rejects a tip or question of `user`'s cohorts.
    pub async fn review(&self, user: &User, tip: Uuid, status: &str) -> Result<(), CommunityError> {
        let status = match status.trim() {
            s @ ("approved" | "rejected") => s,
            other => return Err(Mistake::Status(other.to_owned()).into()),
        };
        self.actionable(user, tip).await?;
        Ok(self.store.review_tip(tip, user.id, status).await?)
    }

    /// Answers a question of `user`'s cohorts; answering approves it, so
    /// that later learners see the question with its answer.
    pub async fn answer(&self, user: &User, tip: Uuid, body: &str) -> Result<Uuid, CommunityError> {
        let body = body.trim();
        if body.is_empty() {
            return Err(Mistake::Empty.into());
        }
        if body.chars().count() > MAX_BODY {
            return Err(Mistake::TooLong.into());
        }
        let found = self.actionable(user, tip).await?;
        if found.tip.kind != "question" {
            return Err(Mistake::NotAQuestion.into());
        }
        let id = self.store.answer_tip(tip, user.id, body).await?;
        if found.tip.status == "pending" {
            self.store.review_tip(tip, user.id, "approved").await?;
        }
        Ok(id)
    }

    /// The tips and questions of a programme's learners in `scope`, with
    /// their team (never their author) and answers, newest first.
    pub async fn programme_tips(
        &self,
        programme: Uuid,
        scope: IndicatorScope<'_>,
    ) -> Result<Vec<ExportedTip>, CommunityError> {
        let tips = self.store.programme_tips(programme, scope).await?;
        let ids: Vec<Uuid> = tips.iter().map(|t| *t.tip.id).collect();
        let answers = self.store.tip_answers(&ids).await?;
        Ok(tips
            .into_iter()
            .map(|tip| ExportedTip {
                answers: answers
                    .iter()
                    .filter(|a| a.tip_id == tip.tip.id)
                    .cloned()
                    .collect(),
                tip,
            })
            .collect())
    }

    /// Tip `id`, when `user` may review and answer it.
    async fn actionable(&self, user: &User, id: Uuid) -> Result<ReviewedTip, CommunityError> {
        let found = self
            .store
            .reviewed_tip(id)
            .await?
            .ok_or(CommunityError::NotFound)?;
        if user.is_admin() || *found.owner_id == user.id {
            Ok(found)
        } else {
            Err(CommunityError::Forbidden)
        }
    }

    async fn with_answers(&self, tips: Vec<TipRecord>) -> Result<Vec<TipView>, CommunityError> {
        let ids: Vec<Uuid> = tips.iter().map(|t| *t.id).collect();
        let answers = self.store.tip_answers(&ids).await?;
        Ok(tips
            .into_iter()
            .map(|tip| TipView {
                answers: answers
                    .iter()
                    .filter(|a| a.tip_id == tip.id)
                    .cloned()
                    .collect(),
                tip,
            })
            .collect())
    }
}
