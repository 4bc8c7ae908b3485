//! The change lead's indicators page on a large programme: 20 teams, 5,000
//! people, 9 cohorts on the bundled scenarios (14 exercises) and some
//! 200,000 checks, loaded by `sandpit demo` at the benchmark's size through
//! the product's own writes, in a Sandpit of its own. The page is drawn on
//! the server from the store each time (indexes, no cache): what is
//! measured is its server time and what the client waits.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use reqwest::StatusCode;

use super::Ctx;
use crate::report::{Figure, ms};
use crate::server::{Sandpit, server_ms};

/// Page loads measured, after one not measured.
const LOADS: usize = 20;
/// What the issue asks of the page, server side.
const TARGET_MS: f64 = 200.0;

pub async fn indicators(ctx: &Ctx, root: &Path, binary: &Path) -> Result<Vec<Figure>> {
    let mut sandpit = Sandpit::start(binary, &root.join("scenarios"), &[]).await?;
    let figures = measure(&mut sandpit, root, binary).await;
    // This Sandpit starts nothing on the engine (the demo's cohorts are
    // over); whatever it would have made goes with it all the same.
    sandpit.stop();
    let instance = format!("sandpit.instance={}", sandpit.instance);
    let swept = ctx.raw.sweep_label(&instance).await?;
    ctx.raw.sweep_disks(&sandpit.data_dir().join("disks")).await;
    let mut figures = figures?;
    if swept > 0 {
        for f in &mut figures {
            f.notes.push(format!(
                "{swept} engine objects of its Sandpit had to be swept"
            ));
        }
    }
    Ok(figures)
}

async fn measure(sandpit: &mut Sandpit, root: &Path, binary: &Path) -> Result<Vec<Figure>> {
    let loaded = Instant::now();
    let out = std::process::Command::new(binary)
        .args(["demo", "--large", "--json"])
        .env("SANDPIT_DATA_DIR", sandpit.data_dir())
        .env("SANDPIT_SCENARIOS_DIR", root.join("scenarios"))
        .output()
        .context("running sandpit demo")?;
    if !out.status.success() {
        bail!(
            "sandpit demo --large: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let load_s = loaded.elapsed().as_secs_f64();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    let id = report["programme"]["id"]
        .as_str()
        .context("no programme id in the demo's report")?
        .to_owned();
    let cookie = sandpit.session().await?;
    let url = format!("{}/trainer/programmes/{id}", sandpit.base);
    let (mut server, mut client) = (Vec::new(), Vec::new());
    for n in 0..=LOADS {
        let started = Instant::now();
        let page = sandpit
            .http
            .get(&url)
            .header(reqwest::header::COOKIE, &cookie)
            .send()
            .await?;
        let took = server_ms(page.headers());
        let status = page.status();
        let html = page.text().await?;
        let waited = ms(started.elapsed());
        if status != StatusCode::OK || !html.contains("id=\"trend-table\"") {
            bail!("the indicators page answered {status}");
        }
        if n > 0 {
            client.push(waited);
            server.extend(took);
        }
    }
    let median = crate::report::Stats::of(&server).map(|s| s.median);
    Ok(vec![
        Figure::new(
            "indicators_page",
            "indicators page: 5,000 people, ~200,000 checks, server side",
            "ms",
        )
        .sandpit(&server)
        .target(format!("≤ {TARGET_MS:.0} ms"), median.map(|m| m <= TARGET_MS))
        .note(format!(
            "{} people, {} teams, {} cohorts, {} checks loaded by `sandpit demo --large` in {load_s:.0} s; \
             every indicator (reach, proficiency, struggle, confidence, use, trend) and its charts drawn from the store per load",
            report["people"], report["teams"], report["cohorts"], report["attempts"]
        )),
        Figure::new(
            "indicators_page_client",
            "indicators page: request → whole page received",
            "ms",
        )
        .sandpit(&client)
        .note("the same loads, as the browser waits (HTML only)"),
    ])
}
