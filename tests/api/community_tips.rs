//! Tips and ratings between learners: a learner who passed an exercise
//! rates it and leaves a tip, in a real Chromium; the next learner does not
//! see it until the cohort's trainer approves it on their tips page; then
//! they see it and vote "this helped", counted once however often they
//! press. Bad feedback is refused with what is wrong, in the learner's
//! language, and changes nothing; only the cohort's trainer (or an admin)
//! reviews and answers.

use fantoccini::Locator;
use reqwest::StatusCode;
use reqwest::header::ORIGIN;
use sandpit::community::{CommunityError, Mistake};
use sandpit::store::{Learner, Outcome, Role};

use crate::common::browser::Browser;
use crate::common::http::client;
use crate::common::pages::Signed;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, settled_account, test_app};

/// A learner's page address.
fn link(server: &TestServer, learner: &Learner) -> String {
    let token = server.app.service.learner_token(*learner.id);
    format!("{}/s/{}", server.url, token.as_str())
}

/// Posts a learner's form as their page does (from the site itself).
async fn post(server: &TestServer, url: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    client()
        .post(url)
        .header(ORIGIN, &server.url)
        .form(fields)
        .send()
        .await
        .unwrap()
}

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
    c.goto(&format!("{}?step=make-file", link(&server, ada)))
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
    c.goto(&link(&server, ben)).await.unwrap();
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
    c.goto(&link(&server, ben)).await.unwrap();
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
    let again = post(&server, &format!("{}{vote_url}", server.url), &[]).await;
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
    let voted = post(&server, &format!("{}{cy_vote}", server.url), &[]).await;
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
        format!("{}/feedback/make-file?lang={lang}", link(&server, who))
    };

    // Before any check, nothing can be left.
    let early = post(&server, &feedback(&learners[0], "en"), &[("body", "Hi")]).await;
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
        let refused = post(&server, &ada_url, &fields).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{fields:?}");
        let body = refused.text().await.unwrap();
        assert!(body.contains(says), "{fields:?}: {body}");
    }
    let long = "x".repeat(1001);
    let refused = post(
        &server,
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
    let asked = post(
        &server,
        &ada_url,
        &[("kind", "question"), ("body", "Where is the file checked?")],
    )
    .await;
    assert_eq!(asked.status(), StatusCode::SEE_OTHER);
    for n in 2..=5 {
        let body = format!("Tip number {n}");
        let kept = post(&server, &ada_url, &[("body", body.as_str())]).await;
        assert_eq!(kept.status(), StatusCode::SEE_OTHER);
    }
    let sixth = post(&server, &ada_url, &[("body", "One more")]).await;
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
        link(&server, &learners[1])
    );
    let early_vote = post(&server, &vote, &[]).await;
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
