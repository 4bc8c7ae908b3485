//! The page terminal's keyboard in a real headless Chromium, on a real
//! shell sandbox: accented and other non-ASCII text typed, pasted or
//! composed by an input method reaches the shell, as do a phone keyboard's
//! Backspace and Enter; the keys a shell needs
//! (Tab, arrows, Home, Ctrl+R, Ctrl+L, Ctrl+D) reach it; closing the page
//! asks first; full screen is one button away.

use std::time::Duration;

use crate::common::browser::Browser;
use crate::common::server::TestServer;
use crate::common::{InstanceCleanup, fixture_scenarios, test_app};
use sandpit::runtime::{ExecRequest, ExecTarget};
use serde_json::json;
use uuid::Uuid;

/// A file of the learner's home, read in their sandbox.
async fn file(server: &TestServer, sandbox: Uuid, name: &str) -> String {
    let req = ExecRequest {
        target: ExecTarget::Sandbox,
        cmd: vec!["cat".into(), format!("/home/learner/{name}")],
        user: Some("learner".into()),
        workdir: Some("/home/learner".into()),
        timeout: Duration::from_secs(30),
        ..Default::default()
    };
    let out = server.app.runtime.exec(sandbox, req).await.unwrap();
    assert_eq!(out.exit_code, Some(0), "{out:?}");
    out.stdout
}

/// Opens the learner page of a new `tiny` sandbox and waits for its shell.
async fn open_terminal(
    server: &TestServer,
    browser: &Browser,
) -> (Uuid, fantoccini::elements::Element) {
    let (token, sandbox) = server.link("tiny", "Ada").await;
    browser.client.goto(&server.link_url(&token)).await.unwrap();
    browser
        .wait_text(".term-screen", "a prompt", |t| {
            t.contains("learner@tiny:~$")
        })
        .await;
    browser.watch_script_errors().await;
    let terminal = browser.find(".terminal").await;
    terminal.click().await.unwrap();
    (sandbox.id, terminal)
}

#[tokio::test]
async fn accented_pasted_and_composed_text_and_phone_keys_reach_the_shell() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let server = server;
    let browser = Browser::start().await;
    let (sandbox, terminal) = open_terminal(&server, &browser).await;

    terminal
        .send_keys("echo café œ€ > f\u{E007}")
        .await
        .unwrap();
    terminal
        .send_keys("echo typed-$((1+1))\u{E007}")
        .await
        .unwrap();
    browser
        .wait_text(".term-screen", "the typed line", |t| {
            t.contains("\ntyped-2")
        })
        .await;
    assert_eq!(file(&server, sandbox, "f").await, "café œ€\n");

    // A paste (as Ctrl+V or the context menu gives it), then Enter.
    browser
        .client
        .execute(
            "const data = new DataTransfer(); data.setData('text/plain', 'echo collé ñ >> f'); \
             document.querySelector('.term-input').dispatchEvent(new ClipboardEvent('paste', \
             {clipboardData: data, bubbles: true, cancelable: true}));",
            vec![],
        )
        .await
        .unwrap();
    browser
        .wait_text(".term-screen", "the pasted line", |t| {
            t.contains("echo collé ñ >> f")
        })
        .await;
    terminal.send_keys("\u{E007}").await.unwrap();

    // An input method composing 日本 (as for Japanese, or a dead key): what
    // it shows while composing is not typed; what it commits is.
    terminal.send_keys("echo ").await.unwrap();
    let composing = browser
        .client
        .execute(
            "const field = document.querySelector('.term-input'); field.focus(); \
             const step = (type, data) => field.dispatchEvent(type === 'input' \
               ? new InputEvent('input', {data, inputType: 'insertCompositionText', isComposing: true, bubbles: true}) \
               : new CompositionEvent(type, {data, bubbles: true})); \
             step('compositionstart', ''); field.value = 'にほ'; step('compositionupdate', 'にほ'); step('input', 'にほ'); \
             return document.querySelector('.term-compose').textContent;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(composing, json!("にほ"));
    let committed = browser
        .client
        .execute(
            "const field = document.querySelector('.term-input'); \
             field.value = '日本'; \
             field.dispatchEvent(new CompositionEvent('compositionupdate', {data: '日本', bubbles: true})); \
             field.dispatchEvent(new InputEvent('input', {data: '日本', inputType: 'insertCompositionText', isComposing: true, bubbles: true})); \
             field.dispatchEvent(new CompositionEvent('compositionend', {data: '日本', bubbles: true})); \
             return [document.querySelector('.term-compose').hidden, field.value];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(committed, json!([true, ""]));
    terminal
        .send_keys(" >> f\u{E007}echo done-$((2+2))\u{E007}")
        .await
        .unwrap();
    browser
        .wait_text(".term-screen", "the last line", |t| t.contains("\ndone-4"))
        .await;
    assert_eq!(
        file(&server, sandbox, "f").await,
        "café œ€\ncollé ñ\n日本\n"
    );

    // A phone's keyboard sends no key codes for Backspace and Enter, only
    // what they do to the text.
    terminal.send_keys("echo bs-$((4+4))x").await.unwrap();
    browser
        .wait_text(".term-screen", "the typed line", |t| {
            t.contains("echo bs-$((4+4))x")
        })
        .await;
    browser
        .client
        .execute(
            "const field = document.querySelector('.term-input'); \
             for (const inputType of ['deleteContentBackward', 'insertLineBreak']) \
               field.dispatchEvent(new InputEvent('beforeinput', {inputType, bubbles: true, cancelable: true}));",
            vec![],
        )
        .await
        .unwrap();
    browser
        .wait_text(".term-screen", "the edited command's output", |t| {
            t.lines().any(|l| l == "bs-8")
        })
        .await;

    assert_eq!(browser.script_errors().await, json!([]));
    browser.close().await;
    server.finish(sandbox).await;
}

#[tokio::test]
async fn shell_keys_reach_the_shell_and_closing_the_page_asks_first() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let _cleanup = InstanceCleanup::of(&server.app);
    let server = server;
    let browser = Browser::start().await;
    let (sandbox, terminal) = open_terminal(&server, &browser).await;
    let screen = async |what: &str, ok: &dyn Fn(&str) -> bool| {
        browser.wait_text(".term-screen", what, ok).await
    };

    // Tab completes a command.
    terminal.send_keys("ech\u{E004}").await.unwrap();
    screen("the completed command", &|t| t.contains("$ echo")).await;
    terminal.send_keys("tab-$((2+3))\u{E007}").await.unwrap();
    screen("completion ran", &|t| t.contains("\ntab-5")).await;
    // Left inserts before the last character; Home goes to the start.
    terminal
        .send_keys("echo arrow-$((2*2)x\u{E012})\u{E007}")
        .await
        .unwrap();
    screen("the arrow edit", &|t| t.contains("\narrow-4x")).await;
    terminal
        .send_keys("cho home-$((3*3))\u{E011}e\u{E007}")
        .await
        .unwrap();
    screen("the home edit", &|t| t.contains("\nhome-9")).await;
    // Ctrl+R finds an earlier command.
    terminal.send_keys("\u{E009}r\u{E000}arrow-").await.unwrap();
    screen("the search", &|t| t.contains("reverse-i-search")).await;
    terminal.send_keys("\u{E007}").await.unwrap();
    screen("the command found", &|t| {
        t.matches("\narrow-4x").count() == 2
    })
    .await;
    // Ctrl+L clears the screen.
    terminal.send_keys("\u{E009}l\u{E000}").await.unwrap();
    let cleared = screen("a clear screen", &|t| !t.contains("arrow-4x")).await;
    assert!(
        cleared.trim_start().starts_with("learner@tiny:~$"),
        "{cleared}"
    );
    // Ctrl+D ends cat's input. (Typed ahead of the shell running the line,
    // "x" would meet readline's terminal settings: wait for it.)
    terminal
        .send_keys("echo reading-$((3+4)); cat > g\u{E007}")
        .await
        .unwrap();
    screen("cat reading", &|t| t.contains("\nreading-7")).await;
    terminal.send_keys("x\u{E007}").await.unwrap();
    terminal.send_keys("\u{E009}d\u{E000}").await.unwrap();
    terminal
        .send_keys("echo after-$((5+5))\u{E007}")
        .await
        .unwrap();
    screen("the prompt after cat", &|t| t.contains("\nafter-10")).await;
    assert_eq!(file(&server, sandbox, "g").await, "x\n");

    // Ctrl+W cannot be taken in a normal tab: closing asks first.
    let asks = browser
        .client
        .execute(
            "const e = document.createEvent('BeforeUnloadEvent'); \
             e.initEvent('beforeunload', false, true); \
             window.dispatchEvent(e); return e.defaultPrevented;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(asks, json!(true));
    // In full screen, Keyboard Lock gives those keys to the terminal.
    let full = browser.find(".term-full").await;
    assert_eq!(full.text().await.unwrap(), "Full screen");
    full.click().await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let on = browser
            .client
            .execute(
                "return !!document.fullscreenElement && document.fullscreenElement.classList.contains('terminal')",
                vec![],
            )
            .await
            .unwrap();
        if on == json!(true) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never in full screen");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        full.attr("aria-pressed").await.unwrap().as_deref(),
        Some("true")
    );
    // Keys still reach the shell there.
    terminal
        .send_keys("echo full-$((6+6))\u{E007}")
        .await
        .unwrap();
    // Going full screen resizes the terminal: the shell may redraw the
    // line being typed, so the output need not start a line; only the
    // shell's own arithmetic can print it.
    screen("typing in full screen", &|t| t.contains("full-12")).await;

    assert_eq!(browser.script_errors().await, json!([]));
    browser.close().await;
    server.finish(sandbox).await;
}
