//! A cohort's time zone over real HTTP and the built binary: chosen where
//! the cohort is made (form, API, CLI), the server's by default, its times
//! read and shown in it; an unknown name, or a time the clocks skip, is
//! refused with a message that names it, in English and French.

use crate::common::api::{Api, account, in_minutes};
use crate::common::http::{client, csrf_of, session_of};
use crate::common::server::TestServer;
use crate::common::{fixture_scenarios, sandpit_cli, settled_account, test_app};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};
use sandpit::store::Role;
use serde_json::json;

/// The form's fields for a cohort of `tiny` in `zone`, `ends` a local time.
fn fields<'a>(
    csrf: &'a str,
    zone: &'a str,
    starts: &'a str,
    ends: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", "Zoned"),
        ("scenario", "tiny"),
        ("starts_at", starts),
        ("ends_at", ends),
        ("time_zone", zone),
        ("spare", "0"),
        ("roster_text", "Ada"),
    ]
}

#[tokio::test]
async fn the_form_reads_times_in_the_chosen_zone_and_refuses_unknown_zones_and_skipped_times() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let (_, password) = settled_account(&server.app, "tom", Role::Trainer).await;
    let cookie = session_of(&server.url, "tom", &password).await;
    let http = client();
    let get = |path: &str| {
        http.get(format!("{}{path}", server.url))
            .header(COOKIE, &cookie)
            .send()
    };
    let new = get("/trainer/cohorts/new")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        new.contains("name=\"time_zone\" list=\"time-zones\" value=\"Europe/Paris\""),
        "the server's zone by default: {new}"
    );
    assert!(new.contains("<option value=\"America/Sao_Paulo\"></option>"));
    let csrf = csrf_of(&new);
    let post = |lang: &str, form: Vec<(&str, &str)>| {
        http.post(format!("{}/trainer/cohorts/new?lang={lang}", server.url))
            .header(COOKIE, &cookie)
            .form(&form)
            .send()
    };

    let r = post(
        "en",
        fields(&csrf, "Europe/Lyon", "2031-01-15T09:00", "2031-01-15T17:00"),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Time zone: “Europe/Lyon” is not a time zone name; choose one from the list, such as Europe/Paris."),
        "{html}"
    );
    assert!(
        html.contains("href=\"#time_zone\""),
        "the summary links the field"
    );
    let r = post(
        "fr",
        fields(&csrf, "Europe/Lyon", "2031-01-15T09:00", "2031-01-15T17:00"),
    )
    .await
    .unwrap();
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Fuseau horaire : « Europe/Lyon » n’est pas un nom de fuseau horaire ; choisissez-en un dans la liste, comme Europe/Paris."),
        "{html}"
    );
    // 02:30 on 30 March 2031 does not happen in Paris: the clocks go from
    // 02:00 to 03:00.
    let r = post(
        "en",
        fields(
            &csrf,
            "Europe/Paris",
            "2031-03-30T02:30",
            "2031-03-30T17:00",
        ),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Starts: 2031-03-30 02:30 does not exist in Europe/Paris (the clocks go forward then); choose another time."),
        "{html}"
    );
    assert!(server.app.store.cohorts(None).await.unwrap().is_empty());

    // Typed in New York in winter (UTC−5) and ending in summer (UTC−4).
    let r = post(
        "en",
        fields(
            &csrf,
            "america/new_york",
            "2031-01-15T09:00",
            "2031-07-15T17:00",
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let page = r.headers()[LOCATION].to_str().unwrap().to_owned();
    let cohort = &server.app.store.cohorts(None).await.unwrap()[0];
    assert_eq!(cohort.time_zone.name(), "America/New_York");
    assert_eq!(cohort.starts_at.to_rfc3339(), "2031-01-15T14:00:00+00:00");
    assert_eq!(cohort.ends_at.to_rfc3339(), "2031-07-15T21:00:00+00:00");
    let html = get(&page).await.unwrap().text().await.unwrap();
    assert!(html.contains(">2031-01-15 09:00 EST</time>"), "{html}");
    assert!(html.contains(">2031-07-15 17:00 EDT</time>"), "{html}");
    assert!(html.contains("<dd id=\"cohort-time-zone\">America/New_York</dd>"));
    let home = get("/trainer").await.unwrap().text().await.unwrap();
    assert!(home.contains(">2031-01-15 09:00 EST</time>"), "{home}");
    server.assert_nothing_left().await;
}

#[tokio::test]
async fn the_api_and_the_cli_take_a_zone_by_name_and_refuse_an_unknown_one_clearly() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let (_, token) = account(&server, "ada", Role::Trainer).await;
    let api = Api::new(&server, Some(&token));
    let body = |zone: Option<&str>| {
        let mut b = json!({
            "name": "API class", "scenario": "tiny",
            "starts_at": in_minutes(120), "ends_at": in_minutes(240), "seats": 1,
        });
        if let Some(z) = zone {
            b["time_zone"] = z.into();
        }
        b
    };
    let refused = api
        .post("/cohorts", Some(&body(Some("Mars/Olympus_Mons"))))
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        refused.error(),
        "`time_zone`: `Mars/Olympus_Mons` is not a time zone name from the IANA database (such as Europe/Paris, America/New_York or UTC)"
    );
    let made = api
        .post("/cohorts", Some(&body(Some("Asia/Kathmandu"))))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    assert_eq!(made.body["time_zone"], "Asia/Kathmandu");
    // Names are unique per trainer: the second cohort has its own.
    let mut unzoned = body(None);
    unzoned["name"] = "API class, server's zone".into();
    let default = api.post("/cohorts", Some(&unzoned)).await;
    assert_eq!(
        default.body["time_zone"], "Europe/Paris",
        "the server's zone"
    );

    let env = [
        ("SANDPIT_SERVER", server.url.as_str()),
        ("SANDPIT_TOKEN", token.as_str()),
    ];
    let out = sandpit_cli(
        &[
            "cohort",
            "create",
            "--name",
            "CLI",
            "--scenario",
            "tiny",
            "--starts-at",
            "+2h",
            "--ends-at",
            "+4h",
            "--seats",
            "1",
            "--time-zone",
            "Europe/Atlantis",
        ],
        &env,
    )
    .await;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("invalid value 'Europe/Atlantis' for '--time-zone <TIME_ZONE>': `Europe/Atlantis` is not a time zone name from the IANA database"),
        "{stderr}"
    );
    assert_eq!(
        server.app.store.cohorts(None).await.unwrap().len(),
        2,
        "nothing made by the refusals"
    );
    server.assert_nothing_left().await;
}
