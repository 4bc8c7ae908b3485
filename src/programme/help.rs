//! Help between peers: what ambassadors (and trainers) gave through live
//! help sessions (see `crate::community`), for the learners of a
//! programme's cohorts.
//!
//! - A session **unblocked** its learner when they passed the exercise it
//!   was about within [`UNBLOCKED_WITHIN`] of its start (a pass before the
//!   session is not one it brought).
//! - **Time to unblock**: from a session's start to that pass, the median
//!   over the sessions that unblocked, in minutes to one decimal.
//! - **Calls answered**: the share of calls for help that a help session
//!   took up (started while the call was open), to one decimal of a
//!   percent.
//! - **Per helper**: sessions, distinct learners helped, minutes spent
//!   (each session from its start to its end, or to when it was last seen
//!   open) and sessions that unblocked; most sessions first, then by name.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use serde::Serialize;
use uuid::Uuid;

use super::ProgrammeError;
use super::filter::IndicatorFilter;
use super::service::Programmes;
use crate::store::{HelpCalls, HelpFact, ProgrammeRecord};

/// A pass this soon after a session started counts as unblocked by it.
pub const UNBLOCKED_WITHIN: TimeDelta = TimeDelta::minutes(30);

/// What one helper gave.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HelperFigures {
    pub name: String,
    /// `ambassador` (a learner) or `account` (a trainer, or an account
    /// named ambassador).
    pub kind: &'static str,
    pub sessions: u64,
    pub learners: u64,
    /// Minutes spent in sessions, to one decimal.
    pub minutes: f64,
    pub unblocked: u64,
}

/// The programme's help between peers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HelpGiven {
    pub programme: Uuid,
    pub team: Option<String>,
    pub phase: Option<String>,
    pub calls: u64,
    pub calls_answered: u64,
    /// Percent of calls answered, to one decimal; absent without calls.
    pub answered_percent: Option<f64>,
    pub sessions: u64,
    /// Learners helped, each once.
    pub learners: u64,
    /// Minutes spent in all sessions, to one decimal.
    pub minutes: f64,
    pub unblocked: u64,
    /// Median minutes from a session's start to the pass it brought, to
    /// one decimal; absent when none did.
    pub median_minutes_to_unblock: Option<f64>,
    pub helpers: Vec<HelperFigures>,
}

impl Programmes {
    /// The help given to `programme`'s learners in `filter`.
    pub async fn help_given(
        &self,
        programme: &ProgrammeRecord,
        filter: &IndicatorFilter,
    ) -> Result<HelpGiven, ProgrammeError> {
        let store = self.store();
        let (facts, calls) = tokio::try_join!(
            store.help_facts(*programme.id, filter.scope()),
            store.help_calls(*programme.id, filter.scope()),
        )?;
        Ok(help_given(programme, filter, &facts, calls))
    }
}

/// Minutes to one decimal.
fn minutes(d: TimeDelta) -> f64 {
    (d.num_milliseconds().max(0) as f64 / 6000.0).round() / 10.0
}

/// The figures from the sessions and calls read.
fn help_given(
    programme: &ProgrammeRecord,
    filter: &IndicatorFilter,
    facts: &[HelpFact],
    calls: HelpCalls,
) -> HelpGiven {
    struct Tally<'a> {
        name: &'a str,
        account: bool,
        sessions: u64,
        learners: Vec<&'a str>,
        spent: TimeDelta,
        unblocked: u64,
    }
    let mut by_helper: BTreeMap<&str, Tally> = BTreeMap::new();
    let mut to_unblock = Vec::new();
    let mut learners: Vec<&str> = Vec::new();
    let mut spent = TimeDelta::zero();
    for f in facts {
        if !learners.contains(&f.learner_id.as_str()) {
            learners.push(&f.learner_id);
        }
        spent += (f.ended_at - f.started_at).max(TimeDelta::zero());
        let brought = f
            .passed_at
            .filter(|p| *p >= f.started_at && *p - f.started_at <= UNBLOCKED_WITHIN);
        if let Some(p) = brought {
            to_unblock.push(minutes(p - f.started_at));
        }
        let t = by_helper.entry(&f.helper_id).or_insert_with(|| Tally {
            name: &f.helper_name,
            account: f.account,
            sessions: 0,
            learners: Vec::new(),
            spent: TimeDelta::zero(),
            unblocked: 0,
        });
        t.sessions += 1;
        if !t.learners.contains(&f.learner_id.as_str()) {
            t.learners.push(&f.learner_id);
        }
        t.spent += (f.ended_at - f.started_at).max(TimeDelta::zero());
        t.unblocked += u64::from(brought.is_some());
    }
    let mut helpers: Vec<HelperFigures> = by_helper
        .into_values()
        .map(|t| HelperFigures {
            name: t.name.to_owned(),
            kind: if t.account { "account" } else { "ambassador" },
            sessions: t.sessions,
            learners: t.learners.len() as u64,
            minutes: minutes(t.spent),
            unblocked: t.unblocked,
        })
        .collect();
    helpers.sort_by(|a, b| {
        b.sessions
            .cmp(&a.sessions)
            .then_with(|| a.name.cmp(&b.name))
    });
    let calls_total = u64::try_from(calls.calls).unwrap_or(0);
    let answered = u64::try_from(calls.answered).unwrap_or(0);
    HelpGiven {
        programme: *programme.id,
        team: filter.team_name(),
        phase: filter.phase_name(),
        calls: calls_total,
        calls_answered: answered,
        answered_percent: (calls_total > 0)
            .then(|| (answered as f64 * 1000.0 / calls_total as f64).round() / 10.0),
        sessions: facts.len() as u64,
        learners: learners.len() as u64,
        minutes: minutes(spent),
        unblocked: to_unblock.len() as u64,
        median_minutes_to_unblock: median(&mut to_unblock),
        helpers,
    }
}

/// The median, to one decimal; None for no values.
fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let m = if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    };
    Some((m * 10.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0]), Some(3.0));
        assert_eq!(median(&mut [9.0, 1.0, 4.0, 2.0]), Some(3.0));
        assert_eq!(minutes(TimeDelta::seconds(90)), 1.5);
        assert_eq!(minutes(TimeDelta::seconds(-5)), 0.0);
    }
}
