//! The learner page of a real sandbox, in a real headless Chromium, in the
//! learner's language: a browser that prefers French gets the scenario's
//! title, the steps' titles, the instructions and, after Check, the failing
//! check's feedback in French; one that prefers English gets them in English.
//! A refused Check is said in the page's language too.

use crate::common;
use crate::common::browser::Browser;
use crate::common::server::TestServer;
use crate::common::{Cleanup, repo_scenarios, test_app};
use sandpit::scenario::Scenario;

/// What the first step of git-basics shows in one language.
struct Expected {
    browser: &'static str,
    lang: &'static str,
    title: &'static str,
    first_steps: [&'static str; 2],
    heading: &'static str,
    instructions: &'static str,
    verdict: &'static str,
    feedback: &'static str,
}

const FRENCH: Expected = Expected {
    browser: "fr-FR",
    lang: "fr",
    title: "Les bases de Git : vos premiers pas avec la gestion de versions",
    first_steps: [
        "Présentez-vous à git",
        "Trouvez qui a modifié le plafond d'approbation",
    ],
    heading: "Étape 1 — Présentez-vous à git",
    instructions: "Git conserve l'historique d'un projet",
    verdict: "Pas encore.",
    feedback: "Votre nom n'est pas encore défini. Lancez : git config --global user.name \"Prénom Nom\"\n\
               Votre adresse e-mail n'est pas encore définie. Lancez : git config --global user.email \"vous@example.org\"",
};

const ENGLISH: Expected = Expected {
    browser: "en-GB",
    lang: "en",
    title: "Git basics: your first steps with version control",
    first_steps: [
        "Introduce yourself to git",
        "Find out who changed the approval limit",
    ],
    heading: "Step 1 — Introduce yourself to git",
    instructions: "Git keeps the history of a project",
    verdict: "Not yet.",
    feedback: "Your name is not set yet. Run: git config --global user.name \"Firstname Lastname\"\n\
               Your e-mail address is not set yet. Run: git config --global user.email \"you@example.org\"",
};

/// Opens the learner page at `url` in a browser that prefers `want`'s
/// language, checks what it shows, presses Check and checks the feedback.
async fn page_speaks(url: &str, scenario: &Scenario, want: &Expected) {
    let browser = Browser::start_in(want.browser).await;
    let b = &browser.client;
    b.goto(url).await.unwrap();
    let title = browser
        .wait_text("#scenario-title", "the scenario's title", |t| !t.is_empty())
        .await;
    assert_eq!(title, want.title);
    let lang = b
        .execute("return document.documentElement.lang", vec![])
        .await
        .unwrap();
    assert_eq!(lang, want.lang);

    let steps = b
        .execute(
            "return Array.from(document.querySelectorAll('.steps .step'))
                .map(li => li.firstElementChild.childNodes[0].textContent.trim())",
            vec![],
        )
        .await
        .unwrap();
    let steps: Vec<String> = serde_json::from_value(steps).unwrap();
    let titles: Vec<&str> = scenario
        .exercises
        .iter()
        .map(|e| e.title.get(want.lang))
        .collect();
    assert_eq!(steps, titles);
    assert_eq!(steps[..2], want.first_steps);

    let heading = browser
        .wait_text(".exercise h2", "the step's heading", |t| !t.is_empty())
        .await;
    assert_eq!(heading, want.heading);
    let instructions = browser
        .wait_text(".instructions", "the instructions", |t| !t.is_empty())
        .await;
    assert!(
        instructions.starts_with(want.instructions),
        "{instructions}"
    );
    // The title is not repeated as the instructions' own heading.
    let first = b
        .execute(
            "return document.querySelector('.instructions').firstElementChild.tagName",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(first, "P");

    // (A page opened after an earlier Check shows that one's feedback, as
    // it was given, until Check is pressed again.)
    let action = browser
        .find("form.check-form")
        .await
        .attr("action")
        .await
        .unwrap()
        .unwrap_or_default();
    assert!(
        action.ends_with(&format!("/check/set-identity?lang={}", want.lang)),
        "{action}"
    );
    browser.find("button.check").await.click().await.unwrap();
    browser
        .wait_text(".feedback .output", "the check's feedback", |t| {
            t == want.feedback
        })
        .await;
    browser
        .wait_text(".feedback .verdict", "the verdict", |t| t == want.verdict)
        .await;
    browser.close().await;
}

#[tokio::test]
async fn the_learner_page_and_its_check_feedback_speak_french_or_english_as_the_browser_prefers() {
    let server = TestServer::start(test_app(repo_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("git-basics", "Amélie").await;
    cleanup.ids.push(sandbox.id);
    let scenario = server.app.scenario("git-basics").unwrap().clone();
    let url = server.link_url(&token);

    page_speaks(&url, &scenario, &FRENCH).await;
    page_speaks(&url, &scenario, &ENGLISH).await;

    // A step still locked is refused in the language of the page it was
    // pressed on (the Check form's address carries it).
    let http = common::http::client();
    for (lang, said) in [
        ("fr", "Terminez d'abord les étapes précédentes."),
        ("en", "Finish the earlier steps first."),
    ] {
        let r = http
            .post(format!("{url}/check/tag-release?lang={lang}"))
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::ACCEPT_LANGUAGE, "de")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::CONFLICT);
        assert_eq!(r.text().await.unwrap(), said);
    }

    // Each press of Check is recorded with the feedback the learner saw.
    let attempts = server.app.store.attempts(sandbox.id).await.unwrap();
    let outputs: Vec<(&str, &str)> = attempts
        .iter()
        .map(|a| (a.outcome.as_str(), a.output.as_str()))
        .collect();
    assert_eq!(
        outputs,
        [("failed", FRENCH.feedback), ("failed", ENGLISH.feedback)]
    );
    server.finish(sandbox.id).await;
}
