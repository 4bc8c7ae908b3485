//! Roster imports on a real server, through the trainer's page, the JSON
//! API and the command line: a file from a French spreadsheet (byte order
//! mark, CRLF, `;`) imports; a file with three bad lines is refused whole,
//! with all three named by the line a text editor shows.

use crate::common::api::{Api, account, in_minutes};
use crate::common::pages::Signed;
use crate::common::server::TestServer;
use crate::common::{fixture_scenarios, test_app};
use reqwest::StatusCode;
use sandpit::store::Role;
use serde_json::json;

/// Bad on lines 3 (no dot in the domain), 6 (a reserved domain) and 8 (an
/// address already on line 2), after a blank line and a comment the
/// reader skips; CRLF line endings, as Windows writes them.
const THREE_BAD: &str = "name,email,team\r\nAda,ada@example.org,Red\r\nBob,bob@intranet,Blue\r\n\r\n# late additions\r\nCy,cy@corp.local,\r\nDi,di@example.org,\r\nEd,ADA@example.org,\r\n";

/// A French spreadsheet's CSV export: BOM, `;`, CRLF, French headers, a
/// `;` inside quotes.
const FRENCH: &[u8] = "\u{feff}Nom;E-mail;Équipe\r\n\"Dupont; Jean\";jean@example.org;Équipe A\r\nZoé;zoe@example.org;\r\n".as_bytes();

/// The items of the roster's list of mistakes beside its box.
fn roster_mistakes(html: &str) -> Vec<String> {
    let start = html
        .find("id=\"roster_text-error\">")
        .unwrap_or_else(|| panic!("no list of roster mistakes: {html}"));
    let list = &html[start..start + html[start..].find("</ul>").unwrap()];
    list.split("<li>")
        .skip(1)
        .map(|item| item.split("</li>").next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_file_with_three_bad_lines_names_all_three_on_the_page_in_english_and_french() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let tess = Signed::new(&server, "tess", Role::Trainer).await;

    let r = tess.upload_roster("Wave", THREE_BAD.as_bytes(), "").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    let english = [
        "Roster: line 3: “bob@intranet”: the domain “intranet” has no dot; give a real domain, such as example.org.",
        "Roster: line 6: “cy@corp.local”: “.local” is kept for local or test networks and is not a real domain; an LRS refuses it.",
        "Roster: line 8: ADA@example.org is already on line 2.",
    ];
    assert_eq!(roster_mistakes(&html), english);
    for mistake in english {
        assert!(
            html.contains(&format!("<li><a href=\"#roster_text\">{mistake}</a></li>")),
            "the summary at the top lists each: {html}"
        );
    }

    let r = tess
        .upload_roster("Vague", THREE_BAD.as_bytes(), "?lang=fr")
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        roster_mistakes(&r.text().await.unwrap()),
        [
            "Liste : ligne 3 : « bob@intranet » : le domaine « intranet » n’a pas de point ; indiquez un vrai domaine, comme example.org.",
            "Liste : ligne 6 : « cy@corp.local » : « .local » est réservé aux réseaux locaux ou de test, ce n’est pas un vrai domaine ; un LRS le refuse.",
            "Liste : ligne 8 : ADA@example.org figure déjà ligne 2.",
        ]
    );
    assert!(
        server.app.store.cohorts(None).await.unwrap().is_empty(),
        "nothing is imported while any line is bad"
    );
}

#[tokio::test]
async fn a_french_spreadsheet_file_with_a_bom_crlf_and_semicolons_imports_on_the_page() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let tess = Signed::new(&server, "tess", Role::Trainer).await;
    let r = tess.upload_roster("Vague 1", FRENCH, "").await;
    let to = Signed::location(&r);
    let links = tess.get(&format!("{to}/links.csv")).await;
    assert_eq!(links.status(), StatusCode::OK);
    let body = links.text().await.unwrap();
    // As French spreadsheets read it: a byte order mark, then `;`.
    let body = body
        .strip_prefix('\u{feff}')
        .expect("links.csv starts with a BOM");
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(b';')
        .from_reader(body.as_bytes());
    let people: Vec<[String; 3]> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            [0, 1, 2].map(|i| r[i].to_owned())
        })
        .collect();
    assert_eq!(
        people,
        [
            ["Dupont; Jean", "jean@example.org", "Équipe A"].map(String::from),
            ["Zoé", "zoe@example.org", ""].map(String::from),
        ]
    );
}

#[tokio::test]
async fn the_api_names_every_bad_line_and_takes_a_french_file_as_text() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let (_, token) = account(&server, "ada", Role::Trainer).await;
    let api = Api::new(&server, Some(&token));
    let body = |name: &str, roster: serde_json::Value| {
        let mut b = json!({
            "name": name, "scenario": "tiny",
            "starts_at": in_minutes(120), "ends_at": in_minutes(240), "spare": 0,
        });
        b.as_object_mut()
            .unwrap()
            .extend(roster.as_object().unwrap().clone());
        b
    };

    let bad = api
        .post(
            "/cohorts",
            Some(&body("Wave", json!({"roster_text": THREE_BAD}))),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.error(),
        "`roster_text`: 3 mistakes, nothing was imported: \
         line 3: `bob@intranet`: the domain `intranet` has no dot; give a real domain, such as example.org; \
         line 6: `cy@corp.local`: `.local` is kept for local or test networks and is not a real domain; an LRS refuses it; \
         line 8: ADA@example.org is already on line 2"
    );
    let bad = api
        .post(
            "/cohorts",
            Some(&body(
                "Wave",
                json!({"roster": [
                    {"name": "Ada", "email": "ada@intranet"},
                    {"name": "Bob"},
                    {"name": " ", "email": "c@example.org"},
                ]}),
            )),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.error(),
        "2 mistakes in `roster`, nothing was imported: \
         `roster[0].email`: `ada@intranet`: the domain `intranet` has no dot; give a real domain, such as example.org; \
         `roster[2].name` is empty"
    );
    assert_eq!(api.get("/cohorts").await.body, json!([]));

    let text = String::from_utf8(FRENCH.to_vec()).unwrap();
    let made = api
        .post(
            "/cohorts",
            Some(&body("Vague", json!({"roster_text": text}))),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let names: Vec<_> = made.body["learners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["name"].clone(), l["email"].clone(), l["team"].clone()))
        .collect();
    assert_eq!(
        names,
        [
            (
                json!("Dupont; Jean"),
                json!("jean@example.org"),
                json!("Équipe A")
            ),
            (json!("Zoé"), json!("zoe@example.org"), json!(null)),
        ]
    );
}

#[tokio::test]
async fn the_command_line_prints_every_bad_line_and_imports_a_french_file() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let (_, token) = account(&server, "ada", Role::Trainer).await;
    let dir = tempfile::tempdir().unwrap();
    let (bad, good) = (dir.path().join("bad.csv"), dir.path().join("vague.csv"));
    std::fs::write(&bad, THREE_BAD).unwrap();
    std::fs::write(&good, FRENCH).unwrap();
    let create = |file: &std::path::Path, name: &str| {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_sandpit"));
        cmd.args(["cohort", "create", "--name", name, "--scenario", "tiny"])
            .args(["--starts-at", "+2h", "--ends-at", "+4h", "--json"])
            .arg("--roster-file")
            .arg(file)
            .env_remove("SANDPIT_CONFIG")
            .env("SANDPIT_SERVER", &server.url)
            .env("SANDPIT_TOKEN", &token)
            .env("RUST_LOG", "warn");
        async move { cmd.output().await.unwrap() }
    };

    let out = create(&bad, "Wave").await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(
            "error: `roster_text`: 3 mistakes, nothing was imported: line 3: `bob@intranet`"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("; line 6: `cy@corp.local`"), "{stderr}");
    assert!(
        stderr.contains("; line 8: ADA@example.org is already on line 2"),
        "{stderr}"
    );
    assert!(server.app.store.cohorts(None).await.unwrap().is_empty());

    let out = create(&good, "Vague").await;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(made["learners"][0]["name"], "Dupont; Jean");
    assert_eq!(made["learners"][1]["email"], "zoe@example.org");
}
