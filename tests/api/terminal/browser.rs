//! The learner page's terminal in a real headless Chromium: our own script
//! draws the screen, types, and sizes the shell to the element.

use fantoccini::Locator;

use crate::common::browser::Browser;
use crate::common::server::TestServer;
use crate::common::{Cleanup, fixture_scenarios, test_app};

#[tokio::test]
async fn the_page_terminal_draws_types_and_fits_in_a_real_browser() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("tiny", "Ada").await;
    cleanup.ids.push(sandbox.id);
    let browser = Browser::start().await;

    browser.client.goto(&server.link_url(&token)).await.unwrap();
    browser
        .wait_text(".term-status", "connected", |t| t.contains("connected"))
        .await;
    let terminal = browser.find(".terminal").await;
    terminal.click().await.unwrap();
    terminal
        .send_keys("echo browser-$((6*7))\u{E007}")
        .await
        .unwrap();
    browser
        .wait_text(".term-screen", "the command's output", |t| {
            t.contains("\nbrowser-42")
        })
        .await;
    // Up arrow recalls the command; Ctrl+C abandons a line.
    terminal.send_keys("\u{E013}\u{E007}").await.unwrap();
    browser
        .wait_text(".term-screen", "the recalled command", |t| {
            t.matches("\nbrowser-42").count() == 2
        })
        .await;
    // ^C makes the TTY drop input not read yet: let the shell read the line first.
    terminal.send_keys("echo never-$((1+1))").await.unwrap();
    browser
        .wait_text(".term-screen", "the typed line", |t| {
            t.contains("never-$((1+1))")
        })
        .await;
    terminal.send_keys("\u{E009}c\u{E000}").await.unwrap();
    // Typing on before the shell has handled the interrupt would race it.
    browser
        .wait_text(".term-screen", "a new prompt", |t| {
            t.split("never-$((1+1))")
                .nth(1)
                .is_some_and(|after| after.contains("learner@tiny:~$"))
        })
        .await;
    terminal
        .send_keys("echo back-$((2*4))\u{E007}")
        .await
        .unwrap();
    let screen = browser
        .wait_text(".term-screen", "the prompt after ^C", |t| {
            t.contains("\nback-8")
        })
        .await;
    assert!(
        !screen.contains("never-2"),
        "^C abandoned the line:\n{screen}"
    );
    // The shell is as big as the element, not 80×24.
    terminal.send_keys("stty size\u{E007}").await.unwrap();
    let screen = browser
        .wait_text(".term-screen", "the size", |t| {
            t.lines().any(|l| {
                l.split(' ').count() == 2 && l.split(' ').all(|n| n.parse::<u16>().is_ok())
            })
        })
        .await;
    let size = screen
        .lines()
        .find(|l| l.split(' ').count() == 2 && l.split(' ').all(|n| n.parse::<u16>().is_ok()))
        .unwrap()
        .to_owned();
    assert_ne!(size, "24 80", "the browser sent its own size:\n{screen}");
    let cursor = browser
        .client
        .find(Locator::Css(".term-cursor"))
        .await
        .unwrap();
    // Not is_displayed: the cursor blinks, and half of the time it is transparent.
    assert_eq!(
        cursor.attr("hidden").await.unwrap(),
        None,
        "the cursor shows"
    );

    // Shift+PgUp shows the history; typing goes back to the live screen.
    terminal.send_keys("seq 1 300\u{E007}").await.unwrap();
    browser
        .wait_text(".term-screen", "the numbers", |t| t.contains("\n300\n"))
        .await;
    terminal
        .send_keys("\u{E008}\u{E00E}\u{E000}")
        .await
        .unwrap();
    browser
        .wait_text(".term-status", "the history", |t| t.starts_with("history:"))
        .await;
    let back = browser
        .wait_text(".term-screen", "older lines", |t| t.contains("\n250\n"))
        .await;
    assert!(!back.contains("\n300\n"), "{back}");
    terminal
        .send_keys("echo live-$((3+3))\u{E007}")
        .await
        .unwrap();
    browser
        .wait_text(".term-screen", "the live screen", |t| {
            t.contains("\nlive-6")
        })
        .await;
    browser
        .wait_text(".term-status", "connected", |t| t.contains("connected"))
        .await;

    if let Ok(dir) = std::env::var("SANDPIT_SCREENSHOTS") {
        browser.screenshot(&format!("{dir}/terminal.png")).await;
    }
    // Esc then Tab leaves the terminal: the keyboard is never trapped.
    terminal.send_keys("\u{E00C}\u{E004}").await.unwrap();
    let focused = browser
        .client
        .execute(
            "return document.activeElement.classList.contains('terminal')",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(focused, serde_json::json!(false));
    browser.close().await;
    server.finish(sandbox.id).await;
}
