//! The screenshots of the learner page kept in `docs/screenshots/`, taken
//! from the real thing: the real server, real sandboxes and a headless
//! Chromium, in English and French, on the terminal tab (git-basics, a
//! prompt and commands typed, a Check passed) and on the wiki tab
//! (wiki-basics, signed in to the wiki inside the frame). The test runs in
//! the suite and asserts what each picture shows; it writes the PNGs only
//! when `SANDPIT_SCREENSHOTS_DIR` names a directory (`./dev screenshots`).

use std::path::PathBuf;

use crate::common::InstanceCleanup;
use crate::common::browser::Browser;
use crate::common::server::{TestServer, served_as_by_default};

/// The window every picture is taken at, so that they stay comparable from
/// one run to the next.
const WIDTH: u32 = 1280;
const HEIGHT: u32 = 800;

/// What the learner page says in one language.
struct Language {
    browser: &'static str,
    lang: &'static str,
    learner: &'static str,
    git_title: &'static str,
    wiki_title: &'static str,
    terminal_tab: &'static str,
    terminal_keys: &'static str,
    connected: &'static str,
    check: &'static str,
    passed: &'static str,
    open_wiki: &'static str,
    wiki_step: &'static str,
}

const ENGLISH: Language = Language {
    browser: "en-GB",
    lang: "en",
    learner: "Ada Lovelace",
    git_title: "Git basics: your first steps with version control",
    wiki_title: "Wiki basics: share what your team knows",
    terminal_tab: "Terminal",
    terminal_keys: "Keys in the terminal",
    connected: "connected",
    check: "Check",
    passed: "Passed!",
    open_wiki: "Open Wiki in a new tab",
    wiki_step: "Step 1 — Log in and create your user page",
};

const FRENCH: Language = Language {
    browser: "fr-FR",
    lang: "fr",
    learner: "Amélie Durand",
    git_title: "Les bases de Git : vos premiers pas avec la gestion de versions",
    wiki_title: "Les bases du wiki : partagez ce que sait votre équipe",
    terminal_tab: "Terminal",
    terminal_keys: "Touches dans le terminal",
    connected: "connecté",
    check: "Vérifier",
    passed: "Réussi !",
    open_wiki: "Ouvrir Wiki dans un nouvel onglet",
    wiki_step: "Étape 1 — Connectez-vous et créez votre page utilisateur",
};

/// A browser in `want`'s language, its page (the window less the
/// browser's own bars) at the pictures' size.
async fn browser_in(want: &Language) -> Browser {
    let browser = Browser::start_in(want.browser).await;
    let b = &browser.client;
    b.set_window_size(WIDTH, HEIGHT)
        .await
        .expect("sizing the window");
    let bars: Vec<u32> = serde_json::from_value(
        b.execute(
            "return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]",
            vec![],
        )
        .await
        .expect("measuring the window"),
    )
    .expect("two sizes");
    b.set_window_size(WIDTH + bars[0], HEIGHT + bars[1])
        .await
        .expect("sizing the window");
    browser
}

/// The width and height a PNG's header gives.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && &png[12..16] == b"IHDR",
        "a PNG"
    );
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

/// Takes the page's picture; keeps it as `<name>.png` in the directory
/// `SANDPIT_SCREENSHOTS_DIR` names, if it names one.
async fn picture(browser: &Browser, name: &str) {
    let png = browser.client.screenshot().await.expect("a screenshot");
    let (width, height) = png_size(&png);
    assert_eq!((width, height), (WIDTH, HEIGHT), "the picture's size");
    if let Some(dir) = std::env::var_os("SANDPIT_SCREENSHOTS_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, &png).unwrap();
        eprintln!(
            "wrote {} ({width}×{height}, {} KB)",
            path.display(),
            png.len() / 1024
        );
    }
}

/// The text of the element `css`, now.
async fn text_of(browser: &Browser, css: &str) -> String {
    browser.find(css).await.text().await.unwrap()
}

/// Opens a git-basics sandbox in `want`'s language, types the first step's
/// commands in the terminal, passes its Check, and takes the picture.
async fn terminal_picture(server: &TestServer, want: &Language) {
    let (token, sandbox) = server.link("git-basics", want.learner).await;
    let browser = browser_in(want).await;
    browser.client.goto(&server.link_url(&token)).await.unwrap();
    browser.watch_script_errors().await;
    browser
        .wait_text("#scenario-title", "the scenario's title", |t| {
            t == want.git_title
        })
        .await;
    let tab = browser.find("#tab-terminal").await;
    assert_eq!(tab.text().await.unwrap(), want.terminal_tab);
    assert_eq!(
        tab.attr("aria-selected").await.unwrap().as_deref(),
        Some("true")
    );
    browser
        .wait_text(".term-status", "a connected terminal", |t| {
            t.contains(want.connected)
        })
        .await;
    // A real prompt, drawn by the sandbox's shell.
    browser
        .wait_text(".term-screen", "the shell's prompt", |t| {
            t.contains("learner@git-basics:~$")
        })
        .await;
    let terminal = browser.find(".terminal").await;
    terminal.click().await.unwrap();
    let email = if want.lang == "fr" {
        "amelie.durand@example.org"
    } else {
        "ada@example.org"
    };
    // One command at a time, each after its prompt, as a person types
    // (keys typed ahead are echoed before the next prompt, as in any
    // terminal, which would muddle the picture).
    let commands = [
        format!("git config --global user.name \"{}\"", want.learner),
        format!("git config --global user.email {email}"),
        "git config --global --list".to_owned(),
        "cd expense-report".to_owned(),
        "git log --oneline -n 6".to_owned(),
    ];
    let mut screen = String::new();
    for (typed, command) in commands.iter().enumerate() {
        terminal
            .send_keys(&format!("{command}\u{E007}"))
            .await
            .unwrap();
        screen = browser
            .wait_text(".term-screen", "the next prompt", |t| {
                t.matches("learner@git-basics:").count() == typed + 2
            })
            .await;
    }
    assert!(screen.contains(&format!("user.email={email}")), "{screen}");
    assert!(
        screen
            .trim_end()
            .ends_with("learner@git-basics:~/expense-report$"),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("user.name={}", want.learner)),
        "{screen}"
    );

    let check = browser.find("button.check").await;
    assert_eq!(check.text().await.unwrap(), want.check);
    check.click().await.unwrap();
    browser
        .wait_text(".feedback .verdict", "the verdict", |t| t == want.passed)
        .await;
    let completions = server.app.store.completions(sandbox.id).await.unwrap();
    assert!(completions.contains_key("set-identity"), "{completions:?}");
    assert_eq!(
        text_of(&browser, ".terminal-keys summary").await,
        want.terminal_keys
    );
    assert_eq!(browser.script_errors().await, serde_json::json!([]));
    picture(&browser, &format!("learner-terminal-{}", want.lang)).await;
    browser.close().await;
    server.app.service.destroy(sandbox.id).await.unwrap();
}

/// Opens a wiki-basics sandbox in `want`'s language, signs in to the wiki
/// inside the frame, and takes the picture.
async fn wiki_picture(server: &TestServer, want: &Language) {
    let (token, sandbox) = server.link("wiki-basics", want.learner).await;
    let browser = browser_in(want).await;
    let b = &browser.client;
    b.goto(&server.link_url(&token)).await.unwrap();
    browser.watch_script_errors().await;
    browser
        .wait_text("#scenario-title", "the scenario's title", |t| {
            t == want.wiki_title
        })
        .await;
    assert_eq!(text_of(&browser, ".exercise h2").await, want.wiki_step);
    let tab = browser.find("#tab-web-8080").await;
    assert_eq!(tab.text().await.unwrap(), "Wiki");
    assert_eq!(
        tab.attr("aria-selected").await.unwrap().as_deref(),
        Some("true")
    );
    assert_eq!(
        text_of(&browser, "#pane-web-8080 .open-tab a").await,
        want.open_wiki
    );
    assert_eq!(
        text_of(&browser, "button.check").await,
        want.check,
        "the Check button"
    );

    let frame = browser.find("#pane-web-8080 iframe").await;
    frame.enter_frame().await.unwrap();
    browser.sign_in_to_wiki().await;
    // Signed in (the session cookie is kept in the frame), and back on the
    // page the sign-in started from.
    browser
        .wait_text("#pt-userpage a, #pt-userpage-2 a", "the user's name", |t| {
            t == "Learner"
        })
        .await;
    browser
        .wait_text("#firstHeading", "the main page again", |t| t == "Main Page")
        .await;
    b.enter_parent_frame().await.unwrap();
    // The wiki is at its own origin under Sandpit's site.
    let src = frame.attr("src").await.unwrap().unwrap_or_default();
    let origin = format!(
        "http://8080-{}.sandpit.localhost:{}/",
        token.web_key().as_str(),
        server.addr.port()
    );
    assert!(src.starts_with(&origin), "{src}");
    assert_eq!(browser.script_errors().await, serde_json::json!([]));
    picture(&browser, &format!("learner-wiki-{}", want.lang)).await;
    browser.close().await;
    server.app.service.destroy(sandbox.id).await.unwrap();
}

#[tokio::test]
async fn the_terminal_tab_shows_a_real_prompt_and_typed_commands_in_english_and_french() {
    let server = served_as_by_default().await;
    let _cleanup = InstanceCleanup::of(&server.app);
    for want in [&ENGLISH, &FRENCH] {
        terminal_picture(&server, want).await;
    }
    server.assert_nothing_left().await;
}

#[tokio::test]
async fn the_wiki_tab_shows_the_signed_in_wiki_inside_the_frame_in_english_and_french() {
    let server = served_as_by_default().await;
    let _cleanup = InstanceCleanup::of(&server.app);
    for want in [&ENGLISH, &FRENCH] {
        wiki_picture(&server, want).await;
    }
    server.assert_nothing_left().await;
}
