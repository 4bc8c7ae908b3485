//! A change lead in a real Chromium, in French: signs in, goes to the
//! programmes, opens one, reads the reach chart and its table, narrows the
//! page to one team, and downloads the reach figures as CSV.

use chrono::Utc;
use fantoccini::Locator;
use sandpit::programme::{
    CreateProgramme, Impact, PersonRow, ProgrammeScenario, SetImpact, TeamKind, TeamRow,
};
use sandpit::sandbox::CohortRequest;
use sandpit::sandbox::roster::RosterEntry;
use sandpit::store::Role;
use serde_json::Value;

use crate::common::browser::Browser;
use crate::common::server::TestServer;
use crate::common::{fixture_scenarios, settled_account, test_app};

fn team(name: &str, kind: TeamKind, headcount: u32) -> TeamRow {
    TeamRow {
        name: name.into(),
        kind,
        site: None,
        headcount,
        maturity: 3,
    }
}

#[tokio::test]
async fn a_change_lead_reads_the_french_indicators_page_filters_a_team_and_downloads_the_csv() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let (lead, password) = settled_account(&server.app, "lea", Role::Trainer).await;
    let programmes = &server.app.programmes;
    let programme = programmes
        .create(
            &lead,
            CreateProgramme {
                name: "Adopter le nouveau wiki".into(),
                summary: String::new(),
                time_zone: Some("Europe/Paris".into()),
                phases: vec![],
                scenarios: vec![ProgrammeScenario {
                    scenario: "tiny".into(),
                    phase: "realise".into(),
                }],
            },
        )
        .await
        .unwrap();
    let id = *programme.id;
    programmes
        .import_teams(
            &lead,
            id,
            &[
                team("Accueil", TeamKind::Business, 4),
                team("Finances", TeamKind::Business, 2),
            ],
        )
        .await
        .unwrap();
    let people: Vec<PersonRow> = [("Ada", "Accueil"), ("Ben", "Accueil"), ("Dan", "Finances")]
        .iter()
        .map(|(n, t)| PersonRow {
            name: (*n).into(),
            email: Some(format!("{}@ville.fr", n.to_lowercase())),
            team: (*t).into(),
        })
        .collect();
    programmes.import_people(&lead, id, &people).await.unwrap();
    for name in ["Accueil", "Finances"] {
        let impact = SetImpact {
            scenario: "tiny".into(),
            impact: Impact::High,
            required: true,
            due_on: Some(Utc::now().date_naive() + chrono::Days::new(30)),
        };
        programmes
            .set_impacts(&lead, id, name, &[impact])
            .await
            .unwrap();
    }
    let scenario = server.app.scenario("tiny").unwrap().clone();
    let roster = ["Ada", "Dan"]
        .iter()
        .map(|n| RosterEntry {
            name: (*n).into(),
            email: Some(format!("{}@ville.fr", n.to_lowercase())),
            team: None,
        })
        .collect();
    let cohort = server
        .app
        .service
        .create_cohort(
            &lead,
            &scenario,
            CohortRequest {
                name: "Lundi".into(),
                starts_at: Utc::now() + chrono::TimeDelta::days(1),
                ends_at: Utc::now() + chrono::TimeDelta::days(1) + chrono::TimeDelta::hours(3),
                roster,
                spare: 0,
                max_sandboxes: None,
                time_zone: sandpit::timezone::TimeZone::PARIS,
            },
        )
        .await
        .unwrap();
    programmes
        .attach_cohort(&lead, id, *cohort.id, "realise")
        .await
        .unwrap();

    let browser = Browser::start_in("fr-FR").await;
    browser
        .client
        .goto(&format!("{}/login", server.url))
        .await
        .unwrap();
    browser.sign_in_with("lea", &password).await;
    browser
        .wait_text("main h1", "the cohorts page", |t| t == "Vos cohortes")
        .await;
    // From the header's link to the programme.
    browser
        .find("header a[href='/trainer/programmes']")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_text("main h1", "the programmes", |t| {
            t == "Programmes de changement"
        })
        .await;
    browser.find("#programmes a").await.click().await.unwrap();
    browser
        .wait_text("main h1", "the programme", |t| {
            t == "Adopter le nouveau wiki"
        })
        .await;
    browser
        .wait_text("#reach-heading", "the reach section", |t| {
            t == "Couverture par équipe"
        })
        .await;
    // The chart is an image with a French name, and the table has its rows.
    let title = browser
        .client
        .execute(
            "return document.querySelector('#reach svg[role=img] title').textContent",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(title, "Couverture par équipe, en part de l'effectif");
    let rows = |browser: &Browser| {
        let client = browser.client.clone();
        async move {
            client
                .execute(
                    "return [...document.querySelectorAll('#reach-table tbody tr')].map(r => \
                     [...r.children].map(c => c.textContent.trim()).join('|'))",
                    vec![],
                )
                .await
                .unwrap()
        }
    };
    assert_eq!(
        rows(&browser).await,
        serde_json::json!([
            "Accueil|Équipe métier||3|4|1|0|0|0 %|".to_owned()
                + &(Utc::now().date_naive() + chrono::Days::new(30)).to_string()
                + "|Dans les temps",
            "Finances|Équipe métier||3|2|1|0|0|0 %|".to_owned()
                + &(Utc::now().date_naive() + chrono::Days::new(30)).to_string()
                + "|Dans les temps",
        ])
    );
    // Narrowed to Finances with the form, as a person would.
    browser
        .find("#filters select[name=team]")
        .await
        .select_by_value("Finances")
        .await
        .unwrap();
    browser
        .find("#filters button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_text("#reach-table tbody", "one team's row", |t| {
            t.starts_with("Finances") && !t.contains("Accueil")
        })
        .await;
    // The CSV link downloads what the table shows, for French spreadsheets.
    let href = browser
        .client
        .find(Locator::Css("a[href*='reach?'][href*='format=csv']"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert!(href.contains("team=Finances"), "{href}");
    let csv: Value = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             fetch(arguments[0]).then(r => r.arrayBuffer()).then(b => done([...new Uint8Array(b)]));",
            vec![Value::String(href)],
        )
        .await
        .unwrap();
    let bytes: Vec<u8> = serde_json::from_value(csv).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "a byte order mark first"
    );
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut lines = text.lines();
    assert!(lines.next().unwrap().contains(';'), "{text}");
    assert!(text.contains("Finances;"), "{text}");
    assert!(!text.contains("Accueil"), "{text}");
    browser.close().await;
}
