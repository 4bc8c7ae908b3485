//! `sandpit serve --lan`, a classroom on this machine's network: Sandpit
//! listens on the machine's own address (the one its default route leaves
//! from, not loopback), its links point there, and it prints that address
//! with a QR code that reads back to it. Tools are served by path on the
//! next port, an origin of their own: a learner's Chromium reaching the
//! machine by its address signs in to the wiki inside the page's frame,
//! writes their page and passes the check; a trainer signs in from a
//! browser (allowed: no tool shares Sandpit's origin); the tools' port
//! serves nothing of Sandpit's, and Sandpit's port no tool.
//!
//! Every connection stays on this machine: the browser and the test reach
//! the machine's own address, which the kernel delivers locally.

use std::net::IpAddr;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};

use crate::common::browser::Browser;
use crate::common::{InstanceCleanup, repo_scenarios, test_config};

/// What `serve --lan` printed, up to its first-start sign-in line.
struct Printed {
    url: String,
    tools: String,
    qr: Vec<String>,
    admin_password: String,
}

/// Reads `serve`'s output until it has said where learners go, shown the
/// code and printed the first admin's password; keeps reading after.
async fn printed(server: &mut tokio::process::Child) -> Printed {
    let stdout = server.stdout.take().expect("serve's stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(180), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let done = line.starts_with("First start:");
            seen.push(line);
            if done {
                return;
            }
        }
        panic!("serve stopped early: {seen:#?}");
    })
    .await;
    assert!(read.is_ok(), "serve did not finish starting: {seen:#?}");
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    let learners = seen
        .iter()
        .position(|l| l.starts_with("Learners on this network open "))
        .unwrap_or_else(|| panic!("no line for learners: {seen:#?}"));
    let url = seen[learners]
        .strip_prefix("Learners on this network open ")
        .and_then(|rest| rest.split_once(' '))
        .map(|(url, _)| url.to_owned())
        .unwrap();
    let tools = seen[learners]
        .split_once("their tools are served at ")
        .and_then(|(_, rest)| rest.split_once(". "))
        .map(|(tools, _)| tools.to_owned())
        .unwrap_or_else(|| panic!("no tools URL: {}", seen[learners]));
    let first = seen.len() - 1;
    let qr = seen[learners + 1..first].to_vec();
    let admin_password = seen[first]
        .split_once("with password ")
        .map(|(_, p)| p.trim().to_owned())
        .unwrap();
    Printed {
        url,
        tools,
        qr,
        admin_password,
    }
}

/// The text a QR code printed as half blocks says; light modules are the
/// blocks (see `serve --lan`), so a blank half is a dark module.
fn read_qr(lines: &[String]) -> String {
    let rows: Vec<Vec<char>> = lines.iter().map(|l| l.chars().collect()).collect();
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let height = rows.len() * 2;
    let dark = |x: usize, y: usize| {
        let c = rows[y / 2].get(x).copied().unwrap_or(' ');
        let lit = match c {
            '█' => true,
            '▀' => y.is_multiple_of(2),
            '▄' => y % 2 == 1,
            _ => false,
        };
        !lit
    };
    // Four pixels a module, as a camera would see it larger.
    let scale = 4;
    let mut image =
        rqrr::PreparedImage::prepare_from_bitmap(width * scale, height * scale, |x, y| {
            dark(x / scale, y / scale)
        });
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in {lines:#?}");
    grids[0].decode().expect("a readable QR code").1
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_classroom_on_the_lan_reaches_sandpit_and_the_wiki_by_this_machines_address() {
    let data = tempfile::tempdir().unwrap();
    let sandpit = |args: &[&str]| {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_sandpit"));
        cmd.args(args)
            .env_remove("SANDPIT_CONFIG")
            .env_remove("SANDPIT_LISTEN")
            .env_remove("SANDPIT_PUBLIC_URL")
            .env("SANDPIT_DATA_DIR", data.path())
            .env("SANDPIT_SCENARIOS_DIR", repo_scenarios())
            .env("SANDPIT_HOST_GUARD", "required")
            .env("RUST_LOG", "warn")
            .kill_on_drop(true);
        cmd
    };
    let mut server = sandpit(&["serve", "--lan", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let out = printed(&mut server).await;
    let _cleanup = InstanceCleanup {
        instance: std::fs::read_to_string(data.path().join("instance"))
            .unwrap()
            .trim()
            .to_owned(),
    };

    // Sandpit is on this machine's network address, tools on another port
    // of it, and the code leads to Sandpit.
    let address = url::Url::parse(&out.url).unwrap();
    let ip: IpAddr = address.host_str().unwrap().parse().expect("an IP address");
    assert!(!ip.is_loopback() && !ip.is_unspecified(), "{ip}");
    let tools = url::Url::parse(&out.tools).unwrap();
    assert_eq!(tools.host_str(), address.host_str());
    assert_ne!(tools.port(), address.port());
    assert_eq!(read_qr(&out.qr), out.url);

    // The tools' port serves no page of Sandpit's.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in ["/", "/login", "/trainer", "/healthz"] {
        let status = http
            .get(format!("{}{path}", out.tools))
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, reqwest::StatusCode::NOT_FOUND, "{path} on tools");
    }

    // Sandpit's pages there keep their Referer to themselves, so that their
    // forms send their real origin; an `Origin: null` (which a tool's page
    // could send from a sandboxed frame, with Sandpit's same-site cookies)
    // is refused, even with the form's token and cookie.
    let form = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let sign_in = |origin: String| {
        let form = form.clone();
        let url = out.url.clone();
        let password = out.admin_password.clone();
        async move {
            let page = form.get(format!("{url}/login")).send().await.unwrap();
            assert_eq!(page.headers()["referrer-policy"], "same-origin");
            let html = page.text().await.unwrap();
            let csrf = html
                .split("name=\"csrf\" value=\"")
                .nth(1)
                .and_then(|rest| rest.split('"').next())
                .unwrap()
                .to_owned();
            form.post(format!("{url}/login"))
                .header("origin", origin)
                .form(&[("name", "admin"), ("password", &password), ("csrf", &csrf)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(sign_in("null".into()).await, reqwest::StatusCode::FORBIDDEN);
    assert_eq!(
        sign_in(out.tools.clone()).await,
        reqwest::StatusCode::FORBIDDEN
    );

    // A learner's link, made by the trainer's command, is on that address.
    let made = sandpit(&[
        "link",
        "create",
        "--scenario",
        "wiki-basics",
        "--name",
        "Ada",
        "--json",
    ])
    .output()
    .await
    .unwrap();
    assert!(made.status.success(), "{made:?}");
    let made: serde_json::Value = serde_json::from_slice(&made.stdout).unwrap();
    let link = made["url"].as_str().unwrap().to_owned();
    assert!(link.starts_with(&format!("{}/s/", out.url)), "{link}");
    let token = sandpit::sandbox::LinkToken::parse(link.rsplit('/').next().unwrap()).unwrap();
    let tool = format!("{}/s/{}/proxy/8080/", out.tools, token.web_key().as_str());
    // Sandpit's own port does not serve the tool by path.
    let status = http
        .get(format!(
            "{}/s/{}/proxy/8080/",
            out.url,
            token.web_key().as_str()
        ))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND);

    // The learner, in a browser on the network, signs in to the wiki in the
    // frame, writes their page and passes the check.
    let home = tempfile::tempdir().unwrap();
    let browser = Browser::start_at_home(home.path(), &[&ip.to_string()]).await;
    browser.open(&link, "#pane-web-8080 iframe").await;
    let frame = browser.find("#pane-web-8080 iframe").await;
    let src = frame.attr("src").await.unwrap().unwrap_or_default();
    assert!(src.starts_with(&tool), "{src} is under {tool}");
    frame.enter_frame().await.unwrap();
    browser
        .write_wiki_user_page(
            "Hello! I'm Ada, in the classroom, on the trainer's machine.",
            "in the classroom",
        )
        .await;
    let inside = browser.location().await;
    assert!(inside.starts_with(&tool), "{inside}");
    browser.client.enter_parent_frame().await.unwrap();
    let feedback = browser.check().await;
    assert!(feedback.contains("Passed!"), "{feedback}");

    // The trainer signs in from a browser there: allowed, on to the change
    // of the printed password.
    browser
        .client
        .goto(&format!("{}/login", out.url))
        .await
        .unwrap();
    browser.sign_in_with("admin", &out.admin_password).await;
    browser.find("form[action^='/account/password']").await;
    browser.close().await;

    // Stopped (SIGTERM), then the sandbox removed.
    crate::common::stop_gracefully(&mut server).await;
    let app = sandpit::app::App::open(test_config(data.path(), repo_scenarios()))
        .await
        .unwrap();
    let id = uuid::Uuid::parse_str(made["sandbox"].as_str().unwrap()).unwrap();
    app.service.destroy(id).await.unwrap();
    app.store.close().await;
}
