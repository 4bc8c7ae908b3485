//! xAPI (Experience API 1.0.3): hand-written statement types, the statements
//! Sandpit's records stand for, and an outbox that delivers them to an LRS.
//!
//! Only what Sandpit sends is modelled; every type round-trips through serde
//! so tests (and the export) can read statements back.

mod lrs;
mod outbox;
mod parked;
mod sender;
mod settings;
mod statements;

use std::collections::BTreeMap;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use lrs::{Lrs, Refusal};
pub use outbox::sweep;
pub use parked::{ParkedStatement, parked_csv};
pub use sender::{SendReport, SenderSources, run_sender, send_due};
pub use settings::LrsSettings;
pub use statements::{Derived, Trigger, cohort_statements, derive, statement_id};

/// The xAPI version Sandpit speaks (sent as `X-Experience-API-Version`).
pub const XAPI_VERSION: &str = "1.0.3";

/// Text by RFC 5646 language tag.
pub type LanguageMap = BTreeMap<String, String>;

/// A language map with one entry.
pub fn language_map(tag: &str, text: &str) -> LanguageMap {
    BTreeMap::from([(tag.to_owned(), text.to_owned())])
}

/// A scenario's text in each of its languages.
pub fn text_map(text: &crate::scenario::Text) -> LanguageMap {
    text.iter()
        .map(|(lang, t)| (lang.code().to_owned(), t.to_owned()))
        .collect()
}

/// One learning record: someone did something to an activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statement {
    pub id: Uuid,
    pub actor: Agent,
    pub verb: Verb,
    pub object: Activity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<StatementResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Context>,
    /// When it happened (RFC 3339, UTC, milliseconds).
    #[serde(with = "timestamp")]
    pub timestamp: DateTime<Utc>,
}

/// A learner. Exactly one inverse functional identifier names them, which
/// the type makes impossible to get wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agent {
    #[serde(rename = "objectType")]
    pub object_type: AgentType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(flatten)]
    pub ifi: Ifi,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AgentType {
    Agent,
}

/// An agent's inverse functional identifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Ifi {
    /// `mailto:` and an email address.
    #[serde(rename = "mbox")]
    Mbox(String),
    /// An account on a system (Sandpit's public URL and the learner's id).
    #[serde(rename = "account")]
    Account(Account),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    #[serde(rename = "homePage")]
    pub home_page: String,
    pub name: String,
}

/// What the actor did, as an IRI and its display names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verb {
    pub id: String,
    pub display: LanguageMap,
}

/// A scenario or one of its exercises.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    #[serde(rename = "objectType")]
    pub object_type: ActivityType,
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub definition: Option<ActivityDefinition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActivityType {
    Activity,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActivityDefinition {
    pub name: LanguageMap,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<LanguageMap>,
    /// The activity type's IRI.
    #[serde(rename = "type")]
    pub kind: String,
}

/// How it went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatementResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completion: Option<bool>,
    /// ISO 8601, e.g. `PT1M3.5S`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<String>,
}

/// Where it happened: the cohort (as the registration), the scenario an
/// exercise belongs to, the programme the cohort serves, and as extensions
/// the learner's team and the cohort's phase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Context {
    pub registration: Uuid,
    #[serde(
        rename = "contextActivities",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub context_activities: Option<ContextActivities>,
    pub platform: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<BTreeMap<String, serde_json::Value>>,
}

/// The activities a statement's activity belongs to: its scenario
/// (`parent`) and the programme its cohort serves (`grouping`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContextActivities {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Vec<Activity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grouping: Option<Vec<Activity>>,
}

/// The verbs Sandpit uses, all from ADL's vocabulary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VerbKind {
    /// A learner's link first claimed a sandbox.
    Launched,
    /// A learner's first check of an exercise.
    Attempted,
    /// A check that passed.
    Passed,
    /// A check that failed.
    Failed,
    /// Every exercise of the scenario passed.
    Completed,
}

impl VerbKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Launched => "launched",
            Self::Attempted => "attempted",
            Self::Passed => "passed",
            Self::Failed => "failed",
            Self::Completed => "completed",
        }
    }

    pub fn verb(self) -> Verb {
        Verb {
            id: format!("http://adlnet.gov/expapi/verbs/{}", self.as_str()),
            display: language_map("en-US", self.as_str()),
        }
    }
}

/// A duration in ISO 8601 as xAPI wants it (`PT1H2M3.5S`), to the
/// hundredth of a second; negative spans count as zero.
pub fn iso8601_duration(span: chrono::TimeDelta) -> String {
    let centis = (span.num_milliseconds().max(0) + 5) / 10;
    let (hours, rest) = (centis / 360_000, centis % 360_000);
    let (minutes, rest) = (rest / 6_000, rest % 6_000);
    let (seconds, hundredths) = (rest / 100, rest % 100);
    let mut out = String::from("PT");
    if hours > 0 {
        out.push_str(&format!("{hours}H"));
    }
    if minutes > 0 {
        out.push_str(&format!("{minutes}M"));
    }
    if seconds > 0 || hundredths > 0 || out.len() == 2 {
        out.push_str(&seconds.to_string());
        if hundredths > 0 {
            let frac = format!("{hundredths:02}");
            out.push('.');
            out.push_str(frac.trim_end_matches('0'));
        }
        out.push('S');
    }
    out
}

/// Timestamps as RFC 3339 in UTC with milliseconds, the same every time a
/// statement is built from the same record.
mod timestamp {
    use super::*;

    pub fn serialize<S: serde::Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::Millis, true))
    }

    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        DateTime::parse_from_rfc3339(&text)
            .map(|t| t.with_timezone(&Utc))
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeDelta;

    #[test]
    fn durations_are_iso_8601_to_the_hundredth() {
        let ms = TimeDelta::milliseconds;
        assert_eq!(iso8601_duration(ms(0)), "PT0S");
        assert_eq!(iso8601_duration(ms(-5000)), "PT0S");
        assert_eq!(iso8601_duration(ms(63_500)), "PT1M3.5S");
        assert_eq!(iso8601_duration(ms(120_000)), "PT2M");
        assert_eq!(iso8601_duration(ms(3_723_040)), "PT1H2M3.04S");
        assert_eq!(iso8601_duration(ms(90_000_000)), "PT25H");
        assert_eq!(iso8601_duration(ms(4)), "PT0S");
        assert_eq!(iso8601_duration(ms(6)), "PT0.01S");
    }

    #[test]
    fn an_agent_has_exactly_the_identifier_it_was_given() {
        let agent = Agent {
            object_type: AgentType::Agent,
            name: Some("Ada".into()),
            ifi: Ifi::Mbox("mailto:ada@example.org".into()),
        };
        let json = serde_json::to_value(&agent).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"objectType": "Agent", "name": "Ada", "mbox": "mailto:ada@example.org"})
        );
        let back: Agent = serde_json::from_value(json).unwrap();
        assert_eq!(back, agent);
        let account = Agent {
            object_type: AgentType::Agent,
            name: None,
            ifi: Ifi::Account(Account {
                home_page: "http://localhost:8080".into(),
                name: "42".into(),
            }),
        };
        assert_eq!(
            serde_json::to_value(&account).unwrap(),
            serde_json::json!({"objectType": "Agent", "account": {"homePage": "http://localhost:8080", "name": "42"}})
        );
    }
}
