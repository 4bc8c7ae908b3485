//! The browser terminal over a real websocket, on the real engine: a login
//! shell in the sandbox, emulated on the server, shared by its viewers,
//! restored on reconnect, refused cross-site, recorded as asciicast v2.

mod browser;
pub mod client;
mod shell;
mod warm;

use std::path::Path;
use std::time::Duration;

use crate::common::server::TestServer;
use crate::common::{Cleanup, fixture_scenarios, test_app, test_app_with};
use client::{Term, Terminals, status_of};
use sandpit::sandbox::LinkToken;
use serde_json::Value;

#[tokio::test]
async fn typed_command_output_appears_on_the_screen_with_colours() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("tiny", "Ada").await;
    cleanup.ids.push(sandbox.id);

    let mut term = server.open(&token).await;
    term.wait_for("the first frame", |t| t.frames > 0).await;
    term.input("echo hi\r").await;
    term.wait_for("a line saying hi", |t| {
        t.lines.iter().any(|l| l.trim_end() == "hi")
    })
    .await;
    term.run("whoami; pwd; echo $TERM", "xterm-256color").await;
    assert!(
        term.shows("learner") && term.shows("/home/learner"),
        "{}",
        term.text()
    );

    // UTF-8 both ways, wide characters included.
    term.run(
        "printf '\\303\\251\\342\\202\\254 \\346\\227\\245\\346\\234\\254|\\n'",
        "é€ 日本|",
    )
    .await;
    term.run("echo ça-$((1+1))", "ça-2").await;

    term.input("printf '\\033[1;31mred-%s\\033[0m\\n' bold\r")
        .await;
    let frame = loop {
        let frame = term.read().await.expect("a frame");
        if frame.to_string().contains("red-bold") {
            break frame;
        }
    };
    let run = frame["lines"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l[1].as_array().unwrap().iter())
        .find(|r| r["text"] == "red-bold")
        .cloned()
        .unwrap_or(Value::Null);
    assert_eq!(
        (run["fg"].as_u64(), run["bold"].as_bool()),
        (Some(1), Some(true)),
        "{frame}"
    );

    term.close().await;
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn binary_output_does_not_stall_the_terminal() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("tiny", "Ada").await;
    cleanup.ids.push(sandbox.id);

    let mut term = server.open(&token).await;
    // Output that starts with 0x01 looks like a multiplexed frame header
    // announcing 2 GiB to a decoder that guesses; it must pass as it is.
    term.run(
        "printf 'x\\n'; sleep 0.3; printf '\\001\\000\\000\\000\\177\\377\\377\\377'; sleep 0.3; echo; echo unstalled-$((3+4))",
        "unstalled-7",
    )
    .await;
    term.run(
        // A fixed binary (random bytes could open a string sequence that
        // swallows the marker); then cancel any open sequence and reset.
        "head -c 30000 /bin/bash; printf '\\030\\033\\\\\\033c'; echo binary-$((5+5))",
        "binary-10",
    )
    .await;
    term.close().await;
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn resizing_changes_the_size_the_shell_sees_and_the_latest_viewer_wins() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("tiny", "Ada").await;
    cleanup.ids.push(sandbox.id);

    let mut term = server.open(&token).await;
    term.run("stty size", "24 80").await;
    term.resize(30, 100).await;
    term.wait_for("the new size", |t| t.size == (30, 100)).await;
    term.run("stty size", "30 100").await;
    // The latest viewer to ask sets the size; when it leaves, the size goes
    // back to what the others asked for.
    let mut other = server.open(&token).await;
    other.resize(20, 60).await;
    term.wait_for("the other viewer's size", |t| t.size == (20, 60))
        .await;
    other.close().await;
    term.wait_for("the size back", |t| t.size == (30, 100))
        .await;
    // Out-of-range sizes are clamped, not refused.
    term.resize(1, 5000).await;
    term.wait_for("the clamped size", |t| t.size == (5, 300))
        .await;
    term.close().await;
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn two_viewers_see_the_same_screen_and_a_reconnect_restores_it() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("tiny", "Ada").await;
    cleanup.ids.push(sandbox.id);

    let mut learner = server.open(&token).await;
    let mut peer = server.open(&token).await;
    learner.run("echo shared-$((6*7))", "shared-42").await;
    peer.wait_text("shared-42").await;
    peer.run("echo from-peer-$((2+3))", "from-peer-5").await;
    learner.wait_text("from-peer-5").await;
    learner
        .wait_for("the same screen", |t| t.lines == peer.lines)
        .await;

    learner.close().await;
    peer.close().await;
    // With nobody watching, the shell goes on; a new viewer gets the screen whole.
    let mut back = server.open(&token).await;
    let first = back.read().await.expect("a first frame");
    assert_eq!(first["full"], true);
    assert!(
        back.shows("shared-42") && back.shows("from-peer-5"),
        "{}",
        back.text()
    );
    back.run("echo still-$((1+1))", "still-2").await;
    back.close().await;
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn cross_site_and_unknown_links_are_refused_before_the_upgrade() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("tiny", "Ada").await;
    cleanup.ids.push(sandbox.id);

    let url = server.terminal_url(&token);
    let evil = Term::connect(&url, Some("http://evil.example")).await;
    assert_eq!(status_of(evil), 403);
    let sandbox_ui = Term::connect(
        &url,
        Some(&format!("http://8080-{}.sandpit.localhost", token.as_str())),
    )
    .await;
    assert_eq!(status_of(sandbox_ui), 403);
    let unknown = server.terminal_url(&LinkToken::generate());
    assert_eq!(status_of(Term::connect(&unknown, None).await), 404);
    let garbage = format!("ws://{}/s/not-a-token/terminal", server.addr);
    assert_eq!(status_of(Term::connect(&garbage, None).await), 404);
    assert!(
        !server
            .app
            .runtime
            .list_owned(false)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        !Path::new(
            &server
                .data
                .path()
                .join("recordings")
                .join(sandbox.id.to_string())
        )
        .exists(),
        "no shell was started for a refused connection"
    );
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn full_screen_programs_draw_and_give_the_screen_back() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("tiny", "Ada").await;
    cleanup.ids.push(sandbox.id);

    let mut term = server.open(&token).await;
    term.run("echo ready-$((3*3))", "ready-9").await;
    // Full screen as for a long file: the image's LESS=FRX would print this
    // short one and return (see shell::a_short_git_log_returns_to_the_prompt_without_a_keypress).
    term.input("LESS=-R less ~/notes/seed.txt\r").await;
    term.wait_for("less on the alternate screen", |t| {
        t.alt_screen() && t.shows("hello from the seed data")
    })
    .await;
    term.input("q").await;
    term.wait_for("the shell back", |t| !t.alt_screen() && t.shows("ready-9"))
        .await;

    term.input("vi ~/poem.txt\r").await;
    term.wait_for("vi's screen", |t| {
        t.alt_screen() && t.lines.iter().filter(|l| l.starts_with('~')).count() > 3
    })
    .await;
    term.input("ihello from vi\x1b").await;
    term.wait_text("hello from vi").await;
    term.input(":wq\r").await;
    term.wait_for("the shell back", |t| !t.alt_screen()).await;
    term.run("cat ~/poem.txt | tr a-z A-Z", "HELLO FROM VI")
        .await;
    term.close().await;
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn ctrl_c_interrupts_a_running_command() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("tiny", "Ada").await;
    cleanup.ids.push(sandbox.id);

    let mut term = server.open(&token).await;
    term.run("echo go-$((5*5))", "go-25").await;
    term.input("sleep 100; echo slept-$((1+1))\r").await;
    term.wait_text("sleep 100").await;
    // ^C must reach sleep, not the shell still starting it: repeat it until
    // the shell reports the interrupt (130 = killed by SIGINT).
    let deadline = tokio::time::Instant::now() + client::DEADLINE;
    loop {
        tokio::time::sleep(Duration::from_millis(300)).await;
        term.input("\x03").await;
        term.input("echo status-$?-$((7*7))\r").await;
        let seen = tokio::time::timeout(Duration::from_secs(2), async {
            while !term.shows("-49") {
                term.read().await.expect("a frame");
            }
        })
        .await;
        if seen.is_ok() {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "sleep was never interrupted:\n{}",
            term.text()
        );
    }
    assert!(term.shows("status-130-49"), "{}", term.text());
    assert!(!term.shows("slept-2"));
    term.close().await;
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn an_exited_shell_tells_its_viewers_and_the_next_connection_starts_another() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("tiny", "Ada").await;
    cleanup.ids.push(sandbox.id);

    let mut term = server.open(&token).await;
    term.run("echo first-$$-$((8*8))", "-64").await;
    term.input("exit\r").await;
    term.wait_for("the exit message", |t| t.exited).await;
    assert!(term.read().await.is_none(), "the server closes after exit");

    let mut again = server.open(&token).await;
    again.wait_for("a new prompt", |t| t.frames > 0).await;
    assert!(
        !again.shows("-64"),
        "a new shell starts on a clean screen:\n{}",
        again.text()
    );
    again.run("echo second-$((9*9))", "second-81").await;

    // Removing the sandbox ends its shell too.
    server.app.service.destroy(sandbox.id).await.unwrap();
    again.wait_for("the exit message", |t| t.exited).await;
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn each_terminal_is_recorded_as_asciicast_v2() {
    let server = TestServer::start(test_app(fixture_scenarios()).await).await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("tiny", "Ada").await;
    cleanup.ids.push(sandbox.id);

    let mut term = server.open(&token).await;
    term.run("echo recorded-$((4*4))", "recorded-16").await;
    term.resize(20, 90).await;
    term.wait_for("the new size", |t| t.size == (20, 90)).await;
    term.close().await;

    let dir = server
        .data
        .path()
        .join("recordings")
        .join(sandbox.id.to_string());
    // Flushed regularly while the shell runs: no need to end it.
    let deadline = tokio::time::Instant::now() + client::DEADLINE;
    let text = loop {
        let text = std::fs::read_dir(&dir)
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| std::fs::read_to_string(e.unwrap().path()).ok())
            .unwrap_or_default();
        if text.contains("recorded-16") && text.contains("\"r\"") {
            break text;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no complete recording in {}:\n{text}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut lines = text.lines();
    let header: Value = serde_json::from_str(lines.next().unwrap()).unwrap();
    assert_eq!(header["version"], 2);
    assert_eq!(
        (header["width"].as_u64(), header["height"].as_u64()),
        (Some(80), Some(24))
    );
    let mut last = 0.0;
    for line in lines {
        let event: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        let time = event[0].as_f64().expect("a time");
        assert!(time >= last, "times never go back");
        last = time;
        assert!(matches!(event[1].as_str(), Some("o" | "r")), "{line}");
        assert!(event[2].is_string(), "{line}");
    }
    assert!(text.contains(r#""r","90x20"]"#), "{text}");
    server.finish(sandbox.id).await;
}

#[tokio::test]
async fn no_recording_is_written_when_recording_is_off() {
    let server =
        TestServer::start(test_app_with(fixture_scenarios(), |c| c.record_terminals = false).await)
            .await;
    let mut cleanup = Cleanup::default();
    let (token, sandbox) = server.link("tiny", "Ada").await;
    cleanup.ids.push(sandbox.id);

    let mut term = server.open(&token).await;
    term.run("echo unrecorded-$((2*2))", "unrecorded-4").await;
    term.close().await;
    assert!(!server.data.path().join("recordings").exists());
    server.finish(sandbox.id).await;
}
