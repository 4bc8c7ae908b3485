use std::collections::HashMap;

use super::teams::parse_headcount;
use super::*;
use crate::programme::{PersonRow, TeamKind, TeamRow};
use crate::sandbox::email::EmailProblem;

fn team(name: &str, kind: TeamKind, site: Option<&str>, headcount: u32, maturity: u8) -> TeamRow {
    TeamRow {
        name: name.into(),
        kind,
        site: site.map(Into::into),
        headcount,
        maturity,
    }
}

fn person(name: &str, email: Option<&str>, team: &str) -> PersonRow {
    PersonRow {
        name: name.into(),
        email: email.map(Into::into),
        team: team.into(),
    }
}

fn teams(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// The problems of a refused file, each with its line.
fn problems(e: &ImportErrors) -> Vec<(Option<u64>, ImportProblem)> {
    e.0.iter().map(|e| (e.line, e.problem.clone())).collect()
}

#[test]
fn a_french_teams_file_with_a_bom_semicolons_and_crlf_reads_in_full() {
    let file = "\u{feff}Équipe;Type;Direction;Effectif;Maturité\r\n\
                Comptabilité;Métier;Finances;1 200;2\r\n\
                \r\n\
                # les fonctions support\r\n\
                Informatique;Fonction\u{a0}support;;45;4\r\n\
                Accueil;METIER;Sites\u{a0};1\u{a0}005;1\r\n";
    let rows = parse_teams(file.as_bytes()).unwrap();
    assert_eq!(
        rows,
        [
            team(
                "Comptabilité",
                TeamKind::Business,
                Some("Finances"),
                1200,
                2
            ),
            team("Informatique", TeamKind::Support, None, 45, 4),
            team("Accueil", TeamKind::Business, Some("Sites"), 1005, 1),
        ]
    );
}

#[test]
fn an_english_teams_file_without_a_bom_reads_with_its_columns_in_any_order() {
    let file = "maturity,headcount,name,kind\n5,\"1 200\",Sales,business\n3,0,HR,support\n";
    assert_eq!(
        parse_teams(file.as_bytes()).unwrap(),
        [
            team("Sales", TeamKind::Business, None, 1200, 5),
            team("HR", TeamKind::Support, None, 0, 3),
        ]
    );
}

#[test]
fn a_windows_1252_teams_file_reads_with_its_accents() {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(
        "Équipe;Nature;Effectif;Maturité\r\nRessources humaines;support;12;3\r\nCollège des élus;métier;1 250;2\r\n",
    );
    assert!(!unmappable);
    // The encoder did write Windows-1252: É is the one byte 0xC9.
    assert_eq!(bytes[0], 0xC9);
    assert_eq!(
        parse_teams(&bytes).unwrap(),
        [
            team("Ressources humaines", TeamKind::Support, None, 12, 3),
            team("Collège des élus", TeamKind::Business, None, 1250, 2),
        ]
    );
    // Typed byte by byte, as Excel writes it.
    let literal = b"\xC9quipe;Type;Effectif;Maturit\xE9\r\nR\xE9gie;m\xE9tier;7;1\r\n";
    assert_eq!(
        parse_teams(literal).unwrap(),
        [team("Régie", TeamKind::Business, None, 7, 1)]
    );
}

#[test]
fn headcounts_take_spaces_between_thousands_and_nothing_else() {
    for (text, n) in [
        ("0", 0),
        ("12", 12),
        ("1 200", 1200),
        ("1\u{a0}200", 1200),
        ("1\u{202f}200\u{202f}000", 1_200_000),
        ("4294967295", u32::MAX),
    ] {
        assert_eq!(parse_headcount(text), Some(n), "{text:?}");
    }
    for text in [
        "",
        "-3",
        "1,200",
        "1.200",
        "12 00",
        "1200 000",
        "1  200",
        " 1",
        "ten",
        "4294967296",
    ] {
        assert_eq!(parse_headcount(text), None, "{text:?}");
    }
}

#[test]
fn every_bad_team_line_is_reported_with_its_line_and_nothing_is_returned() {
    let file = "name;kind;site;headcount;maturity\n\
                Sales;business;North;10;3\n\
                \n\
                # a comment\n\
                Ops;bureau;;10;3\n\
                HR;support;;douze;3\n\
                sales;business;;5;2\n\
                Legal;support;;3;6\n\
                ;support;;3;2\n\
                Audit;support;;;0\n";
    let e = parse_teams(file.as_bytes()).unwrap_err();
    assert_eq!(
        problems(&e),
        [
            (Some(5), ImportProblem::Kind("bureau".into())),
            (Some(6), ImportProblem::Headcount("douze".into())),
            (
                Some(7),
                ImportProblem::DuplicateTeam {
                    name: "sales".into(),
                    first: 2
                }
            ),
            (Some(8), ImportProblem::Maturity("6".into())),
            (Some(9), ImportProblem::Blank("name".into())),
            (Some(10), ImportProblem::Blank("headcount".into())),
            (Some(10), ImportProblem::Maturity("0".into())),
        ]
    );
    assert!(
        e.to_string().starts_with(
            "7 mistakes, nothing was imported: line 5: `bureau` is not a kind of team"
        ),
        "{e}"
    );
    assert!(
        e.to_string()
            .contains("line 7: the team sales is already on line 2"),
        "{e}"
    );
}

#[test]
fn a_teams_file_without_its_header_or_its_columns_is_refused_at_line_one() {
    let e = parse_teams(b"Sales;business;;10;3\n").unwrap_err();
    assert_eq!(
        problems(&e),
        [(Some(1), ImportProblem::NoHeader(Listing::Teams))]
    );
    let e = parse_teams("\n# study\nÉquipe;Site\nSales;North\n".as_bytes()).unwrap_err();
    assert_eq!(e.lines(), [3, 3, 3], "{e}");
    assert_eq!(
        e.0[0].problem,
        ImportProblem::MissingColumn("kind / type / nature".into())
    );
    assert!(
        matches!(&e.0[1].problem, ImportProblem::MissingColumn(w) if w.starts_with("headcount / effectif"))
    );
}

#[test]
fn empty_files_and_files_with_only_a_header_are_refused() {
    for file in [
        "",
        "\u{feff}",
        "\r\n\r\n",
        "# nothing\n",
        "name;kind;headcount;maturity\n",
    ] {
        let e = parse_teams(file.as_bytes()).unwrap_err();
        assert_eq!(
            problems(&e),
            [(None, ImportProblem::Empty(Listing::Teams))],
            "{file:?}"
        );
    }
    let e = parse_people(b"name;team\n", &teams(&["Ops"])).unwrap_err();
    assert_eq!(
        problems(&e),
        [(None, ImportProblem::Empty(Listing::People))]
    );
}

#[test]
fn a_file_longer_than_the_limit_is_refused_before_it_is_read() {
    let mut file = String::from("name;kind;headcount;maturity\n");
    file.push_str(&"T;business;1;1\n".repeat(MAX_LINES as usize));
    let e = parse_teams(file.as_bytes()).unwrap_err();
    assert_eq!(
        problems(&e),
        [(
            None,
            ImportProblem::TooLong {
                lines: MAX_LINES + 1
            }
        )]
    );
    assert!(e.to_string().contains("at most 20000"), "{e}");
}

#[test]
fn marked_utf8_with_a_bad_byte_is_refused_with_the_line_of_that_byte() {
    let e = parse_teams(b"\xEF\xBB\xBFname;kind;headcount;maturity\r\nR\xE9gie;business;1;1\r\n")
        .unwrap_err();
    assert_eq!(
        problems(&e),
        [(Some(2), ImportProblem::NotEncoded("UTF-8"))]
    );
}

#[test]
fn a_file_that_is_utf8_in_places_only_is_refused_with_the_first_line_that_is_not() {
    let e = parse_people(
        b"nom;\xC3\xA9quipe\r\nZo\xC3\xA9;Ops\r\n\r\nR\xE9gis;Ops\r\n",
        &teams(&["Ops"]),
    )
    .unwrap_err();
    assert_eq!(problems(&e), [(Some(4), ImportProblem::Mixed)]);
}

#[test]
fn people_read_with_their_team_spelt_as_the_programme_spells_it() {
    let known = teams(&["Comptabilité", "Informatique", "Ressources humaines"]);
    let file = "\u{feff}Nom;Courriel;Équipe\r\n\
                Zoé Martin;zoe@example.org;COMPTABILITÉ\r\n\
                ;jean@example.org;informatique\r\n\
                Ada;;Informatique\r\n\
                Léa;;ressources\u{a0} Humaines\r\n";
    assert_eq!(
        parse_people(file.as_bytes(), &known).unwrap(),
        [
            person("Zoé Martin", Some("zoe@example.org"), "Comptabilité"),
            person("jean", Some("jean@example.org"), "Informatique"),
            person("Ada", None, "Informatique"),
            person("Léa", None, "Ressources humaines"),
        ]
    );
    let english = "team,email\nOps,ada@example.org\n";
    assert_eq!(
        parse_people(english.as_bytes(), &teams(&["Ops"])).unwrap(),
        [person("ada", Some("ada@example.org"), "Ops")]
    );
    let (cp1252, _, _) = encoding_rs::WINDOWS_1252.encode("nom;équipe\r\nZoé;Comptabilité\r\n");
    assert_eq!(
        parse_people(&cp1252, &known).unwrap(),
        [person("Zoé", None, "Comptabilité")]
    );
}

#[test]
fn every_bad_person_line_is_reported_with_its_line_and_nothing_is_returned() {
    let known = teams(&["Ops", "Sales"]);
    let file = "name,email,team\n\
                Ada,ada@example.org,Ops\n\
                Bob,bob@intranet,Ops\n\
                Cy,ADA@example.org,Sales\n\
                \n\
                Di,di@example.org,Marketing\n\
                ,,Ops\n\
                Ed,ed@example.org,\n";
    let e = parse_people(file.as_bytes(), &known).unwrap_err();
    assert_eq!(
        problems(&e),
        [
            (
                Some(3),
                ImportProblem::Email(EmailProblem::NoDot {
                    email: "bob@intranet".into(),
                    domain: "intranet".into()
                })
            ),
            (
                Some(4),
                ImportProblem::DuplicateEmail {
                    email: "ADA@example.org".into(),
                    first: 2
                }
            ),
            (
                Some(6),
                ImportProblem::UnknownTeam {
                    team: "Marketing".into(),
                    known: "Ops, Sales".into()
                }
            ),
            (Some(7), ImportProblem::Nothing),
            (Some(8), ImportProblem::Blank("team".into())),
        ]
    );
    assert!(
        e.to_string().contains(
            "line 6: the team Marketing is not one of the programme's teams (Ops, Sales)"
        ),
        "{e}"
    );
}

#[test]
fn a_people_file_needs_a_team_column_and_a_name_or_email_one() {
    let known = teams(&["Ops"]);
    let e = parse_people(b"name;email\nAda;ada@example.org\n", &known).unwrap_err();
    assert_eq!(e.lines(), [1]);
    assert!(
        matches!(&e.0[0].problem, ImportProblem::MissingColumn(w) if w.starts_with("team / group")),
        "{e:?}"
    );
    let e = parse_people(b"matricule;team\n42;Ops\n", &known).unwrap_err();
    assert!(
        matches!(&e.0[0].problem, ImportProblem::MissingColumn(w) if w.contains("name") && w.contains("courriel")),
        "{e:?}"
    );
    let e = parse_people(b"Ada;ada@example.org;Ops\n", &known).unwrap_err();
    assert_eq!(
        problems(&e),
        [(Some(1), ImportProblem::NoHeader(Listing::People))]
    );
    let e = parse_people(b"name;team\nAda;Ops\n", &[]).unwrap_err();
    assert_eq!(problems(&e), [(None, ImportProblem::NoTeams)]);
}

#[test]
fn the_list_of_known_teams_in_a_message_stays_short() {
    let many: Vec<String> = (1..=30).map(|i| format!("Team {i:02}")).collect();
    let e = parse_people(b"name;team\nAda;Nowhere\n", &many).unwrap_err();
    let ImportProblem::UnknownTeam { known, .. } = &e.0[0].problem else {
        panic!("{e:?}")
    };
    assert!(known.starts_with("Team 01, Team 02"), "{known}");
    assert!(known.ends_with("Team 20, …"), "{known}");
}

/// Every problem there is, once.
fn every_problem() -> Vec<ImportProblem> {
    let s = String::from;
    vec![
        ImportProblem::NotEncoded("UTF-8"),
        ImportProblem::Mixed,
        ImportProblem::Unreadable(s("bad")),
        ImportProblem::TooLong { lines: 20_001 },
        ImportProblem::Empty(Listing::Teams),
        ImportProblem::Empty(Listing::People),
        ImportProblem::NoHeader(Listing::Teams),
        ImportProblem::NoHeader(Listing::People),
        ImportProblem::MissingColumn(s("kind / type")),
        ImportProblem::Blank(s("Effectif")),
        ImportProblem::Field(s("Nom")),
        ImportProblem::Kind(s("bureau")),
        ImportProblem::Headcount(s("douze")),
        ImportProblem::Maturity(s("6")),
        ImportProblem::DuplicateTeam {
            name: s("Ops"),
            first: 2,
        },
        ImportProblem::Email(EmailProblem::At(s("ada"))),
        ImportProblem::DuplicateEmail {
            email: s("a@example.org"),
            first: 2,
        },
        ImportProblem::Nothing,
        ImportProblem::UnknownTeam {
            team: s("X"),
            known: s("Ops"),
        },
        ImportProblem::NoTeams,
        ImportProblem::Empty(Listing::Usage),
        ImportProblem::NoHeader(Listing::Usage),
        ImportProblem::Week("next week".into()),
        ImportProblem::ActiveUsers("-2".into()),
        ImportProblem::DuplicateWeek {
            team: "Accueil".into(),
            week: "2030-01-14".into(),
            first: 2,
        },
    ]
}

/// A catalogue's messages: key → text.
fn catalogue(lang: &str) -> HashMap<String, String> {
    let path = format!("{}/locales/{lang}/main.ftl", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with([' ', '#', '\t']))
        .filter_map(|l| l.split_once(" = "))
        .map(|(k, v)| (k.trim().to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn every_problem_has_an_english_and_a_french_text_using_only_its_arguments() {
    let (en, fr) = (catalogue("en"), catalogue("fr"));
    let mut keys: Vec<(&str, Vec<&str>)> = vec![
        ("import-line", vec!["line", "detail"]),
        ("table-malformed", vec!["encoding", "line"]),
        ("table-mixed", vec!["line"]),
    ];
    let problems = every_problem();
    for p in &problems {
        let (key, args) = p.message();
        keys.push((key, args.iter().map(|(k, _)| *k).collect()));
    }
    for (key, args) in keys {
        let (Some(en), Some(fr)) = (en.get(key), fr.get(key)) else {
            panic!("{key} is missing in English or in French");
        };
        assert_ne!(en, fr, "{key} is not translated");
        for text in [en, fr] {
            for used in text.split("{ $").skip(1) {
                let name = used.split([' ', '}']).next().unwrap();
                assert!(args.contains(&name), "{key} uses ${name}, not given");
            }
        }
    }
}
