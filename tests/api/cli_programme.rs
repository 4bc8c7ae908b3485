//! The built `sandpit` binary leading a change programme against a real
//! server: created, its impact study imported from CSV files (Windows-1252
//! with `;`), impacts set, a trainer's cohort put in a phase, a pulse
//! question, the real tool's use, and the reach indicator's every number;
//! bad input refused before any request, and the server's refusals said
//! clearly with a non-zero exit.

use std::path::Path;
use std::process::Output;

use crate::common::api::account;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, sandpit_cli, test_app};
use sandpit::store::Role;
use sandpit::timezone::TimeZone;
use serde_json::{Value, json};

fn stdout_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "failed: {}\n{}",
        stderr(out),
        String::from_utf8_lossy(&out.stdout)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn stdout(out: &Output) -> String {
    assert!(out.status.success(), "failed: {}", stderr(out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The error a failed command printed; fails the test if it succeeded.
fn refused(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    stderr(out)
}

/// Windows-1252 bytes of `text` (which has only Latin-1 letters).
fn windows_1252(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| u8::try_from(u32::from(c)).expect("a Latin-1 letter"))
        .collect()
}

/// Runs `sandpit` as the caller `env` names.
async fn cli(env: &[(&str, &str)], args: &[&str]) -> Output {
    sandpit_cli(args, env).await
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_lead_runs_a_programme_from_the_command_line() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let (_, lead_token) = account(&server, "lea", Role::Trainer).await;
    let (_, trainer_token) = account(&server, "tom", Role::Trainer).await;
    let files = tempfile::tempdir().unwrap();
    let dir = files.path();
    let lead = [
        ("SANDPIT_SERVER", server.url.as_str()),
        ("SANDPIT_TOKEN", lead_token.as_str()),
    ];
    let trainer = [
        ("SANDPIT_SERVER", server.url.as_str()),
        ("SANDPIT_TOKEN", trainer_token.as_str()),
    ];
    let paris = TimeZone::parse("Europe/Paris").unwrap();
    let today = paris.today();
    let yesterday = today.pred_opt().unwrap().to_string();
    let in_a_month = (today + chrono::Days::new(30)).to_string();

    // Bad input is refused before any request: nothing is created.
    for (bad, why) in [
        (vec!["--scenario", "tiny:launch"], "`launch` is not a phase"),
        (vec!["--scenario", "tiny"], "SCENARIO:PHASE"),
        (
            vec!["--phase", "realise:2030-13-01:"],
            "`2030-13-01` is not a date",
        ),
        (vec!["--time-zone", "Mars/Olympus"], "Mars/Olympus"),
    ] {
        let mut args = vec!["programme", "create", "--name", "Bad"];
        args.extend(bad);
        let error = refused(&cli(&lead, &args).await);
        assert!(error.contains(why), "{why}: {error}");
    }
    assert_eq!(
        stdout_json(&cli(&lead, &["programme", "list", "--json"]).await),
        json!([])
    );

    let created = stdout_json(
        &cli(
            &lead,
            &[
                "programme",
                "create",
                "--name",
                "Adopting the new wiki",
                "--time-zone",
                "Europe/Paris",
                "--scenario",
                "tiny:realise",
                "--phase",
                "prepare:2030-01-01:2030-01-31",
                "--phase",
                "realise::2030-04-30",
                "--json",
            ],
        )
        .await,
    );
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["phase"], "prepare");
    assert_eq!(created["lead"], "lea");
    assert_eq!(created["time_zone"], "Europe/Paris");
    assert_eq!(
        created["scenarios"],
        json!([{"scenario": "tiny", "phase": "realise"}])
    );
    assert_eq!(created["phases"][0]["planned_end"], "2030-01-31");
    assert_eq!(created["phases"][1]["phase"], "realise");
    assert_eq!(created["phases"][1]["planned_start"], Value::Null);
    assert_eq!(created["phases"][1]["planned_end"], "2030-04-30");
    let listed = stdout(&cli(&lead, &["programme", "list"]).await);
    assert!(
        listed.contains(&id) && listed.contains("Adopting the new wiki"),
        "{listed}"
    );
    let shown = stdout(&cli(&lead, &["programme", "show", &id]).await);
    assert!(shown.contains("tiny (realise)"), "{shown}");
    assert!(shown.contains("time zone  Europe/Paris"), "{shown}");

    // The impact study, from a French spreadsheet: Windows-1252 and `;`.
    let teams = write(
        dir,
        "équipes.csv",
        &windows_1252(
            "Équipe;Nature;Direction;Effectif;Maturité\r\n\
             Accueil;métier;Mairie;4;2\r\n\
             Finances;métier;;3;3\r\n\
             Informatique;fonction support;;2;4\r\n",
        ),
    );
    let imported = stdout_json(
        &cli(
            &lead,
            &["programme", "teams", "import", &id, &teams, "--json"],
        )
        .await,
    );
    assert_eq!(imported, json!({"added": 3, "updated": 0}));
    // A bad line: named by its number, nothing imported.
    let bad = write(
        dir,
        "bad.csv",
        &windows_1252(
            "Équipe;Nature;Effectif;Maturité\nJuridique;fonction support;1;3\nRH;fonction support;1;9\n",
        ),
    );
    let error = refused(&cli(&lead, &["programme", "teams", "import", &id, &bad]).await);
    assert!(error.starts_with("error: "), "{error}");
    assert!(error.contains("nothing changed"), "{error}");
    assert!(error.contains("line 3:") && error.contains("9"), "{error}");
    assert!(!error.contains("line 2:"), "{error}");
    let in_french = refused(
        &cli(
            &lead,
            &["programme", "--lang", "fr", "teams", "import", &id, &bad],
        )
        .await,
    );
    assert!(in_french.contains("ligne 3"), "{in_french}");

    let people = write(
        dir,
        "people.csv",
        b"name,email,team\nAda,ada@ville.fr,Accueil\nBen,ben@ville.fr,accueil\nCyd,cyd@ville.fr,Accueil\n\
          Dan,dan@ville.fr,Finances\nEve,eve@ville.fr,Finances\nFox,fox@ville.fr,Informatique\n",
    );
    let imported = stdout_json(
        &cli(
            &lead,
            &["programme", "people", "import", &id, &people, "--json"],
        )
        .await,
    );
    assert_eq!(imported, json!({"added": 6, "updated": 0}));

    let set = stdout_json(
        &cli(
            &lead,
            &[
                "programme",
                "impacts",
                &id,
                "Accueil",
                "--scenario",
                &format!("tiny:high:{yesterday}"),
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(set["name"], "Accueil");
    assert_eq!(set["people"], 3);
    assert_eq!(
        set["impacts"],
        json!([{"scenario": "tiny", "impact": "high", "required": true, "due_on": yesterday}])
    );
    let said = stdout(
        &cli(
            &lead,
            &[
                "programme",
                "impacts",
                &id,
                "finances",
                "--scenario",
                &format!("tiny:low:{in_a_month}"),
            ],
        )
        .await,
    );
    assert!(
        said.contains(&format!(
            "Team `Finances` now: tiny: low, required by {in_a_month}"
        )),
        "{said}"
    );
    stdout(
        &cli(
            &lead,
            &[
                "programme",
                "impacts",
                &id,
                "Informatique",
                "--scenario",
                "tiny:none",
            ],
        )
        .await,
    );
    let error = refused(
        &cli(
            &lead,
            &[
                "programme",
                "impacts",
                &id,
                "Cuisine",
                "--scenario",
                "tiny:high",
            ],
        )
        .await,
    );
    assert!(error.contains("no team `Cuisine`"), "{error}");
    let error = refused(
        &cli(
            &lead,
            &[
                "programme",
                "impacts",
                &id,
                "Accueil",
                "--scenario",
                "tiny:huge",
            ],
        )
        .await,
    );
    assert!(error.contains("`huge` is not an impact level"), "{error}");
    let table = stdout(&cli(&lead, &["programme", "teams", "list", &id]).await);
    assert!(
        table.contains("Accueil")
            && table.contains(&format!("tiny: high, required by {yesterday}")),
        "{table}"
    );

    // The trainer's cohort (starting in two hours, so no sandbox yet), put
    // in the realisation phase by the lead.
    let roster = write(
        dir,
        "roster.csv",
        b"name,email\nAda,ada@ville.fr\nBen,ben@ville.fr\nDan,dan@ville.fr\n",
    );
    let cohort = stdout_json(
        &cli(
            &trainer,
            &[
                "cohort",
                "create",
                "--name",
                "Wiki, Monday",
                "--scenario",
                "tiny",
                "--starts-at",
                "+2h",
                "--ends-at",
                "+4h",
                "--roster-file",
                &roster,
                "--spare",
                "0",
                "--json",
            ],
        )
        .await,
    );
    let cohort_id = cohort["id"].as_str().unwrap().to_owned();
    let error = refused(
        &cli(
            &lead,
            &["programme", "attach", &id, &cohort_id, "--phase", "later"],
        )
        .await,
    );
    assert!(error.contains("`later` is not a phase"), "{error}");
    let attached = stdout_json(
        &cli(
            &lead,
            &[
                "programme",
                "attach",
                &id,
                &cohort_id,
                "--phase",
                "realise",
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(
        attached,
        json!({"programme": id, "cohort": cohort_id, "phase": "realise"})
    );
    // The trainer now sees the programme, and may not change it.
    stdout(&cli(&trainer, &["programme", "show", &id]).await);
    let error = refused(&cli(&trainer, &["programme", "teams", "import", &id, &teams]).await);
    assert!(
        error.contains("only the programme's lead or an admin"),
        "{error}"
    );
    let moved = stdout(&cli(&lead, &["programme", "phase", &id, "realise"]).await);
    assert!(moved.contains("is now in phase realise"), "{moved}");

    let pulse = stdout_json(
        &cli(
            &lead,
            &[
                "programme",
                "pulse",
                "add",
                &id,
                "--phase",
                "realise",
                "--moment",
                "after",
                "--en",
                "I feel able to use the new wiki",
                "--fr",
                "Je me sens capable d’utiliser le nouveau wiki",
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(pulse["phase"], "realise");
    assert_eq!(pulse["moment"], "after");
    let error = refused(
        &cli(
            &lead,
            &[
                "programme",
                "pulse",
                "add",
                &id,
                "--phase",
                "realise",
                "--moment",
                "during",
                "--en",
                "?",
            ],
        )
        .await,
    );
    assert!(error.contains("`during` is not a moment"), "{error}");
    let questions = stdout_json(&cli(&lead, &["programme", "pulse", "list", &id, "--json"]).await);
    assert_eq!(questions.as_array().unwrap().len(), 1);
    assert_eq!(questions[0]["text_en"], "I feel able to use the new wiki");

    // The real tool's use: one figure, then a file of them.
    let this_week = sandpit::programme::monday_of(today);
    let last_week = this_week - chrono::Days::new(7);
    let one = stdout_json(
        &cli(
            &lead,
            &[
                "programme",
                "usage",
                &id,
                "--team",
                "Accueil",
                "--week",
                &this_week.to_string(),
                "--active",
                "3",
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(one, json!({"recorded": 1}));
    let unknown_teams = write(
        dir,
        "usage-bad.csv",
        format!("team;week;active_users\nFinances;{this_week};2\nCuisine;{this_week};1\nRH;{this_week};1\n").as_bytes(),
    );
    let error = refused(
        &cli(
            &lead,
            &["programme", "usage", &id, "--file", &unknown_teams],
        )
        .await,
    );
    assert!(
        error.contains("was not imported (nothing changed)")
            && error.contains("line 3: the team Cuisine is not one of the programme’s teams")
            && error.contains("line 4: the team RH is not one of the programme’s teams"),
        "{error}"
    );
    let usage = write(
        dir,
        "usage.csv",
        format!(
            "team;week;active_users\nFinances;{this_week};2\nAccueil;{};1\n",
            last_week + chrono::Days::new(3)
        )
        .as_bytes(),
    );
    let recorded = stdout(&cli(&lead, &["programme", "usage", &id, "--file", &usage]).await);
    assert!(
        recorded.contains("Recorded 2 weekly figures."),
        "{recorded}"
    );
    let weeks =
        stdout_json(&cli(&lead, &["programme", "indicators", &id, "usage", "--json"]).await);
    let weeks_csv = stdout(
        &cli(
            &lead,
            &[
                "programme",
                "indicators",
                &id,
                "usage",
                "--csv",
                "--sep",
                "comma",
            ],
        )
        .await,
    );
    assert_eq!(
        weeks_csv.lines().next(),
        Some("\u{feff}team,week,active_users,active_share,trained"),
        "{weeks_csv}"
    );
    assert_eq!(weeks_csv.lines().count(), 4, "{weeks_csv}");
    assert_eq!(
        weeks,
        json!([
            {"team": "Accueil", "week": last_week, "active_users": 1, "active_share": 0.25, "trained": 0},
            {"team": "Accueil", "week": this_week, "active_users": 3, "active_share": 0.75, "trained": 0},
            {"team": "Finances", "week": this_week, "active_users": 2, "active_share": 0.6667, "trained": 0}
        ])
    );

    // Reach: Ada and Ben of Accueil and Dan of Finances are invited; no one
    // has started; Accueil's due date is past.
    let reach =
        stdout_json(&cli(&lead, &["programme", "indicators", &id, "reach", "--json"]).await);
    assert_eq!(reach["today"], today.to_string());
    assert_eq!(reach["team"], Value::Null);
    let funnel = |t: &Value| {
        (
            t["team"].as_str().unwrap().to_owned(),
            ["headcount", "people", "invited", "started", "completed"]
                .map(|k| t[k].as_u64().unwrap()),
            t["status"].as_str().unwrap().to_owned(),
        )
    };
    let rows: Vec<_> = reach["teams"]
        .as_array()
        .unwrap()
        .iter()
        .map(funnel)
        .collect();
    assert_eq!(
        rows,
        [
            ("Accueil".to_owned(), [4, 3, 2, 0, 0], "late".to_owned()),
            (
                "Finances".to_owned(),
                [3, 2, 1, 0, 0],
                "on_track".to_owned()
            ),
            (
                "Informatique".to_owned(),
                [2, 1, 0, 0, 0],
                "none".to_owned()
            ),
        ]
    );
    assert_eq!(funnel(&reach["total"]).1, [9, 6, 3, 0, 0]);
    assert_eq!(reach["total"]["status"], "late");
    assert_eq!(reach["teams"][0]["due_on"], yesterday);
    let finances = stdout_json(
        &cli(
            &lead,
            &[
                "programme",
                "indicators",
                &id,
                "reach",
                "--team",
                "finances",
                "--phase",
                "realise",
                "--json",
            ],
        )
        .await,
    );
    assert_eq!(finances["team"], "Finances");
    assert_eq!(finances["phase"], "realise");
    assert_eq!(finances["teams"].as_array().unwrap().len(), 1);
    assert_eq!(funnel(&finances["total"]).1, [3, 2, 1, 0, 0]);
    let table = stdout(&cli(&lead, &["programme", "indicators", &id, "reach"]).await);
    assert!(
        table.contains("(total)") && table.contains("late"),
        "{table}"
    );
    let csv = cli(
        &lead,
        &[
            "programme",
            "indicators",
            &id,
            "reach",
            "--csv",
            "--sep",
            "comma",
        ],
    )
    .await;
    let csv = stdout(&csv);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert!(
        lines[0].starts_with("row,team,kind,site,headcount"),
        "{csv}"
    );
    assert_eq!(lines.len(), 5, "{csv}");
    let error = refused(
        &cli(
            &lead,
            &["programme", "indicators", &id, "reach", "--team", "Cuisine"],
        )
        .await,
    );
    assert!(error.contains("Cuisine"), "{error}");
    let error = refused(
        &cli(
            &lead,
            &[
                "programme",
                "indicators",
                &id,
                "confidence",
                "--team",
                "Accueil",
            ],
        )
        .await,
    );
    assert!(error.contains("cannot be narrowed"), "{error}");
    let confidence = stdout_json(
        &cli(
            &lead,
            &["programme", "indicators", &id, "confidence", "--json"],
        )
        .await,
    );
    assert_eq!(
        confidence["questions"][0]["all"],
        json!({"answers": 0, "average": null})
    );

    // An id that is not one, and a programme that does not exist.
    let error = refused(&cli(&lead, &["programme", "show", "nope"]).await);
    assert!(error.contains("`nope` is not an id"), "{error}");
    let nowhere = uuid::Uuid::new_v4().to_string();
    let error = refused(&cli(&lead, &["programme", "indicators", &nowhere, "reach"]).await);
    assert_eq!(
        error.trim(),
        format!("error: there is no programme {nowhere} (or it is not yours to see)")
    );
    let error = refused(&cli(&lead, &["programme", "teams", "import", &nowhere, &teams]).await);
    assert!(
        error.contains(&format!("no programme {nowhere}")),
        "{error}"
    );

    server.assert_nothing_left().await;
}
