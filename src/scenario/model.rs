//! The validated scenario model. Values of these types were checked by the
//! loader, so the rest of Sandpit can trust them.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use super::files::Asset;
use super::{ExerciseId, ScenarioId};
use crate::lang::Lang;

/// A text a learner or trainer reads (a title, a summary, instructions), in
/// every language of its scenario; the loader proved none is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    /// The scenario's first language: what other languages fall back to.
    main: Lang,
    by_lang: BTreeMap<Lang, String>,
}

impl Text {
    /// `by_lang` must hold `main`.
    pub(super) fn new(main: Lang, by_lang: BTreeMap<Lang, String>) -> Self {
        debug_assert!(by_lang.contains_key(&main));
        Self { main, by_lang }
    }

    /// The text in the page language `lang` (`en`, `fr`), else in the
    /// scenario's first language.
    pub fn get(&self, lang: &str) -> &str {
        Lang::parse(lang)
            .and_then(|l| self.by_lang.get(&l))
            .or_else(|| self.by_lang.get(&self.main))
            .map_or("", String::as_str)
    }

    /// The text in the scenario's first language.
    pub fn main(&self) -> &str {
        self.get(self.main.code())
    }

    /// Each language and its text, in code order.
    pub fn iter(&self) -> impl Iterator<Item = (Lang, &str)> {
        self.by_lang.iter().map(|(l, t)| (*l, t.as_str()))
    }
}

impl serde::Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.by_lang.serialize(s)
    }
}

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
    pub title: Text,
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
    pub title: Text,
    /// Markdown. A leading `# ` heading (the title again) is not part of it.
    pub instructions: Text,
    /// Markdown, when the exercise has a hint.
    pub hint: Option<Text>,
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
    /// The languages its texts are given in; the first is the one plain
    /// texts and unsuffixed files are in, and the fallback.
    pub languages: Vec<Lang>,
    pub title: Text,
    pub summary: Text,
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
    /// The files of `assets/` (images the instructions show, files learners
    /// download), by their path under it.
    pub assets: BTreeMap<String, Asset>,
}

impl Scenario {
    pub fn exercise(&self, id: &ExerciseId) -> Option<&Exercise> {
        self.exercises.iter().find(|e| &e.id == id)
    }
}
