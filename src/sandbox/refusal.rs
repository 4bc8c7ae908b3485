//! Why a reservation got fewer sandboxes than it asked for: a capacity
//! limit, or a cohort torn down meanwhile.

/// Why a reservation was refused sandboxes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the limit of {max} running sandboxes is reached")]
    ServerFull { max: u32 },
    #[error("this cohort's limit of {cap} sandboxes is reached")]
    CohortFull { cap: u64 },
    #[error("this cohort is torn down")]
    TornDown,
}

impl Refusal {
    /// The message key (in `locales/`) and its arguments, for the pages.
    pub fn message(&self) -> (&'static str, Vec<(&'static str, serde_json::Value)>) {
        match self {
            Self::ServerFull { max } => ("refusal-server-full", vec![("max", (*max).into())]),
            Self::CohortFull { cap } => ("refusal-cohort-full", vec![("max", (*cap).into())]),
            Self::TornDown => ("refusal-torn-down", vec![]),
        }
    }
}

/// In English, for the API and the command line.
impl serde::Serialize for Refusal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
