//! Time zones by their IANA names (`Europe/Paris`, `UTC`): the zone a
//! cohort's times are typed, shown and exported in, and the server's
//! default. Offsets follow the zone's rules on each date, daylight saving
//! time included (the tz database, through chrono-tz).

use chrono::{DateTime, Datelike, LocalResult, NaiveDateTime, SecondsFormat, TimeZone as _, Utc};
use chrono_tz::Tz;

/// A time zone of the IANA database, named as the database names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeZone(Tz);

/// A name that is not a zone of the IANA database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a time zone name from the IANA database (such as Europe/Paris, America/New_York or UTC)"
)]
pub struct UnknownTimeZone(pub String);

/// What a local time typed in a zone can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTime {
    /// One instant (when the clocks go back, the first of the two).
    At(DateTime<Utc>),
    /// Skipped when the clocks went forward: no such time in the zone.
    Skipped,
}

impl TimeZone {
    pub const UTC: Self = Self(Tz::UTC);
    /// The default zone of a server whose operator chose none.
    pub const PARIS: Self = Self(Tz::Europe__Paris);

    /// The zone named `name`, as the database spells it or in any case
    /// (`europe/paris` is `Europe/Paris`); spaces around are ignored.
    pub fn parse(name: &str) -> Result<Self, UnknownTimeZone> {
        let name = name.trim();
        if let Ok(tz) = name.parse::<Tz>() {
            return Ok(Self(tz));
        }
        chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.name().eq_ignore_ascii_case(name))
            .map(|tz| Self(*tz))
            .ok_or_else(|| UnknownTimeZone(name.to_owned()))
    }

    /// The calendar day it is now in this zone.
    pub fn today(&self) -> chrono::NaiveDate {
        self.day_of(Utc::now())
    }

    /// The calendar day `t` falls on in this zone.
    pub fn day_of(&self, t: DateTime<Utc>) -> chrono::NaiveDate {
        t.with_timezone(&self.0).date_naive()
    }

    /// The zone's name in the database (`Europe/Paris`).
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// Every zone name, in the database's order (for a form's suggestions).
    pub fn names() -> impl Iterator<Item = &'static str> {
        chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name())
    }

    /// `t` as RFC 3339 in this zone, to the millisecond, with the offset of
    /// that date: `2030-01-15T10:00:00.000+01:00`, `2030-07-15T10:00:00.000+02:00`.
    pub fn rfc3339(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0)
            .to_rfc3339_opts(SecondsFormat::Millis, false)
    }

    /// `t` as people read it on a page: `2030-01-15 10:00 CET`.
    pub fn display(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0)
            .format("%Y-%m-%d %H:%M %Z")
            .to_string()
    }

    /// The clock time of `t` in this zone, named: `10:00 CET`.
    pub fn clock(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0).format("%H:%M %Z").to_string()
    }

    /// The clock time of `t` in this zone: `10:00`.
    pub fn hour_minute(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0).format("%H:%M").to_string()
    }

    /// `t` as a `datetime-local` input shows it in this zone.
    pub fn local_input(&self, t: DateTime<Utc>) -> String {
        t.with_timezone(&self.0)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    }

    /// A form's `datetime-local` value (`2030-01-15T10:00`, seconds or a
    /// space allowed) read in this zone; None when it is no date and time.
    pub fn read_local(&self, value: &str) -> Option<LocalTime> {
        let value = value.trim();
        let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
            .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M"))
            .ok()?;
        // Years past 9999 are no date anything is planned on (and would
        // overflow).
        if !(1..=9999).contains(&naive.and_utc().year()) {
            return None;
        }
        Some(self.from_local(naive))
    }

    /// The instant a wall-clock time in this zone stands for.
    pub fn from_local(&self, local: NaiveDateTime) -> LocalTime {
        match self.0.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                LocalTime::At(t.with_timezone(&Utc))
            }
            LocalResult::None => LocalTime::Skipped,
        }
    }
}

impl Default for TimeZone {
    fn default() -> Self {
        Self::PARIS
    }
}

impl std::fmt::Display for TimeZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for TimeZone {
    type Err = UnknownTimeZone;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// How the store reads the column.
impl TryFrom<String> for TimeZone {
    type Error = UnknownTimeZone;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl serde::Serialize for TimeZone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for TimeZone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Self::parse(&name).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn paris_is_an_hour_ahead_in_winter_and_two_in_summer() {
        let paris = TimeZone::parse("Europe/Paris").unwrap();
        assert_eq!(
            paris.rfc3339(utc("2030-01-15T09:00:00Z")),
            "2030-01-15T10:00:00.000+01:00"
        );
        assert_eq!(
            paris.rfc3339(utc("2030-07-15T09:00:00.250Z")),
            "2030-07-15T11:00:00.250+02:00"
        );
        assert_eq!(
            paris.display(utc("2030-01-15T09:00:00Z")),
            "2030-01-15 10:00 CET"
        );
        assert_eq!(
            paris.display(utc("2030-07-15T09:00:00Z")),
            "2030-07-15 11:00 CEST"
        );
        assert_eq!(
            TimeZone::UTC.rfc3339(utc("2030-07-15T09:00:00Z")),
            "2030-07-15T09:00:00.000+00:00"
        );
    }

    #[test]
    fn names_are_the_databases_in_any_case_and_others_are_refused_by_name() {
        assert_eq!(
            TimeZone::parse(" europe/PARIS ").unwrap().name(),
            "Europe/Paris"
        );
        assert_eq!(TimeZone::parse("UTC").unwrap(), TimeZone::UTC);
        let e = TimeZone::parse("Mars/Olympus_Mons").unwrap_err();
        assert_eq!(
            e.to_string(),
            "`Mars/Olympus_Mons` is not a time zone name from the IANA database (such as Europe/Paris, America/New_York or UTC)"
        );
        assert!(TimeZone::parse("+01:00").is_err());
        assert!(TimeZone::parse("").is_err());
        assert!(TimeZone::names().any(|n| n == "Asia/Kathmandu"));
    }

    #[test]
    fn local_times_follow_the_clock_changes() {
        let paris = TimeZone::PARIS;
        let local = |s| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap();
        assert_eq!(
            paris.from_local(local("2030-01-15T10:00")),
            LocalTime::At(utc("2030-01-15T09:00:00Z"))
        );
        assert_eq!(
            paris.from_local(local("2030-07-15T10:00")),
            LocalTime::At(utc("2030-07-15T08:00:00Z"))
        );
        // 31 March 2030, 02:30 does not exist in Paris; 27 October, 02:30
        // happens twice and is taken the first time (summer time).
        assert_eq!(
            paris.from_local(local("2030-03-31T02:30")),
            LocalTime::Skipped
        );
        assert_eq!(
            paris.from_local(local("2030-10-27T02:30")),
            LocalTime::At(utc("2030-10-27T00:30:00Z"))
        );
        assert_eq!(
            paris.local_input(utc("2030-07-15T08:00:00Z")),
            "2030-07-15T10:00"
        );
    }

    #[test]
    fn form_values_are_read_in_the_zone_and_nonsense_is_refused() {
        let paris = TimeZone::PARIS;
        let at = |v| match paris.read_local(v) {
            Some(LocalTime::At(t)) => t.to_rfc3339(),
            other => format!("{other:?}"),
        };
        assert_eq!(at("2030-05-01T09:00"), "2030-05-01T07:00:00+00:00");
        assert_eq!(at("2030-01-15 09:00"), "2030-01-15T08:00:00+00:00");
        assert_eq!(at(" 2030-01-15T09:00:30 "), "2030-01-15T08:00:30+00:00");
        assert_eq!(at("2030-03-31T02:30"), "Some(Skipped)");
        assert!(paris.read_local("tomorrow").is_none());
        assert!(paris.read_local("").is_none());
        // Far-off years are refused, not overflowed into a panic.
        assert!(paris.read_local("+262143-12-31T23:59").is_none());
        assert!(TimeZone::UTC.read_local("10000-01-01T00:00").is_none());
    }
}
