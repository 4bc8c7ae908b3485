//! Scenarios: the validated model of `scenarios/<id>/` and its loader
//! (`loader`, with its error and field checks in `checks`, its files read
//! in `files`, its texts in two languages in `languages`).

mod checks;
mod files;
mod ids;
mod languages;
mod loader;
mod model;
mod set;

pub use checks::ScenarioError;
pub use files::{ASSETS_PREFIX, Asset, asset_references, markdown_options};
pub use ids::{ExerciseId, InvalidId, ScenarioId};
pub use loader::{load_all, load_dir};
pub use model::{Exercise, Phase, Resources, Scenario, Script, Text, WebPort};
pub use set::Scenarios;
