//! Check and solve: an exercise's check run in the sandbox's checker, its
//! attempt recorded (a first pass as the completion), and the feedback the
//! learner is shown; the solve script that proves a scenario.

use std::time::{Duration, Instant};

use uuid::Uuid;

use super::{Result, SandboxError, SandboxService, ScriptRole, run_script};
use crate::lang::Lang;
use crate::scenario::{Exercise, ExerciseId, Scenario};
use crate::store::{NewAttempt, Outcome, SandboxRecord, SandboxState};
use crate::sync::Locked;

/// The result of one press of Check, after it was recorded.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckResult {
    pub outcome: Outcome,
    /// What the learner is shown.
    pub feedback: String,
    /// True when this attempt completed the exercise for the first time.
    pub first_pass: bool,
    pub attempt_id: i64,
    pub duration: Duration,
}

/// The most of a check's output a learner is shown.
const MAX_FEEDBACK: usize = 4096;

/// A check's output as the learner sees it: at most [`MAX_FEEDBACK`] bytes,
/// cut at a character boundary with a note.
fn feedback_of(stdout: &str) -> String {
    if stdout.len() <= MAX_FEEDBACK {
        return stdout.to_owned();
    }
    let mut end = MAX_FEEDBACK;
    while !stdout.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n[…]", &stdout[..end])
}

impl SandboxService {
    pub(super) fn exercise<'a>(
        scenario: &'a Scenario,
        exercise: &ExerciseId,
    ) -> Result<&'a Exercise> {
        scenario
            .exercise(exercise)
            .ok_or_else(|| SandboxError::UnknownExercise {
                scenario: scenario.id.to_string(),
                exercise: exercise.to_string(),
            })
    }

    /// The sandbox's record, if it can run scripts (ready or claimed), and
    /// its turn: checks and step resets of one sandbox run one at a time.
    pub(crate) async fn usable_and_serialised(
        &self,
        sandbox: Uuid,
    ) -> Result<(SandboxRecord, tokio::sync::OwnedMutexGuard<()>)> {
        let record = self.store.sandbox(sandbox).await?;
        if !matches!(record.state, SandboxState::Ready | SandboxState::Claimed) {
            return Err(SandboxError::NotUsable(sandbox, record.state));
        }
        let lock = {
            let mut locks = self.check_locks.locked();
            locks.entry(sandbox).or_default().clone()
        };
        Ok((record, lock.lock_owned().await))
    }

    /// Runs an exercise's check, which gives its feedback in `lang` (the
    /// learner's page's), records the attempt (and the completion on a first
    /// pass), commits, and only then returns the result. Checks of one
    /// sandbox run one at a time.
    pub async fn check(
        &self,
        sandbox: Uuid,
        scenario: &Scenario,
        exercise: &ExerciseId,
        lang: Lang,
    ) -> Result<CheckResult> {
        let ex = Self::exercise(scenario, exercise)?;
        let (record, _serialised) = self.usable_and_serialised(sandbox).await?;
        self.touch(sandbox);
        let started = Instant::now();
        let (outcome, feedback, detail) = match run_script(
            self.runtime.as_ref(),
            sandbox,
            scenario,
            &ex.check,
            ScriptRole::Check(lang),
            ex.check_timeout,
        )
        .await
        {
            Ok(out) if out.timed_out => (
                Outcome::Error,
                format!(
                    "The check took longer than {} s and was stopped. Try again.",
                    ex.check_timeout.as_secs()
                ),
                out.stderr,
            ),
            Ok(out) if out.exit_code == Some(0) => {
                (Outcome::Passed, feedback_of(&out.stdout), out.stderr)
            }
            Ok(out) if out.exit_code == Some(1) => {
                (Outcome::Failed, feedback_of(&out.stdout), out.stderr)
            }
            // Any other status is the check's own failure (a syntax error,
            // a crash): what it printed may quote its source, so only the
            // trainers see it.
            Ok(out) => (
                Outcome::Error,
                "The check itself failed, so your work could not be checked. Your trainer \
                 can see why; try again in a moment."
                    .to_owned(),
                format!(
                    "exit status {}\n{}\n{}",
                    out.exit_code
                        .map_or_else(|| "unknown".to_owned(), |c| c.to_string()),
                    out.stdout.trim_end(),
                    out.stderr.trim_end()
                ),
            ),
            Err(e) => (
                Outcome::Error,
                "The check could not run because of a problem on our side. Try again in a moment."
                    .to_owned(),
                e.to_string(),
            ),
        };
        let duration = started.elapsed();
        self.metrics.observe_check(outcome.as_str(), duration);
        let recorded = self
            .store
            .record_attempt(NewAttempt {
                sandbox_id: sandbox,
                learner: record.learner.as_deref(),
                exercise_id: ex.id.as_str(),
                outcome,
                output: feedback.trim_end(),
                detail: detail.trim_end(),
                duration,
            })
            .await?;
        self.changed();
        Ok(CheckResult {
            outcome,
            feedback: feedback.trim_end().to_owned(),
            first_pass: recorded.first_pass,
            attempt_id: recorded.attempt_id,
            duration,
        })
    }

    /// Runs an exercise's solve script (used to prove scenarios sound).
    pub async fn solve(
        &self,
        sandbox: Uuid,
        scenario: &Scenario,
        exercise: &ExerciseId,
    ) -> Result<crate::runtime::ExecOutput> {
        let ex = Self::exercise(scenario, exercise)?;
        Ok(run_script(
            self.runtime.as_ref(),
            sandbox,
            scenario,
            &ex.solve,
            ScriptRole::Act,
            Duration::from_secs(120),
        )
        .await?)
    }
}
