//! Scenarios: the validated model of `scenarios/<id>/` and its loader.

mod ids;
mod languages;
mod loader;
mod model;

pub use ids::{ExerciseId, InvalidId, ScenarioId};
pub use loader::{ScenarioError, load_all, load_dir};
pub use model::{Exercise, Phase, Resources, Scenario, Script, Text, WebPort};
