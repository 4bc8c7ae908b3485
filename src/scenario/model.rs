//! The validated scenario model. Values of these types were checked by the
//! loader, so the rest of Sandpit can trust them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::{ExerciseId, ScenarioId};

/// The phase of Kotter's change model a scenario serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Prepare,
    Engage,
    Realise,
    Anchor,
}

/// Limits the sandbox's container runs under.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Resources {
    pub memory_mb: u32,
    pub cpus: f64,
    pub pids: u32,
    /// The most the sandbox may write (its writable paths together).
    pub disk_mb: u32,
}

/// A web UI the scenario's tool serves inside the sandbox.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WebPort {
    pub port: u16,
    pub title: String,
    pub path: String,
}

/// A script shipped with a scenario, read into memory at load time.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Script {
    /// Where it came from, for messages.
    pub path: PathBuf,
    pub body: String,
}

/// One step of a scenario.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Exercise {
    pub id: ExerciseId,
    pub title: String,
    /// Markdown by language code; "en" is always present. A leading `# `
    /// heading is not part of it: it became the title in that language.
    pub instructions: BTreeMap<String, String>,
    /// The exercise's title by language, from each instructions file's
    /// leading heading; `title` where a language has none.
    pub titles: BTreeMap<String, String>,
    /// Markdown by language code; empty when the exercise has no hint.
    pub hints: BTreeMap<String, String>,
    pub check: Script,
    pub solve: Script,
    pub check_timeout: Duration,
    /// Optional: puts the sandbox back as it was before this exercise, so a
    /// learner can start it over.
    pub reset: Option<Script>,
}

/// A validated scenario.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Scenario {
    pub id: ScenarioId,
    pub dir: PathBuf,
    pub title: String,
    pub summary: String,
    pub image: String,
    pub phase: Option<Phase>,
    pub time_limit: Duration,
    /// The learner's account: terminals run as it, checks inspect its files.
    pub user: String,
    /// The account setup, solve and exercise resets run as (usually `user`;
    /// the tool's own account where the learner must not be able to write
    /// the tool's data).
    pub script_user: String,
    pub workdir: String,
    pub data_target: String,
    pub capabilities: Vec<String>,
    pub resources: Resources,
    pub web_ports: Vec<WebPort>,
    /// Whether learners get a terminal. A web-only scenario (`terminal =
    /// false`) opens on its first web UI, and its sandbox has no learner
    /// shell at all.
    pub terminal: bool,
    pub setup: Option<Script>,
    /// The `data/` directory, if the scenario has one.
    pub data_dir: Option<PathBuf>,
    pub exercises: Vec<Exercise>,
}

impl Exercise {
    /// The title in `lang`, else in English.
    pub fn title_in(&self, lang: &str) -> &str {
        self.titles.get(lang).unwrap_or(&self.title)
    }

    /// The instructions in `lang`, else in English.
    pub fn instructions_in(&self, lang: &str) -> &str {
        self.instructions
            .get(lang)
            .or_else(|| self.instructions.get("en"))
            .map_or("", String::as_str)
    }

    /// The hint in `lang`, else in English; None without a hint.
    pub fn hint_in(&self, lang: &str) -> Option<&str> {
        self.hints
            .get(lang)
            .or_else(|| self.hints.get("en"))
            .map(String::as_str)
    }
}

impl Scenario {
    pub fn exercise(&self, id: &ExerciseId) -> Option<&Exercise> {
        self.exercises.iter().find(|e| &e.id == id)
    }
}
