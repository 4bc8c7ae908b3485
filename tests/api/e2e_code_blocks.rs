//! Code blocks the author marked in the instructions, in a real Chromium
//! on git-basics' first exercise, as a learner uses them: the block marked
//! `copy` (the identity commands, to be edited) has a Copy button, and
//! what it copies, pasted into the terminal, runs there; the block marked
//! `run` (`git config --global --list`) has a Run button that types it into
//! the terminal with Enter, and git answers on the screen. Unmarked blocks
//! get no button (see `markdown::tests`), and the buttons speak French on a
//! French page.

use fantoccini::Locator;

use crate::common;
use crate::common::browser::Browser;
use crate::common::server::TestServer;
use crate::common::{Cleanup, test_app};

async fn buttons(browser: &Browser) -> Vec<String> {
    let mut texts = Vec::new();
    for b in browser
        .client
        .find_all(Locator::Css(".instructions .code-actions button"))
        .await
        .unwrap()
    {
        texts.push(b.text().await.unwrap());
    }
    texts
}

/// Clicks the button `css` in a block's bar of buttons.
async fn press(bar: &fantoccini::elements::Element, css: &str) {
    bar.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css} button: {e}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_copied_block_pastes_into_the_terminal_and_a_run_block_runs_there() {
    let server = TestServer::start(test_app(common::repo_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("git-basics", "Ada").await;
    cleanup.ids.push(sandbox.id);
    let browser = Browser::start().await;
    browser.open(&server.link_url(&token), ".term-status").await;
    browser
        .wait_text(".term-status", "a connected terminal", |t| {
            t.contains("connected")
        })
        .await;
    assert_eq!(buttons(&browser).await, ["Copy", "Run", "Copy"]);

    // Copy the identity commands, paste them into the terminal (Ctrl+V)
    // and press Enter.
    let bars = browser
        .client
        .find_all(Locator::Css(".instructions .code-actions"))
        .await
        .unwrap();
    press(&bars[0], ".code-copy").await;
    browser
        .wait_text(".code-said", "the copy said", |t| t == "Copied")
        .await;
    let terminal = browser.find(".terminal").await;
    terminal.click().await.unwrap();
    terminal.send_keys("\u{E009}v\u{E000}").await.unwrap();
    browser
        .wait_text(".term-screen", "the pasted commands", |t| {
            t.replace('\n', "")
                .contains("user.email \"you@example.org\"")
        })
        .await;
    terminal.send_keys("\u{E007}").await.unwrap();

    // Run the listing: git answers with what the pasted commands set.
    press(&bars[1], ".code-run").await;
    browser
        .wait_text(".term-screen", "git's listing", |t| {
            let t = t.replace('\n', "");
            t.contains("user.name=Your Name") && t.contains("user.email=you@example.org")
        })
        .await;
    browser.close().await;

    // In French, the same buttons in French.
    let browser = Browser::start_in("fr-FR").await;
    browser
        .open(&server.link_url(&token), ".instructions")
        .await;
    assert_eq!(buttons(&browser).await, ["Copier", "Exécuter", "Copier"]);
    browser.close().await;
}
