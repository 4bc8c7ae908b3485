//! Tips and ratings between learners: a learner who passed an exercise
//! rates it and leaves a tip, in a real Chromium; the next learner does not
//! see it until the cohort's trainer approves it on their tips page; then
//! they see it and vote "this helped", counted once however often they
//! press. Bad feedback is refused with what is wrong, in the learner's
//! language, and changes nothing; only the cohort's trainer (or an admin)
//! reviews and answers.

use fantoccini::Locator;
use reqwest::StatusCode;
use sandpit::community::{CommunityError, Mistake};
use sandpit::store::{Learner, Outcome, Role};

use crate::common::browser::Browser;
use crate::common::pages::Signed;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, settled_account, test_app};

#[tokio::test]
async fn a_tip_is_reviewed_then_shown_to_the_next_learner_who_votes_once_in_a_real_browser() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let app = &server.app;
    let (tom, password) = settled_account(app, "tom", Role::Trainer).await;
    let names = ["Ada", "Ben", "Cy"];
    let (cohort, learners) = crate::records::cohort(
        app,
        &tom,
        "tiny",
        "Tuesday",
        names
            .iter()
            .map(|n| crate::records::entry(n, None, None))
            .collect(),
    )
    .await;
    let mut sandboxes = Vec::new();
    for l in &learners {
        sandboxes.push(crate::records::claim(app, &cohort, l).await);
    }
    let (ada, ben, cy) = (&learners[0], &learners[1], &learners[2]);
    crate::records::attempt(
        app,
        sandboxes[0],
        "make-file",
        Outcome::Failed,
        "No file yet",
        "",
    )
    .await;
    crate::records::attempt(app, sandboxes[0], "make-file", Outcome::Passed, "Done", "").await;

    let browser = Browser::start().await;
    let c = &browser.client;
    // Ada passed: she rates the exercise and leaves a tip.
    c.goto(&format!("{}?step=make-file", server.learner_url(ada)))
        .await
        .unwrap();
    browser
        .wait_text("#community .muted", "no tip yet", |t| {
            t.contains("No tip yet for this exercise.")
        })
        .await;
    browser.find("#useful-4").await.click().await.unwrap();
    browser.find("#usable-5").await.click().await.unwrap();
    browser
        .find(".feedback-form textarea[name=body]")
        .await
        .send_keys("Use touch to create the file, then ls to see it.")
        .await
        .unwrap();
    browser
        .find(".feedback-form button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    let own = browser
        .wait_text(".own-tips", "her tip", |t| t.contains("Use touch"))
        .await;
    assert!(own.contains("waiting for a trainer's review"), "{own}");
    // Her rating is kept and shown checked when she comes back.
    assert!(browser.find("#useful-4").await.is_selected().await.unwrap());
    assert!(browser.find("#usable-5").await.is_selected().await.unwrap());

    // Ben has not checked: no form, and no tip shown before review.
    c.goto(&server.learner_url(ben)).await.unwrap();
    let section = browser
        .wait_text("#community", "the community section", |t| !t.is_empty())
        .await;
    assert!(section.contains("No tip yet"), "{section}");
    assert!(
        section.contains("Once you have checked this exercise"),
        "{section}"
    );
    assert!(!section.contains("Use touch"), "{section}");

    // Tom approves it on his tips page.
    c.goto(&format!("{}/login?next=/trainer/tips", server.url))
        .await
        .unwrap();
    browser.sign_in_with("tom", &password).await;
    let queue = browser
        .wait_text("#review-tips", "the tip to review", |t| {
            t.contains("Use touch")
        })
        .await;
    assert!(queue.contains("Ada"), "{queue}");
    assert!(queue.contains("Tuesday"), "{queue}");
    browser
        .find("#review-tips button[value=approved]")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_text("main", "an empty queue", |t| {
            t.contains("Nothing to review")
        })
        .await;

    // Ben now sees it, and says it helped: once, however often he posts.
    c.goto(&server.learner_url(ben)).await.unwrap();
    browser
        .wait_text(".tips .votes", "no vote yet", |t| t == "helped nobody yet")
        .await;
    browser
        .find(".tip-vote button")
        .await
        .click()
        .await
        .unwrap();
    browser
        .wait_text(".tips .votes", "Ben's vote", |t| t == "helped 1 person")
        .await;
    let pressed = browser.find(".tip-vote button").await;
    assert_eq!(
        pressed.attr("aria-pressed").await.unwrap().as_deref(),
        Some("true")
    );
    let vote_url = browser
        .find(".tip-vote")
        .await
        .attr("action")
        .await
        .unwrap()
        .unwrap();
    let again = server
        .post_form(&format!("{}{vote_url}", server.url), &[])
        .await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    c.refresh().await.unwrap();
    browser
        .wait_text(".tips .votes", "still one vote", |t| t == "helped 1 person")
        .await;
    // Cy's vote is a second one.
    let cy_vote = vote_url.replace(
        app.service.learner_token(*ben.id).as_str(),
        app.service.learner_token(*cy.id).as_str(),
    );
    let voted = server
        .post_form(&format!("{}{cy_vote}", server.url), &[])
        .await;
    assert_eq!(voted.status(), StatusCode::SEE_OTHER);
    c.refresh().await.unwrap();
    browser
        .wait_text(".tips .votes", "two votes", |t| t == "helped 2 people")
        .await;
    assert!(
        c.find(Locator::Css(".own-tips")).await.is_err(),
        "Ben left nothing of his own"
    );
    browser.close().await;
    crate::records::retire(app, &sandboxes).await;
}

#[tokio::test]
async fn bad_feedback_is_refused_with_what_is_wrong_and_only_the_cohorts_trainer_reviews() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let app = &server.app;
    let tom = Signed::new(&server, "tom", Role::Trainer).await;
    let (cohort, learners) = crate::records::cohort(
        app,
        &tom.user,
        "tiny",
        "Tuesday",
        vec![
            crate::records::entry("Ada", None, None),
            crate::records::entry("Ben", None, None),
        ],
    )
    .await;
    let ada = crate::records::claim(app, &cohort, &learners[0]).await;
    let ben = crate::records::claim(app, &cohort, &learners[1]).await;
    let feedback = |who: &Learner, lang: &str| {
        format!("{}/feedback/make-file?lang={lang}", server.learner_url(who))
    };

    // Before any check, nothing can be left.
    let early = server
        .post_form(&feedback(&learners[0], "en"), &[("body", "Hi")])
        .await;
    assert_eq!(early.status(), StatusCode::BAD_REQUEST);
    assert!(
        early
            .text()
            .await
            .unwrap()
            .contains("Check the exercise once"),
        "refused before a check"
    );
    crate::records::attempt(app, ada, "make-file", Outcome::Failed, "No file yet", "").await;
    let ada_url = feedback(&learners[0], "fr");
    for (fields, says) in [
        (vec![("useful", "4")], "Donnez les deux notes"),
        (
            vec![("useful", "6"), ("usable", "2")],
            "Donnez les deux notes",
        ),
        (
            vec![("useful", "many"), ("usable", "2")],
            "Donnez les deux notes",
        ),
        (vec![("body", "   ")], "Notez l'exercice ou écrivez"),
        (
            vec![("kind", "rant"), ("body", "Too hard")],
            "« rant » n'est ni une astuce ni une question",
        ),
    ] {
        let refused = server.post_form(&ada_url, &fields).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{fields:?}");
        let body = refused.text().await.unwrap();
        assert!(body.contains(says), "{fields:?}: {body}");
    }
    let long = "x".repeat(1001);
    let refused = server
        .post_form(
            &ada_url,
            &[("useful", "3"), ("usable", "3"), ("body", &long)],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    // Nothing of a refused form was kept, the rating neither.
    let mine = app
        .community
        .exercise_tips(Some(*learners[0].id), "tiny", "make-file")
        .await
        .unwrap();
    assert_eq!((mine.own.len(), mine.rating), (0, None));
    assert_eq!(mine.tried, Some(false), "tried, not passed");

    // A question, left without passing; at most five per exercise.
    let asked = server
        .post_form(
            &ada_url,
            &[("kind", "question"), ("body", "Where is the file checked?")],
        )
        .await;
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    for n in 2..=5 {
        let body = format!("Tip number {n}");
        let kept = server.post_form(&ada_url, &[("body", body.as_str())]).await;
        assert_eq!(kept.status(), StatusCode::SEE_OTHER);
    }
    let sixth = server.post_form(&ada_url, &[("body", "One more")]).await;
    assert_eq!(sixth.status(), StatusCode::BAD_REQUEST);
    assert!(sixth.text().await.unwrap().contains("déjà laissé 5"));

    // A pending tip cannot be voted for.
    let queue = app.community.to_review(&tom.user).await.unwrap();
    assert_eq!(queue.len(), 5);
    let question = queue
        .iter()
        .find(|(t, _)| t.tip.kind == "question")
        .map(|(t, _)| *t.tip.id)
        .unwrap();
    let vote = format!(
        "{}/tips/{question}/vote?lang=en",
        server.learner_url(&learners[1])
    );
    let early_vote = server.post_form(&vote, &[]).await;
    assert_eq!(early_vote.status(), StatusCode::BAD_REQUEST);
    assert!(
        early_vote
            .text()
            .await
            .unwrap()
            .contains("Only tips shown to learners")
    );

    // Another trainer can neither review nor answer Tom's learners' tips.
    let (eve, _) = settled_account(app, "eve", Role::Trainer).await;
    assert!(app.community.to_review(&eve).await.unwrap().is_empty());
    assert!(matches!(
        app.community.review(&eve, question, "approved").await,
        Err(CommunityError::Forbidden)
    ));
    assert!(matches!(
        app.community.answer(&eve, question, "Here").await,
        Err(CommunityError::Forbidden)
    ));
    let eve_page = Signed::new(&server, "eve2", Role::Trainer).await;
    let refused = eve_page
        .post(
            &format!("/trainer/tips/{question}/review"),
            &[("status", "approved")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    // Tom answers the question through his page: answering approves it.
    assert!(matches!(
        app.community.review(&tom.user, question, "maybe").await,
        Err(CommunityError::Invalid(Mistake::Status(_)))
    ));
    let answered = tom
        .post(
            &format!("/trainer/tips/{question}/answer"),
            &[("body", "In your home directory.")],
        )
        .await;
    assert_eq!(Signed::location(&answered), "/trainer/tips");
    let seen = app
        .community
        .exercise_tips(Some(*learners[1].id), "tiny", "make-file")
        .await
        .unwrap();
    assert_eq!(seen.approved.len(), 1);
    assert_eq!(seen.approved[0].tip.body, "Where is the file checked?");
    assert_eq!(seen.approved[0].answers[0].body, "In your home directory.");
    assert_eq!(seen.approved[0].answers[0].author, "tom");
    // The four tips still wait; the answered question left the queue.
    assert_eq!(app.community.to_review(&tom.user).await.unwrap().len(), 4);
    crate::records::retire(app, &[ada, ben]).await;
}

/// A programme on `tiny` with two teams of people, and a cohort of them
/// attached in its realisation: the lead's API and the learners.
async fn rated_programme(server: &TestServer) -> (crate::common::api::Api, String, Vec<Learner>) {
    use sandpit::programme::{
        CreateProgramme, Impact, PersonRow, ProgrammeScenario, SetImpact, TeamKind, TeamRow,
    };
    let app = &server.app;
    let (lead, token) = crate::records::account(app, "lea", Role::Trainer).await;
    let programmes = &app.programmes;
    let programme = programmes
        .create(
            &lead,
            CreateProgramme {
                name: "Adopting the wiki".into(),
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
    let team = |name: &str, headcount| TeamRow {
        name: name.into(),
        kind: TeamKind::Business,
        site: None,
        headcount,
        maturity: 3,
    };
    programmes
        .import_teams(&lead, id, &[team("Accueil", 6), team("Finances", 2)])
        .await
        .unwrap();
    let names: Vec<(String, &str)> = (1..=6)
        .map(|n| (format!("Accueil {n}"), "Accueil"))
        .chain((1..=2).map(|n| (format!("Finances {n}"), "Finances")))
        .collect();
    let email = |n: &str| format!("{}@ville.fr", n.replace(' ', ".").to_lowercase());
    let people: Vec<PersonRow> = names
        .iter()
        .map(|(n, t)| PersonRow {
            name: n.clone(),
            email: Some(email(n)),
            team: (*t).into(),
        })
        .collect();
    programmes.import_people(&lead, id, &people).await.unwrap();
    let impact = SetImpact {
        scenario: "tiny".into(),
        impact: Impact::High,
        required: true,
        due_on: None,
    };
    programmes
        .set_impacts(&lead, id, "Accueil", std::slice::from_ref(&impact))
        .await
        .unwrap();
    let roster = names
        .iter()
        .map(|(n, _)| crate::records::entry(n, Some(&email(n)), None))
        .collect();
    let (cohort, learners) = crate::records::cohort(app, &lead, "tiny", "Monday", roster).await;
    programmes
        .attach_cohort(&lead, id, *cohort.id, "realise")
        .await
        .unwrap();
    let mut sandboxes = Vec::new();
    for l in &learners {
        let s = crate::records::claim(app, &cohort, l).await;
        crate::records::attempt(app, s, "make-file", Outcome::Passed, "Done", "").await;
        sandboxes.push(s);
    }
    crate::records::retire(app, &sandboxes).await;
    (
        crate::common::api::Api::new(server, Some(&token)),
        format!("/programmes/{id}/indicators/ratings"),
        learners,
    )
}

#[tokio::test]
async fn ratings_and_tips_are_exported_with_exact_means_by_team_as_json_and_csv() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let (lead, path, learners) = rated_programme(&server).await;
    let community = &server.app.community;
    let rate = |useful: u8, usable: u8| sandpit::community::Feedback {
        useful: Some(useful),
        usable: Some(usable),
        ..Default::default()
    };
    // Accueil: useful 5 4 4 3 5 2, usable 4 4 4 4 4 5; Finances: 1 2 and 3 3.
    // The last Accueil learner first gave 1 and 1, then changed their mind.
    let given = [
        (5, 4),
        (4, 4),
        (4, 4),
        (3, 4),
        (5, 4),
        (1, 1),
        (1, 3),
        (2, 3),
    ];
    for (l, (useful, usable)) in learners.iter().zip(given) {
        community
            .give_feedback(*l.id, "tiny", "make-file", "en", rate(useful, usable))
            .await
            .unwrap();
    }
    community
        .give_feedback(*learners[5].id, "tiny", "make-file", "en", rate(2, 5))
        .await
        .unwrap();

    let all = lead.get(&path).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(all.body["min_group"], 5);
    let e = &all.body["exercises"][0];
    assert_eq!(
        (&e["exercise"], &e["ratings"], &e["useful"], &e["usable"]),
        (
            &"make-file".into(),
            &8.into(),
            &serde_json::json!(3.25),
            &serde_json::json!(3.88)
        ),
        "{}",
        all.body
    );
    let accueil = lead.get(&format!("{path}?team=Accueil")).await;
    let e = &accueil.body["exercises"][0];
    assert_eq!(
        (&e["ratings"], &e["useful"], &e["usable"]),
        (
            &6.into(),
            &serde_json::json!(3.83),
            &serde_json::json!(4.17)
        )
    );
    // Two ratings: too few to show a mean.
    let finances = lead.get(&format!("{path}?team=Finances")).await;
    let e = &finances.body["exercises"][0];
    assert_eq!(
        (&e["ratings"], &e["useful"], &e["usable"]),
        (
            &2.into(),
            &serde_json::Value::Null,
            &serde_json::Value::Null
        )
    );
    let other_phase = lead.get(&format!("{path}?phase=anchor")).await;
    assert_eq!(other_phase.body["exercises"][0]["ratings"], 0);

    let csv = lead.text(&format!("{path}?format=csv")).await;
    assert_eq!(
        csv,
        "\u{feff}scenario_id;exercise_id;exercise_title;ratings;useful;usable\n\
         tiny;make-file;Make a file;8;3,25;3,88\n"
    );
    let csv = lead
        .text(&format!("{path}?format=csv&sep=comma&team=Finances"))
        .await;
    assert_eq!(
        csv,
        "\u{feff}scenario_id,exercise_id,exercise_title,ratings,useful,usable\n\
         tiny,make-file,Make a file,2,,\n"
    );

    // Tips and questions, exported with their team, never their author.
    let words = |kind: &str, body: &str| sandpit::community::Feedback {
        kind: Some(kind.into()),
        body: Some(body.into()),
        ..Default::default()
    };
    let tip = community
        .give_feedback(
            *learners[0].id,
            "tiny",
            "make-file",
            "en",
            words("tip", "Use touch."),
        )
        .await
        .unwrap()
        .unwrap();
    let question = community
        .give_feedback(
            *learners[6].id,
            "tiny",
            "make-file",
            "fr",
            words("question", "Où est le fichier ?\n=1+1"),
        )
        .await
        .unwrap()
        .unwrap();
    let lea = server.app.store.user_by_name("lea").await.unwrap().unwrap();
    community.review(&lea, tip, "approved").await.unwrap();
    community
        .answer(&lea, question, "Dans votre dossier personnel.")
        .await
        .unwrap();
    community.vote(*learners[1].id, tip).await.unwrap();
    community.vote(*learners[2].id, tip).await.unwrap();
    let tips_path = path.replace("/indicators/ratings", "/tips");
    let all = lead.get(&tips_path).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    let listed: Vec<String> = all
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{} {} {} {} {} {}",
                t["kind"],
                t["status"],
                t["team"],
                t["votes"],
                t["body"],
                t["answers"].as_array().unwrap().len()
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            "\"question\" \"approved\" \"Finances\" 0 \"Où est le fichier ?\\n=1+1\" 1",
            "\"tip\" \"approved\" \"Accueil\" 2 \"Use touch.\" 0",
        ]
    );
    assert!(
        !all.body.to_string().contains("Finances 1"),
        "no author's name"
    );
    let only = lead.get(&format!("{tips_path}?team=Accueil")).await;
    assert_eq!(only.body.as_array().unwrap().len(), 1);
    let csv = lead.text(&format!("{tips_path}?format=csv")).await;
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some(
            "\u{feff}created_at;scenario_id;exercise_id;kind;status;team;votes;answers;text;answer_texts"
        )
    );
    // Times in the programme's zone; a text of several lines stays one
    // cell; answers with their author.
    let rest: String = lines.collect::<Vec<_>>().join("\n");
    assert!(
        rest.contains("+01:00;tiny;make-file;question;approved;Finances;0;1;"),
        "{rest}"
    );
    assert!(
        rest.contains("\"Où est le fichier ?\n=1+1\";lea: Dans votre dossier personnel."),
        "{rest}"
    );
    assert!(
        rest.contains(";tiny;make-file;tip;approved;Accueil;2;0;Use touch.;"),
        "{rest}"
    );

    // The programme's page: the ratings' table, and the community's
    // recent activity without its authors.
    let admin = Signed::new(&server, "ada", Role::Admin).await;
    let id = path.split('/').nth(2).unwrap();
    let (status, html) = admin.page(&format!("/trainer/programmes/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let table = &html[html.find("id=\"ratings-table\"").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    assert!(
        table.contains("<td class=\"num\">8</td>")
            && table.contains("<td class=\"num\">3.25</td>")
            && table.contains("<td class=\"num\">3.88</td>"),
        "{table}"
    );
    let recent = &html[html.find("id=\"community-recent\"").unwrap()..];
    let recent = &recent[..recent.find("</ul>").unwrap()];
    assert!(
        recent.contains("Use touch.") && recent.contains("helped 2 people"),
        "{recent}"
    );
    assert!(
        recent.contains("Où est le fichier") && recent.contains("1 answer"),
        "{recent}"
    );
    assert!(html.contains("2 tips and questions so far"));
    for name in learners.iter().map(|l| l.name.as_str()) {
        assert!(!recent.contains(name), "{name} shown in {recent}");
    }
}
