//! Identifiers that can only hold valid values: scenario and exercise ids.

use std::fmt;

/// Why a string is not a valid id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a valid id: {reason}")]
pub struct InvalidId {
    pub value: String,
    pub reason: &'static str,
}

fn check_slug(value: &str) -> Result<(), InvalidId> {
    let fail = |reason| {
        Err(InvalidId {
            value: value.chars().take(80).collect(),
            reason,
        })
    };
    if value.is_empty() {
        return fail("it is empty");
    }
    if value.len() > 64 {
        return fail("it is longer than 64 characters");
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return fail("only lower-case letters, digits and `-` are allowed");
    }
    if value.starts_with('-') || value.ends_with('-') {
        return fail("it may not start or end with `-`");
    }
    Ok(())
}

macro_rules! slug_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Parses a string into an id, or says why it is not one.
            pub fn parse(value: &str) -> Result<Self, InvalidId> {
                check_slug(value).map(|()| Self(value.to_owned()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.pad(&self.0)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

slug_id!(
    /// A scenario's id: the name of its directory under `scenarios/`.
    ScenarioId
);
slug_id!(
    /// An exercise's id, unique within its scenario.
    ExerciseId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_lower_case_slugs() {
        for ok in ["git-basics", "a", "x1", "step-2-merge"] {
            assert_eq!(ScenarioId::parse(ok).unwrap().as_str(), ok);
        }
    }

    #[test]
    fn rejects_everything_else_with_a_reason() {
        for (bad, why) in [
            ("", "empty"),
            ("Git", "lower-case"),
            ("a_b", "lower-case"),
            ("a b", "lower-case"),
            ("../x", "lower-case"),
            ("-a", "start or end"),
            ("a-", "start or end"),
            ("é", "lower-case"),
        ] {
            let err = ExerciseId::parse(bad).unwrap_err();
            assert!(err.to_string().contains(why), "{bad:?}: {err}");
        }
        assert!(ScenarioId::parse(&"a".repeat(65)).is_err());
    }
}
