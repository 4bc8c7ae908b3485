//! The scenarios a Sandpit serves, by id: what handlers and the background
//! work look scenarios up in.

use std::collections::BTreeMap;
use std::ops::Deref;

use super::{Scenario, ScenarioId};

/// The loaded scenarios, by id.
#[derive(Debug, Clone, Default)]
pub struct Scenarios(BTreeMap<ScenarioId, Scenario>);

impl Scenarios {
    pub fn new(scenarios: impl IntoIterator<Item = Scenario>) -> Self {
        Self(scenarios.into_iter().map(|s| (s.id.clone(), s)).collect())
    }

    /// The scenario with id `id`, if `id` is a valid id of a loaded one.
    pub fn find(&self, id: &str) -> Option<&Scenario> {
        ScenarioId::parse(id).ok().and_then(|id| self.0.get(&id))
    }

    /// The title in `lang` of exercise `exercise` of scenario `scenario`,
    /// or its id when neither is known (any more).
    pub fn exercise_title(&self, scenario: &str, exercise: &str, lang: &str) -> String {
        self.find(scenario)
            .and_then(|s| s.exercises.iter().find(|e| e.id.as_str() == exercise))
            .map_or_else(|| exercise.to_owned(), |e| e.title.get(lang).to_owned())
    }

    /// The scenario with id `id`, or an error listing the known ones.
    pub fn named(&self, id: &str) -> anyhow::Result<&Scenario> {
        self.find(id).ok_or_else(|| {
            let known: Vec<&str> = self.0.keys().map(ScenarioId::as_str).collect();
            anyhow::anyhow!("no scenario `{id}` (known: {})", known.join(", "))
        })
    }
}

impl Deref for Scenarios {
    type Target = BTreeMap<ScenarioId, Scenario>;

    fn deref(&self) -> &Self::Target {
        &self.0
    }
}
