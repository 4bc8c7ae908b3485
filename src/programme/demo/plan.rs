//! The demo's plan, made before anything is stored and the same on every
//! run: its teams with their people, impacts and habits, its cohorts and
//! the weeks they ran in. Drawn from a fixed-seed sequence of numbers.

use std::collections::BTreeSet;

use chrono::{Days, NaiveDate};

use super::super::{Impact, TeamKind};
use super::texts::{FIRST_NAMES, FIRST_TEAMS, LAST_NAMES, MORE_TEAMS, ascii};

/// A deterministic sequence of numbers (SplitMix64): the same seed gives the
/// same demo on every machine and every version of every crate.
pub(super) struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number from 0 (included) to 1 (excluded).
    pub fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// A number from 0 to `n - 1` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next() % n }
    }
}

/// How big a demo programme is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoSize {
    /// Teams of the impact study; the first three are a business team, a
    /// site and a support function.
    pub teams: usize,
    /// People known by name, across the teams.
    pub people: usize,
    /// Successive groups of teams trained, two weeks apart.
    pub waves: usize,
    /// How often checks fail, and how rarely learners give up after one: 1
    /// as in the demo, more for longer struggles.
    pub failures: f64,
}

impl DemoSize {
    /// What `sandpit demo` loads: 3 teams, 46 people, 2 cohorts.
    pub const DEMO: Self = Self {
        teams: 3,
        people: 46,
        waves: 1,
        failures: 1.0,
    };

    /// A large programme, for benchmarks: 20 teams, 5,000 people, 9
    /// cohorts and, on the bundled scenarios (14 exercises), some 200,000
    /// checks, most of them failed.
    pub const LARGE: Self = Self {
        teams: 20,
        people: 5_000,
        waves: 4,
        failures: 10.0,
    };
}

/// A person of a team.
pub(super) struct PersonPlan {
    pub name: String,
    pub email: String,
}

/// A team: what the impact study says of it, and how its people behave.
pub(super) struct TeamPlan {
    pub name: String,
    pub kind: TeamKind,
    pub site: String,
    pub headcount: u32,
    pub maturity: u8,
    pub people: Vec<PersonPlan>,
    /// The first this many of its people are on rosters.
    pub invited: usize,
    /// How likely an invited person opens their sandbox.
    pub start_rate: f64,
    /// How likely a learner gives up after a failed check (times the
    /// exercise's difficulty).
    pub give_up: f64,
    /// Which wave its people are trained in.
    pub wave: usize,
    /// Per scenario of the programme, in order: its impact, whether it is
    /// required, by when.
    pub impacts: Vec<(Impact, bool, Option<NaiveDate>)>,
}

/// `day` plus (or minus) `days`.
pub(super) fn shift(day: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        day + Days::new(days.unsigned_abs())
    } else {
        day - Days::new(days.unsigned_abs())
    }
}

/// The teams of a demo of `size` over `scenarios` scenarios, this week
/// starting on `monday`. The first scenario is required of everyone; the
/// others of the support functions.
pub(super) fn teams(
    size: &DemoSize,
    scenarios: usize,
    monday: NaiveDate,
    rng: &mut Rng,
) -> Vec<TeamPlan> {
    let count = size.teams.max(1);
    // Shares of the people: the first three as in the demo, others drawn.
    let mut weights: Vec<u64> = vec![18, 20, 8];
    weights.truncate(count);
    while weights.len() < count {
        weights.push(10 + rng.below(31));
    }
    let people = split(size.people.max(count), &weights);
    let mut used = BTreeSet::new();
    let mut next_person = 0usize;
    let mut out = Vec::new();
    for (i, &n) in people.iter().enumerate() {
        let (name, kind, site) = if i < 3 {
            let (name, kind, site) = FIRST_TEAMS[i];
            (name.to_owned(), kind, site)
        } else {
            let (name, kind, site) = MORE_TEAMS[(i - 3) % MORE_TEAMS.len()];
            match (i - 3) / MORE_TEAMS.len() {
                0 => (name.to_owned(), kind, site),
                round => (format!("{name} {}", round + 1), kind, site),
            }
        };
        let members: Vec<PersonPlan> = (0..n)
            .map(|_| {
                let person = person(next_person, &mut used);
                next_person += 1;
                person
            })
            .collect();
        let due = |days: i64| Some(shift(monday, days));
        let share = |num: usize, den: usize| (n * num + den / 2) / den;
        let (headcount, maturity, invited, start_rate, give_up, first, others) = match i {
            // Late: due last Friday, not all done.
            0 => (
                share(20, 18),
                3,
                share(16, 18),
                0.9,
                0.2,
                (Impact::High, true, due(-3)),
                (Impact::Low, false, None),
            ),
            // A pilot group of a site, on track for a date weeks away.
            1 => (
                share(25, 20),
                2,
                share(5, 20),
                0.85,
                0.4,
                (Impact::High, true, due(25)),
                (Impact::None, false, None),
            ),
            // Everyone trained on both: done.
            2 => (
                n,
                4,
                n,
                1.0,
                0.0,
                (Impact::Low, true, due(-17)),
                (Impact::High, true, due(-3)),
            ),
            _ => {
                let maturity = 1 + rng.below(5) as u8;
                let invited = n / 2 + rng.below(n as u64 / 2 + 1) as usize;
                let weeks = rng.below(7) as i64 - 2;
                let due_on = due(7 * weeks - 3);
                let (first, others) = match kind {
                    TeamKind::Support => {
                        ((Impact::Low, true, due_on), (Impact::High, true, due_on))
                    }
                    TeamKind::Business => {
                        ((Impact::High, true, due_on), (Impact::None, false, None))
                    }
                };
                (
                    n + n / 8,
                    maturity,
                    invited.min(n),
                    0.7 + 0.05 * f64::from(maturity),
                    0.6 - 0.1 * f64::from(maturity),
                    first,
                    others,
                )
            }
        };
        let mut impacts = vec![first];
        impacts.extend((1..scenarios).map(|_| others));
        out.push(TeamPlan {
            name,
            kind,
            site: site.to_owned(),
            headcount: u32::try_from(headcount.max(n)).unwrap_or(u32::MAX),
            maturity,
            people: members,
            invited,
            start_rate,
            give_up,
            wave: i % size.waves.max(1),
            impacts,
        });
    }
    out
}

/// `total` split in proportion to `weights`, the remainder to the first.
fn split(total: usize, weights: &[u64]) -> Vec<usize> {
    let sum: u64 = weights.iter().sum::<u64>().max(1);
    let mut out: Vec<usize> = weights
        .iter()
        .map(|w| ((total as u64 * w) / sum).max(1) as usize)
        .collect();
    let given: usize = out.iter().sum();
    if let Some(first) = out.first_mut() {
        *first = (*first + total).saturating_sub(given).max(1);
    }
    out
}

/// The `k`th person: a name from the lists, an address at example.org
/// (a domain reserved for examples) not given before.
fn person(k: usize, used: &mut BTreeSet<String>) -> PersonPlan {
    let first = FIRST_NAMES[(k * 7 + k / 40) % FIRST_NAMES.len()];
    let last = LAST_NAMES[(k * 13 + k / 40 * 3) % LAST_NAMES.len()];
    let base = format!("{}.{}", ascii(first), ascii(last));
    let mut email = format!("{base}@example.org");
    let mut n = 2;
    while !used.insert(email.clone()) {
        email = format!("{base}{n}@example.org");
        n += 1;
    }
    PersonPlan {
        name: format!("{first} {last}"),
        email,
    }
}

/// When cohort window `k` of `count` starts: a Monday, two weeks per
/// window, the last one ending a week before `monday`.
pub(super) fn window_start(monday: NaiveDate, k: usize, count: usize) -> NaiveDate {
    let weeks = 2 * count as i64 + 1 - 2 * k as i64;
    shift(monday, -7 * weeks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_numbers() {
        let (mut a, mut b) = (Rng::new(15), Rng::new(15));
        let xs: Vec<u64> = (0..5).map(|_| a.next()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next()).collect();
        assert_eq!(xs, ys);
        assert!((0..1000).all(|_| (0.0..1.0).contains(&a.unit())));
    }

    #[test]
    fn the_demo_has_three_teams_of_46_people_with_unique_addresses() {
        let monday = NaiveDate::from_ymd_opt(2030, 3, 4).unwrap();
        let teams = teams(&DemoSize::DEMO, 2, monday, &mut Rng::new(15));
        let sizes: Vec<(usize, u32, usize)> = teams
            .iter()
            .map(|t| (t.people.len(), t.headcount, t.invited))
            .collect();
        assert_eq!(sizes, [(18, 20, 16), (20, 25, 5), (8, 8, 8)]);
        let emails: BTreeSet<&str> = teams
            .iter()
            .flat_map(|t| t.people.iter().map(|p| p.email.as_str()))
            .collect();
        assert_eq!(emails.len(), 46);
    }

    #[test]
    fn a_large_size_splits_its_people_exactly() {
        let monday = NaiveDate::from_ymd_opt(2030, 3, 4).unwrap();
        let teams = teams(&DemoSize::LARGE, 2, monday, &mut Rng::new(15));
        assert_eq!(teams.len(), 20);
        assert_eq!(teams.iter().map(|t| t.people.len()).sum::<usize>(), 5_000);
        let names: BTreeSet<&str> = teams.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names.len(), 20);
    }

    #[test]
    fn windows_end_a_week_before_this_monday() {
        let monday = NaiveDate::from_ymd_opt(2030, 3, 4).unwrap();
        assert_eq!(window_start(monday, 0, 2), shift(monday, -35));
        assert_eq!(window_start(monday, 1, 2), shift(monday, -21));
    }
}
