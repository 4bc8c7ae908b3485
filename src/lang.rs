//! The languages Sandpit speaks: its pages' catalogue (`locales/<code>/`),
//! the languages a scenario may give its texts in, and the `SANDPIT_LANG`
//! a check is told to give its feedback in.

use std::fmt;

/// One of the languages Sandpit speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lang {
    En,
    Fr,
}

impl Lang {
    /// Every language, the fallback first.
    pub const ALL: [Self; 2] = [Self::En, Self::Fr];

    /// The ISO 639-1 code: `en`, `fr`.
    pub const fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Fr => "fr",
        }
    }

    /// The language's English name, for messages to scenario authors.
    pub const fn name(self) -> &'static str {
        match self {
            Self::En => "English",
            Self::Fr => "French",
        }
    }

    /// The language with this exact code, if Sandpit speaks it.
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|l| l.code() == code)
    }

    /// The language of a page (`en`, `fr`); English for anything else.
    pub fn of_page(code: &str) -> Self {
        Self::parse(code).unwrap_or(Self::En)
    }

    /// The codes of every language, for messages: `en, fr`.
    pub fn codes() -> String {
        Self::ALL.map(Self::code).join(", ")
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl serde::Serialize for Lang {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_parse_back_to_their_language_and_nothing_else_does() {
        for lang in Lang::ALL {
            assert_eq!(Lang::parse(lang.code()), Some(lang));
        }
        assert_eq!(Lang::parse("FR"), None);
        assert_eq!(Lang::parse("fr-FR"), None);
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::of_page("de"), Lang::En);
        assert_eq!(Lang::codes(), "en, fr");
    }
}
