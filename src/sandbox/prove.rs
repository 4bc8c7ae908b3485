//! Proves a scenario sound in a real sandbox: for each exercise in order,
//! its check fails, its solve runs, its check passes.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::{Owner, SandboxService};
use crate::scenario::{ExerciseId, Scenario};
use crate::store::Outcome;

/// The learner name attempts made by a proof are recorded under.
pub const PROOF_LEARNER: &str = "sandpit scenario test";

/// One script run within a proof.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Step {
    /// True when the step did what the proof needs (check failed, solve ran, check passed).
    pub ok: bool,
    pub summary: String,
    pub duration: Duration,
}

/// What happened to one exercise.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ExerciseProof {
    pub exercise: ExerciseId,
    pub check_before: Option<Step>,
    pub solve: Option<Step>,
    pub check_after: Option<Step>,
}

impl ExerciseProof {
    pub fn passed(&self) -> bool {
        [&self.check_before, &self.solve, &self.check_after]
            .iter()
            .all(|s| s.as_ref().is_some_and(|s| s.ok))
    }
}

/// The whole proof.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProofReport {
    pub sandbox: Uuid,
    pub provision: Duration,
    pub exercises: Vec<ExerciseProof>,
    /// Why the proof stopped early, if it did.
    pub error: Option<String>,
    pub cleaned_up: bool,
}

impl ProofReport {
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.cleaned_up && self.exercises.iter().all(ExerciseProof::passed)
    }
}

fn first_line(s: &str) -> String {
    let line = s
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut out: String = line.chars().take(100).collect();
    if line.chars().count() > 100 {
        out.push('…');
    }
    out
}

/// Runs the proof and removes the sandbox afterwards, whatever happened.
/// `cancel` stops it between steps; `on_exercise` reports each exercise as
/// it finishes.
pub async fn prove(
    service: &SandboxService,
    scenario: &Scenario,
    cancel: &CancellationToken,
    on_exercise: &(dyn Fn(&ExerciseProof) + Sync),
) -> ProofReport {
    let id = Uuid::new_v4();
    let owner = Owner {
        cohort: None,
        learner: Some(PROOF_LEARNER.to_owned()),
    };
    let started = Instant::now();
    let mut report = ProofReport {
        sandbox: id,
        provision: Duration::ZERO,
        exercises: Vec::new(),
        error: None,
        cleaned_up: false,
    };
    match service.provision_with_id(id, scenario, &owner).await {
        Ok(_) => {
            report.provision = started.elapsed();
            if let Err(e) = service.store().mark_claimed(id, Some(PROOF_LEARNER)).await {
                report.error = Some(e.to_string());
            }
        }
        Err(e) => report.error = Some(format!("provisioning failed: {e}")),
    }
    if report.error.is_none() {
        for ex in &scenario.exercises {
            if cancel.is_cancelled() {
                report.error = Some("interrupted".into());
                break;
            }
            let proof = prove_exercise(service, scenario, id, &ex.id, cancel).await;
            on_exercise(&proof);
            let ok = proof.passed();
            report.exercises.push(proof);
            if !ok {
                break;
            }
        }
    }
    match service.destroy(id).await {
        Ok(()) => report.cleaned_up = true,
        Err(e) => {
            let msg = format!("cleaning up sandbox {id} failed: {e}");
            report.error = Some(
                report
                    .error
                    .map_or(msg.clone(), |prev| format!("{prev}; {msg}")),
            );
        }
    }
    report
}

async fn prove_exercise(
    service: &SandboxService,
    scenario: &Scenario,
    sandbox: Uuid,
    exercise: &ExerciseId,
    cancel: &CancellationToken,
) -> ExerciseProof {
    let mut proof = ExerciseProof {
        exercise: exercise.clone(),
        check_before: None,
        solve: None,
        check_after: None,
    };
    // The check runs in each of the scenario's languages (its feedback
    // differs; its verdict must not): the step says the first language's
    // feedback, or the first language that went wrong.
    let check = |want: Outcome| async move {
        let mut step = Step {
            ok: true,
            summary: String::new(),
            duration: Duration::ZERO,
        };
        for &lang in &scenario.languages {
            let (ok, said) = match service.check(sandbox, scenario, exercise, lang).await {
                Ok(r) => {
                    step.duration += r.duration;
                    let said = format!("{}: {}", r.outcome.as_str(), first_line(&r.feedback));
                    (r.outcome == want, said)
                }
                Err(e) => (false, format!("error: {e}")),
            };
            if !ok {
                step.ok = false;
                step.summary = if scenario.languages.len() > 1 {
                    format!("[{lang}] {said}")
                } else {
                    said
                };
                break;
            }
            if step.summary.is_empty() {
                step.summary = said;
            }
        }
        step
    };
    let before = check(Outcome::Failed).await;
    let go_on = before.ok && !cancel.is_cancelled();
    proof.check_before = Some(before);
    if !go_on {
        return proof;
    }
    let solve = match service.solve(sandbox, scenario, exercise).await {
        Ok(out) => Step {
            ok: out.exit_code == Some(0),
            summary: if out.exit_code == Some(0) {
                "ran".into()
            } else if out.timed_out {
                "timed out".into()
            } else {
                format!(
                    "exit {:?}: {}",
                    out.exit_code,
                    first_line(&format!("{}\n{}", out.stderr, out.stdout))
                )
            },
            duration: out.duration,
        },
        Err(e) => Step {
            ok: false,
            summary: format!("error: {e}"),
            duration: Duration::ZERO,
        },
    };
    let go_on = solve.ok && !cancel.is_cancelled();
    proof.solve = Some(solve);
    if go_on {
        proof.check_after = Some(check(Outcome::Passed).await);
    }
    proof
}
