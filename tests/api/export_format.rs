//! The bytes of a cohort's CSV exports over real HTTP, as a spreadsheet
//! reads them: UTF-8 with a byte order mark, `;` between cells by default
//! or `,` on request, and times in the cohort's time zone with the offset
//! of their date (Paris: +01:00 in winter, +02:00 in summer).

use crate::common;
use crate::common::http::client;
use crate::common::server::TestServer;
use crate::common::{fixture_scenarios, test_app};
use crate::records;
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE};
use sandpit::store::{Outcome, Role};
use serde_json::Value;
use uuid::Uuid;

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// Moves records to given moments, as if they had happened then: an
/// attempt's time, and the claim of the sandbox it was made in.
async fn happened_at(data: &std::path::Path, attempts: &[(i64, &str)], claim: (Uuid, &str)) {
    let db = sqlx::SqlitePool::connect(&format!("sqlite://{}", data.join("sandpit.db").display()))
        .await
        .unwrap();
    for (id, at) in attempts {
        sqlx::query("UPDATE attempts SET created_at = ? WHERE id = ?")
            .bind(utc(at))
            .bind(id)
            .execute(&db)
            .await
            .unwrap();
    }
    sqlx::query("UPDATE sandboxes SET claimed_at = ? WHERE id = ?")
        .bind(utc(claim.1))
        .bind(claim.0.to_string())
        .execute(&db)
        .await
        .unwrap();
    db.close().await;
}

async fn download(http: &reqwest::Client, url: &str, token: &str) -> (StatusCode, String, Vec<u8>) {
    let r = http
        .get(url)
        .header(AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let kind = r.headers()[CONTENT_TYPE].to_str().unwrap().to_owned();
    (status, kind, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn csv_exports_have_a_bom_semicolons_or_commas_and_paris_times_in_winter_and_summer() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let app = &server.app;
    let (trainer, token) = records::account(app, "trainer-a", Role::Trainer).await;
    // records::cohort makes cohorts in Europe/Paris.
    let (cohort, learners) = records::cohort(
        app,
        &trainer,
        "tiny",
        "Vague d’été; n°1",
        vec![records::entry(
            "Élodie",
            Some("elodie@example.org"),
            Some("Lyon"),
        )],
    )
    .await;
    assert_eq!(cohort.time_zone.name(), "Europe/Paris");
    let sandbox = records::claim(app, &cohort, &learners[0]).await;
    let failed = records::attempt(
        app,
        sandbox,
        "make-file",
        Outcome::Failed,
        "Pas encore.",
        "",
    )
    .await;
    let passed = records::attempt(app, sandbox, "make-file", Outcome::Passed, "Trouvé.", "").await;
    happened_at(
        server.data.path(),
        &[
            (failed.attempt_id, "2030-01-15T09:00:00Z"),
            (passed.attempt_id, "2030-07-15T09:00:00Z"),
        ],
        (sandbox, "2030-01-15T08:30:00Z"),
    )
    .await;

    let http = client();
    let base = format!("{}/api/v1/cohorts/{}/export", server.url, cohort.id);
    let (c, l) = (cohort.id.to_string(), learners[0].id.to_string());

    let (status, kind, body) = download(&http, &format!("{base}/attempts.csv"), &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind, "text/csv; charset=utf-8");
    let expected = format!(
        "\u{feff}cohort_id;cohort_name;programme;phase;learner_id;learner_name;learner_email;team;exercise_id;exercise_title;outcome;output;detail;duration_ms;created_at;is_completion\n\
         {c};\"Vague d’été; n°1\";;;{l};Élodie;elodie@example.org;Lyon;make-file;Make a file;failed;Pas encore.;;120;2030-01-15T10:00:00.000+01:00;false\n\
         {c};\"Vague d’été; n°1\";;;{l};Élodie;elodie@example.org;Lyon;make-file;Make a file;passed;Trouvé.;;120;2030-07-15T11:00:00.000+02:00;true\n"
    );
    assert_eq!(String::from_utf8(body.clone()).unwrap(), expected);
    assert_eq!(&body[..3], b"\xef\xbb\xbf", "the UTF-8 byte order mark");
    // Asking for `;` by name gives the same bytes.
    let (_, _, named) =
        download(&http, &format!("{base}/attempts.csv?sep=semicolon"), &token).await;
    assert_eq!(named, body);

    let (status, _, body) =
        download(&http, &format!("{base}/attempts.csv?sep=comma"), &token).await;
    assert_eq!(status, StatusCode::OK);
    let expected = format!(
        "\u{feff}cohort_id,cohort_name,programme,phase,learner_id,learner_name,learner_email,team,exercise_id,exercise_title,outcome,output,detail,duration_ms,created_at,is_completion\n\
         {c},Vague d’été; n°1,,,{l},Élodie,elodie@example.org,Lyon,make-file,Make a file,failed,Pas encore.,,120,2030-01-15T10:00:00.000+01:00,false\n\
         {c},Vague d’été; n°1,,,{l},Élodie,elodie@example.org,Lyon,make-file,Make a file,passed,Trouvé.,,120,2030-07-15T11:00:00.000+02:00,true\n"
    );
    assert_eq!(String::from_utf8(body).unwrap(), expected);

    // Completions: the claim in winter, the pass in summer, 181 days and
    // 30 minutes apart whatever the clocks did.
    let (_, _, body) = download(&http, &format!("{base}/completions.csv"), &token).await;
    let expected = format!(
        "\u{feff}cohort_id;cohort_name;programme;phase;learner_id;learner_name;learner_email;team;exercise_id;exercise_title;completed_at;attempts_before_pass;claimed_at;seconds_from_claim_to_pass\n\
         {c};\"Vague d’été; n°1\";;;{l};Élodie;elodie@example.org;Lyon;make-file;Make a file;2030-07-15T11:00:00.000+02:00;1;2030-01-15T09:30:00.000+01:00;15640200\n"
    );
    assert_eq!(String::from_utf8(body).unwrap(), expected);
    // The JSON says the same times.
    let (_, _, json) = download(&http, &format!("{base}/attempts.json"), &token).await;
    let json: Vec<Value> = serde_json::from_slice(&json).unwrap();
    assert_eq!(json[0]["created_at"], "2030-01-15T10:00:00.000+01:00");
    assert_eq!(json[1]["created_at"], "2030-07-15T11:00:00.000+02:00");

    // Anything else is refused, by name.
    let (status, kind, body) =
        download(&http, &format!("{base}/attempts.csv?sep=tab"), &token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(kind.starts_with("application/json"), "{kind}");
    let error: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(error["error"], "`sep` is `semicolon` or `comma`, not `tab`");

    records::retire(app, &[sandbox]).await;
    server.assert_nothing_left().await;
}

#[tokio::test]
async fn the_cohort_page_links_the_csv_its_language_expects_and_links_csv_has_a_bom() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let app = &server.app;
    let (trainer, password) = common::settled_account(app, "tess", Role::Trainer).await;
    let (cohort, _) = records::cohort(
        app,
        &trainer,
        "tiny",
        "Wave",
        vec![records::entry("Ada", Some("ada@example.org"), None)],
    )
    .await;
    let cookie = common::http::session_of(&server.url, "tess", &password).await;
    let http = client();
    let page = |lang: &'static str| {
        let (http, cookie) = (&http, &cookie);
        let url = format!("{}/trainer/cohorts/{}?lang={lang}", server.url, cohort.id);
        async move {
            let r = http.get(url).header(COOKIE, cookie).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            // Attributes as a browser reads them (handlebars escapes `=`).
            r.text().await.unwrap().replace("&#x3D;", "=")
        }
    };
    let attempts = format!("/api/v1/cohorts/{}/export/attempts.csv", cohort.id);
    let fr = page("fr").await;
    assert!(
        fr.contains(&format!(
            "<a href=\"{attempts}?sep=semicolon\" download>Toutes les vérifications (CSV)</a>"
        )),
        "{fr}"
    );
    assert!(fr.contains("cellules séparées par « ; »"), "{fr}");
    assert!(
        fr.contains(&format!("href=\"{attempts}?sep=comma\"")),
        "{fr}"
    );
    assert!(
        fr.contains("<dd id=\"cohort-time-zone\">Europe/Paris</dd>"),
        "{fr}"
    );
    assert!(fr.contains(&format!(
        "href=\"/trainer/cohorts/{}/links.csv?sep=semicolon\"",
        cohort.id
    )));
    let en = page("en").await;
    assert!(
        en.contains(&format!(
            "<a href=\"{attempts}?sep=comma\" download>Every check (CSV)</a>"
        )),
        "{en}"
    );
    assert!(en.contains("cells separated by “,”"), "{en}");
    assert!(
        en.contains(&format!("href=\"{attempts}?sep=semicolon\"")),
        "{en}"
    );
    // The starts and ends are Paris times, with their abbreviation.
    let starts = cohort.time_zone.display(cohort.starts_at);
    assert!(
        starts.ends_with(" CET") || starts.ends_with(" CEST"),
        "{starts}"
    );
    assert!(en.contains(&format!(">{starts}</time>")), "{en}");

    let links = http
        .get(format!(
            "{}/trainer/cohorts/{}/links.csv",
            server.url, cohort.id
        ))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    let token = app
        .service
        .learner_token(*app.store.learners(*cohort.id).await.unwrap()[0].id);
    let body = String::from_utf8(links.bytes().await.unwrap().to_vec()).unwrap();
    assert_eq!(
        body,
        format!(
            "\u{feff}name;email;team;link\nAda;ada@example.org;;{}/s/{}\n",
            server.url,
            token.as_str()
        )
    );
    server.assert_nothing_left().await;
}
